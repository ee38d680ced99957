"""Datasets whose data live in a file (``numpy.memmap``): kept there, judged in row blocks.

The reference is the blocked :func:`ols` (bit for bit the in-memory answer, judged against the
rational oracle in ``test_chunked.py``); here: the dataset does not copy the file, and the
verdict and its tolerances are those of the same data in memory.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import pytest_linreg as plr
from pytest_linreg import diagnostics
from pytest_linreg._records import collecting
from pytest_linreg.tolerances import derive_tolerance


def _on_disk(tmp_path: Path, n: int = 3000, p: int = 4, mode: str = "r") -> tuple[
    np.memmap, np.memmap, np.ndarray, np.ndarray
]:
    rng = np.random.default_rng(n + p)
    X = rng.standard_normal((n, p)) * np.logspace(0, 3, p) + 5.0
    y = X @ np.linspace(1.0, 2.0, p) - 3.0 + rng.standard_normal(n)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    Xm = np.load(tmp_path / "X.npy", mmap_mode=mode)
    ym = np.load(tmp_path / "y.npy", mmap_mode=mode)
    return Xm, ym, X, y


def test_a_memmap_dataset_keeps_the_file_and_equals_the_in_memory_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(diagnostics, "_ROW_BLOCK", 512)  # several blocks, a short last one
    Xm, ym, X, y = _on_disk(tmp_path)
    disk = plr.Dataset.from_arrays("disk", Xm, ym)
    memory = plr.Dataset.from_arrays("memory", X, y)
    assert isinstance(disk.X, np.memmap) and isinstance(disk.y, np.memmap)
    assert np.may_share_memory(disk.X, Xm) and not disk.X.flags.writeable
    np.testing.assert_array_equal(disk.params, memory.params)
    np.testing.assert_array_equal(disk.float_reference.params, memory.float_reference.params)
    for dtype in ("float64", "float32"):
        on_disk = derive_tolerance(disk, dtype)
        in_memory = derive_tolerance(memory, dtype)
        # The blocks are refactored from the file in each pass instead of kept: same numbers
        # to rounding (not pinned to the bit: BLAS may sum in another order).
        np.testing.assert_allclose(on_disk.per_parameter, in_memory.per_parameter, rtol=1e-12)
        assert on_disk.rtol == pytest.approx(in_memory.rtol, rel=1e-12)
    with collecting():
        plr.assert_coefficients_close(disk.float_reference, disk)
        moved = disk.params.copy()
        moved[2] *= 1 + 3e-7
        with pytest.raises(AssertionError, match="x2"):
            plr.assert_coefficients_close((moved[1:], moved[0]), disk)


def test_a_writable_memmap_is_viewed_read_only_not_copied(tmp_path: Path) -> None:
    Xm, ym, _, _ = _on_disk(tmp_path, mode="r+")
    ds = plr.Dataset.from_arrays("disk", Xm, ym)
    assert isinstance(ds.X, np.memmap) and np.may_share_memory(ds.X, Xm)
    assert not ds.X.flags.writeable and Xm.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        ds.X[0, 0] = 1.0


def test_a_memmap_with_a_nan_is_refused_by_name(tmp_path: Path) -> None:
    X = np.ones((50, 2))
    X[:, 1] = np.arange(50.0)
    X[17, 1] = np.nan
    np.save(tmp_path / "bad.npy", X)
    with pytest.raises(ValueError, match=r"NaN or inf at \[17, 1\]"):
        plr.Dataset.from_arrays("bad", np.load(tmp_path / "bad.npy", mmap_mode="r"),
                                np.arange(50.0))


def test_judging_a_memmap_dataset_holds_no_copy_of_its_design(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(diagnostics, "_ROW_BLOCK", 4096)
    Xm, ym, _, _ = _on_disk(tmp_path, n=200_000, p=10)
    ds = plr.Dataset.from_arrays("disk", Xm, ym)
    reference = ds.float_reference  # made by from_arrays: not recomputed here
    tracemalloc.start()
    try:
        with collecting():
            plr.assert_coefficients_close(reference, ds, rtol="auto")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # In memory the factor alone is 1.1 copies of X; on disk each pass refactors its blocks.
    # Measured 0.13 copies: an n-vector of the checks and blocks of 4 096 rows.
    assert peak / Xm.nbytes < 0.5, peak / Xm.nbytes


@pytest.mark.parametrize("where", ["disk", "memory"])
def test_from_arrays_remembers_its_reference(tmp_path: Path, where: str) -> None:
    Xm, ym, X, y = _on_disk(tmp_path, n=100)
    ds = plr.Dataset.from_arrays("d", *((Xm, ym) if where == "disk" else (X, y)))
    assert "float_reference" in ds.__dict__  # the ols from_arrays made; not made again
    remembered, fresh = ds.float_reference, ds.reference()
    for attr in ("params", "relative_error", "condition_number", "r_squared", "method"):
        assert np.array_equal(getattr(remembered, attr), getattr(fresh, attr)), attr


def test_an_n_by_1_memmap_y_is_kept_as_its_column(tmp_path: Path) -> None:
    Xm, _, X, y = _on_disk(tmp_path, n=2000)
    np.save(tmp_path / "y2.npy", y[:, None])
    column = np.load(tmp_path / "y2.npy", mmap_mode="r")
    weights = np.linspace(0.5, 2.0, 2000)
    ds = plr.Dataset.from_arrays("disk", Xm, column, sample_weight=weights)
    assert ds.y.shape == (2000,) and isinstance(ds.y, np.memmap)  # was (2000, 1): (n, n) sums
    memory = plr.Dataset.from_arrays("memory", X, y, sample_weight=weights)
    np.testing.assert_array_equal(ds.params, memory.params)
    with collecting():
        plr.assert_coefficients_close(memory.float_reference, ds)


def test_a_copy_on_write_memmap_is_copied(tmp_path: Path) -> None:
    """Mode "c": the caller's writes would change the dataset and not its file (review)."""
    Xm, ym, _, _ = _on_disk(tmp_path, n=200, mode="c")
    ds = plr.Dataset.from_arrays("disk", Xm, ym)
    assert not np.may_share_memory(ds.X, Xm)
    before = ds.X[0, 0]
    Xm[0, 0] = 1e6
    assert ds.X[0, 0] == before


@pytest.mark.parametrize("kind", ["float32", "fortran"])
def test_the_reference_is_remembered_only_when_it_is_what_reference_returns(
    tmp_path: Path, kind: str
) -> None:
    _, _, X, y = _on_disk(tmp_path, n=300)
    given = X.astype(np.float32) if kind == "float32" else np.asfortranarray(X)
    ds = plr.Dataset.from_arrays("other", given, y)
    assert "float_reference" not in ds.__dict__  # ols read another layout: computed on use
    ref = ds.float_reference
    assert ref.relative_error.tolist() == ds.reference().relative_error.tolist()
