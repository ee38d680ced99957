"""PyTorch ``nn.Linear(p, 1)``, alone or as the only ``Linear`` in a module without activations."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._coefficients import Coefficients, make_output_coefficients

__all__ = ["TorchLinearAdapter"]


def _is_linear(obj: Any) -> bool:
    cls = type(obj)
    return cls.__module__.startswith("torch.nn") and cls.__name__ == "Linear"


def _to_numpy(tensor: Any) -> tuple[Any, str]:
    """Tensor to numpy, keeping the dtype; bfloat16 (unknown to numpy) widens to float32."""
    dtype = str(tensor.dtype).removeprefix("torch.")
    t = tensor.detach().cpu()
    if dtype == "bfloat16":
        t = t.float()  # exact: every bfloat16 is a float32
    return np.asarray(t.numpy()), dtype


#: Submodules proven to be the identity at evaluation time on a 2-D input. Others may change
#: the function without being an activation (a custom scaling module, a permutation), so a
#: container holding them is refused rather than read as its nn.Linear.
_IDENTITY_MODULES = frozenset({"Identity", "Dropout", "Flatten", "Sequential"})


class TorchLinearAdapter:
    """``torch.nn.Linear`` with ``out_features == 1`` (duck typed on class and module names)."""

    name = "torch"

    def matches(self, obj: Any) -> bool:
        if _is_linear(obj):
            return True
        modules = getattr(obj, "modules", None)
        return type(obj).__module__.startswith("torch") and callable(modules)

    def extract(self, obj: Any) -> Coefficients:
        layer = obj
        if not _is_linear(obj):
            linears = [m for m in obj.modules() if _is_linear(m)]
            if len(linears) != 1:
                raise TypeError(
                    f"torch: a linear model holds exactly one nn.Linear; {type(obj).__name__} "
                    f"holds {len(linears)}"
                )
            layer = linears[0]
            nonlinear = [
                type(m).__name__
                for m in obj.modules()
                if type(m).__module__.startswith("torch.nn.modules.activation")
            ]
            if nonlinear:
                raise TypeError(
                    f"torch: {type(obj).__name__} holds activations {nonlinear}: not a linear "
                    "regression"
                )
            others = [
                type(m).__name__
                for m in obj.modules()
                if m is not obj and m is not layer and type(m).__name__ not in _IDENTITY_MODULES
            ]
            if others:
                raise TypeError(
                    f"torch: {type(obj).__name__} holds {others} besides its nn.Linear: its "
                    "output is not that of the Linear weights alone. Compare the nn.Linear on "
                    "data transformed the same way, or a (coef, intercept) pair"
                )
        weight, dtype = _to_numpy(layer.weight)  # (k, p): nn.Linear(p, k), k outputs
        if weight.ndim != 2:
            raise ValueError(f"torch:Linear: weight must have shape (k, p); got {weight.shape}")
        bias = None if layer.bias is None else _to_numpy(layer.bias)[0]
        return make_output_coefficients(weight, bias, "torch:Linear", dtype=dtype)
