"""JAX for real: flax ``nnx.Linear`` and linen ``Dense`` trained with optax on the question's data.

No mocks: the models are trained by optax (L-BFGS, Adam) and read by the JAX adapter. float64
runs inside ``jax.enable_x64(True)``, so the process-wide default (x64 off) is left alone for
the float32 tests and everything after them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import pytest_linreg as plr
from pytest_linreg._records import collecting
from pytest_linreg.adapters import extract_coefficients
from pytest_linreg.errors import LinregAssertionError

pytestmark = pytest.mark.slow  # imports and compiles JAX (a few seconds)

jax = pytest.importorskip("jax", reason="jax is not installed (the jax extra)")
jnp = pytest.importorskip("jax.numpy")
nnx = pytest.importorskip("flax.nnx", reason="flax is not installed (the jax extra)")
linen = pytest.importorskip("flax.linen")
optax = pytest.importorskip("optax", reason="optax is not installed (the jax extra)")

X64_SENTENCE = "float64 needs jax_enable_x64, which is off"


def _train_lbfgs(loss: Callable[[Any], Any], params: Any, steps: int = 30) -> Any:
    """Full-batch optax L-BFGS (zoom line search) from ``params``; returns the final params."""
    opt = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(loss)

    @jax.jit
    def step(params: Any, state: Any) -> tuple[Any, Any]:
        value, grad = value_and_grad(params, state=state)
        updates, state = opt.update(grad, state, params, value=value, grad=grad, value_fn=loss)
        return optax.apply_updates(params, updates), state

    state = opt.init(params)
    for _ in range(steps):
        params, state = step(params, state)
    return params


def _fit_nnx(ds: plr.Dataset, dtype: Any) -> Any:
    """An ``nnx.Linear(p, 1)`` fitted to ``ds`` by L-BFGS on the mean squared error."""
    X, y = jnp.asarray(ds.X, dtype), jnp.asarray(ds.y, dtype)[:, None]
    model = nnx.Linear(ds.p, 1, rngs=nnx.Rngs(0), param_dtype=dtype)
    graphdef, params = nnx.split(model, nnx.Param)

    def loss(p: Any) -> Any:
        return jnp.mean((nnx.merge(graphdef, p)(X) - y) ** 2)

    nnx.update(model, _train_lbfgs(loss, params))
    return model


@pytest.fixture(scope="module")
def nnx_float64(sorted_poisson: plr.Dataset) -> Any:
    with jax.enable_x64(True):
        return _fit_nnx(sorted_poisson, jnp.float64)


def test_nnx_linear_lbfgs_in_float64_reaches_1e7_on_the_question(
    nnx_float64: Any, sorted_poisson: plr.Dataset
) -> None:
    with collecting() as rows:
        plr.assert_coefficients_close(nnx_float64, sorted_poisson, rtol=1e-7)
    assert rows[0].fitter == "jax:nnx.Linear" and rows[0].dtype == "float64"


@pytest.mark.parametrize("index", [0, 1])
def test_a_coefficient_moved_by_3e7_fails(
    nnx_float64: Any, sorted_poisson: plr.Dataset, index: int
) -> None:
    with jax.enable_x64(True):
        kernel = np.asarray(nnx_float64.kernel.get_value()).copy()
        kernel[index, 0] *= 1 + 3e-7
        moved = (jnp.asarray(kernel[:, 0]), nnx_float64.bias.get_value()[0])
    with pytest.raises(LinregAssertionError) as info, collecting():
        plr.assert_coefficients_close(moved, sorted_poisson, rtol=1e-7)
    text = str(info.value)
    assert "coefficients differ: 1/3 mismatched" in text
    assert f"✗ x{index + 1}" in text
    assert "compared jax:pair [float64]" in text


def test_float64_asked_without_x64_gives_float32_and_the_failure_says_so(
    sorted_poisson: plr.Dataset,
) -> None:
    assert not jax.config.jax_enable_x64  # the default this test is about
    # JAX truncates the requested float64 to float32, with a warning the user may not see.
    with pytest.warns(UserWarning, match="float64"):
        model = _fit_nnx(sorted_poisson, jnp.float64)
    assert np.asarray(model.kernel.get_value()).dtype == np.float32
    with pytest.raises(LinregAssertionError) as info, collecting():
        plr.assert_coefficients_close(model, sorted_poisson, rtol=1e-7)
    text = str(info.value)
    assert f"compared jax:nnx.Linear ({X64_SENTENCE}) [float32]" in text
    assert "advice: compute in float64" in text
    # What float32 resolves on these data, it does reach.
    with collecting():
        plr.assert_coefficients_close(model, sorted_poisson, rtol="auto")


def test_linen_dense_trained_by_optax_adam_drifts_along_the_flat_direction(
    sorted_poisson: plr.Dataset,
) -> None:
    """Adam, full batch, float64: the error along ``x1 − x2`` is still ~0.4 after 1000 steps."""
    with jax.enable_x64(True):
        X, y = jnp.asarray(sorted_poisson.X), jnp.asarray(sorted_poisson.y)[:, None]
        dense = linen.Dense(1, param_dtype=jnp.float64)
        variables = dense.init(jax.random.key(0), X[:1])
        opt = optax.adam(1e-2)

        def loss(v: Any) -> Any:
            return jnp.mean((dense.apply(v, X) - y) ** 2)

        @jax.jit
        def run(v: Any, state: Any) -> Any:
            def body(_: Any, carry: Any) -> Any:
                updates, state = opt.update(jax.grad(loss)(carry[0]), carry[1], carry[0])
                return optax.apply_updates(carry[0], updates), state

            return jax.lax.fori_loop(0, 1000, body, (v, state))[0]

        bound = dense.bind(run(variables, opt.init(variables)))
    with pytest.raises(LinregAssertionError) as info, collecting() as rows:
        plr.assert_coefficients_close(bound, sorted_poisson, rtol=1e-7)
    text = str(info.value)
    assert rows[0].fitter == "jax:linen.Dense" and rows[0].dtype == "float64"
    assert "x1 − 1.00·x2 ≈ 0" in text
    assert "advice: the rows are sorted" in text


def test_unbound_linen_dense_is_refused_with_how_to_bind() -> None:
    with pytest.raises(TypeError, match=r"unbound linen Dense holds no parameters.*bind"):
        extract_coefficients(linen.Dense(1))


def test_nnx_sequential_with_an_activation_is_refused_by_name() -> None:
    model = nnx.Sequential(nnx.Linear(2, 1, rngs=nnx.Rngs(0)), jax.nn.relu)
    with pytest.raises(TypeError, match=r"nnx.Sequential holds \['relu'\] besides its nnx.Linear"):
        extract_coefficients(model)
    plain = nnx.Sequential(nnx.Linear(2, 1, rngs=nnx.Rngs(0)))
    assert extract_coefficients(plain).source == "jax:nnx.Linear" or "x64" in (
        extract_coefficients(plain).source
    )


def test_user_defined_nnx_module_is_refused_and_points_at_its_linear() -> None:
    class Regressor(nnx.Module):
        def __init__(self) -> None:
            self.linear = nnx.Linear(2, 1, rngs=nnx.Rngs(0))

        def __call__(self, x: Any) -> Any:
            return jax.nn.sigmoid(self.linear(x))

    with pytest.raises(TypeError, match=r"Regressor is a user-defined nnx.Module .*at: \.linear"):
        extract_coefficients(Regressor())
    assert extract_coefficients(Regressor().linear).p == 2


def test_other_flax_modules_are_refused_and_several_outputs_read_one_by_one() -> None:
    with pytest.raises(TypeError, match=r"nnx.LinearGeneral is not a linear regression"):
        extract_coefficients(nnx.LinearGeneral(2, 1, rngs=nnx.Rngs(0)))
    layer = nnx.Linear(2, 3, rngs=nnx.Rngs(0))
    read = extract_coefficients(layer)
    kernel = np.asarray(layer.kernel.get_value())
    assert read.n_outputs == 3 and read.p == 2
    assert [o.coef.tolist() for o in read.outputs] == kernel.T.tolist()


def test_use_bias_false_has_no_intercept_and_jax_arrays_are_read() -> None:
    layer = nnx.Linear(3, 1, use_bias=False, rngs=nnx.Rngs(0))
    assert extract_coefficients(layer).intercept is None
    arr = extract_coefficients(jnp.asarray([0.5, 0.25]))
    assert arr.coef.tolist() == [0.5, 0.25] and arr.source.startswith("jax:array")
    bf16 = extract_coefficients(nnx.Linear(2, 1, rngs=nnx.Rngs(0), param_dtype=jnp.bfloat16))
    assert bf16.dtype == "bfloat16" and bf16.source == "jax:nnx.Linear"
