"""``plr.strategies.problems`` (hypothesis): each drawn problem carries its data's exact answer.

The strategy drives our own checks: the exact rational solver, ``rtol="auto"`` and the
condition number are tested on the problems it draws, and shrinking is checked to keep the
reference valid (it is rebuilt from the shrunk ingredients, never edited).
"""

from __future__ import annotations

import re
import subprocess
import sys
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import find, given, settings

import pytest_linreg as plr
from pytest_linreg.adapters import make_output_coefficients
from pytest_linreg.datasets._building import solve_fractions
from pytest_linreg.diagnostics import condition_number
from pytest_linreg.strategies import Recipe, multi_output_problems, problems
from pytest_linreg.tolerances import derive_tolerance

pytestmark = pytest.mark.slow  # property tests over drawn problems, and shrinking

#: Derandomized and without an example database, so CI draws the same problems every run.
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None)
FIND_SETTINGS = settings(max_examples=200, derandomize=True, database=None)

FloatArray = npt.NDArray[np.float64]


def _exact(ds: plr.Dataset) -> plr.OLSResult:
    """The exact rational solution of the stored float64 data, rounded once."""
    return plr.ols(ds.X, ds.y, fit_intercept=ds.fit_intercept, exact=True)


def _pair(params: Any, fit_intercept: bool) -> tuple[Any, float]:
    return (params[1:], float(params[0])) if fit_intercept else (params, 0.0)


def _normal_equations_exactly(ds: plr.Dataset) -> FloatArray:
    """``(AᵀA) x = Aᵀy`` in rationals, by a solver independent of ``ols(exact=True)``."""
    A = [[Fraction(1)] * ds.fit_intercept + [Fraction(v) for v in row] for row in ds.X.tolist()]
    y = [Fraction(v) for v in ds.y.tolist()]
    k = len(A[0])
    gram = [[sum((r[i] * r[j] for r in A), Fraction(0)) for j in range(k)] for i in range(k)]
    rhs = [sum((r[i] * v for r, v in zip(A, y, strict=True)), Fraction(0)) for i in range(k)]
    return np.array([float(v) for v in solve_fractions(gram, rhs)])  # float(): rounded once


@SETTINGS
@given(problems(max_cond=1e10, column_scale=30))
def test_reference_is_the_exact_solution_of_the_data(ds: plr.Dataset) -> None:
    # Both are the exact solution rounded once to float64: bit for bit the same.
    np.testing.assert_array_equal(ds.params, _normal_equations_exactly(ds))
    assert not ds.certified and "drawn" in ds.tags


@SETTINGS
@given(problems(max_cond=1e8, column_scale=30))
def test_float_ols_is_within_an_ulp_of_the_exact_solution(ds: plr.Dataset) -> None:
    res = plr.ols(ds.X, ds.y, fit_intercept=ds.fit_intercept)
    # ols's documented accuracy (about an ulp; measured 0 ulps on these problems up to 1e8).
    np.testing.assert_array_max_ulp(res.params, ds.params, maxulp=2)


@SETTINGS
@given(problems(max_cond=1e8))
def test_auto_tolerance_passes_the_exact_answer_and_catches_a_moved_coefficient(
    ds: plr.Dataset,
) -> None:
    exact = _exact(ds).params
    plr.assert_coefficients_close(_pair(exact, ds.fit_intercept), ds, rtol="auto")
    # The parameter determined best in float64 (|e_i| far above the error a correct fit may
    # make): moving it by 1e-3 relative must fail. Up to 1e8 one is determined to below 1e-4.
    f = derive_tolerance(ds, "float64").absolute
    i = int(np.argmax(np.abs(exact) / f))
    assert f[i] < 1e-4 * abs(exact[i])
    moved = exact.copy()
    moved[i] *= 1 + 1e-3
    with pytest.raises(plr.LinregAssertionError):
        plr.assert_coefficients_close(_pair(moved, ds.fit_intercept), ds, rtol="auto")


@pytest.mark.parametrize(
    ("min_cond", "max_cond"), [(1.0, 1e8), (1e3, 1e5), (3e6, 3e6), (1.0, 1.0)]
)
def test_condition_number_is_within_the_range(min_cond: float, max_cond: float) -> None:
    @settings(max_examples=15, deadline=None, derandomize=True, database=None)
    @given(problems(min_cond=min_cond, max_cond=max_cond))
    def check(ds: plr.Dataset) -> None:
        cond = condition_number(ds.X, fit_intercept=ds.fit_intercept)
        assert min_cond / 1.5 <= cond <= max_cond * 1.5
        # Set by construction: only rounding the design moves it (relative eps·cond).
        assert min_cond * (1 - 1e-6) <= cond <= max_cond * (1 + 1e-6)

    check()


def _residual(ds: plr.Dataset) -> float:
    return float(np.linalg.norm(ds.y - ds.intercept - ds.X @ ds.coef))


def test_shrinking_rebuilds_a_valid_reference() -> None:
    ds = find(problems(), lambda d: d.p >= 3, settings=FIND_SETTINGS)
    # Shrunk ingredients: three columns, no intercept, a zero residual, a square design.
    assert (ds.p, ds.fit_intercept, ds.n) == (3, False, 3)
    assert condition_number(ds.X, fit_intercept=False) == pytest.approx(1.0)
    np.testing.assert_array_equal(ds.params, _normal_equations_exactly(ds))


def test_shrinking_an_ill_conditioned_noisy_problem_keeps_it_exact() -> None:
    def hard(d: plr.Dataset) -> bool:
        cond = condition_number(d.X, fit_intercept=d.fit_intercept)
        # κ = 1e6 is set by construction; rounding the design moves the computed κ by a
        # relative ~eps·κ either way, which must not decide what the shrinker may reach.
        hard_enough = cond >= 1e6 * (1 - 1e-6)
        return d.p >= 2 and hard_enough and _residual(d) > 1e-9 * float(np.linalg.norm(d.y))

    ds = find(problems(), hard, settings=FIND_SETTINGS)
    assert ds.p == 2 and ds.n == ds.p + int(ds.fit_intercept) + 1  # one residual dof
    assert "_cond1e6_" in ds.name and ds.tags == ("drawn", "generated", "ill-conditioned")
    np.testing.assert_array_equal(ds.params, _normal_equations_exactly(ds))


def test_every_structure_is_drawn_ill_conditioned() -> None:
    seen: dict[str, float] = {}

    @SETTINGS
    @given(problems(min_cond=1e6, max_cond=1e8, noise=None))
    def record(ds: plr.Dataset) -> None:
        structure = ds.name.split("_")[1]
        seen[structure] = condition_number(ds.X, fit_intercept=ds.fit_intercept)

    record()
    assert sorted(seen) == ["collinear", "offset", "spread"]
    assert min(seen.values()) >= 1e6 * (1 - 1e-6)


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(problems(p=(2, 3), n=(4, 8), fit_intercept=True, noise=None, offsets=False))
def test_the_ranges_are_respected(ds: plr.Dataset) -> None:
    assert 2 <= ds.p <= 3 and ds.n <= 8 and ds.fit_intercept
    assert "offset" not in ds.tags
    residual = ds.y - ds.intercept - ds.X @ ds.coef
    assert np.max(np.abs(residual)) <= 1e-8 * np.max(np.abs(ds.y))


def test_a_recipe_builds_the_same_named_dataset_every_time() -> None:
    recipe = Recipe("offset", n=10, p=2, fit_intercept=True, cond=1e4, noise=1e-3, seed=7,
                    column_scale=5)
    a, b = recipe.build(), recipe.build()
    assert a.name == "drawn_offset_cond1e4_n10_p2_int_noise0.001_scale5_seed7"
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", a.name)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.params, b.params)
    # The description says how to rebuild it.
    rebuild = a.description.split("Rebuild: ")[1]
    c = eval(rebuild, {"pytest_linreg": plr})  # our own text, not user input
    np.testing.assert_array_equal(c.y, a.y)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"min_cond": 0.5}, ValueError, "min_cond"),
        ({"min_cond": 1e4, "max_cond": 1e3}, ValueError, "min_cond <= max_cond"),
        ({"max_cond": 1e13}, ValueError, "max_cond"),
        ({"max_cond": "1e8"}, TypeError, "max_cond"),
        ({"n": (5, 4)}, ValueError, "n must"),
        ({"n": (2, 4), "p": (3, 4)}, ValueError, "no room"),
        ({"p": [1, 2]}, TypeError, "p must"),
        ({"p": 1, "fit_intercept": False, "min_cond": 10.0}, ValueError, "single column"),
        ({"fit_intercept": "yes"}, TypeError, "fit_intercept"),
        ({"noise": (0.0, 1.0)}, ValueError, "noise"),
        ({"noise": 0.1}, TypeError, "noise"),
        ({"column_scale": 61}, ValueError, "column_scale"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        problems(**kwargs)


def test_a_recipe_refuses_an_impossible_structure() -> None:
    with pytest.raises(ValueError, match="collinear pair needs p >= 2"):
        Recipe("collinear", n=5, p=1, fit_intercept=True, cond=10.0, noise=0.0, seed=0).build()
    with pytest.raises(ValueError, match="structure must be one of"):
        Recipe("round", n=5, p=1, fit_intercept=True, cond=10.0, noise=0.0, seed=0).build()  # type: ignore[arg-type]


def test_strategies_without_hypothesis_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(plr, "strategies", raising=False)
    monkeypatch.delitem(sys.modules, "pytest_linreg.strategies")
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # None: import raises ImportError
    with pytest.raises(ImportError, match=re.escape('pip install "pytest-linreg[hypothesis]"')):
        plr.strategies  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'strategy'"):
        plr.strategy  # type: ignore[attr-defined]  # noqa: B018


@pytest.mark.slow
def test_importing_the_package_does_not_import_hypothesis() -> None:
    code = (
        "import sys, pytest_linreg as plr\n"
        "assert 'hypothesis' not in sys.modules\n"
        "assert 'strategies' in dir(plr)\n"
        "plr.strategies.problems()\n"
        "assert 'hypothesis' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _weighted_ridge_exactly(ds: plr.Dataset) -> FloatArray:
    """``(AᵀWA + Λ) x = AᵀWy`` in rationals (Λ: alpha on the coefficients, not the intercept)."""
    A = [[Fraction(1)] * ds.fit_intercept + [Fraction(v) for v in row] for row in ds.X.tolist()]
    y = [Fraction(v) for v in ds.y.tolist()]
    w = [Fraction(1)] * ds.n if ds.sample_weight is None else [
        Fraction(v) for v in ds.sample_weight.tolist()]
    k = len(A[0])
    gram = [[sum((wr * r[i] * r[j] for r, wr in zip(A, w, strict=True)), Fraction(0))
             for j in range(k)] for i in range(k)]
    for j in range(int(ds.fit_intercept), k):
        gram[j][j] += Fraction(ds.alpha)
    rhs = [sum((wr * r[i] * v for r, v, wr in zip(A, y, w, strict=True)), Fraction(0))
           for i in range(k)]
    return np.array([float(v) for v in solve_fractions(gram, rhs)])


@SETTINGS
@given(problems(max_cond=1e8, weights=True, alpha=(1e-3, 1e2)))
def test_weighted_and_ridge_problems_carry_their_exact_answer_and_are_judged_by_it(
    ds: plr.Dataset,
) -> None:
    np.testing.assert_array_equal(ds.params, _weighted_ridge_exactly(ds))
    refined = plr.reference.one_output(plr.ols(
        ds.X, ds.y, fit_intercept=ds.fit_intercept, sample_weight=ds.sample_weight,
        alpha=ds.alpha,
    ))
    np.testing.assert_array_max_ulp(refined.params, ds.params, maxulp=1)
    plr.assert_coefficients_close(_pair(ds.params, ds.fit_intercept), ds, rtol=1e-7)
    worst = int(np.argmax(np.abs(ds.coef)))
    moved = ds.coef.copy()
    moved[worst] *= 1 + 3e-7
    with pytest.raises(plr.LinregAssertionError):
        plr.assert_coefficients_close((moved, ds.intercept if ds.fit_intercept else 0.0), ds,
                                      rtol=1e-7)


def test_weights_and_alpha_are_drawn_and_named() -> None:
    drawn = find(problems(weights=True, alpha=(1e-3, 1e2)),
                 lambda d: d.sample_weight is not None and d.alpha > 0, settings=FIND_SETTINGS)
    assert drawn.problem == "weighted ridge"
    assert "_weighted" in drawn.name and "_alpha" in drawn.name
    assert {"weighted", "ridge"} <= set(drawn.tags)
    with pytest.raises(ValueError, match=r"alpha must be a \(low, high\) range"):
        problems(alpha=(0.0, 1.0))


@SETTINGS
@given(multi_output_problems(outputs=(2, 3), max_cond=1e8, weights=True, alpha=(1e-3, 1e2)))
def test_multi_output_problems_carry_one_exact_answer_per_output_and_are_judged_each(
    ds: plr.MultiOutputDataset,
) -> None:
    for out in ds.outputs:  # each output's reference is its exact answer, rounded once
        np.testing.assert_array_equal(out.params, _weighted_ridge_exactly(out))
    refined = plr.ols(ds.X, ds.Y, fit_intercept=ds.fit_intercept, sample_weight=ds.sample_weight,
                      alpha=ds.alpha)
    assert isinstance(refined, plr.MultiOutputResult)
    np.testing.assert_array_max_ulp(refined.coef, ds.coef, maxulp=1)
    intercept = ds.intercept if ds.fit_intercept else None
    plr.assert_coefficients_close(make_output_coefficients(ds.coef, intercept, "exact"), ds,
                                  rtol=1e-7)
    last = ds.n_outputs - 1
    moved = ds.coef.copy()
    worst = int(np.argmax(np.abs(moved[last])))
    moved[last, worst] *= 1 + 3e-7
    with pytest.raises(plr.LinregAssertionError, match=f"1/{ds.n_outputs} outputs differ"):
        plr.assert_coefficients_close(make_output_coefficients(moved, intercept, "moved"), ds,
                                      rtol=1e-7)


def test_multi_output_recipes_rebuild_and_refuse_the_wrong_builder() -> None:
    recipe = Recipe("spread", n=8, p=2, fit_intercept=True, cond=1e3, noise=0.0, seed=1,
                    outputs=3)
    ds = recipe.build_outputs()
    assert ds.n_outputs == 3 and ds.name.endswith("_out3_seed1")
    assert ds.outputs[0].y.tolist() == Recipe("spread", n=8, p=2, fit_intercept=True, cond=1e3,
                                              noise=0.0, seed=1).build().y.tolist()
    assert "build_outputs()" in ds.outputs[0].description
    with pytest.raises(ValueError, match="use build_outputs"):
        recipe.build()
    with pytest.raises(ValueError, match="outputs must satisfy 2 <= min"):
        multi_output_problems(outputs=1)
