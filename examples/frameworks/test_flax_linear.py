"""JAX/flax: an ``nnx.Linear`` trained by optax L-BFGS, judged against the exact answer."""

from __future__ import annotations

from typing import Any

import pytest

import pytest_linreg as plr

jax = pytest.importorskip("jax", reason="jax is not installed")
jnp = pytest.importorskip("jax.numpy")
nnx = pytest.importorskip("flax.nnx", reason="flax is not installed")
optax = pytest.importorskip("optax", reason="optax is not installed")


def fit(ds: plr.Dataset, dtype: Any) -> Any:
    """``nnx.Linear(p, 1)`` fitted by optax L-BFGS on the mean squared error."""
    X, y = jnp.asarray(ds.X, dtype), jnp.asarray(ds.y, dtype)[:, None]
    model = nnx.Linear(ds.p, 1, rngs=nnx.Rngs(0), param_dtype=dtype)
    graphdef, params = nnx.split(model, nnx.Param)

    def loss(p: Any) -> Any:
        return jnp.mean((nnx.merge(graphdef, p)(X) - y) ** 2)

    opt = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(loss)

    @jax.jit
    def step(p: Any, state: Any) -> tuple[Any, Any]:
        value, grad = value_and_grad(p, state=state)
        updates, state = opt.update(grad, state, p, value=value, grad=grad, value_fn=loss)
        return optax.apply_updates(p, updates), state

    state = opt.init(params)
    for _ in range(30):
        params, state = step(params, state)
    nnx.update(model, params)
    return model


def test_lbfgs_in_float64_reaches_1e7_on_the_question() -> None:
    ds = plr.load_dataset("sorted_poisson")
    with jax.enable_x64(True):  # float64 in JAX needs x64: without it, arrays are float32
        model = fit(ds, jnp.float64)
    plr.assert_coefficients_close(model, ds, rtol=1e-7)


def test_without_x64_the_model_is_float32_and_the_failure_says_so() -> None:
    ds = plr.load_dataset("sorted_poisson")
    with pytest.warns(UserWarning, match="float64"):  # JAX truncates the dtype it was asked for
        model = fit(ds, jnp.float64)
    with pytest.raises(plr.LinregAssertionError, match="jax_enable_x64, which is off"):
        plr.assert_coefficients_close(model, ds, rtol=1e-7)
