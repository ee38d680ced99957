"""Error-free transformations and the extended-precision residuals, checked with Fractions.

Every test runs twice: with the compiled kernel (``_eft_kernel``) and with the numpy code.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pytest

from pytest_linreg._extended import (
    ScaledDesign,
    augmented_residuals,
    dd_add,
    split,
    two_sum,
)

FloatArray = npt.NDArray[np.float64]


@pytest.fixture(autouse=True, params=["kernel", "numpy"])
def residual_code(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test on the compiled kernel, then on the numpy code."""
    import pytest_linreg._extended as ext

    if request.param == "numpy":
        monkeypatch.setattr(ext, "kernel", None)
    elif ext.kernel is None:
        pytest.skip("the compiled kernel is not built here")
    return str(request.param)


def test_two_sum_is_error_free() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal(1000) * 10.0 ** rng.integers(-20, 20, 1000)
    b = rng.standard_normal(1000) * 10.0 ** rng.integers(-20, 20, 1000)
    s, e = two_sum(a, b)
    for ai, bi, si, ei in zip(a, b, s, e, strict=True):
        assert Fraction(ai) + Fraction(bi) == Fraction(si) + Fraction(ei)
        assert si == ai + bi


def test_split_halves_have_26_bits_and_add_up() -> None:
    rng = np.random.default_rng(1)
    a = rng.standard_normal(1000) * 10.0 ** rng.integers(-50, 50, 1000)
    hi, lo = split(a)
    np.testing.assert_array_equal(hi + lo, a)
    # hi * hi is exact: 26-bit significands multiply without rounding.
    for h in hi[:100]:
        assert Fraction(h) * Fraction(h) == Fraction(h * h)


def test_dd_add_keeps_the_exact_sum_normalised() -> None:
    hi, lo = np.array([1.0, -3.0]), np.array([2.0**-60, 0.0])
    d = np.array([2.0**-70, 2.0**-55])
    new_hi, new_lo = dd_add(hi, lo, d)
    for i in range(2):
        assert Fraction(new_hi[i]) + Fraction(new_lo[i]) == Fraction(hi[i]) + Fraction(
            lo[i]
        ) + Fraction(d[i])
        assert abs(new_lo[i]) <= np.spacing(abs(new_hi[i]))


def _exact_residuals(
    AT: FloatArray, b: FloatArray, rh: FloatArray, rl: FloatArray, xh: FloatArray, xl: FloatArray
) -> tuple[list[Fraction], list[Fraction]]:
    k, n = AT.shape
    x = [Fraction(xh[j]) + Fraction(xl[j]) for j in range(k)]
    r = [Fraction(rh[i]) + Fraction(rl[i]) for i in range(n)]
    f = [Fraction(b[i]) - r[i] - sum(Fraction(AT[j, i]) * x[j] for j in range(k)) for i in range(n)]
    g = [-sum((Fraction(AT[j, i]) * r[i] for i in range(n)), Fraction(0)) for j in range(k)]
    return f, g


@pytest.mark.parametrize("triple", [False, True], ids=["double-double", "triple"])
def test_augmented_residuals_round_the_exact_values(triple: bool) -> None:
    rng = np.random.default_rng(2)
    k, n = 4, 200
    AT = rng.standard_normal((k, n)) * np.array([[1.0], [1e-8], [1e6], [3.0]])
    xh = rng.standard_normal(k)
    xl = xh * 2.0**-60
    # A residual that nearly cancels b - A x: the hard case for plain float64.
    rh = rng.standard_normal(n) * 1e-3
    rl = rh * 2.0**-58
    b = AT.T @ xh + rh
    f, g = augmented_residuals(AT, b, rh, rl, xh, xl, triple=triple)
    fe, ge = _exact_residuals(AT, b, rh, rl, xh, xl)
    # Accurate to O(u²) of the terms: at these sizes, that is nearly always the rounded value.
    scale_f = np.abs(b) + np.abs(rh) + np.abs(AT.T) @ np.abs(xh)
    assert np.all(
        np.abs(f - np.array([float(v) for v in fe])) <= 2.0**-100 * scale_f + np.spacing(np.abs(f))
    )
    scale_g = np.abs(AT) @ np.abs(rh)
    assert np.all(
        np.abs(g - np.array([float(v) for v in ge])) <= 2.0**-100 * scale_g + np.spacing(np.abs(g))
    )


def test_blocks_do_not_change_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    import pytest_linreg._extended as ext

    rng = np.random.default_rng(3)
    AT = rng.standard_normal((3, 1000))
    b, rh, rl = rng.standard_normal(1000), rng.standard_normal(1000), np.zeros(1000)
    xh, xl = rng.standard_normal(3), np.zeros(3)
    f1, g1 = augmented_residuals(AT, b, rh, rl, xh, xl)
    monkeypatch.setattr(ext, "_BLOCK_ELEMENTS", 3 * 64)
    f2, g2 = augmented_residuals(AT, b, rh, rl, xh, xl)
    np.testing.assert_array_equal(f1, f2)
    np.testing.assert_array_max_ulp(g1, g2, maxulp=1)


@pytest.mark.parametrize("triple", [False, True], ids=["double-double", "triple"])
def test_g_of_a_separate_vector_plus_exact_addends(triple: bool) -> None:
    """Weighted/penalised refinement: ``g = -Aᵀv + Σ addends`` with ``v`` ≠ ``r``, rounded once."""
    rng = np.random.default_rng(4)
    k, n = 3, 150
    AT = rng.standard_normal((k, n))
    xh, xl = rng.standard_normal(k), np.zeros(k)
    rh, rl = rng.standard_normal(n), np.zeros(n)
    b = AT.T @ xh + rh
    vh = rng.standard_normal(n)
    vl = vh * 2.0**-57
    # Addends that nearly cancel -Aᵀv: the case where rounding them first would lose g.
    exact_atv = [
        sum(Fraction(AT[j, i]) * (Fraction(vh[i]) + Fraction(vl[i])) for i in range(n))
        for j in range(k)
    ]
    hi = np.array([float(v) for v in exact_atv])
    lo = np.array([float(v - Fraction(h)) for v, h in zip(exact_atv, hi, strict=True)])
    tiny = np.array([2.0**-80, -(2.0**-90), 0.0])
    f, g = augmented_residuals(
        AT, b, rh, rl, xh, xl, triple=triple, g_vector=(vh, vl), g_addends=(hi, lo, tiny)
    )
    fe, _ = _exact_residuals(AT, b, rh, rl, xh, xl)  # f does not depend on the g arguments
    scale_f = np.abs(b) + np.abs(rh) + np.abs(AT.T) @ np.abs(xh)
    assert np.all(
        np.abs(f - np.array([float(v) for v in fe])) <= 2.0**-100 * scale_f + np.spacing(np.abs(f))
    )
    expected = [
        -a + Fraction(h) + Fraction(lw) + Fraction(t)
        for a, h, lw, t in zip(exact_atv, hi, lo, tiny, strict=True)
    ]
    scale = np.abs(AT) @ np.abs(vh)
    err = np.abs(g - np.array([float(v) for v in expected]))
    assert np.all(err <= 2.0**-100 * scale + np.spacing(np.abs(tiny)))


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_a_scaled_design_read_by_blocks_is_the_scaled_copy_bit_for_bit(fit_intercept: bool) -> None:
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 3)) * [1e-3, 1.0, 1e5]
    k = 3 + int(fit_intercept)
    scale = np.ldexp(1.0, rng.integers(-20, 20, size=k))
    design = ScaledDesign(X, scale, fit_intercept)
    copy = np.column_stack([np.ones(300), X]) * scale if fit_intercept else X * scale
    np.testing.assert_array_equal(design.transposed(), copy.T)
    np.testing.assert_array_equal(design.block(40, 140, np.empty((k, 128))), copy[40:140].T)
    x, v = rng.standard_normal(k), rng.standard_normal(300)
    np.testing.assert_allclose(design.matvec(x), copy @ x, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(design.rmatvec(v), copy.T @ v, rtol=1e-13)
    # The residual kernel gives the same answer from either form, to the last bit.
    b, rh, rl = rng.standard_normal(300), rng.standard_normal(300), np.zeros(300)
    xh, xl = rng.standard_normal(k), np.zeros(k)
    f1, g1 = augmented_residuals(copy.T.copy(), b, rh, rl, xh, xl)
    f2, g2 = augmented_residuals(design, b, rh, rl, xh, xl)
    np.testing.assert_array_equal(f1, f2)
    np.testing.assert_array_equal(g1, g2)
