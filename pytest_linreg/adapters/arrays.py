"""Adapters for plain values: arrays and lists, ``(coef, intercept)`` pairs, references."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._coefficients import Coefficients, make_coefficients, make_output_coefficients

__all__ = [
    "ArrayAdapter",
    "CoefficientsAdapter",
    "DatasetAdapter",
    "OLSResultAdapter",
    "PairAdapter",
]


def _is_sequence_of_numbers(obj: Any) -> bool:
    if isinstance(obj, np.ndarray):
        # Every ndarray is ours: a complex or str array then fails with its dtype named.
        return True
    if isinstance(obj, (list, tuple)) and obj:
        return all(isinstance(v, (int, float, np.integer, np.floating)) for v in obj)
    return False


def _reference(obj: Any, source: str) -> Coefficients:
    """A reference answer (``Dataset``, ``OLSResult``): intercept ``None`` when not fitted.

    A multi-output reference (``coef`` of shape (k, p)) gives one output per row.
    """
    intercept = obj.intercept if obj.fit_intercept else None
    if np.ndim(obj.coef) == 2:
        return make_output_coefficients(obj.coef, intercept, source, kind="direct")
    return make_coefficients(obj.coef, intercept, source, kind="direct")


class CoefficientsAdapter:
    """An already extracted :class:`Coefficients` passes through."""

    name = "Coefficients"

    def matches(self, obj: Any) -> bool:
        return isinstance(obj, Coefficients)

    def extract(self, obj: Any) -> Coefficients:
        assert isinstance(obj, Coefficients)  # guarded by matches()
        return obj


class DatasetAdapter:
    """A ``Dataset``'s (or ``MultiOutputDataset``'s) reference; intercept ``None`` without one."""

    name = "Dataset"

    def matches(self, obj: Any) -> bool:
        from ..datasets import Dataset, MultiOutputDataset

        return isinstance(obj, (Dataset, MultiOutputDataset))

    def extract(self, obj: Any) -> Coefficients:
        return _reference(obj, f"Dataset:{obj.name}")


class OLSResultAdapter:
    """An ``OLSResult`` (or ``MultiOutputResult``) from :func:`pytest_linreg.ols`."""

    name = "OLSResult"

    def matches(self, obj: Any) -> bool:
        from ..reference import MultiOutputResult, OLSResult

        return isinstance(obj, (OLSResult, MultiOutputResult))

    def extract(self, obj: Any) -> Coefficients:
        return _reference(obj, f"OLSResult:{obj.method}")


class PairAdapter:
    """``(coef, intercept)``: a tuple whose first item is a sequence and second a number/None.

    A tuple of plain numbers, such as ``(0.9, 0.1)``, is a coefficient vector, not a pair.
    """

    name = "(coef, intercept) pair"

    def matches(self, obj: Any) -> bool:
        if not (isinstance(obj, tuple) and len(obj) == 2):
            return False
        first, second = obj
        # No np.ndim on `first`: a ragged list would make numpy raise here, before
        # make_coefficients can name the problem.
        vector_like = isinstance(first, (list, tuple)) or getattr(first, "ndim", 0) >= 1
        return vector_like and (second is None or getattr(second, "ndim", 0) <= 1)

    def extract(self, obj: Any) -> Coefficients:
        coef, intercept = obj
        return make_coefficients(coef, intercept, "pair")


class ArrayAdapter:
    """A numpy array, list or tuple of coefficients, without intercept."""

    name = "array"

    def matches(self, obj: Any) -> bool:
        return _is_sequence_of_numbers(obj)

    def extract(self, obj: Any) -> Coefficients:
        return make_coefficients(obj, None, "array")
