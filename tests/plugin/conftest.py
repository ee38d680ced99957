"""Shared setup of the pytester-based plugin tests."""

from __future__ import annotations

import contextlib

# pytester removes modules first imported during a test when the test ends. The hypothesis
# pytest plugin imports hypothesis (about 1 s) at the end of every inner run, so without this
# each in-process run paid that again; imported here, it survives between tests.
with contextlib.suppress(ImportError):
    import hypothesis  # noqa: F401
