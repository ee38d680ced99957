"""tinyreg's Keras model: the same suite, on the CPU and (with --linreg-gpu) the GPU."""

import pytest
import pytest_linreg as plr

from tinyreg import fit_keras, make_house_prices

pytest.importorskip("tensorflow")


# gpu cases carry the linreg_gpu marker: skipped unless pytest runs with --linreg-gpu.
@plr.parametrize_with_linreg_checks(
    fit_keras,
    datasets=["Norris", "Longley", make_house_prices()],
    devices=["cpu", "gpu"],
    checks=["coefficients", "row_order", "offsets", "collinear"],
)
def test_keras_suite(check):
    check()


@pytest.mark.linreg_datasets("house_prices")
def test_keras_on_device(linreg_dataset, linreg_device):
    model = fit_keras(
        linreg_dataset.X, linreg_dataset.y, fit_intercept=True, dtype="float64",
        device=linreg_device.name,
    )
    plr.assert_coefficients_close(model, linreg_dataset)
