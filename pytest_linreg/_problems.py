"""The plain least-squares system equivalent to a weighted or ridge problem.

A leaf module (numpy only): :mod:`pytest_linreg.tolerances` and :mod:`pytest_linreg.verdicts`
both judge weighted and ridge problems through it.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["equivalent_ols"]

FloatArray = npt.NDArray[np.float64]


def equivalent_ols(
    X: FloatArray,
    y: FloatArray,
    *,
    fit_intercept: bool,
    sample_weight: FloatArray | None,
    alpha: float,
) -> tuple[FloatArray, FloatArray]:
    """The OLS problem, fitted without intercept, with the minimiser of ``Σ wᵢ rᵢ² + α‖β‖²``.

    ``Σ wᵢ rᵢ² + α‖β‖²`` is the plain sum of squares of the stacked system
    ``[√w ⊙ [1, X]; [0, √α I]] [b; β] ≈ [√w ⊙ y; 0]`` (row weighting and ridge regression as
    stacked least squares: Golub & Van Loan, *Matrix Computations*, 4th ed., §6.1), whose
    columns are the intercept's (when fitted) and then X's: the parameters in the order
    ``[intercept, *coef]``. Perturbation bounds of this system are those of the weighted or
    penalised problem; the penalty rows bound its smallest singular value below by √α, which
    is why ridge is always identifiable. Rows of zero weight become zero rows.
    """
    n, p = X.shape
    root_w = np.ones(n) if sample_weight is None else np.sqrt(sample_weight)
    with np.errstate(over="ignore"):
        top, rhs = _stacked_rows(X, y, root_w, fit_intercept)
        if not (np.all(np.isfinite(top)) and np.all(np.isfinite(rhs))):
            # √w·x beyond float64 (weights 1e20 beside values 1e299): the weights times 4**-s
            # and α alike leave the minimiser and every relative bound unchanged.
            s = int(np.frexp(float(np.max(root_w)))[1])
            root_w = np.ldexp(root_w, -s)
            alpha = alpha * 4.0**-s
            top, rhs = _stacked_rows(X, y, root_w, fit_intercept)
    if not (np.all(np.isfinite(top)) and np.all(np.isfinite(rhs))):
        raise ValueError(
            "the weighted problem's rows √w·[1, X] and √w·y exceed float64's range even with "
            "the weights rescaled; rescale X or y by a power of two"
        )
    if alpha == 0.0:
        return top, rhs
    penalty = np.zeros((p, top.shape[1]))
    penalty[:, top.shape[1] - p :] = math.sqrt(alpha) * np.eye(p)
    return np.vstack([top, penalty]), np.concatenate([rhs, np.zeros(p)])


def _stacked_rows(
    X: FloatArray, y: FloatArray, root_w: FloatArray, fit_intercept: bool
) -> tuple[FloatArray, FloatArray]:
    """``√w ⊙ [1, X]`` (or ``√w ⊙ X``) and ``√w ⊙ y``."""
    columns = [root_w[:, None] * X]
    if fit_intercept:
        columns.insert(0, root_w[:, None])
    return np.hstack(columns), root_w * y
