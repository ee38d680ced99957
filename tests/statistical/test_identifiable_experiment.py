"""``assert_identifiable`` against experiment: its verdict must never be optimistic.

For designs of condition number 1, 10, …, 1e14 (``make_ill_conditioned``, three seeds, with and
without a residual) and for float32 and float64, the data are perturbed the way storing them in
that dtype does: every entry of ``X`` and ``y`` is multiplied by ``1 + u·δ`` with ``δ`` uniform
in [-1, 1] and ``u`` the dtype's unit roundoff (the intercept's column of ones stays exact, as
it does in any model). The perturbed data are kept as exact rationals (in float64 a relative
change of 2⁻⁵³ mostly rounds away) and re-solved exactly (``ols(exact=True)``); the largest
relative move of each coefficient over a few perturbations is what data and dtype allow.

Requirement (issue 6): no case in which ``assert_identifiable(X, rtol=rtol, dtype=dtype, y=y)``
passes while a unit-roundoff perturbation moves a coefficient by more than 10×rtol. The rtols
tried are the decades between ``u`` and 1. *Pessimism* — it fails while every move stays below
rtol — is allowed, measured and printed.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import pytest_linreg as plr
from pytest_linreg.errors import LinregAssertionError, LinregWarning

FloatArray = npt.NDArray[np.float64]

CONDS = tuple(10.0**k for k in range(15))
SEEDS = (0, 1, 2)
NOISES = (0.0, 1e-3)
DTYPES = ("float32", "float64")
N, P = 40, 4
TRIALS = 4


@dataclass(frozen=True)
class Case:
    """One design and dtype: the observed moves and the bound behind the verdicts."""

    cond: float
    seed: int
    noise: float
    dtype: str
    moves: FloatArray  # max relative move per parameter over the trials
    attainable: FloatArray  # plr.attainable_rtol per parameter (SAFETY_FACTOR·u·cond_i)
    verdicts: tuple[tuple[float, bool], ...]  # (rtol, assert_identifiable passed)

    @property
    def label(self) -> str:
        return f"cond={self.cond:.0e} seed={self.seed} noise={self.noise:g} {self.dtype}"


def _solve(X: npt.NDArray[Any], y: npt.NDArray[Any]) -> FloatArray:
    with warnings.catch_warnings():
        # Near κ = 1e14 the reference warns that the problem is ill-conditioned: we know.
        warnings.simplefilter("ignore", LinregWarning)
        res = plr.ols(X, y, exact=True)
    return np.concatenate([[res.intercept], res.coef])


_fractions = np.vectorize(Fraction, otypes=[object])

#: δ is drawn on a grid of 1/STEPS in [-1, 1], so the perturbed data are dyadic rationals.
STEPS = 1024


def _perturbed(a: FloatArray, u: float, rng: np.random.Generator) -> npt.NDArray[Any]:
    """``a·(1 + u·δ)`` exactly, as Fractions: in float64, ``1 + 2⁻⁵³·δ`` would round to 1."""
    delta = _fractions(rng.integers(-STEPS, STEPS + 1, a.shape))
    return _fractions(a) * (1 + delta * (Fraction(u) / STEPS))


def _moves(X: FloatArray, y: FloatArray, u: float, rng: np.random.Generator) -> FloatArray:
    exact = _solve(X, y)
    worst = np.zeros_like(exact)
    for _ in range(TRIALS):
        moved = _solve(_perturbed(X, u, rng), _perturbed(y, u, rng))
        worst = np.maximum(worst, np.abs(moved - exact) / np.abs(exact))
    return worst


def _rtols(u: float) -> list[float]:
    """The decades strictly between the unit roundoff and 1."""
    return [10.0**-k for k in range(1, 16) if 10.0**-k > u]


def _passes(X: FloatArray, y: FloatArray, rtol: float, dtype: str) -> bool:
    try:
        plr.assert_identifiable(X, y=y, rtol=rtol, dtype=dtype)
    except LinregAssertionError:
        return False
    return True


@functools.cache
def _experiment() -> tuple[Case, ...]:
    cases = []
    for cond in CONDS:
        for seed in SEEDS:
            for noise in NOISES:
                ds = plr.make_ill_conditioned(N, P, cond, seed=seed, noise=noise)
                X, y = np.asarray(ds.X), np.asarray(ds.y)
                for dtype in DTYPES:
                    u = plr.unit_roundoff(dtype)
                    rng = np.random.default_rng([seed, int(math.log10(cond)), len(dtype)])
                    verdicts = tuple((r, _passes(X, y, r, dtype)) for r in _rtols(u))
                    cases.append(Case(
                        cond, seed, noise, dtype, _moves(X, y, u, rng),
                        plr.attainable_rtol(X, y, dtype=dtype), verdicts,
                    ))
    return tuple(cases)


def test_never_identifiable_when_a_roundoff_perturbation_moves_a_coefficient_10x_rtol() -> None:
    optimistic = [
        f"{c.label}: identifiable to rtol={rtol:g} but a unit-roundoff perturbation moved a "
        f"coefficient by {c.moves.max():.2e}"
        for c in _experiment()
        for rtol, passed in c.verdicts
        if passed and c.moves.max() > 10 * rtol
    ]
    assert not optimistic, "\n".join(optimistic)
    # Measured, stronger than required: not even a move above rtol itself got 'identifiable'.
    close = [
        (c.label, r) for c in _experiment() for r, ok in c.verdicts if ok and c.moves.max() > r
    ]
    print(f"identifiable verdicts with a move in (rtol, 10·rtol]: {len(close)}")
    assert not close, close


def _pessimism(dtype: str, margin: float = 1.0) -> tuple[int, int, int]:
    """``(pessimistic, deserved, total)`` verdicts for ``dtype``.

    *Deserved*: every move < rtol / margin (identifiable by experiment, with that margin);
    *pessimistic*: of those, the ones ``assert_identifiable`` failed.
    """
    pessimistic = deserved = total = 0
    for c in _experiment():
        if c.dtype != dtype:
            continue
        for rtol, passed in c.verdicts:
            total += 1
            if c.moves.max() * margin < rtol:
                deserved += 1
                pessimistic += not passed
    return pessimistic, deserved, total


#: Moves beyond this are no longer first order (float32 at κ ≥ 1e8 saturates near 1): the
#: bound's overestimate is measured below it only.
FIRST_ORDER = 1e-2


def _overestimate(dtype: str) -> FloatArray:
    """Per case: how many times the attainable rtol exceeds the worst observed move."""
    return np.array([
        c.attainable.max() / c.moves.max() for c in _experiment()
        if c.dtype == dtype and 0 < c.moves.max() < FIRST_ORDER
    ])


@pytest.mark.parametrize("dtype", DTYPES)
def test_pessimism_is_measured_and_bounded(dtype: str, capsys: pytest.CaptureFixture[str]) -> None:
    pessimistic, deserved, total = _pessimism(dtype)
    far = {m: _pessimism(dtype, m) for m in (10.0, 100.0)}
    ratio = _overestimate(dtype)
    with capsys.disabled():
        print(
            f"\nassert_identifiable {dtype}: {total} verdicts over kappa 1..1e14; "
            f"{pessimistic}/{deserved} ({100 * pessimistic / deserved:.1f}%) pessimistic "
            "(said 'not identifiable' though every move < rtol); "
            + "; ".join(f"{p}/{d} with moves < rtol/{m:g}" for m, (p, d, _) in far.items())
            + f"; attainable rtol / observed move (first order): median "
            f"{np.median(ratio):.1f}x, max {ratio.max():.1f}x, min {ratio.min():.2f}x"
        )
    assert far[100.0][0] == 0, "said 'not identifiable' though moves were 100x below rtol"
    assert deserved > 0 and total > deserved, "the experiment must span both verdicts"
    # A pessimistic verdict is at most one decade off: the worst-case bound sits ~1-2 orders
    # above random perturbations (tolerances.SAFETY_FACTOR's note), so rtol and the move are
    # always within two decades of each other.
    assert ratio.min() >= 0.1, "the bound fell below 1/10 of an observed move"
    assert np.median(ratio) <= 100.0, "the bound is more than two orders too pessimistic"


def test_experiment_is_sensitive_to_conditioning() -> None:
    """Moves must grow with κ, else the experiment could not catch an optimistic verdict."""
    for dtype in DTYPES:
        low = max(c.moves.max() for c in _experiment() if c.dtype == dtype and c.cond == 1.0)
        high = min(c.moves.max() for c in _experiment() if c.dtype == dtype and c.cond == 1e14)
        assert high > 1e6 * low, f"{dtype}: moves at kappa 1e14 ({high:.1e}) vs 1 ({low:.1e})"
