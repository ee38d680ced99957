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
    top = np.max(np.abs(a), axis=0)
    safe = np.where(top > 0, top, 1.0)
    return np.asarray(top * np.linalg.norm(a / safe, axis=0), dtype=np.float64)


def vector_norm(v: npt.ArrayLike) -> float:
    """2-norm of a vector, scaled as :func:`column_norms`.

    >>> bool(abs(vector_norm([3e-200, 4e-200]) / 5e-200 - 1) < 1e-15)  # np.linalg.norm: 0
    True
    """
    return float(column_norms(np.asarray(v, dtype=np.float64).reshape(-1, 1))[0])
