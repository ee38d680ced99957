"""Accurate ordinary-least-squares reference solver.

Two paths behind :func:`ols`:

* **float path** (default): Householder QR of the design, equilibrated by powers of two (so the
  scaled problem has exactly the same solution), then iterative refinement of the augmented
  system ``[I A; Aᵀ 0][r; x] = [b; 0]`` (Å. Björck, "Iterative refinement of linear least
  squares solutions I", BIT 7, 1967; Björck, *Numerical Methods for Least Squares Problems*,
  SIAM 1996, §2.9). The residuals of that system are accumulated in double-double or better
  (:mod:`pytest_linreg._extended`), and ``x`` and ``r`` are kept as double-double sums, so
  the answer is the *exact* least-squares solution of the float64 data, rounded: refinement
  stops only when a bound on the remaining corrections of every parameter is below 1/32 of
  its ulp and below its distance to a rounding boundary (:class:`StepJudge`), so the rounding
  is certified. Measured against a rational oracle: 0 ulps on all 11 NIST designs, on 180
  random designs of condition number up to 1e14 and on 240 more (and their near-ties, exact
  values within 3e-9 ulp of a midpoint) from an independent review. When refinement cannot
  certify its answer (κ·u near 1), problems with ``n·k <= EXACT_FALLBACK_LIMIT`` (2e5) are
  solved exactly instead and larger ones warn (:class:`IllConditionedWarning`) with the
  estimated error; never silently wrong. A parameter the residuals cannot resolve to 1/32
  ulp (an exactly zero coefficient, one tiny beside the others, one within the fixed point's
  error of a rounding midpoint: see :meth:`StepJudge.stop`) is solved exactly when small;
  on larger problems it is returned without a warning, its ``relative_error`` stating the
  absolute bound over its size (its last bit then not certified).
* **exact path** (``exact=True``): rational arithmetic (:mod:`pytest_linreg._exact`), correctly
  rounded.

Weighted least squares (``sample_weight``) and ridge (``alpha``) minimise
``Σ wᵢ (yᵢ − b − xᵢβ)² + α‖β‖²`` (the intercept ``b`` is not penalised, as in scikit-learn's
``Ridge``). The float path refines the augmented system ``[I A; AᵀW −Λ][r; x] = [b; 0]``
(``r = b − A x`` unweighted, ``Λ`` the penalty of each equilibrated column): its residuals are
computed in extended precision from the data, the weights and α as given, and the corrections
are solved with the QR factors of ``[√W A; √Λ]``, which only precondition — their rounding
(the square roots included) changes how fast refinement converges, not what it converges to
(Björck 1996, §2.9 for refinement of the augmented system; Golub & Van Loan, *Matrix
Computations*, 4th ed., §6.1 for weighting and ridge as stacked least squares). Rows of zero weight
are dropped (they do not change the solution). ``y`` of shape ``(n, k)`` gives ``k`` outputs
from one factorisation (:class:`MultiOutputResult`).

Rank: the design (intercept column included) is numerically rank deficient when a singular
value of the column-equilibrated design is at most :data:`RANK_RTOL_PER_COLUMN` · k · σ_max.
The float path then returns the minimum-norm solution of the equilibrated problem with a
:class:`RankDeficientWarning` naming the dependent columns; the exact path raises
:class:`RankDeficientError` when the data are exactly dependent.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ._canonical import first_of_largest
from ._exact import ExactSolution, exact_lstsq_outputs, fraction_sqrt
from ._extended import ScaledDesign, augmented_residuals, dd_add, split, two_sum
from ._outputs import SharedDesignOutputs
from ._row_blocks import is_out_of_core, row_blocks
from ._validation import (
    as_array,
    as_design,
    as_responses,
    as_sample_weight,
    check_alpha,
    check_parameters_fit,
    column_names,
)
from .errors import IllConditionedWarning, RankDeficientError, RankDeficientWarning

__all__ = [
    "EXACT_FALLBACK_LIMIT",
    "MAX_REFINEMENT_STEPS",
    "RANK_RTOL_PER_COLUMN",
    "MultiOutputResult",
    "OLSResult",
    "ols",
]

FloatArray = npt.NDArray[np.float64]

#: Problems with ``n · k`` up to this many entries are solved exactly when refinement fails.
EXACT_FALLBACK_LIMIT = 200_000
#: Cap on refinement steps after the initial QR solution.
MAX_REFINEMENT_STEPS = 12
#: Singular values below ``RANK_RTOL_PER_COLUMN · k · σ_max`` count as zero (equilibrated design):
#: ``numpy.linalg.matrix_rank``'s default ``eps · max(m, n) · σ_max`` applied to the k x k
#: factor R, which has the design's singular values (Golub & Van Loan 2013, §5.4.1).
RANK_RTOL_PER_COLUMN = float(np.finfo(np.float64).eps)

_U = float(np.finfo(np.float64).eps) / 2  # unit roundoff of binary64

_Pending = tuple[FloatArray, FloatArray]  # (f, u = Q1ᵀf − h) of a correction step


class ProblemInfo(Protocol):
    """What the result builders need of a factored problem, in memory or in chunks.

    ``R`` is the ``k × k`` triangular factor of the equilibrated design (of the preconditioner
    ``[√W A; √Λ]`` with weights or a penalty); the sums of squares are of the scaled response
    ``y / 2**y_exp`` (and scaled weights ``w / 2**w_exp``).
    """

    n: int
    k: int
    fit_intercept: bool
    names: tuple[str, ...]
    labels: tuple[str, ...]
    col_exp: npt.NDArray[np.int64]
    y_exp: int
    w_exp: int
    R: FloatArray
    rank: int
    condition_number: float
    alpha: float

    @property
    def weighted(self) -> bool: ...

    def projected_response(self) -> FloatArray: ...

    def residual_sum_of_squares(self, x: FloatArray) -> float: ...

    def total_sum_of_squares(self) -> float: ...

    def unscale(self, x_scaled: FloatArray) -> FloatArray: ...


def rank_and_condition(R: FloatArray) -> tuple[int, float]:
    """Numerical rank and 2-norm condition number of the design whose QR factor is ``R``.

    Both are of the column-equilibrated design (unit columns): the singular values of ``R``
    with its columns normalised, ranked against :data:`RANK_RTOL_PER_COLUMN` · k · σ_max.
    """
    k = R.shape[1]
    col_norms = np.linalg.norm(R, axis=0)
    col_norms[col_norms == 0] = 1.0
    sv_unit = np.linalg.svd(R / col_norms, compute_uv=False)
    smax = sv_unit[0]
    condition = float(smax / sv_unit[-1]) if sv_unit[-1] > 0 else math.inf
    return int(np.count_nonzero(sv_unit > RANK_RTOL_PER_COLUMN * k * smax)), condition


@dataclass(frozen=True)
class OLSResult:
    """The answer of :func:`ols`.

    Attributes
    ----------
    coef : ndarray (p,)
    intercept : float
        ``0.0`` when ``fit_intercept`` is false.
    rank : int
        Numerical rank of the design, intercept column included (exact rank on the exact path).
    condition_number : float
        2-norm condition number of the column-equilibrated design (unit-norm columns,
        intercept column included).
    residual_std : float
        ``sqrt(RSS / (n - rank))`` (``nan`` when ``n == rank``).
    r_squared : float
        Centred R² with an intercept, uncentred without (NIST's convention).
    relative_error : ndarray (p + fit_intercept,)
        Estimated relative error of each parameter (intercept first) before the final rounding
        to float64 (which adds at most half an ulp); ``0`` on the exact path.
    method : str
        ``"refined-qr"``, ``"exact"``, ``"exact-fallback"`` or ``"minimum-norm"``.
    converged : bool
        Whether the solver certified its answer to working precision.
    fit_intercept : bool
    feature_names : tuple of str
    n : int
        Number of observations.
    iterations : int
        Refinement steps taken after the initial QR solution (0 on the exact path).
    alpha : float
        The ridge penalty solved for (0 for least squares).
    weighted : bool
        Whether observation weights were given; ``n``, ``residual_std`` and ``r_squared`` are
        then those of the rows of positive weight, ``residual_std`` and ``r_squared`` weighted.
    """

    coef: FloatArray
    intercept: float
    rank: int
    condition_number: float
    residual_std: float
    r_squared: float
    relative_error: FloatArray
    method: str
    converged: bool
    fit_intercept: bool
    feature_names: tuple[str, ...]
    n: int
    iterations: int = 0
    alpha: float = 0.0
    weighted: bool = False

    @property
    def p(self) -> int:
        """Number of coefficients (the intercept not counted)."""
        return int(self.coef.shape[0])

    @property
    def params(self) -> FloatArray:
        """All parameters as one vector, intercept first when fitted."""
        if self.fit_intercept:
            return np.concatenate([[self.intercept], self.coef])
        return np.array(self.coef, copy=True)

    def predict(self, X: Any) -> FloatArray:
        """Predictions ``X @ coef + intercept`` for a new design."""
        Xa = as_design(X)
        if Xa.shape[1] != self.p:
            raise ValueError(f"X has {Xa.shape[1]} columns but the fit has {self.p} coefficients")
        return Xa @ self.coef + self.intercept


@dataclass(frozen=True)
class MultiOutputResult(SharedDesignOutputs):
    """The answer of :func:`ols` for a response ``Y`` of shape ``(n, k)``: one fit per output.

    The layout follows scikit-learn's: ``coef`` is ``(k, p)``, ``intercept`` ``(k,)``. Every
    output shares the design, so ``rank`` and ``condition_number`` are the design's; each
    output's own :class:`OLSResult` (its error estimates, R², method) is in ``outputs``.
    """

    outputs: tuple[OLSResult, ...]

    @property
    def params(self) -> FloatArray:
        """Parameters, shape ``(k, p + fit_intercept)``, intercept first when fitted."""
        return np.stack([o.params for o in self.outputs])

    @property
    def rank(self) -> int:
        return self.outputs[0].rank

    @property
    def condition_number(self) -> float:
        return self.outputs[0].condition_number

    @property
    def method(self) -> str:
        """The outputs' methods, each named once (``"refined-qr"``, ``"refined-qr, exact"``)."""
        return ", ".join(dict.fromkeys(o.method for o in self.outputs))

    @property
    def converged(self) -> bool:
        """Whether every output's answer was certified."""
        return all(o.converged for o in self.outputs)

    def predict(self, X: Any) -> FloatArray:
        """Predictions, shape ``(n, k)``."""
        return np.stack([o.predict(X) for o in self.outputs], axis=1)


def one_output(result: OLSResult | MultiOutputResult) -> OLSResult:
    """``result`` of a single response; ``TypeError`` for several (a caller's 2-D ``y``)."""
    if isinstance(result, MultiOutputResult):
        raise TypeError(
            f"expected a single response; y has {result.n_outputs} columns (outputs)"
        )
    return result


def ols(
    X: Any,
    y: Any,
    *,
    fit_intercept: bool = True,
    exact: bool = False,
    feature_names: Sequence[str] | None = None,
    sample_weight: Any = None,
    alpha: float = 0.0,
) -> OLSResult | MultiOutputResult:
    """Least squares, accurate to about an ulp of the exact solution of the data.

    Ordinary least squares by default; weighted with ``sample_weight``, ridge with ``alpha``.

    Parameters
    ----------
    X : array_like (n, p)
        Design without the intercept column. Lists, integer arrays and pandas objects are
        accepted. When X or y is a ``dask.array`` or a ``numpy.memmap``, X, y and the weights
        are read in row blocks, never whole (:mod:`pytest_linreg._chunked`), with the same
        answer (``exact=True`` reads them whole). With ``exact=True`` also object arrays of
        ``int``, ``fractions.Fraction`` or ``decimal.Decimal``, used at their exact values
        (as are integer arrays and
        ``np.longdouble``). A list is converted by ``np.asarray`` first, which rounds a list
        mixing floats with integers beyond 2**53 to float64; pass an object array instead.
    y : array_like (n,) or (n, k)
        One response, or ``k`` responses solved with one factorisation.
    fit_intercept : bool, default True
    exact : bool, default False
        Solve in rational arithmetic and round the answer correctly.
    feature_names : sequence of str, optional
        Used in warnings and errors; defaults to a DataFrame's columns or ``x1 … xp``.
    sample_weight : array_like (n,) or scalar, optional
        Observation weights ``wᵢ ≥ 0``: minimise ``Σ wᵢ rᵢ²`` (scikit-learn's
        ``sample_weight``, statsmodels' ``WLS(weights=...)``). Rows of zero weight are dropped;
        negative weights raise ``ValueError``.
    alpha : float, default 0.0
        Ridge penalty: minimise ``Σ wᵢ rᵢ² + alpha·‖coef‖²``, the intercept unpenalised
        (scikit-learn's ``Ridge(alpha)``). Any ``alpha > 0`` makes the problem identifiable,
        also with fewer rows than coefficients.

    Returns
    -------
    OLSResult, or MultiOutputResult when ``y`` has several columns

    Raises
    ------
    ValueError, TypeError
        Bad input (NaN/inf, wrong shape, fewer rows than parameters, non-numeric data), or
        a solution beyond float64's range.
    RankDeficientError
        ``exact=True`` and the design is exactly rank deficient; the message names the
        dependent columns.

    Warns
    -----
    RankDeficientWarning
        Numerically rank-deficient design on the float path: the minimum-norm solution of the
        column-equilibrated problem is returned.
    IllConditionedWarning
        Refinement could not certify the answer and the problem is too large to solve exactly.

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> res = plr.ols([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    >>> float(res.coef[0]), res.intercept, res.rank
    (2.0, 1.0, 2)
    >>> ridge = plr.ols([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], alpha=2.0)
    >>> float(ridge.coef[0])  # (Σ xᵢ'yᵢ') / (Σ xᵢ'² + α) on centred data: 4 / (2 + 2)
    1.0
    """
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be a bool; got {fit_intercept!r}")
    if not isinstance(exact, (bool, np.bool_)):
        raise TypeError(f"exact must be a bool; got {exact!r}")
    if not exact and (is_out_of_core(X) or is_out_of_core(y)):
        return _ols_blocked(X, y, bool(fit_intercept), feature_names, sample_weight, alpha)
    Xa = as_design(X)  # before anything looks at X's shape: ragged input gets a clear error
    names = column_names(X, Xa.shape[1], feature_names)
    Y = as_responses(y, Xa.shape[0])
    weights = as_sample_weight(sample_weight, Xa.shape[0])
    penalty = check_alpha(alpha)
    rows = None if weights is None or bool(np.all(weights > 0)) else np.flatnonzero(weights > 0)
    if rows is not None and weights is not None:  # zero weights: those rows do not count
        Xa, Y, weights = Xa[rows], Y[rows], weights[rows]
    n, p = Xa.shape
    if penalty == 0.0:
        check_parameters_fit(n, p, bool(fit_intercept))
    elif not isinstance(fit_intercept, (bool, np.bool_)):  # pragma: no cover - checked above
        raise TypeError(f"fit_intercept must be a bool; got {fit_intercept!r}")
    design = _Problem(Xa, bool(fit_intercept), names, weights, penalty)
    if exact:
        raw_y = as_array(y, "y")  # at its exact values (object arrays of Fractions ...)
        exact_Y = raw_y.reshape(raw_y.shape[0], -1)
        if rows is not None:
            exact_Y = exact_Y[rows]
        outputs = [exact_Y[:, j] for j in range(Y.shape[1])]
        results = _solve_exact(design, _exact_columns(X, p, rows), outputs, Y)
    else:
        results = [_solve_float(design.with_response(Y[:, j])) for j in range(Y.shape[1])]
    if Y.shape[1] == 1:  # y of shape (n,) or (n, 1): one output
        return results[0]
    return MultiOutputResult(tuple(results))


def _ols_blocked(
    X: Any,
    y: Any,
    fit_intercept: bool,
    feature_names: Sequence[str] | None,
    sample_weight: Any,
    alpha: float,
) -> OLSResult | MultiOutputResult:
    """:func:`ols` of a memmap or dask design, read in row blocks (:mod:`._chunked`)."""
    from ._chunked import solve_chunked  # imports this module: here, not at the top

    penalty = check_alpha(alpha)
    source = row_blocks(X, y, sample_weight)
    names = column_names(X, source.p, feature_names)
    results = solve_chunked(source, fit_intercept, names, penalty)
    return results[0] if len(results) == 1 else MultiOutputResult(tuple(results))


# --------------------------------------------------------------------------- problem setup


class _Problem:
    """The design with its intercept column, equilibrated by powers of two, and its QR.

    With weights or a penalty the QR is of the preconditioner ``[√W A; √Λ]`` (built
    transposed and factorised in place), while ``A`` stays the equilibrated design itself,
    read from X block by block (:class:`~pytest_linreg._extended.ScaledDesign`): the
    refinement's residuals use ``A``, the weights and ``Λ`` exactly, the corrections use the
    QR. The reflectors are the one n×k array kept.
    :meth:`with_response` attaches one response; the factorisation is shared between outputs.
    """

    def __init__(
        self,
        X: FloatArray,
        fit_intercept: bool,
        names: tuple[str, ...],
        weights: FloatArray | None = None,
        alpha: float = 0.0,
    ):
        self.X, self.fit_intercept, self.names = X, fit_intercept, names
        self.weights, self.alpha = weights, alpha
        self.n = X.shape[0]
        self.k = X.shape[1] + int(fit_intercept)
        root_w = None if weights is None else np.sqrt(weights)
        if root_w is None:
            col_exp = _column_norm_exponents(X)
            intercept_norm = math.sqrt(self.n)
        else:
            # ‖√W x_j‖'s exponent from √W·2**-s (s: the largest √w's exponent): the same
            # exponent (power-of-two scaling is exact), but √w·x never overflows (1e299 × √1e20
            # did, and the equilibration then zeroed the column: a wrong answer, reported fine).
            s_w = _pow2_exponents(np.array([float(np.max(root_w, initial=0.0))]))[0]
            scaled = X * np.ldexp(root_w, -s_w)[:, None]
            col_exp = _column_norm_exponents(scaled)
            nonzero = [j for j in range(col_exp.shape[0])
                       if col_exp[j] != 0 or np.any(scaled[:, j] != 0)]
            col_exp[nonzero] += s_w  # a zero column keeps exponent 0, as before
            del scaled
            intercept_norm = float(np.linalg.norm(root_w))
        if fit_intercept:
            col_exp = np.concatenate([_pow2_exponents(np.array([intercept_norm])), col_exp])
        self.labels = (("intercept",) if fit_intercept else ()) + names
        check_equilibrable(col_exp, self.labels)
        # Powers of two keep the scaled problem's exact solution the exact scaled solution,
        # and make the solver exactly equivariant under power-of-two column scaling.
        self.col_exp = col_exp
        scale = np.ldexp(1.0, -self.col_exp)
        # The equilibrated design, read from X block by block (no n×k copy is kept): the
        # residuals use it exactly; only the factorisation below works in a scaled copy.
        self.A = ScaledDesign(X, scale, fit_intercept)
        # Weights scaled by a power of two into (0.5, 1]: products wᵢ·rᵢ then split without
        # overflow. Scaling W by 2**-e and Λ by the same factor leaves the minimiser unchanged.
        w_exp = 0 if weights is None else int(np.frexp(float(np.max(weights)))[1])
        self.w = None if weights is None else np.ldexp(weights, -w_exp)
        self.w_exp = w_exp
        self.lam = _penalty(alpha, self.col_exp, fit_intercept, w_exp)
        self.plain = self.w is None and self.lam is None
        PT = self.A.transposed() if self.plain else self._preconditioner()
        self.rows = PT.shape[1]
        # In place: the scaled copy becomes the reflectors, the one n×k array ols keeps.
        h, tau = _householder_qr(PT, overwrite=True)  # (k, rows): the reflectors, transposed
        self.R = np.triu(h[:, : self.k].T)
        V = h
        for j in range(self.k):
            V[j, :j] = 0.0
            V[j, j] = 1.0
        self.V = V
        self.T = _wy_factor(V, tau)
        self.rank, self.condition_number = rank_and_condition(self.R)
        self.y = np.zeros(self.n)
        self.b = self.y
        self.y_exp = 0

    def _preconditioner(self) -> FloatArray:
        """``[√W A; √Λ]`` transposed, ``(k, n + m)`` for ``m`` penalised columns."""
        AT = self.A.transposed()
        if self.w is not None:
            AT *= np.sqrt(self.w)
        if self.lam is None:
            return AT
        penalised = np.flatnonzero(self.lam)
        block = np.zeros((self.k, penalised.size))
        block[penalised, np.arange(penalised.size)] = np.sqrt(self.lam[penalised])
        return np.ascontiguousarray(np.concatenate([AT, block], axis=1))

    def with_response(self, y: FloatArray) -> _Problem:
        """This design with the response ``y`` (a shallow copy sharing the factorisation)."""
        pb = copy.copy(self)
        pb.y = y
        pb.y_exp = int(_column_norm_exponents(y[:, None])[0])
        pb.b = np.ldexp(y, -pb.y_exp)
        return pb

    def lift(self, f: FloatArray) -> FloatArray:
        """An n-vector in the preconditioner's row space: ``[√W f; 0]`` (``f`` when plain)."""
        if self.plain:
            return f
        out = np.zeros(self.rows)
        out[: self.n] = f if self.w is None else f * np.sqrt(self.w)
        return out

    def weighted_sum_of_squares(self, r: FloatArray) -> float:
        """``Σ wᵢ rᵢ²`` (the scaled weights: callers undo the power of two)."""
        return float(r @ r) if self.w is None else float((self.w * r) @ r)

    @property
    def weighted(self) -> bool:
        """Whether observation weights were given."""
        return self.weights is not None

    def total_sum_of_squares(self) -> float:
        """``Σ wᵢ (bᵢ - b̄)²`` about the (weighted) mean, or about 0 without an intercept."""
        b = self.b
        mean = 0.0
        if self.fit_intercept:
            mean = float(np.mean(b)) if self.w is None else float(self.w @ b / np.sum(self.w))
        return self.weighted_sum_of_squares(b - mean)

    def residual_sum_of_squares(self, x: FloatArray) -> float:
        """``Σ wᵢ (b - A x)ᵢ²`` for parameters ``x`` of the equilibrated problem."""
        return self.weighted_sum_of_squares(self.b - self.A.matvec(x))

    def projected_response(self) -> FloatArray:
        """``Q₁ᵀ b``: the response in the basis of the factor's columns (``[√W b; 0]``)."""
        out: FloatArray = self.qt(self.lift(self.b))[: self.k]
        return out

    def objective_norm(self, r: FloatArray, x: FloatArray) -> float:
        """``‖[√W r; √Λ x]‖``: the residual norm the refinement's accuracy depends on."""
        total = self.weighted_sum_of_squares(r)
        if self.lam is not None:
            total += float(self.lam @ (x * x))
        return math.sqrt(total)

    def g_terms(
        self, r_hi: FloatArray, r_lo: FloatArray, x_hi: FloatArray, x_lo: FloatArray
    ) -> dict[str, Any]:
        """Keyword arguments for :func:`augmented_residuals`: ``g = Λx − AᵀW r`` exactly.

        ``W r`` is carried as ``p + s + t``: ``wᵢ·r_hi`` and ``wᵢ·r_lo`` by TwoProduct (ORO05,
        Alg. 3.3), their middle terms by TwoSum, so that ``p + s`` is exact to ``O(u²)`` and
        ``−Aᵀt`` (an addend) to ``O(u³)``; ``Λx`` enters as the four exact products of
        ``λ·x_hi`` and ``λ·x_lo``.
        """
        if self.plain:
            return {}
        addends: list[FloatArray] = []
        vector = None
        if self.w is not None:
            p, s, tail = weighted_residual(self.w, r_hi, r_lo)
            vector = (p, s)
            if np.any(tail):
                addends.append(-self.A.rmatvec(tail))
        if self.lam is not None:
            addends.extend(penalty_terms(self.lam, x_hi, x_lo))
        return {"g_vector": vector, "g_addends": tuple(addends)}

    def qt(self, f: FloatArray) -> FloatArray:
        """``Qᵀ f`` with the compact WY form ``Q = I - Vᵀ T V`` (V stored by rows)."""
        out: FloatArray = f - self.V.T @ (self.T.T @ (self.V @ f))
        return out

    def exact_columns(self, columns: Sequence[npt.NDArray[Any]]) -> list[npt.NDArray[Any]]:
        """``columns`` (the caller's data, not the equilibrated copy), after a ones column."""
        return ([np.ones(self.n, dtype=np.int64)] if self.fit_intercept else []) + list(columns)

    def exact_penalty(self) -> list[float] | None:
        """The penalty of each parameter in the caller's units (the intercept's is 0)."""
        if self.alpha == 0.0:
            return None
        return [0.0] * int(self.fit_intercept) + [self.alpha] * (self.k - int(self.fit_intercept))

    def unscale(self, x_scaled: FloatArray) -> FloatArray:
        """Parameters of the original problem from those of the equilibrated one (exact)."""
        with np.errstate(over="ignore"):  # checked by _representable
            return _representable(np.ldexp(x_scaled, self.y_exp - self.col_exp), self.labels)


def _penalty(
    alpha: float, col_exp: npt.NDArray[np.int64], fit_intercept: bool, w_exp: int
) -> FloatArray | None:
    """``Λ`` of the equilibrated, weight-scaled problem: ``α·2**(-2eⱼ - w_exp)``, exactly.

    Column ``j`` scaled by ``2**-eⱼ`` turns ``α βⱼ²`` into ``α·4**-eⱼ·zⱼ²``; the intercept is
    not penalised. A penalty that does not survive the scaling exactly (beyond float64's
    exponent range) is refused rather than rounded.
    """
    if alpha == 0.0:
        return None
    shifts = -2 * col_exp - w_exp
    lam = np.ldexp(alpha, shifts)
    if not (
        np.all(np.isfinite(lam))
        and np.array_equal(np.ldexp(lam, -shifts), np.full_like(lam, alpha))
    ):
        raise ValueError(
            f"alpha={alpha!r} is out of float64's range relative to the scale of X's columns "
            "and the weights; rescale X or the weights"
        )
    if fit_intercept:
        lam[0] = 0.0
    return lam


def weighted_residual(
    w: FloatArray, r_hi: FloatArray, r_lo: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``W r = p + s + t`` for ``r = r_hi + r_lo``: ``p + s`` exact to ``O(u²)``, ``t`` small.

    ``wᵢ·r_hi`` and ``wᵢ·r_lo`` by TwoProduct (ORO05, Alg. 3.3), their middle terms by TwoSum;
    ``t`` (of order ``u²·|W r|``) is applied to ``A`` in working precision by the caller.
    """
    p, e = _two_product(w, r_hi)
    p2, e2 = _two_product(w, r_lo)
    s, t = two_sum(e, p2)
    return p, s, t + e2


def penalty_terms(lam: FloatArray, x_hi: FloatArray, x_lo: FloatArray) -> list[FloatArray]:
    """``Λx`` as the four exact products of ``λ·x_hi`` and ``λ·x_lo`` (addends of ``g``)."""
    return [term for part in (x_hi, x_lo) for term in _two_product(lam, part)]


def _two_product(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """TwoProduct (ORO05, Algorithm 3.3): ``a·b = p + e`` exactly, for ``|a|, |b| < 2**996``."""
    p = a * b
    a_hi, a_lo = split(a)
    b_hi, b_lo = split(b)
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def _representable(params: FloatArray, labels: Sequence[str]) -> FloatArray:
    """``params``, or a ValueError when the solution is beyond float64's range."""
    bad = np.flatnonzero(~np.isfinite(params))
    if bad.size:
        raise ValueError(
            f"the least-squares solution overflows float64 ({labels[bad[0]]} beyond ±1.8e308); "
            "rescale X or y"
        )
    return params


def _to_float(q: Fraction) -> float:
    """``float(q)``, correctly rounded; ±inf (not OverflowError) beyond float64's range."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def _householder_qr(
    AT: FloatArray, *, overwrite: bool = False
) -> tuple[FloatArray, FloatArray]:
    """LAPACK ``dgeqrf`` of ``A = ATᵀ``: reflectors and R in a ``(k, n)`` array, and ``tau``.

    A row-major ``(k, n)`` array is LAPACK's column-major ``(n, k)``, so numpy's bundled
    ``lapack_lite.dgeqrf`` factorises it in place (in ``AT`` itself with ``overwrite``, else
    in a copy); ``np.linalg.qr(mode="raw")`` returns the same but copies and transposes twice
    on the way (the fallback).
    """
    k, n = AT.shape
    try:
        from numpy.linalg import lapack_lite

        h = AT if overwrite and AT.flags.c_contiguous else AT.copy()
        tau = np.zeros(k)
        work = np.zeros(1)
        lapack_lite.dgeqrf(n, k, h, n, tau, work, -1, 0)  # workspace query
        work = np.zeros(max(1, int(work[0])))
        info = lapack_lite.dgeqrf(n, k, h, n, tau, work, work.shape[0], 0)
        if int(info["info"]) == 0:
            return h, tau
    except (ImportError, AttributeError, TypeError, ValueError):  # pragma: no cover
        pass
    h_np, tau_np = np.linalg.qr(AT.T, mode="raw")  # pragma: no cover - older/odd builds
    return np.asarray(h_np, dtype=np.float64), np.asarray(tau_np, dtype=np.float64)


def _column_norm_exponents(X: FloatArray) -> npt.NDArray[np.int64]:
    """Exponents ``e`` with ``‖X[:, j]‖ / 2**e`` in [0.5, 1) (0 for a zero column).

    One pass; a column whose squares over- or underflow is rescaled by the power of two of its
    largest entry first, so the exponent is right where the norm itself is not representable.
    """
    with np.errstate(over="ignore", under="ignore"):
        norms: FloatArray = np.sqrt(np.einsum("ij,ij->j", X, X))
    exps = _pow2_exponents(norms)
    for j in np.flatnonzero(~np.isfinite(norms) | (norms < 2.0**-450)):
        big = float(np.max(np.abs(X[:, j])))
        if big > 0:
            e = int(np.frexp(big)[1])  # scale by a power of two: exact
            exps[j] = e + int(np.frexp(np.linalg.norm(np.ldexp(X[:, j], -e)))[1])
    return exps


def check_equilibrable(col_exp: npt.NDArray[np.int64], labels: Sequence[str]) -> None:
    """Refuse a nonzero column whose 2-norm is below float64's normal range.

    Equilibration scales each column by ``2**-e`` to a unit norm; for a column of norm
    below ``2**-1022`` that factor overflows (and the column has lost precision to
    underflow already), so the caller is asked to rescale it.
    """
    bad = np.flatnonzero(col_exp <= -1022)
    if bad.size:
        raise ValueError(
            f"X's column {labels[int(bad[0])]} has a 2-norm below float64's normal range "
            f"({np.finfo(np.float64).tiny:.3g}): its values are subnormal; rescale it "
            "(multiply by a power of two)"
        )


def _pow2_exponents(norms: FloatArray) -> npt.NDArray[np.int64]:
    """Exponents ``e`` with ``norm / 2**e`` in [0.5, 1); 0 for zero norms."""
    _, e = np.frexp(norms)
    return np.where(norms > 0, e, 0).astype(np.int64)


def _wy_factor(V: FloatArray, tau: FloatArray) -> FloatArray:
    """Upper-triangular ``T`` of ``H1 … Hk = I - Vᵀ T V`` (LAPACK dlarft, forward, columnwise)."""
    k = tau.shape[0]
    G = V @ V.T
    T = np.zeros((k, k))
    for j in range(k):
        T[j, j] = tau[j]
        if j:
            T[:j, j] = -tau[j] * (T[:j, :j] @ G[:j, j])
    return T


def _solve_upper(R: FloatArray, c: FloatArray) -> FloatArray:
    x = np.zeros_like(c)
    for i in range(c.shape[0] - 1, -1, -1):
        x[i] = (c[i] - R[i, i + 1 :] @ x[i + 1 :]) / R[i, i]
    return x


def _solve_lower_t(R: FloatArray, g: FloatArray) -> FloatArray:
    """Solve ``Rᵀ h = g`` for upper-triangular ``R``."""
    h = np.zeros_like(g)
    for i in range(g.shape[0]):
        h[i] = (g[i] - R[:i, i] @ h[:i]) / R[i, i]
    return h


# --------------------------------------------------------------------------- float path


def _correction_x(pb: _Problem, f: FloatArray, g: FloatArray) -> tuple[FloatArray, _Pending]:
    """``dx`` of ``[I A; Aᵀ 0][dr; dx] = [f; g]`` by the QR factors (Björck 1996, §2.9.2).

    Only ``Q1ᵀ f`` is needed for ``dx``, one pass over ``V``; ``dr`` costs one more and is
    formed by :func:`_correction_r` only when another step follows.
    """
    k = pb.k
    f = pb.lift(f)
    w = pb.T.T @ (pb.V @ f)
    c1 = f[:k] - pb.V[:, :k].T @ w
    h = _solve_lower_t(pb.R, g)
    u = c1 - h
    dx = _solve_upper(pb.R, u)
    return dx, (f, u)


def _correction_r(pb: _Problem, pending: _Pending) -> FloatArray:
    """``dr = Q [h; Q2ᵀ f]`` for the step whose ``dx`` came from :func:`_correction_x`.

    ``Q [h; Q2ᵀ f] = Q Qᵀ f − Q [Q1ᵀ f − h; 0] = f − Q1 u``: one pass over ``V``
    (``Q1 u = [u; 0] − Vᵀ T V[:, :k] u``) where applying ``Qᵀ`` and then ``Q`` took three, and
    ``f`` enters exactly rather than through two applications of ``Q``.
    """
    f, u = pending
    dr: FloatArray = f + pb.V.T @ (pb.T @ (pb.V[:, : pb.k] @ u))
    dr[: pb.k] -= u
    return dr


@dataclass
class _Refined:
    x_hi: FloatArray
    x_lo: FloatArray
    r_hi: FloatArray
    abs_error: FloatArray
    converged: bool
    steps: int
    #: Some parameter converged only to the residuals' absolute accuracy (it is zero or far
    #: below the others), not to within a fraction of its own ulp.
    floored: bool = False


class StepJudge:
    """When to stop refining, and the error estimate: the rules of :func:`_refine`.

    Convergence is judged per parameter, as in the extra-precise refinement of Demmel, Hida,
    Kahan, Li, Mukherjee & Riedy ("Error bounds from extra-precise iterative refinement",
    ACM TOMS 32(2), 2006). Errors reach the parameters through ``R⁻¹`` (``δx = R⁻¹z``), so
    corrections are measured as ``z = R·dx``: if they contract by ``ρ`` a step, the
    remaining corrections move parameter ``i`` by at most ``‖eᵢᵀR⁻¹‖·ρ/(1-ρ)·‖z‖``, its
    error estimate. Stop when that is below 1/32 of every parameter's ulp and below its
    distance to a rounding boundary (so further steps cannot change the rounded answer; one
    step suffices on well-conditioned data), or give up when corrections stop shrinking.
    ``ρ`` is the observed contraction, at least ``4·k·u·κ`` (Björck's rate ``O(u·κ)``).
    The in-memory and the chunked (:mod:`pytest_linreg._chunked`) refinements share these
    rules.
    """

    def __init__(
        self,
        R: FloatArray,
        condition_number: float,
        x0: FloatArray,
        residual_norm: float,
        triple: bool = False,
    ) -> None:
        k = R.shape[0]
        self.R = R
        self.kappa = condition_number
        self.residual_norm = residual_norm
        #: Whether g is accumulated to u³; the judge turns it on when u² cannot certify.
        self.triple = triple
        # ‖eᵢᵀR⁻¹‖: how far parameter i moves per unit of z (δx = R⁻¹z), and ‖eᵢᵀR⁻¹R⁻ᵀ‖:
        # per unit error in g (δx = (RᵀR)⁻¹δg).
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            R_inv = np.linalg.inv(R)
            self.sensitivity = np.linalg.norm(R_inv, axis=1)
            self.g_sensitivity = np.linalg.norm(R_inv @ R_inv.T, axis=1)
        for s in (self.sensitivity, self.g_sensitivity):
            s[~np.isfinite(s)] = math.inf
        self.rho_theory = min(4.0 * k * _U * condition_number, 0.5)
        self.prev = max(float(np.linalg.norm(R @ x0)), 1e-300)
        self.est = np.full(k, math.inf)
        self.floored = np.zeros(k, dtype=bool)
        self.converged = False
        self.stalls = 0

    def stop(self, step: int, dx: FloatArray, x_hi: FloatArray, x_lo: FloatArray) -> bool:
        """Judge the correction ``dx`` of step ``step`` (``x_hi + x_lo``: the updated solution)."""
        size = float(np.linalg.norm(self.R @ dx))
        ratio = size / self.prev
        self.prev = max(size, 1e-300)
        # The residuals resolve the solution only to an absolute accuracy, the fixed point's
        # own error: f = b − r − A x is summed to ~u² of its terms, so ‖δf‖ ≲ c·u²·(‖r‖ +
        # ‖x‖₁) with unit columns, moving the fixed point by δx = R⁻¹Q₁ᵀδf, and g = −Aᵀr
        # to ~u² (u³ in triple mode) of |A|ᵀ|r|, ‖δg‖ ≲ c·u²·√k·‖r‖, moving it by
        # (RᵀR)⁻¹δg (Björck 1996, §2.9.2: the κ² term). Parameter i moves by up to
        # ‖eᵢᵀR⁻¹‖·‖δf‖ + ‖eᵢᵀR⁻¹R⁻ᵀ‖·‖δg‖. c = k + 2 is first-order and typical, not
        # worst case (Dot2's bound, ORO05 Prop. 5.5, is (k+2)²; our corpora stay inside
        # c = k + 2). A parameter whose 1/32 ulp, or whose distance to a rounding midpoint, is
        # below that cannot be certified relatively (an intercept of 1e-16 beside
        # coefficients of 1 came out 1-3 ulps wrong; exact values within 5e-9 ulp of a
        # midpoint at κ ≈ 1e6 rounded wrongly until g's term was counted). If triple mode
        # would resolve it, the judge turns triple mode on and refinement goes on;
        # otherwise the parameter is judged by the absolute accuracy (Demmel et al. 2006
        # likewise switch components that cannot converge relatively to a normwise test)
        # and "floored", so that small problems are solved exactly.
        noise = self._noise(x_hi, self.triple)
        relative = 2.0**-5 * np.spacing(np.abs(x_hi))
        # x_hi is x_hi + x_lo rounded, and stays so while x moves by less than the distance
        # to the nearest rounding boundary: requiring the tail to be below it certifies the
        # rounding (an exact value 8e-5 ulp from a midpoint otherwise rounded either way).
        to_boundary = _distance_to_rounding_boundary(x_hi, x_lo)
        negligible = (relative < noise) | (to_boundary <= noise)
        if not self.triple and np.any(negligible):
            sharper = self._noise(x_hi, True)
            if np.any(negligible & (relative >= sharper) & (to_boundary > sharper)):
                self.triple = True  # the caller accumulates g to u³ from the next step
                return self._not_yet(step, dx, ratio, size)
        target = np.where(negligible, noise, relative)
        rho = min(max(ratio, self.rho_theory), 0.5)
        tail = self.sensitivity * (rho / (1.0 - rho) * size)
        # Certifying the rounding takes a cautious rate: a single step contracted by
        # 5.9·k·u·κ where 4·k·u·κ was assumed (κ 1.4e11, 3 parameters; a measured ratio can be
        # far smaller than the next), so 64·k·u·κ. It only costs a step when a parameter lies
        # near a midpoint.
        safe = min(max(ratio, 16.0 * self.rho_theory), 0.5)
        rounding_tail = self.sensitivity * (safe / (1.0 - safe) * size)
        if np.all(tail <= target) and np.all(negligible | (rounding_tail < to_boundary)):
            self.floored = negligible
            self.est = np.where(negligible, np.maximum(tail, noise), tail)
            self.converged = True
            return True
        return self._not_yet(step, dx, ratio, size)

    def _noise(self, x_hi: FloatArray, triple: bool) -> FloatArray:
        """Each parameter's absolute error at the fixed point (see :meth:`stop`)."""
        k = x_hi.shape[0]
        c = (k + 2) * _U**2
        f_error = c * (float(np.sum(np.abs(x_hi))) + self.residual_norm)
        g_error = c * (_U if triple else 1.0) * math.sqrt(k) * self.residual_norm
        noise: FloatArray = np.maximum(
            self.sensitivity * f_error + self.g_sensitivity * g_error, np.finfo(np.float64).tiny
        )
        return noise

    def _not_yet(self, step: int, dx: FloatArray, ratio: float, size: float) -> bool:
        """Not converged: the estimate so far, and whether to give up (corrections stall)."""
        rho = min(max(ratio, self.rho_theory), 0.9)
        self.est = np.maximum(np.abs(dx), self.sensitivity * size) / (1.0 - rho)
        # The QR solution's error carries a κ²·u·‖r‖ term that the first step removes, so
        # only later steps are judged for contraction; near κ·u ≈ 0.1 single steps can
        # stall, so give up after two in a row that do not halve the correction.
        self.stalls = self.stalls + 1 if step >= 2 and ratio >= 0.5 else 0
        return self.stalls >= 2

    @property
    def only_absolute(self) -> bool:
        """Converged, with some parameter certified only to the residuals' absolute accuracy."""
        return bool(self.converged and self.floored.any())


def _distance_to_rounding_boundary(x_hi: FloatArray, x_lo: FloatArray) -> FloatArray:
    """How far ``x_hi + x_lo`` may move before ``fl(x_hi + x_lo)`` stops being ``x_hi``.

    ``x_hi`` rounds every value strictly between the midpoints to its neighbours; the gaps
    differ on either side of a power of two.
    """
    up = np.nextafter(x_hi, np.inf) - x_hi
    down = x_hi - np.nextafter(x_hi, -np.inf)
    out: FloatArray = np.minimum(0.5 * up - x_lo, 0.5 * down + x_lo)
    return out


def needs_triple(condition_number: float, k: int, residual_norm: float, x0: FloatArray) -> bool:
    """Whether ``g`` must be accumulated to ``u³``, not ``u²`` (see :func:`_refine`)."""
    smallest = max(float(np.min(np.abs(x0))), 1e-300)
    return bool(condition_number**2 * k * _U**2 * residual_norm > 2.0**-8 * _U * smallest)


def _refine(pb: _Problem) -> _Refined:
    """Björck's iterative refinement with extended-precision residuals, ``x`` and ``r``.

    The stopping rules and error estimates are :class:`StepJudge`'s.
    """
    k = pb.k
    dx, _ = _correction_x(pb, pb.b, np.zeros(k))  # from x = r = 0: the plain QR solution
    x_hi, x_lo = dx, np.zeros(k)
    # Start r from b - A x0 (one pass); refinement treats r as an unknown of its own.
    r_hi, r_lo = pb.b - pb.A.matvec(x_hi), np.zeros(pb.n)
    # Errors in g reach x amplified by κ² (Björck 1996, §2.9.2): accumulate it to u³ unless
    # u² is plainly enough for the smallest parameter.
    rnorm = pb.objective_norm(r_hi, x_hi)
    triple = needs_triple(pb.condition_number, k, rnorm, x_hi)
    judge = StepJudge(pb.R, pb.condition_number, x_hi, rnorm, triple)
    steps = 0
    for steps in range(1, MAX_REFINEMENT_STEPS + 1):
        f, g = augmented_residuals(
            pb.A,
            pb.b,
            r_hi,
            r_lo,
            x_hi,
            x_lo,
            triple=judge.triple,
            **pb.g_terms(r_hi, r_lo, x_hi, x_lo),
        )
        dx, pending = _correction_x(pb, f, g)
        x_hi, x_lo = dd_add(x_hi, x_lo, dx)
        if judge.stop(steps, dx, x_hi, x_lo):
            break
        # With weights or a penalty, Q's rows are those of [√W A; √Λ], not of r: the first
        # block row of the augmented system gives dr = f − A dx directly.
        dr = _correction_r(pb, pending) if pb.plain else f - pb.A.matvec(dx)
        r_hi, r_lo = dd_add(r_hi, r_lo, dr)
    else:
        return _Refined(x_hi, x_lo, r_hi, judge.est, judge.converged, steps)
    # Stopped before updating r: the first block row of the augmented system gives the last
    # correction as dr = f - A dx, a pass over X (the reflectors' pass would serve as well).
    r_final: FloatArray = r_hi + (r_lo + (f - pb.A.matvec(dx)))
    return _Refined(x_hi, x_lo, r_final, judge.est, judge.converged, steps, judge.only_absolute)


def _solve_float(pb: _Problem) -> OLSResult:
    if pb.rank < pb.k:
        return _minimum_norm(pb)
    ref = _refine(pb)
    params, uncertain = rounded_parameters(pb, ref.x_hi, ref.x_lo, ref.abs_error)
    # A parameter certified only absolutely (zero, or far below the others) is still solved
    # exactly when that is cheap; on large problems its absolute error estimate stands.
    if (not ref.converged or ref.floored or uncertain) and pb.n * pb.k <= EXACT_FALLBACK_LIMIT:
        # The caller's float64 data: scaling by powers of two is exact only without underflow.
        sol = _exact_solutions(pb, pb.exact_columns(pb.X.T), [pb.y])[0]
        if sol.rank < pb.k:
            return _minimum_norm(pb, exact_rank=sol.rank)
        return _exact_result(pb, sol, method="exact-fallback")
    rel = refined_relative_error(ref.x_hi, ref.abs_error)
    if not ref.converged:
        warn_not_converged(pb, params, rel, ref.abs_error, ref.steps)
    return _result(
        pb,
        params,
        pb.weighted_sum_of_squares(ref.r_hi),
        pb.total_sum_of_squares(),
        pb.rank,
        rel,
        "refined-qr",
        ref.converged,
        ref.steps,
    )


def rounded_parameters(
    pb: ProblemInfo, x_hi: FloatArray, x_lo: FloatArray, abs_error: FloatArray
) -> tuple[FloatArray, bool]:
    """The parameters in the caller's units, each rounded once; and whether one is uncertain.

    Unscaling by a power of two is exact, except onto the subnormal grid: there ``x_hi``
    (already rounded) would be rounded a second time, so such a parameter is rounded from
    ``x_hi + x_lo`` exactly instead, and its rounding is uncertain when its error bound
    reaches a midpoint of that coarser grid (which :class:`StepJudge`, judging the scaled
    parameters, does not see).
    """
    params = pb.unscale(x_hi)
    tiny = np.finfo(np.float64).tiny
    uncertain = False
    for i in np.flatnonzero((x_hi != 0) & (np.abs(params) < tiny)):
        scale = Fraction(2) ** int(pb.y_exp - pb.col_exp[i])
        value = (Fraction(float(x_hi[i])) + Fraction(float(x_lo[i]))) * scale
        params[i] = float(value)  # int/int division rounds correctly, subnormals included
        grid = Fraction(2) ** -1074
        from_midpoint = abs((value / grid) % 1 - Fraction(1, 2)) * grid
        uncertain = uncertain or from_midpoint <= Fraction(float(abs_error[i])) * scale
    return params, uncertain


def refined_relative_error(x_hi: FloatArray, abs_error: FloatArray) -> FloatArray:
    """Each parameter's estimated relative error (``inf`` for a zero parameter)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rel: FloatArray = np.where(x_hi != 0, abs_error / np.abs(x_hi), np.inf)
    return rel


def warn_not_converged(
    pb: ProblemInfo, params: FloatArray, rel: FloatArray, abs_error: FloatArray, steps: int
) -> None:
    """The :class:`IllConditionedWarning` of a refinement that could not certify its answer."""
    worst = first_of_largest(rel)
    label = pb.labels[worst]
    # The absolute error too: a parameter whose exact value is 0 (y = 2·x1 exactly, with an
    # intercept) cannot converge relatively, however small its error.
    abs_err = math.ldexp(float(abs_error[worst]), int(pb.y_exp - pb.col_exp[worst]))
    warnings.warn(
        f"OLS refinement did not converge (condition number {pb.condition_number:.3g}, "
        f"n={pb.n}, {pb.k} parameters, {steps} steps); estimated relative error up to "
        f"{rel[worst]:.2g} ({label}), i.e. {label} = {params[worst]:.3g} ± {abs_err:.2g}. "
        f"Too large for the exact fallback (n·k > {EXACT_FALLBACK_LIMIT}); use exact=True to "
        "solve it exactly.",
        IllConditionedWarning,
        stacklevel=4,  # user -> ols -> solver -> here
    )


def _minimum_norm(pb: ProblemInfo, exact_rank: int | None = None) -> OLSResult:
    """Truncated-SVD minimum-norm solution of the equilibrated problem, with a warning."""
    U, s, Wt = np.linalg.svd(pb.R)
    rank = pb.rank if exact_rank is None else exact_rank
    rank = max(rank, 1) if s[0] > 0 else 0
    c = pb.projected_response()
    coef_s = Wt[:rank].T @ ((U[:, :rank].T @ c) / s[:rank])
    null = Wt[rank:].T
    relations = _relations(null, pb.col_exp, pb.labels)
    warnings.warn(
        f"design is rank deficient: rank {rank} of {pb.k} parameters (condition number "
        f"{pb.condition_number:.3g}); dependent columns: {'; '.join(relations)}. Returned the "
        "minimum-norm solution of the column-equilibrated problem, which is not unique OLS.",
        RankDeficientWarning,
        stacklevel=4,  # user -> ols -> solver -> _minimum_norm
    )
    params = pb.unscale(coef_s)
    rel = np.full(pb.k, math.inf)
    rss = pb.residual_sum_of_squares(coef_s)
    return _result(
        pb, params, rss, pb.total_sum_of_squares(), rank, rel, "minimum-norm", False, 0
    )


def _relations(
    null: FloatArray, col_exp: npt.NDArray[np.int64], labels: tuple[str, ...]
) -> list[str]:
    """Write a null-space basis (equilibrated coordinates) as 'x3 = 1.00·x1 + 2.00·x2'."""
    M = null.T.copy()  # one row per null vector
    d, k = M.shape
    out: list[str] = []
    used: list[int] = []
    for t in range(d):
        sub = np.abs(M[t:])
        big = sub.max(axis=0)
        candidates = [c for c in range(k) if c not in used and big[c] > 0.1 * big.max()]
        col = max(candidates)  # prefer the later column as the dependent one
        row = t + int(np.argmax(sub[:, col]))
        M[[t, row]] = M[[row, t]]
        M[t] /= M[t, col]
        for i in range(d):
            if i != t:
                M[i] -= M[i, col] * M[t]
        used.append(col)
    for t, col in enumerate(used):
        scale_max = float(np.max(np.abs(M[t])))
        terms = [
            (-float(M[t, j]) * 2.0 ** float(col_exp[col] - col_exp[j]), j)
            for j in range(k)
            if j != col and abs(M[t, j]) > 1e-8 * scale_max
        ]
        out.append(_format_relation(labels, col, terms))
    return out


def _format_relation(labels: Sequence[str], col: int, terms: Sequence[tuple[float, int]]) -> str:
    """``'x3 = 1.00·x1 + 2.00·x2'``; the column labelled ``intercept`` is written as a constant."""
    parts: list[str] = []
    for coef, j in terms:
        mag = format(abs(coef), "#.3g").rstrip(".")
        body = mag if labels[j] == "intercept" else f"{mag}·{labels[j]}"
        sign = "-" if coef < 0 else "+"
        parts.append(("-" if coef < 0 else "") + body if not parts else f" {sign} {body}")
    return f"{labels[col]} = {''.join(parts) if parts else '0'}"


# --------------------------------------------------------------------------- exact path


def _exact_columns(X: Any, p: int, rows: npt.NDArray[np.intp] | None) -> list[npt.NDArray[Any]]:
    """Columns of ``X`` at their exact values (``as_design`` has validated ``X``)."""
    arr = as_array(X, "X")
    if rows is not None:
        arr = arr[rows]
    return [arr[:, j] for j in range(p)]


def _exact_solutions(
    pb: _Problem, columns: list[npt.NDArray[Any]], outputs: Sequence[npt.NDArray[Any]]
) -> list[ExactSolution]:
    """The exact solution of each output, with the problem's weights and penalty."""
    return exact_lstsq_outputs(columns, outputs, weights=pb.weights, penalty=pb.exact_penalty())


def _solve_exact(
    pb: _Problem,
    columns: list[npt.NDArray[Any]],
    outputs: list[npt.NDArray[Any]],
    Y: FloatArray,
) -> list[OLSResult]:
    solutions = _exact_solutions(pb, pb.exact_columns(columns), outputs)
    sol = solutions[0]
    if sol.rank < pb.k:
        relations = [
            _format_relation(pb.labels, j, [(float(c), q) for q, c in deps.items() if c != 0])
            for j, deps in sol.dependent.items()
        ]
        raise RankDeficientError(
            f"design is exactly rank deficient: rank {sol.rank} of {pb.k} parameters; "
            f"dependent columns: {'; '.join(relations)}. Remove them or use exact=False for "
            "the minimum-norm solution."
        )
    return [
        _exact_result(pb.with_response(Y[:, j]), s, method="exact") for j, s in enumerate(solutions)
    ]


def _exact_result(pb: _Problem, sol: ExactSolution, *, method: str) -> OLSResult:
    params = _representable(np.array([_to_float(v) for v in sol.x]), pb.labels)
    dof = sol.n - sol.rank
    tss = sol.sum_b2 - (sol.sum_b**2 / sol.sum_w if pb.fit_intercept else 0)
    r2 = float(1 - sol.rss / tss) if tss > 0 else math.nan
    rstd = fraction_sqrt(sol.rss / dof) if dof > 0 else math.nan
    return OLSResult(
        coef=params[int(pb.fit_intercept) :],
        intercept=float(params[0]) if pb.fit_intercept else 0.0,
        rank=sol.rank,
        condition_number=pb.condition_number,
        residual_std=rstd,
        r_squared=r2,
        relative_error=np.zeros(pb.k),
        method=method,
        converged=True,
        fit_intercept=pb.fit_intercept,
        feature_names=pb.names,
        n=pb.n,
        alpha=pb.alpha,
        weighted=pb.weights is not None,
    )


def _result(
    pb: ProblemInfo,
    params: FloatArray,
    rss: float,
    tss: float,
    rank: int,
    rel: FloatArray,
    method: str,
    converged: bool,
    steps: int,
) -> OLSResult:
    # rss is of the scaled response b = y / 2**y_exp (and, with weights, of the scaled weights
    # w / 2**w_exp): ratios and the residual standard deviation are formed there, so that huge
    # or tiny data neither overflow nor underflow; tss likewise.
    rss_scale = pb.y_exp * 2 + pb.w_exp  # rss / tss needs no scale; residual_std does
    dof = pb.n - rank
    return OLSResult(
        coef=params[int(pb.fit_intercept) :],
        intercept=float(params[0]) if pb.fit_intercept else 0.0,
        rank=rank,
        condition_number=pb.condition_number,
        residual_std=_scaled_sqrt(rss / dof, rss_scale) if dof > 0 else math.nan,
        r_squared=1.0 - rss / tss if tss > 0 else math.nan,
        relative_error=rel,
        method=method,
        converged=converged,
        fit_intercept=pb.fit_intercept,
        feature_names=pb.names,
        n=pb.n,
        iterations=steps,
        alpha=pb.alpha,
        weighted=pb.weighted,
    )


def _scaled_sqrt(value: float, exponent: int) -> float:
    """``sqrt(value · 2**exponent)`` without forming the power of two (no over/underflow)."""
    if exponent % 2:
        value, exponent = value * 2.0, exponent - 1
    return math.ldexp(math.sqrt(value), exponent // 2)
