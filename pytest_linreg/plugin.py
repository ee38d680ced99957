"""pytest11 entry point of pytest-linreg: options, markers, fixtures, hooks and the header.

A thin layer: settings are parsed in :mod:`._settings`, datasets come from :mod:`._catalog`,
devices from :mod:`.devices` and the numerics state from :mod:`.numerics`. Session state
lives in ``config.stash`` only.

Fixtures: ``linreg_dataset``, ``linreg_make_dataset``, ``linreg_rtol``, ``linreg_device``.
Markers: ``linreg_gpu``, ``linreg_cpu``, ``linreg_datasets(*names_or_tags)``.
Options (each with an ini twin without the dashes): ``--linreg-gpu``, ``--linreg-rtol``,
``--linreg-datasets``, ``--linreg-report``, ``--linreg-summary``, ``--linreg-deterministic``,
``--linreg-seed``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import zlib
from collections.abc import Callable, Generator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from ._catalog import CATALOG_KEY, DatasetCatalog
from ._settings import OPTIONS, SETTINGS_KEY, Settings, argparse_type, resolve_settings
from .devices import GpuProbe, device_named
from .numerics import controlled_numerics, numerics_state, state_to_properties

if TYPE_CHECKING:
    from .datasets import Dataset
    from .devices import Device

__all__ = [
    "GPU_PROBE_KEY",
    "NUMERICS_KEY",
    "derive_seed",
    "linreg_dataset",
    "linreg_device",
    "linreg_make_dataset",
    "linreg_rtol",
    "tolerance_for",
]

GPU_PROBE_KEY: pytest.StashKey[GpuProbe] = pytest.StashKey()
#: The numerics state a test ran under (also written to its ``user_properties``).
NUMERICS_KEY: pytest.StashKey[dict[str, Any]] = pytest.StashKey()
# The test's numerics context (closed at teardown) and whether op determinism was on for it.
_NUMERICS_STACK_KEY: pytest.StashKey[tuple[ExitStack, bool]] = pytest.StashKey()
_HOOK_TOKEN_KEY: pytest.StashKey[Any] = pytest.StashKey()

MARKERS = (
    "linreg_gpu: needs a GPU; skipped unless pytest runs with --linreg-gpu (then a missing GPU"
    " is an error, never a skip)",
    "linreg_cpu: CPU only; linreg_device gives only the cpu variant",
    "linreg_datasets(*names_or_tags): run linreg_dataset only for these datasets (names,"
    " tag:<tag> or bare tags), within the --linreg-datasets selection",
)
_GPU_SKIP_REASON = "linreg_gpu test: run with --linreg-gpu (or ini linreg_gpu = true) to enable"


# --------------------------------------------------------------------------- setup


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("linreg", "pytest-linreg (linear-regression checks)")
    for option in OPTIONS:
        if option.parse is None:
            group.addoption(option.flag, action="store_true", default=None, dest=option.dest,
                            help=option.help)
        else:
            group.addoption(option.flag, type=argparse_type(option.parse), default=None,
                            dest=option.dest, metavar=option.metavar or option.field.upper(),
                            help=option.help)
        kind = "bool" if option.parse is None else option.field
        parser.addini(option.ini, f"default for {option.flag} ({kind}); the command line wins",
                      type="string", default="")


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    settings = resolve_settings(config)
    config.stash[SETTINGS_KEY] = settings
    catalog = DatasetCatalog(config, settings.datasets)
    config.stash[CATALOG_KEY] = catalog
    # Like pytest_addoption, names and tags given here must come from a plugin or an initial
    # conftest.py, so a typo fails at start-up, identically in every xdist worker.
    catalog.check_selection()
    _install_coefficients_hook(config)
    _register_reporter(config)
    if settings.gpu and not config.getoption("help", default=False):
        _require_gpu(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    token = config.stash.get(_HOOK_TOKEN_KEY, None)
    if token is not None:
        from .adapters.extract import uninstall_hook

        uninstall_hook(token)
        del config.stash[_HOOK_TOKEN_KEY]


def _install_coefficients_hook(config: pytest.Config) -> None:
    """Route model extraction in the assertions through ``pytest_linreg_coefficients``."""
    extract = importlib.import_module("pytest_linreg.adapters.extract")
    hook = config.hook.pytest_linreg_coefficients

    def call(model: Any) -> Any:
        return hook(model=model)

    config.stash[_HOOK_TOKEN_KEY] = extract.install_hook(call)


def _register_reporter(config: pytest.Config) -> None:
    from .reporting import LinregReporter

    if not config.pluginmanager.has_plugin("linreg-reporter"):
        config.pluginmanager.register(LinregReporter(config), "linreg-reporter")


def gpu_probe(config: pytest.Config) -> GpuProbe:
    """Ask the ``pytest_linreg_gpu_available`` hook once per session; keep the answer."""
    if GPU_PROBE_KEY not in config.stash:
        answer = config.hook.pytest_linreg_gpu_available(config=config)
        if isinstance(answer, GpuProbe):
            probe = answer
        elif isinstance(answer, bool):
            probe = GpuProbe.from_answer(answer, "pytest_linreg_gpu_available hook")
        else:
            raise TypeError(
                f"pytest_linreg_gpu_available returned {answer!r}; expected a GpuProbe, a bool"
                " or None"
            )
        config.stash[GPU_PROBE_KEY] = probe
    return config.stash[GPU_PROBE_KEY]


def _require_gpu(config: pytest.Config) -> None:
    probe = gpu_probe(config)
    if not probe.available:
        raise pytest.UsageError(
            "--linreg-gpu was given but no GPU is usable, so the GPU tests would not run."
            f" Probed:\n{probe.explain()}\n"
            "Fix the driver/CUDA install or the framework's GPU build, or run without"
            " --linreg-gpu to skip the linreg_gpu tests."
        )


# --------------------------------------------------------------------------- default hook impls


@pytest.hookimpl(trylast=True)
def pytest_linreg_gpu_available(config: pytest.Config) -> GpuProbe:
    from .devices import probe_gpus

    # Only reached with --linreg-gpu: importing TensorFlow to ask it is then expected.
    return probe_gpus(import_frameworks=True)


@pytest.hookimpl(trylast=True)
def pytest_linreg_tolerance(
    dataset: Dataset, dtype: Any, requested_rtol: float | None
) -> float | None:
    # The request as it is: an rtol someone asked for is never loosened; None is the
    # automatic per-parameter tolerance.
    return requested_rtol


def tolerance_for(
    config: pytest.Config, dataset: Dataset, dtype: Any, requested_rtol: float | None = None
) -> float | None:
    """The rtol for a fit of ``dataset`` in ``dtype``, as the ``pytest_linreg_tolerance`` hook says.

    ``requested_rtol`` is the test's own (the suite decorator's ``rtol=``); without one the
    session's configured ``--linreg-rtol`` / ``linreg_rtol`` is requested, if set. Downstream
    implementations come first; the default returns the request unchanged. ``None``: nothing
    was asked, the check uses the automatic tolerance (1e-7, loosened per parameter to what
    the data and dtype allow).

    Raises
    ------
    ValueError
        If an implementation returned something that is not an rtol in ``[0, 1)``.
    """
    from ._validation import check_rtol

    settings = config.stash[SETTINGS_KEY]
    if requested_rtol is None and settings.rtol_configured:
        requested_rtol = settings.rtol
    answer = config.hook.pytest_linreg_tolerance(
        dataset=dataset, dtype=dtype, requested_rtol=requested_rtol
    )
    if answer is None:
        return None
    try:
        return check_rtol(answer, "rtol")
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"pytest_linreg_tolerance returned {answer!r} for dataset {dataset.name!r} and dtype"
            f" {dtype!r}: {exc}"
        ) from None


# --------------------------------------------------------------------------- header


def _abbreviate(names: list[str], shown: int = 4) -> str:
    head = ", ".join(names[:shown])
    return head if len(names) <= shown else f"{head}, ... +{len(names) - shown}"


def pytest_report_header(config: pytest.Config) -> str:
    settings = config.stash[SETTINGS_KEY]
    names = [spec.name for spec in config.stash[CATALOG_KEY].selected()]
    gpu = "off"
    if settings.gpu:
        probe = config.stash.get(GPU_PROBE_KEY, None)
        gpu = f"on [{probe.summary()}]" if probe is not None else "on"
    return (
        f"linreg: rtol={settings.rtol:g}, datasets={len(names)} ({_abbreviate(names)}),"
        f" gpu={gpu}, deterministic={'on' if settings.deterministic else 'off'},"
        f" seed={settings.seed}"
    )


# --------------------------------------------------------------------------- parametrisation


def _directly_parametrized(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", "")
        if isinstance(argnames, str):
            argnames = [a.strip() for a in argnames.split(",")]
        if name in argnames:
            return True
    return False


def _marker_selectors(metafunc: pytest.Metafunc) -> list[str]:
    selectors = []
    for marker in metafunc.definition.iter_markers("linreg_datasets"):
        if not marker.args or not all(isinstance(a, str) for a in marker.args):
            raise TypeError(
                f"@pytest.mark.linreg_datasets on {metafunc.definition.nodeid} needs dataset"
                f" names or tags as strings; got {marker.args!r}"
            )
        selectors.append(",".join(marker.args))
    return selectors


def _device_names(metafunc: pytest.Metafunc, settings: Settings) -> list[str]:
    if metafunc.definition.get_closest_marker("linreg_gpu") is not None:
        return ["gpu"]  # skipped with a reason unless --linreg-gpu
    if metafunc.definition.get_closest_marker("linreg_cpu") is not None:
        return ["cpu"]
    return ["cpu", "gpu"] if settings.gpu else ["cpu"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    config = metafunc.config
    if "linreg_dataset" in metafunc.fixturenames and not _directly_parametrized(
        metafunc, "linreg_dataset"
    ):
        catalog = config.stash[CATALOG_KEY]
        specs = catalog.narrowed(
            metafunc.definition.ihook, _marker_selectors(metafunc), metafunc.definition.nodeid
        )
        names = [spec.name for spec in specs]
        if names:
            metafunc.parametrize("linreg_dataset", names, ids=names, indirect=True)
        else:
            reason = (
                f"no dataset left for linreg_dataset: the session selects {catalog.selector!r}"
                " and the test's linreg_datasets markers match none of those"
            )
            empty = pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-dataset")
            metafunc.parametrize("linreg_dataset", [empty], indirect=True)
    if "linreg_device" in metafunc.fixturenames and not _directly_parametrized(
        metafunc, "linreg_device"
    ):
        devices = _device_names(metafunc, config.stash[SETTINGS_KEY])
        metafunc.parametrize("linreg_device", devices, ids=devices, indirect=True)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def linreg_rtol(request: pytest.FixtureRequest) -> float:
    """Return the session's relative tolerance: --linreg-rtol, else ini linreg_rtol, else 1e-7."""
    return request.config.stash[SETTINGS_KEY].rtol


@pytest.fixture
def linreg_dataset(request: pytest.FixtureRequest) -> Dataset:
    """Give each selected dataset to the test in turn; ids are the dataset names.

    The dataset is built once per session and its arrays are read-only. Narrow it with
    ``@pytest.mark.linreg_datasets("Longley", "tag:nist")``; the session's selection comes
    from ``--linreg-datasets``. Downstream datasets come from the ``pytest_linreg_datasets``
    hook.
    """
    name = getattr(request, "param", None)
    if not isinstance(name, str):
        raise TypeError(
            f"linreg_dataset needs a dataset name as its parameter; got {name!r}. Parametrize"
            " it indirectly with names, or let pytest-linreg do it."
        )
    return request.config.stash[CATALOG_KEY].load(name)


@pytest.fixture
def linreg_device(request: pytest.FixtureRequest) -> Device:
    """Give the device the test runs on: ``cpu`` always, and ``gpu`` too with --linreg-gpu.

    The object has ``name``, ``tf_device`` (``"/CPU:0"``), ``torch_device`` and ``scope()``,
    a context manager placing TensorFlow ops on the device.
    """
    return device_named(getattr(request, "param", "cpu"))


def derive_seed(session_seed: int, nodeid: str, index: int = 0) -> int:
    """A per-test seed from the session seed, the test's node id and a call counter.

    Node ids are the same in every pytest-xdist worker, so the seed is too.

    Examples
    --------
    >>> derive_seed(0, "test_a.py::test_x") == derive_seed(0, "test_a.py::test_x")
    True
    >>> derive_seed(0, "test_a.py::test_x") != derive_seed(1, "test_a.py::test_x")
    True
    """
    entropy = [session_seed, zlib.crc32(nodeid.encode("utf-8")), index]
    return int(np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint32)[0])


def _generators() -> dict[str, Callable[..., Dataset]]:
    """The ``make_<kind>`` generators exported by :mod:`pytest_linreg.datasets`."""
    datasets = importlib.import_module("pytest_linreg.datasets")
    return {
        name.removeprefix("make_"): getattr(datasets, name)
        for name in sorted(getattr(datasets, "__all__", dir(datasets)))
        if name.startswith("make_") and callable(getattr(datasets, name, None))
    }


@pytest.fixture
def linreg_make_dataset(request: pytest.FixtureRequest) -> Callable[..., Dataset]:
    """Return a factory that builds generated datasets, seeded per test from --linreg-seed.

    Example: ``linreg_make_dataset("ill_conditioned", n=100, p=5, cond=1e8)``.

    ``kind`` names a ``pytest_linreg.datasets.make_<kind>`` generator. When ``seed`` is not
    given, it derives from ``--linreg-seed``, the test's node id and the call count, so
    reruns and xdist workers get the same data.
    """
    session_seed = request.config.stash[SETTINGS_KEY].seed
    nodeid = request.node.nodeid
    calls = [0]

    def make(kind: str, /, **kwargs: Any) -> Dataset:
        generators = _generators()
        if kind not in generators:
            raise ValueError(f"unknown dataset generator {kind!r}; available: {sorted(generators)}")
        generator = generators[kind]
        if "seed" not in kwargs and "seed" in inspect.signature(generator).parameters:
            kwargs["seed"] = derive_seed(session_seed, nodeid, calls[0])
        calls[0] += 1
        return generator(**kwargs)

    return make


# --------------------------------------------------------------------------- per-test hooks


def _is_linreg_item(item: pytest.Item) -> bool:
    """Whether pytest-linreg should manage this test (it uses a linreg fixture or marker)."""
    names = getattr(item, "fixturenames", ())
    return any(n.startswith("linreg_") for n in names) or any(
        m.name.startswith("linreg_") for m in item.iter_markers()
    )


def _param(item: pytest.Item, name: str) -> Any:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get(name) if callspec is not None else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.stash[SETTINGS_KEY].gpu:
        return
    skip = pytest.mark.skip(reason=_GPU_SKIP_REASON)
    for item in items:
        if item.get_closest_marker("linreg_gpu") is not None:
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    settings = item.config.stash[SETTINGS_KEY]
    if not _is_linreg_item(item):
        return
    on_gpu = settings.gpu and _param(item, "linreg_device") == "gpu"
    stack = ExitStack()
    # TF32 is turned off in every imported framework; TensorFlow is imported only for tests
    # on the gpu device, which are about to use it anyway.
    deterministic = stack.enter_context(
        controlled_numerics(deterministic=settings.deterministic, import_tensorflow=on_gpu)
    )
    item.stash[_NUMERICS_STACK_KEY] = (stack, deterministic)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    from .tolerances import tolerance_policy

    # The suite generator's checks take their rtol from the pytest_linreg_tolerance hook.
    policy = functools.partial(tolerance_for, item.config)
    try:
        with tolerance_policy(policy):
            return (yield)
    finally:
        if _NUMERICS_STACK_KEY in item.stash:
            # Not the session's wish: a framework first imported by this test was not switched.
            _, deterministic = item.stash[_NUMERICS_STACK_KEY]
            state = numerics_state(
                device=_param(item, "linreg_device"),
                dtype=_param(item, "dtype"),
                deterministic=deterministic,
            )
            item.stash[NUMERICS_KEY] = state
            item.user_properties.extend(state_to_properties(state))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    try:
        return (yield)
    finally:
        numerics = item.stash.get(_NUMERICS_STACK_KEY, None)
        if numerics is not None:
            del item.stash[_NUMERICS_STACK_KEY]
            numerics[0].close()
