"""pytest-linreg: test linear-regression code against an accurate OLS reference.

Importing this package is cheap: it never imports TensorFlow, torch, JAX or scikit-learn.
"""

from __future__ import annotations

from .adapters import Coefficients, extract_coefficients
from .assertions import (
    assert_coefficients_close,
    assert_identifiable,
    assert_predictions_close,
)
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
from .diagnostics import (
    Diagnosis,
    NearNullCombination,
    attainable_accuracy,
    componentwise_condition,
    condition_number,
    diagnose,
    near_null_combinations,
    numerical_rank,
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
from .tolerances import attainable_rtol, derived_rtol, unit_roundoff

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "Coefficients",
    "Dataset",
    "DatasetSpec",
    "Diagnosis",
    "FitCapabilities",
    "IllConditionedWarning",
    "LinregAssertionError",
    "LinregError",
    "LinregWarning",
    "NearNullCombination",
    "OLSResult",
    "RankDeficientError",
    "RankDeficientWarning",
    "__version__",
    "assert_coefficients_close",
    "assert_identifiable",
    "assert_predictions_close",
    "attainable_accuracy",
    "attainable_rtol",
    "componentwise_condition",
    "condition_number",
    "dataset_names",
    "declare_capabilities",
    "derived_rtol",
    "diagnose",
    "extract_coefficients",
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
    "near_null_combinations",
    "numerical_rank",
    "ols",
    "parametrize_with_linreg_checks",
    "run_checks",
    "unit_roundoff",
]
