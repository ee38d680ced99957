"""lre(): digits correct as NIST and McCullough (1998) count them."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from pytest_linreg import lre


@pytest.mark.parametrize(
    ("actual", "expected", "digits"),
    [
        (1.0000001, 1.0, 7.0),
        (0.99, 1.0, 2.0),
        (-2.0002, -2.0, 4.0),
        (123456.7, 123450.0, -math.log10(6.7 / 123450.0)),
        (1e-9, 0.0, 9.0),  # log absolute error when the certified value is 0
        (-1e-3, 0.0, 3.0),
    ],
)
def test_values(actual: float, expected: float, digits: float) -> None:
    assert float(lre(actual, expected)) == pytest.approx(digits, rel=1e-6)


@pytest.mark.parametrize(
    ("actual", "expected", "digits"),
    [
        (0.5, 0.5, 15.0),  # exact match: the 15 digits NIST certifies
        (0.0, 0.0, 15.0),
        (1.0 + 2**-52, 1.0, 15.0),  # 15.65 digits, capped
        (3.0, 1.0, 0.0),  # off by more than the value: floored
        (-1.0, 1.0, 0.0),
        (5.0, 0.0, 0.0),
        (float("nan"), 1.0, 0.0),
        (float("inf"), 1.0, 0.0),
        (-float("inf"), 0.0, 0.0),
        (1e308, -1e308, 0.0),  # the difference overflows
    ],
)
def test_caps_floors_and_non_finite(actual: float, expected: float, digits: float) -> None:
    assert float(lre(actual, expected)) == digits


def test_arrays_broadcast_and_types() -> None:
    out = lre([[0.5, 0.6], [0.5, float("nan")]], [0.5, 0.5])
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (2, 2)
    np.testing.assert_allclose(out, [[15.0, -math.log10(0.2)], [15.0, 0.0]])
    scalar = lre(1, 1)
    assert isinstance(scalar, np.ndarray) and scalar.shape == ()
    assert lre(np.float32(0.1), 0.1) == pytest.approx(
        -math.log10(abs(float(np.float32(0.1)) - 0.1) / 0.1)
    )


def test_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"actual has shape \(3,\) and expected has shape \(2,\)"):
        lre([1.0, 2.0, 3.0], [1.0, 2.0])


def test_expected_must_be_finite() -> None:
    with pytest.raises(ValueError, match=r"expected contains NaN or inf at index \(1,\)"):
        lre([1.0, 2.0], [1.0, float("nan")])


@pytest.mark.parametrize(
    ("actual", "expected", "error"),
    [
        (1 + 1j, 1.0, TypeError),
        ("a", 1.0, TypeError),
        (1.0, ["x"], TypeError),
        ([[1.0], [1.0, 2.0]], 1.0, ValueError),
        (np.array([1.0, "3"], dtype=object), 3.0, TypeError),  # not parsed as 3.0
        (["3"], 3.0, TypeError),  # a str dtype is not parsed either
        (np.array([10**400], dtype=object), 1.0, ValueError),  # not a raw OverflowError
        (1.0, np.array([None, 1.0], dtype=object), TypeError),  # not NaN scoring 0 digits
    ],
)
def test_bad_input(actual: object, expected: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"actual|expected"):
        lre(actual, expected)


def test_long_double_beyond_float64_scores_zero_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(lre(np.longdouble("1e4000"), 1.0)) == 0.0
