"""tinyreg's datasets join pytest-linreg's built-in ones through the dataset hook."""

from tinyreg import make_house_prices


def pytest_linreg_datasets(config):
    """Contribute ``house_prices``; it becomes a ``linreg_dataset`` id like the NIST sets."""
    return [make_house_prices()]
