"""The terminal table and the one-line summary of the reporter."""

from __future__ import annotations

import math
from typing import Any

from pytest_linreg.reporting import format_digest, format_table, summary_line


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
    assert longley.split() == ["test_a.py::test_fit[Longley]", "coefficients", "Longley",
                               "2.3e+07", "float64", "cpu", "12.5", "7.0", "PASS"]
    assert filip.split()[3:] == ["1.8e+15", "float32", "cpu", "0.0", "7.0", "FAIL"]
    # Columns line up: every row has the same width up to its verdict.
    assert len({line.index(" cpu ") for line in (longley, filip)}) == 1


def test_table_shows_unknown_values_as_dash_and_exact_agreement_as_exact() -> None:
    (_, line) = format_table([_row("t.py::x", dataset=None, condition_number=None,
                                   digits_achieved=math.inf, digits_required=None)])
    assert line.split() == ["t.py::x", "coefficients", "-", "-", "float64", "cpu", "exact", "-",
                            "PASS"]


def test_long_test_ids_keep_the_test_name_and_the_last_parameters() -> None:
    nodeid = "t.py::test_fit[" + "-".join(f"param{i}" for i in range(30)) + "]"
    (_, line) = format_table([_row(nodeid)], width=120)
    shown = line.split()[0]
    assert shown.startswith("t.py::test_fit[...") and shown.endswith("param29]")
    assert len(line) <= 120 < len(nodeid) + 60
    # On a very narrow terminal the id keeps 40 characters; the line wraps instead.
    (_, narrow) = format_table([_row(nodeid)], width=60)
    assert len(narrow.split()[0]) == 40


def test_summary_line_names_the_fewest_digits() -> None:
    rows = [_row("t.py::a"), _row("t.py::b", dataset="Filip", dtype="float32",
                                  digits_achieved=1.25, passed=False),
            _row("t.py::b", 1, digits_achieved=None)]
    assert summary_line(rows) == (
        "linreg: 3 checks in 2 tests, 2 passed, 1 failed; fewest digits 1.2 (Filip, float32)"
        " in t.py::b")
    assert summary_line([_row("t.py::a", digits_achieved=None)]) == (
        "linreg: 1 checks in 1 tests, 1 passed, 0 failed")


def test_digest_groups_by_dataset_dtype_and_device() -> None:
    rows = [_row("t.py::a"), _row("t.py::b", digits_achieved=9.0),
            _row("t.py::c", dtype="float32", digits_achieved=3.0, passed=False),
            _row("t.py::d", dtype="float32", digits_achieved=2.0, passed=False)]
    rows[2]["verdict"], rows[3]["verdict"] = "fail", "xfail"
    rows[0]["verdict"] = rows[1]["verdict"] = "pass"
    assert [line.split() for line in format_digest(rows)] == [
        ["dataset", "dtype", "device", "checks", "cond", "min", "digits", "pass", "fail", "xfail",
         "skip"],
        ["Longley", "float32", "cpu", "2", "2.3e+07", "2.0", "0", "1", "1", "0"],
        ["Longley", "float64", "cpu", "2", "2.3e+07", "9.0", "2", "0", "0", "0"],
    ]


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
        "linreg: 2 checks in 2 tests, 1 passed, 0 failed, 1 not checkable; fewest digits 12.5"
        " (Longley, float64) in t.py::b")
    assert format_digest(rows)[1].split()[-4:] == ["0", "0", "0", "1"]
