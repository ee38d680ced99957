"""Tall-skinny QR with ``Q`` kept implicit: a design factored one row block at a time.

``A = diag(Q_1, …, Q_m) · Q̂ · R``: each row block's Householder QR ``A_i = Q_i R_i``, then the
QR of the stacked ``[R_1; …; R_m] = Q̂ R`` (Demmel, Grigori, Hoemmen & Langou,
"Communication-optimal parallel and sequential QR and LU factorizations", SIAM J. Sci. Comput.
34(1), 2012, §3). The rows of the thin ``Q₁`` that belong to block ``i`` are ``Q_i[:, :k] Q̂_i``
and are as orthonormal as a Householder ``Q`` (the factorisation is backward stable), so they
can be regenerated a block at a time instead of held: ``n × k`` numbers are stored (the
reflectors, the factor itself) where forming ``Q`` holds twice that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt

from .reference import _householder_qr, _wy_factor

FloatArray = npt.NDArray[np.float64]


class BlockQR:
    """Householder QR of one block's ``A_i`` (``m × k``), Q kept implicit when ``m ≥ k``.

    LAPACK ``dgeqrf`` in a copy of the transposed block and the compact WY form
    ``Q = I − Vᵀ T V`` (Schreiber & Van Loan 1989), as in memory: forming Q explicitly took
    twice as long. A block shorter than k (a last chunk of a few rows) is factored by
    ``numpy.linalg.qr`` with Q explicit; it is small.
    """

    def __init__(self, AT: FloatArray) -> None:
        k, m = AT.shape
        self.k, self.m = k, m
        if m < k:
            self.Q, self.R = np.linalg.qr(AT.T)
            return
        h, tau = _householder_qr(AT.copy(), overwrite=True)
        self.R = np.triu(h[:, :k].T)
        for j in range(k):
            h[j, :j] = 0.0
            h[j, j] = 1.0
        self.V, self.T = h, _wy_factor(h, tau)

    def qt(self, F: FloatArray) -> FloatArray:
        """``Q_iᵀ F`` of an ``(m,)`` or ``(m, q)`` array: its first ``min(m, k)`` rows."""
        if self.m < self.k:
            out: FloatArray = self.Q.T @ F
            return out
        head: FloatArray = F[: self.k] - self.V[:, : self.k].T @ (self.T.T @ (self.V @ F))
        return head

    def q(self, v: FloatArray) -> FloatArray:
        """``Q_i v`` for ``v`` of ``min(m, k)`` rows (``(min(m, k),)`` or ``(min(m, k), q)``):
        the first columns of ``Q_i`` combined."""
        if self.m < self.k:
            out: FloatArray = self.Q @ v
            return out
        z = np.zeros((self.m, *v.shape[1:]))
        z[: self.k] = v
        z -= self.V.T @ (self.T @ (self.V @ z))
        return z


class TallSkinnyQR:
    """``A = Q₁ R`` of an ``(n, k)`` design, ``n ≥ k``, factored in row blocks.

    Parameters
    ----------
    n, k : int
        The design's shape.
    rows : callable
        ``rows(start, stop)`` returns the design's rows ``start:stop`` as an array; called once
        per block, so the design itself need never be held (it may be built block by block).
    block_rows : int
        Rows per block: every temporary that grows with ``n`` is at most ``block_rows × k``.
    """

    def __init__(
        self, n: int, k: int, rows: Callable[[int, int], FloatArray], block_rows: int
    ) -> None:
        if block_rows < 1:
            raise ValueError(f"block_rows must be ≥ 1; got {block_rows}")
        self.n, self.k = n, k
        self.starts = list(range(0, n, block_rows)) or [0]
        self.stops = [*self.starts[1:], n]
        self.blocks = [BlockQR(rows(s, e).T) for s, e in zip(self.starts, self.stops, strict=True)]
        if len(self.blocks) == 1 and self.blocks[0].m >= k:
            self.Q_hat = [np.eye(k)]
            self.R: FloatArray = self.blocks[0].R
            return
        stacked = np.concatenate([b.R for b in self.blocks], axis=0)
        Q_hat, self.R = np.linalg.qr(stacked)
        heights = np.cumsum([b.R.shape[0] for b in self.blocks])[:-1]
        self.Q_hat = np.split(Q_hat, heights, axis=0)

    def row_ranges(self) -> Iterator[tuple[int, int]]:
        """``(start, stop)`` of each row block."""
        yield from zip(self.starts, self.stops, strict=True)

    def qt(self, b: FloatArray) -> FloatArray:
        """``Q₁ᵀ b`` of an ``(n,)`` vector, a block at a time."""
        out = np.zeros(self.k)
        for block, Q_hat_i, s, e in self._parts():
            out += Q_hat_i.T @ block.qt(b[s:e])
        return out

    def q_rows(self) -> Iterator[tuple[int, int, FloatArray]]:
        """``(start, stop, Q₁[start:stop])`` for each row block, regenerated on the way."""
        for block, Q_hat_i, s, e in self._parts():
            yield s, e, block.q(Q_hat_i)

    def _parts(self) -> Iterator[tuple[BlockQR, FloatArray, int, int]]:
        yield from zip(self.blocks, self.Q_hat, self.starts, self.stops, strict=True)
