"""What a fresh interpreter imports: the plugin stays light unless a framework is used.

Each test starts a new Python process, so that modules imported by other tests in this session
cannot hide an import.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from pytest_linreg.checks import CHECKS

ALL_CHECKS = [name for name, _ in CHECKS]


def test_extraction_never_imports_tensorflow_or_torch() -> None:
    if importlib.util.find_spec("sklearn") is None:  # not importorskip: no import here
        pytest.skip("scikit-learn is not installed")
    code = (
        "import sys, numpy as np\n"
        "from pytest_linreg.adapters import extract_coefficients\n"
        "from sklearn.linear_model import LinearRegression\n"
        "m = LinearRegression().fit(np.eye(3), [1.0, 2.0, 3.0])\n"
        "extract_coefficients(m)\n"
        "try:\n"
        "    extract_coefficients(object())\n"
        "except TypeError:\n"
        "    pass\n"
        "bad = [m for m in ('tensorflow', 'torch', 'keras', 'jax') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_solving_in_memory_never_imports_dask() -> None:
    """dask is imported only for a dask input: ``is_out_of_core`` looks in sys.modules."""
    code = (
        "import sys, numpy as np\n"
        "import pytest_linreg as plr\n"
        "plr.ols(np.arange(8.0).reshape(4, 2) ** 2, np.arange(4.0))\n"
        "assert 'dask' not in sys.modules, 'dask imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_run_checks_does_not_import_pytest() -> None:
    code = (
        "import sys\n"
        "import numpy as np\n"
        "import pytest_linreg as plr\n"
        "def fit(X, y, *, fit_intercept, dtype, device):\n"
        "    A = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X\n"
        "    p = np.linalg.lstsq(A, y, rcond=None)[0]\n"
        "    return (p[1:], p[0]) if fit_intercept else p\n"
        "results = plr.run_checks(fit, datasets='Norris,NoInt1', dtypes=['float64'])\n"
        "print(len(results), all(r.passed for r in results),\n"
        "      sorted(m for m in ('pytest', '_pytest') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"{2 * len(ALL_CHECKS)} True []"
