"""Fixtures of the keras_seed example: the question's data and its accurate OLS answer.

TensorFlow's C++ logging is turned down before anything imports TensorFlow (the test modules
import it, after this file). The test modules skip themselves when TensorFlow is missing.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterator

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

import pytest_linreg as plr


@pytest.fixture(autouse=True)
def _global_state_restored() -> Iterator[None]:
    """Hand every test's successors the process state it found, and fail a test that leaks.

    The fits seed with ``keras.utils.set_random_seed``, as the question's code would; that
    reseeds Python's and NumPy's global generators, which are restored here. Keras' floatx and
    dtype policy must come back unchanged (``seed_solvers.floatx`` restores floatx): a leak once
    turned a later float32 model into a float64 one, so a test that leaks them fails.
    """
    python_state, numpy_state = random.getstate(), np.random.get_state()
    keras = sys.modules.get("keras")  # imported by the test modules, never here
    before = None if keras is None else (keras.config.floatx(), keras.config.dtype_policy().name)
    yield
    random.setstate(python_state)
    np.random.set_state(numpy_state)
    if keras is None or before is None:
        return
    after = (keras.config.floatx(), keras.config.dtype_policy().name)
    if after != before:
        keras.config.set_floatx(before[0])
        keras.config.set_dtype_policy(before[1])
        pytest.fail(f"the test left Keras' (floatx, dtype policy) at {after}, not {before}")


@pytest.fixture(scope="session")
def seed_dataset() -> plr.Dataset:
    """The question's data: numpy seed 1443, two sorted standardised Poisson columns, n=100 000."""
    return plr.load_dataset("sorted_poisson")


@pytest.fixture(scope="session")
def seed_ols(seed_dataset: plr.Dataset) -> plr.OLSResult:
    """The accurate OLS answer of the stored float64 data (what every fit is compared with)."""
    return plr.ols(seed_dataset.X, seed_dataset.y, feature_names=seed_dataset.feature_names)
