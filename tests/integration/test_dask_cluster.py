"""The blocked reference on a dask.distributed cluster (a LocalCluster of two worker processes).

The chunks are computed and reduced to k-vectors on the workers; the answer is the in-memory
one bit for bit, for any chunking.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import pytest_linreg as plr
from pytest_linreg.reference import one_output

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def _problem(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * np.logspace(0, 4, p) + np.linspace(0, 50, p)
    X[:, -1] = X[:, 0] + 1e-5 * rng.standard_normal(n)  # κ ≈ 1e7
    return X, X @ np.arange(1.0, p + 1) + rng.standard_normal(n)


def test_the_cluster_computes_the_in_memory_answer(client: object) -> None:
    X, y = _problem(20_000, 6, seed=1)
    expected = one_output(plr.ols(X, y)).params
    for rows in (20_000, 3_001, 777):
        with distributed.get_task_stream() as stream:
            res = one_output(plr.ols(da.from_array(X, chunks=(rows, -1)), da.from_array(y, rows)))
        assert np.array_equal(res.params, expected), rows
        # Every pass ran one task per chunk on the workers, both of them.
        kernels = [t for t in stream.data if str(t["key"]).startswith("_call")]
        workers = {t["worker"] for t in kernels}
        chunks = -(-len(y) // rows)
        assert len(kernels) % chunks == 0 and len(kernels) >= 4 * chunks
        assert len(workers) == 2 or chunks == 1


def test_weights_and_a_penalty_on_the_cluster(client: object) -> None:
    X, y = _problem(20_000, 4, seed=2)
    w = np.random.default_rng(2).uniform(0.0, 5.0, 20_000)
    expected = one_output(plr.ols(X, y, sample_weight=w, alpha=3.0)).params
    res = one_output(plr.ols(da.from_array(X, chunks=(3_001, -1)), da.from_array(y, 3_001),
                             sample_weight=da.from_array(w, 3_001), alpha=3.0))
    assert np.array_equal(res.params, expected) and res.weighted and res.alpha == 3.0


def test_a_lazily_generated_design_is_solved_where_it_is_made(client: object) -> None:
    """Data that exist only as a recipe: each worker generates its own chunks on every pass."""
    n, p = 200_000, 5
    X = da.random.default_rng(7).standard_normal((n, p), chunks=(25_000, p)) + 3.0
    y = X @ da.from_array(np.arange(1.0, p + 1)) + 0.5
    res = one_output(plr.ols(X, y))
    expected = one_output(plr.ols(X.compute(), y.compute()))
    assert np.array_equal(res.params, expected.params)
    assert res.converged and res.n == n


@pytest.fixture(scope="module")
def million_rows(client: object) -> tuple[object, object, np.ndarray]:
    """1e6 x 10 generated and kept on the workers (as data beyond one machine would be)."""
    rng = da.random.default_rng(3)
    X = rng.standard_normal((1_000_000, 10), chunks=(65_536, 10)) * np.logspace(0, 4, 10) + 5.0
    y = X @ da.from_array(np.arange(1.0, 11.0)) + rng.standard_normal(1_000_000, chunks=65_536)
    X, y = client.persist(X), client.persist(y)  # type: ignore[attr-defined]
    expected = one_output(plr.ols(X.compute(), y.compute())).params
    return X, y, expected


@pytest.mark.parametrize("rows", [1_000_000, 333_334, 65_536])
def test_a_million_rows_in_three_chunkings(
    million_rows: tuple[object, object, np.ndarray], rows: int
) -> None:
    X, y, expected = million_rows
    res = one_output(plr.ols(X.rechunk((rows, -1)), y.rechunk(rows)))  # type: ignore[attr-defined]
    assert np.array_equal(res.params, expected)
