"""Fixtures of the keras_seed example: the question's data and its accurate OLS answer.

TensorFlow's C++ logging is turned down before anything imports TensorFlow (the test modules
import it, after this file). The test modules skip themselves when TensorFlow is missing.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

import pytest_linreg as plr


@pytest.fixture(scope="session")
def seed_dataset() -> plr.Dataset:
    """The question's data: numpy seed 1443, two sorted standardised Poisson columns, n=100 000."""
    return plr.load_dataset("sorted_poisson")


@pytest.fixture(scope="session")
def seed_ols(seed_dataset: plr.Dataset) -> plr.OLSResult:
    """The accurate OLS answer of the stored float64 data (what every fit is compared with)."""
    return plr.ols(seed_dataset.X, seed_dataset.y, feature_names=seed_dataset.feature_names)
