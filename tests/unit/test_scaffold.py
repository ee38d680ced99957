"""`pytest-linreg init`: what it writes, when it refuses, and that the written tests pass."""

from __future__ import annotations

import configparser
import io
from pathlib import Path

import pytest

from pytest_linreg.scaffold import STARTER_FILES, main

NAMES = [name for name, _ in STARTER_FILES]


def run_init(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["init", *args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_init_writes_the_three_files_and_says_so(tmp_path: Path) -> None:
    target = tmp_path / "new" / "repo"
    code, out, err = run_init(str(target))
    assert (code, err) == (0, "")
    assert NAMES == ["test_linreg_starter.py", "conftest.py", "tox.ini"]
    assert out.splitlines() == [
        *(f"wrote {target / name}" for name in NAMES),
        "next: run `pytest` there (and `tox -e gpu` on a machine with a GPU)",
    ]
    assert sorted(p.name for p in target.iterdir()) == sorted(NAMES)


def test_init_refuses_to_overwrite_and_names_the_files(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("# mine\n")
    (tmp_path / "tox.ini").write_text("[tox]\n")
    code, out, err = run_init(str(tmp_path))
    assert (code, out) == (1, "")
    assert err == (f"pytest-linreg init: refusing to overwrite existing file(s): "
                   f"{tmp_path / 'conftest.py'}, {tmp_path / 'tox.ini'} (use --force)\n")
    # Nothing written at all, not even the file that did not exist.
    assert (tmp_path / "conftest.py").read_text() == "# mine\n"
    assert not (tmp_path / "test_linreg_starter.py").exists()


def test_force_overwrites(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("# mine\n")
    code, out, _ = run_init(str(tmp_path), "--force")
    assert code == 0
    assert f"wrote {tmp_path / 'conftest.py'}" in out
    assert "pytest_linreg_datasets" in (tmp_path / "conftest.py").read_text()


def test_directory_that_is_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("")
    code, _, err = run_init(str(path))
    assert code == 1
    assert err == f"pytest-linreg init: {path} exists and is not a directory\n"


def test_write_errors_exit_1_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").mkdir()  # a directory where a file is to go, even with --force
    code, out, err = run_init(str(tmp_path), "--force")
    assert (code, out) == (1, "")
    assert err.startswith("pytest-linreg init: [Errno 21] Is a directory: ")
    assert "conftest.py" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_tox_ini_has_cpu_and_on_request_gpu_envs(tmp_path: Path) -> None:
    run_init(str(tmp_path))
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(tmp_path / "tox.ini")
    assert ini["tox"]["env_list"].split() == ["cpu"]
    assert ini["testenv"]["commands"].split() == ["pytest", "{posargs}"]
    assert ini["testenv:gpu"]["commands"].split() == ["pytest", "--linreg-gpu", "{posargs}"]
    assert ini["testenv:gpu"]["passenv"].split() == [
        "CUDA_VISIBLE_DEVICES", "TF_*", "NVIDIA_TF32_OVERRIDE"]
    # Not yet on an index: PYTEST_LINREG_SPEC (a wheel, a checkout, a VCS URL) replaces the
    # name, which stays the default; the comment above the line says so.
    assert ini["testenv"]["deps"].strip() == "{env:PYTEST_LINREG_SPEC:pytest-linreg}"
    text = (tmp_path / "tox.ini").read_text()
    assert "# What pip installs as pytest-linreg: set PYTEST_LINREG_SPEC" in text
