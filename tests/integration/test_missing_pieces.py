"""Missing pieces: no TensorFlow, no scikit-learn, no pytest-xdist, no GPU.

Each absence must end in a clear skip (with the reason) or a clear error, never a crash inside
the plugin or a silent pass. Absence is simulated in a pytest *subprocess*, so that the modules
this process has already imported (TensorFlow among them) do not leak in: the inner run's
``conftest.py`` hides the named top-level packages from both ``import`` (a meta-path finder
raising ``ModuleNotFoundError``) and ``importlib.util.find_spec`` (returning ``None``), which is
what an environment without them looks like to the plugin's lazy lookups.
"""

from __future__ import annotations

import json

import pytest

NOPLUGINS = ("-p", "no:cacheprovider")


def _hiding_conftest(*names: str) -> str:
    """Source of a conftest.py that makes ``names`` look not installed."""
    return f'''
import importlib.abc
import importlib.util
import sys

HIDDEN = {set(names)!r}
_real_find_spec = importlib.util.find_spec


class _Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {{fullname!r}}", name=fullname)
        return None


def _find_spec(name, package=None):
    if name.split(".")[0] in HIDDEN:
        return None
    return _real_find_spec(name, package)


for _name in list(sys.modules):
    if _name.split(".")[0] in HIDDEN:  # nothing should have imported them; be sure
        del sys.modules[_name]
sys.meta_path.insert(0, _Hide())
importlib.util.find_spec = _find_spec
'''


NOT_IMPORTED = """
import sys

def test_pytest_linreg_imports_no_framework(linreg_rtol):
    import pytest_linreg
    heavy = sorted({{"tensorflow", "keras", "torch", "jax", "sklearn"}} & set(sys.modules))
    assert heavy == [], heavy
    assert linreg_rtol > 0
"""


def test_hiding_conftest_hides(pytester: pytest.Pytester) -> None:
    """The simulation itself: hidden packages neither import nor are found."""
    pytester.makeconftest(_hiding_conftest("colorsys"))
    pytester.makepyfile(
        test_a="""
        import importlib.util
        import pytest

        def test_hidden():
            assert importlib.util.find_spec("colorsys") is None
            with pytest.raises(ModuleNotFoundError, match="No module named 'colorsys'"):
                import colorsys  # noqa: F401
        """
    )
    result = pytester.runpytest_subprocess(*NOPLUGINS)
    result.assert_outcomes(passed=1)


# --------------------------------------------------------------------------- no TensorFlow


def test_without_tensorflow_keras_tests_skip_and_the_rest_runs(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(_hiding_conftest("tensorflow", "keras", "tf_keras"))
    pytester.makepyfile(
        test_keras="""
        import pytest
        tf = pytest.importorskip("tensorflow", reason="the Keras fits need TensorFlow")

        def test_keras_fit():
            raise AssertionError("must not run without TensorFlow")
        """,
        test_numpy="""
        import sys
        import numpy as np
        import pytest_linreg as plr


        class Dense:  # what the Keras adapter sees: a keras.* object with get_weights()
            __module__ = "keras.src.layers.core.dense"

            def get_weights(self):
                return [np.array([[2.0]], dtype=np.float32), np.array([1.0], dtype=np.float32)]


        def test_keras_adapter_reads_weights_without_importing_tensorflow():
            coefs = plr.extract_coefficients(Dense())
            assert coefs.source == "keras:Dense" and coefs.dtype == "float32"
            assert "tensorflow" not in sys.modules and "keras" not in sys.modules


        def fit(X, y, *, fit_intercept, dtype, device):
            A = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
            params = np.linalg.lstsq(A, y, rcond=None)[0]
            return (params[1:], params[0]) if fit_intercept else params


        @plr.parametrize_with_linreg_checks(fit, datasets="Norris", dtypes=["float64"],
                                            checks=["coefficients"])
        def test_suite(check):
            check()
            assert "tensorflow" not in sys.modules
        """,
        test_plain=NOT_IMPORTED.format(),
    )
    result = pytester.runpytest_subprocess(*NOPLUGINS, "-rs")
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] test_keras.py:*: the Keras fits need TensorFlow"])


def test_a_fit_importing_a_missing_framework_fails_naming_it(pytester: pytest.Pytester) -> None:
    """A fit that imports TensorFlow lazily gets a clear error per check, never a pass."""
    pytester.makeconftest(_hiding_conftest("tensorflow", "keras"))
    pytester.makepyfile(
        test_lazy="""
        import pytest_linreg as plr

        def fit(X, y, *, fit_intercept, dtype, device):
            import tensorflow as tf  # noqa: F401
            raise AssertionError("unreachable")

        @plr.parametrize_with_linreg_checks(fit, datasets="Norris", dtypes=["float64"],
                                            checks=["coefficients", "predictions"])
        def test_suite(check):
            check()

        def test_run_checks_reports_it():
            results = plr.run_checks(fit, datasets="Norris", dtypes=["float64"],
                                     checks=["coefficients"])
            assert [r.passed for r in results] == [False]
            assert "No module named 'tensorflow'" in results[0].message
        """
    )
    result = pytester.runpytest_subprocess(*NOPLUGINS)
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*ModuleNotFoundError: No module named 'tensorflow'*"])


# --------------------------------------------------------------------------- no scikit-learn


def test_without_sklearn_duck_typed_estimators_still_work(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(_hiding_conftest("sklearn"))
    pytester.makepyfile(
        test_sk="""
        import sys
        import numpy as np
        import pytest
        import pytest_linreg as plr


        class Fitted:  # the attributes a fitted LinearRegression has; no sklearn import
            coef_ = np.array([2.0])
            intercept_ = 1.0


        def test_sklearn_adapter_is_duck_typed():
            ds = plr.Dataset.from_arrays("line", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
            plr.assert_coefficients_close(Fitted(), ds)
            assert "sklearn" not in sys.modules


        def test_needs_sklearn():
            pytest.importorskip("sklearn", reason="scikit-learn is not installed")
        """,
        test_plain=NOT_IMPORTED.format(),
    )
    result = pytester.runpytest_subprocess(*NOPLUGINS, "-rs")
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] test_sk.py:*: scikit-learn is not installed"])


# --------------------------------------------------------------------------- no pytest-xdist


def test_without_xdist_n_is_pytests_own_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain=NOT_IMPORTED.format())
    result = pytester.runpytest_subprocess(*NOPLUGINS, "-p", "no:xdist", "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unrecognized arguments: -n*"])
    assert "Traceback" not in result.stderr.str()


def test_without_xdist_the_report_records_zero_workers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a="""
        import pytest_linreg as plr

        def test_line():
            ds = plr.Dataset.from_arrays("line", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
            plr.assert_coefficients_close(([2.0], 1.0), ds)
        """
    )
    result = pytester.runpytest_subprocess(
        *NOPLUGINS, "-p", "no:xdist", "--linreg-report=r.json"
    )
    result.assert_outcomes(passed=1)
    report = json.loads((pytester.path / "r.json").read_text(encoding="utf-8"))
    assert report["environment"]["xdist_workers"] == 0
    assert [row["passed"] for row in report["rows"]] == [True]


# --------------------------------------------------------------------------- no GPU

GPU_TEST = """
import pytest

@pytest.mark.linreg_gpu
def test_on_gpu(linreg_device):
    raise AssertionError("must not run without a GPU")

def test_on_cpu():
    pass
"""


def test_no_gpu_framework_skips_gpu_tests_with_a_reason(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(_hiding_conftest("tensorflow", "torch", "jax"))
    pytester.makepyfile(test_gpu=GPU_TEST)
    result = pytester.runpytest_subprocess(*NOPLUGINS, "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["SKIPPED [[]1[]] test_gpu.py:*: linreg_gpu test: run with --linreg-gpu*"]
    )


def test_linreg_gpu_without_any_framework_is_a_usage_error_listing_probes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(_hiding_conftest("tensorflow", "torch", "jax"))
    pytester.makepyfile(test_gpu=GPU_TEST)
    result = pytester.runpytest_subprocess(*NOPLUGINS, "--linreg-gpu")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*--linreg-gpu was given but no GPU is usable*",
        "*- tensorflow: no (not installed)",
        "*- torch: no (not installed)",
        "*- jax: no (not installed)",
        "*- nvidia-smi: *",
        "*run without --linreg-gpu to skip the linreg_gpu tests*",
    ])
    assert "Traceback" not in result.stderr.str()
