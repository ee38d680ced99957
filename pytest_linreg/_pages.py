"""Releasing the resident pages of memmapped data as it is read in blocks.

Reading a file through a ``numpy.memmap`` maps its pages into the process, and they count
towards its resident set until unmapped, so a pass over a file of gigabytes would appear to
hold all of it. Dropping them after each block keeps the resident set at the blocks in flight.
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["PageReleaser", "release_pages"]

FloatArray = npt.NDArray[np.float64]


class PageReleaser:
    """Drops the resident pages of some memmaps after every ``budget`` bytes read from them.

    For code that walks a memmap in small blocks (the diagnostics' row blocks): releasing after
    each small block would walk the whole mapping each time; every 32 MiB keeps the resident
    set near that. Arrays that are not memmaps are ignored.
    """

    def __init__(self, arrays: Sequence[Any], budget: int = 32 << 20) -> None:
        self.arrays = [a for a in arrays if isinstance(a, np.memmap)]
        self.budget = budget
        self._read = 0

    def counted(self, block: FloatArray) -> FloatArray:
        """``block``, made from the memmaps' data: its size is counted as read."""
        self.read(block.nbytes)
        return block

    def read(self, nbytes: int) -> None:
        """Count ``nbytes`` read; release the pages when the budget is spent."""
        if not self.arrays:
            return
        self._read += nbytes
        if self._read >= self.budget:
            for arr in self.arrays:
                release_pages(arr)
            self._read = 0


def release_pages(arr: Any) -> None:
    """Drop a read-only or shared memmap's resident pages (the file keeps its data).

    ``MADV_DONTNEED`` on a shared or read-only mapping only unmaps pages, which the next read
    faults back in from the page cache; on a private copy-on-write mapping (``mode="c"``) it
    would discard the caller's changes, so those are left alone.
    """
    mm = getattr(arr, "_mmap", None)
    # numpy normalises the modes: "readonly" is "r", "readwrite" "r+", "write" "w+" (all
    # shared mappings) and "copyonwrite" "c" (private).
    if mm is None or getattr(arr, "mode", "c") not in ("r", "r+", "w+"):
        return
    advice = getattr(mmap, "MADV_DONTNEED", None)
    if advice is not None and hasattr(mm, "madvise"):
        try:
            mm.madvise(advice)
        except OSError:  # EINVAL on locked pages (mlockall): they stay, nothing is lost
            pass
