"""The example's solvers reject input they cannot handle, naming the problem."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import seed_solvers  # noqa: E402  (needs TensorFlow, hence after importorskip)


def test_solvers_reject_bad_arguments() -> None:
    """Unknown methods, negative refinement counts and duplicated columns raise ValueError."""
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = X @ np.array([0.5, 0.5])
    with pytest.raises(ValueError, match="method must be one of"):
        seed_solvers.solve_float64(X, y, method="svd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="refinements must be a non-negative integer"):
        seed_solvers.solve_mixed_precision(X, y, refinements=-1)
    with pytest.raises(ValueError, match="numerically rank deficient"):
        seed_solvers.momentum_schedule(np.column_stack([X[:, 0], X[:, 0]]))


def test_floatx_is_restored_even_when_the_block_raises() -> None:
    """``floatx`` sets Keras' global floatx only inside its block."""
    before = keras.config.floatx()
    with pytest.raises(RuntimeError, match="boom"), seed_solvers.floatx("float64"):
        assert keras.config.floatx() == "float64"
        raise RuntimeError("boom")
    assert keras.config.floatx() == before
