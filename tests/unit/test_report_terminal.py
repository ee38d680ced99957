"""The terminal table, the one-line total and what the summary lists in each mode."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pytest_linreg.reporting import format_table, shorten_test_id, summary_line, summary_lines


def _row(test: str, index: int = 0, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict(
        test=test, index=index, check="coefficients", dataset="Longley",
        condition_number=2.3e7, dtype="float64", device="cpu", digits_achieved=12.46,
        digits_required=7.0, passed=True,
    )
    row.update(changes)
    return row


def test_table_aligns_columns_and_formats_numbers() -> None:
    lines = format_table([
        _row("tests/unit/test_a.py::test_fit[Longley]"),
        _row("tests/unit/test_a.py::test_fit[Filip]", dataset="Filip", condition_number=1.8e15,
             dtype="float32", digits_achieved=0.0, passed=False),
    ], width=200)
    header, longley, filip = lines
    assert header.split() == ["test", "check", "dataset", "cond", "dtype", "device", "digits",
                              "req", "verdict"]
    assert longley.split() == ["tests/unit/test_a.py::test_fit[Longley]", "coefficients",
                               "Longley", "2.3e+07", "float64", "cpu", "12.5", "7.0", "PASS"]
    assert filip.split()[3:] == ["1.8e+15", "float32", "cpu", "0.0", "7.0", "FAIL"]
    # Columns line up: every row has the same width up to its verdict.
    assert len({line.index(" cpu ") for line in (longley, filip)}) == 1


def test_table_shows_unknown_values_as_dash_and_exact_agreement_as_exact() -> None:
    (_, line) = format_table([_row("t.py::x", dataset=None, condition_number=None,
                                   digits_achieved=math.inf, digits_required=None)])
    assert line.split() == ["t.py::x", "coefficients", "-", "-", "float64", "cpu", "exact", "-",
                            "PASS"]


NODEID = ("tests/integration/test_frameworks.py::TestSklearn::"
          "test_fit[Longley-float64-cpu-coefficients]")


@pytest.mark.parametrize(("width", "shown"), [
    (len(NODEID), NODEID),
    (80, "…test_frameworks.py::TestSklearn::test_fit[Longley-float64-cpu-coefficients]"),
    (60, "…TestSklearn::test_fit[Longley-float64-cpu-coefficients]"),
    (48, "…test_fit[Longley-float64-cpu-coefficients]"),
    # Narrower than the test name with its parameters: those are never cut.
    (20, "…test_fit[Longley-float64-cpu-coefficients]"),
])
def test_ids_are_shortened_from_the_left_at_whole_parts(width: int, shown: str) -> None:
    assert shorten_test_id(NODEID, width) == shown
    assert NODEID.endswith(shown.removeprefix("…"))


def test_parameters_with_slashes_and_colons_are_never_cut() -> None:
    nodeid = "t/test_x.py::test_f[a/b::c-" + "x" * 40 + "]"
    assert shorten_test_id(nodeid, 30) == "…test_f[a/b::c-" + "x" * 40 + "]"
    assert shorten_test_id("test_plain_but_long_name", 5) == "test_plain_but_long_name"


def test_table_shortens_long_ids_to_the_width_keeping_the_parametrisation() -> None:
    nodeid = "tests/unit/test_fit.py::test_fit[" + "-".join(f"p{i}" for i in range(12)) + "]"
    (_, line) = format_table([_row(nodeid)], width=120)
    shown = line.split()[0]
    assert shown == "…test_fit[" + "-".join(f"p{i}" for i in range(12)) + "]"
    assert len(line) <= 120
    # The whole id where it fits.
    (_, wide) = format_table([_row(nodeid)], width=200)
    assert wide.split()[0] == nodeid


def test_negative_zero_is_never_shown() -> None:
    rows = [_row("t.py::a", digits_achieved=-0.04, passed=False, verdict="fail"),
            _row("t.py::b", digits_achieved=-0.0, digits_required=-0.0, passed=False,
                 verdict="fail")]
    text = "\n".join([*format_table(rows), summary_line(rows)])
    assert "-0.0" not in text
    assert summary_line(rows).endswith("fewest digits 0.0 (Longley, float64) in t.py::a")
    # A real negative value keeps its sign.
    assert format_table([_row("t.py::c", digits_achieved=-0.6)])[1].split()[6] == "-0.6"


def test_summary_line_names_the_fewest_digits() -> None:
    rows = [_row("t.py::a"), _row("t.py::b", dataset="Filip", dtype="float32",
                                  digits_achieved=1.25, passed=False),
            _row("t.py::b", 1, digits_achieved=None)]
    assert summary_line(rows) == (
        "linreg: 2 tests: 1 passed, 1 failed; 3 checks: 2 pass, 1 fail; fewest digits 1.2"
        " (Filip, float32) in t.py::b")


def test_summary_line_counts_in_the_singular_and_plural() -> None:
    assert summary_line([_row("t.py::a", digits_achieved=None)]) == (
        "linreg: 1 test: 1 passed; 1 check: 1 pass")
    assert summary_line([_row("t.py::a", digits_achieved=None),
                         _row("t.py::a", 1, digits_achieved=None)]) == (
        "linreg: 1 test: 1 passed; 2 checks: 2 pass")
    assert summary_line([_row("t.py::a", digits_achieved=None),
                         _row("t.py::b", digits_achieved=None)]) == (
        "linreg: 2 tests: 2 passed; 2 checks: 2 pass")


def test_not_checkable_records_are_neither_passes_nor_failures() -> None:
    from pytest_linreg._records import CheckRecord
    from pytest_linreg.reporting import rows_from_records

    skipped = CheckRecord(check="predictions", dataset="Filip", condition_number=5.2e9,
                          dtype="float32", device="cpu", digits_achieved=None,
                          digits_required=None, rtol=None, passed=False,
                          note="not checkable: derived prediction rtol 3.5e+02 in float32",
                          extra={"skipped": True})
    rows = [*rows_from_records("t.py::a", [skipped]), _row("t.py::b")]
    rows[1]["verdict"] = "pass"
    assert rows[0]["verdict"] == "skip"
    assert summary_line(rows) == (
        "linreg: 2 tests: 2 passed; 2 checks: 1 pass, 1 not checkable; fewest digits 12.5"
        " (Longley, float64) in t.py::b")


def _verdict_rows() -> list[dict[str, Any]]:
    return [_row("t.py::test_ok", verdict="pass"),
            _row("t.py::test_bad", dataset="Filip", passed=False, verdict="fail"),
            _row("t.py::test_expected", passed=False, verdict="xfail"),
            _row("t.py::test_impossible", passed=False, verdict="skip", digits_achieved=None)]


def test_by_default_only_failing_and_not_checkable_rows_are_listed() -> None:
    lines = summary_lines(_verdict_rows(), "failed")
    tests = [line.split()[0] for line in lines[1:3]]
    assert tests == ["t.py::test_bad", "t.py::test_impossible"]
    # Without pytest's outcomes, a test with a failing row failed and the others passed.
    assert lines[3].startswith("linreg: 4 tests: 3 passed, 1 failed; 4 checks: 1 pass, 1 fail,"
                               " 1 xfail, 1 not checkable;")
    assert lines[4].startswith("digits = correct significant digits")
    assert len(lines) == 5


def test_all_lists_every_row_and_total_prints_one_line() -> None:
    rows = _verdict_rows()
    listed = [line.split()[0] for line in summary_lines(rows, "all")[1:5]]
    assert sorted(listed) == sorted(r["test"] for r in rows)
    assert summary_lines(rows, "total") == [summary_line(rows)]


def test_a_run_without_failures_prints_only_the_total_by_default() -> None:
    rows = [_row("t.py::a", verdict="pass"), _row("t.py::b", verdict="xfail", passed=False)]
    assert summary_lines(rows, "failed") == [summary_line(rows)]


# ---- totals per test, as pytest counts them (issue 11, "Report totals disagree") --------------


def _tests() -> list[dict[str, Any]]:
    from pytest_linreg._report_json import outcome_of

    def test(name: str, *outcomes: str, note: str = "") -> dict[str, Any]:
        return {"test": name, "outcome": outcome_of(outcomes), "outcomes": list(outcomes),
                "checks": 0, "note": note}

    return [test("t.py::test_ok", "passed"), test("t.py::test_bad", "failed"),
            test("t.py::test_died", "failed", note="ValueError: x"),
            test("t.py::test_gone", "crashed", note="worker 'gw0' crashed while running"),
            test("t.py::test_expected", "xfailed"), test("t.py::test_impossible", "passed"),
            test("t.py::test_teardown", "passed", "error")]


def test_the_total_counts_tests_as_pytest_does_then_checks() -> None:
    rows = _verdict_rows()
    assert summary_line(rows, _tests()).startswith(
        "linreg: 7 tests: 3 passed, 2 failed, 1 error, 1 crashed, 1 xfailed;"
        " 4 checks: 1 pass, 1 fail, 1 xfail, 1 not checkable; fewest digits 12.5")


def test_tests_that_failed_without_a_failing_check_are_listed_first() -> None:
    lines = summary_lines(_verdict_rows(), "failed", width=200, tests=_tests())
    listed = [(line.split()[0], line.split()[-1]) for line in lines[1:-2]]
    assert listed == [("t.py::test_died", "FAILED"), ("t.py::test_gone", "CRASHED"),
                      ("t.py::test_teardown", "ERROR"), ("t.py::test_bad", "FAIL"),
                      ("t.py::test_impossible", "SKIP")]
    assert lines[1].split()[1:-1] == ["-"] * 7  # no check values
    assert len(summary_lines(_verdict_rows(), "all", width=200, tests=_tests())) == 3 + 4 + 3
