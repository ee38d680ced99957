"""The decision: does a fitted model's answer agree with the reference? One pure function.

:func:`compare_coefficients` takes the actual (any model an adapter reads), the expected answer
(with its design when known), the requested rtol/atol and the actual's dtype, and returns a
:class:`CoefficientComparison`: per parameter the actual and expected values, the error, the
tolerance and where it came from, the verdict; the overall verdict; the facts a message needs.
It records nothing and raises nothing for a mismatch.
:func:`pytest_linreg.assert_coefficients_close` is a thin wrapper that records the comparison
and raises with an explanation; the suite's checks (:mod:`pytest_linreg.checks`) use the
comparison directly.

The metric, per parameter and in its own units: ``|a_i − e_i| ≤ atol_i + rtol·|e_i|``. See
:func:`compare_coefficients` for ``atol``'s default and ``rtol="auto"``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from ._canonical import first_of_largest
from ._problems import equivalent_ols
from ._validation import as_design, check_rtol, column_names
from .adapters.extract import Coefficients, extract_coefficients
from .digits import lre
from .tolerances import (
    PREDICTION_RTOL_CEILING,
    RTOL_CEILING,
    SAFETY_FACTOR,
    TARGET_RTOL,
    derive_tolerance,
    dtype_name,
    problem_prediction_rtol,
    solver_gamma,
    unit_roundoff,
)

__all__ = [
    "CoefficientComparison",
    "OutputPair",
    "PredictionComparison",
    "compare_coefficients",
    "compare_predictions",
    "split_outputs",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Design:
    """The design behind a comparison, when known, and the problem it poses.

    ``sample_weight`` and ``alpha`` are those of a weighted or ridge dataset: the reference
    minimises ``Σ wᵢ rᵢ² + α‖β‖²`` (the intercept not penalised).
    """

    X: FloatArray
    y: FloatArray | None
    fit_intercept: bool
    names: tuple[str, ...]
    name: str | None = None
    seed: int | None = None
    sample_weight: FloatArray | None = None
    alpha: float = 0.0
    #: The Dataset this design is, unchanged (its arrays, weights and penalty): derived
    #: tolerances are then kept with it (:func:`_memo`). ``None`` for any other design.
    source: Any = field(default=None, compare=False, repr=False)

    @property
    def plain(self) -> bool:
        """Unit weights and no penalty: ordinary least squares."""
        return self.sample_weight is None and self.alpha == 0.0

    def equivalent_ols(self, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The stacked OLS system of this problem (``_problems.equivalent_ols``)."""
        return equivalent_ols(self.X, y, fit_intercept=self.fit_intercept,
                              sample_weight=self.sample_weight, alpha=self.alpha)


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
    #: The design's condition number when the tolerances needed its factorisation anyway.
    condition_number: float | None = None


#: What has been derived from each Dataset's data, by (kind, dtype): a Dataset is immutable
#: (frozen, read-only arrays), so a factorisation made for one assertion serves every later
#: one on the same dataset. Weak keys: the entries go with the Dataset.
_DERIVED: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Any]] = (
    weakref.WeakKeyDictionary()
)


def _memo(design: Design, kind: str, dtype: str, compute: Callable[[], _T]) -> _T:
    """``compute()``, kept with the design's Dataset when the design is that Dataset's own."""
    src = design.source
    if src is None or design.X is not src.X or design.y is not src.y:
        return compute()
    per_dataset = _DERIVED.setdefault(src, {})
    key = (kind, dtype)
    if key not in per_dataset:
        per_dataset[key] = compute()
    return cast(_T, per_dataset[key])


def _attainable(design: Design, exp: Coefficients, dtype: str) -> Any:
    """:func:`derive_tolerance` of the design in ``dtype``, for the expected answer's fit.

    A weighted or ridge problem is judged by its equivalent OLS system
    (:meth:`Design.equivalent_ols`), whose parameters are in the same order (intercept first).
    Derived once per Dataset and dtype (:func:`_memo`).
    """
    y = design.y
    if y is None:  # no response known: the expected answer's own, zero-residual, fit
        y = predictions_of(exp, design.X)

    def derive() -> Any:
        if design.plain:
            return derive_tolerance((design.X, y), dtype, fit_intercept=design.fit_intercept)
        return derive_tolerance(design.equivalent_ols(y), dtype, fit_intercept=False)

    return _memo(design, "coefficients", dtype, derive)


def _tolerances(
    rtol: Any, atol: Any, act: Coefficients, exp: Coefficients, design: Design | None
) -> _Tolerances:
    """The comparison to make; ``"auto"`` and the default absolute term resolved.

    One metric, per parameter and in its own units: ``|a_i − e_i| ≤ atol_i + rtol·|e_i|``.
    ``f_i`` below is the absolute error a correct fit in the actual's dtype may make
    (:attr:`pytest_linreg.tolerances.Tolerance.absolute`: rounding the data to the dtype plus a
    backward-stable solve in it, with the safety factor).

    * An explicit rtol is used as given, never loosened. The only default absolute term is
      for parameters that are *zero at the dtype's resolution*, ``|e_i| ≤ f_i`` (no relative
      tolerance can hold for them: the exact OLS intercept of the question's data is
      4.65e-20, a correct lstsq gives 3e-17), and only where the data determine the parameter
      at all (``f_i`` below ``RTOL_CEILING`` times its scale): their ``atol_i`` is at least
      ``f_i``. Every other parameter gets the atol given (default 0), as given.
    * ``rtol="auto"``: per parameter ``max(1e-7·|e_i|, f_i)`` plus the atol given;
      "not determined" when some ``f_i`` exceeds ``RTOL_CEILING`` times the parameter's scale.
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
    if design is None:
        return _Tolerances(rtol_value, user_atol, "as passed")
    dtype = judged_dtype(act.dtype)
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
                           undetermined=not bool(np.all(determined)),
                           condition_number=tol.condition_number)
    zero = determined & (e <= f)
    origin = "as passed" if not zero.any() else (
        f"as passed, atol for parameters zero at {dtype} resolution")
    return _Tolerances(rtol_value, np.where(zero, np.maximum(user_atol, f), user_atol), origin,
                       at_resolution=tuple(int(i) for i in np.flatnonzero(zero)),
                       resolution_dtype=dtype, condition_number=tol.condition_number)


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


@dataclass(frozen=True)
class OutputPair:
    """One output of a multi-output comparison: its name, the actual's and the reference's."""

    name: str
    actual: Coefficients
    expected: Any
    dataset: Any


def _outputs_of(obj: Any) -> tuple[Any, ...] | None:
    """The per-output references of a multi-output Dataset/OLS result, else None."""
    from .datasets import MultiOutputDataset
    from .reference import MultiOutputResult

    if isinstance(obj, (MultiOutputDataset, MultiOutputResult)):
        return obj.outputs
    return None


def split_outputs(actual: Any, expected: Any, dataset: Any = None) -> list[OutputPair] | None:
    """The outputs to compare one by one, or ``None`` when both sides have a single output.

    A model of k outputs (``Dense(k)``, ``coef_`` of shape (k, p), ``nn.Linear(p, k)``) is
    judged output by output against a :class:`~pytest_linreg.MultiOutputDataset`, a
    :class:`~pytest_linreg.MultiOutputResult` or a ``(k, p)`` reference; the number of outputs
    must agree (ValueError naming both otherwise).
    """
    act = extract_coefficients(actual)
    per_dataset = _outputs_of(dataset) if dataset is not None else None
    references = _outputs_of(expected)
    if references is None:
        references = _expected(expected).outputs or None
    if not act.outputs and references is None and per_dataset is None:
        return None
    if dataset is not None and per_dataset is None:
        # A one-output dataset would be dropped from every output's comparison (its design,
        # its fit_intercept): refuse rather than compare without it.
        raise ValueError(
            f"dataset= has one output but the comparison has {max(act.n_outputs, 2)}: pass the "
            "MultiOutputDataset (Dataset.from_arrays with a 2-D y)"
        )
    k_exp = len(references) if references is not None else 1
    k_data = len(per_dataset) if per_dataset is not None else k_exp
    if act.n_outputs != k_exp or k_data != k_exp:
        what = f"dataset has {k_data}, " if per_dataset is not None else ""
        raise ValueError(
            f"actual has {act.n_outputs} output(s) ({act.source}) but {what}expected has "
            f"{k_exp}: a model of k outputs is compared with a reference of k outputs "
            "(Dataset.from_arrays with a 2-D y, or ols(X, Y))"
        )
    assert references is not None
    names = getattr(dataset if per_dataset is not None else expected, "output_names", None)
    if names is None:
        names = tuple(f"y{j + 1}" for j in range(k_exp))
    return [
        OutputPair(str(names[j]), act.outputs[j], references[j],
                   per_dataset[j] if per_dataset is not None else None)
        for j in range(k_exp)
    ]


def _refuse_several_outputs(act: Coefficients, exp: Coefficients, check: str) -> None:
    for side, c in (("actual", act), ("expected", exp)):
        if c.outputs:
            raise ValueError(
                f"{side} ({c.source}) has {c.n_outputs} outputs: {check} compares one output; "
                "assert_coefficients_close/assert_predictions_close judge each output (or "
                "split them with pytest_linreg.verdicts.split_outputs)"
            )


def _design_of(obj: Any) -> Design | None:
    from .datasets import Dataset

    if isinstance(obj, Dataset):
        return Design(obj.X, obj.y, obj.fit_intercept, obj.feature_names, obj.name, obj.seed,
                      obj.sample_weight, obj.alpha, source=obj)
    return None


def _resolve_design(
    expected: Any, dataset: Any, X: Any, exp: Coefficients, feature_names: Sequence[str] | None
) -> Design | None:
    design = _design_of(dataset) if dataset is not None else _design_of(expected)
    if dataset is not None and design is None:
        raise TypeError(f"dataset must be a pytest_linreg.Dataset; got {type(dataset).__name__}")
    if X is not None:
        Xa = as_design(X)
        fit = exp.intercept is not None
        names = design.names if design is not None else column_names(X, Xa.shape[1], None)
        y = design.y if design is not None and design.X.shape == Xa.shape else None
        design = Design(
            Xa, y, fit, names, design.name if design else None, design.seed if design else None,
            design.sample_weight if y is not None and design else None,
            design.alpha if y is not None and design else 0.0,
        )
    if design is not None and design.X.shape[1] != exp.p:
        raise ValueError(
            f"the design has {design.X.shape[1]} columns but expected has {exp.p} coefficients"
        )
    if design is not None and feature_names is not None:
        names = column_names(design.X, exp.p, feature_names)
        design = replace(design, names=names)
    return design


def _names(exp: Coefficients, expected: Any, design: Design | None, given: Any) -> tuple[str, ...]:
    if design is not None:
        return design.names
    if given is not None:
        return column_names(None, exp.p, given)
    names = getattr(expected, "feature_names", None)
    if isinstance(names, tuple) and len(names) == exp.p:
        return tuple(str(n) for n in names)
    return tuple(f"x{j + 1}" for j in range(exp.p))


def judged_dtype(name: str) -> str:
    """The dtype to judge attainable accuracy by (float64 for non-float values like ints)."""
    try:
        unit_roundoff(name)
    except TypeError:
        return "float64"
    return name


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


def _judged_reference(
    expected: Any, dataset: Any, exp: Coefficients, design: Design | None
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


def predictions_of(c: Coefficients, X: FloatArray) -> FloatArray:
    coef = np.asarray(c.coef, dtype=np.float64)
    return np.asarray(X @ coef + (c.intercept or 0.0), dtype=np.float64)


@dataclass(frozen=True)
class CoefficientComparison:
    """The outcome of comparing a model's coefficients with the reference, and its facts.

    Attributes
    ----------
    names : tuple of str
        One per compared parameter, ``"intercept"`` first when one is compared.
    actual, expected : ndarray
        Float64 parameter vectors in that order (``expected``: the exact OLS solution of the
        float64 data for a certified dataset, see :attr:`notes`).
    rtol : float
        The relative tolerance applied (``1e-7`` for ``rtol="auto"``).
    atol : ndarray
        The absolute term per parameter.
    origin : str
        Where the tolerances came from, one line.
    undetermined : bool
        ``rtol="auto"`` and some parameter is determined to no digit in the actual's dtype:
        the comparison fails whatever the numbers.
    at_resolution : tuple of int
        Parameters compared absolutely because they are zero at ``resolution_dtype``'s
        resolution.
    notes : tuple of str
        Facts the message states: names aligned, certified values vs the float64 data's
        answer, parameters compared at resolution.
    act, exp : Coefficients
        What was read from the actual and the expected (after alignment and substitution).
    design : Design or None
        The data behind the comparison, when known.
    forced_intercept : bool
        The reference has no intercept term and the actual's intercept was compared with 0.
    condition_number : float or None
        Of the design, when deciding needed its factorisation (``None`` otherwise).
    """

    names: tuple[str, ...]
    actual: FloatArray
    expected: FloatArray
    rtol: float
    atol: FloatArray
    origin: str
    undetermined: bool
    at_resolution: tuple[int, ...]
    resolution_dtype: str
    notes: tuple[str, ...]
    act: Coefficients
    exp: Coefficients
    design: Design | None
    forced_intercept: bool = False
    condition_number: float | None = None
    failing: BoolArray = field(init=False)

    def __post_init__(self) -> None:
        # NaN in the actual compares False: a failure.
        ok = np.abs(self.actual - self.expected) <= self.tolerance
        object.__setattr__(self, "failing", np.asarray(~ok, dtype=bool))

    @property
    def tolerance(self) -> FloatArray:
        """``atol_i + rtol·|e_i|`` per parameter."""
        return np.asarray(self.atol + self.rtol * np.abs(self.expected), dtype=np.float64)

    @property
    def abs_err(self) -> FloatArray:
        return np.asarray(np.abs(self.actual - self.expected), dtype=np.float64)

    @property
    def digits(self) -> FloatArray:
        """Correct significant digits per parameter (:func:`pytest_linreg.lre`)."""
        return np.asarray(lre(self.actual, self.expected), dtype=np.float64)

    @property
    def mismatched(self) -> int:
        return int(self.failing.sum())

    @property
    def passed(self) -> bool:
        return self.mismatched == 0 and not self.undetermined


def compare_coefficients(
    actual: Any,
    expected: Any,
    *,
    rtol: float | str = 1e-7,
    atol: Any = 0.0,
    dataset: Any = None,
    X: Any = None,
    feature_names: Sequence[str] | None = None,
    dtype: Any = None,
) -> CoefficientComparison:
    """Compare ``actual`` with ``expected`` parameter by parameter; decide, explain nothing.

    The arguments are those of :func:`pytest_linreg.assert_coefficients_close`, which documents
    them. Bad input (a tolerance out of range, mismatched shapes or names, NaN in the
    reference, an unreadable model) raises ``ValueError``/``TypeError``.

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> ds = plr.Dataset.from_arrays("line", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    >>> c = compare_coefficients(([2.0], 1.0 + 1e-6), ds)  # intercept off by 1e-6 relative
    >>> c.passed, c.names, c.failing.tolist()
    (False, ('intercept', 'x1'), [True, False])
    """
    if not (isinstance(rtol, str) and rtol == "auto"):
        check_rtol(rtol)
    given = _atol_values(atol)  # type and range first, the length once k is known
    act = extract_coefficients(actual)
    if dtype is not None:
        act = replace(act, dtype=dtype_name(dtype))
    exp = _expected(expected)
    _refuse_several_outputs(act, exp, "compare_coefficients")
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
    with_intercept = exp.intercept is not None
    full = ("intercept", *names) if with_intercept else names
    resolution: tuple[str, ...] = ()
    if tols.at_resolution:
        named = ", ".join(f"{full[i]} (|e| ≤ {tols.atol[i]:.1e})" for i in tols.at_resolution)
        resolution = (
            f"note: zero at {tols.resolution_dtype} resolution, compared absolutely: {named}",
        )
    return CoefficientComparison(
        names=full,
        actual=act.params(with_intercept),
        expected=exp.params(with_intercept),
        rtol=tols.rtol,
        atol=tols.atol,
        origin=tols.origin,
        undetermined=tols.undetermined,
        at_resolution=tols.at_resolution,
        resolution_dtype=tols.resolution_dtype,
        notes=tuple(n for n in (aligned, *resolution, certified_gap) if n),
        act=act,
        exp=exp,
        design=design,
        forced_intercept=forced and with_intercept,
        condition_number=tols.condition_number,
    )


#: Prediction checks never ask for more than this (DESIGN.md's default coefficient rtol).
PREDICTION_RTOL_FLOOR = 1e-7


def _prediction_rtol(design: Design, dtype: str) -> tuple[float, str]:
    """Default rtol: a backward-stable solve's prediction error in ``dtype``, at least 1e-7.

    :func:`pytest_linreg.tolerances.prediction_rtol`: ``SAFETY_FACTOR · u · cond`` with the
    row-wise first-order bound of :func:`pytest_linreg.diagnostics.prediction_condition`
    (it covers rounding the data to ``dtype`` as well).
    """
    derived = _memo(design, "predictions", dtype, lambda: problem_prediction_rtol(design, dtype))
    if derived > PREDICTION_RTOL_FLOOR:
        gamma = solver_gamma(design.X.shape[0])
        cond = derived / (SAFETY_FACTOR * unit_roundoff(dtype))
        return derived, (
            f"{SAFETY_FACTOR:g}·u({dtype})·cond {cond:.3g}: log2(n) = {gamma:.3g} × prediction "
            f"condition {cond / gamma:.3g}"
        )
    return PREDICTION_RTOL_FLOOR, "default"


@dataclass(frozen=True)
class PredictionComparison:
    """The outcome of comparing a model's predictions ``Xβ + b`` with the reference's.

    ``passed`` iff the predictions are checkable and ``max|ŷ − ŷ_ref| ≤ rtol · max|ŷ_ref|``.
    Not checkable: no rtol was given and the derived one exceeds
    :data:`~pytest_linreg.tolerances.PREDICTION_RTOL_CEILING`. Only the rows that define the
    problem count: for a weighted dataset, those of positive weight (a row of zero weight is
    an extrapolation, which the data do not bound).
    """

    act: Coefficients
    exp: Coefficients
    design: Design
    dtype: str
    rtol: float
    origin: str
    checkable: bool
    got: FloatArray
    want: FloatArray

    @property
    def counted(self) -> npt.NDArray[np.intp]:
        """Indices of the rows compared."""
        weights = self.design.sample_weight
        if weights is None:
            return np.arange(self.got.shape[0])
        return np.flatnonzero(weights > 0)

    @property
    def _error(self) -> FloatArray:
        return np.asarray(np.abs(self.got - self.want)[self.counted], dtype=np.float64)

    @property
    def scale(self) -> float:
        return float(np.max(np.abs(self.want[self.counted])))

    @property
    def relative_error(self) -> float:
        top = float(np.max(self._error))
        return top / self.scale if self.scale > 0 else top

    @property
    def worst_row(self) -> int:
        """The row printed: the first of the rows tied (to rounding) for the largest error."""
        return int(self.counted[first_of_largest(self._error)])

    @property
    def rows_off(self) -> int:
        return int(np.count_nonzero(self._error > self.rtol * self.scale))

    @property
    def passed(self) -> bool:
        return self.checkable and self.relative_error <= self.rtol


def compare_predictions(
    actual: Any, dataset: Any, *, rtol: float | None = None, dtype: Any = None
) -> PredictionComparison:
    """Compare the predictions of ``actual`` on ``dataset`` with the reference's; decide only.

    Arguments as :func:`pytest_linreg.assert_predictions_close`, which documents them.
    """
    design = _design_of(dataset)
    if design is None:
        raise TypeError(f"dataset must be a pytest_linreg.Dataset; got {type(dataset).__name__}")
    act = extract_coefficients(actual)
    exp = _expected(dataset)
    _refuse_several_outputs(act, exp, "compare_predictions")
    if act.p != exp.p:
        raise ValueError(f"actual has {act.p} coefficients but dataset {design.name} has {exp.p}")
    exp, _ = _judged_reference(dataset, None, exp, design)
    act, _ = _aligned(act, design.names)
    name = judged_dtype(act.dtype) if dtype is None else dtype_name(dtype)
    if rtol is None:
        tol, origin = _prediction_rtol(design, name)
        checkable = tol <= PREDICTION_RTOL_CEILING
    else:
        tol, origin, checkable = check_rtol(rtol), "as passed", True
    return PredictionComparison(
        act=act, exp=exp, design=design, dtype=name, rtol=tol, origin=origin,
        checkable=checkable, got=predictions_of(act, design.X), want=predictions_of(exp, design.X),
    )
