"""Helpers for testing code that extends pytest-linreg through its hooks, with ``pytester``.

A downstream plugin or ``conftest.py`` that adds datasets or simulates a GPU wants to check
the effect on a real pytest run. These helpers write the small conftest snippets and read
the collected ids back, so such a test is three lines::

    from pytest_linreg.testing import collected_ids, write_dataset_conftest

    def test_my_dataset_is_offered(pytester):
        write_dataset_conftest(pytester, {"sales": ([[1.0], [2.0], [4.0]], [1.0, 2.0, 4.1])})
        pytester.makepyfile(test_x="def test_x(linreg_dataset): pass")
        assert "test_x.py::test_x[sales]" in collected_ids(pytester, "--linreg-datasets=sales")

Needs ``pytester`` (``pytest_plugins = ["pytester"]`` in the top-level conftest).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

__all__ = ["collected_ids", "dataset_conftest_source", "gpu_conftest_source",
           "write_dataset_conftest", "write_gpu_conftest"]


def dataset_conftest_source(
    datasets: Mapping[str, tuple[Sequence[Any], Sequence[Any]]],
    *,
    tags: Sequence[str] = ("downstream",),
    fit_intercept: bool = True,
) -> str:
    """Source of a ``conftest.py`` contributing ``datasets`` (name -> (X, y)) by the hook.

    Examples
    --------
    >>> "def pytest_linreg_datasets" in dataset_conftest_source({"d": ([[0.0], [1.0]], [0, 1])})
    True
    """
    if not datasets:
        raise ValueError("datasets is empty; give at least one name -> (X, y)")
    entries = ",\n".join(
        f"        plr.Dataset.from_arrays({name!r}, {_plain(X)!r}, {_plain(y)!r},"
        f" fit_intercept={fit_intercept!r}, tags={tuple(tags)!r})"
        for name, (X, y) in datasets.items()
    )
    return (
        "import pytest_linreg as plr\n\n\n"
        "def pytest_linreg_datasets(config):\n"
        f"    return [\n{entries},\n    ]\n"
    )


def _plain(values: Any) -> Any:
    """Nested lists of floats, so that ``repr`` writes valid source."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (list, tuple)):
        return [_plain(v) for v in values]
    return float(values)


def write_dataset_conftest(
    pytester: pytest.Pytester,
    datasets: Mapping[str, tuple[Sequence[Any], Sequence[Any]]],
    **options: Any,
) -> None:
    """Write :func:`dataset_conftest_source` as the test directory's ``conftest.py``."""
    pytester.makeconftest(dataset_conftest_source(datasets, **options))


def gpu_conftest_source(available: bool = True) -> str:
    """Source of a conftest answering ``pytest_linreg_gpu_available`` with ``available``.

    With ``True`` the GPU tests run on a machine without a GPU (their own code must then
    cope); with ``False`` a ``--linreg-gpu`` run stops with the usage error.
    """
    return (
        "from pytest_linreg.devices import BackendProbe, GpuProbe\n\n\n"
        "def pytest_linreg_gpu_available(config):\n"
        f"    reason = {'simulated GPU' if available else 'simulated: no GPU'!r}\n"
        f"    return GpuProbe((BackendProbe('simulated', {bool(available)!r}, reason),))\n"
    )


def write_gpu_conftest(pytester: pytest.Pytester, available: bool = True) -> None:
    """Write :func:`gpu_conftest_source` as the test directory's ``conftest.py``."""
    pytester.makeconftest(gpu_conftest_source(available))


def collected_ids(pytester: pytest.Pytester, *args: str) -> list[str]:
    """Node ids a run with ``args`` collects (in-process ``--collect-only -q``).

    Raises
    ------
    AssertionError
        If collection failed; the message holds pytest's output.
    """
    result = pytester.runpytest_inprocess("--collect-only", "-q", "-p", "no:cacheprovider", *args)
    if result.ret not in (0, 5):  # 5: nothing collected, still a valid answer
        output = "\n".join(result.outlines + result.errlines)
        raise AssertionError(f"collection failed (exit {result.ret}):\n{output}")
    return [line for line in result.outlines if "::" in line and not line.startswith(" ")]
