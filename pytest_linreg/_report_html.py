"""The HTML report: one self-contained page with the plot of digits against conditioning.

The page has inline CSS and, when matplotlib is installed (the ``report`` extra), the plot as
a base64 PNG, so it can be mailed or attached to a CI run as one file. Without matplotlib the
page keeps the table and says how to get the plot.

The plot shows what the data allow: a backward-stable least-squares solver loses about
``log10(kappa)`` of the ``-log10(u)`` digits its working precision ``u`` carries, so the
attainable digits are roughly ``-log10(u * kappa)`` (Higham, *Accuracy and Stability of
Numerical Algorithms*, 2nd ed., 2002, sec. 20.1; the kappa^2 term of the least-squares bound
adds to this for large residuals). Both lines are drawn for float32 and float64. The bound is a
worst case, so points may lie above their dtype's line; points far below it point at the solver
or optimiser, points near it at the data.
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

from .tolerances import unit_roundoff

__all__ = ["INSTALL_HINT", "plot_png", "render_html"]

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
td.note{min-width:12em;max-width:24em;font-size:12px;color:#424a53}
tr.fail td{background:#fff5f5}tr.fail td.verdict{color:#a40e26;font-weight:700}
td.verdict{color:#116329;font-weight:600}
tr.xfail td{background:#fbf8ef}tr.xfail td.verdict{color:#7d4e00}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:13px}
dt{color:#57606a}dd{margin:0;font-family:ui-monospace,Menlo,monospace;word-break:break-all}
"""


def _load_matplotlib() -> tuple[Any, Any] | None:
    """Return (Figure, FigureCanvasAgg) or None when matplotlib is not installed.

    The Agg canvas is attached explicitly instead of going through pyplot, so making a report
    never changes the user's global matplotlib backend or leaves figures open.
    """
    try:
        figure = importlib.import_module("matplotlib.figure")
        agg = importlib.import_module("matplotlib.backends.backend_agg")
    except ImportError:
        return None
    return figure.Figure, agg.FigureCanvasAgg


def _plottable(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    out = []
    for row in rows:
        kappa, digits = row.get("condition_number"), row.get("digits_achieved")
        if isinstance(kappa, (int, float)) and isinstance(digits, (int, float)):
            if kappa >= 1.0 and math.isfinite(kappa) and math.isfinite(digits):
                out.append(row)
    return out


def _draw_limits(ax: Any, x_max: float) -> None:
    xs = np.array([0.0, x_max])
    for dtype in _LIMIT_DTYPES:
        colour = _DTYPE_COLOURS[dtype]
        top = -math.log10(unit_roundoff(dtype))
        ax.plot(xs, np.clip(top - xs, 0.0, None), color=colour, lw=1.2, ls="--", alpha=0.8,
                label=f"{dtype} bound  −log10(u·κ)")
        ax.axhline(top, color=colour, lw=0.9, ls=":", alpha=0.8,
                   label=f"{dtype} u  ({top:.1f} digits)")


def _draw_points(ax: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in rows:
        key = (str(row.get("fitter") or row.get("check") or "?"), str(row.get("dtype") or "?"))
        groups.setdefault(key, []).append(row)
    fitters = sorted({f for f, _ in groups})
    for (fitter, dtype), members in sorted(groups.items()):
        colour = _DTYPE_COLOURS.get(dtype, _OTHER_COLOUR)
        marker = _MARKERS[fitters.index(fitter) % len(_MARKERS)]
        x = np.log10([float(r["condition_number"]) for r in members])
        y = np.array([float(r["digits_achieved"]) for r in members])
        ok = np.array([bool(r.get("passed")) for r in members])
        label: str | None = f"{fitter} · {dtype}"
        # Filled markers passed, hollow ones failed: readable without relying on colour alone.
        if ok.any():
            ax.scatter(x[ok], y[ok], s=46, marker=marker, color=colour, edgecolors="black",
                       linewidths=0.4, label=label, zorder=3)
            label = None  # one legend entry per (fitter, dtype)
        if (~ok).any():
            ax.scatter(x[~ok], y[~ok], s=46, marker=marker, facecolors="none",
                       edgecolors=colour, linewidths=1.4, label=label, zorder=3)


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


def plot_png(rows: Sequence[Mapping[str, Any]], *, dpi: int = 110) -> bytes | None:
    """Render digits achieved against log10(condition number) as PNG bytes.

    Returns ``None`` when matplotlib is not installed. Rows without a finite condition number
    or digits value are left out of the plot (they stay in the table).
    """
    mpl = _load_matplotlib()
    if mpl is None:
        return None
    figure_cls, canvas_cls = mpl
    points = _plottable(rows)
    x_max = max([17.0, *(math.log10(float(r["condition_number"])) + 0.5 for r in points)])
    y_max = max([17.0, *(float(r["digits_achieved"]) + 0.5 for r in points)])
    # Below 0 so that points with no correct digit stay visible (LRE can be negative when a
    # value is off by more than its own magnitude).
    y_min = min([-0.5, *(float(r["digits_achieved"]) - 0.5 for r in points)])

    fig = figure_cls(figsize=(9.0, 5.6), layout="constrained")
    canvas_cls(fig)
    ax = fig.add_subplot()
    _draw_limits(ax, x_max)
    for level in _required_levels(points):
        ax.axhline(level, color="black", lw=0.8, alpha=0.5)
        ax.annotate(f"required {level:.1f}", (x_max, level), xytext=(-4, -10),
                    textcoords="offset points", ha="right", fontsize=8, alpha=0.7)
    _draw_points(ax, points)
    ax.set_xlim(-0.3, x_max)  # kappa = 1 (orthogonal designs) sits at 0: keep it off the frame
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("log10 condition number κ of the design")
    ax.set_ylabel("digits achieved (min LRE over coefficients)")
    ax.set_title("Digits achieved against conditioning (hollow markers: failed checks)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _num(value: Any, spec: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–"
    return format(value, spec)


def _row_html(row: Mapping[str, Any]) -> str:
    e = html.escape
    cls = str(row.get("verdict") or ("pass" if row.get("passed") else "fail"))
    cells = [
        f'<td class="test">{e(str(row.get("test", "")))}</td>',
        f"<td>{e(str(row.get('check') or '–'))}</td>",
        f"<td>{e(str(row.get('dataset') or '–'))}</td>",
        f'<td class="num">{_num(row.get("condition_number"), ".2e")}</td>',
        f"<td>{e(str(row.get('dtype') or '–'))}</td>",
        f"<td>{e(str(row.get('device') or '–'))}</td>",
        f'<td class="num">{_num(row.get("digits_achieved"), ".1f")}</td>',
        f'<td class="num">{_num(row.get("digits_required"), ".1f")}</td>',
        f'<td class="verdict">{e(str(row.get("verdict", "")))}</td>',
        # "sklearn:LinearRegression" may wrap after its colon, nowhere else.
        f'<td class="fitter">{e(str(row.get("fitter") or "–")).replace(":", ":<wbr>")}</td>',
        f'<td class="note">{e(str(row.get("note") or ""))}</td>',
    ]
    return f'<tr class="{cls}">' + "".join(cells) + "</tr>"


def _table_html(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "<p>No linreg checks ran in this session.</p>"
    heads = ["test", "check", "dataset", "κ", "dtype", "device", "digits", "required",
             "verdict", "fitter", "note"]
    head = "".join(f"<th>{h}</th>" for h in heads)
    body = "\n".join(_row_html(r) for r in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _plot_html(rows: Sequence[Mapping[str, Any]], png: bytes | None) -> str:
    if png is None:
        return (f'<p class="hint">The plot of digits against condition number needs matplotlib: '
                f"<code>{INSTALL_HINT}</code></p>")
    shown = len(_plottable(rows))
    data = base64.b64encode(png).decode("ascii")
    missing = "" if shown == len(rows) else " (the others have no condition number or digits)"
    caption = (f"{shown} of {len(rows)} checks plotted{missing}. Dashed: −log10(u·κ), the "
               "digits a backward-stable solver in that dtype is sure to keep (a worst-case "
               "bound: points may lie above it, far below it points at the solver or optimiser); "
               "dotted: the dtype's own precision −log10(u).")
    return (f'<figure><img alt="digits achieved against log10 condition number" '
            f'src="data:image/png;base64,{data}"><figcaption>{caption}</figcaption></figure>')


def _dl_html(mapping: Mapping[str, Any]) -> str:
    items = "".join(f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>"
                    for k, v in mapping.items())
    return f"<dl>{items}</dl>"


def render_html(report: Mapping[str, Any], *, with_plot: bool = True) -> str:
    """Return the whole HTML page for a report object built by ``_report_json.build_report``.

    ``with_plot=False`` leaves the plot out even when matplotlib is installed.
    """
    rows: Sequence[Mapping[str, Any]] = report["rows"]
    summary = report["summary"]
    env = dict(report["environment"])
    frameworks = env.get("frameworks") or {}
    env["frameworks"] = ", ".join(f"{k} {v}" for k, v in frameworks.items()) or "none found"
    plot = _plot_html(rows, plot_png(rows)) if with_plot and rows else ""
    chips = (f'<span>{summary["checks"]} checks</span><span class="pass">{summary["passed"]} '
             f'passed</span><span class="fail">{summary["failed"]} failed</span>'
             + (f'<span>{summary["xfail"]} xfail</span>' if summary.get("xfail") else "")
             + (f'<span>{summary["skip"]} not checkable</span>' if summary.get("skip") else "")
             + f'<span>{summary["tests"]} tests</span>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pytest-linreg report</title><style>{_CSS}</style></head>
<body>
<h1>pytest-linreg report</h1>
<p class="meta">{html.escape(str(report["created"]))} · Python {html.escape(str(env.get("python")))}
 · numpy {html.escape(str(env.get("numpy")))} · pytest {html.escape(str(env.get("pytest")))}
 · schema {html.escape(str(report["schema"]))} v{report["version"]}</p>
<p class="chips">{chips}</p>
{plot}
<h2>Checks</h2>
<p class="meta">digits = correct significant digits (log relative error, McCullough 1998), the
minimum over the coefficients; required = −log10(rtol).</p>
{_table_html(rows)}
<h2>Environment</h2>
{_dl_html(env)}
<h2>Settings</h2>
{_dl_html(report["settings"])}
</body></html>
"""
