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
   ``(coef, intercept)`` pairs, arrays and lists, scikit-learn estimators, statsmodels results,
   Keras models and ``Dense`` layers, torch ``nn.Linear``.

A model no adapter reads raises ``TypeError`` naming every adapter tried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .protocol import ModelAdapter

__all__ = [
    "CoefficientHook",
    "Coefficients",
    "builtin_adapters",
    "extract_coefficients",
    "install_hook",
    "installed_hook",
    "uninstall_hook",
]

#: Signature of the installed hook: ``(coef, intercept)``, a :class:`Coefficients`, or ``None``.
CoefficientHook = Callable[[Any], "tuple[Any, Any] | Coefficients | None"]

_HOOK: ContextVar[CoefficientHook | None] = ContextVar(
    "pytest_linreg_coefficient_hook", default=None
)


@dataclass(frozen=True)
class Coefficients:
    """Coefficients read from a model, in the model's own dtype.

    Attributes
    ----------
    coef : ndarray, shape (p,)
        Read-only; float32 stays float32.
    intercept : float or None
        ``None`` when the model has no intercept term.
    dtype : str
        Name of the dtype the model holds its weights in (``"float32"``, ``"bfloat16"`` ...).
    source : str
        Adapter and object type, e.g. ``"sklearn:LinearRegression"``.
    names : tuple of str or None
        The feature names the model carries, in ``coef`` order (scikit-learn's
        ``feature_names_in_``, statsmodels' ``params.index``), ``None`` when it carries none.
        A comparison aligns them with the dataset's names.
    """

    coef: npt.NDArray[np.floating[Any]]
    intercept: float | None
    dtype: str
    source: str
    names: tuple[str, ...] | None = None

    @property
    def p(self) -> int:
        return int(self.coef.shape[0])

    def params(self, fit_intercept: bool) -> npt.NDArray[np.float64]:
        """Float64 parameter vector ``[intercept, *coef]`` (intercept 0 if absent) or ``coef``."""
        coef = np.asarray(self.coef, dtype=np.float64)
        if not fit_intercept:
            return coef
        return np.concatenate([[0.0 if self.intercept is None else self.intercept], coef])


def make_coefficients(
    coef: Any,
    intercept: Any,
    source: str,
    *,
    dtype: str | None = None,
    names: Any = None,
) -> Coefficients:
    """Validate raw weights: 1-D coef (``(p, 1)``/``(1, p)`` accepted), scalar intercept.

    Integers widen to float64 and ``bfloat16`` (ml_dtypes) to float32; ``dtype`` then still
    names what the model holds, so the attainable accuracy is judged in bfloat16. ``names``:
    the feature names the model carries, one per coefficient, if any.
    """
    arr = _as_array(coef, source, "coefficients")
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.name == "bfloat16":  # ml_dtypes' (Keras, JAX, TF): numpy kind "V"
        dtype = dtype or "bfloat16"
        arr = arr.astype(np.float32)  # exact: every bfloat16 is a float32
    if arr.dtype.kind != "f":
        raise TypeError(f"{source}: coefficients must be real numbers; got dtype {arr.dtype}")
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"{source}: expected one coefficient per feature (a single output); got shape "
            f"{np.shape(coef)}"
        )
    arr = np.array(arr, copy=True)
    arr.setflags(write=False)
    labels = None
    if names is not None:
        labels = tuple(str(n) for n in names)
        if len(labels) != arr.size:
            raise ValueError(
                f"{source}: {len(labels)} feature names for {arr.size} coefficients"
            )
    return Coefficients(arr, _scalar(intercept, source), dtype or arr.dtype.name, source, labels)


def _as_array(value: Any, source: str, what: str) -> npt.NDArray[Any]:
    """``np.asarray(value)``, failing with a ValueError that names ``source`` and ``what``."""
    try:
        return np.asarray(value)
    # Ragged nested sequences (ValueError), and tensors numpy cannot read: a torch tensor
    # that requires grad raises RuntimeError, one on a GPU TypeError.
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"{source}: {what} could not be read as an array: {exc}") from None


def _scalar(value: Any, source: str) -> float | None:
    if value is None:
        return None
    arr = _as_array(value, source, "the intercept")
    if arr.size != 1:
        raise ValueError(f"{source}: the intercept must be a single number; got shape {arr.shape}")
    if arr.dtype.kind not in "biuf" and arr.dtype.name != "bfloat16":
        raise TypeError(f"{source}: the intercept must be a real number; got {value!r}")
    return float(arr.reshape(()))


def builtin_adapters() -> tuple[ModelAdapter, ...]:
    """The built-in adapters in resolution order (new instances; no import of any framework)."""
    from .arrays import (
        ArrayAdapter,
        CoefficientsAdapter,
        DatasetAdapter,
        OLSResultAdapter,
        PairAdapter,
    )
    from .keras import KerasAdapter
    from .sklearn import SklearnAdapter
    from .statsmodels import StatsmodelsAdapter
    from .torch import TorchLinearAdapter

    return (
        CoefficientsAdapter(),
        DatasetAdapter(),
        OLSResultAdapter(),
        PairAdapter(),
        ArrayAdapter(),
        SklearnAdapter(),
        StatsmodelsAdapter(),
        KerasAdapter(),
        TorchLinearAdapter(),
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
        torch ``nn.Linear``, a ``(coef, intercept)`` tuple, an array or list of coefficients,
        a ``Dataset`` or an ``OLSResult``, or anything the installed hook reads.
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
