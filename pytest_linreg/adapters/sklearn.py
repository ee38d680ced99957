"""scikit-learn linear estimators: anything fitted with ``coef_`` and ``intercept_``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._coefficients import Coefficients, make_coefficients, make_output_coefficients

__all__ = ["SklearnAdapter"]


#: Estimators that solve least squares by a factorisation (LAPACK lstsq, Cholesky, SVD).
_DIRECT = frozenset({"LinearRegression"})
_DIRECT_RIDGE_SOLVERS = frozenset({"auto", "svd", "cholesky"})


def _library(estimator: Any) -> str:
    """The estimator's top-level package: ``sklearn``, or another library following its API
    (dask-ml's ``dask_ml``, cuML's ``cuml``), named as such in the source."""
    return type(estimator).__module__.split(".")[0]


def _fit_kind(estimator: Any) -> str:
    """``"direct"``, ``"iterative"`` (fitted by iterations: ``n_iter_`` is set) or unknown.

    Names mean scikit-learn's estimators only: dask-ml's ``LinearRegression`` iterates (ADMM,
    L-BFGS) although it has the same name.
    """
    name = type(estimator).__name__
    if _library(estimator) != "sklearn":
        return "iterative" if getattr(estimator, "n_iter_", None) is not None else "unknown"
    if name in _DIRECT:
        return "direct"
    if name == "Ridge" and getattr(estimator, "solver", None) in _DIRECT_RIDGE_SOLVERS:
        return "direct"
    if getattr(estimator, "n_iter_", None) is not None:
        return "iterative"
    return "unknown"


#: dask-ml solvers that drop the regulariser (its ``_get_solver_kwargs``): least squares.
_DASK_ML_UNPENALISED = frozenset({"newton", "gradient_descent"})


def _objective(estimator: Any) -> str:
    """What a dask-ml GLM solved, which its name does not say: ``(solver='newton')``.

    dask-ml's ``LinearRegression`` (dask-glm) minimises ``Σ(y − Xβ)² + (1/C)·‖β‖²/2`` over
    columns standardised to mean 0 and variance 1, the intercept penalised too; its
    ``newton`` and ``gradient_descent`` solvers ignore the penalty (least squares).
    ``solver_kwargs`` (which can change the penalty or the standardisation) are named too.
    """
    if _library(estimator) != "dask_ml" or not hasattr(estimator, "solver"):
        return ""
    extra = getattr(estimator, "solver_kwargs", None)
    tail = f", solver_kwargs={extra!r}" if extra else ""
    if estimator.solver in _DASK_ML_UNPENALISED:
        return f"(solver={estimator.solver!r}{tail})"
    return (
        f"(solver={estimator.solver!r}, penalty={estimator.penalty!r}, C={estimator.C!r}{tail})"
    )


class SklearnAdapter:
    """``LinearRegression``, ``Ridge``, ``SGDRegressor`` ... (duck typed on ``coef_``).

    Estimators of other libraries with scikit-learn's API (dask-ml, cuML) are read the same
    way and named by their package (``dask_ml:LinearRegression``).

    A ``coef_`` of shape (k, p) is a model of k targets, compared output by output.

    ``intercept`` is ``None`` when the estimator was built with ``fit_intercept=False``
    (scikit-learn then stores ``intercept_ = 0.0``).
    """

    name = "sklearn"

    def matches(self, obj: Any) -> bool:
        if hasattr(obj, "coef_") and hasattr(obj, "intercept_"):
            return True
        # A scikit-learn estimator without coef_ is ours to refuse by name (unfitted, or not a
        # linear model) rather than fall through to "no adapter reads it".
        return type(obj).__module__.split(".")[0] == "sklearn" and hasattr(obj, "fit")

    def extract(self, obj: Any) -> Coefficients:
        source = f"{_library(obj)}:{type(obj).__name__}{_objective(obj)}"
        if not hasattr(obj, "coef_"):
            raise TypeError(
                f"{source} has no coef_: it is not fitted yet, or not a linear model "
                "(for a Pipeline, pass its final estimator or a (coef, intercept) pair)"
            )
        coef = np.asarray(obj.coef_)  # (p,), or (k, p) for k targets: k outputs
        intercept = None if getattr(obj, "fit_intercept", True) is False else obj.intercept_
        names = getattr(obj, "feature_names_in_", None)  # set when fitted on a DataFrame
        if coef.ndim == 2:  # a 2-D y: one row per target, (1, p) for a single column
            return make_output_coefficients(coef, intercept, source, names=names,
                                            kind=_fit_kind(obj))
        return make_coefficients(coef, intercept, source, names=names, kind=_fit_kind(obj))
