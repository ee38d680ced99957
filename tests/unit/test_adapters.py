"""Adapters: coefficients out of arrays, pairs, references and fitted models of each framework."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pytest_linreg.adapters import (
    Coefficients,
    ModelAdapter,
    builtin_adapters,
    extract_coefficients,
    install_hook,
    installed_hook,
    uninstall_hook,
)
from pytest_linreg.datasets import Dataset
from pytest_linreg.reference import ols

X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 5.0], [4.0, 2.0]])
Y = X @ np.array([2.0, -1.0]) + 0.5


def test_array_list_and_tuple_of_numbers_have_no_intercept() -> None:
    for value in (np.array([0.904, 0.096]), [0.904, 0.096], (0.904, 0.096)):
        c = extract_coefficients(value)
        assert c.coef.tolist() == [0.904, 0.096] and c.intercept is None and c.source == "array"
    assert extract_coefficients(np.array([1, 2])).dtype == "float64"


def test_float32_weights_keep_their_dtype_and_are_read_only() -> None:
    c = extract_coefficients((np.array([[0.5], [0.5]], dtype=np.float32), np.float32(0.25)))
    assert c.dtype == "float32" and c.coef.dtype == np.float32 and c.coef.shape == (2,)
    assert c.intercept == 0.25 and c.source == "pair"
    with pytest.raises(ValueError, match="read-only"):
        c.coef[0] = 1.0


def test_dataset_and_ols_result() -> None:
    ds = Dataset.from_arrays("tiny", X, Y)
    c = extract_coefficients(ds)
    np.testing.assert_allclose(c.coef, [2.0, -1.0])
    assert c.intercept == pytest.approx(0.5) and c.source == "Dataset:tiny"
    no_int = extract_coefficients(ols(X, Y, fit_intercept=False))
    assert no_int.intercept is None and no_int.source.startswith("OLSResult:")
    np.testing.assert_array_equal(c.params(True), np.concatenate([[c.intercept], c.coef]))


def test_sklearn_estimators() -> None:
    linear_model = pytest.importorskip("sklearn.linear_model")
    c = extract_coefficients(linear_model.LinearRegression().fit(X, Y))
    np.testing.assert_allclose(c.coef, [2.0, -1.0])
    assert c.intercept == pytest.approx(0.5) and c.source == "sklearn:LinearRegression"
    c0 = extract_coefficients(linear_model.Ridge(fit_intercept=False, alpha=1e-12).fit(X, Y))
    assert c0.intercept is None and c0.source == "sklearn:Ridge"


class _ApiFollower:
    """An estimator of another library that follows scikit-learn's API (dask-ml, cuML)."""

    __module__ = "dask_ml.linear_model.glm"

    def __init__(self) -> None:
        self.coef_ = np.array([0.5, 0.25])
        self.intercept_ = 1.0
        self.n_iter_ = 12


def test_estimators_of_other_libraries_are_named_by_their_package_and_not_called_direct() -> None:
    read = extract_coefficients(_ApiFollower())
    assert read.source == "dask_ml:_ApiFollower"
    assert read.kind == "iterative" and read.coef.tolist() == [0.5, 0.25]


def test_sklearn_multi_output_is_read_per_target_and_unfitted_is_refused() -> None:
    linear_model = pytest.importorskip("sklearn.linear_model")
    # p == 1 with two targets: coef_ (2, 1) is two outputs of one coefficient, not one of two.
    one = extract_coefficients(
        linear_model.LinearRegression().fit(X[:, :1], np.column_stack([Y, 2 * Y]))
    )
    assert one.n_outputs == 2 and one.p == 1
    assert [o.source for o in one.outputs] == [
        "sklearn:LinearRegression[output 1]", "sklearn:LinearRegression[output 2]"]
    assert one.outputs[1].intercept == pytest.approx(2 * one.outputs[0].intercept)
    two = extract_coefficients(
        linear_model.LinearRegression(fit_intercept=False).fit(X, np.column_stack([Y, Y]))
    )
    assert two.n_outputs == 2 and two.p == 2
    assert all(o.intercept is None for o in two.outputs)
    single = extract_coefficients(linear_model.LinearRegression().fit(X, Y[:, None]))
    assert single.coef.shape == (2,) and single.intercept == pytest.approx(0.5)
    assert single.n_outputs == 1
    with pytest.raises(TypeError, match="sklearn:LinearRegression has no coef_: it is not fitted"):
        extract_coefficients(linear_model.LinearRegression())


def test_statsmodels_nonlinear_models_are_refused() -> None:
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(0)
    Z = sm.add_constant(rng.normal(size=(60, 2)))
    y = Z @ [0.5, 2.0, -1.0] + 0.1 * rng.normal(size=60)
    gaussian = extract_coefficients(sm.GLM(y, Z, family=sm.families.Gaussian()).fit())
    np.testing.assert_allclose(gaussian.coef, extract_coefficients(sm.OLS(y, Z).fit()).coef)
    counts = rng.poisson(np.exp(1.0 + 0.3 * Z[:, 1])).astype(float)
    with pytest.raises(TypeError, match="statsmodels:GLM: a GLM with a Log link is not a linear"):
        extract_coefficients(sm.GLM(counts, Z, family=sm.families.Poisson()).fit())
    with pytest.raises(TypeError, match="statsmodels:Poisson: a discrete"):
        extract_coefficients(sm.Poisson(counts, Z).fit(disp=0))


def test_statsmodels_constant_column_becomes_the_intercept() -> None:
    sm = pytest.importorskip("statsmodels.api")
    with_const = extract_coefficients(sm.OLS(Y, sm.add_constant(X)).fit())
    np.testing.assert_allclose(with_const.coef, [2.0, -1.0])
    assert with_const.intercept == pytest.approx(0.5) and with_const.source == "statsmodels:OLS"
    without = extract_coefficients(sm.OLS(Y, X).fit())
    assert without.intercept is None and without.coef.shape == (2,)


class _FakeTensor:
    """Stands in for a torch tensor: ``detach().cpu().numpy()`` and a ``dtype``."""

    def __init__(self, values: Any, dtype: str = "torch.float32") -> None:
        self.values = np.asarray(values, dtype=np.float32)
        self.dtype = dtype

    def detach(self) -> _FakeTensor:
        return self

    def cpu(self) -> _FakeTensor:
        return self

    def float(self) -> _FakeTensor:
        return self

    def numpy(self) -> Any:
        return self.values


def _fake_torch_class(name: str, module: str) -> type:
    return type(name, (), {"__module__": module})


def test_torch_linear_by_duck_typing_without_importing_torch() -> None:
    layer = _fake_torch_class("Linear", "torch.nn.modules.linear")()
    layer.weight = _FakeTensor([[0.5, 0.25]])
    layer.bias = _FakeTensor([1.0])
    c = extract_coefficients(layer)
    assert c.coef.tolist() == [0.5, 0.25] and c.intercept == 1.0
    assert c.dtype == "float32" and c.source == "torch:Linear"
    layer.weight = _FakeTensor([[0.5, 0.25]], "torch.bfloat16")
    layer.bias = None
    bf = extract_coefficients(layer)
    assert bf.dtype == "bfloat16" and bf.intercept is None
    seq = _fake_torch_class("Sequential", "torch.nn.modules.container")()
    seq.modules = lambda: [seq, layer, layer]
    with pytest.raises(TypeError, match=r"exactly one nn\.Linear; Sequential holds 2"):
        extract_coefficients(seq)
    relu = _fake_torch_class("ReLU", "torch.nn.modules.activation")()
    seq.modules = lambda: [seq, layer, relu]
    with pytest.raises(TypeError, match=r"Sequential holds activations \['ReLU'\]: not a linear"):
        extract_coefficients(seq)


@pytest.mark.slow  # imports torch
def test_real_torch_linear() -> None:
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(2, 1)
    c = extract_coefficients(layer)
    assert c.coef.shape == (2,) and c.dtype == "float32" and c.intercept is not None


@pytest.mark.slow  # imports torch
def test_torch_modules_that_change_the_function_are_refused() -> None:
    torch = pytest.importorskip("torch")

    class Twice(torch.nn.Module):  # no parameters, not an activation, yet not the identity
        def forward(self, x: Any) -> Any:
            return 2 * x

    linear = torch.nn.Linear(2, 1)
    with pytest.raises(TypeError, match=r"holds \['Twice'\] besides its nn.Linear"):
        extract_coefficients(torch.nn.Sequential(Twice(), linear))
    plain = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Flatten(), linear)
    assert extract_coefficients(plain).source == "torch:Linear"


@pytest.fixture(scope="module")
def keras() -> Any:
    return pytest.importorskip("keras")


def test_keras_dense_model_and_layer(keras: Any) -> None:
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.layers[0].set_weights([np.array([[0.904], [0.096]]), np.array([0.01])])
    c = extract_coefficients(model)
    np.testing.assert_allclose(c.coef, [0.904, 0.096], rtol=1e-7)
    assert c.dtype == "float32" and c.intercept == pytest.approx(0.01)
    assert c.source == "keras:Dense"
    layer = keras.layers.Dense(1, use_bias=False)
    layer.build((None, 3))
    assert extract_coefficients(layer).intercept is None
    deep = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    with pytest.raises(TypeError, match="one layer with weights; Sequential has 2"):
        extract_coefficients(deep)
    relu = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="relu")])
    with pytest.raises(TypeError, match="keras:Dense: activation 'relu' makes the model nonlinear"):
        extract_coefficients(relu)
    sigmoid = keras.Sequential(
        [keras.Input(shape=(2,)), keras.layers.Dense(1), keras.layers.Activation("sigmoid")]
    )
    with pytest.raises(TypeError, match=r"holds activation layers \['Activation'\]: not a linear"):
        extract_coefficients(sigmoid)
    with pytest.raises(TypeError, match="keras: Sequential has no weights yet: build or fit it"):
        extract_coefficients(keras.Sequential([keras.layers.Dense(1)]))
    wide = keras.layers.Dense(2)  # two outputs: kernel (3, 2), read one column per output
    wide.build((None, 3))
    read = extract_coefficients(wide)
    kernel = np.asarray(wide.get_weights()[0])
    assert read.n_outputs == 2 and read.p == 3
    assert [o.coef.tolist() for o in read.outputs] == kernel.T.tolist()


def test_keras_weightless_layers_that_change_the_function_are_refused(keras: Any) -> None:
    # Rescaling(2.0) and a column-swapping Lambda have no weights: they were ignored, and the
    # Dense weights compared as if they were the model.
    dense = keras.layers.Dense(1)
    for extra in (keras.layers.Rescaling(2.0, name="twice"),
                  keras.layers.Lambda(lambda x: x[:, ::-1], name="swap")):
        model = keras.Sequential([keras.Input(shape=(2,)), extra, dense])
        with pytest.raises(TypeError, match=rf"holds {type(extra).__name__}\({extra.name}\) "
                                            "besides its Dense layer"):
            extract_coefficients(model)
    # Layers that are the identity at prediction time are fine.
    plain = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dropout(0.5),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    assert extract_coefficients(plain).source == "keras:Dense"


def test_bfloat16_weights_widen_exactly_and_keep_their_dtype(keras: Any) -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    pair = (np.array([0.5, 0.375], dtype=ml_dtypes.bfloat16), 1.0)
    c = extract_coefficients(pair)
    assert c.dtype == "bfloat16" and c.coef.dtype == np.float32 and c.coef.tolist() == [0.5, 0.375]
    layer = keras.layers.Dense(1, dtype="bfloat16")
    layer.build((None, 2))
    layer.set_weights([np.array([[0.904], [0.096]]), np.zeros(1)])
    k = extract_coefficients(layer)
    assert k.dtype == "bfloat16" and k.coef.tolist() == [0.90234375, 0.09619140625]  # rounded


def test_unknown_model_lists_every_adapter_tried() -> None:
    with pytest.raises(TypeError) as info:
        extract_coefficients(object())
    message = str(info.value)
    assert message.startswith("cannot read coefficients from a builtins.object; tried: ")
    for adapter in builtin_adapters():
        if adapter.name != "Coefficients":
            assert adapter.name in message
    assert "tried: pytest_linreg_coefficients hook" in message  # the plugin's, when loaded


def test_installed_hook_takes_precedence_and_none_falls_through() -> None:
    class Custom:
        weights = (3.0, 4.0)

    def hook(obj: Any) -> tuple[Any, Any] | None:
        return (obj.weights, 1.0) if isinstance(obj, Custom) else None

    with installed_hook(hook):
        c = extract_coefficients(Custom())
        assert c.coef.tolist() == [3.0, 4.0] and c.intercept == 1.0
        assert c.source == "hook:Custom"
        assert extract_coefficients([1.0]).source == "array"  # hook said None
    with pytest.raises(TypeError, match="cannot read coefficients"):
        extract_coefficients(Custom())
    token = install_hook(lambda obj: Coefficients(np.ones(1), None, "float64", "mine"))
    try:
        assert extract_coefficients(object()).source == "mine"
    finally:
        uninstall_hook(token)


def test_bad_hook_results_and_weights() -> None:
    with installed_hook(lambda obj: "nonsense"):
        with pytest.raises(TypeError, match="must return \\(coef, intercept\\)"):
            extract_coefficients(object())
    with pytest.raises(TypeError, match="hook must be callable"):
        install_hook(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="single output"):
        extract_coefficients((np.ones((2, 2)), 0.0))  # a matrix with one intercept
    assert extract_coefficients(np.ones((2, 2))).n_outputs == 2  # (k, p), no intercept
    with pytest.raises(ValueError, match="intercept must be a single number"):
        extract_coefficients((np.ones(2), np.ones(2)))
    with pytest.raises(TypeError, match="must be real numbers"):
        extract_coefficients((np.array(["a"]), 0.0))


class _GradTensor:
    """Like a torch tensor that requires grad: numpy cannot read it."""

    ndim = 1

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Can't call numpy() on Tensor that requires grad.")


def test_unreadable_tensors_name_the_part_not_leak_a_runtime_error() -> None:
    with pytest.raises(ValueError, match=r"pair: coefficients could not be read .*requires grad"):
        extract_coefficients((_GradTensor(), 0.0))
    with pytest.raises(ValueError, match=r"pair: the intercept could not be read .*requires grad"):
        extract_coefficients(([1.0], _GradTensor()))


def test_builtin_adapters_satisfy_the_protocol() -> None:
    assert all(isinstance(a, ModelAdapter) for a in builtin_adapters())
