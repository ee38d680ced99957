"""The reference over row blocks: dask arrays and numpy memmaps.

Judged against the independent rational oracle (:mod:`rational_oracle`) and the NIST
certified data, and against the in-memory result bit for bit: the chunked solver's answer is
the exact solution rounded, so neither the chunking nor the source may change a bit of it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from rational_oracle import oracle, ulps_from_exact

import pytest_linreg as plr
from pytest_linreg import _pages, _row_blocks, reference
from pytest_linreg.reference import OLSResult, one_output

da = pytest.importorskip("dask.array")


def _dask(X: np.ndarray, y: np.ndarray, rows: int) -> tuple[object, object]:
    chunks_y = (rows,) if y.ndim == 1 else (rows, -1)
    return da.from_array(X, chunks=(rows, -1)), da.from_array(y, chunks=chunks_y)


def _chunked(X: np.ndarray, y: np.ndarray, rows: int, **kwargs: object) -> OLSResult:
    Xd, yd = _dask(X, y, rows)
    return one_output(plr.ols(Xd, yd, **kwargs))  # type: ignore[arg-type]


def _ill_conditioned(seed: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Designs with κ from 1e1 to 1e12, offsets, scaled columns, with and without residual."""
    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(20, 120)), int(rng.integers(1, 6))
    U, _ = np.linalg.qr(rng.standard_normal((n, p)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    s = np.logspace(0, -rng.uniform(1, 12), p)
    X = (U * s) @ V.T * np.exp(rng.uniform(-5, 5, p)) + rng.uniform(-3, 3, p) * (seed % 2)
    y = X @ rng.standard_normal(p)
    if seed % 3:
        y = y + rng.standard_normal(n) * 10 ** rng.uniform(-10, 0)
    return X, y, bool(seed % 4)


@pytest.mark.parametrize("seed", range(24))
def test_every_chunking_gives_the_rounded_exact_answer(seed: int) -> None:
    X, y, fit_intercept = _ill_conditioned(seed)
    exact = oracle(X, y, None, 0.0, fit_intercept)
    in_memory = one_output(plr.ols(X, y, fit_intercept=fit_intercept))
    assert ulps_from_exact(in_memory.params, exact) == 0
    for rows in (len(y), max(1, len(y) // 5), 3):
        chunked = _chunked(X, y, rows, fit_intercept=fit_intercept)
        assert chunked.converged
        assert ulps_from_exact(chunked.params, exact) == 0, rows
        assert np.array_equal(chunked.params, in_memory.params)


@pytest.mark.parametrize("name", plr.dataset_names("nist"))
def test_nist_sets_in_chunks_are_the_in_memory_answer(name: str) -> None:
    ds = plr.load_dataset(name)
    in_memory = one_output(plr.ols(ds.X, ds.y, fit_intercept=ds.fit_intercept))
    for rows in (len(ds.y), 7, 2):  # 2 rows: blocks shorter than the parameters (Filip: 11)
        chunked = _chunked(ds.X, ds.y, rows, fit_intercept=ds.fit_intercept)
        assert chunked.method == "refined-qr" and chunked.converged
        assert np.array_equal(chunked.params, in_memory.params), rows
        assert chunked.rank == in_memory.rank
        assert chunked.condition_number == pytest.approx(in_memory.condition_number, rel=1e-6)
        assert chunked.r_squared == pytest.approx(in_memory.r_squared, rel=1e-12)
        assert chunked.residual_std == pytest.approx(in_memory.residual_std, rel=1e-12)


def test_a_result_is_complete_and_names_features() -> None:
    ds = plr.load_dataset("Longley")
    res = plr.ols(
        da.from_array(ds.X, chunks=(5, -1)), da.from_array(ds.y, chunks=5),
        feature_names=ds.feature_names,
    )
    assert isinstance(res, OLSResult)
    assert res.feature_names == ds.feature_names
    assert res.n == 16 and res.p == 6 and not res.weighted
    assert res.iterations >= 1 and np.all(res.relative_error < 2.0**-52)


def test_columns_split_across_chunks_are_joined() -> None:
    X, y, _ = _ill_conditioned(5)
    Xd = da.from_array(X, chunks=(17, 1))  # every column its own chunk
    res = one_output(plr.ols(Xd, y))
    assert np.array_equal(res.params, one_output(plr.ols(X, y)).params)


def test_several_outputs_share_the_blocks() -> None:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 3)) + 10.0
    Y = X @ rng.standard_normal((3, 2)) + rng.standard_normal((60, 2))
    res = plr.ols(*_dask(X, Y, 13))
    assert isinstance(res, reference.MultiOutputResult)
    expected = plr.ols(X, Y)
    assert isinstance(expected, reference.MultiOutputResult)
    assert np.array_equal(res.params, expected.params)
    for j in range(2):
        assert ulps_from_exact(res.params[j], oracle(X, Y[:, j], None, 0.0, True)) == 0


@pytest.mark.parametrize("block_rows", [1000, 64, 5])
def test_a_memmap_is_read_in_blocks_with_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_rows: int
) -> None:
    X, y, fit_intercept = _ill_conditioned(9)
    path = tmp_path / "X.f8"
    X.tofile(path)
    Xm = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
    monkeypatch.setattr(_row_blocks, "MEMMAP_BLOCK_ELEMENTS", block_rows * X.shape[1])
    res = one_output(plr.ols(Xm, y, fit_intercept=fit_intercept))
    assert np.array_equal(res.params, one_output(plr.ols(X, y, fit_intercept=fit_intercept)).params)
    assert ulps_from_exact(res.params, oracle(X, y, None, 0.0, fit_intercept)) == 0
    source = _row_blocks.row_blocks(Xm, y)
    assert len(source.starts) == -(-len(y) // block_rows)


def test_a_copy_on_write_memmap_keeps_its_changes(tmp_path: Path) -> None:
    """Released pages of a private mapping would lose the caller's edits: never released."""
    X, y, _ = _ill_conditioned(2)
    path = tmp_path / "X.f8"
    X.tofile(path)
    Xc = np.memmap(path, dtype=np.float64, mode="c", shape=X.shape)
    Xc[0, 0] += 1.0  # in this process only
    expected = one_output(plr.ols(np.array(Xc), y)).params
    assert np.array_equal(one_output(plr.ols(Xc, y)).params, expected)
    assert Xc[0, 0] == X[0, 0] + 1.0


def test_a_rank_deficient_design_names_its_dependent_columns() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    X = np.column_stack([X, X[:, 0] + 2.0 * X[:, 1]])
    y = X @ [1.0, 2.0, 3.0] + 0.1 * rng.standard_normal(40)
    with pytest.warns(plr.RankDeficientWarning, match=r"x3 = 1\.00·x1 \+ 2\.00·x2"):
        res = _chunked(X, y, 9)
    assert res.method == "minimum-norm" and res.rank == 3


def test_an_unconverged_small_problem_is_solved_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference, "MAX_REFINEMENT_STEPS", 1)
    X, y, _ = _ill_conditioned(10)  # κ ≈ 1e10: one step is not enough
    res = _chunked(X, y, 11, fit_intercept=False)
    assert res.method == "exact-fallback" and res.converged
    assert ulps_from_exact(res.params, oracle(X, y, None, 0.0, False)) == 0


def test_an_unconverged_large_problem_warns_with_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference, "MAX_REFINEMENT_STEPS", 1)
    monkeypatch.setattr(reference, "EXACT_FALLBACK_LIMIT", 0)
    X, y, _ = _ill_conditioned(10)
    with pytest.warns(plr.IllConditionedWarning, match=r"did not converge .* 1 steps"):
        res = _chunked(X, y, 11, fit_intercept=False)
    assert not res.converged and res.method == "refined-qr"


def test_exact_reads_a_dask_array_whole() -> None:
    X, y, _ = _ill_conditioned(4)
    res = plr.ols(*_dask(X, y, 10), exact=True)
    assert isinstance(res, OLSResult) and res.method == "exact"
    assert ulps_from_exact(res.params, oracle(X, y, None, 0.0, True)) == 0


# --------------------------------------------------------------------------- bad input


def test_nan_in_a_chunk_is_named_by_its_row() -> None:
    X = np.ones((30, 2)) + np.arange(60).reshape(30, 2) ** 1.5
    X[23, 1] = np.nan
    with pytest.raises(ValueError, match=r"X holds a NaN or inf at \[23, 1\] \(dask array in 3"):
        plr.ols(*_dask(X, np.arange(30.0), 10))


def test_inf_in_y_is_named() -> None:
    X = np.arange(20.0).reshape(10, 2) ** 2
    y = np.arange(10.0)
    y[7] = np.inf
    with pytest.raises(ValueError, match=r"y holds a NaN or inf at \[7\]"):
        plr.ols(*_dask(X, y, 4))


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (np.array([["a", "b"], ["c", "d"]]), np.ones(2), TypeError, "non-numeric dtype <U1"),
        (np.ones((4, 2)) * 1j, np.ones(4), TypeError, "complex dtype"),
        (np.ones(4), np.ones(4), ValueError, r"X must be 2-D \(n, p\); got shape \(4,\)"),
        (np.ones((4, 2)), np.ones(5), ValueError, r"y must have shape \(4,\) or \(4, k\)"),
        (np.ones((2, 3)), np.ones(2), ValueError, "rows"),
        (np.ones((4, 0)), np.ones(4), ValueError, r"X has no columns \(shape \(4, 0\)\)"),
        (np.ones((4, 2)), np.float64(1.0), ValueError, r"got \(\)"),
    ],
)
def test_bad_dask_input_is_named(
    X: np.ndarray, y: np.ndarray, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        plr.ols(da.from_array(X), da.from_array(y))


def test_unknown_chunk_sizes_say_what_to_call() -> None:
    x = da.from_array(np.arange(20.0).reshape(10, 2), chunks=(5, 2))
    X = x[x[:, 0] > 3]  # a boolean mask leaves the row counts unknown
    with pytest.raises(ValueError, match=r"compute_chunk_sizes\(\)"):
        plr.ols(X, np.ones(10))


def test_unknown_response_chunk_sizes_say_what_to_call() -> None:
    y = da.from_array(np.arange(20.0), chunks=5)
    with pytest.raises(ValueError, match=r"y's chunk sizes are unknown .* y\.compute_chunk_sizes"):
        plr.ols(da.ones((10, 2), chunks=(5, 2)), y[y > 9])


def test_an_in_memory_design_beside_a_dask_response_is_checked_as_in_memory() -> None:
    y = da.from_array(np.arange(3.0), chunks=2)
    with pytest.raises(ValueError, match="X could not be read as a rectangular array"):
        plr.ols([[1.0, 2.0], [3.0]], y)
    exact_ints = np.array([[1, 0], [2**60 + 1, 1], [5, 3]], dtype=object)
    res = one_output(plr.ols(exact_ints, y, fit_intercept=False))
    assert np.array_equal(res.params, one_output(plr.ols(exact_ints, np.arange(3.0),
                                                         fit_intercept=False)).params)


def _weighted_problem(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, float, bool]:
    """400 rows; weights over 6 decades with zeros, ridge penalties, offsets, scaled columns."""
    rng = np.random.default_rng(seed)
    p = int(rng.integers(1, 4))
    X = rng.standard_normal((400, p)) * 10.0 ** rng.integers(-2, 3, size=p)
    X += rng.choice([0.0, 5.0, 100.0])
    y = X @ rng.standard_normal(p) + 0.5 + 0.3 * rng.standard_normal(400)
    w = None
    if seed % 2 == 0:
        w = 10.0 ** rng.uniform(-3, 3, size=400)
        w[rng.integers(0, 400, size=5)] = 0.0  # rows that do not count
    alpha = float(rng.choice([0.0, 1e-3, 1.0, 100.0])) if seed % 4 != 1 else 0.0
    return X, y, w, alpha, bool(seed % 5 != 4)


@pytest.mark.parametrize("seed", range(12))
def test_weighted_and_ridge_problems_in_chunks_are_the_rounded_exact_answer(seed: int) -> None:
    X, y, w, alpha, fit_intercept = _weighted_problem(seed)
    exact = oracle(X, y, w, alpha, fit_intercept)
    in_memory = one_output(plr.ols(X, y, sample_weight=w, alpha=alpha, fit_intercept=fit_intercept))
    for rows in (400, 37, 3):
        wd = None if w is None else da.from_array(w, chunks=rows)
        Xd, yd = _dask(X, y, rows)
        res = one_output(plr.ols(Xd, yd, sample_weight=wd, alpha=alpha,  # type: ignore[arg-type]
                                 fit_intercept=fit_intercept))
        assert ulps_from_exact(res.params, exact) == 0, rows
        assert np.array_equal(res.params, in_memory.params)
        assert res.n == in_memory.n and res.weighted == (w is not None) and res.alpha == alpha
        assert res.r_squared == pytest.approx(in_memory.r_squared, rel=1e-12)
        assert res.residual_std == pytest.approx(in_memory.residual_std, rel=1e-12)


def test_weights_in_a_memmap_and_a_scalar_weight(tmp_path: Path) -> None:
    X, y, w, _, _ = _weighted_problem(0)
    assert w is not None
    path = tmp_path / "w.f8"
    w.tofile(path)
    wm = np.memmap(path, dtype=np.float64, mode="r", shape=w.shape)
    Xd = da.from_array(X, chunks=(50, -1))
    expected = one_output(plr.ols(X, y, sample_weight=w)).params
    assert np.array_equal(one_output(plr.ols(Xd, y, sample_weight=wm)).params, expected)
    scalar = one_output(plr.ols(Xd, y, sample_weight=2.5)).params  # every row's: plain OLS
    assert np.array_equal(scalar, one_output(plr.ols(X, y)).params)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda w: w.__setitem__(17, -1.0), r"sample_weight holds the negative weight -1\.0 at "
         r"\[17\] \(dask array in 8 chunks\); weighted least squares needs weights ≥ 0"),
        (lambda w: w.__setitem__(33, np.nan), r"sample_weight holds a NaN or inf at \[33\]"),
        (lambda w: w.__setitem__(slice(None), 0.0), "sample_weight is zero everywhere"),
    ],
)
def test_bad_weights_are_named_by_their_row(change: object, match: str) -> None:
    X, y, w, _, _ = _weighted_problem(0)
    assert w is not None
    change(w)  # type: ignore[operator]
    with pytest.raises(ValueError, match=match):
        plr.ols(*_dask(X, y, 50), sample_weight=da.from_array(w, chunks=50))


def test_weights_of_another_length_are_refused() -> None:
    X, y, _, _, _ = _weighted_problem(1)
    with pytest.raises(ValueError, match=r"sample_weight has 399 values but X has 400 rows"):
        plr.ols(*_dask(X, y, 50), sample_weight=np.ones(399))  # in memory: as ols says it
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(400,\)"):
        plr.ols(*_dask(X, y, 50), sample_weight=da.ones(399, chunks=100))


def test_a_dask_dataframe_says_how_to_convert() -> None:
    # dask.dataframe needs pyarrow; any dask collection that is not an array is refused alike.
    frame_type = type("DataFrame", (), {"__module__": "dask.dataframe.core"})
    expected = r"DataFrame from dask is not an array; pass df\.to_dask_array\(lengths=True\)"
    with pytest.raises(TypeError, match=expected):
        plr.ols(frame_type(), np.ones(3))


def test_blocked_solving_is_warning_free() -> None:
    X, y, _ = _ill_conditioned(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _chunked(X, y, 13)


class _RecordingMap:
    def __init__(self, error: OSError | None = None) -> None:
        self.calls: list[int] = []
        self.error = error

    def madvise(self, option: int) -> None:
        self.calls.append(option)
        if self.error is not None:
            raise self.error


@pytest.mark.parametrize(("mode", "released"), [("r", True), ("r+", True), ("w+", True),
                                                ("c", False)])
def test_pages_are_released_only_from_shared_mappings(mode: str, released: bool) -> None:
    """MADV_DONTNEED would discard a copy-on-write mapping's edits: "c" is never released."""
    target = type("Mapped", (), {})()
    target._mmap, target.mode = _RecordingMap(), mode
    _pages.release_pages(target)
    assert bool(target._mmap.calls) is released


def test_locked_pages_that_cannot_be_released_are_left_alone() -> None:
    target = type("Mapped", (), {})()
    target._mmap, target.mode = _RecordingMap(OSError(22, "Invalid argument")), "r"
    _pages.release_pages(target)  # EINVAL under mlockall: nothing to do, no error
    assert target._mmap.calls


@pytest.mark.parametrize("huge", ["y", "X"])
def test_rows_of_zero_weight_do_not_count_however_large(
    huge: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In memory they are dropped; in blocks they are zeroed before anything is scaled (a
    1e300 there once set y's scale, or overflowed the scaled design into NaN)."""
    monkeypatch.setattr(reference, "EXACT_FALLBACK_LIMIT", 0)  # the blocked refinement itself
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(9, 2)), rng.normal(size=9) * 1e-10
    if huge == "y":
        y[2] = 1e300
    else:
        X *= 1e-10
        X[2] = 1e300
    w = np.ones(9)
    w[2] = 0.0
    expected = one_output(plr.ols(X, y, sample_weight=w))
    res = one_output(plr.ols(*_dask(X, y, 3), sample_weight=da.from_array(w, chunks=3)))
    assert np.array_equal(res.params, expected.params) and res.converged
    assert res.n == 8 and res.r_squared == pytest.approx(expected.r_squared, rel=1e-12)


def test_weights_given_in_memory_are_read_as_ols_reads_them() -> None:
    X, y, _, _, _ = _weighted_problem(3)
    ints = np.array([1, 2, 3] * 133 + [1], dtype=object)  # object ints, as ols accepts them
    expected = one_output(plr.ols(X, y, sample_weight=ints.astype(float))).params
    assert np.array_equal(one_output(plr.ols(*_dask(X, y, 50), sample_weight=ints)).params,
                          expected)
    w = da.from_array(np.ones(800), chunks=100)
    with pytest.raises(ValueError, match=r"sample_weight's chunk sizes are unknown"):
        plr.ols(*_dask(X, y, 50), sample_weight=w[w > 0.5])  # a mask: lengths unknown
