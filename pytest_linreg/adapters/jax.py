"""JAX: a flax ``nnx.Linear`` or bound linen ``Dense`` (k outputs: kernel (p, k)), JAX arrays.

Recognised by module name only (``flax.*``, ``jax.*``, ``jaxlib.*``), so that neither reading
nor refusing an object imports JAX: an object of these types exists only once JAX is loaded.

float64 in JAX needs ``jax_enable_x64``: without it JAX silently creates float32 arrays even
where ``dtype=jnp.float64`` is asked for, so a float64 check then judges float32 weights. The
source of such coefficients says so (``jax:nnx.Linear (float64 needs jax_enable_x64, which is
off)``), and every message that names the compared model carries it.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ._coefficients import Coefficients, make_coefficients, make_output_coefficients

__all__ = ["JaxAdapter", "x64_enabled"]

_ARRAY_MODULES = ("jax", "jaxlib")
#: nnx modules proven to be the identity at evaluation time (Dropout with deterministic=True
#: or outside training); any other layer of an ``nnx.Sequential`` may change the function.
_IDENTITY_MODULES = frozenset({"Dropout"})
#: The sentence added to the source of float32 weights read while ``jax_enable_x64`` is off.
X64_NOTE = "float64 needs jax_enable_x64, which is off"


def _top_module(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def _is_jax_array(obj: Any) -> bool:
    return _top_module(obj) in _ARRAY_MODULES and hasattr(obj, "dtype") and hasattr(obj, "shape")


def _flax_kind(obj: Any) -> str | None:
    """``"nnx"`` or ``"linen"`` for an instance of a flax module class (subclasses included)."""
    for cls in type(obj).__mro__:
        parts = cls.__module__.split(".")
        if parts[0] == "flax" and len(parts) > 1 and parts[1] in ("nnx", "linen"):
            return parts[1]
    return None


def x64_enabled() -> bool | None:
    """Whether JAX's ``jax_enable_x64`` is on; ``None`` when JAX is not imported.

    Examples
    --------
    >>> x64_enabled() in (None, True, False)
    True
    """
    jax = sys.modules.get("jax")
    config = getattr(jax, "config", None)
    if config is None:
        return None
    return bool(getattr(config, "jax_enable_x64", False))


def _source(what: str, dtype: str) -> str:
    """``jax:<what>``, plus the x64 sentence for float32 weights read with x64 off."""
    if dtype == "float32" and x64_enabled() is False:
        return f"jax:{what} ({X64_NOTE})"
    return f"jax:{what}"


def _value(variable: Any) -> Any:
    """The array of an nnx ``Param`` (``get_value()`` in flax ≥ 0.12, ``.value`` before)."""
    getter = getattr(variable, "get_value", None)
    return getter() if callable(getter) else getattr(variable, "value", variable)


def _dtype_name(array: Any) -> str:
    return str(np.dtype(array.dtype).name)


def _from_kernel(kernel: Any, bias: Any, what: str) -> Coefficients:
    """Coefficients from a ``(p, k)`` kernel (k outputs) and an optional ``(k,)`` bias."""
    source = _source(what, _dtype_name(kernel))
    k = np.asarray(kernel)
    if k.ndim != 2:
        raise ValueError(f"{source}: a Dense/Linear kernel has shape (p, k); got {k.shape}")
    b = None if bias is None else np.asarray(bias)
    return make_output_coefficients(k.T, b, source)


def _nnx_linear(obj: Any) -> Any:
    """The one ``nnx.Linear`` of ``obj``: itself, or the only layer of an ``nnx.Sequential``."""
    name = type(obj).__name__
    if type(obj).__module__.startswith("flax.nnx"):
        if name == "Linear":
            return obj
        if name == "Sequential":
            return _sequential_linear(obj)
        raise TypeError(
            f"jax: flax nnx.{name} is not a linear regression; expected nnx.Linear(p, k) or an "
            "nnx.Sequential holding one"
        )
    linears = [path for path, m in _iter_modules(obj) if type(m).__name__ == "Linear"]
    where = ", ".join("." + ".".join(str(p) for p in path) for path in linears) or "none"
    raise TypeError(
        f"jax: {name} is a user-defined nnx.Module (nnx.Linear at: {where}); its __call__ may "
        "transform the Linear's output, so it is not read. Pass the nnx.Linear itself "
        "(e.g. model.linear) or a (coef, intercept) pair"
    )


def _iter_modules(obj: Any) -> list[tuple[tuple[Any, ...], Any]]:
    nnx = sys.modules.get("flax.nnx")
    iterate = getattr(nnx, "iter_modules", None)
    return list(iterate(obj)) if callable(iterate) else []


def _sequential_linear(obj: Any) -> Any:
    layers = list(obj.layers)
    linears = [layer for layer in layers if type(layer).__name__ == "Linear"]
    others = [
        getattr(layer, "__name__", type(layer).__name__)
        for layer in layers
        if type(layer).__name__ not in _IDENTITY_MODULES | {"Linear"}
    ]
    if len(linears) != 1:
        raise TypeError(
            f"jax: a linear model holds exactly one nnx.Linear; nnx.Sequential holds {len(linears)}"
        )
    if others:
        raise TypeError(
            f"jax: nnx.Sequential holds {others} besides its nnx.Linear: its output is not that "
            "of the Linear weights alone (an activation makes it nonlinear). Compare the "
            "nnx.Linear on data transformed the same way, or a (coef, intercept) pair"
        )
    return linears[0]


def _linen_dense(obj: Any) -> Coefficients:
    name = type(obj).__name__
    if not type(obj).__module__.startswith("flax.linen") or name != "Dense":
        raise TypeError(
            f"jax: linen {name} is not read (its __call__ may do anything with its parameters); "
            "pass a bound nn.Dense(k), or (params['kernel'][:, 0], params['bias'][0])"
        )
    if getattr(obj, "scope", None) is None:
        raise TypeError(
            "jax: an unbound linen Dense holds no parameters: pass dense.bind(variables), or "
            "the (kernel, bias) pair from variables['params']"
        )
    params = obj.variables.get("params", {})
    return _from_kernel(params["kernel"], params.get("bias"), "linen.Dense")


def _pair(obj: tuple[Any, Any]) -> Coefficients:
    coef, intercept = obj
    return make_coefficients(np.asarray(coef), intercept, _source("pair", _dtype_name(coef)))


class JaxAdapter:
    """flax ``nnx.Linear(p, k)``, an ``nnx.Sequential`` holding one, a bound linen ``Dense(k)``,
    a ``(coef, intercept)`` pair of JAX arrays, or a JAX array of coefficients.

    The kernel has shape ``(p, k)`` (flax's layout, inputs first; k outputs compared one by
    one); the bias ``(k,)`` or none
    (``use_bias=False``). The dtype is the kernel's. Refused, with what was found: other flax
    modules, an ``nnx.Sequential`` with anything besides the Linear and ``Dropout`` (an
    activation function, a second layer), user-defined ``nnx.Module``/linen subclasses (their
    ``__call__`` is opaque) and unbound linen modules.
    """

    name = "jax"

    def matches(self, obj: Any) -> bool:
        if isinstance(obj, tuple) and len(obj) == 2:
            return _is_jax_array(obj[0])
        return _is_jax_array(obj) or _flax_kind(obj) is not None

    def extract(self, obj: Any) -> Coefficients:
        if isinstance(obj, tuple):
            return _pair(obj)
        if _is_jax_array(obj):
            return make_coefficients(np.asarray(obj), None, _source("array", _dtype_name(obj)))
        if _flax_kind(obj) == "linen":
            return _linen_dense(obj)
        layer = _nnx_linear(obj)
        bias = None if layer.bias is None else _value(layer.bias)
        return _from_kernel(_value(layer.kernel), bias, "nnx.Linear")
