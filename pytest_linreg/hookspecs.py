"""Hook specifications of pytest-linreg (added by ``plugin.pytest_addhooks``).

Implement these in a ``conftest.py`` or a plugin to extend pytest-linreg without touching its
code. Always call them with keyword arguments. Hooks marked *firstresult* stop at the first
implementation returning something other than ``None``; pytest-linreg's own default is
registered with ``trylast=True``, so any downstream answer wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import numpy.typing as npt

    from .datasets import Dataset
    from .datasets._registry import DatasetSpec
    from .devices import GpuProbe

__all__ = [
    "pytest_linreg_coefficients",
    "pytest_linreg_datasets",
    "pytest_linreg_gpu_available",
    "pytest_linreg_tolerance",
]


@pytest.hookspec
def pytest_linreg_datasets(config: pytest.Config) -> Iterable[Dataset | DatasetSpec] | None:
    """Contribute datasets to ``linreg_dataset``, ``--linreg-datasets`` and the reports.

    Each implementation is called once per session: at start-up for plugins and initial
    ``conftest.py`` files (their datasets may be named in ``--linreg-datasets``), during
    collection for deeper ones. The datasets are merged with the built-in ones; a name used
    twice is an error that names both sources. A dataset from a ``conftest.py`` is offered
    only to the tests that conftest applies to.

    Parameters
    ----------
    config : pytest.Config
        The session's config (for example to read your own options).

    Returns
    -------
    iterable of Dataset or DatasetSpec, or None
        ``Dataset`` objects (built eagerly) or ``DatasetSpec`` objects whose ``load()`` runs
        at first use. ``None`` contributes nothing.

    Examples
    --------
    ::

        import pytest_linreg as plr

        def pytest_linreg_datasets(config):
            X, y = load_my_data()
            return [plr.Dataset.from_arrays("sales_2024", X, y, tags=["ours"])]

    .. versionadded:: 0.1.0
    """


@pytest.hookspec(firstresult=True)
def pytest_linreg_coefficients(model: Any) -> tuple[npt.ArrayLike, float] | None:
    """Extract ``(coef, intercept)`` from a fitted model object.

    Called by the assertions when ``actual`` is not an array or a pair, before the built-in
    adapters (scikit-learn, statsmodels, Keras, torch) are tried.

    Parameters
    ----------
    model : object
        Whatever the test passed as ``actual``.

    Returns
    -------
    (coef, intercept) or None
        ``coef`` of shape ``(p,)`` and the intercept (``0.0`` without one); ``None`` means
        "not a model I know", and the next implementation or built-in adapter is tried.

    Examples
    --------
    ::

        def pytest_linreg_coefficients(model):
            if isinstance(model, MyRidge):
                return model.weights[1:], float(model.weights[0])
            return None

    .. versionadded:: 0.1.0
    """


@pytest.hookspec(firstresult=True)
def pytest_linreg_gpu_available(config: pytest.Config) -> GpuProbe | bool | None:
    """Say whether a GPU is usable; only called with ``--linreg-gpu``, once per session.

    The default implementation calls :func:`pytest_linreg.devices.probe_gpus`, which asks
    TensorFlow, torch and JAX and records ``CUDA_VISIBLE_DEVICES`` and ``nvidia-smi``. When
    the answer is "no GPU", the session stops with a usage error listing every probe.

    Parameters
    ----------
    config : pytest.Config
        The session's config (for example to read your own options or environment).

    Returns
    -------
    GpuProbe, bool or None
        A :class:`~pytest_linreg.devices.GpuProbe` with one entry per backend tried, or a
        plain bool; ``None`` defers to the next implementation.

    Examples
    --------
    ::

        def pytest_linreg_gpu_available(config):
            import cupy
            return cupy.cuda.runtime.getDeviceCount() > 0

    .. versionadded:: 0.1.0
    """


@pytest.hookspec(firstresult=True)
def pytest_linreg_tolerance(
    dataset: Dataset, dtype: Any, requested_rtol: float | None
) -> float | None:
    """Choose the relative tolerance for checking a fit of ``dataset`` computed in ``dtype``.

    Called by the suite generator for each (dataset, dtype) check. The default implementation
    returns ``requested_rtol`` unchanged: an rtol someone asked for is checked as asked, never
    loosened (tighter than the data and dtype allow, the check fails and says so). ``None``
    means the automatic tolerance: 1e-7, loosened per parameter to what rounding the data and a
    backward-stable solve in ``dtype`` allow.

    Parameters
    ----------
    dataset : Dataset
        The data the model was fitted to.
    dtype : dtype-like
        The dtype the model computed in (numpy, TensorFlow or torch dtype, or its name).
    requested_rtol : float or None
        The rtol asked for: the suite decorator's ``rtol=``, else ``--linreg-rtol``, else the
        ini option ``linreg_rtol``; ``None`` if none was set.

    Returns
    -------
    float or None
        The rtol to use, in ``[0, 1)``; ``None`` defers to the next implementation.

    Examples
    --------
    ::

        def pytest_linreg_tolerance(dataset, dtype, requested_rtol):
            if "ours" in dataset.tags:
                return 1e-4  # our sensor data are only good to 4 digits
            return None

    .. versionadded:: 0.1.0
    """
