"""The JSON report: plain-JSON conversion, the version-1 object, and the checking loader."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pytest_linreg._records import CheckRecord
from pytest_linreg._report_json import (
    ROW_KEYS,
    SCHEMA,
    VERSION,
    build_report,
    environment_info,
    failed_test_rows,
    json_safe,
    load_report,
    outcome_of,
    report_to_json,
    summarise,
    summary_parts,
    write_text_atomic,
)
from pytest_linreg.reporting import rows_from_records


def _record(**changes: Any) -> CheckRecord:
    fields: dict[str, Any] = dict(
        check="coefficients", dataset="Longley", condition_number=2.3e7, dtype="float64",
        device="cpu", digits_achieved=12.5, digits_required=7.0, rtol=1e-7, passed=True,
        fitter="numpy",
    )
    fields.update(changes)
    return CheckRecord(**fields)


def test_json_safe_turns_numpy_values_into_plain_json() -> None:
    value = {"i": np.int64(3), "f": np.float32(0.5), "a": np.arange(3), "t": (1, "x"),
             "b": np.bool_(True), 7: None}
    assert json_safe(value) == {"i": 3, "f": 0.5, "a": [0, 1, 2], "t": [1, "x"], "b": True,
                                "7": None}


def test_json_safe_maps_non_finite_floats_to_null_and_odd_objects_to_repr() -> None:
    assert json_safe([math.inf, -math.inf, math.nan, np.float64(np.nan)]) == [None] * 4
    assert json_safe(object).startswith("<class")


def test_rows_from_records_numbers_rows_in_order_and_adds_the_verdict() -> None:
    rows = rows_from_records("t.py::test_a", [_record(), _record(passed=False, dataset="Filip")])
    assert [(r["index"], r["dataset"], r["verdict"]) for r in rows] == [
        (0, "Longley", "pass"), (1, "Filip", "fail")]
    assert all(set(ROW_KEYS) <= set(r) for r in rows)
    assert rows_from_records("t.py::test_a", [_record(digits_achieved=np.inf)])[0][
        "digits_achieved"] == math.inf


def test_build_report_is_strict_json_with_the_documented_top_level_keys() -> None:
    rows = rows_from_records("t.py::test_a", [_record(digits_achieved=math.inf),
                                              _record(passed=False)])
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    report = build_report(rows, settings={"rtol": 1e-7}, environment={"python": "3.11"},
                          created=when)
    text = report_to_json(report)
    data = json.loads(text)
    assert list(data) == ["schema", "version", "created", "environment", "settings", "summary",
                          "tests", "rows"]
    assert (data["schema"], data["version"], data["created"]) == (SCHEMA, VERSION,
                                                                   "2026-01-02T03:04:05Z")
    # Without pytest's outcomes the test is made from its rows: one failed.
    assert data["summary"] == {"tests": 1, "passed": 0, "failed": 1, "error": 0, "crashed": 0,
                               "skipped": 0, "xfailed": 0, "xpassed": 0, "checks": 2,
                               "check_verdicts": {"pass": 1, "fail": 1, "xfail": 0, "skip": 0}}
    assert data["tests"] == [{"test": "t.py::test_a", "outcome": "failed",
                              "outcomes": ["failed"], "checks": 2, "note": ""}]
    assert data["rows"][0]["digits_achieved"] is None  # exact agreement: inf is not JSON
    assert "Infinity" not in text and "NaN" not in text


def test_build_report_rejects_rows_missing_documented_keys() -> None:
    with pytest.raises(ValueError, match=r"lacks keys \['index'"):
        build_report([{"test": "t.py::x"}], settings={}, environment={})


def test_environment_info_names_versions_without_importing_frameworks() -> None:
    env = environment_info(xdist_workers=3)
    assert env["numpy"] == np.__version__ and env["xdist_workers"] == 3
    assert env["python"].count(".") == 2
    assert all(isinstance(v, str) for v in env["frameworks"].values())


def test_load_report_round_trips_and_checks_schema_and_version(tmp_path: Path) -> None:
    report = build_report([], settings={}, environment={})
    path = tmp_path / "r.json"
    path.write_text(report_to_json(report), encoding="utf-8")
    assert load_report(path) == report

    path.write_text(json.dumps(dict(report, version=VERSION + 1)), encoding="utf-8")
    with pytest.raises(ValueError, match=f"report version {VERSION + 1}"):
        load_report(path)
    path.write_text(json.dumps({"schema": "other"}), encoding="utf-8")
    with pytest.raises(ValueError, match="found schema 'other'"):
        load_report(path)
    path.write_text("[1, 2", encoding="utf-8")
    with pytest.raises(ValueError, match="is not JSON"):
        load_report(path)


# ---- totals per test, as pytest counts them (issue 11, "Report totals disagree") -------------


def _test(test: str, *outcomes: str, checks: int = 1, note: str = "") -> dict[str, Any]:
    return {"test": test, "outcome": outcome_of(outcomes), "outcomes": list(outcomes),
            "checks": checks, "note": note}


def test_summary_counts_each_counted_report_like_pytests_last_line() -> None:
    tests = [_test("t.py::a", "passed"), _test("t.py::b", "passed", "error"),
             _test("t.py::c", "failed", "error"), _test("t.py::d", "crashed", checks=0),
             _test("t.py::e", "xfailed"), _test("t.py::f", "rerun", "passed")]
    rows = rows_from_records("t.py::a", [_record(), _record(passed=False)])
    summary = summarise(tests, rows)
    assert summary == {"tests": 6, "passed": 3, "failed": 1, "error": 2, "crashed": 1,
                       "skipped": 0, "xfailed": 1, "xpassed": 0, "rerun": 1, "checks": 2,
                       "check_verdicts": {"pass": 1, "fail": 1, "xfail": 0, "skip": 0}}
    assert [t["outcome"] for t in tests] == ["passed", "error", "failed", "crashed", "xfailed",
                                             "passed"]
    assert summary_parts(summary) == (
        [("6 tests", ""), ("3 passed", "passed"), ("1 failed", "failed"),
         ("2 errors", "error"), ("1 crashed", "crashed"), ("1 xfailed", "xfailed"),
         ("1 rerun", "rerun")],
        [("2 checks", ""), ("1 pass", "pass"), ("1 fail", "fail")],
    )


def test_summary_words_are_singular_for_one_and_skip_reads_not_checkable() -> None:
    summary = summarise([_test("t.py::a", "error")], [{"verdict": "skip"}])
    assert summary_parts(summary) == ([("1 test", ""), ("1 error", "error")],
                                      [("1 check", ""), ("1 not checkable", "skip")])
    # A version-1 summary counted checks only.
    old = {"checks": 3, "passed": 2, "failed": 1, "xfail": 0, "skip": 0, "tests": 2}
    assert summary_parts(old) == ([], [("3 checks", ""), ("2 pass", "pass"), ("1 fail", "fail")])


def test_failed_tests_without_a_failing_check_get_a_table_row() -> None:
    rows = rows_from_records("t.py::b", [_record(passed=False)])
    rows += rows_from_records("t.py::c", [_record()])
    tests = [_test("t.py::a", "failed", checks=0, note="ValueError: x"),
             _test("t.py::b", "failed"), _test("t.py::c", "passed", "error", note="teardown: y"),
             _test("t.py::d", "crashed", checks=0), _test("t.py::e", "skipped", checks=0),
             _test("t.py::f", "xfailed", checks=0)]
    listed = failed_test_rows(tests, rows)
    assert [(r["test"], r["verdict"], r["note"]) for r in listed] == [
        ("t.py::a", "failed", "ValueError: x"), ("t.py::c", "error", "teardown: y"),
        ("t.py::d", "crashed", "")]
    assert all(set(ROW_KEYS) <= set(r) and r["check"] is None for r in listed)


def test_build_report_keeps_the_tests_given_sorted_and_checks_their_keys() -> None:
    tests = [_test("t.py::b", "failed", checks=0), _test("t.py::a", "passed", checks=0)]
    report = build_report([], tests=tests, settings={}, environment={})
    assert [t["test"] for t in report["tests"]] == ["t.py::a", "t.py::b"]
    assert (report["summary"]["tests"], report["summary"]["failed"]) == (2, 1)
    with pytest.raises(ValueError, match=r"report test 't.py::x' lacks keys \['outcome'"):
        build_report([], tests=[{"test": "t.py::x"}], settings={}, environment={})


def test_load_report_still_reads_version_1(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"schema": SCHEMA, "version": 1, "rows": []}), encoding="utf-8")
    assert load_report(path)["version"] == 1


# ---- writing: a reader never sees a part of a report (issue 11, item 3) -----------------------


def _document(writer: int, size: int = 400_000) -> str:
    return json.dumps({"writer": writer, "payload": "x" * (size + writer)})


def _concurrent_writes(path: Path, write: Any, writers: int = 4, rounds: int = 8) -> list[str]:
    """Several threads write ``path`` while one reads it; returns what the reader saw wrong."""
    import threading

    done = threading.Event()
    problems: list[str] = []

    def read() -> None:
        while not done.is_set():
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                problems.append(f"invalid JSON of {len(text)} characters")
                continue
            if len(data["payload"]) != 400_000 + data["writer"]:
                problems.append("a mix of two documents")

    def write_all(writer: int) -> None:
        for _ in range(rounds):
            write(path, _document(writer))

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write_all, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()
    return problems


def test_concurrent_writers_never_leave_or_show_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    assert _concurrent_writes(path, write_text_atomic) == []
    assert json.loads(path.read_text(encoding="utf-8"))["writer"] in range(4)
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


def test_a_failed_write_keeps_the_old_report_and_removes_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    path = tmp_path / "r.json"
    path.write_text('{"old": true}', encoding="utf-8")

    def no_space(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(OSError, match="No space left"):
        write_text_atomic(path, '{"new": true}')
    assert json.loads(path.read_text(encoding="utf-8")) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_symbolic_link_is_followed_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "latest.json"
    target.parent.mkdir()
    target.write_text("{}", encoding="utf-8")
    link = tmp_path / "r.json"
    try:
        link.symlink_to(target)
    except OSError:
        pytest.skip("symbolic links are not available here")
    write_text_atomic(link, '{"new": true}')
    assert link.is_symlink() and json.loads(target.read_text(encoding="utf-8")) == {"new": True}
