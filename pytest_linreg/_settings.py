"""Turn the ``--linreg-*`` options and their ini twins into one frozen :class:`Settings`.

Precedence is command line, then ini file, then default, and it is resolved exactly once, in
``pytest_configure``, by :func:`resolve_settings`; everything else reads
``config.stash[SETTINGS_KEY]``. Single values are checked twice with the same parsers: the
command-line ``type=`` callables raise :class:`argparse.ArgumentTypeError` (argparse turns that
into a usage message), ini values raise :class:`pytest.UsageError` naming the ini key. Both
messages show the bad value and what is accepted.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import pytest

__all__ = [
    "DEFAULT_RTOL",
    "DEFAULT_SEED",
    "OPTIONS",
    "SETTINGS_KEY",
    "Option",
    "Settings",
    "parse_bool",
    "parse_datasets",
    "parse_report",
    "parse_rtol",
    "parse_seed",
    "parse_summary",
    "report_path_problem",
    "resolve_settings",
]

T = TypeVar("T")

DEFAULT_RTOL = 1e-7
#: Default session seed: fixed, so that two runs (and xdist workers) generate the same data.
DEFAULT_SEED = 0
REPORT_SUFFIXES = (".json", ".html")
#: What the terminal summary lists: ``failed`` (failed tests and checks, not-checkable checks)
#: or ``all``.
SUMMARY_CHOICES = ("failed", "all")
DEFAULT_SUMMARY = "failed"
_RTOL_ACCEPTED = "expected a finite number in [0, 1), e.g. 1e-7"
_SEED_ACCEPTED = "expected a non-negative integer, e.g. 1443"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True)
class Settings:
    """The resolved pytest-linreg configuration of one session.

    Attributes
    ----------
    gpu : bool
        Run ``linreg_gpu`` tests and the ``gpu`` variant of ``linreg_device``.
    rtol : float
        Default relative tolerance, in ``[0, 1)``.
    datasets : str
        The dataset selector (``"all"``, or names and tags separated by commas).
    report : Path or None
        Where to write the report (``.json`` or ``.html``), if anywhere.
    summary : str
        What the terminal summary lists: ``"failed"`` (failing and not-checkable checks and the
        total) or ``"all"`` (every check).
    deterministic : bool
        Turn on framework op determinism for the session.
    seed : int
        Session seed; per-test seeds derive from it and the test's node id.
    """

    gpu: bool = False
    rtol: float = DEFAULT_RTOL
    #: Whether ``--linreg-rtol`` or ``linreg_rtol`` set :attr:`rtol` (else it is the default).
    rtol_configured: bool = False
    datasets: str = "all"
    report: Path | None = None
    summary: str = DEFAULT_SUMMARY
    #: Whether ``--linreg-summary`` or ``linreg_summary`` set :attr:`summary` (else ``-v`` and
    #: ``-q`` choose: ``-v`` lists every check, ``-q`` only the total).
    summary_configured: bool = False
    deterministic: bool = False
    seed: int = DEFAULT_SEED


SETTINGS_KEY: pytest.StashKey[Settings] = pytest.StashKey()


def parse_rtol(text: str) -> float:
    """Parse a relative tolerance: a finite number in ``[0, 1)``."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"rtol {text!r} is not a number; {_RTOL_ACCEPTED}") from None
    if not math.isfinite(value) or value < 0.0 or value >= 1.0:
        raise ValueError(f"rtol {text!r} is out of range; {_RTOL_ACCEPTED}")
    return value


def parse_datasets(text: str) -> str:
    """Normalise a dataset selector; names and tags are checked later against the registry."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise ValueError(
            f"dataset selector {text!r} has an empty item; expected names and tags separated by"
            " commas, e.g. 'Longley,tag:nist' or 'all'"
        )
    for item in items:
        if item.startswith("tag:") and not item[4:].strip():
            raise ValueError(f"dataset selector {text!r}: 'tag:' needs a tag name, e.g. 'tag:nist'")
    return ",".join(items)


def parse_report(text: str) -> Path:
    """Parse a report path; its suffix chooses the format."""
    path = Path(text)
    if path.suffix.lower() not in REPORT_SUFFIXES:
        accepted = " or ".join(REPORT_SUFFIXES)
        raise ValueError(
            f"report path {text!r} has suffix {path.suffix or '(none)'!r}; expected {accepted}"
        )
    return path


def report_path_problem(path: Path) -> str | None:
    """Why no report can be written to ``path``, or ``None`` when it can.

    Checked when the session starts, so that a bad path fails before any test runs. ``path``
    must not be a directory, and its parent must be an existing directory in which a file can
    be created: that is tried (a temporary file, removed at once), which also catches
    read-only mounts and virtual file systems such as ``/proc``.

    >>> report_path_problem(Path(tempfile.gettempdir()))
    'it is a directory; expected a file name ending in .json or .html'
    >>> report_path_problem(Path(tempfile.gettempdir()) / "r.json") is None
    True
    """
    try:
        if path.is_dir():
            return "it is a directory; expected a file name ending in .json or .html"
        ancestor = path.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            return f"{ancestor} is a file, not a directory"
        if ancestor != path.parent:
            return f"the directory {path.parent} does not exist (create it first)"
        fd, probe = tempfile.mkstemp(prefix=".linreg-report-", suffix=".probe", dir=path.parent)
    except OSError as exc:
        return f"no file can be created in {path.parent} ({exc.strerror or exc})"
    os.close(fd)
    os.unlink(probe)
    return None


def parse_summary(text: str) -> str:
    """Parse what the terminal summary lists: ``failed`` or ``all`` (any case)."""
    value = text.strip().lower()
    if value not in SUMMARY_CHOICES:
        accepted = " or ".join(repr(c) for c in SUMMARY_CHOICES)
        raise ValueError(f"summary {text!r} is unknown; expected {accepted}")
    return value


def parse_seed(text: str) -> int:
    """Parse a session seed: a non-negative integer."""
    try:
        value = int(text, 10)
    except ValueError:
        raise ValueError(f"seed {text!r} is not an integer; {_SEED_ACCEPTED}") from None
    if value < 0:
        raise ValueError(f"seed {text!r} is negative; {_SEED_ACCEPTED}")
    return value


def parse_bool(text: str) -> bool:
    """Parse an ini boolean (``true``/``false``, ``1``/``0``, ``yes``/``no``, ``on``/``off``)."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{text!r} is not a boolean; expected one of true/false, 1/0, yes/no, on/off")


def argparse_type(parse: Callable[[str], T]) -> Callable[[str], T]:
    """Wrap a parser so that argparse reports its ValueError as a usage message."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__.removeprefix("parse_")
    return convert


@dataclass(frozen=True)
class Option:
    """One setting: its command-line flag, ini key, parser and help text."""

    field: str
    flag: str
    ini: str
    help: str
    parse: Callable[[str], object] | None  # None: a store_true flag with a boolean ini twin
    metavar: str | None = None  # the value's name in --help; default: the field in capitals

    @property
    def dest(self) -> str:
        return f"linreg_{self.field}"


OPTIONS: tuple[Option, ...] = (
    Option("gpu", "--linreg-gpu", "linreg_gpu",
           "run linreg_gpu tests and the gpu variant of linreg_device; fail if no GPU works", None),
    Option("rtol", "--linreg-rtol", "linreg_rtol",
           f"default relative tolerance in [0, 1) (default {DEFAULT_RTOL:g})", parse_rtol),
    Option("datasets", "--linreg-datasets", "linreg_datasets",
           "datasets for linreg_dataset: names and tags, comma-separated, e.g."
           " 'Longley,tag:nist' (default: all built-in and contributed datasets)", parse_datasets),
    Option("report", "--linreg-report", "linreg_report",
           "write a report of digits achieved to PATH (.json or .html)", parse_report, "PATH"),
    Option("summary", "--linreg-summary", "linreg_summary",
           "checks the terminal summary lists: 'failed' (failing and not-checkable ones and the"
           " total; the default) or 'all' (every check; also -v)", parse_summary, "WHICH"),
    Option("deterministic", "--linreg-deterministic", "linreg_deterministic",
           "turn on TensorFlow/torch op determinism for the session (TensorFlow then needs"
           " seeded random ops: keras.utils.set_random_seed)", None),
    Option("seed", "--linreg-seed", "linreg_seed",
           f"session seed for generated datasets (default {DEFAULT_SEED})", parse_seed),
)


def _from_ini(config: pytest.Config, option: Option) -> object | None:
    """The ini value of ``option`` parsed, ``None`` when unset; a bad value is a UsageError."""
    raw = config.getini(option.ini)
    if not isinstance(raw, str) or not raw.strip():
        return None
    parse: Callable[[str], object] = option.parse or parse_bool
    try:
        return parse(raw.strip())
    except ValueError as exc:
        raise pytest.UsageError(f"invalid ini value {option.ini} = {raw!r}: {exc}") from None


def resolve_settings(config: pytest.Config) -> Settings:
    """Resolve CLI > ini > default into a :class:`Settings`; raise UsageError on bad ini values."""
    values: dict[str, object] = {}
    for option in OPTIONS:
        cli = config.getoption(option.dest, default=None)
        if option.parse is None:
            # store_true flags cannot say "false"; an unset flag defers to the ini file.
            cli = True if cli else None
        value = cli if cli is not None else _from_ini(config, option)
        if value is not None:
            values[option.field] = value
    report = values.get("report")
    return Settings(
        gpu=bool(values.get("gpu", False)),
        rtol=float(cast(float, values.get("rtol", DEFAULT_RTOL))),
        rtol_configured="rtol" in values,
        datasets=str(values.get("datasets", "all")),
        report=cast(Path, report) if report is not None else None,
        summary=str(values.get("summary", DEFAULT_SUMMARY)),
        summary_configured="summary" in values,
        deterministic=bool(values.get("deterministic", False)),
        seed=int(cast(int, values.get("seed", DEFAULT_SEED))),
    )
