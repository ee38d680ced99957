"""Row blocks of a design that is not one in-memory array: numpy memmaps and dask arrays.

The chunked reference (:mod:`pytest_linreg._chunked`) never holds X whole. Each of its passes
maps a kernel over blocks of rows and keeps only the kernel's small results (k-vectors,
k × k factors), in block order:

* a numpy memmap is read a few blocks at a time (one per core), and the mapping's pages are
  released after each block, so the resident set stays near those blocks rather than growing
  to the file's size;
* a dask array runs the kernel as one task per row chunk, wherever dask runs tasks (threads,
  processes, a ``dask.distributed`` cluster): the chunks never travel to the caller.

dask is imported only when the input is a dask object (it is an optional dependency).
"""

from __future__ import annotations

import os
import sys
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from ._pages import release_pages
from ._validation import as_design, as_sample_weight

__all__ = ["MEMMAP_BLOCK_ELEMENTS", "RowBlocks", "is_out_of_core", "row_blocks"]

FloatArray = npt.NDArray[np.float64]

#: Entries of X per block read from a memmap: 4 Mi float64 = 32 MiB.
MEMMAP_BLOCK_ELEMENTS = 1 << 22
#: At most this many blocks of a memmap are worked on at once (one thread each).
MAX_MEMMAP_THREADS = 4

#: A kernel: ``kernel(X_block (m, p), Y_block (m, q), per_block_arg, *shared) -> result``.
Kernel = Callable[..., Any]


def _dask_array_type() -> type | None:
    module = sys.modules.get("dask.array")
    return getattr(module, "Array", None) if module is not None else None


def _is_dask_collection(value: Any) -> bool:
    return type(value).__module__.split(".")[0] in ("dask", "dask_expr")


def is_out_of_core(value: Any) -> bool:
    """Whether ``value`` is read in row blocks: a numpy memmap or a dask array.

    A dask DataFrame or Series is refused with the conversion to use (its partitions have no
    known lengths, which the blocks need).
    """
    if isinstance(value, np.memmap):
        return True
    array_type = _dask_array_type()
    if array_type is not None and isinstance(value, array_type):
        return True
    if _is_dask_collection(value):
        raise TypeError(
            f"{type(value).__name__} from dask is not an array; pass "
            "df.to_dask_array(lengths=True) (a dask array with known chunk sizes)"
        )
    return False


class RowBlocks(ABC):
    """Consecutive blocks of rows of ``X`` (n × p) and ``Y`` (n × q), mapped by kernels.

    Attributes
    ----------
    n, p, q : int
        Rows, columns of X, and columns (outputs) of Y.
    weighted : bool
        Whether observation weights travel with the blocks, as Y's last column.
    starts : list of int
        First row of each block (so that a kernel's local row index can be reported).
    """

    n: int
    p: int
    q: int
    weighted: bool = False
    starts: list[int]

    @property
    def columns(self) -> int:
        """Columns of each Y block: the outputs, then the weights when weighted."""
        return self.q + int(self.weighted)

    @abstractmethod
    def map(self, kernel: Kernel, per_block: Sequence[Any] | None, *shared: Any) -> list[Any]:
        """``[kernel(X_i, Y_i, per_block[i], *shared) for each block i]``, in block order.

        ``X_i`` and ``Y_i`` reach the kernel as float64 arrays of shape ``(m, p)`` and
        ``(m, q)``, or ``(m, q + 1)`` with the weights last when :attr:`weighted`.
        """

    @abstractmethod
    def materialise(self) -> tuple[FloatArray, FloatArray]:
        """X and Y whole (weights last when weighted), in memory, for small problems."""

    @property
    @abstractmethod
    def description(self) -> str:
        """How the rows are blocked, for messages: ``'dask array in 4 chunks'``."""


def row_blocks(X: Any, y: Any, sample_weight: Any = None) -> RowBlocks:
    """The blocks of ``X`` (a memmap or a dask array) with the response ``y`` and weights.

    Raises ``TypeError``/``ValueError`` naming the problem for a non-numeric dtype, a shape
    that is not 2-D, unknown dask chunk sizes or a response or weights of another length.
    The weights' values (finite, ≥ 0) are checked block by block by the caller's first pass.
    """
    array_type = _dask_array_type()
    if array_type is not None and isinstance(X, array_type):
        return _DaskRows(X, y, sample_weight)
    if isinstance(X, np.memmap):
        return _MemmapRows(X, y, sample_weight)
    # X in memory with y out of core: X is checked as in memory (lists, object arrays of
    # ints); a dask y (or weights) is read whole (one vector per output).
    return _MemmapRows(as_design(X), y, sample_weight)


def _weights_shape(shape: tuple[Any, ...], n: int) -> None:
    if len(shape) != 1 or shape[0] != n:
        raise ValueError(
            f"sample_weight must have shape ({n},) to match X, or be a scalar; got {shape}"
        )


def _check_design(shape: tuple[Any, ...], dtype: np.dtype[Any], what: str = "X") -> None:
    if len(shape) != 2:
        raise ValueError(f"{what} must be 2-D (n, p); got shape {shape}")
    if shape[1] == 0:
        raise ValueError(f"{what} has no columns (shape {shape}); expected at least one feature")
    _check_dtype(dtype, what)


def _check_dtype(dtype: np.dtype[Any], what: str) -> None:
    if dtype.kind == "c":
        raise TypeError(f"{what} has complex dtype {dtype}; least squares here is real-valued")
    if dtype.kind not in "biuf":
        raise TypeError(f"{what} has non-numeric dtype {dtype}; expected numbers")


def _response_shape(shape: tuple[Any, ...], n: int) -> int:
    """Number of outputs of a response of ``shape`` for ``n`` rows, or a ValueError."""
    if len(shape) not in (1, 2) or shape[0] != n:
        raise ValueError(f"y must have shape ({n},) or ({n}, k) to match X; got {shape}")
    q = 1 if len(shape) == 1 else int(shape[1])
    if q == 0:
        raise ValueError("y has no columns")
    return q


def _as_float_block(block: Any, columns: int) -> FloatArray:
    out: FloatArray = np.asarray(block, dtype=np.float64).reshape(-1, columns)
    return out


def _call(kernel: Kernel, X: Any, Y: Any, arg: Any, p: int, q: int, *shared: Any) -> Any:
    return kernel(_as_float_block(X, p), _as_float_block(Y, q), arg, *shared)


class _MemmapRows(RowBlocks):
    """Blocks of an in-process array, typically a numpy memmap, read one at a time."""

    def __init__(self, X: npt.NDArray[Any], y: Any, sample_weight: Any = None) -> None:
        _check_design(X.shape, X.dtype)
        self.X = X
        self.n, self.p = int(X.shape[0]), int(X.shape[1])
        y_arr = y if isinstance(y, np.ndarray) else np.asarray(y)
        _check_dtype(y_arr.dtype, "y")
        self.q = _response_shape(y_arr.shape, self.n)
        self.y = y_arr.reshape(self.n, self.q) if y_arr.ndim == 1 else y_arr
        self.w: npt.NDArray[Any] | None = None
        if isinstance(sample_weight, np.memmap):  # read by blocks: values checked there
            _check_dtype(sample_weight.dtype, "sample_weight")
            _weights_shape(sample_weight.shape, self.n)
            self.w, self.weighted = sample_weight, True
        elif sample_weight is not None:  # in memory (a dask array is read whole): as ols does
            self.w = as_sample_weight(np.asarray(sample_weight), self.n)
            self.weighted = True
        rows = max(1, MEMMAP_BLOCK_ELEMENTS // max(self.p, 1))
        self.starts = list(range(0, self.n, rows)) or [0]
        self._stops = [*self.starts[1:], self.n]

    @property
    def description(self) -> str:
        kind = "numpy memmap" if isinstance(self.X, np.memmap) else "array"
        return f"{kind} read in {len(self.starts)} blocks"

    def map(self, kernel: Kernel, per_block: Sequence[Any] | None, *shared: Any) -> list[Any]:
        """Blocks on up to one thread per core, a core's worth of blocks in flight at a time.

        numpy releases the GIL in the kernels' array operations; the results come back in
        block order, each a function of its block alone, so they do not depend on threads.
        """

        def run(i: int) -> Any:
            start, stop = self.starts[i], self._stops[i]
            arg = None if per_block is None else per_block[i]
            return _call(kernel, self.X[start:stop], self._y_block(start, stop), arg, self.p,
                         self.columns, *shared)

        def collect(future: Future[Any]) -> Any:
            result = future.result()
            for arr in (self.X, self.y, self.w):  # a block another thread reads faults back in
                release_pages(arr)
            return result

        workers = min(os.cpu_count() or 1, len(self.starts), MAX_MEMMAP_THREADS)
        out: list[Any] = []
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[Future[Any]] = deque()
            for i in range(len(self.starts)):
                pending.append(pool.submit(run, i))
                if len(pending) >= workers:
                    out.append(collect(pending.popleft()))
            out.extend(collect(f) for f in pending)
        return out

    def _y_block(self, start: int, stop: int) -> npt.NDArray[Any]:
        if self.w is None:
            return self.y[start:stop]
        return np.column_stack([self.y[start:stop], self.w[start:stop]])

    def materialise(self) -> tuple[FloatArray, FloatArray]:
        Y = _as_float_block(self._y_block(0, self.n), self.columns)
        return _as_float_block(self.X, self.p), Y


class _DaskRows(RowBlocks):
    """The row chunks of a dask array; each pass is one dask computation of small results."""

    def __init__(self, X: Any, y: Any, sample_weight: Any = None) -> None:
        import dask.array as da

        _check_design(tuple(X.shape), X.dtype)
        if any(isinstance(c, float) and np.isnan(c) for c in X.chunks[0]):
            raise ValueError(
                "X's chunk sizes are unknown (NaN); call X.compute_chunk_sizes() first"
            )
        self.n, self.p = int(X.shape[0]), int(X.shape[1])
        if len(X.chunks[1]) > 1:  # every block needs all columns of its rows
            X = X.rechunk({1: -1})
        self.X = X
        y_dask = y if isinstance(y, da.Array) else da.from_array(np.asarray(y), chunks=-1)
        _check_dtype(y_dask.dtype, "y")
        if y_dask.ndim and any(isinstance(c, float) and np.isnan(c) for c in y_dask.chunks[0]):
            raise ValueError(
                "y's chunk sizes are unknown (NaN); call y.compute_chunk_sizes() first"
            )
        self.q = _response_shape(tuple(y_dask.shape), self.n)
        if y_dask.ndim == 1:
            y_dask = y_dask[:, None]
        if sample_weight is not None:
            w = sample_weight
            if not isinstance(w, da.Array):  # in memory: checked whole, as ols does
                w = da.from_array(as_sample_weight(w, self.n), chunks=-1)
            _check_dtype(w.dtype, "sample_weight")
            if w.ndim and any(isinstance(c, float) and np.isnan(c) for c in w.chunks[0]):
                raise ValueError(
                    "sample_weight's chunk sizes are unknown (NaN); call "
                    "sample_weight.compute_chunk_sizes() first"
                )
            _weights_shape(tuple(w.shape), self.n)
            y_dask = da.concatenate([y_dask, w[:, None]], axis=1)
            self.weighted = True
        self.Y = y_dask.rechunk((X.chunks[0], -1))
        self.starts = [int(s) for s in np.cumsum((0, *X.chunks[0][:-1]))]

    @property
    def description(self) -> str:
        return f"dask array in {len(self.starts)} chunks"

    def map(self, kernel: Kernel, per_block: Sequence[Any] | None, *shared: Any) -> list[Any]:
        import dask

        xs = self.X.to_delayed().ravel()
        ys = self.Y.to_delayed().ravel()
        call = dask.delayed(_call, pure=False)
        args = [None] * len(xs) if per_block is None else per_block
        tasks = [
            call(kernel, xd, yd, arg, self.p, self.columns, *shared)
            for xd, yd, arg in zip(xs, ys, args, strict=True)
        ]
        return list(dask.compute(*tasks))

    def materialise(self) -> tuple[FloatArray, FloatArray]:
        import dask

        X, Y = dask.compute(self.X, self.Y)
        return _as_float_block(X, self.p), _as_float_block(Y, self.columns)
