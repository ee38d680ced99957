"""The single place tolerances come from: dtype precision times the data's conditioning.

Two errors limit what a fit in a dtype with unit roundoff ``u`` can reach:

* **data**: rounding the data to the dtype moves the exact least-squares solution by about
  ``u · cond_i`` in coefficient ``i`` (componentwise, Björck 1991;
  :func:`pytest_linreg.diagnostics.componentwise_condition`). This is what the data and dtype
  *determine*: :func:`attainable_rtol` and :func:`pytest_linreg.assert_identifiable` use it.
* **solver**: a backward-stable solver in the dtype (Householder QR, ``lstsq``) is only
  columnwise backward stable (Higham 2002, Thm 19.10, 20.3) and adds about
  ``γ · scond_i`` (:func:`pytest_linreg.diagnostics.solver_condition`, ``γ`` from
  :func:`solver_gamma`), which dominates.

The tolerance for *checking a fitted model* (:func:`derive_tolerance`, :func:`derived_rtol`)
must let a correct solver pass, so it uses ``SAFETY_FACTOR · max(u·cond_i, γ·scond_i)``.
The per-parameter rtols here are relative to the coefficient scale ``max(|x_i|, ‖ŷ‖/‖a_i‖)``
(:func:`pytest_linreg.diagnostics.coefficient_scale`); :attr:`Tolerance.absolute` turns them
into each parameter's own units, ``f_i``. Checks compare in those units,
``|a_i − e_i| ≤ atol_i + rtol·|e_i|``, with ``f_i`` as the absolute term only where ``e_i`` is
zero at the dtype's resolution or ``rtol="auto"`` asks for it
(:func:`pytest_linreg.assert_coefficients_close`). No tolerance is ``rtol · ‖ŷ‖/‖a_i‖``: on the
scale of the predictions, it passed Wampler1's intercept off by 0.1.

Under pytest the ``pytest_linreg_tolerance`` hook may override the rtol: the plugin installs a
policy for the duration of each test with :func:`tolerance_policy`, and the suite's checks ask
:func:`active_tolerance_policy` for it (a :class:`~contextvars.ContextVar`, as
:func:`pytest_linreg._records.collecting` is, so threads and nested scopes stay separate).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._dtypes import dtype_name, unit_roundoff
from ._norms import column_norms, vector_norm
from ._problems import equivalent_ols
from ._validation import as_design, as_response, check_rtol
from .diagnostics import (
    _conditions,
    _factor,
    attainable_accuracy,
    weighted_prediction_condition,
)

__all__ = [
    "PREDICTION_RTOL_CEILING",
    "RTOL_CEILING",
    "SAFETY_FACTOR",
    "TARGET_RTOL",
    "Tolerance",
    "TolerancePolicy",
    "active_tolerance_policy",
    "attainable_rtol",
    "coefficient_floor",
    "derive_tolerance",
    "derived_rtol",
    "dtype_name",
    "prediction_rtol",
    "solver_gamma",
    "solver_rtol",
    "tolerance_policy",
    "unit_roundoff",
]

FloatArray = npt.NDArray[np.float64]

def solver_gamma(n: int) -> float:
    """The backward-error constant ``γ / u`` a solver's bound is scaled by, for ``n`` rows.

    Householder QR's columnwise backward error is ``γ̃_mn = c·m·n·u`` in the worst case (Higham
    2002, Thm 19.10); errors of length-``n`` inner products grow like ``√n·u`` when they are
    random and like ``log2(n)·u`` under blocked or pairwise summation (Higham 2002, §2.8, §4.2).
    Neither extreme fits: sorted rows make the errors systematic. Measured here (float32 QR
    and SVD lstsq of the equilibrated design, scipy/OpenBLAS): on sorted Poisson columns with
    ``n = 100 000`` the error reaches ``7.6 u·cond`` against the solver condition; with
    ``n ≤ 200`` at most ``0.9 u·cond``. ``max(1, log2 n)`` (17 at ``n = 10⁵``) covers both
    with the safety factor's margin, without loosening small problems more than 8-fold.
    """
    return max(1.0, math.log2(max(n, 1)))


#: The accuracy aimed at when nobody asks for another (DESIGN.md: "to 1e-7 where data and dtype
#: allow"): ``rtol="auto"`` and the suite use ``max(TARGET_RTOL, attainable)``.
TARGET_RTOL = 1.0e-7

#: Largest rtol :func:`derive_tolerance` returns. An attainable rtol of 1 or more means no digit
#: is determined; the tolerance is then capped just below 1 (``check_rtol``'s range) and
#: ``limited`` is set, so callers compare something else (the suite: the predictions).
RTOL_CEILING = 0.5

#: Multiplier on ``u · cond``. Why 4: a fit in the dtype suffers both the data's rounding and the
#: solver's backward error, at most twice the larger of the two bounds; the other factor 2 covers
#: the first-order bounds' O(ε²) terms, the dimension constant of ``γ`` that the bounds take as
#: ``u`` (Higham's ``γ̃_mn`` is a worst case never seen in practice) and the rounding in our own
#: estimate of the condition numbers. Measured on every built-in dataset (tests/unit/
#: test_tolerances.py): Householder QR in float32 and float64 uses at most a quarter of the
#: resulting tolerance, and a factor of 4 never makes a wrong answer pass.
SAFETY_FACTOR = 4.0

#: Largest derived *prediction* rtol a check is made with: above it (fewer than 2 digits of the
#: predictions determined by data and dtype: Filip in float32 3.5e2, Wampler5 6.1e-2) a wrong
#: model passes as easily as a right one, so the predictions are "not checkable" instead.
PREDICTION_RTOL_CEILING = 1.0e-2

def attainable_rtol(
    X: Any, y: Any = None, *, fit_intercept: bool = True, dtype: Any = np.float64
) -> FloatArray:
    """Per-parameter relative accuracy to which data held in ``dtype`` determine the solution.

    ``SAFETY_FACTOR · unit_roundoff(dtype) · componentwise_condition(X, y)``: the data bound,
    which :func:`pytest_linreg.assert_identifiable` uses. A tolerance for checking a fitted
    model also covers the solver's error: see :func:`derive_tolerance`.

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
    >>> rt = attainable_rtol([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], dtype="float32")
    >>> bool((rt > 1e-7).all() and (rt < 1e-5).all())
    True
    """
    return SAFETY_FACTOR * attainable_accuracy(X, y, fit_intercept=fit_intercept, dtype=dtype)


def solver_rtol(
    X: Any, y: Any = None, *, fit_intercept: bool = True, dtype: Any = np.float64
) -> FloatArray:
    """Per-parameter relative error of a backward-stable solve in ``dtype``, with safety factor.

    ``SAFETY_FACTOR · solver_gamma(n) · unit_roundoff(dtype) · solver_condition(X, y)``.

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
    >>> X, y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
    >>> bool((solver_rtol(X, y) >= attainable_rtol(X, y)).all())
    True
    """
    u = unit_roundoff(dtype)
    fac = _factor(X, fit_intercept)  # validates X before its row count is used
    return SAFETY_FACTOR * solver_gamma(fac.n) * u * _conditions(fac, y).solver


def coefficient_floor(X: Any, coef: Any, intercept: float | None) -> FloatArray:
    """The floor ``‖ŷ‖/‖a_i‖`` of the coefficient scale, from reference coefficients.

    ``rtol`` times it is the absolute tolerance that matches a relative tolerance measured on
    the scale ``max(|x_i|, ‖ŷ‖/‖a_i‖)`` (see the module docstring).

    Parameters
    ----------
    X : array_like, shape (n, p)
    coef : array_like, shape (p,)
    intercept : float or None
        ``None`` when no intercept is fitted.

    Returns
    -------
    ndarray, shape (p + (intercept is not None),)
        Intercept first when fitted; 0 for all-zero columns.

    Examples
    --------
    >>> coefficient_floor([[-1.0], [1.0]], [1.0], 1.0).round(4).tolist()  # ‖ŷ‖ = 2, ‖a_i‖ = √2
    [1.4142, 1.4142]
    """
    Xa = as_design(X)
    beta = np.asarray(coef, dtype=np.float64).reshape(-1)
    if beta.size != Xa.shape[1]:
        raise ValueError(f"coef has {beta.size} values but X has {Xa.shape[1]} columns")
    fitted = vector_norm(Xa @ beta + (0.0 if intercept is None else float(intercept)))
    norms = column_norms(Xa)
    if intercept is not None:
        norms = np.concatenate([[np.sqrt(Xa.shape[0])], norms])
    with np.errstate(divide="ignore"):
        floor = np.where(norms > 0, fitted / np.where(norms > 0, norms, 1.0), 0.0)
    return np.asarray(floor, dtype=np.float64)


def prediction_rtol(
    X: Any, y: Any, *, fit_intercept: bool = True, dtype: Any = np.float64
) -> float:
    """Relative error of the predictions of a backward-stable solve in ``dtype``.

    ``SAFETY_FACTOR · solver_gamma(n) · u · prediction_condition(X, y)``, relative to
    ``max |ŷ|`` and row by row (:func:`pytest_linreg.diagnostics.prediction_condition`).

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,)
    fit_intercept : bool, default True
    dtype : dtype-like, default float64

    Returns
    -------
    float

    Examples
    --------
    >>> prediction_rtol([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], dtype="float32") < 1e-5
    True
    """
    u = unit_roundoff(dtype)
    fac = _factor(X, fit_intercept)  # validates X before its row count is used
    cond = _conditions(fac, as_response(y, fac.n)).prediction
    return SAFETY_FACTOR * solver_gamma(fac.n) * u * cond


def problem_prediction_rtol(data: Any, dtype: Any = np.float64) -> float:
    """:func:`prediction_rtol` of a Dataset (or verdict design), whatever problem it poses.

    A weighted or ridge problem is bounded through its stacked system
    (:func:`problem_arrays`), row by row mapped back to the predictions of the rows of
    positive weight (``1/√wᵢ``); rows of zero weight and the penalty rows are not judged.
    """
    weights, alpha = getattr(data, "sample_weight", None), getattr(data, "alpha", 0.0)
    if weights is None and not alpha:
        return prediction_rtol(data.X, data.y, fit_intercept=data.fit_intercept, dtype=dtype)
    A, b, _ = problem_arrays(data)
    n = data.X.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    row_scale = np.zeros(A.shape[0])
    positive = np.flatnonzero(w > 0)
    row_scale[positive] = 1.0 / np.sqrt(w[positive])
    cond = weighted_prediction_condition(A, b, row_scale)
    return SAFETY_FACTOR * solver_gamma(A.shape[0]) * unit_roundoff(dtype) * cond


@dataclass(frozen=True)
class Tolerance:
    """A tolerance and where it came from.

    Attributes
    ----------
    rtol : float
        The tolerance to check with: ``max(requested, attainable)``, or ``attainable`` when
        nothing was requested; at most :data:`RTOL_CEILING` unless requested.
    attainable : float
        Worst per-parameter attainable rtol (``SAFETY_FACTOR · max(u·cond_i, γ·scond_i)``).
    per_parameter : ndarray
        Attainable rtol per parameter, intercept first: the larger of the data and the solver
        bound.
    requested : float or None
    dtype : str
    limited : bool
        True when ``requested`` was tighter than the data and dtype allow, or the attainable
        rtol exceeds :data:`RTOL_CEILING`.
    source : str
        One line, e.g. ``"attainable: 4·u(float64)·cond 1.9e+02 (data bound: componentwise
        condition)"``, or ``"requested"``.
    data : ndarray
        The data bound per parameter (:func:`attainable_rtol`).
    solver : ndarray
        The solver bound per parameter (:func:`solver_rtol`).
    floor : ndarray
        ``‖ŷ‖/‖a_i‖`` per parameter (:func:`coefficient_floor`).
    scale : ndarray
        ``max(|x_i|, ‖ŷ‖/‖a_i‖)`` per parameter: what :attr:`per_parameter` is relative to.
    condition_number : float
        Of the column-equilibrated design, from the same factorisation (so a check that
        needs both factors the design once).
    """

    rtol: float
    attainable: float
    per_parameter: FloatArray
    requested: float | None
    dtype: str
    limited: bool
    source: str
    data: FloatArray
    solver: FloatArray
    floor: FloatArray
    scale: FloatArray
    condition_number: float

    @property
    def absolute(self) -> FloatArray:
        """Per parameter, the absolute error a correct fit in :attr:`dtype` may make.

        ``per_parameter · scale``: rounding the data to the dtype plus a backward-stable solve
        in it, in the parameter's own units (``inf`` in the null space of the design). Where a
        reference parameter is smaller than this it cannot be told from zero in that dtype.
        """
        with np.errstate(invalid="ignore"):
            out = np.where(np.isinf(self.per_parameter), np.inf, self.per_parameter * self.scale)
        return np.asarray(out, dtype=np.float64)



def problem_arrays(data: Any, fit_intercept: bool = True) -> tuple[Any, Any, bool]:
    """``(X, y, fit_intercept)`` of a Dataset or an ``(X, y)`` tuple, as plain least squares.

    A weighted or ridge Dataset gives its equivalent stacked system, fitted without intercept
    (:func:`pytest_linreg._problems.equivalent_ols`), whose bounds are the problem's.
    """
    if hasattr(data, "X") and hasattr(data, "y") and hasattr(data, "fit_intercept"):
        weights, alpha = getattr(data, "sample_weight", None), getattr(data, "alpha", 0.0)
        if weights is not None or alpha:
            A, b = equivalent_ols(np.asarray(data.X), np.asarray(data.y),
                                  fit_intercept=bool(data.fit_intercept),
                                  sample_weight=weights, alpha=float(alpha))
            return A, b, False
        return data.X, data.y, bool(data.fit_intercept)
    if isinstance(data, tuple) and len(data) == 2:
        return data[0], data[1], fit_intercept
    raise TypeError(f"expected a Dataset or an (X, y) tuple; got {type(data).__name__}")


def derive_tolerance(
    dataset_or_arrays: Any,
    dtype: Any,
    *,
    requested: float | None = None,
    fit_intercept: bool = True,
) -> Tolerance:
    """The tolerance a coefficient check on this data in this dtype should use, explained.

    Parameters
    ----------
    dataset_or_arrays : Dataset or (X, y)
    dtype : dtype-like
        The dtype the model computes in.
    requested : float, optional
        A tolerance asked for (``--linreg-rtol``); kept when attainable, else raised to the
        attainable one and ``limited`` is set.
    fit_intercept : bool, default True
        Used for ``(X, y)`` tuples; a Dataset carries its own.

    Returns
    -------
    Tolerance
    """
    X, y, fit = problem_arrays(dataset_or_arrays, fit_intercept)
    name = dtype_name(dtype)
    u = unit_roundoff(name)
    fac = _factor(X, fit)
    cond = _conditions(fac, y)
    gamma = solver_gamma(fac.n)
    data = SAFETY_FACTOR * u * cond.data
    solver = SAFETY_FACTOR * gamma * u * cond.solver
    per = np.maximum(data, solver)
    floor = cond.floor
    for arr in (data, solver, per):
        arr.setflags(write=False)
    worst = float(np.max(per))
    source = _source(name, worst / (SAFETY_FACTOR * u), gamma, solver_wins=bool(
        np.max(solver) >= np.max(data)))
    # Everything but the verdict on the request: the bounds, their scale and the design's κ.
    made = functools.partial(Tolerance, data=data, solver=solver, floor=floor, scale=cond.scale,
                             condition_number=float(fac.cond))
    capped = min(worst, RTOL_CEILING)
    if requested is None:
        limited = worst > RTOL_CEILING
        return made(capped, worst, per, None, name, limited, source)
    req = check_rtol(requested, "requested")
    if req >= worst:
        return made(req, worst, per, req, name, False, "requested")
    return made(
        max(req, capped), worst, per, req, name, True, f"{source} (requested {req:.1e} too tight)"
    )


def _source(name: str, cond: float, gamma: float, *, solver_wins: bool) -> str:
    """Where an attainable rtol comes from, e.g. ``"attainable: 4·u(float32)·cond 4.7e+03 …"``.

    ``cond`` is the worst ``rtol / (SAFETY_FACTOR·u)``: for the solver bound that is
    ``solver_gamma(n)`` times the solver condition, and the text says so.
    """
    head = f"attainable: {SAFETY_FACTOR:g}·u({name})·cond {cond:.3g}"
    if not solver_wins:
        return f"{head} (data bound: componentwise condition)"
    return f"{head} (solver bound: log2(n) = {gamma:.3g} × solver condition {cond / gamma:.3g})"


def derived_rtol(
    dataset_or_arrays: Any,
    dtype: Any,
    *,
    requested: float | None = None,
    fit_intercept: bool = True,
) -> float:
    """``derive_tolerance(...).rtol``: the rtol to check with, as a float.

    Examples
    --------
    >>> X, y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
    >>> derived_rtol((X, y), "float64", requested=1e-7)
    1e-07
    >>> derived_rtol((X, y), "float32", requested=1e-7) > 1e-7
    True
    """
    return derive_tolerance(
        dataset_or_arrays, dtype, requested=requested, fit_intercept=fit_intercept
    ).rtol


#: ``policy(dataset, dtype, requested_rtol) -> rtol or None``: who decides the rtol of a check
#: (``None``: the automatic per-parameter tolerance).
TolerancePolicy = Callable[[Any, str, "float | None"], "float | None"]

_POLICY: ContextVar[TolerancePolicy | None] = ContextVar(
    "pytest_linreg_tolerance_policy", default=None
)


@contextmanager
def tolerance_policy(policy: TolerancePolicy | None) -> Iterator[None]:
    """Install ``policy`` as the source of check tolerances for the body of the ``with``.

    The plugin wraps every test call in one whose policy asks the ``pytest_linreg_tolerance``
    hook (:func:`pytest_linreg.plugin.tolerance_for`); outside pytest there is none and the
    checks use :func:`derive_tolerance`.

    Examples
    --------
    >>> before = active_tolerance_policy()  # None, or the plugin's inside a pytest test
    >>> with tolerance_policy(lambda dataset, dtype, requested: 1e-4):
    ...     active_tolerance_policy()(None, "float64", None)
    0.0001
    >>> active_tolerance_policy() is before
    True
    """
    if policy is not None and not callable(policy):
        raise TypeError(f"policy must be callable or None; got {type(policy).__name__}")
    token = _POLICY.set(policy)
    try:
        yield
    finally:
        _POLICY.reset(token)


def active_tolerance_policy() -> TolerancePolicy | None:
    """The policy installed by the innermost :func:`tolerance_policy`, or ``None``."""
    return _POLICY.get()
