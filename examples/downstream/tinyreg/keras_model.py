"""A one-unit Keras ``Dense`` model whose weights are solved in closed form with TensorFlow.

Training such a model with SGD on sorted, nearly collinear columns is the trap pytest-linreg
was built around; here the weights come from a least-squares solve instead:
``tf.linalg.lstsq(..., fast=False)`` (a complete orthogonal factorisation, not the normal
equations) on centred and column-equilibrated data, in the model's own dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest_linreg as plr


@plr.declare_capabilities(dtypes=("float64", "float32"), devices=("cpu", "gpu"))
def fit_keras(X: np.ndarray, y: np.ndarray, *, fit_intercept: bool, dtype: str,
              device: str) -> Any:
    """Return a ``keras.Sequential`` with one ``Dense(1)`` layer fitted to ``X, y``."""
    import keras
    import tensorflow as tf

    with tf.device("/GPU:0" if device == "gpu" else "/CPU:0"):
        Xt = tf.constant(X, dtype=dtype)
        yt = tf.reshape(tf.constant(y, dtype=dtype), (-1, 1))
        x_mean = tf.reduce_mean(Xt, axis=0) if fit_intercept else tf.zeros(Xt.shape[1], dtype)
        y_mean = tf.reduce_mean(yt) if fit_intercept else tf.constant(0, dtype)
        Xc = Xt - x_mean
        scale = tf.norm(Xc, axis=0)
        scale = tf.where(scale > 0, scale, tf.ones_like(scale))
        w = tf.linalg.lstsq(Xc / scale, yt - y_mean, fast=False)[:, 0] / scale
        b = y_mean - tf.tensordot(x_mean, w, axes=1)

    model = keras.Sequential([
        keras.Input(shape=(X.shape[1],), dtype=dtype),
        keras.layers.Dense(1, use_bias=fit_intercept, dtype=dtype),
    ])
    weights = [w.numpy().reshape(-1, 1)] + ([np.reshape(b.numpy(), (1,))] if fit_intercept else [])
    model.layers[0].set_weights(weights)
    return model
