"""TF32 / determinism control and the recorded numerics state.

torch is replaced by a stand-in object (it is not a dependency); TensorFlow is used for real
where installed, except for op determinism, which TensorFlow cannot switch off again.
"""

from __future__ import annotations

import sys
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np
import pytest

from pytest_linreg.numerics import (
    controlled_numerics,
    numerics_state,
    state_from_properties,
    state_to_properties,
    tf32_disabled,
)


def fake_torch(*, matmul_tf32: bool = True, cudnn_tf32: bool = True) -> Any:
    calls: list[tuple[str, bool]] = []
    torch = SimpleNamespace(
        __version__="2.9.0",
        backends=SimpleNamespace(
            cuda=SimpleNamespace(matmul=SimpleNamespace(allow_tf32=matmul_tf32)),
            cudnn=SimpleNamespace(allow_tf32=cudnn_tf32, deterministic=False, benchmark=True),
        ),
        calls=calls,
    )
    torch.use_deterministic_algorithms = lambda flag: calls.append(("deterministic", flag))
    torch.are_deterministic_algorithms_enabled = lambda: bool(calls and calls[-1][1])
    return torch


def fake_tensorflow() -> Any:
    state = {"tf32": True, "determinism": False}

    def enable_tf32(flag: bool) -> None:
        state["tf32"] = flag

    def enable_determinism() -> None:
        state["determinism"] = True

    experimental = SimpleNamespace(
        tensor_float_32_execution_enabled=lambda: state["tf32"],
        enable_tensor_float_32_execution=enable_tf32,
        enable_op_determinism=enable_determinism,
    )
    config = SimpleNamespace(experimental=experimental)
    return SimpleNamespace(__version__="0.0-fake", config=config, state=state)


@pytest.fixture
def no_frameworks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide the ML frameworks from sys.modules for the test (restored after)."""
    for name in ("tensorflow", "keras", "torch", "jax", "flax", "optax"):
        monkeypatch.delitem(sys.modules, name, raising=False)


@pytest.fixture
def tensorflow() -> ModuleType:
    return pytest.importorskip("tensorflow")


def test_torch_tf32_is_turned_off_and_restored(
    monkeypatch: pytest.MonkeyPatch, no_frameworks: None
) -> None:
    torch = fake_torch(matmul_tf32=True, cudnn_tf32=False)
    monkeypatch.setitem(sys.modules, "torch", torch)
    with tf32_disabled():
        assert torch.backends.cuda.matmul.allow_tf32 is False
        assert torch.backends.cudnn.allow_tf32 is False
        assert numerics_state()["tf32"] is False
    assert torch.backends.cuda.matmul.allow_tf32 is True
    assert torch.backends.cudnn.allow_tf32 is False
    assert numerics_state()["tf32"] is True


def test_state_is_restored_when_the_test_raises(
    monkeypatch: pytest.MonkeyPatch, no_frameworks: None
) -> None:
    tf = fake_tensorflow()
    monkeypatch.setitem(sys.modules, "tensorflow", tf)
    with pytest.raises(ZeroDivisionError), tf32_disabled():
        assert tf.state["tf32"] is False
        _ = 1 / 0
    assert tf.state["tf32"] is True


def test_real_tensorflow_tf32_round_trip(tensorflow: ModuleType) -> None:
    experimental = tensorflow.config.experimental
    before = experimental.tensor_float_32_execution_enabled()
    try:
        experimental.enable_tensor_float_32_execution(True)
        with tf32_disabled():
            assert not experimental.tensor_float_32_execution_enabled()
            assert numerics_state()["tf32"] is False
        assert experimental.tensor_float_32_execution_enabled()
    finally:
        experimental.enable_tensor_float_32_execution(before)


def test_determinism_in_imported_frameworks_only(
    monkeypatch: pytest.MonkeyPatch, no_frameworks: None
) -> None:
    tf, torch = fake_tensorflow(), fake_torch()
    monkeypatch.setitem(sys.modules, "tensorflow", tf)
    monkeypatch.setitem(sys.modules, "torch", torch)
    with controlled_numerics(deterministic=False):
        assert tf.state["determinism"] is False and torch.calls == []
    with controlled_numerics(deterministic=True):
        assert tf.state["determinism"] is True
        assert torch.calls == [("deterministic", True)]
        assert torch.backends.cudnn.deterministic is True
        assert torch.backends.cudnn.benchmark is False
        assert numerics_state(deterministic=True)["deterministic"] is True


def test_determinism_is_reported_on_only_where_a_framework_was_switched(
    monkeypatch: pytest.MonkeyPatch, no_frameworks: None
) -> None:
    with controlled_numerics(deterministic=True) as on:
        assert on is False  # nothing imported: nothing switched
        tf = fake_tensorflow()  # imported by the test itself: switched only next time
        monkeypatch.setitem(sys.modules, "tensorflow", tf)
    assert tf.state["determinism"] is False
    with controlled_numerics(deterministic=True) as on:
        assert on is True and tf.state["determinism"] is True
    with controlled_numerics(deterministic=False) as on:
        assert on is False


def test_nothing_is_imported_without_import_tensorflow(no_frameworks: None) -> None:
    with controlled_numerics(deterministic=True):
        state = numerics_state(deterministic=True)
    assert "tensorflow" not in sys.modules and "torch" not in sys.modules
    assert state["tf32"] is None  # no imported framework has the switch
    assert state["deterministic"] is None
    assert set(state["versions"]) == {"numpy"} | ({"sklearn"} & set(sys.modules)) | (
        {"statsmodels"} & set(sys.modules)
    )


def test_import_tensorflow_for_gpu_tests(tensorflow: ModuleType) -> None:
    with controlled_numerics(deterministic=False, import_tensorflow=True):
        assert numerics_state()["versions"]["tensorflow"] == tensorflow.__version__


@pytest.mark.parametrize(
    ("dtype", "name"),
    [(np.float32, "float32"), ("float64", "float64"), (np.dtype("float16"), "float16"),
     ("bfloat16", "bfloat16")],
)
def test_dtype_names(dtype: Any, name: str) -> None:
    assert numerics_state(dtype=dtype)["dtype"] == name


def test_dtype_falls_back_to_keras_floatx(
    monkeypatch: pytest.MonkeyPatch, no_frameworks: None
) -> None:
    keras = SimpleNamespace(__version__="3.x", backend=SimpleNamespace(floatx=lambda: "float64"))
    monkeypatch.setitem(sys.modules, "keras", keras)
    state = numerics_state(device="gpu")
    assert (state["dtype"], state["device"]) == ("float64", "gpu")
    assert state["versions"]["keras"] == "3.x"


def test_properties_round_trip() -> None:
    state = {
        "versions": {"numpy": "2.4.0", "tensorflow": "2.21.0"},
        "device": "gpu",
        "tf32": False,
        "deterministic": True,
        "dtype": None,
    }
    props = state_to_properties(state)
    assert props == [
        ("linreg_numpy_version", "2.4.0"),
        ("linreg_tensorflow_version", "2.21.0"),
        ("linreg_device", "gpu"),
        ("linreg_tf32", "off"),
        ("linreg_deterministic", "on"),
        ("linreg_dtype", "unknown"),
    ]
    noise = [("digest", "abc"), ("linreg_checks", [{"check": "coefficients"}])]
    assert state_from_properties([*props, *noise]) == state
