"""The sorted-Poisson problem from the question pytest-linreg was written for, and its twins.

The question: ``np.random.seed(1443)``; two features, each
``sorted(sklearn.preprocessing.scale(np.random.poisson(1_000_000, n)))`` with n = 100 000,
drawn in that order; ``y = (x1 + x2) / 2``; a one-unit Keras ``Dense`` layer should recover
``[0.5, 0.5]``. Sorting each column on its own makes the two columns almost equal
(mean ``|x1 - x2|`` is 0.0041 for the question's seed), so the coefficients are barely identifiable.

:func:`make_sorted_poisson` reproduces those arrays bit for bit without touching numpy's global
RNG: ``np.random.seed(s)`` seeds the legacy global ``RandomState``, so a private
``np.random.RandomState(s)`` yields the same stream. Standardisation repeats
``sklearn.preprocessing.scale`` step by step (``nanmean``, ``nanstd``, the same in-place
operations and the same corrective re-centring), so scikit-learn is not needed.

What the reference answer means here
------------------------------------
``coef = [0.5, 0.5]`` and ``intercept = 0`` are the coefficients of the generating model. They
are also the *exact* OLS solution of the stored float64 data only up to the rounding of
``x1 + x2`` (at most half an ulp per row). Solved in exact rational arithmetic (seed 1443,
n = 100 000), that rounding moves the slopes by 2.9e-16 relative on the sorted data (about
1.3 ulps of 0.5; near-collinearity amplifies it) and by 4e-19 on the unsorted data, with an
intercept below 1e-19: far below anything a float64 fit is tested to. So the datasets carry
``[0.5, 0.5]`` but say ``certified=False``: the values are exact for the model, not certified
for these rounded data. ``Dataset.reference()`` solves the stored data accurately.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .._validation import check_parameters_fit
from ._building import check_count
from ._dataset import Dataset

__all__ = ["make_shuffled_poisson", "make_sorted_poisson", "make_unsorted_poisson"]

#: Mean of the Poisson draws in the question.
POISSON_LAM = 1_000_000


def _check_n_seed(n: object, seed: object) -> tuple[int, int]:
    n = check_count(n, "n")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer; got {seed!r} ({type(seed).__name__})")
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"seed must be in [0, 2**32) as for np.random.seed; got {seed}")
    check_parameters_fit(n, 2, True)
    return n, int(seed)


def _sklearn_scale(values: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """``sklearn.preprocessing.scale`` of a 1-D array, the same operations in the same order.

    scikit-learn 1.x: mean and population std (``nanmean``/``nanstd``), subtract, re-centre if
    the new mean is not ``allclose`` to 0, divide by the std (1 if zero), re-centre again if
    needed. The re-centring steps do not fire for Poisson counts but are kept so that any
    ``n`` and seed give sklearn's bits.
    """
    x = values.astype(np.float64)
    mean = np.nanmean(x)
    std = np.nanstd(x)
    x -= mean
    mean_1 = np.nanmean(x)
    if not np.allclose(mean_1, 0):
        x -= mean_1
    if std == 0.0:
        std = np.float64(1.0)
    x /= std
    mean_2 = np.nanmean(x)
    if not np.allclose(mean_2, 0):
        x -= mean_2
    return x


def _poisson_columns(n: int, seed: int, sort: bool) -> npt.NDArray[np.float64]:
    rng = np.random.RandomState(seed)  # same stream as np.random.seed(seed), global RNG untouched
    columns = []
    for _ in range(2):  # both columns are drawn before either is processed, as in the question
        columns.append(rng.poisson(POISSON_LAM, n))
    scaled = [_sklearn_scale(c) for c in columns]
    if sort:
        scaled = [np.sort(c) for c in scaled]
    return np.column_stack(scaled)


def _poisson_dataset(
    name: str, X: npt.NDArray[np.float64], seed: int, tags: tuple[str, ...], what: str
) -> Dataset:
    y = (X[:, 0] + X[:, 1]) / 2
    return Dataset(
        name=name,
        X=X,
        y=y,
        fit_intercept=True,
        coef=np.array([0.5, 0.5]),
        intercept=0.0,
        certified=False,
        feature_names=("x1", "x2"),
        tags=("poisson", "generated", *tags),
        description=(
            f"{what}: two columns of scale(poisson(1e6, {X.shape[0]})) (numpy seed {seed}), "
            "y = (x1 + x2) / 2. Reference [0.5, 0.5] is the generating model; the exact OLS "
            "solution of the float64 data differs from it only by the rounding of x1 + x2."
        ),
        seed=seed,
    )


def make_sorted_poisson(n: int = 100_000, *, seed: int = 1443, sort: bool = True) -> Dataset:
    """The question's data: two standardised Poisson columns, each sorted; ``y = (x1 + x2) / 2``.

    Parameters
    ----------
    n : int, default 100000
        Number of rows.
    seed : int, default 1443
        Seed as passed to ``np.random.seed`` in the question (the global RNG is not touched).
    sort : bool, default True
        Sort each standardised column on its own (the question). ``False`` keeps the drawn
        order: the columns are then independent and the problem is well conditioned.

    Returns
    -------
    Dataset
        Named ``sorted_poisson`` (``unsorted_poisson`` when ``sort=False``); ``coef`` is
        ``[0.5, 0.5]``, ``intercept`` 0, ``certified=False`` (see the module docstring).

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> ds = plr.make_sorted_poisson()
    >>> ds.X.shape, ds.coef.tolist()
    ((100000, 2), [0.5, 0.5])
    >>> round(float(abs(ds.X[:, 0] - ds.X[:, 1]).mean()), 4)
    0.0041
    """
    n, seed = _check_n_seed(n, seed)
    X = _poisson_columns(n, seed, bool(sort))
    if sort:
        return _poisson_dataset("sorted_poisson", X, seed, ("collinear",), "Sorted Poisson")
    return _poisson_dataset("unsorted_poisson", X, seed, (), "Unsorted Poisson")


def make_unsorted_poisson(n: int = 100_000, *, seed: int = 1443) -> Dataset:
    """The question's columns in the order drawn (not sorted): a well-conditioned twin.

    Same as ``make_sorted_poisson(n, seed=seed, sort=False)``.
    """
    return make_sorted_poisson(n, seed=seed, sort=False)


def make_shuffled_poisson(n: int = 100_000, *, seed: int = 1443, shuffle_seed: int = 0) -> Dataset:
    """The sorted-Poisson rows in a random order: the same OLS problem, friendlier to SGD.

    OLS does not depend on the order of the rows, so the exact answer is the sorted problem's;
    ordered mini-batches, however, are what makes SGD fail on the sorted data.

    Parameters
    ----------
    n, seed
        As for :func:`make_sorted_poisson`.
    shuffle_seed : int, default 0
        Seed of the ``np.random.default_rng`` permutation of the rows.
    """
    if isinstance(shuffle_seed, bool) or not isinstance(shuffle_seed, (int, np.integer)):
        raise TypeError(f"shuffle_seed must be an integer; got {shuffle_seed!r}")
    n, seed = _check_n_seed(n, seed)
    X = _poisson_columns(n, seed, True)
    order = np.random.default_rng(int(shuffle_seed)).permutation(n)
    return _poisson_dataset(
        "shuffled_poisson", X[order], seed, ("collinear", "shuffled"), "Shuffled sorted Poisson"
    )
