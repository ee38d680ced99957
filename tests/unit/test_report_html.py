"""The HTML page: escaping, the embedded plot, and the table-only page without matplotlib."""

from __future__ import annotations

import base64
import re
import sys
from html.parser import HTMLParser
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


# ---- the bound curves (issue 11, item 1) -----------------------------------------------------


def _crossing(kappa: Any, digits: Any) -> float:
    """The condition number at which a curve first reaches 0 digits (log-linear interpolation)."""
    import numpy as np

    log_k, d = np.log10(np.asarray(kappa, float)), np.asarray(digits, float)
    i = int(np.argmax(d <= 0.0))
    assert i > 0 and d[i] <= 0.0 < d[i - 1], (kappa, digits)
    t = d[i - 1] / (d[i - 1] - d[i])
    return float(10.0 ** (log_k[i - 1] + t * (log_k[i] - log_k[i - 1])))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_each_bound_curve_reaches_zero_digits_at_one_over_u(dtype: str) -> None:
    pytest.importorskip("matplotlib")
    import numpy as np

    from pytest_linreg._report_html import plot_figure
    from pytest_linreg.tolerances import unit_roundoff

    rows = _report(_record("float64", 9.0, True), _record("float32", 2.0, False, kappa=3e19))
    fig = plot_figure(rows["rows"])
    ax = fig.axes[0]
    (curve,) = [line for line in ax.get_lines()
                if line.get_label().startswith(f"{dtype} attainable")]
    kappa, digits = (np.asarray(v, float) for v in curve.get_data())
    u = unit_roundoff(dtype)
    assert _crossing(kappa, digits) * u == pytest.approx(1.0, rel=0.03)
    # -log10(u·κ) before the crossing, 0 after it, over the whole (logarithmic) axis.
    assert ax.get_xscale() == "log"
    lo, hi = ax.get_xlim()
    assert kappa.min() <= lo * 1.001 and kappa.max() >= hi * 0.999 and hi > 3e19
    for k in (10.0, 1e5, 0.3 / u, 3.0 / u, 1e18):
        expected = max(0.0, -np.log10(u * k))
        shown = np.interp(np.log10(k), np.log10(kappa), digits)
        assert shown == pytest.approx(expected, abs=1e-6)


def test_limit_curves_cross_zero_at_one_over_u_for_any_axis_range() -> None:
    from pytest_linreg._report_html import limit_curves

    for lo, hi in ((1.0, 1e17), (0.5, 1e30), (1e3, 1e20)):
        curves = limit_curves(lo, hi)
        assert _crossing(*curves["float32"]) == pytest.approx(2.0**24, rel=0.03)
        assert _crossing(*curves["float64"]) == pytest.approx(2.0**53, rel=0.03)
        assert all(k[0] == lo and k[-1] == hi and min(d) == 0.0 for k, d in curves.values())


# ---- labels go to matplotlib as text, never mathtext (issue 11, item 2) ----------------------


@pytest.mark.parametrize("fitter", ["sklearn:$x$", "hook:My$x^$Fit", r"hook:a$\foo$b"])
def test_dollar_signs_in_fitter_names_are_drawn_literally(fitter: str) -> None:
    pytest.importorskip("matplotlib")
    report = _report(_record("float64", 9.0, True, fitter=fitter),
                     _record("float32", 2.0, False, fitter="pair"))
    page = render_html(report)  # raised ValueError from mathtext for the last two names
    assert "2 of 2 checks plotted" in page

    from matplotlib.cbook import is_math_text

    from pytest_linreg._report_html import plot_figure

    fig = plot_figure(report["rows"])
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    name = fitter.partition(":")[2]
    shown = [t for t in texts if t.replace(r"\$", "$") == name]
    assert len(shown) == 1 and not is_math_text(shown[0])


def test_a_users_usetex_setting_does_not_reach_the_report() -> None:
    mpl = pytest.importorskip("matplotlib")
    report = _report(_record("float64", 9.0, True, fitter="hook:100%_$x$ & #1"))
    with mpl.rc_context({"text.usetex": True}):
        page = render_html(report)  # would need LaTeX, and choke on % _ & #
    assert 'src="data:image/png;base64,' in page


# ---- the table: failures first, plain legend, no -0.0 (issue 11, items 4 and 5) ---------------


COLUMNS = ("test", "check", "dataset", "κ", "dtype", "device", "digits", "required", "verdict",
           "fitter", "note")


class _Rows(HTMLParser):
    """The table body's rows: (class, {column: text}, columns holding a <details>)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, dict[str, str], set[str]]] = []
        self._in_body = False
        self._in_table = False
        self._cell: str | None = None
        self._n = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._in_table = a.get("class") == "checks"
        elif tag == "tbody" and self._in_table:
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append((a.get("class") or "", {}, set()))
            self._n = 0
        elif self._in_body and tag == "td":
            self._cell = COLUMNS[self._n]
            self._n += 1
            self.rows[-1][1][self._cell] = ""
        elif self._in_body and tag == "details" and self._cell:
            self.rows[-1][2].add(self._cell)

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self.rows[-1][1][self._cell] += data


def _parsed_rows(page: str) -> list[tuple[str, dict[str, str], set[str]]]:
    parser = _Rows()
    parser.feed(page)
    return parser.rows


def _check(verdict: str, note: str, test_digits: float = 9.0) -> CheckRecord:
    return CheckRecord(check="coefficients", dataset="Longley", condition_number=1e8,
                       dtype="float64", device="cpu", digits_achieved=test_digits,
                       digits_required=7.0, rtol=1e-7, passed=verdict == "pass",
                       fitter="sklearn:LinearRegression", note=note,
                       extra={"skipped": True} if verdict == "skip" else {})


def test_table_lists_failures_first_then_not_checkable_then_passes() -> None:
    long_note = "coefficients checked at rtol=1e-07 (default); " + "details " * 20
    rows = rows_from_records("t.py::test_fit[Longley]", [
        _check("pass", long_note),
        _check("fail", "coefficient x1 differs: 3 digits where 7 are required\n"
               "  expected 1.0, got 1.001\n  hint: check the solver"),
        _check("skip", "not checkable: derived prediction rtol 3.5e+02 in float32"),
        _check("pass", "short note"),
        _check("fail", "intercept differs", test_digits=-0.04),
    ])
    rows[3]["verdict"] = "xfail"  # expected by the test: after the not checkable ones
    rows[3]["passed"] = False
    report = build_report(rows, settings={}, environment={})
    page = render_html(report, with_plot=False)
    parsed = _parsed_rows(page)
    assert [cls for cls, _, _ in parsed] == ["fail", "fail", "skip", "xfail", "pass"]
    # Each failure shows its note's first line as its reason, the rest folded.
    first, second = parsed[0], parsed[1]
    assert first[1]["note"].startswith("coefficient x1 differs: 3 digits where 7 are required")
    assert "note" in first[2] and "expected 1.0, got 1.001" in first[1]["note"]
    assert second[1]["note"] == "intercept differs" and not second[2]
    assert [cells["verdict"] for _, cells, _ in parsed][2] == "not checkable"
    # The passing row's long note is folded behind a <details>.
    assert parsed[4][2] == {"note"} and "details details" in parsed[4][1]["note"]
    # No negative zero: -0.04 digits read 0.0.
    assert second[1]["digits"] == "0.0" and "-0.0" not in page
    # One check, one test: singular.
    single = render_html(build_report(rows[:1], settings={}, environment={}), with_plot=False)
    assert "<span>1 check</span>" in single and "<span>1 test</span>" in single


@pytest.mark.parametrize(("fitter", "name"), [
    ("sklearn:LinearRegression", "LinearRegression"),
    ("statsmodels:OLS (constant column of 1)", "OLS"),
    ("keras:Dense", "Dense"),
    ("torch:Linear", "Linear"),
    ("hook:MyRidge", "MyRidge"),
    ("pair", "pair"),
    ("array", "array"),
])
def test_legend_names_the_fitter_plainly(fitter: str, name: str) -> None:
    pytest.importorskip("matplotlib")
    from pytest_linreg._report_html import plot_figure

    report = _report(_record("float64", 9.0, True, fitter=fitter),
                     _record("float32", 2.0, False, fitter=fitter))
    texts = [t.get_text() for t in plot_figure(report["rows"]).axes[0].get_legend().get_texts()]
    assert name in texts
    assert [t for t in texts if not t.startswith(("float32 ", "float64 "))] == [name]


# ---- totals per test, tests that died, and the datasets × fitters matrix (issue 11) -----------


class _Matrix(HTMLParser):
    """The matrix table: header cells (text, colspan) per header row, and per body row the
    cells as (class, [text pieces])."""

    def __init__(self) -> None:
        super().__init__()
        self.head: list[list[tuple[str, int]]] = []
        self.body: list[list[tuple[str, list[str]]]] = []
        self.titles: list[str] = []
        self._in = False
        self._part: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._in = a.get("class") == "matrix"
        elif not self._in:
            return
        elif tag in ("thead", "tbody"):
            self._part = tag
        elif tag == "tr":
            (self.head if self._part == "thead" else self.body).append([])
        elif tag == "th":
            self.head[-1].append(("", int(a.get("colspan") or 1)))
            self._cell = []
        elif tag == "td":
            self.body[-1].append((a.get("class") or "", []))
            self._cell = self.body[-1][-1][1]
            self.titles.append(a.get("title") or "")
        elif tag == "span" and self._cell is not None:
            self._cell.append("")  # the count starts a new piece

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in = False
        elif tag == "th" and self._in and self._cell is not None:
            _, span = self.head[-1][-1]
            self.head[-1][-1] = ("".join(self._cell), span)
            self._cell = None
        elif tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            if self._cell:
                self._cell[-1] += data
            else:
                self._cell.append(data)


def _cell(dataset: str, fitter: str | None, dtype: str, digits: float | None,
          required: float | None = 7.0, kappa: float | None = 1e3) -> CheckRecord:
    return CheckRecord(check="coefficients", dataset=dataset, condition_number=kappa,
                       dtype=dtype, device="cpu", digits_achieved=digits,
                       digits_required=required, rtol=None, passed=digits is not None
                       and required is not None and digits >= required, fitter=fitter)


def test_matrix_shows_the_fewest_digits_per_dataset_fitter_and_dtype() -> None:
    records = [
        _cell("Norris", "sklearn:LinearRegression", "float64", 12.0, kappa=4.4),
        _cell("Norris", "sklearn:LinearRegression", "float64", 9.0, kappa=4.4),
        _cell("Norris", "keras:Dense", "float32", 5.0, kappa=4.4),
        # Fewest digits 7.0 meet their 6 required, but 7.5 miss their 8: red.
        _cell("Norris", "keras:Dense", "float64", 7.5, required=8.0, kappa=4.4),
        _cell("Norris", "keras:Dense", "float64", 7.0, required=6.0, kappa=4.4),
        _cell("Longley", "keras:Dense", "float32", 6.5, kappa=2.3e7),
        _cell("Longley", "sklearn:LinearRegression", "float64", None, kappa=2.3e7),
        _cell("A<b>&", "<script>", "float64", 8.0, kappa=None),
        _cell("Longley", None, "float64", 10.0, kappa=2.3e7),
    ]
    report = build_report(rows_from_records("t.py::test_fit", records), settings={},
                          environment={})
    page = render_html(report, with_plot=False)
    assert "<script>" not in page and "A<b>" not in page
    matrix = _Matrix()
    matrix.feed(page)
    fitters = matrix.head[0][2:]
    assert fitters == [("<script>", 1), ("keras:Dense", 2), ("sklearn:LinearRegression", 1),
                       ("–", 1)]
    assert [text for text, _ in matrix.head[1]] == ["float64", "float32", "float64", "float64",
                                                    "float64"]
    # Datasets by condition number, best conditioned first; unknown kappa last.
    cells = {row[0][1][0]: [(cls, pieces) for cls, pieces in row[2:]] for row in matrix.body}
    assert list(cells) == ["Norris", "Longley", "A<b>&"]
    assert [row[1][1][0] for row in matrix.body] == ["4.4e+00", "2.3e+07", "–"]
    assert cells["Norris"] == [("empty", []), ("cell below", ["5.0", "1 check"]),
                               ("cell below", ["7.0", "2 checks"]),
                               ("cell met", ["9.0", "2 checks"]), ("empty", [])]
    assert cells["Longley"] == [("empty", []), ("cell below", ["6.5", "1 check"]), ("empty", []),
                                ("cell unscored", ["–", "1 check"]),
                                ("cell met", ["10.0", "1 check"])]
    assert cells["A<b>&"][0] == ("cell met", ["8.0", "1 check"])
    assert any("7.5 where 8.0 were required" in t for t in matrix.titles)


def test_no_matrix_without_datasets() -> None:
    rows = rows_from_records("t.py::x", [_cell("", "numpy", "float64", 9.0)])
    page = render_html(build_report(rows, settings={}, environment={}), with_plot=False)
    assert 'class="matrix"' not in page and "Datasets × fitters" not in page


def _chips(page: str) -> dict[str, list[tuple[str, str]]]:
    """Each header line of chips by its id: [(class, text), ...]."""
    lines = re.findall(r'<p class="chips" id="([\w-]+)">(.*?)</p>', page)
    return {ident: re.findall(r'<span(?: class="(\w+)")?>([^<]*)</span>', body)
            for ident, body in lines}


def test_header_gives_pytests_counts_per_test_then_the_checks() -> None:
    rows = rows_from_records("t.py::test_fit[a]", [_record("float64", 9.0, True)])
    tests = [{"test": "t.py::test_fit[a]", "outcome": "failed", "outcomes": ["failed"],
              "checks": 1, "note": "[XPASS(strict)] said to fail"},
             {"test": "t.py::test_died", "outcome": "crashed", "outcomes": ["crashed"],
              "checks": 0, "note": "worker 'gw0' crashed while running 't.py::test_died'"},
             {"test": "t.py::test_x", "outcome": "xfailed", "outcomes": ["xfailed"],
              "checks": 0, "note": "ValueError: <x>"}]
    page = render_html(build_report(rows, tests=tests, settings={}, environment={}),
                       with_plot=False)
    assert _chips(page) == {
        "test-totals": [("", "3 tests"), ("fail", "1 failed"), ("fail", "1 crashed"),
                        ("", "1 xfailed")],
        "check-totals": [("", "1 check"), ("pass", "1 pass")],
    }
    parsed = _parsed_rows(page)
    assert [(cls, cells["test"], cells["verdict"]) for cls, cells, _ in parsed] == [
        ("fail", "t.py::test_died", "crashed"), ("fail", "t.py::test_fit[a]", "failed"),
        ("pass", "t.py::test_fit[a]", "pass")]
    assert parsed[0][1]["note"] == "worker 'gw0' crashed while running 't.py::test_died'"
    assert parsed[1][1]["note"] == "[XPASS(strict)] said to fail"
    assert parsed[0][1]["check"] == "–"


def test_a_version_1_report_still_renders_its_check_totals() -> None:
    rows = rows_from_records("t.py::x", [_record("float64", 9.0, True)])
    report = build_report(rows, settings={}, environment={})
    old = dict(report, version=1, summary={"checks": 1, "passed": 1, "failed": 0, "xfail": 0,
                                           "skip": 0, "tests": 1})
    del old["tests"]
    page = render_html(old, with_plot=False)
    assert _chips(page) == {"test-totals": [("", "1 test"), ("pass", "1 passed")],
                            "check-totals": [("", "1 check"), ("pass", "1 pass")]}
