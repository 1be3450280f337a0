"""``sendlib validate``: report, --json, quarantine files, exit codes, and no traceback on broken input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openpyxl
import pytest

from sendlib import cli, config
from tests.messy_fixtures import (
    EXPECTED,
    EXPECTED_RULES,
    QUARANTINED_ROWS,
    broken_extract,
    copy_example,
    data_rows_in_csv,
)


def _run(capsys, *argv):
    code = cli.main(["validate", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "unexpected error" not in err, err
    return code, out, err


def test_example_is_usable(tmp_path, capsys):
    code, out, _ = _run(capsys, "--data", str(config.EXAMPLE_DIR), "--out", str(tmp_path / "v"))
    assert code == 0
    assert "plans" in out and "Result: USABLE (no rows quarantined)" in out
    assert sorted(p.name for p in (tmp_path / "v").iterdir()) == [
        "README.txt",
        "issues.csv",
        "quarantine_assessments.csv",
        "quarantine_budget.csv",
        "quarantine_placements.csv",
        "quarantine_plan_trajectory.csv",
        "quarantine_plans.csv",
    ]


def test_quarantine_and_issues_files_are_owner_only_utf8_with_bom_and_say_so(tmp_path, capsys):
    folder = broken_extract(tmp_path / "data")
    out = tmp_path / "v"
    out.mkdir()
    (out / "issues.csv").write_text("old")
    (out / "issues.csv").chmod(0o644)  # an earlier file readable by all is tightened too
    _run(capsys, "--data", str(folder), "--out", str(out))
    for name in ["issues.csv", "quarantine_plans.csv", "quarantine_placements.csv"]:
        path = out / name
        assert path.stat().st_mode & 0o777 == 0o600, name
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf"), name  # UTF-8 byte order mark: Excel shows "£"
    issues = (out / "issues.csv").read_bytes().decode("utf-8-sig")
    assert issues.startswith("table,row,column,rule,severity,message,file")
    assert "-£500.00" in issues  # the pound sign survives (UTF-8, not Windows-1252)
    readme = (out / "README.txt").read_text()
    assert readme.startswith("PERSONAL DATA") and "owner only" in readme and "byte order mark" in readme


def test_json_on_one_broken_row_per_rule_reconciles(tmp_path, capsys):
    folder = broken_extract(tmp_path / "data")
    code, out, _ = _run(capsys, "--data", str(folder), "--out", str(tmp_path / "v"), "--json")
    assert code == 0  # quarantined rows do not make the extract unusable
    report = json.loads(out)
    assert set(report) == {"usable", "as_of", "as_of_source", "tables", "issues"}
    assert (report["as_of"], report["as_of_source"]) == ("2024-11-30", "extract.toml")
    assert report["usable"] is True
    assert report["tables"] == EXPECTED
    for name, counts in report["tables"].items():
        # rows in = the data rows of the file, counted with the stdlib csv reader
        assert counts["rows_in"] == data_rows_in_csv(folder / f"{name}.csv"), name
    assert all(set(i) == {"table", "row", "column", "rule", "severity", "message"} for i in report["issues"])
    assert EXPECTED_RULES <= {i["rule"] for i in report["issues"]}
    # the quarantine files hold exactly the quarantined rows (by hand), with their reasons
    import pandas as pd

    for name in EXPECTED:
        q = pd.read_csv(tmp_path / "v" / f"quarantine_{name}.csv", dtype=str, keep_default_na=False)
        assert q["row"].astype(int).tolist() == QUARANTINED_ROWS[name], name
        assert q["reasons"].str.len().gt(0).all()
        assert list(q.columns[:3]) == ["table", "row", "reasons"]


def test_readable_report_groups_issues_by_rule(tmp_path, capsys):
    folder = broken_extract(tmp_path / "data")
    code, out, _ = _run(capsys, "--data", str(folder), "--out", str(tmp_path / "v"))
    assert code == 0
    assert "ERROR bad_money [placements]: 1 row(s)" in out
    assert "placements.csv row 15, column annual_cost, 'abc' is not an amount of money" in out
    assert "row(s) quarantined: fix them at source" in out


def test_as_of_option(tmp_path, capsys):
    code, out, _ = _run(
        capsys, "--data", str(config.EXAMPLE_DIR), "--as-of", "2024-11-01", "--out", str(tmp_path), "--json"
    )
    report = json.loads(out)
    # P009 (issued 2024-11-05) and P010 (2024-11-20) are now after the extract date
    assert report["tables"]["plans"]["rows_quarantined"] == 2
    assert code == 0
    assert (report["as_of"], report["as_of_source"]) == ("2024-11-01", "argument")
    note = [i for i in report["issues"] if i["rule"] == "as_of"]
    assert len(note) == 1 and note[0]["severity"] == "info"
    assert "as_of 2024-11-01 given" in note[0]["message"] and "extract.toml says 2024-11-30 (the option wins)" in note[0]["message"]


def test_as_of_source_in_the_text_report(tmp_path, capsys):
    _, out, _ = _run(capsys, "--data", str(config.EXAMPLE_DIR), "--as-of", "2024-11-01", "--out", str(tmp_path))
    assert "(as_of 2024-11-01, from --as-of)" in out
    _, out, _ = _run(capsys, "--data", str(config.EXAMPLE_DIR), "--out", str(tmp_path))
    assert "(as_of 2024-11-30, from extract.toml)" in out


def test_mapping_option(tmp_path, capsys):
    folder = copy_example(tmp_path / "data")
    (folder / "plans.csv").rename(folder / "EHCPs.csv")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[files]\nplans = "EHCPs.csv"\n')
    code, _, _ = _run(capsys, "--data", str(folder), "--mapping", str(mapping), "--out", str(tmp_path / "v"))
    assert code == 0


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--data", "/no/such/folder"], "does not exist"),
        (["--as-of", "30/11/2024"], "YYYY-MM-DD"),
        (["--mapping", "/no/such/mapping.toml"], "does not exist"),
        (["--out", str(config.EXAMPLE_DIR / "out")], "inside the data folder"),
        (["--out", str(config.EXAMPLE_DIR)], "inside the data folder"),
    ],
)
def test_usage_errors_exit_2(capsys, argv, match):
    data = [] if "--data" in argv else ["--data", str(config.EXAMPLE_DIR)]
    code, _, err = _run(capsys, *data, *argv)
    assert code == 2
    assert match in err


def test_data_is_a_file_is_a_usage_error(tmp_path, capsys):
    f = tmp_path / "plans.csv"
    f.write_text("x")
    code, _, err = _run(capsys, "--data", str(f))
    assert code == 2 and "give the folder" in err


def _replace(folder, name, content: bytes):
    for p in folder.glob(f"{name}.*"):
        p.unlink()
    (folder / name).write_bytes(content)


#: data rows of data/example's tables (tests/test_load.py checks them against the files)
EXAMPLE_ROWS = {"plans": 12, "placements": 13, "assessments": 17, "plan_trajectory": 7, "budget": 2}
#: the table each broken input leaves unread (its rows_in is 0); the others are read in full
UNREAD = {
    "empty file": {"plans"}, "binary junk": {"placements"}, "xlsx named csv": {"placements"},
    "wrong sheet": {"plans"}, "corrupt xlsx": {"assessments"}, "ragged csv": {"plans"},
    "missing column": {"plans"}, "missing file": {"assessments"}, "empty folder": set(EXAMPLE_ROWS),
    "bad extract.toml": set(), "corrupt parquet": {"plans"},
}


def _broken_inputs(tmp_path):
    """Folders each broken in one blocking way: name -> (folder, rule expected)."""
    cases = {}

    def case(name):
        return copy_example(tmp_path / name)

    f = case("empty")
    _replace(f, "plans.csv", b"")
    cases["empty file"] = (f, "empty_file")

    f = case("junk")
    _replace(f, "placements.csv", bytes(range(256)) * 40)
    cases["binary junk"] = (f, "binary_file")

    f = case("xlsx_as_csv")
    _replace(f, "placements.csv", b"PK\x03\x04" + b"\x00" * 300)
    cases["xlsx named csv"] = (f, "binary_file")

    f = case("wrong_sheet")
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.active.append(["nothing here"])
    wb.create_sheet("Data 2023").append(["plan_id", "child_id", "issued_on"])
    wb.create_sheet("Data 2024").append(["plan_id", "child_id", "issued_on"])  # two: which one is not guessed
    (f / "plans.csv").unlink()
    wb.save(f / "plans.xlsx")
    cases["wrong sheet"] = (f, "wrong_sheet")

    f = case("corrupt_xlsx")
    (f / "assessments.csv").unlink()
    (f / "assessments.xlsx").write_bytes(b"PK\x03\x04 not really a zip" * 20)
    cases["corrupt xlsx"] = (f, "unreadable_file")

    f = case("ragged")
    text = (f / "plans.csv").read_text() + "P999,C,2012-01-01,ASD,2020-01-01,,,,extra\n"
    (f / "plans.csv").write_text(text)
    cases["ragged csv"] = (f, "unreadable_file")

    f = case("missing_column")
    lines = (f / "plans.csv").read_text().splitlines()
    lines[0] = lines[0].replace("issued_on", "date_issued")
    (f / "plans.csv").write_text("\n".join(lines) + "\n")
    cases["missing column"] = (f, "missing_column")

    f = case("missing_file")
    (f / "assessments.csv").unlink()
    cases["missing file"] = (f, "missing_file")

    f = tmp_path / "empty_folder"
    f.mkdir()
    cases["empty folder"] = (f, "missing_file")

    f = case("bad_toml")
    (f / "extract.toml").write_bytes(b"as_of = \xff\xfe")
    cases["bad extract.toml"] = (f, "bad_extract_toml")

    f = case("bad_parquet")
    (f / "plans.csv").unlink()
    (f / "plans.parquet").write_bytes(b"PAR1 truncated")
    cases["corrupt parquet"] = (f, "unreadable_file")
    return cases


def test_every_broken_input_gives_a_message_not_a_traceback(tmp_path, capsys):
    for label, (folder, rule) in _broken_inputs(tmp_path).items():
        code, out, err = _run(capsys, "--data", str(folder), "--out", str(tmp_path / "v" / label), "--json")
        assert code == 1, (label, out, err)
        report = json.loads(out)
        assert report["usable"] is False, label
        blocking = [i for i in report["issues"] if i["severity"] == "blocking"]
        assert {i["rule"] for i in blocking} == {rule}, (label, blocking)
        assert blocking[0]["message"], label
        # an unread required table counts 0 rows; an absent optional table has no counts
        expected = {
            t: 0 if t in UNREAD[label] else n
            for t, n in EXAMPLE_ROWS.items()
            if t in ("plans", "placements", "assessments") or t not in UNREAD[label]
        }
        assert {t: c["rows_in"] for t, c in report["tables"].items()} == expected, label
        for counts in report["tables"].values():
            assert counts["rows_in"] == counts["rows_kept"] + counts["rows_quarantined"]
    # the readable report says so too (once is enough: it is the same load)
    code, out, err = _run(capsys, "--data", str(folder), "--out", str(tmp_path / "v" / "text"))
    assert code == 1 and "NOT USABLE" in out


def test_non_utf8_bytes_are_read(tmp_path, capsys):
    folder = copy_example(tmp_path / "data")
    text = (folder / "placements.csv").read_text().replace("Example Academy", "Ecole Fran\u00e7aise")
    (folder / "placements.csv").write_bytes(text.encode("cp1252"))
    code, out, _ = _run(capsys, "--data", str(folder), "--out", str(tmp_path / "v"), "--json")
    assert code == 0
    assert any(i["rule"] == "encoding" for i in json.loads(out)["issues"])


def test_subprocess_on_broken_folder(tmp_path):
    """The installed console entry point, as an analyst runs it: message, exit 1, no traceback."""
    folder = copy_example(tmp_path / "data")
    (folder / "plans.csv").write_bytes(b"\x00\x01junk" * 50)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "sendlib.cli", "validate", "--data", str(folder), "--out", str(tmp_path / "v")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "plans.csv holds binary data" in proc.stdout


def test_default_data_folder():
    from sendlib.commands.validate import default_data_dir

    expected = config.SAMPLE_DIR if config.SAMPLE_DIR.is_dir() and any(config.SAMPLE_DIR.iterdir()) else config.EXAMPLE_DIR
    assert default_data_dir() == expected
