"""Polynomial (Vandermonde) designs of a given degree and range.

Monomial columns ``x, x^2, ..., x^d`` are notoriously ill-conditioned, the more so the further
the range is from being centred at 0 (Gautschi 1975; Higham 2002, ch. 22): on 50 equispaced
points, degree 8 has an equilibrated condition number of about 3e2 on [-1, 1], 4e5 on
[0, 1] and 6e8 on [1, 2]. NIST's Filip (degree 10) is the extreme case.
"""

from __future__ import annotations

import numpy as np

from ._building import (
    check_count,
    check_name,
    check_noise,
    check_real,
    check_seed,
    reference_dataset,
)
from ._dataset import Dataset

__all__ = ["make_polynomial"]


def make_polynomial(
    n: int,
    degree: int,
    *,
    low: float = -1.0,
    high: float = 1.0,
    seed: int | None = None,
    fit_intercept: bool = True,
    noise: float = 0.0,
    name: str | None = None,
) -> Dataset:
    """Vandermonde design ``x, x^2, ..., x^degree`` with ``y = 1 + x + ... + x^degree``.

    Parameters
    ----------
    n : int
        Points; more than ``degree + fit_intercept``.
    degree : int
        Highest power, at least 1.
    low, high : float, default -1, 1
        Range of ``x``, ``low < high``.
    seed : int, optional
        ``None`` (default) places ``x`` equispaced on ``[low, high]``; an integer draws ``x``
        uniformly (sorted) with ``np.random.default_rng(seed)``.
    fit_intercept : bool, default True
    noise : float, default 0.0
        Standard deviation of Gaussian noise added to ``y`` (drawn with ``seed``, or seed 0
        when ``seed`` is None).
    name : str, optional
        Dataset name; default ``polynomial_deg<degree>``.

    Returns
    -------
    Dataset
        Columns formed in float64 as users form them (``x ** k``), feature names ``x``,
        ``x^2``, ... The generating coefficients are all 1 (as in NIST's Wampler1), but the
        powers and ``y`` are rounded, so ``coef``/``intercept`` are the accurate OLS solution
        of the stored data and ``certified=False``.

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> ds = plr.make_polynomial(50, 8, low=0.0, high=1.0)
    >>> ds.name, ds.feature_names[:3], ds.tags
    ('polynomial_deg8', ('x', 'x^2', 'x^3'), ('generated', 'polynomial'))
    """
    n = check_count(n, "n")
    degree = check_count(degree, "degree")
    low = check_real(low, "low", low=-1e150, high=1e150)
    high = check_real(high, "high", low=-1e150, high=1e150)
    if not low < high:
        raise ValueError(f"need low < high; got low={low}, high={high}")
    if seed is not None:
        seed = check_seed(seed)
    noise = check_noise(noise)
    name = check_name(name, f"polynomial_deg{degree}")
    k = degree + int(bool(fit_intercept))
    if n <= k:
        raise ValueError(
            f"n={n} points cannot determine a degree-{degree} polynomial"
            f"{' with intercept' if fit_intercept else ''} and leave a residual; need n > {k}"
        )
    rng = np.random.default_rng(0 if seed is None else seed)
    x = np.linspace(low, high, n) if seed is None else np.sort(rng.uniform(low, high, n))
    with np.errstate(over="ignore"):  # checked just below, with the values that overflow
        X = np.column_stack([x**k for k in range(1, degree + 1)])
        y = X.sum(axis=1) + (1.0 if fit_intercept else 0.0)
    if not np.all(np.isfinite(y)):
        raise ValueError(
            f"x**{degree} on [{low:g}, {high:g}] (or y, their sum) overflows float64; "
            "narrow the range or lower the degree"
        )
    if noise > 0:
        y = y + noise * rng.standard_normal(n)
    placement = "equispaced" if seed is None else f"uniform random (seed {seed})"
    return reference_dataset(
        name,
        X,
        y,
        fit_intercept=bool(fit_intercept),
        tags=("generated", "polynomial"),
        description=(
            f"Degree-{degree} polynomial on {n} {placement} points in [{low:g}, {high:g}], "
            f"all coefficients 1, noise {noise:g}; reference is the accurate OLS solution of "
            "the stored data."
        ),
        seed=seed,
        feature_names=("x", *(f"x^{k}" for k in range(2, degree + 1))),
    )
