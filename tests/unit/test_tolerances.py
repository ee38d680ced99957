"""Tolerances: unit roundoff per dtype and tolerances derived from the data's conditioning."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_linreg.datasets import Dataset
from pytest_linreg.diagnostics import componentwise_condition
from pytest_linreg.tolerances import (
    SAFETY_FACTOR,
    attainable_rtol,
    derive_tolerance,
    derived_rtol,
    dtype_name,
    unit_roundoff,
)


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        pytest.param("float64", 2.0**-53, id="float64"),
        pytest.param(np.float32, 2.0**-24, id="np.float32"),
        pytest.param(np.dtype("float16"), 2.0**-11, id="float16"),
        pytest.param("bfloat16", 2.0**-8, id="bfloat16"),
        pytest.param(np.zeros(2, np.float32), 2.0**-24, id="array"),
    ],
)
def test_unit_roundoff(dtype: object, expected: float) -> None:
    assert unit_roundoff(dtype) == expected


class _TorchLikeDtype:
    def __str__(self) -> str:
        return "torch.float32"


class _TFLikeDtype:
    name = "float64"


def test_dtype_names_of_framework_dtypes() -> None:
    assert dtype_name(_TorchLikeDtype()) == "float32"
    assert dtype_name(_TFLikeDtype()) == "float64"


@pytest.mark.parametrize("bad", ["int32", int, "complex128", object, "not-a-dtype"])
def test_non_float_dtype_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="dtype"):
        unit_roundoff(bad)


def _collinear_pair(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    t = np.sort(np.random.default_rng(7).normal(size=n))
    X = np.column_stack([t, t + 1e-3 * np.random.default_rng(8).normal(size=n)])
    return X, X @ [0.5, 0.5]


def test_attainable_rtol_is_safety_times_roundoff_times_condition() -> None:
    X, y = _collinear_pair()
    rt = attainable_rtol(X, y, dtype="float32")
    np.testing.assert_allclose(rt, SAFETY_FACTOR * 2.0**-24 * componentwise_condition(X, y))
    assert rt.shape == (3,)


def test_derived_rtol_keeps_attainable_request_and_raises_impossible_one() -> None:
    X, y = _collinear_pair()
    ds = Dataset.from_arrays("pair", X, y)
    assert derived_rtol(ds, "float64", requested=1e-7) == 1e-7
    tol = derive_tolerance(ds, "float32", requested=1e-7)
    assert tol.limited and tol.rtol == tol.attainable > 1e-5
    assert tol.source.startswith("attainable: 4·u(float32)·cond")
    assert "requested 1.0e-07 too tight" in tol.source
    assert derived_rtol((X, y), np.float32) == pytest.approx(tol.attainable)
    plain = derive_tolerance((X, y), "float64")
    assert plain.requested is None and not plain.limited and plain.rtol < 1e-10


def test_derived_rtol_bad_input() -> None:
    X, y = _collinear_pair()
    with pytest.raises(TypeError, match="Dataset or an \\(X, y\\) tuple"):
        derived_rtol(X, "float64")
    with pytest.raises(ValueError, match="requested must be a finite number"):
        derived_rtol((X, y), "float64", requested=-1.0)
    with pytest.raises(TypeError, match="floating dtype"):
        derived_rtol((X, y), "int64")
