"""The JSON report written by ``--linreg-report PATH.json``: schema, building, writing, loading.

Schema ``pytest-linreg-report``, version 1
------------------------------------------
One JSON object (UTF-8, strict JSON: no ``NaN``/``Infinity``)::

    {
      "schema": "pytest-linreg-report",   # constant; identifies the file
      "version": 1,                       # bumped on any incompatible change
      "created": "2026-11-29T14:02:11Z",  # UTC, ISO 8601, second resolution
      "environment": {
        "python": "3.11.7", "implementation": "CPython", "platform": "Linux-...-x86_64",
        "machine": "x86_64", "byteorder": "little",
        "numpy": "2.4.0", "pytest": "9.0.0", "pytest_linreg": "0.1.0",
        "frameworks": {"tensorflow": "2.21.0", "scikit-learn": "1.9.0", ...},  # installed only
        "blas": "scipy-openblas 0.3.31",   # numpy's BLAS, or null when numpy does not say
        "xdist_workers": 2                 # 0 without pytest-xdist
      },
      "settings": {                        # the plugin's resolved settings (CLI > ini > default)
        "gpu": false, "rtol": 1e-07, "datasets": "nist", "report": "r.json",
        "summary": "failed", "deterministic": false, "seed": 0, ...
      },
      "summary": {"checks": 14, "passed": 11, "failed": 2, "xfail": 1, "skip": 0, "tests": 5},
      "rows": [ROW, ...]                   # sorted by (test, index)
    }

Each ``ROW`` is one linreg assertion or check (a :class:`pytest_linreg._records.CheckRecord`)::

    {
      "test": "tests/test_fit.py::test_fit[Longley]",  # pytest node id
      "index": 0,                  # order of the check within its test
      "check": "coefficients",     # "coefficients", "identifiable", "predictions", ...
      "dataset": "Longley",        # or null when the assertion was given bare arrays
      "condition_number": 2.3e7,   # of the column-equilibrated design; null if unknown
      "dtype": "float64",          # dtype of the actual values; null if unknown
      "device": "cpu",             # "cpu", "gpu" or null; the check's, else the linreg_device
      "digits_achieved": 12.9,     # min LRE over the parameters (McCullough 1998; 15 at most,
                                   # NIST's certified digits); null if not computed or not finite
      "digits_required": 7.0,      # -log10(rtol); null when the check has no rtol
      "rtol": 1e-7,
      "passed": true,
      "verdict": "pass",           # "pass", "fail", "xfail": the check failed but the test
                                   # expected it (marked xfail, or caught it and passed), or
                                   # "skip": data and dtype allow no check ("not checkable")
      "outcome": "passed",         # the test's outcome: passed, failed, skipped, xfailed, xpassed
      "fitter": "sklearn",         # adapter / model type, or null
      "note": "",                  # one-line reason, e.g. why predictions were checked instead
      "extra": {...},              # check-specific details (JSON values only)
      "properties": {              # the test's other ``linreg_*`` user properties: the
        "linreg_device": "gpu",    # numerics state the plugin records per test
        "linreg_tf32": "off", "linreg_deterministic": "off", "linreg_numpy_version": "2.4.0"
      }
    }

Readers should check ``schema`` and ``version`` (:func:`load_report` does) and ignore keys they
do not know: version 1 may gain keys, never lose or change them.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "ROW_KEYS",
    "SCHEMA",
    "VERSION",
    "build_report",
    "environment_info",
    "json_safe",
    "load_report",
    "report_to_json",
    "write_text_atomic",
]

SCHEMA = "pytest-linreg-report"
VERSION = 1

#: Keys every row carries, in the order they are documented above.
ROW_KEYS: tuple[str, ...] = (
    "test",
    "index",
    "check",
    "dataset",
    "condition_number",
    "dtype",
    "device",
    "digits_achieved",
    "digits_required",
    "rtol",
    "passed",
    "verdict",
    "outcome",
    "fitter",
    "note",
    "extra",
    "properties",
)

# Distribution names whose installed versions are recorded. Read from package metadata, so that
# writing a report never imports TensorFlow or torch.
_FRAMEWORKS: tuple[str, ...] = (
    "tensorflow",
    "tensorflow-cpu",
    "keras",
    "torch",
    "jax",
    "scikit-learn",
    "statsmodels",
    "scipy",
    "pandas",
    "matplotlib",
    "pytest-xdist",
)


def json_safe(value: Any) -> Any:
    """Return ``value`` as plain JSON data; non-finite floats become ``None``.

    numpy scalars and arrays are converted through ``.item()``/``.tolist()``; unknown objects
    become their ``repr`` so that a report never fails to serialise because of one odd value.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    tolist = getattr(value, "tolist", None)  # numpy scalar or array
    if callable(tolist):
        return json_safe(tolist())
    return repr(value)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _blas() -> str | None:
    """Name and version of the BLAS numpy was built against (numpy >= 1.25 reports it)."""
    import numpy as np

    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']}"
    except (TypeError, KeyError, AttributeError):  # older numpy prints instead of returning
        return None


def environment_info(*, xdist_workers: int = 0) -> dict[str, Any]:
    """Versions and platform for the report's ``environment`` object (no framework imports)."""
    import numpy as np
    import pytest

    frameworks = {name: v for name in _FRAMEWORKS if (v := _version(name)) is not None}
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "byteorder": sys.byteorder,
        "numpy": np.__version__,
        "pytest": pytest.__version__,
        "pytest_linreg": _version("pytest-linreg"),
        "frameworks": frameworks,
        "blas": _blas(),
        "xdist_workers": xdist_workers,
    }


def _summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    verdicts = [r["verdict"] for r in rows]
    return {
        "checks": len(rows),
        "passed": verdicts.count("pass"),
        "failed": verdicts.count("fail"),
        "xfail": verdicts.count("xfail"),
        "skip": verdicts.count("skip"),
        "tests": len({r["test"] for r in rows}),
    }


def build_report(
    rows: Iterable[Mapping[str, Any]],
    *,
    settings: Mapping[str, Any],
    environment: Mapping[str, Any],
    created: datetime | None = None,
) -> dict[str, Any]:
    """Assemble a version-1 report object from sorted rows, settings and environment."""
    row_list = [json_safe(dict(r)) for r in rows]
    for row in row_list:
        missing = [k for k in ROW_KEYS if k not in row]
        if missing:
            raise ValueError(f"report row for {row.get('test')!r} lacks keys {missing}")
    when = created if created is not None else datetime.now(timezone.utc)
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "created": when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "environment": json_safe(environment),
        "settings": json_safe(settings),
        "summary": _summary(row_list),
        "rows": row_list,
    }


def report_to_json(report: Mapping[str, Any]) -> str:
    """Serialise a report object as strict, indented JSON."""
    return json.dumps(report, indent=2, allow_nan=False, sort_keys=False) + "\n"


def _new_file_mode(path: Path) -> int:
    """The permissions ``path`` keeps (when it exists) or a new file gets under the umask."""
    with contextlib.suppress(OSError):
        return os.stat(path).st_mode & 0o7777
    umask = os.umask(0o022)  # read the umask: it can only be read by setting it
    os.umask(umask)
    return 0o666 & ~umask


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` all at once: a reader never sees a part of it.

    The text goes to a temporary file in the same directory, which then replaces ``path``
    (``os.replace``, atomic on POSIX and Windows). Two runs writing the same path leave one
    complete file, the last one's. A symbolic link at ``path`` is followed: its target is
    replaced. The temporary file is removed if anything fails; the error propagates.
    """
    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    mode = _new_file_mode(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, mode)  # mkstemp makes it private (0600)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_report(path: str | Path) -> dict[str, Any]:
    """Read a JSON report, checking that it is a ``pytest-linreg-report`` this code understands.

    Raises
    ------
    ValueError
        If the file is not JSON, not a pytest-linreg report, or of a newer version.
    """
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from None
    schema = data.get("schema") if isinstance(data, dict) else type(data).__name__
    if schema != SCHEMA:
        raise ValueError(f"{path} is not a {SCHEMA} file (found schema {schema!r})")
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ValueError(f"{path} has report version {version!r}; this reader knows 1..{VERSION}")
    report: dict[str, Any] = data
    return report
