"""The distributions: they build, pass twine's checks, carry the data, and work once installed.

`python -m build` runs once per module (the ``dists`` fixture) on a copy of the files git knows
(tracked, plus untracked ones that are not ignored): the sdist, then the wheel built from the
sdist, as build does by default. Building from a copy keeps the source tree clean, proves the
sdist holds everything the wheel needs, and keeps a stale ``pytest_linreg.egg-info/SOURCES.txt``
of the editable install out of the sdist (setuptools adds the files listed there).

The wheel then goes into a fresh venv (the ``installed`` fixture), where the plugin must run the
NIST sets from an empty directory, and ``pytest-linreg init`` must write a project whose
``tox -e cpu`` passes with ``PYTEST_LINREG_SPEC`` pointing at the wheel.

Subprocesses get this process's environment (CI's ``PIP_CONSTRAINT`` and pip settings pass
through) minus what would lead them to the source tree or this run's own settings.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = "pytest_linreg/data/strd"
NIST_NAMES = ("Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley",
              "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5")
#: Files that are not Python modules and must ship, compared byte for byte with the repository.
PACKAGE_DATA = (*(f"{DATA}/{name}.dat" for name in NIST_NAMES), f"{DATA}/PROVENANCE.md",
                "pytest_linreg/py.typed")
BIN = "Scripts" if os.name == "nt" else "bin"
TIMEOUT = 300  # seconds, per subprocess; the whole module takes about a minute

#: Variables that would point a subprocess at the source tree (PYTHONPATH, the venv this runs
#: in) or carry this pytest run's settings into the inner ones (an ``-n 4`` in PYTEST_ADDOPTS,
#: plugin autoload switched off), or the settings of a tox env this runs in (TOX_WORK_DIR
#: would become the inner tox's --workdir).
LEAKY_VARIABLES = (
    "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "__PYVENV_LAUNCHER__",
    "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_CURRENT_TEST",
    "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT",
    "TOX_ENV_NAME", "TOX_ENV_DIR", "TOX_WORK_DIR", "TOX_PACKAGE",
)


def require(module: str) -> None:
    """Skip unless ``module`` is importable here (not a mere ``build/`` folder in the cwd)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin in (None, "namespace"):
        pytest.skip(f"{module} is not installed in {sys.executable} "
                    f"(build and twine: pip install -e '.[dist]'; tox: pip install tox)")


def clean_env(venv: Path | None = None) -> dict[str, str]:
    """This process's environment without LEAKY_VARIABLES; ``venv``'s scripts first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
    own_bins = {Path(sys.prefix, BIN)} if sys.prefix != sys.base_prefix else set()
    if "VIRTUAL_ENV" in os.environ:
        own_bins.add(Path(os.environ["VIRTUAL_ENV"], BIN))
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p) not in own_bins]
    if venv is not None:
        path.insert(0, str(venv / BIN))
    env["PATH"] = os.pathsep.join(path)
    # A relative constraints file (PIP_CONSTRAINT=constraints.txt) is relative to where this
    # run started; the subprocesses run elsewhere.
    if "PIP_CONSTRAINT" in env:
        env["PIP_CONSTRAINT"] = " ".join(
            str(Path(item).resolve()) if "://" not in item and Path(item).exists() else item
            for item in env["PIP_CONSTRAINT"].split())
    return env


def run(cmd: Sequence[str | Path], *, cwd: Path, env: dict[str, str]) -> str:
    """Run ``cmd``, assert it exits 0 and return its output (stdout and stderr together)."""
    args = [str(arg) for arg in cmd]
    proc = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, (
        f"exit {proc.returncode}: {' '.join(args)} (in {cwd})\n{proc.stdout[-8000:]}")
    return proc.stdout


def git_files() -> list[str]:
    """Files a commit of the working tree would hold: tracked, plus untracked unignored ones."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout (the build copies the files git knows)")
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True, text=True).stdout
    # --cached lists files deleted in the working tree, and files show up once per merge stage.
    return sorted({name for name in out.split("\0") if name and (REPO / name).is_file()})


def files_below(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def package_modules() -> list[str]:
    return [name for name in git_files()
            if name.startswith("pytest_linreg/") and name.endswith(".py")]


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path
    #: What the build wrote into the source folder: files that are not among git's.
    leftovers: tuple[str, ...]
    log: str


@dataclass(frozen=True)
class Installed:
    venv: Path
    python: Path
    dists: Dists


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    require("build")
    names = git_files()
    source = tmp_path_factory.mktemp("source")
    for name in names:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    log = run([sys.executable, "-m", "build", "--outdir", out, source],
              cwd=source, env=clean_env())
    sdists, wheels = sorted(out.glob("*.tar.gz")), sorted(out.glob("*.whl"))
    assert (len(sdists), len(wheels)) == (1, 1), sorted(files_below(out))
    leftovers = tuple(sorted(files_below(source) - set(names)))
    return Dists(sdist=sdists[0], wheel=wheels[0], leftovers=leftovers, log=log)


@pytest.fixture(scope="module")
def installed(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A fresh venv (no system site-packages) with the wheel and its dependencies from the index."""
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--clear", venv], cwd=venv, env=clean_env())
    python = venv / BIN / ("python.exe" if os.name == "nt" else "python")
    run([python, "-m", "pip", "install", dists.wheel], cwd=venv, env=clean_env(venv))
    return Installed(venv=venv, python=python, dists=dists)


def dist_name(wheel: Path) -> str:
    """``pytest_linreg-0.1.0`` of ``pytest_linreg-0.1.0-cp311-cp311-linux_x86_64.whl``."""
    return "-".join(wheel.name.split("-")[:2])


def test_wheel_is_built_from_the_sdist_with_the_compiled_kernel(dists: Dists) -> None:
    """The residual kernel (``_eft_kernel.c``) is compiled: the wheel is for this platform."""
    assert "Building wheel from sdist" in dists.log
    assert dists.sdist.name[: -len(".tar.gz")] == dist_name(dists.wheel)
    python_tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    assert dists.wheel.name.split("-")[2] == python_tag, dists.wheel.name
    with zipfile.ZipFile(dists.wheel) as whl:
        kernels = [name for name in whl.namelist()
                   if re.fullmatch(r"pytest_linreg/_eft_kernel\..*\.(so|pyd)", name)]
    assert len(kernels) == 1, kernels


def test_build_leaves_only_git_ignored_files_in_the_source_tree(dists: Dists) -> None:
    # The copy stands for the repository: whatever build wrote there, it would write into the
    # source tree. Ask the repository's .gitignore about each file.
    proc = subprocess.run(["git", "check-ignore", "--no-index", "--stdin", "-z"], cwd=REPO,
                          input="\0".join(dists.leftovers), capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr  # 1: nothing ignored
    ignored = set(proc.stdout.split("\0")) - {""}
    assert sorted(set(dists.leftovers) - ignored) == []


def test_twine_check_strict_passes(dists: Dists) -> None:
    require("twine")
    out = run([sys.executable, "-m", "twine", "check", "--strict", dists.sdist, dists.wheel],
              cwd=dists.wheel.parent, env=clean_env())
    assert out.count("PASSED") == 2, out


def test_wheel_holds_the_modules_the_data_and_the_entry_points(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as whl:
        names = set(whl.namelist())
        dist_info = dist_name(dists.wheel) + ".dist-info"
        assert {name.split("/")[0] for name in names} == {"pytest_linreg", dist_info}
        assert sorted(set(package_modules()) - names) == []
        for name in PACKAGE_DATA:
            assert name in names, f"{name} is missing from {dists.wheel.name}"
            assert whl.read(name) == (REPO / name).read_bytes(), f"{name} differs"
        entry_points = configparser.ConfigParser(interpolation=None)
        entry_points.optionxform = str  # type: ignore[assignment,method-assign]
        entry_points.read_string(whl.read(f"{dist_info}/entry_points.txt").decode())
    assert dict(entry_points["pytest11"]) == {"linreg": "pytest_linreg.plugin"}
    assert dict(entry_points["console_scripts"]) == {
        "pytest-linreg": "pytest_linreg.scaffold:main"}


def test_sdist_holds_the_modules_and_the_data(dists: Dists) -> None:
    top = dists.sdist.name[: -len(".tar.gz")]
    with tarfile.open(dists.sdist) as sdist:
        members = {m.name.removeprefix(f"{top}/"): m for m in sdist.getmembers() if m.isfile()}
        for name in ("pyproject.toml", "setup.py", "pytest_linreg/_eft_kernel.c", "README.md",
                     "PKG-INFO"):
            assert name in members, f"{name} is missing from {dists.sdist.name}"
        assert sorted(set(package_modules()) - set(members)) == []
        for name in PACKAGE_DATA:
            assert name in members, f"{name} is missing from {dists.sdist.name}"
            data = sdist.extractfile(members[name])
            assert data is not None
            assert data.read() == (REPO / name).read_bytes(), f"{name} differs"


def test_installed_wheel_runs_the_nist_sets_outside_the_source_tree(
    installed: Installed, tmp_path: Path
) -> None:
    work = tmp_path / "empty"
    work.mkdir()
    assert REPO not in work.parents
    (work / "test_nist.py").write_text(
        "import pytest_linreg\n"
        "\n"
        "\n"
        "def test_certified(linreg_dataset):\n"
        "    ds = linreg_dataset\n"
        "    fitted = pytest_linreg.ols(ds.X, ds.y, fit_intercept=ds.fit_intercept)\n"
        "    pytest_linreg.assert_coefficients_close(fitted, ds)\n",
        encoding="utf-8")
    env = clean_env(installed.venv)
    where = run([installed.python, "-c", "import pytest_linreg, pytest_linreg._extended as e; "
                 "print(pytest_linreg.__file__); print(e.kernel is not None)"],
                cwd=work, env=env)
    module = Path(where.split()[0]).resolve()
    assert where.split()[1] == "True", where  # the installed package uses its compiled kernel
    assert installed.venv.resolve() in module.parents, module
    assert REPO not in module.parents, module

    out = run([installed.python, "-m", "pytest", "-p", "no:cacheprovider", "-v",
               "--linreg-datasets=nist"], cwd=work, env=env)
    assert f"rootdir: {work}" in out, out  # no configuration file from above got in
    for name in NIST_NAMES:
        assert f"test_nist.py::test_certified[{name}] PASSED" in out, out
    # Exactly 11 passed: no failure, skip, error or warning either.
    assert re.search(r"=+ 11 passed in [\d.]+s", out), out


def test_init_project_passes_tox_with_the_wheel_as_the_spec(
    installed: Installed, tmp_path: Path
) -> None:
    require("tox")
    project = tmp_path / "downstream"
    env = clean_env(installed.venv)
    out = run([installed.venv / BIN / "pytest-linreg", "init", project], cwd=tmp_path, env=env)
    assert out.count("wrote ") == 3, out

    env["PYTEST_LINREG_SPEC"] = str(installed.dists.wheel)
    out = run([sys.executable, "-m", "tox", "--colored", "no", "-e", "cpu"],
              cwd=project, env=env)
    assert f"pip install {installed.dists.wheel}" in out, out  # the spec, not the index name
    assert re.search(r"=+ \d+ passed", out), out
    assert re.search(r"cpu: OK \(", out), out
