"""Dataset registry: names, tags, lookup, the --linreg-datasets selector and merging."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import pytest_linreg as plr
from pytest_linreg.datasets import (
    BUILTIN_SOURCE,
    NIST_NAMES,
    Dataset,
    DatasetSpec,
    builtin_specs,
    merge_specs,
    select_specs,
)

GENERATED = [
    "ill_conditioned_1e4",
    "ill_conditioned_1e8",
    "ill_conditioned_1e12",
    "collinear_pair",
    "offset_1e6",
    "polynomial_deg8",
    "exact_small",
]


def _tiny(name: str = "tiny") -> Dataset:
    return Dataset.from_arrays(name, [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], tags=("small",))


def _spec(name: str, tags: tuple[str, ...] = (), source: str = "") -> DatasetSpec:
    return DatasetSpec(name, lambda: _tiny(name), tags, source)


def test_builtin_names() -> None:
    names = plr.dataset_names()
    assert names == [
        *NIST_NAMES,
        "sorted_poisson",
        "shuffled_poisson",
        "unsorted_poisson",
        *GENERATED,
    ]
    assert len(set(names)) == len(names)


def test_builtin_specs_are_built_fresh_and_match_their_datasets() -> None:
    first, second = builtin_specs(), builtin_specs()
    assert first is not second and [s.name for s in first] == [s.name for s in second]
    for spec in first:
        if spec.name in {"sorted_poisson", "shuffled_poisson", "unsorted_poisson"}:
            continue  # 100 000 rows each; their tags are checked in test_datasets_poisson
        ds = spec.load()
        assert ds.name == spec.name and ds.tags == spec.tags, spec.name
        assert spec.source == BUILTIN_SOURCE and spec.description


def test_dataset_names_by_tag() -> None:
    assert plr.dataset_names("nist") == list(NIST_NAMES)
    assert plr.dataset_names("NIST") == list(NIST_NAMES)
    assert plr.dataset_names("tag:no-intercept") == ["NoInt1", "NoInt2"]
    assert plr.dataset_names("poisson") == [
        "sorted_poisson",
        "shuffled_poisson",
        "unsorted_poisson",
    ]
    assert set(plr.dataset_names("certified")) >= {*NIST_NAMES, "offset_1e6", "exact_small"}
    with pytest.raises(ValueError, match=r"no dataset has tag 'nope'; known tags: .*higher"):
        plr.dataset_names("nope")


def test_load_dataset() -> None:
    ds = plr.load_dataset("NoInt2")
    assert ds.name == "NoInt2" and ds.n == 3
    custom = plr.load_dataset("tiny", specs=[_spec("tiny")])
    assert custom.name == "tiny"


def test_load_dataset_unknown_name_suggests_and_lists() -> None:
    with pytest.raises(
        ValueError, match=r"unknown dataset 'longley'\. Did you mean 'Longley'"
    ) as info:
        plr.load_dataset("longley")
    assert "Available: Norris, Pontius" in str(info.value) and "exact_small" in str(info.value)
    with pytest.raises(ValueError, match="Did you mean 'Filip'"):
        plr.load_dataset("Filp")
    with pytest.raises(TypeError, match="dataset name must be a string"):
        plr.load_dataset(3)  # type: ignore[arg-type]


def test_load_dataset_checks_what_the_loader_returns() -> None:
    bad = DatasetSpec("bad", lambda: "not a dataset", (), "plug")  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="dataset 'bad' from plug: load\\(\\) returned str"):
        plr.load_dataset("bad", specs=[bad])


def _names(selector: str) -> list[str]:
    return [s.name for s in select_specs(builtin_specs(), selector)]


def test_select_names_tags_and_all() -> None:
    assert _names("Longley") == ["Longley"]
    assert _names(" Longley , tag:no-intercept,NoInt1") == ["Longley", "NoInt1", "NoInt2"]
    assert _names("nist") == list(NIST_NAMES)  # a bare tag
    assert _names("sorted_poisson,nist,Norris") == ["sorted_poisson", *NIST_NAMES]
    assert _names("tag:HIGHER")[:2] == ["Filip", "Longley"]
    assert _names("all") == plr.dataset_names()
    assert _names("all,Norris") == plr.dataset_names()


def test_select_name_wins_over_a_tag_of_the_same_name() -> None:
    specs = [_spec("alpha", ("beta",)), _spec("beta"), _spec("gamma", ("beta",))]
    assert [s.name for s in select_specs(specs, "beta")] == ["beta"]
    assert [s.name for s in select_specs(specs, "tag:beta")] == ["alpha", "gamma"]


def test_select_unknown_items_are_all_reported() -> None:
    with pytest.raises(ValueError) as info:
        select_specs(builtin_specs(), "nist,bogus,tag:hihger,Filp")
    message = str(info.value)
    assert message.startswith("unknown dataset selection item(s): 'bogus', 'tag:hihger', 'Filp'.")
    assert "'tag:hihger' -> did you mean 'tag:higher'?" in message
    assert "'Filp' -> did you mean 'Filip'?" in message
    assert "Available names: Norris, " in message and "Available tags: average, " in message


@pytest.mark.parametrize("selector", ["", " , ,"])
def test_select_empty(selector: str) -> None:
    with pytest.raises(ValueError, match="empty dataset selection"):
        select_specs(builtin_specs(), selector)


@pytest.mark.parametrize("name", ["a,b", "a b", "all", "tag:x", ""])
def test_spec_names_must_work_in_the_selector(name: str) -> None:
    with pytest.raises((ValueError, TypeError), match="name"):
        DatasetSpec(name, _tiny)


def test_spec_validation_and_normalisation() -> None:
    with pytest.raises(TypeError, match="load must be callable"):
        DatasetSpec("x", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not the string 'nist'"):
        DatasetSpec("x", _tiny, "nist")  # type: ignore[arg-type]
    assert DatasetSpec("x", _tiny, ("B", "a", "b")).tags == ("a", "b")


def test_merge_accepts_datasets_and_specs() -> None:
    merged = merge_specs(
        [_spec("base", source=BUILTIN_SOURCE)],
        [("plugin_a", [_tiny("t1"), _spec("t2")]), ("plugin_b", None), ("plugin_c", _tiny("t3"))],
    )
    assert [s.name for s in merged] == ["base", "t1", "t2", "t3"]
    assert [s.source for s in merged] == [BUILTIN_SOURCE, "plugin_a", "plugin_a", "plugin_c"]
    assert merged[1].tags == ("small",) and merged[1].load().name == "t1"


def test_merge_rejects_duplicates_naming_both_sources() -> None:
    with pytest.raises(
        ValueError,
        match="dataset name 'Longley' is defined twice: by pytest-linreg and by my_plugin",
    ):
        merge_specs(builtin_specs(), [("my_plugin", [_tiny("Longley")])])
    with pytest.raises(ValueError, match="defined twice: by a and by b"):
        merge_specs([], [("a", [_spec("x")]), ("b", [_spec("x")])])


def test_merge_rejects_other_objects() -> None:
    with pytest.raises(TypeError, match="my_plugin contributed int 3; expected"):
        merge_specs([], [("my_plugin", [3])])  # type: ignore[list-item]


def test_dataset_copies_its_arrays_read_only_and_checks_their_shapes() -> None:
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([1.0, 3.0, 5.0])
    exact_X = np.array([[Fraction(0)], [Fraction(1)], [Fraction(2)]], dtype=object)
    fields = dict(
        name="t", fit_intercept=True, coef=[2.0], intercept=1.0, certified=True,
        feature_names=("x",), tags=("b", "a", "b"),
    )  # fmt: skip
    ds = Dataset(X=X, y=y, exact_X=exact_X, exact_y=y.astype(object), coef_std=[0.0], **fields)
    assert ds.tags == ("a", "b")
    for array in (ds.X, ds.y, ds.coef, ds.coef_std, ds.exact_X, ds.exact_y):
        assert array is not None and not array.flags.writeable
    exact_X[0, 0] = Fraction(7)  # the caller's array stays the caller's
    assert ds.exact_X is not None and ds.exact_X[0, 0] == 0
    with pytest.raises(ValueError, match=r"'t': exact_X has shape \(2, 1\); expected \(3, 1\)"):
        Dataset(X=X, y=y, exact_X=exact_X[:2], **fields)
    with pytest.raises(ValueError, match=r"'t': coef_std has shape \(2,\); expected \(1,\)"):
        Dataset(X=X, y=y, coef_std=[1.0, 2.0], **fields)
    with pytest.raises(TypeError, match="tags must be a sequence of str, not the str"):
        Dataset(X=X, y=y, **{**fields, "tags": "nist"})
    with pytest.raises(TypeError, match=r"'t': feature_names must be a sequence of str, not"):
        Dataset(X=X, y=y, **{**fields, "feature_names": "x"})
    with pytest.raises(ValueError, match=r"'t': feature_names has 2 names but X has 1 columns"):
        Dataset(X=X, y=y, **{**fields, "feature_names": ("x", "z")})
    with pytest.raises(ValueError, match=r"'t': the reference parameters must be finite"):
        Dataset(X=X, y=y, **{**fields, "coef": [np.nan]})
    with pytest.raises(ValueError, match=r"'t': intercept is 1.0 but fit_intercept is False"):
        Dataset(X=X, y=y, **{**fields, "fit_intercept": False})


def test_from_arrays_rejects_a_str_for_tags() -> None:
    with pytest.raises(TypeError, match="'t': tags must be a sequence of str, not the str 'nist'"):
        Dataset.from_arrays("t", [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], tags="nist")
