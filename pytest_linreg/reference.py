"""Accurate ordinary-least-squares reference solver (interim version: QR on the equilibrated design).

The refined float path and the exact rational path replace the internals of :func:`ols`;
the :class:`OLSResult` fields are the stable contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._validation import as_design, as_response, check_parameters_fit, column_names

__all__ = ["OLSResult", "ols"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class OLSResult:
    """The answer of :func:`ols`.

    Attributes
    ----------
    coef : ndarray (p,)
    intercept : float
        ``0.0`` when ``fit_intercept`` is false.
    rank : int
        Numerical rank of the design, intercept column included.
    condition_number : float
        2-norm condition number of the column-equilibrated design (intercept column included).
    residual_std : float
        ``sqrt(RSS / (n - rank))`` (``nan`` when ``n == rank``).
    r_squared : float
        Centred R² with an intercept, uncentred without (NIST's convention).
    relative_error : ndarray (p + fit_intercept,)
        Estimated relative error of each parameter (intercept first) of this answer.
    method : str
        ``"refined-qr"``, ``"exact"``, ``"minimum-norm"`` ...
    converged : bool
        Whether the solver certified its answer to working precision.
    """

    coef: FloatArray
    intercept: float
    rank: int
    condition_number: float
    residual_std: float
    r_squared: float
    relative_error: FloatArray
    method: str
    converged: bool
    fit_intercept: bool
    feature_names: tuple[str, ...]
    n: int

    @property
    def p(self) -> int:
        return int(self.coef.shape[0])

    @property
    def params(self) -> FloatArray:
        """All parameters as one vector, intercept first when fitted."""
        if self.fit_intercept:
            return np.concatenate([[self.intercept], self.coef])
        return np.array(self.coef, copy=True)

    def predict(self, X: Any) -> FloatArray:
        """Predictions ``X @ coef + intercept`` for a new design."""
        Xa = as_design(X)
        if Xa.shape[1] != self.p:
            raise ValueError(f"X has {Xa.shape[1]} columns but the fit has {self.p} coefficients")
        return Xa @ self.coef + self.intercept


def ols(
    X: Any,
    y: Any,
    *,
    fit_intercept: bool = True,
    exact: bool = False,
    feature_names: Sequence[str] | None = None,
) -> OLSResult:
    """Ordinary least squares, accurately."""
    names = column_names(X, np.shape(X)[1] if np.ndim(X) == 2 else 0, feature_names)
    Xa = as_design(X)
    ya = as_response(y, Xa.shape[0])
    n, p = Xa.shape
    check_parameters_fit(n, p, fit_intercept)
    A = np.column_stack([np.ones(n), Xa]) if fit_intercept else Xa
    scale = np.linalg.norm(A, axis=0)
    scale[scale == 0] = 1.0
    As = A / scale
    sv = np.linalg.svd(As, compute_uv=False)
    cond = float(sv[0] / sv[-1]) if sv[-1] > 0 else float("inf")
    rank = int(np.count_nonzero(sv > sv[0] * max(A.shape) * np.finfo(float).eps))
    z, *_ = np.linalg.lstsq(As, ya, rcond=None)
    params = z / scale
    resid = ya - A @ params
    rss = float(resid @ resid)
    centred = ya - ya.mean() if fit_intercept else ya
    tss = float(centred @ centred)
    dof = n - rank
    return OLSResult(
        coef=params[1:] if fit_intercept else params,
        intercept=float(params[0]) if fit_intercept else 0.0,
        rank=rank,
        condition_number=cond,
        residual_std=float(np.sqrt(rss / dof)) if dof > 0 else float("nan"),
        r_squared=1.0 - rss / tss if tss > 0 else float("nan"),
        relative_error=np.full(A.shape[1], cond * np.finfo(float).eps),
        method="lstsq",
        converged=True,
        fit_intercept=fit_intercept,
        feature_names=names,
        n=n,
    )
