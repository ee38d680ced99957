"""Hypothesis strategies of regression problems, each with the exact answer of its data.

:func:`problems` draws the *ingredients* of a problem (sizes, intercept, where the
ill-conditioning comes from, the condition number, the noise level, a seed) and builds the
:class:`~pytest_linreg.Dataset` from them. Shrinking therefore shrinks the ingredients, and the
reference is computed afresh for every example (never edited): it is the exact least-squares
solution of the stored float64 data, in rational arithmetic (``pytest_linreg.ols(X, y,
exact=True)``, cheap at these sizes) and rounded once, so a fitter of ``problem.X, problem.y``
is judged against the best answer its data allow.

The condition number, that of the column-equilibrated design with the intercept column when
fitted (:func:`pytest_linreg.condition_number`), is set by construction, not found by trial:

* ``"spread"``: singular values spread geometrically, :func:`pytest_linreg.make_ill_conditioned`.
* ``"collinear"``: two columns at angle ``θ`` among orthonormal ones; ``cond = cot(θ/2)``.
* ``"offset"``: every column ``offset + z_j`` with unit spread, as in Longley's data; the
  offset that gives the condition number is solved for in closed form (about
  ``cond / (p + 1)`` with an intercept).

Each problem is named from its ingredients and rebuilt from them by :class:`Recipe`.

This module needs the ``hypothesis`` extra (``pip install "pytest-linreg[hypothesis]"``);
``import pytest_linreg`` does not import it, and ``pytest_linreg.strategies`` loads it on first
use.

Examples
--------
>>> import numpy as np
>>> from hypothesis import given, settings
>>> import pytest_linreg as plr
>>> def my_fit(X, y, fit_intercept):  # Householder QR: columnwise backward stable
...     A = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
...     q, r = np.linalg.qr(A)
...     params = np.linalg.solve(r, q.T @ y)
...     return (params[1:], params[0]) if fit_intercept else params
>>> @settings(max_examples=10, derandomize=True, database=None, deadline=None)
... @given(plr.strategies.problems(max_cond=1e8))
... def test_my_fit(problem):
...     fitted = my_fit(problem.X, problem.y, problem.fit_intercept)
...     plr.assert_coefficients_close(fitted, problem, rtol="auto")
>>> test_my_fit()

``numpy.linalg.lstsq`` with its default ``rcond`` fails some of these problems, rightly: it
truncates the singular values of the design as given, and an offset of ``1e7`` puts that
design's condition number near ``1e15``, so it drops the intercept direction.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "pytest_linreg.strategies needs hypothesis, which is an optional extra: "
        'pip install "pytest-linreg[hypothesis]"'
    ) from exc

from .datasets import Dataset, MultiOutputDataset, make_ill_conditioned
from .datasets._building import _reference_tags as reference_tags
from .datasets.conditioning import _orthonormal
from .reference import MultiOutputResult, ols, one_output

__all__ = ["MAX_COND", "Recipe", "Structure", "multi_output_problems", "problems"]

FloatArray = npt.NDArray[np.float64]

#: Where a problem's ill-conditioning comes from (see the module docstring).
Structure = Literal["spread", "collinear", "offset"]
STRUCTURES: tuple[Structure, ...] = get_args(Structure)

#: Largest ``max_cond``: beyond it rounding the design moves the condition number by more than
#: ``1e-4`` relative, and float64 leaves few digits of the coefficients (``rtol="auto"`` may
#: call them not determined).
MAX_COND = 1e12

#: Condition numbers and noise levels are drawn as ``10**(j / LOG_STEPS)``: 1e4 and 1e8 exactly,
#: and names (three significant digits) that tell neighbouring grid points apart.
LOG_STEPS = 100

#: Largest power-of-two column scale exponent; ``2**±60`` keeps products far from overflow.
MAX_COLUMN_SCALE = 60


def _number(value: float) -> str:
    """``1e8``, ``1e-3``, ``224``: a name part made of ``[0-9a-z.-]`` only."""
    text = f"{value:.3g}"
    return text.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """The ingredients of one drawn problem; :meth:`build` makes the same dataset every time.

    A drawn dataset's ``description`` holds its recipe's ``repr``, so a failing example can be
    rebuilt outside hypothesis: ``Recipe(...).build()``.

    Attributes
    ----------
    structure : {"spread", "collinear", "offset"}
        Where the ill-conditioning comes from.
    n, p : int
        Rows, and columns of ``X`` (the intercept not counted).
    fit_intercept : bool
    cond : float
        Condition number of the equilibrated design (intercept column included when fitted).
    noise : float
        Standard deviation of the Gaussian noise added to ``y`` (0: zero residual).
    seed : int
        Seed of ``np.random.default_rng`` for the design, coefficients and noise.
    column_scale : int
        Columns are multiplied by powers of two ``2**e``, ``|e| <= column_scale``, drawn from
        the seed: exact, and the equilibrated condition number does not change.
    weight_decades : int
        A weighted problem when positive: ``sample_weight`` drawn log-uniformly from the seed
        over ``10**±weight_decades`` (``cond`` is the unweighted design's).
    alpha : float
        A ridge problem when positive (the intercept not penalised).
    outputs : int
        Responses sharing the design (:meth:`build_outputs`); the first is :meth:`build`'s
        ``y``, the others drawn from the seed like it.

    Examples
    --------
    >>> from pytest_linreg.strategies import Recipe
    >>> ds = Recipe("collinear", n=8, p=3, fit_intercept=True, cond=1e4, noise=0.0, seed=0).build()
    >>> ds.name
    'drawn_collinear_cond1e4_n8_p3_int_noise0_seed0'
    >>> ds.tags
    ('collinear', 'drawn', 'generated')
    """

    structure: Structure
    n: int
    p: int
    fit_intercept: bool
    cond: float
    noise: float
    seed: int
    column_scale: int = 0
    weight_decades: int = 0
    alpha: float = 0.0
    outputs: int = 1

    @property
    def name(self) -> str:
        """Dataset name (the pytest id): every ingredient, in characters ``[0-9a-z._-]``."""
        parts = [
            f"drawn_{self.structure}_cond{_number(self.cond)}_n{self.n}_p{self.p}",
            "int" if self.fit_intercept else "noint",
            f"noise{_number(self.noise)}",
        ]
        if self.column_scale:
            parts.append(f"scale{self.column_scale}")
        if self.weight_decades:
            parts.append(f"weighted{self.weight_decades}")
        if self.alpha:
            parts.append(f"alpha{_number(self.alpha)}")
        if self.outputs > 1:
            parts.append(f"out{self.outputs}")
        parts.append(f"seed{self.seed}")
        return "_".join(parts)

    def build(self) -> Dataset:
        """The dataset: design, response, and the exact solution of that data, rounded once."""
        if self.outputs != 1:
            raise ValueError(f"build() makes one output; use build_outputs() for {self.outputs}")
        X, y, weights, tags = self._data()
        # Exact rational least squares on the float64 data (cheap at these sizes, and faster
        # than the refined float solver): the reference is the exact answer rounded once.
        result = one_output(ols(X, y, fit_intercept=self.fit_intercept, exact=True,
                                sample_weight=weights, alpha=self.alpha))
        return Dataset._solved(
            self.name, X, y, result, tags=(*tags, *reference_tags(result), "drawn"),
            description=self._description(), seed=self.seed, sample_weight=weights,
            alpha=self.alpha,
        )

    def build_outputs(self) -> MultiOutputDataset:
        """The dataset of ``outputs ≥ 2`` responses on one design, each with its exact answer."""
        if self.outputs < 2:
            raise ValueError(f"build_outputs() needs outputs >= 2; got {self.outputs}")
        X, y, weights, tags = self._data()
        rng = np.random.default_rng([3, self.seed])  # apart from the design's stream
        noise = self.noise * rng.standard_normal((self.n, self.outputs - 1))
        beta = rng.choice([-1.0, 1.0], size=(self.p + 1, self.outputs - 1)) * rng.uniform(
            0.5, 2.0, size=(self.p + 1, self.outputs - 1))
        extra = X @ beta[1:] + (beta[0] if self.fit_intercept else 0.0) + noise
        Y = np.column_stack([y, extra])
        result = ols(X, Y, fit_intercept=self.fit_intercept, exact=True, sample_weight=weights,
                     alpha=self.alpha)
        assert isinstance(result, MultiOutputResult)
        return MultiOutputDataset.solved(
            self.name, X, Y, result, tags=(*tags, "multi-output", "drawn"),
            description=self._description(), seed=self.seed, sample_weight=weights,
            alpha=self.alpha, output_names=None,
        )

    def _description(self) -> str:
        method = "build_outputs" if self.outputs > 1 else "build"
        return (
            f"Drawn by pytest_linreg.strategies: {self.n}x{self.p} design, "
            f"{self.structure} structure, condition number {self.cond:.3g}, noise "
            f"{self.noise:g}; reference is the exact solution of the stored data, rounded "
            f"once. Rebuild: pytest_linreg.strategies.{self!r}.{method}()"
        )

    def _data(self) -> tuple[FloatArray, FloatArray, FloatArray | None, tuple[str, ...]]:
        """``X``, the first response, the weights and the tags, from the recipe alone."""
        if self.structure not in STRUCTURES:
            raise ValueError(f"structure must be one of {STRUCTURES}; got {self.structure!r}")
        if not 0 <= self.column_scale <= MAX_COLUMN_SCALE:
            raise ValueError(
                f"column_scale must be in [0, {MAX_COLUMN_SCALE}]; got {self.column_scale}"
            )
        if not 1.0 <= self.cond <= MAX_COND:
            raise ValueError(f"cond must be in [1, {MAX_COND:g}]; got {self.cond!r}")
        if self.structure == "spread":
            ds = make_ill_conditioned(
                self.n, self.p, self.cond, seed=self.seed, fit_intercept=self.fit_intercept,
                noise=self.noise, name=self.name,
            )
            X, y = ds.X, ds.y
            tags: tuple[str, ...] = ("generated",)
        else:
            X, y, tags = self._constructed()
        if self.column_scale:
            rng = np.random.default_rng([1, self.seed])  # apart from the design's stream
            e = rng.integers(-self.column_scale, self.column_scale + 1, size=self.p)
            X = np.ldexp(X, e)  # exact, and the equilibrated condition number is unchanged
            tags = (*tags, "scaled")
        weights = None
        if self.weight_decades:
            rng = np.random.default_rng([2, self.seed])  # apart from the design's stream
            weights = 10.0 ** rng.uniform(-self.weight_decades, self.weight_decades, self.n)
            tags = (*tags, "weighted")
        if self.alpha:
            tags = (*tags, "ridge")
        return X, y, weights, tags

    def _constructed(self) -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
        """The ``collinear`` and ``offset`` data, ``y`` drawn as ``make_ill_conditioned`` does."""
        if self.structure == "collinear" and self.p < 2:
            raise ValueError(f"a collinear pair needs p >= 2; got p={self.p}")
        if self.structure == "offset" and self.p < 2 and not self.fit_intercept:
            raise ValueError("an offset changes the condition only with an intercept or p >= 2")
        k = self.p + int(self.fit_intercept)
        needed = max(k + int(self.noise > 0), self.p + 1 if self.structure == "offset" else 0)
        if self.n < needed:
            raise ValueError(f"the {self.structure} structure needs n >= {needed}; got n={self.n}")
        rng = np.random.default_rng(self.seed)
        if self.structure == "collinear":
            X = _collinear_design(rng, self.n, self.p, self.cond, self.fit_intercept)
            tags: tuple[str, ...] = ("collinear", "generated")
        else:
            X = _offset_design(rng, self.n, self.p, self.cond, self.fit_intercept)
            tags = ("generated", "offset")
        beta = rng.choice([-1.0, 1.0], size=self.p + 1) * rng.uniform(0.5, 2.0, size=self.p + 1)
        y = (beta[0] if self.fit_intercept else 0.0) + X @ beta[1:]
        if self.noise > 0:
            y = y + self.noise * rng.standard_normal(self.n)
        return X, y, tags


def _ones_frame(rng: np.random.Generator, n: int, m: int) -> FloatArray:
    """n x m orthonormal columns, the first ``ones / sqrt(n)``, the others random."""
    G = rng.standard_normal((n, m))
    G[:, 0] = 1.0
    q, r = np.linalg.qr(G)
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def _collinear_design(
    rng: np.random.Generator, n: int, p: int, cond: float, fit_intercept: bool
) -> FloatArray:
    """Orthonormal columns (centred with an intercept) but two at angle ``2·atan(1/cond)``.

    The Gram matrix of the unit columns is the identity but for one 2x2 block
    ``[[1, cos θ], [cos θ, 1]]``, eigenvalues ``1 ± cos θ``: the condition number is
    ``sqrt((1 + cos θ) / (1 - cos θ)) = cot(θ/2)``.
    """
    U = _ones_frame(rng, n, p + 1)[:, 1:] if fit_intercept else _orthonormal(rng, n, p)
    a, b = (int(i) for i in rng.choice(p, size=2, replace=False))
    theta = 2.0 * math.atan(1.0 / cond)
    A = U.copy()
    A[:, b] = math.cos(theta) * U[:, a] + math.sin(theta) * U[:, b]
    # Columns of RMS about 1, scaled by a power of two (exact), as make_ill_conditioned does.
    X: FloatArray = A * math.ldexp(1.0, round(math.log2(math.sqrt(n))))
    return X


def _offset_sine(p: int, cond: float, fit_intercept: bool) -> float:
    """``s = sin α`` such that unit columns ``cos α·e0 + sin α·u_j`` have condition ``cond``.

    ``e0 = ones/sqrt(n)`` and the ``u_j`` are orthonormal and orthogonal to it. Without the
    ones column in the design the Gram matrix is ``c²·11ᵀ + s²·I``: eigenvalues ``s² + p·c²``
    and ``s²``, so ``s² = p / (cond² - 1 + p)``. With it, vectors orthogonal to ``(0, 1)``
    give ``s²`` and the rest a 2x2 block of trace ``2 + c²(p - 1)`` and determinant ``s²``:
    its eigenvalues are ``s·cond`` and ``s/cond``, which bracket ``s²``, so
    ``(p - 1)s² + (cond + 1/cond)s - (p + 1) = 0``; the positive root is written without
    cancellation.
    """
    if not fit_intercept:
        return math.sqrt(p / (cond * cond - 1.0 + p))
    b = cond + 1.0 / cond
    return 2.0 * (p + 1) / (b + math.sqrt(b * b + 4.0 * (p - 1) * (p + 1)))


def _offset_design(
    rng: np.random.Generator, n: int, p: int, cond: float, fit_intercept: bool
) -> FloatArray:
    """Columns ``offset + z_j`` (``z_j`` centred, orthogonal, RMS 1) of condition ``cond``."""
    s = _offset_sine(p, cond, fit_intercept)
    offset = math.sqrt(max(0.0, 1.0 - s * s)) / s
    # offset·1 + sqrt(n)·u_j is (sqrt(n)/s)·(c·e0 + s·u_j): same direction, so same condition.
    return offset + math.sqrt(n) * _ones_frame(rng, n, p + 1)[:, 1:]


def _range(value: Any, what: str, low: int) -> tuple[int, int]:
    """``(lo, hi)`` integers with ``low <= lo <= hi``, from a pair or a single int."""
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if (
        not isinstance(pair, tuple)
        or len(pair) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
    ):
        raise TypeError(f"{what} must be an int or a (min, max) tuple of ints; got {value!r}")
    lo, hi = pair
    if not low <= lo <= hi:
        raise ValueError(f"{what} must satisfy {low} <= min <= max; got {value!r}")
    return lo, hi


def _strategy(value: Any, what: str) -> st.SearchStrategy[bool]:
    """A bool as ``just(value)``, ``None`` as ``booleans()``, a strategy as itself."""
    if value is None:
        return st.booleans()
    if isinstance(value, (bool, np.bool_)):
        return st.just(bool(value))
    if isinstance(value, st.SearchStrategy):
        return value
    raise TypeError(f"{what} must be a bool, a strategy of bools or None; got {value!r}")


def _log_grid(draw: st.DrawFn, low: float, high: float) -> float:
    """``10**(j/LOG_STEPS)`` in ``[low, high]`` (shrinking towards ``low``), or ``low``."""
    j_lo = math.ceil(round(LOG_STEPS * math.log10(low), 9))
    j_hi = math.floor(round(LOG_STEPS * math.log10(high), 9))
    if j_lo > j_hi:  # the range holds no grid point
        return low if low == high else draw(st.floats(low, high))
    return min(max(math.pow(10.0, draw(st.integers(j_lo, j_hi)) / LOG_STEPS), low), high)


def problems(
    *,
    n: int | tuple[int, int] = (2, 30),
    p: int | tuple[int, int] = (1, 6),
    min_cond: float = 1.0,
    max_cond: float = 1e8,
    fit_intercept: bool | st.SearchStrategy[bool] | None = None,
    collinearity: bool = True,
    offsets: bool = True,
    noise: tuple[float, float] | None = (1e-8, 1e-1),
    column_scale: int = 0,
    weights: bool = False,
    alpha: tuple[float, float] | None = None,
) -> st.SearchStrategy[Dataset]:
    """Strategy of regression problems whose reference is the exact answer of their data.

    Parameters
    ----------
    n : int or (int, int), default (2, 30)
        Rows. The lower bound is raised to the number of parameters (one more for a noisy
        problem), so the smallest problems are square; the upper bound must leave room for
        ``p``'s lower bound, an intercept and a residual (``max >= p_min + 2``).
    p : int or (int, int), default (1, 6)
        Columns of ``X``, the intercept not counted; capped per draw so that ``n``'s maximum
        leaves a residual degree of freedom.
    min_cond, max_cond : float, default 1, 1e8
        Range of the condition number of the column-equilibrated design, intercept column
        included when fitted (:func:`pytest_linreg.condition_number`); ``1 <= min_cond <=
        max_cond <=`` :data:`MAX_COND`. Drawn log-uniformly on ``10**(j/100)``, shrinking
        towards ``min_cond``. The realised value is the drawn one up to rounding the design
        (relative ``1e-8`` at ``1e8``). A single column without intercept has condition 1,
        so ``min_cond > 1`` draws ``p >= 2`` for those.
    fit_intercept : bool or strategy of bool, optional
        Default: drawn (``hypothesis.strategies.booleans()``).
    collinearity : bool, default True
        Allow problems whose ill-conditioning is one near-collinear pair of columns.
    offsets : bool, default True
        Allow problems whose columns share a large offset relative to their spread (Longley);
        the offset is what the condition number asks for, about ``cond / (p + 1)``.
        Otherwise (and always as one choice) the singular values are spread geometrically
        (:func:`pytest_linreg.make_ill_conditioned`).
    noise : (float, float) or None, default (1e-8, 0.1)
        Range of the standard deviation of Gaussian noise added to ``y``, drawn log-uniformly
        like the condition number, or 0 (a zero-residual problem, what shrinking moves
        towards); ``None``: always 0.
        ``y`` is of order 1, but noise in the ill-conditioned direction is amplified by up to
        ``cond`` in the coefficients.
    column_scale : int, default 0
        Multiply the columns by powers of two ``2**e``, ``|e| <= column_scale`` (a drawn bound;
        exponents from the seed): columns of very different magnitudes, same condition number.

    weights : bool, default False
        Also draw weighted problems: ``sample_weight`` over up to three decades either side
        of 1 (unweighted is one choice, what shrinking moves towards).
    alpha : (float, float), optional
        Also draw ridge problems, ``alpha`` log-uniform in the range (0, no penalty, is one
        choice). The reference is then the exact ridge solution.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Dataset
        Each dataset is named from its ingredients (``drawn_offset_cond1e4_n9_p2_int_noise0
        _seed3``, a valid pytest id), tagged ``drawn``, and its ``description`` holds the
        :class:`Recipe` that rebuilds it. ``coef``/``intercept`` are the exact OLS solution of
        the stored float64 data, rounded once (``certified`` is False, as for every dataset
        whose reference is computed from its float64 data rather than given).

    Raises
    ------
    ValueError, TypeError
        For ranges that are empty, out of bounds or of the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> import pytest_linreg as plr
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, derandomize=True, database=None, deadline=None)
    ... @given(plr.strategies.problems(p=(2, 4), min_cond=1e3, max_cond=1e6, noise=None))
    ... def test_zero_residual(problem):
    ...     assert 2 <= problem.p <= 4 and problem.name.startswith("drawn_")
    ...     residual = problem.y - problem.intercept - problem.X @ problem.coef
    ...     assert np.linalg.norm(residual) <= 1e-6 * np.linalg.norm(problem.y)
    >>> test_zero_residual()
    """
    return _recipes(
        n=n, p=p, min_cond=min_cond, max_cond=max_cond, fit_intercept=fit_intercept,
        collinearity=collinearity, offsets=offsets, noise=noise, column_scale=column_scale,
        weights=weights, alpha=alpha, outputs=(1, 1),
    ).map(Recipe.build)


def multi_output_problems(
    *,
    outputs: int | tuple[int, int] = (2, 4),
    n: int | tuple[int, int] = (2, 30),
    p: int | tuple[int, int] = (1, 6),
    min_cond: float = 1.0,
    max_cond: float = 1e8,
    fit_intercept: bool | st.SearchStrategy[bool] | None = None,
    collinearity: bool = True,
    offsets: bool = True,
    noise: tuple[float, float] | None = (1e-8, 1e-1),
    column_scale: int = 0,
    weights: bool = False,
    alpha: tuple[float, float] | None = None,
) -> st.SearchStrategy[MultiOutputDataset]:
    """Strategy of problems with several responses on one design, each with its exact answer.

    ``outputs``: the number of responses, ``>= 2`` (shrinking towards the smallest); the other
    arguments as :func:`problems`. Each drawn :class:`~pytest_linreg.MultiOutputDataset`'s
    first output is the problem :func:`problems` would draw from the same recipe.

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3, derandomize=True, database=None, deadline=None)
    ... @given(plr.strategies.multi_output_problems(outputs=3, max_cond=1e4))
    ... def test_outputs(problem):
    ...     assert problem.n_outputs == 3 and problem.coef.shape == (3, problem.p)
    >>> test_outputs()
    """
    lo, hi = _range(outputs, "outputs", 2)
    return _recipes(
        n=n, p=p, min_cond=min_cond, max_cond=max_cond, fit_intercept=fit_intercept,
        collinearity=collinearity, offsets=offsets, noise=noise, column_scale=column_scale,
        weights=weights, alpha=alpha, outputs=(lo, hi),
    ).map(Recipe.build_outputs)


def _recipes(
    *,
    n: int | tuple[int, int],
    p: int | tuple[int, int],
    min_cond: float,
    max_cond: float,
    fit_intercept: bool | st.SearchStrategy[bool] | None,
    collinearity: bool,
    offsets: bool,
    noise: tuple[float, float] | None,
    column_scale: int,
    weights: bool,
    alpha: tuple[float, float] | None,
    outputs: tuple[int, int],
) -> st.SearchStrategy[Recipe]:
    """The recipes :func:`problems` and :func:`multi_output_problems` build (arguments checked)."""
    n_lo, n_hi = _range(n, "n", 1)
    p_lo, p_hi = _range(p, "p", 1)
    cond_lo, cond_hi = _cond_range(min_cond, max_cond)
    intercepts = _strategy(fit_intercept, "fit_intercept")
    noise_range = _noise_range(noise)
    alpha_range = _alpha_range(alpha)
    if not isinstance(column_scale, int) or not 0 <= column_scale <= MAX_COLUMN_SCALE:
        raise ValueError(
            f"column_scale must be an int in [0, {MAX_COLUMN_SCALE}]; got {column_scale!r}"
        )
    if n_hi < p_lo + 2:
        raise ValueError(
            f"n's maximum {n_hi} leaves no room for {p_lo} column(s), an intercept and a "
            f"residual; need n max >= {p_lo + 2}"
        )
    if fit_intercept is False and p_hi < 2 and cond_lo > 1.0:
        raise ValueError(
            f"a single column without intercept has condition number 1, below min_cond={cond_lo}"
        )
    allowed = [
        s for s in STRUCTURES if s == "spread" or (collinearity if s == "collinear" else offsets)
    ]

    @st.composite
    def recipes(draw: st.DrawFn) -> Recipe:
        fi = draw(intercepts)
        # One column without intercept cannot be ill-conditioned; when the range forbids that
        # and p allows no second column, there is no such problem.
        p_min = max(p_lo, 2) if not fi and cond_lo > 1.0 else p_lo
        p_max = min(p_hi, n_hi - int(fi) - 1)
        assume(p_min <= p_max)  # false only for a drawn fit_intercept=False with p = (1, 1)
        cols = draw(st.integers(p_min, p_max))
        k = cols + int(fi)
        feasible: list[Structure] = [
            s for s in allowed
            if k > 1 and (s != "collinear" or cols >= 2) and (s != "offset" or fi or cols >= 2)
        ]
        structure: Structure = draw(st.sampled_from(feasible)) if feasible else "spread"
        cond = 1.0 if k == 1 else _log_grid(draw, cond_lo, cond_hi)
        sd = 0.0
        if noise_range is not None and draw(st.booleans()):
            sd = _log_grid(draw, *noise_range)
        # The offset direction (ones) must fit beside the columns even without an intercept.
        rows_min = max(n_lo, k + int(sd > 0), cols + 1 if structure == "offset" else 0)
        rows = draw(st.integers(rows_min, n_hi))
        scale = draw(st.integers(0, column_scale))
        decades = draw(st.integers(0, 3)) if weights else 0
        penalty = 0.0
        if alpha_range is not None and draw(st.booleans()):
            penalty = _log_grid(draw, *alpha_range)
        # Drawn only when there is a choice: problems() keeps the draws (and so the examples
        # a derandomised run finds) it had before outputs existed.
        k_out = outputs[0] if outputs[0] == outputs[1] else draw(st.integers(*outputs))
        seed = draw(st.integers(0, 2**32 - 1))
        return Recipe(structure, rows, cols, fi, cond, sd, seed, scale, decades, penalty, k_out)

    return recipes()


def _alpha_range(alpha: Any) -> tuple[float, float] | None:
    """``alpha=(low, high)``: a range of positive penalties, or None."""
    if alpha is None:
        return None
    if (
        not isinstance(alpha, tuple) or len(alpha) != 2
        or not all(isinstance(a, (int, float)) and math.isfinite(a) and a > 0 for a in alpha)
        or alpha[0] > alpha[1]
    ):
        raise ValueError(f"alpha must be a (low, high) range of finite numbers > 0; got {alpha!r}")
    return float(alpha[0]), float(alpha[1])


def _cond_range(min_cond: Any, max_cond: Any) -> tuple[float, float]:
    for value, what in ((min_cond, "min_cond"), (max_cond, "max_cond")):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{what} must be a real number; got {value!r}")
    lo, hi = float(min_cond), float(max_cond)
    if not 1.0 <= lo <= hi <= MAX_COND:
        raise ValueError(
            f"need 1 <= min_cond <= max_cond <= {MAX_COND:g}; got min_cond={min_cond!r}, "
            f"max_cond={max_cond!r}"
        )
    return lo, hi


def _noise_range(noise: Any) -> tuple[float, float] | None:
    if noise is None:
        return None
    if (
        not isinstance(noise, tuple)
        or len(noise) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in noise)
    ):
        raise TypeError(f"noise must be None or a (min, max) tuple of floats; got {noise!r}")
    lo, hi = float(noise[0]), float(noise[1])
    if not 0.0 < lo <= hi <= 1e3:
        raise ValueError(f"noise must satisfy 0 < min <= max <= 1e3; got {noise!r}")
    return lo, hi

