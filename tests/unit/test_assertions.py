"""Assertions: verdicts, records, tolerance convention and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_linreg._records import collecting
from pytest_linreg.adapters import Coefficients, make_coefficients
from pytest_linreg.assertions import (
    assert_coefficients_close,
    assert_identifiable,
    assert_predictions_close,
)
from pytest_linreg.datasets import Dataset
from pytest_linreg.errors import LinregAssertionError
from pytest_linreg.reference import ols


def test_identifiable_sorted_poisson_float32_fails_naming_both_columns(
    sorted_poisson: Dataset,
) -> None:
    with collecting() as rows:
        with pytest.raises(LinregAssertionError) as info:
            assert_identifiable(sorted_poisson.X, rtol=1e-7, dtype=np.float32)
    first = str(info.value).splitlines()[0]
    assert "x1" in first and "x2" in first and "float32" in first
    assert rows[0].check == "identifiable" and rows[0].passed is False
    assert rows[0].dtype == "float32" and rows[0].digits_required == pytest.approx(7.0)


def test_identifiable_sorted_poisson_float64_passes(sorted_poisson: Dataset) -> None:
    with collecting() as rows:
        assert_identifiable(sorted_poisson.X, rtol=1e-7, dtype=np.float64, y=sorted_poisson.y)
    assert rows[0].passed and 270 < (rows[0].condition_number or 0) < 300


def test_identifiable_exact_collinearity_says_rank_deficient() -> None:
    t = np.linspace(0.0, 1.0, 20)
    with pytest.raises(LinregAssertionError, match="rank deficient \\(rank 2 of 3\\)"):
        assert_identifiable(np.column_stack([t, 2 * t]))


def test_keras_weights_on_sorted_poisson_fail_with_flat_problem_explanation(
    sorted_poisson: Dataset,
) -> None:
    with collecting() as rows:
        with pytest.raises(LinregAssertionError) as info:
            assert_coefficients_close(np.array([0.904, 0.096]), sorted_poisson)
    text = str(info.value)
    assert "the predictions nearly agree" in text
    assert "almost collinear (x1 − 1.00·x2 ≈ 0)" in text
    assert "not a wrong model" in text
    row = rows[0]
    assert row.check == "coefficients" and not row.passed and row.dataset == "sorted_poisson"
    assert row.digits_achieved == pytest.approx(0.09, abs=0.01)


def test_wrong_model_is_told_apart_from_flat_problem(sorted_poisson: Dataset) -> None:
    with pytest.raises(LinregAssertionError) as info:
        assert_coefficients_close(_trained(([0.7, 0.7], 0.0)), sorted_poisson)
    text = str(info.value)
    assert "the predictions differ too, so the fit itself is off" in text
    assert "an optimiser that has not converged" in text


def test_passes_within_numpy_convention_and_records(line: Dataset) -> None:
    with collecting() as rows:
        assert_coefficients_close(([2.0 * (1 + 5e-8), -1.0], 0.5), line, rtol=1e-7)
        assert_coefficients_close(([2.0, -1.0], 0.5 + 1e-9), line, rtol=0.0, atol=1e-8)
        assert_coefficients_close(ols(line.X, line.y), line)
    assert [r.passed for r in rows] == [True, True, True]
    assert rows[0].condition_number is not None and rows[0].digits_required == pytest.approx(7)
    with pytest.raises(LinregAssertionError, match="1/3 mismatched"):
        assert_coefficients_close(([2.0 * (1 + 2e-7), -1.0], 0.5), line, rtol=1e-7)


def test_intercept_compared_only_when_expected_has_one(line: Dataset) -> None:
    assert_coefficients_close(([2.0, -1.0], 123.0), [2.0, -1.0])  # array: coef only
    with pytest.raises(LinregAssertionError, match="no intercept; it was compared as 0"):
        assert_coefficients_close([2.0, -1.0], line)


def test_intercept_against_a_reference_without_one_is_compared_with_zero() -> None:
    import pytest_linreg as plr

    ds = plr.load_dataset("NoInt1")
    with pytest.raises(LinregAssertionError) as info:
        assert_coefficients_close((ds.coef, 5.0), ds)  # the right slope, a spurious intercept
    lines = str(info.value).splitlines()
    assert lines[0].startswith("coefficients differ: 1/2 mismatched")
    assert (
        "note: the reference has no intercept term; the actual intercept 5 was compared with 0 "
        "(fit without one)"
    ) in lines
    assert not any("expected exactly 0" in line for line in lines)
    with pytest.raises(LinregAssertionError, match="compared with 0"):
        assert_coefficients_close((ds.coef, 5.0), ols(ds.X, ds.y, fit_intercept=False))
    with collecting() as rows:
        assert_coefficients_close((ds.coef, 0.0), ds)
        assert_coefficients_close(ds.coef, ds)
    assert [r.passed for r in rows] == [True, True]
    # No tolerance comes from the scale of the predictions (‖ŷ‖/√n would let 1e-13 through):
    # the data have no intercept column, so nothing makes a spurious intercept a rounding error.
    with pytest.raises(LinregAssertionError, match="compared with 0"):
        assert_coefficients_close((ds.coef, 1e-13), ds, rtol="auto")


def test_float32_weights_get_float32_attainable_accuracy(line: Dataset) -> None:
    coef = np.array([2.0, -1.0], dtype=np.float32) * np.float32(1 + 1e-6)
    with pytest.raises(LinregAssertionError) as info:
        assert_coefficients_close((coef, np.float32(0.5)), line)
    text = str(info.value)
    assert "[float32]" in text and "attainable in float32" in text


def test_design_from_X_argument(sorted_poisson: Dataset) -> None:
    with pytest.raises(LinregAssertionError) as info:
        assert_coefficients_close(
            [0.904, 0.096], ([0.5, 0.5], 0.0), X=sorted_poisson.X, feature_names=["u", "v"]
        )
    text = str(info.value)
    assert "u − 1.00·v ≈ 0" in text and "✗ u" in text


def test_predictions_close(sorted_poisson: Dataset) -> None:
    with collecting() as rows:
        assert_predictions_close(([0.5 + 1e-9, 0.5 - 1e-9], 0.0), sorted_poisson)
        with pytest.raises(LinregAssertionError) as info:
            assert_predictions_close(
                (np.array([0.904, 0.096], np.float32), np.float32(0)), sorted_poisson
            )
    assert [r.passed for r in rows] == [True, False] and rows[1].check == "predictions"
    # The derived rtol is 4·u·log2(n)·prediction condition, and the message says all three.
    first = str(info.value).splitlines()[0]
    assert first.endswith("> rtol=9.5e-05 (4·u(float32)·cond 397: log2(n) = 16.6 × prediction "
                          "condition 23.9)")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({"rtol": -1e-7}, ValueError, "rtol must be a finite number", id="neg-rtol"),
        pytest.param({"rtol": float("nan")}, ValueError, "rtol must be", id="nan-rtol"),
        pytest.param({"rtol": 1.0}, ValueError, "in \\[0, 1\\)", id="rtol-one"),
        pytest.param({"rtol": "1e-7"}, TypeError, "rtol must be a real number", id="str-rtol"),
        pytest.param({"atol": -1.0}, ValueError, "atol must be a finite", id="neg-atol"),
    ],
)
def test_bad_tolerances(line: Dataset, kwargs: dict[str, object], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        assert_coefficients_close(([2.0, -1.0], 0.5), line, **kwargs)  # type: ignore[arg-type]


def test_bad_shapes_and_references(line: Dataset) -> None:
    with pytest.raises(ValueError, match=r"actual has 3 coefficients .* expected has 2"):
        assert_coefficients_close([1.0, 2.0, 3.0], line)
    with pytest.raises(ValueError, match=r"expected .* contains NaN"):
        assert_coefficients_close([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(TypeError, match="expected must be a Dataset"):
        assert_coefficients_close([1.0, 2.0], object())
    with pytest.raises(ValueError, match="design has 1 columns"):
        assert_coefficients_close([1.0, 2.0], [1.0, 2.0], X=np.ones((5, 1)))
    with pytest.raises(TypeError, match=r"dataset must be a pytest_linreg\.Dataset"):
        assert_predictions_close([1.0, 2.0], line.X)
    with pytest.raises(TypeError, match="floating dtype"):
        assert_identifiable(line.X, dtype="int8")


def test_fitted_sklearn_model_passes(line: Dataset) -> None:
    linear_model = pytest.importorskip("sklearn.linear_model")
    model = linear_model.LinearRegression().fit(line.X, line.y)
    with collecting() as rows:
        assert_coefficients_close(model, line, rtol=1e-10)
    assert rows[0].fitter == "sklearn:LinearRegression" and rows[0].passed


def test_diverged_fit_fails_with_a_reason_not_a_numpy_warning(line: Dataset) -> None:
    with pytest.raises(LinregAssertionError) as info:
        assert_coefficients_close(([np.nan, np.inf], np.nan), line)
    text = str(info.value)
    assert "the actual contains NaN or inf: the fit diverged" in text
    row = "  ✗ a                        nan                  2        inf        inf    0.0"
    assert row in text.splitlines()


@pytest.mark.slow  # imports TensorFlow (about 10 s)
def test_keras_float32_dense_on_the_question(sorted_poisson: Dataset) -> None:
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.layers[0].set_weights([np.array([[0.904], [0.096]]), np.zeros(1)])
    with collecting() as rows:
        with pytest.raises(LinregAssertionError) as info:
            assert_coefficients_close(model, sorted_poisson)
    text = str(info.value)
    assert "compared keras:Dense [float32] with Dataset:sorted_poisson" in text
    assert "no float32 fit of these data can be relied on to pass" in text
    assert "the predictions nearly agree" in text
    assert rows[0].dtype == "float32" and rows[0].fitter == "keras:Dense"


def test_float32_predictions_of_wampler5_are_not_checkable_by_default() -> None:
    # Float32 determines Wampler5's predictions only to 6.1e-2: at that derived rtol every
    # coefficient ×1.01 passed. Above the 1e-2 ceiling the check fails as not checkable;
    # an explicit rtol is the user's to choose.
    import scipy.linalg as sl

    import pytest_linreg as plr

    ds = plr.load_dataset("Wampler5")
    A = np.column_stack([np.ones(ds.n), ds.X]).astype(np.float32)
    Q, R = sl.qr(A, mode="economic")
    params = sl.solve_triangular(R, Q.T @ ds.y.astype(np.float32))
    pair = (params[1:], params[0])
    for actual in (pair, (params[1:] * np.float32(1.01), params[0] * np.float32(1.01))):
        with pytest.raises(LinregAssertionError) as info, collecting() as rows:
            assert_predictions_close(actual, ds)
        assert str(info.value).startswith("predictions not checkable in float32: the data and "
                                          "dtype determine them only to rtol 6.1e-02")
        assert rows[0].passed is False and rows[0].note == "not checkable"
    with collecting():
        assert_predictions_close(pair, ds, rtol=1e-3)
        with pytest.raises(LinregAssertionError):
            assert_predictions_close((params[1:] * 1.2, params[0]), ds, rtol=1e-3)


def test_auto_tolerance_fails_where_the_dtype_determines_no_digit() -> None:
    # One column offset by 1e6: float32 keeps no digit of intercept or slope; a tolerance
    # loosened to what float32 allows would pass anything, so the check fails instead.
    rng = np.random.default_rng(0)
    X = (1e6 + rng.normal(size=40))[:, None]
    ds = Dataset.from_arrays("off1", X, 3.0 + 2.0 * X[:, 0] + 0.01 * rng.normal(size=40))
    with collecting() as rows:
        with pytest.raises(LinregAssertionError) as info:
            assert_coefficients_close((np.array([2.0], np.float32), np.float32(3.0)), ds,
                                      rtol="auto")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("coefficients not determined: ")
    assert lines[1].startswith("rtol='auto': float32 determines no digit of these coefficients")
    assert not any(line.startswith(("predictions:", "advice:")) for line in lines)
    assert rows[0].passed is False
    assert_coefficients_close((ds.coef, ds.intercept), ds, rtol="auto")  # float64 can


def test_auto_tolerances_need_the_design_and_atol_arrays_are_per_parameter() -> None:
    with pytest.raises(ValueError, match="need the design"):
        assert_coefficients_close(([2.0], 1.0), ([2.0], 1.0), rtol="auto")
    with pytest.raises(ValueError, match="atol array must hold 2"):
        assert_coefficients_close(([2.0], 1.0), ([2.0], 1.0), atol=[0.0, 0.0, 0.0])
    with collecting():
        assert_coefficients_close(([2.0], 1.0 + 1e-3), ([2.0], 1.0), rtol=0.0, atol=[2e-3, 0.0])
        with pytest.raises(LinregAssertionError, match=r"atol=\[0.0e\+00, 2.0e-03\]"):
            assert_coefficients_close(([2.0], 1.0 + 1e-3), ([2.0], 1.0), rtol=0.0,
                                      atol=[0.0, 2e-3])


def test_identifiable_records_digits_clipped_to_zero_when_no_digit_is_determined() -> None:
    # Filip-like monomials x, x², ..., x¹⁰ in float32: attainable rtol far above 1.
    t = np.linspace(-8.8, -3.1, 82)
    X = np.column_stack([t**k for k in range(1, 11)])
    with collecting() as rows:
        with pytest.raises(LinregAssertionError):
            assert_identifiable(X, rtol=1e-7, dtype=np.float32)
    assert "attainable rtol" in rows[0].note
    worst = float(rows[0].note.split("attainable rtol ")[1].split()[0])
    assert worst > 1.0  # the case the clip is for
    assert rows[0].digits_achieved == 0.0


def test_predictions_record_digits_clipped_to_zero_for_a_far_off_fit(line: Dataset) -> None:
    with collecting() as rows:
        with pytest.raises(LinregAssertionError):
            assert_predictions_close(([200.0, -100.0], 50.0), line)
    assert rows[0].digits_achieved == 0.0


def test_summary_error_is_relative_to_the_coefficient_scale_not_a_tiny_reference(
    sorted_poisson: Dataset,
) -> None:
    # A reference intercept of 1e-20 (an OLS intercept of data through the origin): the
    # intercept's error 1e-3 is 1e17 relative to it, but 1e-3 on the coefficient scale.
    expected = (sorted_poisson.coef, 1e-20)
    with pytest.raises(LinregAssertionError) as info:
        assert_coefficients_close(([0.904, 0.096], 1e-3), expected, X=sorted_poisson.X)
    line = next(s for s in str(info.value).splitlines() if "differ by up to" in s)
    worst = float(line.split("differ by up to ")[1].split(" ")[0])
    assert worst == pytest.approx(0.404, abs=0.01)  # |0.904 − 0.5| on the scale ‖ŷ‖/‖x1‖ ≈ 1


def test_recorded_digits_ignore_a_tiny_parameter_that_passed_through_atol(
    sorted_poisson: Dataset,
) -> None:
    expected = (sorted_poisson.coef, 4.7e-20)
    actual = (sorted_poisson.coef * (1 + 1e-9), 0.0)
    with collecting() as rows:
        # Design known: the intercept's digits count against ‖ŷ‖/‖1‖ ≈ 1, i.e. 15 here.
        assert_coefficients_close(actual, expected, X=sorted_poisson.X, rtol=1e-7, atol=1e-12)
        # No design: no scale to count it against, so it is left out.
        assert_coefficients_close(actual, expected, rtol=1e-7, atol=1e-12)
    assert [r.passed for r in rows] == [True, True]
    assert rows[0].digits_achieved == pytest.approx(9.0, abs=0.01)
    assert rows[1].digits_achieved == pytest.approx(9.0, abs=0.01)


def _trained(pair: tuple[object, object], kind: str = "iterative") -> Coefficients:
    """A pair as an adapter would read it from a model fitted ``kind``-ly (no framework)."""
    return make_coefficients(pair[0], pair[1], f"{kind}-model", kind=kind)


def _advice(actual: object, expected: object, X: np.ndarray) -> str:
    with pytest.raises(LinregAssertionError) as info:
        assert_coefficients_close(actual, expected, X=X)
    return next(s for s in str(info.value).splitlines() if s.startswith("advice:"))


def test_advice_is_chosen_from_dtype_and_the_row_order_of_the_given_design(
    sorted_poisson: Dataset,
) -> None:
    exp = (sorted_poisson.coef, sorted_poisson.intercept)
    flat64 = (np.array([0.904, 0.096]), 0.0)
    flat32 = (np.array([0.904, 0.096], dtype=np.float32), np.float32(0.0))
    # float32 cannot resolve 1e-7 here but float64 can: float64, whatever the row order.
    assert "compute in float64" in _advice(flat32, exp, sorted_poisson.X)
    # A float64 flat fit of an optimiser on sorted rows: shuffle; on the rows shuffled: not.
    assert "shuffle the rows" in _advice(_trained(flat64), exp, sorted_poisson.X)
    shuffled = sorted_poisson.X[np.random.default_rng(0).permutation(sorted_poisson.n)]
    assert "shuffle" not in _advice(_trained(flat64), exp, shuffled)
    # A direct solver is never told to shuffle; an unknown fitter only on a condition.
    assert "shuffle" not in _advice(_trained(flat64, "direct"), exp, sorted_poisson.X)
    assert "if this model was trained by mini-batch gradient descent, shuffle" in _advice(
        flat64, exp, sorted_poisson.X)
