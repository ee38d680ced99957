"""Exact solution of a nonsingular integer system by Chinese remaindering.

``G z = h`` with ``G`` (k × k) and ``h`` integers has the solution ``z = num / det`` where
``det = det G`` and ``num_j`` is the determinant of ``G`` with column ``j`` replaced by ``h``
(Cramer's rule): integers bounded by Hadamard's inequality. Both are found modulo many word-size
primes at once — Gaussian elimination on a ``(primes, k, k + q)`` int64 array, every product
below 2⁶² — and put together by the Chinese remainder theorem once the primes' product exceeds
twice the bound (the classical multi-modular method: J. von zur Gathen & J. Gerhard, *Modern
Computer Algebra*, 3rd ed., §5.5; H. Cohen, *A Course in Computational Algebraic Number
Theory*, §2.2). Fraction-free elimination (Bareiss) does the same work with integers that grow
to the size of ``det``; here every operation is on machine words, vectorised across the primes.

The result is certified, not trusted: ``G · num == det · h`` is checked in exact integers, and
any doubt (a prime dividing a pivot of the unpivoted elimination on too many primes, a failed
check) returns ``None`` so that the caller can eliminate fraction-free instead — which is also
what finds the rank of a singular ``G``.
"""

from __future__ import annotations

import math
import operator

import numpy as np
import numpy.typing as npt

__all__ = ["solve_multimodular"]

IntArray = npt.NDArray[np.int64]

#: Primes just below 2**31: residues < 2**31, so a product of two is < 2**62 in int64.
_PRIME_BITS = 31
_LIMB_BITS = 30
#: Bytes of residues eliminated at once (the batch's temporaries are a few times this).
_BATCH_BYTES = 32 << 20


def _is_prime(n: int) -> bool:
    """Deterministic Miller–Rabin for n < 3.4·10¹⁴ (bases 2, 3, 5, 7, 11, 13, 17)."""
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in (2, 3, 5, 7, 11, 13, 17):
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


#: Primes found so far, largest first; extended on demand (the same sequence every time).
_PRIMES: list[int] = []


def _primes(count: int) -> list[int]:
    """The ``count`` largest primes below 2**31, largest first."""
    candidate = _PRIMES[-1] - 2 if _PRIMES else (1 << _PRIME_BITS) - 1
    while len(_PRIMES) < count:
        if _is_prime(candidate):
            _PRIMES.append(candidate)
        candidate -= 2
    return _PRIMES[:count]


def _residues(values: list[int], primes: IntArray) -> IntArray:
    """``values mod p`` for every prime: shape ``(len(primes), len(values))``.

    Each integer is cut into 30-bit limbs once; Horner's rule over the limbs then runs on all
    values and primes together (``r·2³⁰ + limb < 2⁶²``).
    """
    signs = np.array([-1 if v < 0 else 1 for v in values], dtype=np.int64)
    mags = [abs(v) for v in values]
    limbs_n = max(1, max(m.bit_length() for m in mags) // _LIMB_BITS + 1)
    mask = (1 << _LIMB_BITS) - 1
    limbs = np.array(
        [[(m >> (_LIMB_BITS * t)) & mask for t in range(limbs_n - 1, -1, -1)] for m in mags],
        dtype=np.int64,
    )  # (values, limbs), most significant first
    p = primes[:, None]
    r = np.zeros((primes.shape[0], len(values)), dtype=np.int64)
    for t in range(limbs_n):
        r = ((r << _LIMB_BITS) + limbs[None, :, t]) % p
    return np.asarray(r * signs[None, :] % p, dtype=np.int64)


def _inverse_mod(a: IntArray, p: IntArray) -> IntArray:
    """``a⁻¹ mod p`` elementwise (Fermat: ``a^(p−2)``), for ``a ≢ 0``."""
    result = np.ones_like(a)
    base = a % p
    e = p - 2
    while np.any(e):
        odd = (e & 1).astype(bool)
        result = np.where(odd, result * base % p, result)
        base = base * base % p
        e = e >> 1
    return result


def _eliminate(
    M: IntArray, p: IntArray, k: int
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Solve ``M[:, :, :k] z = M[:, :, k:]`` mod each prime without pivoting.

    Returns ``z`` (primes, k, q), ``det`` (primes,), and which primes met a zero pivot (their
    results are meaningless and are dropped).
    """
    m = M.shape[0]
    P = p[:, None]
    bad = np.zeros(m, dtype=bool)
    det = np.ones(m, dtype=np.int64)
    for s in range(k):
        piv = M[:, s, s]
        bad |= piv == 0
        safe = np.where(piv == 0, 1, piv)
        det = det * safe % p
        inv = _inverse_mod(safe, p)
        M[:, s, s:] = M[:, s, s:] * inv[:, None] % P
        if s + 1 < k:
            below = M[:, s + 1 :, s, None]  # (m, k−s−1, 1)
            # Residues < 2**31: the product is < 2**62 and the difference > −2**62, so one
            # reduction per entry suffices.
            M[:, s + 1 :, s:] = (M[:, s + 1 :, s:] - below * M[:, s, None, s:]) % p[:, None, None]
    # Back substitution: the diagonal is now 1.
    q = M.shape[2] - k
    z = np.zeros((m, k, q), dtype=np.int64)
    for s in range(k - 1, -1, -1):
        acc = M[:, s, k:].copy()
        for c in range(s + 1, k):
            acc = (acc - M[:, s, c, None] * z[:, c, :]) % P
        z[:, s, :] = acc
    return z, det, bad


def _hadamard_bits(system: list[list[int]], rhs: list[list[int]]) -> int:
    """Bits bounding ``|det|`` and every Cramer numerator: Σ_i log2 ‖[G_i, h_i]‖₂, rounded up."""
    width = len(system) + len(rhs)
    total = 0.0
    for i, row in enumerate(system):
        top = max(abs(v) for v in (*row, *(r[i] for r in rhs)))
        total += top.bit_length() + 0.5 * math.log2(width) if top else 0.0
    return math.ceil(total) + 2  # sign and the symmetric range


def solve_multimodular(
    system: list[list[int]], rhs: list[list[int]]
) -> tuple[list[list[int]], int] | None:
    """``(numerators, det)`` with ``z_o = numerators[o] / det`` solving ``system · z_o = rhs[o]``.

    ``None`` when the system is singular (or too many primes divide a pivot): the caller then
    eliminates fraction-free. ``det`` is positive for a positive definite system (a Gram
    matrix); the numerators carry the signs.
    """
    k, q = len(system), len(rhs)
    if k == 0 or q == 0:
        return None  # nothing to solve here: the caller's elimination handles the edge
    bits = _hadamard_bits(system, rhs)
    needed = bits // (_PRIME_BITS - 1) + 1
    primes = np.array(_primes(needed + needed // 8 + 4), dtype=np.int64)  # spares for bad ones
    flat = [v for row in system for v in row] + [r[i] for i in range(k) for r in rhs]
    # The primes in batches: each batch's (primes, k, k + q) array and its temporaries stay
    # near _BATCH_BYTES, whatever k (a single batch of 2 500 primes at k = 447 took 8 GB).
    batch = max(1, _BATCH_BYTES // (8 * k * (k + q)))
    z_parts, det_parts, good_parts = [], [], []
    for start in range(0, primes.shape[0], batch):
        ps_batch = primes[start : start + batch]
        res = _residues(flat, ps_batch)
        M = np.empty((ps_batch.shape[0], k, k + q), dtype=np.int64)
        M[:, :, :k] = res[:, : k * k].reshape(-1, k, k)
        M[:, :, k:] = res[:, k * k :].reshape(-1, k, q)
        z_b, det_b, bad_b = _eliminate(M, ps_batch, k)
        keep = ~bad_b
        z_parts.append(z_b[keep])
        det_parts.append(det_b[keep])
        good_parts.append(ps_batch[keep])
        if sum(g.shape[0] for g in good_parts) >= needed:
            break
    z = np.concatenate(z_parts)[:needed]
    det = np.concatenate(det_parts)[:needed]
    good_primes = np.concatenate(good_parts)[:needed]
    if good_primes.shape[0] < needed:
        return None
    ps = [int(v) for v in good_primes]
    modulus = math.prod(ps)
    # Garner-free CRT: x = Σ r_i · c_i mod M, c_i = (M/p_i) · ((M/p_i)⁻¹ mod p_i).
    coef = [(modulus // pi) * pow(modulus // pi % pi, -1, pi) for pi in ps]
    half = modulus >> 1

    def lift(residues: list[int]) -> int:
        x: int = sum(map(operator.mul, residues, coef)) % modulus
        return x - modulus if x > half else x

    det_value = lift(det.tolist())
    num_modp = z * det[:, None, None] % good_primes[:, None, None]  # (m, k, q)
    numerators = [[lift(num_modp[:, j, o].tolist()) for j in range(k)] for o in range(q)]
    if det_value == 0:
        return None
    # The certificate: exact integers, independent of the bound and of the primes.
    for o in range(q):
        num_o = numerators[o]
        for i in range(k):
            if sum(map(operator.mul, system[i], num_o)) != det_value * rhs[o][i]:
                return None
    return numerators, det_value
