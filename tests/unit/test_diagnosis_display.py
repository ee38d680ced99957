"""How a :class:`Diagnosis` prints (issue 11), and ``diagnose(dataset)``.

The default dataclass repr of Filip's diagnosis was ~3 500 characters of arrays, and
``diagnose(ds.X, ds.y)`` named the columns ``x1 … x10`` where the dataset says ``x, x^2 …``.
The text must be short, use the dataset's names, hold no negative zero, and not depend on the
last bit of the data (another BLAS, data read back one ulp off).
"""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import numpy.typing as npt
import pytest

import pytest_linreg as plr
from pytest_linreg.datasets import Dataset
from pytest_linreg.diagnostics import Diagnosis, _fixed, diagnose

FloatArray = npt.NDArray[np.float64]


@pytest.fixture(scope="module")
def filip() -> Dataset:
    return plr.load_dataset("Filip")


def _one_ulp_off(a: FloatArray, seed: int) -> FloatArray:
    """``a`` with about a third of its entries moved one ulp up or down, at random."""
    rng = np.random.default_rng(seed)
    moved = rng.random(a.shape) < 0.3
    up = rng.random(a.shape) < 0.5
    return np.where(moved, np.where(up, np.nextafter(a, np.inf), np.nextafter(a, -np.inf)), a)


class _Checker(HTMLParser):
    """Records start tags and the text, and fails on any unbalanced or stray end tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"stray </{tag}>"
        assert self.stack.pop() == tag, f"</{tag}> closes another element"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.stack == [], f"unclosed elements: {checker.stack}"
    return checker


def _printed_fields(d: Diagnosis) -> dict[str, object]:
    """Every field the text shows, as plain values (arrays as lists)."""
    return {
        "param_names": d.param_names,
        "n": d.n,
        "k": d.k,
        "fit_intercept": d.fit_intercept,
        "condition_number": d.condition_number,
        "rank": d.rank,
        "near_null": [(c.text, c.singular_value) for c in d.near_null],
        "componentwise_condition": d.componentwise_condition.tolist(),
        "attainable": {name: acc.tolist() for name, acc in d.attainable.items()},
        "response_known": d.response_known,
    }


def test_filip_str_is_a_short_table_with_the_datasets_names(filip: Dataset) -> None:
    assert filip.feature_names[:3] == ("x", "x^2", "x^3")
    text = str(diagnose(filip))
    lines = text.splitlines()
    assert len(lines) < 40 and len(text) < 3000, text
    assert lines[0] == (
        "Diagnosis: n=82, k=11, condition number 5.21e+09, rank 11/11, intercept fitted"
    )
    assert lines[1] == "near-null combinations (σ/σmax):"
    assert lines[2].startswith("  1.92e-10  x + 0.84·x^2 + ")
    rows = {line.split()[0]: line.split()[1:] for line in lines[-11:]}
    assert list(rows) == ["intercept", *filip.feature_names]
    assert all(len(cells) == 3 for cells in rows.values())  # condition, float32, float64
    assert rows["x^10"][0] == "6.42e+09"
    assert "x1 " not in text and "x10" not in text  # numpy-default names are gone
    assert "-0." not in text and "array" not in text


def test_repr_is_one_short_line(filip: Dataset) -> None:
    d = diagnose(filip)
    assert repr(d) == "Diagnosis(n=82, k=11, condition_number=5.21e+09, rank=11, near_null=7)"
    well = diagnose(np.random.default_rng(0).normal(size=(30, 2)))
    assert "\n" not in repr(well) and len(repr(well)) < 300
    assert repr(well).startswith("Diagnosis(n=30, k=3, condition_number=")


def test_repr_html_is_well_formed_and_escapes_names(filip: Dataset) -> None:
    checker = _parse(diagnose(filip)._repr_html_())
    assert {"table", "thead", "tbody", "tr", "th", "td"} <= checker.tags
    assert "x^10" in checker.text and "6.42e+09" in checker.text

    rng = np.random.default_rng(7)
    t = rng.normal(size=40)
    X = np.column_stack([t, t + 1e-5 * rng.normal(size=40), rng.normal(size=40)])
    names = ["<b>", "a & b", 'say "hi"']
    html = diagnose(X, X @ [1.0, 2.0, 3.0], feature_names=names)._repr_html_()
    assert "&lt;b&gt;" in html and "a &amp; b" in html
    checker = _parse(html)
    assert "b" not in checker.tags  # the name stayed text
    assert {"<b>", "a & b", 'say "hi"'} <= set(checker.text)
    assert any("<b> − " in cell for cell in checker.text)  # in the near-null combination too


def test_str_does_not_depend_on_the_last_bit_of_the_data() -> None:
    for name in ("Filip", "Longley", "Wampler1", "collinear_pair"):
        ds = plr.load_dataset(name)
        X, y = np.asarray(ds.X), np.asarray(ds.y)
        base = str(diagnose(ds))
        for seed in range(4):
            moved = diagnose(
                _one_ulp_off(X, seed),
                _one_ulp_off(y, 100 + seed),
                fit_intercept=ds.fit_intercept,
                feature_names=ds.feature_names,
            )
            assert str(moved) == base, (name, seed)
            assert repr(moved) == repr(diagnose(ds))


@pytest.mark.parametrize("name", ["Filip", "NoInt1", "sorted_poisson", "collinear_pair"])
def test_diagnose_dataset_is_diagnose_of_its_arrays(name: str) -> None:
    ds = plr.load_dataset(name)
    from_dataset = diagnose(ds)
    from_arrays = diagnose(
        ds.X, ds.y, fit_intercept=ds.fit_intercept, feature_names=ds.feature_names
    )
    assert _printed_fields(from_dataset) == _printed_fields(from_arrays)
    assert str(from_dataset) == str(from_arrays)
    assert repr(from_dataset) == repr(from_arrays)
    assert from_dataset._repr_html_() == from_arrays._repr_html_()


def test_keyword_arguments_win_over_the_dataset(filip: Dataset) -> None:
    ds = filip
    names = [f"t{j}" for j in range(1, 11)]
    overridden = diagnose(ds, fit_intercept=False, feature_names=names, dtype="float16")
    expected = diagnose(ds.X, ds.y, fit_intercept=False, feature_names=names, dtype="float16")
    assert _printed_fields(overridden) == _printed_fields(expected)
    assert overridden.param_names == tuple(names)
    assert list(overridden.attainable) == ["float32", "float64", "float16"]
    no_int = plr.load_dataset("NoInt1")
    assert not diagnose(no_int).fit_intercept
    assert diagnose(no_int, fit_intercept=True).param_names[0] == "intercept"


def test_y_with_a_dataset_is_refused_by_name(filip: Dataset) -> None:
    with pytest.raises(TypeError, match=r"Dataset \('Filip'\) and y.*either a Dataset or X and y"):
        diagnose(filip, filip.y)
    with pytest.raises(TypeError, match="carries its own y"):
        diagnose(filip, y=filip.y)


def test_arrays_still_default_to_an_intercept() -> None:
    X = np.random.default_rng(1).normal(size=(20, 2))
    d = diagnose(X)
    assert d.fit_intercept and d.param_names == ("intercept", "x1", "x2")
    assert not d.response_known
    assert "(y not given: a zero-residual fit assumed)" in str(d).splitlines()[0]


def test_numbers_are_canonical_and_never_negative_zero() -> None:
    assert _fixed(-0.0, ".2e") == "0.00e+00"
    assert _fixed(-1e-9, ".2f") == "0.00"
    assert _fixed(float("inf"), ".2e") == "inf"
    # A value on a printing boundary prints the same from either side of it.
    below, above = np.nextafter(0.125, 0.0), np.nextafter(0.125, 1.0)
    assert _fixed(below, ".2f") == _fixed(above, ".2f") == _fixed(0.125, ".2f")
    assert _fixed(np.nextafter(2.5e-7, 0.0), ".1e") == _fixed(np.nextafter(2.5e-7, 1.0), ".1e")

    zeros = np.array([-0.0, 0.0])
    d = Diagnosis(
        param_names=("a", "b"),
        n=3,
        fit_intercept=False,
        condition_number=-0.0,
        rank=2,
        near_null=(),
        componentwise_condition=zeros,
        attainable={"float64": zeros, "float32": -zeros},
    )
    for text in (str(d), repr(d), d._repr_html_()):
        assert "-0" not in text, text
    assert str(d).splitlines()[-1].split() == ["b", "0.00e+00", "0.0e+00", "0.0e+00"]


def test_dtype_columns_have_a_fixed_order() -> None:
    X = np.random.default_rng(2).normal(size=(25, 2))
    d = diagnose(X, X @ [1.0, -1.0], dtype="float16")
    assert str(d).splitlines()[3].split() == "parameter condition float32 float64 float16".split()
    shuffled = replace(d, attainable=dict(reversed(list(d.attainable.items()))))
    assert str(shuffled) == str(d) and shuffled._repr_html_() == d._repr_html_()
    bare = replace(d, attainable={})
    assert str(bare).splitlines()[-1].split()[0] == "x2"
    _parse(bare._repr_html_())


def test_rank_deficient_and_wide_designs_print() -> None:
    rng = np.random.default_rng(4)
    t = rng.normal(size=20)
    X = np.column_stack([t, 2 * t, rng.normal(size=20)])
    y = X @ [1.0, 1.0, 1.0]
    d = diagnose(X, y)
    lines = str(d).splitlines()
    # σmin is rounding noise here, and so is the condition number: only the bound is printed.
    assert "condition number > 2.25e+14, rank 3/4" in lines[0]
    assert repr(d).startswith("Diagnosis(n=20, k=4, condition_number>2.25e+14, rank=3")
    assert lines[2] == "  <4.44e-15  x1 − 0.50·x2 ≈ 0"
    assert lines[6].split() == ["x1", "inf", "inf", "inf"]
    for seed in range(4):
        assert str(diagnose(_one_ulp_off(X, seed), y)) == str(d)
    wide = diagnose(rng.normal(size=(200, 59)))  # 60 parameters: 50 rows and a count
    lines = str(wide).splitlines()
    assert lines[-1] == "… and 10 more parameters"
    assert len(lines) == 1 + 1 + 2 + 50 + 1
    _parse(wide._repr_html_())
