"""Conditioning diagnostics for least-squares designs: pure numpy, no pytest.

Everything here works on the *column-equilibrated* design ``A D⁻¹`` where ``A`` is ``X`` with a
leading column of ones when an intercept is fitted and ``D`` holds the 2-norms of the columns
of ``A``. Equilibration is what every sensible solver does implicitly and it is nearly optimal
among diagonal column scalings (van der Sluis 1969; Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., §7.3), so the condition number it gives is the one that matters.

The per-coefficient accuracy comes from the first-order componentwise perturbation bound for
least squares (Björck 1991, BIT 31:238-244; Higham 2002, §20.1, eq. (20.5); Arioli, Baboulin
& Gratton 2007, SIAM J. Matrix Anal. Appl. 29:413-433): for ``|ΔA| ≤ ε E`` and ``|Δb| ≤ ε f``

    |Δx| ≲ ε ( |A⁺| (f + E |x|) + |(AᵀA)⁻¹| Eᵀ |r| ),

with ``E = |A|`` except for the intercept's column of ones, which is exact data (its column of
``E`` is zero), and ``f = |b|``. For structured data such as NIST's Filip polynomial the normwise
bound ``κ u`` (≈ 0.2 in float64) is wildly pessimistic; the componentwise bound is not.

That bound covers *rounding the data* only. A solver adds its own error: Householder QR (and
``lstsq``) is only *columnwise* backward stable (Higham 2002, Thm 19.10 and 20.3): it returns
the exact solution for ``A + ΔA``, ``b + Δb`` with ``‖Δa_j‖₂ ≤ γ ‖a_j‖₂``, ``‖Δb‖₂ ≤ γ ‖b‖₂``.
Putting that perturbation into the first-order expansion ``Δx = A⁺(Δb − ΔA x) + (AᵀA)⁻¹ΔAᵀr``
(Higham 2002, §20.1; Wedin 1973) and bounding row ``i`` with Cauchy-Schwarz gives

    |Δx_i| ≲ γ ( ‖e_iᵀA⁺‖₂ (Σ_j ‖a_j‖₂ |x_j| + ‖b‖₂) + ‖e_iᵀ(AᵀA)⁻¹‖₂ ‖A‖_F ‖r‖₂ ),

:func:`solver_condition` (with ``γ = ε``). It is invariant under column scaling, so it is
evaluated on the equilibrated design, where ``‖a_j‖₂ = 1`` and ``‖A‖_F = √k``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ._canonical import first_of_largest, rounded_key, sign_canonical
from ._dtypes import dtype_name, unit_roundoff
from ._norms import column_norms
from ._pages import PageReleaser
from ._tsqr import TallSkinnyQR
from ._validation import as_design, as_response, check_parameters_fit, column_names

__all__ = [
    "Diagnosis",
    "NearNullCombination",
    "attainable_accuracy",
    "coefficient_scale",
    "componentwise_condition",
    "condition_number",
    "diagnose",
    "near_null_combinations",
    "numerical_rank",
    "prediction_condition",
    "solver_condition",
]

FloatArray = npt.NDArray[np.float64]

#: Relative singular value below which a direction of the equilibrated design is reported as a
#: near-null combination. 1e-2 (κ ≥ 100) flags the sorted-Poisson pair (κ ≈ 282) and stays quiet
#: for merely correlated columns.
NEAR_NULL_THRESHOLD = 1e-2

#: Rows per block of the design's QR (:class:`~pytest_linreg._tsqr.TallSkinnyQR`): ``Q`` is
#: regenerated a block at a time, so no temporary grows beyond ``_ROW_BLOCK × k`` with ``n``.
_ROW_BLOCK = 65_536

#: Coefficients in equilibrated units below this fraction of the largest are left out of the
#: text of a near-null combination (they do not visibly take part in it).
_PARTICIPATION = 1e-3


@dataclass(frozen=True)
class _Factored:
    """The equilibrated design ``A D⁻¹ = Q R`` (``Q`` implicit) and the SVD ``R = U Σ Vᵀ``.

    ``A D⁻¹`` is never held: its rows are built from ``X`` a block at a time
    (:meth:`rows`), exactly as ``A / D`` would hold them.
    """

    X: FloatArray  # (n, p) the validated design, without the intercept column
    pages: PageReleaser  # releases a memmap's pages as the blocks are read
    scale: FloatArray  # (k,) column 2-norms of A (1 for all-zero columns)
    qr: TallSkinnyQR  # Q₁ as row blocks, regenerated on demand (never formed whole)
    U: FloatArray  # (k, k)
    sv: FloatArray  # (k,) singular values of the equilibrated design, descending
    Vt: FloatArray  # (k, k)
    fit_intercept: bool

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def k(self) -> int:
        return int(self.scale.shape[0])

    @property
    def rank(self) -> int:
        return _rank_from_sv(self.sv, (self.n, self.k))

    @property
    def cond(self) -> float:
        return float(self.sv[0] / self.sv[-1]) if self.sv[-1] > 0 else float("inf")

    def rows(self, start: int, stop: int) -> FloatArray:
        """Rows ``start:stop`` of the equilibrated design ``A D⁻¹`` (intercept column first)."""
        rows = _equilibrated_rows(self.X[start:stop], self.scale, self.fit_intercept)
        return self.pages.counted(rows)


def _rank_from_sv(sv: FloatArray, shape: tuple[int, ...]) -> int:
    # LAPACK's / numpy.linalg.matrix_rank's default cut-off: σ > σ_max · max(n, k) · eps.
    if sv[0] == 0:
        return 0
    return int(np.count_nonzero(sv > sv[0] * max(shape) * np.finfo(np.float64).eps))


def _power_of_two_below(value: float) -> float:
    """``2^e`` with ``value / 2^e`` in ``[0.5, 1)`` (in ``[0.5, 2)`` at the top of the range,
    where ``2^1024`` is not a float); 1 for 0 or non-finite values. Exact."""
    if value == 0 or not math.isfinite(value):
        return 1.0
    return math.ldexp(1.0, min(math.frexp(value)[1], 1023))


def _block_column_norms(Xa: FloatArray, pages: PageReleaser) -> FloatArray:
    """:func:`column_norms` of ``Xa`` from its row blocks' norms (for data read from disk):
    ``top · √Σ(‖b‖/top)²`` with ``top`` the largest block norm, free of over- and underflow."""
    parts = []
    for start in range(0, Xa.shape[0], _ROW_BLOCK):
        block = Xa[start : start + _ROW_BLOCK]
        parts.append(column_norms(block))
        pages.read(block.nbytes)
    norms = np.array(parts)
    top = np.max(norms, axis=0)
    safe = np.where(top > 0, top, 1.0)
    return np.asarray(top * np.sqrt(np.sum((norms / safe) ** 2, axis=0)), dtype=np.float64)


def _equilibration(
    Xa: FloatArray, fit_intercept: bool, pages: PageReleaser | None = None
) -> FloatArray:
    """``D``: the 2-norms of the columns of ``A`` (``X`` with a leading column of ones when
    fitted), 1 for an all-zero column. With ``pages`` (a design on disk), by row blocks."""
    n, p = Xa.shape
    scale = np.empty(p + fit_intercept)
    scale[fit_intercept:] = column_norms(Xa) if pages is None else _block_column_norms(Xa, pages)
    if fit_intercept:
        scale[0] = math.sqrt(n)
    _check_column_norms(scale[fit_intercept:])
    scale[scale == 0] = 1.0
    return scale


def _check_column_norms(norms: FloatArray) -> None:
    """Refuse a column whose 2-norm leaves float64's normal range, naming it.

    Equilibration divides each column by its norm: an infinite norm (entries near 1.8e308)
    would zero the column, and a subnormal one (values below 2.2e-308, precision already lost)
    overflow it; either way the bounds would describe another design.
    """
    bad = np.flatnonzero(~np.isfinite(norms) | ((norms > 0) & (norms < np.finfo(np.float64).tiny)))
    if bad.size:
        j = int(bad[0])
        where = "above" if not np.isfinite(norms[j]) else "below"
        raise ValueError(
            f"X's column {j + 1} (0-based {j}; of a weighted or ridge dataset's equivalent "
            f"design, whose first column is the intercept's) has a 2-norm {where} float64's "
            "normal range: "
            "its conditioning cannot be computed in float64; rescale it (multiply by a power "
            "of two) and its coefficient by the inverse"
        )


def _equilibrated_rows(X: FloatArray, scale: FloatArray, fit_intercept: bool) -> FloatArray:
    """``[1, X] / D`` (or ``X / D``) for a block of rows."""
    out = np.empty((X.shape[0], scale.shape[0]))
    if fit_intercept:
        out[:, 0] = 1.0 / scale[0]
    np.divide(X, scale[fit_intercept:], out=out[:, fit_intercept:])
    return out


def _equilibrated_columns(X: FloatArray, scale: FloatArray, fit_intercept: bool) -> FloatArray:
    """:func:`_equilibrated_rows` transposed, ``(k, m)`` C-contiguous, in one pass."""
    out = np.empty((scale.shape[0], X.shape[0]))
    if fit_intercept:
        out[0] = 1.0 / scale[0]
    np.divide(X.T, scale[fit_intercept:, None], out=out[fit_intercept:])
    return out


def _on_disk(X: Any) -> bool:
    """Whether ``X`` is a ``numpy.memmap`` (or a view of one): data read from a file."""
    return isinstance(X, np.memmap) or isinstance(getattr(X, "base", None), np.memmap)


def _factor(X: Any, fit_intercept: bool) -> _Factored:
    Xa = as_design(X)
    n, p = Xa.shape
    check_parameters_fit(n, p, fit_intercept)
    on_disk = _on_disk(X)
    pages = PageReleaser([X])
    scale = _equilibration(Xa, fit_intercept, pages if on_disk else None)
    # QR first, then the SVD of the small k×k factor: same singular values as the SVD of the
    # n×k matrix, at O(nk²) cost. The QR is blocked and keeps Q implicit (TSQR): its rows are
    # regenerated a block at a time where the bounds need them (|A⁺| and the leverages), so
    # the factor is the only n×k array made.
    # A design on disk (a memmap) is refactored block by block in each pass rather than held,
    # and its pages are released as it is read.
    qr = TallSkinnyQR(
        n, scale.shape[0],
        lambda s, e: pages.counted(_equilibrated_columns(Xa[s:e], scale, fit_intercept)),
        _ROW_BLOCK, keep_factor=not on_disk,
    )
    U, sv, Vt = np.linalg.svd(qr.R)
    return _Factored(X=Xa, pages=pages, scale=scale, qr=qr, U=U, sv=sv, Vt=Vt,
                     fit_intercept=fit_intercept)


def _param_names(
    X: Any, fit_intercept: bool, feature_names: Sequence[str] | None
) -> tuple[str, ...]:
    # as_design first: a ragged list gets our message, not numpy's from np.shape.
    names = column_names(X, as_design(X).shape[1], feature_names)
    return ("intercept", *names) if fit_intercept else names


def condition_number(X: Any, *, fit_intercept: bool = True) -> float:
    """2-norm condition number of the column-equilibrated design.

    Parameters
    ----------
    X : array_like, shape (n, p)
        Design without the intercept column.
    fit_intercept : bool, default True
        Include a column of ones, as the fitted model does.

    Returns
    -------
    float
        ``σ_max / σ_min`` of ``A D⁻¹`` (``inf`` when singular). Same definition as
        :attr:`pytest_linreg.OLSResult.condition_number`.

    Examples
    --------
    >>> round(condition_number([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], fit_intercept=False), 12)
    1.0
    """
    return _factor(X, fit_intercept).cond


def numerical_rank(X: Any, *, fit_intercept: bool = True, rtol: float | None = None) -> int:
    """Numerical rank of the equilibrated design, intercept column included.

    Parameters
    ----------
    X : array_like, shape (n, p)
    fit_intercept : bool, default True
    rtol : float, optional
        Singular values at or below ``rtol · σ_max`` count as zero. Default
        ``max(n, k) · eps``, the cut-off of ``numpy.linalg.matrix_rank``.

    Returns
    -------
    int

    Examples
    --------
    >>> numerical_rank([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]], fit_intercept=False)
    1
    """
    fac = _factor(X, fit_intercept)
    if rtol is None:
        return fac.rank
    if not np.isfinite(rtol) or rtol < 0:
        raise ValueError(f"rtol must be a finite number ≥ 0; got {rtol!r}")
    return int(np.count_nonzero(fac.sv > fac.sv[0] * float(rtol)))


@dataclass(frozen=True)
class NearNullCombination:
    """A combination of columns that (nearly) vanishes: ``A · coefficients ≈ 0``.

    Attributes
    ----------
    singular_value : float
        Its singular value relative to the largest one of the equilibrated design
        (``1 / condition_number`` for the smallest). For the exact dependencies of a
        rank-deficient design, shown in a canonical basis, these are the null space's
        singular values in ascending order, each below the rank's cut-off.
    coefficients : ndarray (k,)
        The combination in the original column units, intercept first when fitted, scaled so
        that the largest coefficient has magnitude 1 (the first in column order among those
        tied to within 1e-6) and signed so that the first participating coefficient is positive.
    names : tuple of str
        Parameter names in the same order (``"intercept"`` first when fitted).
    participating : tuple of str
        Names of the parameters that visibly take part.
    text : str
        Human-readable form, e.g. ``"x1 − 1.00·x2 ≈ 0"``.
    """

    singular_value: float
    coefficients: FloatArray
    names: tuple[str, ...]
    participating: tuple[str, ...]
    text: str


def _format_term(c: float, name: str, first: bool) -> str:
    # Six significant digits first: 0.125 (x2 = 8·x1) must not print 0.12 or 0.13 by its
    # last bit.
    mag = float(rounded_key(abs(c)))
    number = f"{mag:.2f}" if 0.01 <= mag < 1e4 else f"{mag:.2e}"
    body = name if number == "1.00" and first else f"{number}·{name}"
    if first:
        return f"−{body}" if c < 0 else body
    return f" − {body}" if c < 0 else f" + {body}"


def _combination(
    v: FloatArray, sv_rel: float, fac: _Factored, names: tuple[str, ...]
) -> NearNullCombination:
    # A D⁻¹ v ≈ 0 means Σ_j (v_j / d_j) a_j ≈ 0: the combination in original units is v / d.
    coef = v / fac.scale
    # Canonical form, so that the text does not hang on the last bit of the data: the largest
    # coefficient has magnitude 1 (the first of those tied to rounding), and the first
    # participating column is positive (a singular vector's sign is arbitrary).
    coef = coef / abs(coef[first_of_largest(np.abs(coef))])
    visible = np.abs(v) >= _PARTICIPATION * np.max(np.abs(v))
    idx = [j for j in range(len(v)) if visible[j]]
    coef = sign_canonical(coef, idx)
    terms = [_format_term(float(coef[j]), names[j], i == 0) for i, j in enumerate(idx)]
    coef.setflags(write=False)
    return NearNullCombination(
        singular_value=sv_rel,
        coefficients=coef,
        names=names,
        participating=tuple(names[j] for j in idx),
        text="".join(terms) + " ≈ 0",
    )


def near_null_combinations(
    X: Any,
    *,
    fit_intercept: bool = True,
    feature_names: Sequence[str] | None = None,
    threshold: float = NEAR_NULL_THRESHOLD,
) -> list[NearNullCombination]:
    """Combinations of columns that nearly vanish, written with the feature names.

    Parameters
    ----------
    X : array_like, shape (n, p)
    fit_intercept : bool, default True
    feature_names : sequence of str, optional
        Default: a DataFrame's columns, else ``x1 … xp``.
    threshold : float, default 1e-2
        Report right singular vectors of the equilibrated design whose singular value is at
        most ``threshold · σ_max``.

    Returns
    -------
    list of NearNullCombination
        Smallest singular value first; empty when the design is well conditioned.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0.0, 1.0, 50)
    >>> X = np.column_stack([t, t + 1e-6 * np.sin(40 * t)])
    >>> [c.text for c in near_null_combinations(X, fit_intercept=False)]
    ['x1 − 1.00·x2 ≈ 0']
    """
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"threshold must be a finite number ≥ 0; got {threshold!r}")
    names = _param_names(X, fit_intercept, feature_names)
    return list(_near_null(_factor(X, fit_intercept), names, threshold))


def _near_null(
    fac: _Factored, names: tuple[str, ...], threshold: float
) -> tuple[NearNullCombination, ...]:
    rel = fac.sv / fac.sv[0] if fac.sv[0] > 0 else np.zeros_like(fac.sv)
    rank = fac.rank
    null = _canonical_null_basis(fac.Vt[rank:])  # exact dependencies: any basis would do
    vectors = [*null, *(fac.Vt[i] for i in range(rank - 1, -1, -1))]
    values = [*rel[::-1]]  # smallest first, as the vectors
    return tuple(
        _combination(v, float(r), fac, names)
        for v, r in zip(vectors, values, strict=True)
        if r <= threshold
    )


def _canonical_null_basis(N: FloatArray) -> list[FloatArray]:
    """A basis of the row space of ``N`` (d × k orthonormal rows: the numerical null space)
    that does not hang on which singular vectors the SVD returned, in reduced row-echelon form.

    With two or more exact dependencies (``x2 = 3·x1`` and ``x3 = x1/2``) the null space's
    singular vectors are any orthonormal basis of it: LAPACK's choice changes with the
    blocking of the QR, the row order, the BLAS. The pivots are therefore chosen from
    quantities of the space itself: the norms of the columns of an orthonormal basis (the
    length of each unit vector's projection on the space, the same for every such basis).
    From the right, the first column that takes part (norm at least ``_PARTICIPATION`` of the
    largest) is a pivot; the space is then cut down to its vectors that vanish there, and so
    on. Given the pivots ``P``, the reduced row-echelon basis ``N[:, P]⁻¹ N`` is unique: each
    dependent later column written with earlier ones. Rows in the order of their pivots.
    """
    d, k = N.shape
    if d < 2:
        return list(N)
    W = np.array(N, dtype=np.float64)
    pivots: list[int] = []
    for _ in range(d):
        norms = np.linalg.norm(W, axis=0)
        norms[pivots] = 0.0
        top = float(np.max(norms))
        j = max(c for c in range(k) if norms[c] >= _PARTICIPATION * top)
        pivots.append(j)
        # An orthonormal basis of the vectors of the space that vanish at column j.
        complement = np.linalg.qr(W[:, j : j + 1], mode="complete")[0][:, 1:]
        W = complement.T @ W
    order = sorted(pivots)
    echelon = np.linalg.solve(N[:, order], N)
    return [echelon[i] for i in range(d)]


#: A response read a block at a time: ``b(start, stop)`` gives rows ``start:stop``.
BlockVector = Callable[[int, int], FloatArray]


def _solve(fac: _Factored, b: BlockVector) -> FloatArray:
    """Truncated-SVD least-squares solution in equilibrated units, with one refinement step."""
    r = fac.rank
    inv = np.zeros_like(fac.sv)
    inv[:r] = 1.0 / fac.sv[:r]

    def apply(rhs: BlockVector) -> FloatArray:
        return np.asarray(fac.Vt.T @ (inv * (fac.U.T @ fac.qr.qt(rhs))), dtype=np.float64)

    z = apply(b)
    # One step of fixed-precision iterative refinement (Higham §20.5): enough for the bound,
    # which needs |x| and |r| to a digit or two, not to working precision.
    return z + apply(lambda s, e: b(s, e) - fac.rows(s, e) @ z)


@dataclass(frozen=True)
class _Fit:
    """The fit the bounds are evaluated at, in equilibrated units (``b`` of unit size)."""

    b: BlockVector
    z: FloatArray  # equilibrated coefficients: x = D⁻¹ z


@dataclass(frozen=True)
class _RowSums:
    """What the bounds need from the rows of ``Q``, ``|A|``, ``b``, ``ŷ`` and ``r``, gathered in
    one pass over the row blocks."""

    abs_pinv: FloatArray  # |A⁺| (|b| + E|z|)
    abs_design_residual: FloatArray  # Eᵀ |r|
    leverage: float  # max_r ‖Q_r‖₂ (times row_scale_r when given)
    top_fitted: float  # max_r |ŷ_r| (times row_scale_r when given)
    b_norm: float
    fitted_norm: float
    residual_norm: float


def _row_sums(fac: _Factored, fit: _Fit, row_scale: FloatArray | None = None) -> _RowSums:
    """One pass over the row blocks of ``Q`` (regenerated, :meth:`TallSkinnyQR.q_rows`).

    ``A⁺ = V Σ⁻¹ Uᵀ Qᵀ`` is formed a row block at a time, so no k×n matrix is held; ``E`` is
    ``|A|`` with the intercept's exact column zeroed. ``ŷ`` and ``r`` are formed per block
    too: nothing of length n is held.
    """
    rk = fac.rank
    left = fac.Vt[:rk].T @ (fac.U[:, :rk] / fac.sv[:rk]).T  # (k, k): V Σ⁻¹ Uᵀ, truncated
    abs_pinv = np.zeros(fac.k)
    abs_design_residual = np.zeros(fac.k)
    leverage = top = b_sq = fitted_sq = residual_sq = 0.0
    abs_z = np.abs(fit.z)
    for start, stop, Q in fac.qr.q_rows():
        A = fac.rows(start, stop)
        b = fit.b(start, stop)
        fitted = A @ fit.z
        residual = b - fitted
        lev = np.sqrt(np.einsum("ij,ij->i", Q, Q))  # row norms, one pass
        judged = np.abs(fitted)
        if row_scale is not None:
            lev = lev * row_scale[start:stop]
            judged = judged * row_scale[start:stop]
        leverage = max(leverage, float(np.max(lev, initial=0.0)))
        top = max(top, float(np.max(judged, initial=0.0)))
        b_sq += float(b @ b)
        fitted_sq += float(fitted @ fitted)
        residual_sq += float(residual @ residual)
        E = np.abs(A, out=A)
        if fac.fit_intercept:
            E[:, 0] = 0.0  # the intercept's ones are exact: not perturbed
        pinv_rows = Q @ left.T  # (A⁺)ᵀ's rows of this block: m × k, made and used in place
        np.abs(pinv_rows, out=pinv_rows)
        abs_pinv += (np.abs(b) + E @ abs_z) @ pinv_rows
        abs_design_residual += E.T @ np.abs(residual)
    return _RowSums(
        abs_pinv, abs_design_residual, leverage, top,
        math.sqrt(b_sq), math.sqrt(fitted_sq), math.sqrt(residual_sq),
    )


def _normalised_bound(fac: _Factored, sums: _RowSums) -> FloatArray:
    """First-order componentwise bound on ``|Δx| / ε`` (original units), Björck 1991."""
    rk = fac.rank
    gram_inv = (fac.Vt[:rk].T / fac.sv[:rk] ** 2) @ fac.Vt[:rk]  # (AᵀA)⁻¹, equilibrated
    term2 = np.abs(gram_inv) @ sums.abs_design_residual
    # Equilibration is exact in the bound: x = D⁻¹ z, so |Δx| = D⁻¹ |Δz|.
    return np.asarray((sums.abs_pinv + term2) / fac.scale, dtype=np.float64)


def _solver_bound(fac: _Factored, fit: _Fit, sums: _RowSums) -> FloatArray:
    """First-order columnwise bound on ``|Δx| / γ`` (original units); see the module docstring.

    On the equilibrated design ``A⁺ = V Σ⁻¹ Uᵀ Qᵀ`` and ``(AᵀA)⁻¹ = V Σ⁻² Vᵀ``; ``Uᵀ Qᵀ`` has
    orthonormal rows and ``Vᵀ`` is orthogonal, so the row norms are those of ``V Σ⁻¹`` and
    ``V Σ⁻²`` (truncated at the numerical rank).
    """
    rk = fac.rank
    V = fac.Vt[:rk].T
    pinv_rows = np.linalg.norm(V / fac.sv[:rk], axis=1)
    gram_rows = np.linalg.norm(V / fac.sv[:rk] ** 2, axis=1)
    # Equilibrated columns have unit norm: Σ_j ‖a_j‖|x_j| = Σ|z_j| and ‖A‖_F = √k.
    bound = pinv_rows * (float(np.sum(np.abs(fit.z))) + sums.b_norm)
    bound += gram_rows * np.sqrt(fac.k) * sums.residual_norm
    return np.asarray(bound / fac.scale, dtype=np.float64)


def _prediction_bound(fac: _Factored, fit: _Fit, sums: _RowSums) -> float:
    """Columnwise bound on ``max_r |Δŷ_r| / (γ · max|ŷ|)`` for the fitted values.

    ``sums`` carries ``max_r ‖Q_r‖₂`` and ``max_r |ŷ_r|``, both times ``row_scale_r`` when
    :func:`_row_sums` was given one: the predictions judged are then row ``r`` of the fitted
    values times ``row_scale[r]`` (``1/√wᵢ`` for the stacked system of a weighted problem, 0
    for rows not judged: zero weight, penalty rows); each row's bound scales alike.

    ``Δŷ = A Δx = P(Δb − ΔA x) + A(AᵀA)⁻¹ΔAᵀr`` to first order (Higham 2002, §20.1), with
    ``P = QQᵀ``; row ``r`` is bounded by Cauchy-Schwarz with ``‖e_rᵀP‖₂ = ‖Q_r‖₂`` and
    ``‖e_rᵀA(AᵀA)⁻¹‖₂ ≤ ‖Q_r‖₂/σ_min``: ``γ ‖Q_r‖ (‖b‖ + Σ_j‖a_j‖|x_j| + ‖A‖_F‖r‖/σ_min)``.
    The row norms ``‖Q_r‖`` (square roots of the leverages) keep it independent of ``n``.
    """
    if sums.top_fitted == 0.0:
        return 0.0
    rk = fac.rank
    size = sums.b_norm + float(np.sum(np.abs(fit.z)))
    size += float(np.sqrt(fac.k)) * sums.residual_norm / float(fac.sv[rk - 1])
    return sums.leverage * size / sums.top_fitted


def _scale_floor(fac: _Factored, sums: _RowSums) -> FloatArray:
    """``‖ŷ‖ / ‖a_i‖`` per parameter (``‖b‖`` when the fit is zero)."""
    fitted = sums.fitted_norm if sums.fitted_norm != 0.0 else sums.b_norm
    return np.asarray(fitted / fac.scale, dtype=np.float64)


def _coefficient_scale(fac: _Factored, fit: _Fit, sums: _RowSums) -> FloatArray:
    """Size a coefficient is measured against: ``max(|x_i|, ‖ŷ‖ / ‖a_i‖)``.

    The floor ``‖ŷ‖ / ‖a_i‖`` is the coefficient at which column ``i`` alone would reproduce
    the fitted values' size; it keeps a coefficient whose true value is (nearly) zero, such as
    the intercept of standardised data, from having an infinite relative condition number.
    """
    return np.asarray(
        np.maximum(np.abs(fit.z / fac.scale), _scale_floor(fac, sums)), dtype=np.float64
    )


def _null_participants(fac: _Factored) -> npt.NDArray[np.bool_]:
    """Parameters that take part in the numerical null space (not determined at all)."""
    null = fac.Vt[fac.rank :]
    if null.shape[0] == 0:
        return np.zeros(fac.k, dtype=bool)
    weight = np.max(np.abs(null), axis=0)
    return np.asarray(weight > np.sqrt(np.finfo(np.float64).eps), dtype=bool)


@dataclass(frozen=True)
class _Conditions:
    """Per-parameter data (componentwise) and solver (columnwise) conditions, and the scale."""

    data: FloatArray
    solver: FloatArray
    scale: FloatArray  # max(|x_i|, floor_i)
    floor: FloatArray  # ‖ŷ‖ / ‖a_i‖
    prediction: float  # solver bound on max_r |Δŷ_r| / (γ max|ŷ|)


def _relative(bound: FloatArray, scale: FloatArray, null: npt.NDArray[np.bool_]) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.where(scale > 0, bound / np.where(scale > 0, scale, 1.0), 0.0)
    cond[null] = np.inf
    return np.asarray(cond, dtype=np.float64)


def _response(fac: _Factored, y: Any) -> tuple[BlockVector, float]:
    """``b`` of unit size, read a block at a time, and the power of two ``2^e`` it was scaled by.

    ``b = y / 2^e`` (exact), so that |y| of 1e200 or 1e-200 neither overflows the norms nor
    underflows; the bounds are linear in y, the relative conditions do not depend on it, and
    absolute sizes are scaled back by ``2^e``. Without ``y``: a zero-residual fit in which
    every column (the intercept's too) contributes equally, equilibrated coefficients all one.
    The |A⁺||A||x| term that dominates the bound does not depend on the signs of x, so this
    stands for any such fit.
    """
    if y is None:
        ones = np.ones(fac.k)

        def raw(s: int, e: int) -> FloatArray:
            return np.asarray(fac.rows(s, e) @ ones, dtype=np.float64)
    else:
        y_arr = as_response(y, fac.n)
        pages = PageReleaser([y])

        def raw(s: int, e: int) -> FloatArray:
            return pages.counted(y_arr[s:e])

    top = max(float(np.max(np.abs(raw(s, e)), initial=0.0)) for s, e in fac.qr.row_ranges())
    unit = _power_of_two_below(top)
    return (lambda s, e: raw(s, e) / unit), unit


def weighted_prediction_condition(X: Any, y: Any, row_scale: FloatArray) -> float:
    """:func:`prediction_condition` of ``X, y`` (no intercept) for rows scaled by ``row_scale``.

    For the stacked system of a weighted or ridge problem
    (:func:`pytest_linreg._problems.equivalent_ols`), ``row_scale`` maps its rows back to the
    predictions of the original rows: ``1/√wᵢ``, and 0 for the rows that are not predictions.
    """
    fac = _factor(X, False)
    b, _ = _response(fac, y)
    fit = _Fit(b, _solve(fac, b))
    return _prediction_bound(fac, fit, _row_sums(fac, fit, row_scale))


def _conditions(fac: _Factored, y: Any) -> _Conditions:
    b, unit = _response(fac, y)
    fit = _Fit(b, _solve(fac, b))
    sums = _row_sums(fac, fit)
    scale = _coefficient_scale(fac, fit, sums)
    null = _null_participants(fac)
    with np.errstate(over="ignore"):  # an overflowing scale is refused just below
        out = _Conditions(
            data=_relative(_normalised_bound(fac, sums), scale, null),
            solver=_relative(_solver_bound(fac, fit, sums), scale, null),
            scale=np.asarray(scale * unit, dtype=np.float64),
            floor=np.asarray(_scale_floor(fac, sums) * unit, dtype=np.float64),
            prediction=_prediction_bound(fac, fit, sums),
        )
    _check_representable_scale(out.scale, out.floor)
    for arr in (out.data, out.solver, out.scale, out.floor):
        arr.setflags(write=False)
    return out


def _check_representable_scale(scale: FloatArray, floor: FloatArray) -> None:
    """Refuse a problem whose coefficient sizes ``max(|x_i|, ‖ŷ‖/‖a_i‖)`` overflow float64.

    They are computed on y scaled to unit size and scaled back; past 1.8e308 the absolute
    tolerance ``rtol · scale`` would be inf and accept any value (a coefficient of 1e305 set to
    0 passed): an error names the parameter instead.
    """
    bad = np.flatnonzero(~np.isfinite(scale) | ~np.isfinite(floor))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"parameter {i} (0-based, intercept first when fitted) is measured against "
            "max(|x_i|, ‖ŷ‖/‖a_i‖), which exceeds float64's range for these data, so no "
            "tolerance for it can be expressed; rescale y or that column of X by a power of two"
        )


def _componentwise(fac: _Factored, y: Any) -> FloatArray:
    return _conditions(fac, y).data


def componentwise_condition(X: Any, y: Any = None, *, fit_intercept: bool = True) -> FloatArray:
    """Per-coefficient relative condition numbers of the least-squares solution.

    ``cond[i]`` bounds, to first order, ``|Δx_i| / |x_i|`` divided by ``ε`` when every entry of
    ``X`` and ``y`` is perturbed by a relative amount at most ``ε`` (the intercept's ones are
    exact). Björck's bound, see the module docstring; the residual term is included.

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,), optional
        Without ``y`` the bound is that of a zero-residual fit in which every column of ``X``
        contributes equally to the fitted values.
    fit_intercept : bool, default True

    Returns
    -------
    ndarray, shape (p + fit_intercept,)
        Intercept first when fitted. A coefficient is measured relative to
        ``max(|x_i|, ‖ŷ‖ / ‖a_i‖)`` so that a zero coefficient has a finite condition number;
        ``inf`` for coefficients in the null space of a rank-deficient design.

    Notes
    -----
    ``A⁺`` and ``(AᵀA)⁻¹`` come from a Householder QR of the equilibrated design followed by
    the SVD of the k×k triangular factor, never from the normal equations; ``|A⁺| v`` is formed
    in row blocks, so no n×n or k×n matrix is held: the memory is a few n×k arrays (the
    equilibrated design, ``Q``, ``|A|``) plus O(k · 65 536).

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> cond = componentwise_condition(X, [1.0, 3.0, 5.0, 7.0])
    >>> bool(cond.shape == (2,) and (cond >= 1).all() and (cond < 10).all())
    True
    """
    return _componentwise(_factor(X, fit_intercept), y)


def solver_condition(X: Any, y: Any = None, *, fit_intercept: bool = True) -> FloatArray:
    """Per-coefficient relative condition numbers for a columnwise backward-stable solver.

    ``cond[i]`` bounds, to first order, ``|Δx_i| / max(|x_i|, ‖ŷ‖/‖a_i‖)`` divided by ``γ``
    when the solver returns the exact least-squares solution of ``A + ΔA``, ``b + Δb`` with
    ``‖Δa_j‖₂ ≤ γ‖a_j‖₂`` and ``‖Δb‖₂ ≤ γ‖b‖₂`` — what Householder QR and ``lstsq`` guarantee
    (Higham 2002, Thm 19.10, 20.3), with ``γ`` a small multiple of the working unit roundoff.
    The bound is in the module docstring. Unlike :func:`componentwise_condition` every entry
    may be perturbed (the intercept's ones too), so it is the larger of the two: rounding the
    data is one error, solving in the dtype another.

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,), optional
        Without ``y``, as in :func:`componentwise_condition`.
    fit_intercept : bool, default True

    Returns
    -------
    ndarray, shape (p + fit_intercept,)
        Intercept first when fitted; ``inf`` in the null space of a rank-deficient design.

    Examples
    --------
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], [1.0, 3.0, 5.0, 7.0]
    >>> bool((solver_condition(X, y) >= componentwise_condition(X, y)).all())
    True
    """
    return _conditions(_factor(X, fit_intercept), y).solver


def coefficient_scale(X: Any, y: Any = None, *, fit_intercept: bool = True) -> FloatArray:
    """The size each parameter is measured against: ``max(|x_i|, ‖ŷ‖ / ‖a_i‖)``.

    The relative condition numbers (and the tolerances derived from them) are relative to this
    scale. The floor ``‖ŷ‖/‖a_i‖`` is the coefficient at which column ``i`` alone would
    reproduce the fitted values' size (``‖ŷ‖/√n`` for the intercept); it gives a coefficient
    whose true value is (nearly) zero a finite tolerance, ``rtol · ‖ŷ‖/‖a_i‖``.

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,), optional
    fit_intercept : bool, default True

    Returns
    -------
    ndarray, shape (p + fit_intercept,)
        Intercept first when fitted.

    Examples
    --------
    >>> coefficient_scale([[-1.0], [1.0]], [0.0, 2.0]).round(4).tolist()  # ‖ŷ‖/√2 > |x_i| = 1
    [1.4142, 1.4142]
    """
    return _conditions(_factor(X, fit_intercept), y).scale


def prediction_condition(X: Any, y: Any, *, fit_intercept: bool = True) -> float:
    """Relative condition of the fitted values for a columnwise backward-stable solver.

    ``max_r |Δŷ_r| ≲ γ · cond · max_r |ŷ_r|`` when the solver returns the exact solution of a
    columnwise perturbation of size ``γ`` (see :func:`solver_condition`); the per-row bound
    is in the Notes.

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,)
    fit_intercept : bool, default True

    Returns
    -------
    float

    Notes
    -----
    To first order ``Δŷ = P(Δb − ΔA x) + A(AᵀA)⁻¹ΔAᵀr`` (Higham 2002, §20.1); row ``r`` is
    bounded by ``γ ‖Q_r‖₂ (‖b‖₂ + Σ_j‖a_j‖₂|x_j| + ‖A‖_F‖r‖₂/σ_min)`` on the equilibrated
    design, ``‖Q_r‖₂²`` being the leverage of row ``r``. It also covers rounding the data
    (componentwise perturbations are columnwise ones of the same size).

    Examples
    --------
    >>> c = prediction_condition([[0.0], [1.0], [2.0], [3.0]], [1.0, 3.0, 5.0, 7.0])
    >>> bool(1.0 <= c < 10.0)
    True
    """
    fac = _factor(X, fit_intercept)  # validates X before y's length is read from it
    return _conditions(fac, as_response(y, fac.n)).prediction


def attainable_accuracy(
    X: Any, y: Any = None, *, fit_intercept: bool = True, dtype: Any = np.float64
) -> FloatArray:
    """Relative accuracy per parameter attainable when the data are held in ``dtype``.

    ``unit_roundoff(dtype) · componentwise_condition(X, y)``: rounding the data to ``dtype``
    alone moves the exact least-squares solution by about this much, so no solver working in
    that type can promise more.

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,), optional
    fit_intercept : bool, default True
    dtype : dtype-like, default float64

    Returns
    -------
    ndarray, shape (p + fit_intercept,)
        Intercept first when fitted.

    Examples
    --------
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> acc = attainable_accuracy(X, [1.0, 3.0, 5.0, 7.0], dtype="float32")
    >>> bool((acc > 5e-8).all() and (acc < 1e-6).all())
    True
    """
    u = unit_roundoff(dtype)
    return componentwise_condition(X, y, fit_intercept=fit_intercept) * u


#: At most this many near-null combinations and parameter rows are printed by ``str()`` and
#: ``_repr_html_`` of a :class:`Diagnosis`; the rest are counted.
_SHOWN_NEAR_NULL = 10
_SHOWN_PARAMS = 50


def _fixed(value: float, spec: str) -> str:
    """``value`` formatted with ``spec``, independent of its last bits and never ``-0``.

    The value is first rounded to six significant digits (:func:`rounded_key`), so that a
    quantity that sits on a printing boundary in exact arithmetic (``0.125`` with ``.2f``)
    prints the same whichever side of it rounding noise puts the computed float.
    """
    v = float(rounded_key(float(value))) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = format(v, spec)
    if text.startswith("-") and float(text) == 0.0:  # a tiny negative printed as "-0.0…"
        text = text[1:]
    return text


def _table_lines(header: list[list[str]], rows: list[list[str]], spans: int) -> list[str]:
    """Rows of cells as aligned text: column 0 left-aligned, the others right-aligned.

    The last header row names every column. In the header rows above it, the first ``spans``
    cells sit over their own columns; the cells after them are group labels over the remaining
    columns, written from where those columns start without widening them.
    """
    columns = header[-1]
    cells = [row[:spans] for row in header[:-1]] + [columns, *rows]
    widths = [max(len(row[j]) for row in cells if j < len(row)) for j in range(len(columns))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=False)]  # row may be short
        return "  ".join([first, *rest]).rstrip()

    lead = sum(widths[:spans]) + 2 * (spans - 1)  # where the grouped columns start, less 2
    out = [
        "  ".join([line(group[:spans]).ljust(lead), *group[spans:]]).rstrip()
        for group in header[:-1]
    ]
    out.append(line(columns))
    out.extend(line(row) for row in rows)
    return out


@dataclass(frozen=True, repr=False)
class Diagnosis:
    """Everything the messages say about a design, computed once.

    ``str()`` gives a short table (condition number, rank, near-null combinations, and per
    parameter the componentwise condition and the attainable relative accuracy per dtype),
    ``repr()`` one line without arrays, and ``_repr_html_`` the table for notebooks. The text
    holds only fixed-format numbers of two or three significant digits, so it is the same on
    every machine and for data one ulp apart.

    Attributes
    ----------
    param_names : tuple of str
        ``"intercept"`` first when fitted, then the feature names.
    n : int
    fit_intercept : bool
    condition_number : float
    rank : int
    near_null : tuple of NearNullCombination
    componentwise_condition : ndarray
        Per parameter, intercept first (see :func:`componentwise_condition`).
    attainable : dict of str to ndarray
        Per-parameter relative accuracy attainable in ``"float32"``, ``"float64"`` and the
        requested dtype.
    response_known : bool
        Whether ``y`` was given (otherwise a zero-residual fit was assumed).

    Examples
    --------
    >>> from pytest_linreg.datasets import Dataset
    >>> ds = Dataset.from_arrays(
    ...     "dose", [[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 5.0], [4.0, 2.0]],
    ...     [0.0, 2.5, 3.5, 1.5, 6.5], feature_names=["dose", "age"])
    >>> d = diagnose(ds)
    >>> print(repr(d))
    Diagnosis(n=5, k=3, condition_number=4.15e+00, rank=3, near_null=0)
    >>> print(d)
    Diagnosis: n=5, k=3, condition number 4.15e+00, rank 3/3, intercept fitted
    near-null combinations: none
               componentwise  attainable relative accuracy
    parameter      condition  float32  float64
    intercept       2.33e+00  1.4e-07  2.6e-16
    dose            3.45e+00  2.1e-07  3.8e-16
    age             4.45e+00  2.7e-07  4.9e-16
    """

    param_names: tuple[str, ...]
    n: int
    fit_intercept: bool
    condition_number: float
    rank: int
    near_null: tuple[NearNullCombination, ...]
    componentwise_condition: FloatArray
    attainable: dict[str, FloatArray] = field(default_factory=dict)
    response_known: bool = False

    @property
    def k(self) -> int:
        """Number of parameters, intercept included."""
        return len(self.param_names)

    @property
    def rank_deficient(self) -> bool:
        return self.rank < self.k

    def attainable_for(self, dtype: Any) -> FloatArray:
        """Per-parameter attainable relative accuracy in ``dtype``."""

        name = dtype_name(dtype)
        if name in self.attainable:
            return self.attainable[name]
        return self.componentwise_condition * unit_roundoff(dtype)

    # -- display ------------------------------------------------------------------------------

    def _dtypes(self) -> list[str]:
        """Dtypes diagnosed, in a fixed order: float32, float64, then the others by name."""
        first = [name for name in ("float32", "float64") if name in self.attainable]
        return first + sorted(name for name in self.attainable if name not in first)

    def _rank_cutoff(self) -> float:
        """``σ/σmax`` at or below which a singular value is rounding noise (the rank's cut-off)."""
        return max(self.n, self.k) * float(np.finfo(np.float64).eps)

    def _condition_text(self) -> tuple[str, str]:
        """``("=", condition number)``, or ``(">", bound)`` for a rank-deficient design.

        The smallest singular value of a rank-deficient design is rounding noise, and so is
        the quotient: two machines would print two different numbers. What the rank says is
        that the condition number exceeds ``1 / cut-off``.
        """
        if self.rank_deficient:
            return ">", _fixed(1.0 / self._rank_cutoff(), ".2e")
        return "=", _fixed(self.condition_number, ".2e")

    def _summary(self) -> str:
        scope = "intercept fitted" if self.fit_intercept else "no intercept"
        relation, cond = self._condition_text()
        cond = cond if relation == "=" else f"{relation} {cond}"
        text = (
            f"n={self.n}, k={self.k}, condition number {cond}, rank {self.rank}/{self.k}, {scope}"
        )
        if not self.response_known:
            text += " (y not given: a zero-residual fit assumed)"
        return text

    def _near_null_rows(self) -> tuple[list[list[str]], int]:
        shown = self.near_null[:_SHOWN_NEAR_NULL]
        cutoff = self._rank_cutoff()
        noise = f"<{_fixed(cutoff, '.2e')}"  # below the rank's cut-off: rounding noise
        rows = [
            [noise if c.singular_value <= cutoff else _fixed(c.singular_value, ".2e"), c.text]
            for c in shown
        ]
        width = max((len(row[0]) for row in rows), default=0)
        return [[sv.rjust(width), text] for sv, text in rows], len(self.near_null) - len(shown)

    def _param_table(self) -> tuple[list[list[str]], list[list[str]], int]:
        dtypes = self._dtypes()
        group = ["attainable relative accuracy"] if dtypes else []
        header = [["", "componentwise", *group], ["parameter", "condition", *dtypes]]
        shown = min(self.k, _SHOWN_PARAMS)
        rows = [
            [
                self.param_names[i],
                _fixed(self.componentwise_condition[i], ".2e"),
                *(_fixed(self.attainable[name][i], ".1e") for name in dtypes),
            ]
            for i in range(shown)
        ]
        return header, rows, self.k - shown

    def __str__(self) -> str:
        lines = [f"Diagnosis: {self._summary()}"]
        near, more_near = self._near_null_rows()
        if near:
            lines.append("near-null combinations (σ/σmax):")
            lines.extend(f"  {sv}  {text}" for sv, text in near)
            if more_near:
                lines.append(f"  … and {more_near} more")
        else:
            lines.append("near-null combinations: none")
        header, rows, more_params = self._param_table()
        lines.extend(_table_lines(header, rows, spans=2))
        if more_params:
            lines.append(f"… and {more_params} more parameters")
        return "\n".join(lines)

    def __repr__(self) -> str:
        relation, cond = self._condition_text()
        return (
            f"Diagnosis(n={self.n}, k={self.k}, condition_number{relation}{cond}, "
            f"rank={self.rank}, near_null={len(self.near_null)})"
        )

    def _repr_html_(self) -> str:
        """The ``str()`` table as HTML, for Jupyter; every name is escaped."""
        esc = html.escape
        out = [
            '<div class="pytest-linreg-diagnosis">',
            f"<p><strong>Diagnosis</strong>: {esc(self._summary())}</p>",
        ]
        near, more_near = self._near_null_rows()
        if near:
            out.append("<table>")
            out.append("<caption>near-null combinations</caption>")
            out.append("<thead><tr><th>σ/σmax</th><th>combination</th></tr></thead>")
            out.append("<tbody>")
            out.extend(
                f"<tr><td>{esc(sv.strip())}</td><td>{esc(text)}</td></tr>" for sv, text in near
            )
            if more_near:
                out.append(f'<tr><td colspan="2">… and {more_near} more</td></tr>')
            out.append("</tbody>")
            out.append("</table>")
        else:
            out.append("<p>near-null combinations: none</p>")
        header, rows, more_params = self._param_table()
        dtypes = header[-1][2:]
        out.append("<table>")
        out.append("<thead>")
        if dtypes:
            out.append(
                '<tr><th rowspan="2">parameter</th><th rowspan="2">componentwise condition</th>'
                f'<th colspan="{len(dtypes)}">attainable relative accuracy</th></tr>'
            )
            out.append("<tr>" + "".join(f"<th>{esc(d)}</th>" for d in dtypes) + "</tr>")
        else:
            out.append("<tr><th>parameter</th><th>componentwise condition</th></tr>")
        out.append("</thead>")
        out.append("<tbody>")
        for row in rows:
            cells = "".join(f"<td>{esc(cell)}</td>" for cell in row[1:])
            out.append(f"<tr><th>{esc(row[0])}</th>{cells}</tr>")
        if more_params:
            out.append(
                f'<tr><td colspan="{len(header[-1])}">… and {more_params} more parameters</td></tr>'
            )
        out.append("</tbody>")
        out.append("</table>")
        out.append("</div>")
        return "\n".join(out)


def diagnose(
    X: Any,
    y: Any = None,
    *,
    fit_intercept: bool | None = None,
    feature_names: Sequence[str] | None = None,
    dtype: Any = np.float64,
) -> Diagnosis:
    """Condition number, rank, near-null combinations and attainable accuracy in one bundle.

    Parameters
    ----------
    X : array_like, shape (n, p), or Dataset
        The design without the intercept column, or a :class:`~pytest_linreg.Dataset`, whose
        ``X``, ``y``, ``fit_intercept`` and ``feature_names`` are then used (``fit_intercept``
        and ``feature_names`` given here take precedence; ``y`` must not be given).
    y : array_like, shape (n,), optional
    fit_intercept : bool, optional
        Default: the dataset's when ``X`` is a Dataset, else True.
    feature_names : sequence of str, optional
        Default: the dataset's names, a DataFrame's columns, else ``x1 … xp``.
    dtype : dtype-like, default float64
        Attainable accuracy is computed for float32, float64 and this dtype.

    Returns
    -------
    Diagnosis
        ``print()`` it for a table with the feature names.

    Raises
    ------
    TypeError
        When ``X`` is a Dataset and ``y`` is given too.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0.0, 1.0, 50)
    >>> d = diagnose(np.column_stack([t, t + 1e-6 * np.sin(40 * t)]), fit_intercept=False)
    >>> d.rank, d.near_null[0].text, bool(d.condition_number > 1e5)
    (2, 'x1 − 1.00·x2 ≈ 0', True)

    A dataset brings its response, intercept and feature names:

    >>> from pytest_linreg.datasets import load_dataset
    >>> d = diagnose(load_dataset("Filip"))
    >>> d.param_names[:3], d.rank, f"{d.condition_number:.1e}", len(d.near_null)
    (('intercept', 'x', 'x^2'), 11, '5.2e+09', 7)
    >>> print(str(d).splitlines()[0])
    Diagnosis: n=82, k=11, condition number 5.21e+09, rank 11/11, intercept fitted
    """
    from .datasets import Dataset

    if isinstance(X, Dataset):
        if y is not None:
            raise TypeError(
                f"diagnose() got a Dataset ({X.name!r}) and y: the dataset carries its own y; "
                "pass either a Dataset or X and y, not both"
            )
        y = X.y
        fit_intercept = X.fit_intercept if fit_intercept is None else fit_intercept
        feature_names = X.feature_names if feature_names is None else feature_names
        X = X.X
    elif fit_intercept is None:
        fit_intercept = True
    names = _param_names(X, fit_intercept, feature_names)
    fac = _factor(X, fit_intercept)
    cond = _componentwise(fac, y)
    cond.setflags(write=False)
    near = _near_null(fac, names, NEAR_NULL_THRESHOLD)
    attainable: dict[str, FloatArray] = {}
    for dt in (np.float32, np.float64, dtype):
        acc = cond * unit_roundoff(dt)
        acc.setflags(write=False)
        attainable[dtype_name(dt)] = acc
    return Diagnosis(
        param_names=names,
        n=fac.n,
        fit_intercept=fit_intercept,
        condition_number=fac.cond,
        rank=fac.rank,
        near_null=near,
        componentwise_condition=cond,
        attainable=attainable,
        response_known=y is not None,
    )
