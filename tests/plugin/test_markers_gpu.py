"""Markers, --strict-markers, and the GPU path: skipped, loud failure, simulated by the hook."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest

from pytest_linreg.testing import collected_ids, write_gpu_conftest

NOPLUGINS = ("-p", "no:cacheprovider")

GPU_TESTS = """
import pytest

@pytest.mark.linreg_gpu
def test_gpu_only():
    pass

@pytest.mark.linreg_cpu
def test_cpu_only(linreg_device):
    assert linreg_device.name == "cpu"

def test_any(linreg_device):
    pass
"""


@pytest.fixture(scope="module")
def tensorflow() -> ModuleType:
    """TensorFlow imported in this process before pytester takes its sys.modules snapshot.

    pytester drops modules first imported inside a test when that test ends, and importing
    TensorFlow a second time in one process is not supported; importing it here keeps it.
    """
    return pytest.importorskip("tensorflow")


def test_markers_are_registered_for_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a="""
        import pytest

        @pytest.mark.linreg_gpu
        @pytest.mark.linreg_cpu
        @pytest.mark.linreg_datasets("Longley")
        def test_x(): pass
        """
    )
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--strict-markers")
    result.assert_outcomes(skipped=1)
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--markers")
    result.stdout.fnmatch_lines([
        "@pytest.mark.linreg_gpu: needs a GPU*",
        "@pytest.mark.linreg_cpu: CPU only*",
        "@pytest.mark.linreg_datasets(*names_or_tags): *",
    ])


def test_gpu_tests_are_skipped_with_a_reason_without_the_flag(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a=GPU_TESTS)
    assert collected_ids(pytester) == [
        "test_a.py::test_gpu_only",
        "test_a.py::test_cpu_only[cpu]",
        "test_a.py::test_any[cpu]",
    ]
    result = pytester.runpytest_inprocess(*NOPLUGINS, "-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines([
        "SKIPPED [1] test_a.py:3: linreg_gpu test: run with --linreg-gpu (or ini linreg_gpu ="
        " true) to enable"
    ])


@pytest.mark.slow  # a pytest subprocess
def test_flag_without_a_gpu_stops_the_session_listing_every_probe(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A subprocess: the real probe imports TensorFlow, which must not leak into this process.
    # CUDA_VISIBLE_DEVICES=-1 hides any GPU, so this also holds on a GPU machine (a GPU job
    # whose devices are hidden by mistake must fail just the same).
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    pytester.makepyfile(test_a=GPU_TESTS)
    result = pytester.runpytest_subprocess(*NOPLUGINS, "--linreg-gpu")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    tf_line = (
        "*tensorflow: no (no GPU devices (tensorflow *)*"
        if importlib.util.find_spec("tensorflow")
        else "*tensorflow: no (not installed)*"
    )
    result.stderr.fnmatch_lines([
        "ERROR: --linreg-gpu was given but no GPU is usable, so the GPU tests would not run."
        " Probed:",
        tf_line,
        "*torch: *",
        "*jax: *",
        "  - CUDA_VISIBLE_DEVICES: no ('-1' hides every GPU)",
        "*nvidia-smi: *",
        "Fix the driver/CUDA install*or run without --linreg-gpu*",
    ])
    assert "passed" not in result.stdout.str()


def test_hook_answering_no_gpu_also_stops_the_session(pytester: pytest.Pytester) -> None:
    write_gpu_conftest(pytester, available=False)
    pytester.makepyfile(test_a=GPU_TESTS)
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-gpu")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no GPU is usable*", "  - simulated: no (simulated: no GPU)"])


def test_ini_twin_turns_gpu_on(pytester: pytest.Pytester) -> None:
    write_gpu_conftest(pytester, available=False)
    pytester.makeini("[pytest]\nlinreg_gpu = true\n")
    pytester.makepyfile(test_a=GPU_TESTS)
    result = pytester.runpytest_inprocess(*NOPLUGINS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_hook_returning_a_bool_is_accepted(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("def pytest_linreg_gpu_available(config):\n    return True\n")
    pytester.makepyfile(test_a="import pytest\n\n@pytest.mark.linreg_gpu\ndef test_g(): pass\n")
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-gpu")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "linreg: *gpu=on [[]pytest_linreg_gpu_available hook (reported a GPU)]*"
    ])


def test_hook_returning_garbage_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("def pytest_linreg_gpu_available(config):\n    return 'yes'\n")
    pytester.makepyfile(test_a="def test_g(): pass\n")
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-gpu")
    assert result.ret != pytest.ExitCode.OK
    assert "pytest_linreg_gpu_available returned 'yes'" in str(result.outlines + result.errlines)


def test_simulated_gpu_runs_gpu_variants_with_tf32_off(
    pytester: pytest.Pytester, tensorflow: ModuleType
) -> None:
    experimental = tensorflow.config.experimental
    before = experimental.tensor_float_32_execution_enabled()
    write_gpu_conftest(pytester, available=True)
    pytester.makepyfile(
        test_a=GPU_TESTS
        + """

import tensorflow as tf

def test_tf32_is_off(linreg_device):
    assert not tf.config.experimental.tensor_float_32_execution_enabled()
    assert linreg_device.tf_device == {"cpu": "/CPU:0", "gpu": "/GPU:0"}[linreg_device.name]
"""
    )
    assert collected_ids(pytester, "--linreg-gpu") == [
        "test_a.py::test_gpu_only",
        "test_a.py::test_cpu_only[cpu]",
        "test_a.py::test_any[cpu]",
        "test_a.py::test_any[gpu]",
        "test_a.py::test_tf32_is_off[cpu]",
        "test_a.py::test_tf32_is_off[gpu]",
    ]
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-gpu", "--junitxml=junit.xml")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["linreg: *gpu=on [[]simulated (simulated GPU)]*"])
    assert experimental.tensor_float_32_execution_enabled() == before  # restored
    junit = (pytester.path / "junit.xml").read_text()
    assert '<property name="linreg_device" value="gpu" />' in junit
    assert '<property name="linreg_tf32" value="off" />' in junit
    version = tensorflow.__version__
    assert f'<property name="linreg_tensorflow_version" value="{version}" />' in junit


@pytest.mark.slow  # a pytest subprocess
def test_deterministic_flag_turns_on_tensorflow_op_determinism(
    pytester: pytest.Pytester, tensorflow: ModuleType
) -> None:
    pytester.makepyfile(
        test_a="""
        import tensorflow as tf
        from tensorflow.python.framework import config as tf_config  # no public getter

        def test_x(linreg_rtol):
            assert tf_config.is_op_determinism_enabled()
        """
    )
    # A subprocess: TensorFlow's op determinism cannot be switched off again in a process.
    result = pytester.runpytest_subprocess(*NOPLUGINS, "--linreg-deterministic", "--junitxml=j.xml")
    result.assert_outcomes(passed=1)
    junit = (pytester.path / "j.xml").read_text()
    assert '<property name="linreg_deterministic" value="on" />' in junit


FAKE_TORCH_TESTS = """
import sys
from types import SimpleNamespace

def test_first_imports_torch(linreg_rtol):
    flags = {"deterministic": False}
    sys.modules["torch"] = SimpleNamespace(
        __version__="0.0-fake",
        backends=SimpleNamespace(
            cuda=SimpleNamespace(matmul=SimpleNamespace(allow_tf32=False)),
            cudnn=SimpleNamespace(allow_tf32=False, deterministic=False, benchmark=True),
        ),
        use_deterministic_algorithms=lambda on: flags.update(deterministic=on),
        are_deterministic_algorithms_enabled=lambda: flags["deterministic"],
    )

def test_second(linreg_rtol):
    assert sys.modules["torch"].are_deterministic_algorithms_enabled()
"""


@pytest.mark.slow  # a pytest subprocess
def test_recorded_determinism_is_off_for_a_test_that_imported_the_framework_itself(
    pytester: pytest.Pytester,
) -> None:
    """The switch is thrown before each test, so it misses a framework the test imports."""
    pytester.makepyfile(test_a=FAKE_TORCH_TESTS)
    # A subprocess: the stand-in torch must not reach this process's sys.modules.
    result = pytester.runpytest_subprocess(*NOPLUGINS, "--linreg-deterministic", "--junitxml=j.xml")
    result.assert_outcomes(passed=2)
    junit = (pytester.path / "j.xml").read_text()
    first, second = junit.split('name="test_second"')
    assert '<property name="linreg_deterministic" value="off" />' in first
    assert '<property name="linreg_deterministic" value="on" />' in second
