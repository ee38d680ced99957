"""scikit-learn linear estimators: anything fitted with ``coef_`` and ``intercept_``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .extract import Coefficients, make_coefficients

__all__ = ["SklearnAdapter"]


class SklearnAdapter:
    """``LinearRegression``, ``Ridge``, ``SGDRegressor`` ... (duck typed on ``coef_``).

    ``intercept`` is ``None`` when the estimator was built with ``fit_intercept=False``
    (scikit-learn then stores ``intercept_ = 0.0``).
    """

    name = "sklearn"

    def matches(self, obj: Any) -> bool:
        return hasattr(obj, "coef_") and hasattr(obj, "intercept_")

    def extract(self, obj: Any) -> Coefficients:
        source = f"sklearn:{type(obj).__name__}"
        coef = np.asarray(obj.coef_)
        intercept = None if getattr(obj, "fit_intercept", True) is False else obj.intercept_
        return make_coefficients(coef, intercept, source)
