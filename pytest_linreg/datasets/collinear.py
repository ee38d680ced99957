"""Near and exact collinearity: a pair of columns at a given angle, and exact rank deficiency."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from .._validation import check_parameters_fit
from ._building import (
    check_count,
    check_name,
    check_noise,
    check_real,
    check_seed,
    full_rank_integer_columns,
    reference_dataset,
    solve_fractions,
)
from ._dataset import Dataset

__all__ = ["make_collinear_pair", "make_rank_deficient"]

FloatArray = npt.NDArray[np.float64]


def _orthonormal_pair(rng: np.random.Generator, n: int, centred: bool) -> FloatArray:
    """Two orthonormal n-vectors, orthogonal to the ones vector when ``centred``."""
    G = rng.standard_normal((n, 2))
    if centred:
        G -= G.mean(axis=0)
    q, _ = np.linalg.qr(G)
    return q


def make_collinear_pair(
    n: int,
    *,
    angle: float,
    seed: int,
    fit_intercept: bool = True,
    noise: float = 0.0,
    name: str | None = None,
) -> Dataset:
    """Two columns at a prescribed angle, like the question's sorted columns; ``y = (x1 + x2)/2``.

    Parameters
    ----------
    n : int
        Rows, at least 4.
    angle : float
        Angle between the two columns **in radians**, in ``(0, pi/2]`` (use ``np.deg2rad`` for
        degrees). With an intercept it is the angle between the *centred* columns, the one
        that governs the slopes. The equilibrated condition number is ``1 / tan(angle / 2)``
        (about ``2 / angle`` for small angles): ``angle=1e-3`` gives 2000.
    seed : int
        Seed of ``np.random.default_rng``.
    fit_intercept : bool, default True
        With an intercept the columns are centred (mean 0, population std 1, as
        ``sklearn.preprocessing.scale`` leaves them); without, they have unit RMS.
    noise : float, default 0.0
        Standard deviation of Gaussian noise added to ``y``.
    name : str, optional
        Dataset name; default ``collinear_pair``.

    Returns
    -------
    Dataset
        Generating coefficients ``[0.5, 0.5]``, intercept 0.
        ``coef``/``intercept`` are the accurate OLS solution of the stored (rounded) data,
        ``certified=False``.

    Examples
    --------
    >>> import numpy as np
    >>> import pytest_linreg as plr
    >>> ds = plr.make_collinear_pair(1000, angle=np.deg2rad(0.1), seed=0)
    >>> x1, x2 = ds.X.T
    >>> round(float(np.degrees(np.arccos(x1 @ x2 / np.linalg.norm(x1) / np.linalg.norm(x2)))), 6)
    0.1
    """
    n = check_count(n, "n", minimum=4)
    angle = check_real(angle, "angle (radians)", low=0.0, high=math.pi / 2)
    if angle == 0.0:
        raise ValueError("angle must be positive: angle=0 makes the two columns identical")
    seed = check_seed(seed)
    noise = check_noise(noise)
    name = check_name(name, "collinear_pair")
    rng = np.random.default_rng(seed)
    uv = _orthonormal_pair(rng, n, bool(fit_intercept)) * math.sqrt(n)
    x1 = uv[:, 0]
    x2 = math.cos(angle) * uv[:, 0] + math.sin(angle) * uv[:, 1]
    X = np.column_stack([x1, x2])
    y = (x1 + x2) / 2
    if noise > 0:
        y = y + noise * rng.standard_normal(n)
    cond = 1.0 / math.tan(angle / 2)
    return reference_dataset(
        name,
        X,
        y,
        fit_intercept=bool(fit_intercept),
        tags=("collinear", "generated"),
        description=(
            f"Two columns at {angle:.3g} rad ({math.degrees(angle):.3g} deg), condition number "
            f"{cond:.3g}, y = (x1 + x2) / 2 + noise {noise:g}, n={n}, seed {seed}; reference is "
            "the accurate OLS solution of the stored data."
        ),
        seed=seed,
    )


def _min_norm_solution(
    C: npt.NDArray[np.int64], gamma: list[int], fit_intercept: bool
) -> list[Fraction]:
    """Exact minimum-norm parameters of ``[1?, B, B C] theta = [1?, B] gamma``.

    With ``F = [1?, B]`` of full column rank the design is ``F G``, ``G = [I | C~]`` (``C~`` is
    ``C`` with a zero row for the intercept). Every solution satisfies ``G theta = gamma``; the
    one of minimum norm lies in the row space of ``G``: ``theta = G^T w``,
    ``(I + C~ C~^T) w = gamma`` (Golub & Van Loan 2013, sect. 5.5.4).
    """
    rows = [[0] * C.shape[1]] if fit_intercept else []
    Ct = [[Fraction(int(v)) for v in row] for row in rows + C.tolist()]
    k = len(Ct)
    S = [
        [
            Fraction(int(i == j))
            + sum((a * b for a, b in zip(Ct[i], Ct[j], strict=True)), Fraction(0))
            for j in range(k)
        ]
        for i in range(k)
    ]
    w = solve_fractions(S, [Fraction(g) for g in gamma])
    dependent = [sum((Ct[i][j] * w[i] for i in range(k)), Fraction(0)) for j in range(C.shape[1])]
    return w + dependent


def _combination(coefs: list[int], names: list[str]) -> str:
    """``2*x1 - x3`` from integer coefficients (zeros left out)."""
    text = ""
    for c, name in zip(coefs, names, strict=True):
        if c == 0:
            continue
        sign = "-" if c < 0 else "+"
        term = name if abs(c) == 1 else f"{abs(c)}*{name}"
        text = (f"-{term}" if sign == "-" else term) if not text else f"{text} {sign} {term}"
    return text


def _relation_text(C: npt.NDArray[np.int64], rank: int) -> str:
    names = [f"x{i + 1}" for i in range(rank)]
    return "; ".join(
        f"x{rank + j + 1} = {_combination([int(c) for c in C[:, j]], names)}"
        for j in range(C.shape[1])
    )


def make_rank_deficient(
    n: int,
    p: int,
    rank: int,
    *,
    seed: int,
    fit_intercept: bool = True,
    name: str | None = None,
) -> Dataset:
    """Small-integer design with exactly ``p - rank`` dependent columns, and its exact answer.

    The first ``rank`` columns are random integers in ``[-9, 9]``; each later column is an
    integer combination of them (coefficients in ``[-3, 3]``), so the dependency is exact in
    floating point too. ``y`` is an integer combination of the independent columns (plus an
    integer intercept), computed exactly.

    Parameters
    ----------
    n : int
        Rows; at least ``rank + fit_intercept + 1``.
    p : int
        Columns of ``X``.
    rank : int
        Rank of ``X``, ``1 <= rank < p``. With an intercept the design ``[1, X]`` has rank
        ``rank + 1`` (the ones column is independent of ``X``'s columns by construction).
    seed : int
        Seed of ``np.random.default_rng``.
    fit_intercept : bool, default True
    name : str, optional
        Dataset name; default ``rank_deficient``.

    Returns
    -------
    Dataset
        No unique OLS solution exists, so ``coef``/``intercept`` are the **minimum-norm**
        solution (over intercept and coefficients together, the one ``numpy.linalg.lstsq``
        on ``[1, X]`` targets), computed in exact rational arithmetic and rounded once;
        ``certified=True``. ``exact_X``/``exact_y`` hold the integer data as ``Fraction``.
        The description spells out the dependencies (``x4 = 2*x1 - x3``).

    Examples
    --------
    >>> import numpy as np
    >>> import pytest_linreg as plr
    >>> ds = plr.make_rank_deficient(30, 4, 2, seed=0)
    >>> int(np.linalg.matrix_rank(ds.X)), ds.certified
    (2, True)
    """
    n = check_count(n, "n")
    p = check_count(p, "p", minimum=2)
    rank = check_count(rank, "rank")
    seed = check_seed(seed)
    name = check_name(name, "rank_deficient")
    if rank >= p:
        raise ValueError(
            f"rank must be below p for a rank-deficient design; got rank={rank}, p={p}"
        )
    check_parameters_fit(n, rank + 1, bool(fit_intercept))
    rng = np.random.default_rng(seed)
    B = full_rank_integer_columns(rng, n, rank, bool(fit_intercept))
    C = rng.integers(-3, 4, size=(rank, p - rank))
    for j in np.flatnonzero(~C.any(axis=0)):  # a zero combination would be a zero column
        C[rng.integers(rank), j] = 1
    gamma = [int(v) for v in rng.integers(-5, 6, size=rank + int(bool(fit_intercept)))]
    X_int = np.column_stack([B, B @ C])
    y_int = B @ np.array(gamma[-rank:]) + (gamma[0] if fit_intercept else 0)
    theta = _min_norm_solution(C, gamma, bool(fit_intercept))
    first = int(bool(fit_intercept))
    return Dataset(
        name=name,
        X=X_int.astype(np.float64),
        y=y_int.astype(np.float64),
        fit_intercept=bool(fit_intercept),
        coef=np.array([float(v) for v in theta[first:]]),
        intercept=float(theta[0]) if fit_intercept else 0.0,
        certified=True,
        feature_names=tuple(f"x{j + 1}" for j in range(p)),
        tags=("certified", "generated", "rank-deficient"),
        description=(
            f"Integer {n}x{p} design of rank {rank} ({_relation_text(C, rank)}), seed {seed}; "
            "reference is the exact minimum-norm solution."
        ),
        exact_X=np.array([[Fraction(int(v)) for v in row] for row in X_int], dtype=object),
        exact_y=np.array([Fraction(int(v)) for v in y_int], dtype=object),
        seed=seed,
    )
