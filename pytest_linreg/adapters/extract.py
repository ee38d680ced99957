"""``extract_coefficients``: turn a fitted model, a pair or an array into :class:`Coefficients`.

Resolution order
----------------
1. The *installed hook*, if any: a callable ``hook(obj) -> (coef, intercept) | Coefficients |
   None``. This is the seam for the ``pytest_linreg_coefficients`` pluggy hook: the pytest
   plugin installs ``lambda obj: config.hook.pytest_linreg_coefficients(model=obj)`` with
   :func:`install_hook` in ``pytest_configure`` and removes it with :func:`uninstall_hook` in
   ``pytest_unconfigure``; outside pytest (a notebook) nothing is installed and only the
   built-ins below run. ``None`` from the hook means "not mine".
2. The built-in adapters, in order: :class:`Coefficients` as is, ``Dataset``, ``OLSResult``,
   JAX (flax ``nnx.Linear``, bound linen ``Dense``, JAX arrays and pairs of them; ahead of the
   plain pairs so that a float32-only JAX says so), ``(coef, intercept)`` pairs, arrays and
   lists, scikit-learn estimators, statsmodels results, Keras models and ``Dense`` layers, torch
   ``nn.Linear``, Spark MLlib ``LinearRegressionModel``.

A model no adapter reads raises ``TypeError`` naming every adapter tried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

from ._coefficients import Coefficients, make_coefficients
from .arrays import (
    ArrayAdapter,
    CoefficientsAdapter,
    DatasetAdapter,
    OLSResultAdapter,
    PairAdapter,
)
from .jax import JaxAdapter
from .keras import KerasAdapter
from .sklearn import SklearnAdapter
from .spark import SparkAdapter
from .statsmodels import StatsmodelsAdapter
from .torch import TorchLinearAdapter

if TYPE_CHECKING:
    from .protocol import ModelAdapter

__all__ = [
    "CoefficientHook",
    "Coefficients",
    "builtin_adapters",
    "extract_coefficients",
    "install_hook",
    "installed_hook",
    "make_coefficients",
    "uninstall_hook",
]

#: Signature of the installed hook: ``(coef, intercept)``, a :class:`Coefficients`, or ``None``.
CoefficientHook = Callable[[Any], "tuple[Any, Any] | Coefficients | None"]

_HOOK: ContextVar[CoefficientHook | None] = ContextVar(
    "pytest_linreg_coefficient_hook", default=None
)


def builtin_adapters() -> tuple[ModelAdapter, ...]:
    """The built-in adapters in resolution order (new instances; no import of any framework)."""
    return (
        CoefficientsAdapter(),
        DatasetAdapter(),
        OLSResultAdapter(),
        JaxAdapter(),
        PairAdapter(),
        ArrayAdapter(),
        SklearnAdapter(),
        StatsmodelsAdapter(),
        KerasAdapter(),
        TorchLinearAdapter(),
        SparkAdapter(),
    )


def install_hook(hook: CoefficientHook) -> Token[CoefficientHook | None]:
    """Install ``hook`` ahead of the built-in adapters; returns a token for :func:`uninstall_hook`.

    The pytest plugin calls this in ``pytest_configure`` with a function that calls the
    ``pytest_linreg_coefficients`` hook, so downstream ``conftest.py`` implementations take
    precedence over the built-ins.
    """
    if not callable(hook):
        raise TypeError(f"hook must be callable; got {type(hook).__name__}")
    return _HOOK.set(hook)


def uninstall_hook(token: Token[CoefficientHook | None]) -> None:
    """Restore whatever hook was installed before the matching :func:`install_hook`."""
    _HOOK.reset(token)


@contextmanager
def installed_hook(hook: CoefficientHook) -> Iterator[None]:
    """``with installed_hook(fn): ...`` — :func:`install_hook` for the block only."""
    token = install_hook(hook)
    try:
        yield
    finally:
        uninstall_hook(token)


def _from_hook(obj: Any, hook: CoefficientHook) -> Coefficients | None:
    result = hook(obj)
    if result is None:
        return None
    if isinstance(result, Coefficients):
        return result
    if isinstance(result, tuple) and len(result) == 2:
        return make_coefficients(result[0], result[1], f"hook:{type(obj).__name__}")
    raise TypeError(
        "the pytest_linreg_coefficients hook must return (coef, intercept), Coefficients or "
        f"None; got {type(result).__name__}"
    )


def extract_coefficients(
    obj: Any, *, adapters: Sequence[ModelAdapter] | None = None
) -> Coefficients:
    """Read ``(coef, intercept)`` from a fitted model, a pair, an array or a reference.

    Parameters
    ----------
    obj : object
        A fitted scikit-learn estimator, statsmodels results, Keras model or ``Dense`` layer,
        torch ``nn.Linear``, flax ``nnx.Linear`` or bound linen ``Dense``, JAX arrays, a Spark
        ``LinearRegressionModel``, a
        ``(coef, intercept)`` tuple, an array or list of coefficients, a ``Dataset`` or an
        ``OLSResult``, or anything the installed hook reads.
    adapters : sequence of ModelAdapter, optional
        Replace the built-in adapters (the installed hook still runs first).

    Returns
    -------
    Coefficients

    Raises
    ------
    TypeError
        When no adapter reads ``obj``; the message lists every adapter tried.

    Examples
    --------
    >>> c = extract_coefficients(([0.5, 0.5], 0.0))
    >>> c.coef.tolist(), c.intercept, c.dtype
    ([0.5, 0.5], 0.0, 'float64')
    """
    hook = _HOOK.get()
    if hook is not None:
        found = _from_hook(obj, hook)
        if found is not None:
            return found
    tried = ["pytest_linreg_coefficients hook" + ("" if hook is not None else " (none installed)")]
    for adapter in builtin_adapters() if adapters is None else adapters:
        if adapter.matches(obj):
            return adapter.extract(obj)
        tried.append(adapter.name)
    raise TypeError(
        f"cannot read coefficients from a {type(obj).__module__}.{type(obj).__qualname__}; "
        f"tried: {', '.join(tried)}. Pass (coef, intercept) or implement the "
        "pytest_linreg_coefficients hook in conftest.py"
    )
