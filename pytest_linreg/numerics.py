"""Control and record the framework numerics state (TF32, matmul precision, determinism).

Why TF32 matters here: on Ampere and newer NVIDIA GPUs TensorFlow, torch and JAX may run
float32 matrix products in TensorFloat-32, which keeps 10 explicit mantissa bits instead of 23
(NVIDIA, *A100 Tensor Core GPU Architecture*, 2020, "TF32"). A float32 least-squares fit then
resolves about 3 significant digits instead of about 7, so a 1e-7 or even 1e-5 comparison
fails for a reason unrelated to the model code. :func:`controlled_numerics` turns TF32 off
for the duration of a test and restores the previous setting afterwards:

- TensorFlow: ``tf.config.experimental.enable_tensor_float_32_execution(False)``;
- torch: ``torch.backends.cuda.matmul.allow_tf32`` and ``torch.backends.cudnn.allow_tf32``
  set to False (``torch.get_float32_matmul_precision()`` then reads ``"highest"``);
- JAX: the ``jax_default_matmul_precision`` config set to ``"highest"`` (what
  ``jax.default_matmul_precision("highest")`` does for a block); JAX's default lets the GPU
  use TF32 or bfloat16 passes for float32 products.

Keras 3 runs on whichever of the three ``KERAS_BACKEND`` names, so these switches cover it; the
backend is recorded per test (``keras_backend``).

Only frameworks that are already imported are touched, except that TensorFlow is imported on
purpose for tests that run on the GPU device (they are going to use it anyway). Op
determinism is a process-wide switch in TensorFlow with no public way to turn it off again,
so ``--linreg-deterministic`` turns it on for the rest of the session; torch's
``use_deterministic_algorithms(True)`` likewise. JAX has no runtime switch: XLA reads
``--xla_gpu_deterministic_ops=true`` from ``XLA_FLAGS`` when it starts its GPU backend, so the
flag is added to the environment (it takes effect if that backend has not started yet; set
``XLA_FLAGS`` before the run to be sure), and the recorded state says whether it is there.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "FRAMEWORK_MODULES",
    "PROPERTY_PREFIX",
    "STATE_KEYS",
    "XLA_DETERMINISTIC_FLAG",
    "controlled_numerics",
    "numerics_state",
    "state_from_properties",
    "state_to_properties",
    "tf32_disabled",
]

#: Modules whose versions are recorded when they are already imported, by display name.
FRAMEWORK_MODULES: Mapping[str, str] = {
    "numpy": "numpy",
    "tensorflow": "tensorflow",
    "keras": "keras",
    "torch": "torch",
    "jax": "jax",
    "flax": "flax",
    "optax": "optax",
    "sklearn": "sklearn",
    "statsmodels": "statsmodels",
}
#: Prefix of the junit ``<property>`` names written for each test.
PROPERTY_PREFIX = "linreg_"
#: Keys of :func:`numerics_state` besides ``versions``.
STATE_KEYS = ("device", "tf32", "deterministic", "dtype", "keras_backend", "matmul_precision")
#: The XLA flag that makes JAX's GPU ops deterministic (read when the GPU backend starts).
XLA_DETERMINISTIC_FLAG = "--xla_gpu_deterministic_ops=true"
#: JAX matmul precisions that rule out TF32/bfloat16 passes for float32 products.
_JAX_FULL_PRECISION = frozenset({"highest", "float32", "HIGHEST", "Precision.HIGHEST"})


def _imported(name: str) -> ModuleType | None:
    return sys.modules.get(name)


def _tf_config(tf: ModuleType) -> Any | None:
    """``tf.config.experimental`` if this TensorFlow has the TF32 switch, else None."""
    experimental = getattr(getattr(tf, "config", None), "experimental", None)
    if experimental is None or not hasattr(experimental, "enable_tensor_float_32_execution"):
        return None
    return experimental


@contextmanager
def _tf_tf32_off(tf: ModuleType) -> Iterator[None]:
    experimental = _tf_config(tf)
    if experimental is None:
        yield
        return
    previous = bool(experimental.tensor_float_32_execution_enabled())
    experimental.enable_tensor_float_32_execution(False)
    try:
        yield
    finally:
        experimental.enable_tensor_float_32_execution(previous)


@contextmanager
def _torch_tf32_off(torch: ModuleType) -> Iterator[None]:
    # torch has two switches: matmul (off by default since 1.12) and cuDNN convolutions.
    matmul = torch.backends.cuda.matmul
    cudnn = torch.backends.cudnn
    previous = (bool(matmul.allow_tf32), bool(cudnn.allow_tf32))
    matmul.allow_tf32 = False
    cudnn.allow_tf32 = False
    try:
        yield
    finally:
        matmul.allow_tf32, cudnn.allow_tf32 = previous


def _jax_precision(jax: ModuleType) -> str | None:
    """JAX's ``jax_default_matmul_precision`` (None: the platform's default, TF32 on a GPU)."""
    value = getattr(jax.config, "jax_default_matmul_precision", None)
    return None if value is None else str(value)


@contextmanager
def _jax_precision_highest(jax: ModuleType) -> Iterator[None]:
    previous = getattr(jax.config, "jax_default_matmul_precision", None)
    jax.config.update("jax_default_matmul_precision", "highest")
    try:
        yield
    finally:
        jax.config.update("jax_default_matmul_precision", previous)


@contextmanager
def tf32_disabled(*, import_tensorflow: bool = False) -> Iterator[None]:
    """Turn TF32 off in imported frameworks inside the block; restore the previous state.

    TensorFlow's and torch's TF32 switches go off and JAX's default matmul precision becomes
    ``"highest"``.

    Parameters
    ----------
    import_tensorflow : bool, default False
        Import TensorFlow (if installed) so that its setting can be changed even though the
        test has not imported it yet; the plugin passes True for tests on the GPU device.

    Examples
    --------
    >>> with tf32_disabled():
    ...     pass  # float32 matmuls here use full float32 precision
    """
    with ExitStack() as stack:
        tf = _imported("tensorflow")
        if tf is None and import_tensorflow and importlib.util.find_spec("tensorflow") is not None:
            tf = importlib.import_module("tensorflow")
        if tf is not None:
            stack.enter_context(_tf_tf32_off(tf))
        torch = _imported("torch")
        if torch is not None:
            stack.enter_context(_torch_tf32_off(torch))
        jax = _imported("jax")
        if jax is not None and hasattr(jax, "config"):
            stack.enter_context(_jax_precision_highest(jax))
        yield


def _enable_determinism() -> bool:
    """Switch on op determinism in the imported frameworks; False when none is imported."""
    tf = _imported("tensorflow")
    if tf is not None:
        tf.config.experimental.enable_op_determinism()  # process-wide, for good
    torch = _imported("torch")
    if torch is not None:
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    jax = _imported("jax")
    if jax is not None:
        flags = os.environ.get("XLA_FLAGS", "")
        if XLA_DETERMINISTIC_FLAG not in flags.split():
            os.environ["XLA_FLAGS"] = f"{flags} {XLA_DETERMINISTIC_FLAG}".strip()
    return tf is not None or torch is not None or jax is not None


@contextmanager
def controlled_numerics(*, deterministic: bool, import_tensorflow: bool = False) -> Iterator[bool]:
    """The numerics a linreg test runs under: TF32 off, op determinism if asked.

    TF32 is turned off in every imported framework whatever the device: on a CPU it changes
    nothing, and on a GPU machine TensorFlow places ops on the GPU even in tests that never
    asked for it.

    Parameters
    ----------
    deterministic : bool
        Turn on op determinism in every imported framework (``--linreg-deterministic``).
    import_tensorflow : bool, default False
        Import TensorFlow (if installed) to change its settings even though the test has not
        imported it yet; the plugin passes True for tests on the ``gpu`` device.

    Yields
    ------
    bool
        Whether op determinism is on for the block: asked for, and a framework with the
        switch was imported when the block began. A framework the block itself imports is
        switched only by the next ``controlled_numerics``; the plugin records this value.

    Examples
    --------
    >>> with controlled_numerics(deterministic=False) as deterministic:
    ...     deterministic
    False
    """
    # Inside tf32_disabled, which may have imported TensorFlow.
    with tf32_disabled(import_tensorflow=import_tensorflow):
        yield _enable_determinism() if deterministic else False


def _versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for label, module_name in FRAMEWORK_MODULES.items():
        module = _imported(module_name)
        if module is not None:
            versions[label] = str(getattr(module, "__version__", "unknown"))
    return versions


def _tf32_state() -> bool | None:
    """Whether TF32 is enabled in any imported framework; None when none can say."""
    states: list[bool] = []
    tf = _imported("tensorflow")
    experimental = _tf_config(tf) if tf is not None else None
    if experimental is not None:
        states.append(bool(experimental.tensor_float_32_execution_enabled()))
    torch = _imported("torch")
    if torch is not None:
        states.append(bool(torch.backends.cuda.matmul.allow_tf32))
    jax = _imported("jax")
    if jax is not None and hasattr(jax, "config"):
        states.append(_jax_precision(jax) not in _JAX_FULL_PRECISION)
    return any(states) if states else None


def _matmul_precision() -> str | None:
    """``"jax=highest, torch=highest"``: float32 matmul precision per imported framework."""
    parts: list[str] = []
    jax = _imported("jax")
    if jax is not None and hasattr(jax, "config"):
        parts.append(f"jax={_jax_precision(jax) or 'default'}")
    torch = _imported("torch")
    getter = getattr(torch, "get_float32_matmul_precision", None)
    if callable(getter):
        parts.append(f"torch={getter()}")
    return ", ".join(parts) or None


def _keras_backend() -> str | None:
    """The Keras 3 backend (``KERAS_BACKEND``: tensorflow, jax or torch) if Keras is imported."""
    keras = _imported("keras")
    backend = getattr(getattr(keras, "backend", None), "backend", None)
    return str(backend()) if callable(backend) else None


def _determinism_state(requested: bool) -> bool | None:
    torch = _imported("torch")
    if torch is not None:
        return bool(torch.are_deterministic_algorithms_enabled()) or requested
    if _imported("tensorflow") is not None:
        # TensorFlow has no public getter; the switch is only ever set by --linreg-deterministic.
        return requested
    if _imported("jax") is not None:
        return XLA_DETERMINISTIC_FLAG in os.environ.get("XLA_FLAGS", "").split() or requested
    return None


def _keras_floatx() -> str | None:
    keras = _imported("keras")
    backend = getattr(keras, "backend", None) if keras is not None else None
    floatx = getattr(backend, "floatx", None)
    return str(floatx()) if callable(floatx) else None


def numerics_state(
    *, device: str | None = None, dtype: Any = None, deterministic: bool = False
) -> dict[str, Any]:
    """Describe the numerics a test ran under, touching only already-imported frameworks.

    Parameters
    ----------
    device : str, optional
        ``"cpu"`` or ``"gpu"`` when the test used ``linreg_device``.
    dtype : dtype-like, optional
        The test's dtype if known (for example a ``dtype`` parameter); else Keras' floatx
        when Keras is imported.
    deterministic : bool
        Whether the session asked for op determinism.

    Returns
    -------
    dict
        ``versions`` (framework name -> version), ``device``, ``tf32`` (bool or None when no
        imported framework has the switch; JAX counts as TF32 unless its default matmul
        precision is ``"highest"``), ``deterministic``, ``dtype``, ``keras_backend`` (None
        without Keras) and ``matmul_precision`` (``"jax=highest, torch=highest"``, None when
        neither is imported).

    Examples
    --------
    >>> state = numerics_state(device="cpu", dtype="float64")
    >>> state["device"], state["dtype"], "numpy" in state["versions"]
    ('cpu', 'float64', True)
    """
    if dtype is not None:
        dtype_name: str | None = np.dtype(dtype).name if _is_numpy_dtype(dtype) else str(dtype)
    else:
        dtype_name = _keras_floatx()
    return {
        "versions": _versions(),
        "device": device,
        "tf32": _tf32_state(),
        "deterministic": _determinism_state(deterministic),
        "dtype": dtype_name,
        "keras_backend": _keras_backend(),
        "matmul_precision": _matmul_precision(),
    }


def _is_numpy_dtype(value: Any) -> bool:
    try:
        np.dtype(value)
    except TypeError:
        return False
    return True


def _property_text(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def state_to_properties(state: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten :func:`numerics_state` into ``(name, value)`` pairs for junit properties.

    Examples
    --------
    >>> state_to_properties({"versions": {"numpy": "2.0"}, "device": "cpu", "tf32": None})
    [('linreg_numpy_version', '2.0'), ('linreg_device', 'cpu'), ('linreg_tf32', 'unknown')]
    """
    pairs: list[tuple[str, str]] = []
    for name, version in state.get("versions", {}).items():
        pairs.append((f"{PROPERTY_PREFIX}{name}_version", str(version)))
    for key, value in state.items():
        if key == "versions":
            continue
        pairs.append((f"{PROPERTY_PREFIX}{key}", _property_text(value)))
    return pairs


def state_from_properties(properties: Iterable[tuple[str, object]]) -> dict[str, Any]:
    """Rebuild the state recorded by the plugin from a report's ``user_properties``.

    The reporter uses this on :class:`pytest.TestReport` objects, which carry
    ``user_properties`` across pytest-xdist workers.

    Examples
    --------
    >>> state_from_properties([("linreg_device", "gpu"), ("linreg_tf32", "off"), ("x", 1)])
    {'versions': {}, 'device': 'gpu', 'tf32': False}
    """
    state: dict[str, Any] = {"versions": {}}
    for name, value in properties:
        if not name.startswith(PROPERTY_PREFIX):
            continue
        key = name[len(PROPERTY_PREFIX):]
        if key.endswith("_version"):
            state["versions"][key[: -len("_version")]] = value
        elif key in STATE_KEYS:  # other linreg_* properties (the reporter's rows) are not ours
            state[key] = {"on": True, "off": False, "unknown": None}.get(str(value), value)
    return state
