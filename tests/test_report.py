"""The report package: hand-over of the extract, leftovers of killed refreshes, tables.xlsx, charts,
--as-of, headline sections and units, one formatting for every figure, and the import rule."""

from __future__ import annotations

import ast
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import sendlib
from sendlib import cli, config
from sendlib.headlines import headlines
from sendlib.report import handover, publish, refresh
from sendlib.report.tables import NOT_AVAILABLE_NOTE, SUPPRESSED_NOTE, TableError, read_tables, write_tables
from tests.notebook_fixtures import list_report_notebooks, write_notebook

SRC = Path(__file__).resolve().parents[1] / "src"



def _identifiers(data: Path) -> set[bytes]:
    plans = pd.read_csv(data / "plans.csv", dtype=str)
    requests = pd.read_csv(data / "assessments.csv", dtype=str)
    ids = set(plans["plan_id"]) | set(plans["child_id"]) | set(requests["request_id"]) | set(requests["child_id"])
    return {i.encode() for i in ids if isinstance(i, str) and i}


def _files_with_identifiers(folder: Path, ids: set[bytes]) -> dict[str, list[bytes]]:
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits = [i for i in ids if i in data]
            if hits:
                found[str(path)] = hits[:3]
    return found


# ---------------------------------------------------------------------------------------------------
# Hand-over
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["example", "sample"])
def test_handover_round_trip_gives_identical_extract_and_headlines(which, tmp_path):
    data = config.EXAMPLE_DIR if which == "example" else config.SAMPLE_DIR
    extract = sendlib.load(data)
    folder = handover.create()
    try:
        assert (folder.stat().st_mode & 0o777) == 0o700 and folder.parent != config.REPORTS_DIR
        handover.write(folder, extract, data)
        back = handover.read(folder, data)
    finally:
        shutil.rmtree(folder)
    for name in ("plans", "placements", "assessments", "plan_trajectory", "budget"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(extract, name), check_exact=True)
        assert getattr(back, name).dtypes.to_dict() == getattr(extract, name).dtypes.to_dict()
    pd.testing.assert_frame_equal(back.quarantine, extract.quarantine)
    assert (back.as_of, back.issues, back.row_counts, back.source) == (
        extract.as_of, extract.issues, extract.row_counts, extract.source)
    assert headlines(back, "2024-11") == headlines(extract, "2024-11")


def test_handover_is_not_read_when_others_could_have_written_it(tmp_path, monkeypatch, example_dir):
    extract = sendlib.load(example_dir)
    extract.plans = extract.plans.iloc[:1]  # marks the handed-over copy
    folder = handover.create()
    try:
        handover.write(folder, extract, example_dir)
        monkeypatch.setenv(handover.HANDOVER_ENV, str(folder))
        monkeypatch.delenv(handover.MAPPING_ENV, raising=False)
        monkeypatch.delenv(handover.AS_OF_ENV, raising=False)
        assert len(sendlib.report.load_for_report(example_dir).plans) == 1
        (folder / "plans.parquet").chmod(0o666)  # a file anyone could have replaced: not used
        assert handover.read(folder, example_dir) is None
        assert len(sendlib.report.load_for_report(example_dir).plans) == 12
        (folder / "plans.parquet").chmod(0o600)
        folder.chmod(0o777)  # a folder anyone can write into: not used either
        assert handover.read(folder, example_dir) is None
        assert len(sendlib.report.load_for_report(example_dir).plans) == 12
        folder.chmod(0o700)
        # another folder's extract is not this one's
        other = tmp_path / "copy"
        shutil.copytree(example_dir, other)
        assert len(sendlib.report.load_for_report(other).plans) == 12
    finally:
        shutil.rmtree(folder)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_handovers_and_leftovers_are_removed(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f"{handover.PREFIX}stale"
    live = tmp_path / f"{handover.PREFIX}live"
    for folder, pid in ((stale, dead), (live, os.getpid())):
        folder.mkdir(mode=0o700)
        (folder / handover.PID_FILE).write_text(str(pid))
    assert handover.remove_stale(tmp_path) == [stale]
    assert not stale.exists() and live.exists()

    reports = tmp_path / "reports"
    reports.mkdir()
    leftovers = [reports / f".2024-11.tmp-{dead}", reports / f".2024-10.old-{dead}"]
    for p in leftovers:
        p.mkdir()
    pickle_file = reports / ".2024-11.extract-12345.pkl"  # an older version's pickled extract
    pickle_file.write_bytes(b"child ids")
    running = reports / f".2024-11.tmp-{os.getppid()}"  # a refresh still running: kept
    running.mkdir()
    (reports / "2024-11").mkdir()
    removed = publish.remove_leftovers(reports)
    assert sorted(removed) == sorted([*leftovers, pickle_file])
    assert sorted(p.name for p in reports.iterdir()) == sorted(["2024-11", running.name])


def _refresh_cmd(data, out, nbs, *extra) -> list[str]:
    return [sys.executable, "-m", "sendlib.cli", "refresh", "--data", str(data), "--out", str(out),
            "--notebooks", str(nbs), "--jobs", "1", *extra]


def test_a_killed_refresh_leaves_no_identifier_and_the_next_one_cleans_up(tmp_path, example_dir):
    data = tmp_path / "data"
    shutil.copytree(example_dir, data)
    ids = _identifiers(data)
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    write_notebook(nbs / "a_slow.ipynb", ["import time\ntime.sleep(30)"])
    out = tmp_path / "reports"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(SRC), "TMPDIR": str(tmp)}
    proc = subprocess.Popen(_refresh_cmd(data, out, nbs), env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        hand = []
        while time.monotonic() < deadline and proc.poll() is None:
            hand = [p for p in tmp.glob(handover.PREFIX + "*") if (p / handover.MANIFEST).exists()]
            if hand and any(out.glob(".2024-11.tmp-*")):
                break
            time.sleep(0.2)
        assert hand and proc.poll() is None, "the refresh never handed the extract over"
        time.sleep(1.0)  # the notebook is running
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the orphaned kernel of the killed refresh
        except ProcessLookupError:
            pass
    assert proc.returncode == -signal.SIGKILL
    assert hand[0].exists()  # left behind by the killed refresh, outside reports/
    assert _files_with_identifiers(out, ids) == {}

    write_notebook(nbs / "a_slow.ipynb", ["print('quick now')"])
    again = subprocess.run(_refresh_cmd(data, out, nbs), env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "removed the leftover of an interrupted refresh" in again.stdout
    assert not hand[0].exists() and list(tmp.glob(handover.PREFIX + "*")) == []
    assert sorted(p.name for p in out.iterdir()) == ["2024-11"]
    assert _files_with_identifiers(out, ids) == {}


# ---------------------------------------------------------------------------------------------------
# tables.xlsx and charts
# ---------------------------------------------------------------------------------------------------


def _write_table(folder: Path, notebook: str, order: int, title: str, columns, data, notes=()) -> None:
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    body = {"notebook": notebook, "order": order, "title": title, "notes": list(notes), "columns": columns,
            "data": data}
    (folder / "tables" / f"{notebook}--{order:02d}.json").write_text(json.dumps(body), encoding="utf-8")


def test_tables_xlsx_has_cover_contents_notes_and_one_sheet_per_table(tmp_path):
    art = tmp_path / "art"
    _write_table(art, "02_independent_sector", 1, "INMSS placements by need: a very long title indeed",
                 ["Primary need", "Placements", "Share (%)"],
                 [["ASD", 120, 40.5], ["SEMH", "[c]", "[c]"], ["Other", 35, None], ["Unknown", "-", 0.0]],
                 notes=["INMSS: independent and non-maintained special schools."])
    _write_table(art, "01_average_cost", 2, "Average cost by setting", ["Setting", "Plans", "Average cost (£)"],
                 [["Mainstream", 4000, 9500.5], ["Special", 1200, 31000.0]])
    _write_table(art, "01_average_cost", 1, "Plans at the month end", ["Month", "Plans"], [["Nov 2024", 9754]])
    tables = read_tables(art)
    assert [(t.notebook, t.order) for t in tables] == [
        ("01_average_cost", 1), ("01_average_cost", 2), ("02_independent_sector", 1)]
    path = write_tables(tables, tmp_path / "tables.xlsx", "2024-11")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["Cover", "Contents", "Notes"] and len(wb.sheetnames) == 6
    sheets = wb.sheetnames[3:]
    assert len(set(sheets)) == 3 and all(len(s) <= 31 for s in sheets)
    assert sheets[2].startswith("3 INMSS placements by need")

    def cells(ws):
        return [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]

    cover = " ".join(map(str, cells(wb["Cover"])))
    assert "November 2024" in cover and "case-management extract" in cover
    assert set(sheets) <= set(cells(wb["Contents"]))
    notes = " ".join(map(str, cells(wb["Notes"])))
    assert SUPPRESSED_NOTE in notes and NOT_AVAILABLE_NOTE in notes and "independent and non-maintained" in notes
    inmss = list(wb[sheets[2]].iter_rows(values_only=True))
    header = inmss.index(("Primary need", "Placements", "Share (%)"))
    # no figure (null, or a dash as DfE tables show it) is GSS shorthand [x]; zero stays a number
    assert inmss[header + 1:] == [
        ("ASD", 120, 40.5), ("SEMH", "[c]", "[c]"), ("Other", 35, "[x]"), ("Unknown", "[x]", 0)]
    assert isinstance(inmss[header + 1][1], int)  # numbers stay numbers
    assert any(SUPPRESSED_NOTE in str(c) for c in cells(wb[sheets[2]]))  # its legend
    assert "[c]" not in cells(wb[sheets[0]]) and "[x]" not in cells(wb[sheets[0]])
    assert not any(NOT_AVAILABLE_NOTE in str(c) for c in cells(wb[sheets[0]]))
    assert write_tables([], tmp_path / "none.xlsx", "2024-11") is None


@pytest.mark.parametrize("column", ["Child ID", "plan_id", "Date of birth", "name"])
def test_a_table_with_an_identifier_column_is_refused(tmp_path, column):
    _write_table(tmp_path, "00_data_quality", 1, "Rows", [column, "Rows"], [["x", 10]])
    with pytest.raises(TableError, match=rf"(?s)00_data_quality--01.json.*identifying column\(s\) {column}"):
        read_tables(tmp_path)


_ARTIFACT_CELL = '''
import json, os
from pathlib import Path
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
art = Path(os.environ["SENDLIB_REPORT_ARTIFACTS"])
(art / "tables").mkdir(exist_ok=True)
(art / "charts").mkdir(exist_ok=True)
table = {"notebook": "a_tables", "order": 1, "title": "Plans by need", "notes": [],
         "columns": ["Need", "Plans"], "data": [["ASD", 12], ["SLCN", "[c]"]]}
(art / "tables" / "a_tables--01.json").write_text(json.dumps(table))
fig, ax = plt.subplots()
ax.plot([1, 2, 3])
for ext in ("png", "svg"):
    fig.savefig(art / "charts" / f"a_tables--plans-by-month.{ext}")
'''


def test_refresh_publishes_tables_and_charts_and_links_them(tmp_path, example_dir):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    write_notebook(nbs / "a_tables.ipynb", [_ARTIFACT_CELL])
    write_notebook(nbs / "b_plain.ipynb", ["print('no artifacts')"])
    out = tmp_path / "reports"
    result = refresh(data_dir=example_dir, out_dir=out, notebooks_dir=nbs, stream=None, jobs=1)
    assert result.ok, result.summary()
    target = out / "2024-11"
    assert (target / "charts" / "a_tables--plans-by-month.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (target / "charts" / "a_tables--plans-by-month.svg").read_bytes()
    wb = openpyxl.load_workbook(target / "tables.xlsx")
    rows = list(wb[wb.sheetnames[3]].iter_rows(values_only=True))
    assert ("ASD", 12) in rows and ("SLCN", "[c]") in rows
    ids = {i.decode() for i in _identifiers(example_dir)}
    assert not {str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row} & ids
    index = (target / "index.html").read_text(encoding="utf-8")
    assert 'href="tables.xlsx"' in index
    assert 'href="charts/a_tables--plans-by-month.png"' in index and 'href="charts/a_tables--plans-by-month.svg"' in index
    page = (target / "a_tables.html").read_text(encoding="utf-8")
    assert 'href="charts/a_tables--plans-by-month.png"' in page
    assert "charts/" not in (target / "b_plain.html").read_text(encoding="utf-8")
    assert (target / "headlines.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel

    # a notebook that writes nothing: the refresh succeeds and says so
    shutil.rmtree(out)
    (nbs / "a_tables.ipynb").unlink()
    list_report_notebooks(nbs)
    log = io.StringIO()
    assert refresh(data_dir=example_dir, out_dir=out, notebooks_dir=nbs, stream=log).ok
    assert "no tables were written" in log.getvalue() and "no charts were written" in log.getvalue()
    assert not (out / "2024-11" / "tables.xlsx").exists()
    assert "No tables were written" in (out / "2024-11" / "index.html").read_text(encoding="utf-8")


def test_index_template_ships_with_the_package():
    import tomllib

    from sendlib.report import index

    assert (index.TEMPLATES / "index.html").is_file()
    data = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "report/templates/*.html" in data["tool"]["setuptools"]["package-data"]["sendlib"]


# ---------------------------------------------------------------------------------------------------
# --as-of
# ---------------------------------------------------------------------------------------------------


@pytest.fixture
def example_without_toml(tmp_path, example_dir):
    data = tmp_path / "data"
    shutil.copytree(example_dir, data)
    (data / "extract.toml").unlink()
    return data


def test_headlines_honour_as_of(example_without_toml, capsys):
    data = example_without_toml
    for as_of, period in (("2024-11-30", "2024-11"), ("2024-10-31", "2024-10")):
        assert cli.main(["headlines", "--data", str(data), "--as-of", as_of, "--json", "--suppress-below", "1"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert (out["as_of"], out["period"]) == (as_of, period)
        expected = headlines(sendlib.load(data, as_of=as_of), period)
        assert {k: out[k] for k in expected} == expected
    assert cli.main(["headlines", "--data", str(data), "--as-of", "30/11/2024"]) == 2
    err = capsys.readouterr().err
    assert "--as-of" in err and "YYYY-MM-DD" in err


def test_backlog_and_forecast_take_as_of(example_without_toml, capsys):
    data = example_without_toml
    for command in ("backlog", "forecast"):
        periods = {}
        for as_of in ("2024-11-30", "2024-10-31"):
            assert cli.main([command, "--data", str(data), "--as-of", as_of, "--json"]) == 0, command
            out = json.loads(capsys.readouterr().out)
            periods[as_of] = (out["period"], out["period_end"])
        assert periods == {"2024-11-30": ("2024-11", "2024-11-30"), "2024-10-31": ("2024-10", "2024-10-31")}
        assert cli.main([command, "--data", str(data), "--as-of", "2024-13-01"]) == 2
        assert "--as-of" in capsys.readouterr().err
    # data/example: 9 plans at 30 November 2024, 8 at 31 October (2 issued and 1 ceased in November)
    assert cli.main(["forecast", "--data", str(data), "--as-of", "2024-10-31", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["active_plans_at_period_end"] == 8


def test_refresh_honours_as_of(example_without_toml, tmp_path, capsys):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    # a notebook that reloads the extract itself gets the same date
    write_notebook(nbs / "a.ipynb", [
        "import os\nos.environ.pop('SENDLIB_HANDOVER')\nfrom sendlib.report import load_for_report\n"
        "assert str(load_for_report(data_dir).as_of.date()) == '2024-10-31'"], 'period = ""\ndata_dir = ""')
    out = tmp_path / "reports"
    code = cli.main(["refresh", "--data", str(example_without_toml), "--as-of", "2024-10-31", "--out", str(out),
                     "--notebooks", str(nbs)])
    log, err = capsys.readouterr()
    assert code == 0, log + err
    assert "period 2024-10" in log and "as of 2024-10-31" in log
    published = pd.read_csv(out / "2024-10" / "headlines.csv", dtype=str, keep_default_na=False)
    values = dict(zip(published["measure"], published["value"], strict=True))
    assert values["as_of"] == "2024-10-31" and values["period"] == "2024-10"


# ---------------------------------------------------------------------------------------------------
# Headline sections and units
# ---------------------------------------------------------------------------------------------------


def test_each_section_module_publishes_its_own_units(monkeypatch):
    from sendlib import backlog, forecast, timeliness
    from sendlib import headlines as hl

    merged = hl.units()
    for module in (backlog, timeliness, forecast):
        assert set(module.HEADLINE_UNITS) <= set(merged)
    assert "overdue_assessments" not in hl.UNITS and "overdue_assessments" not in forecast.HEADLINE_UNITS
    monkeypatch.setattr(timeliness, "HEADLINE_UNITS", {**timeliness.HEADLINE_UNITS, "overdue_assessments": "x"})
    with pytest.raises(ValueError, match="overdue_assessments"):
        hl.units()


def test_backlog_and_timeliness_sections_by_hand_on_the_example(example_dir):
    from sendlib import backlog, forecast, timeliness

    extract = sendlib.load(example_dir)
    pe = pd.Timestamp("2024-11-30")
    b = backlog.headline_section(extract, pe)
    t = timeliness.headline_section(extract, pe)
    # data/example, 30 November 2024: 3 requests open beyond 20 weeks, 3 at 31 October; 5 plans issued
    # January-November 2024 (no exception cases), 3 of them within 20 weeks: 60%
    assert (b["overdue_assessments"], b["overdue_assessments_prev_month"]) == (3, 3)
    assert t == {"timeliness_20wk_excl_exceptions_ytd": 60.0, "plans_issued_ytd_excl_exceptions": 5,
                 "plans_issued_ytd_within_20wk_excl_exceptions": 3}
    assert set(b) == set(backlog.HEADLINE_UNITS) and set(t) == set(timeliness.HEADLINE_UNITS)
    assert not set(forecast.headline_section(extract, pe)) & (set(b) | set(t))


# ---------------------------------------------------------------------------------------------------
# One formatting; the library never imports the command line
# ---------------------------------------------------------------------------------------------------

AMOUNTS = [-0.3, 0, 1234567.5, 16965.4, -80]
#: By hand: half to even, no "-£0", sign before the pound sign.
EXPECTED = ["£0", "£0", "£1,234,568", "£16,965", "-£80"]


def test_amounts_format_the_same_in_prose_tables_and_the_cli(monkeypatch, capsys, tmp_path):
    from sendlib import disclosure
    from sendlib.report.paragraph import draft_paragraph

    prose = [draft_paragraph({"avg_cost_per_ehcp": a}, "2024-11") for a in AMOUNTS]
    assert prose == [f"The average annual placement cost of an EHCP was {e}." for e in EXPECTED]
    table = disclosure.safe_table(pd.DataFrame({"cost": AMOUNTS}), money=["cost"])
    assert table["cost"].tolist() == EXPECTED
    for amount, expected in zip(AMOUNTS, EXPECTED, strict=True):
        values = {"period": "2024-11", "period_end": "2024-11-30", "avg_cost_per_ehcp": float(amount)}
        monkeypatch.setattr("sendlib.cli.load_usable_extract", lambda *a, **k: object())
        monkeypatch.setattr("sendlib.cli.report_period", lambda extract, period: period)
        monkeypatch.setattr("sendlib.headlines.headlines", lambda extract, period, v=values: v)
        assert cli.main(["headlines", "--data", str(tmp_path), "--period", "2024-11"]) == 0
        line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("avg_cost_per_ehcp")]
        assert line and line[0].split()[1] == expected


def test_no_library_module_imports_the_command_line():
    root = SRC / "sendlib"
    offenders = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] == "commands" or rel == Path("cli.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            bad = [n for n in names if n in ("sendlib.cli", "sendlib.commands") or n.startswith(("sendlib.cli.",
                                                                                                "sendlib.commands."))]
            if bad:
                offenders.append(f"{rel}:{node.lineno} imports {bad[0]}")
    assert offenders == []


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_report_passes_as_of(tmp_path):
    from tests.test_makefile import _make, _stamp

    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(config.PROJECT_ROOT / name, tmp_path / name)
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / _stamp(tmp_path)).touch()
    plain = [c for c in _make(tmp_path, "report").splitlines() if "bin/sendlib" in c]
    assert plain and not any("--as-of" in c for c in plain)
    dated = [c for c in _make(tmp_path, "report", "AS_OF=2024-10-31").splitlines() if "bin/sendlib" in c]
    assert [c.split()[1] for c in dated] == ["refresh", "headlines"]
    assert all("--as-of 2024-10-31" in c for c in dated)


def test_backlog_and_timeliness_sections_against_sql_on_the_sample(sample_extract):
    """Assessments completed and year-to-date 20-week timeliness, by SQL (duckdb) on the sample."""
    duckdb = pytest.importorskip("duckdb")
    from sendlib import backlog, timeliness

    a = sample_extract.assessments  # noqa: F841 - read by duckdb by name
    pe = pd.Timestamp("2024-11-30")
    b = backlog.headline_section(sample_extract, pe)
    t = timeliness.headline_section(sample_extract, pe)
    completed = duckdb.sql("""
        SELECT
          sum(CASE WHEN issued_on BETWEEN DATE '2024-11-01' AND DATE '2024-11-30' THEN 1 ELSE 0 END
              + CASE WHEN coalesce(outcome = 'no_plan', false) AND coalesce(decision <> 'refuse', true)
                      AND closed_on BETWEEN DATE '2024-11-01' AND DATE '2024-11-30' THEN 1 ELSE 0 END),
          sum(CASE WHEN issued_on BETWEEN DATE '2023-11-01' AND DATE '2023-11-30' THEN 1 ELSE 0 END
              + CASE WHEN coalesce(outcome = 'no_plan', false) AND coalesce(decision <> 'refuse', true)
                      AND closed_on BETWEEN DATE '2023-11-01' AND DATE '2023-11-30' THEN 1 ELSE 0 END)
        FROM a""").fetchall()[0]
    assert (b["assessments_completed_month"], b["assessments_completed_same_month_last_year"]) == completed
    issued, within = duckdb.sql("""
        SELECT count(*), sum(CASE WHEN date_diff('day', received_on, issued_on) <= 140 THEN 1 ELSE 0 END)
        FROM a WHERE issued_on BETWEEN DATE '2024-01-01' AND DATE '2024-11-30' AND NOT coalesce(exception, false)
        """).fetchall()[0]
    assert (t["plans_issued_ytd_excl_exceptions"], t["plans_issued_ytd_within_20wk_excl_exceptions"]) == (issued, within)
    assert t["timeliness_20wk_excl_exceptions_ytd"] == round(100 * within / issued, 4)
    assert b["overdue_assessments"] == 620  # README: 620 overdue assessments at 30 November 2024


def test_sheet_names_are_cut_at_a_word_boundary():
    from sendlib.report.tables import ReportTable, sheet_names

    titles = ["Rows received and kept, by table", "Short", "Cost per place: type of setting", "A" * 40]
    names = sheet_names([ReportTable("n", i, t, pd.DataFrame()) for i, t in enumerate(titles, start=1)])
    assert names == ["1 Rows received and kept, by", "2 Short", "3 Cost per place type of", "4 " + "A" * 29]
    assert all(len(n) <= 31 for n in names)
