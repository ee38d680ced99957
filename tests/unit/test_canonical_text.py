"""Messages do not hang on the last bit of the data, on BLAS threads, or on argmax ties.

Two machines with different BLAS builds compute the same design's singular vectors and
componentwise conditions to a few ulps, not bit for bit; before the canonical form, the
question's near-null combination printed ``x1 − 1.00·x2`` on one and ``−x1 + 1.00·x2`` on the
other. Here the data themselves move by ±1 ulp in random entries, and BLAS runs on 1 and 2
threads: every line of the message must stay the same.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import pytest_linreg as plr
from pytest_linreg._canonical import first_of_largest, rounded_key, sign_canonical
from pytest_linreg.datasets import Dataset
from pytest_linreg.diagnostics import diagnose, near_null_combinations
from pytest_linreg.errors import LinregAssertionError


def _one_ulp_off(X: np.ndarray, seed: int) -> np.ndarray:
    """``X`` with a third of its entries moved by one ulp up or down, at random."""
    rng = np.random.default_rng(seed)
    moved = rng.random(X.shape) < 0.3
    return np.where(moved, np.where(rng.random(X.shape) < 0.5, np.nextafter(X, np.inf),
                                    np.nextafter(X, -np.inf)), X)


def _message(actual: object, dataset: Dataset) -> list[str]:
    with pytest.raises(LinregAssertionError) as info:
        plr.assert_coefficients_close(actual, dataset, rtol=1e-7)
    return str(info.value).splitlines()


def _design_text(dataset: Dataset, X: np.ndarray) -> list[str]:
    d = diagnose(X, dataset.y, fit_intercept=dataset.fit_intercept,
                 feature_names=dataset.feature_names)
    hardest = d.param_names[first_of_largest(d.attainable_for(np.float64))]
    return [f"κ {d.condition_number:.2e} rank {d.rank} hardest {hardest}"] + [
        c.text for c in d.near_null
    ]


@pytest.mark.parametrize("threads", [1, 2])
def test_question_message_is_the_same_for_data_one_ulp_off(
    sorted_poisson: Dataset, threads: int
) -> None:
    weights = np.array([0.904, 0.096])
    with threadpool_limits(limits=threads, user_api="blas"):
        base = _message(weights, sorted_poisson)
        assert "  near-null: x1 − 1.00·x2 ≈ 0  (σ/σmax = 3.5e-03)" in base
        for seed in range(4):
            # The same reference over a design one ulp off: what the message says of the
            # design (near-null text, condition, hardest parameter) is what can flip.
            moved = replace(sorted_poisson, X=_one_ulp_off(np.asarray(sorted_poisson.X), seed))
            assert _message(weights, moved) == base


# The datasets whose near-null combinations flipped sign under ±1 ulp before the canonical form
# (measured: sorted_poisson 6/20, collinear_pair 4/20, shuffled_poisson 1/20), and a few with
# several near-null combinations.
@pytest.mark.parametrize("name", ["sorted_poisson", "shuffled_poisson", "collinear_pair",
                                  "Longley", "Wampler1", "Filip", "polynomial_deg8"])
def test_design_text_is_the_same_for_data_one_ulp_off(name: str) -> None:
    dataset = plr.load_dataset(name)
    X = np.asarray(dataset.X)
    base = _design_text(dataset, X)
    for seed in range(6):
        assert _design_text(dataset, _one_ulp_off(X, seed)) == base


def test_near_null_sign_is_fixed_by_column_order() -> None:
    t = np.linspace(0.0, 1.0, 50)
    X = np.column_stack([t, t + 1e-6 * np.sin(40 * t)])
    # The same subspace whichever column comes first: the first participating one is positive.
    assert near_null_combinations(X, fit_intercept=False)[0].text == "x1 − 1.00·x2 ≈ 0"
    assert near_null_combinations(-X, fit_intercept=False)[0].text == "x1 − 1.00·x2 ≈ 0"
    flipped = np.column_stack([X[:, 0], -X[:, 1]])
    assert near_null_combinations(flipped, fit_intercept=False)[0].text == "x1 + 1.00·x2 ≈ 0"


def test_first_of_largest_ignores_last_bit_ties() -> None:
    assert first_of_largest([1.0, 2.0, np.nextafter(2.0, 3.0)]) == 1
    assert first_of_largest([np.nextafter(2.0, 3.0), 2.0]) == 0
    assert first_of_largest([1.0, 2.0, 2.1]) == 2  # a real difference still wins
    assert first_of_largest([0.0, 0.0]) == 0
    assert first_of_largest([-3.0, -1.0]) == 1
    assert first_of_largest([1.0, np.inf, np.inf]) == 1
    with pytest.raises(ValueError, match="at least one value"):
        first_of_largest([])


def test_sign_canonical_and_rounded_key() -> None:
    assert sign_canonical(np.array([0.0, -1.0, 1.0]), [1, 2]).tolist() == [-0.0, 1.0, -1.0]
    assert sign_canonical(np.array([0.0, 1.0, -1.0]), [1, 2]).tolist() == [0.0, 1.0, -1.0]
    key = rounded_key([3.0 * (1 + 2e-16), 3.0, 1e-300, 0.0, np.inf, np.nan])
    assert key[0] == key[1] == 3.0
    assert key[2] == 1e-300 and key[3] == 0.0 and key[4] == np.inf and np.isnan(key[5])
