"""Datasets shared by the assertion tests; read-only, so built once per session."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_linreg.datasets import Dataset
from pytest_linreg.datasets.poisson import make_sorted_poisson


@pytest.fixture(scope="session")
def sorted_poisson() -> Dataset:
    """The question's data: seed 1443, n = 100 000, two sorted standardised Poisson columns."""
    return make_sorted_poisson()


@pytest.fixture(scope="session")
def line() -> Dataset:
    """A small exact problem: y = 0.5 + 2·a − b on five rows, features named a and b."""
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 5.0], [4.0, 2.0]])
    return Dataset.from_arrays("line", X, X @ [2.0, -1.0] + 0.5, feature_names=["a", "b"])
