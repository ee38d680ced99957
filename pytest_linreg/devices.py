"""CPU/GPU discovery and the device objects handed out by the ``linreg_device`` fixture.

:func:`probe_gpus` asks every backend it can find whether it sees a GPU and keeps the answer
*and the reason* for each, so that a GPU job whose driver broke fails with a message listing
what was tried instead of silently skipping its GPU tests. Nothing here is cached at module
level: the plugin probes at most once per session and keeps the result in ``config.stash``.

Frameworks are looked up with :func:`importlib.util.find_spec` first; one that is installed
but not yet imported is imported only when ``import_frameworks=True`` (the plugin passes that
only with ``--linreg-gpu``), because importing TensorFlow costs seconds and hundreds of MB.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

__all__ = ["CPU", "GPU", "BackendProbe", "Device", "GpuProbe", "device_named", "probe_gpus"]

#: Frameworks whose answer decides availability, in the order they are probed.
FRAMEWORKS = ("tensorflow", "torch", "jax")
#: Probes that explain a failure but cannot by themselves make a GPU usable.
_INFORMATIONAL = frozenset({"CUDA_VISIBLE_DEVICES", "nvidia-smi"})


@dataclass(frozen=True)
class BackendProbe:
    """What one backend said about GPUs.

    Attributes
    ----------
    backend : str
        ``"tensorflow"``, ``"torch"``, ``"jax"``, ``"CUDA_VISIBLE_DEVICES"``, ``"nvidia-smi"``
        or the name of a plugin that answered the ``pytest_linreg_gpu_available`` hook.
    available : bool
        True when this backend can run work on a GPU.
    reason : str
        Why: ``"not installed"``, ``"no GPU devices"``, ``"1 GPU: /physical_device:GPU:0"`` ...
    """

    backend: str
    available: bool
    reason: str

    def line(self) -> str:
        """One line for a report: ``tensorflow: no GPU devices``."""
        mark = "ok" if self.available else "no"
        return f"{self.backend}: {mark} ({self.reason})"


@dataclass(frozen=True)
class GpuProbe:
    """The result of asking every backend for a GPU.

    ``available`` is true when at least one *framework* (or a plugin answering the hook) can
    use a GPU; ``CUDA_VISIBLE_DEVICES`` and ``nvidia-smi`` are recorded to explain a failure
    but do not by themselves make a GPU usable.
    """

    backends: tuple[BackendProbe, ...]

    @property
    def available(self) -> bool:
        return any(b.available for b in self.backends if b.backend not in _INFORMATIONAL)

    @classmethod
    def from_answer(cls, answer: bool, source: str) -> GpuProbe:
        """Wrap a plain boolean returned by a ``pytest_linreg_gpu_available`` implementation."""
        reason = "reported a GPU" if answer else "reported no GPU"
        return cls((BackendProbe(source, bool(answer), reason),))

    def summary(self) -> str:
        """Short form for the session header: ``tensorflow (1 GPU: ...)`` or ``none``."""
        usable = [b for b in self.backends if b.available and b.backend not in _INFORMATIONAL]
        if not usable:
            return "none"
        return ", ".join(f"{b.backend} ({b.reason})" for b in usable)

    def explain(self) -> str:
        """Every backend tried and what it said, one per line."""
        return "\n".join(f"  - {b.line()}" for b in self.backends)


def _installed(name: str) -> bool:
    if name in sys.modules:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a broken namespace package, or __spec__ unset
        return False


def _load(name: str, import_frameworks: bool) -> ModuleType | str:
    """The module if it may be used, else the reason it was not."""
    module = sys.modules.get(name)
    if module is not None:
        return module
    if not _installed(name):
        return "not installed"
    if not import_frameworks:
        return "installed but not imported; probed only with --linreg-gpu"
    try:
        return importlib.import_module(name)
    except Exception as exc:  # a broken CUDA install often fails at import time
        return f"import failed: {type(exc).__name__}: {exc}"


def _probe_tensorflow(tf: ModuleType) -> BackendProbe:
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = ", ".join(str(g.name) for g in gpus)
        return BackendProbe("tensorflow", True, f"{len(gpus)} GPU(s): {names}")
    cuda = "built with CUDA" if tf.test.is_built_with_cuda() else "a CPU-only build"
    reason = f"no GPU devices (tensorflow {tf.__version__}, {cuda})"
    return BackendProbe("tensorflow", False, reason)


def _probe_torch(torch: ModuleType) -> BackendProbe:
    if torch.cuda.is_available():
        count = int(torch.cuda.device_count())
        name = torch.cuda.get_device_name(0)
        return BackendProbe("torch", True, f"{count} CUDA device(s): {name}")
    cuda = torch.version.cuda or "none (CPU-only build)"
    reason = f"cuda unavailable (torch {torch.__version__}, CUDA {cuda})"
    return BackendProbe("torch", False, reason)


def _probe_jax(jax: ModuleType) -> BackendProbe:
    try:
        gpus = jax.devices("gpu")
    except RuntimeError as exc:  # jax raises when no backend of that platform exists
        return BackendProbe("jax", False, f"no GPU backend ({exc})")
    return BackendProbe("jax", bool(gpus), f"{len(gpus)} GPU device(s)")


_PROBES: dict[str, Callable[[ModuleType], BackendProbe]] = {
    "tensorflow": _probe_tensorflow,
    "torch": _probe_torch,
    "jax": _probe_jax,
}


def _probe_framework(name: str, import_frameworks: bool) -> BackendProbe:
    loaded = _load(name, import_frameworks)
    if isinstance(loaded, str):
        return BackendProbe(name, False, loaded)
    try:
        return _PROBES[name](loaded)
    except Exception as exc:  # a driver/runtime mismatch surfaces here, not at import
        return BackendProbe(name, False, f"probe failed: {type(exc).__name__}: {exc}")


def _probe_cuda_visible_devices(environ: dict[str, str] | os._Environ[str]) -> BackendProbe:
    value = environ.get("CUDA_VISIBLE_DEVICES")
    if value is None:
        return BackendProbe("CUDA_VISIBLE_DEVICES", True, "unset (all GPUs visible)")
    if value.strip() in ("", "-1"):
        return BackendProbe("CUDA_VISIBLE_DEVICES", False, f"{value!r} hides every GPU")
    return BackendProbe("CUDA_VISIBLE_DEVICES", True, f"{value!r}")


def _probe_nvidia_smi(timeout: float = 10.0) -> BackendProbe:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return BackendProbe("nvidia-smi", False, "not found on PATH (no NVIDIA driver installed?)")
    try:
        done = subprocess.run(
            [exe, "-L"], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return BackendProbe("nvidia-smi", False, f"could not run: {exc}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        detail = (done.stderr or done.stdout).strip().splitlines()
        first = detail[0] if detail else "no GPUs listed"
        return BackendProbe("nvidia-smi", False, f"exit {done.returncode}: {first}")
    return BackendProbe("nvidia-smi", True, "; ".join(lines))


def probe_gpus(
    *, import_frameworks: bool = False, frameworks: tuple[str, ...] = FRAMEWORKS
) -> GpuProbe:
    """Ask every installed framework, the environment and ``nvidia-smi`` for a GPU.

    Parameters
    ----------
    import_frameworks : bool, default False
        Import installed frameworks that are not imported yet. Without it only frameworks
        already in :data:`sys.modules` are asked, so the probe stays cheap.
    frameworks : tuple of str
        Which frameworks to ask, in order (``"tensorflow"``, ``"torch"``, ``"jax"``).

    Returns
    -------
    GpuProbe
        One :class:`BackendProbe` per framework, then ``CUDA_VISIBLE_DEVICES`` and
        ``nvidia-smi``.

    Examples
    --------
    >>> probe = probe_gpus(frameworks=())
    >>> [b.backend for b in probe.backends]
    ['CUDA_VISIBLE_DEVICES', 'nvidia-smi']
    """
    unknown = [name for name in frameworks if name not in _PROBES]
    if unknown:
        raise ValueError(f"unknown framework(s) {unknown}; known: {list(_PROBES)}")
    found = [_probe_framework(name, import_frameworks) for name in frameworks]
    found.append(_probe_cuda_visible_devices(os.environ))
    found.append(_probe_nvidia_smi())
    return GpuProbe(tuple(found))


@dataclass(frozen=True)
class Device:
    """A compute device as handed out by the ``linreg_device`` fixture.

    Attributes
    ----------
    name : str
        ``"cpu"`` or ``"gpu"``; also the pytest id.
    tf_device : str
        TensorFlow device string, ``"/CPU:0"`` or ``"/GPU:0"``.
    torch_device : str
        torch device string, ``"cpu"`` or ``"cuda:0"``.
    jax_platform : str
        JAX platform name, ``"cpu"`` or ``"gpu"`` (see :meth:`jax_device`).

    Examples
    --------
    >>> CPU.name, CPU.tf_device, CPU.jax_platform, CPU.is_gpu
    ('cpu', '/CPU:0', 'cpu', False)
    """

    name: str
    tf_device: str
    torch_device: str
    jax_platform: str = "cpu"

    @property
    def is_gpu(self) -> bool:
        return self.name == "gpu"

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Place TensorFlow ops created inside the ``with`` block on this device.

        TensorFlow is imported here, on first use, never when the device is created.
        """
        tf = importlib.import_module("tensorflow")
        with tf.device(self.tf_device):
            yield

    def jax_device(self) -> object:
        """The first JAX device of this platform, for ``jax.device_put``/``jax.default_device``.

        JAX is imported here, on first use. Raises RuntimeError (JAX's own) when the platform
        has no device, for example ``gpu`` with a CPU-only jaxlib.
        """
        jax = importlib.import_module("jax")
        return jax.devices(self.jax_platform)[0]

    def __str__(self) -> str:
        return self.name


CPU = Device("cpu", "/CPU:0", "cpu", "cpu")
GPU = Device("gpu", "/GPU:0", "cuda:0", "gpu")


def device_named(name: str) -> Device:
    """The :class:`Device` called ``name`` (``"cpu"`` or ``"gpu"``)."""
    for device in (CPU, GPU):
        if device.name == name:
            return device
    raise ValueError(f"unknown device {name!r}; expected 'cpu' or 'gpu'")
