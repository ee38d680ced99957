"""Choices that printed text depends on, made so that the last bit of the data cannot flip them.

Two runs of the same test on two machines (another BLAS, another thread count, data read back
with one ulp changed) must print the same message. ``np.argmax`` over values that tie to
rounding noise, and the sign of a singular vector, are decided by exactly that noise; the
helpers here decide them by the column order instead.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: Values within this relative distance of the largest count as tied with it. Far above the
#: rounding noise of any quantity we print (a few ulps times a condition number), far below what
#: is printed (two or three significant digits).
TIE_RTOL = 1e-6


def first_of_largest(values: npt.ArrayLike, tie_rtol: float = TIE_RTOL) -> int:
    """Index of the first entry within ``tie_rtol`` of the largest: an argmax blind to ties.

    NaN counts as larger than any number (it is the entry a message must name).

    >>> first_of_largest([1.0, 3.0, 3.0 * (1 + 1e-15)])
    1
    >>> first_of_largest([0.5, float("nan"), 2.0])
    1
    """
    a = np.asarray(values, dtype=np.float64).ravel()
    if a.size == 0:
        raise ValueError("first_of_largest needs at least one value")
    nan = np.flatnonzero(np.isnan(a))
    if nan.size:
        return int(nan[0])
    top = float(np.max(a))
    if np.isinf(top):
        return int(np.flatnonzero(a == top)[0])
    return int(np.flatnonzero(a >= top - tie_rtol * abs(top))[0])


def sign_canonical(
    coef: npt.NDArray[np.float64], participating: list[int]
) -> npt.NDArray[np.float64]:
    """``coef`` or ``-coef``, whichever makes the first participating entry positive.

    A null vector is defined up to its sign; this fixes the sign by the column order.
    """
    if participating and coef[participating[0]] < 0:
        return -coef
    return coef


def rounded_key(values: npt.ArrayLike, digits: int = 6) -> npt.NDArray[np.float64]:
    """``values`` rounded to ``digits`` significant digits, for sorting without last-bit ties.

    >>> rounded_key([1.0000000000000002, 0.9999999999999999]).tolist()
    [1.0, 1.0]
    """
    a = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        finite = np.isfinite(a) & (a != 0)
        exponent = np.where(finite, np.floor(np.log10(np.abs(np.where(finite, a, 1.0)))), 0.0)
        scale = 10.0 ** (digits - 1 - exponent)
        return np.where(finite, np.round(a * scale) / scale, a)
