"""torch: an ``nn.Linear`` trained by torch's own optimisers, judged against the exact answer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import pytest_linreg as plr

torch = pytest.importorskip("torch", reason="torch is not installed")


def train(model: Any, X: np.ndarray, Y: np.ndarray, optimizer: Any, steps: int) -> Any:
    Xt, Yt = torch.tensor(X), torch.tensor(Y.reshape(len(X), -1))

    def closure() -> Any:
        optimizer.zero_grad()
        loss = torch.mean((model(Xt) - Yt) ** 2)
        loss.backward()
        return loss

    for _ in range(steps):
        optimizer.step(closure)
    return model


def test_lbfgs_in_float64_reaches_1e7_on_the_question() -> None:
    ds = plr.load_dataset("sorted_poisson")
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1).double()
    optimizer = torch.optim.LBFGS(model.parameters(), max_iter=500, tolerance_grad=0.0,
                                  tolerance_change=0.0, line_search_fn="strong_wolfe")
    plr.assert_coefficients_close(train(model, ds.X, ds.y, optimizer, 10), ds, rtol=1e-7)


def test_adam_stops_short_and_the_failure_says_why() -> None:
    ds = plr.load_dataset("sorted_poisson")
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1).double()
    train(model, ds.X, ds.y, torch.optim.Adam(model.parameters(), lr=1e-2), 200)
    with pytest.raises(plr.LinregAssertionError, match=r"x1 − 1\.00·x2 ≈ 0"):
        plr.assert_coefficients_close(model, ds, rtol=1e-7)


def _orthogonal(n: int, p: int, seed: int) -> np.ndarray:
    """Centred columns with XᵀX = n·I: gradient descent converges in a few hundred steps."""
    Z = np.random.default_rng(seed).standard_normal((n, p))
    Q, _ = np.linalg.qr(Z - Z.mean(axis=0))
    return np.asarray(Q * np.sqrt(n))


def test_three_outputs_are_judged_one_by_one() -> None:
    X = _orthogonal(64, 3, 1)
    Y = X @ np.random.default_rng(2).standard_normal((3, 3)) + 0.3
    ds = plr.MultiOutputDataset.from_arrays("three", X, Y, output_names=["a", "b", "c"])
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 3).double()
    train(model, X, Y, torch.optim.SGD(model.parameters(), lr=1.0), 300)
    plr.assert_coefficients_close(model, ds, rtol=1e-7)


def test_weight_decay_on_the_weight_is_ridge_with_alpha_n_lambda_over_2() -> None:
    n, decay = 64, 0.1
    X = _orthogonal(n, 3, 3)
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * np.random.default_rng(4).standard_normal(n)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1).double()
    optimizer = torch.optim.SGD([{"params": [model.weight], "weight_decay": decay},
                                 {"params": [model.bias]}], lr=0.4)  # the bias is not penalised
    train(model, X, y, optimizer, 300)
    ridge = plr.Dataset.from_arrays("decay", X, y, alpha=n * decay / 2)
    plr.assert_coefficients_close(model, ridge, rtol=1e-7)
