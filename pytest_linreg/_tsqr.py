"""Tall-skinny QR with ``Q`` kept implicit: a design factored one row block at a time.

``A = diag(Q_1, …, Q_m) · Q̂ · R``: each row block's Householder QR ``A_i = Q_i R_i``, then the
QR of the stacked ``[R_1; …; R_m] = Q̂ R`` (Demmel, Grigori, Hoemmen & Langou,
"Communication-optimal parallel and sequential QR and LU factorizations", SIAM J. Sci. Comput.
34(1), 2012, §3). The rows of the thin ``Q₁`` that belong to block ``i`` are ``Q_i[:, :k] Q̂_i``
and are as orthonormal as a Householder ``Q`` (the factorisation is backward stable), so they
can be regenerated a block at a time instead of held: ``n × k`` numbers are stored (the
reflectors, the factor itself) where forming ``Q`` holds twice that — or none at all, each
block refactored when its rows of ``Q`` are needed again (``keep_factor=False``).
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

    def __init__(self, AT: FloatArray, *, overwrite: bool = False) -> None:
        k, m = AT.shape
        self.k, self.m = k, m
        if m < k:
            self.Q, self.R = np.linalg.qr(AT.T)
            return
        # overwrite: AT (C-contiguous, the caller's to give away) becomes the reflectors.
        h, tau = _householder_qr(AT if overwrite else AT.copy(), overwrite=True)
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
        # Q [v; 0] = [v; 0] − Vᵀ T V [v; 0], and V [v; 0] = V[:, :k] v: a k×k product
        # instead of one over all m rows, and no m-row array of zeros.
        z: FloatArray = self.V.T @ (self.T @ (self.V[:, : self.k] @ v))
        np.negative(z, out=z)
        z[: self.k] += v
        return z


class TallSkinnyQR:
    """``A = Q₁ R`` of an ``(n, k)`` design, ``n ≥ k``, factored in row blocks.

    Parameters
    ----------
    n, k : int
        The design's shape.
    rows_t : callable
        ``rows_t(start, stop)`` returns the design's rows ``start:stop`` transposed, ``(k, m)``,
        as a new C-contiguous array that the factorisation may overwrite.
    block_rows : int
        Rows per block: every temporary that grows with ``n`` is at most ``block_rows × k``.
    keep_factor : bool, default True
        Keep each block's reflectors (``n × k`` numbers) for the later passes. Without it only
        the ``R_i`` are kept and each pass refactors its blocks from ``rows`` — the same data
        give the same reflectors — so nothing of size ``n`` is held: for designs that live
        on disk.
    """

    def __init__(
        self,
        n: int,
        k: int,
        rows_t: Callable[[int, int], FloatArray],
        block_rows: int,
        *,
        keep_factor: bool = True,
    ) -> None:
        if block_rows < 1:
            raise ValueError(f"block_rows must be ≥ 1; got {block_rows}")
        self.n, self.k = n, k
        self._rows_t = rows_t
        self.starts = list(range(0, n, block_rows)) or [0]
        self.stops = [*self.starts[1:], n]
        factors: list[FloatArray] = []
        kept: list[BlockQR] = []
        for s, e in self.row_ranges():
            block = BlockQR(rows_t(s, e), overwrite=True)
            factors.append(block.R)
            if keep_factor:
                kept.append(block)
        self._kept = kept if keep_factor else None
        if len(factors) == 1 and factors[0].shape[0] == k:
            self.Q_hat = [np.eye(k)]
            self.R: FloatArray = factors[0]
            return
        Q_hat, self.R = np.linalg.qr(np.concatenate(factors, axis=0))
        heights = np.cumsum([R_i.shape[0] for R_i in factors])[:-1]
        self.Q_hat = np.split(Q_hat, heights, axis=0)

    def row_ranges(self) -> Iterator[tuple[int, int]]:
        """``(start, stop)`` of each row block."""
        yield from zip(self.starts, self.stops, strict=True)

    def qt(self, b: FloatArray | Callable[[int, int], FloatArray]) -> FloatArray:
        """``Q₁ᵀ b`` of an ``(n,)`` vector, or of one given block by block as ``b(start, stop)``."""
        vector = b if callable(b) else (lambda s, e: b[s:e])
        out = np.zeros(self.k)
        for block, Q_hat_i, s, e in self._parts():
            out += Q_hat_i.T @ block.qt(vector(s, e))
        return out

    def q_rows(self) -> Iterator[tuple[int, int, FloatArray]]:
        """``(start, stop, Q₁[start:stop])`` for each row block, regenerated on the way."""
        for block, Q_hat_i, s, e in self._parts():
            yield s, e, block.q(Q_hat_i)

    def _parts(self) -> Iterator[tuple[BlockQR, FloatArray, int, int]]:
        for i, (s, e) in enumerate(self.row_ranges()):
            if self._kept is not None:
                block = self._kept[i]
            else:
                block = BlockQR(self._rows_t(s, e), overwrite=True)
            yield block, self.Q_hat[i], s, e
