"""The least-squares reference over row blocks: designs that are memmaps or dask arrays.

The answer is the in-memory :func:`~pytest_linreg.reference.ols`'s: the exact least-squares
solution of the float64 data, rounded, whatever the chunking (its accumulations are merged
without error and its refinement converges to that rounding, not to anything the chunking
shapes). Only small results travel between passes; nothing of length n is kept.

1. **Survey** (one pass): finiteness, and the column norms that equilibrate the design by
   powers of two, exactly as in memory.
2. **TSQR** (one pass): each block's QR ``A_i = Q_i R_i``, then ``[R_1; …; R_m] = Q̂ R``, so
   that ``A = diag(Q_i)·Q̂·R`` and ``Q₁ = diag(Q_i)·Q̂`` (Demmel, Grigori, Hoemmen & Langou,
   "Communication-optimal parallel and sequential QR and LU factorizations", SIAM J. Sci.
   Comput. 34(1), 2012, §3). The same pass gives ``Q₁ᵀb``, hence the QR solution ``x₀``.
3. **Refinement** (one pass a step): Björck's refinement of the augmented system
   ``[I A; Aᵀ 0][r; x] = [b; 0]`` (Björck 1996, §2.9.2), as in memory, with residuals in
   double-double (:mod:`pytest_linreg._extended`). Its residual ``r`` is not stored: after a
   step, ``r + dr = r + f − Q₁v = b − A x − Q₁v`` for the ``x`` and ``v = Q₁ᵀf − R⁻ᵀg`` of
   that step, so each pass rebuilds ``r`` block by block from two k-vectors as
   ``(b − A x)`` in double-double minus ``Q_i Q̂_i v`` (each block's ``Q_i`` recomputed). This
   is the in-memory iteration but for rounding: its first residual is ``b − A x₀`` in
   double-double (in memory, rounded to float64), and the later ones differ by ``O(u)`` of
   the correction ``Q₁v``, as a rounded ``dr`` does in memory. Both converge to the same
   fixed point, and the same rule certifies the rounding, so every certified parameter
   agrees bit for bit. (A parameter certified only absolutely, on a problem too large for
   the exact fallback, is within its stated bound on either path, not necessarily the same
   bits.)
   ``g = −Aᵀr`` is merged across blocks from unrounded accumulators by ``math.fsum``.
4. **Statistics** (one pass): residual and total sums of squares at the answer.

The stopping rules and error estimates are the in-memory ones (:class:`StepJudge`); a problem
that does not converge falls back, as in memory, to the exact path when it is small
(``n·k ≤ reference.EXACT_FALLBACK_LIMIT``: it is then read whole) and otherwise warns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import reference
from ._extended import (
    ScaledDesign,
    augmented_residual_parts,
    dd_add,
    residual_dd,
    sum_g,
)
from ._row_blocks import RowBlocks
from ._validation import check_parameters_fit
from .reference import (
    OLSResult,
    StepJudge,
    _householder_qr,
    _minimum_norm,
    _pow2_exponents,
    _Problem,
    _representable,
    _result,
    _solve_float,
    _solve_lower_t,
    _solve_upper,
    _wy_factor,
    check_equilibrable,
    needs_triple,
    rank_and_condition,
    refined_relative_error,
    rounded_parameters,
    warn_not_converged,
)

__all__ = ["solve_chunked"]

FloatArray = npt.NDArray[np.float64]

_U = float(np.finfo(np.float64).eps) / 2  # unit roundoff of binary64


@dataclass(frozen=True)
class _Scaling:
    """Powers of two that equilibrate the design's columns and scale each output (picklable)."""

    scale: FloatArray  # 2**-col_exp, intercept first
    fit_intercept: bool
    y_exp: npt.NDArray[np.int64]  # y / 2**y_exp per output (ldexp: no overflow for tiny y)

    def design(self, X: FloatArray) -> FloatArray:
        """The block's equilibrated design, transposed: ``(k, m)``, C-contiguous."""
        return ScaledDesign(X, self.scale, self.fit_intercept).transposed()

    def response(self, Y: FloatArray, output: int | None = None) -> FloatArray:
        """The block's scaled response of ``output`` (``(m,)``), or of all (``(m, q)``)."""
        out: FloatArray = (
            np.ldexp(Y, -self.y_exp[None, :])
            if output is None
            else np.ldexp(Y[:, output], -self.y_exp[output])
        )
        return out


def solve_chunked(
    source: RowBlocks, fit_intercept: bool, names: tuple[str, ...]
) -> list[OLSResult]:
    """One :class:`OLSResult` per output of the blocked problem (see the module docstring)."""
    n, p, q = source.n, source.p, source.q
    check_parameters_fit(n, p, fit_intercept)
    surveys = source.map(_survey, None)
    _raise_first_non_finite(surveys, source)
    col_exp, _ = _merged_norms([s[1] for s in surveys], [s[2] for s in surveys])
    y_exp, y_scaled_norms = _merged_norms([s[3] for s in surveys], [s[4] for s in surveys])
    if fit_intercept:
        col_exp = np.concatenate([_pow2_exponents(np.array([math.sqrt(n)])), col_exp])
    labels = (("intercept",) if fit_intercept else ()) + names
    check_equilibrable(col_exp, labels)
    scaling = _Scaling(np.ldexp(1.0, -col_exp), fit_intercept, y_exp)
    factors = source.map(_factor, None, scaling)
    factor = _Factor.merge(factors, y_scaled_norms)
    rank, condition = rank_and_condition(factor.R)
    results = []
    for j in range(q):
        problem = _ChunkedProblem(
            source, scaling, factor, j, names, labels, col_exp, int(y_exp[j]), rank, condition
        )
        results.append(_solve_output(problem))
    return results


# --------------------------------------------------------------------------- kernels
# Module-level functions of the blocks and small arguments: dask ships them to its workers.


def _survey(
    X: FloatArray, Y: FloatArray, _arg: None
) -> tuple[tuple[str, int, int] | None, Any, Any, Any, Any]:
    """First non-finite entry, and each column's sum of squares as ``(exponents, scaled sums)``."""
    bad = None
    for what, arr in (("X", X), ("y", Y)):
        finite = np.isfinite(arr)
        if not finite.all():
            row, col = np.argwhere(~finite)[0]
            bad = (what, int(row), int(col))
            break
    return (bad, *_scaled_sums_of_squares(X), *_scaled_sums_of_squares(Y))


def _scaled_sums_of_squares(M: FloatArray) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """``e`` and ``s`` with ``Σ M[:, j]² = s_j · 4**e_j``, free of over- and underflow."""
    big = np.max(np.abs(M), axis=0) if M.shape[0] else np.zeros(M.shape[1])
    exps = _pow2_exponents(big)
    scaled = np.ldexp(M, -exps[None, :])
    return exps, np.einsum("ij,ij->j", scaled, scaled)


class _BlockQR:
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
        """``Q_i v`` for ``v`` of length ``min(m, k)`` (the first columns of ``Q_i``)."""
        if self.m < self.k:
            out: FloatArray = self.Q @ v
            return out
        z = np.zeros(self.m)
        z[: self.k] = v
        z -= self.V.T @ (self.T @ (self.V @ z))
        return z


def _factor(X: FloatArray, Y: FloatArray, _arg: None, scaling: _Scaling) -> tuple[Any, ...]:
    """The block's ``R_i``, ``Q_iᵀ b`` of each output, and each output's sum."""
    qr = _BlockQR(scaling.design(X))
    B = scaling.response(Y)
    return qr.R, qr.qt(B), B.sum(axis=0)


def _refine_block(
    X: FloatArray,
    Y: FloatArray,
    Q_hat_i: FloatArray,
    scaling: _Scaling,
    output: int,
    state: _State,
    triple: bool,
) -> tuple[FloatArray, FloatArray, float]:
    """The block's part of one refinement step: ``g``'s accumulators, ``Q₁ᵀf``'s terms, ‖r‖²."""
    AT = scaling.design(X)
    b = scaling.response(Y, output)
    qr = _BlockQR(AT)  # the factor pass's, recomputed: the same data give the same Q
    base_hi, base_lo = residual_dd(AT, b, state.x_prev_hi, state.x_prev_lo)
    r_hi, r_lo = dd_add(base_hi, base_lo, -qr.q(Q_hat_i @ state.v))
    f, g_part = augmented_residual_parts(AT, b, r_hi, r_lo, state.x_hi, state.x_lo, triple=triple)
    return g_part, Q_hat_i.T @ qr.qt(f), float(r_hi @ r_hi)


def _sums_of_squares_block(
    X: FloatArray,
    Y: FloatArray,
    _arg: None,
    scaling: _Scaling,
    output: int,
    x_hi: FloatArray,
    x_lo: FloatArray,
    mean: float,
) -> tuple[float, float]:
    """The block's residual sum of squares at ``x`` and its total sum about ``mean``."""
    AT = scaling.design(X)
    b = scaling.response(Y, output)
    r_hi, r_lo = residual_dd(AT, b, x_hi, x_lo)
    r = r_hi + r_lo
    d = b - mean
    return float(r @ r), float(d @ d)


# --------------------------------------------------------------------------- merging


def _raise_first_non_finite(surveys: list[Any], source: RowBlocks) -> None:
    for start, survey in zip(source.starts, surveys, strict=True):
        if survey[0] is not None:
            what, row, col = survey[0]
            where = f"[{start + row}, {col}]" if what == "X" or source.q > 1 else f"[{start + row}]"
            raise ValueError(
                f"{what} holds a NaN or inf at {where} ({source.description}); "
                "remove or impute it first"
            )


def _merged_norms(
    exps: list[Any], sums: list[Any]
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Each column's norm exponent ``e`` and scaled norm ``‖·‖ / 2**e`` (in [0.5, 1)).

    From each block's ``(exponents, scaled sums of squares)``, never forming a norm that
    over- or underflows (a response of 1e308s, a column of 1e-300s).
    """
    E = np.max(np.stack(exps), axis=0)
    total = sum(np.ldexp(s, 2 * (e - E)) for e, s in zip(exps, sums, strict=True))
    mantissa, shift = np.frexp(np.sqrt(total))
    return np.where(total > 0, E + shift, 0).astype(np.int64), mantissa


@dataclass(frozen=True)
class _Factor:
    """``R``, the blocks of ``Q̂``, ``Q₁ᵀB`` (k × q), and each output's sum and 2-norm."""

    R: FloatArray
    Q_hat: list[FloatArray]
    QtB: FloatArray
    sums: FloatArray
    b_norms: FloatArray

    @classmethod
    def merge(cls, factors: list[Any], b_norms: FloatArray) -> _Factor:
        R_stack = np.concatenate([f[0] for f in factors], axis=0)
        Q_hat, R = np.linalg.qr(R_stack)
        heights = np.cumsum([f[0].shape[0] for f in factors])[:-1]
        blocks = np.split(Q_hat, heights, axis=0)
        QtB = sum(Qi.T @ f[1] for Qi, f in zip(blocks, factors, strict=True))
        sums = np.array([math.fsum(v) for v in np.stack([f[2] for f in factors], axis=1)])
        return cls(R, blocks, np.asarray(QtB), sums, b_norms)


@dataclass(frozen=True)
class _State:
    """One refinement step's inputs: ``x`` and the k-vectors that define ``r`` implicitly.

    ``r = (b − A x_prev)`` (double-double) ``− Q₁ v`` (see the module docstring).
    """

    x_prev_hi: FloatArray
    x_prev_lo: FloatArray
    v: FloatArray
    x_hi: FloatArray
    x_lo: FloatArray


# --------------------------------------------------------------------------- solving


class _ChunkedProblem:
    """One output of the blocked problem, with what the result builders need (ProblemInfo)."""

    alpha = 0.0
    weights: FloatArray | None = None  # blocked problems are unweighted
    w_exp = 0

    def __init__(
        self,
        source: RowBlocks,
        scaling: _Scaling,
        factor: _Factor,
        output: int,
        names: tuple[str, ...],
        labels: tuple[str, ...],
        col_exp: npt.NDArray[np.int64],
        y_exp: int,
        rank: int,
        condition_number: float,
    ) -> None:
        self.source, self.scaling, self.factor, self.output = source, scaling, factor, output
        self.n, self.k = source.n, factor.R.shape[1]
        self.fit_intercept = scaling.fit_intercept
        self.names, self.labels, self.col_exp, self.y_exp = names, labels, col_exp, y_exp
        self.R = factor.R
        self.rank, self.condition_number = rank, condition_number
        self._sums: dict[bytes, tuple[float, float]] = {}

    def projected_response(self) -> FloatArray:
        out: FloatArray = self.factor.QtB[:, self.output]
        return out

    def initial_residual_norm(self) -> float:
        """``‖r₀‖`` of the QR solution, from ``‖r₀‖² = ‖b‖² − ‖Q₁ᵀb‖²`` without a pass.

        It only chooses the accumulation's precision (as ``‖r₀‖`` does in memory); a margin
        for the cancellation makes it err towards the more accurate mode.
        """
        b2 = self.factor.b_norms[self.output] ** 2
        c = self.projected_response()
        return math.sqrt(max(b2 - float(c @ c), 0.0) + 8 * self.k * _U * b2)

    def sums_of_squares(self, x_hi: FloatArray, x_lo: FloatArray) -> tuple[float, float]:
        """Residual and total sums of squares at ``x`` (one pass; kept for the last ``x``)."""
        key = x_hi.tobytes() + x_lo.tobytes()
        if key not in self._sums:
            mean = float(self.factor.sums[self.output]) / self.n if self.fit_intercept else 0.0
            parts = self.source.map(
                _sums_of_squares_block, None, self.scaling, self.output, x_hi, x_lo, mean
            )
            self._sums = {key: (math.fsum(p[0] for p in parts), math.fsum(p[1] for p in parts))}
        return self._sums[key]

    def residual_sum_of_squares(self, x: FloatArray) -> float:
        return self.sums_of_squares(x, np.zeros_like(x))[0]

    def total_sum_of_squares(self) -> float:
        if not self._sums:
            zeros = np.zeros(self.k)
            return self.sums_of_squares(zeros, zeros)[1]
        return next(iter(self._sums.values()))[1]

    def unscale(self, x_scaled: FloatArray) -> FloatArray:
        with np.errstate(over="ignore"):  # checked by _representable
            return _representable(np.ldexp(x_scaled, self.y_exp - self.col_exp), self.labels)


def _solve_output(pb: _ChunkedProblem) -> OLSResult:
    small = pb.n * pb.k <= reference.EXACT_FALLBACK_LIMIT
    if pb.rank < pb.k:
        # Near the rank cut-off TSQR's R and the in-memory R can fall on either side of it:
        # a small problem is decided as in memory (exactly, where refinement fails).
        return _solve_in_memory(pb) if small else _minimum_norm(pb)
    judge, state, steps = _refine(pb)
    params, uncertain = rounded_parameters(pb, state.x_hi, state.x_lo, judge.est)
    if (not judge.converged or judge.only_absolute or uncertain) and small:
        return _solve_in_memory(pb)
    rel = refined_relative_error(state.x_hi, judge.est)
    if not judge.converged:
        warn_not_converged(pb, params, rel, judge.est, steps)
    rss, tss = pb.sums_of_squares(state.x_hi, state.x_lo)
    return _result(pb, params, rss, tss, pb.rank, rel, "refined-qr", judge.converged, steps)


def _solve_in_memory(pb: _ChunkedProblem) -> OLSResult:
    """A small problem read whole and solved in memory (rank decided there, exact fallback)."""
    X, Y = pb.source.materialise()
    return _solve_float(_Problem(X, pb.fit_intercept, pb.names).with_response(Y[:, pb.output]))


def _refine(pb: _ChunkedProblem) -> tuple[StepJudge, _State, int]:
    """Björck's refinement over the blocks, one pass a step (see the module docstring)."""
    k, factor = pb.k, pb.factor
    x0 = _solve_upper(pb.R, pb.projected_response())
    zeros = np.zeros(k)
    state = _State(x0, zeros, zeros, x0, zeros)
    rnorm = pb.initial_residual_norm()
    triple = needs_triple(pb.condition_number, k, rnorm, x0)
    judge = StepJudge(pb.R, pb.condition_number, x0, rnorm, triple)
    steps = 0
    for steps in range(1, reference.MAX_REFINEMENT_STEPS + 1):
        parts = pb.source.map(
            _refine_block, factor.Q_hat, pb.scaling, pb.output, state, judge.triple
        )
        g = sum_g([p[0] for p in parts])
        c1 = np.sum([p[1] for p in parts], axis=0)
        # The residual's norm, measured (the estimate above only chose the precision).
        judge.residual_norm = math.sqrt(math.fsum(p[2] for p in parts))
        v = c1 - _solve_lower_t(pb.R, g)
        dx = _solve_upper(pb.R, v)
        x_hi, x_lo = dd_add(state.x_hi, state.x_lo, dx)
        state = _State(state.x_hi, state.x_lo, v, x_hi, x_lo)
        if judge.stop(steps, dx, x_hi, x_lo):
            break
    return judge, state, steps
