"""Columns with a large common offset and unit spread, as in Longley's data.

Longley's predictors (GNP, population, year) have means thousands to millions of times their
spread. Solvers that form ``X^T X`` (or do not centre) lose about ``2 * log10(offset)`` digits
to cancellation (Longley 1967; Beaton, Rubin & Barone 1976; McCullough 1998, sect. 3).
"""

from __future__ import annotations

import numpy as np

from ._building import (
    check_count,
    check_name,
    check_noise,
    check_real,
    check_seed,
    conditioning_tags,
    reference_dataset,
    short_number,
    sums_are_exact,
)
from ._dataset import Dataset

__all__ = ["make_offset"]

#: The spread is drawn on a grid of ``2**-GRID_BITS`` so that ``offset + z`` is exact.
GRID_BITS = 6


def make_offset(
    n: int,
    p: int,
    *,
    offset: float = 1e6,
    seed: int,
    fit_intercept: bool = True,
    noise: float = 0.0,
    name: str | None = None,
) -> Dataset:
    """Columns with mean about ``offset`` and standard deviation about 1 (Longley-like).

    Parameters
    ----------
    n : int
        Rows; at least ``p + fit_intercept + 1``.
    p : int
        Columns.
    offset : float, default 1e6
        Common offset of the columns, ``|offset| <= 1e15``.
    seed : int
        Seed of ``np.random.default_rng``.
    fit_intercept : bool, default True
    noise : float, default 0.0
        Standard deviation of Gaussian noise added to ``y``.
    name : str, optional
        Dataset name; default ``offset_<offset>`` (``offset_1e6``).

    Returns
    -------
    Dataset
        The spread is standard normal rounded to multiples of 1/64 and the coefficients are
        multiples of 1/8, so with ``noise=0`` and a moderate offset (a multiple of 1/64 up to
        about 1e12) every product and sum in ``y = intercept + X @ coef`` is exact in float64.
        ``coef``/``intercept`` are then the exact OLS answer by construction and
        ``certified=True``. Otherwise (noise, or an offset whose sums round) they are the
        accurate OLS solution of the stored data and ``certified=False``. An offset near
        ``1e14`` or beyond (depending on ``p``) leaves the float64 columns numerically
        dependent: the reference is then the minimum-norm solution, :func:`pytest_linreg.ols`
        warns (``RankDeficientWarning``) and the dataset is tagged ``rank-deficient``.

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> ds = plr.make_offset(50, 3, seed=0)
    >>> ds.name, ds.certified, round(float(ds.X.mean()) / 1e6, 3)
    ('offset_1e6', True, 1.0)
    """
    n = check_count(n, "n")
    p = check_count(p, "p")
    offset = check_real(offset, "offset", low=-1e15, high=1e15)
    seed = check_seed(seed)
    noise = check_noise(noise)
    name = check_name(name, f"offset_{short_number(offset)}")
    if n < p + int(bool(fit_intercept)) + 1:
        raise ValueError(f"n must exceed the {p + int(bool(fit_intercept))} parameters; got n={n}")
    rng = np.random.default_rng(seed)
    z = np.round(rng.standard_normal((n, p)) * 2**GRID_BITS) / 2**GRID_BITS
    X = offset + z
    coef = rng.integers(-16, 17, size=p) / 8.0
    coef[coef == 0] = 1.0
    intercept = float(rng.integers(-100, 101)) if fit_intercept else 0.0
    y = intercept + X @ coef
    exact = noise == 0 and bool(np.all(X - offset == z)) and sums_are_exact(X, coef, intercept)
    if noise > 0:
        y = y + noise * rng.standard_normal(n)
    description = (
        f"{n}x{p} columns with mean {offset:.3g} and unit spread, noise {noise:g}, seed {seed}; "
    )
    if not exact:
        return reference_dataset(
            name,
            X,
            y,
            fit_intercept=bool(fit_intercept),
            tags=("generated", "offset"),
            description=description + "reference is the accurate OLS solution of the stored data.",
            seed=seed,
        )
    return Dataset(
        name=name,
        X=X,
        y=y,
        fit_intercept=bool(fit_intercept),
        coef=coef,
        intercept=intercept,
        certified=True,
        feature_names=tuple(f"x{j + 1}" for j in range(p)),
        tags=(
            "certified",
            "generated",
            "offset",
            "zero-residual",
            *conditioning_tags(X, bool(fit_intercept)),
        ),
        description=description + "y = intercept + X @ coef exactly, so coef is the exact answer.",
        seed=seed,
    )
