"""Failure-message text for the assertions: pure formatting of numbers already computed.

Every line is an f-string whose key parts are pinned by tests/unit/test_assertions_messages.py
(a lost ``f`` prefix shows up there as literal braces).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._canonical import first_of_largest, rounded_key
from .diagnostics import Diagnosis

__all__ = [
    "MAX_TABLE_ROWS",
    "CoefficientTable",
    "FlatSplit",
    "advice",
    "attainable_lines",
    "attainable_summary",
    "coefficient_table",
    "design_lines",
    "identifiable_advice",
    "identifiable_header",
    "is_flat",
    "prediction_line",
    "rerun_line",
    "undetermined_line",
]

FloatArray = npt.NDArray[np.float64]

#: Parameters listed in full up to this many; beyond it only the worst 5 rows are shown.
MAX_TABLE_ROWS = 12

#: Coefficients disagreeing at least this many times more than the predictions point to a flat
#: (nearly unidentifiable) problem rather than a wrong model (used when the design has no
#: near-null combination to split the error along).
FLAT_RATIO = 10.0

#: An error whose part off the near-null directions is below this fraction of its part along
#: them (or within the tolerance) is a move along a flat direction only.
FLAT_FRACTION = 0.01


@dataclass(frozen=True)
class FlatSplit:
    """A coefficient error split along and off the design's near-null directions.

    Both norms are relative to the reference solution's norm, measured with every parameter
    multiplied by its column's 2-norm (the equilibrated metric, in which the near-null
    combinations are orthonormal right singular vectors).
    """

    along: float
    off: float
    combo: str  # the first near-null combination's text, e.g. "x1 − 1.00·x2 ≈ 0"

    def is_flat(self, tol: float) -> bool:
        """Whether the error is (almost) all along the flat directions."""
        return self.off <= max(10.0 * tol, FLAT_FRACTION * self.along)


@dataclass(frozen=True)
class CoefficientTable:
    """The numbers of one comparison, parameter by parameter (intercept first when compared)."""

    names: tuple[str, ...]
    actual: FloatArray
    expected: FloatArray
    failing: npt.NDArray[np.bool_]
    digits: FloatArray

    @property
    def abs_err(self) -> FloatArray:
        """``|a − e|``; ``inf`` where the actual is NaN or inf (a diverged fit)."""
        err = np.abs(self.actual - self.expected)
        return np.asarray(np.where(np.isfinite(err), err, np.inf), dtype=np.float64)

    @property
    def rel_err(self) -> FloatArray:
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = self.abs_err / np.abs(self.expected)
        return np.asarray(np.where(self.abs_err == 0, 0.0, rel), dtype=np.float64)


def _num(value: float) -> str:
    return f"{value:.10g}"


def _err(value: float) -> str:
    return "inf" if np.isinf(value) else f"{value:.2e}"


def coefficient_table(table: CoefficientTable) -> list[str]:
    """One row per parameter, failing rows marked ``✗``; the worst 5 only for long tables."""
    width = max(9, *(len(n) for n in table.names))
    rows = list(range(len(table.names)))
    hidden = 0
    if len(rows) > MAX_TABLE_ROWS:
        # Failing rows first, then by relative error: a parameter that passed through atol
        # (an expected 1e-20) has a huge relative error but is no offender.
        rel = np.nan_to_num(table.rel_err, nan=np.inf)
        order = np.lexsort((-rounded_key(rel), ~table.failing))
        rows = sorted(int(i) for i in order[:5])
        hidden = len(table.names) - 5
    head = f"    {'parameter':<{width}}  {'actual':>17}  {'expected':>17}  {'abs err':>9}  "
    lines = [head + f"{'rel err':>9}  digits"]
    abs_err, rel_err = table.abs_err, table.rel_err
    for i in rows:
        mark = "✗" if table.failing[i] else " "
        lines.append(
            f"  {mark} {table.names[i]:<{width}}  {_num(table.actual[i]):>17}  "
            f"{_num(table.expected[i]):>17}  {_err(abs_err[i]):>9}  {_err(rel_err[i]):>9}  "
            f"{table.digits[i] + 0.0:5.1f}"  # + 0.0 turns lre's -0.0 into 0.0
        )
    if hidden:
        lines.append(f"    ... {hidden} more parameters not shown (the worst 5 are)")
    return lines


def problem_line(
    sample_weight: FloatArray | None, alpha: float, fit_intercept: bool, p: int
) -> str:
    """What a weighted or ridge reference minimises, and which system the lines below judge."""
    parts = []
    if sample_weight is not None:
        zero = int(np.count_nonzero(sample_weight == 0))
        parts.append(f"weighted (sample_weight, {zero} zero)" if zero else "weighted")
    if alpha:
        kept = ", the intercept not penalised" if fit_intercept else ""
        parts.append(f"ridge alpha={alpha:.6g}{kept}")
    objective = "Σ wᵢ rᵢ²" if sample_weight is not None else "Σ rᵢ²"
    if alpha:
        objective += " + α‖β‖²"
    rows = f"[√w·{'[1, X]' if fit_intercept else 'X'}" + ("; √α·I]" if alpha else "]")
    extra = f" ({p} penalty rows bound its smallest singular value by √α)" if alpha else ""
    return (
        f"problem: {', '.join(parts)}: the reference minimises {objective}; the design below is "
        f"its equivalent least-squares system {rows}{extra}"
    )


def design_lines(diag: Diagnosis) -> list[str]:
    """Condition number, rank and the near-null combinations by name."""
    scope = "with intercept column" if diag.fit_intercept else "no intercept"
    lines = [
        f"design: condition number {diag.condition_number:.2e} (column-equilibrated, {scope}), "
        f"rank {diag.rank}/{diag.k}, n={diag.n}"
    ]
    for combo in diag.near_null[:3]:
        lines.append(f"  near-null: {combo.text}  (σ/σmax = {combo.singular_value:.1e})")
    return lines


def attainable_lines(
    diag: Diagnosis, tol: FloatArray, dtype: str, rtol: float, safety: float
) -> list[str]:
    """Attainable tolerance in ``dtype`` and, when ``rtol`` is tighter, a plain statement."""
    worst = first_of_largest(tol)
    lines = [
        f"attainable in {dtype}: rtol {tol[worst]:.1e} (hardest parameter "
        f"{diag.param_names[worst]}: {safety:g}·u({dtype})·componentwise condition "
        f"{diag.componentwise_condition[worst]:.2e})"
    ]
    tight = [diag.param_names[i] for i in np.flatnonzero(tol > rtol)]
    if tight:
        lines.append(
            f"rtol={rtol:.1e} is tighter than data and {dtype} allow for {', '.join(tight)}: "
            f"no {dtype} fit of these data can be relied on to pass"
        )
    return lines


def attainable_summary(diag: Diagnosis, dtype: str, worst: float, u: float, safety: float) -> str:
    """The tolerance attainable in ``dtype`` and in the other dtypes diagnosed."""
    others = ", ".join(
        f"{name} {safety * float(np.max(acc)):.1e}"
        for name, acc in diag.attainable.items()
        if name != dtype
    )
    return (
        f"attainable tolerance: rtol={worst:.1e} in {dtype} ({safety:g}·u·componentwise "
        f"condition, u = {u:.1e}); other dtypes: {others}"
    )


def is_flat(
    pred_rel: float, coef_rel: float, split: FlatSplit | None = None, tol: float = 0.0
) -> bool:
    """Whether the disagreement is a move along a flat direction rather than a bad fit.

    With a :class:`FlatSplit` the answer comes from the error's direction: off the near-null
    directions it must be negligible (within 10·``tol``, or 1 % of the part along them), so an
    unconverged fit whose intercept is still off is not mistaken for a flat near-solution.
    Without one, from the coefficients disagreeing ``FLAT_RATIO`` times more than the
    predictions.
    """
    if split is not None:
        return split.is_flat(tol)
    return pred_rel * FLAT_RATIO <= coef_rel


def prediction_line(
    pred_rel: float,
    pred_rms: float,
    coef_rel: float,
    diag: Diagnosis | None,
    limit: tuple[str, float] | None = None,
    split: FlatSplit | None = None,
    tol: float = 0.0,
    kind: str = "unknown",
) -> str:
    """How closely the predictions agree, and what that says about the failure.

    ``limit``: ``(dtype, attainable rtol)``; coefficient errors within it are the dtype's
    doing, not evidence of a bad fit. ``split`` and ``tol``: see :func:`is_flat`. ``kind``:
    how the model was fitted (:attr:`pytest_linreg.adapters.Coefficients.kind`); a direct
    solver is never said to be unconverged.
    """
    flat = is_flat(pred_rel, coef_rel, split, tol)
    head = (
        f"predictions: max |Xβ − Xβ_expected| / max |Xβ_expected| = {pred_rel:.1e} "
        f"(rms {pred_rms:.1e})"
    )
    if limit is not None and coef_rel <= limit[1]:
        return (
            f"{head}: the coefficients differ by up to {coef_rel:.1e}, within the rtol "
            f"{limit[1]:.1e} that {limit[0]} resolves on these data: the dtype limits them, "
            "not the fit"
        )
    if flat and diag is not None and diag.near_null:
        combo = diag.near_null[0].text
        return (
            f"{head}: the predictions nearly agree while the coefficients differ by up to "
            f"{coef_rel:.1e} (relative to max(|β|, ‖ŷ‖/‖column‖)), because the columns are "
            f"almost collinear ({combo}). This is "
            "another near-solution of a flat problem, not a wrong model"
        )
    if flat:
        return f"{head}: the predictions agree far better than the coefficients ({coef_rel:.1e})"
    where = ""
    if split is not None:
        where = f"; off the flat direction the coefficients are off by {split.off:.1e}"
        if split.along > split.off:
            where += f" (along {split.combo} by {split.along:.1e})"
    return f"{head}: the predictions differ too, so the fit itself is off{where}: {_CAUSES[kind]}"


#: What a fit whose predictions are off too may have done, by how it was fitted.
_CAUSES = {
    "iterative": "an optimiser that has not converged (too few steps, sorted mini-batches, "
                 "float32 loss) or a different model (regularisation, fit_intercept)",
    "direct": "a direct solve that lost accuracy (normal equations, unscaled columns, a "
              "cut-off that dropped a singular value) or a different model (regularisation, "
              "fit_intercept, sample weights)",
    "unknown": "if it was trained iteratively, it has not converged; if solved directly, the "
               "solve lost accuracy; or it is a different model (regularisation, fit_intercept)",
}

_QR = "tf.linalg.lstsq(A, b, fast=False), numpy.linalg.lstsq or scipy.linalg.lstsq"


def advice(
    diag: Diagnosis,
    dtype: str,
    rtol: float,
    safety: float,
    *,
    flat: bool,
    sorted_rows: bool,
    large_offsets: bool,
    kind: str = "unknown",
) -> str:
    """One line of advice on a failed coefficient check, from the diagnosis and the fitter.

    Each line states the fact it rests on. Gradient-descent advice (shuffle, epochs, learning
    rate) goes only to a model known to be fitted iteratively (``kind="iterative"``); an
    unknown fitter gets it as a condition, a direct solver never.
    """
    wider = _float64_advice(diag, dtype, rtol, safety)
    if wider:
        return wider
    if flat and sorted_rows and kind == "iterative":
        return (
            "advice: the rows are sorted and this model was trained by an optimiser: shuffle "
            "the rows before mini-batch training (each batch sees one end of the data, and SGD "
            "drifts along the flat direction)"
        )
    if flat and sorted_rows and kind == "unknown":
        return (
            "advice: the rows are sorted: if this model was trained by mini-batch gradient "
            "descent, shuffle them (each batch sees one end of the data); a direct solve "
            f"({_QR}) does not drift along the flat direction"
        )
    if large_offsets:
        return _CENTRE
    if flat and kind == "direct":
        return (
            "advice: a direct solve that drifts along a flat direction is not backward stable "
            f"here: solve with QR or SVD on equilibrated columns ({_QR}), not the normal "
            "equations"
        )
    if flat:
        prefix = "" if kind == "iterative" else "if this model was trained iteratively, "
        return (
            f"advice: {prefix}use a direct solve ({_QR}) or a second-order optimiser (L-BFGS, "
            "Newton): gradient descent crawls along flat directions"
        )
    if diag.condition_number > 1e6:
        return f"advice: solve with QR or SVD, not the normal equations: {_QR}"
    if kind == "direct":
        return (
            "advice: the solver disagrees with OLS of the same data: check regularisation "
            "(alpha), fit_intercept, sample weights and any rcond cut-off"
        )
    if kind == "iterative":
        return (
            "advice: the model disagrees with OLS itself: check convergence (epochs, learning "
            "rate), regularisation and fit_intercept"
        )
    return (
        "advice: the model disagrees with OLS itself: check fit_intercept and regularisation, "
        "and, if it was trained iteratively, convergence (epochs, learning rate)"
    )


_CENTRE = (
    "advice: centre/standardise the columns: large offsets make them nearly collinear "
    "with the intercept"
)


def _float64_advice(diag: Diagnosis, dtype: str, rtol: float, safety: float) -> str | None:
    """A wider dtype, when ``dtype`` cannot resolve ``rtol`` on these data but float32/64 can.

    float32 is named for bfloat16/float16 models when it suffices (it is half the memory of
    float64, and what mixed precision already keeps the weights in).
    """
    worst = {name: safety * float(np.max(acc)) for name, acc in diag.attainable.items()}
    if dtype == "float64" or worst.get(dtype, 0.0) <= rtol or worst["float64"] > rtol:
        return None
    if dtype != "float32" and worst["float32"] <= rtol:
        return (
            f"advice: compute in float32 or wider (keras dtype='float32', model.float() in "
            f"torch): {dtype} cannot resolve rtol={rtol:.0e} here, float32 can"
        )
    return (
        f"advice: compute in float64 (keras.backend.set_floatx('float64'), "
        f"model.double() in torch): {dtype} cannot resolve rtol={rtol:.0e} here"
    )


def identifiable_advice(
    diag: Diagnosis, dtype: str, rtol: float, safety: float, *, large_offsets: bool
) -> str:
    """One line of advice on a failed identifiability check: there is no model to blame."""
    wider = _float64_advice(diag, dtype, rtol, safety)
    if wider:
        return wider
    if large_offsets:
        return _CENTRE
    attainable = safety * float(np.max(diag.attainable_for(dtype)))
    if diag.near_null:
        return (
            f"advice: ask for rtol ≥ {attainable:.1e}, or change the design so that "
            f"{diag.near_null[0].text} no longer holds (drop or combine those columns)"
        )
    return f"advice: ask for rtol ≥ {attainable:.1e}: data held in {dtype} determine no more"


def identifiable_header(names: Sequence[str], tol: FloatArray, rtol: float, dtype: str) -> str:
    """First line of an :func:`assert_identifiable` failure: which coefficients, and how badly."""
    parts = ", ".join(f"{name} {t:.1e}" for name, t in zip(names, tol, strict=True))
    return (
        f"not identifiable to rtol={rtol:.1e} in {dtype}: {', '.join(names)} "
        f"(data and dtype determine them only to rtol {parts})"
    )


def undetermined_line(dtype: str) -> str:
    """Why ``rtol="auto"`` failed a check although every coefficient may lie inside it."""
    return (
        f"rtol='auto': {dtype} determines no digit of these coefficients on these data, so no "
        f"tolerance can tell a right fit from a wrong one; compare the predictions "
        f"(assert_predictions_close) or compute in float64"
    )


def rerun_line() -> str | None:
    """The command that reruns the current test, when running under pytest."""
    current = os.environ.get("PYTEST_CURRENT_TEST")
    if not current:
        return None
    node = current.rsplit(" (", 1)[0]
    # Single-quoted for the shell; a quote inside a parametrize id is closed, escaped, reopened.
    quoted = node.replace("'", "'\\''")
    return f"rerun: pytest '{quoted}'"
