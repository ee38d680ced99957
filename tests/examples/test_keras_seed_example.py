"""Run ``examples/keras_seed`` (the question's case in TensorFlow/Keras) as its own pytest session.

A subprocess, not pytester in-process: the example imports TensorFlow and changes Keras'
global floatx, neither of which should leak into this session. TensorFlow's presence is
checked with ``find_spec`` rather than ``importorskip`` so that this process never imports it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "keras_seed"
#: Tests the example holds: 4 closed forms, 1 trained model, 1 mixed precision, 1 naive model,
#: 2 identifiability, 1 gradient-descent port, 1 floatx trap, 2 input checks (CPU only here).
EXPECTED_PASSED = 13


def _missing(*modules: str) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


@pytest.mark.skipif(bool(_missing("tensorflow", "keras")), reason="needs tensorflow and keras")
def test_keras_seed_example_passes(tmp_path: Path) -> None:
    """The whole example passes on CPU (about a minute on 2 cores) and writes its report."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONDONTWRITEBYTECODE": "1"}
    report = tmp_path / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(EXAMPLE), "-p", "no:cacheprovider", "-q",
         f"--linreg-report={report}"],
        cwd=EXAMPLE.parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    # pytest's own last line, e.g. "11 passed in 42.0s" (the linreg summary line above it
    # counts the linreg tests and, separately, their checks).
    last = proc.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"=*\s*{EXPECTED_PASSED} passed in [\d.]+s( \(.*\))?\s*=*", last), output[
        -6000:
    ]
    # The report holds the example's data set (the rows its assertions recorded).
    assert "sorted_poisson" in report.read_text(encoding="utf-8")
