"""The :class:`Dataset` record: a design, a response and the reference OLS answer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .._outputs import SharedDesignOutputs
from .._validation import (
    as_array,
    as_design,
    as_response,
    as_responses,
    as_sample_weight,
    check_alpha,
    column_names,
)

if TYPE_CHECKING:
    from ..reference import MultiOutputResult, OLSResult

__all__ = ["Dataset", "MultiOutputDataset"]

FloatArray = npt.NDArray[np.float64]


def _problem_tags(sample_weight: Any, alpha: float) -> tuple[str, ...]:
    """``"weighted"`` and ``"ridge"`` where they apply."""
    return (("weighted",) if sample_weight is not None else ()) + (("ridge",) if alpha else ())


def _read_only(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A read-only array of ``arr``'s values: ``arr`` itself when it is a read-only array that
    owns its data (the outputs of a multi-output dataset share one design), else a copy."""
    if isinstance(arr, np.ndarray) and arr.flags.owndata and not arr.flags.writeable:
        return arr
    arr = np.array(arr, copy=True)
    arr.setflags(write=False)
    return arr


def _kept_or_read_only(original: Any, validated: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``validated`` read-only (:func:`_read_only`); a ``numpy.memmap`` whose float64 data it is
    stays a memmap, viewed read-only and not copied: the file is the data."""
    # Not a copy-on-write memmap (mode "c"): the caller's writes to it would change the
    # dataset without touching the file. An (n, 1) y is kept as its (n,) column.
    if (
        isinstance(original, np.memmap)
        and original.mode != "c"
        and np.may_share_memory(original, validated)
    ):
        view: npt.NDArray[Any] = original.reshape(validated.shape)
        view.setflags(write=False)
        return view
    return _read_only(validated)


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
    sample_weight : ndarray, shape (n,), or None
        Observation weights of a weighted least-squares problem (read-only); ``None`` for OLS.
        The reference minimises ``Σ wᵢ rᵢ²``; rows of zero weight do not count.
    alpha : float
        Ridge penalty on the coefficients (not on the intercept), ``0.0`` for least squares:
        the reference minimises ``Σ wᵢ rᵢ² + alpha·‖coef‖²``, scikit-learn's ``Ridge(alpha)``.
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
    sample_weight: FloatArray | None = field(default=None, repr=False)
    alpha: float = 0.0

    def __post_init__(self) -> None:
        X = as_design(self.X, f"Dataset {self.name!r}: X")
        y = as_response(self.y, X.shape[0], f"Dataset {self.name!r}: y")
        coef, intercept = _reference_params(self, X.shape[1])
        what = f"Dataset {self.name!r}: feature_names"  # refused: a str, a wrong count, repeats
        names = column_names(None, X.shape[1], self.feature_names, what)
        object.__setattr__(self, "X", _kept_or_read_only(self.X, X))
        object.__setattr__(self, "y", _kept_or_read_only(self.y, y))
        object.__setattr__(self, "coef", _read_only(coef))
        object.__setattr__(self, "intercept", intercept)
        object.__setattr__(self, "feature_names", names)
        object.__setattr__(self, "tags", _sorted_tags(self.tags, self.name))
        prefix = f"Dataset {self.name!r}: "
        weights = as_sample_weight(self.sample_weight, X.shape[0], prefix + "sample_weight")
        # Weights are always a validated copy (as_sample_weight): kept read-only, not on disk.
        object.__setattr__(self, "sample_weight", None if weights is None else _read_only(weights))
        try:
            object.__setattr__(self, "alpha", check_alpha(self.alpha))
        except (TypeError, ValueError) as exc:
            raise type(exc)(prefix + str(exc)) from None
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

    @property
    def problem(self) -> str:
        """``"ols"``, ``"wls"`` (weights), ``"ridge"`` or ``"weighted ridge"``: what is solved."""
        if self.alpha > 0:
            return "ridge" if self.sample_weight is None else "weighted ridge"
        return "ols" if self.sample_weight is None else "wls"

    def reference(self) -> OLSResult:
        """Accurate solution of the stored float64 data (not the certified values).

        Least squares, weighted by :attr:`sample_weight` and penalised by :attr:`alpha` when
        the dataset has them.
        """
        from ..reference import OLSResult, ols

        result = ols(
            self.X,
            self.y,
            fit_intercept=self.fit_intercept,
            feature_names=self.feature_names,
            sample_weight=self.sample_weight,
            alpha=self.alpha,
        )
        assert isinstance(result, OLSResult)  # y is 1-D
        return result

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
        sample_weight: Any = None,
        alpha: float = 0.0,
    ) -> Dataset:
        """Build a dataset from arrays; its reference answer is computed with :func:`ols`.

        Parameters
        ----------
        name : str
            Unique name; it becomes the pytest id.
        X, y : array_like
            Design (n, p) without intercept column, and response (n,) (an (n, 1) column is
            accepted; several responses make a :meth:`MultiOutputDataset.from_arrays`). Lists,
            integer arrays and pandas objects are accepted; a DataFrame's columns become the
            feature names.
        fit_intercept : bool, default True
        feature_names : sequence of str, optional
        tags : iterable of str
            ``"weighted"`` and ``"ridge"`` are added when they apply.
        description : str
        sample_weight : array_like (n,), optional
            A weighted least-squares problem (``Σ wᵢ rᵢ²``); rows of zero weight do not count.
        alpha : float, default 0.0
            A ridge problem: the coefficients (not the intercept) penalised by ``alpha·‖β‖²``.

        Examples
        --------
        >>> import pytest_linreg as plr
        >>> ds = plr.Dataset.from_arrays("tiny", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
        >>> float(ds.coef[0]), ds.intercept
        (2.0, 1.0)
        >>> plr.Dataset.from_arrays("tiny-ridge", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0],
        ...                         alpha=2.0).coef.tolist()
        [1.0]
        """
        from ..reference import ols, one_output

        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string; got {name!r}")
        ya = as_array(y, f"Dataset {name!r}: y")  # lists and pandas too; ragged ones refused
        if ya.ndim == 2 and ya.shape[1] > 1:
            raise ValueError(
                f"Dataset {name!r}: y must be 1-D (n_samples,); got 2-D shape {ya.shape}: "
                f"for {ya.shape[1]} outputs use MultiOutputDataset.from_arrays"
            )
        if not isinstance(y, np.memmap):  # a memmap stays one: read in blocks, not copied
            y = ya
        # ols validates X, y, the weights, alpha, fit_intercept and the names; __post_init__
        # stores read-only copies (a memmap: a read-only view).
        result = one_output(ols(X, y, fit_intercept=fit_intercept, feature_names=feature_names,
                                sample_weight=sample_weight, alpha=alpha))
        return cls._solved(
            name, X, y, result, tags=(*_sorted_tags(tags, name), *_problem_tags(
                sample_weight, result.alpha)),
            description=description, seed=seed, sample_weight=sample_weight,
            alpha=result.alpha,
        )._remembering(result, X, y)

    def _remembering(self, result: OLSResult, X: Any, y: Any) -> Dataset:
        """``self``, with ``result`` (``ols`` of ``X, y``) as its :attr:`float_reference`: the
        call :meth:`reference` would make, already made (on data of gigabytes, not twice).

        Only when ``X`` and ``y`` were float64 C-ordered arrays of the kept shape, in memory
        where the kept ones are in memory (a copy of the same values) and memmaps where they
        are memmaps: from a float32, Fortran-ordered, list or dask input, or a copied memmap,
        ``ols`` took another path than it will on the stored data, with the same parameters
        but other error estimates.
        """
        if all(
            isinstance(given, np.ndarray) and given.dtype == np.float64
            and given.shape == kept.shape and given.flags.c_contiguous
            and isinstance(given, np.memmap) == isinstance(kept, np.memmap)
            for given, kept in ((X, self.X), (y, self.y))
        ):
            self.__dict__["float_reference"] = result  # what functools.cached_property stores
        return self

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
        sample_weight: FloatArray | None = None,
        alpha: float = 0.0,
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
            sample_weight=sample_weight,
            alpha=alpha,
        )


@dataclass(frozen=True, eq=False)
class MultiOutputDataset(SharedDesignOutputs):
    """A regression problem with ``k`` responses sharing one design: ``k`` single datasets.

    Built by :meth:`Dataset.from_arrays` from a 2-D ``y``. Each output is a single-output
    :class:`Dataset` named ``"<name>[<output name>]"``, sharing the read-only design, weights
    and penalty; verdicts judge each output against its own reference and say which failed.

    Attributes
    ----------
    name : str
    outputs : tuple of Dataset
        One per column of ``Y``.
    output_names : tuple of str
    """

    name: str
    outputs: tuple[Dataset, ...]
    output_names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.outputs) < 2 or len(self.output_names) != len(self.outputs):
            raise ValueError(
                f"MultiOutputDataset {self.name!r}: needs one name per output and at least 2 "
                f"outputs; got {len(self.outputs)} outputs, {len(self.output_names)} names"
            )

    @property
    def X(self) -> FloatArray:
        """The shared design (n, p), read-only."""
        return self.outputs[0].X

    @property
    def Y(self) -> FloatArray:
        """The responses, shape (n, k)."""
        return np.stack([o.y for o in self.outputs], axis=1)

    @property
    def sample_weight(self) -> FloatArray | None:
        return self.outputs[0].sample_weight

    @property
    def alpha(self) -> float:
        return self.outputs[0].alpha

    @property
    def tags(self) -> tuple[str, ...]:
        return self.outputs[0].tags

    @classmethod
    def from_arrays(
        cls,
        name: str,
        X: Any,
        Y: Any,
        *,
        fit_intercept: bool = True,
        feature_names: Sequence[str] | None = None,
        tags: Iterable[str] = (),
        description: str = "",
        seed: int | None = None,
        sample_weight: Any = None,
        alpha: float = 0.0,
        output_names: Sequence[str] | None = None,
    ) -> MultiOutputDataset:
        """Build a dataset of k ≥ 2 responses on one design: one factorisation, k answers.

        Arguments as :meth:`Dataset.from_arrays`, with ``Y`` of shape (n, k) (a DataFrame's
        columns become the output names) and ``output_names`` (default ``y1 … yk``). Output
        ``j`` is the single-output dataset ``"<name>[<output name>]"`` in :attr:`outputs`.

        Examples
        --------
        >>> import pytest_linreg as plr
        >>> two = plr.MultiOutputDataset.from_arrays(
        ...     "two", [[0.0], [1.0], [2.0]], [[1.0, 0.0], [3.0, 1.0], [5.0, 2.0]])
        >>> two.coef.tolist(), two.intercept.tolist(), two.outputs[1].name
        ([[2.0], [1.0]], [1.0, 0.0], 'two[y2]')
        """
        from ..reference import MultiOutputResult, ols

        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string; got {name!r}")
        # Only the count here; ols validates X, Y, the weights and alpha (once).
        Ya = as_array(Y, f"MultiOutputDataset {name!r}: Y")
        if Ya.ndim == 1 or (Ya.ndim == 2 and Ya.shape[1] < 2):
            raise ValueError(
                f"MultiOutputDataset {name!r}: Y has one column; a single response is a "
                "Dataset (Dataset.from_arrays)"
            )
        if output_names is not None and Ya.ndim == 2 and len(output_names) != Ya.shape[1]:
            raise ValueError(
                f"MultiOutputDataset {name!r}: output_names has {len(output_names)} names but Y "
                f"has {Ya.shape[1]} columns"
            )
        result = ols(X, Ya, fit_intercept=fit_intercept, feature_names=feature_names,
                     sample_weight=sample_weight, alpha=alpha)
        assert isinstance(result, MultiOutputResult)
        alpha_value = result.outputs[0].alpha
        return cls.solved(
            name, X, Y, result,
            tags=(*_sorted_tags(tags, name), *_problem_tags(sample_weight, alpha_value),
                  "multi-output"),
            description=description, seed=seed, sample_weight=sample_weight,
            alpha=alpha_value, output_names=output_names,
        )

    @classmethod
    def solved(
        cls,
        name: str,
        X: Any,
        y: Any,
        result: MultiOutputResult,
        *,
        tags: Iterable[str],
        description: str,
        seed: int | None,
        sample_weight: Any,
        alpha: float,
        output_names: Sequence[str] | None,
    ) -> MultiOutputDataset:
        """The dataset of ``X, Y`` whose references are ``result``'s outputs."""
        Xa = _read_only(as_design(X, f"Dataset {name!r}: X"))
        Y = as_responses(y, Xa.shape[0], f"Dataset {name!r}: y")
        k = Y.shape[1]
        if output_names is None and hasattr(y, "columns"):
            output_names = [str(c) for c in y.columns]
        names = column_names(None, k, output_names, f"Dataset {name!r}: output_names")
        if output_names is None:
            names = tuple(f"y{j + 1}" for j in range(k))
        weights = as_sample_weight(sample_weight, Xa.shape[0], f"Dataset {name!r}: sample_weight")
        shared_w = None if weights is None else _read_only(weights)
        outputs = tuple(
            Dataset._solved(
                f"{name}[{names[j]}]",
                Xa,
                Y[:, j],
                out,
                tags=tags,
                description=description,
                seed=seed,
                sample_weight=shared_w,
                alpha=alpha,
            )
            for j, out in enumerate(result.outputs)
        )
        return cls(name, outputs, names)
