"""Write the HTML report of a small run with real fitters, some failing, and screenshot it.

Usage::

    python scripts/report_demo.py [docs/report.png]

The run: numpy's ``lstsq``, the normal equations and a float32 QR over a few built-in datasets,
plus the question's answer ``[0.904, 0.096]`` on the sorted-Poisson data. Some fail for real
(the normal equations on Longley and Filip, ``lstsq``'s default cut-off on Filip, float32
where it cannot resolve 1e-7), so the page shows what a reader sees first: the failures. The
screenshot needs headless Chromium (``scripts/screenshot_report.py``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from screenshot_report import screenshot

DEMO_TESTS = '''
import numpy as np
import pytest
import pytest_linreg as plr


def lstsq(X, y, dtype):
    A = np.column_stack([np.ones(len(X)), X]).astype(dtype)
    p = np.linalg.lstsq(A, y.astype(dtype), rcond=None)[0]
    return p[1:], p[0]


def normal_equations(X, y, dtype):
    A = np.column_stack([np.ones(len(X)), X]).astype(dtype)
    p = np.linalg.solve(A.T @ A, A.T @ y.astype(dtype))
    return p[1:], p[0]


def qr(X, y, dtype):
    A = np.column_stack([np.ones(len(X)), X]).astype(dtype)
    Q, R = np.linalg.qr(A)
    p = np.linalg.solve(R, Q.T @ y.astype(dtype))
    return p[1:], p[0]


FITTERS = {"lstsq": lstsq, "normal_equations": normal_equations, "qr": qr}


@pytest.mark.linreg_datasets("Norris", "Pontius", "Longley", "Filip", "Wampler4")
@pytest.mark.parametrize("fitter", sorted(FITTERS))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fitter(linreg_dataset, fitter, dtype):
    coef, intercept = FITTERS[fitter](linreg_dataset.X, linreg_dataset.y, dtype)
    # Named for the report's legend and matrix; all three are direct solves.
    fitted = plr.adapters.make_coefficients(coef, intercept, f"numpy:{fitter}", kind="direct")
    plr.assert_coefficients_close(fitted, linreg_dataset, rtol=1e-7)


@pytest.mark.linreg_datasets("sorted_poisson")
def test_the_question(linreg_dataset):
    answer = plr.adapters.make_coefficients([0.904, 0.096], 0.0, "question:SGD answer")
    plr.assert_coefficients_close(answer, linreg_dataset)
'''


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/report.png").resolve()
    with tempfile.TemporaryDirectory(prefix="linreg-demo-") as tmp:
        project = Path(tmp)
        (project / "test_demo.py").write_text(DEMO_TESTS, encoding="utf-8")
        html = project / "report.html"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
             f"--linreg-report={html}", "test_demo.py"],
            cwd=project, check=False, capture_output=True, text=True,
        )
        if not html.is_file():
            print("the demo run wrote no report", file=sys.stderr)
            return 1
        screenshot(html, out, width=1280, height=1500)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
