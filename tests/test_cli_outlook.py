"""``sendlib outlook``: JSON and table on the sample and data/example, disclosure, errors."""

from __future__ import annotations

import re
import shutil

import pytest

from sendlib import headlines
from tests import cli_helpers
from tests.cli_helpers import run_command


def _no_constant(name):
    raise AssertionError(f"--json printed {name}, which is not valid JSON")


def strict_json(text: str) -> dict:
    """Parse ``--json`` output, failing on NaN / Infinity / -Infinity (Python's json accepts them)."""
    import json

    return json.loads(text, parse_constant=_no_constant)


def _numbers(obj) -> list:
    """Every number in a JSON value (nested dicts and lists)."""
    if isinstance(obj, dict):
        return [n for v in obj.values() for n in _numbers(v)]
    if isinstance(obj, list):
        return [n for v in obj for n in _numbers(v)]
    return [obj] if isinstance(obj, int | float) and not isinstance(obj, bool) else []


def run_json(capsys, command: str, *argv) -> dict:
    """:func:`tests.cli_helpers.run_json`, then the same output parsed strictly (no NaN/Infinity)."""
    report = cli_helpers.run_json(capsys, command, *argv)
    import json

    return strict_json(json.dumps(report))


@pytest.fixture(scope="module")
def sample_report():
    import io
    from contextlib import redirect_stdout

    from sendlib import cli

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert cli.main(["outlook", "--json"]) == 0
    return strict_json(buf.getvalue())


def test_sample_json_matches_headlines(sample_report, sample_extract):
    r = sample_report
    h = headlines.headlines(sample_extract, "2024-11")
    [row] = [x for x in r["deficit_path"] if x["financial_year"] == "2024-25"]
    assert row["cumulative_deficit"] == h["deficit_cumulative_forecast_end_fy"]
    assert row["cumulative_low80"] == h["deficit_cumulative_forecast_end_fy_low80"]
    assert row["gap"] == h["deficit_gap_vs_agreement"]
    # the in-year deficit less the cap is the headline's "beyond the Safety Valve cap" (about £20m)
    assert row["in_year_deficit"] - 31_200_000 == pytest.approx(h["fy_overspend_vs_cap"], abs=0.02)
    assert r["agreement_last_year"] == "2030-31" and len(r["deficit_path"]) == 8
    assert r["zero_year"] == {"forecast": None, "low80": None, "high80": None, "agreed": "2030-31"}
    assert r["scenarios"][0]["name"] == "Current trend" and r["scenarios"][0]["difference_from_trend"] == 0
    levers = {lv["lever"]: lv for lv in r["what_would_it_take"]["levers"]}
    assert levers["saving"]["status"] == "solved" and levers["requests"]["status"] == "not_reachable"
    assert "not reachable with this lever alone" in levers["requests"]["sentence"]
    # panel: plain sums of the log (about £7m reviewed)
    p = r["panel"]
    assert p["present"] and p["summary"]["decisions"] == h["panel_decisions_reviewed"]
    assert p["summary"]["value_reviewed"] == pytest.approx(7_000_000, abs=1_000)
    total = [x for x in p["by_category"] if x["label"] == "Total"][0]
    assert total["value_reviewed"] == p["summary"]["value_reviewed"]
    assert sum(x["decisions"] for x in p["weekly"]) == p["summary"]["decisions"]


def test_example_has_no_panel_and_says_so(capsys, example_dir):
    r = run_json(capsys, "outlook", "--data", str(example_dir))
    assert r["panel"] == {
        "present": False,
        "message": "the extract has no panel_decisions table: no expenditure panel figures",
    }
    # data/example's README: agreed cumulative deficit (20,000 - 50,000) + (15,000 - 50,000) = -65,000
    assert [x["planned_cumulative_deficit"] for x in r["deficit_path"]] == [-30_000, -65_000]
    code, out, _ = run_command(capsys, "outlook", "--data", str(example_dir))
    assert code == 0 and "Expenditure panel: the extract has no panel_decisions table" in out


def test_small_panel_is_suppressed(capsys, tmp_path, example_dir):
    d = tmp_path / "x"
    shutil.copytree(example_dir, d)
    (d / "panel_decisions.csv").write_text(
        "decision_id,decided_on,plan_id,request_id,category,amount_requested,decision,amount_agreed\n"
        "D1,2024-11-04,,,top_up,1000,approved,1000\n"
        "D2,2024-11-05,,,top_up,3000,declined,0\n"
        "D3,2024-11-06,,,transport,500,deferred,0\n",
        encoding="utf-8",
    )
    r = run_json(capsys, "outlook", "--data", str(d))
    p = r["panel"]
    assert p["summary"]["decisions"] is None and p["summary"]["value_reviewed"] is None
    assert "panel.summary.value_reviewed" in p["suppressed"]
    top_up = [x for x in p["by_category"] if x["label"] == "Top-up"][0]
    assert top_up["decisions"] is None and top_up["value_reviewed"] is None
    assert "panel.by_category.Top-up.value_reviewed" in p["suppressed"]
    # weekly: the three decisions (1,000 + 3,000 + 500 = 4,500 reviewed) fall in the week ending Sunday
    # 10 November 2024, which is [c]; every later week's running total would be 4,500 again, so the
    # running total is hidden from that week on and 4,500 appears nowhere in the JSON
    weekly = p["weekly"]
    first = [w for w in weekly if w["label"] == "2024-11-10"]
    assert first and first[0]["decisions"] is None and first[0]["value_reviewed"] is None
    assert [w["cumulative_value_reviewed"] for w in weekly if w["label"] >= "2024-11-10"] == [None] * len(
        [w for w in weekly if w["label"] >= "2024-11-10"]
    )
    assert "panel.weekly.2024-11-10.cumulative_value_reviewed" in p["suppressed"]
    assert 4500 not in _numbers(r)
    code, out, _ = run_command(capsys, "outlook", "--data", str(d))
    assert code == 0 and "[c] decisions, [c] a year reviewed" in out and "£4,500" not in out


def test_errors(capsys, tmp_path, example_dir):
    code, _, err = run_command(capsys, "outlook", "--data", str(example_dir), "--target-year", "2031-32")
    assert code == 2 and "2031-32 is not a year of budget.csv (2023-24 to 2024-25)" in err
    code, _, err = run_command(capsys, "outlook", "--target-year", "soon")
    assert code == 2 and "not a financial year" in err
    bad = tmp_path / "s.toml"
    bad.write_text('[[scenario]]\nname = "A"\nrequest_grow = 0.1\n', encoding="utf-8")
    code, _, err = run_command(capsys, "outlook", "--data", str(example_dir), "--scenarios", str(bad))
    assert code == 1 and "unknown key 'request_grow'" in err


def test_readme_outlook_figures_are_the_sample_report(sample_report, project_root):
    from sendlib import formatting

    text = (project_root / "README.md").read_text(encoding="utf-8")
    section = text.split("### Safety Valve outlook")[1].split("## Compare with other LAs")[0]
    section = " ".join(section.split())
    r = sample_report
    [row] = [x for x in r["deficit_path"] if x["financial_year"] == "2024-25"]
    saving = [lv for lv in r["what_would_it_take"]["levers"] if lv["lever"] == "saving"][0]
    p = r["panel"]["summary"]
    money = formatting.pounds_prose
    for phrase in (
        f"2024-25's in-year deficit is {money(row['in_year_deficit'])}",
        f"{money(row['in_year_deficit'] - row['planned_deficit'])} beyond the Safety Valve position",
        f"would be {money(row['cumulative_deficit'])} at 31 March 2025 ({money(row['gap'])} above the agreed "
        f"{money(row['planned_cumulative_deficit'])})",
        f"a saving of {money(saving['value'])} a year from April 2025",
        f"reviewed {p['decisions']} decisions worth {money(p['value_reviewed'])} a year",
        f"{money(p['value_not_committed'])} a year was not committed",
    ):
        assert phrase in section, phrase


def test_no_budget_is_a_data_problem(capsys, tmp_path, example_dir):
    d = tmp_path / "nobudget"
    shutil.copytree(example_dir, d)
    (d / "budget.csv").unlink()
    code, _, err = run_command(capsys, "outlook", "--data", str(d))
    assert code == 1 and "has no budget.csv: the deficit path needs one" in err


def test_a_missing_budget_year_is_a_data_problem(capsys, tmp_path, example_dir):
    d = tmp_path / "gap"
    shutil.copytree(example_dir, d)
    (d / "budget.csv").write_text(
        "financial_year,hnb_budget,safety_valve_overspend_cap,planned_deficit,safety_valve_contribution\n"
        "2022-23,280000,15000,20000,50000\n"
        "2024-25,300000,20000,15000,50000\n",
        encoding="utf-8",
    )
    code, out, err = run_command(capsys, "outlook", "--data", str(d))
    assert code == 1 and out == ""
    assert "budget.csv: financial year(s) 2023-24 missing between 2022-23 and 2024-25" in err


def test_strict_json_refuses_nan():
    with pytest.raises(AssertionError, match="NaN"):
        strict_json('{"zero_year": NaN}')


def test_zero_year_when_one_scenario_reaches_zero_and_another_does_not(capsys, tmp_path):
    # the sample's trend never reaches zero (README); £200m a year off spend from April 2025 is more
    # than the whole cumulative deficit (about £46m at 31 March 2025), so it reaches zero in 2025-26
    s = tmp_path / "s.toml"
    s.write_text(
        '[[scenario]]\nname = "Big saving"\nsaving_per_year = 200000000\nsaving_from = "2025-04"\n',
        encoding="utf-8",
    )
    code, out, err = run_command(capsys, "outlook", "--scenarios", str(s), "--json")
    assert code == 0, err
    r = strict_json(out)
    assert [(x["name"], x["zero_year"]) for x in r["scenarios"]] == [
        ("Current trend", None),
        ("Big saving", "2025-26"),
    ]
    code, out, _ = run_command(capsys, "outlook", "--scenarios", str(s))
    assert code == 0 and not re.search(r"\bnan\b|\bNone\b", out, flags=re.IGNORECASE)
    assert "Zero year: not reached by 2030-31 on current trends; agreed: 2030-31" in out
    [trend] = [line for line in out.splitlines() if line.startswith("Current trend ")]
    assert trend.endswith("not reached")


def test_a_period_before_the_first_budget_year_is_a_usage_error(capsys, example_dir):
    # data/example's budget.csv starts in 2023-24, i.e. April 2023
    for period in ("2020-01", "2023-03"):
        code, out, err = run_command(capsys, "outlook", "--data", str(example_dir), "--period", period)
        assert code == 2 and out == ""
        assert f"--period {period} is before budget.csv's first financial year 2023-24 (from 2023-04)" in err
    code, _, err = run_command(capsys, "outlook", "--data", str(example_dir), "--period", "2023-04")
    assert code == 0, err


def test_scenarios_folder_or_non_utf8_file_is_a_clear_data_problem(capsys, tmp_path, example_dir):
    code, out, err = run_command(capsys, "outlook", "--data", str(example_dir), "--scenarios", str(tmp_path))
    assert code == 1 and out == ""
    assert f"scenarios file {tmp_path} is a folder: give the path of a scenarios TOML file" in err
    bad = tmp_path / "s.toml"
    bad.write_bytes('[[scenario]]\nname = "Caf\u00e9"\n'.encode("latin-1"))
    code, out, err = run_command(capsys, "outlook", "--data", str(example_dir), "--scenarios", str(bad))
    assert code == 1 and f"scenarios file {bad} is not UTF-8 text" in err and "save it as UTF-8" in err
