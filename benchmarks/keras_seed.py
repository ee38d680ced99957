"""Time and accuracy of TensorFlow/Keras fits of the question's data (``examples/keras_seed``).

Run from the repository root::

    python benchmarks/keras_seed.py            # about 1 minute on 2 cores
    python benchmarks/keras_seed.py --naive-epochs 3 --repeat 50

Prints a markdown table: wall time and the largest relative coefficient error against
``pytest_linreg.ols`` of the same data (intercept not included: its reference is ~1e-20).
Closed-form times count the conversion from numpy (``[1, X]`` built and copied into a tensor);
the note gives the solve alone, as a pipeline with its data already in tensors would see it.
The naive model's time to 1e-7 is extrapolated from its measured time per epoch and SGD's
per-epoch contraction along ``w1 - w2``, ``1 - lr * mu * steps_per_epoch`` (``mu`` the smallest
eigenvalue of the MSE Hessian): running it would take hours.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import numpy.typing as npt

import pytest_linreg as plr

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "keras_seed"
TARGET = 1e-7


@dataclass(frozen=True)
class Row:
    method: str
    seconds: float
    error: float
    note: str = ""
    extrapolated: bool = False


def _max_rel_error(coef: npt.ArrayLike, reference: plr.OLSResult) -> float:
    c = np.asarray(coef, np.float64).reshape(-1)
    return float(np.max(np.abs(c - reference.coef) / np.abs(reference.coef)))


def _median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = fn()  # warm-up: traces the tf.function
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _naive_rows(solvers: Any, ds: plr.Dataset, ref: plr.OLSResult, epochs: int) -> list[Row]:
    start = time.perf_counter()
    model = solvers.fit_naive_keras(ds.X, ds.y, epochs=epochs, seed=0)
    per_epoch = (time.perf_counter() - start) / epochs
    error = _max_rel_error(model.layers[-1].get_weights()[0], ref)
    contraction = 1.0 - 0.01 * solvers.momentum_schedule(ds.X).mu * math.ceil(ds.n / 64)
    epochs_needed = math.log(TARGET / error) / math.log(contraction)
    question_error = error * contraction ** (1000 - epochs)
    return [
        Row(
            f"Keras Dense(1), SGD 0.01, batch 64, sorted: {epochs} epochs",
            per_epoch * epochs,
            error,
            f"{per_epoch:.2f} s/epoch (measured)",
        ),
        Row(
            "same, 1000 epochs (the question)",
            per_epoch * 1000,
            question_error,
            "extrapolated: error x (1 - lr mu steps)^epochs",
            extrapolated=True,
        ),
        Row(
            f"same, to {TARGET:g}",
            per_epoch * epochs_needed,
            TARGET,
            f"extrapolated: {epochs_needed:,.0f} epochs",
            extrapolated=True,
        ),
    ]


def _closed_form_rows(solvers: Any, ds: plr.Dataset, ref: plr.OLSResult, repeat: int) -> list[Row]:
    rows = []
    for method, label in [
        ("normal_equations", "float64 normal equations (Cholesky)"),
        ("normal_equations_refined", "float64 normal equations + 1 refinement (CSNE)"),
        ("lstsq", "float64 tf.linalg.lstsq(fast=False)"),
        ("qr", "float64 Householder QR"),
    ]:
        seconds, (coef, _) = _median_time(
            functools.partial(solvers.solve_float64, ds.X, ds.y, method=method), repeat
        )
        A, b = solvers.design_tensors(ds.X, ds.y)
        solve_only, _ = _median_time(
            functools.partial(solvers.solve_design, A, b, method=method), repeat
        )
        note = f"median of {repeat}; {solve_only * 1e3:.1f} ms with the tensors already built"
        rows.append(Row(label, seconds, _max_rel_error(coef, ref), note))
    for steps in (0, 1, 2, 3):
        seconds, ((coef, _), _) = _median_time(
            functools.partial(solvers.solve_mixed_precision, ds.X, ds.y, refinements=steps),
            repeat,
        )
        label = "float32 QR" + (f" + {steps} float64 refinement{'s' * (steps > 1)}"
                                if steps else " alone")
        rows.append(Row(label, seconds, _max_rel_error(coef, ref), f"median of {repeat}"))
    return rows


def _trained_rows(solvers: Any, ds: plr.Dataset, ref: plr.OLSResult) -> list[Row]:
    log = solvers.TrainingLog()
    start = time.perf_counter()
    model = solvers.fit_keras_float64(ds.X, ds.y, tol=1e-9, log=log)
    seconds = time.perf_counter() - start
    trained = Row(
        "Keras Dense(1) float64, full batch, heavy ball from Hessian",
        seconds,
        _max_rel_error(model.layers[-1].get_weights()[0], ref),
        f"{log.steps} steps",
    )
    start = time.perf_counter()
    (coef, _), _ = solvers.fit_tf_gradient_descent(ds.X, ds.y, epochs=15, seed=0)
    gd = Row(
        "TF2 port of the question's GD (lr 0.01, batch 2000, shuffled, float32)",
        time.perf_counter() - start,
        _max_rel_error(coef, ref),
        "15 epochs; stalled",
    )
    return [trained, gd]


def _table(rows: list[Row]) -> str:
    lines = [
        "| method | time | max rel. coef error | reaches 1e-7 | note |",
        "| --- | ---: | ---: | :---: | --- |",
    ]
    for row in rows:
        shown = f"{row.seconds * 1e3:.1f} ms" if row.seconds < 1 else _seconds(row.seconds)
        ok = "yes" if row.error <= TARGET else "no"
        ok = f"({ok})" if row.extrapolated else ok
        lines.append(f"| {row.method} | {shown} | {row.error:.1e} | {ok} | {row.note} |")
    return "\n".join(lines)


def _seconds(s: float) -> str:
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-epochs", type=int, default=2, help="epochs of the naive model")
    parser.add_argument("--repeat", type=int, default=20, help="timings per closed form")
    args = parser.parse_args(argv)
    if args.naive_epochs < 1 or args.repeat < 1:
        parser.error("--naive-epochs and --repeat must be at least 1")

    sys.path.insert(0, str(EXAMPLE))
    import keras
    import tensorflow as tf

    seed_solvers = importlib.import_module("seed_solvers")  # the example's module, on sys.path

    ds = plr.make_sorted_poisson(100_000, seed=1443)
    ref = plr.ols(ds.X, ds.y)
    rows = _naive_rows(seed_solvers, ds, ref, args.naive_epochs)
    rows += _closed_form_rows(seed_solvers, ds, ref, args.repeat)
    rows += _trained_rows(seed_solvers, ds, ref)
    # The load average goes with the table: on a shared machine it explains slow timings.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, CPU only, {os.cpu_count()}"
        f" cores, load average {load}; n={ds.n}, cond={ref.condition_number:.0f}"
    )
    print(_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
