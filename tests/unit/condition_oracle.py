"""Exact values of the first-order error bounds that the tolerances are built from.

:mod:`pytest_linreg.diagnostics` evaluates Björck's componentwise bound, the columnwise solver
bound and the leverages in floating point, from a factorisation of the equilibrated design.
Here the same formulas are evaluated in rational arithmetic (``fractions.Fraction``) on the
float64 data, through the normal equations' exact inverse ``G⁻¹ = (AᵀA)⁻¹``; only the final
square roots are rounded. The componentwise bound does not depend on column scaling, so it is
computed in the original units: nothing here shares a line with the package.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from rational_oracle import solve_exactly


@dataclass(frozen=True)
class ExactBounds:
    """Per parameter (intercept first) and per row, as floats rounded from exact values."""

    data: np.ndarray  # componentwise condition (relative to the coefficient scale)
    solver: np.ndarray  # columnwise solver condition (same scale)
    scale: np.ndarray  # max(|x_i|, ‖ŷ‖ / ‖a_i‖)
    leverage: np.ndarray  # √(a_r G⁻¹ a_rᵀ), the row norms of Q
    x: np.ndarray
    fitted: np.ndarray
    column_norms: np.ndarray
    residual_norm: float
    response_norm: float


def _sqrt(q: Fraction) -> float:
    return math.sqrt(float(q))


def exact_bounds(X: np.ndarray, y: np.ndarray, fit_intercept: bool) -> ExactBounds:
    """The bounds of :func:`pytest_linreg.diagnostics.componentwise_condition` and friends."""
    n, p = X.shape
    rows = [[Fraction(1)] * fit_intercept + [Fraction(v) for v in X[r]] for r in range(n)]
    k = p + fit_intercept
    b = [Fraction(v) for v in y]
    gram = [[sum(rows[r][i] * rows[r][j] for r in range(n)) for j in range(k)] for i in range(k)]
    columns = list(zip(*[solve_exactly(gram, [Fraction(i == j) for i in range(k)])
                         for j in range(k)], strict=True))
    ginv = [list(row) for row in columns]  # G⁻¹ is symmetric: rows = columns
    aty = [sum(rows[r][i] * b[r] for r in range(n)) for i in range(k)]
    x = [sum(ginv[i][j] * aty[j] for j in range(k)) for i in range(k)]
    fitted = [sum(rows[r][j] * x[j] for j in range(k)) for r in range(n)]
    resid = [b[r] - fitted[r] for r in range(n)]
    pinv = [[sum(ginv[i][j] * rows[r][j] for j in range(k)) for r in range(n)] for i in range(k)]
    # |A| with the intercept's ones exact (not perturbed), as the componentwise bound has it.
    E = [[abs(v) if (j > 0 or not fit_intercept) else Fraction(0) for j, v in enumerate(row)]
         for row in rows]
    v = [abs(b[r]) + sum(E[r][j] * abs(x[j]) for j in range(k)) for r in range(n)]
    etr = [sum(E[r][j] * abs(resid[r]) for r in range(n)) for j in range(k)]
    data_abs = [
        sum(abs(pinv[i][r]) * v[r] for r in range(n)) + sum(abs(ginv[i][j]) * etr[j]
                                                             for j in range(k))
        for i in range(k)
    ]
    norms = np.array([_sqrt(gram[j][j]) for j in range(k)])
    fitted_norm = _sqrt(sum(f * f for f in fitted))
    response_norm = _sqrt(sum(t * t for t in b))
    residual_norm = _sqrt(sum(t * t for t in resid))
    if fitted_norm == 0.0:
        fitted_norm = response_norm
    xf = np.array([float(t) for t in x])
    safe = np.where(norms > 0, norms, 1.0)
    scale = np.maximum(np.abs(xf), fitted_norm / safe)
    size = float(np.sum(norms * np.abs(xf))) + response_norm
    solver_abs = np.array([
        _sqrt(ginv[i][i]) * size
        + math.sqrt(sum(float(ginv[i][j]) ** 2 * norms[j] ** 2 for j in range(k)))
        * math.sqrt(k) * residual_norm
        for i in range(k)
    ])
    leverage = np.array([
        _sqrt(sum(rows[r][i] * ginv[i][j] * rows[r][j] for i in range(k) for j in range(k)))
        for r in range(n)
    ])
    return ExactBounds(
        data=np.array([float(t) for t in data_abs]) / scale,
        solver=solver_abs / scale,
        scale=scale,
        leverage=leverage,
        x=xf,
        fitted=np.array([float(t) for t in fitted]),
        column_norms=norms,
        residual_norm=residual_norm,
        response_norm=response_norm,
    )
