"""Designs that are not in memory: time and peak memory of ``ols`` on dask arrays and memmaps.

Run ``python benchmarks/blocked.py`` (about 15 minutes at the default sizes, and 9 GB of disk
in ``--dir`` for the memmap, kept there for a rerun). Three measurements, each in a fresh
subprocess so that its peak resident set (``ru_maxrss``) is its own, each printed as a
markdown row with the ratios against competitors measured in the same run:

1. ``lazy``: a dask array generated chunk by chunk (``--lazy-rows`` × 10, 3.2 GB at 4·10⁷) solved
   in a process whose address space is limited to ``--address-space`` GiB (``RLIMIT_AS``), so
   nothing can materialise X whole; against dask's own ``da.linalg.lstsq`` (TSQR, plain float64)
   under the same limit, and one pass over the chunks (``X.T @ y``);
2. ``memmap``: a ``--memmap-rows`` × 10 float64 file (8 GB at 10⁸), with ``y`` in a second
   file, solved with its peak RSS reported; against one blocked pass computing ``Xᵀy``; and a
   ``Dataset`` kept on the file with the first ``assert_coefficients_close`` on it (its
   tolerances derived in row blocks), with the peak RSS of the whole;
3. ``cluster``: ``--cluster-rows`` × 20 generated on a ``dask.distributed`` LocalCluster of two
   worker processes and kept there, against ``da.linalg.lstsq`` on the same cluster.

Nothing here asserts: the script prints, a person reads. ``--quick`` divides every size by 20.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _lazy_design(rows: int, cols: int, chunk_rows: int) -> tuple[Any, Any]:
    import dask.array as da
    import numpy as np

    rng = da.random.default_rng(1)
    X = rng.standard_normal((rows, cols), chunks=(chunk_rows, cols)) * np.logspace(0, 3, cols)
    X = X + np.linspace(0.0, 20.0, cols)
    y = X @ da.from_array(np.arange(1.0, cols + 1)) + rng.standard_normal(rows, chunks=chunk_rows)
    return X, y


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run_lazy(rows: int, address_space_gib: float, solver: str) -> dict[str, Any]:
    limit = int(address_space_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import dask
    import dask.array as da

    import pytest_linreg as plr

    X, y = _lazy_design(rows, 10, 1_000_000)
    if solver == "ols":
        seconds, res = _timed(lambda: plr.ols(X, y))
        detail = f"{res.iterations} refinement steps, converged={res.converged}"
    elif solver == "dask-lstsq":
        seconds, _ = _timed(lambda: dask.compute(da.linalg.lstsq(X, y)[0]))
        detail = "TSQR, float64"
    else:  # one pass
        seconds, _ = _timed(lambda: (X.T @ y).compute())
        detail = "X.T @ y"
    return {"seconds": seconds, "peak_rss_mib": _peak_rss_mib(), "detail": detail}


def write_memmap(directory: Path, rows: int, cols: int) -> tuple[Path, Path]:
    import numpy as np

    x_path, y_path = directory / "X.f8", directory / "y.f8"
    if x_path.exists() and x_path.stat().st_size == rows * cols * 8 and y_path.exists():
        return x_path, y_path
    rng = np.random.default_rng(2)
    beta = np.arange(1.0, cols + 1)
    with x_path.open("wb") as fx, y_path.open("wb") as fy:
        for start in range(0, rows, 1_000_000):
            m = min(1_000_000, rows - start)
            X = rng.standard_normal((m, cols)) * np.logspace(0, 3, cols) + 7.0
            X.tofile(fx)
            (X @ beta + rng.standard_normal(m)).tofile(fy)
    return x_path, y_path


def run_memmap(directory: Path, rows: int, solver: str) -> dict[str, Any]:
    import numpy as np

    import pytest_linreg as plr

    x_path, y_path = write_memmap(directory, rows, 10)
    X = np.memmap(x_path, dtype=np.float64, mode="r", shape=(rows, 10))
    y = np.memmap(y_path, dtype=np.float64, mode="r", shape=(rows,))
    if solver == "ols":
        seconds, res = _timed(lambda: plr.ols(X, y))
        detail = f"{res.iterations} refinement steps, converged={res.converged}"
    elif solver == "dataset":  # a Dataset kept on the file, and the first assertion on it
        from pytest_linreg._records import collecting

        built, ds = _timed(lambda: plr.Dataset.from_arrays("disk", X, y))
        with collecting():
            seconds, _ = _timed(lambda: plr.assert_coefficients_close(ds.float_reference, ds))
        detail = (f"after Dataset.from_arrays (its ols) in {built:.3g} s; X kept as a "
                  f"{type(ds.X).__name__}; tolerances derived from the file in row blocks")
    else:  # one blocked pass, releasing pages as ols does
        from pytest_linreg._row_blocks import row_blocks

        source = row_blocks(X, y)
        seconds, _ = _timed(lambda: source.map(lambda Xb, Yb, _arg: Xb.T @ Yb, None))
        detail = "X.T @ y in the same blocks"
    return {"seconds": seconds, "peak_rss_mib": _peak_rss_mib(), "detail": detail}


def run_cluster(rows: int) -> dict[str, Any]:
    import dask
    import dask.array as da
    import distributed

    import pytest_linreg as plr

    out: dict[str, Any] = {}
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        X, y = _lazy_design(rows, 20, 500_000)
        X, y = client.persist(X), client.persist(y)
        distributed.wait([X, y])
        out["ols"], res = _timed(lambda: plr.ols(X, y))
        out["dask-lstsq"], _ = _timed(lambda: dask.compute(da.linalg.lstsq(X, y)[0]))
        out["one-pass"], _ = _timed(lambda: (X.T @ y).compute())
        out["detail"] = f"{res.iterations} refinement steps"
    return out


def _child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(HERE), "--child", *args], capture_output=True, text=True, check=False
    )
    if proc.returncode:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _row(name: str, r: dict[str, Any], base: dict[str, Any] | None) -> str:
    if "error" in r:
        return f"| {name} | failed: {r['error']} | | | |"
    ratio = f"{r['seconds'] / base['seconds']:.2f}" if base and "seconds" in base else ""
    return (
        f"| {name} | {r['seconds']:.3g} | {r['peak_rss_mib']:.0f} | {ratio} | {r['detail']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lazy-rows", type=float, default=4e7)
    parser.add_argument("--address-space", type=float, default=2.5)
    parser.add_argument("--memmap-rows", type=float, default=1e8)
    parser.add_argument("--cluster-rows", type=float, default=1e7)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "linreg-bench")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["lazy", "memmap", "cluster"], action="append")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "lazy":
            result = run_lazy(int(float(rest[0])), float(rest[1]), rest[2])
        elif kind == "memmap":
            result = run_memmap(Path(rest[0]), int(float(rest[1])), rest[2])
        else:
            result = run_cluster(int(float(rest[0])))
        print(json.dumps(result))
        return
    shrink = 20 if args.quick else 1
    only = set(args.only or ["lazy", "memmap", "cluster"])
    header = "| solver | seconds | peak RSS MiB | time / ols | notes |\n|---|---|---|---|---|"
    if "lazy" in only:
        rows = int(args.lazy_rows / shrink)
        print(f"\n### lazy dask array, {rows:.3g} x 10 ({rows * 80 / 1e9:.2g} GB), "
              f"RLIMIT_AS {args.address_space} GiB\n\n{header}")
        base = _child(["lazy", str(rows), str(args.address_space), "ols"])
        print(_row("pytest_linreg.ols", base, None))
        for solver in ("dask-lstsq", "one-pass"):
            r = _child(["lazy", str(rows), str(args.address_space), solver])
            print(_row(solver, r, base))
    if "memmap" in only:
        rows = int(args.memmap_rows / shrink)
        args.dir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        write_memmap(args.dir, rows, 10)
        print(f"\n### numpy memmap, {rows:.3g} x 10 ({rows * 80 / 1e9:.2g} GB; written in "
              f"{time.perf_counter() - start:.0f} s)\n\n{header}")
        base = _child(["memmap", str(args.dir), str(rows), "ols"])
        print(_row("pytest_linreg.ols", base, None))
        print(_row("one blocked pass", _child(["memmap", str(args.dir), str(rows), "pass"]), base))
        first = _child(["memmap", str(args.dir), str(rows), "dataset"])
        print(_row("first assert_coefficients_close on a Dataset of the file", first, base))
    if "cluster" in only:
        rows = int(args.cluster_rows / shrink)
        r = _child(["cluster", str(rows)])
        print(f"\n### LocalCluster (2 worker processes), {rows:.3g} x 20 kept on the workers\n")
        if "error" in r:
            print(f"failed: {r['error']}")
        else:
            print("| solver | seconds | time / ols |\n|---|---|---|")
            for name in ("ols", "dask-lstsq", "one-pass"):
                print(f"| {name} | {r[name]:.3g} | {r[name] / r['ols']:.2f} |")
            print(f"\n({r['detail']})")


if __name__ == "__main__":
    main()
