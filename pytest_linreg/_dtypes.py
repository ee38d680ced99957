"""Dtype names and unit roundoffs for numpy, torch and TensorFlow dtypes, bfloat16 and TF32.

A leaf module: :mod:`pytest_linreg.diagnostics` and :mod:`pytest_linreg.tolerances` both need
it, and the latter imports the former.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["dtype_name", "unit_roundoff"]

# Types numpy has no dtype for, with their unit roundoff 2^-t (t = significand bits incl. hidden).
_EXTRA_ROUNDOFF = {"bfloat16": 2.0**-8, "tfloat32": 2.0**-11}


def dtype_name(dtype: Any) -> str:
    """Canonical name of a dtype given as numpy, torch (``torch.float32``) or TensorFlow dtype.

    Arrays and tensors are accepted too (their ``.dtype`` is used).
    """
    if isinstance(dtype, (np.dtype, type)):
        raw = _numpy_name(dtype)
    elif isinstance(dtype, str):
        raw = dtype
    elif hasattr(dtype, "dtype"):
        return dtype_name(dtype.dtype)  # an array or tensor
    elif isinstance(getattr(dtype, "name", None), str):
        raw = str(dtype.name)  # tf.DType
    else:
        raw = str(dtype)  # torch.dtype prints as "torch.float32"
    raw = raw.removeprefix("torch.")
    return raw if raw in _EXTRA_ROUNDOFF else _numpy_name(raw)


def _numpy_name(dtype: Any) -> str:
    try:
        return str(np.dtype(dtype).name)
    except TypeError:
        raise TypeError(f"not a dtype numpy, torch or TensorFlow knows: {dtype!r}") from None


def unit_roundoff(dtype: Any) -> float:
    """Unit roundoff ``u = eps / 2`` of a real floating dtype.

    Parameters
    ----------
    dtype : dtype-like
        numpy dtype or name, a torch/TensorFlow dtype, ``"bfloat16"`` or ``"tfloat32"``
        (the TF32 matmul format, 10 fraction bits).

    Returns
    -------
    float

    Raises
    ------
    TypeError
        For integer, boolean, complex or non-numeric dtypes.

    Examples
    --------
    >>> unit_roundoff("float64") == 2.0**-53, unit_roundoff("float32") == 2.0**-24
    (True, True)
    """
    name = dtype_name(dtype)
    if name in _EXTRA_ROUNDOFF:
        return _EXTRA_ROUNDOFF[name]
    dt = np.dtype(name)
    if dt.kind != "f":
        raise TypeError(
            f"tolerances need a real floating dtype (float16/32/64, bfloat16); got {dt.name}"
        )
    return float(np.finfo(dt).eps) / 2.0
