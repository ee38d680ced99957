"""The compiled residual kernel (``pytest_linreg/_eft_kernel.c``) against the numpy code.

The kernel promises the numpy code's results bit for bit (same operations, same order; with
a fused multiply-add, the same exact product errors away from underflow, which these designs
keep clear of), so the accuracy tests of ``test_extended.py`` (run on both) carry over, and
``ols`` gives the same answer, with the same number of refinement steps, whichever is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import pytest_linreg as plr
import pytest_linreg._extended as ext
from pytest_linreg._extended import ScaledDesign, augmented_residual_parts, residual_dd

FloatArray = npt.NDArray[np.float64]

needs_kernel = pytest.mark.skipif(ext.kernel is None, reason="the compiled kernel is not built")


def test_the_kernel_is_built_where_the_tests_run() -> None:
    """CI installs with a C compiler: a silently missing kernel would hide its speed loss."""
    if os.environ.get("PYTEST_LINREG_NO_KERNEL", "") not in ("", "0"):
        pytest.skip("PYTEST_LINREG_NO_KERNEL turns the kernel off")
    assert ext.kernel is not None, "pytest_linreg._eft_kernel was not compiled"


@needs_kernel
def test_the_kernel_says_how_it_forms_product_errors() -> None:
    assert ext.kernel is not None
    assert ext.kernel.product_error() in ("fma", "dekker")


def test_the_environment_variable_turns_the_kernel_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_LINREG_NO_KERNEL", "1")
    assert ext._load_kernel() is None
    monkeypatch.setenv("PYTEST_LINREG_NO_KERNEL", "0")
    assert (ext._load_kernel() is None) == (ext.kernel is None)


def _both(fn: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """``fn()`` on the kernel, then on the numpy code."""
    compiled = fn()
    with monkeypatch.context() as m:
        m.setattr(ext, "kernel", None)
        return compiled, fn()


def _same_bits(a: FloatArray, b: FloatArray) -> bool:
    return bool(np.array_equal(a.view(np.int64), b.view(np.int64)))


def _case(rng: np.random.Generator, n: int, p: int, intercept: bool) -> dict[str, Any]:
    X = rng.standard_normal((n, p)) * np.exp2(rng.integers(-30, 30, p))
    X[rng.random((n, p)) < 0.1] = 0.0  # exact zeros: the signs of zero must match too
    if rng.random() < 0.3:
        X = np.asfortranarray(X)
    k = p + int(intercept)
    scale = np.exp2(-rng.integers(-30, 30, k).astype(float))
    design = ScaledDesign(X, scale, intercept)
    r_hi = rng.standard_normal(n) * 1e-3
    x_hi = rng.standard_normal(k)
    return {
        "AT": design if rng.random() < 0.7 else design.transposed(),
        "b": rng.standard_normal(n),
        "r_hi": r_hi,
        "r_lo": r_hi * 2.0**-56 * rng.standard_normal(n) if rng.random() < 0.7 else np.zeros(n),
        "x_hi": x_hi,
        "x_lo": x_hi * 2.0**-56 * rng.standard_normal(k) if rng.random() < 0.7 else np.zeros(k),
    }


@pytest.fixture(params=["fma", "dekker"])
def product_error(request: pytest.FixtureRequest) -> Iterator[str]:
    """The kernel with each way of forming product errors that this processor has."""
    if ext.kernel is None:
        pytest.skip("the compiled kernel is not built")
    try:
        previous = ext.kernel.use_product_error(request.param)
    except ValueError as exc:
        pytest.skip(str(exc))
    yield str(request.param)
    ext.kernel.use_product_error(previous)


def test_choosing_the_product_error_is_checked() -> None:
    if ext.kernel is None:
        pytest.skip("the compiled kernel is not built")
    with pytest.raises(ValueError, match="'dekker' or 'fma'"):
        ext.kernel.use_product_error("fast")
    with pytest.raises(ValueError, match="'dekker' or 'fma'"):
        ext.kernel.use_product_error(1)
    with pytest.raises(ValueError, match="'dekker' or 'fma'"):
        ext.kernel.use_product_error("fma\0x")  # an embedded NUL is not "fma"
    assert ext.kernel.product_error() in ("fma", "dekker")  # unchanged by the refusals


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [8, 14, 20])
def test_a_last_block_of_one_row_is_summed_in_order_on_both_paths(
    k: int, seed: int, product_error: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """numpy sums one column pairwise; the numpy code adds its rows in order, as the kernel."""
    block = max(64, 32768 // k)
    n = block + 1
    rng = np.random.default_rng(seed)
    AT = rng.standard_normal((k, n))
    x_hi = rng.standard_normal(k)
    x_lo = x_hi * 2.0**-55
    r_hi = rng.standard_normal(n) * 1e-3
    b = AT.T @ x_hi + r_hi  # cancelling: the residual's last bits depend on the order
    (f1, g1), (f2, g2) = _both(
        lambda: augmented_residual_parts(AT, b, r_hi, np.zeros(n), x_hi, x_lo), monkeypatch
    )
    assert _same_bits(f1, f2) and _same_bits(g1, g2)
    (h1, l1), (h2, l2) = _both(lambda: residual_dd(AT, b, x_hi, x_lo), monkeypatch)
    assert _same_bits(h1, h2) and _same_bits(l1, l2)


@needs_kernel
def test_misaligned_data_are_aligned_for_the_kernel() -> None:
    """``np.frombuffer`` at an odd offset gives a misaligned array: copied, not read unaligned."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((50, 3))
    y = X @ [1.0, 2.0, 3.0] + 0.1 * rng.standard_normal(50)
    raw_X = np.frombuffer(b"\0" + X.tobytes(), dtype=np.float64, offset=1).reshape(50, 3)
    raw_y = np.frombuffer(b"\0" + y.tobytes(), dtype=np.float64, offset=1)
    assert not raw_X.flags.aligned and not raw_y.flags.aligned
    assert _same_bits(plr.ols(raw_X, raw_y).params, plr.ols(X, y).params)


@pytest.mark.parametrize("seed", range(40))
def test_the_kernel_gives_the_numpy_codes_residuals_bit_for_bit(
    seed: int, product_error: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ext.kernel is not None and ext.kernel.product_error() == product_error
    rng = np.random.default_rng(seed)
    # Sizes around the block length (32768 // k rows), partial last blocks included.
    p = int(rng.integers(1, 40))
    k = p + 1
    block = max(64, 32768 // k)
    n = int(rng.choice([k, 50, block - 1, block + 2, 2 * block + 5, int(rng.integers(k, 4000))]))
    n = max(n, k)
    case = _case(rng, n, p, bool(rng.integers(2)))
    triple = bool(rng.integers(2))
    g_vector = None
    if rng.random() < 0.4:  # weighted refinement: g of a vector other than r
        v = rng.standard_normal(n)
        g_vector = (v, v * 2.0**-57 if rng.random() < 0.7 else np.zeros(n))
    (f1, acc1), (f2, acc2) = _both(
        lambda: augmented_residual_parts(**case, triple=triple, g_vector=g_vector), monkeypatch
    )
    assert _same_bits(f1, f2) and _same_bits(acc1, acc2)
    (h1, l1), (h2, l2) = _both(
        lambda: residual_dd(case["AT"], case["b"], case["x_hi"], case["x_lo"]), monkeypatch
    )
    assert _same_bits(h1, h2) and _same_bits(l1, l2)


@pytest.mark.parametrize("name", ["Longley", "Filip", "Wampler4", "Pontius", "NoInt1"])
def test_ols_is_the_same_with_and_without_the_kernel(
    name: str, product_error: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = plr.load_dataset(name)
    r1, r2 = _both(
        lambda: plr.ols(data.X, data.y, fit_intercept=data.fit_intercept), monkeypatch
    )
    assert _same_bits(r1.params, r2.params)
    assert (r1.iterations, r1.method) == (r2.iterations, r2.method)


@needs_kernel
def test_the_kernel_refuses_arguments_of_the_wrong_kind() -> None:
    k, n = 3, 10
    assert ext.kernel is not None
    X, scale, x = np.ones((n, k - 1)), np.ones(k), np.ones(k)
    f, b = np.empty(n), np.ones(n)

    def call(**changes: Any) -> None:
        args: dict[str, Any] = {
            "X": X, "scale": scale, "intercept": True, "b": b, "r_hi": b, "r_lo": None,
            "x_hi": x, "x_lo": None, "g_hi": None, "g_lo": None, "triple": False, "block": n,
            "f": f, "res_hi": None, "res_lo": None, "acc0": None, "acc1": None, "acc2": None,
        }
        args.update(changes)
        assert ext.kernel is not None
        ext.kernel.residuals(*args.values())

    call()  # the arguments above are right
    with pytest.raises(ValueError, match="X must be a 2-d float64 array"):
        call(X=np.ones((n, k - 1), dtype=np.float32))
    with pytest.raises(ValueError, match="b has 9 entries, expected 10"):
        call(b=np.ones(n - 1))
    with pytest.raises(ValueError, match="must be contiguous"):
        call(r_hi=np.ones(2 * n)[::2])
    with pytest.raises(ValueError, match="need k >= 1 entries"):
        call(x_hi=np.ones(k + 1))
    with pytest.raises(ValueError, match="need k >= 1 entries"):  # k = 0: nothing to sum
        call(X=np.ones((n, 0)), scale=np.ones(0), intercept=False, x_hi=np.ones(0))
    with pytest.raises(ValueError, match="block must be between 1 and the number of rows"):
        call(block=2**62)  # would overflow the scratch's size
    with pytest.raises(ValueError, match="block must be between 1 and the number of rows"):
        call(block=0)
    misaligned = np.frombuffer(b"\0" + np.ones(n).tobytes(), dtype=np.float64, offset=1)
    with pytest.raises(ValueError, match="b must be aligned to 8 bytes"):
        call(b=misaligned)
    with pytest.raises(ValueError, match="X must be a 2-d float64 array"):
        call(X=np.ones((n, k - 1), dtype=">f8" if np.little_endian else "<f8"))
    with pytest.raises(ValueError, match=r"acc0 must be a C-contiguous \(3, 10\) array"):
        call(g_hi=b, acc0=np.zeros((k, n + 1)), acc1=np.zeros((k, n)))
    with pytest.raises(ValueError, match="an output or its input is missing"):
        call(f=None)
    with pytest.raises(TypeError, match="x_hi must be an array"):
        call(x_hi=None)
    read_only = np.empty(n)
    read_only.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        call(f=read_only)


@pytest.mark.parametrize(
    ("flags", "message"),
    [(["-ffast-math"], "IEEE arithmetic"), (["-fassociative-math", "-fno-signed-zeros",
      "-fno-trapping-math"], "IEEE arithmetic")],
)
def test_the_kernel_refuses_to_compile_with_unsafe_math(flags: list[str], message: str) -> None:
    """Reassociation would turn TwoSum's error term into 0: the source refuses such flags."""
    import shutil
    import subprocess
    import sysconfig
    from pathlib import Path

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler")
    source = Path(ext.__file__).with_name("_eft_kernel.c")
    if not source.exists():
        pytest.skip("installed without the kernel's source")
    include = sysconfig.get_paths()["include"]
    proc = subprocess.run(
        [compiler, "-fsyntax-only", *flags, f"-I{include}", str(source)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr


@needs_kernel
def test_folding_checks_its_accumulators() -> None:
    assert ext.kernel is not None
    acc0, acc1 = np.zeros((3, 40)), np.zeros((3, 40))
    assert ext.kernel.fold(acc0, acc1, None, 16) == 10  # 40 -> 20 -> 10
    with pytest.raises(ValueError, match=r"acc1 must be a C-contiguous \(3, 40\) array"):
        ext.kernel.fold(acc0, np.zeros((3, 41)), None, 16)
    with pytest.raises(ValueError, match=r"acc2 must be a C-contiguous \(3, 40\) array"):
        ext.kernel.fold(acc0, acc1, np.zeros((40, 3)).T, 16)
    with pytest.raises(ValueError, match="at least 1"):
        ext.kernel.fold(acc0, acc1, None, 0)


def test_concurrent_solves_give_the_serial_answers() -> None:
    """The kernel releases the GIL while it computes: calls in threads overlap."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(11)
    problems = []
    for _ in range(6):
        n, p = int(rng.integers(500, 20000)), int(rng.integers(1, 25))
        X = rng.standard_normal((n, p))
        problems.append((X, X @ rng.standard_normal(p) + rng.standard_normal(n)))
    serial = [plr.ols(X, y).params for X, y in problems]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            threaded = list(pool.map(lambda problem: plr.ols(*problem).params, problems))
            assert all(_same_bits(a, b) for a, b in zip(serial, threaded, strict=True))
