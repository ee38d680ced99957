"""What a multi-output answer shares with each of its outputs: one design, k solutions.

A leaf module: :class:`~pytest_linreg.MultiOutputResult` (reference) and
:class:`~pytest_linreg.MultiOutputDataset` (datasets) both hold a tuple ``outputs`` of
single-output answers on one design and read the shared facts from them here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["SharedDesignOutputs"]

FloatArray = npt.NDArray[np.float64]


class SharedDesignOutputs:
    """Mixin over ``self.outputs``: each has ``coef``, ``intercept``, ``fit_intercept``,
    ``feature_names``, ``n`` and ``p``, all but the solution the same for every output."""

    outputs: tuple[Any, ...]

    @property
    def n_outputs(self) -> int:
        """Number of outputs ``k``."""
        return len(self.outputs)

    @property
    def coef(self) -> FloatArray:
        """Coefficients, shape ``(k, p)`` (scikit-learn's ``coef_`` layout): row ``j`` is
        output ``j``'s."""
        return np.stack([o.coef for o in self.outputs])

    @property
    def intercept(self) -> FloatArray:
        """Intercepts, shape ``(k,)`` (zeros without an intercept)."""
        return np.array([o.intercept for o in self.outputs], dtype=np.float64)

    @property
    def fit_intercept(self) -> bool:
        return bool(self.outputs[0].fit_intercept)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.outputs[0].feature_names)

    @property
    def n(self) -> int:
        """Observations (for a weighted problem, those of positive weight)."""
        return int(self.outputs[0].n)

    @property
    def p(self) -> int:
        """Coefficients per output (the intercept not counted)."""
        return int(self.outputs[0].p)
