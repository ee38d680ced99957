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
   the same rows), ``pytest_sessionfinish`` writes ``--linreg-report PATH`` (``.json``: schema
   in :mod:`pytest_linreg._report_json`; ``.html``: :mod:`pytest_linreg._report_html`) and
   ``pytest_terminal_summary`` prints them. Workers write nothing.

The report path is checked when the reporter is made, before any test runs: a directory, a
missing or non-directory parent, or a directory where no file can be created is a
``pytest.UsageError``. The file is written to a temporary file beside it and moved into place
(``os.replace``), so a reader or a concurrent run never sees half a report; a failure to write
it at the end is one line in the terminal summary, not a traceback.

Terminal summary (``--linreg-summary`` / ``linreg_summary``): ``failed`` (the default) lists the
failing and not-checkable checks and a one-line total; ``all`` (also ``-v``) lists every check;
``-q`` prints only the total unless ``--linreg-summary`` is given.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Generator, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from ._records import CheckRecord, collecting
from ._report_html import format_number, render_html
from ._report_json import (
    build_report,
    environment_info,
    json_safe,
    report_to_json,
    write_text_atomic,
)
from ._settings import SETTINGS_KEY, report_path_problem

__all__ = [
    "USER_PROPERTY",
    "LinregReporter",
    "format_table",
    "rows_from_records",
    "shorten_test_id",
    "summary_line",
    "summary_lines",
]

#: Name of the user property that carries a test's rows on its call-phase report.
USER_PROPERTY = "linreg_checks"

_ROWS_KEY = pytest.StashKey[list[dict[str, Any]]]()
_MIN_TEST_WIDTH = 40
# What the terminal lists without -v (and with --linreg-summary=failed): rows needing a look.
_LISTED_BY_DEFAULT = ("fail", "skip")
_SEP_ALL = "linreg: digits achieved per check"
_SEP_FAILED = "linreg: failed and not-checkable checks (-v lists all)"
_SEP_NONE_FAILED = "linreg: no check failed (-v lists all)"
_FOOTNOTE = ("digits = correct significant digits, min over coefficients (LRE); "
             "req = -log10(rtol)")


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
    """A number for the table: ``-`` when unknown, ``exact`` for inf, never ``-0.0``."""
    if value is None or isinstance(value, bool):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "exact" if value > 0 else "-inf"
    return format_number(value, spec)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def shorten_test_id(nodeid: str, width: int) -> str:
    """``nodeid`` in at most ``width`` characters, shortened from the left only.

    Whole leading parts (directories, the file, classes) are replaced by ``…``; the test name
    and its parametrisation, which tell the rows apart, are never cut, even when they alone
    are wider than ``width`` (the line then wraps).

    >>> shorten_test_id("tests/test_fit.py::test_fit[Longley-float64-cpu-coefficients]", 48)
    '…test_fit[Longley-float64-cpu-coefficients]'
    >>> shorten_test_id("tests/test_fit.py::test_fit[Longley]", 40)
    'tests/test_fit.py::test_fit[Longley]'
    """
    if len(nodeid) <= width:
        return nodeid
    bracket = nodeid.find("[")
    head = nodeid if bracket < 0 else nodeid[:bracket]
    # Cut points: after each "/" and "::" before the parametrisation, leftmost first.
    cuts = sorted({i + 1 for i, c in enumerate(head) if c == "/"}
                  | {i + 2 for i in range(len(head) - 1) if head.startswith("::", i)})
    if not cuts:
        return nodeid
    for cut in cuts:
        if 1 + len(nodeid) - cut <= width:
            return "…" + nodeid[cut:]
    return "…" + nodeid[cuts[-1]:]


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
    """Format rows as an aligned text table, test ids shortened from the left to fit ``width``.

    A narrow terminal keeps at least 40 characters of each id (and always the test name with
    its parameters): the line wraps rather than the id turning into nothing.
    """
    heads = ("test", "check", "dataset", "cond", "dtype", "device", "digits", "req", "verdict")
    cells = [
        [
            str(r["test"]),
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
    budget = max(width - other, _MIN_TEST_WIDTH)
    for c in cells:
        c[0] = shorten_test_id(c[0], budget)
    widths[0] = max([len(heads[0]), *(len(c[0]) for c in cells)])
    return _aligned(heads, cells, {3, 6, 7}, widths)


def summary_line(rows: Sequence[Mapping[str, Any]]) -> str:
    """One line: how many checks passed and failed, and where the fewest digits were."""
    verdicts = [_row_verdict(r) for r in rows]
    passed, failed, xfail, skipped = (verdicts.count(v) for v in ("pass", "fail", "xfail", "skip"))
    tests = len({r["test"] for r in rows})
    text = (f"linreg: {_plural(len(rows), 'check')} in {_plural(tests, 'test')}, "
            f"{passed} passed, {failed} failed")
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


def summary_lines(rows: Sequence[Mapping[str, Any]], mode: str, width: int = 120) -> list[str]:
    """The terminal summary below its separator line, without the separator.

    ``mode``: ``"all"`` lists every row; ``"failed"`` the failing and not-checkable rows only;
    ``"total"`` (``-q``) only the one-line total. The total line comes last but for the
    footnote that explains the columns, which follows any table.
    """
    listed = list(rows) if mode == "all" else [
        r for r in rows if _row_verdict(r) in _LISTED_BY_DEFAULT]
    if mode == "total" or not listed:
        return [summary_line(rows)]
    return [*format_table(listed, width=width), summary_line(rows), _FOOTNOTE]


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
        #: One line saying why the report could not be written, shown in the terminal summary.
        self.write_error: str | None = None
        if self.report_path is not None and not _is_worker(config) and not _help(config):
            # Before any test runs: a path that cannot be written is a usage error now, not a
            # traceback after the whole run.
            problem = report_path_problem(self.report_path)
            if problem is not None:
                given = config.stash[SETTINGS_KEY].report
                raise pytest.UsageError(
                    f"--linreg-report / linreg_report = '{given}': cannot write the report to "
                    f"{self.report_path}: {problem}")

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
        path = self.report_path
        try:
            report = build_report(
                self.sorted_rows(),
                settings=_settings(self.config),
                environment=environment_info(xdist_workers=_xdist_workers(self.config)),
            )
            text = report_to_json(report) if path.suffix.lower() == ".json" else render_html(report)
            write_text_atomic(path, text)
        except OSError as exc:
            self.write_error = f"linreg report NOT written to {path}: {exc.strerror or exc}"
        except Exception as exc:  # a broken report must not bury the results of the run
            self.write_error = (f"linreg report NOT written to {path}: "
                                f"{type(exc).__name__}: {exc}".splitlines()[0])
        else:
            self.written = path

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if _is_worker(self.config):
            return
        rows = self.sorted_rows()
        mode = _summary_mode(self.config)
        if rows:
            if mode != "total":
                listed = mode == "all" or any(
                    _row_verdict(r) in _LISTED_BY_DEFAULT for r in rows)
                title = _SEP_ALL if mode == "all" else (_SEP_FAILED if listed else
                                                        _SEP_NONE_FAILED)
                terminalreporter.write_sep("=", title)
            width = self.config.get_terminal_writer().fullwidth
            for text in summary_lines(rows, mode, width=width):
                terminalreporter.write_line(text)
        if self.write_error is not None:
            terminalreporter.write_line(self.write_error, red=True, bold=True)
        elif self.written is not None and mode != "total":
            terminalreporter.write_line(f"linreg report written to {self.written}")


def _summary_mode(config: pytest.Config) -> str:
    """``all``, ``failed`` or ``total``: --linreg-summary when given, else from -v / -q."""
    settings = config.stash[SETTINGS_KEY]
    if settings.summary_configured:
        return settings.summary
    verbose = int(config.getoption("verbose", 0) or 0)
    return "all" if verbose > 0 else "total" if verbose < 0 else "failed"


def _help(config: pytest.Config) -> bool:
    return bool(config.getoption("help", default=False) or
                config.getoption("version", default=False))


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
