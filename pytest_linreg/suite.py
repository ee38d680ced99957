"""The suite generator: one decorator turns a fit function into a parametrised test suite.

:func:`parametrize_with_linreg_checks` (modelled on scikit-learn's ``parametrize_with_checks``)
crosses datasets × dtypes × devices × checks and hands the test one callable ``check`` per
combination; :func:`run_checks` runs the same checks without pytest and returns
:class:`CheckResult` rows. The checks themselves live in :mod:`pytest_linreg.checks`.

pytest is imported only inside :func:`parametrize_with_linreg_checks`, so this module (and
``run_checks``) works in a notebook.
"""

from __future__ import annotations

import fnmatch
import functools
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ._records import CheckRecord, collecting
from .checks import CHECKS, FitFunction, NotCheckable, check_id
from .datasets import Dataset
from .numerics import tf32_disabled

if TYPE_CHECKING:
    from numpy.typing import DTypeLike
    from pytest import MarkDecorator

    from .datasets._registry import DatasetSpec

__all__ = [
    "CAPABILITIES_ATTRIBUTE",
    "DEFAULT_DATASETS",
    "CheckResult",
    "FitCapabilities",
    "SuiteCase",
    "SuiteOptions",
    "declare_capabilities",
    "parametrize_with_linreg_checks",
    "run_checks",
    "suite_cases",
]

#: The datasets a suite runs on when ``datasets`` is not given: the NIST StRD sets, the
#: question's sorted Poisson data and its shuffled twin, and the generated built-ins.
DEFAULT_DATASETS = "nist,sorted_poisson,shuffled_poisson,tag:generated"
#: Name of the attribute on a fit function that holds its :class:`FitCapabilities`.
CAPABILITIES_ATTRIBUTE = "linreg_capabilities"

_DTYPES = ("float32", "float64")
_DEVICES = ("cpu", "gpu")
_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class FitCapabilities:
    """What a fit function supports; the generator yields only the combinations it can run.

    Attributes
    ----------
    dtypes : tuple of str
        Floating types the fit computes in (``"float32"``, ``"float64"``).
    devices : tuple of str
        ``"cpu"`` and/or ``"gpu"``.
    no_intercept : bool
        Whether ``fit_intercept=False`` is supported; when not, datasets without an intercept
        (NIST NoInt1/NoInt2) are left out.

    Examples
    --------
    >>> caps = FitCapabilities(dtypes=("float64",), devices=("cpu",))
    >>> caps.dtypes
    ('float64',)
    """

    dtypes: tuple[str, ...] = _DTYPES
    devices: tuple[str, ...] = _DEVICES
    no_intercept: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtypes", _choices(self.dtypes, _DTYPES, "dtypes"))
        object.__setattr__(self, "devices", _choices(self.devices, _DEVICES, "devices"))
        if not isinstance(self.no_intercept, bool):
            raise TypeError(f"no_intercept must be a bool; got {self.no_intercept!r}")


def _choices(values: Iterable[object], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    """Validate a non-empty tuple of names drawn from ``allowed`` (order kept, no repeats)."""
    if isinstance(values, str):
        raise TypeError(f"{what} must be a sequence of names, not the string {values!r}")
    out = tuple(dict.fromkeys(_canonical(v) for v in values))
    bad = [v for v in out if v not in allowed]
    if bad:
        raise ValueError(f"unsupported {what} {bad}; accepted: {', '.join(allowed)}")
    if not out:
        raise ValueError(f"{what} is empty; give at least one of {', '.join(allowed)}")
    return out


def _canonical(value: object) -> str:
    """``np.float32``, ``np.dtype("float32")``, ``tf.float32`` as ``"float32"``; others as is."""
    from .tolerances import dtype_name

    if isinstance(value, str) and value in _DEVICES:
        return value
    try:
        return dtype_name(value)
    except TypeError:
        return str(value)


def declare_capabilities(
    *, dtypes: Sequence[DTypeLike] = _DTYPES, devices: Sequence[str] = _DEVICES,
    no_intercept: bool = True,
) -> Callable[[_F], _F]:
    """Decorator that attaches :class:`FitCapabilities` to a fit function.

    Examples
    --------
    >>> @declare_capabilities(dtypes=("float64",))
    ... def fit(X, y, *, fit_intercept, dtype, device):
    ...     ...
    >>> fit.linreg_capabilities.dtypes
    ('float64',)
    """
    # Validated here, not through tuple(): tuple("float64") would be a tuple of letters.
    caps = FitCapabilities(_choices(dtypes, _DTYPES, "dtypes"),
                           _choices(devices, _DEVICES, "devices"), no_intercept)

    def attach(fit: _F) -> _F:
        setattr(fit, CAPABILITIES_ATTRIBUTE, caps)
        return fit

    return attach


def _capabilities_of(fit: FitFunction, given: FitCapabilities | None) -> FitCapabilities:
    if given is not None:
        if not isinstance(given, FitCapabilities):
            raise TypeError(f"capabilities must be a FitCapabilities; got {type(given).__name__}")
        return given
    declared = getattr(fit, CAPABILITIES_ATTRIBUTE, None)
    if declared is None:
        return FitCapabilities()
    if not isinstance(declared, FitCapabilities):
        raise TypeError(
            f"{_name(fit)}.{CAPABILITIES_ATTRIBUTE} must be a FitCapabilities; got "
            f"{type(declared).__name__}"
        )
    return declared


def _name(obj: object) -> str:
    return str(getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj))


@dataclass(frozen=True)
class SuiteCase:
    """One generated check: its id and the bound callable, plus the xfail reason if any."""

    id: str
    check: Callable[[], None]
    dataset: str
    dtype: str
    device: str
    check_name: str
    expected_failure: str | None = None


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check run by :func:`run_checks`.

    Attributes
    ----------
    id : str
        ``"<dataset>-<dtype>-<device>-<check>"``, as in the pytest ids.
    passed : bool
    message : str
        Empty when the check passed; the failure explanation (or the error's traceback tail)
        otherwise.
    record : CheckRecord or None
        The row the check recorded (what was compared, digits achieved, note); ``None`` when
        the fit function raised before anything was compared.
    expected_failure : str or None
        The reason given in ``expected_failures`` when the id matched one of its patterns.
    skipped : bool
        The check could not fail at the derived tolerance (neither coefficients nor predictions
        checkable, e.g. Filip in float32), so it was not run as one: ``passed`` is False and
        ``message`` gives the reason (under pytest this is a skip).
    """

    id: str
    passed: bool
    message: str
    record: CheckRecord | None
    expected_failure: str | None = None
    skipped: bool = False


def _resolve_datasets(
    datasets: str | Iterable[str | Dataset | DatasetSpec] | None,
) -> list[Dataset]:
    """Load the selected datasets once (names, tags, ``Dataset`` or ``DatasetSpec`` objects)."""
    from .datasets._registry import DatasetSpec, builtin_specs, select_specs

    if datasets is None:
        datasets = DEFAULT_DATASETS
    if isinstance(datasets, str):
        return [spec.load() for spec in select_specs(builtin_specs(), datasets)]
    loaded: list[Dataset] = []
    specs: tuple[DatasetSpec, ...] | None = None
    for item in datasets:
        if isinstance(item, Dataset):
            loaded.append(item)
        elif isinstance(item, DatasetSpec):
            loaded.append(item.load())
        elif isinstance(item, str):
            specs = builtin_specs() if specs is None else specs
            loaded.extend(spec.load() for spec in select_specs(specs, item))
        else:
            raise TypeError(
                f"datasets items must be names, tags, Dataset or DatasetSpec; got "
                f"{type(item).__name__} {item!r}"
            )
    names = [d.name for d in loaded]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"datasets selected twice: {', '.join(dupes)}; ids must be unique")
    if not loaded:
        raise ValueError("datasets is empty; give names, tags (tag:nist) or Dataset objects")
    return loaded


def _resolve_checks(
    checks: Iterable[str | Callable[..., None]] | None,
) -> list[tuple[str, Callable[..., None]]]:
    """Built-in checks by name, or custom ``check_<name>`` functions with the same signature."""
    if checks is None:
        return list(CHECKS)
    known = dict(CHECKS)
    if isinstance(checks, str):
        raise TypeError(f"checks must be a sequence of names, not the string {checks!r}")
    out: dict[str, Callable[..., None]] = {}
    for item in checks:
        if isinstance(item, str):
            if item not in known:
                raise ValueError(f"unknown check {item!r}; built-in checks: {', '.join(known)}")
            out[item] = known[item]
        elif callable(item):
            name = _name(item).rsplit(".", 1)[-1].removeprefix("check_")
            if out.get(name, item) is not item:
                # Same name, different function: the later one would silently replace the
                # earlier, and their ids would be the same.
                raise ValueError(f"two checks are named {name!r}: {out[name]!r} and {item!r}; "
                                 "give custom check functions distinct check_<name> names")
            out[name] = item
        else:
            raise TypeError(f"checks items must be names or callables; got {item!r}")
    if not out:
        raise ValueError(f"checks is empty; built-in checks: {', '.join(known)}")
    return list(out.items())


def _expected_failure(case_id: str, expected: Mapping[str, str]) -> str | None:
    for pattern, reason in expected.items():
        if case_id == pattern or fnmatch.fnmatchcase(case_id, pattern):
            return reason
    return None


@dataclass(frozen=True)
class SuiteOptions:
    """What a generated suite covers: the options of :func:`parametrize_with_linreg_checks`,
    :func:`run_checks` and :func:`suite_cases`, documented and passed on once.

    Attributes
    ----------
    datasets : str or sequence, optional
        A ``--linreg-datasets`` selector (``"nist,tag:generated"``), or a sequence of names,
        tags, ``Dataset`` or ``DatasetSpec`` objects (use objects for datasets of your own).
        Default :data:`DEFAULT_DATASETS`.
    dtypes : sequence of str or dtype, default ("float64", "float32")
        ``"float64"``, ``np.float32``, ``np.dtype("float32")`` ... (read as their names).
    devices : sequence of str, default ("cpu",)
        ``"gpu"`` cases carry the ``linreg_gpu`` marker, so they are skipped unless pytest runs
        with ``--linreg-gpu``; ``"cpu"`` cases carry ``linreg_cpu``.
    checks : sequence, optional
        Names from :data:`pytest_linreg.checks.CHECKS` (``coefficients``, ``predictions``,
        ``row_order``, ``offsets``, ``scaling``, ``collinear``) or custom functions with the
        signature ``check_<name>(fit, dataset, dtype, device, rtol)``. Default: all built-in.
    rtol : float, optional
        The coefficient tolerance, checked as given: never loosened, never swapped for a
        prediction check (tighter than the data and dtype allow, the check fails and says so).
        Precedence: this > ``--linreg-rtol`` > ini ``linreg_rtol``; under pytest a
        ``pytest_linreg_tolerance`` implementation may choose another. With none of them,
        ``rtol="auto"`` of :func:`pytest_linreg.assert_coefficients_close` (1e-7, or per
        parameter what data and dtype allow), and the predictions are compared where the data
        determine fewer than 2 digits of a coefficient.
    expected_failures : mapping of str to str, optional
        ``{id_or_fnmatch_pattern: reason}``; matching cases are marked ``xfail``. A pattern
        that matches no case is an error (a typo would otherwise expect nothing).
    capabilities : FitCapabilities, optional
        What ``fit`` supports; default its ``linreg_capabilities`` attribute (see
        :func:`declare_capabilities`), else everything. Unsupported combinations are not
        generated.
    """

    datasets: str | Iterable[str | Dataset | DatasetSpec] | None = None
    dtypes: Sequence[DTypeLike] = ("float64", "float32")
    devices: Sequence[str] = ("cpu",)
    checks: Iterable[str | Callable[..., None]] | None = None
    rtol: float | None = None
    expected_failures: Mapping[str, str] | None = None
    capabilities: FitCapabilities | None = None


def suite_cases(
    fit: FitFunction,
    *,
    datasets: str | Iterable[str | Dataset | DatasetSpec] | None = None,
    dtypes: Sequence[DTypeLike] = ("float64", "float32"),
    devices: Sequence[str] = ("cpu",),
    checks: Iterable[str | Callable[..., None]] | None = None,
    rtol: float | None = None,
    expected_failures: Mapping[str, str] | None = None,
    capabilities: FitCapabilities | None = None,
) -> list[SuiteCase]:
    """The checks a suite consists of, in order, after capability filtering.

    The options are those of :class:`SuiteOptions`.

    Raises
    ------
    ValueError
        For unknown dtypes, devices, checks or datasets, when the fit's capabilities leave
        nothing to run, or when an ``expected_failures`` pattern matches no check (a typo would
        otherwise silently expect nothing).
    """
    return _cases(fit, SuiteOptions(
        datasets=datasets, dtypes=dtypes, devices=devices, checks=checks, rtol=rtol,
        expected_failures=expected_failures, capabilities=capabilities,
    ))


def _cases(fit: FitFunction, options: SuiteOptions) -> list[SuiteCase]:
    from ._validation import check_rtol

    datasets, dtypes, devices = options.datasets, options.dtypes, options.devices
    checks, rtol, capabilities = options.checks, options.rtol, options.capabilities
    expected_failures = options.expected_failures
    if not callable(fit):
        raise TypeError(f"fit must be callable; got {type(fit).__name__} {fit!r}")
    tol = None if rtol is None else check_rtol(rtol)
    caps = _capabilities_of(fit, capabilities)
    want_dtypes = [d for d in _choices(dtypes, _DTYPES, "dtypes") if d in caps.dtypes]
    want_devices = [d for d in _choices(devices, _DEVICES, "devices") if d in caps.devices]
    if not want_dtypes or not want_devices:
        raise ValueError(
            f"nothing to run: {_name(fit)} supports dtypes {caps.dtypes} and devices "
            f"{caps.devices}, but dtypes={tuple(dtypes)} and devices={tuple(devices)} were "
            "asked for"
        )
    chosen = [d for d in _resolve_datasets(datasets) if d.fit_intercept or caps.no_intercept]
    if not chosen:
        raise ValueError(f"nothing to run: {_name(fit)} does not support fit_intercept=False "
                         "and every selected dataset has no intercept")
    expected = dict(expected_failures or {})
    named_checks = _resolve_checks(checks)
    cases = [
        SuiteCase(
            id=(cid := check_id(ds.name, dtype, device, name)),
            check=functools.partial(fn, fit, ds, dtype, device, tol),
            dataset=ds.name, dtype=dtype, device=device, check_name=name,
            expected_failure=_expected_failure(cid, expected),
        )
        for ds in chosen
        for dtype in want_dtypes
        for device in want_devices
        for name, fn in named_checks
    ]
    unused = [p for p in expected if not any(_expected_failure(c.id, {p: ""}) is not None
                                             for c in cases)]
    if unused:
        raise ValueError(
            f"expected_failures pattern(s) {unused} match no check; ids look like "
            f"{cases[0].id!r} (fnmatch patterns such as '*-float32-*-coefficients' work)"
        )
    return cases


def parametrize_with_linreg_checks(
    fit: FitFunction,
    *,
    datasets: str | Iterable[str | Dataset | DatasetSpec] | None = None,
    dtypes: Sequence[DTypeLike] = ("float64", "float32"),
    devices: Sequence[str] = ("cpu",),
    checks: Iterable[str | Callable[..., None]] | None = None,
    rtol: float | None = None,
    expected_failures: Mapping[str, str] | None = None,
    strict: bool = True,
    capabilities: FitCapabilities | None = None,
) -> MarkDecorator:
    """Parametrise a test over datasets × dtypes × devices × checks of a fit function.

    The decorated test receives one argument, ``check``, a callable that runs one check and
    raises :class:`~pytest_linreg.errors.LinregAssertionError` with an explanation when it
    fails. Ids read ``test_fit[Longley-float64-cpu-coefficients]``.

    Parameters
    ----------
    fit : callable
        ``fit(X, y, *, fit_intercept, dtype, device)`` returning a fitted model or its
        coefficients — anything :func:`~pytest_linreg.adapters.extract.extract_coefficients`
        reads (an array, a ``(coef, intercept)`` pair, a scikit-learn estimator, a Keras model
        ...). ``X`` and ``y`` arrive as numpy arrays of ``dtype``; ``device`` is ``"cpu"`` or
        ``"gpu"``.
    datasets, dtypes, devices, checks, rtol, expected_failures, capabilities
        See :class:`SuiteOptions`.
    strict : bool, default True
        Strictness of the ``expected_failures`` xfail marks: an unexpected pass fails the
        test. ``False`` for canaries of another project's behaviour, which may improve.

    Returns
    -------
    MarkDecorator
        A ``pytest.mark.parametrize("check", ...)`` decorator.

    Examples
    --------
    >>> import numpy as np
    >>> def my_fit(X, y, *, fit_intercept, dtype, device):
    ...     A = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
    ...     params = np.linalg.lstsq(A, y, rcond=None)[0]
    ...     return (params[1:], params[0]) if fit_intercept else params
    >>> decorator = parametrize_with_linreg_checks(my_fit, datasets="Norris")
    >>> [p.id for p in decorator.args[1]][:2]
    ['Norris-float64-cpu-coefficients', 'Norris-float64-cpu-predictions']
    """
    import pytest

    cases = _cases(fit, SuiteOptions(
        datasets=datasets, dtypes=dtypes, devices=devices, checks=checks, rtol=rtol,
        expected_failures=expected_failures, capabilities=capabilities,
    ))
    params = []
    for case in cases:
        marks: list[Any] = []
        # Every case carries its device's marker, so `-m linreg_cpu` / `-m linreg_gpu` select.
        marks.append(pytest.mark.linreg_gpu if case.device == "gpu" else pytest.mark.linreg_cpu)
        if case.expected_failure is not None:
            marks.append(pytest.mark.xfail(strict=strict, reason=case.expected_failure))
        params.append(pytest.param(case.check, id=case.id, marks=marks))
    return pytest.mark.parametrize("check", params)


def run_checks(
    fit: FitFunction,
    *,
    datasets: str | Iterable[str | Dataset | DatasetSpec] | None = None,
    dtypes: Sequence[DTypeLike] = ("float64", "float32"),
    devices: Sequence[str] = ("cpu",),
    checks: Iterable[str | Callable[..., None]] | None = None,
    rtol: float | None = None,
    expected_failures: Mapping[str, str] | None = None,
    capabilities: FitCapabilities | None = None,
) -> list[CheckResult]:
    """Run the suite's checks without pytest and return one :class:`CheckResult` each.

    The options are those of :class:`SuiteOptions`. Failures of the checks and
    errors raised by ``fit`` are captured in the results; bad arguments still raise. Each check
    runs with TF32 turned off (:func:`pytest_linreg.numerics.tf32_disabled`), as under pytest.

    Examples
    --------
    >>> import numpy as np
    >>> def my_fit(X, y, *, fit_intercept, dtype, device):
    ...     A = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
    ...     params = np.linalg.lstsq(A, y, rcond=None)[0]
    ...     return (params[1:], params[0]) if fit_intercept else params
    >>> results = run_checks(my_fit, datasets="Norris", dtypes=["float64"])
    >>> [(r.id, r.passed) for r in results][:2]
    [('Norris-float64-cpu-coefficients', True), ('Norris-float64-cpu-predictions', True)]
    """
    # A check that cannot fail raises NotCheckable, or pytest's skip when pytest is loaded
    # (run_checks called from inside a test): both make a skipped result here.
    not_checkable: tuple[type[BaseException], ...] = (NotCheckable,)
    pytest = sys.modules.get("pytest")
    if pytest is not None:
        not_checkable += (pytest.skip.Exception,)
    results = []
    for case in _cases(fit, SuiteOptions(
        datasets=datasets, dtypes=dtypes, devices=devices, checks=checks, rtol=rtol,
        expected_failures=expected_failures, capabilities=capabilities,
    )):
        passed, skipped, message = False, False, ""
        # As under the plugin: TF32 off in every imported framework (TensorFlow imported for
        # GPU cases), so float32 matmuls on Ampere/Hopper GPUs keep their 24 bits.
        with collecting() as rows, tf32_disabled(import_tensorflow=case.device == "gpu"):
            try:
                case.check()
            except not_checkable as exc:
                skipped, message = True, str(exc)
            except AssertionError as exc:
                message = str(exc) or f"{type(exc).__name__} without a message"
            except Exception as exc:
                tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-3:])
                message = f"{type(exc).__name__} raised while checking: {exc}\n{tail}"
            else:
                passed = True
        results.append(CheckResult(
            id=case.id, passed=passed, message=message,
            record=rows[-1] if rows else None, expected_failure=case.expected_failure,
            skipped=skipped,
        ))
    return results
