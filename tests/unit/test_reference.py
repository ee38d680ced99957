"""The float path of ``ols``: within 2 ulps of the exact solution of the same float64 data.

The oracle is always the exact rational solver (``exact=True`` on the float64 arrays), never
another floating-point solver.
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pytest

import pytest_linreg as plr
from pytest_linreg import reference

FloatArray = npt.NDArray[np.float64]

NIST = plr.dataset_names("nist")


def ulps(actual: FloatArray, expected: FloatArray) -> FloatArray:
    """Distance in units in the last place of ``expected``."""
    return np.asarray(np.abs(actual - expected) / np.spacing(np.abs(expected)))


def exact_params(X: FloatArray, y: FloatArray, fit_intercept: bool) -> FloatArray:
    return plr.ols(X, y, fit_intercept=fit_intercept, exact=True).params


def svd_problem(
    n: int, p: int, cond: float, residual: float, seed: int
) -> tuple[FloatArray, FloatArray]:
    """Design with prescribed singular values 1 … 1/cond; residual orthogonal to its range."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    X = (U[:, :p] * np.logspace(0, -np.log10(cond), p)) @ V.T
    noise = U[:, p:] @ rng.standard_normal(n - p)
    y = X @ rng.standard_normal(p) + residual * noise / np.linalg.norm(noise)
    return X, y


@pytest.mark.parametrize("name", NIST)
def test_nist_float_path_within_2_ulps_of_exact(name: str) -> None:
    ds = plr.load_dataset(name)
    res = plr.ols(ds.X, ds.y, fit_intercept=ds.fit_intercept)
    assert res.method == "refined-qr"
    assert res.converged
    assert res.rank == ds.p + int(ds.fit_intercept)
    assert ulps(res.params, exact_params(ds.X, ds.y, ds.fit_intercept)).max() <= 2


@pytest.mark.parametrize("cond", [1e2, 1e6, 1e10, 1e13])
@pytest.mark.parametrize("residual", [0.0, 1e-6, 1.0], ids=["zero-res", "small-res", "large-res"])
@pytest.mark.parametrize("fit_intercept", [False, True], ids=["noint", "int"])
def test_conditioned_within_2_ulps_of_exact(
    cond: float, residual: float, fit_intercept: bool
) -> None:
    X, y = svd_problem(50, 5, cond, residual, seed=int(np.log10(cond)) + 7)
    # A true intercept of order one: a parameter ~1e-19 (an intercept that is zero up to
    # rounding) sits below refinement's limiting accuracy κ·u²·‖x‖ and goes to the exact
    # fallback instead -- see test_tiny_parameter_is_never_silently_wrong.
    y = y + 0.75 if fit_intercept else y
    res = plr.ols(X, y, fit_intercept=fit_intercept)
    # Up to κ = 1e10 refinement alone certifies every parameter. At 1e13 a parameter whose
    # 1/32 ulp lies below what double-double residuals resolve for it (‖eᵢᵀR⁻¹‖·(k+2)·u²·
    # (‖x‖₁ + ‖r‖)) is only certified absolutely, and a problem this small is then solved
    # exactly instead.
    allowed = {"refined-qr"} if cond <= 1e10 else {"refined-qr", "exact-fallback"}
    assert res.method in allowed, "refinement alone must reach the target"
    assert res.converged
    assert ulps(res.params, exact_params(X, y, fit_intercept)).max() == 0


def test_tiny_parameter_is_never_silently_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = svd_problem(50, 5, 1e10, 0.0, seed=17)  # exact intercept ≈ -1.3e-19
    exact = exact_params(X, y, True)
    assert plr.ols(X, y).method == "exact-fallback"
    monkeypatch.setattr(reference, "EXACT_FALLBACK_LIMIT", 0)
    # Too large to solve exactly: the intercept is certified to the absolute accuracy the
    # residuals resolve, and its relative_error says so (far above an ulp) instead of
    # claiming full precision; the coefficients are certified to their last bit.
    res = plr.ols(X, y)
    assert res.converged and res.method == "refined-qr"
    assert res.relative_error[0] > 1e-15
    assert np.all(res.relative_error[1:] < 2.0**-5 * 2.0**-52)
    assert np.all(np.abs(res.params - exact) <= res.relative_error * np.abs(exact))
    assert ulps(res.coef, exact[1:]).max() == 0


def test_condition_number_is_of_the_equilibrated_design() -> None:
    X, y = svd_problem(40, 4, 1e8, 0.1, seed=3)
    scales = np.array([1e-3, 1.0, 1e5, 7.0])
    res = plr.ols(X * scales, y, fit_intercept=False)
    A = X * scales
    As = A / np.linalg.norm(A, axis=0)
    expected = np.linalg.cond(As)
    assert res.condition_number == pytest.approx(expected, rel=1e-6)


def test_error_estimate_bounds_the_actual_error() -> None:
    X, y = svd_problem(60, 6, 1e12, 1.0, seed=11)
    res = plr.ols(X, y, fit_intercept=False)
    exact = exact_params(X, y, False)
    half_ulp = 0.5 * np.spacing(np.abs(exact))
    assert np.all(np.abs(res.params - exact) <= res.relative_error * np.abs(exact) + half_ulp)
    assert np.all(res.relative_error < 1e-16)


def test_residual_std_and_r_squared_match_exact() -> None:
    ds = plr.load_dataset("Longley")
    res = plr.ols(ds.X, ds.y)
    ex = plr.ols(ds.X, ds.y, exact=True)
    assert res.residual_std == pytest.approx(ex.residual_std, rel=1e-12)
    assert res.r_squared == pytest.approx(ex.r_squared, rel=1e-14)


def test_unconverged_small_problem_falls_back_to_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference, "MAX_REFINEMENT_STEPS", 1)
    X, y = svd_problem(40, 5, 1e13, 1.0, seed=2)
    res = plr.ols(X, y, fit_intercept=False)
    assert res.method == "exact-fallback"
    assert res.converged
    np.testing.assert_array_equal(res.params, exact_params(X, y, False))


def test_unconverged_large_problem_warns_with_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference, "MAX_REFINEMENT_STEPS", 1)
    monkeypatch.setattr(reference, "EXACT_FALLBACK_LIMIT", 0)
    X, y = svd_problem(40, 5, 1e13, 1.0, seed=2)
    with pytest.warns(
        plr.IllConditionedWarning, match=r"did not converge \(condition number 6\.68e\+12"
    ):
        res = plr.ols(X, y, fit_intercept=False)
    assert not res.converged
    exact = exact_params(X, y, False)
    # Honest: the reported estimate covers the actual error.
    assert np.all(np.abs(res.params - exact) <= res.relative_error * np.abs(exact) * 1.01)


# --------------------------------------------------------------------------- rank deficiency


def _collinear(seed: int = 0) -> tuple[FloatArray, FloatArray]:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.integers(-50, 50, (2, 30)).astype(float)
    return np.column_stack([x1, x2, x1 + 2 * x2]), rng.standard_normal(30)


def test_rank_deficient_float_path_warns_naming_columns() -> None:
    X, y = _collinear()
    with pytest.warns(plr.RankDeficientWarning, match=r"rank 3 of 4 .*x3 = 1\.00·x1 \+ 2\.00·x2"):
        res = plr.ols(X, y)
    assert res.rank == 3
    assert res.method == "minimum-norm"
    assert not res.converged
    # Minimum-norm in the equilibrated coordinates: orthogonal to the null vector there.
    A = np.column_stack([np.ones(30), X])
    d = np.ldexp(1.0, np.frexp(np.linalg.norm(A, axis=0))[1])
    null = np.array([0.0, 1.0, 2.0, -1.0]) * d  # A @ (null / d) == 0
    assert abs((res.params * d) @ null) <= 1e-10 * np.linalg.norm(res.params * d) * np.linalg.norm(
        null
    )
    # And it is a least-squares solution: the residual is orthogonal to the columns.
    r = y - A @ res.params
    assert np.max(np.abs(A.T @ r)) <= 1e-10 * np.linalg.norm(y) * np.linalg.norm(A)


def test_rank_deficient_names_feature_names_and_constants() -> None:
    rng = np.random.default_rng(4)
    X = np.column_stack([rng.standard_normal(20), np.full(20, 3.0)])
    with pytest.warns(plr.RankDeficientWarning, match=r"dependent columns: temp = 3\.00\."):
        plr.ols(X, rng.standard_normal(20), feature_names=["speed", "temp"])


def test_rank_deficient_exact_path_raises_naming_columns() -> None:
    X, y = _collinear()
    with pytest.raises(plr.RankDeficientError, match=r"rank 3 of 4 .*x3 = 1\.00·x1 \+ 2\.00·x2"):
        plr.ols(X, y, exact=True)


def test_zero_column_is_named() -> None:
    X = np.column_stack([np.arange(10.0), np.zeros(10)])
    with pytest.raises(plr.RankDeficientError, match="x2 = 0"):
        plr.ols(X, np.arange(10.0) ** 2, exact=True)
    with pytest.warns(plr.RankDeficientWarning, match="x2 = 0"):
        res = plr.ols(X, np.arange(10.0) ** 2)
    assert res.coef[1] == 0.0


def test_full_rank_raises_no_warning() -> None:
    ds = plr.load_dataset("Filip")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plr.ols(ds.X, ds.y)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("X", "y", "exc", "match"),
    [
        ([[1.0], [np.nan], [3.0]], [1.0, 2.0, 3.0], ValueError, "X contains 1 non-finite"),
        ([[1.0], [2.0], [3.0]], [1.0, np.inf, 3.0], ValueError, "y contains 1 non-finite"),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], ValueError, "X must be 2-D"),
        ([[1.0], [2.0], [3.0]], [1.0, 2.0], ValueError, "y has 2 values but X has 3 rows"),
        ([[1.0, 2.0]], [1.0], ValueError, "fewer rows than parameters"),
        (np.empty((0, 2)), [], ValueError, "X is empty"),
        ([[1 + 1j], [2.0], [3.0]], [1.0, 2.0, 3.0], TypeError, "complex"),
        ([["a"], ["b"], ["c"]], [1.0, 2.0, 3.0], TypeError, "non-numeric"),
        (np.array([[object()], [1], [2]], dtype=object), [1.0, 2.0, 3.0], TypeError, "non-numeric"),
    ],
    ids=["nan", "inf", "1d", "length", "n<p", "empty", "complex", "str", "object"],
)
@pytest.mark.parametrize("exact", [False, True], ids=["float", "exact"])
def test_bad_input_names_the_problem(
    X: object, y: object, exc: type, match: str, exact: bool
) -> None:
    with pytest.raises(exc, match=match):
        plr.ols(X, y, exact=exact)


def test_fit_intercept_and_exact_must_be_bool() -> None:
    with pytest.raises(TypeError, match="fit_intercept must be a bool"):
        plr.ols([[1.0], [2.0], [4.0]], [1.0, 2.0, 3.0], fit_intercept="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="exact must be a bool"):
        plr.ols([[1.0], [2.0], [4.0]], [1.0, 2.0, 3.0], exact="yes")  # type: ignore[arg-type]


def test_ragged_design_is_named() -> None:
    with pytest.raises(ValueError, match="X could not be read as a rectangular array"):
        plr.ols([[1.0, 2.0], [3.0]] * 4, np.arange(8.0))


def test_lists_and_integer_arrays_accepted() -> None:
    X = [[0, 1], [1, 0], [2, 3], [5, 1]]
    y = [1, 2, 3, 5]
    a = plr.ols(X, y)
    b = plr.ols(np.array(X, dtype=np.int64), np.array(y))
    np.testing.assert_array_equal(a.params, b.params)
    assert a.feature_names == ("x1", "x2")


def test_predict_uses_the_fit() -> None:
    res = plr.ols([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    np.testing.assert_allclose(res.predict([[3.0]]), [7.0])
    with pytest.raises(ValueError, match="2 columns but the fit has 1"):
        res.predict([[1.0, 2.0]])


def test_in_place_householder_qr_matches_numpy() -> None:
    rng = np.random.default_rng(8)
    AT = rng.standard_normal((4, 50))
    h, tau = reference._householder_qr(AT)
    h_np, tau_np = np.linalg.qr(AT.T, mode="raw")
    np.testing.assert_allclose(h, h_np, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(tau, tau_np, rtol=1e-13)


@pytest.mark.parametrize("e", [-900, -600, 600, 900])
def test_extreme_magnitudes_neither_overflow_nor_underflow(e: int) -> None:
    rng = np.random.default_rng(9)
    X = rng.standard_normal((30, 3))
    y = X @ np.array([1.0, 2.0, 3.0]) + 1.0 + rng.standard_normal(30)
    base = plr.ols(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = plr.ols(np.ldexp(X, e), np.ldexp(y, e))
    np.testing.assert_array_equal(res.coef, base.coef)
    assert res.intercept == np.ldexp(base.intercept, e)
    assert res.residual_std == np.ldexp(base.residual_std, e)
    assert res.r_squared == base.r_squared


def test_exact_fallback_solves_the_callers_data(monkeypatch: pytest.MonkeyPatch) -> None:
    # Equilibrating a column of norm 1e300 by a power of two flushes its subnormal entries;
    # the fallback must still solve the data as given, bit for bit like exact=True.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    X[0, 0], X[1, 0], X[2, 0] = 1e300, 1e-300, -3e-310
    y = rng.standard_normal(20)
    monkeypatch.setattr(reference, "MAX_REFINEMENT_STEPS", 0)
    res = plr.ols(X, y)
    assert res.method == "exact-fallback"
    np.testing.assert_array_equal(res.params, exact_params(X, y, True))


@pytest.mark.parametrize("value", ["3", b"3", None], ids=["str", "bytes", "None"])
@pytest.mark.parametrize("exact", [False, True], ids=["float", "exact"])
def test_object_arrays_with_strings_or_none_are_refused(value: object, exact: bool) -> None:
    # float() would parse "3" and turn None into NaN ("non-finite"); both are not numbers.
    X = np.array([[1.0], [2.0], [value], [5.0]], dtype=object)
    with pytest.raises(TypeError, match=rf"X holds non-numeric objects \(\w+ {value!r}\)"):
        plr.ols(X, [1.0, 2.0, 3.0, 5.0], exact=exact)


@pytest.mark.parametrize(
    "value",
    [10**400, Fraction(10**400, 3), Decimal("-1e400"), np.longdouble("1e4000")],
    ids=["int", "Fraction", "Decimal", "longdouble"],
)
@pytest.mark.parametrize("exact", [False, True], ids=["float", "exact"])
def test_numbers_beyond_float64_are_named(value: object, exact: bool) -> None:
    # Not a raw OverflowError from numpy, nor "non-finite" for a finite Decimal.
    X = np.array([[value], [2.0], [5.0]], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"X holds .*beyond float64's range"):
            plr.ols(X, [1.0, 2.0, 3.0], exact=exact)


@pytest.mark.parametrize("exact", [False, True], ids=["float", "exact"])
@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["positive", "negative"])
def test_solution_beyond_float64_is_named(exact: bool, sign: float) -> None:
    # coef ≈ 1e600: not an inf with numpy's RuntimeWarning, nor float(Fraction)'s OverflowError.
    X = [[1e-300], [2e-300], [4e-300]]
    y = [sign * 1e300, sign * 2e300, sign * 3e300]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"solution overflows float64 \(x1 beyond"):
            plr.ols(X, y, fit_intercept=False, exact=exact)


def test_exactly_zero_coefficient_converges_without_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``y = 2·x1`` with an intercept: the intercept and x2 are exactly 0.

    Their corrections shrink by ~κ·u a step but never get within a fraction of their own ulp,
    so they are certified absolutely (to κ·u²·‖x‖). Small problems are then solved exactly;
    large ones keep the refined answer, which converges in a few steps with no warning.
    """
    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 2))
    y = 2.0 * X[:, 0]
    small = plr.ols(X, y)
    assert small.method == "exact-fallback"
    assert list(small.params) == [0.0, 2.0, 0.0]
    monkeypatch.setattr(reference, "EXACT_FALLBACK_LIMIT", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        large = plr.ols(X, y)
    assert large.method == "refined-qr" and large.converged and large.iterations <= 4
    assert large.coef[0] == 2.0
    assert abs(large.intercept) < 1e-30 and abs(large.coef[1]) < 1e-30
