"""pytest-linreg: test linear-regression code against an accurate OLS reference.

Importing this package is cheap: it never imports TensorFlow, torch, JAX or scikit-learn.
"""

from __future__ import annotations

from .datasets import (
    Dataset,
    DatasetSpec,
    dataset_names,
    load_dataset,
    make_shuffled_poisson,
    make_sorted_poisson,
    make_unsorted_poisson,
)
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
    "DatasetSpec",
    "IllConditionedWarning",
    "LinregAssertionError",
    "LinregError",
    "LinregWarning",
    "OLSResult",
    "RankDeficientError",
    "RankDeficientWarning",
    "__version__",
    "dataset_names",
    "load_dataset",
    "make_shuffled_poisson",
    "make_sorted_poisson",
    "make_unsorted_poisson",
    "ols",
]
