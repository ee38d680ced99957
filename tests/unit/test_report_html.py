"""The HTML page: escaping, the embedded plot, and the table-only page without matplotlib."""

from __future__ import annotations

import base64
import re
import sys
from typing import Any

import pytest

from pytest_linreg._records import CheckRecord
from pytest_linreg._report_html import INSTALL_HINT, plot_png, render_html
from pytest_linreg._report_json import build_report
from pytest_linreg.reporting import rows_from_records

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _report(*records: CheckRecord, test: str = "t.py::test_fit[<b>]") -> dict[str, Any]:
    return build_report(rows_from_records(test, records), settings={"rtol": 1e-7},
                        environment={"python": "3.11.7", "numpy": "2.0", "pytest": "9.0",
                                     "frameworks": {"keras": "3.0"}})


def _record(dtype: str, digits: float | None, passed: bool, kappa: float | None = 1e8,
            fitter: str = "keras") -> CheckRecord:
    return CheckRecord(check="coefficients", dataset="Longley & co", condition_number=kappa,
                       dtype=dtype, device="cpu", digits_achieved=digits, digits_required=7.0,
                       rtol=1e-7, passed=passed, fitter=fitter, note="x < y")


def _without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import raise ImportError, as if matplotlib were absent.
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)


def test_page_escapes_test_ids_and_notes_and_marks_failures() -> None:
    page = render_html(_report(_record("float64", 9.0, True), _record("float32", 2.0, False)),
                       with_plot=False)
    assert "t.py::test_fit[&lt;b&gt;]" in page and "<b>]" not in page
    assert "Longley &amp; co" in page and "x &lt; y" in page
    assert page.count('<tr class="fail">') == 1 and page.count('<tr class="pass">') == 1
    assert "keras 3.0" in page  # frameworks listed in the environment


def test_page_embeds_a_png_plot_when_matplotlib_is_installed() -> None:
    pytest.importorskip("matplotlib")
    page = render_html(_report(_record("float64", 9.0, True), _record("float32", 2.0, False)))
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match is not None
    assert base64.b64decode(match.group(1))[:8] == PNG_MAGIC
    assert "2 of 2 checks plotted" in page


def test_rows_without_conditioning_stay_in_the_table_but_not_in_the_plot() -> None:
    pytest.importorskip("matplotlib")
    page = render_html(_report(_record("float64", 9.0, True),
                               _record("float64", None, True, kappa=None)))
    assert "1 of 2 checks plotted" in page
    assert page.count("<tr class=") == 2


def test_plot_png_is_none_and_the_page_says_how_to_get_it_without_matplotlib(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without_matplotlib(monkeypatch)
    report = _report(_record("float64", 9.0, True))
    assert plot_png(report["rows"]) is None
    page = render_html(report)
    assert INSTALL_HINT in page and "data:image/png" not in page
    assert page.count("<tr class=") == 1


def test_empty_report_says_no_checks_ran() -> None:
    page = render_html(build_report([], settings={}, environment={}))
    assert "No linreg checks ran in this session." in page
    assert "<table>" not in page and "data:image/png" not in page


def test_plot_draws_the_three_most_common_required_levels_a_digit_apart() -> None:
    from pytest_linreg._report_html import _required_levels

    rows = [{"digits_required": d} for d in (7.0, 7.0, 7.0, 6.6, 6.6, 3.1, 3.1, 5.4, 0.4, None)]
    assert _required_levels(rows) == [3.1, 5.4, 7.0]
