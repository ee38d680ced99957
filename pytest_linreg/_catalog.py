"""The session's dataset catalog: built-in plus hook-contributed specs, selection and cache.

One :class:`DatasetCatalog` lives in ``config.stash`` per session. It answers three questions:

- which datasets exist (built-ins merged with every ``pytest_linreg_datasets`` implementation
  registered so far; each implementation is called once and its answer kept),
- which of them a test may use (the session's ``--linreg-datasets`` selection, restricted to
  the implementations that apply to the test's directory, so a ``conftest.py`` dataset is
  offered only below that conftest, like a fixture),
- the loaded :class:`~pytest_linreg.Dataset` for a name, built at first use and reused for
  the rest of the session (datasets are immutable, their arrays read-only).

The order of the datasets depends only on the registration order of the hook
implementations, which pytest-xdist workers share, so every worker collects the same ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from .datasets import Dataset, DatasetSpec, builtin_specs, merge_specs, select_specs

__all__ = ["CATALOG_KEY", "DatasetCatalog"]

HOOK_NAME = "pytest_linreg_datasets"
_INITIAL_CONFTESTS = (
    "datasets named in the selection must come from a plugin or an initial conftest.py: the"
    " rootdir's, one in a directory given on the command line or a test* directory below it"
)


class DatasetCatalog:
    """Datasets known to one pytest session (see the module docstring)."""

    def __init__(self, config: pytest.Config, selector: str) -> None:
        self._config = config
        self._selector = selector
        self._builtin = builtin_specs()
        self._contributions: dict[int, tuple[str, Any]] = {}
        self._merged: dict[tuple[int, ...], tuple[DatasetSpec, ...]] = {}
        self._loaded: dict[str, Dataset] = {}

    @property
    def selector(self) -> str:
        return self._selector

    def _source(self, plugin: object) -> str:
        name = self._config.pluginmanager.get_name(plugin) or repr(plugin)
        path = Path(name)
        if path.is_absolute():  # conftest modules are registered under their path
            try:
                return str(path.relative_to(self._config.rootpath))
            except ValueError:
                return name
        return name

    def _contribution(self, plugin: object) -> tuple[str, Any]:
        """Call one plugin's implementation (once per session) and keep its answer."""
        key = id(plugin)
        if key not in self._contributions:
            others = [
                impl.plugin
                for impl in self._config.hook.pytest_linreg_datasets.get_hookimpls()
                if impl.plugin is not plugin
            ]
            caller = self._config.pluginmanager.subset_hook_caller(HOOK_NAME, others)
            results = caller(config=self._config)
            items = [item for result in results for item in _as_items(result)]
            self._contributions[key] = (self._source(plugin), items)
        return self._contributions[key]

    def specs(self, hook: Any | None = None) -> tuple[DatasetSpec, ...]:
        """All datasets visible through ``hook`` (a path-scoped hook relay), default all.

        Raises
        ------
        pytest.UsageError
            If two datasets share a name or an implementation returned something that is
            neither a Dataset nor a DatasetSpec.
        """
        relay = hook if hook is not None else self._config.hook
        plugins = [impl.plugin for impl in relay.pytest_linreg_datasets.get_hookimpls()]
        # pluggy calls implementations last-registered first; keep registration order instead.
        plugins.reverse()
        key = tuple(id(p) for p in plugins)
        if key not in self._merged:
            contributed = [self._contribution(p) for p in plugins]
            try:
                self._merged[key] = merge_specs(self._builtin, contributed)
            except (TypeError, ValueError) as exc:
                raise pytest.UsageError(f"pytest_linreg_datasets: {exc}") from None
        return self._merged[key]

    def _select(self, specs: Sequence[DatasetSpec]) -> tuple[list[DatasetSpec], list[str]]:
        """The selector applied item by item: matched specs, and the items nothing matched."""
        chosen: dict[str, DatasetSpec] = {}
        unknown: list[str] = []
        for item in self._selector.split(","):
            try:
                matched = select_specs(specs, item)
            except ValueError:
                unknown.append(item)
                continue
            for spec in matched:
                chosen.setdefault(spec.name, spec)
        return list(chosen.values()), unknown

    def selected(self, hook: Any | None = None) -> list[DatasetSpec]:
        """The session selection, restricted to the datasets visible through ``hook``.

        Items that match nothing are left out; :meth:`check_selection` (called at start-up)
        reports them.
        """
        chosen, _ = self._select(self.specs())
        if hook is None:
            return chosen
        visible = {spec.name for spec in self.specs(hook)}
        return [spec for spec in chosen if spec.name in visible]

    def unknown_items(self) -> list[str]:
        """Selector items that no dataset registered so far matches."""
        return self._select(self.specs())[1]

    def check_selection(self) -> None:
        """Raise a UsageError naming the selector items nothing matched, with suggestions."""
        if not self.unknown_items():
            return
        try:
            select_specs(self.specs(), self._selector)
        except ValueError as exc:
            raise pytest.UsageError(
                f"--linreg-datasets / linreg_datasets = {self._selector!r}: {exc}"
                f" ({_INITIAL_CONFTESTS})"
            ) from None
        raise AssertionError(f"unknown items {self.unknown_items()} but select_specs accepted them")

    def narrowed(self, hook: Any, selectors: Sequence[str], where: str) -> list[DatasetSpec]:
        """The test's datasets: the session selection intersected with each marker selector.

        The first (closest) marker fixes the order; unknown names in a marker are a
        ``ValueError`` naming the test, because they are almost always typos.
        """
        result = self.selected(hook)
        visible = self.specs(hook)
        for position, selector in enumerate(selectors):
            try:
                wanted = select_specs(visible, selector)
            except ValueError as exc:
                raise ValueError(
                    f"@pytest.mark.linreg_datasets({selector!r}) on {where}: {exc}"
                ) from None
            names = {spec.name for spec in result}
            if position == 0:
                result = [spec for spec in wanted if spec.name in names]
            else:
                keep = {spec.name for spec in wanted}
                result = [spec for spec in result if spec.name in keep]
        return result

    def load(self, name: str) -> Dataset:
        """The dataset called ``name``, built once per session."""
        if name not in self._loaded:
            spec = next((s for s in self.specs() if s.name == name), None)
            if spec is None:
                known = [s.name for s in self.specs()]
                raise ValueError(f"unknown dataset {name!r}; known: {known}")
            dataset = spec.load()
            if not isinstance(dataset, Dataset):
                raise TypeError(
                    f"dataset {name!r} from {spec.source}: load() returned"
                    f" {type(dataset).__name__}, expected pytest_linreg.Dataset"
                )
            if dataset.name != name:
                raise ValueError(
                    f"dataset {name!r} from {spec.source}: load() returned a dataset named"
                    f" {dataset.name!r}; the names must agree (the name is the test id)"
                )
            self._loaded[name] = dataset
        return self._loaded[name]


def _as_items(result: Any) -> Iterable[Any]:
    """One implementation's return value as a list of items (a lone Dataset is accepted)."""
    if result is None:
        return []
    if isinstance(result, (Dataset, DatasetSpec)):
        return [result]
    if isinstance(result, (str, bytes)) or not isinstance(result, Iterable):
        raise pytest.UsageError(
            f"pytest_linreg_datasets returned {type(result).__name__} {result!r}; expected an"
            " iterable of pytest_linreg.Dataset or DatasetSpec"
        )
    return list(result)


CATALOG_KEY: pytest.StashKey[DatasetCatalog] = pytest.StashKey()
