"""2-norms that neither overflow nor underflow at any scale a float64 solve handles.

``np.linalg.norm`` squares the entries: columns of size 1e155 overflowed to inf and columns of
size 1e-160 underflowed to 0, where ``ols`` was fine. Dividing by the largest magnitude first
keeps every square in range (the scaling of LAPACK's ``dnrm2``; Blue 1978, ACM TOMS 4(1)).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def column_norms(A: npt.ArrayLike) -> FloatArray:
    """2-norm of each column of ``A`` (0 for an all-zero column).

    >>> big, zero = column_norms([[3e200, 0.0], [4e200, 0.0]])  # np.linalg.norm: inf
    >>> bool(abs(big / 5e200 - 1) < 1e-15), float(zero)
    (True, 0.0)
    """
    a = np.asarray(A, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"column_norms expects a 2-D array; got {a.ndim} dimensions")
    # One pass without temporaries; only the columns whose squares left the range are redone.
    # Below 2**-450 the norm may hide underflowed squares; above, a square that underflowed is
    # below 2**-1022 and changes a norm² ≥ 2**-900 by less than n·2**-122: nothing.
    with np.errstate(over="ignore", under="ignore"):
        norms: FloatArray = np.sqrt(np.einsum("ij,ij->j", a, a))
    for j in np.flatnonzero(~np.isfinite(norms) | (norms < 2.0**-450)):
        col = a[:, j]
        top = float(np.max(np.abs(col))) if col.size else 0.0
        if top > 0 and np.isfinite(top):
            norms[j] = top * float(np.linalg.norm(col / top))
        else:  # a zero column; or inf/nan data, whose norm is inf/nan as np.linalg.norm's
            norms[j] = top
    return norms


def vector_norm(v: npt.ArrayLike) -> float:
    """2-norm of a vector, scaled as :func:`column_norms`.

    >>> bool(abs(vector_norm([3e-200, 4e-200]) / 5e-200 - 1) < 1e-15)  # np.linalg.norm: 0
    True
    """
    return float(column_norms(np.asarray(v, dtype=np.float64).reshape(-1, 1))[0])
