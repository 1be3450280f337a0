"""The monthly refresh: success path on the sample, privacy of every output, failure, bad input,
skipping without public data, atomic replacement.

The full refresh on the sample runs once per session (``sample_report``); the failure and atomicity
tests use tiny throwaway notebooks on the hand-built example extract, so they start few kernels.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from sendlib import cli, config
from sendlib.errors import DataError, UsageError
from sendlib.headlines import headlines_frame
from sendlib.notebook_hygiene import notebook_problems
from sendlib.report import refresh
from sendlib.report.paragraph import draft_paragraph
from sendlib.report.run import list_notebooks
from tests.notebook_fixtures import committed_notebooks, write_notebook

pytestmark = pytest.mark.notebooks

COMMITTED = sorted(p.stem for p in config.NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))



@pytest.fixture(scope="session")
def sample_report(tmp_path_factory):
    """``refresh()`` on the shipped sample for its latest month, once per session."""
    out = tmp_path_factory.mktemp("reports")
    nbs = committed_notebooks(tmp_path_factory.mktemp("nbs"))
    log = io.StringIO()
    result = refresh(data_dir=config.SAMPLE_DIR, out_dir=out, jobs=2, stream=log, notebooks_dir=nbs)
    return result, out, log.getvalue()



# ---------------------------------------------------------------------------------------------------
# Success path on the sample
# ---------------------------------------------------------------------------------------------------


def test_refresh_publishes_every_output(sample_report):
    result, out, log = sample_report
    assert result.ok and result.period == "2024-11"
    target = out / "2024-11"
    assert result.out_dir == target
    # only the published folder is left: no temporary, old or failed folders, no extract cache
    assert sorted(p.name for p in out.iterdir()) == ["2024-11"]
    ran = [r.name for r in result.runs if r.status == "ok"]
    assert set(COMMITTED) - {"05_benchmarking"} <= set(ran)
    for name in ran:
        assert (target / f"{name}.ipynb").is_file()
        assert (target / f"{name}.html").is_file()
    for name in ("headlines.csv", "headlines.md", "index.html"):
        assert (target / name).is_file()
    index = (target / "index.html").read_text(encoding="utf-8")
    for name in ran:
        assert f'href="{name}.html"' in index and f'href="{name}.ipynb"' in index
    # progress lines and the summary table
    assert "[1/" in log and "notebooks ran in" in log
    for r in result.runs:
        assert re.search(rf"^{r.name}\s+{r.status}", log, flags=re.M)


def test_published_notebooks_are_clean_and_html_has_no_code(sample_report):
    result, out, _ = sample_report
    for r in result.runs:
        if r.status != "ok":
            continue
        nb = nbformat.read(out / "2024-11" / f"{r.name}.ipynb", as_version=4)
        assert notebook_problems(nb, require_outputs=True) == [
            p for p in notebook_problems(nb) if "injected-parameters" in p
        ], r.name
        assert "papermill" not in json.dumps(nb.metadata)
        html = (out / "2024-11" / f"{r.name}.html").read_text(encoding="utf-8")
        assert "load_for_report(" not in html and "import sendlib" not in html, r.name
        assert "Source:" in html or "Caveats" in html


def test_headlines_files(sample_report):
    _, out, _ = sample_report
    csv = pd.read_csv(out / "2024-11" / "headlines.csv", dtype=str, keep_default_na=False)
    assert list(csv.columns) == ["measure", "value", "unit"]
    values = dict(zip(csv["measure"], csv["value"], strict=True))
    assert values["period"] == "2024-11"
    md = (out / "2024-11" / "headlines.md").read_text(encoding="utf-8")
    assert md.startswith("# SEND headlines, November 2024")
    active = int(values["ehcp_active"])
    assert f"{active:,} EHCPs at the end of November 2024" in md


# ---------------------------------------------------------------------------------------------------
# Privacy: no identifiers, no small counts in published tables
# ---------------------------------------------------------------------------------------------------

_IMAGE = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+")


def _published_texts(folder: Path) -> dict[str, str]:
    texts = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                for o in cell.get("outputs", []):
                    o.get("data", {}).pop("image/png", None)
            texts[path.name] = nbformat.writes(nb)
        elif path.suffix in (".html", ".csv", ".md"):
            texts[path.name] = _IMAGE.sub("", path.read_text(encoding="utf-8"))
    return texts


def test_no_identifier_of_the_input_appears_in_any_output(sample_report, sample_dir):
    _, out, _ = sample_report
    plans = pd.read_csv(sample_dir / "plans.csv", dtype=str)
    requests = pd.read_csv(sample_dir / "assessments.csv", dtype=str)
    ids = (
        set(plans["plan_id"])
        | set(plans["child_id"])
        | set(requests["request_id"])
        | set(requests["child_id"])
    )
    ids = {i for i in ids if isinstance(i, str) and i}
    dob = pd.to_datetime(plans["date_of_birth"].dropna())
    # month-end dates legitimately appear (period end, extract date): a birthday on one proves nothing
    dob = dob[~dob.dt.is_month_end]
    dob_text = set(dob.dt.strftime("%Y-%m-%d")) | set(dob.dt.strftime("%d/%m/%Y"))
    token = re.compile(r"[A-Za-z0-9/\-]+")
    assert ids and dob_text
    for name, text in _published_texts(out / "2024-11").items():
        found = set(token.findall(text))
        assert not (found & ids), f"{name} shows identifiers {sorted(found & ids)[:5]}"
        assert not (found & dob_text), f"{name} shows dates of birth {sorted(found & dob_text)[:5]}"
        assert "provider_name" not in text and "Example Academy" not in text, name


def test_no_count_from_1_to_4_in_a_published_table(sample_report):
    _, out, _ = sample_report
    cell = re.compile(r"<td[^>]*>\s*([^<]*?)\s*</td>", flags=re.S)
    tables_seen = 0
    for name, text in _published_texts(out / "2024-11").items():
        if name.endswith((".html", ".ipynb")):
            cells = cell.findall(text.replace("\\n", "\n"))
            tables_seen += bool(cells)
            small = [c for c in cells if re.fullmatch(r"[1-4]", c.replace(",", ""))]
            assert not small, f"{name} shows small counts in a table: {small}"
    assert tables_seen >= 3
    csv = pd.read_csv(out / "2024-11" / "headlines.csv", dtype=str, keep_default_na=False)
    counts = csv[
        csv["unit"].isin(["plans", "placements", "requests"]) & ~csv["measure"].str.endswith("_change")
    ]
    assert not counts["value"].isin(["1", "2", "3", "4"]).any()


def test_tables_xlsx_holds_each_notebook_table_with_the_same_suppression_as_the_html(sample_report):
    """tables.xlsx from the real notebooks: per notebook, one sheet per table its HTML page shows and
    as many [c] cells as the page; charts as PNG and SVG, linked from the index; no identifier."""
    import openpyxl

    result, out, _ = sample_report
    target = out / "2024-11"
    wb = openpyxl.load_workbook(target / "tables.xlsx")
    assert wb.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    sheets, suppressed = {}, {}
    for name in wb.sheetnames[3:]:
        cells = [c for row in wb[name].iter_rows(values_only=True) for c in row]
        notebook = next(c for c in cells if isinstance(c, str) and "; notebook " in c).split("; notebook ")[1]
        sheets[notebook] = sheets.get(notebook, 0) + 1
        suppressed[notebook] = suppressed.get(notebook, 0) + sum(c == "[c]" for c in cells)
    td_c = re.compile(r"<td[^>]*>\s*\[c\]\s*</td>")
    for run in result.runs:
        page = (target / f"{run.name}.html").read_text(encoding="utf-8")
        assert sheets.get(run.name, 0) == page.count("<table"), run.name
        assert suppressed.get(run.name, 0) == len(td_c.findall(page)), run.name
    assert sum(suppressed.values()) > 0  # the sample has small counts in some tables
    ids = set(pd.read_csv(config.SAMPLE_DIR / "plans.csv", dtype=str)["plan_id"])
    assert not {str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row} & ids
    charts = sorted((target / "charts").iterdir())
    pngs = {p.stem for p in charts if p.suffix == ".png"}
    assert pngs and pngs == {p.stem for p in charts if p.suffix == ".svg"}
    index = (target / "index.html").read_text(encoding="utf-8")
    assert all(f'href="charts/{stem}.png"' in index for stem in pngs)


def test_headline_counts_are_suppressed_and_paragraph_only_uses_present_keys():
    frame = headlines_frame(
        {"ehcp_active": 3, "ehcp_active_change": 2, "financial_month": 4, "independent_share_count": 2.5}
    )
    values = dict(zip(frame["measure"], frame["value"], strict=True))
    # 3 plans -> [c]; the change (3 - 2 = 1 a month ago) and the share of plans are worked out from
    # the 3, so they go with it; financial month 4 is not a count of children
    assert values == {
        "ehcp_active": "[c]",
        "ehcp_active_change": "[c]",
        "financial_month": 4,
        "independent_share_count": "[c]",
    }
    text = draft_paragraph({"ehcp_active": 9754, "ehcp_active_change": 66}, "2024-11")
    assert text == "There were 9,754 EHCPs at the end of November 2024 (up 66 on the previous month)."
    text = draft_paragraph(
        {
            "avg_cost_per_ehcp": 16965.0,
            "avg_cost_per_ehcp_change": -80.0,
            "avg_cost_per_ehcp_first_fall_in_financial_year": True,
            "ehcp_forecast_next_january": 9833.0,
            "ehcp_plan_next_january": 9372.0,
            "overdue_assessments": 3,
            "overdue_assessments_prev_month": 2,
            "fy_forecast_spend": 159_310_128.9,
            "fy_budget": 155_400_000.0,
            "fy_forecast_overspend": 3_910_128.9,
            "fy_overspend_vs_cap": -27_289_871.1,
        },
        "2024-11",
    )
    # 9,833 - 9,372 = 461
    assert "The forecast for January 2025 is 9,833, 461 above the Safety Valve plan of 9,372." in text
    # 3 and 2 are both hidden, so is their difference ("up 1")
    assert "Fewer than 5 assessments were overdue (open beyond the 20-week limit). " in text
    assert "up 1" not in text
    assert (
        "Placement spend for 2024-25 is forecast at £159.3m against a budget of £155.4m, an overspend of "
        "£3.9m, within the Safety Valve cap by £27.3m." in text
    )
    # 7 and 11 are shown: 7 - 11 = down 4
    shown = draft_paragraph({"overdue_assessments": 7, "overdue_assessments_prev_month": 11}, "2024-11")
    assert shown == "7 assessments were overdue (open beyond the 20-week limit), down 4 on the previous month."
    # 7 now, 3 a month ago: "down 4" would give the 3 back from the 7
    one_hidden = draft_paragraph({"overdue_assessments": 7, "overdue_assessments_prev_month": 3}, "2024-11")
    assert one_hidden == "7 assessments were overdue (open beyond the 20-week limit)."
    # with other high-needs spend: the whole block, its parts named; 159.2 + 47.4 = 206.6;
    # 206.6 - 155.4 = 51.2; 51.2 - 31.2 = 20.0 beyond the cap
    whole = draft_paragraph({"fy_forecast_spend": 206_618_835.6, "fy_forecast_placement_spend": 159_218_835.6,
                             "fy_other_high_needs_spend": 47_400_000.0, "fy_budget": 155_400_000.0,
                             "fy_forecast_overspend": 51_218_835.6, "fy_overspend_vs_cap": 20_018_835.6},
                            "2024-11")
    assert whole == ("High-needs spend for 2024-25 is forecast at £206.6m (placements £159.2m, other "
                     "high-needs spend £47.4m) against a budget of £155.4m, an overspend of £51.2m, £20.0m "
                     "beyond the Safety Valve cap.")
    assert "£16,965, down £80 on the previous month, the first fall this financial year." in text
    assert draft_paragraph({}, "2024-11") == "No headline figures are available for November 2024."


# ---------------------------------------------------------------------------------------------------
# Disclosure control of the headlines on the hand-built example (small counts)
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_headlines(example_dir):
    import sendlib
    from sendlib.headlines import headlines

    extract = sendlib.load(example_dir)
    return {p: headlines(extract, p) for p in ("2024-06", "2024-11")}


def _published(h, threshold=5) -> dict:
    frame = headlines_frame(h, threshold)
    return dict(zip(frame["measure"], frame["value"], strict=True))


def _primary_only(h) -> dict:
    """The headlines as published before this check: only counts from 1 to 4 hidden."""
    from sendlib.headlines import is_count, units

    known = units()
    return {k: "[c]" if is_count(k, v, known.get(k, "")) and 1 <= v < 5 else v for k, v in h.items()}


def _recover(values: dict) -> dict:
    """An attack on published headline values ("[c]" = hidden): what can be worked back exactly.

    INMSS placements = share of plans x plans / 100. Plans: prev + issued - ceased = now, trying every
    whole number from 0 to 50 for a hidden count: a count with one possible value is recovered.
    """
    def num(key):
        v = values.get(key)
        return None if v is None or v == "[c]" else float(v)

    found = {}
    active, share = num("ehcp_active"), num("independent_share_count")
    if active is not None and share is not None:
        found["independent_placements"] = round(active * share / 100)
    prev, issued, ceased = num("ehcp_active_prev_month"), num("ehcp_issued"), num("ehcp_ceased")
    if active is not None and prev is not None:
        options = [
            (i, c)
            for i in range(51)
            for c in range(51)
            if prev + i - c == active and issued in (None, i) and ceased in (None, c)
        ]
        for key, pos in (("ehcp_issued", 0), ("ehcp_ceased", 1)):
            if len({o[pos] for o in options}) == 1:
                found[key] = options[0][pos]
    return found


def test_example_headlines_hide_the_shares_costs_and_changes_of_hidden_counts(example_headlines):
    values = _published(example_headlines["2024-11"])
    # data/example/README.md, 30 November 2024: 9 plans (8 at 31 October, + 2 issued - 1 ceased);
    # INMSS P001, P007, P008 = 3 of 9 plans (33.3%), £185,500 of £248,800 (74.6%); overdue 3
    hidden = [
        "ehcp_issued", "ehcp_ceased", "plans_without_placement",
        "independent_placements", "independent_placements_prev_month", "independent_placements_broad",
        "independent_share_count", "independent_share_special", "independent_cost", "independent_share_cost",
        "independent_share_count_broad", "independent_share_cost_broad",
        "overdue_assessments", "overdue_assessments_prev_month", "assessments_completed_month",
    ]
    assert {k: values[k] for k in hidden} == dict.fromkeys(hidden, "[c]")
    # the plans and their average cost (248,800 / 9 = 27,644.44) are 5 or more: shown
    assert (values["ehcp_active"], values["ehcp_active_prev_month"], values["ehcp_active_change"]) == (9, 8, 1)
    assert values["avg_cost_per_ehcp"] == 27_644.44 and values["independent_new_placements"] == 0
    text = draft_paragraph(example_headlines["2024-11"], "2024-11")
    assert "Independent and non-maintained special schools held fewer than 5 placements." in text
    assert "33.3%" not in text and "74.6%" not in text
    # 3 overdue now and 3 a month ago: "unchanged" would say the hidden counts are equal
    assert "Fewer than 5 assessments were overdue (open beyond the 20-week limit). " in text
    assert "unchanged" not in text
    assert "There were 9 EHCPs at the end of November 2024 (up 1 on the previous month)." in text


def test_timeliness_rate_over_few_plans_is_hidden(example_headlines):
    values = _published(example_headlines["2024-11"])
    # data/example: 5 plans issued January-November 2024, no exceptions, 3 of them within 20 weeks:
    # 60% of 5 gives the 3 back, so the rate and the 3 are hidden; the 5 is shown
    assert values["plans_issued_ytd_excl_exceptions"] == 5
    assert values["plans_issued_ytd_within_20wk_excl_exceptions"] == "[c]"
    assert values["timeliness_20wk_excl_exceptions_ytd"] == "[c]"
    # over 5 or more on each side the rate is shown: 42 of 1,314 = 3.2% (hand: 42 / 1314 = 0.03196)
    shown = _published({"timeliness_20wk_excl_exceptions_ytd": 3.1963, "plans_issued_ytd_excl_exceptions": 1314,
                        "plans_issued_ytd_within_20wk_excl_exceptions": 42})
    assert shown["timeliness_20wk_excl_exceptions_ytd"] == 3.1963


ISSUED, WITHIN, RATE = (
    "plans_issued_ytd_excl_exceptions", "plans_issued_ytd_within_20wk_excl_exceptions",
    "timeliness_20wk_excl_exceptions_ytd",
)


def _timeliness(issued: int, within: int) -> dict:
    """The three timeliness headlines as sendlib.timeliness.headline_section gives them (rate to 4 dp)."""
    return {ISSUED: issued, WITHIN: within, RATE: round(100 * within / issued, 4) if issued else float("nan")}


def test_a_small_late_count_hides_the_rate_and_a_second_count():
    # 12 issued, 10 within 20 weeks: 83.3333%, and 12 - 10 = 2 issued late. Before, both counts and the
    # rate were shown, so anyone could take the 2 late plans as 12 - 10; now the 10 and the rate are
    # hidden (the smaller shown part of within + late = issued) and the 12 is shown
    published = _published(_timeliness(12, 10))
    assert published == {ISSUED: 12, WITHIN: "[c]", RATE: "[c]"}
    # 12 issued, 7 within: 5 late, no count from 1 to 4, so all three are shown (7 / 12 = 58.3333%)
    assert _published(_timeliness(12, 7)) == {ISSUED: 12, WITHIN: 7, RATE: 58.3333}
    # the late count is worked out to protect it, never published nor listed as a headline key
    from sendlib.headlines import LATE_KEY, suppressed_headlines

    assert LATE_KEY not in suppressed_headlines(_timeliness(12, 10))
    assert suppressed_headlines(_timeliness(12, 10), threshold=1) == set()


def test_no_small_timeliness_count_can_be_worked_back():
    """Plain loop over every year to date of 0-30 plans: from what is published (counts shown exactly,
    the rate to 4 dp), list every (issued, within) pair that fits; a count from 1 to 4 (issued, within
    or late = issued - within) is leaked when every fitting pair gives it the same value."""
    grid = [(i, w) for i in range(31) for w in range(i + 1)]
    for issued, within in grid:
        shown = _published(_timeliness(issued, within))
        fits = [
            (i, w) for i, w in grid
            if shown[ISSUED] in ("[c]", i) and shown[WITHIN] in ("[c]", w)
            and (shown[RATE] == "[c]" or (i > 0 and round(100 * w / i, 4) == shown[RATE]))
        ]
        true = {"issued": issued, "within": within, "late": issued - within}
        for name, pick in (("issued", 0), ("within", 1), ("late", None)):
            values = {f[0] - f[1] if pick is None else f[pick] for f in fits}
            assert not (1 <= true[name] <= 4 and values == {true[name]}), (issued, within, name, shown)


def test_the_paragraph_leaves_out_the_forecasts_of_a_hidden_caseload(example_dir):
    import sendlib
    from sendlib.headlines import headlines

    extract = sendlib.load(example_dir)
    # 30 June 2019: one active plan (P011, issued 1 April 2018; £6,000 a year), so the forecast for
    # January 2020 (1) and the spend (£6,000) would give the hidden 1 back
    text = draft_paragraph(headlines(extract, "2019-06"), "2019-06")
    assert "fewer than 5 EHCPs" in text
    assert "forecast for January 2020" not in text and "spend" not in text and "6,000" not in text
    # November 2024, 9 plans: both sentences are there
    text = draft_paragraph(headlines(extract, "2024-11"), "2024-11")
    assert "The forecast for January 2025 is 11" in text and "spend for 2024-25 is forecast" in text


@pytest.mark.parametrize("period", ["2024-06", "2024-11"])
def test_a_hidden_headline_count_cannot_be_worked_back(example_headlines, period):
    h = example_headlines[period]
    before = _primary_only(h)
    # the attack works on what was published before: November 3 INMSS placements (33.3333% of 9);
    # June 2 (P001, P007: 25% of 8), and 7 plans + issued - 0 ceased = 8, so 1 issued (P012, 3 June)
    leaked = {k: v for k, v in _recover(before).items() if before[k] == "[c]"}
    assert leaked == (
        {"independent_placements": 3} if period == "2024-11" else {"independent_placements": 2, "ehcp_issued": 1}
    )
    after = _published(h)
    assert {k for k in _recover(after) if after[k] == "[c]"} == set()
    if period == "2024-06":  # the 0 ceased is hidden too: 7 + i - c = 8 has many answers
        assert after["ehcp_ceased"] == "[c]" and after["ehcp_active_change"] == 1


# ---------------------------------------------------------------------------------------------------
# Failure, atomicity, bad input, skipping
# ---------------------------------------------------------------------------------------------------


def test_failing_notebook_keeps_the_previous_report(tmp_path, example_dir, capsys):
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    write_notebook(nbs / "a_ok.ipynb", ['print("fine", period)'])
    out = tmp_path / "reports"
    first = refresh(data_dir=example_dir, out_dir=out, jobs=2, notebooks_dir=nbs, stream=None)
    assert first.ok and (out / "2024-11" / "a_ok.html").is_file()
    before = {p.name: p.read_bytes() for p in (out / "2024-11").iterdir()}

    write_notebook(nbs / "b_fails.ipynb", ["x = 1", 'raise ValueError("boom in the second cell")'])
    code = cli.main(
        ["refresh", "--data", str(example_dir), "--out", str(out), "--jobs", "2", "--notebooks", str(nbs)]
    )
    err = capsys.readouterr().err
    assert code == 1
    # the raise is the 4th cell of the source notebook (title, parameters, x = 1, raise)
    assert "b_fails" in err and "cell 4 (In [" in err and "ValueError: boom in the second cell" in err
    # previous report untouched, byte for byte; no b_fails in it
    after = {p.name: p.read_bytes() for p in (out / "2024-11").iterdir()}
    assert after == before
    # the failed executed notebook is kept beside it, with the error output in its cell
    failed = out / "2024-11.failed" / "b_fails.ipynb"
    nb = nbformat.read(failed, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "ValueError"
    assert sorted(p.name for p in out.iterdir()) == ["2024-11", "2024-11.failed"]

    # fixed: the next run replaces the report and removes the failed folder
    write_notebook(nbs / "b_fails.ipynb", ['print("fixed")'])
    again = refresh(data_dir=example_dir, out_dir=out, jobs=2, notebooks_dir=nbs, stream=None)
    assert again.ok
    assert sorted(p.name for p in out.iterdir()) == ["2024-11"]
    assert (out / "2024-11" / "b_fails.html").is_file()


def test_bad_input_stops_before_any_notebook(tmp_path, example_dir, capsys):
    data = tmp_path / "data"
    shutil.copytree(example_dir, data)
    (data / "plans.csv").unlink()
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    marker = tmp_path / "ran.txt"
    write_notebook(nbs / "a.ipynb", [f"open({str(marker)!r}, 'w').write('ran')"])
    out = tmp_path / "reports"
    with pytest.raises(DataError, match="(?s)no notebook was run.*plans"):
        refresh(data_dir=data, out_dir=out, notebooks_dir=nbs, stream=None)
    assert not marker.exists()
    assert not out.exists() or not any(out.iterdir())
    code = cli.main(["refresh", "--data", str(data), "--out", str(out), "--notebooks", str(nbs)])
    assert code == 1 and "plans" in capsys.readouterr().err
    with pytest.raises(UsageError, match="YYYY-MM"):
        refresh(data_dir=example_dir, period="Nov 2024", out_dir=out, notebooks_dir=nbs, stream=None)


def test_benchmarking_is_skipped_without_public_data(tmp_path, example_dir, monkeypatch):
    monkeypatch.delenv("SENDLIB_DFE_DIR", raising=False)
    monkeypatch.setattr(config, "PUBLIC_DATA_DIR", tmp_path / "no_public_data")
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    # the kernel starts in the notebooks' folder; the refresh itself never changes the process's cwd
    # and the kernel is this environment's Python (the venv's kernelspec)
    write_notebook(
        nbs / "00_first.ipynb",
        [
            f"import os\nassert os.getcwd() == {str(nbs)!r}, os.getcwd()",
            f"import sys\nassert sys.executable == {sys.executable!r}, sys.executable",
        ],
    )
    cwd = os.getcwd()
    write_notebook(nbs / "05_benchmarking.ipynb", ['raise RuntimeError("must not run")'], 'dfe_dir = ""')
    log = io.StringIO()
    result = refresh(data_dir=example_dir, out_dir=tmp_path / "r", notebooks_dir=nbs, stream=log)
    status = {r.name: r.status for r in result.runs}
    assert status == {"00_first": "ok", "05_benchmarking": "skipped"}, result.summary()
    assert os.getcwd() == cwd
    assert result.ok
    assert re.search(r"^05_benchmarking\s+skipped\s.*no public DfE data", log.getvalue(), flags=re.M)
    index = (tmp_path / "r" / "2024-11" / "index.html").read_text(encoding="utf-8")
    assert "not produced" in index


def test_only_selects_notebooks_by_name_or_prefix():
    names = [p.stem for p in list_notebooks(config.NOTEBOOKS_DIR, ["00", "01_average_cost.ipynb"])]
    assert names == ["00_data_quality", "01_average_cost"]
    with pytest.raises(UsageError, match="matches 0 notebooks"):
        list_notebooks(config.NOTEBOOKS_DIR, ["99"])


# ---------------------------------------------------------------------------------------------------
# --mapping and relative --data
# ---------------------------------------------------------------------------------------------------


def test_refresh_reads_a_mapped_extract_like_the_example(tmp_path, example_dir, capsys):
    import sendlib
    from sendlib.headlines import headlines
    from tests.test_cli import write_mapped_example

    data, mapping = write_mapped_example(tmp_path)
    out = tmp_path / "reports"
    nbs = committed_notebooks(tmp_path / "nbs")
    argv = ["refresh", "--data", str(data), "--only", "00", "--out", str(out), "--jobs", "1", "--notebooks", str(nbs)]
    code = cli.main([*argv, "--mapping", str(mapping)])
    log, err = capsys.readouterr()
    assert code == 0, err
    assert f"mapping {mapping}" in log and re.search(r"^00_data_quality\s+ok", log, flags=re.M)
    published = pd.read_csv(out / "2024-11" / "headlines.csv", dtype=str, keep_default_na=False)
    # the figures of the unmapped example, as headlines.csv publishes them
    expected = headlines_frame(headlines(sendlib.load(example_dir), "2024-11"), 5)
    expected.to_csv(tmp_path / "expected.csv", index=False, lineterminator="\n")
    pd.testing.assert_frame_equal(
        published, pd.read_csv(tmp_path / "expected.csv", dtype=str, keep_default_na=False)
    )
    values = dict(zip(published["measure"], published["value"], strict=True))
    # data/example/README.md: 9 plans at 30 November, £248,800 / 9 = £27,644.44 a plan; 3 INMSS hidden
    assert (values["ehcp_active"], values["avg_cost_per_ehcp"]) == ("9", "27644.44")
    assert values["independent_placements"] == "[c]"
    # notebook 00 on the mapped files: 12 plans + 13 placements + 17 requests + 7 trajectory months
    # + 2 budget years = 51 rows, none set aside
    html = (out / "2024-11" / "00_data_quality.html").read_text(encoding="utf-8")
    assert "51 of 51 rows passed validation" in html

    # without the mapping: stopped before any notebook, naming what is missing
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 1 and "no notebook was run" in err and "plans.csv" in err


def test_a_notebook_that_reloads_uses_the_refresh_mapping(tmp_path, monkeypatch):
    from sendlib.report.handover import HANDOVER_ENV, MAPPING_ENV
    from tests.test_cli import write_mapped_example

    monkeypatch.setenv(MAPPING_ENV, str(tmp_path / "a-stale-mapping.toml"))  # the refresh's own wins
    data, mapping = write_mapped_example(tmp_path)
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    # no hand-over: the notebook loads the folder itself, as it would if the hand-over could not be read
    write_notebook(
        nbs / "a_reload.ipynb",
        [
            f"import os\nos.environ.pop({HANDOVER_ENV!r})\n"
            f"assert os.environ[{MAPPING_ENV!r}] == {str(mapping)!r}, os.environ.get({MAPPING_ENV!r})",
            "from sendlib.report import load_for_report\nextract = load_for_report(data_dir)",
            # data/example: 12 plans; 13 placements, 2 of them in an INMSS (P001 from Sep 2023, P008)
            "assert len(extract.plans) == 12 and len(extract.placements) == 13\n"
            "assert (extract.placements['setting'] == 'special_independent').sum() == 2",
        ],
        'period = "2024-11"\ndata_dir = ""',
    )
    result = refresh(data_dir=data, mapping=mapping, out_dir=tmp_path / "r", notebooks_dir=nbs, stream=None)
    assert result.ok, result.summary()
    assert os.environ[MAPPING_ENV] == str(tmp_path / "a-stale-mapping.toml")  # restored after the run


def test_load_for_report_shares_only_an_extract_made_with_the_same_mapping(tmp_path, monkeypatch):
    import sendlib
    from sendlib.report import handover, load_for_report
    from tests.test_cli import write_mapped_example

    data, mapping = write_mapped_example(tmp_path)
    extract = sendlib.load(data, mapping=mapping)
    extract.plans = extract.plans.iloc[:1]  # marks the handed-over copy: 1 plan instead of 12
    folder = handover.create()
    try:
        handover.write(folder, extract, data, mapping)
        monkeypatch.setenv(handover.HANDOVER_ENV, str(folder))
        monkeypatch.setenv(handover.MAPPING_ENV, str(mapping))
        assert len(load_for_report(data).plans) == 1
        # another --as-of is another extract: loaded, not shared
        monkeypatch.setenv(handover.AS_OF_ENV, "2024-10-31")
        reloaded = load_for_report(data)
        # data/example: 2 of the 12 plans were issued in November 2024, after that date
        assert len(reloaded.plans) == 10 and reloaded.as_of == pd.Timestamp("2024-10-31")
        monkeypatch.delenv(handover.AS_OF_ENV)
        # the same folder read with another mapping file is another extract: loaded, not shared
        other = tmp_path / "other.toml"
        other.write_text(mapping.read_text(encoding="utf-8"), encoding="utf-8")
        monkeypatch.setenv(handover.MAPPING_ENV, str(other))
        assert len(load_for_report(data).plans) == 12
        # and with no mapping the copy's plans file is missing
        monkeypatch.delenv(handover.MAPPING_ENV)
        with pytest.raises(DataError, match="plans"):
            load_for_report(data)
    finally:
        shutil.rmtree(folder)


def test_relative_data_is_read_from_the_current_folder_first(tmp_path, example_dir, monkeypatch, capsys):
    """``--data data/example`` from another folder: that folder's copy when it has one (as every
    command reads it), else the project root's."""
    monkeypatch.chdir(tmp_path)
    rel = example_dir.relative_to(config.PROJECT_ROOT)
    here = tmp_path / rel
    shutil.copytree(example_dir, here)
    (here / "extract.toml").write_text('as_of = "2024-10-31"\n', encoding="utf-8")  # a month earlier
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    write_notebook(nbs / "a.ipynb", [f"assert data_dir == {str(here.resolve())!r}, data_dir"],
              'period = "2024-11"\ndata_dir = ""')
    out = tmp_path / "reports"
    code = cli.main(["refresh", "--data", str(rel), "--out", str(out), "--notebooks", str(nbs)])
    log, err = capsys.readouterr()
    assert code == 0, log + err
    assert f"period 2024-10, data {here.resolve()}," in log  # the copy's as_of, not the project's
    assert sorted(p.name for p in out.iterdir()) == ["2024-10"]
    # the same from the Python API; a folder in neither place is a usage error naming both
    shutil.rmtree(here)
    with pytest.raises(UsageError, match="nor in the project root"):
        refresh(data_dir="no/such/extract", out_dir=out, notebooks_dir=nbs, stream=None)
    assert cli.main(["refresh", "--data", "no/such/extract", "--out", str(out), "--notebooks", str(nbs)]) == 2
