"""Dataset generators: prescribed conditioning, exact constructions, determinism, bad input."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from pytest_linreg.datasets import (
    Dataset,
    make_collinear_pair,
    make_exact,
    make_ill_conditioned,
    make_offset,
    make_polynomial,
    make_rank_deficient,
)
from pytest_linreg.errors import LinregWarning


def equilibrated_cond(X: npt.NDArray[np.float64], fit_intercept: bool) -> float:
    """2-norm condition number of the unit-column design, intercept column included."""
    A = np.column_stack([np.ones(X.shape[0]), X]) if fit_intercept else np.asarray(X)
    s = np.linalg.svd(A / np.linalg.norm(A, axis=0), compute_uv=False)
    return float(s[0] / s[-1])


def quiet(make: Callable[..., Dataset], *args: Any, **kwargs: Any) -> Dataset:
    """Build a dataset whose reference solve may warn that it is near its limits."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LinregWarning)
        return make(*args, **kwargs)


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no-intercept"])
@pytest.mark.parametrize("p", [1, 3, 8])
def test_condition_number_within_10_percent_from_1_to_1e14(p: int, fit_intercept: bool) -> None:
    exponents = range(15) if p + fit_intercept > 1 else [0]
    for e in exponents:
        for seed in (0, 1):
            ds = quiet(make_ill_conditioned, 60, p, 10.0**e, seed=seed, fit_intercept=fit_intercept)
            ratio = equilibrated_cond(ds.X, fit_intercept) / 10.0**e
            assert 0.9 <= ratio <= 1.1, f"p={p}, cond=1e{e}, seed={seed}: ratio {ratio}"


@pytest.mark.parametrize(
    ("cond", "name"),
    [(1e3, "ill_conditioned_1e3"), (1e8, "ill_conditioned_1e8"), (1e12, "ill_conditioned_1e12")],
)
def test_condition_number_agrees_with_the_reference(cond: float, name: str) -> None:
    ds = make_ill_conditioned(100, 4, cond, seed=3)
    assert ds.reference().condition_number == pytest.approx(cond, rel=0.1)
    assert ("ill-conditioned" in ds.tags) is (cond >= 1e6)
    assert ds.name == name


def test_numerically_singular_design_is_tagged_rank_deficient() -> None:
    with pytest.warns(LinregWarning, match="rank deficient"):
        ds = make_ill_conditioned(60, 5, 1e16, seed=0)
    assert "rank-deficient" in ds.tags
    assert "rank-deficient" not in make_ill_conditioned(60, 5, 1e12, seed=0).tags


def test_ill_conditioned_columns_have_unit_rms_and_an_ols_reference() -> None:
    ds = make_ill_conditioned(256, 5, 1e4, seed=2, noise=0.1)
    np.testing.assert_allclose(np.sqrt((ds.X**2).mean(axis=0)), 1.0, rtol=0.5)
    ref = ds.reference()
    np.testing.assert_allclose(ds.params, ref.params, rtol=1e-9)
    assert ds.certified is False and ds.seed == 2


GENERATORS: list[tuple[str, Callable[[int], Dataset]]] = [
    ("ill_conditioned", lambda s: make_ill_conditioned(50, 3, 1e6, seed=s)),
    ("collinear_pair", lambda s: make_collinear_pair(50, angle=0.01, seed=s)),
    ("rank_deficient", lambda s: make_rank_deficient(30, 4, 2, seed=s)),
    ("offset", lambda s: make_offset(40, 3, seed=s)),
    ("polynomial", lambda s: make_polynomial(40, 4, seed=s)),
    ("exact", lambda s: make_exact(20, 3, seed=s)),
]


@pytest.mark.parametrize("make", [g[1] for g in GENERATORS], ids=[g[0] for g in GENERATORS])
def test_deterministic_by_seed_and_global_rng_untouched(make: Callable[[int], Dataset]) -> None:
    before = str(np.random.get_state(legacy=False))
    a, b, c = make(11), make(11), make(12)
    assert str(np.random.get_state(legacy=False)) == before
    for attr in ("X", "y", "coef"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
    assert a.intercept == b.intercept and a.seed == 11
    assert not np.array_equal(a.X, c.X)
    assert "generated" in a.tags


def test_collinear_pair_angle_and_condition_number() -> None:
    angle = 1e-3
    ds = make_collinear_pair(500, angle=angle, seed=0)
    x1, x2 = ds.X.T
    assert abs(x1.mean()) < 1e-12 and x1.std() == pytest.approx(1.0, rel=1e-12)
    cosine = x1 @ x2 / (np.linalg.norm(x1) * np.linalg.norm(x2))
    assert math.acos(cosine) == pytest.approx(angle, rel=1e-6)
    assert equilibrated_cond(ds.X, True) == pytest.approx(1 / math.tan(angle / 2), rel=1e-6)
    np.testing.assert_allclose(ds.params, [0.0, 0.5, 0.5], atol=1e-12)
    assert ds.feature_names == ("x1", "x2") and "collinear" in ds.tags


def test_collinear_pair_without_intercept_uses_the_raw_angle() -> None:
    ds = make_collinear_pair(200, angle=np.deg2rad(30.0), seed=1, fit_intercept=False)
    x1, x2 = ds.X.T
    cosine = x1 @ x2 / (np.linalg.norm(x1) * np.linalg.norm(x2))
    assert math.degrees(math.acos(cosine)) == pytest.approx(30.0, rel=1e-12)
    assert ds.fit_intercept is False and ds.intercept == 0.0


def _fractions(values: Any) -> list[Fraction]:
    return [Fraction(float(v)) for v in np.ravel(values)]


def test_rank_deficient_is_exact_and_reference_is_minimum_norm() -> None:
    ds = make_rank_deficient(30, 5, 2, seed=4)
    assert np.linalg.matrix_rank(ds.X) == 2
    assert np.all(ds.X == np.round(ds.X))  # integer data: the dependency is exact
    assert ds.certified and "rank-deficient" in ds.tags
    A = np.column_stack([np.ones(ds.n), ds.X])
    np.testing.assert_allclose(ds.params, np.linalg.pinv(A) @ ds.y, rtol=1e-12, atol=1e-13)
    # The relations in the description hold exactly.
    assert "x3 = " in ds.description and "x5 = " in ds.description
    assert ds.exact_X is not None and ds.exact_X[0, 0] == Fraction(float(ds.X[0, 0]))


def test_rank_deficient_dependencies_hold_exactly() -> None:
    ds = make_rank_deficient(25, 4, 1, seed=0, fit_intercept=False)
    x1 = ds.X[:, 0]
    for j in range(1, 4):
        ratio = ds.X[:, j][x1 != 0] / x1[x1 != 0]
        assert np.all(ratio == ratio[0])  # every later column is an integer multiple of x1
    np.testing.assert_allclose(ds.X @ ds.coef, ds.y, rtol=0, atol=1e-12)


def test_offset_is_exact_by_construction() -> None:
    ds = make_offset(100, 3, seed=0)
    assert ds.name == "offset_1e6" and ds.certified
    np.testing.assert_allclose(ds.X.mean(axis=0), 1e6, rtol=1e-6)
    np.testing.assert_allclose(ds.X.std(axis=0), 1.0, rtol=0.3)
    X, coef, b0 = _fractions(ds.X), _fractions(ds.coef), Fraction(ds.intercept)
    rows = [X[i * 3 : i * 3 + 3] for i in range(ds.n)]
    exact_y = [b0 + sum((c * x for c, x in zip(coef, r, strict=True)), Fraction(0)) for r in rows]
    assert exact_y == _fractions(ds.y)  # y = intercept + X @ coef with no rounding at all
    assert "ill-conditioned" in ds.tags and "zero-residual" in ds.tags


@pytest.mark.parametrize(("offset", "noise"), [(1e15, 0.0), (1e6, 0.5), (0.3, 0.0)])
def test_offset_falls_back_to_the_ols_reference(offset: float, noise: float) -> None:
    ds = quiet(make_offset, 60, 2, offset=offset, seed=1, noise=noise)
    assert ds.certified is False
    assert "zero-residual" not in ds.tags
    # At 1e15 the columns' unit spread is below float64's resolution of the offset.
    assert ("rank-deficient" in ds.tags) is (offset == 1e15)
    assert (quiet(ds.reference).rank < 3) is (offset == 1e15)


def test_polynomial_design() -> None:
    ds = make_polynomial(50, 8, low=0.0, high=1.0)
    x = np.linspace(0.0, 1.0, 50)
    for k in range(1, 9):
        np.testing.assert_array_equal(ds.X[:, k - 1], x**k)
    assert ds.feature_names[:2] == ("x", "x^2") and ds.name == "polynomial_deg8"
    assert equilibrated_cond(ds.X, True) == pytest.approx(4e5, rel=0.1)
    np.testing.assert_allclose(ds.params, 1.0, rtol=1e-6)
    random = make_polynomial(30, 3, low=1.0, high=2.0, seed=3)
    assert np.all(np.diff(random.X[:, 0]) >= 0) and random.X[:, 0].min() >= 1.0


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("residual", [True, False])
def test_exact_answer_is_exact(fit_intercept: bool, residual: bool) -> None:
    ds = make_exact(24, 4, seed=9, fit_intercept=fit_intercept, residual=residual)
    assert ds.certified and ds.exact_X is not None and ds.exact_y is not None
    A = [[Fraction(1), *r] if fit_intercept else list(r) for r in ds.exact_X]
    theta = _fractions(ds.params)
    resid = [
        y - sum((a * t for a, t in zip(r, theta, strict=True)), Fraction(0))
        for r, y in zip(A, ds.exact_y, strict=True)
    ]
    # Normal equations hold exactly: theta is the exact OLS solution.
    for j in range(len(theta)):
        assert sum((r[j] * e for r, e in zip(A, resid, strict=True)), Fraction(0)) == 0
    assert any(resid) is residual
    assert (ds.residual_std or 0.0) > 0 if residual else ds.residual_std == 0.0
    assert _fractions(ds.y) == list(ds.exact_y)  # float data are the exact data
    lstsq = np.linalg.lstsq(np.array(A, dtype=float), ds.y, rcond=None)[0]
    np.testing.assert_allclose(lstsq, ds.params, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: make_ill_conditioned(50, 3, 0.5, seed=0), ValueError, "cond"),
        (
            lambda: make_ill_conditioned(50, 1, 10.0, seed=0, fit_intercept=False),
            ValueError,
            "single",
        ),
        (lambda: make_ill_conditioned(3, 3, 10.0, seed=0), ValueError, "fewer rows"),
        (lambda: make_ill_conditioned(50, 3, 10.0, seed=-1), ValueError, "seed"),
        (lambda: make_ill_conditioned(50, 3, 10.0, seed=1.5), TypeError, "seed"),  # type: ignore[arg-type]
        (lambda: make_ill_conditioned(50, 3, float("nan"), seed=0), ValueError, "cond"),
        (lambda: make_collinear_pair(50, angle=0.0, seed=0), ValueError, "angle"),
        (lambda: make_collinear_pair(50, angle=2.0, seed=0), ValueError, "radians"),
        (lambda: make_rank_deficient(30, 3, 3, seed=0), ValueError, "rank"),
        (
            lambda: make_polynomial(10, 5, low=1e100, high=2e100),
            ValueError,
            r"x\*\*5 on \[1e\+100, 2e\+100\] \(or y, their sum\) overflows float64",
        ),
        (
            lambda: make_offset(50, 3, seed=0, noise=1e308),  # noise * N(0, 1) would overflow
            ValueError,
            r"noise must be a finite number in \[0.0, 1e\+300\]; got 1e\+308",
        ),
        (lambda: make_offset(3, 3, seed=0), ValueError, "n must exceed"),
        (lambda: make_polynomial(5, 5), ValueError, "degree-5"),
        (lambda: make_polynomial(10, 2, low=1.0, high=0.0), ValueError, "low < high"),
        (lambda: make_exact(21, 3, seed=0), ValueError, "even"),
        (lambda: make_exact(6, 3, seed=0), ValueError, "distinct rows"),
        (lambda: make_exact(20, 3, seed=0, name=""), TypeError, "name"),
    ],
)
def test_bad_arguments(call: Callable[[], Dataset], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()
