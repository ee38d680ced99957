"""NIST StRD parsing: shapes, certified values copied from the files, tags, exact data."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from pytest_linreg.datasets import NIST_NAMES, load_nist
from pytest_linreg.datasets._building import solve_fractions
from pytest_linreg.digits import lre

# (n, p, fit_intercept, difficulty, kind) as the file headers state them.
SHAPES = {
    "Norris": (36, 1, True, "lower", "observed"),
    "Pontius": (40, 2, True, "lower", "observed"),
    "NoInt1": (11, 1, False, "average", "generated"),
    "NoInt2": (3, 1, False, "average", "generated"),
    "Filip": (82, 10, True, "higher", "observed"),
    "Longley": (16, 6, True, "higher", "observed"),
    "Wampler1": (21, 5, True, "higher", "generated"),
    "Wampler2": (21, 5, True, "higher", "generated"),
    "Wampler3": (21, 5, True, "higher", "generated"),
    "Wampler4": (21, 5, True, "higher", "generated"),
    "Wampler5": (21, 5, True, "higher", "generated"),
}


def test_all_eleven_sets_are_known() -> None:
    assert sorted(NIST_NAMES) == sorted(SHAPES)


@pytest.mark.parametrize("name", NIST_NAMES)
def test_shape_tags_and_certified_fields(name: str) -> None:
    n, p, fit_intercept, difficulty, kind = SHAPES[name]
    ds = load_nist(name)
    assert ds.name == name
    assert ds.X.shape == (n, p) and ds.y.shape == (n,)
    assert ds.fit_intercept is fit_intercept
    assert ds.certified is True
    assert {"nist", "certified", difficulty, kind} <= set(ds.tags)
    assert ("no-intercept" in ds.tags) is (not fit_intercept)
    assert ("polynomial" in ds.tags) is (name in {"Pontius", "Filip"} or name.startswith("Wampler"))
    assert ds.coef_std is not None and ds.coef_std.shape == (p,)
    assert (ds.intercept_std is None) is (not fit_intercept)
    assert ds.exact_X is not None and ds.exact_X.shape == (n, p)
    assert ds.exact_y is not None and ds.exact_y.shape == (n,)
    for array in (ds.X, ds.y, ds.coef, ds.coef_std, ds.exact_X, ds.exact_y):
        assert not array.flags.writeable


@pytest.mark.parametrize(
    ("name", "attribute", "index", "text"),
    [
        ("Norris", "intercept", None, "-0.262323073774029"),
        ("Norris", "coef", 0, "1.00211681802045"),
        ("Norris", "coef_std", 0, "0.429796848199937E-03"),
        ("Pontius", "coef", 1, "-0.316081871345029E-14"),
        ("Pontius", "intercept", None, "0.673565789473684E-03"),
        ("NoInt1", "coef", 0, "2.07438016528926"),
        ("NoInt2", "coef", 0, "0.727272727272727"),
        ("NoInt2", "residual_std", None, "0.369274472937998"),
        ("Filip", "intercept", None, "-1467.48961422980"),
        ("Filip", "coef", 9, "-0.402962525080404E-04"),
        ("Filip", "intercept_std", None, "298.084530995537"),
        ("Filip", "residual_std", None, "0.334801051324544E-02"),
        ("Filip", "r_squared", None, "0.996727416185620"),
        ("Longley", "intercept", None, "-3482258.63459582"),
        ("Longley", "coef", 5, "1829.15146461355"),
        ("Longley", "coef_std", 0, "84.9149257747669"),
        ("Wampler2", "coef", 4, "0.100000000000000E-04"),
        ("Wampler3", "coef_std", 4, "0.112324854679312"),
        ("Wampler5", "residual_std", None, "23601450.2379268"),
        ("Wampler5", "r_squared", None, "0.224668921574940E-02"),
    ],
)
def test_certified_values_as_parsed(
    name: str, attribute: str, index: int | None, text: str
) -> None:
    value = getattr(load_nist(name), attribute)
    if index is not None:
        value = value[index]
    assert float(value) == float(text)  # exactly float(text): no arithmetic on the way


@pytest.mark.parametrize(
    ("name", "row", "y", "x"),
    [
        ("Norris", 0, "0.1", ["0.2"]),
        ("Norris", -1, "0.2", ["0.5"]),
        ("Pontius", 0, ".11019", ["150000"]),
        ("Pontius", -1, "2.16829", ["3000000"]),
        ("Filip", 0, "0.8116", ["-6.860120914"]),
        ("Filip", -1, "0.9228", ["-3.2644011"]),
        ("Longley", 0, "60323", ["83.0", "234289", "2356", "1590", "107608", "1947"]),
        ("Longley", -1, "70551", ["116.9", "554894", "4007", "2827", "130081", "1962"]),
    ],
)
def test_data_rows(name: str, row: int, y: str, x: list[str]) -> None:
    ds = load_nist(name)
    assert ds.y[row] == float(y)
    assert ds.X[row, : len(x)].tolist() == [float(v) for v in x]
    assert ds.exact_y is not None and ds.exact_X is not None
    assert ds.exact_y[row] == Fraction(y)
    assert list(ds.exact_X[row, : len(x)]) == [Fraction(v) for v in x]


def test_polynomial_design_follows_the_certified_model() -> None:
    ds = load_nist("Filip")
    assert ds.feature_names == ("x", *(f"x^{k}" for k in range(2, 11)))
    x = ds.X[:, 0]
    for k in range(2, 11):  # float powers exactly as a user forms them
        np.testing.assert_array_equal(ds.X[:, k - 1], x**k)
    assert ds.exact_X is not None
    assert ds.exact_X[0, 9] == Fraction("-6.860120914") ** 10
    assert load_nist("Longley").feature_names == tuple(f"x{j}" for j in range(1, 7))


@pytest.mark.parametrize("name", NIST_NAMES)
def test_exact_data_equal_float_data_within_rounding(name: str) -> None:
    ds = load_nist(name)
    assert ds.exact_X is not None and ds.exact_y is not None
    exact = np.array([[float(v) for v in row] for row in ds.exact_X])
    np.testing.assert_array_equal(ds.y, [float(v) for v in ds.exact_y])
    np.testing.assert_array_equal(ds.X[:, 0], exact[:, 0])  # correctly rounded decimal input
    # Column k holds x**k: x is off by half an ulp, pow adds under one ulp.
    powers = np.arange(1, ds.p + 1) if "polynomial" in ds.tags else np.ones(ds.p)
    eps = np.finfo(np.float64).eps
    assert np.all(np.abs(ds.X - exact) <= (powers + 1) * eps * np.abs(exact))


def _exact_ols(ds_name: str) -> list[Fraction]:
    """Exact OLS of the decimal data via the normal equations in rational arithmetic."""
    ds = load_nist(ds_name)
    assert ds.exact_X is not None and ds.exact_y is not None
    rows = [[Fraction(1), *r] if ds.fit_intercept else list(r) for r in ds.exact_X]
    k = len(rows[0])
    gram = [[sum((r[i] * r[j] for r in rows), Fraction(0)) for j in range(k)] for i in range(k)]
    rhs = [
        sum((r[i] * y for r, y in zip(rows, ds.exact_y, strict=True)), Fraction(0))
        for i in range(k)
    ]
    return solve_fractions(gram, rhs)


@pytest.mark.parametrize("name", NIST_NAMES)
def test_exact_data_reproduce_the_certified_values(name: str) -> None:
    ds = load_nist(name)
    digits = lre([float(v) for v in _exact_ols(name)], ds.params)
    assert digits.min() >= 14.0, digits
