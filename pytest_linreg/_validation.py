"""Input checking shared by every public entry point.

Each function turns user input (lists, integer or float arrays, pandas objects) into a float64
array or raises ``TypeError``/``ValueError`` whose message names the argument and the problem,
so that nothing fails later inside numpy with a raw traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from ._pages import PageReleaser

__all__ = [
    "as_array",
    "as_design",
    "as_response",
    "as_responses",
    "as_sample_weight",
    "check_alpha",
    "check_parameters_fit",
    "check_rtol",
    "column_names",
]


def as_array(value: Any, what: str) -> npt.NDArray[Any]:
    """``value`` (list, array, pandas object) as an ndarray of its own dtype, or raise."""
    if value is None:
        raise TypeError(f"{what} is None; expected an array of numbers")
    if hasattr(value, "to_numpy") and callable(value.to_numpy):  # pandas DataFrame / Series
        value = value.to_numpy()
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(f"{what} could not be read as a rectangular array: {exc}") from None
    return arr


def _as_float64(
    arr: npt.NDArray[Any], what: str, source: Any = None
) -> npt.NDArray[np.float64]:
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{what} has complex dtype {arr.dtype}; least squares here is real-valued")
    if kind == "b":
        return arr.astype(np.float64)
    if kind in "iuf":
        # copy=False: a float64 design of a million rows is not copied on every call.
        with np.errstate(over="ignore"):  # long double beyond float64's range: reported below
            out = arr.astype(np.float64, copy=False)
    elif kind == "O":
        # astype(float64) parses the string "3" and turns None into NaN: refuse both first.
        for v in arr.flat:
            if v is None or isinstance(v, (str, bytes)):
                raise TypeError(f"{what} holds non-numeric objects ({type(v).__name__} {v!r})")
        try:
            with np.errstate(over="ignore"):  # an overflow to inf is reported below
                out = arr.astype(np.float64)
        except OverflowError as exc:  # a Python int or Fraction beyond float64's range
            raise ValueError(f"{what} holds a number beyond float64's range ({exc})") from None
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{what} holds non-numeric objects ({exc})") from None
    else:
        raise TypeError(f"{what} has non-numeric dtype {arr.dtype}; expected numbers")
    if out.size and not _all_finite(out, source):
        _raise_non_finite(arr, out, what)
    return out


#: Entries checked at once by :func:`_all_finite`: its temporary stays at 4 MiB of booleans,
#: whatever the size of the data (a memmap of gigabytes included).
_FINITE_BLOCK = 1 << 22


def _all_finite(out: npt.NDArray[np.float64], source: Any = None) -> bool:
    """``np.all(np.isfinite(out))``, a block of rows at a time; the pages of ``source`` (the
    caller's array, when a memmap) are released as they are read."""
    if out.ndim == 0 or out.size <= _FINITE_BLOCK:
        return bool(np.all(np.isfinite(out)))
    rows = max(1, _FINITE_BLOCK // max(1, out.size // out.shape[0]))
    pages = PageReleaser([source])
    for start in range(0, out.shape[0], rows):
        block = out[start : start + rows]
        if not np.all(np.isfinite(block)):
            return False
        pages.read(block.nbytes)
    return True


def _raise_non_finite(arr: npt.NDArray[Any], out: npt.NDArray[np.float64], what: str) -> NoReturn:
    """Name the first NaN/inf of ``out``, or the value of ``arr`` that overflowed into it."""
    bad = tuple(np.argwhere(~np.isfinite(out))[0])
    where = ", ".join(str(int(i)) for i in bad)
    value = arr[bad]
    is_finite = getattr(value, "is_finite", None)  # Decimal("1e400") becomes inf
    if bool(is_finite()) if callable(is_finite) else bool(np.isfinite(value)):
        # !s: format() of a long double goes through float and would print inf.
        raise ValueError(f"{what} holds {value!s} at [{where}], beyond float64's range")
    total = int(np.count_nonzero(~np.isfinite(out)))
    raise ValueError(f"{what} contains {total} non-finite value(s) (first: {value} at [{where}])")


def as_design(X: Any, what: str = "X") -> npt.NDArray[np.float64]:
    """Return ``X`` as a 2-D float64 array with at least one row and column, or raise."""
    arr = as_array(X, what)
    if arr.ndim != 2:
        raise ValueError(
            f"{what} must be 2-D (n_samples, n_features); got {arr.ndim}-D shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{what} is empty: shape {arr.shape}")
    # C order whatever the input's layout: BLAS rounds differently for Fortran-ordered data
    # (DataFrame.to_numpy() is one), and the same numbers must give bit-identical results.
    return np.ascontiguousarray(_as_float64(arr, what, X))


def as_response(y: Any, n: int, what: str = "y") -> npt.NDArray[np.float64]:
    """Return ``y`` as a 1-D float64 array of length ``n`` (an (n, 1) column is accepted)."""
    arr = as_array(y, what)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{what} must be 1-D (n_samples,); got {arr.ndim}-D shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{what} has {arr.shape[0]} values but X has {n} rows")
    return _as_float64(arr, what, y)


def as_responses(y: Any, n: int, what: str = "y") -> npt.NDArray[np.float64]:
    """``y`` as a float64 ``(n, k)`` array of ``k ≥ 1`` responses (a 1-D ``y`` gives k = 1)."""
    arr = as_array(y, what)
    if arr.ndim == 1:
        return as_response(arr, n, what)[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"{what} must be 1-D (n_samples,) or 2-D (n_samples, n_outputs); got {arr.ndim}-D "
            f"shape {arr.shape}"
        )
    if arr.shape[0] != n:
        raise ValueError(f"{what} has {arr.shape[0]} rows but X has {n}")
    if arr.shape[1] == 0:
        raise ValueError(f"{what} has no outputs: shape {arr.shape}")
    return _as_float64(arr, what)


def as_sample_weight(
    sample_weight: Any, n: int, what: str = "sample_weight"
) -> npt.NDArray[np.float64] | None:
    """Weights as a float64 ``(n,)`` array: finite, ≥ 0, not all zero; ``None`` stays ``None``.

    A scalar weight is every row's (as scikit-learn reads it). Negative weights are refused:
    the weighted least-squares objective ``Σ wᵢ rᵢ²`` is then not bounded below.
    """
    if sample_weight is None:
        return None
    arr = as_array(sample_weight, what)
    if arr.ndim == 0:
        arr = np.full(n, arr)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be 1-D (n_samples,); got {arr.ndim}-D shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{what} has {arr.shape[0]} values but X has {n} rows")
    w = np.array(_as_float64(arr, what), dtype=np.float64, copy=True)
    negative = np.flatnonzero(w < 0)
    if negative.size:
        raise ValueError(
            f"{what} holds {negative.size} negative weight(s) (first: {w[negative[0]]} at "
            f"[{negative[0]}]); weighted least squares needs weights ≥ 0"
        )
    if not np.any(w > 0):
        raise ValueError(f"{what} is zero everywhere: no observation is weighted")
    return w


def check_alpha(alpha: Any) -> float:
    """The ridge penalty as a finite float ≥ 0, or raise naming the bad value."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"alpha must be a real number ≥ 0 (one penalty for every coefficient); got "
            f"{alpha!r} ({type(alpha).__name__})"
        )
    value = float(alpha)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"alpha must be a finite number ≥ 0; got {alpha!r}")
    return value


def check_parameters_fit(n: int, p: int, fit_intercept: bool) -> None:
    """Raise if ``fit_intercept`` is not a bool or there are fewer observations than parameters."""
    if not isinstance(fit_intercept, (bool, np.bool_)):  # int("no") would leak a raw message
        raise TypeError(f"fit_intercept must be a bool; got {fit_intercept!r}")
    k = p + int(fit_intercept)
    if n < k:
        extra = " (including the intercept)" if fit_intercept else ""
        raise ValueError(
            f"fewer rows than parameters: n={n} < {k} parameters{extra}; OLS is not determined"
        )


def check_rtol(rtol: Any, what: str = "rtol") -> float:
    """Return ``rtol`` as a float in [0, 1), or raise naming the bad value."""
    if isinstance(rtol, bool) or not isinstance(rtol, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} must be a real number; got {rtol!r} ({type(rtol).__name__})")
    value = float(rtol)
    if not np.isfinite(value) or value < 0 or value >= 1:
        raise ValueError(f"{what} must be a finite number in [0, 1); got {rtol!r}")
    return value


def column_names(
    X: Any, p: int, feature_names: Sequence[str] | None, what: str = "feature_names"
) -> tuple[str, ...]:
    """Feature names: given ones, else a DataFrame's columns, else ``x1 … xp``."""
    if feature_names is None and hasattr(X, "columns"):
        feature_names = [str(c) for c in X.columns]
    if feature_names is None:
        return tuple(f"x{j + 1}" for j in range(p))
    if isinstance(feature_names, str):  # "ab" would silently name two columns "a" and "b"
        raise TypeError(f"{what} must be a sequence of str, not the str {feature_names!r}")
    names = tuple(str(name) for name in feature_names)
    if len(names) != p:
        raise ValueError(f"{what} has {len(names)} names but X has {p} columns")
    if len(set(names)) != len(names):
        raise ValueError(f"{what} must be unique; got {list(names)}")
    return names
