"""Same ids, outcomes and data under pytest-xdist; a CPU session imports no framework."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from pytest_linreg.testing import dataset_conftest_source

pytest.importorskip("xdist")

# pytest-benchmark, when installed, warns that xdist disables it; our filterwarnings=error
# would turn that into an error of the inner run.
NOPLUGINS = ("-p", "no:cacheprovider", "-p", "no:benchmark")

MIXED_TESTS = """
import hashlib
import pytest

def test_dataset(linreg_dataset, linreg_device, record_property):
    record_property("digest", hashlib.sha256(linreg_dataset.X.tobytes()).hexdigest()[:16])
    assert linreg_dataset.name != "Norris"  # one deliberate failure

def test_generated(linreg_make_dataset, record_property):
    ds = linreg_make_dataset("ill_conditioned", n=30, p=3, cond=1e4)
    record_property("digest", hashlib.sha256(ds.X.tobytes()).hexdigest()[:16])

@pytest.mark.linreg_gpu
def test_gpu():
    pass
"""


def outcomes(pytester: pytest.Pytester, *args: str) -> dict[str, tuple[str, Any]]:
    """nodeid -> (outcome, recorded digest) as seen by the controlling process."""
    reprec = pytester.inline_run(*NOPLUGINS, "--linreg-datasets=Longley,Norris,ours", *args)
    seen: dict[str, tuple[str, Any]] = {}
    for report in reprec.getreports("pytest_runtest_logreport"):
        if report.when == "call" or (report.when == "setup" and report.skipped):
            digest = dict(report.user_properties).get("digest")
            seen[report.nodeid] = (report.outcome, digest)
    return seen


def test_same_ids_outcomes_and_data_with_two_workers(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        dataset_conftest_source({"ours": ([[0.0], [1.0], [2.0], [4.0]], [1.0, 2.0, 3.1, 5.0])})
    )
    pytester.makepyfile(test_a=MIXED_TESTS)
    serial = outcomes(pytester, "-p", "xdist", "-n", "0")
    parallel = outcomes(pytester, "-p", "xdist", "-n", "2")
    assert parallel == serial
    assert sorted(serial) == [
        "test_a.py::test_dataset[Longley-cpu]",
        "test_a.py::test_dataset[Norris-cpu]",
        "test_a.py::test_dataset[ours-cpu]",
        "test_a.py::test_generated",
        "test_a.py::test_gpu",
    ]
    assert serial["test_a.py::test_dataset[Norris-cpu]"][0] == "failed"
    assert serial["test_a.py::test_gpu"][0] == "skipped"
    assert serial["test_a.py::test_generated"][1] is not None


ISOLATION_SCRIPT = """
import os
import sys
import pytest

os.makedirs("out", exist_ok=True)  # --linreg-report needs its directory to exist
# With the reports, so that writing them (and each test's numerics state, recorded after the
# test body) is covered too: all of it may only look at sys.modules.
code = pytest.main(["-q", "-p", "no:cacheprovider", "--linreg-datasets=Longley,Norris",
                    "--linreg-report=out/r.html", "--junitxml=out/junit.xml"])
heavy = ("tensorflow", "keras", "torch", "jax", "sklearn", "statsmodels", "cupy")
print("IMPORTED", sorted(name for name in heavy if name in sys.modules))
sys.exit(code)
"""

ISOLATION_TESTS = """
import pytest_linreg as plr

def test_fit(linreg_dataset, linreg_device, linreg_rtol):
    fit = plr.ols(linreg_dataset.X, linreg_dataset.y, fit_intercept=linreg_dataset.fit_intercept)
    plr.assert_coefficients_close(fit, linreg_dataset, rtol=1e-6)
    assert linreg_device.name == "cpu"

def test_generated(linreg_make_dataset):
    assert linreg_make_dataset("ill_conditioned", n=30, p=3, cond=1e4).p == 3
"""


def test_cpu_session_imports_no_framework(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_iso=ISOLATION_TESTS)
    script = pytester.makepyfile(run_iso=ISOLATION_SCRIPT)
    result = pytester.run(sys.executable, str(script))
    assert result.ret == 0, result.outlines
    result.stdout.fnmatch_lines(["*3 passed*", "IMPORTED []"])
    assert (pytester.path / "out" / "r.html").is_file()
