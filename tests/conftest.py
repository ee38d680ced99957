"""Shared test configuration: pytester for the plugin tests.

pytester removes modules first imported during a test when the test ends. The hypothesis
pytest plugin imports hypothesis (about 1 s) at the end of every inner run, so without the
import below each in-process run paid that again; imported here, it survives between tests
(dask too: see below).
(Here rather than in tests/plugin/conftest.py: a second conftest.py outside a package clashed
with tests/unit/conftest.py as module ``conftest`` when --doctest-modules collected both.)
"""

import contextlib
from pathlib import Path

import pytest

with contextlib.suppress(ImportError):
    import hypothesis  # noqa: F401
# Likewise dask.array (README's dask example runs in this process): removed after that test,
# its half-unloaded modules broke importlib.metadata for the next in-process pytest run.
with contextlib.suppress(ImportError):
    import dask.array  # noqa: F401

pytest_plugins = ["pytester"]


#: Folders whose every test is slow: each runs Python or pytest in a subprocess, builds a
#: distribution, or is a statistical experiment. `pytest -m "not slow"` is the inner loop.
SLOW_FOLDERS = ("examples", "integration", "packaging", "statistical")

#: Fixtures that make a test slow wherever it is: importing TensorFlow (Keras's backend here)
#: takes about 10 s.
SLOW_FIXTURES = frozenset({"tensorflow", "keras"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow = {Path(__file__).parent / name for name in SLOW_FOLDERS}
    for item in items:
        in_slow_folder = any(parent in slow for parent in item.path.parents)
        if in_slow_folder or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
