"""Every public function against bad input: a documented answer, never a silent pass or a crash.

Each row of the tables below is one (function, input) pair and the outcome the documentation
promises for it: either *correct handling* (the input is converted and the result equals the one
for the clean float64 equivalent), or a ``ValueError``/``TypeError`` whose message names the
problem. A raised error must be exactly ``ValueError`` or ``TypeError`` (not a subclass such as
``numpy.linalg.LinAlgError``) and must not have been raised inside numpy: a raw numpy traceback
is a crash, not an answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pytest_linreg as plr
from pytest_linreg.errors import LinregAssertionError

# --------------------------------------------------------------------------- the data

#: An 8×2 design of small integers (so int, bool and object forms are exact) and a response with
#: a residual: y = 1 + 2 x1 - x2 + r.
X0 = np.array([[0, 1], [1, 0], [2, 3], [3, 1], [4, 4], [5, 2], [6, 7], [7, 5]], dtype=np.float64)
Y0 = 1.0 + 2.0 * X0[:, 0] - X0[:, 1] + np.array([0.1, -0.2, 0.0, 0.3, -0.1, 0.2, -0.3, 0.0])
#: A full-rank 0/1 design (columns neither constant nor equal).
XB = np.array([[1, 0], [0, 0], [1, 1], [0, 1], [1, 0], [1, 1], [0, 1], [0, 0]], dtype=np.bool_)


def _with(arr: np.ndarray, index: tuple[int, ...], value: float) -> np.ndarray:
    out = np.array(arr, dtype=np.float64, copy=True)
    out[index] = value
    return out


def _frame(X: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(X, columns=["age", "dose"])


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Raises:
    """The call must raise exactly ``exc`` with a message matching ``match`` (a regex)."""

    exc: type[Exception]
    match: str


@dataclass(frozen=True)
class Same:
    """The call must succeed and give what it gives for the clean float64 ``X, y``."""

    X: Any
    y: Any


def _assert_our_error(excinfo: pytest.ExceptionInfo[Exception], expected: Raises) -> None:
    """The error is exactly the documented type and was raised by our code, not numpy's."""
    err = excinfo.value
    assert type(err) is expected.exc, (
        f"raised {type(err).__module__}.{type(err).__qualname__}, expected {expected.exc.__name__}"
    )
    last = Path(str(excinfo.traceback[-1].path)).resolve()
    assert "numpy" not in last.parts, f"raised inside numpy ({last}): {err}"


def _check(call: Callable[[], Any], expected: Raises) -> None:
    with pytest.raises(Exception) as excinfo:
        call()
    _assert_our_error(excinfo, expected)
    assert re.search(expected.match, str(excinfo.value)), (
        f"message {str(excinfo.value)!r} does not name the problem ({expected.match!r})"
    )


# --------------------------------------------------------------------------- design functions


@dataclass(frozen=True)
class DesignFn:
    """A public function of a design (and maybe a response) and how to compare its results."""

    call: Callable[[Any, Any], Any]
    summary: Callable[[Any], Any]
    uses_y: bool = True
    #: ``y=None`` is documented (a zero-residual fit is assumed), so it is no bad input.
    y_optional: bool = False
    #: A 2-D ``y`` is several outputs (tests/unit/test_weighted_ridge_multioutput.py), not bad.
    multi_output: bool = False


def _params(result: Any) -> np.ndarray:
    return np.concatenate([[result.intercept], np.asarray(result.coef, dtype=np.float64)])


DESIGN_FUNCTIONS: dict[str, DesignFn] = {
    "ols": DesignFn(lambda X, y: plr.ols(X, y), _params, multi_output=True),
    "ols_exact": DesignFn(lambda X, y: plr.ols(X, y, exact=True), _params, multi_output=True),
    "Dataset.from_arrays": DesignFn(lambda X, y: plr.Dataset.from_arrays("t", X, y), _params),
    "condition_number": DesignFn(lambda X, y: plr.condition_number(X), float, uses_y=False),
    "numerical_rank": DesignFn(lambda X, y: plr.numerical_rank(X), int, uses_y=False),
    "near_null_combinations": DesignFn(
        lambda X, y: plr.near_null_combinations(X), lambda r: [c.text for c in r], uses_y=False
    ),
    "componentwise_condition": DesignFn(plr.componentwise_condition, np.asarray, y_optional=True),
    "attainable_accuracy": DesignFn(plr.attainable_accuracy, np.asarray, y_optional=True),
    "attainable_rtol": DesignFn(plr.attainable_rtol, np.asarray, y_optional=True),
    "derived_rtol": DesignFn(
        lambda X, y: plr.derived_rtol((X, y), "float32"), float, y_optional=True
    ),
    "diagnose": DesignFn(
        plr.diagnose,
        lambda d: (d.condition_number, tuple(d.componentwise_condition)),
        y_optional=True,
    ),
    # Passes on this well-conditioned design: the result of a pass is None.
    "assert_identifiable": DesignFn(
        lambda X, y: plr.assert_identifiable(X, y=y, rtol=1e-3), repr, y_optional=True
    ),
}


#: (id, X, y, outcome, needs y).
DESIGN_INPUTS: list[tuple[str, Any, Any, Raises | Same, bool]] = [
    (
        "nan-X",
        _with(X0, (1, 1), np.nan),
        Y0,
        Raises(ValueError, r"X contains 1 non-finite.*nan at \[1, 1\]"),
        False,
    ),
    (
        "inf-X",
        _with(X0, (2, 0), np.inf),
        Y0,
        Raises(ValueError, r"X contains 1 non-finite.*inf at \[2, 0\]"),
        False,
    ),
    (
        "nan-y",
        X0,
        _with(Y0, (3,), np.nan),
        Raises(ValueError, r"y contains 1 non-finite.*nan at \[3\]"),
        True,
    ),
    (
        "inf-y",
        X0,
        _with(Y0, (0,), -np.inf),
        Raises(ValueError, r"y contains 1 non-finite.*-inf"),
        True,
    ),
    ("X-1d", X0[:, 0], Y0, Raises(ValueError, r"X must be 2-D .* got 1-D shape \(8,\)"), False),
    ("X-3d", X0[None], Y0, Raises(ValueError, r"X must be 2-D .* got 3-D"), False),
    ("X-scalar", 3.0, Y0, Raises(ValueError, r"X must be 2-D .* got 0-D"), False),
    (
        "y-2d",
        X0,
        np.c_[Y0, Y0],
        Raises(ValueError, r"y must be 1-D .* got 2-D shape \(8, 2\)"),
        True,
    ),
    (
        "y-3d",
        X0,
        np.c_[Y0, Y0][:, :, None],
        Raises(ValueError, r"y must be 1-D \(n_samples,\).* got 3-D shape \(8, 2, 1\)"),
        True,
    ),
    ("y-column", X0, Y0[:, None], Same(X0, Y0), True),
    ("length-mismatch", X0, Y0[:-1], Raises(ValueError, r"y has 7 values but X has 8 rows"), True),
    (
        "fewer-rows-than-parameters",
        X0[:2],
        Y0[:2],
        Raises(ValueError, r"fewer rows than parameters: n=2 < 3"),
        False,
    ),
    (
        "empty-rows",
        np.empty((0, 2)),
        np.empty(0),
        Raises(ValueError, r"X is empty: shape \(0, 2\)"),
        False,
    ),
    (
        "empty-columns",
        np.empty((8, 0)),
        Y0,
        Raises(ValueError, r"X is empty: shape \(8, 0\)"),
        False,
    ),
    ("str-dtype", X0.astype(str), Y0, Raises(TypeError, r"X has non-numeric dtype <U"), False),
    (
        "object-strings",
        np.full((8, 2), "a", dtype=object),
        Y0,
        Raises(TypeError, r"X holds non-numeric objects"),
        False,
    ),
    ("object-numbers", X0.astype(object), Y0.astype(object), Same(X0, Y0), False),
    ("complex-X", X0 + 0j, Y0, Raises(TypeError, r"X has complex dtype complex128"), False),
    ("complex-y", X0, Y0 + 1j, Raises(TypeError, r"y has complex dtype complex128"), True),
    ("bool-X", XB, Y0, Same(XB.astype(np.float64), Y0), False),
    (
        "int-X-int-y",
        X0.astype(np.int64),
        np.round(Y0 * 10).astype(np.int32),
        Same(X0, np.round(Y0 * 10)),
        False,
    ),
    ("python-lists", X0.tolist(), Y0.tolist(), Same(X0, Y0), False),
    (
        "ragged-list",
        [[1.0, 2.0], [3.0]] * 4,
        Y0,
        Raises(ValueError, r"X could not be read as a rectangular array"),
        False,
    ),
    ("X-None", None, Y0, Raises(TypeError, r"X is None"), False),
    ("y-None", X0, None, Raises(TypeError, r"y is None"), True),
    ("pandas", _frame(X0), pd.Series(Y0, name="response"), Same(X0, Y0), False),
    ("pandas-y-frame", X0, pd.DataFrame({"response": Y0}), Same(X0, Y0), True),
]


def _design_cases() -> list[Any]:
    cases = []
    for fname, fn in DESIGN_FUNCTIONS.items():
        for case_id, X, y, outcome, needs_y in DESIGN_INPUTS:
            if needs_y and not fn.uses_y:
                continue  # the function takes no response
            if case_id == "y-None" and fn.y_optional:
                continue
            if case_id == "y-2d" and fn.multi_output:
                continue
            cases.append(pytest.param(fn, X, y, outcome, id=f"{fname}-{case_id}"))
    return cases


@pytest.mark.parametrize(("fn", "X", "y", "outcome"), _design_cases())
def test_design_input(fn: DesignFn, X: Any, y: Any, outcome: Raises | Same) -> None:
    if isinstance(outcome, Raises):
        _check(lambda: fn.call(X, y), outcome)
        return
    got = fn.summary(fn.call(X, y))
    want = fn.summary(fn.call(outcome.X, outcome.y))
    np.testing.assert_array_equal(np.asarray(got, dtype=object), np.asarray(want, dtype=object))


# --------------------------------------------------------------------------- pandas names


def _collinear_frame() -> pd.DataFrame:
    t = np.linspace(0.0, 1.0, 20)
    return pd.DataFrame({"height_cm": t, "height_in": t / 2.54 + 1e-9 * np.sin(40 * t)})


def test_pandas_columns_name_the_ols_result_and_dataset() -> None:
    X, y = _frame(X0), pd.Series(Y0)
    assert plr.ols(X, y).feature_names == ("age", "dose")
    assert plr.ols(X, y, exact=True).feature_names == ("age", "dose")
    assert plr.Dataset.from_arrays("t", X, y).feature_names == ("age", "dose")
    assert plr.diagnose(X, y).param_names == ("intercept", "age", "dose")


def test_pandas_columns_appear_in_failure_messages() -> None:
    X = _collinear_frame()
    combos = plr.near_null_combinations(X)
    assert combos and "height_cm" in combos[0].text and "height_in" in combos[0].text
    with pytest.raises(LinregAssertionError, match=r"not identifiable .*height_cm.*height_in"):
        plr.assert_identifiable(X, rtol=1e-7)
    ref = plr.ols(_frame(X0), Y0)
    with pytest.raises(LinregAssertionError) as excinfo:
        plr.assert_coefficients_close(([9.0, 9.0], 0.0), ref)
    assert "age" in str(excinfo.value) and "dose" in str(excinfo.value)
    with pytest.raises(LinregAssertionError) as excinfo:
        plr.assert_coefficients_close(([9.0, 9.0], 0.0), (ref.coef, ref.intercept), X=_frame(X0))
    assert "age" in str(excinfo.value) and "condition number" in str(excinfo.value)


# --------------------------------------------------------------------------- everything else

#: y = 1 + 2x exactly, so integer and boolean coefficient forms are exact.
LINE = plr.Dataset.from_arrays("line", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
#: y = 1 + x exactly: the coefficients are (True, True) as booleans.
ONES = plr.Dataset.from_arrays("ones", [[0.0], [1.0], [2.0]], [1.0, 2.0, 3.0])
GOOD = (LINE.coef, LINE.intercept)


class Opaque:
    """A model no adapter can read: it predicts but exposes no coefficients."""

    def predict(self, X: Any) -> Any:
        return X


def _fit_lstsq(X: Any, y: Any, *, fit_intercept: bool, dtype: str, device: str) -> Any:
    A = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
    params = np.linalg.lstsq(A, y, rcond=None)[0]
    return (params[1:], params[0]) if fit_intercept else params


def _run(fit: Any, **kw: Any) -> list[plr.CheckResult]:
    return plr.run_checks(fit, datasets="Norris", dtypes=["float64"], checks=["coefficients"], **kw)


def _failed_with(results: list[plr.CheckResult], fragment: str) -> None:
    """Correct handling of a bad model inside ``run_checks``: a failed result naming it."""
    assert len(results) == 1 and not results[0].passed
    assert re.search(fragment, results[0].message), results[0].message


def _passes(call: Callable[[], Any]) -> Callable[[], None]:
    def check() -> None:
        assert call() is None

    return check


def _fails_check(call: Callable[[], Any], fragment: str) -> Callable[[], None]:
    """The input is legal but wrong: the assertion must fail (not pass, not error)."""

    def check() -> None:
        with pytest.raises(LinregAssertionError, match=fragment):
            call()

    return check


def _returns(call: Callable[[], Any], expected: Any) -> Callable[[], None]:
    def check() -> None:
        np.testing.assert_array_equal(call(), expected)

    return check


def _rtol_cases() -> list[Any]:
    bad = [
        (
            "negative",
            -1e-3,
            Raises(ValueError, r"rtol must be a finite number in \[0, 1\); got -0\.001"),
        ),
        ("nan", float("nan"), Raises(ValueError, r"rtol must be a finite number .*got nan")),
        ("inf", float("inf"), Raises(ValueError, r"rtol must be a finite number .*got inf")),
        ("one", 1.0, Raises(ValueError, r"in \[0, 1\); got 1\.0")),
        ("above-one", 1.5, Raises(ValueError, r"in \[0, 1\); got 1\.5")),
        ("str", "1e-3", Raises(TypeError, r"rtol must be a real number; got '1e-3' \(str\)")),
        ("bool", True, Raises(TypeError, r"rtol must be a real number; got True \(bool\)")),
    ]
    calls: dict[str, Callable[[Any], Any]] = {
        "assert_coefficients_close": lambda r: plr.assert_coefficients_close(GOOD, LINE, rtol=r),
        "assert_identifiable": lambda r: plr.assert_identifiable(LINE.X, rtol=r),
        "assert_predictions_close": lambda r: plr.assert_predictions_close(GOOD, LINE, rtol=r),
        "run_checks": lambda r: _run(_fit_lstsq, rtol=r),
        "derived_rtol": lambda r: plr.derived_rtol(LINE, "float64", requested=r),
    }
    out = []
    for fname, call in calls.items():
        for case_id, value, outcome in bad:
            if fname == "derived_rtol":  # the argument is called 'requested' there
                outcome = Raises(outcome.exc, outcome.match.replace("rtol must", "requested must"))
            out.append(
                pytest.param(
                    (lambda c, v: lambda: c(v))(call, value), outcome, id=f"{fname}-rtol-{case_id}"
                )
            )
    return out



OTHER_CASES: list[Any] = [
    *_rtol_cases(),
    # atol of assert_coefficients_close
    pytest.param(
        lambda: plr.assert_coefficients_close(GOOD, LINE, atol=-1.0),
        Raises(ValueError, r"atol must be a finite number ≥ 0; got -1\.0"),
        id="assert_coefficients_close-atol-negative",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(GOOD, LINE, atol=float("nan")),
        Raises(ValueError, r"atol must be a finite .*nan"),
        id="assert_coefficients_close-atol-nan",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(GOOD, LINE, atol="0"),
        Raises(TypeError, r"atol must be a real number; got '0'"),
        id="assert_coefficients_close-atol-str",
    ),
    # assert_coefficients_close: actual and expected
    pytest.param(
        lambda: plr.assert_coefficients_close(GOOD, ([np.nan], 1.0)),
        Raises(ValueError, r"expected \(pair\) contains NaN or inf"),
        id="assert_coefficients_close-nan-expected",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(GOOD, ([np.inf], 1.0)),
        Raises(ValueError, r"expected \(pair\) contains NaN or inf"),
        id="assert_coefficients_close-inf-expected",
    ),
    pytest.param(
        _fails_check(
            lambda: plr.assert_coefficients_close(([np.nan], 1.0), LINE), r"1/2 mismatched"
        ),
        None,
        id="assert_coefficients_close-nan-actual-fails",
    ),
    pytest.param(
        _fails_check(
            lambda: plr.assert_coefficients_close(([2.0], np.inf), LINE), r"1/2 mismatched"
        ),
        None,
        id="assert_coefficients_close-inf-intercept-fails",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(([2.0, 0.0], 1.0), LINE),
        Raises(ValueError, r"actual has 2 coefficients \(pair\) but expected has 1"),
        id="assert_coefficients_close-length-mismatch",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close((np.ones((2, 2)), 1.0), LINE),
        Raises(ValueError, r"one coefficient per feature .*shape \(2, 2\)"),
        id="assert_coefficients_close-wrong-ndim",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(([], 1.0), LINE),
        Raises(ValueError, r"one coefficient per feature .*shape \(0,\)"),
        id="assert_coefficients_close-empty",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close((["2"], 1.0), LINE),
        Raises(TypeError, r"coefficients must be real numbers; got dtype <U1"),
        id="assert_coefficients_close-str-dtype",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(([2 + 0j], 1.0), LINE),
        Raises(TypeError, r"real numbers; got dtype complex128"),
        id="assert_coefficients_close-complex",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(([2.0], 1j), LINE),
        Raises(TypeError, r"intercept must be a real number"),
        id="assert_coefficients_close-complex-intercept",
    ),
    pytest.param(
        _passes(lambda: plr.assert_coefficients_close(([True], True), ONES)),
        None,
        id="assert_coefficients_close-bool-passes",
    ),
    pytest.param(
        _fails_check(
            lambda: plr.assert_coefficients_close(([True], True), LINE), r"1/2 mismatched"
        ),
        None,
        id="assert_coefficients_close-bool-wrong-fails",
    ),
    pytest.param(
        _passes(lambda: plr.assert_coefficients_close(([2], 1), LINE)),
        None,
        id="assert_coefficients_close-int-passes",
    ),
    pytest.param(
        _passes(lambda: plr.assert_coefficients_close([2.0, 1.0], [2, 1])),
        None,
        id="assert_coefficients_close-lists-pass",
    ),
    pytest.param(
        _fails_check(lambda: plr.assert_coefficients_close([2.0, 1.5], [2, 1]), r"1/2 mismatched"),
        None,
        id="assert_coefficients_close-lists-wrong-fails",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(Opaque(), LINE),
        Raises(TypeError, r"cannot read coefficients from a .*Opaque; tried: .*sklearn.*keras"),
        id="assert_coefficients_close-unreadable-model",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(pd.Series([2.0]), LINE),
        Raises(TypeError, r"cannot read coefficients from a pandas(\.core\.\w+)?\.Series"),
        id="assert_coefficients_close-pandas-series",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(GOOD, Opaque()),
        Raises(TypeError, r"expected must be a Dataset, an OLSResult.*got Opaque"),
        id="assert_coefficients_close-unreadable-expected",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(GOOD, GOOD, dataset="line"),
        Raises(TypeError, r"dataset must be a pytest_linreg\.Dataset; got str"),
        id="assert_coefficients_close-dataset-str",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(GOOD, GOOD, X=np.ones((3, 2))),
        Raises(ValueError, r"the design has 2 columns but expected has 1"),
        id="assert_coefficients_close-X-columns",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(GOOD, GOOD, X=[[np.nan], [1.0]]),
        Raises(ValueError, r"X contains 1 non-finite"),
        id="assert_coefficients_close-X-nan",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close(GOOD, LINE, feature_names=["a", "b"]),
        Raises(ValueError, r"feature_names has 2 names but X has 1 columns"),
        id="assert_coefficients_close-feature-names-length",
    ),
    # assert_predictions_close
    pytest.param(
        lambda: plr.assert_predictions_close(GOOD, GOOD),
        Raises(TypeError, r"dataset must be a pytest_linreg\.Dataset; got tuple"),
        id="assert_predictions_close-not-a-dataset",
    ),
    pytest.param(
        lambda: plr.assert_predictions_close(([2.0, 0.0], 1.0), LINE),
        Raises(ValueError, r"actual has 2 coefficients but dataset line has 1"),
        id="assert_predictions_close-length-mismatch",
    ),
    pytest.param(
        _fails_check(
            lambda: plr.assert_predictions_close(([np.nan], 1.0), LINE), r"predictions differ"
        ),
        None,
        id="assert_predictions_close-nan-actual-fails",
    ),
    pytest.param(
        lambda: plr.assert_predictions_close(GOOD, LINE, dtype="int32"),
        Raises(TypeError, r"real floating dtype .*got int32"),
        id="assert_predictions_close-int-dtype",
    ),
    pytest.param(
        lambda: plr.assert_predictions_close(Opaque(), LINE),
        Raises(TypeError, r"cannot read coefficients from a .*Opaque"),
        id="assert_predictions_close-unreadable-model",
    ),
    pytest.param(
        _passes(lambda: plr.assert_predictions_close(([2], 1), LINE)),
        None,
        id="assert_predictions_close-int-passes",
    ),
    # assert_identifiable's other arguments
    pytest.param(
        lambda: plr.assert_identifiable(X0, dtype="int32"),
        Raises(TypeError, r"real floating dtype .*got int32"),
        id="assert_identifiable-int-dtype",
    ),
    pytest.param(
        lambda: plr.assert_identifiable(X0, dtype=np.complex128),
        Raises(TypeError, r"real floating dtype .*got complex128"),
        id="assert_identifiable-complex-dtype",
    ),
    pytest.param(
        lambda: plr.assert_identifiable(X0, dtype="float80x"),
        Raises(TypeError, r"not a dtype numpy, torch or TensorFlow knows: 'float80x'"),
        id="assert_identifiable-unknown-dtype",
    ),
    pytest.param(
        lambda: plr.assert_identifiable(X0, fit_intercept="no"),
        Raises(TypeError, r"fit_intercept must be a bool; got 'no'"),
        id="assert_identifiable-fit-intercept-str",
    ),
    pytest.param(
        lambda: plr.assert_identifiable(X0, feature_names=["a"]),
        Raises(ValueError, r"feature_names has 1 names but X has 2 columns"),
        id="assert_identifiable-feature-names-length",
    ),
    pytest.param(
        _fails_check(
            lambda: plr.assert_identifiable(X0, rtol=0.0), r"not identifiable to rtol=0\.0e\+00"
        ),
        None,
        id="assert_identifiable-rtol-zero-fails",
    ),
    # ols's other arguments
    pytest.param(
        lambda: plr.ols(X0, Y0, fit_intercept="no"),
        Raises(TypeError, r"fit_intercept must be a bool; got 'no'"),
        id="ols-fit-intercept-str",
    ),
    pytest.param(
        lambda: plr.ols(X0, Y0, feature_names="ab"),
        Raises(TypeError, r"feature_names must be a sequence of str"),
        id="ols-feature-names-str",
    ),
    pytest.param(
        lambda: plr.ols(X0, Y0, feature_names=["a", "a"]),
        Raises(ValueError, r"feature_names must be unique"),
        id="ols-feature-names-duplicate",
    ),
    pytest.param(
        lambda: plr.ols(X0, Y0, feature_names=["a"]),
        Raises(ValueError, r"feature_names has 1 names but X has 2 columns"),
        id="ols-feature-names-length",
    ),
    pytest.param(
        lambda: plr.ols(X0, Y0, exact="yes"),
        Raises(TypeError, r"exact must be a bool"),
        id="ols-exact-str",
    ),
    pytest.param(
        lambda: plr.Dataset.from_arrays("", X0, Y0),
        Raises(TypeError, r"name must be a non-empty string"),
        id="Dataset.from_arrays-empty-name",
    ),
    pytest.param(
        lambda: plr.diagnose(X0, Y0, dtype="int8"),
        Raises(TypeError, r"real floating dtype"),
        id="diagnose-int-dtype",
    ),
    # lre
    pytest.param(
        lambda: plr.lre(1.0, np.nan),
        Raises(ValueError, r"expected contains NaN or inf"),
        id="lre-nan-expected",
    ),
    pytest.param(
        lambda: plr.lre([1.0, 1.0], [1.0, np.inf]),
        Raises(ValueError, r"expected contains NaN or inf at index \(1,\)"),
        id="lre-inf-expected",
    ),
    pytest.param(
        _returns(lambda: plr.lre([np.nan, np.inf], [1.0, 1.0]), [0.0, 0.0]),
        None,
        id="lre-nan-actual-scores-zero",
    ),
    pytest.param(
        lambda: plr.lre([1.0, 2.0], [1.0, 2.0, 3.0]),
        Raises(ValueError, r"shape \(2,\) and expected has shape \(3,\); they must match"),
        id="lre-length-mismatch",
    ),
    pytest.param(
        # One estimate against two references broadcast and scored 15 digits twice.
        lambda: plr.lre([0.5], [0.5, 0.5]),
        Raises(ValueError, r"shape \(1,\) and expected has shape \(2,\); they must match"),
        id="lre-no-broadcast-of-length-one",
    ),
    pytest.param(
        _returns(lambda: plr.lre(np.ones((2, 2)), np.ones((2, 2))), np.full((2, 2), 15.0)),
        None,
        id="lre-2d-elementwise",
    ),
    pytest.param(_returns(lambda: plr.lre([], []), np.empty(0)), None, id="lre-empty"),
    pytest.param(
        lambda: plr.lre(["a"], [1.0]),
        Raises(TypeError, r"actual has non-numeric dtype <U1"),
        id="lre-str-dtype",
    ),
    pytest.param(
        lambda: plr.lre([object()], [1.0]),
        Raises(TypeError, r"actual has non-numeric dtype object"),
        id="lre-object-dtype",
    ),
    pytest.param(
        lambda: plr.lre(1j, 1.0),
        Raises(TypeError, r"actual has complex dtype complex128"),
        id="lre-complex",
    ),
    pytest.param(
        _returns(lambda: plr.lre([True, 2, 3], [1.0, 2.0, 3.0]), [15.0, 15.0, 15.0]),
        None,
        id="lre-bool-and-int",
    ),
    pytest.param(
        _returns(lambda: plr.lre(pd.Series([1.0, 1.5]), [1.0, 1.0]), [15.0, -np.log10(0.5)]),
        None,
        id="lre-pandas-and-list",
    ),
    pytest.param(
        lambda: plr.lre([[1.0], [1.0, 2.0]], [1.0]),
        Raises(ValueError, r"actual could not be read as an array of numbers"),
        id="lre-ragged",
    ),
    pytest.param(
        lambda: plr.lre(None, 1.0),
        Raises(TypeError, r"actual"),
        id="lre-None",
    ),
    # the dataset registry
    pytest.param(
        lambda: plr.load_dataset("Longly"),
        Raises(ValueError, r"unknown dataset 'Longly'.*Available: .*Longley"),
        id="load_dataset-unknown",
    ),
    pytest.param(
        lambda: plr.load_dataset(""),
        Raises(ValueError, r"unknown dataset ''"),
        id="load_dataset-empty",
    ),
    pytest.param(
        lambda: plr.load_dataset(3),
        Raises(TypeError, r"dataset name must be a string; got 3 \(int\)"),
        id="load_dataset-int",
    ),
    pytest.param(
        lambda: plr.load_dataset(None),
        Raises(TypeError, r"dataset name must be a string; got None"),
        id="load_dataset-None",
    ),
    pytest.param(
        lambda: plr.dataset_names("nists"),
        Raises(ValueError, r"no dataset has tag 'nists'; known tags: .*nist"),
        id="dataset_names-unknown-tag",
    ),
    pytest.param(
        lambda: plr.dataset_names(["nist"]),
        Raises(TypeError, r"tag must be a string or None"),
        id="dataset_names-list",
    ),
    # the generators
    pytest.param(
        lambda: plr.make_ill_conditioned(20, 3, float("nan"), seed=0),
        Raises(ValueError, r"cond must be a finite number in \[1\.0, 1e\+16\]; got nan"),
        id="make_ill_conditioned-cond-nan",
    ),
    pytest.param(
        lambda: plr.make_ill_conditioned(20, 3, 0.5, seed=0),
        Raises(ValueError, r"cond must be a finite number .*got 0\.5"),
        id="make_ill_conditioned-cond-below-one",
    ),
    pytest.param(
        lambda: plr.make_ill_conditioned(2, 3, 1e4, seed=0),
        Raises(ValueError, r"fewer rows than parameters: n=2 < 4"),
        id="make_ill_conditioned-fewer-rows",
    ),
    pytest.param(
        lambda: plr.make_ill_conditioned(20, 3, 1e4, seed=-1),
        Raises(ValueError, r"seed must be non-negative; got -1"),
        id="make_ill_conditioned-seed-negative",
    ),
    pytest.param(
        lambda: plr.make_ill_conditioned(20.0, 3, 1e4, seed=0),
        Raises(TypeError, r"n must be an integer; got 20\.0 \(float\)"),
        id="make_ill_conditioned-n-float",
    ),
    pytest.param(
        lambda: plr.make_collinear_pair(20, angle=float("inf"), seed=0),
        Raises(ValueError, r"angle \(radians\) must be a finite number"),
        id="make_collinear_pair-angle-inf",
    ),
    pytest.param(
        lambda: plr.make_collinear_pair(20, angle=0.0, seed=0),
        Raises(ValueError, r"angle=0 makes the two columns identical"),
        id="make_collinear_pair-angle-zero",
    ),
    pytest.param(
        lambda: plr.make_collinear_pair(2, angle=0.1, seed=0),
        Raises(ValueError, r"n must be at least 4; got 2"),
        id="make_collinear_pair-fewer-rows",
    ),
    pytest.param(
        lambda: plr.make_exact(10, 0, seed=0),
        Raises(ValueError, r"p must be at least 1; got 0"),
        id="make_exact-p-zero",
    ),
    pytest.param(
        lambda: plr.make_exact(4, 3, seed=0),
        Raises(ValueError, r"fewer than the 4 parameters"),
        id="make_exact-fewer-rows",
    ),
    pytest.param(
        lambda: plr.make_offset(20, 2, offset=float("nan"), seed=0),
        Raises(ValueError, r"offset"),
        id="make_offset-offset-nan",
    ),
    pytest.param(
        lambda: plr.make_offset(3, 2, seed=0),
        Raises(ValueError, r"n must exceed the 3 parameters; got n=3"),
        id="make_offset-fewer-rows",
    ),
    pytest.param(
        lambda: plr.make_polynomial(20, 2.5),
        Raises(TypeError, r"degree must be an integer; got 2\.5"),
        id="make_polynomial-degree-float",
    ),
    pytest.param(
        lambda: plr.make_polynomial(20, 3, low=1.0, high=-1.0),
        Raises(ValueError, r"low"),
        id="make_polynomial-empty-interval",
    ),
    pytest.param(
        lambda: plr.make_polynomial(3, 3),
        Raises(ValueError, r"n=3 points cannot determine a degree-3 polynomial"),
        id="make_polynomial-fewer-rows",
    ),
    pytest.param(
        lambda: plr.make_rank_deficient(20, 3, 0, seed=0),
        Raises(ValueError, r"rank must be at least 1; got 0"),
        id="make_rank_deficient-rank-zero",
    ),
    pytest.param(
        lambda: plr.make_rank_deficient(20, 3, 2, seed=True),
        Raises(TypeError, r"seed must be a non-negative integer; got True \(bool\)"),
        id="make_rank_deficient-seed-bool",
    ),
    pytest.param(
        lambda: plr.make_sorted_poisson(2),
        Raises(ValueError, r"fewer rows than parameters: n=2 < 3"),
        id="make_sorted_poisson-fewer-rows",
    ),
    pytest.param(
        lambda: plr.make_shuffled_poisson(50, seed=None),
        Raises(TypeError, r"seed must be an integer; got None"),
        id="make_shuffled_poisson-seed-None",
    ),
    pytest.param(
        lambda: plr.make_unsorted_poisson("100"),
        Raises(TypeError, r"n must be an integer; got '100' \(str\)"),
        id="make_unsorted_poisson-n-str",
    ),
    # extract_coefficients
    pytest.param(
        lambda: plr.extract_coefficients(Opaque()),
        Raises(
            TypeError,
            r"cannot read coefficients from a .*Opaque; tried: pytest_linreg_coefficients hook"
            r".*sklearn, statsmodels, keras, torch",
        ),
        id="extract_coefficients-unreadable-model",
    ),
    pytest.param(
        lambda: plr.extract_coefficients(None),
        Raises(TypeError, r"cannot read coefficients from a builtins\.NoneType"),
        id="extract_coefficients-None",
    ),
    pytest.param(
        lambda: plr.extract_coefficients([]),
        Raises(TypeError, r"cannot read coefficients from a builtins\.list"),
        id="extract_coefficients-empty-list",
    ),
    pytest.param(
        lambda: plr.extract_coefficients(np.empty(0)),
        Raises(ValueError, r"one coefficient per feature .*shape \(0,\)"),
        id="extract_coefficients-empty-array",
    ),
    pytest.param(
        lambda: plr.extract_coefficients(np.ones((2, 3, 1))),
        Raises(ValueError, r"single output.*shape \(2, 3, 1\)"),
        id="extract_coefficients-wrong-ndim",
    ),
    pytest.param(
        lambda: plr.assert_coefficients_close((np.ones((2, 2)), [0.0, 0.0]), LINE),
        Raises(ValueError, r"actual has 2 output\(s\) \(pair\) but expected has 1"),
        id="assert_coefficients_close-2-outputs-vs-1",
    ),
    pytest.param(
        lambda: plr.extract_coefficients(([1.0], [1.0, 2.0])),
        Raises(ValueError, r"intercept must be a single number; got shape \(2,\)"),
        id="extract_coefficients-intercept-vector",
    ),
    pytest.param(
        lambda: plr.extract_coefficients(([1.0], "0")),
        Raises(TypeError, r"intercept must be a real number; got '0'"),
        id="extract_coefficients-intercept-str",
    ),
    pytest.param(
        lambda: plr.extract_coefficients(pd.DataFrame({"a": [1.0]})),
        Raises(TypeError, r"cannot read coefficients from a pandas(\.core\.\w+)?\.DataFrame"),
        id="extract_coefficients-pandas-frame",
    ),
    pytest.param(
        _returns(lambda: plr.extract_coefficients([True, 2]).coef, [1.0, 2.0]),
        None,
        id="extract_coefficients-bool-and-int",
    ),
    pytest.param(
        _returns(lambda: plr.extract_coefficients(np.float32([1.5])).dtype, "float32"),
        None,
        id="extract_coefficients-keeps-float32",
    ),
    pytest.param(
        lambda: plr.extract_coefficients(np.array([1.0 + 2j])),
        Raises(TypeError, r"complex"),
        id="extract_coefficients-complex-array",
    ),
    pytest.param(
        lambda: plr.extract_coefficients(np.array(["a", "b"])),
        Raises(TypeError, r"<U1|non-numeric|real numbers"),
        id="extract_coefficients-str-array",
    ),
    pytest.param(
        lambda: plr.extract_coefficients(([[1.0], [1.0, 2.0]], 0.0)),
        Raises(ValueError, r"pair: .*ragged|pair: .*could not be read"),
        id="extract_coefficients-ragged",
    ),
    # the tolerance helpers and the suite generator's other entry points
    pytest.param(
        lambda: plr.unit_roundoff("int32"),
        Raises(TypeError, r"real floating dtype .*got int32"),
        id="unit_roundoff-int-dtype",
    ),
    pytest.param(
        lambda: plr.unit_roundoff(np.complex64),
        Raises(TypeError, r"real floating dtype .*got complex64"),
        id="unit_roundoff-complex",
    ),
    pytest.param(
        lambda: plr.declare_capabilities(dtypes=("float16",)),
        Raises(ValueError, r"unsupported dtypes \['float16'\]"),
        id="declare_capabilities-dtype",
    ),
    pytest.param(
        lambda: plr.parametrize_with_linreg_checks(None),
        Raises(TypeError, r"fit must be callable"),
        id="parametrize_with_linreg_checks-fit-None",
    ),
    pytest.param(
        lambda: plr.parametrize_with_linreg_checks(_fit_lstsq, datasets="Norris", rtol=2.0),
        Raises(ValueError, r"rtol must be a finite number in \[0, 1\); got 2\.0"),
        id="parametrize_with_linreg_checks-rtol",
    ),
    # run_checks
    pytest.param(
        lambda: plr.run_checks(None),
        Raises(TypeError, r"fit must be callable; got NoneType"),
        id="run_checks-fit-None",
    ),
    pytest.param(
        lambda: plr.run_checks(_fit_lstsq, datasets="Norriss"),
        Raises(ValueError, r"unknown dataset selection item\(s\): 'Norriss'"),
        id="run_checks-unknown-dataset",
    ),
    pytest.param(
        lambda: plr.run_checks(_fit_lstsq, datasets=[]),
        Raises(ValueError, r"datasets is empty"),
        id="run_checks-empty-datasets",
    ),
    pytest.param(
        lambda: plr.run_checks(_fit_lstsq, datasets=[3]),
        Raises(TypeError, r"datasets items must be names, tags, Dataset or DatasetSpec; got int"),
        id="run_checks-dataset-int",
    ),
    pytest.param(
        lambda: plr.run_checks(_fit_lstsq, datasets="Norris", dtypes=["int32"]),
        Raises(ValueError, r"unsupported dtypes \['int32'\]; accepted: float32, float64"),
        id="run_checks-int-dtype",
    ),
    pytest.param(
        lambda: plr.run_checks(_fit_lstsq, datasets="Norris", dtypes="float64"),
        Raises(TypeError, r"dtypes must be a sequence of names, not the string"),
        id="run_checks-dtypes-str",
    ),
    pytest.param(
        lambda: plr.run_checks(_fit_lstsq, datasets="Norris", devices=["tpu"]),
        Raises(ValueError, r"unsupported devices \['tpu'\]"),
        id="run_checks-unknown-device",
    ),
    pytest.param(
        lambda: plr.run_checks(_fit_lstsq, datasets="Norris", checks=["coefficient"]),
        Raises(ValueError, r"unknown check 'coefficient'"),
        id="run_checks-unknown-check",
    ),
    pytest.param(
        lambda: _run(_fit_lstsq, expected_failures={"Norris-float32-*": "typo"}),
        Raises(ValueError, r"pattern\(s\) \['Norris-float32-\*'\] match no check"),
        id="run_checks-unmatched-xfail",
    ),
    pytest.param(
        lambda: _failed_with(
            _run(lambda X, y, **kw: Opaque()), r"cannot read coefficients from a .*Opaque"
        ),
        None,
        id="run_checks-unreadable-model-fails",
    ),
    pytest.param(
        lambda: _failed_with(
            _run(lambda X, y, **kw: (np.full(X.shape[1], np.nan), 0.0)), r"non-finite parameters"
        ),
        None,
        id="run_checks-nan-model-fails",
    ),
    pytest.param(
        lambda: _failed_with(
            _run(lambda X, y, **kw: (np.ones(X.shape[1] + 1), 0.0)),
            r"fit returned 2 coefficients for a design with 1 columns",
        ),
        None,
        id="run_checks-length-mismatch-fails",
    ),
    pytest.param(
        lambda: _failed_with(_run(lambda X, y, **kw: (np.ones((2, 3)), 0.0)), r"single output"),
        None,
        id="run_checks-multi-output-fails",
    ),
    pytest.param(
        lambda: _failed_with(
            _run(lambda X, y, **kw: ([1 + 1j] * X.shape[1], 0.0)),
            r"real numbers; got dtype complex",
        ),
        None,
        id="run_checks-complex-model-fails",
    ),
    pytest.param(
        lambda: _failed_with(
            _run(lambda X, y, **kw: 1 / 0), r"ZeroDivisionError raised while checking"
        ),
        None,
        id="run_checks-fit-raises-fails",
    ),
]


@pytest.mark.parametrize(("call", "outcome"), OTHER_CASES)
def test_other_input(call: Callable[[], Any], outcome: Raises | None) -> None:
    if outcome is None:
        call()  # a self-checking case: correct handling asserted inside
    else:
        _check(call, outcome)


def test_every_public_function_is_in_the_tables() -> None:
    """A new public function must get rows here; listing what is exempt, and why."""
    import inspect

    exempt: set[str] = set()  # none so far; add a name with the reason it needs no rows
    source = Path(__file__).read_text(encoding="utf-8")
    functions = [
        name
        for name in plr.__all__
        if inspect.isfunction(getattr(plr, name)) and not name.startswith("_")
    ]
    missing = [
        n
        for n in functions
        if n not in exempt and f"plr.{n}(" not in source and f'"{n}"' not in source
    ]
    assert not missing, f"public functions without bad-input rows: {missing}"
