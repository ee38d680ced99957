"""The least-squares reference over row blocks: designs that are memmaps or dask arrays.

The answer is the in-memory :func:`~pytest_linreg.reference.ols`'s: the exact least-squares
solution of the float64 data, rounded, whatever the chunking (its accumulations are merged
without error and its refinement converges to that rounding, not to anything the chunking
shapes). Only small results travel between passes; nothing of length n is kept.

1. **Survey** (one pass): finiteness (and weights ≥ 0), and the column norms that
   equilibrate the design by powers of two, as in memory.
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

Weighted and ridge problems (``sample_weight``, ``alpha``) follow the in-memory float path:
the preconditioner is the QR of ``[√W A; √Λ]`` (TSQR of ``√W A``, the rows ``√Λ`` joining the
second stage) and ``r = b − A x`` is rebuilt in double-double each pass (see :func:`_refine`).

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
from ._tsqr import BlockQR
from ._validation import check_parameters_fit
from .reference import (
    OLSResult,
    StepJudge,
    _minimum_norm,
    _penalty,
    _pow2_exponents,
    _representable,
    _result,
    _solve_lower_t,
    _solve_upper,
    check_equilibrable,
    needs_triple,
    one_output,
    penalty_terms,
    rank_and_condition,
    refined_relative_error,
    rounded_parameters,
    warn_not_converged,
    weighted_residual,
)

__all__ = ["solve_chunked"]

FloatArray = npt.NDArray[np.float64]

_U = float(np.finfo(np.float64).eps) / 2  # unit roundoff of binary64


@dataclass(frozen=True)
class _Scaling:
    """Powers of two that equilibrate the design's columns and scale each output (picklable).

    With weights (Y's last column) they are scaled by ``2**-w_exp`` into (0, 1], as in memory.
    """

    scale: FloatArray  # 2**-col_exp, intercept first
    fit_intercept: bool
    y_exp: npt.NDArray[np.int64]  # y / 2**y_exp per output (ldexp: no overflow for tiny y)
    w_exp: int | None = None  # None: unweighted

    def counted_rows(self, X: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The block with its rows of zero weight zeroed: they do not count (in memory they
        are dropped), and their values, however large, must not reach the scaling."""
        if self.w_exp is None:
            return X, Y
        dead = Y[:, -1] == 0
        if not dead.any():
            return X, Y
        Y = Y.copy()
        Y[dead, :-1] = 0.0
        return np.where(dead[:, None], 0.0, X), Y

    def weights(self, Y: FloatArray) -> FloatArray:
        """The block's scaled weights (ones when unweighted)."""
        if self.w_exp is None:
            return np.ones(Y.shape[0])
        out: FloatArray = np.ldexp(Y[:, -1], -self.w_exp)
        return out

    def design(self, X: FloatArray) -> FloatArray:
        """The block's equilibrated design, transposed: ``(k, m)``, C-contiguous."""
        return ScaledDesign(X, self.scale, self.fit_intercept).transposed()

    def response(self, Y: FloatArray, output: int | None = None) -> FloatArray:
        """The block's scaled response of ``output`` (``(m,)``), or of all (``(m, q)``)."""
        q = self.y_exp.shape[0]
        out: FloatArray = (
            np.ldexp(Y[:, :q], -self.y_exp[None, :])
            if output is None
            else np.ldexp(Y[:, output], -self.y_exp[output])
        )
        return out


def solve_chunked(
    source: RowBlocks, fit_intercept: bool, names: tuple[str, ...], alpha: float = 0.0
) -> list[OLSResult]:
    """One :class:`OLSResult` per output of the blocked problem (see the module docstring).

    With weights (``source.weighted``) or a ridge penalty ``alpha`` the problem is the one
    :func:`~pytest_linreg.ols` solves in memory: rows of zero weight do not count, the
    preconditioner is the QR of ``[√W A; √Λ]`` (TSQR of the weighted blocks, the penalty rows
    added in the last stage), and each pass rebuilds ``r = b − A x`` in double-double.
    """
    p, q = source.p, source.q
    surveys = source.map(_survey, None, q, source.weighted)
    _raise_first_bad_value(surveys, source)
    n = sum(s[5][0] for s in surveys) if source.weighted else source.n
    if source.weighted and n == 0:
        raise ValueError("sample_weight is zero everywhere: no observation is weighted")
    if alpha == 0.0:
        check_parameters_fit(n, p, fit_intercept)
    col_exp, _ = _merged_norms([s[1] for s in surveys], [s[2] for s in surveys])
    y_exp, _ = _merged_norms([s[3] for s in surveys], [s[4] for s in surveys])
    w_exp = None
    intercept_norm = math.sqrt(n)
    if source.weighted:
        w_exp = int(np.frexp(max(s[5][2] for s in surveys))[1])
        intercept_norm = math.sqrt(math.fsum(s[5][1] for s in surveys))
    if fit_intercept:
        col_exp = np.concatenate([_pow2_exponents(np.array([intercept_norm])), col_exp])
    labels = (("intercept",) if fit_intercept else ()) + names
    check_equilibrable(col_exp, labels)
    lam = _penalty(alpha, col_exp, fit_intercept, w_exp or 0)
    scaling = _Scaling(np.ldexp(1.0, -col_exp), fit_intercept, y_exp, w_exp)
    factor = _Factor.merge(source.map(_factor, None, scaling), lam)
    rank, condition = rank_and_condition(factor.R)
    results = []
    for j in range(q):
        problem = _ChunkedProblem(
            source, scaling, factor, j, names, labels, col_exp, int(y_exp[j]), rank, condition,
            n, alpha, lam,
        )
        results.append(_solve_output(problem))
    return results


# --------------------------------------------------------------------------- kernels
# Module-level functions of the blocks and small arguments: dask ships them to its workers.


def _survey(
    X: FloatArray, Y: FloatArray, _arg: None, q: int, weighted: bool
) -> tuple[Any, ...]:
    """First bad entry; each column's sum of squares as ``(exponents, scaled sums)``
    (X's weighted by the weights, as in memory); and the weights' (count > 0, sum, max)."""
    bad = None
    W = Y[:, q] if weighted else None
    for what, arr in (("X", X), ("y", Y[:, :q]), ("sample_weight", W)):
        if arr is None:
            continue
        finite = np.isfinite(arr)
        if not finite.all():
            where = np.argwhere(~finite)[0]
            bad = (what, int(where[0]), int(where[1]) if arr.ndim == 2 else -1, "a NaN or inf")
            break
    if bad is None and W is not None and np.any(W < 0):
        row = int(np.flatnonzero(W < 0)[0])
        bad = ("sample_weight", row, -1, f"the negative weight {float(W[row])!r}")
    weight_stats = None
    design, response = X, Y[:, :q]
    if W is not None and bad is None:
        weight_stats = (int(np.count_nonzero(W > 0)), float(np.sum(W)), float(np.max(W, initial=0)))
        # √W·2**-s with s the block's largest √w exponent: √w·x cannot overflow, and the
        # exponents (shifted back by s) are those of √W·X, exactly as in memory.
        root = np.sqrt(W)
        shift = int(_pow2_exponents(np.array([float(np.max(root, initial=0.0))]))[0])
        exps, sums = _scaled_sums_of_squares(X * np.ldexp(root, -shift)[:, None])
        response = np.where((W > 0)[:, None], response, 0.0)  # uncounted rows: not in y's scale
        return (bad, exps + shift, sums, *_scaled_sums_of_squares(response), weight_stats)
    return (bad, *_scaled_sums_of_squares(design), *_scaled_sums_of_squares(response),
            weight_stats)


def _scaled_sums_of_squares(M: FloatArray) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """``e`` and ``s`` with ``Σ M[:, j]² = s_j · 4**e_j``, free of over- and underflow."""
    big = np.max(np.abs(M), axis=0) if M.shape[0] else np.zeros(M.shape[1])
    exps = _pow2_exponents(big)
    scaled = np.ldexp(M, -exps[None, :])
    return exps, np.einsum("ij,ij->j", scaled, scaled)


def _factor(X: FloatArray, Y: FloatArray, _arg: None, scaling: _Scaling) -> tuple[Any, ...]:
    """The block's ``R_i`` of ``√W A``, ``Q_iᵀ √W b``, and per output ``Σ w b``, ``Σ w b²``;
    ``Σ w``."""
    X, Y = scaling.counted_rows(X, Y)
    w = scaling.weights(Y)
    B = scaling.response(Y)
    if scaling.w_exp is None:
        qr = BlockQR(scaling.design(X))
        return qr.R, qr.qt(B), B.sum(axis=0), float(B.shape[0]), np.einsum("ij,ij->j", B, B)
    root = np.sqrt(w)
    qr = BlockQR(scaling.design(X) * root)
    return qr.R, qr.qt(B * root[:, None]), w @ B, float(np.sum(w)), w @ (B * B)


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
    qr = BlockQR(AT)  # the factor pass's, recomputed: the same data give the same Q
    base_hi, base_lo = residual_dd(AT, b, state.x_prev_hi, state.x_prev_lo)
    r_hi, r_lo = dd_add(base_hi, base_lo, -qr.q(Q_hat_i @ state.v))
    f, g_part = augmented_residual_parts(AT, b, r_hi, r_lo, state.x_hi, state.x_lo, triple=triple)
    return g_part, Q_hat_i.T @ qr.qt(f), float(r_hi @ r_hi)


def _refine_weighted_block(
    X: FloatArray,
    Y: FloatArray,
    Q_hat_i: FloatArray,
    scaling: _Scaling,
    output: int,
    state: _State,
    triple: bool,
) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    """A weighted or penalised step's block part: ``g``'s accumulators of ``Aᵀ(p + s)``,
    ``Q₁ᵀ√W f``'s terms, ``Σ w r²``, and ``Aᵀt`` (``W r = p + s + t``, as in memory)."""
    X, Y = scaling.counted_rows(X, Y)
    AT = scaling.design(X)
    b = scaling.response(Y, output)
    w = scaling.weights(Y)
    root = np.sqrt(w)
    qr = BlockQR(AT * root)  # the factor pass's, recomputed
    r_hi, r_lo = residual_dd(AT, b, state.x_hi, state.x_lo)
    p, s, tail = weighted_residual(w, r_hi, r_lo)
    f, g_part = augmented_residual_parts(
        AT, b, r_hi, r_lo, state.x_hi, state.x_lo, triple=triple, g_vector=(p, s)
    )
    return g_part, Q_hat_i.T @ qr.qt(f * root), float((w * r_hi) @ r_hi), AT @ tail


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
    X, Y = scaling.counted_rows(X, Y)
    AT = scaling.design(X)
    b = scaling.response(Y, output)
    w = scaling.weights(Y)
    r_hi, r_lo = residual_dd(AT, b, x_hi, x_lo)
    r = r_hi + r_lo
    d = b - mean
    return float((w * r) @ r), float((w * d) @ d)


# --------------------------------------------------------------------------- merging


def _raise_first_bad_value(surveys: list[Any], source: RowBlocks) -> None:
    for start, survey in zip(source.starts, surveys, strict=True):
        if survey[0] is not None:
            what, row, col, value = survey[0]
            two_d = what == "X" or (what == "y" and source.q > 1)
            where = f"[{start + row}, {col}]" if two_d else f"[{start + row}]"
            advice = (
                "weighted least squares needs weights ≥ 0"
                if value.startswith("the negative")
                else "remove or impute it first"
            )
            raise ValueError(f"{what} holds {value} at {where} ({source.description}); {advice}")


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
    """``R``, the blocks of ``Q̂``, ``Q₁ᵀ√W B`` (k × q); per output ``Σ w b`` and ``‖√W b‖``;
    ``Σ w`` (weights scaled; ``n`` unweighted)."""

    R: FloatArray
    Q_hat: list[FloatArray]
    QtB: FloatArray
    sums: FloatArray
    b_norms: FloatArray
    weight_sum: float

    @classmethod
    def merge(cls, factors: list[Any], lam: FloatArray | None) -> _Factor:
        """The second TSQR stage; the penalty's rows ``√Λ`` join the stacked factors."""
        stacked = [f[0] for f in factors]
        if lam is not None:  # [√W A; √Λ]: one row per penalised column (as in memory)
            penalised = np.flatnonzero(lam)
            rows = np.zeros((penalised.size, lam.shape[0]))
            rows[np.arange(penalised.size), penalised] = np.sqrt(lam[penalised])
            stacked.append(rows)
        Q_hat, R = np.linalg.qr(np.concatenate(stacked, axis=0))
        heights = np.cumsum([r.shape[0] for r in stacked])[:-1]
        blocks = np.split(Q_hat, heights, axis=0)[: len(factors)]
        QtB = sum(Qi.T @ f[1] for Qi, f in zip(blocks, factors, strict=True))
        per_output = [np.stack([f[i] for f in factors], axis=1) for i in (2, 4)]
        sums, squares = ([math.fsum(v) for v in a] for a in per_output)
        weight_sum = math.fsum(f[3] for f in factors)
        b_norms = np.sqrt(np.array(squares))
        return cls(R, blocks, np.asarray(QtB), np.array(sums), b_norms, weight_sum)


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
        n: int,
        alpha: float,
        lam: FloatArray | None,
    ) -> None:
        self.source, self.scaling, self.factor, self.output = source, scaling, factor, output
        self.n, self.k = n, factor.R.shape[1]  # n: rows of positive weight
        self.fit_intercept = scaling.fit_intercept
        self.names, self.labels, self.col_exp, self.y_exp = names, labels, col_exp, y_exp
        self.R = factor.R
        self.rank, self.condition_number = rank, condition_number
        self.alpha, self.lam = alpha, lam
        self.w_exp = scaling.w_exp or 0
        self._sums: dict[bytes, tuple[float, float]] = {}

    @property
    def weighted(self) -> bool:
        return self.scaling.w_exp is not None

    @property
    def plain(self) -> bool:
        """Least squares without weights or penalty (Björck's refinement with Q₁v)."""
        return not self.weighted and self.lam is None

    def projected_response(self) -> FloatArray:
        out: FloatArray = self.factor.QtB[:, self.output]
        return out

    def initial_residual_norm(self) -> float:
        """``‖r₀‖`` of the QR solution, from ``‖r₀‖² = ‖b‖² − ‖Q₁ᵀb‖²`` without a pass.

        It only chooses the accumulation's precision (as ``‖r₀‖`` does in memory); a margin
        for the cancellation makes it err towards the more accurate mode.
        """
        b2 = self.factor.b_norms[self.output] ** 2  # ‖√W b‖²: ‖[√W r; √Λ x]‖² + ‖Q₁ᵀ√W b‖²
        c = self.projected_response()
        return math.sqrt(max(b2 - float(c @ c), 0.0) + 8 * self.k * _U * b2)

    def sums_of_squares(self, x_hi: FloatArray, x_lo: FloatArray) -> tuple[float, float]:
        """Residual and total sums of squares at ``x`` (one pass; kept for the last ``x``)."""
        key = x_hi.tobytes() + x_lo.tobytes()
        if key not in self._sums:
            total = self.factor.sums[self.output]
            mean = float(total) / self.factor.weight_sum if self.fit_intercept else 0.0
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
    weights = Y[:, -1] if pb.weighted else None
    result = reference.ols(
        X, Y[:, pb.output], fit_intercept=pb.fit_intercept, feature_names=pb.names,
        sample_weight=weights, alpha=pb.alpha,
    )
    return one_output(result)


def _refine(pb: _ChunkedProblem) -> tuple[StepJudge, _State, int]:
    """Björck's refinement over the blocks, one pass a step (see the module docstring).

    With weights or a penalty the in-memory refinement's residual update is ``dr = f − A dx``,
    so its ``r`` is ``b − A x`` itself: each pass rebuilds it in double-double from ``x``
    alone, and ``g = Λx − AᵀW r`` is formed as in memory (``W r`` by TwoProduct and TwoSum,
    ``Λx`` as exact products).
    """
    k, factor = pb.k, pb.factor
    x0 = _solve_upper(pb.R, pb.projected_response())
    zeros = np.zeros(k)
    state = _State(x0, zeros, zeros, x0, zeros)
    rnorm = pb.initial_residual_norm()
    triple = needs_triple(pb.condition_number, k, rnorm, x0)
    judge = StepJudge(pb.R, pb.condition_number, x0, rnorm, triple)
    steps = 0
    for steps in range(1, reference.MAX_REFINEMENT_STEPS + 1):
        kernel = _refine_block if pb.plain else _refine_weighted_block
        parts = pb.source.map(kernel, factor.Q_hat, pb.scaling, pb.output, state, judge.triple)
        addends: list[FloatArray] = []
        if not pb.plain:
            addends.append(-np.sum([p[3] for p in parts], axis=0))  # −Aᵀ(W r's last part)
            if pb.lam is not None:
                addends.extend(penalty_terms(pb.lam, state.x_hi, state.x_lo))
        g = sum_g([p[0] for p in parts], tuple(addends))
        c1 = np.sum([p[1] for p in parts], axis=0)
        # The residual's norm, measured (the estimate above only chose the precision).
        penalty = 0.0 if pb.lam is None else float(pb.lam @ (state.x_hi * state.x_hi))
        judge.residual_norm = math.sqrt(math.fsum(p[2] for p in parts) + penalty)
        v = c1 - _solve_lower_t(pb.R, g)
        dx = _solve_upper(pb.R, v)
        x_hi, x_lo = dd_add(state.x_hi, state.x_lo, dx)
        state = _State(state.x_hi, state.x_lo, v, x_hi, x_lo)
        if judge.stop(steps, dx, x_hi, x_lo):
            break
    return judge, state, steps
