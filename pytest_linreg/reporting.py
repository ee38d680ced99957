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

How tests are counted
---------------------
The totals are per test and pytest's own. Every report (setup, call, teardown) of a test that
touched linreg (:func:`touches_linreg`) carries the attribute ``linreg_test``, which
pytest-xdist serialises with the report. On the controller each report adds pytest's category
for it (``pytest_report_teststatus``, as the terminal's last line counts) to its test, so a
test that raised before any check, or failed in setup or teardown, is counted and listed with
the first line of its error. A test whose xdist worker crashed gets only the controller-made
report ``worker 'gw0' crashed while running ...`` (``xdist.dsession.handle_crashitem``): it is
counted as ``crashed`` when its setup report said it touched linreg, or when a worker's
collection did (each worker sends its linreg test ids in ``workeroutput``).

The report path is checked when the reporter is made, before any test runs: a directory, a
missing or non-directory parent, or a directory where no file can be created is a
``pytest.UsageError``. The file is written to a temporary file beside it and moved into place
(``os.replace``), so a reader or a concurrent run never sees half a report; a failure to write
it at the end is one line in the terminal summary, not a traceback.

Terminal summary (``--linreg-summary`` / ``linreg_summary``): ``failed`` (the default) lists the
tests that failed, errored or crashed without a failing check (verdict ``FAILED``, ``ERROR``,
``CRASHED``), then the failing and not-checkable checks, and a one-line total; ``all`` (also
``-v``) lists those tests and every check; ``-q`` prints only the total unless
``--linreg-summary`` is given. The total counts tests as pytest does, then checks::

    linreg: 12 tests: 9 passed, 2 failed, 1 xfailed; 15 checks: 12 pass, 2 fail, 1 xfail; ...
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import sys
from collections.abc import Generator, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from ._records import CheckRecord, collecting
from ._report_html import format_number, render_html
from ._report_json import (
    build_report,
    derive_tests,
    environment_info,
    failed_test_rows,
    json_safe,
    outcome_of,
    report_to_json,
    summarise,
    summary_parts,
    write_text_atomic,
)
from ._settings import SETTINGS_KEY, report_path_problem

__all__ = [
    "LINREG_FIXTURES",
    "REPORT_ATTRIBUTE",
    "USER_PROPERTY",
    "LinregReporter",
    "format_table",
    "listed_rows",
    "rows_from_records",
    "shorten_test_id",
    "summary_line",
    "summary_lines",
    "touches_linreg",
]

#: Name of the user property that carries a test's rows on its call-phase report.
USER_PROPERTY = "linreg_checks"

#: Attribute set on every report of a test that touched linreg (serialised by pytest-xdist).
REPORT_ATTRIBUTE = "linreg_test"
#: Key of a worker's ``workeroutput`` listing the linreg tests it collected.
_WORKER_OUTPUT_KEY = "linreg_tests"
#: The fixtures that make a test a linreg test.
LINREG_FIXTURES = frozenset({"linreg_dataset", "linreg_device", "linreg_make_dataset",
                             "linreg_rtol"})

_ROWS_KEY = pytest.StashKey[list[dict[str, Any]]]()
_TOUCHES_KEY = pytest.StashKey[bool]()
# pytest-xdist's report for a test whose worker died: "worker 'gw0' crashed while running ...".
_CRASHED = re.compile(r"\bworker\b.*\bcrashed\b")
_NOTE_WIDTH = 200
_MIN_TEST_WIDTH = 40
# What the terminal lists without -v (and with --linreg-summary=failed): rows needing a look.
_LISTED_BY_DEFAULT = ("fail", "skip")
_SEP_ALL = "linreg: digits achieved per check"
_SEP_FAILED = "linreg: failures and not-checkable checks (-v lists all)"
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


def _row_sort_key(row: Mapping[str, Any]) -> tuple[str, int]:
    return str(row["test"]), int(row.get("index", 0))


def summary_line(rows: Sequence[Mapping[str, Any]],
                 tests: Sequence[Mapping[str, Any]] | None = None) -> str:
    """One line: the tests' outcomes as pytest counts them, the checks' verdicts, and where
    the fewest digits were.

    ``tests``: the report's ``tests`` entries; without them they are made from the rows
    (:func:`pytest_linreg._report_json.derive_tests`).
    """
    tests = derive_tests(rows) if tests is None else tests
    test_parts, check_parts = summary_parts(summarise(tests, rows))

    def words(parts: list[tuple[str, str]]) -> str:
        head, *rest = (text for text, _ in parts)
        return f"{head}: {', '.join(rest)}" if rest else head

    text = f"linreg: {words(test_parts)}; {words(check_parts)}"
    scored = [r for r in rows if isinstance(r.get("digits_achieved"), float)]
    if scored:
        worst = min(scored, key=lambda r: (r["digits_achieved"], *_row_sort_key(r)))
        where = ", ".join(str(v) for v in (worst.get("dataset"), worst.get("dtype")) if v)
        text += (f"; fewest digits {_fmt(worst['digits_achieved'], '.1f')}"
                 f"{f' ({where})' if where else ''} in {worst['test']}")
    return text


def summary_lines(rows: Sequence[Mapping[str, Any]], mode: str, width: int = 120,
                  tests: Sequence[Mapping[str, Any]] | None = None) -> list[str]:
    """The terminal summary below its separator line, without the separator.

    ``mode``: ``"all"`` lists every row; ``"failed"`` the failing and not-checkable rows only;
    ``"total"`` (``-q``) only the one-line total. Both lists also have a row for each test
    that failed, errored or crashed without a failing check (its verdict: ``FAILED``,
    ``ERROR``, ``CRASHED``), first. The total line comes last but for the footnote that
    explains the columns, which follows any table.
    """
    tests = derive_tests(rows) if tests is None else tests
    listed = listed_rows(rows, tests, mode)
    if mode == "total" or not listed:
        return [summary_line(rows, tests)]
    return [*format_table(listed, width=width), summary_line(rows, tests), _FOOTNOTE]


def listed_rows(rows: Sequence[Mapping[str, Any]], tests: Sequence[Mapping[str, Any]],
                mode: str) -> list[Mapping[str, Any]]:
    """The rows the terminal table shows in ``mode``: failed tests without a failing check
    first, then every check (``all``) or the failing and not-checkable ones."""
    checks = list(rows) if mode == "all" else [
        r for r in rows if _row_verdict(r) in _LISTED_BY_DEFAULT]
    return [*failed_test_rows(tests, rows), *checks]


def touches_linreg(item: pytest.Item) -> bool:
    """Whether a test touched linreg before it ran: it uses a linreg fixture
    (:data:`LINREG_FIXTURES`, also through another fixture), carries a ``linreg_*`` marker, or
    is a check generated by :func:`pytest_linreg.parametrize_with_linreg_checks`.

    (A test that records a check is one too; that is known only once it ran.)
    """
    if LINREG_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    if any(m.name.startswith("linreg_") for m in item.iter_markers()):
        return True
    callspec = getattr(item, "callspec", None)
    check = callspec.params.get("check") if callspec is not None else None
    return _is_suite_check(check)


def _is_suite_check(value: Any) -> bool:
    """A ``check`` parameter from the suite: ``partial(check_fn, fit, dataset, dtype, ...)``."""
    if not isinstance(value, functools.partial):
        return False
    datasets = sys.modules.get("pytest_linreg.datasets")  # no Dataset exists before it loads
    dataset_cls = getattr(datasets, "Dataset", None)
    return dataset_cls is not None and any(isinstance(a, dataset_cls) for a in value.args)


def _category(config: pytest.Config, report: pytest.TestReport) -> str:
    """pytest's category for a report, as its terminal counts it ("" when not counted)."""
    if not getattr(report, "count_towards_summary", True):
        return ""
    status = config.hook.pytest_report_teststatus(report=report, config=config)
    if status is not None:
        category = str(status[0])
    elif report.when in ("setup", "teardown"):  # without the terminal plugin: pytest's rules
        category = "error" if report.failed else "skipped" if report.skipped else ""
    else:
        category = report.outcome
    if category == "failed" and isinstance(report.longrepr, str) and _CRASHED.search(
            report.longrepr):
        return "crashed"
    return category


def _first_line(report: pytest.TestReport) -> str:
    """The first line of a report's error (or skip reason), ``setup:``/``teardown:`` first for
    an error there; at most 200 characters."""
    longrepr = report.longrepr
    if longrepr is None:
        text = ""
    elif isinstance(longrepr, str):  # a strict XPASS, a crashed worker
        text = longrepr
    elif isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        text = str(longrepr[2])
    else:
        # Not report.longreprtext: under xdist that starts with the worker's "[gw0] linux ...".
        crash = getattr(longrepr, "reprcrash", None)
        message = getattr(crash, "message", None)
        text = str(message) if message else str(longrepr)
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    if report.failed and report.when in ("setup", "teardown"):
        line = f"{report.when}: {line}"
    if len(line) > _NOTE_WIDTH:
        line = line[: _NOTE_WIDTH - 1].rstrip() + "…"
    return line


@dataclasses.dataclass
class _Tally:
    """What the controller learnt of one test from its reports."""

    linreg: bool = False
    outcomes: list[str] = dataclasses.field(default_factory=list)
    notes: dict[str, str] = dataclasses.field(default_factory=dict)  # first note per outcome

    def entry(self, test: str, checks: int) -> dict[str, Any]:
        outcome = outcome_of(self.outcomes)
        return {"test": test, "outcome": outcome, "outcomes": list(self.outcomes),
                "checks": checks, "note": self.notes.get(outcome, "")}


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
        #: Per test id: its counted outcomes and whether it touched linreg.
        self.tallies: dict[str, _Tally] = {}
        #: Linreg test ids the xdist workers collected (for a test whose worker crashed).
        self.worker_linreg_tests: set[str] = set()
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
        rows = item.stash.get(_ROWS_KEY, []) if call.when == "call" else []
        if rows:
            report.user_properties.append((USER_PROPERTY, rows))
        if _TOUCHES_KEY not in item.stash:
            item.stash[_TOUCHES_KEY] = touches_linreg(item)
        if rows:
            item.stash[_TOUCHES_KEY] = True  # recorded a check: teardown counts too
        if item.stash[_TOUCHES_KEY]:
            setattr(report, REPORT_ATTRIBUTE, True)
        return report

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # On an xdist worker: tell the controller which tests touch linreg, so that a test
        # whose worker crashes before its setup report is sent is still counted.
        output = getattr(self.config, "workeroutput", None)
        if isinstance(output, dict):
            output[_WORKER_OUTPUT_KEY] = [i.nodeid for i in session.items if touches_linreg(i)]

    # -- on the controller: merge, print, write ----------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        """pytest-xdist: a worker finished (its ``workeroutput`` came back) or crashed."""
        output = getattr(node, "workeroutput", None)
        if isinstance(output, dict):
            self.worker_linreg_tests.update(str(t) for t in output.get(_WORKER_OUTPUT_KEY, ()))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if _is_worker(self.config):
            return
        category = _category(self.config, report)
        linreg = bool(getattr(report, REPORT_ATTRIBUTE, False))
        tally = self.tallies.get(report.nodeid)
        if tally is None and (linreg or category):
            tally = self.tallies[report.nodeid] = _Tally()
        if tally is not None:
            tally.linreg = tally.linreg or linreg
            if category:
                tally.outcomes.append(category)
                if category != "passed" and category not in tally.notes:
                    tally.notes[category] = _first_line(report)
        if report.when == "call":
            self._add_rows(report)

    def _add_rows(self, report: pytest.TestReport) -> None:
        # xdist may turn the (name, value) tuples into lists; dict() accepts both.
        props: dict[str, Any] = {str(k): v for k, v in report.user_properties}
        rows = props.pop(USER_PROPERTY, None)
        if not rows:
            return
        self.tallies.setdefault(report.nodeid, _Tally()).linreg = True
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

    def tests(self) -> list[dict[str, Any]]:
        """One entry per linreg test seen so far (``tests`` of the JSON report), sorted."""
        checks: dict[str, int] = {}
        for test, _ in self.rows:
            checks[test] = checks.get(test, 0) + 1
        return [tally.entry(test, checks.get(test, 0))
                for test, tally in sorted(self.tallies.items())
                if tally.linreg or test in self.worker_linreg_tests or test in checks]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.report_path is None or _is_worker(self.config):
            return
        path = self.report_path
        try:
            report = build_report(
                self.sorted_rows(),
                tests=self.tests(),
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
        tests = self.tests()
        mode = _summary_mode(self.config)
        if tests:
            if mode != "total":
                listed = mode == "all" or bool(listed_rows(rows, tests, mode))
                title = _SEP_ALL if mode == "all" else (_SEP_FAILED if listed else
                                                        _SEP_NONE_FAILED)
                terminalreporter.write_sep("=", title)
            width = self.config.get_terminal_writer().fullwidth
            for text in summary_lines(rows, mode, width=width, tests=tests):
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
