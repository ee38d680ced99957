"""An exact least-squares oracle for tests, independent of the package.

The normal equations of the weighted, penalised problem solved in rational arithmetic
(``fractions.Fraction``) on the same float64 data: the answer every reference and verdict in
the tests is judged against (never ``ols`` itself, nor another float64 solver).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np


def solve_exactly(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction]:
    """Gauss–Jordan elimination with exact pivoting on nonzero entries."""
    m = len(rhs)
    a = [[*row, r] for row, r in zip(matrix, rhs, strict=True)]
    for col in range(m):
        pivot = next(i for i in range(col, m) if a[i][col] != 0)
        a[col], a[pivot] = a[pivot], a[col]
        for i in range(m):
            if i != col and a[i][col] != 0:
                factor = a[i][col] / a[col][col]
                a[i] = [x - factor * y for x, y in zip(a[i], a[col], strict=True)]
    return [a[i][m] / a[i][i] for i in range(m)]


def oracle(
    X: np.ndarray, y: np.ndarray, w: np.ndarray | None, alpha: float, fit_intercept: bool
) -> list[Fraction]:
    """Exact minimiser of ``Σ wᵢ (yᵢ − b − xᵢβ)² + α‖β‖²``, intercept first when fitted."""
    n, p = X.shape
    rows = [[Fraction(1)] * fit_intercept + [Fraction(v) for v in X[i]] for i in range(n)]
    weights = [Fraction(1)] * n if w is None else [Fraction(v) for v in w]
    k = p + fit_intercept
    gram = [
        [sum(weights[i] * rows[i][a] * rows[i][b] for i in range(n)) for b in range(k)]
        for a in range(k)
    ]
    for j in range(fit_intercept, k):
        gram[j][j] += Fraction(alpha)
    rhs = [sum(weights[i] * rows[i][a] * Fraction(y[i]) for i in range(n)) for a in range(k)]
    return solve_exactly(gram, rhs)


def ulps_from_exact(got: np.ndarray, exact: list[Fraction]) -> float:
    """Largest distance of ``got`` from the correctly rounded ``exact``, in its ulps."""
    rounded = np.array([float(v) for v in exact])
    gap = np.abs(got - rounded) / np.spacing(np.maximum(np.abs(rounded), np.finfo(float).tiny))
    return float(np.max(gap))
