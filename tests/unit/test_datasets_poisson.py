"""The question's sorted-Poisson data, reproduced bit for bit, and its twins."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pytest

from pytest_linreg._exact import exact_lstsq
from pytest_linreg.datasets import (
    make_shuffled_poisson,
    make_sorted_poisson,
    make_unsorted_poisson,
)


def _question(n: int, seed: int, sort: bool) -> tuple[npt.NDArray[np.float64], ...]:
    """The question's code, verbatim, on the global RNG (its state is restored afterwards)."""
    sklearn_preprocessing = pytest.importorskip("sklearn.preprocessing")
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        a = np.random.poisson(1_000_000, n)
        b = np.random.poisson(1_000_000, n)
    finally:
        np.random.set_state(state)
    x1 = sklearn_preprocessing.scale(a)
    x2 = sklearn_preprocessing.scale(b)
    if sort:
        x1, x2 = np.sort(x1), np.sort(x2)
    return x1, x2, (x1 + x2) / 2


@pytest.mark.parametrize(("n", "seed", "sort"), [(100_000, 1443, True), (1000, 7, False)])
def test_reproduces_the_question_bit_for_bit(n: int, seed: int, sort: bool) -> None:
    x1, x2, y = _question(n, seed, sort)
    ds = make_sorted_poisson(n, seed=seed, sort=sort)
    np.testing.assert_array_equal(ds.X[:, 0], x1)
    np.testing.assert_array_equal(ds.X[:, 1], x2)
    np.testing.assert_array_equal(ds.y, y)
    assert ds.name == ("sorted_poisson" if sort else "unsorted_poisson")
    assert ds.seed == seed


def test_standardisation_is_population_scale() -> None:
    ds = make_unsorted_poisson(10_000, seed=3)
    np.testing.assert_allclose(ds.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.X.std(axis=0), 1.0, rtol=1e-12)


def test_global_rng_untouched() -> None:
    before = str(np.random.get_state(legacy=False))
    make_sorted_poisson(1000)
    assert str(np.random.get_state(legacy=False)) == before


def test_the_question_numbers_and_reference() -> None:
    ds = make_sorted_poisson()
    assert ds.X.shape == (100_000, 2)
    assert round(float(np.abs(ds.X[:, 0] - ds.X[:, 1]).mean()), 4) == 0.0041
    assert ds.coef.tolist() == [0.5, 0.5] and ds.intercept == 0.0
    assert ds.certified is False
    assert {"poisson", "collinear", "generated"} <= set(ds.tags)


def test_generation_is_fast() -> None:
    best = min(_timed(make_sorted_poisson) for _ in range(3))
    assert best < 0.5, f"make_sorted_poisson() took {best:.3f} s (measured 0.025 s when written)"


def _timed(func: object) -> float:
    start = time.perf_counter()
    func()  # type: ignore[operator]
    return time.perf_counter() - start


def test_shuffled_has_the_same_rows() -> None:
    sorted_ds, shuffled = make_sorted_poisson(5000), make_shuffled_poisson(5000)
    assert shuffled.name == "shuffled_poisson"
    rows = np.column_stack([shuffled.X, shuffled.y])
    ref = np.column_stack([sorted_ds.X, sorted_ds.y])
    order = np.lexsort(rows.T[::-1])
    np.testing.assert_array_equal(rows[order], ref[np.lexsort(ref.T[::-1])])
    assert not np.array_equal(shuffled.X, sorted_ds.X)
    again = make_shuffled_poisson(5000)
    np.testing.assert_array_equal(again.X, shuffled.X)  # the permutation is seeded
    assert not np.array_equal(make_shuffled_poisson(5000, shuffle_seed=1).X, shuffled.X)


def test_exact_ols_of_the_float_data_is_within_2e_15_of_one_half() -> None:
    ds = make_sorted_poisson()
    # The exact rational solver is the oracle, as everywhere in these tests.
    slopes = exact_lstsq([np.ones(ds.n), ds.X[:, 0], ds.X[:, 1]], ds.y).x[1:]
    rel = [abs(float(s / Fraction(1, 2) - 1)) for s in slopes]
    assert max(rel) < 2e-15, rel  # documented: 2.9e-16 for seed 1443


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 2}, ValueError, r"fewer rows than parameters: n=2 < 3"),
        ({"n": 10.0}, TypeError, r"n must be an integer; got 10\.0 \(float\)"),
        ({"seed": -1}, ValueError, r"seed must be in \[0, 2\*\*32\) .*; got -1"),
        ({"seed": 2**32}, ValueError, r"seed must be in \[0, 2\*\*32\) .*; got 4294967296"),
        ({"seed": "1443"}, TypeError, r"seed must be an integer; got '1443' \(str\)"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        make_sorted_poisson(**kwargs)  # type: ignore[arg-type]
