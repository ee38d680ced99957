"""The :class:`ModelAdapter` protocol: how a fitted model's coefficients are read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ._coefficients import Coefficients

__all__ = ["ModelAdapter"]


@runtime_checkable
class ModelAdapter(Protocol):
    """Reads ``(coef, intercept)`` out of one kind of fitted model.

    Implementations must not import a framework to *check* a type: :meth:`matches` uses duck
    typing and the object's module name, so that ``import pytest_linreg`` and a plain pytest run
    never load TensorFlow or torch.

    Attributes
    ----------
    name : str
        Short name shown in error messages and reports (``"sklearn"``, ``"keras"`` ...).
    """

    name: str

    def matches(self, obj: Any) -> bool:
        """Whether this adapter can read ``obj`` (cheap; never imports a framework)."""
        ...

    def extract(self, obj: Any) -> Coefficients:
        """The coefficients of ``obj``; raise ``TypeError``/``ValueError`` if it is not linear."""
        ...
