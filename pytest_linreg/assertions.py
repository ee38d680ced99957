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
from dataclasses import replace
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from . import _messages as msg
from ._canonical import first_of_largest
from ._norms import column_norms, vector_norm
from ._records import CheckRecord, record_check
from ._validation import (
    as_design,
    as_response,
    as_sample_weight,
    check_alpha,
    check_rtol,
    column_names,
)
from .adapters.extract import Coefficients
from .diagnostics import Diagnosis, condition_number, diagnose
from .digits import MAX_DIGITS
from .errors import LinregAssertionError
from .tolerances import (
    PREDICTION_RTOL_CEILING,
    SAFETY_FACTOR,
    coefficient_floor,
    dtype_name,
    unit_roundoff,
)
from .verdicts import (
    CoefficientComparison,
    Design,
    PredictionComparison,
    compare_coefficients,
    compare_predictions,
    judged_dtype,
    predictions_of,
    split_outputs,
)

__all__ = ["assert_coefficients_close", "assert_identifiable", "assert_predictions_close"]

FloatArray = npt.NDArray[np.float64]


def _prediction_rel(act: Coefficients, exp: Coefficients, X: FloatArray) -> tuple[float, float]:
    """Max-norm and rms relative differences of the predictions."""
    want = predictions_of(exp, X)
    diff = predictions_of(act, X) - want
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
    if not fit_intercept:
        return False
    # Each column by the power of two of its largest entry first: std squares, and 1e299
    # would overflow; the ratio mean/std does not change.
    top = np.max(np.abs(X), axis=0)
    Xs = np.ldexp(X, -np.where(top > 0, np.frexp(top)[1], 0)[None, :])
    return bool(np.any(np.abs(Xs.mean(axis=0)) > 100 * Xs.std(axis=0)))


def _clip_digits(digits: float) -> float:
    """Digits clipped to ``[0, MAX_DIGITS]``, the range :func:`pytest_linreg.digits.lre` uses."""
    return float(min(max(digits, 0.0), MAX_DIGITS))


def _digits_required(rtol: float) -> float | None:
    return -math.log10(rtol) if rtol > 0 else None


def _explain(
    table: msg.CoefficientTable,
    act: Coefficients,
    exp: Coefficients,
    design: Design | None,
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
    dtype = judged_dtype(act.dtype)
    diag = _diagnosis(design, exp, dtype)
    tol = SAFETY_FACTOR * diag.attainable_for(dtype)
    lines = [] if design.plain else [
        msg.problem_line(design.sample_weight, design.alpha, design.fit_intercept,
                         design.X.shape[1])]
    lines += msg.design_lines(diag)
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
    lines.append(msg.prediction_line(pred_rel, pred_rms, coef_rel, diag, limit, split, flat_tol,
                                     kind=act.kind))
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
            kind=act.kind,
        )
    )
    return lines, diag.condition_number


def _diagnosis(design: Design, exp: Coefficients, dtype: str) -> Diagnosis:
    """The design's diagnosis; a weighted or ridge problem's is of its equivalent OLS system.

    That system (:meth:`~pytest_linreg.verdicts.Design.equivalent_ols`) has the intercept as
    its first column, so its parameters are the comparison's, in the same order.
    """
    if design.plain:
        return diagnose(design.X, design.y, fit_intercept=design.fit_intercept,
                        feature_names=design.names, dtype=dtype)
    y = design.y if design.y is not None else predictions_of(exp, design.X)
    Xe, ye = design.equivalent_ols(y)
    names = ("intercept", *design.names) if design.fit_intercept else design.names
    return diagnose(Xe, ye, fit_intercept=False, feature_names=names, dtype=dtype)


def _design_condition(design: Design) -> float:
    """Condition number of the design (of the equivalent OLS system when not plain)."""
    if design.plain:
        return condition_number(design.X, fit_intercept=design.fit_intercept)
    y = design.y if design.y is not None else np.zeros(design.X.shape[0])
    return condition_number(design.equivalent_ols(y)[0], fit_intercept=False)


def _flat_split(
    table: msg.CoefficientTable, design: Design, diag: Diagnosis
) -> msg.FlatSplit | None:
    """The error split along and off the near-null directions, or None if there are none.

    In the equilibrated metric (parameter times column 2-norm) the near-null combinations are
    right singular vectors of the equilibrated design, hence orthonormal once normalised, and
    the projection onto them is a plain sum of dot products.
    """
    if not diag.near_null or diag.k != table.actual.shape[0] or not design.plain:
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


def _scaled_rel(table: msg.CoefficientTable, exp: Coefficients, design: Design) -> FloatArray:
    """``|a_i − e_i| / max(|e_i|, ‖ŷ‖/‖a_i‖)``: errors on the scale the tolerances use."""
    floor = coefficient_floor(design.X, exp.coef, exp.intercept)
    scale = np.maximum(np.abs(table.expected), floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = table.abs_err / scale
    return np.asarray(np.where(table.abs_err == 0, 0.0, rel), dtype=np.float64)


def _recorded_digits(
    table: msg.CoefficientTable, exp: Coefficients, design: Design | None, rtol: float
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


def _source_line(act: Coefficients, exp: Coefficients, design: Design | None) -> str:
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
    atol: Any = 0.0,
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
        The reference. Its intercept is compared when it has one. A weighted or ridge Dataset
        (``sample_weight=``, ``alpha=``) is the exact solution of that problem, and the
        attainable tolerance is that problem's. A model of k outputs is compared output by
        output with a :class:`~pytest_linreg.MultiOutputDataset` (or ``MultiOutputResult``,
        or a ``(k, p)`` pair): one report row each, one failure naming the outputs that
        differ. A certified Dataset (NIST)
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
    atol : float, array of float (intercept first), pandas Series, or "auto"
        ``≥ 0``, default 0, added as given. The one default absolute term: parameters that are
        *zero at the resolution of the actual's dtype*, ``|e_i| ≤ f_i``, are compared
        absolutely at ``max(atol_i, f_i)`` (the exact OLS intercept of the question's data is
        4.65e-20, a correct lstsq returns 3e-17; no relative tolerance can hold). That needs
        the design; without one there is no ``f_i``. ``"auto"`` is 0 but insists on a design.
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
    outputs = split_outputs(actual, expected, dataset)
    if outputs is not None:
        _conclude_outputs("coefficients", [
            (o.name, explain_coefficients(compare_coefficients(
                o.actual, o.expected, rtol=rtol, atol=atol, dataset=o.dataset, X=X,
                feature_names=feature_names, dtype=dtype,
            )))
            for o in outputs
        ])
        return
    comparison = compare_coefficients(
        actual, expected, rtol=rtol, atol=atol, dataset=dataset, X=X,
        feature_names=feature_names, dtype=dtype,
    )
    record, lines = explain_coefficients(comparison)
    _conclude(record, lines)


def explain_coefficients(
    comparison: CoefficientComparison,
) -> tuple[CheckRecord, list[str] | None]:
    """The report row of a comparison, and its explanation when it failed (else ``None``).

    What :func:`assert_coefficients_close` records and raises with; the suite's checks use it
    on their own comparisons. Diagnosing the design (the costly part) happens only on failure.
    """
    c = comparison
    table = msg.CoefficientTable(c.names, c.actual, c.expected, c.failing, c.digits)
    design, act, exp = c.design, c.act, c.exp
    cond: float | None = None
    lines: list[str] = []
    if c.passed:
        cond = c.condition_number  # from the factorisation the tolerances already made
        if cond is None and design is not None:
            cond = _design_condition(design)
    else:
        judge = c.mismatched > 0 and not c.undetermined
        lines, cond = _explain(table, act, exp, design, c.rtol, judge_fit=judge)
    record = _row("coefficients", design, cond, act,
                  _recorded_digits(table, exp, design, c.rtol), c.rtol, c.passed)
    if c.passed:
        return record, None
    atol_text = (
        f"{c.atol[0]:.1e}" if np.all(c.atol == c.atol[0])
        else "[" + ", ".join(f"{a:.1e}" for a in c.atol) + "]"
    )
    verdict = "not determined" if c.undetermined else "differ"
    worst = first_of_largest(np.where(c.failing, c.abs_err / np.maximum(c.tolerance, 1e-300), 0))
    # The report row's one-line reason: which parameter is worst off, and by how much.
    note = (
        f"coefficients {verdict}: {c.mismatched}/{len(c.names)} mismatched; worst "
        f"{c.names[worst]} = {c.actual[worst]:.6g}, expected {c.expected[worst]:.6g}"
        if c.mismatched else f"coefficients not determined: {act.dtype} fixes no digit here"
    )
    record = replace(record, note=note)
    return record, [
        f"coefficients {verdict}: {c.mismatched}/{len(c.names)} mismatched at "
        f"rtol={c.rtol:.1e}, atol={atol_text} ({c.origin}; |a − e| ≤ atol + rtol·|e|)",
        *([msg.undetermined_line(act.dtype)] if c.undetermined else []),
        _source_line(act, exp, design),
        *msg.coefficient_table(table),
        *_notes(act, exp, table, c.atol, c.forced_intercept),
        *c.notes,
        *lines,
    ]


def _is_dataset(obj: Any) -> bool:
    from .datasets import Dataset, MultiOutputDataset

    return isinstance(obj, (Dataset, MultiOutputDataset))


def _conclude_outputs(
    check: str, explained: list[tuple[str, tuple[CheckRecord, list[str] | None]]]
) -> None:
    """Record one row per output; raise once, naming the failing outputs, each explained."""
    __tracebackhide__ = True
    failing: list[str] = []
    sections: list[str] = []
    for name, (record, lines) in explained:
        record_check(record)
        if lines is not None:
            failing.append(name)
            sections += [f"── output {name} ──", *lines]
    if failing:
        _fail([
            f"{check} of {len(failing)}/{len(explained)} outputs differ: {', '.join(failing)} "
            f"(passed: {', '.join(n for n, _ in explained if n not in failing) or 'none'})",
            *sections,
        ])


def _conclude(record: CheckRecord, lines: list[str] | None) -> None:
    """Record the check's row, and raise its explanation when it failed."""
    __tracebackhide__ = True
    record_check(record)
    if lines is not None:
        _fail(lines)


def _fail(lines: list[str]) -> NoReturn:
    """Raise the failure: ``lines`` and, under pytest, the command that reruns the test."""
    __tracebackhide__ = True
    rerun = msg.rerun_line()
    raise LinregAssertionError("\n".join([*lines, *([rerun] if rerun else [])]))


def _row(
    check: str,
    design: Design | None,
    cond: float | None,
    act: Coefficients,
    digits: FloatArray,
    rtol: float,
    passed: bool,
    note: str = "",
) -> CheckRecord:
    """One report row; ``digits_achieved`` is the fewest of ``digits`` (see _recorded_digits)."""
    digits = digits[np.isfinite(digits)]
    return CheckRecord(
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


def assert_identifiable(
    X: Any,
    *,
    rtol: float = 1e-7,
    dtype: Any = np.float64,
    fit_intercept: bool = True,
    y: Any = None,
    feature_names: Sequence[str] | None = None,
    sample_weight: Any = None,
    alpha: float = 0.0,
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
    sample_weight : array_like (n,), optional
    alpha : float, default 0
        A weighted or ridge problem (``Σ wᵢ rᵢ² + α‖β‖²``, the intercept not penalised) is
        judged by its equivalent stacked least-squares system ``[√w·[1, X]; √α·I]``. The
        penalty bounds that system's smallest singular value below by √α: ridge is always
        identifiable, and the attainable rtol falls as α grows.

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
    record, lines = explain_identifiability(
        X, rtol=rtol, dtype=dtype, fit_intercept=fit_intercept, y=y, feature_names=feature_names,
        sample_weight=sample_weight, alpha=alpha,
    )
    _conclude(record, lines)


def explain_identifiability(
    X: Any,
    *,
    rtol: float = 1e-7,
    dtype: Any = np.float64,
    fit_intercept: bool = True,
    y: Any = None,
    feature_names: Sequence[str] | None = None,
    sample_weight: Any = None,
    alpha: float = 0.0,
) -> tuple[CheckRecord, list[str] | None]:
    """What :func:`assert_identifiable` decides: its report row, and the explanation (or None)."""
    rtol = check_rtol(rtol)
    name = dtype_name(dtype)
    u = unit_roundoff(name)
    problem = _identifiability_design(X, y, fit_intercept, feature_names, sample_weight, alpha)
    if problem is None:
        diag = diagnose(X, y, fit_intercept=fit_intercept, feature_names=feature_names,
                        dtype=name)
    else:  # the equivalent stacked system; without y, diagnose's equal-contribution fit
        Xe, ye = problem.equivalent_ols(
            problem.y if problem.y is not None else np.zeros(problem.X.shape[0]))
        labels = ("intercept", *problem.names) if fit_intercept else problem.names
        diag = diagnose(Xe, ye if problem.y is not None else None, fit_intercept=False,
                        feature_names=labels, dtype=name)
    tol = SAFETY_FACTOR * diag.attainable_for(name)
    bad = np.flatnonzero(~(tol <= rtol))
    passed = bad.size == 0
    worst = float(np.max(tol))
    record = CheckRecord(
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
    if passed:
        return record, None
    names = [diag.param_names[i] for i in bad]
    lines = [
        msg.identifiable_header(names, tol[bad], rtol, name),
        *([] if problem is None else [msg.problem_line(
            problem.sample_weight, problem.alpha, fit_intercept, problem.X.shape[1])]),
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
    return record, lines


def _identifiability_design(
    X: Any, y: Any, fit_intercept: bool, feature_names: Sequence[str] | None,
    sample_weight: Any, alpha: Any,
) -> Design | None:
    """The weighted or ridge problem to diagnose, or None for plain least squares."""
    if sample_weight is None and alpha == 0:
        return None
    Xa = as_design(X)
    weights = None if sample_weight is None else as_sample_weight(sample_weight, Xa.shape[0])
    ya = None if y is None else as_response(y, Xa.shape[0])
    names = column_names(X, Xa.shape[1], feature_names)
    return Design(Xa, ya, fit_intercept, names, sample_weight=weights, alpha=check_alpha(alpha))


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
    outputs = split_outputs(actual, dataset, dataset) if _is_dataset(dataset) else None
    if outputs is not None:
        _conclude_outputs("predictions", [
            (o.name, explain_predictions(compare_predictions(o.actual, o.dataset, rtol=rtol,
                                                             dtype=dtype)))
            for o in outputs
        ])
        return
    comparison = compare_predictions(actual, dataset, rtol=rtol, dtype=dtype)
    record, lines = explain_predictions(comparison)
    _conclude(record, lines)


def explain_predictions(
    comparison: PredictionComparison,
) -> tuple[CheckRecord, list[str] | None]:
    """The report row of a prediction comparison, and its explanation when it failed."""
    c = comparison
    act, exp, design = c.act, c.exp, c.design
    cond = _design_condition(design)
    if not c.checkable:
        record = CheckRecord(
            check="predictions", dataset=design.name, condition_number=cond, dtype=act.dtype,
            device=None, digits_achieved=None, digits_required=_digits_required(c.rtol),
            rtol=c.rtol, passed=False, fitter=act.source, note="not checkable",
        )
        return record, [
            f"predictions not checkable in {c.dtype}: the data and dtype determine them only "
            f"to rtol {c.rtol:.1e} ({c.origin}), above the ceiling "
            f"{PREDICTION_RTOL_CEILING:g}: a check that wide passes a wrong model as easily "
            "as a right one",
            _source_line(act, exp, design),
            "advice: " + ("compute in float64, or " if c.dtype != "float64" else "")
            + "pass an explicit rtol to check at a tolerance you choose",
        ]
    rel = c.relative_error
    record = CheckRecord(
        check="predictions",
        dataset=design.name,
        condition_number=cond,
        dtype=act.dtype,
        device=None,
        digits_achieved=_clip_digits(-math.log10(rel)) if rel > 0 else MAX_DIGITS,
        digits_required=_digits_required(c.rtol),
        rtol=c.rtol,
        passed=c.passed,
        fitter=act.source,
    )
    if c.passed:
        return record, None
    w = c.worst_row
    return record, [
        f"predictions differ: max |ŷ − ŷ_ref| / max |ŷ_ref| = {rel:.2e} "
        f"> rtol={c.rtol:.1e} ({c.origin})",
        _source_line(act, exp, design),
        f"worst row {w}: got {c.got[w]:.10g}, want {c.want[w]:.10g} "
        f"(abs err {abs(c.got[w] - c.want[w]):.2e})",
        f"design: condition number {cond:.2e}; rows off by more than rtol: "
        f"{c.rows_off}/{c.counted.size}"
        + ("" if c.counted.size == design.X.shape[0] else " (rows of positive weight)"),
    ]
