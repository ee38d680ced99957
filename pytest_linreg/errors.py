"""Exception and warning types raised by pytest-linreg.

The numerical core raises these without importing pytest; ``LinregWarning`` is a plain
``UserWarning`` subclass for that reason (pytest shows it like any other warning).
"""

from __future__ import annotations

__all__ = [
    "IllConditionedWarning",
    "LinregAssertionError",
    "LinregError",
    "LinregWarning",
    "RankDeficientError",
    "RankDeficientWarning",
]


class LinregError(Exception):
    """Base class of the errors pytest-linreg raises for reasons other than bad input."""


class LinregAssertionError(AssertionError):
    """A linreg check failed: the message says what differed and why."""


class RankDeficientError(LinregError, ValueError):
    """The design is exactly rank deficient (``ols(..., exact=True)``): no unique answer.

    The float path does not raise it; on a numerically rank-deficient design it returns the
    minimum-norm solution with a :class:`RankDeficientWarning`.
    """


class LinregWarning(UserWarning):
    """Base class of pytest-linreg's warnings."""


class RankDeficientWarning(LinregWarning):
    """A minimum-norm solution was returned for a rank-deficient design."""


class IllConditionedWarning(LinregWarning):
    """The reference solver could not certify its answer to working precision."""
