"""Exact rational least squares.

Every column (and the response) is scaled to Python integers -- float64 values through
``np.frexp`` (an integer mantissa times a power of two, shifted to the column's smallest
exponent), rationals through the least common multiple of the column's denominators. The
normal equations ``CᵀC z = Cᵀd`` of the integer data are then formed exactly (float64 matrix
products of small digits, exact by construction, where the integers allow it) and solved by
Bareiss's fraction-free Gaussian elimination (E. H. Bareiss, "Sylvester's identity and
multistep integer-preserving Gaussian elimination", Math. Comp. 22, 1968), which keeps every
intermediate an integer (a minor of the Gram matrix) and so detects rank exactly; from
:data:`_MODULAR_MIN_K` unknowns on, a nonsingular system is solved modulo many primes instead
(:mod:`pytest_linreg._modular`, certified by an exact check), and Bareiss remains for the
singular ones. Squaring the condition number does no harm here: no rounding ever happens, and
``float(Fraction)`` rounds the answer correctly at the very end.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Rational
from typing import Any

import numpy as np
import numpy.typing as npt

from ._modular import solve_multimodular

__all__ = [
    "ExactSolution",
    "exact_lstsq",
    "exact_lstsq_outputs",
    "fraction_sqrt",
    "integer_column",
]

#: Largest left shift for which ``mantissa << shift`` still fits in int64 (mantissas < 2**53).
_INT64_SHIFT_LIMIT = 10


@dataclass(frozen=True)
class ExactSolution:
    """Exact least-squares solution of ``A x ≈ b``.

    Attributes
    ----------
    x : list of Fraction
        The solution (zeros at dependent columns when ``dependent`` is not empty).
    rank : int
    dependent : dict
        ``{j: {i: c_i}}``: column ``j`` equals ``sum_i c_i · column_i`` exactly.
    rss : Fraction
        Residual sum of squares ``Σ wᵢ (b - A x)ᵢ²`` (``wᵢ = 1`` without weights).
    sum_b : Fraction
        ``Σ wᵢ bᵢ``.
    sum_b2 : Fraction
        ``Σ wᵢ bᵢ²``.
    n : int
    sum_w : Fraction
        ``Σ wᵢ`` (``n`` without weights).
    """

    x: list[Fraction]
    rank: int
    dependent: dict[int, dict[int, Fraction]]
    rss: Fraction
    sum_b: Fraction
    sum_b2: Fraction
    n: int
    sum_w: Fraction


@dataclass(frozen=True)
class _ScaledFloats:
    """``values == mantissa · 2**shift · 2**base`` exactly, ``|mantissa| < 2**53``, shift ≥ 0."""

    mantissa: npt.NDArray[np.int64]
    shift: npt.NDArray[np.int64]
    base: int

    @property
    def top(self) -> int:
        """The largest shift: the integers ``mantissa << shift`` need up to 53 + top bits."""
        return int(self.shift.max()) if self.shift.size else 0


def _scaled_floats(values: npt.NDArray[np.float64]) -> _ScaledFloats:
    """A float64 column as integers times one power of two, the integers as small as possible."""
    mant, expo = np.frexp(values)
    ints = (mant * 2.0**53).astype(np.int64)  # exact: |mant| < 1 has 53 significant bits
    nonzero = ints != 0
    if not np.any(nonzero):
        return _ScaledFloats(ints, np.zeros_like(ints), 0)
    # Drop trailing zero bits common to the column, so integers stay as small as possible.
    low_bits = np.bitwise_and(ints[nonzero], -ints[nonzero])  # lowest set bit, a power of 2
    # frexp reads the exponent bits; log2 would rely on libm returning exact integers.
    common_zeros = int(np.frexp(low_bits.astype(np.float64))[1].min()) - 1
    expo = expo.astype(np.int64) - 53 + common_zeros
    ints = ints >> common_zeros  # exact: every nonzero mantissa is divisible by 2**common_zeros
    base = int(expo[nonzero].min())
    return _ScaledFloats(ints, np.where(nonzero, expo - base, 0), base)


def _float_column(values: npt.NDArray[np.float64]) -> tuple[list[int], Fraction]:
    """Integers ``c`` and a power of two ``s`` with ``values == c · s`` exactly."""
    sf = _scaled_floats(values)
    if sf.top <= _INT64_SHIFT_LIMIT:
        column = np.left_shift(sf.mantissa, sf.shift).tolist()
    else:
        column = [m << s for m, s in zip(sf.mantissa.tolist(), sf.shift.tolist(), strict=True)]
    return column, Fraction(2) ** sf.base


def _as_fraction(value: Any) -> Fraction:
    """Exact rational value of an int, Fraction, Decimal or float (numpy scalars included)."""
    if isinstance(value, (bool, np.bool_)):
        return Fraction(int(value))
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, (Decimal, float, np.floating)):
        if not (value.is_finite() if isinstance(value, Decimal) else np.isfinite(value)):
            raise ValueError(f"non-finite value {value!r} in exact data")
        # as_integer_ratio keeps every bit; float(value) would round a long double.
        return Fraction(*(int(v) for v in value.as_integer_ratio()))
    raise TypeError(f"cannot use {type(value).__name__} value {value!r} in exact arithmetic")


def _rational_column(values: Sequence[Any]) -> tuple[list[int], Fraction]:
    """Integers ``c`` and ``s`` with ``values == c · s`` exactly (lcm of the denominators)."""
    fracs = [_as_fraction(v) for v in values]
    denominator = math.lcm(*(q.denominator for q in fracs)) if fracs else 1
    column = [q.numerator * (denominator // q.denominator) for q in fracs]
    return column, Fraction(1, denominator)


def integer_column(values: npt.NDArray[Any]) -> tuple[list[int], Fraction]:
    """Scale one column to Python integers: ``values == c · s`` exactly.

    Parameters
    ----------
    values : ndarray (n,)
        Float, integer, bool or object (int / Fraction / Decimal / float) values. A float
        type wider than float64 (``np.longdouble``) is read at its full precision.

    Returns
    -------
    (list of int, Fraction)
    """
    kind = values.dtype.kind
    if kind == "f" and values.dtype.itemsize <= 8:  # float16/32/64: widening is exact
        return _float_column(values.astype(np.float64))
    if kind in "iub":
        return [int(v) for v in values.tolist()], Fraction(1)
    return _rational_column(values.tolist())


def _dot(a: list[int], b: list[int]) -> int:
    return sum(map(operator.mul, a, b))


#: Balanced digits of this many bits: |digit| ≤ 2**20, so a product of two is ≤ 2**40 and
#: a sum of :data:`_EXACT_BLOCK_ROWS` of them stays below 2**53, exact in float64.
_DIGIT_BITS = 21
_EXACT_BLOCK_ROWS = 1 << 13


def _as_int64_matrix(columns: Sequence[list[int]]) -> npt.NDArray[np.int64] | None:
    """The columns as an ``(n, k)`` int64 array, or None when an integer needs 62+ bits."""
    if not columns:
        return None
    try:
        M: npt.NDArray[np.int64] = np.array(columns, dtype=np.int64).T
    except OverflowError:
        return None
    # Room for the balanced digits' carry (and np.abs(-2**63) would wrap): |v| < 2**62.
    if M.size and (int(M.max()) >= 1 << 62 or int(M.min()) <= -(1 << 62)):
        return None
    return M


def _balanced_digits(M: npt.NDArray[np.int64]) -> list[npt.NDArray[np.float64]]:
    """``M = Σ_t D_t·2**(21 t)`` with every digit in [-2**20, 2**20), as float64 arrays."""
    half, mask = 1 << (_DIGIT_BITS - 1), (1 << _DIGIT_BITS) - 1
    digits, rest = [], M.copy()
    while np.any(rest):
        d = ((rest + half) & mask) - half
        digits.append(d.astype(np.float64))
        rest = (rest - d) >> _DIGIT_BITS  # exact: rest - d is a multiple of 2**21
    return digits or [np.zeros(M.shape)]


def _exact_cross_products(A: npt.NDArray[np.int64], B: npt.NDArray[np.int64]) -> list[list[int]]:
    """``AᵀB`` exactly, as Python ints, of int64 matrices (balanced digits, see below)."""
    return _digit_cross_products(_balanced_digits(A), _balanced_digits(B), _DIGIT_BITS)


def _digit_cross_products(
    digits_a: list[npt.NDArray[np.float64]], digits_b: list[npt.NDArray[np.float64]], bits: int
) -> list[list[int]]:
    """``AᵀB`` exactly, as Python ints, from ``A = Σ_t D_t·2**(bits·t)`` (and ``B`` alike).

    Every digit is an integer of magnitude at most 2**20, so a digit product is at most 2**40
    and a block of 8 192 rows sums to below 2**53: every partial sum BLAS forms, in any order,
    is an integer float64 holds exactly; the blocks and digit weights are then combined in
    integers. (The same splitting idea as the error-free dot products of Ozaki, Ogita, Oishi &
    Rump, "Error-free transformations of matrix multiplication by using fast routines of
    matrix multiplication and its applications", Numer. Algorithms 59, 2012.) 32 times faster
    than Python-int dot products on a 10⁴ × 101 Gram matrix of 53-bit integers (0.11 s
    against 3.5 s).
    """
    n, ka, kb = digits_a[0].shape[0], digits_a[0].shape[1], digits_b[0].shape[1]
    total = [[0] * kb for _ in range(ka)]
    flush_every = 1 << 9  # blocks: 512 · 2**53 < 2**63 in the int64 accumulator
    for t, Dt in enumerate(digits_a):
        for u, Du in enumerate(digits_b):
            shift = bits * (t + u)
            acc = np.zeros((ka, kb), dtype=np.int64)
            for count, start in enumerate(range(0, n, _EXACT_BLOCK_ROWS), start=1):
                stop = start + _EXACT_BLOCK_ROWS
                acc += (Dt[start:stop].T @ Du[start:stop]).astype(np.int64)
                if count % flush_every == 0 or stop >= n:
                    for i, row in enumerate(acc.tolist()):
                        for j, v in enumerate(row):
                            total[i][j] += v << shift
                    acc[...] = 0
    return total


#: Digits of the planes of wide float columns: unsigned 20-bit digits of ``|v|``, signed like
#: ``v``, so |digit| < 2**20 as for the balanced digits.
_PLANE_BITS = 20
#: At most this many digit planes per column (integers of 53 + 107 bits, exponents spread over
#: 2**107): beyond, the Python-int products are cheaper than planes² matrix products.
_MAX_PLANES = 8


def _plane_count(sf: _ScaledFloats) -> int:
    """Digits needed for the largest ``|mantissa| << shift`` (its bit length, or one more)."""
    if not sf.mantissa.size:
        return 1
    bits = int(np.frexp(float(np.max(np.abs(sf.mantissa))))[1]) + sf.top
    return max(1, -(-bits // _PLANE_BITS))


def _float_digit_planes(sf: _ScaledFloats, count: int) -> list[npt.NDArray[np.float64]]:
    """``mantissa << shift = Σ_t D_t · 2**(20 t)``, ``|D_t| < 2**20``, as float64 arrays.

    Digit ``t`` of ``|m|·2**s`` is ``⌊|m|·2**(s − 20t)⌋ mod 2**20``: the low ``20 − e`` bits
    of ``|m|`` moved up by ``e = s − 20t`` when ``e ≥ 0`` (none when ``e ≥ 20``), else the
    bits of ``|m|`` from ``−e`` on. int64 never overflows: nothing is shifted past bit 20.
    """
    mag = np.abs(sf.mantissa)
    sign = np.sign(sf.mantissa).astype(np.float64)
    mask = (1 << _PLANE_BITS) - 1
    planes = []
    for t in range(count):
        e = sf.shift - _PLANE_BITS * t
        up = np.clip(e, 0, _PLANE_BITS)
        low = np.left_shift(mag & (np.left_shift(1, _PLANE_BITS - up) - 1), up)
        high = np.right_shift(mag, np.clip(-e, 0, 63)) & mask
        planes.append(np.where(e >= 0, low, high).astype(np.float64) * sign)
    return planes


def _plane_matrices(
    columns: Sequence[npt.NDArray[Any]],
) -> list[npt.NDArray[np.float64]] | None:
    """Float and integer columns as digit-plane matrices ``D_t`` (n × k), or None when a
    column is of another kind or needs more than :data:`_MAX_PLANES` planes.

    The integers are those :func:`integer_column` makes (same scaling), so the Gram matrix
    of the planes is the Gram matrix of those integers."""
    if not columns:
        return None
    scaled = []
    for c in columns:
        arr = np.asarray(c)
        if arr.dtype.kind == "f" and arr.dtype.itemsize <= 8:
            scaled.append(_scaled_floats(arr.astype(np.float64)))
        elif arr.dtype.kind in "iu" and (
            not arr.size or max(int(arr.max()), -int(arr.min())) < 1 << 62
        ):  # an intercept's ones, integer data: already integers (|v| < 2**62: no overflow)
            ints = arr.astype(np.int64)
            scaled.append(_ScaledFloats(ints, np.zeros_like(ints), 0))
        else:
            return None
    count = max(_plane_count(sf) for sf in scaled)
    if count > _MAX_PLANES:
        return None
    per_column = [_float_digit_planes(sf, count) for sf in scaled]
    return [np.column_stack([planes[t] for planes in per_column]) for t in range(count)]


#: From this many unknowns on, the normal equations are solved modulo many primes
#: (:mod:`pytest_linreg._modular`) rather than by fraction-free elimination, whose integers
#: grow to the size of the determinant: 101 unknowns of 170 bits took 9.5 s by Bareiss.
_MODULAR_MIN_K = 24


def _bareiss(
    gram: list[list[int]], rhs: list[list[int]]
) -> tuple[list[list[int]], list[int], int, list[int]]:
    """Fraction-free elimination of the symmetric positive semi-definite ``gram``.

    ``rhs`` holds one list per right-hand side. Returns ``(numerators, pivots, det,
    dependent)``: ``z[j] = numerators[o][j] / det`` for output ``o`` at the pivot columns,
    ``det`` the Gram determinant of the pivot columns. A zero pivot in a positive semi-definite
    matrix means its whole Schur-complement row is zero: the column lies in the span of the
    earlier pivot columns, so it is skipped (Bareiss on the remaining principal submatrix,
    which keeps every division exact).
    """
    k, q = len(gram), len(rhs)
    m = [[*row, *(r[i] for r in rhs)] for i, row in enumerate(gram)]
    width = k + q
    prev = 1
    pivots: list[int] = []
    dependent: list[int] = []
    for s in range(k):
        piv = m[s][s]
        if piv == 0:
            dependent.append(s)
            continue
        row_s = m[s]
        for i in range(s + 1, k):
            row_i = m[i]
            # Every Schur complement of a symmetric matrix is symmetric, and so is each
            # Bareiss step's (a scaled one): only the upper triangle and the right-hand sides
            # are updated, and m[i][s] is read as m[s][i]. Half the big-integer work.
            factor = row_s[i]
            for j in (*range(i, k), *range(k, width)):
                row_i[j] = (row_i[j] * piv - factor * row_s[j]) // prev
        prev = piv
        pivots.append(s)
    numerators = [[0] * k for _ in range(q)]
    for o in range(q):
        num_o = numerators[o]
        for idx in reversed(range(len(pivots))):
            s = pivots[idx]
            acc = prev * m[s][k + o] - sum(m[s][c] * num_o[c] for c in pivots[idx + 1 :])
            num, rem = divmod(acc, m[s][s])
            if rem:  # pragma: no cover - Cramer's rule guarantees an integer
                raise ArithmeticError("fraction-free back substitution lost exactness")
            num_o[s] = num
    return numerators, pivots, prev, dependent


def _solve_rational(gram: list[list[int]], rhs: list[int]) -> list[Fraction]:
    """Solve a small nonsingular integer system with Fractions (used to name dependencies)."""
    k = len(gram)
    m = [[Fraction(v) for v in row] + [Fraction(rhs[i])] for i, row in enumerate(gram)]
    for s in range(k):
        pivot_row = next(i for i in range(s, k) if m[i][s] != 0)
        m[s], m[pivot_row] = m[pivot_row], m[s]
        for i in range(k):
            if i != s and m[i][s] != 0:
                f = m[i][s] / m[s][s]
                m[i] = [a - f * b for a, b in zip(m[i], m[s], strict=True)]
    return [m[i][k] / m[i][i] for i in range(k)]


def exact_lstsq(
    columns: Sequence[npt.NDArray[Any]],
    b: npt.NDArray[Any],
    *,
    weights: npt.NDArray[Any] | None = None,
    penalty: Sequence[Any] | None = None,
) -> ExactSolution:
    """Exact (weighted, penalised) least-squares solution of ``A x ≈ b``.

    Minimises ``Σ wᵢ (bᵢ − (A x)ᵢ)² + Σ λⱼ xⱼ²``; plain least squares without ``weights`` and
    ``penalty``.

    Parameters
    ----------
    columns : sequence of ndarray (n,)
        The columns of ``A`` (float64, integer or object arrays of exact numbers). An intercept
        is simply a column of ones.
    b : ndarray (n,)
    weights : ndarray (n,), optional
        Observation weights ``wᵢ ≥ 0``, used at their exact values.
    penalty : sequence of numbers (one per column), optional
        Ridge penalties ``λⱼ ≥ 0`` (0 for an unpenalised column such as the intercept).

    Returns
    -------
    ExactSolution

    Examples
    --------
    >>> import numpy as np
    >>> sol = exact_lstsq([np.ones(3), np.array([0.0, 1.0, 2.0])], np.array([1.0, 3.0, 5.0]))
    >>> [str(v) for v in sol.x], sol.rank, sol.rss
    (['1', '2'], 2, Fraction(0, 1))
    """
    return exact_lstsq_outputs(columns, [b], weights=weights, penalty=penalty)[0]


def exact_lstsq_outputs(
    columns: Sequence[npt.NDArray[Any]],
    outputs: Sequence[npt.NDArray[Any]],
    *,
    weights: npt.NDArray[Any] | None = None,
    penalty: Sequence[Any] | None = None,
) -> list[ExactSolution]:
    """:func:`exact_lstsq` for several right-hand sides: one Gram matrix, one elimination.

    The system solved is ``(CᵀWC + M) z = CᵀW d`` for the integer-scaled columns ``C`` and
    response ``d``: with ``A = C·diag(s)``, ``b = d·s_b`` and ``W = w·s_w``, ``x_j = z_j·s_b/s_j``
    and the penalty ``λⱼ`` becomes ``μⱼ = λⱼ / (s_j²·s_w)``, brought to integers with the common
    denominator of the ``μⱼ``.
    """
    scaled = [integer_column(np.asarray(c)) for c in columns]
    ints = [c for c, _ in scaled]
    scales = [s for _, s in scaled]
    k = len(ints)
    n = len(ints[0]) if ints else len(np.asarray(outputs[0]))
    if weights is None:
        w_int: list[int] | None = None
        w_scale = Fraction(1)
    else:
        w_int, w_scale = integer_column(np.asarray(weights))
    weighted = ints if w_int is None else [list(map(operator.mul, w_int, c)) for c in ints]
    responses = [integer_column(np.asarray(b)) for b in outputs]
    C = _as_int64_matrix(ints) if w_int is None else None
    D = _as_int64_matrix([d for d, _ in responses]) if C is not None else None
    if C is not None and D is not None:  # the common case: float64 data of moderate range
        gram = _exact_cross_products(C, C)
        rhs = [list(col) for col in zip(*_exact_cross_products(C, D), strict=True)]
    elif w_int is None and (planes := _plane_matrices(columns)) is not None and (
        response_planes := _plane_matrices(outputs)
    ) is not None:  # wide float64 columns (exponents spread over more than 10 bits)
        gram = _digit_cross_products(planes, planes, _PLANE_BITS)
        rhs = [list(col) for col in zip(
            *_digit_cross_products(planes, response_planes, _PLANE_BITS), strict=True)]
    else:
        gram = [[0] * k for _ in range(k)]
        for i in range(k):
            for j in range(i, k):
                gram[i][j] = gram[j][i] = _dot(weighted[i], ints[j])
        rhs = [[_dot(c, d) for c in weighted] for d, _ in responses]
    mu = [Fraction(0)] * k
    if penalty is not None:
        mu = [_as_fraction(lam) / (scales[j] ** 2 * w_scale) for j, lam in enumerate(penalty)]
    lcm = math.lcm(*(q.denominator for q in mu)) if mu else 1
    system = [
        [lcm * gram[i][j] + (int(mu[i] * lcm) if i == j else 0) for j in range(k)] for i in range(k)
    ]
    scaled_rhs = [[lcm * v for v in r] for r in rhs]
    solved = solve_multimodular(system, scaled_rhs) if k >= _MODULAR_MIN_K else None
    if solved is not None:
        numerators, det = solved
        pivots, dependent_cols = list(range(k)), list[int]()
    else:  # small, singular, or (never seen) uncertified by the modular method
        numerators, pivots, det, dependent_cols = _bareiss(system, scaled_rhs)
    dependent: dict[int, dict[int, Fraction]] = {}
    for j in dependent_cols:
        earlier = [q for q in pivots if q < j]
        sub = [[system[a][c] for c in earlier] for a in earlier]
        coeffs = _solve_rational(sub, [system[a][j] for a in earlier]) if earlier else []
        dependent[j] = {q: c * scales[j] / scales[q] for q, c in zip(earlier, coeffs, strict=True)}
    sum_w = Fraction(n) if w_int is None else Fraction(sum(w_int)) * w_scale
    solutions = []
    for (d, d_scale), h, num in zip(responses, rhs, numerators, strict=True):
        wd = d if w_int is None else list(map(operator.mul, w_int, d))
        dtd = _dot(wd, d)
        z = {j: Fraction(num[j], det) for j in pivots}
        # Weighted RSS of the integer problem: dᵀWd − zᵀCᵀWd − zᵀMz, since (CᵀWC + M) z = CᵀWd.
        rss_int = (
            Fraction(dtd)
            - sum(z[j] * h[j] for j in pivots)
            - sum(mu[j] * z[j] ** 2 for j in pivots)
        )
        solutions.append(
            ExactSolution(
                x=[z.get(j, Fraction(0)) * d_scale / scales[j] for j in range(k)],
                rank=len(pivots),
                dependent=dependent,
                rss=rss_int * d_scale**2 * w_scale,
                sum_b=Fraction(sum(wd)) * d_scale * w_scale,
                sum_b2=Fraction(dtd) * d_scale**2 * w_scale,
                n=len(d),
                sum_w=sum_w,
            )
        )
    return solutions


def fraction_sqrt(q: Fraction) -> float:
    """``sqrt(q)`` as a float64, within one ulp (integer square root with 64 guard bits)."""
    if q < 0:
        raise ValueError(f"square root of a negative number {q}")
    if q == 0:
        return 0.0
    num, den = q.numerator, q.denominator
    # Scale by 4**s so that the integer square root carries at least 117 significant bits.
    s = max(0, (234 - (num.bit_length() - den.bit_length())) // 2)
    root = math.isqrt((num << (2 * s)) // den)
    return float(Fraction(root, 1 << s))
