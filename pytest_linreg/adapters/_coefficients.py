"""What an adapter returns: :class:`Coefficients`, validated by :func:`make_coefficients`.

A leaf module: the adapters import it, and :mod:`pytest_linreg.adapters.extract` imports the
adapters, so nothing here may import either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["FIT_KINDS", "Coefficients", "make_coefficients", "make_output_coefficients"]

#: How a model may have been fitted (:attr:`Coefficients.kind`).
FIT_KINDS = ("direct", "iterative", "unknown")


@dataclass(frozen=True)
class Coefficients:
    """Coefficients read from a model, in the model's own dtype.

    Attributes
    ----------
    coef : ndarray, shape (p,), or (k, p) for a model of k outputs
        Read-only; float32 stays float32.
    intercept : float or None
        ``None`` when the model has no intercept term (and for k outputs: see ``outputs``).
    dtype : str
        Name of the dtype the model holds its weights in (``"float32"``, ``"bfloat16"`` ...).
    source : str
        Adapter and object type, e.g. ``"sklearn:LinearRegression"``.
    names : tuple of str or None
        The feature names the model carries, in ``coef`` order (scikit-learn's
        ``feature_names_in_``, statsmodels' ``params.index``), ``None`` when it carries none.
        A comparison aligns them with the dataset's names.
    kind : {"direct", "iterative", "unknown"}
        How the model was fitted, as far as the object tells: ``"direct"`` for a closed-form
        or factorisation solve (scikit-learn ``LinearRegression``, statsmodels ``OLS``, a
        reference), ``"iterative"`` for an optimiser (a compiled Keras model that has taken
        steps, ``SGDRegressor``, coordinate descent), ``"unknown"`` for arrays, pairs and
        layers. Failure advice rests on it: only an iterative fit is told about epochs or
        shuffling.
    outputs : tuple of Coefficients
        Empty for a single-output model; for k outputs one single-output Coefficients per
        output (``coef`` is then their (k, p) stack and ``intercept`` is ``None``).
    """

    coef: npt.NDArray[np.floating[Any]]
    intercept: float | None
    dtype: str
    source: str
    names: tuple[str, ...] | None = None
    kind: str = "unknown"
    outputs: tuple[Coefficients, ...] = ()

    @property
    def p(self) -> int:
        """Number of coefficients (per output)."""
        return int(self.coef.shape[-1])

    @property
    def n_outputs(self) -> int:
        """1 for a single-output model, else the number of outputs."""
        return len(self.outputs) or 1

    def params(self, fit_intercept: bool) -> npt.NDArray[np.float64]:
        """Float64 parameter vector ``[intercept, *coef]`` (intercept 0 if absent) or ``coef``."""
        coef = np.asarray(self.coef, dtype=np.float64)
        if not fit_intercept:
            return coef
        return np.concatenate([[0.0 if self.intercept is None else self.intercept], coef])


def make_coefficients(
    coef: Any,
    intercept: Any,
    source: str,
    *,
    dtype: str | None = None,
    names: Any = None,
    kind: str = "unknown",
) -> Coefficients:
    """Validate raw weights: 1-D coef (``(p, 1)``/``(1, p)`` accepted), scalar intercept.

    A coef of shape ``(k, p)`` with ``k > 1`` (scikit-learn's layout) is a model of k outputs
    when the intercept has k values, or is ``None`` and ``p > 1``: the result carries one
    :class:`Coefficients` per output in ``outputs``. With a single intercept it is an error (a
    fit that returned a matrix where one output was expected). Integers widen to float64 and
    ``bfloat16`` (ml_dtypes) to float32; ``dtype`` then still names what the model holds, so
    the attainable accuracy is judged in bfloat16. ``names``: the feature names the model
    carries, one per coefficient, if any.
    """
    arr = _as_array(coef, source, "coefficients")
    if arr.ndim == 2 and arr.shape[0] > 1 and (
        np.shape(intercept) == (arr.shape[0],) or (intercept is None and arr.shape[1] > 1)
    ):
        return make_output_coefficients(arr, intercept, source, dtype=dtype, names=names,
                                        kind=kind)
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.name == "bfloat16":  # ml_dtypes' (Keras, JAX, TF): numpy kind "V"
        dtype = dtype or "bfloat16"
        arr = arr.astype(np.float32)  # exact: every bfloat16 is a float32
    if arr.dtype.kind != "f":
        raise TypeError(f"{source}: coefficients must be real numbers; got dtype {arr.dtype}")
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"{source}: expected one coefficient per feature (a single output); got shape "
            f"{np.shape(coef)}" + (
                " (k outputs: a (k, p) coef with k intercepts or none)" if arr.ndim == 2 else "")
        )
    arr = np.array(arr, copy=True)
    arr.setflags(write=False)
    labels = None
    if names is not None:
        labels = tuple(str(n) for n in names)
        if len(labels) != arr.size:
            raise ValueError(
                f"{source}: {len(labels)} feature names for {arr.size} coefficients"
            )
    if kind not in FIT_KINDS:
        raise ValueError(f"{source}: kind must be one of {FIT_KINDS}; got {kind!r}")
    return Coefficients(
        arr, _scalar(intercept, source), dtype or arr.dtype.name, source, labels, kind
    )


def make_output_coefficients(
    coef: Any,
    intercept: Any,
    source: str,
    *,
    dtype: str | None = None,
    names: Any = None,
    kind: str = "unknown",
) -> Coefficients:
    """Coefficients of a model of k outputs from a ``(k, p)`` coef, one row per output.

    ``intercept``: ``None`` or k values. Adapters that know the number of outputs call this
    directly, so that one feature and k outputs, ``(k, 1)``, is not read as k coefficients. A
    single row gives a single-output model.
    """
    coef = _as_array(coef, source, "coefficients")
    if coef.ndim != 2 or coef.shape[0] == 0:
        raise ValueError(f"{source}: expected a (k, p) array of coefficients; got {coef.shape}")
    k = coef.shape[0]
    if k == 1:
        return make_coefficients(coef[0], intercept, source, dtype=dtype, names=names, kind=kind)
    intercepts: list[Any] = [None] * k
    if intercept is not None:
        values = _as_array(intercept, source, "the intercept").reshape(-1)
        if values.size != k:
            raise ValueError(
                f"{source}: {k} outputs (coef shape {coef.shape}) need {k} intercepts; got "
                f"shape {np.shape(intercept)}"
            )
        intercepts = list(values)
    outputs = tuple(
        make_coefficients(coef[j], intercepts[j], f"{source}[output {j + 1}]", dtype=dtype,
                          names=names, kind=kind)
        for j in range(k)
    )
    stacked = np.stack([o.coef for o in outputs])
    stacked.setflags(write=False)
    first = outputs[0]
    return Coefficients(stacked, None, first.dtype, source, first.names, first.kind, outputs)


def _as_array(value: Any, source: str, what: str) -> npt.NDArray[Any]:
    """``np.asarray(value)``, failing with a ValueError that names ``source`` and ``what``."""
    try:
        return np.asarray(value)
    # Ragged nested sequences (ValueError), and tensors numpy cannot read: a torch tensor
    # that requires grad raises RuntimeError, one on a GPU TypeError.
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"{source}: {what} could not be read as an array: {exc}") from None


def _scalar(value: Any, source: str) -> float | None:
    if value is None:
        return None
    arr = _as_array(value, source, "the intercept")
    if arr.size != 1:
        raise ValueError(f"{source}: the intercept must be a single number; got shape {arr.shape}")
    if arr.dtype.kind not in "biuf" and arr.dtype.name != "bfloat16":
        raise TypeError(f"{source}: the intercept must be a real number; got {value!r}")
    return float(arr.reshape(()))
