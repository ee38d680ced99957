"""Error-free transformations and double-double residuals, vectorised in numpy.

The refinement in :mod:`pytest_linreg.reference` needs the two residuals of the augmented
least-squares system, ``f = b - r - A x`` and ``g = -Aᵀ r``, to about twice working
precision. They are computed here with the error-free transformations of Ogita, Rump & Oishi,
"Accurate sum and dot product", SIAM J. Sci. Comput. 26(6), 2005:

* ``TwoSum`` (Knuth): ``a + b = s + e`` exactly (Algorithm 3.1);
* ``TwoProduct`` with Veltkamp/Dekker splitting: ``a * b = p + e`` exactly (Algorithms 3.2, 3.3);
* sums whose rounding errors are collected by TwoSum and added once at the end, which makes
  the result as accurate as if computed in twice the working precision (``Sum2``, ``Dot2``,
  Propositions 4.5 and 5.5).

The matrix is stored transposed, ``AT`` of shape ``(k, n)`` and C-contiguous (each row is one
column of the design), and is processed in blocks of rows of the design, so that the many
elementwise temporaries stay in cache; Python loops run over blocks and over the ``log2`` levels
of summation trees, never over the ``n`` observations.

The splitting constant assumes no overflow: every ``|a| < 2**996`` (the design is equilibrated
by powers of two before it gets here).

:func:`augmented_residual_parts` and :func:`residual_dd` run in the compiled kernel
``pytest_linreg._eft_kernel`` (``_eft_kernel.c``) when it was built: the same operations in the
same order, fused per entry, so the results are bit for bit those of the numpy code below
(which is used when the kernel is absent, or with ``PYTEST_LINREG_NO_KERNEL=1``). On processors
with a fused multiply-add the kernel takes TwoProduct's error term from it (the kernel's
``product_error`` says ``"fma"``): the same exact value, except below float64's normal range,
where the FMA's is exact and Veltkamp/Dekker's may not be.
"""

from __future__ import annotations

import math
import os
from types import ModuleType

import numpy as np
import numpy.typing as npt

__all__ = [
    "ScaledDesign",
    "augmented_residual_parts",
    "augmented_residuals",
    "dd_add",
    "residual_dd",
    "split",
    "sum_g",
    "two_sum",
]

FloatArray = npt.NDArray[np.float64]

#: Veltkamp's splitting factor 2**27 + 1 for binary64 (ORO05, Algorithm 3.2).
_SPLITTER = 134217729.0
#: Number of scalars per block: 32 768 doubles = 256 KiB, several of which fit in L2.
_BLOCK_ELEMENTS = 32768


def _load_kernel() -> ModuleType | None:
    """The compiled kernel, or None: not built (no C compiler), or ``PYTEST_LINREG_NO_KERNEL=1``."""
    if os.environ.get("PYTEST_LINREG_NO_KERNEL", "") not in ("", "0"):
        return None
    try:
        from . import _eft_kernel  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _eft_kernel  # type: ignore[no-any-return]


#: The seam tests replace (``monkeypatch.setattr(_extended, "kernel", None)``) to run the numpy
#: code; None when the kernel is not built.
kernel: ModuleType | None = _load_kernel()


class ScaledDesign:
    """The equilibrated design ``A = [1, X]·2^-e`` without a copy of it: X and the exponents.

    Scaling by powers of two is exact, so every entry of a block is bit for bit the entry a
    scaled copy would hold; the residuals need A only one block of rows at a time, so the
    n×k copy is never made (issue: bounded memory).
    """

    def __init__(self, X: FloatArray, scale: FloatArray, fit_intercept: bool) -> None:
        self.X, self.scale, self.fit_intercept = X, scale, fit_intercept
        self.n = X.shape[0]
        self.k = X.shape[1] + int(fit_intercept)

    @property
    def shape(self) -> tuple[int, int]:
        """``(k, n)``: the transposed layout the residual kernel works in."""
        return self.k, self.n

    def block(self, start: int, stop: int, out: FloatArray) -> FloatArray:
        """Rows ``start:stop`` of A, transposed into ``out[:, :stop - start]`` (k × m)."""
        m = stop - start
        A = out[:, :m]
        i = int(self.fit_intercept)
        if i:
            A[0] = self.scale[0]
        np.multiply(self.X[start:stop].T, self.scale[i:, None], out=A[i:])
        return A

    def transposed(self) -> FloatArray:
        """The whole ``(k, n)`` scaled copy (what the factorisation is computed in)."""
        return self.block(0, self.n, np.empty((self.k, self.n)))

    def matvec(self, x: FloatArray) -> FloatArray:
        """``A x``."""
        i = int(self.fit_intercept)
        out: FloatArray = self.X @ (self.scale[i:] * x[i:])
        if i:
            out += self.scale[0] * x[0]
        return out

    def rmatvec(self, v: FloatArray) -> FloatArray:
        """``Aᵀ v``."""
        i = int(self.fit_intercept)
        out = np.empty(self.k)
        if i:
            out[0] = self.scale[0] * float(np.sum(v))
        out[i:] = self.scale[i:] * (v @ self.X)
        return out


def two_sum(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Knuth's TwoSum: ``s = fl(a + b)`` and ``e`` with ``a + b = s + e`` exactly."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def split(a: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Veltkamp's split ``a = hi + lo`` with both halves of at most 26 significant bits."""
    c = _SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def dd_add(hi: FloatArray, lo: FloatArray, d: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Add a float64 correction ``d`` to the double-double ``hi + lo`` and renormalise."""
    s, e = two_sum(hi, d)
    e += lo
    new_hi = s + e
    new_lo = e - (new_hi - s)  # FastTwoSum: exact because |s| >= |e| after TwoSum
    return new_hi, new_lo


def augmented_residuals(
    AT: FloatArray | ScaledDesign,
    b: FloatArray,
    r_hi: FloatArray,
    r_lo: FloatArray,
    x_hi: FloatArray,
    x_lo: FloatArray,
    *,
    triple: bool = False,
    g_vector: tuple[FloatArray, FloatArray] | None = None,
    g_addends: tuple[FloatArray, ...] = (),
) -> tuple[FloatArray, FloatArray]:
    """Residuals of the augmented system ``[I A; Aᵀ 0][r; x] = [b; 0]`` in extended precision.

    Weighted and penalised problems (:mod:`pytest_linreg.reference`) use the system
    ``[I A; AᵀW -Λ][r; x] = [b; 0]``: their ``g = Λx - AᵀWr`` is ``-Aᵀv`` for the vector
    ``v = W r`` (``g_vector``) plus exact addends (``g_addends``, the pieces of ``Λx``).

    Parameters
    ----------
    AT : ndarray (k, n), or ScaledDesign
        The design, transposed and C-contiguous, or read block by block from X.
    b : ndarray (n,)
    r_hi, r_lo : ndarray (n,)
        Current residual as an unevaluated sum ``r_hi + r_lo``.
    x_hi, x_lo : ndarray (k,)
        Current solution as an unevaluated sum.
    triple : bool
        Accumulate ``g`` to about three times working precision (``u³``) instead of two.
        Errors in ``g`` reach the solution amplified by ``κ²`` (Björck 1996, §2.9.2), so a
        large residual on a design with ``κ ≳ 1e8`` needs it.

    Returns
    -------
    f : ndarray (n,)
        ``b - r - A x``, each entry accurate to ``O(u²)`` of its terms, rounded once.
    g : ndarray (k,)
        ``-Aᵀ r`` accurate to ``O(u²)`` (``O(u³)`` with ``triple``) of ``|A|ᵀ|r|``, rounded once.
    """
    f, partial = augmented_residual_parts(
        AT, b, r_hi, r_lo, x_hi, x_lo, triple=triple, g_vector=g_vector
    )
    return f, sum_g([partial], g_addends)


def augmented_residual_parts(
    AT: FloatArray | ScaledDesign,
    b: FloatArray,
    r_hi: FloatArray,
    r_lo: FloatArray,
    x_hi: FloatArray,
    x_lo: FloatArray,
    *,
    triple: bool = False,
    g_vector: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """:func:`augmented_residuals` over some rows, with ``Aᵀv`` left unrounded.

    Returns ``f`` of these rows and ``Aᵀv``'s accumulators, ``(k, w)`` floats whose exact row
    sums are ``Aᵀv`` to ``O(u²)`` (``O(u³)`` with ``triple``). Chunks of one design are solved
    apart and their accumulators merged by :func:`sum_g` without error, so that the sum, and
    the solution refined with it, do not depend on how the rows were chunked.
    """
    k, n = AT.shape
    # Never wider than the data: the accumulators below are summed once per call, so their
    # width is a fixed cost that a block sized for large n would make dominate small n.
    block = max(1, min(n, max(64, _BLOCK_ELEMENTS // k)))
    minus_x = _MinusX(x_hi, x_lo)
    rl_all = r_lo if np.any(r_lo) else None
    gh_all, gl_all = (r_hi, rl_all) if g_vector is None else g_vector
    if gl_all is not None and not np.any(gl_all):
        gl_all = None
    f = np.empty(n)
    # g is accumulated per position within the block (Sum2/SumK over blocks, ORO05 §4 and
    # Algorithm 4.8), then the accumulators are summed exactly by math.fsum at the end.
    acc = [np.zeros((k, block)) for _ in range(3 if triple else 2)]
    if kernel is not None:
        X, scale, intercept = _kernel_design(AT)
        acc2 = acc[2] if triple else None
        x_tail = None if minus_x.x_lo is None else _vector(x_lo)
        kernel.residuals(
            X, scale, intercept, _vector(b), _vector(r_hi), _vector(rl_all), _vector(x_hi),
            x_tail, _vector(gh_all), _vector(gl_all), triple, block,
            f, None, None, acc[0], acc[1], acc2,
        )
        return f, np.concatenate(_fold(acc), axis=1)
    w = _Workspace(k, block)
    design_block = np.empty((k, block)) if isinstance(AT, ScaledDesign) else None
    for start in range(0, n, block):
        stop = min(start + block, n)
        m = stop - start
        A = _design_block(AT, start, stop, design_block)
        A_hi, A_lo = w.hi[:, :m], w.lo[:, :m]
        _split_into(A, A_hi, A_lo)
        rl = None if rl_all is None else rl_all[start:stop]
        s, err = _residual_block(A, w, minus_x, b[start:stop], r_hi[start:stop], rl, m)
        np.add(s, err, out=f[start:stop])
        gl = None if gl_all is None else gl_all[start:stop]
        _accumulate_g(acc, w, A, gh_all[start:stop], gl, m)
    return f, np.concatenate(_fold(acc), axis=1)


def sum_g(partials: list[FloatArray], addends: tuple[FloatArray, ...] = ()) -> FloatArray:
    """``g = -Σ partials + Σ addends``, each component summed exactly and rounded once.

    ``partials`` are accumulators of :func:`augmented_residual_parts` (of one or several
    chunks, any order: ``math.fsum`` is exact whatever the order of its terms).
    """
    k = partials[0].shape[0]
    negated = [-a for a in addends]
    return np.array(
        [
            -math.fsum([*(v for p in partials for v in p[j]), *(e[j] for e in negated)])
            for j in range(k)
        ]
    )


def residual_dd(
    AT: FloatArray | ScaledDesign, b: FloatArray, x_hi: FloatArray, x_lo: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``b - A x`` as a double-double ``hi + lo``, accurate to ``O(u²)`` of its terms.

    The same sum as ``f`` of :func:`augmented_residuals` with ``r = 0`` (Dot2, ORO05 §5),
    renormalised by TwoSum instead of rounded: the baseline from which the chunked
    refinement (:mod:`pytest_linreg._chunked`) rebuilds its residual on every pass.
    """
    k, n = AT.shape
    block = max(1, min(n, max(64, _BLOCK_ELEMENTS // k)))
    minus_x = _MinusX(x_hi, x_lo)
    hi, lo = np.empty(n), np.empty(n)
    if kernel is not None:
        X, scale, intercept = _kernel_design(AT)
        x_tail = None if minus_x.x_lo is None else _vector(x_lo)
        kernel.residuals(
            X, scale, intercept, _vector(b), None, None, _vector(x_hi), x_tail, None, None,
            False, block, None, hi, lo, None, None, None,
        )
        return hi, lo
    w = _Workspace(k, block)
    design_block = np.empty((k, block)) if isinstance(AT, ScaledDesign) else None
    zeros = np.zeros(block)
    for start in range(0, n, block):
        stop = min(start + block, n)
        m = stop - start
        A = _design_block(AT, start, stop, design_block)
        _split_into(A, w.hi[:, :m], w.lo[:, :m])
        s, err = _residual_block(A, w, minus_x, b[start:stop], zeros[:m], None, m)
        hi[start:stop], lo[start:stop] = two_sum(s, err)
    return hi, lo


def _kernel_design(AT: FloatArray | ScaledDesign) -> tuple[FloatArray, FloatArray, bool]:
    """The kernel's view of the design: ``X``, the column scales and whether ``A`` starts with
    the intercept column (a transposed array ``AT`` is ``AT.T`` scaled by ones: exact)."""
    if isinstance(AT, ScaledDesign):
        X: FloatArray = np.require(AT.X, np.float64, ["A"])
        return X, _contiguous(AT.scale), AT.fit_intercept
    return np.require(AT, np.float64, ["A"]).T, np.ones(AT.shape[0]), False


def _contiguous(v: FloatArray) -> FloatArray:
    """``v`` as the contiguous, aligned float64 vector the kernel reads (a copy only when it
    is not one already: ``np.frombuffer`` at an odd offset gives misaligned arrays)."""
    out: FloatArray = np.require(v, np.float64, ["C", "A"])
    return out


def _vector(v: FloatArray | None) -> FloatArray | None:
    """:func:`_contiguous`, None staying None (the kernel's absent argument)."""
    return None if v is None else _contiguous(v)


class _MinusX:
    """``-x`` split for the products of the residual: ``A(-x)`` is the exact negation of ``Ax``."""

    def __init__(self, x_hi: FloatArray, x_lo: FloatArray) -> None:
        neg_hi, neg_lo = split(-x_hi)
        self.x, self.x_split = (-x_hi)[:, None], (neg_hi[:, None], neg_lo[:, None])
        self.x_lo = (-x_lo)[:, None] if np.any(x_lo) else None  # zero on the first step


def _design_block(
    AT: FloatArray | ScaledDesign, start: int, stop: int, buffer: FloatArray | None
) -> FloatArray:
    if isinstance(AT, ScaledDesign):
        assert buffer is not None
        return AT.block(start, stop, buffer)
    return AT[:, start:stop]


def _residual_block(
    A: FloatArray,
    w: _Workspace,
    minus_x: _MinusX,
    b: FloatArray,
    r_hi: FloatArray,
    r_lo: FloatArray | None,
    m: int,
) -> tuple[FloatArray, FloatArray]:
    """``b - r - A x`` over one block as ``(sum, errors)`` (``A`` split into ``w.hi/lo``)."""
    A_hi, A_lo, tmp = w.hi[:, :m], w.lo[:, :m], w.tmp[:, :m]
    # f = b - r_hi - r_lo + sum_j A_j (-x_hi_j) + errors + A_j (-x_lo_j)
    terms = w.terms[:, :m]
    terms[0] = b
    np.negative(r_hi, out=terms[1])
    np.multiply(A, minus_x.x, out=terms[2:])
    small = w.err[:, :m]
    _product_error_into(A_hi, A_lo, *minus_x.x_split, terms[2:], small, tmp)
    if minus_x.x_lo is not None:
        np.multiply(A, minus_x.x_lo, out=tmp)
        small += tmp
    s, err = _tree_sum_into(terms, w.pong[:, :m], w.tree_e[:, :m], w.tree_t[:, :m])
    if r_lo is not None:
        err -= r_lo
    err += _sum_rows(small)
    return s, err


def _sum_rows(a: FloatArray) -> FloatArray:
    """The sum of ``a``'s rows, added in order (as the compiled kernel adds them).

    ``a.sum(axis=0)`` adds the rows in order, except for a single column, which numpy sums
    pairwise (eight partial sums): a last block of one row would then round differently.
    """
    if a.shape[1] != 1:
        out: FloatArray = a.sum(axis=0)
        return out
    total: FloatArray = a[0].copy()
    for row in a[1:]:
        total += row
    return total


#: Width to which :func:`_fold` reduces the accumulators before the exact ``fsum``.
_FOLDED_WIDTH = 16


def _fold(acc: list[FloatArray]) -> list[FloatArray]:
    """Halve the accumulators' width until it is at most :data:`_FOLDED_WIDTH`.

    The top level is folded by TwoSum (its rounding errors join the next level), as the
    blocks were accumulated (ORO05 §4, Sum2/SumK): level 1 then holds ``O(u)`` terms, added
    plainly in double mode (error ``O(u²)``) or by TwoSum into level 2 in triple mode (error
    ``O(u³)``); the depth grows by ``log2`` of the width, which the bounds absorb.
    """
    if kernel is not None:
        width = kernel.fold(acc[0], acc[1], acc[2] if len(acc) == 3 else None, _FOLDED_WIDTH)
        return [a[:, :width] for a in acc]
    width = acc[0].shape[1]
    while width > _FOLDED_WIDTH:
        half, odd = width // 2, width % 2
        s, e = two_sum(acc[0][:, :half], acc[0][:, half : 2 * half])
        acc[0][:, :half] = s
        if len(acc) == 2:
            acc[1][:, :half] += acc[1][:, half : 2 * half]
            acc[1][:, :half] += e
        else:
            mid, t = two_sum(acc[1][:, :half], acc[1][:, half : 2 * half])
            acc[2][:, :half] += acc[2][:, half : 2 * half]
            acc[2][:, :half] += t
            mid, t = two_sum(mid, e)
            acc[2][:, :half] += t
            acc[1][:, :half] = mid
        if odd:
            for a in acc:
                a[:, half] = a[:, 2 * half]
        width = half + odd
    return [a[:, :width] for a in acc]


class _Workspace:
    """Preallocated per-block buffers: no allocation inside the block loop."""

    def __init__(self, k: int, block: int) -> None:
        self.hi, self.lo, self.tmp, self.err = (np.empty((k, block)) for _ in range(4))
        self.terms = np.empty((k + 2, block))
        half = (k + 3) // 2
        self.pong, self.tree_e, self.tree_t = (np.empty((half, block)) for _ in range(3))
        self.p, self.pe, self.s, self.e = (np.empty((k, block)) for _ in range(4))


def _two_sum_into(
    a: FloatArray, b: FloatArray, s: FloatArray, e: FloatArray, t: FloatArray
) -> None:
    """TwoSum into preallocated ``s``, ``e`` (``t`` is scratch; none may alias ``a``, ``b``)."""
    np.add(a, b, out=s)
    np.subtract(s, a, out=t)  # bb
    np.subtract(s, t, out=e)
    np.subtract(a, e, out=e)  # a - (s - bb)
    np.subtract(b, t, out=t)  # b - bb
    e += t


def _split_into(a: FloatArray, hi: FloatArray, lo: FloatArray) -> None:
    np.multiply(a, _SPLITTER, out=hi)
    np.subtract(hi, a, out=lo)
    np.subtract(hi, lo, out=hi)
    np.subtract(a, hi, out=lo)


def _product_error_into(
    a_hi: FloatArray,
    a_lo: FloatArray,
    b_hi: FloatArray,
    b_lo: FloatArray,
    p: FloatArray,
    e: FloatArray,
    t: FloatArray,
) -> None:
    """Exact ``a * b - p`` into ``e`` (ORO05, Algorithm 3.3); ``t`` is scratch."""
    np.multiply(a_hi, b_hi, out=e)
    e -= p
    np.multiply(a_lo, b_hi, out=t)
    e += t
    np.multiply(a_hi, b_lo, out=t)
    e += t
    np.multiply(a_lo, b_lo, out=t)
    e += t


def _tree_sum_into(
    terms: FloatArray, pong: FloatArray, e: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Pairwise TwoSum tree over axis 0 (``terms`` is overwritten): ``(sum, errors)``.

    The errors of all levels are added in ordinary floating point, ``Sum2``'s accuracy
    (ORO05, Prop. 4.5) with ``n - 1`` replaced by the tree depth.
    """
    err = np.zeros(terms.shape[1])
    cur, other = terms, pong
    rows = terms.shape[0]
    while rows > 1:
        half = rows // 2
        _two_sum_into(cur[:half], cur[half : 2 * half], other[:half], e[:half], t[:half])
        err += _sum_rows(e[:half])
        if rows % 2:
            other[half] = cur[rows - 1]
        rows = half + rows % 2
        cur, other = other, cur
    return cur[0].copy(), err


def _accumulate_g(
    acc: list[FloatArray],
    w: _Workspace,
    A: FloatArray,
    rh: FloatArray,
    rl: FloatArray | None,
    m: int,
) -> None:
    """Add ``A r`` elementwise into the running accumulators (two or three levels)."""
    rs_hi, rs_lo = split(rh)
    A_hi, A_lo, tmp = w.hi[:, :m], w.lo[:, :m], w.tmp[:, :m]
    p, pe, s, e = w.p[:, :m], w.pe[:, :m], w.s[:, :m], w.e[:, :m]
    np.multiply(A, rh, out=p)
    _product_error_into(A_hi, A_lo, rs_hi, rs_lo, p, pe, tmp)
    _two_sum_into(acc[0][:, :m], p, s, e, tmp)
    acc[0][:, :m] = s
    if len(acc) == 2:
        if rl is not None:
            np.multiply(A, rl, out=tmp)
            pe += tmp
        acc[1][:, :m] += e
        acc[1][:, :m] += pe
        return
    # Triple: A r_lo as an exact pair too; the three O(u) terms enter a second TwoSum level,
    # whose errors (O(u²)) are summed plainly into the third accumulator.
    mid = acc[1][:, :m]
    third = acc[2][:, :m]
    terms = [e, pe]
    if rl is not None:
        rls_hi, rls_lo = split(rl)
        p2 = A * rl
        pe2 = np.empty_like(p2)
        _product_error_into(A_hi, A_lo, rls_hi, rls_lo, p2, pe2, tmp)
        third += pe2
        terms.append(p2)
    for term in terms:
        new_mid, t = two_sum(mid, term)
        mid[...] = new_mid
        third += t
