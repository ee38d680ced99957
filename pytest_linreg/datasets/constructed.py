"""Problems whose exact OLS answer is known by construction, with a nonzero residual.

The design rows are small integers and every row appears twice (replicated design points, as
in an experiment with replicates). The residual adds ``+e_i`` to one copy of row ``i`` and
``-e_i`` to the other, so it is orthogonal to every column, the ones column included:
``A^T r = sum_i a_i e_i - a_i e_i = 0``. Hence the OLS solution is exactly the generating
``intercept`` and ``coef`` (dyadic, so representable), while the fit is not exact. All values
are small integers or multiples of 1/8, so ``y`` is computed without rounding and the float64
data *are* the exact data.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from ._building import check_count, check_name, check_seed, full_rank_integer_columns
from ._dataset import Dataset

__all__ = ["make_exact"]


def make_exact(
    n: int,
    p: int,
    *,
    seed: int,
    fit_intercept: bool = True,
    residual: bool = True,
    name: str | None = None,
) -> Dataset:
    """Small-integer design with dyadic coefficients: the exact OLS answer is known.

    Parameters
    ----------
    n : int
        Rows; even when ``residual`` (rows come in replicated pairs), and enough for
        ``n // 2`` distinct rows to determine ``p + fit_intercept`` parameters.
    p : int
        Columns, integers in ``[-9, 9]``.
    seed : int
        Seed of ``np.random.default_rng``.
    fit_intercept : bool, default True
    residual : bool, default True
        Add an integer residual orthogonal to the columns (so ``residual_std > 0``);
        ``False`` gives ``y = intercept + X @ coef`` exactly.
    name : str, optional
        Dataset name; default ``exact_<n>x<p>``.

    Returns
    -------
    Dataset
        ``coef`` (multiples of 1/8 in [-2, 2]) and ``intercept`` (multiple of 1/4) are the
        exact OLS solution, ``certified=True``; ``residual_std`` and ``r_squared`` are the
        exact values rounded once; ``exact_X``/``exact_y`` hold the same data as ``Fraction``.

    Examples
    --------
    >>> import numpy as np
    >>> import pytest_linreg as plr
    >>> ds = plr.make_exact(20, 3, seed=0)
    >>> ds.certified, ds.residual_std > 0
    (True, True)
    >>> A = np.column_stack([np.ones(ds.n), ds.X])
    >>> bool(np.all(A.T @ (ds.y - A @ ds.params) == 0))
    True
    """
    n = check_count(n, "n")
    p = check_count(p, "p")
    seed = check_seed(seed)
    name = check_name(name, f"exact_{n}x{p}")
    k = p + int(bool(fit_intercept))
    if residual and n % 2:
        raise ValueError(f"residual=True needs an even n (rows come in pairs); got n={n}")
    m = n // 2 if residual else n
    if m < k:
        raise ValueError(
            f"n={n} gives {m} distinct rows, fewer than the {k} parameters"
            f"{' (including the intercept)' if fit_intercept else ''}"
        )
    rng = np.random.default_rng(seed)
    rows = full_rank_integer_columns(rng, m, p, bool(fit_intercept))
    coef_eighths = rng.integers(-16, 17, size=p)
    coef_eighths[coef_eighths == 0] = 8
    intercept_quarters = int(rng.integers(-40, 41)) if fit_intercept else 0
    fitted = rows @ coef_eighths * 2 + intercept_quarters * 4  # in units of 1/16
    if residual:
        e = rng.integers(-3, 4, size=m)
        e[e == 0] = 1
        X_int = np.concatenate([rows, rows])
        y16 = np.concatenate([fitted + 16 * e, fitted - 16 * e])
        order = rng.permutation(n)  # interleave the replicates; OLS ignores row order
        X_int, y16 = X_int[order], y16[order]
    else:
        X_int, y16 = rows, fitted
    return _exact_dataset(
        name, X_int, y16, coef_eighths, intercept_quarters, bool(fit_intercept), seed
    )


def _exact_dataset(
    name: str,
    X_int: npt.NDArray[np.int64],
    y16: npt.NDArray[np.int64],
    coef_eighths: npt.NDArray[np.int64],
    intercept_quarters: int,
    fit_intercept: bool,
    seed: int,
) -> Dataset:
    """Assemble the dataset; the statistics follow from the exact residual (all integers)."""
    n, p = X_int.shape
    coef = [Fraction(int(c), 8) for c in coef_eighths]
    intercept = Fraction(intercept_quarters, 4)
    y = [Fraction(int(v), 16) for v in y16]
    fitted = [
        intercept + sum((c * int(x) for c, x in zip(coef, row, strict=True)), Fraction(0))
        for row in X_int
    ]
    rss = sum(((a - b) ** 2 for a, b in zip(y, fitted, strict=True)), Fraction(0))
    mean = sum(y, Fraction(0)) / n if fit_intercept else Fraction(0)
    tss = sum(((v - mean) ** 2 for v in y), Fraction(0))
    dof = n - p - int(fit_intercept)
    return Dataset(
        name=name,
        X=X_int.astype(np.float64),
        y=y16 / 16.0,
        fit_intercept=fit_intercept,
        coef=np.array([float(c) for c in coef]),
        intercept=float(intercept),
        certified=True,
        feature_names=tuple(f"x{j + 1}" for j in range(p)),
        tags=("certified", "generated") + (() if rss else ("zero-residual",)),
        description=(
            f"Integer {n}x{p} design with replicated rows and dyadic coefficients, seed {seed}; "
            "the residual is orthogonal to the columns, so coef is the exact OLS answer."
        ),
        residual_std=math.sqrt(rss / dof) if dof > 0 else None,
        r_squared=float(1 - rss / tss) if tss else None,
        exact_X=np.array([[Fraction(int(v)) for v in row] for row in X_int], dtype=object),
        exact_y=np.array(y, dtype=object),
        seed=seed,
    )
