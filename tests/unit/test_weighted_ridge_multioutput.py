"""Weighted least squares, ridge and multi-output problems, judged against an exact oracle.

The oracle here is independent of the package: the normal equations of the weighted,
penalised problem solved in rational arithmetic (``fractions.Fraction``) on the same float64
data. Both the reference (:func:`pytest_linreg.ols`) and the verdict
(:func:`pytest_linreg.assert_coefficients_close`) are scored against it: the corpus counts
false reds (the correctly rounded answer failed) and false greens (an answer with one
parameter moved by 3e-7 relative passed); both must be 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from rational_oracle import oracle, ulps_from_exact

import pytest_linreg as plr
from pytest_linreg._records import collecting
from pytest_linreg.adapters import Coefficients, make_output_coefficients
from pytest_linreg.errors import LinregAssertionError
from pytest_linreg.reference import one_output


@dataclass(frozen=True)
class Problem:
    X: np.ndarray
    Y: np.ndarray  # (n, k)
    w: np.ndarray | None
    alpha: float
    fit_intercept: bool


def random_problem(seed: int) -> Problem:
    """Small problems with weights over 6 decades, zero weights, penalties and outputs."""
    rng = np.random.default_rng(seed)
    n, p, k = int(rng.integers(5, 11)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    X = rng.standard_normal((n, p)) * 10.0 ** rng.integers(-2, 3, size=p)
    if p > 1 and seed % 3 == 0:  # nearly collinear columns: κ ≈ 1e4..1e6
        X[:, 1] = X[:, 0] + 10.0 ** -rng.integers(2, 5) * rng.standard_normal(n)
    X += rng.choice([0.0, 5.0, 100.0])  # offsets
    beta = rng.standard_normal((p, k))
    Y = X @ beta + 0.5 + 0.1 * rng.standard_normal((n, k))
    w = None
    if seed % 2 == 0:
        w = 10.0 ** rng.uniform(-3, 3, size=n)
        w[rng.integers(0, n)] = 0.0  # a row that does not count
    alpha = float(rng.choice([0.0, 1e-3, 1.0, 100.0])) if seed % 4 != 1 else 0.0
    return Problem(X, Y, w, alpha, bool(seed % 5 != 4))


def _answer(coef: np.ndarray, intercept: np.ndarray | None) -> Coefficients:
    """k outputs of p coefficients, unambiguous even for p == 1 without intercept."""
    return make_output_coefficients(coef, intercept, "oracle", kind="direct")


SEEDS = range(48)


@pytest.mark.parametrize("seed", SEEDS)
def test_reference_and_verdict_against_the_rational_oracle(seed: int) -> None:
    pb = random_problem(seed)
    k = pb.Y.shape[1]
    build = plr.Dataset.from_arrays if k == 1 else plr.MultiOutputDataset.from_arrays
    ds = build(
        f"corpus-{seed}", pb.X, pb.Y[:, 0] if k == 1 else pb.Y, sample_weight=pb.w,
        alpha=pb.alpha, fit_intercept=pb.fit_intercept,
    )
    exact = [oracle(pb.X, pb.Y[:, j], pb.w, pb.alpha, pb.fit_intercept) for j in range(k)]
    outputs = ds.outputs if isinstance(ds, plr.MultiOutputDataset) else (ds,)
    for out, want in zip(outputs, exact, strict=True):
        got = np.concatenate([[out.intercept], out.coef]) if pb.fit_intercept else out.coef
        # Refinement is accurate to O(u²) and rounds once: 1 ulp only at a near-tie.
        assert ulps_from_exact(np.asarray(got), want) <= 1
    rounded = np.array([[float(v) for v in e] for e in exact])  # (k, p + fit_intercept)
    coef = rounded[:, 1:] if pb.fit_intercept else rounded
    intercept = rounded[:, 0] if pb.fit_intercept else None
    correct = _answer(coef, intercept)
    with collecting():
        plr.assert_coefficients_close(correct, ds, rtol=1e-7)  # no false red
    for j, i in np.ndindex(*coef.shape):  # each coefficient of each output moved in turn
        moved = coef.copy()
        moved[j, i] *= 1 + 3e-7
        with pytest.raises(LinregAssertionError) as info, collecting():
            plr.assert_coefficients_close(_answer(moved, intercept), ds, rtol=1e-7)  # no green
        if k > 1:
            assert f"1/{k} outputs differ: y{j + 1} " in str(info.value)


def test_rows_of_zero_weight_count_as_dropped_rows() -> None:
    pb = random_problem(2)
    assert pb.w is not None and np.any(pb.w == 0)
    keep = pb.w > 0
    with_zero = one_output(plr.ols(pb.X, pb.Y[:, 0], sample_weight=pb.w, alpha=pb.alpha))
    dropped = one_output(plr.ols(pb.X[keep], pb.Y[keep, 0], sample_weight=pb.w[keep],
                                 alpha=pb.alpha))
    assert with_zero.params.tolist() == dropped.params.tolist()
    assert with_zero.n == int(keep.sum())


def test_the_exact_path_agrees_with_the_oracle_for_weights_penalty_and_outputs() -> None:
    pb = random_problem(0)
    result = plr.ols(pb.X, pb.Y, sample_weight=pb.w, alpha=pb.alpha, exact=True)
    results = result.outputs if isinstance(result, plr.MultiOutputResult) else (result,)
    for j, r in enumerate(results):
        want = [float(v) for v in oracle(pb.X, pb.Y[:, j], pb.w, pb.alpha, True)]
        assert r.params.tolist() == want  # the exact path is correctly rounded
        assert r.method == "exact"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sample_weight": [1.0, -1.0, 1.0, 1.0]}, r"sample_weight holds 1 negative weight"),
        ({"sample_weight": [1.0, np.nan, 1.0, 1.0]}, r"sample_weight.*nan"),
        ({"sample_weight": [1.0, 1.0]}, r"sample_weight has 2 values but X has 4 rows"),
        ({"sample_weight": [0.0, 0.0, 0.0, 0.0]}, r"sample_weight is zero everywhere"),
        ({"alpha": -1.0}, r"alpha must be a finite number ≥ 0; got -1.0"),
        ({"alpha": float("inf")}, r"alpha must be a finite number ≥ 0; got inf"),
        ({"alpha": "big"}, r"alpha must be a real number"),
    ],
    ids=["negative", "nan", "length", "all-zero", "negative-alpha", "inf-alpha", "str-alpha"],
)
def test_bad_weights_and_penalties_are_named(kwargs: dict[str, object], message: str) -> None:
    X, y = [[0.0], [1.0], [2.0], [4.0]], [1.0, 3.0, 5.0, 9.5]
    with pytest.raises((ValueError, TypeError), match=message):
        plr.ols(X, y, **kwargs)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError), match=message):
        plr.Dataset.from_arrays("bad", X, y, **kwargs)  # type: ignore[arg-type]


def test_a_scalar_weight_is_every_row_s_and_changes_nothing_but_the_problem_name() -> None:
    X, y = [[0.0], [1.0], [2.0], [4.0]], [1.0, 3.0, 5.0, 9.5]
    plain = one_output(plr.ols(X, y))
    scaled = one_output(plr.ols(X, y, sample_weight=3.0))
    assert scaled.params.tolist() == plain.params.tolist()
    assert plr.Dataset.from_arrays("w", X, y, sample_weight=3.0).problem == "wls"


def test_the_failure_message_says_what_a_ridge_reference_minimises() -> None:
    rng = np.random.default_rng(7)
    X = rng.standard_normal((30, 2))
    X[:, 1] = X[:, 0] + 1e-9 * rng.standard_normal(30)  # κ ≈ 1e9 without the penalty
    y = X @ [1.0, 1.0] + 0.1 * rng.standard_normal(30)
    ds = plr.Dataset.from_arrays("ridge-flat", X, y, alpha=1.0)
    assert ds.problem == "ridge"
    with collecting() as rows:
        plr.assert_coefficients_close(ds.reference(), ds, rtol=1e-7)
    # The penalty rows bound the smallest singular value: the design is well conditioned.
    assert rows[0].condition_number is not None and rows[0].condition_number < 1e3
    moved = (ds.coef * [1 + 1e-6, 1.0], ds.intercept)
    with pytest.raises(LinregAssertionError) as info, collecting():
        plr.assert_coefficients_close(moved, ds, rtol=1e-7)
    text = str(info.value)
    assert "problem: ridge alpha=1, the intercept not penalised" in text
    assert "α‖β‖²" in text and "√α·I" in text


def test_a_model_of_k_outputs_against_one_output_is_refused_by_count() -> None:
    X = np.arange(12.0).reshape(6, 2) ** 1.5
    Y = np.column_stack([X @ [1.0, 2.0], X @ [3.0, -1.0]]) + 1.0
    multi = plr.MultiOutputDataset.from_arrays("two", X, Y, output_names=["a", "b"])
    with pytest.raises(ValueError, match=r"actual has 1 output\(s\) .* expected has 2"):
        plr.assert_coefficients_close(multi.outputs[0], multi)
    with pytest.raises(ValueError, match=r"compare_coefficients compares one output"):
        plr.verdicts.compare_coefficients(multi, multi.outputs[0])
    with collecting() as rows:
        plr.assert_coefficients_close((multi.coef, multi.intercept), multi)
        plr.assert_predictions_close((multi.coef, multi.intercept), multi)
    assert [r.dataset for r in rows] == ["two[a]", "two[b]"] * 2


sklearn = pytest.importorskip("sklearn.linear_model", reason="scikit-learn is not installed")


def _well_posed(seed: int, n: int = 60, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3)) + np.array([0.0, 2.0, -1.0])
    Y = X @ rng.standard_normal((3, k)) + 0.7 + 0.05 * rng.standard_normal((n, k))
    return X, (Y[:, 0] if k == 1 else Y)


def _moved(coef: np.ndarray, index: tuple[int, ...]) -> np.ndarray:
    out = np.array(coef, dtype=np.float64, copy=True)
    out[index] *= 1 + 3e-7
    return out


def test_sklearn_linear_regression_with_sample_weight() -> None:
    X, y = _well_posed(1)
    w = np.random.default_rng(2).uniform(0.1, 10.0, size=y.size)
    w[3] = 0.0
    ds = plr.Dataset.from_arrays("weighted", X, y, sample_weight=w)
    model = sklearn.LinearRegression().fit(X, y, sample_weight=w)
    with collecting():
        plr.assert_coefficients_close(model, ds, rtol=1e-7)
    with pytest.raises(LinregAssertionError, match="1/4 mismatched"), collecting():
        plr.assert_coefficients_close((_moved(model.coef_, (1,)), model.intercept_), ds,
                                      rtol=1e-7)
    # Unweighted, the same model is a different problem's answer.
    plain = plr.Dataset.from_arrays("plain", X, y)
    with pytest.raises(LinregAssertionError), collecting():
        plr.assert_coefficients_close(model, plain, rtol=1e-7)


def test_statsmodels_wls_is_judged_against_the_weighted_problem() -> None:
    sm = pytest.importorskip("statsmodels.api")
    X, y = _well_posed(3)
    w = np.random.default_rng(4).uniform(0.5, 2.0, size=y.size)
    ds = plr.Dataset.from_arrays("wls", X, y, sample_weight=w)
    with collecting():
        plr.assert_coefficients_close(sm.WLS(y, sm.add_constant(X), weights=w).fit(), ds)


@pytest.mark.parametrize("with_weights", [False, True], ids=["ridge", "weighted-ridge"])
def test_sklearn_ridge_alpha_1(with_weights: bool) -> None:
    X, y = _well_posed(5)
    w = np.random.default_rng(6).uniform(0.1, 3.0, size=y.size) if with_weights else None
    ds = plr.Dataset.from_arrays("ridge", X, y, alpha=1.0, sample_weight=w)
    model = sklearn.Ridge(alpha=1.0).fit(X, y, sample_weight=w)
    with collecting():
        plr.assert_coefficients_close(model, ds, rtol=1e-7)
    with pytest.raises(LinregAssertionError, match="1/4 mismatched"), collecting():
        plr.assert_coefficients_close((_moved(model.coef_, (2,)), model.intercept_), ds,
                                      rtol=1e-7)
    ols_fit = sklearn.LinearRegression().fit(X, y, sample_weight=w)  # the unpenalised answer
    with pytest.raises(LinregAssertionError), collecting():
        plr.assert_coefficients_close(ols_fit, ds, rtol=1e-7)


def test_sklearn_three_targets_are_judged_output_by_output() -> None:
    X, Y = _well_posed(7, k=3)
    ds = plr.MultiOutputDataset.from_arrays("three", X, Y, output_names=["a", "b", "c"])
    model = sklearn.LinearRegression().fit(X, Y)
    with collecting() as rows:
        plr.assert_coefficients_close(model, ds, rtol=1e-7)
    assert [r.fitter for r in rows] == [f"sklearn:LinearRegression[output {j}]" for j in (1, 2, 3)]
    with pytest.raises(LinregAssertionError) as info, collecting():
        plr.assert_coefficients_close((_moved(model.coef_, (1, 0)), model.intercept_), ds,
                                      rtol=1e-7)
    text = str(info.value)
    assert text.startswith("coefficients of 1/3 outputs differ: b (passed: a, c)")
    assert "── output b ──" in text and "── output a ──" not in text
    ridge = sklearn.Ridge(alpha=2.0).fit(X, Y)
    with collecting():
        plr.assert_coefficients_close(
            ridge, plr.MultiOutputDataset.from_arrays("three-ridge", X, Y, alpha=2.0), rtol=1e-7
        )


def _numpy_fit(X: np.ndarray, y: np.ndarray, *, fit_intercept: bool, dtype: str, device: str,
               sample_weight: np.ndarray | None = None, alpha: float = 0.0) -> object:
    """Weighted ridge by lstsq of the stacked system (what a user's fit function might do)."""
    A = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
    root_w = np.ones(len(X)) if sample_weight is None else np.sqrt(sample_weight)
    penalty = np.sqrt(alpha) * np.eye(A.shape[1])[int(fit_intercept):]
    params = np.linalg.lstsq(np.vstack([root_w[:, None] * A, penalty]),
                             np.concatenate([root_w * y, np.zeros(len(penalty))]), rcond=None)[0]
    return (params[1:], params[0]) if fit_intercept else params


def test_the_suite_hands_weights_and_alpha_to_the_fit_function() -> None:
    X, y = _well_posed(11)
    w = np.random.default_rng(12).uniform(0.2, 5.0, size=y.size)
    weighted = plr.Dataset.from_arrays("suite-weighted", X, y, sample_weight=w)
    ridge = plr.Dataset.from_arrays("suite-ridge", X, y, alpha=3.0)
    seen: list[tuple[bool, float]] = []

    def fit(X: np.ndarray, y: np.ndarray, **kwargs: object) -> object:
        seen.append((kwargs.get("sample_weight") is not None, float(kwargs.get("alpha", 0.0))))
        return _numpy_fit(X, y, **kwargs)  # type: ignore[arg-type]

    results = plr.run_checks(fit, datasets=[weighted, ridge], dtypes=["float64"])
    failed = [r.id for r in results if not r.passed and not r.skipped]
    assert failed == []
    assert {s for s in seen} == {(True, 0.0), (False, 3.0)}
    skipped = [r.id for r in results if r.skipped]
    assert skipped == ["suite-ridge-float64-cpu-collinear"]

    def ignores_the_problem(X: np.ndarray, y: np.ndarray, *, fit_intercept: bool, dtype: str,
                            device: str, **_: object) -> object:
        return _numpy_fit(X, y, fit_intercept=fit_intercept, dtype=dtype, device=device)

    results = plr.run_checks(ignores_the_problem, datasets=[weighted, ridge], dtypes=["float64"],
                             checks=["coefficients"])
    assert [r.passed for r in results] == [False, False]


def test_ridge_makes_a_flat_design_identifiable_and_the_message_says_which_problem() -> None:
    rng = np.random.default_rng(8)
    X = rng.standard_normal((40, 2))
    X[:, 1] = X[:, 0] + 1e-7 * rng.standard_normal(40)  # κ ≈ 1e7: not determined to 1e-10
    with pytest.raises(LinregAssertionError), collecting():
        plr.assert_identifiable(X, rtol=1e-10)
    with collecting() as rows:
        plr.assert_identifiable(X, rtol=1e-10, alpha=1.0)
    assert rows[0].condition_number is not None and rows[0].condition_number < 1e2
    w = rng.uniform(0.5, 2.0, size=40)
    with pytest.raises(LinregAssertionError) as info, collecting():
        plr.assert_identifiable(X, rtol=1e-10, sample_weight=w, alpha=1e-12)
    assert "problem: weighted, ridge alpha=1e-12" in str(info.value)
    with pytest.raises(ValueError, match="sample_weight holds 1 negative weight"):
        plr.assert_identifiable(X, sample_weight=np.r_[-1.0, np.ones(39)])


def test_several_outputs_with_a_one_output_dataset_are_refused_not_compared_without_it() -> None:
    """Review finding: the dataset was dropped, and a wrong intercept passed."""
    rng = np.random.default_rng(20)
    X = rng.normal(size=(30, 3))
    Y = X @ rng.normal(size=(3, 2)) + 0.1 * rng.normal(size=(30, 2))
    no_intercept = plr.MultiOutputDataset.from_arrays("m0", X, Y, fit_intercept=False)
    with pytest.raises(ValueError, match="dataset= has one output but the comparison has 2"):
        plr.assert_coefficients_close((no_intercept.coef, [1.0, 2.0]), no_intercept.coef,
                                      dataset=no_intercept.outputs[0])
    with collecting(), pytest.raises(LinregAssertionError, match="outputs differ: y1, y2"):
        plr.assert_coefficients_close((no_intercept.coef, [1.0, 2.0]), no_intercept)


def _float32_solve(ds: plr.Dataset) -> Coefficients:
    """The exact answer of the data rounded to float32, held in float32: the best fit there."""
    r = plr.reference.one_output(plr.ols(
        ds.X.astype(np.float32).astype(np.float64), ds.y.astype(np.float32).astype(np.float64),
        sample_weight=ds.sample_weight, alpha=ds.alpha,
    ))
    return plr.adapters.make_coefficients(r.coef.astype(np.float32), np.float32(r.intercept),
                                          "float32 solve")


def test_the_suite_judges_a_weighted_problem_by_its_weighted_conditioning() -> None:
    """Review finding: the checks derived tolerances from the unweighted X."""
    rng = np.random.default_rng(21)
    x1 = rng.normal(size=40)
    x2 = x1 + 1e-6 * rng.normal(size=40)
    x2[30:] = rng.normal(size=10)  # the well-conditioned rows carry no weight
    w = np.r_[np.ones(30), np.zeros(10)]
    X = np.column_stack([x1, x2])
    ds = plr.Dataset.from_arrays("wcol", X, X @ [1.0, 2.0] + 0.01 * rng.normal(size=40),
                                 sample_weight=w)

    def fit(X: np.ndarray, y: np.ndarray, **kw: object) -> object:
        return _float32_solve(plr.Dataset.from_arrays(  # type: ignore[arg-type]
            "f", X.astype(np.float64), y.astype(np.float64), sample_weight=kw["sample_weight"]))

    results = plr.run_checks(fit, datasets=[ds], dtypes=["float32"],
                             checks=["coefficients", "predictions"])
    assert all(r.passed or r.skipped for r in results), [r.message for r in results]
    assert any(r.skipped for r in results)  # float32 cannot resolve the weighted problem


def test_rows_of_zero_weight_are_not_judged_by_the_prediction_check() -> None:
    """Review finding: an extrapolation to a row of zero weight failed a correct fit."""
    rng = np.random.default_rng(22)
    x = np.r_[rng.uniform(0, 1, 20), 1e4, 1e4 + 1]
    w = np.r_[np.ones(20), 0.0, 0.0]
    y = 1e4 - x + 0.01 * rng.normal(size=22)
    ds = plr.Dataset.from_arrays("far", x[:, None], y, sample_weight=w)
    best = _float32_solve(ds)
    with collecting():
        plr.assert_coefficients_close(best, ds, rtol="auto")
        plr.assert_predictions_close(best, ds)
    assert best.intercept is not None
    moved = plr.adapters.make_coefficients(best.coef, best.intercept * 1.001, "off")
    with collecting(), pytest.raises(LinregAssertionError, match="rows of positive weight"):
        plr.assert_predictions_close(moved, ds)


def test_one_response_is_a_dataset_and_several_are_a_multi_output_dataset() -> None:
    X = np.arange(12.0).reshape(6, 2) ** 1.5
    Y = np.column_stack([X @ [1.0, 2.0], X @ [3.0, -1.0]]) + 1.0
    with pytest.raises(ValueError, match=r"for 2 outputs use MultiOutputDataset.from_arrays"):
        plr.Dataset.from_arrays("two", X, Y)
    with pytest.raises(ValueError, match=r"Y has one column; a single response is a Dataset"):
        plr.MultiOutputDataset.from_arrays("one", X, Y[:, :1])
    column = plr.Dataset.from_arrays("column", X, Y[:, :1])  # an (n, 1) column is one response
    assert column.coef.tolist() == plr.Dataset.from_arrays("flat", X, Y[:, 0]).coef.tolist()
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame(Y, columns=["up", "down"])
    named = plr.MultiOutputDataset.from_arrays("named", X, frame, sample_weight=np.ones(6))
    assert named.output_names == ("up", "down") and named.outputs[1].name == "named[down]"
    assert {"multi-output", "weighted"} <= set(named.tags)


def test_output_counts_are_named_before_anything_is_solved() -> None:
    """Review findings: the count message spoke of X's columns; a list y lost the hint."""
    X = [[0.0], [1.0], [2.0], [3.0]]
    Y = [[1.0, 0.0, 1.0], [3.0, 1.0, 1.0], [5.0, 2.0, 1.0], [7.0, 3.0, 1.0]]
    with pytest.raises(ValueError, match=r"output_names has 2 names but Y has 3 columns"):
        plr.MultiOutputDataset.from_arrays("m", X, Y, output_names=["a", "b"])
    with pytest.raises(ValueError, match=r"for 3 outputs use MultiOutputDataset.from_arrays"):
        plr.Dataset.from_arrays("list", X, Y)


@pytest.mark.parametrize("source", ["memory", "memmap"])
def test_weights_times_a_huge_column_do_not_overflow_the_equilibration(
    source: str, tmp_path: object
) -> None:
    """√w·x of 1e299 × 1e10 overflowed while equilibrating: the column was scaled to zero
    and ols returned qty 0.0 where the answer is 3.06, reported converged (fifth review)."""
    rng = np.random.default_rng(1)
    n = 50
    t, u = rng.uniform(0.5, 1, n), rng.standard_normal(n)
    X = np.c_[u, 1e299 * t]
    y = 2 + 3 * u + rng.standard_normal(n)
    w = np.full(n, 1e20)
    exact = oracle(X, y, w, 0.0, True)
    if source == "memmap":
        from pathlib import Path

        path = Path(str(tmp_path)) / "X.npy"
        np.save(path, X)
        res = one_output(plr.ols(np.load(path, mmap_mode="r"), y, sample_weight=w))
    else:
        res = one_output(plr.ols(X, y, sample_weight=w))
    assert ulps_from_exact(res.params, exact) == 0.0
    np.testing.assert_array_equal(res.params, one_output(plr.ols(X, y)).params)


def test_the_tolerances_of_huge_weights_beside_a_huge_column_are_those_of_unit_weights() -> None:
    """equivalent_ols formed √w·X = inf ('X contains non-finite values' for an X without
    any); the message's offset check squared 1e299 (RuntimeWarning, an error under -W error)."""
    from pytest_linreg.tolerances import derive_tolerance

    rng = np.random.default_rng(1)
    n = 50
    t, u = rng.uniform(0.5, 1, n), rng.standard_normal(n)
    X, y = np.c_[u, 1e299 * t], 2 + 3 * u + rng.standard_normal(n)
    heavy = plr.Dataset.from_arrays("heavy", X, y, sample_weight=np.full(n, 1e20))
    unit = plr.Dataset.from_arrays("unit", X, y, sample_weight=np.ones(n))
    for dtype in ("float64", "float32"):
        np.testing.assert_allclose(derive_tolerance(heavy, dtype).per_parameter,
                                   derive_tolerance(unit, dtype).per_parameter, rtol=1e-12)
    with collecting():
        plr.assert_coefficients_close(heavy.float_reference, heavy)
        moved = heavy.params.copy()
        moved[1] *= 1 + 1e-6
        with pytest.raises(AssertionError, match="x1"):
            plr.assert_coefficients_close((moved[1:], moved[0]), heavy)
