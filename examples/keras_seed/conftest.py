"""Fixtures of the keras_seed example: the question's data and its accurate OLS answer.

TensorFlow's C++ logging is turned down before anything imports TensorFlow (the test modules
import it, after this file). The test modules skip themselves when TensorFlow is missing.
"""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

import pytest_linreg as plr


@pytest.fixture(scope="session")
def seed_dataset() -> plr.Dataset:
    """The question's data: numpy seed 1443, two sorted standardised Poisson columns, n=100 000."""
    return plr.load_dataset("sorted_poisson")


@pytest.fixture(scope="session")
def seed_ols(seed_dataset: plr.Dataset) -> plr.OLSResult:
    """The accurate OLS answer of the stored float64 data (what every fit is compared with)."""
    # The exact intercept is ~1e-20 (both columns are centred), so a *relative* convergence
    # test on it cannot succeed and ols() may warn. Only that warning is set aside, and only
    # after checking that the error estimates of the coefficients we test are tiny.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", plr.IllConditionedWarning)
        result = plr.ols(seed_dataset.X, seed_dataset.y, feature_names=seed_dataset.feature_names)
    coef_error = result.relative_error[1:]  # intercept first
    if not float(np.max(coef_error)) < 1e-12:
        raise RuntimeError(f"reference coefficients not accurate enough: {coef_error}")
    return result
