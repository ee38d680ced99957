"""Dataset specifications, the built-in collection, lookup and the ``--linreg-datasets`` syntax.

There is no mutable registry: :func:`builtin_specs` builds a fresh tuple on every call, and
downstream datasets (the ``pytest_linreg_datasets`` hook) are combined with it by
:func:`merge_specs`, which the plugin calls with the hook results. A spec is cheap (a name, tags
and a loader); the data are only built when ``spec.load()`` is called.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial

from ._dataset import Dataset

__all__ = [
    "BUILTIN_SOURCE",
    "DatasetSpec",
    "builtin_specs",
    "dataset_names",
    "load_dataset",
    "merge_specs",
    "select_specs",
]

#: ``DatasetSpec.source`` of the datasets shipped with pytest-linreg.
BUILTIN_SOURCE = "pytest-linreg"

_TAG_PREFIX = "tag:"


@dataclass(frozen=True)
class DatasetSpec:
    """A named, tagged recipe for a :class:`Dataset`; the data are built by ``load()``.

    Attributes
    ----------
    name : str
        Unique name, also the pytest id. No commas or whitespace, not ``"all"``, not
        starting with ``"tag:"`` (those mean something in ``--linreg-datasets``).
    load : callable () -> Dataset
        Builds the dataset; called once per use, so it should be cheap or cached by the caller.
    tags : tuple of str
        Lower-case tags for selection (``"nist"``, ``"higher"``, ``"ill-conditioned"`` ...).
    source : str
        Who provides it: ``"pytest-linreg"`` for built-ins, the plugin name for downstream sets.
    description : str
        One line for listings.

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> def tiny():
    ...     return plr.Dataset.from_arrays("tiny", [[0.0], [1.0]], [1.0, 3.0])
    >>> spec = plr.DatasetSpec("tiny", tiny, tags=("small",), source="my_plugin")
    >>> spec.tags, spec.load().n
    (('small',), 2)
    """

    name: str
    load: Callable[[], Dataset]
    tags: tuple[str, ...] = ()
    source: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"DatasetSpec name must be a non-empty string; got {self.name!r}")
        bad = [c for c in self.name if c == "," or c.isspace()]
        if bad or self.name == "all" or self.name.startswith(_TAG_PREFIX):
            raise ValueError(
                f"DatasetSpec name {self.name!r} is not usable in --linreg-datasets: no commas or "
                "whitespace, not 'all', not starting with 'tag:'"
            )
        if not callable(self.load):
            raise TypeError(f"DatasetSpec {self.name!r}: load must be callable; got {self.load!r}")
        if isinstance(self.tags, str):
            raise TypeError(
                f"DatasetSpec {self.name!r}: tags must be a sequence of strings, not the string "
                f"{self.tags!r}"
            )
        tags = tuple(self.tags)
        if not all(isinstance(t, str) and t for t in tags):
            raise TypeError(
                f"DatasetSpec {self.name!r}: tags must be non-empty strings; got {tags!r}"
            )
        object.__setattr__(self, "tags", tuple(sorted({t.lower() for t in tags})))


def _nist_specs() -> list[DatasetSpec]:
    from .certified import NIST_NAMES, load_nist, nist_tags

    def loader(name: str) -> Callable[[], Dataset]:
        return lambda: load_nist(name)

    return [
        DatasetSpec(
            name,
            loader(name),
            nist_tags(name),
            BUILTIN_SOURCE,
            f"NIST StRD {name} with certified values",
        )
        for name in NIST_NAMES
    ]


def _poisson_specs() -> list[DatasetSpec]:
    from .poisson import make_shuffled_poisson, make_sorted_poisson, make_unsorted_poisson

    return [
        DatasetSpec(
            "sorted_poisson",
            make_sorted_poisson,
            ("collinear", "generated", "poisson"),
            BUILTIN_SOURCE,
            "the question's data: sorted standardised Poisson columns, y = (x1 + x2) / 2",
        ),
        DatasetSpec(
            "shuffled_poisson",
            make_shuffled_poisson,
            ("collinear", "generated", "poisson", "shuffled"),
            BUILTIN_SOURCE,
            "sorted_poisson with its rows shuffled (same OLS answer)",
        ),
        DatasetSpec(
            "unsorted_poisson",
            make_unsorted_poisson,
            ("generated", "poisson"),
            BUILTIN_SOURCE,
            "the question's columns unsorted: independent and well conditioned",
        ),
    ]


def _generated_specs() -> list[DatasetSpec]:
    """Fixed-seed generator instances; each builds in milliseconds.

    ``make_rank_deficient`` is left out on purpose: no fit can identify its coefficients, so
    it does not belong in a default selection (call the generator where it is wanted).
    """
    from .collinear import make_collinear_pair
    from .conditioning import make_ill_conditioned
    from .constructed import make_exact
    from .offsets import make_offset
    from .polynomial import make_polynomial

    table: list[tuple[str, Callable[[], Dataset], tuple[str, ...], str]] = [
        (
            "ill_conditioned_1e4",
            partial(make_ill_conditioned, 200, 5, 1e4, seed=4),
            ("generated",),
            "random 200x5 design, equilibrated condition number 1e4",
        ),
        (
            "ill_conditioned_1e8",
            partial(make_ill_conditioned, 200, 5, 1e8, seed=8),
            ("generated", "ill-conditioned"),
            "random 200x5 design, equilibrated condition number 1e8",
        ),
        (
            "ill_conditioned_1e12",
            partial(make_ill_conditioned, 200, 5, 1e12, seed=12),
            ("generated", "ill-conditioned"),
            "random 200x5 design, equilibrated condition number 1e12",
        ),
        (
            "collinear_pair",
            partial(make_collinear_pair, 1000, angle=1e-3, seed=1),
            ("collinear", "generated"),
            "two centred columns 1e-3 rad apart (condition number 2000), y = (x1 + x2) / 2",
        ),
        (
            "offset_1e6",
            partial(make_offset, 100, 3, offset=1e6, seed=6),
            ("certified", "generated", "ill-conditioned", "offset", "zero-residual"),
            "three columns with mean 1e6 and unit spread (Longley-like), exact answer",
        ),
        (
            "polynomial_deg8",
            partial(make_polynomial, 50, 8, low=0.0, high=1.0),
            ("generated", "polynomial"),
            "degree-8 monomials on 50 equispaced points in [0, 1] (condition number 4e5)",
        ),
        (
            "exact_small",
            partial(make_exact, 20, 3, seed=5, name="exact_small"),
            ("certified", "generated"),
            "integer 20x3 design, dyadic coefficients, residual orthogonal to the columns",
        ),
    ]
    return [
        DatasetSpec(name, load, tags, BUILTIN_SOURCE, description)
        for name, load, tags, description in table
    ]


def builtin_specs() -> tuple[DatasetSpec, ...]:
    """The datasets shipped with pytest-linreg, built afresh on each call (no global state).

    Returns
    -------
    tuple of DatasetSpec
        NIST StRD sets first (in NIST's order), then the sorted-Poisson family, then
        fixed-seed instances of the generators.
    """
    return (*_nist_specs(), *_poisson_specs(), *_generated_specs())


def _specs_or_builtin(specs: Iterable[DatasetSpec] | None) -> tuple[DatasetSpec, ...]:
    return builtin_specs() if specs is None else tuple(specs)


def dataset_names(
    tag: str | None = None, *, specs: Iterable[DatasetSpec] | None = None
) -> list[str]:
    """Names of the available datasets, optionally only those carrying ``tag``.

    Parameters
    ----------
    tag : str, optional
        Keep only datasets with this tag (case-insensitive), e.g. ``"nist"`` or ``"higher"``.
    specs : iterable of DatasetSpec, optional
        Collection to list; the built-in datasets when omitted.

    Returns
    -------
    list of str
        In registry order.

    Raises
    ------
    ValueError
        If ``tag`` is not carried by any dataset (the message lists the known tags).

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> plr.dataset_names("no-intercept")
    ['NoInt1', 'NoInt2']
    """
    all_specs = _specs_or_builtin(specs)
    if tag is None:
        return [s.name for s in all_specs]
    if not isinstance(tag, str):
        raise TypeError(f"tag must be a string or None; got {tag!r}")
    wanted = tag.lower().removeprefix(_TAG_PREFIX)
    names = [s.name for s in all_specs if wanted in s.tags]
    if not names:
        known = ", ".join(_all_tags(all_specs))
        raise ValueError(f"no dataset has tag {tag!r}; known tags: {known}")
    return names


def _all_tags(specs: Sequence[DatasetSpec]) -> list[str]:
    return sorted({t for s in specs for t in s.tags})


def _unknown_name_message(name: str, specs: Sequence[DatasetSpec]) -> str:
    names = [s.name for s in specs]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    lowered = [n for n in names if n.lower() == name.lower()]
    hint = lowered or close
    suggestion = f" Did you mean {' or '.join(repr(h) for h in hint)}?" if hint else ""
    return f"unknown dataset {name!r}.{suggestion} Available: {', '.join(names)}"


def load_dataset(name: str, *, specs: Iterable[DatasetSpec] | None = None) -> Dataset:
    """Build the dataset called ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`dataset_names` (``"Longley"``, ``"sorted_poisson"`` ...).
        Matching is exact.
    specs : iterable of DatasetSpec, optional
        Collection to look in; the built-in datasets when omitted.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For an unknown name; the message suggests close matches and lists every name.
    TypeError
        If ``name`` is not a string, or the spec's loader does not return a ``Dataset``.

    Examples
    --------
    >>> import pytest_linreg as plr
    >>> ds = plr.load_dataset("Longley")
    >>> ds.X.shape, ds.certified
    ((16, 6), True)
    """
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string; got {name!r} ({type(name).__name__})")
    all_specs = _specs_or_builtin(specs)
    for spec in all_specs:
        if spec.name == name:
            dataset = spec.load()
            if not isinstance(dataset, Dataset):
                raise TypeError(
                    f"dataset {name!r} from {spec.source or 'unknown source'}: load() returned "
                    f"{type(dataset).__name__}, expected pytest_linreg.Dataset"
                )
            return dataset
    raise ValueError(_unknown_name_message(name, all_specs))


def select_specs(specs: Iterable[DatasetSpec], selector: str) -> list[DatasetSpec]:
    """Select datasets with the ``--linreg-datasets`` syntax.

    ``selector`` is a comma-separated list. Each item is ``all``, a dataset name, a tag written
    ``tag:<tag>``, or a bare tag when no dataset has that name. Whitespace around items is
    ignored; names match exactly, tags case-insensitively. The result keeps the order of the
    items (and registry order within a tag) without duplicates.

    Parameters
    ----------
    specs : iterable of DatasetSpec
        The available datasets (built-in merged with downstream ones).
    selector : str
        For example ``"nist,sorted_poisson,tag:higher"``.

    Returns
    -------
    list of DatasetSpec

    Raises
    ------
    ValueError
        If the selector is empty, or names unknown items; the message lists every unknown item,
        the available names and the available tags.

    Examples
    --------
    >>> from pytest_linreg.datasets import builtin_specs, select_specs
    >>> [s.name for s in select_specs(builtin_specs(), "Longley, tag:no-intercept, NoInt1")]
    ['Longley', 'NoInt1', 'NoInt2']
    """
    if not isinstance(selector, str):
        raise TypeError(f"selector must be a string; got {selector!r} ({type(selector).__name__})")
    available = tuple(specs)
    items = [item.strip() for item in selector.split(",") if item.strip()]
    if not items:
        raise ValueError(f"empty dataset selection {selector!r}; use 'all', names or tag:<tag>")
    by_name = {s.name: s for s in available}
    chosen: dict[str, DatasetSpec] = {}
    unknown: list[str] = []
    for item in items:
        matched = _match_item(item, available, by_name)
        if not matched:
            unknown.append(item)
        for spec in matched:
            chosen.setdefault(spec.name, spec)
    if unknown:
        raise ValueError(_unknown_items_message(unknown, available))
    return list(chosen.values())


def _match_item(
    item: str, available: Sequence[DatasetSpec], by_name: dict[str, DatasetSpec]
) -> list[DatasetSpec]:
    """Specs one selector item stands for; empty when it matches nothing."""
    if item == "all":
        return list(available)
    if item in by_name and not item.startswith(_TAG_PREFIX):
        return [by_name[item]]
    tag = item.removeprefix(_TAG_PREFIX).strip().lower()
    return [s for s in available if tag in s.tags]


def _unknown_items_message(unknown: list[str], available: Sequence[DatasetSpec]) -> str:
    hints = []
    for item in unknown:
        candidates = [s.name for s in available] + [f"tag:{t}" for t in _all_tags(available)]
        close = difflib.get_close_matches(item, candidates, n=1, cutoff=0.6)
        if close:
            hints.append(f"{item!r} -> did you mean {close[0]!r}?")
    text = (
        f"unknown dataset selection item(s): {', '.join(repr(u) for u in unknown)}. "
        + (" ".join(hints) + " " if hints else "")
        + f"Available names: {', '.join(s.name for s in available)}. "
        f"Available tags: {', '.join(_all_tags(available))}. Also 'all'."
    )
    return text


def _as_spec(item: Dataset | DatasetSpec, source: str) -> DatasetSpec:
    if isinstance(item, DatasetSpec):
        return item if item.source else replace(item, source=source)
    if isinstance(item, Dataset):
        dataset = item
        return DatasetSpec(dataset.name, lambda: dataset, dataset.tags, source, dataset.description)
    raise TypeError(
        f"{source} contributed {type(item).__name__} {item!r}; expected pytest_linreg.Dataset or "
        "DatasetSpec"
    )


def merge_specs(
    builtin: Iterable[DatasetSpec],
    contributed: Iterable[
        tuple[str, Iterable[Dataset | DatasetSpec] | Dataset | DatasetSpec | None]
    ],
) -> tuple[DatasetSpec, ...]:
    """Combine the built-in datasets with downstream contributions, rejecting duplicate names.

    Parameters
    ----------
    builtin : iterable of DatasetSpec
        Usually :func:`builtin_specs`.
    contributed : iterable of (source, items)
        One pair per hook implementation: ``source`` names it (plugin or conftest), ``items``
        are ``Dataset`` or ``DatasetSpec`` objects, or a single one (``None`` contributes
        nothing). A ``Dataset`` is wrapped in a spec that returns it; a spec without a source
        gets ``source``.

    Returns
    -------
    tuple of DatasetSpec
        Built-ins first, then contributions in the order given.

    Raises
    ------
    ValueError
        If two datasets share a name; the message names both sources.
    TypeError
        If an item is neither a ``Dataset`` nor a ``DatasetSpec``.
    """
    merged: dict[str, DatasetSpec] = {}
    groups: list[tuple[str, Iterable[Dataset | DatasetSpec]]] = [(BUILTIN_SOURCE, builtin)]
    for source, items in contributed:
        if isinstance(items, (Dataset, DatasetSpec)):
            groups.append((source, [items]))
        elif items is not None:
            groups.append((source, items))
    for source, items in groups:
        for item in items:
            spec = _as_spec(item, source)
            if spec.name in merged:
                first = merged[spec.name]
                raise ValueError(
                    f"dataset name {spec.name!r} is defined twice: by {first.source or 'unknown'} "
                    f"and by {spec.source}; dataset names must be unique"
                )
            merged[spec.name] = spec
    return tuple(merged.values())
