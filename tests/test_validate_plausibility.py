"""Plausibility warnings: rows kept, listed with file, row, column and what to check; worked by hand."""

from __future__ import annotations

import json

import pandas as pd

from sendlib.cli import main
from sendlib.load import load
from sendlib.validate.plausibility import whole_years
from tests.messy_fixtures import write_tables
from tests.validate_fixtures import rule_issues

REQUEST = "R1,C1,2022-01-01,2022-02-01,assess,plan_issued,2022-06-01,,false"




def test_whole_years_by_hand():
    start = pd.Series(pd.to_datetime(["2000-03-15", "2000-03-15", "2000-03-15", "2000-02-29", None]))
    end = pd.Series(pd.to_datetime(["2025-03-14", "2025-03-15", "2026-03-16", "2001-02-28", "2020-01-01"]))
    assert whole_years(start, end).tolist()[:4] == [24, 25, 26, 0]
    assert pd.isna(whole_years(start, end).iloc[4])


def test_birth_after_issue_and_age_at_issue_keep_the_rows(tmp_path):
    plans = [
        "P1,C1,2015-01-01,ASD,2022-06-01,",  # fine (7)
        "P2,C2,2023-05-01,ASD,2022-06-01,",  # born after issue
        "P3,C3,1996-06-01,ASD,2022-06-01,",  # 26 on 2022-06-01 (birthday that day)
        "P4,C4,1996-06-02,ASD,2022-06-01,",  # 25, a day before the 26th birthday: fine
    ]
    e = load(write_tables(tmp_path / "x", plans, [], [REQUEST]), errors="return")
    assert e.row_counts["plans"] == {"rows_in": 4, "rows_kept": 4, "rows_quarantined": 0}
    born = rule_issues(e, "birth_after_issue")
    assert [(i.row, i.column, i.severity) for i in born] == [(3, "date_of_birth", "warning")]
    assert born[0].message == (
        "plans.csv row 3, column date_of_birth, date_of_birth 01/05/2023 is after the plan was issued on "
        "01/06/2022; kept. Check the date of birth and issued_on in the source system (often a year typed wrongly)."
    )
    age = rule_issues(e, "age_at_issue")
    assert [(i.row, i.severity) for i in age] == [(4, "warning")]
    assert "the child was 26 when the plan was issued" in age[0].message and "run to 25" in age[0].message


def test_request_received_before_birth(tmp_path):
    plans = ["P1,C1,2015-01-01,ASD,2022-06-01,"]
    requests = [REQUEST, "R2,C1,2014-12-31,2015-02-01,refuse,no_plan,,2015-02-01,false",
                "R3,C9,2014-12-31,2015-02-01,refuse,no_plan,,2015-02-01,false"]  # C9 has no plan: not checked
    e = load(write_tables(tmp_path / "x", plans, [], requests), errors="return")
    assert e.row_counts["assessments"]["rows_kept"] == 3
    hit = rule_issues(e, "birth_after_request")
    assert [(i.table, i.row, i.column) for i in hit] == [("assessments", 3, "received_on")]
    assert "received_on 31/12/2014 is before the child's date of birth 01/01/2015 (child_id C1" in hit[0].message


def test_plan_issued_before_its_request(tmp_path):
    plans = [
        "P1,C1,2015-01-01,ASD,2021-12-20,",  # request R1 received 2022-01-01, issued there 2022-01-15: linked
        "P2,C2,2015-01-01,ASD,2019-01-01,",  # C2's request issued 2022-06-01: 3 years apart, not linked
    ]
    requests = [
        "R1,C1,2022-01-01,2022-01-10,assess,plan_issued,2022-01-15,,false",
        "R2,C2,2022-01-01,2022-02-01,assess,plan_issued,2022-06-01,,false",
    ]
    e = load(write_tables(tmp_path / "x", plans, [], requests), errors="return")
    assert e.row_counts["plans"]["rows_kept"] == 2
    hit = rule_issues(e, "plan_issued_before_request")
    assert [(i.row, i.column, i.severity) for i in hit] == [(2, "issued_on", "warning")]
    assert ("plan issued on 20/12/2021 before its request R1 was received on 01/01/2022 (assessments.csv, "
            "same child_id, plan issued there on 15/01/2022)") in hit[0].message


def test_implausible_costs_against_the_setting_median_and_ceiling(tmp_path):
    # mainstream_academy: 45, 8,000, 9,000, 10,000, 11,000, 8,500,000 -> median (9,000 + 10,000) / 2 = 9,500;
    # 8.5m > 5 x 9,500 and > £100,000: questioned. 45 is under £100 and under 9,500 / 20 = 475: questioned
    # as low. special_independent: 60,000 and 450,000 -> median 255,000: 450,000 is under 5 x median: fine.
    costs = [("mainstream_academy", c) for c in (8000, 9000, 10000, 11000, 8_500_000, 45)] + [
        ("special_independent", 60000), ("special_independent", 450000)]
    plans = [f"P{i},C{i},2015-01-01,ASD,2022-06-01," for i in range(len(costs))]
    placements = [f"P{i},{s},,,2022-06-01,,{c},0,0" for i, (s, c) in enumerate(costs)]
    e = load(write_tables(tmp_path / "x", plans, placements, [REQUEST]), errors="return")
    assert e.row_counts["placements"] == {"rows_in": 8, "rows_kept": 8, "rows_quarantined": 0}
    hit = rule_issues(e, "implausible_cost")
    assert [(i.row, i.column, i.severity) for i in hit] == [(6, "annual_cost", "warning"), (7, "annual_cost", "warning")]
    assert hit[0].message.startswith(
        "placements.csv row 6, column annual_cost, annual_cost £8,500,000 is implausibly high for mainstream_academy "
        "(the extract's median for the setting is £9,500); kept (above £100,000)."
    )
    assert "£45 is implausibly low" in hit[1].message


def test_validate_json_lists_the_plausibility_rules_by_name(tmp_path, capsys):
    plans = ["P1,C1,2023-05-01,ASD,2022-06-01,", "P2,C2,1990-01-01,ASD,2022-06-01,"]
    folder = write_tables(tmp_path / "x", plans, ["P1,mainstream_academy,,,2022-06-01,,1000,0,0"], [REQUEST])
    code = main(["validate", "--data", str(folder), "--out", str(tmp_path / "v"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["usable"]
    rules = {i["rule"]: i for i in report["issues"]}
    assert rules["birth_after_issue"]["severity"] == "warning" and rules["birth_after_issue"]["row"] == 2
    assert rules["age_at_issue"]["row"] == 3
