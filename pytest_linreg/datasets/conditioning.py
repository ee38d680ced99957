"""Designs with a prescribed condition number.

The condition number that matters, and the one :func:`pytest_linreg.ols` and the diagnostics
report, is that of the *column-equilibrated* design (every column scaled to unit 2-norm,
intercept column included when fitted): scaling columns changes nothing about the
coefficients' identifiability, so it must not change the number either (van der Sluis 1969:
equal column norms are within a factor sqrt(p) of the best column scaling).

A plain ``U diag(s) V^T`` does not keep its condition number through equilibration, so the
design is built directly with unit columns and the prescribed singular values:

1. ``M = diag(s) Q^T`` for a random orthogonal ``Q`` has singular values ``s``; with
   ``sum(s**2) = k`` its squared column norms average 1. Plane rotations applied on the right
   keep the singular values and can make every column norm exactly 1, one column per rotation
   (Bendel & Mickey 1978; the stable rotation of Davies & Higham 2000, "Numerically stable
   generation of correlation matrices and their factors", BIT 40, sect. 3).
2. ``A = U M`` with ``U`` (n x k) orthonormal keeps both properties. When an intercept is
   fitted, a Householder reflection applied to ``U`` makes the first column of ``A`` exactly
   the direction of the ones vector, so ``[1, X]`` *is* the design with condition number
   ``cond`` (the intercept takes part in the ill-conditioning, as in Longley's data).

Rounding the entries perturbs the smallest singular value by about ``eps * sqrt(k)`` relative to
the largest, so the realised condition number is within a few per cent of ``cond`` up to 1e14.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .._validation import check_parameters_fit
from ._building import (
    check_count,
    check_name,
    check_noise,
    check_real,
    check_seed,
    reference_dataset,
    short_number,
)
from ._dataset import Dataset

__all__ = ["make_ill_conditioned"]

FloatArray = npt.NDArray[np.float64]


def _orthonormal(rng: np.random.Generator, n: int, k: int) -> FloatArray:
    """Haar-distributed n x k orthonormal columns: QR with R's diagonal made positive.

    F. Mezzadri, "How to generate random matrices from the classical compact groups",
    Notices of the AMS 54(5), 2007.
    """
    q, r = np.linalg.qr(rng.standard_normal((n, k)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def _unit_column_factor(rng: np.random.Generator, s: FloatArray) -> FloatArray:
    """k x k matrix with singular values ``s`` (``sum(s**2) == k``) and unit-norm columns."""
    k = s.shape[0]
    M: FloatArray = s[:, None] * _orthonormal(rng, k, k).T
    # Each rotation fixes one column at norm 1 (to rounding), so k - 1 rotations suffice; the
    # tolerance keeps a column fixed up to rounding from being picked again.
    tol = 8 * k * np.finfo(np.float64).eps
    for _ in range(k - 1):
        norms = np.einsum("ij,ij->j", M, M)
        short = np.flatnonzero(norms < 1.0 - tol)
        long = np.flatnonzero(norms > 1.0 + tol)
        if short.size == 0 or long.size == 0:
            break
        i, j = int(short[0]), int(long[0])
        a_ii, a_jj, a_ij = norms[i], norms[j], float(M[:, i] @ M[:, j])
        # Rotate columns i, j so that column i gets norm 1: t solves
        # (a_jj - 1) t^2 - 2 a_ij t + (a_ii - 1) = 0; the root written without cancellation
        # (Davies & Higham 2000, eq. 3.1).
        q = a_ij + math.copysign(math.sqrt(a_ij * a_ij - (a_ii - 1.0) * (a_jj - 1.0)), a_ij)
        t = (a_ii - 1.0) / q
        c = 1.0 / math.sqrt(1.0 + t * t)
        sn = c * t
        mi, mj = M[:, i].copy(), M[:, j].copy()
        M[:, i] = c * mi - sn * mj
        M[:, j] = sn * mi + c * mj
    return M


def _equilibrated_design(
    rng: np.random.Generator, n: int, k: int, cond: float, intercept_first: bool
) -> FloatArray:
    """n x k matrix with unit columns and condition number ``cond``; column 0 constant if asked."""
    s = np.geomspace(1.0, 1.0 / cond, k) if k > 1 else np.ones(1)
    s *= math.sqrt(k / float(s @ s))
    M = _unit_column_factor(rng, s)
    U = _orthonormal(rng, n, k)
    if intercept_first:
        a = U @ M[:, 0]
        v = a - np.full(n, 1.0 / math.sqrt(n))
        vv = float(v @ v)
        if vv > 0.0:
            U = U - np.outer(v, (2.0 / vv) * (v @ U))
    return U @ M


def make_ill_conditioned(
    n: int,
    p: int,
    cond: float,
    *,
    seed: int,
    fit_intercept: bool = True,
    noise: float = 0.0,
    name: str | None = None,
) -> Dataset:
    """Design whose column-equilibrated condition number is ``cond``, with its OLS answer.

    Parameters
    ----------
    n : int
        Rows; at least ``p + fit_intercept`` (one more when ``noise > 0``).
    p : int
        Columns of ``X`` (the intercept column is not counted).
    cond : float
        Target 2-norm condition number of the equilibrated design ``[1, X]`` (or ``X``), in
        ``[1, 1e16]``; realised within 10 % for ``cond <= 1e14``. Must be 1 for a single column.
    seed : int
        Seed of ``np.random.default_rng``; the same seed gives the same bits.
    fit_intercept : bool, default True
        Whether the intercept column belongs to the design (and ``y`` has an intercept).
    noise : float, default 0.0
        Standard deviation of Gaussian noise added to ``y``; 0 gives a zero-residual problem.
    name : str, optional
        Dataset name; default ``ill_conditioned_<cond>`` (``ill_conditioned_1e8``).

    Returns
    -------
    Dataset
        Columns scaled to root-mean-square about 1 (by a power of two, which is exact). The
        generating coefficients are drawn from +-[0.5, 2]; ``y`` is rounded, so its exact OLS
        solution differs from them by up to about ``cond * eps``. ``coef``/``intercept`` are
        therefore the accurate OLS solution of the stored data from :func:`pytest_linreg.ols`,
        and ``certified`` is False. Near ``cond = 1e14`` and beyond, that solver may warn
        (``IllConditionedWarning``) that it cannot certify its own answer; from about
        ``1e15`` the rounded design is numerically rank deficient, so the reference is the
        minimum-norm solution (``RankDeficientWarning``) and the dataset is tagged
        ``rank-deficient``.

    Raises
    ------
    ValueError
        For ``cond`` outside ``[1, 1e16]``, ``n`` too small, or ``cond != 1`` with one column.

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> ds = plr.make_ill_conditioned(200, 4, 1e8, seed=0)
    >>> ds.name, ds.X.shape, ds.tags
    ('ill_conditioned_1e8', (200, 4), ('generated', 'ill-conditioned'))
    """
    n = check_count(n, "n")
    p = check_count(p, "p")
    cond = check_real(cond, "cond", low=1.0, high=1e16)
    seed = check_seed(seed)
    noise = check_noise(noise)
    name = check_name(name, f"ill_conditioned_{short_number(cond)}")
    k = p + int(bool(fit_intercept))
    check_parameters_fit(n, p, bool(fit_intercept))
    if noise > 0 and n <= k:
        raise ValueError(f"noise > 0 needs n > {k} rows so that a residual exists; got n={n}")
    if k == 1 and cond != 1.0:
        raise ValueError(f"a single column always has condition number 1; got cond={cond}")
    rng = np.random.default_rng(seed)
    A = _equilibrated_design(rng, n, k, cond, bool(fit_intercept))
    # A power of two near sqrt(n) gives the columns RMS about 1 without any rounding.
    X = A[:, k - p :] * 2.0 ** round(math.log2(math.sqrt(n)))
    signs = rng.choice([-1.0, 1.0], size=p + 1)
    beta = signs * rng.uniform(0.5, 2.0, size=p + 1)
    intercept = float(beta[0]) if fit_intercept else 0.0
    y = intercept + X @ beta[1:]
    if noise > 0:
        y = y + noise * rng.standard_normal(n)
    return reference_dataset(
        name,
        X,
        y,
        fit_intercept=bool(fit_intercept),
        tags=("generated",),
        description=(
            f"Random {n}x{p} design, condition number {cond:.3g} of the equilibrated design"
            f"{' with intercept' if fit_intercept else ''}, noise {noise:g}, seed {seed}; "
            "reference is the accurate OLS solution of the stored data."
        ),
        seed=seed,
    )
