"""Assertions whose failures explain themselves: coefficients, identifiability, predictions.

Each assertion records one :class:`~pytest_linreg._records.CheckRecord` (pass or fail) and, on
failure, raises :class:`~pytest_linreg.errors.LinregAssertionError` with a message built in
:mod:`pytest_linreg._messages`. Bad input (a tolerance out of range, mismatched shapes, NaN in
the reference) raises ``ValueError``/``TypeError`` instead: it is the caller's mistake, not a
failed check. This module never imports pytest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from . import _messages as msg
from ._canonical import first_of_largest
from ._norms import column_norms, vector_norm
from ._records import CheckRecord, record_check
from ._validation import as_design, check_rtol, column_names
from .adapters.extract import Coefficients, extract_coefficients
from .diagnostics import Diagnosis, condition_number, diagnose
from .digits import MAX_DIGITS, lre
from .errors import LinregAssertionError
from .tolerances import (
    PREDICTION_RTOL_CEILING,
    RTOL_CEILING,
    SAFETY_FACTOR,
    TARGET_RTOL,
    coefficient_floor,
    derive_tolerance,
    dtype_name,
    prediction_rtol,
    solver_gamma,
    unit_roundoff,
)

__all__ = ["assert_coefficients_close", "assert_identifiable", "assert_predictions_close"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Design:
    """The design behind a comparison, when known."""

    X: FloatArray
    y: FloatArray | None
    fit_intercept: bool
    names: tuple[str, ...]
    name: str | None = None
    seed: int | None = None


def _atol_values(atol: Any) -> FloatArray | None:
    """``atol`` as a float array (0-d for a scalar), or ``None`` for ``None``/``"auto"``.

    Scalars, sequences, numpy arrays and pandas Series are accepted; type and range are
    checked here, the length once the number of parameters is known.
    """
    if atol is None or (isinstance(atol, str) and atol == "auto"):
        return None
    if isinstance(atol, str):
        raise TypeError(f"atol must be a real number; got {atol!r} (str), not 'auto'")
    if isinstance(atol, (list, tuple, np.ndarray)) or hasattr(atol, "to_numpy"):
        arr = np.asarray(atol.to_numpy() if hasattr(atol, "to_numpy") else atol)
        if arr.ndim != 1 or arr.dtype.kind not in "iuf":
            raise ValueError(
                f"an atol array must hold one real number per parameter (intercept first); "
                f"got {atol!r}"
            )
        values = arr.astype(np.float64)
    elif isinstance(atol, bool) or not isinstance(atol, (int, float, np.integer, np.floating)):
        raise TypeError(f"atol must be a real number; got {atol!r} ({type(atol).__name__})")
    else:
        values = np.asarray(float(atol))
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"atol must be a finite number ≥ 0; got {atol!r}")
    return values


def _check_atol(values: FloatArray, k: int, atol: Any) -> FloatArray:
    """A scalar atol broadcast to ``k`` parameters, or a length-``k`` array (intercept first)."""
    if values.ndim == 0:
        return np.full(k, float(values))
    if values.shape != (k,):
        raise ValueError(
            f"an atol array must hold {k} real numbers (intercept first); got {atol!r}"
        )
    return values


@dataclass(frozen=True)
class _Tolerances:
    """The per-parameter comparison ``|a_i − e_i| ≤ atol_i + rtol·|e_i|`` and its origin."""

    rtol: float
    atol: FloatArray
    origin: str
    #: ``rtol="auto"`` and some parameter is not determined at all in the actual's dtype.
    undetermined: bool = False
    #: Parameters compared absolutely because they are zero at the dtype's resolution.
    at_resolution: tuple[int, ...] = ()
    resolution_dtype: str = ""


def _attainable(design: _Design, exp: Coefficients, dtype: str) -> Any:
    """:func:`derive_tolerance` of the design in ``dtype``, for the expected answer's fit."""
    y = design.y
    if y is None:  # no response known: the expected answer's own, zero-residual, fit
        y = _predictions(exp, design.X)
    return derive_tolerance((design.X, y), dtype, fit_intercept=design.fit_intercept)


def _tolerances(
    rtol: Any, atol: Any, act: Coefficients, exp: Coefficients, design: _Design | None
) -> _Tolerances:
    """The comparison to make; ``"auto"`` and the default absolute term resolved.

    One metric, per parameter and in its own units: ``|a_i − e_i| ≤ atol_i + rtol·|e_i|``.
    ``f_i`` below is the absolute error a correct fit in the actual's dtype may make
    (:attr:`pytest_linreg.tolerances.Tolerance.absolute`: rounding the data to the dtype plus a
    backward-stable solve in it, with the safety factor).

    * An explicit rtol is used as given, never loosened. The default ``atol=None`` adds
      ``f_i`` only for parameters that are *zero at the dtype's resolution*, ``|e_i| ≤ f_i``
      (no relative tolerance can hold for them: the exact OLS intercept of the question's
      data is 4.65e-20, a correct lstsq gives 3e-17), and only where the data determine the
      parameter at all (``f_i`` below ``RTOL_CEILING`` times its scale); 0 elsewhere.
    * ``rtol="auto"``: per parameter ``max(1e-7·|e_i|, f_i)``; "not determined" when some
      ``f_i`` exceeds ``RTOL_CEILING`` times the parameter's scale.
    * An explicit atol (scalar or one per parameter, intercept first) is used as given.
    """
    k = exp.p + (exp.intercept is not None)
    auto_r = isinstance(rtol, str)
    if auto_r and rtol != "auto":
        check_rtol(rtol)  # raises TypeError naming the string
    given = _atol_values(atol)
    if (auto_r or isinstance(atol, str)) and design is None:
        raise ValueError(
            "rtol='auto' and atol='auto' need the design: pass a Dataset as expected, "
            "or dataset= or X="
        )
    user_atol = np.zeros(k) if given is None else _check_atol(given, k, atol)
    rtol_value = TARGET_RTOL if auto_r else check_rtol(rtol)
    if design is None or (given is not None and not auto_r):
        return _Tolerances(rtol_value, user_atol, "as passed")
    dtype = _safe_dtype(act.dtype)
    tol = _attainable(design, exp, dtype)
    f = tol.absolute
    e = np.abs(exp.params(exp.intercept is not None))
    determined = tol.per_parameter <= RTOL_CEILING
    if f.shape != e.shape:  # a reference with an intercept the design was not fitted with
        return _Tolerances(rtol_value, user_atol, "as passed")
    if auto_r:
        extra = np.where(determined, np.maximum(f - rtol_value * e, 0.0), 0.0)
        origin = (f"auto: 1e-07, or per parameter the error a backward-stable {dtype} solve "
                  f"of these data may make ({SAFETY_FACTOR:g}·u·cond)")
        return _Tolerances(rtol_value, user_atol + extra, origin,
                           undetermined=not bool(np.all(determined)))
    zero = determined & (e <= f)
    origin = "as passed" if not zero.any() else (
        f"as passed, atol for parameters zero at {dtype} resolution")
    return _Tolerances(rtol_value, np.where(zero, f, 0.0), origin,
                       at_resolution=tuple(int(i) for i in np.flatnonzero(zero)),
                       resolution_dtype=dtype)


def _no_intercept_reference(expected: Any, dataset: Any) -> bool:
    """Whether the reference is a Dataset or OLSResult fitted without an intercept."""
    return any(getattr(obj, "fit_intercept", None) is False for obj in (expected, dataset))


def _expected(expected: Any) -> Coefficients:
    try:
        exp = extract_coefficients(expected)
    except TypeError as exc:
        raise TypeError(
            "expected must be a Dataset, an OLSResult, a (coef, intercept) pair or an array; "
            f"got {type(expected).__name__} ({exc})"
        ) from None
    values = exp.params(exp.intercept is not None)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"expected ({exp.source}) contains NaN or inf: {values.tolist()}")
    return exp


def _design_of(obj: Any) -> _Design | None:
    from .datasets import Dataset

    if isinstance(obj, Dataset):
        return _Design(obj.X, obj.y, obj.fit_intercept, obj.feature_names, obj.name, obj.seed)
    return None


def _resolve_design(
    expected: Any, dataset: Any, X: Any, exp: Coefficients, feature_names: Sequence[str] | None
) -> _Design | None:
    design = _design_of(dataset) if dataset is not None else _design_of(expected)
    if dataset is not None and design is None:
        raise TypeError(f"dataset must be a pytest_linreg.Dataset; got {type(dataset).__name__}")
    if X is not None:
        Xa = as_design(X)
        fit = exp.intercept is not None
        names = design.names if design is not None else column_names(X, Xa.shape[1], None)
        y = design.y if design is not None and design.X.shape == Xa.shape else None
        design = _Design(
            Xa, y, fit, names, design.name if design else None, design.seed if design else None
        )
    if design is not None and design.X.shape[1] != exp.p:
        raise ValueError(
            f"the design has {design.X.shape[1]} columns but expected has {exp.p} coefficients"
        )
    if design is not None and feature_names is not None:
        names = column_names(design.X, exp.p, feature_names)
        design = _Design(design.X, design.y, design.fit_intercept, names, design.name, design.seed)
    return design


def _names(exp: Coefficients, expected: Any, design: _Design | None, given: Any) -> tuple[str, ...]:
    if design is not None:
        return design.names
    if given is not None:
        return column_names(None, exp.p, given)
    names = getattr(expected, "feature_names", None)
    if isinstance(names, tuple) and len(names) == exp.p:
        return tuple(str(n) for n in names)
    return tuple(f"x{j + 1}" for j in range(exp.p))


def _predictions(c: Coefficients, X: FloatArray) -> FloatArray:
    coef = np.asarray(c.coef, dtype=np.float64)
    return np.asarray(X @ coef + (c.intercept or 0.0), dtype=np.float64)


def _prediction_rel(act: Coefficients, exp: Coefficients, X: FloatArray) -> tuple[float, float]:
    """Max-norm and rms relative differences of the predictions."""
    want = _predictions(exp, X)
    diff = _predictions(act, X) - want
    scale = float(np.max(np.abs(want)))
    root_n = math.sqrt(want.size)
    rms_scale = vector_norm(want) / root_n  # scaled: squares of 1e200 overflow
    worst = float(np.max(np.abs(diff)))
    rms = vector_norm(diff) / root_n
    return (worst / scale if scale > 0 else worst), (rms / rms_scale if rms_scale > 0 else rms)


def _sorted_rows(X: FloatArray) -> bool:
    """Whether some column is monotone over the rows, ignoring steps back of rounding size.

    Sorted data read back through another float path (one ulp off here and there) are still
    sorted: a step against the order counts only beyond a few ulps of the column's magnitude.
    """
    if X.shape[0] < 3:
        return False
    d = np.diff(X, axis=0)
    slack = 8 * np.finfo(np.float64).eps * np.max(np.abs(X), axis=0)
    return bool(np.any(np.all(d >= -slack, axis=0) | np.all(d <= slack, axis=0)))


def _large_offsets(X: FloatArray, fit_intercept: bool) -> bool:
    return fit_intercept and bool(np.any(np.abs(X.mean(axis=0)) > 100 * X.std(axis=0)))


def _clip_digits(digits: float) -> float:
    """Digits clipped to ``[0, MAX_DIGITS]``, the range :func:`pytest_linreg.digits.lre` uses."""
    return float(min(max(digits, 0.0), MAX_DIGITS))


def _digits_required(rtol: float) -> float | None:
    return -math.log10(rtol) if rtol > 0 else None


def _table(
    act: Coefficients, exp: Coefficients, names: tuple[str, ...], rtol: float, atol: FloatArray
) -> msg.CoefficientTable:
    with_intercept = exp.intercept is not None
    a = act.params(with_intercept)
    e = exp.params(with_intercept)
    ok = np.abs(a - e) <= atol + rtol * np.abs(e)  # NaN in actual compares False: a failure
    full = ("intercept", *names) if with_intercept else names
    return msg.CoefficientTable(full, a, e, ~ok, np.asarray(lre(a, e), dtype=np.float64))


def _explain(
    table: msg.CoefficientTable,
    act: Coefficients,
    exp: Coefficients,
    design: _Design | None,
    rtol: float,
    *,
    judge_fit: bool = True,
) -> tuple[list[str], float | None]:
    """Lines about the design, attainable accuracy, predictions and advice; and the cond.

    ``judge_fit=False`` (nothing mismatched, the check failed as undetermined): the design
    and attainable-accuracy lines only; there is no disagreement to explain.
    """
    if design is None:
        return ["(pass dataset= or X= to have the design diagnosed)"], None
    dtype = _safe_dtype(act.dtype)
    diag = diagnose(
        design.X, design.y, fit_intercept=design.fit_intercept, feature_names=design.names,
        dtype=dtype,
    )
    tol = SAFETY_FACTOR * diag.attainable_for(dtype)
    lines = msg.design_lines(diag)
    limit: tuple[str, float] | None = None
    if diag.k == table.actual.shape[0]:
        lines += msg.attainable_lines(diag, tol, dtype, rtol, SAFETY_FACTOR)
        limit = (dtype, float(np.max(tol)))
    if not judge_fit:
        return lines, diag.condition_number
    if not np.all(np.isfinite(table.actual)):
        lines.append("the actual contains NaN or inf: the fit diverged (lower the learning rate)")
        return lines, diag.condition_number
    pred_rel, pred_rms = _prediction_rel(act, exp, design.X)
    # Relative to the coefficient scale max(|e_i|, ‖ŷ‖/‖a_i‖), not |e_i|: an error against an
    # essentially-zero reference (an intercept of 1e-20) says nothing about the fit.
    coef_rel = float(np.max(np.where(table.failing, _scaled_rel(table, exp, design), 0.0)))
    split = _flat_split(table, design, diag)
    flat_tol = max(rtol, limit[1] if limit is not None else 0.0)
    lines.append(msg.prediction_line(pred_rel, pred_rms, coef_rel, diag, limit, split, flat_tol))
    flat = msg.is_flat(pred_rel, coef_rel, split, flat_tol)
    lines.append(
        msg.advice(
            diag,
            dtype,
            rtol,
            SAFETY_FACTOR,
            flat=flat,
            sorted_rows=_sorted_rows(design.X),
            large_offsets=_large_offsets(design.X, design.fit_intercept),
        )
    )
    return lines, diag.condition_number


def _flat_split(
    table: msg.CoefficientTable, design: _Design, diag: Diagnosis
) -> msg.FlatSplit | None:
    """The error split along and off the near-null directions, or None if there are none.

    In the equilibrated metric (parameter times column 2-norm) the near-null combinations are
    right singular vectors of the equilibrated design, hence orthonormal once normalised, and
    the projection onto them is a plain sum of dot products.
    """
    if not diag.near_null or diag.k != table.actual.shape[0]:
        return None
    norms = column_norms(design.X)
    if design.fit_intercept:
        norms = np.concatenate([[math.sqrt(design.X.shape[0])], norms])
    ref = float(np.linalg.norm(norms * table.expected))
    if ref == 0.0:
        return None
    err = norms * (table.actual - table.expected)
    along = np.zeros_like(err)
    for combo in diag.near_null:
        direction = norms * combo.coefficients
        direction /= np.linalg.norm(direction)
        along += (err @ direction) * direction
    return msg.FlatSplit(
        along=float(np.linalg.norm(along)) / ref,
        off=float(np.linalg.norm(err - along)) / ref,
        combo=diag.near_null[0].text,
    )


def _scaled_rel(table: msg.CoefficientTable, exp: Coefficients, design: _Design) -> FloatArray:
    """``|a_i − e_i| / max(|e_i|, ‖ŷ‖/‖a_i‖)``: errors on the scale the tolerances use."""
    floor = coefficient_floor(design.X, exp.coef, exp.intercept)
    scale = np.maximum(np.abs(table.expected), floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = table.abs_err / scale
    return np.asarray(np.where(table.abs_err == 0, 0.0, rel), dtype=np.float64)


def _recorded_digits(
    table: msg.CoefficientTable, exp: Coefficients, design: _Design | None, rtol: float
) -> FloatArray:
    """Digits per parameter for the record; those that passed only through atol re-scored.

    A parameter inside ``atol`` but outside ``rtol·|e_i|`` (an intercept of 4.7e-20) has an
    LRE near 0 against its own tiny value, which says nothing about the fit. With a known
    design its digits are counted against the coefficient scale ``max(|e_i|, ‖ŷ‖/‖a_i‖)``
    (the scale ``atol="auto"`` encodes); without one there is no scale, so it is left out.
    """
    by_atol = ~table.failing & ~(table.abs_err <= rtol * np.abs(table.expected))
    digits = np.array(table.digits, dtype=np.float64)
    if not by_atol.any():
        return digits
    if design is None:
        return np.asarray(digits[~by_atol], dtype=np.float64)
    with np.errstate(divide="ignore"):
        scaled = -np.log10(_scaled_rel(table, exp, design))
    digits[by_atol] = np.clip(scaled[by_atol], 0.0, MAX_DIGITS)
    return digits


def _safe_dtype(name: str) -> str:
    """The dtype to judge attainable accuracy by (float64 for non-float values like ints)."""
    try:
        unit_roundoff(name)
    except TypeError:
        return "float64"
    return name


def _source_line(act: Coefficients, exp: Coefficients, design: _Design | None) -> str:
    where = ""
    if design is not None and design.name is not None:
        seed = f", seed {design.seed}" if design.seed is not None else ""
        where = f" on dataset {design.name}{seed}"
    return f"compared {act.source} [{act.dtype}] with {exp.source}{where}"


def _notes(
    act: Coefficients,
    exp: Coefficients,
    table: msg.CoefficientTable,
    atol: FloatArray,
    forced: bool,
) -> list[str]:
    """Notes on intercepts compared or not; ``forced``: the reference has none, so 0 stood in."""
    notes = []
    zero_ok = np.zeros(len(table.names), dtype=bool)
    if forced:
        notes.append(
            f"note: the reference has no intercept term; the actual intercept "
            f"{act.intercept:.6g} was compared with 0 (fit without one)"
        )
        zero_ok[0] = True  # that note says it already
    if exp.intercept is not None and act.intercept is None:
        notes.append("note: the actual model has no intercept; it was compared as 0")
    if exp.intercept is None and act.intercept not in (None, 0.0):
        notes.append(f"note: the actual intercept {act.intercept:.6g} was not compared")
    zero = [
        table.names[i]
        for i in np.flatnonzero(table.failing & (table.expected == 0) & (atol == 0) & ~zero_ok)
    ]
    if zero:
        notes.append(
            f"note: {', '.join(zero)} expected exactly 0: no relative tolerance can hold; pass atol"
        )
    return notes


def assert_coefficients_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float | str = 1e-7,
    atol: Any = None,
    dataset: Any = None,
    X: Any = None,
    feature_names: Sequence[str] | None = None,
    dtype: Any = None,
) -> None:
    """Assert ``|a − e| ≤ atol + rtol·|e|`` for every coefficient, intercept included.

    Parameters
    ----------
    actual : model, (coef, intercept) pair or array
        Anything :func:`pytest_linreg.adapters.extract_coefficients` reads: Keras, scikit-learn,
        statsmodels, torch, or a downstream model through the ``pytest_linreg_coefficients``
        hook. An actual without intercept is compared as intercept 0; an actual intercept
        against a reference fitted without one (a Dataset or OLSResult with
        ``fit_intercept=False``) is compared with 0. Against a bare array it is not compared.
    expected : Dataset, OLSResult, pair or array
        The reference. Its intercept is compared when it has one. A certified Dataset (NIST)
        is judged by the exact OLS solution of the float64 data a fitter is handed
        (:attr:`pytest_linreg.Dataset.float_reference`), not by the certified values of the
        decimal data: no solver of the float64 data can be closer than that solution. A
        failure message says how far apart the two are.
    rtol : float or "auto"
        numpy's convention, ``0 ≤ rtol < 1``, applied per parameter in its own units and never
        loosened. ``"auto"``: per parameter ``max(1e-7·|e_i|, f_i)``, where ``f_i`` is the
        absolute error a correct fit in the actual's dtype may make (rounding the data to that
        dtype plus a backward-stable solve in it,
        :attr:`pytest_linreg.tolerances.Tolerance.absolute`); needs the design. Where that
        dtype determines some parameter to no digit at all (``f_i`` above ``RTOL_CEILING``
        times its scale) the check fails as "not determined" rather than pass at a tolerance
        that accepts anything.
    atol : None, float, array of float (intercept first), pandas Series, or "auto"
        ``≥ 0``. An explicit atol is used as given. The default ``None`` (and ``"auto"``,
        which insists on a design) is 0, except for parameters that are *zero at the
        resolution of the actual's dtype*, ``|e_i| ≤ f_i``: those are compared absolutely at
        ``f_i`` (the exact OLS intercept of the question's data is 4.65e-20, a correct lstsq
        returns 3e-17; no relative tolerance can hold). Without a design there is no ``f_i``
        and the default is 0.
    dataset : Dataset, optional
        The data behind the comparison when ``expected`` is not itself a Dataset.
    X : array_like (n, p), optional
        The design, when no Dataset is at hand. With a known design the failure message adds
        the condition number, near-null combinations, the accuracy attainable in the actual's
        dtype, how closely the predictions agree, and advice.
    feature_names : sequence of str, optional
    dtype : dtype-like, optional
        The dtype the model computed in, when its coefficients do not carry it (a fit that
        returns Python floats); default: the actual's dtype. It sets the resolution ``f_i``.

    Notes
    -----
    The recorded ``digits_achieved`` (fewest LRE digits) does not score a parameter that passed
    only through ``atol`` against its own, possibly tiny, value: with a known design it is
    scored against ``max(|e_i|, ‖ŷ‖/‖a_i‖)``, without one it is left out. The message's
    "differ by up to" uses the same scale.

    Raises
    ------
    LinregAssertionError
        When a coefficient is outside the tolerance.
    ValueError, TypeError
        For bad tolerances, shape mismatches, NaN in the reference or unreadable models.

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> ds = plr.Dataset.from_arrays("line", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    >>> plr.assert_coefficients_close(([2.0], 1.0), ds)
    """
    __tracebackhide__ = True
    if not (isinstance(rtol, str) and rtol == "auto"):
        check_rtol(rtol)
    given = _atol_values(atol)  # type and range first, the length once k is known
    act = extract_coefficients(actual)
    if dtype is not None:
        act = replace(act, dtype=dtype_name(dtype))
    exp = _expected(expected)
    if act.p != exp.p:
        raise ValueError(
            f"actual has {act.p} coefficients ({act.source}) "
            f"but expected has {exp.p} ({exp.source})"
        )
    design = _resolve_design(expected, dataset, X, exp, feature_names)
    exp, certified_gap = _judged_reference(expected, dataset, exp, design)
    forced = _no_intercept_reference(expected, dataset) and act.intercept not in (None, 0.0)
    if forced:
        # The reference *has* no intercept term (not merely gives none): a model's intercept
        # is then an error like any other, compared with 0, not silently ignored. An atol
        # with one entry per reference parameter gives the intercept none.
        exp = replace(exp, intercept=0.0)
        if given is not None and given.ndim == 1 and given.shape == (exp.p,):
            atol = np.concatenate([[0.0], given])
    names = _names(exp, expected, design, feature_names)
    act, aligned = _aligned(act, names)
    tols = _tolerances(rtol, atol, act, exp, design)
    rtol, atol_arr = tols.rtol, tols.atol
    table = _table(act, exp, names, rtol, atol_arr)
    nfail = int(table.failing.sum())
    passed = nfail == 0 and not tols.undetermined
    cond: float | None = None
    lines: list[str] = []
    if passed:
        if design is not None:
            cond = condition_number(design.X, fit_intercept=design.fit_intercept)
    else:
        judge = nfail > 0 and not tols.undetermined
        lines, cond = _explain(table, act, exp, design, rtol, judge_fit=judge)
    _record("coefficients", design, cond, act, _recorded_digits(table, exp, design, rtol), rtol,
            passed)
    if passed:
        return
    atol_text = (
        f"{atol_arr[0]:.1e}" if np.all(atol_arr == atol_arr[0])
        else "[" + ", ".join(f"{a:.1e}" for a in atol_arr) + "]"
    )
    verdict = "not determined" if tols.undetermined else "differ"
    text = [
        f"coefficients {verdict}: {nfail}/{len(table.names)} mismatched at rtol={rtol:.1e}, "
        f"atol={atol_text} ({tols.origin}; |a − e| ≤ atol + rtol·|e|)",
        *([msg.undetermined_line(act.dtype)] if tols.undetermined else []),
        _source_line(act, exp, design),
        *msg.coefficient_table(table),
        *_notes(act, exp, table, atol_arr, forced and exp.intercept is not None),
        *([aligned] if aligned else []),
        *_resolution_notes(table, tols),
        *([certified_gap] if certified_gap else []),
        *lines,
    ]
    _fail(text)


def _aligned(act: Coefficients, names: tuple[str, ...]) -> tuple[Coefficients, str]:
    """The actual's coefficients in the reference's feature order, and a note if reordered.

    A model fitted on ``df[["x2", "x1"]]`` (scikit-learn's ``feature_names_in_``) or through
    ``"y ~ x2 + x1"`` (statsmodels' ``params.index``) holds its coefficients in that order;
    compared by position with a dataset whose columns are ``x1, x2`` a correct model failed.
    Names that are a permutation of the reference's are aligned; names that overlap the
    reference's only in part are a mismatch and raise; names unrelated to them (a dataset
    with the default names ``x1 …``) leave the order as it is.
    """
    given = act.names
    if given is None or given == names:
        return act, ""
    if len(set(given)) == len(given) and set(given) == set(names):
        order = [given.index(n) for n in names]
        coef = np.array(act.coef[order], copy=True)
        coef.setflags(write=False)
        return replace(act, coef=coef, names=names), (
            f"note: the model's coefficients ({', '.join(given)}) were aligned by name with the "
            f"reference's ({', '.join(names)})"
        )
    if set(given) & set(names):
        missing = [n for n in names if n not in given]
        extra = [n for n in given if n not in names]
        raise ValueError(
            f"the model's feature names ({', '.join(given)}) do not match the reference's "
            f"({', '.join(names)}): missing {missing or 'none'}, unexpected {extra or 'none'}"
        )
    return act, ""


def _resolution_notes(table: msg.CoefficientTable, tols: _Tolerances) -> list[str]:
    if not tols.at_resolution:
        return []
    named = ", ".join(
        f"{table.names[i]} (|e| ≤ {tols.atol[i]:.1e})" for i in tols.at_resolution
    )
    return [f"note: zero at {tols.resolution_dtype} resolution, compared absolutely: {named}"]


def _judged_reference(
    expected: Any, dataset: Any, exp: Coefficients, design: _Design | None
) -> tuple[Coefficients, str]:
    """The answer a fitter of the dataset's float64 data is judged against, and a note.

    A certified dataset (NIST) states the solution of its *decimal* data; a fitter is handed
    those data rounded to float64, whose exact OLS solution differs (Filip keeps 7.6 of NIST's
    15 digits). No solver of the float64 data can do better than that solution, so it is the
    reference — :meth:`pytest_linreg.Dataset.reference`, 0 ulps from the rational answer — and
    the message says how far the certified values are.
    """
    from .datasets import Dataset

    source = dataset if isinstance(dataset, Dataset) else expected
    if not isinstance(source, Dataset) or not source.certified or design is None:
        return exp, ""
    ref = source.float_reference
    if exp.intercept is not None and not source.fit_intercept:
        return exp, ""
    judged = replace(
        exp, coef=np.asarray(ref.coef, dtype=np.float64),
        intercept=float(ref.intercept) if exp.intercept is not None else None,
    )
    e, c = judged.params(exp.intercept is not None), exp.params(exp.intercept is not None)
    if np.array_equal(e, c):
        return exp, ""
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = float(np.max(np.where(c != 0, np.abs(e - c) / np.abs(c), np.abs(e - c))))
    return judged, (
        f"note: judged against the exact OLS solution of the float64 data the fitter was "
        f"given; the certified values (of the decimal data) differ from it by up to "
        f"{gap:.1e} relative"
    )


def _fail(lines: list[str]) -> NoReturn:
    """Raise the failure: ``lines`` and, under pytest, the command that reruns the test."""
    __tracebackhide__ = True
    rerun = msg.rerun_line()
    raise LinregAssertionError("\n".join([*lines, *([rerun] if rerun else [])]))


def _record(
    check: str,
    design: _Design | None,
    cond: float | None,
    act: Coefficients,
    digits: FloatArray,
    rtol: float,
    passed: bool,
    note: str = "",
) -> None:
    """Record one row; ``digits_achieved`` is the fewest of ``digits`` (see _recorded_digits)."""
    digits = digits[np.isfinite(digits)]
    record_check(
        CheckRecord(
            check=check,
            dataset=design.name if design is not None else None,
            condition_number=cond,
            dtype=act.dtype,
            device=None,
            digits_achieved=float(digits.min()) if digits.size else None,
            digits_required=_digits_required(rtol),
            rtol=rtol,
            passed=passed,
            fitter=act.source,
            note=note,
        )
    )


def assert_identifiable(
    X: Any,
    *,
    rtol: float = 1e-7,
    dtype: Any = np.float64,
    fit_intercept: bool = True,
    y: Any = None,
    feature_names: Sequence[str] | None = None,
) -> None:
    """Assert that data and dtype determine every coefficient to ``rtol``.

    A coefficient is determined to ``SAFETY_FACTOR · u(dtype) · cond_i`` at best, where
    ``cond_i`` is its componentwise condition number
    (:func:`pytest_linreg.diagnostics.componentwise_condition`); this asserts that is ≤ ``rtol``
    for all of them. This is the *data* bound (:func:`pytest_linreg.attainable_rtol`): rounding
    the data to ``dtype`` moves no coefficient by more than that, so the coefficients are a
    property of the data at that precision. A solver working in ``dtype`` adds its own error
    (:func:`pytest_linreg.tolerances.solver_rtol`, up to a few times larger); the tolerance for
    checking a fitted model, :func:`pytest_linreg.tolerances.derive_tolerance`, covers both.

    Parameters
    ----------
    X : array_like (n, p)
    rtol : float, default 1e-7
    dtype : dtype-like, default float64
        The precision the model computes in.
    fit_intercept : bool, default True
    y : array_like (n,), optional
        With ``y`` the residual term counts; without it a zero-residual fit is assumed.
    feature_names : sequence of str, optional

    Raises
    ------
    LinregAssertionError
        Naming the coefficients that are not determined, the near-null combinations, the
        condition number and the tolerance that is attainable.

    Examples
    --------
    >>> import numpy as np
    >>> assert_identifiable(np.random.default_rng(0).normal(size=(50, 2)), rtol=1e-10)
    """
    __tracebackhide__ = True
    rtol = check_rtol(rtol)
    name = dtype_name(dtype)
    u = unit_roundoff(name)
    diag = diagnose(X, y, fit_intercept=fit_intercept, feature_names=feature_names, dtype=name)
    tol = SAFETY_FACTOR * diag.attainable_for(name)
    bad = np.flatnonzero(~(tol <= rtol))
    passed = bad.size == 0
    worst = float(np.max(tol))
    record_check(
        CheckRecord(
            check="identifiable",
            dataset=None,
            condition_number=diag.condition_number,
            dtype=name,
            device=None,
            # Clipped to [0, MAX_DIGITS] as lre() is: an attainable rtol above 1 determines no
            # digit (0), not a negative number of them.
            digits_achieved=_clip_digits(-math.log10(worst)) if 0 < worst < math.inf else None,
            digits_required=_digits_required(rtol),
            rtol=rtol,
            passed=passed,
            note=f"attainable rtol {worst:.1e} in {name}",
        )
    )
    if passed:
        return
    names = [diag.param_names[i] for i in bad]
    lines = [
        msg.identifiable_header(names, tol[bad], rtol, name),
        *msg.design_lines(diag),
        msg.attainable_summary(diag, name, worst, u, SAFETY_FACTOR),
    ]
    if diag.rank_deficient:
        lines.append(f"the design is rank deficient (rank {diag.rank} of {diag.k}): drop a column")
    else:
        offsets = _large_offsets(as_design(X), fit_intercept)
        lines.append(
            msg.identifiable_advice(diag, name, rtol, SAFETY_FACTOR, large_offsets=offsets)
        )
    _fail(lines)


def _not_checkable(
    act: Coefficients, exp: Coefficients, design: _Design, tol: float, source: str
) -> NoReturn:
    """Fail a prediction check whose derived tolerance could not fail any model."""
    __tracebackhide__ = True
    cond = condition_number(design.X, fit_intercept=design.fit_intercept)
    record_check(CheckRecord(
        check="predictions", dataset=design.name, condition_number=cond, dtype=act.dtype,
        device=None, digits_achieved=None, digits_required=_digits_required(tol), rtol=tol,
        passed=False, fitter=act.source, note="not checkable",
    ))
    _fail([
        f"predictions not checkable in {act.dtype}: the data and dtype determine them only to "
        f"rtol {tol:.1e} ({source}), above the ceiling {PREDICTION_RTOL_CEILING:g}: a check "
        "that wide passes a wrong model as easily as a right one",
        _source_line(act, exp, design),
        "advice: " + ("compute in float64, or " if act.dtype != "float64" else "")
        + "pass an explicit rtol to check at a tolerance you choose",
    ])


#: Prediction checks never ask for more than this (DESIGN.md's default coefficient rtol).
PREDICTION_RTOL_FLOOR = 1e-7


def _prediction_rtol(design: _Design, dtype: str) -> tuple[float, str]:
    """Default rtol: a backward-stable solve's prediction error in ``dtype``, at least 1e-7.

    :func:`pytest_linreg.tolerances.prediction_rtol`: ``SAFETY_FACTOR · u · cond`` with the
    row-wise first-order bound of :func:`pytest_linreg.diagnostics.prediction_condition`
    (it covers rounding the data to ``dtype`` as well).
    """
    derived = prediction_rtol(design.X, design.y, fit_intercept=design.fit_intercept, dtype=dtype)
    if derived > PREDICTION_RTOL_FLOOR:
        gamma = solver_gamma(design.X.shape[0])
        cond = derived / (SAFETY_FACTOR * unit_roundoff(dtype))
        return derived, (
            f"{SAFETY_FACTOR:g}·u({dtype})·cond {cond:.3g}: log2(n) = {gamma:.3g} × prediction "
            f"condition {cond / gamma:.3g}"
        )
    return PREDICTION_RTOL_FLOOR, "default"


def assert_predictions_close(
    actual: Any, dataset: Any, *, rtol: float | None = None, dtype: Any = None
) -> None:
    """Assert the predictions ``Xβ + b`` agree: ``max|ŷ − ŷ_ref| ≤ rtol · max|ŷ_ref|``.

    Use it where coefficients are not identifiable: predictions of a flat problem are well
    determined even when the coefficients are not.

    Parameters
    ----------
    actual : model, pair or array
    dataset : Dataset
        Its design and reference coefficients give the reference predictions.
    rtol : float, optional
        Default: the error of the predictions of a backward-stable solve in ``dtype``
        (:func:`pytest_linreg.tolerances.prediction_rtol`, which covers rounding the data to
        ``dtype`` too), at least 1e-7. Where that exceeds
        :data:`~pytest_linreg.tolerances.PREDICTION_RTOL_CEILING` (1e-2) the predictions are
        not checkable in ``dtype`` and the assertion fails saying so: a tolerance that wide
        passes a wrong model as easily as a right one.
    dtype : dtype-like, optional
        Default: the dtype of the actual's weights.

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> ds = plr.Dataset.from_arrays("line", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    >>> plr.assert_predictions_close(([2.0], 1.0), ds)
    """
    __tracebackhide__ = True
    design = _design_of(dataset)
    if design is None:
        raise TypeError(f"dataset must be a pytest_linreg.Dataset; got {type(dataset).__name__}")
    act = extract_coefficients(actual)
    exp = _expected(dataset)
    if act.p != exp.p:
        raise ValueError(f"actual has {act.p} coefficients but dataset {design.name} has {exp.p}")
    exp, _ = _judged_reference(dataset, None, exp, design)
    act, _ = _aligned(act, design.names)
    name = _safe_dtype(act.dtype) if dtype is None else dtype_name(dtype)
    if rtol is None:
        tol, source = _prediction_rtol(design, name)
        if tol > PREDICTION_RTOL_CEILING:
            _not_checkable(act, exp, design, tol, source)
    else:
        tol, source = check_rtol(rtol), "as passed"
    got, want = _predictions(act, design.X), _predictions(exp, design.X)
    scale = float(np.max(np.abs(want)))
    diff = np.abs(got - want)
    worst = first_of_largest(diff)  # the row printed: the first of rows tied to rounding
    rel = float(np.max(diff)) / scale if scale > 0 else float(np.max(diff))
    passed = rel <= tol
    cond = condition_number(design.X, fit_intercept=design.fit_intercept)
    record_check(
        CheckRecord(
            check="predictions",
            dataset=design.name,
            condition_number=cond,
            dtype=act.dtype,
            device=None,
            digits_achieved=_clip_digits(-math.log10(rel)) if rel > 0 else MAX_DIGITS,
            digits_required=_digits_required(tol),
            rtol=tol,
            passed=passed,
            fitter=act.source,
        )
    )
    if passed:
        return
    lines = [
        f"predictions differ: max |ŷ − ŷ_ref| / max |ŷ_ref| = {rel:.2e} "
        f"> rtol={tol:.1e} ({source})",
        _source_line(act, exp, design),
        f"worst row {worst}: got {got[worst]:.10g}, want {want[worst]:.10g} "
        f"(abs err {diff[worst]:.2e})",
        f"design: condition number {cond:.2e}; rows off by more than rtol: "
        f"{int(np.count_nonzero(diff > tol * scale))}/{design.X.shape[0]}",
    ]
    _fail(lines)
