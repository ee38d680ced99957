"""pytest-linreg: test linear-regression code against an accurate OLS reference.

Importing this package is cheap: it never imports TensorFlow, torch, JAX or scikit-learn.
"""

from __future__ import annotations

from .datasets import Dataset
from .errors import (
    IllConditionedWarning,
    LinregAssertionError,
    LinregError,
    LinregWarning,
    RankDeficientError,
    RankDeficientWarning,
)
from .reference import OLSResult, ols

__version__ = "0.1.0"

__all__ = [
    "Dataset",
    "IllConditionedWarning",
    "LinregAssertionError",
    "LinregError",
    "LinregWarning",
    "OLSResult",
    "RankDeficientError",
    "RankDeficientWarning",
    "__version__",
    "ols",
]
