"""Keras (3 or tf.keras) models with a single ``Dense(1)`` layer, and ``Dense`` layers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._coefficients import Coefficients, make_output_coefficients

__all__ = ["KerasAdapter"]

_MODULES = ("keras", "tf_keras", "tensorflow")


def _weighted_layers(model: Any) -> list[Any]:
    return [layer for layer in model.layers if layer.get_weights()]


#: Weightless layers proven to compute the identity at prediction time on a 2-D input.
#: Anything else without weights may still change the function (``Rescaling(2.0)``, a
#: ``Lambda`` that permutes columns, ``Normalization`` with fixed statistics), so it is refused
#: by name rather than ignored.
_IDENTITY_LAYERS = frozenset({"InputLayer", "Dropout", "Flatten", "Identity"})


def _function_changing_layers(model: Any, weighted: Any) -> list[str]:
    """Names of the layers besides ``weighted`` not proven to be the identity."""
    return [
        f"{type(layer).__name__}({getattr(layer, 'name', '?')})"
        for layer in model.layers
        if layer is not weighted and type(layer).__name__ not in _IDENTITY_LAYERS
    ]


def _activation_layers(model: Any) -> list[str]:
    """Names of activation layers (``Activation``, ``ReLU`` ...): weightless, but nonlinear."""
    return [
        type(layer).__name__
        for layer in model.layers
        if any(part.startswith("activation") for part in type(layer).__module__.split("."))
    ]


def _fit_kind(obj: Any) -> str:
    """``"iterative"`` for a model whose optimizer has taken steps (``model.fit``), else unknown.

    Read through attributes only (no TensorFlow import): weights set by ``set_weights`` after a
    direct solve leave the optimizer's step count at 0.
    """
    optimizer = getattr(obj, "optimizer", None)
    steps = getattr(optimizer, "iterations", None)
    if steps is None:
        return "unknown"
    try:
        return "iterative" if int(np.asarray(steps)) > 0 else "unknown"
    except (TypeError, ValueError):
        return "unknown"


class KerasAdapter:
    """A ``Dense`` layer with kernel shape ``(p, k)`` (and bias), or a model holding one.

    ``Dense(1)`` is one output; ``Dense(k)`` is k outputs, compared output by output.

    Recognised by module name only (``keras.*``, ``tf_keras.*``, ``tensorflow.*``): checking
    ``isinstance(obj, keras.Model)`` would import TensorFlow. The dtype is the kernel's
    (``float32`` by default in Keras, ``bfloat16`` with ``dtype="bfloat16"``). A layer with a
    nonlinear activation, a model with several weighted layers, with activation layers or with
    weightless layers not proven to be the identity (``Rescaling``, ``Lambda`` ...; allowed:
    ``InputLayer``, ``Dropout``, ``Flatten``, ``Identity``), or an unbuilt one is refused.
    """

    name = "keras"

    def matches(self, obj: Any) -> bool:
        module = type(obj).__module__
        return module.split(".")[0] in _MODULES and hasattr(obj, "get_weights")

    def extract(self, obj: Any) -> Coefficients:
        layer = obj
        if hasattr(obj, "layers"):
            layers = _weighted_layers(obj)
            if not layers:
                raise TypeError(
                    f"keras: {type(obj).__name__} has no weights yet: build or fit it first"
                )
            if len(layers) != 1:
                names = [type(lay).__name__ for lay in layers]
                raise TypeError(
                    f"keras: a linear model has one layer with weights; {type(obj).__name__} "
                    f"has {len(layers)} ({names})"
                )
            layer = layers[0]
            nonlinear = _activation_layers(obj)
            if nonlinear:
                raise TypeError(
                    f"keras: {type(obj).__name__} holds activation layers {nonlinear}: not a "
                    "linear regression"
                )
            others = _function_changing_layers(obj, layer)
            if others:
                raise TypeError(
                    f"keras: {type(obj).__name__} holds {', '.join(others)} besides its Dense "
                    "layer: its predictions are not those of the Dense weights alone. Compare "
                    "the Dense layer (model.layers[i]) on data transformed the same way, or a "
                    "(coef, intercept) pair"
                )
        weights = layer.get_weights()
        source = f"keras:{type(layer).__name__}"
        activation = getattr(getattr(layer, "activation", None), "__name__", "linear")
        if activation != "linear":
            raise TypeError(
                f"{source}: activation {activation!r} makes the model nonlinear; a linear "
                "regression is Dense(1) with activation=None"
            )
        if not weights or len(weights) > 2:
            raise TypeError(
                f"{source}: expected [kernel] or [kernel, bias]; got {len(weights)} arrays"
            )
        kernel = np.asarray(weights[0])  # (p, k): Dense(k), k outputs
        if kernel.ndim != 2:
            raise ValueError(f"{source}: kernel must have shape (p, k); got {kernel.shape}")
        bias = np.asarray(weights[1]) if len(weights) == 2 else None
        return make_output_coefficients(kernel.T, bias, source, kind=_fit_kind(obj))
