"""The checks of the suite generator: one small function per property of a linear fit.

Every check has the signature ``check_<property>(fit, dataset, dtype, device, rtol)``: it calls the
user's ``fit(X, y, *, fit_intercept, dtype, device)`` on (a transformed copy of) ``dataset`` with
the data cast to ``dtype``, reads the coefficients with
:func:`pytest_linreg.adapters.extract.extract_coefficients`, and raises
:class:`~pytest_linreg.errors.LinregAssertionError` with an explaining message when the property
does not hold. :mod:`pytest_linreg.suite` binds the arguments with :func:`functools.partial`.

Each check records exactly one :class:`~pytest_linreg._records.CheckRecord` (the rows of the
assertions it calls are folded into it), whose ``note`` says what was compared and why — for
example that the coefficients are not identifiable at this dtype and the predictions were
checked instead. When neither the coefficients nor the predictions can be checked at the
derived tolerance (Filip in float32: a prediction rtol of ~3.5e2 accepts any fit), the check
is *not checkable*: it raises :class:`NotCheckable` with the reason, which under pytest is
``pytest.skip`` (pytest is imported only when it is already loaded, so this module works
without it), and records a row with ``passed=False`` and ``extra["skipped"] = True``.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ._records import CheckRecord, record_check
from .datasets import Dataset
from .errors import LinregAssertionError
from .tolerances import PREDICTION_RTOL_CEILING
from .tolerances import TARGET_RTOL as _TARGET_RTOL

__all__ = [
    "CHECKS",
    "FitFunction",
    "NotCheckable",
    "check_coefficients",
    "check_collinearity",
    "check_column_scaling",
    "check_id",
    "check_intercept_offset",
    "check_predictions",
    "check_row_order",
]

FloatArray = npt.NDArray[np.float64]
#: ``fit(X, y, *, fit_intercept, dtype, device)`` returning a model or coefficients.
FitFunction = Callable[..., Any]

#: Columns are shifted by this many standard deviations in :func:`check_intercept_offset`.
#: Large offsets are the classic trap of uncentred normal equations (Longley 1967; McCullough
#: 1998, section 4): with an intercept, the equilibrated condition number grows roughly like the
#: offset (about 1e5 here), so a QR solve in float64 keeps ~11 digits while the normal equations,
#: squaring it, keep ~6 and fail a 1e-7 check. In float32 the coefficients are then not
#: identifiable and the predictions are checked.
OFFSET_IN_STDS = 1.0e5
#: The shift is capped so that eps·cond of the shifted design stays below this: on designs that
#: are already ill conditioned (Filip) a full shift would make the problem singular in float64.
MAX_SHIFTED_COND_EPS = 1.0e-4
#: Column scale factors cycled over the columns in :func:`check_column_scaling`.
SCALE_FACTORS = (1.0e3, 1.0e-3, 1.0e2, 1.0e-2)
#: Exceptions that signal a bug in a fit function rather than a refusal of a singular design.
_BUG_ERRORS = (TypeError, AttributeError, NameError, KeyError, IndexError, NotImplementedError)


class NotCheckable(Exception):
    """A check that cannot fail at the derived tolerance, so it is not run as one.

    Raised outside pytest (under pytest the check calls ``pytest.skip`` instead);
    :func:`pytest_linreg.suite.run_checks` reports it as a skipped :class:`CheckResult`.
    """


def check_id(dataset: str, dtype: str, device: str, check: str) -> str:
    """The stable, readable id of one check: ``"Longley-float64-cpu-coefficients"``."""
    return f"{dataset}-{dtype}-{device}-{check}"


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class _Fitted:
    """Coefficients of one fit, as float64, with what produced them."""

    coef: FloatArray
    intercept: float
    dtype: str | None
    source: str

    @property
    def pair(self) -> tuple[FloatArray, float]:
        return self.coef, self.intercept


def _call_fit(fit: FitFunction, X: FloatArray, y: FloatArray, *, fit_intercept: bool,
              dtype: str, device: str, problem: dict[str, Any] | None = None) -> _Fitted:
    """Call ``fit`` on ``X, y`` cast to ``dtype`` and read its coefficients as float64.

    ``problem`` holds ``sample_weight`` (as float64) and ``alpha`` for a weighted or ridge
    dataset; they are passed only then, so a fit function for plain datasets needs neither.
    """
    problem = problem or {}
    from .adapters.extract import extract_coefficients

    # Writable copies: a fit function may scale or centre its input in place.
    Xd = np.array(X, dtype=dtype, copy=True)
    yd = np.array(y, dtype=dtype, copy=True)
    result = fit(Xd, yd, fit_intercept=fit_intercept, dtype=dtype, device=device, **problem)
    coefs = extract_coefficients(result)
    coef = np.asarray(coefs.coef, dtype=np.float64).reshape(-1)
    intercept = 0.0 if coefs.intercept is None else float(coefs.intercept)
    p = X.shape[1]
    if coef.shape[0] != p:
        raise LinregAssertionError(
            f"fit returned {coef.shape[0]} coefficients for a design with {p} columns "
            f"(source: {coefs.source})"
        )
    if not (np.all(np.isfinite(coef)) and np.isfinite(intercept)):
        raise LinregAssertionError(
            f"fit returned non-finite parameters: coef={coef.tolist()}, intercept={intercept} "
            f"(source: {coefs.source})"
        )
    if not fit_intercept and intercept != 0.0:
        raise LinregAssertionError(
            f"fit was called with fit_intercept=False but returned intercept {intercept!r} "
            f"(source: {coefs.source})"
        )
    return _Fitted(coef=coef, intercept=intercept, dtype=coefs.dtype, source=str(coefs.source))


def _problem_arguments(dataset: Dataset) -> dict[str, Any]:
    """``sample_weight=`` and ``alpha=`` for a weighted or ridge dataset, else nothing."""
    args: dict[str, Any] = {}
    if dataset.sample_weight is not None:
        args["sample_weight"] = np.array(dataset.sample_weight, copy=True)
    if dataset.alpha > 0:
        args["alpha"] = dataset.alpha
    return args


def _fit_dataset(fit: FitFunction, dataset: Dataset, dtype: str, device: str) -> _Fitted:
    return _call_fit(fit, dataset.X, dataset.y, fit_intercept=dataset.fit_intercept,
                     dtype=dtype, device=device, problem=_problem_arguments(dataset))


# --------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class _Verdict:
    """Outcome of comparing one fit with the reference."""

    compared: str  # "coefficients" or "predictions"
    note: str
    fitter: str  # what produced the coefficients, e.g. "sklearn:LinearRegression"
    rtol: float | None
    rows: tuple[CheckRecord, ...]
    failure: str | None  # the assertion's message, None when it passed
    skipped: str | None = None  # why nothing could be compared, None when something was


#: The accuracy aimed at when the user sets no rtol (DESIGN.md: "to 1e-7 where data and dtype
#: allow"); where the data and dtype cannot resolve it, the attainable tolerance is used instead.
TARGET_RTOL = _TARGET_RTOL
#: Without a user rtol, coefficients whose attainable rtol exceeds this (fewer than two
#: digits determined by data and dtype) are treated as not identifiable.
MAX_DERIVED_RTOL = 1.0e-2


def _coefficient_tolerance(
    dataset: Dataset, dtype: str, rtol: float | None
) -> tuple[float | str, str | None, str]:
    """``(rtol or "auto", why not identifiable or None, where the rtol came from)``.

    Precedence: the decorator's ``rtol`` > ``--linreg-rtol`` > ``linreg_rtol`` > the
    automatic tolerance. Under pytest the plugin's policy supplies the configured rtol and asks
    the ``pytest_linreg_tolerance`` hook (:func:`pytest_linreg.tolerances.active_tolerance_policy`);
    a downstream implementation may choose another. An rtol that someone chose is checked as
    it is, never loosened and never swapped for a weaker prediction check: tighter than the
    data and dtype allow, the check fails and says so. With none chosen the check uses
    ``rtol="auto"`` of :func:`pytest_linreg.assert_coefficients_close` (1e-7, loosened per
    parameter to what data and dtype allow), and treats the coefficients as not identifiable
    (predictions are checked) where some parameter is determined to fewer than 2 digits.
    """
    from .tolerances import active_tolerance_policy, derive_tolerance

    policy = active_tolerance_policy()
    chosen = policy(dataset, dtype, rtol) if policy is not None else rtol
    if chosen is not None:
        origin = "set by the user" if chosen == rtol else "configured rtol or tolerance hook"
        return chosen, None, origin
    tol = derive_tolerance(dataset, dtype, requested=TARGET_RTOL)
    origin = f"auto: {TARGET_RTOL:.0e}, or per parameter what data and {dtype} allow"
    if tol.attainable > MAX_DERIVED_RTOL:
        why = f"{dtype} determines fewer than 2 digits (attainable rtol {tol.attainable:.1e})"
        return "auto", _identifiability_reason(dataset, dtype, MAX_DERIVED_RTOL, why), origin
    return "auto", None, origin


def _identifiability_reason(dataset: Dataset, dtype: str, rtol: float, fallback: str) -> str:
    """``fallback`` plus the first line of :func:`assert_identifiable`'s explanation."""
    from .assertions import explain_identifiability

    _, lines = explain_identifiability(
        dataset.X, rtol=rtol, dtype=np.dtype(dtype), fit_intercept=dataset.fit_intercept,
        y=dataset.y, feature_names=dataset.feature_names, sample_weight=dataset.sample_weight,
        alpha=dataset.alpha,
    )
    return f"{fallback}; {lines[0]}" if lines else fallback


def _compare(fitted: _Fitted, dataset: Dataset, dtype: str, rtol: float | None,
             *, coefficients: bool) -> _Verdict:
    """Compare coefficients where identifiable (and wanted), else the predictions."""
    from .assertions import explain_coefficients, explain_predictions
    from .verdicts import compare_coefficients, compare_predictions

    tol, reason, origin = _coefficient_tolerance(dataset, dtype, rtol)
    if coefficients and reason is None:
        shown = tol if isinstance(tol, str) else f"{tol:.1e}"
        compared, note = "coefficients", f"coefficients checked at rtol={shown} ({origin})"
    elif coefficients:
        compared = "predictions"
        note = f"coefficients not identifiable: {reason}; predictions checked instead"
    else:
        compared, note = "predictions", "predictions checked"
    if compared == "predictions":
        from .tolerances import problem_prediction_rtol

        pred_tol = problem_prediction_rtol(dataset, dtype)
        if pred_tol > PREDICTION_RTOL_CEILING:
            # Fewer than 2 digits determined: a wrong model passes as easily as a right one,
            # so the comparison is reported as not checkable, not as passed.
            why = (f"predictions not checkable: the derived prediction rtol {pred_tol:.1e} "
                   f"in {dtype} exceeds {PREDICTION_RTOL_CEILING:g}")
            note = f"coefficients not identifiable: {reason}; {why}" if coefficients else why
            return _Verdict(compared="nothing", note=f"not checkable: {note}",
                            fitter=fitted.source, rtol=None, rows=(), failure=None,
                            skipped=why)
    # Decide with the comparison itself: its row and, when it failed, its explanation.
    if compared == "coefficients":
        record, lines = explain_coefficients(compare_coefficients(
            fitted.pair if dataset.fit_intercept else fitted.coef, dataset, rtol=tol,
            dtype=dtype))
    else:
        record, lines = explain_predictions(compare_predictions(fitted.pair, dataset,
                                                                dtype=dtype))
    failure = None if lines is None else "\n".join(lines)
    rows = [record]
    if fitted.dtype not in (None, dtype):
        # Keras' trap: layers built before set_floatx("float64") keep float32 weights.
        note += f"; the model holds {fitted.dtype} weights although {dtype} was requested"
    return _Verdict(compared=compared, note=note, fitter=fitted.source,
                    rtol=TARGET_RTOL if isinstance(tol, str) else tol,
                    rows=tuple(rows), failure=failure)


def _digits(rows: tuple[CheckRecord, ...]) -> tuple[float | None, float | None]:
    achieved = [r.digits_achieved for r in rows if r.digits_achieved is not None]
    required = [r.digits_required for r in rows if r.digits_required is not None]
    return (min(achieved) if achieved else None, max(required) if required else None)


@dataclass
class _Log:
    """What one check compared, filled in while it runs and recorded when it ends."""

    notes: list[str] = field(default_factory=list)
    verdicts: list[_Verdict] = field(default_factory=list)
    skipped: bool = False

    def judge(self, verdict: _Verdict, label: str = "") -> _Verdict:
        self.verdicts.append(verdict)
        self.notes.append(f"{label}{verdict.note}")
        return verdict


@contextmanager
def _recorded(check: str, dataset: Dataset, dtype: str, device: str) -> Iterator[_Log]:
    """Record one row for ``check`` when the body ends, whether it passed or raised."""
    log = _Log()
    passed = False
    try:
        yield log
        _skip_if_not_checkable(log, f"{check} check, {_where(dataset, dtype, device)}")
        passed = all(v.failure is None for v in log.verdicts)
    finally:
        rows = tuple(r for v in log.verdicts for r in v.rows)
        achieved, required = _digits(rows)
        cond = next((r.condition_number for r in rows if r.condition_number is not None), None)
        tols = [v.rtol for v in log.verdicts if v.rtol is not None]
        record_check(CheckRecord(
            check=check, dataset=dataset.name, condition_number=cond, dtype=dtype, device=device,
            digits_achieved=achieved, digits_required=required,
            rtol=min(tols) if tols else None, passed=passed,
            fitter=log.verdicts[0].fitter if log.verdicts else None,
            note="; ".join(log.notes),
            extra={"check_id": check_id(dataset.name, dtype, device, check),
                   "compared": sorted({v.compared for v in log.verdicts}),
                   "skipped": log.skipped},
        ))


def _skip_if_not_checkable(log: _Log, headline: str) -> None:
    """Skip the check when no comparison in it could fail (every verdict not checkable)."""
    __tracebackhide__ = True
    if not log.verdicts or not all(v.skipped for v in log.verdicts):
        return
    log.skipped = True
    reason = f"{headline}: not checkable — " + "; ".join(
        dict.fromkeys(str(v.skipped) for v in log.verdicts))
    _not_applicable(reason)  # under pytest: a visible skip, not a silent pass


def _not_applicable(reason: str) -> None:
    """Skip a check that does not apply to the dataset: ``pytest.skip``, or NotCheckable."""
    __tracebackhide__ = True
    pytest = sys.modules.get("pytest")
    if pytest is not None:
        pytest.skip(reason)
    raise NotCheckable(reason)


def _fail(headline: str, verdicts: list[tuple[str, _Verdict]]) -> None:
    """Raise one message with the headline and each failing comparison's explanation."""
    __tracebackhide__ = True
    parts = [headline]
    for label, v in verdicts:
        status = "FAILED" if v.failure else "not checkable" if v.skipped else "passed"
        parts.append(f"- {label}: {status} — {v.note}")
    for label, v in verdicts:
        if v.failure:
            parts.append(f"\n[{label}] {v.failure}")
    from ._messages import rerun_line

    rerun = rerun_line()  # under pytest: the command that reruns this test
    raise LinregAssertionError("\n".join([*parts, *([rerun] if rerun else [])]))


def _where(dataset: Dataset, dtype: str, device: str) -> str:
    return f"dataset {dataset.name} (n={dataset.n}, p={dataset.p}), {dtype} on {device}"


# --------------------------------------------------------------------------- the checks


def check_coefficients(fit: FitFunction, dataset: Dataset, dtype: str, device: str,
                       rtol: float | None = None) -> None:
    """The fitted coefficients match the reference — where they are identifiable.

    When the design cannot determine every coefficient to the tolerance at ``dtype`` (for
    example the sorted Poisson columns in float32), the predictions are compared instead and
    the reason is recorded in the check's ``note``.
    """
    __tracebackhide__ = True
    with _recorded("coefficients", dataset, dtype, device) as log:
        fitted = _fit_dataset(fit, dataset, dtype, device)
        v = log.judge(_compare(fitted, dataset, dtype, rtol, coefficients=True))
        if v.failure:
            _fail(f"coefficients check failed: {_where(dataset, dtype, device)}",
                  [("as given", v)])


def check_predictions(fit: FitFunction, dataset: Dataset, dtype: str, device: str,
                      rtol: float | None = None) -> None:
    """The fitted values ``X @ coef + intercept`` match those of the reference."""
    __tracebackhide__ = True
    with _recorded("predictions", dataset, dtype, device) as log:
        fitted = _fit_dataset(fit, dataset, dtype, device)
        v = log.judge(_compare(fitted, dataset, dtype, rtol, coefficients=False))
        if v.failure:
            _fail(f"predictions check failed: {_where(dataset, dtype, device)}", [("as given", v)])


def _seed(name: str) -> int:
    """A seed derived from the dataset name, stable across runs and processes."""
    return zlib.crc32(name.encode("utf-8"))


def _reordered(dataset: Dataset, order: npt.NDArray[np.intp], label: str) -> Dataset:
    # A permutation of the rows (with their weights) leaves the solution unchanged, so the
    # reference (certified values included) carries over unchanged.
    weights = None if dataset.sample_weight is None else dataset.sample_weight[order]
    return replace(dataset, name=f"{dataset.name}[{label}]", X=dataset.X[order],
                   y=dataset.y[order], exact_X=None, exact_y=None, sample_weight=weights)


def check_row_order(fit: FitFunction, dataset: Dataset, dtype: str, device: str,
                    rtol: float | None = None) -> None:
    """The fit does not depend on the order of the rows: sorted and shuffled rows both pass.

    The rows are sorted by the first column (the question's trap: mini-batch SGD on sorted,
    nearly collinear columns converges to a different near-solution), then shuffled with a
    seed derived from the dataset name. Each fit is compared with the reference as in
    :func:`check_coefficients`.
    """
    __tracebackhide__ = True
    order_sorted = np.lexsort(dataset.X.T[::-1])
    order_shuffled = np.random.default_rng(_seed(dataset.name)).permutation(dataset.n)
    cases = [(f"rows sorted by {dataset.feature_names[0]}", order_sorted),
             (f"rows shuffled (seed {_seed(dataset.name)})", order_shuffled)]
    with _recorded("row_order", dataset, dtype, device) as log:
        verdicts = []
        for label, order in cases:
            variant = _reordered(dataset, order, label)
            fitted = _fit_dataset(fit, variant, dtype, device)
            verdict = _compare(fitted, variant, dtype, rtol, coefficients=True)
            verdicts.append((label, log.judge(verdict, f"{label}: ")))
        if any(v.failure for _, v in verdicts):
            _fail(f"row-order check failed: {_where(dataset, dtype, device)}; the result "
                  "depends on the order of the rows (mini-batches of sorted rows see only part "
                  "of the design; shuffle, or use a full-batch or closed-form solver)", verdicts)


def _offset_in_stds(dataset: Dataset) -> float:
    """``OFFSET_IN_STDS``, capped so the shifted design stays well posed in float64."""
    from .diagnostics import condition_number

    cond = condition_number(dataset.X, fit_intercept=True)
    if not np.isfinite(cond) or cond <= 0:
        return 0.0
    return float(min(OFFSET_IN_STDS, MAX_SHIFTED_COND_EPS / (np.finfo(np.float64).eps * cond)))


def _offset_dataset(dataset: Dataset, offset: float) -> Dataset:
    X = dataset.X
    std = X.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    # Shift column j by sign(beta_j)·c_j so the shifts add up in the new intercept
    # b' = b − Σ beta_j·shift_j instead of cancelling: b' is then large and its relative error
    # measures the fit, not an unavoidable cancellation. y is left alone for the same reason.
    sign = np.where(dataset.coef < 0, -1.0, 1.0)
    shifted = X + sign * offset * std
    return Dataset.from_arrays(
        f"{dataset.name}[offset {offset:.1e} std]", shifted, dataset.y,
        fit_intercept=True, feature_names=dataset.feature_names, tags=(*dataset.tags, "offset"),
        description=f"{dataset.name} with every column shifted by {offset:.1e} "
                    "standard deviations",
        seed=dataset.seed, sample_weight=dataset.sample_weight, alpha=dataset.alpha,
    )


def check_intercept_offset(fit: FitFunction, dataset: Dataset, dtype: str, device: str,
                           rtol: float | None = None) -> None:
    """The intercept is fitted, and columns far from zero (large offsets) are handled.

    Every column is shifted by ``OFFSET_IN_STDS`` standard deviations (fewer when the design is
    already ill conditioned, see ``MAX_SHIFTED_COND_EPS``) and the fit (with
    ``fit_intercept=True``, also for datasets without an intercept) is compared with the
    reference solution of the shifted float64 data. Uncentred normal equations lose about twice
    the digits of a QR solve here.
    """
    __tracebackhide__ = True
    with _recorded("offsets", dataset, dtype, device) as log:
        offset = _offset_in_stds(dataset)
        if offset < OFFSET_IN_STDS:
            log.notes.append(f"offset limited to {offset:.1e} std by the conditioning")
        variant = _offset_dataset(dataset, offset)
        fitted = _fit_dataset(fit, variant, dtype, device)
        v = log.judge(_compare(fitted, variant, dtype, rtol, coefficients=True))
        if v.failure:
            _fail(f"intercept/offset check failed: {_where(dataset, dtype, device)}, every "
                  f"column shifted by {offset:.1e} standard deviations "
                  "(centre the columns, or solve by QR rather than normal equations)",
                  [("shifted", v)])


def _scaled_dataset(dataset: Dataset) -> Dataset:
    factors = np.array([SCALE_FACTORS[j % len(SCALE_FACTORS)] for j in range(dataset.p)])
    return Dataset.from_arrays(
        f"{dataset.name}[columns scaled]", dataset.X * factors, dataset.y,
        fit_intercept=dataset.fit_intercept, feature_names=dataset.feature_names,
        tags=(*dataset.tags, "scaled"),
        description=f"{dataset.name} with columns multiplied by {factors.tolist()}",
        seed=dataset.seed, sample_weight=dataset.sample_weight, alpha=dataset.alpha,
    )


def check_column_scaling(fit: FitFunction, dataset: Dataset, dtype: str, device: str,
                         rtol: float | None = None) -> None:
    """The fit is unaffected by the units of the columns.

    Columns are multiplied by factors cycling through ``SCALE_FACTORS``; the condition number
    of the column-equilibrated design does not change, so a sound solver keeps its accuracy
    while a gradient method with one learning rate for all columns does not.
    """
    __tracebackhide__ = True
    with _recorded("scaling", dataset, dtype, device) as log:
        variant = _scaled_dataset(dataset)
        fitted = _fit_dataset(fit, variant, dtype, device)
        v = log.judge(_compare(fitted, variant, dtype, rtol, coefficients=True))
        if v.failure:
            _fail(f"column-scaling check failed: {_where(dataset, dtype, device)}, columns "
                  f"scaled by {SCALE_FACTORS} in turn (standardise the columns, or use a "
                  "solver that is invariant to column scaling)", [("scaled", v)])


def check_collinearity(fit: FitFunction, dataset: Dataset, dtype: str, device: str,
                       rtol: float | None = None) -> None:
    """An exactly collinear design gives a documented outcome, never garbage.

    A column equal to twice the first column is appended (exact in binary floating point, so
    the design is exactly rank deficient in every dtype). The fit passes when it either raises a
    clear error (any exception with a message, other than ones that signal a bug such as
    ``TypeError``) or returns coefficients whose predictions match the reference: the column
    space, hence the OLS predictions, are those of the original design.
    """
    __tracebackhide__ = True
    with _recorded("collinear", dataset, dtype, device) as log:
        if dataset.alpha > 0:
            # Ridge spreads the penalty over both copies of the column: its predictions on the
            # augmented design differ from the reference's, and ridge is identifiable anyway.
            log.skipped = True
            _not_applicable(f"collinear check, {_where(dataset, dtype, device)}: not "
                            "applicable to a ridge problem (a duplicated column changes the "
                            "penalised solution; any alpha > 0 makes the design identifiable)")
        X = np.column_stack([dataset.X, 2.0 * dataset.X[:, 0]])
        try:
            fitted = _call_fit(fit, X, dataset.y, fit_intercept=dataset.fit_intercept,
                               dtype=dtype, device=device,
                               problem=_problem_arguments(dataset))
        except (LinregAssertionError, *_BUG_ERRORS):
            raise
        except Exception as exc:
            message = str(exc).strip()
            if not message:
                raise LinregAssertionError(
                    f"collinear check failed: {_where(dataset, dtype, device)} with a column "
                    f"2*{dataset.feature_names[0]} appended: the fit raised "
                    f"{type(exc).__name__} without a message; a refusal must say why"
                ) from exc
            log.notes.append(f"fit refused the rank-deficient design: {type(exc).__name__}: "
                         f"{message.splitlines()[0]}")
            return
        # X_aug @ c == X @ c_eff with c_eff[0] = c[0] + 2 c[p]: compare the predictions
        # through the coefficients of the original columns (the design the reference knows).
        coef = fitted.coef[:-1].copy()
        coef[0] += 2.0 * fitted.coef[-1]
        reduced = replace(fitted, coef=coef)
        v = log.judge(_compare(reduced, dataset, dtype, rtol, coefficients=False),
                      "rank-deficient design solved: ")
        if v.failure:
            _fail(f"collinear check failed: {_where(dataset, dtype, device)} with a column "
                  f"2*{dataset.feature_names[0]} appended: the predictions are wrong "
                  "(a rank-deficient design should give the minimum-norm solution or a clear "
                  "error)", [("collinear", v)])


#: The built-in checks by name, in the order the generator yields them.
CHECKS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("coefficients", check_coefficients),
    ("predictions", check_predictions),
    ("row_order", check_row_order),
    ("offsets", check_intercept_offset),
    ("scaling", check_column_scaling),
    ("collinear", check_collinearity),
)
