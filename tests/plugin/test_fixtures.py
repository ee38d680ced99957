"""The linreg_* fixtures and the linreg_datasets marker, through pytester (in-process)."""

from __future__ import annotations

import pytest

from pytest_linreg.plugin import derive_seed
from pytest_linreg.testing import collected_ids

NOPLUGINS = ("-p", "no:cacheprovider")

# A conftest contributing a dataset whose loader counts its calls, to see the session cache.
COUNTING_CONFTEST = """
import pytest_linreg as plr
from pytest_linreg.datasets import DatasetSpec

LOADS = []

def load():
    LOADS.append(1)
    return plr.Dataset.from_arrays("counted", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])

def pytest_linreg_datasets(config):
    return [DatasetSpec("counted", load, tags=("mine",))]

def pytest_sessionfinish(session):
    print(f"\\nLOADS={len(LOADS)}")
"""


def test_dataset_ids_follow_the_selection_order(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a="def test_x(linreg_dataset): pass")
    ids = collected_ids(pytester, "--linreg-datasets=Norris,Longley,tag:no-intercept")
    assert ids == [
        "test_a.py::test_x[Norris]",
        "test_a.py::test_x[Longley]",
        "test_a.py::test_x[NoInt1]",
        "test_a.py::test_x[NoInt2]",
    ]


def test_default_selection_is_every_builtin_dataset(pytester: pytest.Pytester) -> None:
    from pytest_linreg.datasets import dataset_names

    pytester.makepyfile(test_a="def test_x(linreg_dataset): pass")
    ids = collected_ids(pytester)
    assert ids == [f"test_a.py::test_x[{name}]" for name in dataset_names()]


def test_dataset_is_the_named_read_only_dataset(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a="""
        import numpy as np
        import pytest

        def test_x(linreg_dataset, request):
            assert linreg_dataset.name == request.node.callspec.id
            assert linreg_dataset.certified
            with pytest.raises(ValueError, match="read-only"):
                linreg_dataset.X[0, 0] = 1.0
            with pytest.raises(ValueError, match="read-only"):
                linreg_dataset.coef[0] = 1.0
        """
    )
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=Longley,Norris")
    result.assert_outcomes(passed=2)


def test_datasets_load_once_per_session(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(COUNTING_CONFTEST)
    pytester.makepyfile(
        test_a="""
        def test_x(linreg_dataset):
            assert linreg_dataset.name == "counted"

        def test_y(linreg_dataset):
            assert linreg_dataset.coef[0] == 2.0
        """
    )
    result = pytester.runpytest_inprocess("-s", *NOPLUGINS, "--linreg-datasets=counted")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["LOADS=1"])


def test_unused_datasets_are_never_loaded(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(COUNTING_CONFTEST)
    pytester.makepyfile(test_a="def test_x(): pass")
    result = pytester.runpytest_inprocess("-s", *NOPLUGINS)  # default selection includes it
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["LOADS=0"])


def test_marker_narrows_within_the_session_selection(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a="""
        import pytest

        @pytest.mark.linreg_datasets("Longley", "tag:no-intercept")
        def test_marked(linreg_dataset): pass

        @pytest.mark.linreg_datasets("Filip")
        def test_not_selected(linreg_dataset): pass

        @pytest.mark.linreg_datasets("nist")
        class TestClass:
            @pytest.mark.linreg_datasets("NoInt2,Longley")
            def test_both_markers(self, linreg_dataset): pass
        """
    )
    args = ("--linreg-datasets=Longley,NoInt1,NoInt2", "-rs")
    ids = collected_ids(pytester, *args)
    assert ids == [
        "test_a.py::test_marked[Longley]",
        "test_a.py::test_marked[NoInt1]",
        "test_a.py::test_marked[NoInt2]",
        "test_a.py::test_not_selected[no-dataset]",  # skipped, with the reason
        "test_a.py::TestClass::test_both_markers[NoInt2]",
        "test_a.py::TestClass::test_both_markers[Longley]",
    ]
    result = pytester.runpytest_inprocess(*NOPLUGINS, *args)
    result.assert_outcomes(passed=5, skipped=1)
    result.stdout.fnmatch_lines([
        "SKIPPED [1] test_a.py:6: no dataset left for linreg_dataset: the session selects"
        " 'Longley,NoInt1,NoInt2' and the test's linreg_datasets markers match none of those"
    ])


def test_marker_with_an_unknown_name_is_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a="""
        import pytest

        @pytest.mark.linreg_datasets("Longly")
        def test_x(linreg_dataset): pass
        """
    )
    result = pytester.runpytest_inprocess(*NOPLUGINS)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([
        "*@pytest.mark.linreg_datasets('Longly') on test_a.py::test_x:*"
        "unknown dataset selection item(s): 'Longly'*did you mean 'Longley'?*"
    ])


def test_explicit_parametrize_wins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a="""
        import pytest

        @pytest.mark.parametrize("linreg_dataset", ["Wampler1"], indirect=True)
        def test_x(linreg_dataset):
            assert linreg_dataset.name == "Wampler1"
        """
    )
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=Longley")
    result.assert_outcomes(passed=1)


def test_rtol_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a="""
        def test_x(linreg_rtol):
            assert linreg_rtol == 2e-9
        """
    )
    pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-rtol=2e-9").assert_outcomes(passed=1)


def test_make_dataset_factory_seeds_from_session_and_node(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a="""
        import numpy as np
        import pytest
        from pytest_linreg.plugin import derive_seed

        def test_seeded(linreg_make_dataset, request):
            first = linreg_make_dataset("ill_conditioned", n=40, p=3, cond=1e6)
            second = linreg_make_dataset("ill_conditioned", n=40, p=3, cond=1e6)
            assert first.seed == derive_seed(1443, request.node.nodeid, 0)
            assert second.seed == derive_seed(1443, request.node.nodeid, 1)
            assert not np.array_equal(first.X, second.X)
            fixed = linreg_make_dataset("ill_conditioned", n=40, p=3, cond=1e6, seed=5)
            assert fixed.seed == 5

        def test_unknown_kind(linreg_make_dataset):
            with pytest.raises(ValueError, match="generator 'nope'.*ill_conditioned"):
                linreg_make_dataset("nope")
        """
    )
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-seed=1443")
    result.assert_outcomes(passed=2)


def test_derive_seed_depends_on_every_input() -> None:
    base = derive_seed(0, "t.py::a")
    assert base == derive_seed(0, "t.py::a")
    assert len({base, derive_seed(1, "t.py::a"), derive_seed(0, "t.py::b"),
                derive_seed(0, "t.py::a", 1)}) == 4
    assert 0 <= base < 2**32


def test_device_fixture_is_cpu_without_the_flag(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a="""
        def test_x(linreg_device):
            assert linreg_device.name == "cpu"
            assert linreg_device.tf_device == "/CPU:0"
            assert str(linreg_device) == "cpu"
        """
    )
    assert collected_ids(pytester) == ["test_a.py::test_x[cpu]"]
    pytester.runpytest_inprocess(*NOPLUGINS).assert_outcomes(passed=1)


def test_dataset_and_device_ids_combine(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a="def test_x(linreg_device, linreg_dataset): pass")
    assert collected_ids(pytester, "--linreg-datasets=Longley,Norris") == [
        "test_a.py::test_x[Longley-cpu]",
        "test_a.py::test_x[Norris-cpu]",
    ]


def test_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a="def test_x(): pass")
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--fixtures")
    # The first line is a full sentence, which is what --fixtures shows.
    first_lines = {
        "linreg_dataset": "Give each selected dataset to the test in turn; ids are the dataset*",
        "linreg_device": "Give the device the test runs on: ``cpu`` always, and ``gpu`` too with*",
        "linreg_make_dataset": "Return a factory that builds generated datasets, seeded per test*",
        "linreg_rtol": "Return the session's relative tolerance: --linreg-rtol, else ini*",
    }
    for name, line in first_lines.items():
        result.stdout.fnmatch_lines([f"{name} -- *", f"    {line}"])
