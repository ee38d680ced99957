"""Shared test configuration: pytester for the plugin tests.

pytester removes modules first imported during a test when the test ends. The hypothesis
pytest plugin imports hypothesis (about 1 s) at the end of every inner run, so without the
import below each in-process run paid that again; imported here, it survives between tests.
(Here rather than in tests/plugin/conftest.py: a second conftest.py outside a package clashed
with tests/unit/conftest.py as module ``conftest`` when --doctest-modules collected both.)
"""

import contextlib

with contextlib.suppress(ImportError):
    import hypothesis  # noqa: F401

pytest_plugins = ["pytester"]
