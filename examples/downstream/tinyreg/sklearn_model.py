"""A scikit-learn linear model as the rest of the project uses it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest_linreg as plr


@plr.declare_capabilities(dtypes=("float64", "float32"), devices=("cpu",))
def fit_sklearn(X: np.ndarray, y: np.ndarray, *, fit_intercept: bool, dtype: str,
                device: str) -> Any:
    """Fit ``sklearn.linear_model.LinearRegression`` in ``dtype`` (CPU only, as declared)."""
    from sklearn.linear_model import LinearRegression

    model = LinearRegression(fit_intercept=fit_intercept)
    return model.fit(np.asarray(X, dtype=dtype), np.asarray(y, dtype=dtype))
