"""tinyreg's scikit-learn model, tested with pytest-linreg's suite generator and fixtures."""

import pytest
import pytest_linreg as plr

from tinyreg import fit_sklearn, make_house_prices

pytest.importorskip("sklearn")


# The project's own dataset goes in as an object; built-in ones by name. Only float64 and
# float32 on the CPU are generated: fit_sklearn declares exactly that.
#
# Known weaknesses of scikit-learn, found by the suite: LinearRegression does not equilibrate
# the columns, and its least-squares cut-off then drops a singular value of Longley with columns
# rescaled by 1e3 / 1e-3 (0 correct digits, float64 and float32); in float32 it also loses
# digits on the rescaled house prices (4.6 digits required, 4.3 to 4.7 measured across
# releases). They are canaries of another project's behaviour, not of ours: non-strict xfails,
# so the report shows XPASS the day scikit-learn improves, and this suite stays green either way.
@plr.parametrize_with_linreg_checks(
    fit_sklearn,
    datasets=["Norris", "Longley", "NoInt1", make_house_prices()],
    devices=["cpu", "gpu"],
    expected_failures={
        "Longley-*-scaling": "LinearRegression drops a singular value of rescaled Longley",
        "house_prices-float32-cpu-scaling": "LinearRegression in float32 is not scale invariant",
    },
    strict=False,
)
def test_sklearn_suite(check):
    check()


@pytest.mark.linreg_datasets("house_prices", "Longley")
def test_sklearn_matches_reference(linreg_dataset):
    model = fit_sklearn(
        linreg_dataset.X, linreg_dataset.y, fit_intercept=linreg_dataset.fit_intercept,
        dtype="float64", device="cpu",
    )
    plr.assert_coefficients_close(model, linreg_dataset)
