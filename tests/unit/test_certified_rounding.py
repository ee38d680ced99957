"""The reference's rounding is certified, or solved exactly, or its bound says so.

Each case here was a false certification found by an independent review (converged, a claimed
relative error far below an ulp, and the wrong last bit), judged against the rational oracle:
an exact value within 5e-9 ulp of a rounding midpoint (g's double-double error, amplified by
κ², was not in the bound), subnormal parameters rounded twice, and the rank decided on either
side of the cut-off by the chunked and the in-memory factors.
"""

from __future__ import annotations

import numpy as np
import pytest
from rational_oracle import oracle, ulps_from_exact

import pytest_linreg as plr
from pytest_linreg import reference
from pytest_linreg.reference import OLSResult, one_output

da = pytest.importorskip("dask.array")


def _in_memory_and_chunked(
    X: np.ndarray, y: np.ndarray, fit_intercept: bool = True, rows: tuple[int, ...] = (7, 3, 1)
) -> list[OLSResult]:
    results = [one_output(plr.ols(X, y, fit_intercept=fit_intercept))]
    for r in rows:
        Xd, yd = da.from_array(X, chunks=(r, -1)), da.from_array(y, chunks=r)
        results.append(one_output(plr.ols(Xd, yd, fit_intercept=fit_intercept)))
    return results


def _near_midpoint_problem() -> tuple[np.ndarray, np.ndarray]:
    """49 × 2, κ ≈ 8e5, large residual; x2's exact value lies 3e-9 ulp from a midpoint."""
    rng = np.random.default_rng(1263)
    n, p = int(rng.integers(8, 80)), int(rng.integers(1, 4))
    U, _ = np.linalg.qr(rng.standard_normal((n, p)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    s = np.logspace(0, -rng.uniform(4, 8), p)
    X = (U * s) @ V.T * np.exp(rng.uniform(-3, 3, p)) + rng.uniform(-3, 3, p)
    y = X @ rng.standard_normal(p) + rng.standard_normal(n) * 10 ** rng.uniform(0, 4)
    y[0] += -16258 * np.spacing(abs(y[0]))
    y[1] += -18287 * np.spacing(abs(y[1]))
    return X, y


def test_a_value_next_to_a_midpoint_is_rounded_correctly() -> None:
    X, y = _near_midpoint_problem()
    exact = oracle(X, y, None, 0.0, True)
    for res in _in_memory_and_chunked(X, y):
        assert res.converged
        assert ulps_from_exact(res.params, exact) == 0, res.method


def test_too_close_to_call_on_a_large_problem_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the exact fallback the bound is honest: error ≤ relative_error·|x| + ½ ulp."""
    monkeypatch.setattr(reference, "EXACT_FALLBACK_LIMIT", 0)
    X, y = _near_midpoint_problem()
    exact = np.array([float(v) for v in oracle(X, y, None, 0.0, True)])
    for res in _in_memory_and_chunked(X, y):
        half_ulp = 0.5 * np.spacing(np.abs(exact))
        assert np.all(np.abs(res.params - exact) <= res.relative_error * np.abs(exact) + half_ulp)


def _design(seed: int) -> tuple[np.ndarray, np.ndarray, bool]:
    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(10, 60)), int(rng.integers(1, 5))
    U, _ = np.linalg.qr(rng.standard_normal((n, p)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    s = np.logspace(0, -rng.uniform(1, 14), p)
    X = (U * s) @ V.T * np.exp(rng.uniform(-5, 5, p)) + rng.uniform(-3, 3, p) * (seed % 2)
    y = X @ rng.standard_normal(p) + rng.standard_normal(n) * 10 ** rng.uniform(-3, 3)
    return X, y, bool(seed % 4)


@pytest.mark.parametrize("seed", [9, 199])
def test_subnormal_parameters_are_rounded_once(seed: int) -> None:
    X, y, fit_intercept = _design(seed)
    y = y * 2.0**-1060  # the parameters fall on float64's subnormal grid
    exact = oracle(X, y, None, 0.0, fit_intercept)
    assert any(0 < abs(float(v)) < np.finfo(np.float64).tiny for v in exact)
    for res in _in_memory_and_chunked(X, y, fit_intercept):
        assert ulps_from_exact(res.params, exact) == 0, res.method


def test_a_response_whose_norm_overflows_is_solved() -> None:
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20, 2))
    y = rng.standard_normal(20) * 5e307  # ‖y‖ > 1.8e308: only its power of two is formed
    with np.errstate(over="ignore"):
        assert np.isinf(np.linalg.norm(y))
    exact = oracle(X, y, None, 0.0, True)
    for res in _in_memory_and_chunked(X, y):
        assert ulps_from_exact(res.params, exact) == 0
        assert np.isfinite(res.residual_std)


def test_a_subnormal_column_is_refused_by_name() -> None:
    X = np.random.default_rng(0).standard_normal((20, 2))
    X[:, 1] *= 1e-310
    y = X[:, 0] + 1.0
    match = r"X's column x2 has a 2-norm below float64's normal range"
    with pytest.raises(ValueError, match=match):
        plr.ols(X, y)
    with pytest.raises(ValueError, match=match):
        plr.ols(da.from_array(X, chunks=(7, -1)), y)


def test_the_rank_near_its_cut_off_is_decided_as_in_memory() -> None:
    rng = np.random.default_rng(3)
    n, p = int(rng.integers(6, 30)), int(rng.integers(2, 4))
    U, _ = np.linalg.qr(rng.standard_normal((n, p)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    kappa = 1 / ((p + 1) * np.finfo(float).eps) * 10 ** rng.uniform(-0.3, 0.3)
    X = (U * np.logspace(0, -np.log10(kappa), p)) @ V.T
    y = rng.standard_normal(n)
    in_memory, *chunked = _in_memory_and_chunked(X, y, rows=(2,))
    assert chunked[0].method == in_memory.method and chunked[0].rank == in_memory.rank
    assert np.array_equal(chunked[0].params, in_memory.params)
