"""GPU probing (every backend and its reason) and the Device objects, without a GPU."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from pytest_linreg import devices
from pytest_linreg.devices import CPU, GPU, BackendProbe, GpuProbe, device_named, probe_gpus


def fake_torch(available: bool) -> Any:
    cuda = SimpleNamespace(
        is_available=lambda: available,
        device_count=lambda: 2 if available else 0,
        get_device_name=lambda index: "Fake H100",
    )
    return SimpleNamespace(__version__="9.9", cuda=cuda, version=SimpleNamespace(cuda=None))


def fake_jax(gpus: int | None) -> Any:
    def get_devices(kind: str) -> list[str]:
        if gpus is None:
            raise RuntimeError("Unknown backend: 'gpu' requested, but no platforms are 'gpu'")
        return ["gpu"] * gpus

    return SimpleNamespace(devices=get_devices)


def by_backend(probe: GpuProbe) -> dict[str, BackendProbe]:
    return {b.backend: b for b in probe.backends}


@pytest.fixture
def no_nvidia_smi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PATH", str(tmp_path))
    return tmp_path


def write_nvidia_smi(directory: Path, body: str) -> None:
    exe = directory / "nvidia-smi"
    exe.write_text(f"#!/bin/sh\n{body}\n")
    exe.chmod(0o755)


def test_probe_order_and_informational_entries(no_nvidia_smi: Path) -> None:
    probe = probe_gpus(frameworks=())
    assert [b.backend for b in probe.backends] == ["CUDA_VISIBLE_DEVICES", "nvidia-smi"]
    assert not probe.available  # CUDA_VISIBLE_DEVICES unset is "ok" but is no GPU by itself
    assert by_backend(probe)["nvidia-smi"].reason.startswith("not found on PATH")


@pytest.mark.parametrize(
    ("value", "ok", "reason"),
    [
        (None, True, "unset (all GPUs visible)"),
        ("", False, "'' hides every GPU"),
        ("-1", False, "'-1' hides every GPU"),
        ("0,1", True, "'0,1'"),
    ],
)
def test_cuda_visible_devices(
    monkeypatch: pytest.MonkeyPatch, no_nvidia_smi: Path, value: str | None, ok: bool, reason: str
) -> None:
    if value is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    else:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", value)
    entry = by_backend(probe_gpus(frameworks=()))["CUDA_VISIBLE_DEVICES"]
    assert (entry.available, entry.reason) == (ok, reason)


@pytest.mark.skipif(os.name != "posix", reason="uses a shell script as a fake nvidia-smi")
def test_nvidia_smi_listing_and_failure(no_nvidia_smi: Path) -> None:
    write_nvidia_smi(no_nvidia_smi, 'echo "GPU 0: Fake H100 (UUID: GPU-1)"')
    entry = by_backend(probe_gpus(frameworks=()))["nvidia-smi"]
    assert (entry.available, entry.reason) == (True, "GPU 0: Fake H100 (UUID: GPU-1)")
    write_nvidia_smi(
        no_nvidia_smi, 'echo "NVIDIA-SMI has failed because it could not communicate" >&2; exit 9'
    )
    entry = by_backend(probe_gpus(frameworks=()))["nvidia-smi"]
    assert not entry.available
    assert entry.reason == "exit 9: NVIDIA-SMI has failed because it could not communicate"


def test_not_installed(monkeypatch: pytest.MonkeyPatch, no_nvidia_smi: Path) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    entry = by_backend(probe_gpus(frameworks=("torch",), import_frameworks=True))["torch"]
    assert (entry.available, entry.reason) == (False, "not installed")


def test_installed_but_not_imported_is_not_imported(
    monkeypatch: pytest.MonkeyPatch, no_nvidia_smi: Path
) -> None:
    monkeypatch.delitem(sys.modules, "jax", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())

    def refuse(name: str, *args: Any) -> ModuleType:
        raise AssertionError(f"probe imported {name}")

    monkeypatch.setattr(importlib, "import_module", refuse)
    entry = by_backend(probe_gpus(frameworks=("jax",)))["jax"]
    assert entry.reason == "installed but not imported; probed only with --linreg-gpu"


def test_import_failure_is_reported(monkeypatch: pytest.MonkeyPatch, no_nvidia_smi: Path) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())

    def broken(name: str, *args: Any) -> ModuleType:
        raise ImportError("libcudart.so.12: cannot open shared object file")

    monkeypatch.setattr(importlib, "import_module", broken)
    entry = by_backend(probe_gpus(frameworks=("torch",), import_frameworks=True))["torch"]
    assert entry.reason == (
        "import failed: ImportError: libcudart.so.12: cannot open shared object file"
    )


def test_torch_with_and_without_cuda(
    monkeypatch: pytest.MonkeyPatch, no_nvidia_smi: Path
) -> None:
    monkeypatch.setitem(sys.modules, "torch", fake_torch(False))
    probe = probe_gpus(frameworks=("torch",))
    reason = by_backend(probe)["torch"].reason
    assert reason == "cuda unavailable (torch 9.9, CUDA none (CPU-only build))"
    assert not probe.available
    monkeypatch.setitem(sys.modules, "torch", fake_torch(True))
    probe = probe_gpus(frameworks=("torch",))
    assert probe.available
    assert by_backend(probe)["torch"].reason == "2 CUDA device(s): Fake H100"
    assert probe.summary() == "torch (2 CUDA device(s): Fake H100)"


def test_jax_without_and_with_gpu(monkeypatch: pytest.MonkeyPatch, no_nvidia_smi: Path) -> None:
    monkeypatch.setitem(sys.modules, "jax", fake_jax(None))
    entry = by_backend(probe_gpus(frameworks=("jax",)))["jax"]
    assert not entry.available
    assert entry.reason.startswith("no GPU backend (Unknown backend")
    monkeypatch.setitem(sys.modules, "jax", fake_jax(1))
    assert probe_gpus(frameworks=("jax",)).available


def test_a_probe_that_raises_is_reported(
    monkeypatch: pytest.MonkeyPatch, no_nvidia_smi: Path
) -> None:
    def explode() -> bool:
        raise RuntimeError("CUDA driver version is insufficient for CUDA runtime version")

    torch = fake_torch(True)
    torch.cuda.is_available = explode
    monkeypatch.setitem(sys.modules, "torch", torch)
    entry = by_backend(probe_gpus(frameworks=("torch",)))["torch"]
    assert entry.reason == (
        "probe failed: RuntimeError: CUDA driver version is insufficient for CUDA runtime version"
    )


@pytest.mark.slow  # imports TensorFlow (about 10 s)
def test_tensorflow_on_this_machine(no_nvidia_smi: Path) -> None:
    tf = pytest.importorskip("tensorflow")
    entry = by_backend(probe_gpus(frameworks=("tensorflow",)))["tensorflow"]
    gpus = tf.config.list_physical_devices("GPU")
    assert entry.available == bool(gpus)
    if not gpus:
        assert entry.reason.startswith(f"no GPU devices (tensorflow {tf.__version__}, ")


def test_unknown_framework() -> None:
    with pytest.raises(ValueError, match=r"unknown framework\(s\) \['cupy'\]"):
        probe_gpus(frameworks=("cupy",))


def test_gpu_probe_helpers() -> None:
    probe = GpuProbe((
        BackendProbe("tensorflow", False, "no GPU devices"),
        BackendProbe("nvidia-smi", True, "GPU 0: X"),
    ))
    assert not probe.available and probe.summary() == "none"
    assert probe.explain() == (
        "  - tensorflow: no (no GPU devices)\n  - nvidia-smi: ok (GPU 0: X)"
    )
    assert GpuProbe.from_answer(True, "my plugin").available
    no = GpuProbe.from_answer(False, "my plugin")
    assert no.explain() == "  - my plugin: no (reported no GPU)"


def test_devices() -> None:
    assert (CPU.name, CPU.tf_device, CPU.torch_device) == ("cpu", "/CPU:0", "cpu")
    assert (GPU.name, GPU.tf_device, GPU.torch_device) == ("gpu", "/GPU:0", "cuda:0")
    assert GPU.is_gpu and not CPU.is_gpu
    assert device_named("gpu") is GPU and str(GPU) == "gpu"
    with pytest.raises(ValueError, match="unknown device 'tpu'; expected 'cpu' or 'gpu'"):
        device_named("tpu")


@pytest.mark.slow  # imports TensorFlow (about 10 s)
def test_scope_places_tensorflow_ops() -> None:
    tf = pytest.importorskip("tensorflow")
    with CPU.scope():
        value = tf.constant([1.0, 2.0]) * 2.0
    assert value.device.endswith("CPU:0")


def test_module_has_no_global_cache() -> None:
    # The plugin keeps the probe in config.stash; the module itself must stay stateless.
    assert not [
        name for name, value in vars(devices).items()
        if isinstance(value, (dict, list, set)) and not name.startswith("_PROBES")
        and not name.startswith("__")
    ]
