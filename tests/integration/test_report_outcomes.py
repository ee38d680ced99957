"""Report totals agree with pytest's own, serial and under pytest-xdist (issue 11).

A small project in a pytest subprocess: a passing check, a failing check, a strict xfail that
passes (XPASS(strict): failed), a non-strict xfail, a test that raises before any check, a
test whose teardown fails (passed and error, as pytest counts it), and two tests that kill
their xdist worker, one in its call and one in its setup (before any report of it reaches the
controller). Serially those two skip. The JSON totals must equal pytest's last line, every test
must have an entry, and the HTML header must say the same. (tests/integration is slow as a
whole: see tests/conftest.py.)
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from pytest_linreg._report_json import OUTCOMES, load_report

PROJECT = """
import os

import numpy as np
import pytest

from pytest_linreg.assertions import assert_coefficients_close

UNDER_XDIST = bool(os.environ.get("PYTEST_XDIST_WORKER"))


def _fit(d, shift=0.0):
    X = np.column_stack([np.ones(len(d.y)), d.X]) if d.fit_intercept else d.X
    sol = np.linalg.lstsq(X, d.y, rcond=None)[0] + shift
    return (sol[1:], sol[0]) if d.fit_intercept else (sol, 0.0)


def test_pass(linreg_dataset):
    assert_coefficients_close(_fit(linreg_dataset), linreg_dataset, rtol=1e-6)


def test_fail(linreg_dataset):
    assert_coefficients_close(_fit(linreg_dataset, shift=1.0), linreg_dataset, rtol=1e-6)


@pytest.mark.xfail(strict=True, reason="said to fail, but passes")
def test_strict_xpass(linreg_dataset):
    assert_coefficients_close(_fit(linreg_dataset), linreg_dataset, rtol=1e-6)


@pytest.mark.xfail(strict=False, reason="shifted on purpose")
def test_xfail(linreg_dataset):
    assert_coefficients_close(_fit(linreg_dataset, shift=1.0), linreg_dataset, rtol=1e-6)


def test_raises_first(linreg_dataset):
    raise ValueError(f"no design for {linreg_dataset.name}")


@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown broke")


def test_teardown_error(linreg_dataset, broken_teardown):
    assert_coefficients_close(_fit(linreg_dataset), linreg_dataset, rtol=1e-6)


@pytest.mark.skipif(not UNDER_XDIST, reason="kills its process")
def test_crash(linreg_dataset):
    os._exit(1)


@pytest.fixture
def dies_in_setup():
    if not UNDER_XDIST:
        pytest.skip("kills its process")
    os._exit(1)


def test_crash_in_setup(linreg_dataset, dies_in_setup):
    pass
"""

NAMES = ("test_crash", "test_crash_in_setup", "test_fail", "test_pass", "test_raises_first",
         "test_strict_xpass", "test_teardown_error", "test_xfail")
TESTS = [f"test_project.py::{name}[Longley]" for name in NAMES]

# What each test comes out as: (outcome, outcomes, the note's start, checks).
SERIAL = {
    "test_crash": ("skipped", ["skipped"], "Skipped: kills its process", 0),
    "test_crash_in_setup": ("skipped", ["skipped"], "Skipped: kills its process", 0),
    "test_fail": ("failed", ["failed"], "pytest_linreg.errors.LinregAssertionError: ", 1),
    "test_pass": ("passed", ["passed"], "", 1),
    "test_raises_first": ("failed", ["failed"], "ValueError: no design for Longley", 0),
    "test_strict_xpass": ("failed", ["failed"], "[XPASS(strict)] said to fail, but passes", 1),
    "test_teardown_error": ("error", ["passed", "error"], "teardown: RuntimeError: teardown broke",
                            1),
    "test_xfail": ("xfailed", ["xfailed"], "pytest_linreg.errors.LinregAssertionError: ", 1),
}
PARALLEL = dict(
    SERIAL,
    test_crash=("crashed", ["crashed"], "worker 'gw", 0),
    test_crash_in_setup=("crashed", ["crashed"], "worker 'gw", 0),
)
# The tests a table lists first: failed, errored or crashed without a failing check.
FAILED_WITHOUT_FAILING_CHECK = {"test_raises_first", "test_strict_xpass", "test_teardown_error"}


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester for an inner run that is not itself an xdist worker.

    When this suite runs under xdist, its worker's PYTEST_XDIST_WORKER would reach the inner
    serial run, whose crash tests would then kill that run instead of skipping.
    """
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    return pytester


def _run(pytester: pytest.Pytester, workers: int, report: str) -> pytest.RunResult:
    pytest.importorskip("xdist")
    pytester.makepyfile(test_project=PROJECT)
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--linreg-datasets=Longley", "-n", str(workers),
        f"--linreg-report={report}")


def _as_pytest_counts(summary: dict[str, Any]) -> dict[str, int]:
    """The report's test counts named as ``RunResult.parseoutcomes`` names them."""
    names = {"crashed": "failed", "error": "errors"}  # pytest counts a crashed test as failed
    counts: dict[str, int] = {}
    for key in (*OUTCOMES, *(k for k in summary if k not in OUTCOMES)):
        if key in ("tests", "checks", "check_verdicts") or not summary.get(key):
            continue
        name = names.get(key, key)
        counts[name] = counts.get(name, 0) + int(summary[key])
    return counts


@pytest.mark.parametrize(("workers", "expected"), [(0, SERIAL), (2, PARALLEL)],
                         ids=["n0", "n2"])
def test_json_totals_are_pytests_and_every_test_has_an_entry(
    pytester: pytest.Pytester, workers: int, expected: dict[str, tuple[Any, ...]]
) -> None:
    result = _run(pytester, workers, "r.json")
    outcomes = result.parseoutcomes()
    outcomes.pop("seconds", None)
    report = load_report(pytester.path / "r.json")
    summary = report["summary"]
    assert _as_pytest_counts(summary) == outcomes
    assert summary["tests"] == len(TESTS)
    assert summary["crashed"] == (2 if workers else 0)
    assert summary["checks"] == 5 and summary["check_verdicts"] == {
        "pass": 3, "fail": 1, "xfail": 1, "skip": 0}
    tests = {t["test"]: t for t in report["tests"]}
    assert sorted(tests) == TESTS
    for name, (outcome, counted, note, checks) in expected.items():
        entry = tests[f"test_project.py::{name}[Longley]"]
        assert (entry["outcome"], entry["outcomes"], entry["checks"]) == (outcome, counted,
                                                                          checks), name
        assert entry["note"].startswith(note), (name, entry["note"])
        assert "\n" not in entry["note"]
    # The check rows themselves are unchanged: one per assertion that ran.
    assert sorted({r["test"].split("::")[1] for r in report["rows"]}) == [
        f"{n}[Longley]" for n in ("test_fail", "test_pass", "test_strict_xpass",
                                  "test_teardown_error", "test_xfail")]
    # The terminal's total says the same as the JSON.
    crashed = ", 2 crashed" if workers else ""
    skipped = "" if workers else ", 2 skipped"
    result.stdout.fnmatch_lines([
        f"linreg: 8 tests: 2 passed, 3 failed, 1 error{crashed}{skipped}, 1 xfailed;"
        " 5 checks: 3 pass, 1 fail, 1 xfail; *"])


class _Header(HTMLParser):
    """The header chips (by the id of their line) and the checks table's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.chips: dict[str, list[str]] = {}
        self.rows: list[tuple[str, list[str]]] = []
        self._line: str | None = None
        self._chip: list[str] | None = None
        self._table = self._body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "p" and a.get("class") == "chips":
            self._line = a.get("id") or ""
            self.chips[self._line] = []
        elif tag == "span" and self._line is not None:
            self._chip = []
        elif tag == "table":
            self._table = a.get("class") == "checks"
        elif tag == "tbody" and self._table:
            self._body = True
        elif tag == "tr" and self._body:
            self.rows.append((a.get("class") or "", []))
        elif tag == "td" and self._body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._chip is not None and self._line is not None:
            self.chips[self._line].append("".join(self._chip))
            self._chip = None
        elif tag == "p":
            self._line = None
        elif tag == "tbody":
            self._body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1][1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        for sink in (self._chip, self._cell):
            if sink is not None:
                sink.append(data)


@pytest.mark.parametrize("workers", [0, 2], ids=["n0", "n2"])
def test_html_header_gives_pytests_totals_and_lists_tests_that_died(
    pytester: pytest.Pytester, workers: int
) -> None:
    result = _run(pytester, workers, "r.html")
    page = _Header()
    page.feed((pytester.path / "r.html").read_text(encoding="utf-8"))
    died = ["2 crashed"] if workers else []
    skipped = [] if workers else ["2 skipped"]
    assert page.chips["test-totals"] == ["8 tests", "2 passed", "3 failed", "1 error", *died,
                                         *skipped, "1 xfailed"]
    assert page.chips["check-totals"] == ["5 checks", "3 pass", "1 fail", "1 xfail"]
    outcomes = result.parseoutcomes()
    failed = int(page.chips["test-totals"][2].split()[0])
    assert failed + (2 if workers else 0) == outcomes["failed"]
    # First the tests that failed without a failing check, each with its error's first line;
    # then the failing check.
    listed = [(cls, cells[0].split("::")[1].removesuffix("[Longley]"), cells[8], cells[10])
              for cls, cells in page.rows]
    first = {name for cls, name, _, _ in listed if cls == "fail"}
    expected = FAILED_WITHOUT_FAILING_CHECK | {"test_fail"}
    if workers:
        expected |= {"test_crash", "test_crash_in_setup"}
    assert first == expected
    assert [name for _, name, _, _ in listed[: len(expected)]][-1] == "test_fail"
    verdicts = {name: (verdict, note) for cls, name, verdict, note in listed if cls == "fail"}
    assert verdicts["test_raises_first"] == ("failed", "ValueError: no design for Longley")
    assert verdicts["test_teardown_error"][0] == "error"
    if workers:
        assert verdicts["test_crash"][0] == "crashed"
        assert verdicts["test_crash"][1].startswith("worker 'gw")
