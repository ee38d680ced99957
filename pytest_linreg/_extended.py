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
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["augmented_residuals", "dd_add", "split", "two_sum"]

FloatArray = npt.NDArray[np.float64]

#: Veltkamp's splitting factor 2**27 + 1 for binary64 (ORO05, Algorithm 3.2).
_SPLITTER = 134217729.0
#: Number of scalars per block: 32 768 doubles = 256 KiB, several of which fit in L2.
_BLOCK_ELEMENTS = 32768


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


def _product_error(
    a_hi: FloatArray, a_lo: FloatArray, b_hi: FloatArray, b_lo: FloatArray, p: FloatArray
) -> FloatArray:
    """Exact error ``a * b - p`` of ``p = fl(a * b)`` from the splits (ORO05, Algorithm 3.3)."""
    e = a_hi * b_hi
    e -= p
    e += a_lo * b_hi
    e += a_hi * b_lo
    e += a_lo * b_lo
    return e


def dd_add(hi: FloatArray, lo: FloatArray, d: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Add a float64 correction ``d`` to the double-double ``hi + lo`` and renormalise."""
    s, e = two_sum(hi, d)
    e += lo
    new_hi = s + e
    new_lo = e - (new_hi - s)  # FastTwoSum: exact because |s| >= |e| after TwoSum
    return new_hi, new_lo


def _tree_sum_rows(terms: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Sum ``terms`` over axis 0 by a pairwise TwoSum tree: ``(sum, collected errors)``.

    The pairwise tree keeps every level vectorised; the errors of all levels are added in
    ordinary floating point at the end, which is ``Sum2``'s accuracy (ORO05, Prop. 4.5)
    with ``n - 1`` replaced by the tree depth.
    """
    err = np.zeros(terms.shape[1:])
    while terms.shape[0] > 1:
        half = terms.shape[0] // 2
        s, e = two_sum(terms[:half], terms[half : 2 * half])
        err += e.sum(axis=0)
        if terms.shape[0] % 2:
            s = np.concatenate([s, terms[2 * half :]], axis=0)
        terms = s
    return terms[0], err


def augmented_residuals(
    AT: FloatArray,
    b: FloatArray,
    r_hi: FloatArray,
    r_lo: FloatArray,
    x_hi: FloatArray,
    x_lo: FloatArray,
    *,
    triple: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """Residuals of the augmented system ``[I A; Aᵀ 0][r; x] = [b; 0]`` in extended precision.

    Parameters
    ----------
    AT : ndarray (k, n)
        The design, transposed and C-contiguous.
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
    k, n = AT.shape
    block = max(64, _BLOCK_ELEMENTS // k)
    xs_hi, xs_lo = split(x_hi)
    xh, xsh, xsl, xl = (v[:, None] for v in (x_hi, xs_hi, xs_lo, x_lo))
    has_x_lo = bool(np.any(x_lo))  # zero on the first step: skip its pass
    rl_all = r_lo if np.any(r_lo) else None
    f = np.empty(n)
    # g is accumulated per position within the block (Sum2/SumK over blocks, ORO05 §4 and
    # Algorithm 4.8), then the accumulators are summed exactly by math.fsum at the end.
    acc = [np.zeros((k, block)) for _ in range(3 if triple else 2)]
    for start in range(0, n, block):
        stop = min(start + block, n)
        m = stop - start
        A = AT[:, start:stop]
        A_hi, A_lo = split(A)
        # f = b - r_hi - r_lo - sum_j (A_j x_hi_j + err_j + A_j x_lo_j)
        terms = np.empty((k + 2, m))
        np.multiply(A, xh, out=terms[2:])
        small = _product_error(A_hi, A_lo, xsh, xsl, terms[2:])
        if has_x_lo:
            small += A * xl
        np.negative(terms[2:], out=terms[2:])
        terms[0] = b[start:stop]
        np.negative(r_hi[start:stop], out=terms[1])
        s, err = _tree_sum_rows(terms)
        if rl_all is not None:
            err -= rl_all[start:stop]
        err -= small.sum(axis=0)
        f[start:stop] = s + err
        rl = None if rl_all is None else rl_all[start:stop]
        _accumulate_g(acc, A, A_hi, A_lo, r_hi[start:stop], rl, m)
    g = np.array([-math.fsum(np.concatenate([a[j] for a in acc])) for j in range(k)])
    return f, g


def _accumulate_g(
    acc: list[FloatArray],
    A: FloatArray,
    A_hi: FloatArray,
    A_lo: FloatArray,
    rh: FloatArray,
    rl: FloatArray | None,
    m: int,
) -> None:
    """Add ``A r`` elementwise into the running accumulators (two or three levels)."""
    rs_hi, rs_lo = split(rh)
    p = A * rh
    pe = _product_error(A_hi, A_lo, rs_hi, rs_lo, p)
    s, e = two_sum(acc[0][:, :m], p)
    acc[0][:, :m] = s
    if rl is None:
        rl = np.zeros_like(rh)
    elif len(acc) == 2:
        pe += A * rl
    if len(acc) == 2:
        acc[1][:, :m] += e
        acc[1][:, :m] += pe
        return
    # Triple: A r_lo as an exact pair too; the three O(u) terms enter a second TwoSum level,
    # whose errors (O(u²)) are summed plainly into the third accumulator.
    rls_hi, rls_lo = split(rl)
    p2 = A * rl
    pe2 = _product_error(A_hi, A_lo, rls_hi, rls_lo, p2)
    mid = acc[1][:, :m]
    third = acc[2][:, :m]
    for term in (e, pe, p2):
        mid, t = two_sum(mid, term)
        third += t
    third += pe2
    acc[1][:, :m] = mid
    acc[2][:, :m] = third
