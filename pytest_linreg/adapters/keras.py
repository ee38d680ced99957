"""Keras (3 or tf.keras) models with a single ``Dense(1)`` layer, and ``Dense`` layers."""

from __future__ import annotations

from typing import Any

import numpy as np

from .extract import Coefficients, make_coefficients

__all__ = ["KerasAdapter"]

_MODULES = ("keras", "tf_keras", "tensorflow")


def _weighted_layers(model: Any) -> list[Any]:
    return [layer for layer in model.layers if layer.get_weights()]


def _activation_layers(model: Any) -> list[str]:
    """Names of activation layers (``Activation``, ``ReLU`` ...): weightless, but nonlinear."""
    return [
        type(layer).__name__
        for layer in model.layers
        if any(part.startswith("activation") for part in type(layer).__module__.split("."))
    ]


class KerasAdapter:
    """A ``Dense`` layer with kernel shape ``(p, 1)`` (and bias), or a model holding one.

    Recognised by module name only (``keras.*``, ``tf_keras.*``, ``tensorflow.*``): checking
    ``isinstance(obj, keras.Model)`` would import TensorFlow. The dtype is the kernel's
    (``float32`` by default in Keras, ``bfloat16`` with ``dtype="bfloat16"``). A layer with a
    nonlinear activation, a model with several weighted layers or with activation layers, or an
    unbuilt one is refused.
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
        kernel = np.asarray(weights[0])
        if kernel.ndim != 2 or kernel.shape[1] != 1:
            raise ValueError(f"{source}: kernel must have shape (p, 1); got {kernel.shape}")
        bias = np.asarray(weights[1]) if len(weights) == 2 else None
        return make_coefficients(kernel[:, 0], bias, source)
