"""Multi-output and penalised models trained by Keras and torch themselves, judged exactly.

No mocks: each model is trained by its framework's own optimiser in float64 on a design whose
columns are centred and orthogonal (``XᵀX = n·I``), where full-batch gradient descent converges
to the optimum of the framework's loss at machine precision in a few hundred steps. What is
tested is the mapping of each framework's loss onto the dataset's problem:

- Keras ``Dense(k)`` with ``loss="mse"``: k outputs, each the OLS fit of its column;
- Keras ``kernel_regularizer=L2(l)``: the loss is ``mean(r²) + l·‖w‖²``, times n
  ``Σ r² + n·l·‖w‖²``, so the dataset's ``alpha`` is ``n·l``;
- torch ``SGD(weight_decay=λ)`` on the weight only, with the mean squared error: the gradient
  is ``(2/n)·Xᵀ(Xw − y) + λ·w``, zero where ``XᵀXw − Xᵀy + (n·λ/2)·w = 0``, so ``alpha`` is
  ``n·λ/2``.

A correct fit passes at rtol 1e-7; the same fit with one coefficient moved by 3e-7 fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import pytest_linreg as plr
from pytest_linreg._records import collecting
from pytest_linreg.errors import LinregAssertionError

pytestmark = pytest.mark.slow  # imports TensorFlow/Keras and torch (seconds each)

N, P, K = 64, 3, 3


def _orthogonal_design(seed: int) -> np.ndarray:
    """Centred columns with ``XᵀX = n·I``: gradient descent's best case."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((N, P))
    Z -= Z.mean(axis=0)
    Q, _ = np.linalg.qr(Z)
    return np.asarray(Q * np.sqrt(N))


def _responses(X: np.ndarray, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.asarray(X @ rng.standard_normal((P, k)) + 0.3 + 0.1 * rng.standard_normal((N, k)))


def _fails_when_moved(read: Any, ds: Any, output: int, index: int) -> str:
    """The message of the check of ``read`` with coefficient ``index`` of ``output`` moved."""
    coef = np.array(read.coef, dtype=np.float64, copy=True).reshape(-1, P)
    coef[output, index] *= 1 + 3e-7
    intercept = read.intercept if not read.outputs else [o.intercept for o in read.outputs]
    moved = plr.adapters.make_output_coefficients(coef, intercept, read.source + " (moved)")
    with pytest.raises(LinregAssertionError) as info, collecting():
        plr.assert_coefficients_close(moved, ds, rtol=1e-7)
    return str(info.value)


@pytest.fixture
def keras() -> Iterator[Any]:
    """Keras computing in float64 throughout: losses follow ``floatx``, not the layer dtype."""
    keras = pytest.importorskip("keras", reason="Keras is not installed (the tensorflow extra)")
    previous = keras.config.floatx()
    keras.config.set_floatx("float64")
    yield keras
    keras.config.set_floatx(previous)


def _keras_fit(keras: Any, X: np.ndarray, Y: np.ndarray, *, lr: float, epochs: int,
               l2: float = 0.0) -> Any:
    keras.utils.set_random_seed(0)
    regularizer = keras.regularizers.L2(l2) if l2 else None
    model = keras.Sequential([
        keras.Input(shape=(X.shape[1],), dtype="float64"),
        keras.layers.Dense(Y.shape[1], dtype="float64", kernel_regularizer=regularizer),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    model.fit(X, Y, batch_size=len(X), epochs=epochs, shuffle=False, verbose=0)
    return model


def test_keras_dense_3_on_a_3_output_dataset(keras: Any) -> None:
    X = _orthogonal_design(0)
    Y = _responses(X, K, 1)
    ds = plr.MultiOutputDataset.from_arrays("three-outputs", X, Y)
    model = _keras_fit(keras, X, Y, lr=1.0, epochs=200)  # Keras's mse averages the k outputs
    with collecting() as rows:
        plr.assert_coefficients_close(model, ds, rtol=1e-7)
    assert [r.dataset for r in rows] == ["three-outputs[y1]", "three-outputs[y2]",
                                         "three-outputs[y3]"]
    assert all(r.dtype == "float64" and r.fitter.startswith("keras:") for r in rows)
    read = plr.extract_coefficients(model)
    text = _fails_when_moved(read, ds, output=1, index=2)
    assert text.startswith("coefficients of 1/3 outputs differ: y2 (passed: y1, y3)")
    assert "✗ x3" in text


def test_keras_l2_regulariser_is_ridge_with_alpha_n_times_l(keras: Any) -> None:
    X = _orthogonal_design(2)
    y = _responses(X, 1, 3)
    l2 = 0.05
    model = _keras_fit(keras, X, y, lr=0.4, epochs=300, l2=l2)
    ridge = plr.Dataset.from_arrays("keras-l2", X, y[:, 0], alpha=N * l2)
    with collecting():
        plr.assert_coefficients_close(model, ridge, rtol=1e-7)
    text = _fails_when_moved(plr.extract_coefficients(model), ridge, output=0, index=0)
    assert "1/4 mismatched" in text and "problem: ridge alpha=3.2" in text
    # The mapping matters: alpha = l (no factor n) is a different problem, and fails.
    with pytest.raises(LinregAssertionError), collecting():
        plr.assert_coefficients_close(
            model, plr.Dataset.from_arrays("keras-l2-wrong", X, y[:, 0], alpha=l2), rtol=1e-7
        )


@pytest.fixture(scope="module")
def torch() -> Any:
    return pytest.importorskip("torch", reason="torch is not installed (the torch extra)")


def _torch_sgd(torch: Any, X: np.ndarray, Y: np.ndarray, *, lr: float, steps: int,
               weight_decay: float = 0.0) -> Any:
    torch.manual_seed(0)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    model = torch.nn.Linear(X.shape[1], Y.shape[1]).double()
    optimizer = torch.optim.SGD([
        {"params": [model.weight], "weight_decay": weight_decay},
        {"params": [model.bias], "weight_decay": 0.0},  # the intercept is not penalised
    ], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.mean((model(Xt) - Yt) ** 2).backward()
        optimizer.step()
    return model


def test_torch_linear_with_3_outputs(torch: Any) -> None:
    X = _orthogonal_design(4)
    Y = _responses(X, K, 5)
    ds = plr.MultiOutputDataset.from_arrays("torch-three", X, Y, output_names=["a", "b", "c"])
    model = _torch_sgd(torch, X, Y, lr=1.0, steps=300)  # torch.mean averages n·k terms
    with collecting() as rows:
        plr.assert_coefficients_close(model, ds, rtol=1e-7)
    assert [r.fitter for r in rows] == [f"torch:Linear[output {j}]" for j in (1, 2, 3)]
    text = _fails_when_moved(plr.extract_coefficients(model), ds, output=2, index=0)
    assert text.startswith("coefficients of 1/3 outputs differ: c (passed: a, b)")


def test_torch_weight_decay_is_ridge_with_alpha_n_times_lambda_over_2(torch: Any) -> None:
    X = _orthogonal_design(6)
    y = _responses(X, 1, 7)
    decay = 0.1
    model = _torch_sgd(torch, X, y, lr=0.4, steps=300, weight_decay=decay)
    ridge = plr.Dataset.from_arrays("torch-decay", X, y[:, 0], alpha=N * decay / 2)
    with collecting():
        plr.assert_coefficients_close(model, ridge, rtol=1e-7)
    text = _fails_when_moved(plr.extract_coefficients(model), ridge, output=0, index=1)
    assert "1/4 mismatched" in text
