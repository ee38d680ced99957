"""Model adapters: read ``(coef, intercept)`` from fitted models of any framework.

See :mod:`pytest_linreg.adapters.extract` for the resolution order and the hook seam.
"""

from __future__ import annotations

from ._coefficients import FIT_KINDS, make_coefficients, make_output_coefficients
from .extract import (
    Coefficients,
    builtin_adapters,
    extract_coefficients,
    install_hook,
    installed_hook,
    uninstall_hook,
)
from .protocol import ModelAdapter

__all__ = [
    "FIT_KINDS",
    "Coefficients",
    "ModelAdapter",
    "builtin_adapters",
    "extract_coefficients",
    "install_hook",
    "installed_hook",
    "make_coefficients",
    "make_output_coefficients",
    "uninstall_hook",
]
