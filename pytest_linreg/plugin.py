"""pytest11 entry point of pytest-linreg (options, markers, fixtures, hooks)."""

from __future__ import annotations
