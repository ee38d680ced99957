"""pytest-linreg: test linear-regression code against an accurate OLS reference.

Importing this package is cheap: it never imports TensorFlow, torch, JAX or scikit-learn.

``pytest_linreg.strategies`` (hypothesis strategies of problems with exact references,
``plr.strategies.problems(...)``) needs the ``hypothesis`` extra and is imported on first
access (PEP 562), so ``import pytest_linreg`` does not import hypothesis. It is left out of
``__all__`` so that ``from pytest_linreg import *`` neither imports hypothesis nor fails without
it.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING

from .adapters import Coefficients, extract_coefficients
from .assertions import (
    assert_coefficients_close,
    assert_identifiable,
    assert_predictions_close,
)
from .datasets import (
    Dataset,
    DatasetSpec,
    MultiOutputDataset,
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
from .reference import MultiOutputResult, OLSResult, ols
from .suite import (
    CheckResult,
    FitCapabilities,
    declare_capabilities,
    parametrize_with_linreg_checks,
    run_checks,
)
from .tolerances import attainable_rtol, derived_rtol, unit_roundoff

if TYPE_CHECKING:
    from types import ModuleType

    from . import strategies as strategies

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
    "MultiOutputDataset",
    "MultiOutputResult",
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


#: Submodules imported on first attribute access: they need an optional extra.
_LAZY_SUBMODULES = {"strategies": "hypothesis"}


def _lazy_submodule(name: str) -> ModuleType:
    """``plr.strategies``: import the submodule on first use (PEP 562), naming its extra."""
    extra = _LAZY_SUBMODULES.get(name)
    if extra is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        _importlib.import_module(extra)
    except ImportError as exc:
        raise ImportError(
            f"pytest_linreg.{name} needs {extra}, an optional extra: "
            f'pip install "pytest-linreg[{extra}]"'
        ) from exc
    # import_module binds the submodule as an attribute of this package, so later lookups
    # do not come back here.
    return _importlib.import_module(f".{name}", __name__)


if not TYPE_CHECKING:
    # Hidden from type checkers: a module-level __getattr__ would make mypy accept any
    # attribute of the package (typos included); they see `strategies` imported above.
    __getattr__ = _lazy_submodule


def __dir__() -> list[str]:
    """The module's names and the lazy submodules, so completion offers ``strategies``."""
    return sorted({*globals(), *_LAZY_SUBMODULES})
