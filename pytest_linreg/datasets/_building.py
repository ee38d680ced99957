"""Argument checks and exactness tests shared by the dataset generators (``make_*``)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._dataset import Dataset

if TYPE_CHECKING:
    from ..reference import OLSResult

__all__ = [
    "ILL_CONDITIONED",
    "MAX_NOISE",
    "check_count",
    "check_name",
    "check_noise",
    "check_real",
    "check_seed",
    "conditioning_tags",
    "dyadic_exponent",
    "full_rank_integer_columns",
    "reference_dataset",
    "short_number",
    "solve_fractions",
    "sums_are_exact",
]


def check_count(value: Any, what: str, minimum: int = 1) -> int:
    """Return ``value`` as an int ``>= minimum`` or raise naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be an integer; got {value!r} ({type(value).__name__})")
    if int(value) < minimum:
        raise ValueError(f"{what} must be at least {minimum}; got {value}")
    return int(value)


def check_seed(seed: Any) -> int:
    """Return a non-negative integer seed for ``np.random.default_rng`` or raise."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"seed must be a non-negative integer; got {seed!r} ({type(seed).__name__})"
        )
    if int(seed) < 0:
        raise ValueError(f"seed must be non-negative; got {seed}")
    return int(seed)


def check_real(value: Any, what: str, *, low: float, high: float = math.inf) -> float:
    """Return ``value`` as a finite float in ``[low, high]`` or raise naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} must be a real number; got {value!r} ({type(value).__name__})")
    out = float(value)
    if not math.isfinite(out) or not low <= out <= high:
        raise ValueError(f"{what} must be a finite number in [{low}, {high}]; got {value!r}")
    return out


#: Largest noise standard deviation: a Gaussian draw times it stays far from overflow.
MAX_NOISE = 1e300


def check_noise(noise: Any) -> float:
    """Return the noise standard deviation as a float in ``[0, MAX_NOISE]`` or raise."""
    return check_real(noise, "noise", low=0.0, high=MAX_NOISE)


def dyadic_exponent(values: npt.NDArray[np.float64]) -> int:
    """Smallest ``q >= 0`` such that every value is an integer multiple of ``2**-q``."""
    nonzero = values[values != 0]
    if nonzero.size == 0:
        return 0
    mantissa, exponent = np.frexp(nonzero)
    # value = m * 2**e with m in [0.5, 1); m * 2**53 is an integer, so value is a multiple of
    # 2**(e - 53 + trailing zeros of that integer).
    ints = (np.abs(mantissa) * 2.0**53).astype(np.int64)
    # ints & -ints is the lowest set bit, a power of two below 2**54: frexp reads it exactly.
    trailing = np.frexp((ints & -ints).astype(np.float64))[1] - 1
    return max(0, int(np.max(53 - exponent - trailing)))


def sums_are_exact(
    X: npt.NDArray[np.float64], coef: npt.NDArray[np.float64], intercept: float
) -> bool:
    """Whether ``intercept + X @ coef`` is computed without rounding in float64, in any order.

    Every product and partial sum is an integer multiple of ``2**-(qx + qb)`` (``qx``, ``qb``
    the dyadic exponents of the data and coefficients) bounded by
    ``|intercept| + sum_j |coef_j x_ij|``; when that bound is below ``2**(53 - qx - qb)``
    every intermediate is representable, so float64 arithmetic is exact (Higham 2002, *Accuracy
    and Stability of Numerical Algorithms*, sect. 2.1: a representable result is not rounded).
    """
    qx = dyadic_exponent(X)
    qb = dyadic_exponent(np.append(coef, intercept))
    # The bound itself is computed in floating point; the factor covers its own rounding.
    bound = (float(np.max(np.abs(X) @ np.abs(coef))) + abs(intercept)) * (1 + 2.0**-40)
    return bound < 2.0 ** (53 - qx - qb)


def solve_fractions(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    """Solve the small nonsingular square system ``A x = b`` exactly (Gauss-Jordan, rationals)."""
    k = len(A)
    rows = [[*A[i], b[i]] for i in range(k)]
    for col in range(k):
        pivot = next((r for r in range(col, k) if rows[r][col] != 0), None)
        if pivot is None:
            raise ValueError(f"singular {k}x{k} system (no pivot in column {col})")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        head = rows[col]
        for r in range(k):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col] / head[col]
                rows[r] = [x - factor * h for x, h in zip(rows[r], head, strict=True)]
    return [rows[i][k] / rows[i][i] for i in range(k)]


#: Equilibrated condition number from which a generated dataset is tagged ``ill-conditioned``:
#: beyond it float32 (unit roundoff 6e-8) has no correct digit left by the normwise bound.
ILL_CONDITIONED = 1e6


def short_number(value: float) -> str:
    """``1e8`` rather than ``1e+08``: names become pytest ids and command-line arguments."""
    return f"{value:.3g}".replace("e+0", "e").replace("e+", "e")


def full_rank_integer_columns(
    rng: np.random.Generator, n: int, k: int, fit_intercept: bool
) -> npt.NDArray[np.int64]:
    """n x k integers in ``[-9, 9]`` that, with the ones column if fitted, have full rank."""
    for _ in range(100):
        B = rng.integers(-9, 10, size=(n, k))
        F = np.column_stack([np.ones(n), B]) if fit_intercept else B.astype(np.float64)
        # Entries are small integers, so a numerical rank test on them cannot be fooled by
        # rounding: the smallest nonzero singular value is far above the tolerance.
        if np.linalg.matrix_rank(F) == F.shape[1]:
            return B
    raise ValueError(
        f"could not draw {k} independent integer columns with n={n} rows "
        f"{'and an intercept ' if fit_intercept else ''}in 100 tries; increase n"
    )


def check_name(name: Any, default: str) -> str:
    """The dataset name to use: ``default`` when ``name`` is None, else a non-empty string."""
    if name is None:
        return default
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string or None; got {name!r}")
    return name


def _reference_tags(result: OLSResult) -> tuple[str, ...]:
    """``ill-conditioned`` and ``rank-deficient``, as the reference solution reports them."""
    # A design built with κ = ILL_CONDITIONED exactly (the generators' cond=1e6) computes to a
    # κ a relative ~eps·κ either side of it: the slack keeps its tag off the last bits.
    ill = result.condition_number >= ILL_CONDITIONED * (1 - 1e-6)
    tags: tuple[str, ...] = ("ill-conditioned",) if ill else ()
    if result.rank < result.p + int(result.fit_intercept):
        tags += ("rank-deficient",)
    return tags


def conditioning_tags(X: npt.NDArray[np.float64], fit_intercept: bool) -> tuple[str, ...]:
    """The tags :func:`reference_dataset` adds, for a design whose answer is known otherwise.

    The condition number and rank are the ones :func:`pytest_linreg.ols` reports, so tags and
    reference agree.
    """
    from ..reference import ols, one_output

    # Any response will do: the condition number depends on the design only.
    return _reference_tags(one_output(ols(X, np.zeros(X.shape[0]), fit_intercept=fit_intercept)))


def reference_dataset(
    name: str,
    X: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    *,
    fit_intercept: bool,
    tags: tuple[str, ...],
    description: str,
    seed: int | None,
    feature_names: tuple[str, ...] | None = None,
) -> Dataset:
    """Dataset whose reference is the accurate OLS solution of ``X, y`` (``certified=False``).

    Adds the ``ill-conditioned`` tag when the reference reports an equilibrated condition
    number of at least :data:`ILL_CONDITIONED`, and ``rank-deficient`` when the design is
    numerically rank deficient (the reference is then :func:`pytest_linreg.ols`'s
    minimum-norm solution, and it has warned).
    """
    from ..reference import ols, one_output

    result = one_output(ols(X, y, fit_intercept=fit_intercept, feature_names=feature_names))
    tags = (*tags, *_reference_tags(result))
    return Dataset._solved(
        name, X, y, result, tags=tags, description=description, seed=seed
    )._remembering(result, X, y)
