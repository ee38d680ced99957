"""The test run itself at scale: a downstream suite of about 10 000 checks.

Run ``python benchmarks/suite_scale.py`` (a few minutes). It writes a throwaway downstream
project — one test module that applies ``parametrize_with_linreg_checks`` to a numpy lstsq fit
over generated datasets — and runs pytest on it as a user would, in a subprocess:

1. collection alone (``--collect-only``);
2. the whole run with ``-n 0``;
3. the whole run with ``-n 2`` (pytest-xdist).

It prints the wall times and the peak resident memory of each pytest process (the controller,
and each xdist worker), read from ``resource.getrusage`` by a hook in the project's conftest.
The datasets are built when the module is imported: once per process, in each xdist worker,
never pickled across. Options: ``--datasets N`` (default 834: 834 × 2 dtypes × 6 checks ≈
10 000 checks).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

CONFTEST = '''
import json, os, resource

def pytest_sessionfinish(session):
    # ru_maxrss is in KiB on Linux: the peak resident memory of this pytest process.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    out = os.environ["SUITE_SCALE_RSS_DIR"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(os.path.join(out, worker + ".json"), "w") as f:
        json.dump({"worker": worker, "peak_rss_mib": peak}, f)
'''

TEST_MODULE = '''
import numpy as np
import pytest_linreg as plr

N_DATASETS = {n}


def lstsq_fit(X, y, *, fit_intercept, dtype, device):
    A = np.column_stack([np.ones(len(X), dtype=X.dtype), X]) if fit_intercept else X
    params = np.linalg.lstsq(A, y, rcond=None)[0]
    return (params[1:], params[0]) if fit_intercept else params


# Built at import: once per pytest process (each xdist worker builds its own copy).
DATASETS = [
    plr.make_ill_conditioned(40 + i % 60, 2 + i % 4, 10.0 ** (i % 7), seed=i,
                             name=f"gen{{i}}")
    for i in range(N_DATASETS)
]


@plr.parametrize_with_linreg_checks(lstsq_fit, datasets=DATASETS)
def test_fit(check):
    check()
'''


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=cwd, env=env, capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - start
    tail = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
    if proc.returncode not in (0, 1):  # 1: some checks failed, which is a result, not a crash
        raise SystemExit(f"pytest {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}"
                         f"\n{proc.stderr}")
    return elapsed, tail


def _peaks(rss_dir: Path) -> list[tuple[str, float]]:
    peaks = []
    for path in sorted(rss_dir.glob("*.json")):
        data = json.loads(path.read_text())
        peaks.append((data["worker"], data["peak_rss_mib"]))
        path.unlink()
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=834)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "conftest.py").write_text(CONFTEST)
        (root / "test_scale.py").write_text(textwrap.dedent(TEST_MODULE.format(n=args.datasets)))
        rss_dir = root / "rss"
        rss_dir.mkdir()
        env = {**os.environ, "SUITE_SCALE_RSS_DIR": str(rss_dir), "PYTHONHASHSEED": "0"}
        rows = []
        for label, extra in [("collection only", ["--collect-only"]), ("run, -n 0", []),
                             ("run, -n 2", ["-n", "2"])]:
            elapsed, tail = _run(extra, root, env)
            peaks = ", ".join(f"{w} {mib:.0f} MiB" for w, mib in _peaks(rss_dir))
            rows.append((label, elapsed, tail, peaks))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"### A downstream suite of {args.datasets} datasets × 2 dtypes × 6 checks "
          f"(load average {load})\n")
    print("| run | wall (s) | pytest's summary | peak RSS per process |")
    print("|---|---|---|---|")
    for label, elapsed, tail, peaks in rows:
        print(f"| {label} | {elapsed:.1f} | {tail} | {peaks} |")


if __name__ == "__main__":
    main()
