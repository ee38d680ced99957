"""Every code block of README.md and docs/*.md runs, and the output it shows is checked.

The markdown files are split into fenced blocks (language and line of the opening fence); the
tests are parametrised by ``file:line`` (``+line`` of the output block a run shows). How a
block is checked follows from its language and content, with the few placeholders a reader
supplies listed below:

* ``pycon`` blocks (``>>>``) are doctests (ELLIPSIS and NORMALIZE_WHITESPACE): their output is
  compared, and the docs write ``...`` where it depends on the machine or is long.
* ``python`` blocks that define ``test_*`` functions are test modules: pytester writes them
  (with the block's prelude, if it has one) and runs pytest on them, checking the outcome
  counts. A ``text`` block right after one that starts with ``$ pytest ARGS`` is that run's
  output: the run uses ARGS, every shown line must appear, in order, and the outcome counts are
  the PASSED/FAILED/... lines shown.
* ``python`` blocks that implement ``pytest_*`` hooks are a ``conftest.py``; a small companion
  test module (:data:`RUNS`) checks that the hooks do what the docs say.
* Other ``python`` blocks are programs, run with ``exec`` in a fresh namespace.
* ``ini`` blocks are written as the run's ``pytest.ini``, with a companion test module.
* Other ``text`` blocks show output of code kept here (:data:`OUTPUTS`), which produces it now.
* Blocks in :data:`NOT_RUN` are not run, for the reason given there.

Shown output is compared line by line, not to the last digit: the messages round to two or
three digits and canonicalise their text (``near-null: x1 − 1.00·x2 ≈ 0``). A shown line must
be a line of the real output, in order; lines may be left out, and a real line longer than the
docs' width may be wrapped over several shown lines (compared with whitespace normalised).

Blocks are named in the mappings by ``(file, text the block contains)``, not by line numbers,
so that edits elsewhere in a file keep them; :func:`test_every_mapping_names_one_real_block`
fails when a mapping goes stale. Blocks that import TensorFlow run in a subprocess (a second
TensorFlow import in one process aborts it), are skipped without TensorFlow, and are ``slow``,
as is every other subprocess run.
"""

from __future__ import annotations

import doctest
import functools
import importlib.util
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import pytest_linreg as plr
from pytest_linreg.datasets import Dataset

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = ("README.md", *sorted(p.relative_to(ROOT).as_posix()
                                  for p in (ROOT / "docs").glob("*.md")))
HAS_TENSORFLOW = importlib.util.find_spec("tensorflow") is not None
HAS_DASK = importlib.util.find_spec("dask") is not None
NOPLUGINS = ("-p", "no:cacheprovider")

#: A block is named by the file it is in and a piece of text that only it contains.
Key = tuple[str, str]

# --------------------------------------------------------------------------- reader's placeholders

#: Written as ``snippet_support.py`` next to every pytester run (and importable by preludes):
#: the placeholders the docs leave to the reader, defined small.
SUPPORT = '''\
"""What the docs leave to the reader: a fit function, data, a model type of one's own."""
import numpy as np


def my_fit(X, y, *, fit_intercept=True, dtype="float64", device="cpu"):
    """A fit known to be right: the reference solution, in ``dtype``; a (coef, intercept) pair."""
    import pytest_linreg as plr

    res = plr.ols(X, y, fit_intercept=fit_intercept)
    return res.coef.astype(dtype), np.asarray(res.intercept, dtype=dtype)


# house prices: area (m²) and rooms
X = np.array([[50.0, 2.0], [65.0, 3.0], [80.0, 3.0], [95.0, 4.0], [120.0, 5.0], [70.0, 2.0]])
y = 20000.0 + 1500.0 * X[:, 0] + 8000.0 * X[:, 1] + np.array([300.0, -200, 100, -400, 250, -50])


def load_sales():
    """Sales against price and advertising spend."""
    price = np.array([9.5, 10.0, 10.5, 11.0, 11.5, 12.0, 12.5])
    ads = np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 5.5])
    sales = 200.0 - 8.0 * price + 3.0 * ads + np.array([0.5, -0.3, 0.2, -0.4, 0.1, 0.3, -0.2])
    return np.column_stack([price, ads]), sales


class MyRidge:
    """A model type no built-in adapter knows: ``weights`` holds the intercept first."""

    def __init__(self, weights):
        self.weights = np.asarray(weights, dtype=np.float64)
'''

#: Source put in front of a block before it runs (the test module, the conftest or the
#: namespace of a program): the imports and placeholders it takes from its context.
PRELUDES: dict[Key, str] = {
    ("README.md", "def test_my_fit("): "from snippet_support import my_fit\n",
    ("README.md", "@plr.parametrize_with_linreg_checks(my_fit)"): (
        "import pytest_linreg as plr\nfrom snippet_support import my_fit\n"
    ),
    ("README.md", '"house_prices"'): "from snippet_support import X, y\n",
    ("README.md", "plr.strategies.problems("): (
        "import pytest_linreg as plr\nfrom snippet_support import my_fit\n"
    ),
    ("docs/plugin.md", "def test_my_fit("): "from snippet_support import my_fit\n",
    ("docs/plugin.md", "def pytest_linreg_coefficients(model):"): (
        "from snippet_support import MyRidge, load_sales\n"
    ),
}

#: Blocks that are not run, and why.
NOT_RUN: dict[Key, str] = {
    ("README.md", "pip install"): (
        "installs the package with its extras and runs the example suite and the whole test "
        "suite: CI runs these two commands as written (.ci/run reads them from this block)"
    ),
}

# --------------------------------------------------------------------------- pytester runs


@dataclass(frozen=True)
class Run:
    """How a test-module, conftest or ini block is run with pytester, and what must come out.

    ``companion`` is the test module written next to a conftest or ini block; ``lines`` are
    fnmatch patterns that must appear in order in the output; ``files`` must exist afterwards.
    """

    args: tuple[str, ...] = ()
    outcomes: dict[str, int] = field(default_factory=dict)
    companion: str = ""
    lines: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    #: A run of a few seconds (a property test, an HTML report): kept out of the inner loop.
    slow: bool = False


HOUSE_PRICES_TEST = """
def test_house_prices_is_offered(linreg_dataset):
    assert linreg_dataset.name == "house_prices"
    assert linreg_dataset.feature_names == ("area", "rooms")
    assert linreg_dataset.X.shape == (6, 2)
"""

HOOKS_TEST = """
import numpy as np
import pytest
import pytest_linreg as plr
from pytest_linreg.plugin import tolerance_for
from snippet_support import MyRidge


def test_dataset_coefficients_and_tolerance_hooks(linreg_dataset, request):
    assert linreg_dataset.name == "sales_2024" and "ours" in linreg_dataset.tags
    rtol = tolerance_for(request.config, linreg_dataset, "float64")
    assert rtol == 1e-4
    ref = linreg_dataset.reference()
    model = MyRidge(np.r_[ref.intercept, ref.coef] * (1 + 1e-6))  # read by the coefficient hook
    plr.assert_coefficients_close(model, linreg_dataset, rtol=rtol)
    with pytest.raises(AssertionError, match="coefficients differ"):
        plr.assert_coefficients_close(model, linreg_dataset, rtol=1e-7)


def test_other_datasets_and_models_fall_through(request):
    norris = plr.load_dataset("Norris")
    assert tolerance_for(request.config, norris, "float64", 1e-7) == 1e-7
    ref = norris.reference()
    plr.assert_coefficients_close((ref.coef, ref.intercept), norris)
"""

ON_DISK_TEST = """
import numpy as np
import pytest_linreg as plr

# Written at collection, before the dataset's loader first runs (at the test's first use).
rng = np.random.default_rng(0)
X = rng.standard_normal((2000, 3))
np.save("X.npy", X)
np.save("y.npy", X @ [1.0, 2.0, 3.0] + 5.0 + rng.standard_normal(2000))


def test_the_dataset_stays_on_disk(linreg_dataset):
    assert linreg_dataset.name == "sales" and isinstance(linreg_dataset.X, np.memmap)
    A = np.column_stack([np.ones(linreg_dataset.n), linreg_dataset.X])
    beta = np.linalg.lstsq(A, linreg_dataset.y, rcond=None)[0]
    plr.assert_coefficients_close((beta[1:], beta[0]), linreg_dataset, rtol=1e-9)
"""

INI_TEST = """
import pytest_linreg as plr


def test_the_ini_is_read(linreg_dataset, linreg_rtol):
    assert linreg_rtol == 1e-8
    ref = linreg_dataset.reference()
    plr.assert_coefficients_close(ref, ref, rtol=linreg_rtol)  # a row for the report
"""

_CHECK_NAMES = ("coefficients", "predictions", "row_order", "offsets", "scaling", "collinear")

#: Runs of the blocks that are not followed by a ``$ pytest`` output block.
RUNS: dict[Key, Run] = {
    # The README's claims: one test per dataset × dtype × device × check, ids such as
    # test_fit[Longley-float64-cpu-coefficients], these six checks. Two datasets keep it short.
    ("README.md", "@plr.parametrize_with_linreg_checks(my_fit)"): Run(
        args=("-v", "-k", "Longley-float64 or NoInt1-float64"),
        outcomes={"passed": 12},
        lines=tuple(f"test_snippet.py::test_fit[[]Longley-float64-cpu-{name}[]] PASSED*"
                    for name in _CHECK_NAMES),
    ),
    ("README.md", '"house_prices"'): Run(
        args=("--linreg-datasets=house_prices",), outcomes={"passed": 1},
        companion=HOUSE_PRICES_TEST,
    ),
    ("README.md", 'np.load("X.npy", mmap_mode="r")'): Run(
        args=("--linreg-datasets=sales",), outcomes={"passed": 1}, companion=ON_DISK_TEST,
    ),
    # A property test over drawn problems (hypothesis's 100 examples by default).
    ("README.md", "plr.strategies.problems("): Run(args=(), outcomes={"passed": 1}, slow=True),
    ("docs/plugin.md", "def pytest_linreg_coefficients(model):"): Run(
        args=("--linreg-datasets=sales_2024",), outcomes={"passed": 2}, companion=HOOKS_TEST,
    ),
    ("docs/plugin.md", "linreg_rtol = 1e-8"): Run(
        args=("--strict-config",), outcomes={"passed": 12}, companion=INI_TEST,
        lines=("linreg: rtol=1e-08, datasets=12 (Norris, Pontius, NoInt1, NoInt2, ... +8), *",),
        files=("linreg-report.html",), slow=True,
    ),
    ("docs/plugin.md", "def test_on_device("): Run(outcomes={"passed": 2}),
    ("docs/plugin.md", "def test_sales_dataset_is_offered(pytester):"): Run(
        args=("-p", "pytester"), outcomes={"passed": 1},
    ),
}

#: pytest.ini of every run (appended to an ini block): warnings are errors, as in this suite.
FILTERWARNINGS = """
filterwarnings =
    error
    ignore::DeprecationWarning:tensorflow.*
    ignore::DeprecationWarning:keras.*
"""

# --------------------------------------------------------------------------- shown output


@functools.cache
def _sorted_poisson() -> Dataset:
    return plr.load_dataset("sorted_poisson")


def _failure(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    with pytest.raises(AssertionError) as info:
        call(*args, **kwargs)
    return str(info.value)


def _question_message(pytester: pytest.Pytester) -> str:
    """The README's opening example: the question's Keras weights, as a (coef, intercept) pair."""
    return _failure(plr.assert_coefficients_close, ((0.904, 0.096), 0.0), _sorted_poisson())


def _float32_message(pytester: pytest.Pytester) -> str:
    ds = _sorted_poisson()
    return _failure(plr.assert_identifiable, ds.X, y=ds.y, dtype=np.float32)


def _no_gpu_error(pytester: pytest.Pytester) -> str:
    """``pytest --linreg-gpu`` where no framework can see a GPU.

    The frameworks are hidden (so that the answer is "no GPU" on any machine, without the
    10 s TensorFlow import); what each probe says depends on the machine, so the probe lines
    are compared by backend only (:func:`_probe_backend_only`).
    """
    pytester.makeconftest(_HIDING_CONFTEST)
    pytester.makepyfile(test_snippet="def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess(*NOPLUGINS, "--linreg-gpu")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    return result.stderr.str()


_HIDING_CONFTEST = """
import importlib.abc
import importlib.util
import sys

HIDDEN = {"tensorflow", "torch", "jax"}
_real_find_spec = importlib.util.find_spec


class _Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def _find_spec(name, package=None):
    return None if name.split(".")[0] in HIDDEN else _real_find_spec(name, package)


sys.meta_path.insert(0, _Hide())
importlib.util.find_spec = _find_spec
"""


def _probe_backend_only(line: str) -> str:
    return re.sub(r"^(  - [^:]+): (ok|no) \(.*\)$", r"\1: (...)", line.rstrip())


@dataclass(frozen=True)
class Output:
    """Code that produces a shown output block now, and how its lines are normalised."""

    produce: Callable[[pytest.Pytester], str]
    normalise: Callable[[str], str] = str.rstrip
    subprocess: bool = False


OUTPUTS: dict[Key, Output] = {
    ("README.md", "coefficients differ: 2/3 mismatched"): Output(_question_message),
    ("README.md", "in float32: intercept, x1, x2 ("): Output(_float32_message),
    ("docs/plugin.md", "ERROR: --linreg-gpu was given"): Output(
        _no_gpu_error, _probe_backend_only, subprocess=True
    ),
}


def _ws(text: str) -> str:
    return " ".join(text.split())


def assert_shown(shown: str, actual: str, normalise: Callable[[str], str] = str.rstrip) -> None:
    """Every shown line is a line of ``actual``, in order; long real lines may be wrapped."""
    want = [normalise(line) for line in shown.splitlines() if line.strip()]
    got = [normalise(line) for line in actual.splitlines()]
    i = j = 0
    while i < len(want):
        exact = next((k for k in range(j, len(got)) if got[k] == want[i]), None)
        if exact is not None:
            i, j = i + 1, exact + 1
            continue
        for k in range(j, len(got)):  # a real line wrapped over shown lines i, i+1, ...
            target, joined, n = _ws(got[k]), _ws(want[i]), i + 1
            if not joined or not target.startswith(joined):
                continue
            while joined != target and n < len(want):
                longer = _ws(f"{joined} {want[n]}")
                if not target.startswith(longer):
                    break
                joined, n = longer, n + 1
            if joined == target:
                i, j = n, k + 1
                break
        else:
            raise AssertionError(
                f"shown line not in the output (in this order):\n  {want[i]}\n"
                f"--- the output now ---\n{actual}"
            )


def test_assert_shown() -> None:
    actual = "first line\na long line that the docs wrap over two\nlast: 3.4e-02\nrerun: ..."
    assert_shown("first line\na long line that\n  the docs wrap over two\nlast: 3.4e-02", actual)
    assert_shown("first line\nlast: 3.4e-02", actual)  # lines may be left out
    for stale in ("last: 3.5e-02", "last: 3.4e-02\nfirst line", "a long line that\nthe docs"):
        with pytest.raises(AssertionError, match="shown line not in the output"):
            assert_shown(stale, actual)


# --------------------------------------------------------------------------- the blocks


@dataclass(frozen=True)
class Block:
    path: str
    line: int
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)")


def extract_blocks(path: str, source: str) -> list[Block]:
    """The fenced code blocks of a markdown text, with language and opening-fence line."""
    blocks: list[Block] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence, lang = opening.groups()
        start, body = i + 1, []
        i += 1
        while i < len(lines):
            closing = lines[i].strip()
            if closing and set(closing) == {fence[0]} and len(closing) >= len(fence):
                break
            body.append(lines[i])
            i += 1
        else:
            raise ValueError(f"{path}:{start}: the code fence is never closed")
        blocks.append(Block(path, start, lang.lower(), "\n".join(body) + "\n"))
        i += 1
    return blocks


def test_extract_blocks() -> None:
    text = "intro\n```python\nx = 1\n```\n\n~~~~\n```\nnot a fence\n~~~~\n```text\nout\n```\n"
    blocks = extract_blocks("f.md", text)
    assert [(b.id, b.lang, b.text) for b in blocks] == [
        ("f.md:2", "python", "x = 1\n"),
        ("f.md:6", "", "```\nnot a fence\n"),
        ("f.md:10", "text", "out\n"),
    ]
    with pytest.raises(ValueError, match=r"f\.md:1: the code fence is never closed"):
        extract_blocks("f.md", "```python\nx = 1\n")


BLOCKS = [block for name in DOC_FILES
          for block in extract_blocks(name, (ROOT / name).read_text(encoding="utf-8"))]


def find(key: Key) -> Block:
    """The one block of ``key[0]`` that contains ``key[1]``."""
    path, needle = key
    found = [b for b in BLOCKS if b.path == path and needle in b.text]
    if len(found) != 1:
        where = ", ".join(b.id for b in found) or "no block"
        raise LookupError(f"{key!r} must name exactly one code block; it names {where}")
    return found[0]


def _keyed(mapping: Mapping[Key, object]) -> dict[str, Key]:
    """Block id -> key, for the keys that name a block (stale keys fail their own test)."""
    out = {}
    for key in mapping:
        try:
            out[find(key).id] = key
        except LookupError:
            pass
    return out


_NOT_RUN_IDS = _keyed(NOT_RUN)
_PRELUDE_IDS = _keyed(PRELUDES)
_RUN_IDS = _keyed(RUNS)
_OUTPUT_IDS = _keyed(OUTPUTS)


@pytest.mark.parametrize(
    "mapping", [NOT_RUN, PRELUDES, RUNS, OUTPUTS], ids=["NOT_RUN", "PRELUDES", "RUNS", "OUTPUTS"]
)
def test_every_mapping_names_one_real_block(mapping: Mapping[Key, object]) -> None:
    for key in mapping:
        find(key)


def test_the_blocks_not_run_are_the_shell_blocks() -> None:
    """A new shell block must be listed with its reason; a listed one must still be a shell one."""
    shell = {b.id for b in BLOCKS if b.lang in ("bash", "sh", "shell", "console")}
    assert shell == set(_NOT_RUN_IDS)


def test_doc_files_have_blocks() -> None:
    assert {b.path for b in BLOCKS} >= {"README.md", "docs/plugin.md"}


# --------------------------------------------------------------------------- one test per block


@dataclass(frozen=True)
class Unit:
    """A block to check, with the shown-output block that follows it, if any."""

    block: Block
    kind: str
    output: Block | None = None

    @property
    def id(self) -> str:
        """``file:line`` of the block, ``+line`` of its shown output."""
        return self.block.id + (f"+{self.output.line}" if self.output else "")

    @property
    def needs_tensorflow(self) -> bool:
        return bool(re.search(r"^\s*(import|from) (tensorflow|keras)\b", self.block.text, re.M))


def _is_command_output(block: Block) -> bool:
    return block.lang in ("text", "") and block.text.startswith("$ pytest")


def _kind(block: Block) -> str:
    if block.lang == "pycon" or (block.lang in ("python", "") and ">>>" in block.text):
        return "doctest"
    if block.lang == "python":
        if re.search(r"^def pytest_\w+\(", block.text, re.M):
            return "conftest"
        if re.search(r"^(async )?def test_\w+\(", block.text, re.M):
            return "test-module"
        return "program"
    if block.lang in ("ini", "toml"):
        return "config"
    if block.lang in ("text", ""):
        return "output"
    return f"unknown language {block.lang!r}"


def _units() -> list[Unit]:
    units: list[Unit] = []
    for block in BLOCKS:
        if block.id in _NOT_RUN_IDS:
            continue
        if _is_command_output(block):
            previous = units[-1] if units else None
            if previous and previous.block.path == block.path and previous.kind == "test-module":
                units[-1] = Unit(previous.block, previous.kind, block)
                continue
        units.append(Unit(block, _kind(block)))
    return units


UNITS = _units()


def _param(unit: Unit) -> object:
    marks = []
    output = OUTPUTS.get(_OUTPUT_IDS.get(unit.block.id, ("", "")))
    if unit.needs_tensorflow:
        marks += [pytest.mark.slow,
                  pytest.mark.skipif(not HAS_TENSORFLOW, reason="needs TensorFlow")]
    elif output is not None and output.subprocess:
        marks.append(pytest.mark.slow)
    elif RUNS.get(_RUN_IDS.get(unit.block.id, ("", "")), Run()).slow:
        marks.append(pytest.mark.slow)
    if re.search(r"^import dask|^from dask", unit.block.text, re.M):
        marks.append(pytest.mark.skipif(not HAS_DASK, reason="needs dask (the dask extra)"))
    return pytest.param(unit, id=unit.id, marks=marks)


@pytest.mark.parametrize("unit", [_param(u) for u in UNITS])
def test_block(unit: Unit, pytester: pytest.Pytester) -> None:
    block = unit.block
    prelude = PRELUDES.get(_PRELUDE_IDS.get(block.id, ("", "")), "")
    if unit.kind == "doctest":
        _run_doctest(block, prelude)
    elif unit.kind == "program":
        namespace: dict[str, object] = {"__name__": "__snippet__"}
        exec(compile(SUPPORT, "snippet_support.py", "exec"), namespace)
        exec(compile(prelude + block.text, block.id, "exec"), namespace)
    elif unit.kind in ("test-module", "conftest", "config"):
        _run_with_pytester(unit, prelude, pytester)
    elif unit.kind == "output":
        key = _OUTPUT_IDS.get(block.id)
        if key is None:
            pytest.fail(f"{block.id}: shown output that nothing produces; add the code that "
                        "prints it to OUTPUTS, or make it a `$ pytest` block after its test module")
        output = OUTPUTS[key]
        assert_shown(block.text, output.produce(pytester), output.normalise)
    else:
        pytest.fail(f"{block.id}: {unit.kind}: no way to run this block; run it, or list it "
                    "in NOT_RUN with the reason")


def _run_doctest(block: Block, prelude: str) -> None:
    namespace: dict[str, object] = {"__name__": "__snippet__"}
    exec(compile(prelude, "prelude", "exec"), namespace)
    test = doctest.DocTestParser().get_doctest(
        block.text, namespace, block.id, str(ROOT / block.path), block.line
    )
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
    assert runner.tries > 0


_PROGRESS = re.compile(r"\s+\[\s*\d+%\]$")
_STATUS = {"PASSED": "passed", "FAILED": "failed", "SKIPPED": "skipped", "ERROR": "errors",
           "XFAIL": "xfailed", "XPASS": "xpassed"}


def _run_with_pytester(unit: Unit, prelude: str, pytester: pytest.Pytester) -> None:
    block = unit.block
    run = RUNS.get(_RUN_IDS.get(block.id, ("", "")))
    if run is None and unit.output is None:
        pytest.fail(f"{block.id}: say in RUNS how to run this block and what must come out")
    run = run or Run()
    args, module = list(run.args), "test_snippet"
    shown: list[str] = []
    if unit.output is not None:  # `$ pytest ARGS` and the lines it shows
        command, *shown = unit.output.text.splitlines()
        args = shlex.split(command.removeprefix("$"))[1:]
        named = re.search(r"^(\w+)\.py::", unit.output.text, re.M)
        module = named.group(1) if named else module
    pytester.makepyfile(snippet_support=SUPPORT)
    source = prelude + block.text
    if unit.kind == "config":
        pytester.makeini(block.text + FILTERWARNINGS)
    else:
        pytester.makeini("[pytest]" + FILTERWARNINGS)
    if unit.kind == "conftest":
        pytester.makeconftest(source)
    elif unit.kind == "test-module":
        pytester.makepyfile(**{module: source})
    if run.companion:
        pytester.makepyfile(**{module: run.companion})
    if unit.needs_tensorflow:  # never import TensorFlow in this process
        result = pytester.runpytest_subprocess(*NOPLUGINS, *args, timeout=300)
    else:
        result = pytester.runpytest_inprocess(*NOPLUGINS, *args)
    output = result.stdout.str()
    outcomes = dict(run.outcomes)
    if shown:
        assert_shown("\n".join(shown), output, lambda line: _PROGRESS.sub("", line.rstrip()))
        for line in shown:
            status = line.rsplit(" ", 1)[-1]
            if "::" in line and status in _STATUS:
                outcomes[_STATUS[status]] = outcomes.get(_STATUS[status], 0) + 1
    assert outcomes, f"{block.id}: no outcome to check"
    result.assert_outcomes(**outcomes)
    if run.lines:
        result.stdout.fnmatch_lines(list(run.lines))
    for name in run.files:
        assert (pytester.path / name).is_file(), f"{name} was not written"


def test_every_block_is_checked() -> None:
    """Each block is run, is the output of the block before it, or is listed in NOT_RUN."""
    checked = {u.block.id for u in UNITS} | {u.output.id for u in UNITS if u.output}
    assert checked | set(_NOT_RUN_IDS) == {b.id for b in BLOCKS}
    unknown = [f"{u.block.id}: {u.kind}" for u in UNITS if u.kind.startswith("unknown")]
    assert not unknown
