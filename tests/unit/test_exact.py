"""The exact rational path: NIST's certified values from the decimal data, exact inputs."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from rational_oracle import oracle

import pytest_linreg as plr
from pytest_linreg._exact import (
    _dot,
    _exact_cross_products,
    exact_lstsq,
    fraction_sqrt,
    integer_column,
)


@pytest.mark.parametrize("name", plr.dataset_names("nist"))
def test_exact_path_reproduces_nist_certified_values(name: str) -> None:
    ds = plr.load_dataset(name)
    assert ds.exact_X is not None and ds.exact_y is not None
    res = plr.ols(ds.exact_X, ds.exact_y, fit_intercept=ds.fit_intercept, exact=True)
    assert res.method == "exact"
    assert res.converged
    assert np.all(res.relative_error == 0)
    assert plr.lre(res.params, ds.params).min() >= 14.0
    assert ds.residual_std is not None and ds.r_squared is not None
    assert plr.lre(res.residual_std, ds.residual_std) >= 14.0
    assert plr.lre(res.r_squared, ds.r_squared) >= 14.0


def test_float_columns_become_exact_integers() -> None:
    col = np.array([0.1, -3.0, 2.0**-40, 0.0, 1e10])
    ints, scale = integer_column(col)
    assert [Fraction(c) * scale for c in ints] == [Fraction(v) for v in col]


def test_rational_columns_become_exact_integers() -> None:
    col = np.array([Fraction(1, 3), Decimal("0.25"), 7, Fraction(-5, 6)], dtype=object)
    ints, scale = integer_column(col)
    assert [c * scale for c in ints] == [Fraction(1, 3), Fraction(1, 4), 7, Fraction(-5, 6)]


def test_known_answer_is_exact() -> None:
    # y = 1/3 + (2/7) x exactly, with rational data: the answer is the rationals themselves.
    x = [Fraction(i, 5) for i in range(8)]
    y = [Fraction(1, 3) + Fraction(2, 7) * xi for xi in x]
    sol = exact_lstsq(
        [np.ones(8, dtype=np.int64), np.array(x, dtype=object)], np.array(y, dtype=object)
    )
    assert sol.x == [Fraction(1, 3), Fraction(2, 7)]
    assert sol.rss == 0
    res = plr.ols(np.array(x, dtype=object)[:, None], np.array(y, dtype=object), exact=True)
    assert res.intercept == float(Fraction(1, 3))  # correctly rounded
    assert res.coef[0] == float(Fraction(2, 7))
    assert res.r_squared == 1.0
    assert res.residual_std == 0.0


@pytest.mark.parametrize("kind", ["decimal", "fraction", "int", "float", "int64"])
def test_input_kinds_agree(kind: str) -> None:
    rng = np.random.default_rng(5)
    Xi = rng.integers(-100, 100, (30, 3))
    yi = rng.integers(-1000, 1000, 30)

    def convert(a: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
        if kind == "float":
            return a.astype(np.float64)
        if kind == "int64":
            return a
        make: dict[str, Callable[[int], object]] = {
            "decimal": Decimal,
            "fraction": Fraction,
            "int": int,
        }
        return np.array(
            [[make[kind](int(v)) for v in row] for row in np.atleast_2d(a)], dtype=object
        ).reshape(a.shape)

    res = plr.ols(convert(Xi), convert(yi), exact=True)
    ref = plr.ols(Xi.astype(float), yi.astype(float), exact=True)
    np.testing.assert_array_equal(res.params, ref.params)


def test_large_integers_are_not_rounded_through_float64() -> None:
    big = 2**60
    X = np.array([[big + 1], [big + 2], [big + 4]], dtype=np.int64)
    y = np.array([1, 2, 4], dtype=np.int64)
    res = plr.ols(X, y, exact=True)
    assert res.coef[0] == 1.0 and res.intercept == float(-big)


def test_fraction_sqrt_is_correctly_rounded_on_squares() -> None:
    for v in [2.0, 1e-300, 12345.678, 7.0e200]:
        assert fraction_sqrt(Fraction(v) ** 2) == v
    assert fraction_sqrt(Fraction(2)) == np.sqrt(2.0)
    with pytest.raises(ValueError, match="negative"):
        fraction_sqrt(Fraction(-1))


def test_exact_rejects_non_numeric_objects() -> None:
    X = np.array([[Fraction(1)], [Fraction(2)], ["3"]], dtype=object)
    with pytest.raises(TypeError, match=r"cannot use str value .3. in exact arithmetic"):
        exact_lstsq([X[:, 0]], np.array([1.0, 2.0, 3.0]))
    # ols validates first, with the message the float path gives too.
    with pytest.raises(TypeError, match=r"X holds non-numeric objects \(str '3'\)"):
        plr.ols(X, [1.0, 2.0, 3.0], exact=True)


def test_exact_rejects_non_finite_decimal() -> None:
    X = np.array([[Decimal(1)], [Decimal("NaN")], [Decimal(3)]], dtype=object)
    with pytest.raises(ValueError, match="non-finite"):
        plr.ols(X, [1.0, 2.0, 3.0], exact=True)


def test_long_double_input_is_not_rounded_to_float64() -> None:
    third = np.array([1, 2, 4], dtype=np.longdouble) / np.longdouble(3)
    ints, scale = integer_column(third)
    assert [c * scale for c in ints] == [Fraction(*v.as_integer_ratio()) for v in third]
    ints, scale = integer_column(np.array(list(third), dtype=object))
    assert [c * scale for c in ints] == [Fraction(*v.as_integer_ratio()) for v in third]
    # y = x exactly in long double; on platforms where it is wider than float64, rounding
    # x to float64 first would leave a nonzero residual and a slope that is not exactly 1.
    res = plr.ols(third[:, None], third, fit_intercept=False, exact=True)
    assert res.coef[0] == 1.0 and res.residual_std == 0.0


def test_extreme_exponents_subnormals_and_negative_zero_are_exact() -> None:
    col = np.array([1e300, -1e-300, -0.0, 5e-324, -2.5e-310, 3.0, 2.0**-1074 * 7])
    ints, scale = integer_column(col)
    assert [Fraction(c) * scale for c in ints] == [Fraction(v) for v in col]
    big = np.array([2**64 - 1, 2**63 + 5, 1], dtype=np.uint64)
    assert integer_column(big)[0] == [2**64 - 1, 2**63 + 5, 1]


@pytest.mark.parametrize("value", [Decimal("Infinity"), Decimal("sNaN"), float("nan")])
def test_integer_column_names_non_finite_values(value: object) -> None:
    # Fraction(Decimal("Infinity")) would raise a bare OverflowError.
    with pytest.raises(ValueError, match=r"non-finite value .* in exact data"):
        integer_column(np.array([Fraction(1), value], dtype=object))


def test_cross_products_by_digits_equal_python_integers() -> None:
    """The Gram matrix from float64 products of 21-bit digits is the integer one, exactly."""
    rng = np.random.default_rng(5)
    n = 3 * 8192 + 17  # several exact blocks and a partial one
    A = rng.integers(-(2**61), 2**61, size=(n, 3), dtype=np.int64)
    A[:, 1] = rng.integers(-5, 5, size=n)  # small values: a single digit
    B = rng.integers(-(2**40), 2**40, size=(n, 2), dtype=np.int64)
    got = _exact_cross_products(A, B)
    cols_a, cols_b = A.T.tolist(), B.T.tolist()
    assert got == [[_dot(a, b) for b in cols_b] for a in cols_a]


def test_narrow_range_data_take_the_digit_path_and_stay_exact() -> None:
    """Uniform [1, 2) columns and integer counts fit int64: the fast Gram path, judged exactly."""
    rng = np.random.default_rng(6)
    X = np.column_stack([rng.uniform(1.0, 2.0, 9000), rng.integers(-50, 50, 9000)])
    y = X @ [0.5, -2.0] + rng.uniform(1.0, 2.0, 9000)
    res = plr.ols(X, y, exact=True)
    assert [float(v) for v in oracle(X, y, None, 0.0, True)] == res.params.tolist()
