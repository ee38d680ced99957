"""Check records: one row per linreg assertion, collected for the reports.

Assertions call :func:`record_check`; the plugin opens a :func:`collecting` scope around each
test call and stores the rows on the test's report. Outside such a scope rows are dropped, so
the assertions work unchanged in a notebook.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["CheckRecord", "collecting", "record_check"]


@dataclass(frozen=True)
class CheckRecord:
    """What one linreg assertion compared and how it came out."""

    check: str  # "coefficients", "identifiable", "predictions", ...
    dataset: str | None  # dataset name when known
    condition_number: float | None
    dtype: str | None  # dtype of the actual values ("float32", ...)
    device: str | None  # "cpu", "gpu" or None when unknown
    digits_achieved: float | None  # min LRE over the parameters
    digits_required: float | None  # -log10(rtol)
    rtol: float | None
    passed: bool
    fitter: str | None = None  # adapter / model type that produced the actual values
    note: str = ""  # one-line reason (e.g. "not identifiable in float32: predictions checked")
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_SINK: ContextVar[list[CheckRecord] | None] = ContextVar("pytest_linreg_records", default=None)


def record_check(record: CheckRecord) -> None:
    """Add ``record`` to the innermost open :func:`collecting` scope, if any."""
    sink = _SINK.get()
    if sink is not None:
        sink.append(record)


@contextmanager
def collecting() -> Iterator[list[CheckRecord]]:
    """Collect the records made inside the ``with`` block into the yielded list."""
    rows: list[CheckRecord] = []
    token = _SINK.set(rows)
    try:
        yield rows
    finally:
        _SINK.reset(token)
