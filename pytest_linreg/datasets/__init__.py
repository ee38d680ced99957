"""Datasets: NIST StRD certified sets, the sorted-Poisson question, and generators."""

from __future__ import annotations

from ._dataset import Dataset
from ._registry import (
    DatasetSpec,
    builtin_specs,
    dataset_names,
    load_dataset,
    merge_specs,
    select_specs,
)
from .certified import NIST_NAMES, load_nist
from .poisson import make_shuffled_poisson, make_sorted_poisson, make_unsorted_poisson

__all__ = [
    "NIST_NAMES",
    "Dataset",
    "DatasetSpec",
    "builtin_specs",
    "dataset_names",
    "load_dataset",
    "load_nist",
    "make_shuffled_poisson",
    "make_sorted_poisson",
    "make_unsorted_poisson",
    "merge_specs",
    "select_specs",
]
