"""Message snapshots: the key lines of each failure message, pinned verbatim.

Pinning whole lines catches a lost ``f`` prefix (literal braces) and silent rewording.
"""

from __future__ import annotations

import numpy as np
import pytest

from pytest_linreg.adapters import make_coefficients
from pytest_linreg.assertions import (
    assert_coefficients_close,
    assert_identifiable,
    assert_predictions_close,
)
from pytest_linreg.datasets import Dataset
from pytest_linreg.errors import LinregAssertionError


def _lines(call: object, *args: object, **kwargs: object) -> list[str]:
    with pytest.raises(LinregAssertionError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    text = str(info.value)
    assert "{" not in text and "}" not in text, text  # an f-string lost its prefix
    return text.splitlines()


def test_coefficients_message_on_the_question(sorted_poisson: Dataset) -> None:
    lines = _lines(assert_coefficients_close, np.array([0.904, 0.096]), sorted_poisson)
    assert lines[:6] == [
        "coefficients differ: 2/3 mismatched at rtol=1.0e-07, atol=[1.5e-14, 0.0e+00, 0.0e+00] "
        "(as passed, atol for parameters zero at float64 resolution; |a − e| ≤ atol + rtol·|e|)",
        "compared array [float64] with Dataset:sorted_poisson on dataset sorted_poisson, seed 1443",
        "    parameter             actual           expected    abs err    rel err  digits",
        "    intercept                  0                  0   0.00e+00   0.00e+00   15.0",
        "  ✗ x1                     0.904                0.5   4.04e-01   8.08e-01    0.1",
        "  ✗ x2                     0.096                0.5   4.04e-01   8.08e-01    0.1",
    ]
    assert "note: the actual model has no intercept; it was compared as 0" in lines
    # The reference intercept is exactly 0 (a correct lstsq gives 3e-17): no relative tolerance
    # can hold, so it is compared absolutely at what float64 resolves.
    assert "note: zero at float64 resolution, compared absolutely: intercept (|e| ≤ 1.5e-14)" in (
        lines)
    assert (
        "design: condition number 2.82e+02 (column-equilibrated, with intercept column), "
        "rank 3/3, n=100000"
    ) in lines
    assert "  near-null: x1 − 1.00·x2 ≈ 0  (σ/σmax = 3.5e-03)" in lines
    assert any(
        line.startswith("attainable in float64: rtol 8.2e-14 (hardest parameter x1: 4·u(float64)")
        for line in lines
    )
    predictions = next(line for line in lines if line.startswith("predictions:"))
    assert predictions.startswith(
        "predictions: max |Xβ − Xβ_expected| / max |Xβ_expected| = 3.4e-02 (rms 2.9e-03): "
        "the predictions nearly agree while the coefficients differ by up to 4.0e-01 (relative "
        "to max(|β|, ‖ŷ‖/‖column‖)), because the columns are almost collinear (x1 − 1.00·x2 ≈ 0)"
    )
    # An array says nothing of how it was fitted: the shuffle advice is a condition.
    assert lines[-2].startswith("advice: the rows are sorted: if this model was trained by "
                                "mini-batch gradient descent, shuffle them")
    assert lines[-1] == (
        "rerun: pytest "
        "'tests/unit/test_assertions_messages.py::test_coefficients_message_on_the_question'"
    )


def test_float32_message_states_the_tolerance_is_out_of_reach(sorted_poisson: Dataset) -> None:
    pair = (np.array([0.904, 0.096], np.float32), np.float32(0.0))
    lines = _lines(assert_coefficients_close, pair, sorted_poisson)
    assert lines[1].startswith("compared pair [float32] with Dataset:sorted_poisson")
    assert (
        "rtol=1.0e-07 is tighter than data and float32 allow for intercept, x1, x2: "
        "no float32 fit of these data can be relied on to pass"
    ) in lines
    assert any(line.startswith("advice: compute in float64") for line in lines)


def test_bfloat16_message_blames_the_dtype_and_advises_float32(line: Dataset) -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    coef = np.array([2.0, -1.0], ml_dtypes.bfloat16) * np.array(1.01, ml_dtypes.bfloat16)
    lines = _lines(assert_coefficients_close, (coef, 0.5), line, rtol=1e-4)
    assert lines[1] == "compared pair [bfloat16] with Dataset:line on dataset line"
    predictions = next(line for line in lines if line.startswith("predictions:"))
    assert predictions.endswith(
        "the coefficients differ by up to 7.8e-03, within the rtol 7.0e-02 that bfloat16 "
        "resolves on these data: the dtype limits them, not the fit"
    )
    assert lines[-2] == (
        "advice: compute in float32 or wider (keras dtype='float32', model.float() in torch): "
        "bfloat16 cannot resolve rtol=1e-04 here, float32 can"
    )


def test_identifiable_message(sorted_poisson: Dataset) -> None:
    lines = _lines(assert_identifiable, sorted_poisson.X, dtype=np.float32)
    assert lines[0] == (
        "not identifiable to rtol=1.0e-07 in float32: intercept, x1, x2 (data and dtype "
        "determine them only to rtol intercept 3.6e-07, x1 3.9e-05, x2 3.9e-05)"
    )
    assert lines[2] == "  near-null: x1 − 1.00·x2 ≈ 0  (σ/σmax = 3.5e-03)"
    assert lines[3] == (
        "attainable tolerance: rtol=3.9e-05 in float32 (4·u·componentwise condition, "
        "u = 6.0e-08); other dtypes: float64 7.2e-14"
    )
    assert lines[4].startswith("advice: compute in float64")
    assert lines[5] == (
        "rerun: pytest 'tests/unit/test_assertions_messages.py::test_identifiable_message'"
    )


def test_identifiable_advice_blames_no_model(sorted_poisson: Dataset) -> None:
    # float64 itself cannot reach 1e-14 here: the advice is about rtol and the design.
    lines = _lines(assert_identifiable, sorted_poisson.X, rtol=1e-14, y=sorted_poisson.y)
    assert lines[-2] == (
        "advice: ask for rtol ≥ 8.2e-14, or change the design so that x1 − 1.00·x2 ≈ 0 no longer "
        "holds (drop or combine those columns)"
    )
    t = np.linspace(0.0, 1.0, 30)
    lines = _lines(assert_identifiable, np.column_stack([t, np.cos(3 * t)]), rtol=1e-17)
    assert lines[-2].startswith("advice: ask for rtol ≥ ")
    assert lines[-2].endswith(": data held in float64 determine no more")


def test_wrong_model_message(line: Dataset) -> None:
    trained = make_coefficients([2.5, -1.0], 0.5, "sgd-model", kind="iterative")
    lines = _lines(assert_coefficients_close, trained, line)
    assert lines[0].startswith("coefficients differ: 1/3 mismatched at rtol=1.0e-07")
    assert lines[4] == (
        "  ✗ a                        2.5                  2   5.00e-01   2.50e-01    0.6"
    )
    assert lines[-3].endswith("(too few steps, sorted mini-batches, float32 loss) or a different "
                              "model (regularisation, fit_intercept)")
    assert "the predictions differ too, so the fit itself is off" in lines[-3]
    assert lines[-2].startswith("advice: the model disagrees with OLS itself")


def test_large_offsets_advise_centring() -> None:
    rng = np.random.default_rng(0)
    X = 1e6 + rng.normal(size=(50, 2))
    ds = Dataset.from_arrays("offsets", X, X @ [1.0, 2.0] + 3.0)
    lines = _lines(assert_coefficients_close, (ds.coef * (1 + 1e-3), ds.intercept), ds)
    assert any(line.startswith("advice: centre/standardise the columns") for line in lines)


def test_long_tables_show_the_worst_five() -> None:
    expected = np.arange(1.0, 15.0)
    actual = expected.copy()
    actual[[2, 9]] *= 1.5
    lines = _lines(assert_coefficients_close, actual, expected)
    assert lines[0].startswith("coefficients differ: 2/14 mismatched")
    assert "    ... 9 more parameters not shown (the worst 5 are)" in lines
    # The failing rows are among the five shown, even when five parameters that passed
    # through atol have far larger relative errors (expected 1e-20, got 1e-10).
    tiny = [0, 4, 5, 6, 7]
    expected[tiny], actual[tiny] = 1e-20, 1e-10
    lines = _lines(assert_coefficients_close, actual, expected, atol=1e-9)
    failing = [line.split()[1] for line in lines if line.startswith("  ✗ ")]
    assert failing == ["x3", "x10"]
    assert "(pass dataset= or X= to have the design diagnosed)" in lines


def test_zero_expected_suggests_atol() -> None:
    lines = _lines(assert_coefficients_close, ([1.0], 1e-9), ([1.0], 0.0))
    assert "note: intercept expected exactly 0: no relative tolerance can hold; pass atol" in lines


@pytest.mark.parametrize("label", ["it's"])
def test_rerun_line_quotes_a_quote_in_the_test_id(line: Dataset, label: str) -> None:
    lines = _lines(assert_predictions_close, ([2.5, -1.0], 0.5), line)
    assert lines[-1] == (
        "rerun: pytest 'tests/unit/test_assertions_messages.py::"
        "test_rerun_line_quotes_a_quote_in_the_test_id[it'\\''s]'"
    )


def test_predictions_message(line: Dataset) -> None:
    lines = _lines(assert_predictions_close, ([2.5, -1.0], 0.5), line)
    assert lines == [
        "predictions differ: max |ŷ − ŷ_ref| / max |ŷ_ref| = 3.08e-01 > rtol=1.0e-07 (default)",
        "compared pair [float64] with Dataset:line on dataset line",
        "worst row 4: got 8.5, want 6.5 (abs err 2.00e+00)",
        "design: condition number 4.15e+00; rows off by more than rtol: 4/5",
        *lines[4:],
    ]


@pytest.mark.parametrize(
    ("coef", "intercept"),
    [
        pytest.param([0.767097, 0.1885366], 0.1173282, id="naive-keras-3-epochs-py311"),
        pytest.param([-0.2045549, 1.197492], 0.1004927, id="naive-keras-3-epochs-py312"),
    ],
)
def test_unconverged_fit_is_not_called_a_flat_near_solution(
    sorted_poisson: Dataset, coef: list[float], intercept: float
) -> None:
    """Weights the question's SGD model reached after 3 epochs on two Python versions.

    Both are mostly a move along ``x1 − x2`` but keep an intercept ~0.1 off: the message must
    say "not converged" for both, whatever the ratio of prediction to coefficient errors.
    """
    actual = make_coefficients(np.array(coef, np.float32), np.float32(intercept), "keras-sgd",
                               kind="iterative")
    with pytest.raises(AssertionError) as info:
        assert_coefficients_close(actual, sorted_poisson, rtol=1e-7, atol=1e-12)
    line = next(x for x in str(info.value).splitlines() if x.startswith("predictions:"))
    assert "the predictions differ too, so the fit itself is off; off the flat direction" in line
    assert "(along x1 − 1.00·x2 ≈ 0 by " in line
    assert "an optimiser that has not converged" in line
    assert "near-solution of a flat problem" not in line


def test_a_pure_move_along_the_flat_direction_is_a_near_solution(sorted_poisson: Dataset) -> None:
    with pytest.raises(AssertionError) as info:
        assert_coefficients_close(([0.3, 0.7], 0.0), sorted_poisson, rtol=1e-7)
    text = str(info.value)
    assert "another near-solution of a flat problem, not a wrong model" in text
    assert "not converged" not in text
