"""Each hook implemented in a generated conftest, and the downstream acceptance case."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_linreg.testing import collected_ids, dataset_conftest_source, write_dataset_conftest

NOPLUGINS = ("-p", "no:cacheprovider")

ACCEPTANCE_TEST = """
import pytest_linreg as plr

def test_x(linreg_dataset, linreg_rtol):
    result = plr.ols(linreg_dataset.X, linreg_dataset.y, fit_intercept=linreg_dataset.fit_intercept)
    plr.assert_coefficients_close(result, linreg_dataset, rtol=max(linreg_rtol, 1e-6))
"""


def test_downstream_dataset_with_longley_acceptance(pytester: pytest.Pytester) -> None:
    """The issue's "done when": a downstream dir with its own dataset and Longley."""
    write_dataset_conftest(
        pytester,
        {"its_name": ([[1.0, 0.5], [2.0, -1.0], [3.0, 2.5], [4.0, 0.0]], [3.1, 2.0, 8.9, 6.2])},
    )
    pytester.makepyfile(test_down=ACCEPTANCE_TEST)
    result = pytester.runpytest_inprocess(*NOPLUGINS, "-v", "--linreg-datasets=its_name,Longley")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "test_down.py::test_x[[]its_name] PASSED*",
        "test_down.py::test_x[[]Longley] PASSED*",
    ])
    result.stdout.fnmatch_lines(["linreg: rtol=1e-07, datasets=2 (its_name, Longley), *"])


def test_contributed_datasets_are_in_the_default_selection_and_tags(
    pytester: pytest.Pytester,
) -> None:
    write_dataset_conftest(
        pytester, {"ours": ([[0.0], [1.0], [2.0]], [1.0, 2.0, 3.5])}, tags=("mine",)
    )
    pytester.makepyfile(test_a="def test_x(linreg_dataset): pass")
    ids = collected_ids(pytester)
    assert ids[-1] == "test_a.py::test_x[ours]"  # built-ins first, then contributions
    assert collected_ids(pytester, "--linreg-datasets=tag:mine") == ["test_a.py::test_x[ours]"]


def test_conftest_datasets_are_offered_below_their_conftest_only(
    pytester: pytest.Pytester,
) -> None:
    sub = pytester.mkpydir("sub")
    (sub / "conftest.py").write_text(
        dataset_conftest_source({"deep": ([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.5])})
    )
    (sub / "test_in.py").write_text("def test_x(linreg_dataset): pass\n")
    pytester.makepyfile(test_out="def test_x(linreg_dataset): pass")
    # Sorted: pytest 8 collects sub/ before test_out.py, pytest 7.4 after it.
    ids = sorted(collected_ids(pytester, "-k", "deep or Norris"))
    assert ids == [
        "sub/test_in.py::test_x[Norris]",
        "sub/test_in.py::test_x[deep]",
        "test_out.py::test_x[Norris]",
    ]
    # Like pytest_addoption, a name given on the command line must be known at start-up.
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=deep")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: *unknown dataset selection item(s): 'deep'*initial conftest.py*"]
    )


def test_duplicate_dataset_names_are_rejected_naming_both_sources(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        "import pytest_linreg as plr\n\n"
        "def pytest_linreg_datasets(config):\n"
        "    return [plr.Dataset.from_arrays('Longley', [[0.0], [1.0], [2.0]], [0.0, 1.0, 2.1])]\n"
    )
    pytester.makepyfile(test_a="def test_x(): pass")
    result = pytester.runpytest_inprocess(*NOPLUGINS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "ERROR: pytest_linreg_datasets: dataset name 'Longley' is defined twice:"
        " by pytest-linreg and by conftest.py*"
    ])


def test_dataset_hook_returning_a_non_dataset_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("def pytest_linreg_datasets(config):\n    return [42]\n")
    pytester.makepyfile(test_a="def test_x(): pass")
    result = pytester.runpytest_inprocess(*NOPLUGINS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: pytest_linreg_datasets: conftest.py contributed int 42*"])


def test_coefficients_hook_reads_a_custom_model(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        class MyModel:
            def __init__(self, weights):
                self.weights = weights

        def pytest_linreg_coefficients(model):
            if isinstance(model, MyModel):
                return model.weights[1:], model.weights[0]
            return None
        """
    )
    pytester.makepyfile(
        test_a="""
        import pytest
        import pytest_linreg as plr
        from conftest import MyModel
        from pytest_linreg.adapters.extract import extract_coefficients

        def test_custom_model_passes(linreg_dataset):
            ds = linreg_dataset
            model = MyModel([ds.intercept, *ds.coef])
            plr.assert_coefficients_close(model, ds, rtol=1e-12)

        def test_hook_is_called_with_keyword_model(request):
            answer = request.config.hook.pytest_linreg_coefficients(model=MyModel([1.0, 2.0]))
            assert answer == ([2.0], 1.0)

        def test_other_objects_fall_through_to_builtins():
            assert extract_coefficients(([0.5, 0.5], 0.0)).coef.tolist() == [0.5, 0.5]

        def test_unknown_model_names_the_hook():
            with pytest.raises(TypeError, match="pytest_linreg_coefficients hook"):
                extract_coefficients(object())
        """
    )
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=Longley")
    result.assert_outcomes(passed=4)


def test_coefficients_hook_is_uninstalled_after_the_session(pytester: pytest.Pytester) -> None:
    from pytest_linreg.adapters import extract

    before = extract._HOOK.get()
    pytester.makepyfile(test_a="def test_x(): pass")
    pytester.runpytest_inprocess(*NOPLUGINS).assert_outcomes(passed=1)
    assert extract._HOOK.get() is before


def test_tolerance_hook_default_and_override(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        def pytest_linreg_tolerance(dataset, dtype, requested_rtol):
            if dataset.name == "Norris":
                return 1e-4
            return None
        """
    )
    pytester.makepyfile(
        test_a="""
        from pytest_linreg.plugin import tolerance_for

        def test_x(linreg_dataset, request, linreg_rtol):
            rtol = tolerance_for(request.config, linreg_dataset, "float32", linreg_rtol)
            auto = tolerance_for(request.config, linreg_dataset, "float32")
            if linreg_dataset.name == "Norris":
                assert rtol == auto == 1e-4
            else:
                # The default implementation returns the request as it is: never loosened,
                # although float32 cannot give 1e-7 on Longley. Nothing requested (and no
                # --linreg-rtol): None, the automatic per-parameter tolerance.
                assert rtol == linreg_rtol == 1e-7
                assert auto is None
        """
    )
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=Norris,Longley")
    result.assert_outcomes(passed=2)


def test_configured_rtol_reaches_the_tolerance_hook(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        SEEN = []

        def pytest_linreg_tolerance(dataset, dtype, requested_rtol):
            SEEN.append(requested_rtol)
        """
    )
    pytester.makepyfile(
        test_a="""
        from conftest import SEEN
        from pytest_linreg.plugin import tolerance_for

        def test_x(linreg_dataset, request):
            assert tolerance_for(request.config, linreg_dataset, "float64") == 3e-6
            assert tolerance_for(request.config, linreg_dataset, "float64", 1e-9) == 1e-9
            assert SEEN == [3e-6, 1e-9]
        """
    )
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=Norris",
                                          "--linreg-rtol=3e-6")
    result.assert_outcomes(passed=1)
    pytester.makeini("[pytest]\nlinreg_rtol = 3e-6\n")
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=Norris")
    result.assert_outcomes(passed=1)


def test_tolerance_hook_answer_is_validated(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "def pytest_linreg_tolerance(dataset, dtype, requested_rtol):\n    return -1\n"
    )
    pytester.makepyfile(
        test_a="""
        import pytest
        from pytest_linreg.plugin import tolerance_for

        def test_x(linreg_dataset, request):
            with pytest.raises(ValueError, match="pytest_linreg_tolerance returned -1"):
                tolerance_for(request.config, linreg_dataset, "float64")
        """
    )
    pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=Norris").assert_outcomes(passed=1)


def test_a_dataset_on_disk_is_loaded_at_first_use_and_stays_on_disk(
    pytester: pytest.Pytester,
) -> None:
    """``pytest_linreg_datasets`` returning a spec whose loader opens a memmap: nothing is read
    at collection, and the test sees the file, not a copy."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5000, 3))
    np.save(pytester.path / "X.npy", X)
    np.save(pytester.path / "y.npy", X @ [1.0, -2.0, 0.5] + 4.0 + rng.standard_normal(5000))
    pytester.makeconftest(
        """
        from pathlib import Path
        import numpy as np
        import pytest_linreg as plr

        HERE = Path(__file__).parent

        def load():
            (HERE / "loaded.txt").write_text("yes")
            return plr.Dataset.from_arrays(
                "on_disk", np.load(HERE / "X.npy", mmap_mode="r"),
                np.load(HERE / "y.npy", mmap_mode="r"))

        def pytest_linreg_datasets(config):
            return [plr.DatasetSpec("on_disk", load, tags=("disk",))]
        """
    )
    pytester.makepyfile(
        test_disk="""
        import numpy as np
        import pytest_linreg as plr

        def test_fit(linreg_dataset):
            assert isinstance(linreg_dataset.X, np.memmap)
            A = np.column_stack([np.ones(linreg_dataset.n), linreg_dataset.X])
            beta = np.linalg.lstsq(A, linreg_dataset.y, rcond=None)[0]
            plr.assert_coefficients_close((beta[1:], beta[0]), linreg_dataset, rtol=1e-9)
        """
    )
    assert collected_ids(pytester, "--linreg-datasets=tag:disk") == [
        "test_disk.py::test_fit[on_disk]"
    ]
    assert not (pytester.path / "loaded.txt").exists()  # collection did not load it
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=tag:disk")
    result.assert_outcomes(passed=1)
    assert (pytester.path / "loaded.txt").read_text() == "yes"
