"""Datasets: NIST StRD certified sets, the sorted-Poisson question, and generators."""

from __future__ import annotations

from ._dataset import Dataset, MultiOutputDataset
from ._registry import (
    BUILTIN_SOURCE,
    DatasetSpec,
    builtin_specs,
    dataset_names,
    load_dataset,
    merge_specs,
    select_specs,
)
from .certified import NIST_NAMES, load_nist
from .collinear import make_collinear_pair, make_rank_deficient
from .conditioning import make_ill_conditioned
from .constructed import make_exact
from .offsets import make_offset
from .poisson import make_shuffled_poisson, make_sorted_poisson, make_unsorted_poisson
from .polynomial import make_polynomial

__all__ = [
    "BUILTIN_SOURCE",
    "NIST_NAMES",
    "Dataset",
    "DatasetSpec",
    "MultiOutputDataset",
    "builtin_specs",
    "dataset_names",
    "load_dataset",
    "load_nist",
    "make_collinear_pair",
    "make_exact",
    "make_ill_conditioned",
    "make_offset",
    "make_polynomial",
    "make_rank_deficient",
    "make_shuffled_poisson",
    "make_sorted_poisson",
    "make_unsorted_poisson",
    "merge_specs",
    "select_specs",
]
