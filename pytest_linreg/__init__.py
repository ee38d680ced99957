"""pytest-linreg: test linear-regression code against an accurate OLS reference.

Importing this package is cheap: it never imports TensorFlow, torch, JAX or scikit-learn.
"""

from __future__ import annotations

from .datasets import (
    Dataset,
    DatasetSpec,
    dataset_names,
    load_dataset,
    make_collinear_pair,
    make_exact,
    make_ill_conditioned,
    make_offset,
    make_polynomial,
    make_rank_deficient,
    make_shuffled_poisson,
    make_sorted_poisson,
    make_unsorted_poisson,
)
from .digits import lre
from .errors import (
    IllConditionedWarning,
    LinregAssertionError,
    LinregError,
    LinregWarning,
    RankDeficientError,
    RankDeficientWarning,
)
from .reference import OLSResult, ols
from .suite import (
    CheckResult,
    FitCapabilities,
    declare_capabilities,
    parametrize_with_linreg_checks,
    run_checks,
)

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "Dataset",
    "DatasetSpec",
    "FitCapabilities",
    "IllConditionedWarning",
    "LinregAssertionError",
    "LinregError",
    "LinregWarning",
    "OLSResult",
    "RankDeficientError",
    "RankDeficientWarning",
    "__version__",
    "dataset_names",
    "declare_capabilities",
    "load_dataset",
    "lre",
    "make_collinear_pair",
    "make_exact",
    "make_ill_conditioned",
    "make_offset",
    "make_polynomial",
    "make_rank_deficient",
    "make_shuffled_poisson",
    "make_sorted_poisson",
    "make_unsorted_poisson",
    "ols",
    "parametrize_with_linreg_checks",
    "run_checks",
]
