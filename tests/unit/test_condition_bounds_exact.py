"""The bounds behind every tolerance, against their exact values; and the factor behind them.

:mod:`condition_oracle` evaluates the componentwise (data) bound, the columnwise solver bound,
the coefficient scale and the prediction bound in rational arithmetic on the float64 data.
The floating-point evaluation may differ from them by rounding amplified by the design's
condition number κ, and by nothing else: a larger error would move a tolerance, and so a
verdict. Measured worst: 95·κ·u over the 150 designs below, the same with one row block as with
blocks of 3 and 5 rows (the blocked QR's second stage and short last blocks).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from condition_oracle import exact_bounds

from pytest_linreg import diagnostics
from pytest_linreg._tsqr import TallSkinnyQR
from pytest_linreg.diagnostics import (
    coefficient_scale,
    componentwise_condition,
    condition_number,
    diagnose,
    prediction_condition,
    solver_condition,
)

U = 2.0**-53


def _design(seed: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Small designs: scaled and offset columns, near-collinear pairs (κ up to ~1e10),
    responses with and without residual, with and without intercept."""
    rng = np.random.default_rng(seed)
    p = int(rng.integers(1, 5))
    fit = bool(rng.integers(0, 2))
    n = int(rng.integers(p + fit + 1, 40))
    X = rng.standard_normal((n, p)) * 10.0 ** rng.uniform(-3, 6, p)
    X += 10.0 ** rng.uniform(-2, 5, p) * rng.integers(0, 2, p)
    if p >= 2 and rng.random() < 0.5:
        noise = 10.0 ** rng.uniform(-10, -2) * np.abs(X[:, 0]).max()
        X[:, 1] = X[:, 0] * rng.uniform(0.5, 2) + noise * rng.standard_normal(n)
    y = X @ (rng.standard_normal(p) * 10.0 ** rng.uniform(-3, 3, p)) + rng.uniform(-5, 5)
    if rng.random() < 0.7:
        y = y + 10.0 ** rng.uniform(-8, 0) * np.abs(y).max() * rng.standard_normal(n)
    return X, y, fit


def _relative_error(got: np.ndarray | float, exact: np.ndarray | float) -> float:
    return float(np.max(np.abs(np.asarray(got) - exact) / np.abs(exact)))


@pytest.mark.parametrize("block_rows", [diagnostics._ROW_BLOCK, 3, 5])
def test_bounds_match_their_exact_values_to_rounding_times_kappa(
    block_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(diagnostics, "_ROW_BLOCK", block_rows)
    worst = 0.0
    for seed in range(150):
        X, y, fit = _design(seed)
        kappa = condition_number(X, fit_intercept=fit)
        exact = exact_bounds(X, y, fit)
        A = np.column_stack([np.ones(len(y)), X]) if fit else X
        k = A.shape[1]
        sigma_min = np.linalg.svd(A / exact.column_norms, compute_uv=False)[-1]
        size = exact.response_norm + float(np.sum(exact.column_norms * np.abs(exact.x)))
        size += np.sqrt(k) * exact.residual_norm / sigma_min
        prediction = float(exact.leverage.max()) * size / float(np.abs(exact.fitted).max())
        errors = {
            "data": _relative_error(componentwise_condition(X, y, fit_intercept=fit), exact.data),
            "solver": _relative_error(solver_condition(X, y, fit_intercept=fit), exact.solver),
            "scale": _relative_error(coefficient_scale(X, y, fit_intercept=fit), exact.scale),
            # σ_min above is a float SVD (relative error ~κu, like the quantity judged).
            "prediction": _relative_error(prediction_condition(X, y, fit_intercept=fit),
                                          prediction),
        }
        for name, err in errors.items():
            assert err <= 500 * kappa * U, (seed, name, err, kappa)
            worst = max(worst, err / (kappa * U))
    assert worst > 1.0  # the comparison resolves rounding: it is not vacuous


@pytest.mark.parametrize("keep_factor", [True, False])
@pytest.mark.parametrize(("n", "k", "block_rows"), [(50, 4, 7), (50, 4, 50), (9, 4, 3), (30, 1, 4)])
def test_blocked_qr_rows_are_orthonormal_and_reproduce_the_design(
    n: int, k: int, block_rows: int, keep_factor: bool
) -> None:
    rng = np.random.default_rng(n + k + block_rows)
    A = rng.standard_normal((n, k)) @ np.diag(np.logspace(0, -8, k))
    reads: list[tuple[int, int]] = []

    def rows_t(start: int, stop: int) -> np.ndarray:
        reads.append((start, stop))
        return A[start:stop].T.copy()

    qr = TallSkinnyQR(n, k, rows_t, block_rows, keep_factor=keep_factor)
    blocks = len(list(qr.row_ranges()))
    assert len(reads) == blocks  # the factorisation reads each block once
    Q = np.empty((n, k))
    seen = []
    for start, stop, rows in qr.q_rows():
        Q[start:stop] = rows
        seen.append((start, stop))
    assert seen == list(qr.row_ranges()) and seen[-1][1] == n
    # Kept or refactored from the data, the blocks' reflectors are the same.
    assert len(reads) == (blocks if keep_factor else 2 * blocks)
    assert np.max(np.abs(Q.T @ Q - np.eye(k))) < 50 * n * U
    assert np.max(np.abs(Q @ qr.R - A)) < 50 * n * U * np.max(np.abs(A))
    b = rng.standard_normal(n)
    np.testing.assert_allclose(qr.qt(b), Q.T @ b, rtol=0, atol=50 * n * U * np.abs(b).sum())
    with pytest.raises(ValueError, match="block_rows"):
        TallSkinnyQR(n, k, lambda s, e: A[s:e].T.copy(), 0)


def test_diagnose_holds_no_q_and_no_copy_of_the_design_beyond_its_factor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Forming Q (and |A|, and A with its ones column) held 4.4 copies of X at peak. Now the
    # factor (k/p copies), a few n-vectors and blocks of rows: 1.7 copies measured at
    # 10⁶ × 10. Blocks of 8 192 rows keep the blocks' share as small here, at 2·10⁵ rows.
    monkeypatch.setattr(diagnostics, "_ROW_BLOCK", 8192)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200_000, 10))
    y = X @ np.arange(1.0, 11.0) + rng.standard_normal(200_000)
    tracemalloc.start()
    try:
        diagnose(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    factor = 11 / 10
    assert peak / X.nbytes < factor + 1.0, peak / X.nbytes
