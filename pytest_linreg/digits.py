"""Correct significant digits: the log relative error (LRE) of NIST's StRD and McCullough.

McCullough (1998), "Assessing the reliability of statistical software: Part I",
*The American Statistician* 52(4), 358-366, scores an estimate ``a`` of a certified value
``e`` by

    LRE = -log10(|a - e| / |e|)      if e != 0,
    LRE = -log10(|a - e|)            if e == 0 (log absolute error),

which counts the leading digits ``a`` and ``e`` share. NIST certifies 15 significant digits,
so an exact match scores 15 and nothing scores more; an LRE below 0 (off by more than the
value itself) scores 0, and so does a NaN or infinite estimate.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["MAX_DIGITS", "lre"]

#: Significant digits NIST certifies, hence the largest LRE reported.
MAX_DIGITS = 15.0


def _as_real_array(value: Any, what: str) -> npt.NDArray[np.float64]:
    if value is None:
        raise TypeError(f"{what} is None; expected numbers")
    if hasattr(value, "to_numpy") and callable(value.to_numpy):  # pandas
        value = value.to_numpy()
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} could not be read as an array of numbers: {exc}") from None
    if arr.dtype.kind == "c":
        raise TypeError(f"{what} has complex dtype {arr.dtype}; LRE compares real numbers")
    kind = arr.dtype.kind
    if kind == "O":
        # astype(float) turns None into NaN, which would silently score 0 digits, and parses
        # the string "3" as 3.0.
        for v in arr.flat:
            if v is None or isinstance(v, (str, bytes)):
                raise TypeError(f"{what} contains {v!r} ({type(v).__name__}); expected numbers")
    elif kind not in "biuf":  # strings too: astype(float) would parse "3"
        raise TypeError(f"{what} has non-numeric dtype {arr.dtype}; expected numbers")
    try:
        with np.errstate(over="ignore"):  # a long double beyond float64 is inf: 0 digits
            return arr.astype(np.float64)
    except OverflowError as exc:  # a Python int or Fraction beyond float64's range
        raise ValueError(f"{what} holds a number beyond float64's range ({exc})") from None
    except (TypeError, ValueError):
        raise TypeError(f"{what} has non-numeric dtype {arr.dtype}; expected numbers") from None


def lre(actual: Any, expected: Any) -> npt.NDArray[np.float64]:
    """Number of correct significant digits of ``actual`` against ``expected``, elementwise.

    Parameters
    ----------
    actual : array_like
        Estimates (coefficients, standard errors ...). NaN or inf scores 0 digits.
    expected : array_like
        Reference values (e.g. NIST's certified values): the shape of ``actual``, a scalar,
        or the shape of one row of ``actual`` (estimates stacked along the leading axes);
        must be finite. Length-1 axes are not stretched.

    Returns
    -------
    ndarray of float64
        The log relative error ``-log10(|a - e| / |e|)`` (log absolute error where ``e == 0``),
        clipped to ``[0, 15]``: 15 for an exact match, the 15 digits NIST certifies.
        The shape of ``actual`` and ``expected`` (0-d for two scalars).

    Raises
    ------
    ValueError
        If the shapes differ otherwise, or ``expected`` holds NaN or inf.
    TypeError
        For complex or non-numeric input.

    Examples
    --------
    >>> from pytest_linreg import lre
    >>> lre([0.5000001, 0.5, 1e-9], [0.5, 0.5, 0.0]).round(2)
    array([ 6.7, 15. ,  9. ])
    >>> float(lre(float("nan"), 2.0))
    0.0
    """
    a = _as_real_array(actual, "actual")
    e = _as_real_array(expected, "expected")
    # Equal shapes, a scalar on one side, or rows of estimates against one reference vector
    # (expected's shape ending actual's). No stretching of length-1 axes: lre([0.5], [0.5, 0.5])
    # is a caller's mistake (one estimate against two references), not two matches.
    stacked = e.ndim <= a.ndim and a.shape[a.ndim - e.ndim:] == e.shape
    if a.ndim and e.ndim and not stacked:
        raise ValueError(
            f"actual has shape {a.shape} and expected has shape {e.shape}; they must match "
            "(or expected be a scalar, or one row of actual)"
        )
    shape = np.broadcast_shapes(a.shape, e.shape)
    if not np.all(np.isfinite(e)):
        bad = np.argwhere(~np.isfinite(e))
        where = f" at index {tuple(int(i) for i in bad[0])}" if e.ndim else ""
        raise ValueError(f"expected contains NaN or inf{where}; a reference value must be finite")
    a, e = np.broadcast_to(a, shape), np.broadcast_to(e, shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        err = np.abs(a - e)
        rel = np.where(e != 0, err / np.abs(e), err)
        digits = -np.log10(rel)
    digits = np.where(np.isfinite(a), digits, 0.0)  # NaN/inf estimates have no correct digit
    digits = np.where(np.isnan(digits), 0.0, digits)
    return np.asarray(np.clip(digits, 0.0, MAX_DIGITS), dtype=np.float64)
