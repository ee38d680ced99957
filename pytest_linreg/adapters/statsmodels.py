"""statsmodels regression results (``OLS(...).fit()``, ``WLS``, ``GLM`` with identity link).

Convention: statsmodels has no separate intercept; a constant column in ``exog`` (added with
``sm.add_constant``) plays that part. When the model reports one (``model.k_constant == 1`` and
``model.data.const_idx``), its parameter times the column's value (1 for ``add_constant``, 2
for a column of 2s) becomes ``intercept`` and is removed from ``coef``; otherwise
``intercept`` is ``None`` and every parameter is a coefficient, in ``exog`` order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._coefficients import Coefficients, make_coefficients

__all__ = ["StatsmodelsAdapter"]


def _const_index(model: Any) -> int | None:
    if getattr(model, "k_constant", 0) != 1:
        return None
    idx = getattr(getattr(model, "data", None), "const_idx", None)
    return None if idx is None else int(idx)


def _constant_value(model: Any, idx: int) -> float:
    """The value of the constant column ``idx`` of ``exog`` (1.0 for ``sm.add_constant``)."""
    column = np.asarray(model.exog, dtype=np.float64)[:, idx]
    if column.size == 0 or not np.all(column == column[0]):
        raise TypeError(
            f"statsmodels reports exog column {idx} as the constant, but it is not constant"
        )
    return float(column[0])


def _names(results: Any) -> tuple[str, ...] | None:
    """The parameter names when the user gave them (a DataFrame or a formula), else None.

    statsmodels names the columns of a bare array ``const, x1, x2 …`` itself; those say nothing
    about which feature is which, so they are not used for alignment.
    """
    index = getattr(getattr(results, "params", None), "index", None)
    if index is None:
        return None
    model = results.model
    given = getattr(model, "formula", None) is not None or hasattr(
        getattr(getattr(model, "data", None), "orig_exog", None), "columns")
    return tuple(str(n) for n in index) if given else None


def _fit_kind(results: Any) -> str:
    """OLS/WLS/GLS solve by pinv or QR: direct; a GLM is fitted by IRLS: iterative."""
    return "iterative" if type(results.model).__name__ == "GLM" else "direct"


def _check_linear(model: Any, source: str) -> None:
    """Refuse models whose parameters are not those of a linear mean (logit, log link ...)."""
    # Logit, Poisson ... first: they carry a family too, but are no GLM to the user.
    if type(model).__module__.startswith("statsmodels.discrete"):
        raise TypeError(f"{source}: a discrete-choice/count model is not a linear regression")
    link = getattr(getattr(model, "family", None), "link", None)
    if link is not None and type(link).__name__ != "Identity":
        raise TypeError(
            f"{source}: a GLM with a {type(link).__name__} link is not a linear regression; "
            "only the identity link is compared with OLS"
        )


class StatsmodelsAdapter:
    """Results objects with ``params`` and a ``model`` that has ``exog``."""

    name = "statsmodels"

    def matches(self, obj: Any) -> bool:
        module = type(obj).__module__
        return (
            module.startswith("statsmodels")
            and hasattr(obj, "params")
            and hasattr(getattr(obj, "model", None), "exog")
        )

    def extract(self, obj: Any) -> Coefficients:
        params = np.asarray(obj.params)  # a pandas Series when exog was a DataFrame
        source = f"statsmodels:{type(obj.model).__name__}"
        _check_linear(obj.model, source)
        labels = _names(obj)
        idx = _const_index(obj.model)
        if idx is None:
            return make_coefficients(params, None, source, names=labels, kind=_fit_kind(obj))
        value = _constant_value(obj.model, idx)
        if value != 1.0:
            # statsmodels reports any constant column as the constant: a column of 2s makes
            # the model's intercept 2·θ, not θ (read as θ, predictions off by θ passed).
            source += f" (constant column of {value:g})"
        names = None if labels is None else labels[:idx] + labels[idx + 1:]
        return make_coefficients(np.delete(params, idx), params[idx] * value, source,
                                 names=names, kind=_fit_kind(obj))
