"""Mutation tests of ``assert_coefficients_close``: it must fail wrong answers and pass right ones.

On every registered dataset the reference parameters are mutated and the verdict compared with
the one the mutation deserves:

* one parameter (intercept included) moved by 2×rtol relative to ``|e|`` → must fail;
* one parameter moved by 0.4×rtol, and all of them at once by 0.4×rtol → must pass;
* the two parameters whose values differ most swapped → must fail;
* float32 answers of a problem that float32 identifies (derived rtol ≤
  :data:`pytest_linreg.checks.MAX_DERIVED_RTOL`, the suite's own threshold) — the reference
  rounded to float32, a float32 SVD least-squares solve and a float32 Householder-QR solve —
  → must pass with the tolerance :func:`pytest_linreg.tolerances.derived_rtol` gives.

A parameter whose reference is exactly 0 admits no relative tolerance: it is mutated by
multiples of an absolute tolerance ``atol = rtol·s`` instead, where ``s = ‖ŷ‖/‖a_i‖`` is the
natural scale :func:`pytest_linreg.diagnostics.componentwise_condition` measures parameter ``i``
against (column ``a_i`` of the design, the intercept's column being ones). The float32 checks
use the same ``atol = rtol·s`` on every parameter, as the suite does.

``test_wrong_verdicts_summary`` prints the counts (the README's figures come from it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import scipy.linalg

import pytest_linreg as plr
from pytest_linreg.checks import MAX_DERIVED_RTOL
from pytest_linreg.errors import LinregAssertionError
from pytest_linreg.tolerances import RTOL_CEILING, derive_tolerance

pytestmark = pytest.mark.slow  # a corpus of 478 mutation verdicts (the README's figures)

FloatArray = npt.NDArray[np.float64]

#: One tolerance at the default 1e-7 and one loose enough for float32 work.
RTOLS = (1e-7, 1e-4)

#: Datasets on which no swap of two *different* values exists, and why.
NO_SWAP = {
    "NoInt1": "a single parameter",
    "NoInt2": "a single parameter",
    "Wampler1": "all six parameters are 1",
    "Wampler3": "all six parameters are 1",
    "Wampler4": "all six parameters are 1",
    "Wampler5": "all six parameters are 1",
    "polynomial_deg8": "all nine parameters are 1 (up to the rounding of the reference)",
}

#: Datasets float32 does not identify (derived float32 rtol > MAX_DERIVED_RTOL): the suite
#: checks predictions there, not coefficients, so no float32 coefficient verdict is due.
NOT_IDENTIFIABLE_IN_FLOAT32 = {
    "Filip": "degree-10 polynomial, attainable float32 rtol ~1e3",
    "Wampler4": "degree-5 polynomial with large residuals, ~3e-2",
    "Wampler5": "degree-5 polynomial with larger residuals, ~3",
    "ill_conditioned_1e8": "kappa 1e8 > 1/u(float32)",
    "ill_conditioned_1e12": "kappa 1e12",
    "offset_1e6": "columns offset by 1e6: float32 keeps ~1 digit of the spread",
    "polynomial_deg8": "degree-8 monomials on [-1, 1], ~3e-2",
    # The derived tolerance covers a backward-stable float32 solver (columnwise bound, Higham
    # Thm 19.10, times log2 n), which is worst-case: ~350x the error measured on Longley.
    "Longley": "float32 solver bound ~5.7e-2 (kappa 4.3e4, offsets of 1e5 in the columns)",
    "ill_conditioned_1e4": "kappa 1e4, float32 solver bound ~1.6e-2",
}

#: Verdicts known to be wrong, ``(dataset, case): reason``: reported as bugs and kept visible
#: as strict xfails. None at present.
KNOWN_WRONG: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Verdict:
    """One mutation and how the assertion judged it."""

    dataset: str
    case: str
    should_pass: bool
    passed: bool
    #: For the float32 answers: worst ``|a − e| / (atol + rtol·|e|)`` (≤ 1 passes).
    margin: float | None = None

    @property
    def wrong(self) -> bool:
        return self.passed != self.should_pass

    def __str__(self) -> str:
        want = "pass" if self.should_pass else "fail"
        got = "passed" if self.passed else "failed"
        return f"{self.dataset}: {self.case} should {want} but {got}"


def _passes(call: Callable[[], None]) -> bool:
    try:
        call()
    except LinregAssertionError:
        return False
    return True


def _pair(params: FloatArray, fit_intercept: bool) -> tuple[FloatArray, Any]:
    return (params[1:], params[0]) if fit_intercept else (params, None)


def _natural_scales(ds: plr.Dataset) -> FloatArray:
    """``‖ŷ‖ / ‖a_i‖`` per parameter, intercept (column of ones, ‖a‖ = √n) first."""
    fitted = float(np.linalg.norm(ds.X @ ds.coef + ds.intercept))
    scales = fitted / np.linalg.norm(ds.X, axis=0)
    return np.concatenate([[fitted / np.sqrt(ds.n)], scales]) if ds.fit_intercept else scales


def _moved(e: FloatArray, i: int, factor: float, rtol: float, atol_i: float) -> FloatArray:
    """``e`` with parameter ``i`` moved by ``factor`` tolerances (sign alternating with i)."""
    out = e.copy()
    sign = 1.0 if i % 2 == 0 else -1.0
    out[i] = e[i] + sign * factor * (rtol * abs(e[i]) if e[i] != 0 else atol_i)
    return out


def _mutation_verdicts(ds: plr.Dataset) -> list[Verdict]:
    e = ds.params
    names = ("intercept", *ds.feature_names) if ds.fit_intercept else ds.feature_names
    scales = _natural_scales(ds)
    out: list[Verdict] = []

    def judge(case: str, params: FloatArray, should_pass: bool, rtol: float, atol: float) -> None:
        actual = _pair(params, ds.fit_intercept)
        ok = _passes(lambda: plr.assert_coefficients_close(actual, ds, rtol=rtol, atol=atol))
        out.append(Verdict(ds.name, case, should_pass, ok))

    # Parameters zero at float64's resolution (collinear_pair's intercept, -5.6e-18 against a
    # resolution of 8.9e-15) are compared absolutely at that resolution f_i whatever the atol:
    # move them in units of f_i.
    tol64 = derive_tolerance(ds, "float64")
    floor = tol64.absolute
    at_resolution = (np.abs(e) <= floor) & (tol64.per_parameter <= RTOL_CEILING) & (e != 0)
    for rtol in RTOLS:
        for i, name in enumerate(names):
            if at_resolution[i]:
                moved = {f: e.copy() for f in (2.0, 0.4)}
                for f, m in moved.items():
                    m[i] += (1.0 if i % 2 == 0 else -1.0) * f * float(floor[i])
                judge(f"{name} +2f @{rtol:g}", moved[2.0], False, rtol, 0.0)
                judge(f"{name} +0.4f @{rtol:g}", moved[0.4], True, rtol, 0.0)
                continue
            # Exactly-zero references get an absolute tolerance; everything else atol=0.
            atol = rtol * float(scales[i]) if e[i] == 0 else 0.0
            kind = "atol" if e[i] == 0 else "rtol"
            judge(f"{name} +2{kind} @{rtol:g}", _moved(e, i, 2.0, rtol, atol), False, rtol, atol)
            judge(f"{name} +0.4{kind} @{rtol:g}", _moved(e, i, 0.4, rtol, atol), True, rtol, atol)
        atol_all = rtol * float(scales.min()) if np.any(e == 0) else 0.0
        signs = np.where(np.arange(e.size) % 2 == 0, 1.0, -1.0)
        together = e + signs * 0.4 * np.where(e != 0, rtol * np.abs(e), atol_all)
        judge(f"all +0.4 @{rtol:g}", together, True, rtol, atol_all)
        swap = _swap_pair(e, rtol)
        if swap is not None:
            i, j = swap
            swapped = e.copy()
            swapped[[i, j]] = e[[j, i]]
            judge(f"swap {names[i]}<->{names[j]} @{rtol:g}", swapped, False, rtol, 0.0)
    return out


def _swap_pair(e: FloatArray, rtol: float) -> tuple[int, int] | None:
    """The largest and smallest parameter, or None if they agree to 2·rtol (nothing to swap)."""
    if e.size < 2:
        return None
    i, j = int(np.argmax(e)), int(np.argmin(e))
    differ = abs(e[i] - e[j]) > 2 * rtol * max(abs(e[i]), abs(e[j]))
    return (i, j) if differ else None


# --------------------------------------------------------------------------- float32 answers


def _float32_answers(ds: plr.Dataset) -> dict[str, FloatArray]:
    A = np.column_stack([np.ones(ds.n), ds.X]) if ds.fit_intercept else ds.X
    A32, y32 = A.astype(np.float32), ds.y.astype(np.float32)
    svd = np.linalg.lstsq(A32, y32, rcond=None)[0]  # LAPACK sgelsd
    Q, R = np.linalg.qr(A32)  # LAPACK sgeqrf: Householder QR in float32
    qr = scipy.linalg.solve_triangular(R, Q.T @ y32)
    assert svd.dtype == qr.dtype == np.float32
    return {
        "float32-rounded-reference": ds.params.astype(np.float32).astype(np.float64),
        "float32-svd-lstsq": svd.astype(np.float64),
        "float32-householder-qr": qr.astype(np.float64),
    }


def _parameter_passes(actual: float, expected: float, rtol: float, atol: float) -> bool:
    return _passes(
        lambda: plr.assert_coefficients_close([actual], [expected], rtol=rtol, atol=atol)
    )


def _float32_verdicts(ds: plr.Dataset) -> list[Verdict]:
    tol = plr.derived_rtol(ds, "float32")
    if tol > MAX_DERIVED_RTOL:
        return []
    e = ds.params
    scales = _natural_scales(ds)
    out = []
    for case, a in _float32_answers(ds).items():
        # One call per parameter: each with the absolute floor of its own natural scale.
        ok = all(_parameter_passes(a[i], e[i], tol, tol * float(scales[i])) for i in range(e.size))
        margin = float(np.max(np.abs(a - e) / (tol * scales + tol * np.abs(e))))
        out.append(Verdict(ds.name, case, True, ok, margin))
    return out


@functools.cache
def _verdicts(name: str) -> tuple[Verdict, ...]:
    ds = plr.load_dataset(name)
    return (*_mutation_verdicts(ds), *_float32_verdicts(ds))


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", plr.dataset_names())
def test_mutations_get_the_right_verdict(name: str) -> None:
    verdicts = [v for v in _verdicts(name) if not v.case.startswith("float32")]
    wrong = [str(v) for v in verdicts if v.wrong]
    print(f"{name}: {len(verdicts)} mutations, {len(wrong)} wrong verdicts")
    assert not wrong, "\n".join(wrong)
    kinds = {v.should_pass for v in verdicts}
    assert kinds == {True, False}, "every dataset gets both passing and failing mutations"
    has_swap = any(v.case.startswith("swap") for v in verdicts)
    assert has_swap == (name not in NO_SWAP), (
        f"{name}: swap expected {'not ' if name in NO_SWAP else ''}to be possible"
    )


def _float32_cases() -> list[Any]:
    cases = []
    for name in plr.dataset_names():
        for case in ("float32-rounded-reference", "float32-svd-lstsq", "float32-householder-qr"):
            reason = KNOWN_WRONG.get((name, case))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(name, case, id=f"{name}-{case}", marks=marks))
    return cases


@pytest.mark.parametrize(("name", "case"), _float32_cases())
def test_float32_answers_pass_with_the_derived_tolerance(name: str, case: str) -> None:
    verdicts = {v.case: v for v in _verdicts(name) if v.case.startswith("float32")}
    if name in NOT_IDENTIFIABLE_IN_FLOAT32:
        assert not verdicts, f"{name} is listed as not identifiable in float32 but was checked"
        assert plr.derived_rtol(plr.load_dataset(name), "float32") > MAX_DERIVED_RTOL
        return
    assert verdicts, (
        f"{name}: float32 does not identify it (derived rtol > {MAX_DERIVED_RTOL:g}); add it to "
        "NOT_IDENTIFIABLE_IN_FLOAT32 with the reason"
    )
    assert verdicts[case].passed, str(verdicts[case])


def test_wrong_verdicts_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Aggregate over every registered dataset: the count of wrong verdicts must be 0."""
    names = plr.dataset_names()
    verdicts = [v for name in names for v in _verdicts(name)]
    known = [v for v in verdicts if v.wrong and (v.dataset, v.case) in KNOWN_WRONG]
    wrong = [v for v in verdicts if v.wrong and (v.dataset, v.case) not in KNOWN_WRONG]
    mutations = [v for v in verdicts if not v.case.startswith("float32")]
    f32 = [v for v in verdicts if v.case.startswith("float32")]
    worst = max(f32, key=lambda v: v.margin or 0.0)
    with capsys.disabled():
        print(
            f"\nfloat32 answers: worst |a - e| / (atol + rtol|e|) = {worst.margin:.2f} "
            f"({worst.dataset}, {worst.case})"
        )
        print(
            f"\nmutation verdicts: {len(mutations)} on {len(names)} datasets "
            f"(rtol {', '.join(f'{r:g}' for r in RTOLS)}), "
            f"{sum(v.wrong for v in mutations)} wrong; float32 answers: {len(f32)} on "
            f"{len({v.dataset for v in f32})} datasets identifiable in float32, "
            f"{sum(v.wrong for v in f32)} wrong ({len(known)} known, reported)"
        )
    assert not wrong, "\n".join(map(str, wrong))
    assert len(known) == len(KNOWN_WRONG), "a known wrong verdict was fixed: drop it from the list"
