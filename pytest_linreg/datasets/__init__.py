"""Datasets: NIST StRD certified sets, the sorted-Poisson question, and generators."""

from __future__ import annotations

from ._dataset import Dataset

__all__ = ["Dataset"]
