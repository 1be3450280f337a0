"""The command line as a whole: behaviour shared by every subcommand."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sendlib import cli, config
from sendlib.errors import UsageError


def test_reader_closing_the_pipe_is_not_a_bug_report():
    """`sendlib validate | head -1`: the reader goes away before sendlib writes; no traceback, no
    "unexpected error" asking for a bug report."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sendlib.cli", "headlines", "--data", str(config.EXAMPLE_DIR)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # nobody reads: sendlib's first write meets a broken pipe
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    proc.stderr.close()
    assert "unexpected error" not in err and "Traceback" not in err and "Exception ignored" not in err, err
    assert proc.returncode == 1


# ---------------------------------------------------------------------------------------------------
# --mapping on every command that reads an extract
# ---------------------------------------------------------------------------------------------------

#: The mapping a council whose extract names things its own way would write (README, "Check your extract").
MAPPING_TOML = """\
[files]
plans = "EHCP list.csv"
[plans]
plan_id = "EHCP Ref"
[placements]
annual_cost = "Yearly Fee"
[setting_values]
"Indep Spec" = "special_independent"
"""


def write_mapped_example(folder: Path) -> tuple[Path, Path]:
    """data/example as a council might send it, plus its mapping file: ``(data folder, mapping file)``.

    In ``folder/extract``: plans.csv renamed ``EHCP list.csv`` with ``plan_id`` headed ``EHCP Ref``;
    placements.csv with ``annual_cost`` headed ``Yearly Fee`` (a header sendlib would not match by
    itself, unlike ``Annual Cost (£)``) and the setting label
    ``special_independent`` written ``Indep Spec`` (P001, P008). ``folder/mapping.toml`` maps all three
    back, so the mapped copy holds exactly the example's data.
    """
    data = folder / "extract"
    shutil.copytree(config.EXAMPLE_DIR, data)
    plans = (data / "plans.csv").read_text(encoding="utf-8")
    (data / "plans.csv").unlink()
    assert plans.startswith("plan_id,")
    (data / "EHCP list.csv").write_text(plans.replace("plan_id,", "EHCP Ref,", 1), encoding="utf-8")
    header, body = (data / "placements.csv").read_text(encoding="utf-8").split("\n", 1)
    assert "annual_cost" in header and body.count(",special_independent,") == 2
    (data / "placements.csv").write_text(
        header.replace("annual_cost", "Yearly Fee") + "\n" + body.replace(",special_independent,", ",Indep Spec,"),
        encoding="utf-8",
    )
    mapping = folder / "mapping.toml"
    mapping.write_text(MAPPING_TOML, encoding="utf-8")
    return data, mapping


def _json_out(capsys, *argv) -> dict:
    code = cli.main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


#: Each command's JSON with no suppression, and figures worked by hand on data/example at 30 Nov 2024
#: (data/example/README.md): 9 plans, 3 INMSS (P001, P007, P008), £248,800 / 9 = £27,644.44 a plan;
#: 5 requests open (R010, R011, R012, R015, R016), 3 of them overdue (R010, R011, R015).
MAPPED_COMMANDS = {
    "headlines": (
        ["--suppress-below", "1"],
        {"ehcp_active": 9, "independent_placements": 3, "avg_cost_per_ehcp": 27_644.44},
    ),
    "backlog": (["--suppress-below", "1"], {"open_requests": 5, "overdue_requests": 3}),
    "forecast": (["--to", "2025-04"], {"active_plans_at_period_end": 9}),
}


@pytest.mark.parametrize("command", sorted(MAPPED_COMMANDS))
def test_a_mapped_extract_gives_the_example_figures(command, capsys, tmp_path):
    options, by_hand = MAPPED_COMMANDS[command]
    data, mapping = write_mapped_example(tmp_path)
    mapped = _json_out(capsys, command, "--data", str(data), "--mapping", str(mapping), *options)
    assert {k: mapped[k] for k in by_hand} == by_hand
    assert mapped == _json_out(capsys, command, "--data", str(config.EXAMPLE_DIR), *options)
    # without the mapping the copy cannot be used: no plans file, no annual_cost column (exit 1)
    code = cli.main([command, "--data", str(data), *options])
    err = capsys.readouterr().err
    assert code == 1 and "cannot be used" in err and "plans.csv" in err and "no column annual_cost" in err


def test_every_part_of_the_mapping_is_used(capsys, tmp_path):
    data, mapping = write_mapped_example(tmp_path)
    # without [setting_values], "Indep Spec" is no setting sendlib knows: P001's and P008's INMSS
    # placements are quarantined, leaving 1 INMSS placement (P007's)
    partial = tmp_path / "partial.toml"
    partial.write_text(MAPPING_TOML.split("[setting_values]")[0], encoding="utf-8")
    h = _json_out(capsys, "headlines", "--data", str(data), "--mapping", str(partial), "--suppress-below", "1")
    assert h["independent_placements"] == 1
    # without [placements] the cost column is missing: the extract cannot be used
    partial.write_text(MAPPING_TOML.split("[placements]")[0], encoding="utf-8")
    code = cli.main(["headlines", "--data", str(data), "--mapping", str(partial)])
    err = capsys.readouterr().err
    assert code == 1 and "annual_cost" in err and f"--mapping {partial}" in err


@pytest.mark.parametrize("command", ["headlines", "backlog", "forecast"])
def test_a_missing_or_bad_mapping_is_a_usage_error(command, capsys, tmp_path):
    code = cli.main([command, "--data", str(config.EXAMPLE_DIR), "--mapping", str(tmp_path / "none.toml")])
    err = capsys.readouterr().err
    assert code == 2 and "--mapping" in err and "does not exist" in err and err.count("\n") == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('[plans]\nchild = "Child ID"\n', encoding="utf-8")
    code = cli.main([command, "--data", str(config.EXAMPLE_DIR), "--mapping", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and str(bad) in err and "'child' is not a column of plans" in err


# ---------------------------------------------------------------------------------------------------
# One rule for relative paths
# ---------------------------------------------------------------------------------------------------


def _october_copy(folder: Path) -> Path:
    """data/example taken a month earlier (as_of 31 October): its default period is 2024-10."""
    shutil.copytree(config.EXAMPLE_DIR, folder)
    (folder / "extract.toml").write_text('as_of = "2024-10-31"\n', encoding="utf-8")
    return folder


def test_relative_inputs_are_read_from_the_current_folder_then_the_project_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rel = config.EXAMPLE_DIR.relative_to(config.PROJECT_ROOT)  # data/example
    # not in the current folder: the project root's
    assert cli.data_folder(str(rel)) == config.EXAMPLE_DIR
    # in the current folder: that one, even though the project root has one of the same name
    _october_copy(tmp_path / rel)
    assert cli.data_folder(str(rel)) == (tmp_path / rel).resolve()
    (tmp_path / "m.toml").write_text(MAPPING_TOML, encoding="utf-8")
    assert cli.mapping_file("m.toml") == (tmp_path / "m.toml").resolve()
    with pytest.raises(UsageError, match=r"--data nowhere: does not exist in the current folder \(.*nowhere\) "
                                         r"nor in the project root"):
        cli.data_folder("nowhere")
    with pytest.raises(UsageError, match="m.toml is a folder"):
        (tmp_path / "d").mkdir()
        (tmp_path / "d" / "m.toml").mkdir()
        cli.mapping_file("d/m.toml")


@pytest.mark.parametrize("command", ["headlines", "backlog", "forecast"])
def test_relative_data_from_another_folder(command, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rel = str(config.EXAMPLE_DIR.relative_to(config.PROJECT_ROOT))
    assert _json_out(capsys, command, "--data", rel)["period"] == "2024-11"  # the project root's
    _october_copy(tmp_path / rel)
    assert _json_out(capsys, command, "--data", rel)["period"] == "2024-10"  # the current folder's


# ---------------------------------------------------------------------------------------------------
# --help
# ---------------------------------------------------------------------------------------------------


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _option_helps(text: str) -> dict[str, str]:
    """Each option's help in ``--help`` output, its wrapped lines joined: ``{"--data DIR": "extract..."}``."""
    options = text.split("\noptions:\n", 1)[1]
    blocks: dict[str, str] = {}
    name = None
    for line in options.splitlines():
        if re.match(r"^  -", line):
            name, _, rest = line.strip().partition("  ")
            blocks[name] = rest.strip()
        elif name and line.startswith("   "):
            blocks[name] = f"{blocks[name]} {line.strip()}".strip()
        else:
            name = None
    return blocks


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_help_states_each_default_once(command):
    text = _subcommands()[command].format_help()
    assert "(default: None)" not in text
    helps = _option_helps(text)
    assert len(helps) > 1 and "-h, --help" in helps
    for option, help_text in helps.items():
        assert help_text.lower().count("default") <= 1, (option, help_text)


def test_refresh_help_names_its_defaults_and_the_path_rule():
    helps = _option_helps(_subcommands()["refresh"].format_help())
    assert helps["--period YYYY-MM"] == "month to report (default: the extract's last full month)"
    assert f"(default: {config.SAMPLE_DIR}); {cli.RELATIVE_INPUT_HELP}" in helps["--data DIR"]
    assert "read like --data" in helps["--mapping FILE"]
    assert "(default: reports/; a relative path is in the project root)" in helps["--out DIR"]
    for command in ("headlines", "backlog", "forecast"):
        assert cli.RELATIVE_INPUT_HELP in _option_helps(_subcommands()[command].format_help())["--data DIR"]


# ---------------------------------------------------------------------------------------------------
# Month options: a year far off is a usage error naming the option and the years accepted
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, year", [("1990-01", 1990), ("2100-12", 2100), (" 2024-11 ", 2024)])
def test_month_option_accepts_1990_to_2100(value, year):
    month = cli.month_option(value, "--period")
    assert (month.year, month.day) == (year, 31 if year != 2024 else 30)


@pytest.mark.parametrize("value", ["1989-12", "2101-01", "2300-01", "0000-01", "9999-12"])
def test_month_option_refuses_years_outside_the_range(value):
    with pytest.raises(UsageError) as info:
        cli.month_option(value, "--to")
    year = int(value.strip()[:4])
    assert str(info.value) == (
        f"--to {value}: year {year} is outside the years sendlib accepts, 1990 to 2100; "
        "give a month from 1990-01 to 2100-12"
    )
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["headlines", "--period", "2101-01"],
        ["backlog", "--period", "1989-12"],
        ["forecast", "--to", "2300-01"],
        ["forecast", "--period", "1000-06"],
        ["refresh", "--period", "2300-01"],
    ],
)
def test_a_far_off_month_exits_2_on_every_command(argv, capsys):
    code = cli.main([*argv, "--data", str(config.EXAMPLE_DIR)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"sendlib {argv[0]}: {argv[1]} {argv[2]}: year " in err and "1990 to 2100" in err
    assert "unexpected error" not in err and "bug" not in err
