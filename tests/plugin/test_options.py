"""Options, ini twins, precedence, bad values and the header line (pytester, in-process)."""

from __future__ import annotations

import pytest

from pytest_linreg._settings import (
    parse_bool,
    parse_datasets,
    parse_report,
    parse_rtol,
    parse_seed,
)

NOPLUGINS = ("-p", "no:cacheprovider")

# A test that prints the resolved settings, so each run shows what the plugin decided.
SHOW_SETTINGS = """
from pytest_linreg._settings import SETTINGS_KEY

def test_show(request, linreg_rtol):
    s = request.config.stash[SETTINGS_KEY]
    print(f"SETTINGS rtol={s.rtol!r} fixture={linreg_rtol!r} datasets={s.datasets}"
          f" report={s.report} gpu={s.gpu} det={s.deterministic} seed={s.seed}")
"""


def settings_line(pytester: pytest.Pytester, *args: str) -> str:
    pytester.makepyfile(test_show=SHOW_SETTINGS)
    result = pytester.runpytest_inprocess("-s", *NOPLUGINS, *args)
    result.assert_outcomes(passed=1)
    lines = [line for line in result.outlines if "SETTINGS" in line]
    assert len(lines) == 1, result.outlines
    return lines[0]


def test_defaults(pytester: pytest.Pytester) -> None:
    line = settings_line(pytester)
    assert "rtol=1e-07 fixture=1e-07 datasets=all report=None gpu=False det=False seed=0" in line


def test_every_option_on_the_command_line(pytester: pytest.Pytester) -> None:
    pytester.mkdir("out")  # the report's directory must exist when the session starts
    line = settings_line(
        pytester, "--linreg-rtol=1e-5", "--linreg-datasets=Longley, tag:no-intercept",
        "--linreg-report=out/r.json", "--linreg-deterministic", "--linreg-seed=1443",
    )
    assert "rtol=1e-05 fixture=1e-05 datasets=Longley,tag:no-intercept report=out/r.json" in line
    assert "gpu=False det=True seed=1443" in line


def test_every_ini_key(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\nlinreg_rtol = 3e-6\nlinreg_datasets = Norris\nlinreg_report = r.html\n"
        "linreg_deterministic = yes\nlinreg_seed = 7\n"
    )
    line = settings_line(pytester)
    assert "rtol=3e-06 fixture=3e-06 datasets=Norris report=r.html gpu=False" in line
    assert "det=True seed=7" in line


def test_command_line_beats_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nlinreg_rtol = 3e-6\nlinreg_seed = 7\nlinreg_datasets = Norris\n")
    line = settings_line(pytester, "--linreg-rtol=1e-9", "--linreg-datasets=Longley")
    assert "rtol=1e-09 fixture=1e-09 datasets=Longley" in line
    assert "seed=7" in line  # not on the command line: the ini value stays


def test_override_ini_with_o(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nlinreg_deterministic = true\n")
    line = settings_line(pytester, "-o", "linreg_deterministic=false")
    assert "det=False" in line


@pytest.mark.parametrize(
    ("option", "value", "accepted"),
    [
        pytest.param("--linreg-rtol", "abc", "expected a finite number in [0, 1)", id="rtol-text"),
        pytest.param("--linreg-rtol", "-1e-7", "expected a finite number in [0, 1)", id="rtol-neg"),
        pytest.param("--linreg-rtol", "1", "expected a finite number in [0, 1)", id="rtol-one"),
        pytest.param("--linreg-rtol", "nan", "expected a finite number in [0, 1)", id="rtol-nan"),
        pytest.param("--linreg-report", "r.txt", "expected .json or .html", id="report-suffix"),
        pytest.param("--linreg-seed", "-3", "expected a non-negative integer", id="seed-neg"),
        pytest.param("--linreg-datasets", "Longley,,Norris", "empty item", id="datasets-empty"),
    ],
)
def test_bad_command_line_values(
    pytester: pytest.Pytester, option: str, value: str, accepted: str
) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_inprocess(*NOPLUGINS, f"{option}={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*argument {option}*{value!r}*"])
    assert accepted in result.stderr.str()


@pytest.mark.parametrize(
    ("ini", "accepted"),
    [
        pytest.param("linreg_rtol = 2.5", "expected a finite number in [0, 1)", id="rtol"),
        pytest.param("linreg_report = report.xml", "expected .json or .html", id="report"),
        pytest.param("linreg_seed = one", "expected a non-negative integer", id="seed"),
        pytest.param("linreg_gpu = maybe", "expected one of true/false", id="gpu"),
    ],
)
def test_bad_ini_values(pytester: pytest.Pytester, ini: str, accepted: str) -> None:
    key, value = (part.strip() for part in ini.split("="))
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_inprocess(*NOPLUGINS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: invalid ini value {key} = {value!r}: *{accepted}*"])


def test_unknown_dataset_is_a_usage_error_with_suggestion(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=Longley,Flip,tag:nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "ERROR: --linreg-datasets / linreg_datasets = 'Longley,Flip,tag:nope':"
        " unknown dataset selection item(s): 'Flip', 'tag:nope'.*did you mean 'Filip'?*"
        "Available names: *Longley*Available tags: *nist*"
    ])


def test_header_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_inprocess(
        *NOPLUGINS, "--linreg-rtol=1e-6", "--linreg-datasets=tag:nist", "--linreg-seed=5"
    )
    result.stdout.fnmatch_lines([
        "linreg: rtol=1e-06, datasets=11 (Norris, Pontius, NoInt1, NoInt2, ... +7),"
        " gpu=off, deterministic=off, seed=5"
    ])


def test_header_lists_few_datasets_in_full(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_inprocess(*NOPLUGINS, "--linreg-datasets=Longley,Norris")
    result.stdout.fnmatch_lines(["linreg: rtol=1e-07, datasets=2 (Longley, Norris), gpu=off, *"])


def test_options_are_in_the_linreg_help_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--help")
    result.stdout.fnmatch_lines([
        "pytest-linreg (linear-regression checks):",
        "*--linreg-gpu*",
        "*--linreg-rtol=RTOL*",
        "*--linreg-datasets=DATASETS*",
        "*--linreg-report=PATH*",  # the help text and docs/plugin.md call it PATH
        "*--linreg-deterministic*",
        "*--linreg-seed=SEED*",
    ])
    for key in ("linreg_gpu", "linreg_rtol", "linreg_datasets", "linreg_report",
                "linreg_deterministic", "linreg_seed"):
        result.stdout.fnmatch_lines([f"  {key} (string):*"])


# ---- the parsers themselves (no pytester) -------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("1e-7", 1e-7), ("0", 0.0), (" 0.5 ", 0.5)])
def test_parse_rtol_accepts(text: str, value: float) -> None:
    assert parse_rtol(text) == value


@pytest.mark.parametrize("text", ["", "x", "-0.1", "1.0", "inf", "1e400"])
def test_parse_rtol_rejects_with_the_value(text: str) -> None:
    with pytest.raises(ValueError, match=r"rtol .* \[0, 1\)") as info:
        parse_rtol(text)
    assert repr(text) in str(info.value)


def test_parse_datasets_normalises_whitespace() -> None:
    assert parse_datasets(" Longley , tag:nist ") == "Longley,tag:nist"
    with pytest.raises(ValueError, match="'tag:' needs a tag name"):
        parse_datasets("tag:")
    with pytest.raises(ValueError, match="empty item"):
        parse_datasets("  ")


def test_parse_report_suffix_is_case_insensitive() -> None:
    assert parse_report("R.JSON").name == "R.JSON"
    with pytest.raises(ValueError, match=r"report path 'r' has suffix '\(none\)'"):
        parse_report("r")


def test_parse_seed_and_bool() -> None:
    assert parse_seed("1443") == 1443
    with pytest.raises(ValueError, match=r"'1\.5' is not an integer"):
        parse_seed("1.5")
    assert parse_bool("On") is True
    assert parse_bool("0") is False
