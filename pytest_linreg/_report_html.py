"""The HTML report: one self-contained page with the plot of digits against conditioning.

The page has inline CSS and, when matplotlib is installed (the ``report`` extra), the plot as
a base64 PNG, so it can be mailed or attached to a CI run as one file. Without matplotlib the
page keeps the tables and says how to get the plot.

The header gives the totals per test as pytest counts them (``12 tests: 9 passed, 2 failed, 1
xfailed``), then the checks and their verdicts. The matrix shows datasets against fitters and
dtypes, each cell the fewest digits its checks achieved (red: a check achieved fewer than it
required; green: every one achieved at least that) and how many checks it holds. The table
lists the failures first: the tests that failed, errored or crashed without a failing check
(the first line of their error as the note), then the failing checks, each with the first line
of its note as the reason, then the checks the data made impossible ("not checkable"), then
the expected failures and the passes; long notes are folded.

The plot shows what the data allow: a backward-stable least-squares solver loses about
``log10(kappa)`` of the ``-log10(u)`` digits its working precision ``u`` carries, so the
attainable digits are roughly ``-log10(u * kappa)``, clipped at 0 (Higham, *Accuracy and
Stability of Numerical Algorithms*, 2nd ed., 2002, sec. 20.1; the kappa^2 term of the
least-squares bound adds to this for large residuals). The condition number axis is
logarithmic, so that curve is straight down to ``kappa = 1/u``, where it reaches 0 digits, and
flat at 0 beyond; it is drawn for float32 and float64 over the whole axis. The bound is a worst
case, so points may lie above their dtype's curve; points far below it point at the solver or
optimiser, points near it at the data.

Every name taken from the rows is given to matplotlib with its ``$`` escaped, and TeX is off,
so a fitter named ``My$x$Fit`` is shown with its dollar signs, not parsed as mathtext (or
refused by it).
"""

from __future__ import annotations

import base64
import html
import importlib
import io
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._report_json import (
    FAILING_OUTCOMES,
    derive_tests,
    failed_test_rows,
    summarise,
    summary_parts,
)
from .tolerances import unit_roundoff

__all__ = ["INSTALL_HINT", "format_number", "limit_curves", "matrix_html", "ordered_rows",
           "plot_figure", "plot_png", "render_html"]

INSTALL_HINT = "pip install pytest-linreg[report]"

# Fixed colours per dtype so that a dtype keeps its colour across reports.
_DTYPE_COLOURS = {
    "float64": "#1f77b4",
    "float32": "#d62728",
    "float16": "#2ca02c",
    "bfloat16": "#9467bd",
}
_OTHER_COLOUR = "#7f7f7f"
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<", ">")
_LIMIT_DTYPES = ("float32", "float64")
# The plot's condition number axis: from half a decade below kappa = 1 (orthogonal designs sit
# off the frame) to at least 1e17, past float64's 1/u = 9.0e15.
_KAPPA_LO = 10.0 ** -0.3
_KAPPA_HI_MIN = 1e17
# Rows in the order of the table: what needs attention first.
# A user's text.usetex would send every text (test ids, fitter names) to LaTeX.
_RC = {"text.usetex": False}
# Tests that failed without a failing check (verdict: their outcome) come first.
_VERDICT_ORDER = {"crashed": 0, "error": 0, "failed": 0, "fail": 1, "skip": 2, "xfail": 3,
                  "pass": 4}
# Header chips' colours by outcome or verdict.
_CHIP_CLASS = {"passed": "pass", "pass": "pass", "failed": "fail", "error": "fail",
               "crashed": "fail", "fail": "fail"}
# A passing row's note longer than this (or of several lines) is folded.
_SHORT_NOTE = 80

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;
color:#1b1f24;background:#fff;max-width:1400px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
.meta{color:#57606a;margin:0 0 12px}
.chips span{display:inline-block;padding:2px 10px;margin-right:6px;border-radius:12px;
background:#eef1f4;font-weight:600}
.chips .pass{background:#dafbe1;color:#116329}.chips .fail{background:#ffebe9;color:#a40e26}
figure{margin:8px 0}figure img{max-width:100%;height:auto;border:1px solid #d0d7de}
figcaption{color:#57606a;font-size:13px;max-width:900px}
.hint{padding:8px 12px;background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;
display:inline-block}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{padding:3px 8px;border-bottom:1px solid #d8dee4;text-align:left;vertical-align:top}
th{background:#f6f8fa;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.test{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;
overflow-wrap:anywhere;min-width:16em;max-width:30em}
td.note{min-width:12em;max-width:28em;font-size:12px;color:#424a53}
td.note .reason{color:#1b1f24;font-weight:600}
td.note summary{cursor:pointer}
td.note .full{white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0 0}
tr.fail td{background:#fff5f5}tr.fail td.verdict{color:#a40e26;font-weight:700}
td.verdict{color:#116329;font-weight:600}
tr.skip td{background:#f6f8fa}tr.skip td.verdict{color:#57606a}
tr.xfail td{background:#fbf8ef}tr.xfail td.verdict{color:#7d4e00}
table.matrix{width:auto;margin:4px 0 8px}
table.matrix th,table.matrix td{border:1px solid #d8dee4;text-align:center}
table.matrix th.dataset,table.matrix td.dataset{text-align:left}
table.matrix td.cell{font-variant-numeric:tabular-nums;min-width:4.5em;font-weight:600}
table.matrix td.cell .n{display:block;font-weight:400;font-size:11px;color:#57606a}
table.matrix td.met{background:#dafbe1;color:#116329}
table.matrix td.below{background:#ffebe9;color:#a40e26}
table.matrix td.unscored{background:#f6f8fa;color:#57606a}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:13px}
dt{color:#57606a}dd{margin:0;font-family:ui-monospace,Menlo,monospace;word-break:break-all}
"""


def format_number(value: float, spec: str) -> str:
    """``format(value, spec)`` without the sign of a value that rounds to zero.

    >>> format_number(-0.04, ".1f"), format_number(-0.0, ".1e"), format_number(-0.6, ".1f")
    ('0.0', '0.0e+00', '-0.6')
    """
    text = format(value, spec)
    if text.startswith("-") and float(text) == 0.0:
        text = format(abs(value), spec)
    return text


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _load_matplotlib() -> tuple[Any, Any, Any] | None:
    """Return (matplotlib, Figure, FigureCanvasAgg) or None when matplotlib is not installed.

    The Agg canvas is attached explicitly instead of going through pyplot, so making a report
    never changes the user's global matplotlib backend or leaves figures open.
    """
    try:
        mpl = importlib.import_module("matplotlib")
        figure = importlib.import_module("matplotlib.figure")
        agg = importlib.import_module("matplotlib.backends.backend_agg")
    except ImportError:
        return None
    return mpl, figure.Figure, agg.FigureCanvasAgg


def _plottable(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    out = []
    for row in rows:
        kappa, digits = row.get("condition_number"), row.get("digits_achieved")
        if isinstance(kappa, (int, float)) and isinstance(digits, (int, float)):
            if kappa >= 1.0 and math.isfinite(kappa) and math.isfinite(digits):
                out.append(row)
    return out


def limit_curves(kappa_lo: float, kappa_hi: float) -> dict[str, tuple[Any, Any]]:
    """Per dtype (float32, float64): condition numbers and the digits attainable at them.

    Digits attainable = ``-log10(u * kappa)`` clipped at 0, and at ``-log10(u)`` for
    ``kappa < 1`` (no design is better conditioned than an orthogonal one). The curve is
    piecewise linear in ``log10(kappa)``; its knots (``kappa_lo``, 1, ``1/u``, ``kappa_hi``, the
    inner two where they fall inside) make it exact on a logarithmic axis.

    >>> kappa, digits = limit_curves(1.0, 1e17)["float32"]
    >>> [f"{k:.3g}" for k in kappa], [f"{d:.2f}" for d in digits]
    (['1', '1.68e+07', '1e+17'], ['7.22', '0.00', '0.00'])
    """
    curves = {}
    for dtype in _LIMIT_DTYPES:
        u = unit_roundoff(dtype)
        inner = [k for k in (1.0, 1.0 / u) if kappa_lo < k < kappa_hi]
        knots = sorted({kappa_lo, kappa_hi, *inner})
        kappa = np.array(knots)
        digits = np.clip(-np.log10(u * np.maximum(kappa, 1.0)), 0.0, None)
        curves[dtype] = (kappa, digits)
    return curves


def _fitter_name(row: Mapping[str, Any]) -> str:
    """The legend's name of what produced a row: the model's class name, or the input kind.

    ``sklearn:LinearRegression`` -> ``LinearRegression``, ``statsmodels:OLS (constant column
    of 1)`` -> ``OLS``, ``pair`` -> ``pair``; a row without a fitter is named by its check.
    """
    fitter = str(row.get("fitter") or "")
    name = fitter.partition(" (")[0].rpartition(":")[2].strip()
    return name or fitter.strip() or str(row.get("check") or "?")


def _draw_limits(ax: Any, kappa_lo: float, kappa_hi: float) -> None:
    for dtype, (kappa, digits) in limit_curves(kappa_lo, kappa_hi).items():
        colour = _DTYPE_COLOURS[dtype]
        ax.plot(kappa, digits, color=colour, lw=1.2, ls="--", alpha=0.8,
                label=f"{dtype} attainable  −log10(u·κ)")
        top = -math.log10(unit_roundoff(dtype))
        ax.axhline(top, color=colour, lw=0.9, ls=":", alpha=0.8,
                   label=f"{dtype} precision  −log10(u) = {top:.1f}")


def _literal(text: str) -> str:
    """``text`` escaped for a matplotlib label, so that it is drawn as it is.

    matplotlib reads a text with an even number of unescaped ``$`` as mathtext (and raises on
    one it cannot parse, like ``a$x^$b``); an escaped ``\\$`` is drawn as ``$``. Outside ``$``
    no other character is special, and TeX is off while the figure is drawn.
    """
    return text.replace("$", r"\$")


def _draw_points(ax: Any, line_cls: Any, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Scatter the rows: markers by fitter, colours by dtype; filled passed, hollow failed.

    Returns the legend handles: one plain entry per fitter (a grey marker) and one per dtype
    without a bound curve (its colour); the curves name float32's and float64's colours.
    """
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault((_fitter_name(row), str(row.get("dtype") or "?")), []).append(row)
    fitters = sorted({f for f, _ in groups})
    for (fitter, dtype), members in sorted(groups.items()):
        colour = _DTYPE_COLOURS.get(dtype, _OTHER_COLOUR)
        marker = _MARKERS[fitters.index(fitter) % len(_MARKERS)]
        x = np.array([float(r["condition_number"]) for r in members])
        y = np.array([float(r["digits_achieved"]) for r in members])
        ok = np.array([bool(r.get("passed")) for r in members])
        # Filled markers passed, hollow ones failed: readable without relying on colour alone.
        if ok.any():
            ax.scatter(x[ok], y[ok], s=46, marker=marker, color=colour, edgecolors="black",
                       linewidths=0.4, zorder=3)
        if (~ok).any():
            ax.scatter(x[~ok], y[~ok], s=46, marker=marker, facecolors="none",
                       edgecolors=colour, linewidths=1.4, zorder=3)
    handles = [line_cls([], [], ls="none", marker=_MARKERS[i % len(_MARKERS)], markersize=7,
                        color="#9aa0a6", markeredgecolor="black", markeredgewidth=0.4,
                        label=_literal(fitter))
               for i, fitter in enumerate(fitters)]
    handles += [line_cls([], [], ls="none", marker="o", markersize=7,
                         color=_DTYPE_COLOURS.get(dtype, _OTHER_COLOUR), label=_literal(dtype))
                for dtype in sorted({d for _, d in groups} - set(_LIMIT_DTYPES))]
    return handles


def _required_levels(rows: Sequence[Mapping[str, Any]]) -> list[float]:
    """The (at most three) most common required-digits levels, at least one digit apart.

    Derived tolerances give many nearby levels; drawing each would bury the points, and the
    table has every row's value anyway.
    """
    counts = Counter(round(float(r["digits_required"]), 1) for r in rows
                     if isinstance(r.get("digits_required"), (int, float)))
    kept: list[float] = []
    for level, _ in counts.most_common():
        if len(kept) < 3 and all(abs(level - k) >= 1.0 for k in kept):
            kept.append(level)
    return sorted(kept)


def plot_figure(rows: Sequence[Mapping[str, Any]]) -> Any | None:
    """The matplotlib ``Figure`` of digits achieved against the condition number, or ``None``.

    ``None`` when matplotlib is not installed. Rows without a finite condition number or
    digits value are left out (they stay in the table). The figure has an Agg canvas and is
    not known to pyplot; fitter and dtype names are drawn literally (no mathtext, no TeX).
    """
    mpl = _load_matplotlib()
    if mpl is None:
        return None
    matplotlib, figure_cls, canvas_cls = mpl
    line_cls = importlib.import_module("matplotlib.lines").Line2D
    with matplotlib.rc_context(_RC):
        return _make_figure(figure_cls, canvas_cls, line_cls, _plottable(rows))


def _make_figure(figure_cls: Any, canvas_cls: Any, line_cls: Any,
                 points: list[Mapping[str, Any]]) -> Any:
    kappa_hi = max([_KAPPA_HI_MIN, *(float(r["condition_number"]) * 10.0**0.5 for r in points)])
    y_max = max([17.0, *(float(r["digits_achieved"]) + 0.5 for r in points)])
    # Below 0 so that points with no correct digit stay visible (LRE can be negative when a
    # value is off by more than its own magnitude).
    y_min = min([-0.5, *(float(r["digits_achieved"]) - 0.5 for r in points)])

    fig = figure_cls(figsize=(9.0, 5.6), layout="constrained")
    canvas_cls(fig)
    ax = fig.add_subplot()
    ax.set_xscale("log")
    _draw_limits(ax, _KAPPA_LO, kappa_hi)
    for level in _required_levels(points):
        ax.axhline(level, color="black", lw=0.8, alpha=0.5)
        ax.annotate(f"required {level:.1f}", (kappa_hi, level), xytext=(-4, -10),
                    textcoords="offset points", ha="right", fontsize=8, alpha=0.7)
    proxies = _draw_points(ax, line_cls, points)
    ax.set_xlim(_KAPPA_LO, kappa_hi)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("condition number κ of the design (log scale)")
    ax.set_ylabel("digits achieved (min LRE over coefficients)")
    ax.set_title("Digits achieved against conditioning (hollow markers: failed checks)")
    ax.grid(True, alpha=0.3)
    handles = [*ax.get_legend_handles_labels()[0], *proxies]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8,
              frameon=False)
    return fig


def plot_png(rows: Sequence[Mapping[str, Any]], *, dpi: int = 110) -> bytes | None:
    """Render :func:`plot_figure` as PNG bytes; ``None`` when matplotlib is not installed."""
    fig = plot_figure(rows)
    if fig is None:
        return None
    mpl = _load_matplotlib()
    assert mpl is not None
    buf = io.BytesIO()
    with mpl[0].rc_context(_RC):
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _num(value: Any, spec: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–"
    return format_number(value, spec)


def _verdict(row: Mapping[str, Any]) -> str:
    return str(row.get("verdict") or ("pass" if row.get("passed") else "fail"))


def ordered_rows(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The table's order: failures, not checkable, expected failures, passes (each kept in order).

    >>> [r["verdict"] for r in ordered_rows([{"verdict": v} for v in ("pass", "skip", "fail")])]
    ['fail', 'skip', 'pass']
    """
    return sorted(rows, key=lambda r: _VERDICT_ORDER.get(_verdict(r), len(_VERDICT_ORDER)))


def _row_class(verdict: str) -> str:
    """A row's CSS class: its verdict, ``fail`` for a test that failed without a failing check."""
    return "fail" if verdict in FAILING_OUTCOMES else verdict


def _note_html(note: str, verdict: str) -> str:
    """A failure's (or skip's) reason: the note's first line in bold, the rest folded.

    A passing row's note shows as it is when short, else folded behind its first line.
    """
    e = html.escape
    note = note.strip()
    if not note:
        return ""
    first, _, rest = note.partition("\n")
    if verdict != "pass":
        more = (f'<details><summary>full note</summary><div class="full">{e(note)}</div>'
                "</details>") if rest.strip() else ""
        return f'<span class="reason">{e(first)}</span>{more}'
    if not rest.strip() and len(note) <= _SHORT_NOTE:
        return e(note)
    head = first if len(first) <= _SHORT_NOTE else first[: _SHORT_NOTE - 1].rstrip() + "…"
    return f'<details><summary>{e(head)}</summary><div class="full">{e(note)}</div></details>'


def _row_html(row: Mapping[str, Any]) -> str:
    e = html.escape
    cls = _verdict(row)
    cells = [
        f'<td class="test">{e(str(row.get("test", "")))}</td>',
        f"<td>{e(str(row.get('check') or '–'))}</td>",
        f"<td>{e(str(row.get('dataset') or '–'))}</td>",
        f'<td class="num">{_num(row.get("condition_number"), ".2e")}</td>',
        f"<td>{e(str(row.get('dtype') or '–'))}</td>",
        f"<td>{e(str(row.get('device') or '–'))}</td>",
        f'<td class="num">{_num(row.get("digits_achieved"), ".1f")}</td>',
        f'<td class="num">{_num(row.get("digits_required"), ".1f")}</td>',
        f'<td class="verdict">{e("not checkable" if cls == "skip" else cls)}</td>',
        # "sklearn:LinearRegression" may wrap after its colon, nowhere else.
        f'<td class="fitter">{e(str(row.get("fitter") or "–")).replace(":", ":<wbr>")}</td>',
        f'<td class="note">{_note_html(str(row.get("note") or ""), cls)}</td>',
    ]
    return f'<tr class="{e(_row_class(cls))}">' + "".join(cells) + "</tr>"


def _table_html(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "<p>No linreg checks ran in this session.</p>"
    heads = ["test", "check", "dataset", "κ", "dtype", "device", "digits", "required",
             "verdict", "fitter", "note"]
    head = "".join(f"<th>{h}</th>" for h in heads)
    body = "\n".join(_row_html(r) for r in ordered_rows(rows))
    return (f'<table class="checks">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n'
            "</tbody>\n</table>")


def _plot_html(rows: Sequence[Mapping[str, Any]], png: bytes | None) -> str:
    if png is None:
        return (f'<p class="hint">The plot of digits against condition number needs matplotlib: '
                f"<code>{INSTALL_HINT}</code></p>")
    shown = len(_plottable(rows))
    data = base64.b64encode(png).decode("ascii")
    missing = "" if shown == len(rows) else " (the others have no condition number or digits)"
    caption = (f"{shown} of {_plural(len(rows), 'check')} plotted{missing}. Markers: the "
               "fitter; colours: the dtype. Dashed: −log10(u·κ) clipped at 0, the digits a "
               "backward-stable solver in that dtype is sure to keep (a worst-case bound: points "
               "may lie above it, far below it points at the solver or optimiser); it reaches 0 "
               "at κ = 1/u (1.7e7 in float32, 9.0e15 in float64). Dotted: the dtype's own "
               "precision −log10(u).")
    return (f'<figure><img alt="digits achieved against the condition number" '
            f'src="data:image/png;base64,{data}"><figcaption>{caption}</figcaption></figure>')


def _dl_html(mapping: Mapping[str, Any]) -> str:
    items = "".join(f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>"
                    for k, v in mapping.items())
    return f"<dl>{items}</dl>"


def _chips_html(parts: list[tuple[str, str]], ident: str) -> str:
    """One line of header chips: the count, then each non-zero outcome or verdict."""
    spans = "".join(
        f'<span class="{_CHIP_CLASS[kind]}">{html.escape(text)}</span>' if kind in _CHIP_CLASS
        else f"<span>{html.escape(text)}</span>" for text, kind in parts)
    return f'<p class="chips" id="{ident}">{spans}</p>'


def _totals_html(summary: Mapping[str, Any]) -> str:
    tests, checks = summary_parts(summary)
    lines = [_chips_html(tests, "test-totals")] if tests else []
    return "\n".join([*lines, _chips_html(checks, "check-totals")])


# --------------------------------------------------------------------------- the matrix


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _cell_html(members: Sequence[Mapping[str, Any]]) -> str:
    """A matrix cell: the fewest digits achieved over its checks, coloured against the digits
    they required, and how many checks it holds."""
    e = html.escape
    digits = [d for r in members if (d := _number(r.get("digits_achieved"))) is not None]
    margins = [(d - q, d, q) for r in members
               if (d := _number(r.get("digits_achieved"))) is not None
               and (q := _number(r.get("digits_required"))) is not None]
    count = _plural(len(members), "check")
    if not digits:
        return (f'<td class="cell unscored" title="{e(count)}, no digits computed">–'
                f'<span class="n">{e(count)}</span></td>')
    fewest = min(digits)
    if margins:
        _, achieved, required = min(margins)
        status = "below" if achieved < required else "met"
        title = (f"fewest digits {format_number(fewest, '.1f')} over {count}; worst against "
                 f"its requirement: {format_number(achieved, '.1f')} where "
                 f"{format_number(required, '.1f')} {'were' if required != 1 else 'was'} "
                 "required")
    else:
        status, title = "unscored", f"fewest digits {format_number(fewest, '.1f')} over {count}"
    return (f'<td class="cell {status}" title="{e(title)}">{format_number(fewest, ".1f")}'
            f'<span class="n">{e(count)}</span></td>')


def matrix_html(rows: Sequence[Mapping[str, Any]]) -> str:
    """A table of datasets (rows, easiest first) against fitters and their dtypes (columns).

    Each cell holds the checks of one dataset, fitter and dtype: the fewest digits achieved
    among them and how many there are. It is red when a check achieved fewer digits than it
    required, green when every check achieved at least as many, grey when no digits were
    computed (not checkable, or exact: JSON has no infinity). Rows without a dataset are left
    out; a missing fitter or dtype reads ``–``. Every name is escaped. Empty string when no
    row names a dataset.
    """
    e = html.escape
    cells: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    kappas: dict[str, list[float]] = {}
    for row in rows:
        if not row.get("dataset"):
            continue
        dataset = str(row["dataset"])
        key = (dataset, str(row.get("fitter") or "–"), str(row.get("dtype") or "–"))
        cells.setdefault(key, []).append(row)
        kappa = _number(row.get("condition_number"))
        kappas.setdefault(dataset, [])
        if kappa is not None:
            kappas[dataset].append(kappa)
    if not cells:
        return ""
    datasets = sorted(kappas, key=lambda d: (min(kappas[d], default=math.inf), d))
    columns: dict[str, list[str]] = {}
    for _, fitter, dtype in sorted(cells, key=lambda k: (k[1], k[2])):
        if dtype not in columns.setdefault(fitter, []):
            columns[fitter].append(dtype)
    top = "".join(f'<th colspan="{len(dtypes)}">{e(fitter).replace(":", ":<wbr>")}</th>'
                  for fitter, dtypes in columns.items())
    second = "".join(f"<th>{e(dtype)}</th>" for dtypes in columns.values() for dtype in dtypes)
    body = []
    for dataset in datasets:
        kappa = min(kappas[dataset], default=None)
        line = [f'<td class="dataset">{e(dataset)}</td>',
                f'<td class="num">{_num(kappa, ".1e")}</td>']
        for fitter, dtypes in columns.items():
            for dtype in dtypes:
                members = cells.get((dataset, fitter, dtype))
                line.append(_cell_html(members) if members else '<td class="empty"></td>')
        body.append("<tr>" + "".join(line) + "</tr>")
    rows_html = "\n".join(body)
    return ('<table class="matrix">\n<thead>'
            f'<tr><th class="dataset" rowspan="2">dataset</th><th rowspan="2">κ</th>{top}</tr>'
            f"<tr>{second}</tr></thead>\n<tbody>\n{rows_html}\n</tbody>\n</table>")


def _matrix_section(rows: Sequence[Mapping[str, Any]]) -> str:
    table = matrix_html(rows)
    if not table:
        return ""
    return f"""<h2>Datasets × fitters</h2>
<p class="meta">Each cell: the fewest digits achieved by the checks of that dataset, fitter and
dtype, and how many checks it holds; red when a check achieved fewer digits than it required,
green when every check achieved at least as many, grey when no digits were computed. Datasets
by condition number κ, best conditioned first.</p>
{table}"""


def render_html(report: Mapping[str, Any], *, with_plot: bool = True) -> str:
    """Return the whole HTML page for a report object built by ``_report_json.build_report``.

    ``with_plot=False`` leaves the plot out even when matplotlib is installed.
    """
    rows: Sequence[Mapping[str, Any]] = report["rows"]
    # A version-1 report has no "tests" and counted checks only: both come from its rows.
    tests = report.get("tests")
    summary = report["summary"]
    if tests is None:
        tests = derive_tests(rows)
        summary = summarise(tests, rows)
    shown = [*failed_test_rows(tests, rows), *rows]
    env = dict(report["environment"])
    frameworks = env.get("frameworks") or {}
    env["frameworks"] = ", ".join(f"{k} {v}" for k, v in frameworks.items()) or "none found"
    plot = _plot_html(rows, plot_png(rows)) if with_plot and rows else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pytest-linreg report</title><style>{_CSS}</style></head>
<body>
<h1>pytest-linreg report</h1>
<p class="meta">{html.escape(str(report["created"]))} · Python {html.escape(str(env.get("python")))}
 · numpy {html.escape(str(env.get("numpy")))} · pytest {html.escape(str(env.get("pytest")))}
 · schema {html.escape(str(report["schema"]))} v{report["version"]}</p>
{_totals_html(summary)}
{plot}
{_matrix_section(rows)}
<h2>Checks</h2>
<p class="meta">Failures first, each with its reason: tests that failed, errored or crashed
without a failing check, then failing checks; then checks the data made impossible (not
checkable), then the rest. Test totals are pytest's, per test. digits = correct significant
digits (log relative error, McCullough 1998), the minimum over the coefficients; required =
−log10(rtol).</p>
{_table_html(shown)}
<h2>Environment</h2>
{_dl_html(env)}
<h2>Settings</h2>
{_dl_html(report["settings"])}
</body></html>
"""
