"""Reports of the linreg checks: terminal summary, JSON and HTML files, merged across xdist.

Entry point
-----------
``LinregReporter(config)`` is a pytest plugin object. The plugin registers one per session in
``pytest_configure``::

    config.pluginmanager.register(LinregReporter(config), "linreg-reporter")

How rows travel
---------------
1. Assertions call :func:`pytest_linreg._records.record_check`. The reporter opens a
   :func:`~pytest_linreg._records.collecting` scope around each test call
   (``pytest_runtest_call``), turns the records into plain dicts and keeps them in the item's
   stash.
2. ``pytest_runtest_makereport`` puts them on the call-phase report as the user property
   ``("linreg_checks", rows)``. User properties are part of a report's serialised form, so
   pytest-xdist carries them from every worker to the controller; the rows hold only JSON
   values for that reason.
3. ``pytest_runtest_logreport`` gathers the rows on the controller (``-n 2`` and ``-n 0`` give
   the same rows), ``pytest_terminal_summary`` prints them, and ``pytest_sessionfinish`` writes
   ``--linreg-report PATH`` (``.json``: schema in :mod:`pytest_linreg._report_json`; ``.html``:
   :mod:`pytest_linreg._report_html`). Workers write nothing.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Generator, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from ._records import CheckRecord, collecting
from ._report_html import render_html
from ._report_json import build_report, environment_info, json_safe, report_to_json
from ._settings import SETTINGS_KEY

__all__ = [
    "USER_PROPERTY",
    "LinregReporter",
    "format_digest",
    "format_table",
    "rows_from_records",
    "summary_line",
]

#: Name of the user property that carries a test's rows on its call-phase report.
USER_PROPERTY = "linreg_checks"

_ROWS_KEY = pytest.StashKey[list[dict[str, Any]]]()
# Without -v, a longer run shows its failing rows and a digest per dataset and dtype.
_MAX_TERMINAL_ROWS = 50
_MIN_TEST_WIDTH = 40


def rows_from_records(nodeid: str, records: Iterable[CheckRecord]) -> list[dict[str, Any]]:
    """Turn a test's check records into report rows holding only JSON values.

    ``digits_achieved`` keeps ``inf`` for an exact match (the JSON writer maps it to null).
    """
    rows = []
    for index, record in enumerate(records):
        data = record.to_dict()
        digits = data.pop("digits_achieved")
        row = json_safe(data)
        row["digits_achieved"] = float(digits) if digits is not None else None
        row.update(test=nodeid, index=index, verdict=_verdict(record), outcome=None,
                   properties={})
        rows.append(row)
    return rows


def _verdict(record: CheckRecord) -> str:
    """``skip`` for a check the data and dtype made impossible (not a failure), else pass/fail."""
    if record.extra.get("skipped"):
        return "skip"
    return "pass" if record.passed else "fail"


def _row_verdict(row: Mapping[str, Any]) -> str:
    """A row's verdict; rows built by hand without one fall back to ``passed``."""
    return str(row.get("verdict") or ("pass" if row.get("passed") else "fail"))


def _fmt(value: Any, spec: str) -> str:
    if value is None or isinstance(value, bool):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "exact" if value > 0 else "-inf"
    return format(value, spec)


def _without_dirs(nodeid: str) -> str:
    """``tests/unit/test_x.py::test_f[a]`` -> ``test_x.py::test_f[a]`` (the table is narrow)."""
    path, sep, rest = nodeid.partition("::")
    return path.rpartition("/")[2] + sep + rest


def _clip(text: str, width: int) -> str:
    """Fit ``text`` into ``width`` by cutting after the test name's ``[``, keeping the tail.

    The tail holds the last parameters, which tell the rows of one test apart.
    """
    if len(text) <= width:
        return text
    head = text[: min(text.find("[") + 1 or width // 2, width // 2)]
    return head + "..." + text[len(text) - (width - len(head) - 3):]


def _aligned(heads: Sequence[str], cells: list[list[str]], right: set[int],
             widths: list[int]) -> list[str]:
    """Pad ``cells`` into columns of ``widths`` (``right``: right-aligned), header first."""

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if i in right else v.ljust(w)
                 for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "  ".join(parts).rstrip()

    return [line(heads), *(line(c) for c in cells)]


def _widths(heads: Sequence[str], cells: list[list[str]]) -> list[int]:
    return [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(heads)]


def format_table(rows: Sequence[Mapping[str, Any]], width: int = 120) -> list[str]:
    """Format rows as an aligned text table, the test column shortened to fit ``width``."""
    heads = ("test", "check", "dataset", "cond", "dtype", "device", "digits", "req", "verdict")
    cells = [
        [
            _without_dirs(str(r["test"])),
            str(r.get("check") or "-"),
            str(r.get("dataset") or "-"),
            _fmt(r.get("condition_number"), ".1e"),
            str(r.get("dtype") or "-"),
            str(r.get("device") or "-"),
            _fmt(r.get("digits_achieved"), ".1f"),
            _fmt(r.get("digits_required"), ".1f"),
            _row_verdict(r).upper(),
        ]
        for r in rows
    ]
    widths = _widths(heads, cells)
    other = sum(widths[1:]) + 2 * (len(heads) - 1)
    # A narrow terminal wraps long lines rather than shortening every test id to nothing.
    widths[0] = min(widths[0], max(width - other, _MIN_TEST_WIDTH))
    for c in cells:
        c[0] = _clip(c[0], widths[0])
    return _aligned(heads, cells, {3, 6, 7}, widths)


def format_digest(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per (dataset, dtype, device): checks, conditioning, fewest digits, verdicts.

    Used instead of the full table for long runs, so that the terminal stays readable.
    """
    groups: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for r in rows:
        key = (str(r.get("dataset") or "-"), str(r.get("dtype") or "-"),
               str(r.get("device") or "-"))
        groups.setdefault(key, []).append(r)
    heads = ("dataset", "dtype", "device", "checks", "cond", "min digits", "pass", "fail",
             "xfail", "skip")
    cells = []
    for key, members in sorted(groups.items()):
        conds = [r["condition_number"] for r in members
                 if isinstance(r.get("condition_number"), float)]
        digits = [r["digits_achieved"] for r in members
                  if isinstance(r.get("digits_achieved"), float)]
        verdicts = [_row_verdict(r) for r in members]
        cells.append([*key, str(len(members)), _fmt(max(conds) if conds else None, ".1e"),
                      _fmt(min(digits) if digits else None, ".1f"),
                      *(str(verdicts.count(v)) for v in ("pass", "fail", "xfail", "skip"))])
    return _aligned(heads, cells, set(range(3, 10)), _widths(heads, cells))


def summary_line(rows: Sequence[Mapping[str, Any]]) -> str:
    """One line: how many checks passed and failed, and where the fewest digits were."""
    verdicts = [_row_verdict(r) for r in rows]
    passed, failed, xfail, skipped = (verdicts.count(v) for v in ("pass", "fail", "xfail", "skip"))
    tests = len({r["test"] for r in rows})
    text = f"linreg: {len(rows)} checks in {tests} tests, {passed} passed, {failed} failed"
    if xfail:
        text += f", {xfail} xfail"
    if skipped:
        text += f", {skipped} not checkable"
    scored = [r for r in rows if isinstance(r.get("digits_achieved"), float)]
    if scored:
        worst = min(scored, key=lambda r: (r["digits_achieved"], r["test"], r["index"]))
        where = ", ".join(str(v) for v in (worst.get("dataset"), worst.get("dtype")) if v)
        text += (f"; fewest digits {_fmt(worst['digits_achieved'], '.1f')}"
                 f"{f' ({where})' if where else ''} in {worst['test']}")
    return text


class LinregReporter:
    """Collects linreg check rows per test and reports them (terminal, JSON, HTML).

    Parameters
    ----------
    config
        The session's pytest config, with the plugin's resolved settings in its stash. The
        report path comes from ``--linreg-report`` or the ``linreg_report`` ini key (checked
        there to end in ``.json`` or ``.html``), relative to the invocation directory.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.rows: dict[tuple[str, int], dict[str, Any]] = {}
        self.report_path = _report_path(config)
        self.written: Path | None = None

    # -- on every process (workers included): collect the rows of each test call ------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        with collecting() as records:
            try:
                return (yield)
            finally:
                # Rows recorded before a failing assertion raised are kept: they explain it.
                item.stash[_ROWS_KEY] = rows_from_records(item.nodeid, records)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.when == "call":
            rows = item.stash.get(_ROWS_KEY, [])
            if rows:
                report.user_properties.append((USER_PROPERTY, rows))
        return report

    # -- on the controller: merge, print, write ----------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" or _is_worker(self.config):
            return
        # xdist may turn the (name, value) tuples into lists; dict() accepts both.
        props: dict[str, Any] = {str(k): v for k, v in report.user_properties}
        rows = props.pop(USER_PROPERTY, None)
        if not rows:
            return
        linreg_props = {k: json_safe(v) for k, v in props.items() if k.startswith("linreg_")}
        # An assertion given bare arrays cannot know the device; the test's linreg_device can.
        device = linreg_props.get("linreg_device")
        outcome = _outcome(report)
        for row in rows:
            row = dict(row, properties=linreg_props, outcome=outcome)
            if row.get("device") is None and device in ("cpu", "gpu"):
                row["device"] = device
            if row["verdict"] == "fail" and outcome in ("xfailed", "passed"):
                # The test expected this failure: marked xfail, or it caught the assertion
                # (pytest.raises) and went on to pass. Counted apart from real failures.
                row["verdict"] = "xfail"
            # Keyed by (test, index): a rerun of the same test replaces its rows, not adds.
            self.rows[(row["test"], int(row["index"]))] = row

    def sorted_rows(self) -> list[dict[str, Any]]:
        """The rows collected so far, sorted by test id and order within the test."""
        return [self.rows[k] for k in sorted(self.rows)]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.report_path is None or _is_worker(self.config):
            return
        report = build_report(
            self.sorted_rows(),
            settings=_settings(self.config),
            environment=environment_info(xdist_workers=_xdist_workers(self.config)),
        )
        self.report_path.parent.mkdir(parents=True, exist_ok=True)
        if self.report_path.suffix.lower() == ".json":
            text = report_to_json(report)
        else:
            text = render_html(report)
        self.report_path.write_text(text, encoding="utf-8")
        self.written = self.report_path

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        rows = self.sorted_rows()
        if _is_worker(self.config) or not rows:
            return
        verbose = int(self.config.getoption("verbose", 0) or 0)
        if verbose < 0:
            terminalreporter.write_line(summary_line(rows))
            return
        terminalreporter.write_sep("=", "linreg: digits achieved per check")
        width = self.config.get_terminal_writer().fullwidth
        if verbose > 0 or len(rows) <= _MAX_TERMINAL_ROWS:
            lines = format_table(rows, width=width)
        else:
            # A long run: the failures one by one, everything else per dataset and dtype.
            failed = [r for r in rows if r.get("verdict") == "fail"]
            lines = [*(format_table(failed, width=width) if failed else []),
                     f"{len(rows)} checks by dataset and dtype (-v lists each check):",
                     *format_digest(rows)]
        for text in lines:
            terminalreporter.write_line(text)
        terminalreporter.write_line(summary_line(rows))
        terminalreporter.write_line(
            "digits = correct significant digits, min over coefficients (LRE); "
            "req = -log10(rtol)")
        if self.written is not None:
            terminalreporter.write_line(f"linreg report written to {self.written}")


def _outcome(report: pytest.TestReport) -> str:
    """The test's outcome as the terminal names it (an xfail report is a "skipped" one)."""
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    return report.outcome


def _is_worker(config: pytest.Config) -> bool:
    # pytest-xdist gives each worker's config a ``workerinput`` dict; the controller has none.
    return hasattr(config, "workerinput")


def _xdist_workers(config: pytest.Config) -> int:
    value = config.getoption("numprocesses", None)
    return value if isinstance(value, int) else 0


def _report_path(config: pytest.Config) -> Path | None:
    """The report path made absolute; its suffix was checked by ``_settings.parse_report``."""
    report = config.stash[SETTINGS_KEY].report
    if report is None:
        return None
    path = report.expanduser()
    return path if path.is_absolute() else Path(config.invocation_params.dir) / path


def _settings(config: pytest.Config) -> dict[str, Any]:
    """The plugin's resolved settings (command line over ini over default) as JSON values."""
    values = dataclasses.asdict(config.stash[SETTINGS_KEY])
    return {k: json_safe(str(v) if isinstance(v, Path) else v) for k, v in values.items()}
