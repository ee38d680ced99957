"""scikit-learn: weighted, ridge and multi-target fits, each against the problem it solves."""

from __future__ import annotations

import numpy as np
import pytest

import pytest_linreg as plr

linear_model = pytest.importorskip("sklearn.linear_model", reason="scikit-learn is not installed")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((80, 3)) + np.array([0.0, 2.0, -1.0])
Y = X @ RNG.standard_normal((3, 3)) + 0.7 + 0.05 * RNG.standard_normal((80, 3))
W = RNG.uniform(0.1, 10.0, size=80)


def test_linear_regression_with_sample_weight() -> None:
    ds = plr.Dataset.from_arrays("weighted", X, Y[:, 0], sample_weight=W)
    model = linear_model.LinearRegression().fit(X, Y[:, 0], sample_weight=W)
    plr.assert_coefficients_close(model, ds, rtol=1e-7)


def test_ridge_alpha_1() -> None:
    ds = plr.Dataset.from_arrays("ridge", X, Y[:, 0], alpha=1.0)
    plr.assert_coefficients_close(linear_model.Ridge(alpha=1.0).fit(X, Y[:, 0]), ds, rtol=1e-7)


def test_the_unweighted_fit_is_another_problem_s_answer() -> None:
    ds = plr.Dataset.from_arrays("weighted", X, Y[:, 0], sample_weight=W)
    with pytest.raises(plr.LinregAssertionError, match="problem: weighted"):
        plr.assert_coefficients_close(linear_model.LinearRegression().fit(X, Y[:, 0]), ds)


def test_three_targets() -> None:
    ds = plr.MultiOutputDataset.from_arrays("three", X, Y)
    plr.assert_coefficients_close(linear_model.LinearRegression().fit(X, Y), ds, rtol=1e-7)
