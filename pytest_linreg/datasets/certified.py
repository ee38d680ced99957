"""The NIST StRD linear-regression datasets, parsed from NIST's original files.

The eleven files (``pytest_linreg/data/strd/<Name>.dat``, public domain, CRLF line endings)
are shipped unchanged; see ``PROVENANCE.md`` there. Everything a :class:`Dataset` holds is read
from the file: the data block, the certified coefficients with their standard deviations, the
residual standard deviation, R², NIST's level of difficulty and whether the data are observed
or generated. Only the shape of the model is inferred, from the header:

* several predictors -> one column per predictor (Longley);
* one predictor and ``B0`` among the parameters -> polynomial with intercept, degree =
  number of parameters - 1 (Norris linear, Pontius quadratic, Filip 10, Wampler1-5 5);
* one predictor without ``B0`` -> ``y = B1*x`` without intercept (NoInt1, NoInt2).

Two forms of the design are kept, and they differ on purpose:

``X`` (float64)
    ``float(text)`` of each value, powers formed in float64 as users do (``x ** k`` on a
    float64 array). These are the data a float solver sees. Their *exact* OLS solution is
    not NIST's certified answer: rounding the data moves it (Filip keeps about 7.6 digits).
``exact_X``, ``exact_y`` (object arrays of :class:`fractions.Fraction`)
    The decimal text exactly, powers formed exactly (``Fraction(text) ** k``). Solving these
    in rational arithmetic reproduces the certified values (NIST computed them from the same
    decimal data in extended precision; Rogers, Filliben, Gill, Guthrie, Lagergren & Vangel,
    "StRD: Statistical Reference Datasets for testing the numerical accuracy of statistical
    software", NIST 1998).

References
----------
McCullough, B. D. (1998). Assessing the reliability of statistical software: Part I.
*The American Statistician* 52(4), 358-366.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources

import numpy as np
import numpy.typing as npt

from ._dataset import Dataset

__all__ = ["NIST_NAMES", "load_nist", "nist_tags"]

#: The eleven NIST StRD linear-regression datasets, in NIST's order of difficulty.
NIST_NAMES: tuple[str, ...] = (
    "Norris",
    "Pontius",
    "NoInt1",
    "NoInt2",
    "Filip",
    "Longley",
    "Wampler1",
    "Wampler2",
    "Wampler3",
    "Wampler4",
    "Wampler5",
)

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PARAM_RE = re.compile(rf"^\s*B(\d+)\s+({_NUMBER})\s+({_NUMBER})\s*$")
_LINES_RE = re.compile(r"Data\s+\(lines\s+(\d+)\s+to\s+(\d+)\)")
_RESID_RE = re.compile(rf"^\s*Standard Deviation\s+({_NUMBER})\s*$")
_R2_RE = re.compile(rf"^\s*R-Squared\s+({_NUMBER})\s*$")
_PREDICTORS_RE = re.compile(r"(\d+)\s+Predictor Variable")
_DIFFICULTY_RE = re.compile(r"(Lower|Average|Higher)\s+Level of Difficulty")
_KIND_RE = re.compile(r"(Observed|Generated)\s+Data")
_MODEL_RE = re.compile(r"^\s*y\s*=\s*(.*?)\s*$")


@dataclass(frozen=True)
class _Header:
    """What the header of a StRD file says, before the data are read."""

    name: str
    n_predictors: int
    difficulty: str
    kind: str
    model: str
    reference: str
    has_intercept: bool
    n_params: int
    first_data_line: int
    last_data_line: int


def _read_text(name: str) -> list[str]:
    """Lines of the packaged file ``<name>.dat`` with the CRLF endings removed."""
    if name not in NIST_NAMES:
        raise ValueError(f"unknown NIST StRD dataset {name!r}; expected one of {list(NIST_NAMES)}")
    data = resources.files("pytest_linreg") / "data" / "strd" / f"{name}.dat"
    return data.read_text(encoding="ascii").splitlines()


def _search(pattern: re.Pattern[str], lines: list[str], what: str, name: str) -> re.Match[str]:
    for line in lines:
        match = pattern.search(line)
        if match:
            return match
    raise ValueError(f"NIST file {name}.dat: no {what} line found")


def _parse_header(name: str, lines: list[str]) -> _Header:
    lines_match = _search(_LINES_RE, lines, "'Data (lines a to b)'", name)
    params = [m for m in (_PARAM_RE.match(line) for line in lines[: int(lines_match[1])]) if m]
    model = _search(_MODEL_RE, lines, "model 'y = ...'", name)[1]
    ref_line = next((line for line in lines if line.startswith("Reference:")), "")
    return _Header(
        name=name,
        n_predictors=int(_search(_PREDICTORS_RE, lines, "predictor count", name)[1]),
        difficulty=_search(_DIFFICULTY_RE, lines, "level of difficulty", name)[1].lower(),
        kind=_search(_KIND_RE, lines, "observed/generated", name)[1].lower(),
        model=re.sub(r"\s*\+\s*e$", "", model),
        reference=ref_line.partition(":")[2].strip(),
        has_intercept=any(m[1] == "0" for m in params),
        n_params=len(params),
        first_data_line=int(lines_match[1]),
        last_data_line=int(lines_match[2]),
    )


def _tags(header: _Header, residual_std: float | None = None) -> tuple[str, ...]:
    tags = {"nist", "certified", header.difficulty, header.kind}
    if header.n_predictors == 1 and header.n_params - int(header.has_intercept) >= 2:
        tags.add("polynomial")
    if not header.has_intercept:
        tags.add("no-intercept")
    if residual_std == 0.0:
        tags.add("zero-residual")
    return tuple(sorted(tags))


def nist_tags(name: str) -> tuple[str, ...]:
    """Tags of a NIST dataset, read from its header only (cheap; used by the registry).

    ``zero-residual`` needs the certified values and is added by :func:`load_nist` only when
    the residual standard deviation is certified as exactly zero, so it is read here too.
    """
    lines = _read_text(name)
    header = _parse_header(name, lines)
    return _tags(header, _certified_scalars(name, lines)[0])


def _certified_scalars(name: str, lines: list[str]) -> tuple[float, float]:
    """Certified residual standard deviation and R², as parsed."""
    resid = float(_search(_RESID_RE, lines, "residual standard deviation", name)[1])
    r2 = float(_search(_R2_RE, lines, "R-Squared", name)[1])
    return resid, r2


def _certified_params(name: str, lines: list[str], header: _Header) -> tuple[list[str], list[str]]:
    """Certified estimates and standard deviations as text, ordered B0 (if any), B1, ..."""
    found: dict[int, tuple[str, str]] = {}
    for line in lines[: header.first_data_line - 1]:
        match = _PARAM_RE.match(line)
        if match:
            found[int(match[1])] = (match[2], match[3])
    first = 0 if header.has_intercept else 1
    expected = list(range(first, first + len(found)))
    if sorted(found) != expected:
        raise ValueError(f"NIST file {name}.dat: parameters {sorted(found)}, expected {expected}")
    return [found[k][0] for k in expected], [found[k][1] for k in expected]


def _data_block(name: str, lines: list[str], header: _Header) -> list[list[str]]:
    """The data rows as text fields, from the line range the header announces (1-based)."""
    rows = [line.split() for line in lines[header.first_data_line - 1 : header.last_data_line]]
    width = 1 + header.n_predictors
    bad = [i for i, row in enumerate(rows) if len(row) != width]
    if bad:
        raise ValueError(f"NIST file {name}.dat: data rows {bad[:5]} do not have {width} fields")
    return rows


def _design(
    header: _Header, x_text: list[list[str]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.object_], tuple[str, ...]]:
    """Float and exact designs following the certified model, and the feature names."""
    if header.n_predictors > 1:
        names = tuple(f"x{j + 1}" for j in range(header.n_predictors))
        X = np.array([[float(v) for v in row] for row in x_text], dtype=np.float64)
        exact = np.array([[Fraction(v) for v in row] for row in x_text], dtype=object)
        return X, exact, names
    degree = header.n_params - int(header.has_intercept)
    names = ("x", *(f"x^{k}" for k in range(2, degree + 1)))
    x = np.array([float(row[0]) for row in x_text], dtype=np.float64)
    # Float powers as a user forms them (``x ** k`` on a float64 array): these rounded columns
    # are what every float solver is handed, so the float reference is judged against them.
    X = np.column_stack([x**k for k in range(1, degree + 1)])
    xe = [Fraction(row[0]) for row in x_text]
    exact = np.array([[v**k for k in range(1, degree + 1)] for v in xe], dtype=object)
    return X, exact, names


def load_nist(name: str) -> Dataset:
    """Load one NIST StRD linear-regression dataset with its certified values.

    Parameters
    ----------
    name : str
        One of :data:`NIST_NAMES` (``"Norris"``, ``"Pontius"``, ``"NoInt1"``, ``"NoInt2"``,
        ``"Filip"``, ``"Longley"``, ``"Wampler1"`` ... ``"Wampler5"``).

    Returns
    -------
    Dataset
        ``coef``/``intercept`` are the certified values (``float`` of NIST's text),
        ``coef_std``/``intercept_std`` their certified standard deviations, ``certified=True``,
        and ``exact_X``/``exact_y`` the decimal data as ``Fraction`` (powers formed exactly).

    Raises
    ------
    ValueError
        For a name that is not a NIST StRD linear-regression dataset.

    Examples
    --------
    >>> from pytest_linreg.datasets.certified import load_nist
    >>> ds = load_nist("Filip")
    >>> ds.X.shape, ds.feature_names[:3], ds.tags
    ((82, 10), ('x', 'x^2', 'x^3'), ('certified', 'higher', 'nist', 'observed', 'polynomial'))
    >>> float(ds.coef[-1])
    -4.02962525080404e-05
    """
    lines = _read_text(name)
    header = _parse_header(name, lines)
    estimates, stds = _certified_params(name, lines, header)
    residual_std, r_squared = _certified_scalars(name, lines)
    rows = _data_block(name, lines, header)
    X, exact_X, names = _design(header, [row[1:] for row in rows])
    first = int(header.has_intercept)
    return Dataset(
        name=name,
        X=X,
        y=np.array([float(row[0]) for row in rows], dtype=np.float64),
        fit_intercept=header.has_intercept,
        coef=np.array([float(v) for v in estimates[first:]], dtype=np.float64),
        intercept=float(estimates[0]) if header.has_intercept else 0.0,
        certified=True,
        feature_names=names,
        tags=_tags(header, residual_std),
        description=_description(header, len(rows)),
        coef_std=np.array([float(v) for v in stds[first:]], dtype=np.float64),
        intercept_std=float(stds[0]) if header.has_intercept else None,
        residual_std=residual_std,
        r_squared=r_squared,
        exact_X=exact_X,
        exact_y=np.array([Fraction(row[0]) for row in rows], dtype=object),
    )


def _description(header: _Header, n: int) -> str:
    text = (
        f"NIST StRD {header.name}: y = {header.model}; {n} observations, "
        f"{header.kind} data, {header.difficulty} level of difficulty. Certified values by NIST/ITL"
    )
    if header.reference:
        text += f"; data from {header.reference.rstrip('.')}"
    if header.name == "Longley":
        # The file names the predictors x1..x6 only; Longley (1967) says what they are.
        text += (
            " (y employment; x1 GNP deflator, x2 GNP, x3 unemployed, x4 armed forces,"
            " x5 population, x6 year)"
        )
    return text + "."
