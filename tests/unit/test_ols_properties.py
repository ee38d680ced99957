"""Properties of ``ols`` (hypothesis): invariances that an exact solver has, checked on ours.

The float path returns the exact least-squares solution of its data rounded to float64 (to
within an ulp), so transformations that leave the exact solution unchanged, or change it
exactly, must leave the float answer unchanged up to that rounding.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_linreg as plr

FloatArray = npt.NDArray[np.float64]

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


@st.composite
def problems(draw: st.DrawFn) -> tuple[FloatArray, FloatArray, bool]:
    """A full-rank design with dyadic entries (so shifts by small integers are exact)."""
    n = draw(st.integers(6, 30))
    p = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    fit_intercept = draw(st.booleans())
    spread = draw(st.sampled_from([1.0, 1e-3, 1e3]))
    rng = np.random.default_rng(seed)
    # Multiples of 2**-20 below 2**10: every sum with an integer below 2**20 is exact.
    X = np.round(rng.standard_normal((n, p)) * 2.0**20) * 2.0**-20
    X[:, 0] += np.round(rng.standard_normal() * 4)  # an offset column
    y = X @ rng.standard_normal(p) + 0.5 + rng.standard_normal(n) * spread
    return X, y, fit_intercept


def _max_ulps(a: FloatArray, b: FloatArray) -> float:
    return float(np.max(np.abs(a - b) / np.spacing(np.maximum(np.abs(a), np.abs(b)))))


@SETTINGS
@given(problems(), st.integers(0, 2**32 - 1))
def test_invariant_under_row_permutation(
    problem: tuple[FloatArray, FloatArray, bool], seed: int
) -> None:
    X, y, fi = problem
    perm = np.random.default_rng(seed).permutation(len(y))
    a = plr.ols(X, y, fit_intercept=fi).params
    b = plr.ols(X[perm], y[perm], fit_intercept=fi).params
    assert _max_ulps(a, b) <= 1


@SETTINGS
@given(problems(), st.lists(st.integers(-40, 40), min_size=4, max_size=4), st.integers(-40, 40))
def test_exactly_equivariant_under_power_of_two_scaling(
    problem: tuple[FloatArray, FloatArray, bool], col_exps: list[int], y_exp: int
) -> None:
    X, y, fi = problem
    e = np.array(col_exps[: X.shape[1]])
    base = plr.ols(X, y, fit_intercept=fi)
    scaled = plr.ols(np.ldexp(X, e), np.ldexp(y, y_exp), fit_intercept=fi)
    # Bit for bit: the solver equilibrates by powers of two, so it sees the same problem.
    np.testing.assert_array_equal(scaled.coef, np.ldexp(base.coef, y_exp - e))
    assert scaled.intercept == np.ldexp(base.intercept, y_exp)


@SETTINGS
@given(problems(), st.integers(-1000, 1000), st.data())
def test_equivariant_under_shifting_a_column(
    problem: tuple[FloatArray, FloatArray, bool], shift: int, data: st.DataObject
) -> None:
    X, y, _ = problem
    j = data.draw(st.integers(0, X.shape[1] - 1))
    Xs = X.copy()
    Xs[:, j] += shift  # exact: dyadic entries, small integer shift
    a = plr.ols(X, y)
    b = plr.ols(Xs, y)
    # Exact solutions: same slopes, intercept moved by -shift·coef_j. Both answers are the
    # rounded exact solutions, so slopes agree to an ulp; the intercept to rounding of the
    # shifted term.
    assert _max_ulps(a.coef, b.coef) <= 1
    expected = a.intercept - shift * a.coef[j]
    tol = 4 * np.spacing(abs(shift * a.coef[j]) + abs(a.intercept) + abs(b.intercept))
    assert abs(b.intercept - expected) <= tol


@SETTINGS
@given(problems(), st.floats(1e-6, 1e6))
def test_equivariant_under_scaling_y(
    problem: tuple[FloatArray, FloatArray, bool], c: float
) -> None:
    X, y, fi = problem
    a = plr.ols(X, y, fit_intercept=fi)
    yc = y * c
    b = plr.ols(X, yc, fit_intercept=fi)
    # y·c is rounded, so compare with the exact solution for the rounded data, scaled back:
    # the solver must be as accurate on y·c as on y.
    exact_b = plr.ols(X, yc, fit_intercept=fi, exact=True)
    assert _max_ulps(b.params, exact_b.params) <= 2
    np.testing.assert_allclose(b.params, a.params * c, rtol=1e-9 * max(1.0, a.condition_number))


@SETTINGS
@given(problems())
def test_equal_to_exact_solver(problem: tuple[FloatArray, FloatArray, bool]) -> None:
    X, y, fi = problem
    res = plr.ols(X, y, fit_intercept=fi)
    exact = plr.ols(X, y, fit_intercept=fi, exact=True)
    assert res.converged
    assert _max_ulps(res.params, exact.params) <= 2
    assert res.rank == exact.rank
