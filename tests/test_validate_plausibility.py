"""Plausibility warnings: rows kept, listed with file, row, column and what to check; worked by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest

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


@pytest.mark.parametrize("ids", ["one width", "mixed widths"])
def test_child_id_rules_against_a_plain_loop(tmp_path, ids):
    """birth_after_request and plan_issued_before_request on random records (children with several
    plans and requests, missing ids and dates) against the rules written as loops over rows; child ids
    of one width are matched as integers, others by a dictionary encoding."""
    from sendlib import config

    rng = config.rng(5)
    day = pd.Timestamp("2015-01-01")
    ts = pd.Timestamp

    def date(lo, hi):
        return (day + pd.Timedelta(days=int(rng.integers(lo, hi)))).strftime("%Y-%m-%d")

    kids = [f"C{k:03d}" if ids == "one width" else f"C{k}" for k in range(40)] + [""]
    requests = []
    for i in range(200):
        outcome = "plan_issued" if rng.random() < 0.7 else "no_plan"
        received = date(-200, 2800)
        later = (ts(received) + pd.Timedelta(days=int(rng.integers(1, 60)))).strftime("%Y-%m-%d")
        requests.append((f"R{i}", str(rng.choice(kids)), received, outcome, later if outcome == "plan_issued" else ""))
    plans = []
    for i in range(150):
        child, issued = str(rng.choice(kids)), date(0, 3000)
        if i % 3 == 0:  # a plan near one of the child's requests: issued up to 31 days before it was
            _, child, _, _, riss = requests[int(rng.integers(0, 200))]
            if riss:
                issued = (ts(riss) - pd.Timedelta(days=int(rng.integers(0, 32)))).strftime("%Y-%m-%d")
        plans.append((f"P{i}", child, date(-400, 400) if rng.random() < 0.9 else "", issued))
    e = load(write_tables(
        tmp_path / "x",
        [f"{p},{c},{dob},ASD,{iss}," for p, c, dob, iss in plans],
        [],
        [f"{r},{c},{rec},{rec},assess,{o},{iss},,false" if o == "plan_issued" else
         f"{r},{c},{rec},{rec},refuse,{o},,{rec},false" for r, c, rec, o, iss in requests],
    ), errors="return")
    assert e.row_counts["plans"]["rows_quarantined"] == 0 and e.row_counts["assessments"]["rows_quarantined"] == 0

    births: dict[str, pd.Timestamp] = {}
    for _, c, dob, _ in plans:
        if c and dob:
            births[c] = min(births.get(c, ts(dob)), ts(dob))
    want_birth = sorted(k + 2 for k, (_, c, rec, _, _) in enumerate(requests) if c in births and ts(rec) < births[c])
    want_early = []
    for k, (_, c, _, iss) in enumerate(plans):
        for _, rc, rec, o, riss in requests:
            if (c and rc == c and o == "plan_issued" and riss and abs((ts(iss) - ts(riss)).days) <= 31
                    and ts(iss) < ts(rec)):
                want_early.append(k + 2)
                break
    got_birth = sorted(i.row for i in rule_issues(e, "birth_after_request"))
    got_early = sorted(i.row for i in rule_issues(e, "plan_issued_before_request"))
    assert got_birth == want_birth and got_early == want_early
    assert want_birth and want_early  # the random records do exercise both rules
