"""The :class:`Dataset` record: a design, a response and the reference OLS answer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .._validation import as_design, as_response, column_names

if TYPE_CHECKING:
    from ..reference import OLSResult

__all__ = ["Dataset"]

FloatArray = npt.NDArray[np.float64]


def _read_only(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    arr = np.array(arr, copy=True)
    arr.setflags(write=False)
    return arr


def _sorted_tags(tags: Iterable[str], name: str) -> tuple[str, ...]:
    if isinstance(tags, str):  # sorted(set("nist")) would give ('i', 'n', 's', 't')
        raise TypeError(f"Dataset {name!r}: tags must be a sequence of str, not the str {tags!r}")
    return tuple(sorted(set(tags)))


def _optional_read_only(
    value: Any, shape: tuple[int, ...], what: str, dtype: type[Any]
) -> npt.NDArray[Any] | None:
    """A read-only copy of an optional array of the given shape, or raise naming ``what``."""
    if value is None:
        return None
    arr = _read_only(np.asarray(value, dtype=dtype))
    if arr.shape != shape:
        raise ValueError(f"{what} has shape {arr.shape}; expected {shape}")
    return arr


def _reference_params(ds: Dataset, p: int) -> tuple[FloatArray, float]:
    """``ds.coef`` as a (p,) float64 array and ``ds.intercept`` as a float: finite, or raise."""
    coef = np.asarray(ds.coef, dtype=np.float64).reshape(-1)
    if coef.shape[0] != p:
        raise ValueError(
            f"Dataset {ds.name!r}: coef has {coef.shape[0]} values but X has {p} columns"
        )
    intercept = float(ds.intercept)
    if not ds.fit_intercept and intercept != 0.0:
        raise ValueError(
            f"Dataset {ds.name!r}: intercept is {intercept} but fit_intercept is False"
        )
    if not (np.all(np.isfinite(coef)) and np.isfinite(intercept)):
        raise ValueError(
            f"Dataset {ds.name!r}: the reference parameters must be finite; got "
            f"coef={coef.tolist()}, intercept={intercept}"
        )
    return coef, intercept if ds.fit_intercept else 0.0


@dataclass(frozen=True, eq=False)
class Dataset:
    """A regression problem with its reference OLS answer.

    Attributes
    ----------
    name : str
        Registry name, also the pytest id (``"Longley"``, ``"sorted_poisson"``).
    X : ndarray, shape (n, p)
        Float64 design *without* the intercept column. Read-only.
    y : ndarray, shape (n,)
        Float64 response. Read-only.
    fit_intercept : bool
        Whether the model has an intercept (NIST NoInt1/NoInt2 do not).
    coef : ndarray, shape (p,)
        Reference coefficients: NIST's certified values as parsed, the exact answer of a
        constructed problem, or the accurate OLS solution of ``X, y``.
    intercept : float
        Reference intercept, ``0.0`` when ``fit_intercept`` is false.
    certified : bool
        True when ``coef``/``intercept`` are certified values (NIST) or exact by construction.
    feature_names : tuple of str
        One name per column of ``X``.
    tags : tuple of str
        Sorted tags used for selection (``"nist"``, ``"higher"``, ``"polynomial"`` ...).
    description : str
        One or two sentences on where the data come from and what makes them hard.
    """

    name: str
    X: FloatArray
    y: FloatArray
    fit_intercept: bool
    coef: FloatArray
    intercept: float
    certified: bool
    feature_names: tuple[str, ...]
    tags: tuple[str, ...] = ()
    description: str = ""
    #: Certified standard deviations of ``coef`` / ``intercept`` (NIST sets only).
    coef_std: FloatArray | None = None
    intercept_std: float | None = None
    #: Certified residual standard deviation and R² (NIST sets only).
    residual_std: float | None = None
    r_squared: float | None = None
    #: Exact design and response as read-only object arrays of ``fractions.Fraction`` when
    #: the data have an exact form (NIST files, integer generators); ``None`` otherwise.
    exact_X: npt.NDArray[np.object_] | None = field(default=None, repr=False)
    exact_y: npt.NDArray[np.object_] | None = field(default=None, repr=False)
    #: Seed the data were generated from, if any (recorded in reports for replay).
    seed: int | None = None

    def __post_init__(self) -> None:
        X = as_design(self.X, f"Dataset {self.name!r}: X")
        y = as_response(self.y, X.shape[0], f"Dataset {self.name!r}: y")
        coef, intercept = _reference_params(self, X.shape[1])
        what = f"Dataset {self.name!r}: feature_names"  # refused: a str, a wrong count, repeats
        names = column_names(None, X.shape[1], self.feature_names, what)
        object.__setattr__(self, "X", _read_only(X))
        object.__setattr__(self, "y", _read_only(y))
        object.__setattr__(self, "coef", _read_only(coef))
        object.__setattr__(self, "intercept", intercept)
        object.__setattr__(self, "feature_names", names)
        object.__setattr__(self, "tags", _sorted_tags(self.tags, self.name))
        prefix = f"Dataset {self.name!r}: "
        for attr, shape, dtype in (
            ("coef_std", coef.shape, np.float64),
            ("exact_X", X.shape, object),
            ("exact_y", y.shape, object),
        ):
            value = _optional_read_only(getattr(self, attr), shape, prefix + attr, dtype)
            object.__setattr__(self, attr, value)

    @property
    def n(self) -> int:
        """Number of observations."""
        return int(self.X.shape[0])

    @property
    def p(self) -> int:
        """Number of columns of ``X`` (the intercept not counted)."""
        return int(self.X.shape[1])

    @property
    def params(self) -> FloatArray:
        """Reference parameters as one vector: ``[intercept, *coef]`` or ``coef``."""
        if self.fit_intercept:
            return np.concatenate([[self.intercept], self.coef])
        return np.array(self.coef, copy=True)

    def reference(self) -> OLSResult:
        """Accurate OLS solution of the stored float64 data (not the certified values)."""
        from ..reference import ols

        return ols(
            self.X, self.y, fit_intercept=self.fit_intercept, feature_names=self.feature_names
        )

    @cached_property
    def float_reference(self) -> OLSResult:
        """:meth:`reference`, computed once: what a fitter of ``X, y`` is judged against.

        For a certified dataset it differs from ``coef``/``intercept`` by the rounding of the
        decimal data to float64; otherwise it is the same answer.
        """
        return self.reference()

    @classmethod
    def from_arrays(
        cls,
        name: str,
        X: Any,
        y: Any,
        *,
        fit_intercept: bool = True,
        feature_names: Sequence[str] | None = None,
        tags: Iterable[str] = (),
        description: str = "",
        seed: int | None = None,
    ) -> Dataset:
        """Build a dataset from arrays; its reference answer is computed with :func:`ols`.

        Parameters
        ----------
        name : str
            Unique name; it becomes the pytest id.
        X, y : array_like
            Design (n, p) without intercept column, and response (n,). Lists, integer arrays
            and pandas objects are accepted; a DataFrame's columns become the feature names.
        fit_intercept : bool, default True
        feature_names : sequence of str, optional
        tags : iterable of str
        description : str

        Examples
        --------
        >>> import pytest_linreg as plr
        >>> ds = plr.Dataset.from_arrays("tiny", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
        >>> float(ds.coef[0]), ds.intercept
        (2.0, 1.0)
        """
        from ..reference import ols

        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string; got {name!r}")
        # ols validates X, y, fit_intercept and the names; __post_init__ stores read-only copies.
        result = ols(X, y, fit_intercept=fit_intercept, feature_names=feature_names)
        return cls._solved(name, X, y, result, tags=tags, description=description, seed=seed)

    @classmethod
    def _solved(
        cls,
        name: str,
        X: Any,
        y: Any,
        result: OLSResult,
        *,
        tags: Iterable[str],
        description: str,
        seed: int | None,
    ) -> Dataset:
        """The dataset of ``X, y`` whose reference is ``result``, :func:`ols` of the same data."""
        return cls(
            name=name,
            X=X,
            y=y,
            fit_intercept=result.fit_intercept,
            coef=result.coef,
            intercept=result.intercept,
            certified=False,
            feature_names=result.feature_names,
            tags=_sorted_tags(tags, name),
            description=description,
            seed=seed,
        )
