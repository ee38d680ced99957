"""The single place tolerances come from: dtype precision times the data's conditioning.

A check should never be tighter than what the data and the floating-point type allow: rounding
the data to a dtype with unit roundoff ``u`` already moves the exact least-squares solution by
about ``u · cond_i`` in coefficient ``i`` (``cond_i`` from
:func:`pytest_linreg.diagnostics.componentwise_condition`). :func:`attainable_rtol` multiplies
that by :data:`SAFETY_FACTOR`; :func:`derive_tolerance` combines it with a requested rtol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._validation import check_rtol

__all__ = [
    "SAFETY_FACTOR",
    "Tolerance",
    "attainable_rtol",
    "derive_tolerance",
    "derived_rtol",
    "dtype_name",
    "unit_roundoff",
]

FloatArray = npt.NDArray[np.float64]

#: Multiplier on ``u · cond_i``. Why 4: a backward-stable solver working in the dtype (Householder
#: QR, Higham 2002 Thm 20.3; a converged gradient method is no better) returns the exact solution
#: of data perturbed by a small multiple of ``u`` *on top of* the one ``u`` of rounding the data
#: into the dtype, so two ``u``'s at least; the remaining factor 2 covers the first-order bound's
#: O(ε²) terms and the rounding in our own estimate of ``cond_i``. The bound itself is
#: worst-case (it adds absolute values), so measured errors sit one to two orders below it
#: (see tests/unit/test_diagnostics.py), and a factor of 4 never makes a pass spurious.
SAFETY_FACTOR = 4.0

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


def attainable_rtol(
    X: Any, y: Any = None, *, fit_intercept: bool = True, dtype: Any = np.float64
) -> FloatArray:
    """Per-parameter relative tolerance that data and dtype allow.

    ``SAFETY_FACTOR · unit_roundoff(dtype) · componentwise_condition(X, y)``.

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,), optional
    fit_intercept : bool, default True
    dtype : dtype-like, default float64

    Returns
    -------
    ndarray, shape (p + fit_intercept,)
        Intercept first when fitted.

    Examples
    --------
    >>> rt = attainable_rtol([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], dtype="float32")
    >>> bool((rt > 1e-7).all() and (rt < 1e-5).all())
    True
    """
    from .diagnostics import componentwise_condition

    u = unit_roundoff(dtype)
    return SAFETY_FACTOR * u * componentwise_condition(X, y, fit_intercept=fit_intercept)


@dataclass(frozen=True)
class Tolerance:
    """A tolerance and where it came from.

    Attributes
    ----------
    rtol : float
        The tolerance to check with: ``max(requested, attainable)``, or ``attainable`` when
        nothing was requested.
    attainable : float
        Worst per-parameter attainable rtol (``SAFETY_FACTOR · u · max cond_i``).
    per_parameter : ndarray
        Attainable rtol per parameter, intercept first.
    requested : float or None
    dtype : str
    limited : bool
        True when ``requested`` was tighter than the data and dtype allow.
    source : str
        One line, e.g. ``"attainable: 4·u(float32)·cond 3.1e+04"``.
    """

    rtol: float
    attainable: float
    per_parameter: FloatArray
    requested: float | None
    dtype: str
    limited: bool
    source: str


def _arrays(data: Any, fit_intercept: bool) -> tuple[Any, Any, bool]:
    if hasattr(data, "X") and hasattr(data, "y") and hasattr(data, "fit_intercept"):
        return data.X, data.y, bool(data.fit_intercept)
    if isinstance(data, tuple) and len(data) == 2:
        return data[0], data[1], fit_intercept
    raise TypeError(f"expected a Dataset or an (X, y) tuple; got {type(data).__name__}")


def derive_tolerance(
    dataset_or_arrays: Any,
    dtype: Any,
    *,
    requested: float | None = None,
    fit_intercept: bool = True,
) -> Tolerance:
    """The tolerance a coefficient check on this data in this dtype should use, explained.

    Parameters
    ----------
    dataset_or_arrays : Dataset or (X, y)
    dtype : dtype-like
        The dtype the model computes in.
    requested : float, optional
        A tolerance asked for (``--linreg-rtol``); kept when attainable, else raised to the
        attainable one and ``limited`` is set.
    fit_intercept : bool, default True
        Used for ``(X, y)`` tuples; a Dataset carries its own.

    Returns
    -------
    Tolerance
    """
    X, y, fit = _arrays(dataset_or_arrays, fit_intercept)
    per = attainable_rtol(X, y, fit_intercept=fit, dtype=dtype)
    per.setflags(write=False)
    worst = float(np.max(per))
    name = dtype_name(dtype)
    cond = worst / (SAFETY_FACTOR * unit_roundoff(name))
    source = f"attainable: {SAFETY_FACTOR:g}·u({name})·cond {cond:.2g}"
    if requested is None:
        return Tolerance(worst, worst, per, None, name, False, source)
    req = check_rtol(requested, "requested")
    if req >= worst:
        return Tolerance(req, worst, per, req, name, False, "requested")
    return Tolerance(
        worst, worst, per, req, name, True, f"{source} (requested {req:.1e} too tight)"
    )


def derived_rtol(
    dataset_or_arrays: Any,
    dtype: Any,
    *,
    requested: float | None = None,
    fit_intercept: bool = True,
) -> float:
    """``derive_tolerance(...).rtol``: the rtol to check with, as a float.

    Examples
    --------
    >>> X, y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
    >>> derived_rtol((X, y), "float64", requested=1e-7)
    1e-07
    >>> derived_rtol((X, y), "float32", requested=1e-7) > 1e-7
    True
    """
    return derive_tolerance(
        dataset_or_arrays, dtype, requested=requested, fit_intercept=fit_intercept
    ).rtol
