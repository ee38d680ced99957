"""The exact path at width: digit planes for wide float columns, a multi-modular solve.

Every answer is compared with rational arithmetic (``fractions.Fraction``) or with the
fraction-free elimination the modular solve replaces, never with a float solver.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rational_oracle import oracle, solve_exactly, ulps_from_exact

import pytest_linreg as plr
from pytest_linreg import _exact, _modular
from pytest_linreg._exact import (
    _dot,
    _float_digit_planes,
    _plane_matrices,
    _scaled_floats,
    exact_lstsq_outputs,
    integer_column,
)
from pytest_linreg._modular import solve_multimodular


def _spd_system(rng: np.random.Generator, k: int, bits: int, q: int = 1) -> tuple[
    list[list[int]], list[list[int]]
]:
    """An integer Gram matrix ``BᵀB`` of ``bits``-bit entries and ``q`` right-hand sides."""
    B = [[int(v) << int(rng.integers(0, bits)) for v in rng.integers(-(2**20), 2**20, k)]
         for _ in range(k + 3)]
    gram = [[_dot([r[i] for r in B], [r[j] for r in B]) for j in range(k)] for i in range(k)]
    rhs = [[int(v) << bits for v in rng.integers(-(2**30), 2**30, k)] for _ in range(q)]
    return gram, rhs


@pytest.mark.parametrize(("k", "bits", "q"), [(1, 5, 1), (3, 40, 2), (12, 90, 1), (20, 120, 3)])
def test_modular_solution_is_the_rational_solution(k: int, bits: int, q: int) -> None:
    gram, rhs = _spd_system(np.random.default_rng(k), k, bits, q)
    solved = solve_multimodular(gram, rhs)
    assert solved is not None
    numerators, det = solved
    assert det > 0  # a Gram matrix's determinant
    fractions = [[Fraction(v) for v in row] for row in gram]
    for o in range(q):
        exact = solve_exactly(fractions, [Fraction(v) for v in rhs[o]])
        assert [Fraction(v, det) for v in numerators[o]] == exact


def test_a_prime_dividing_a_pivot_is_dropped_and_the_answer_stays_exact() -> None:
    prime = _modular._primes(1)[0]  # the first prime used: it divides the first pivot
    gram = [[prime * 3, 1, 0], [1, 5, 2], [0, 2, 7]]
    rhs = [[1, 2, 3]]
    numerators, det = solve_multimodular(gram, rhs) or ([], 0)
    exact = solve_exactly([[Fraction(v) for v in r] for r in gram], [Fraction(v) for v in rhs[0]])
    assert [Fraction(v, det) for v in numerators[0]] == exact


def test_a_singular_or_indefinite_system_is_handled_exactly() -> None:
    assert solve_multimodular([[1, 2], [2, 4]], [[1, 2]]) is None  # singular: caller's Bareiss
    indefinite = [[0, 1], [1, 0]]  # the unpivoted elimination meets a zero pivot on every prime
    assert solve_multimodular(indefinite, [[3, 4]]) is None
    numerators, det = solve_multimodular([[2, 1], [1, -3]], [[1, 1]]) or ([], 0)
    assert [Fraction(v, det) for v in numerators[0]] == [Fraction(4, 7), Fraction(-1, 7)]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-(2**53) + 1, 2**53 - 1), min_size=1, max_size=20),
    st.lists(st.integers(0, 120), min_size=20, max_size=20),
)
def test_digit_planes_add_up_to_the_shifted_integers(
    mantissas: list[int], shifts: list[int]
) -> None:
    m = np.array(mantissas, dtype=np.int64)
    s = np.array(shifts[: len(mantissas)], dtype=np.int64)
    sf = _exact._ScaledFloats(m, s, 0)
    count = _exact._plane_count(sf)
    planes = _float_digit_planes(sf, count)
    assert all(np.all(np.abs(p) < 2**20) for p in planes)
    rebuilt = [sum(int(p[i]) << (20 * t) for t, p in enumerate(planes)) for i in range(m.size)]
    assert rebuilt == [v << sh for v, sh in zip(mantissas, s.tolist(), strict=True)]


def test_wide_columns_take_the_planes_and_match_python_integers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(7)
    n = 300
    # Exponents spread over ~2**60 within a column: beyond int64, within 8 planes.
    cols = [rng.standard_normal(n) * 2.0 ** rng.integers(-30, 30, n) for _ in range(4)]
    cols.insert(0, np.ones(n, dtype=np.int64))
    y = rng.standard_normal(n) * 2.0 ** rng.integers(-20, 20, n)
    assert _exact._as_int64_matrix([integer_column(c)[0] for c in cols[1:]]) is None
    planes = _plane_matrices(cols)
    assert planes is not None and 3 < len(planes) <= _exact._MAX_PLANES
    fast = exact_lstsq_outputs(cols, [y])[0]
    monkeypatch.setattr(_exact, "_MAX_PLANES", 0)  # Python-int dot products
    assert _plane_matrices(cols) is None
    slow = exact_lstsq_outputs(cols, [y])[0]
    assert fast.x == slow.x and fast.rss == slow.rss and fast.sum_b2 == slow.sum_b2


def test_scaled_floats_are_the_integer_columns() -> None:
    col = np.array([0.1, -3.0, 2.0**-40, 0.0, 1e10])
    sf = _scaled_floats(col)
    ints, scale = integer_column(col)
    assert [int(m) << int(s) for m, s in zip(sf.mantissa, sf.shift, strict=True)] == ints
    assert Fraction(2) ** sf.base == scale


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_wide_design_is_solved_exactly_by_the_modular_path(
    fit_intercept: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(3)
    n, p = 45, 26  # k ≥ _MODULAR_MIN_K
    X = rng.standard_normal((n, p)) * 2.0 ** rng.integers(-12, 12, (n, p))
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    calls: list[int] = []
    real = _modular.solve_multimodular

    def counted(system: list[list[int]], rhs: list[list[int]]) -> object:
        calls.append(len(system))
        return real(system, rhs)

    monkeypatch.setattr(_exact, "solve_multimodular", counted)
    res = plr.ols(X, y, fit_intercept=fit_intercept, exact=True)
    assert calls == [p + fit_intercept]
    assert ulps_from_exact(res.params, oracle(X, y, None, 0.0, fit_intercept)) == 0.0
    monkeypatch.setattr(_exact, "_MODULAR_MIN_K", 10**9)  # Bareiss, as before
    bareiss = plr.ols(X, y, fit_intercept=fit_intercept, exact=True)
    np.testing.assert_array_equal(res.params, bareiss.params)
    assert res.r_squared == bareiss.r_squared and res.residual_std == bareiss.residual_std


def test_wide_rank_deficient_design_still_names_its_dependency() -> None:
    rng = np.random.default_rng(5)
    X = rng.integers(-50, 50, (40, 25)).astype(np.float64)
    X[:, 7] = 2.0 * X[:, 3] - X[:, 11]  # small integers: exactly dependent
    y = rng.standard_normal(40)
    with pytest.raises(plr.RankDeficientError, match="x8"):
        plr.ols(X, y, exact=True)


def test_the_primes_are_eliminated_in_batches_of_bounded_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tracemalloc

    gram, rhs = _spd_system(np.random.default_rng(9), 16, 100, 2)
    whole = solve_multimodular(gram, rhs)
    monkeypatch.setattr(_modular, "_BATCH_BYTES", 8 * 16 * 18 * 3)  # three primes a batch
    tracemalloc.start()
    try:
        batched = solve_multimodular(gram, rhs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert batched == whole and batched is not None
    assert peak < 2 << 20  # a single batch of all the primes holds (primes, 16, 18) int64 ×4


def test_empty_systems_are_left_to_the_caller() -> None:
    assert solve_multimodular([[2]], []) is None
    assert solve_multimodular([], [[]]) is None
    assert _plane_matrices([]) is None
    assert exact_lstsq_outputs([np.arange(3.0)], []) == []
