"""Placements against their plan's dates: placement_outside_plan, placement_before_plan, placement_after_plan.

A plan is active on ``[issued_on, ceased_on)``; a placement is current on ``start_on .. end_on``
(inclusive). Row numbers are as the analyst sees them: the CSV header is row 1. In every fixture below
plans.csv row 2 is P1 (issued 10/01/2020, open) and placements.csv row 2 its placement (from
10/01/2020, open), both inside the rules; the rows under test follow from row 3.
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest

from sendlib import caseload, cost, load, sector
from sendlib.extract import from_frames
from tests.messy_fixtures import copy_example
from tests.validate_fixtures import assert_counts, load_small, rule_issues

# plans.csv row 3: issued Friday 1 September 2023, ceased 31 March 2024 (active up to 30 March inclusive)
P2 = "P2,C2,2010-05-01,SEMH,2023-09-01,2024-03-31"
RULES = ("placement_outside_plan", "placement_before_plan", "placement_after_plan", "ceased_on_issue_day")








def _spell(extract, plan_id):
    p = extract.placements[extract.placements["plan_id"] == plan_id]
    assert len(p) == 1, p
    return p["start_on"].iloc[0], p["end_on"].iloc[0]


def _p2(start, end):
    return f"P2,special_independent,,,{start},{end},60000,0,0"


def test_placement_inside_the_plan_and_ending_on_the_cease_day_is_accepted(tmp_path):
    # ends on 31/03/2024 = ceased_on: many systems close both on the same day; not a finding
    e = load_small(tmp_path, [P2], [_p2("2023-09-01", "2024-03-31")])
    assert [i for i in e.issues if i.rule in RULES] == []
    assert_counts(e, "placements", 2, 0)
    assert _spell(e, "P2") == (pd.Timestamp("2023-09-01"), pd.Timestamp("2024-03-31"))


def test_start_before_issue_is_kept_and_moved_to_the_issue_date(tmp_path):
    # 25/08/2023 -> 01/09/2023: 6 days of August (25..31) + 1 = 7 days before issue
    e = load_small(tmp_path, [P2], [_p2("2023-08-25", "2024-03-31")])
    (i,) = rule_issues(e, "placement_before_plan")
    assert (i.table, i.row, i.column, i.severity) == ("placements", 3, "start_on", "warning")
    assert i.message.startswith("placements.csv row 3, column start_on, start_on 25/08/2023 is 7 day(s) before")
    assert "issued on 01/09/2023 (plans.csv row 3)" in i.message
    assert "interim arrangement" in i.message and "correct start_on" in i.message
    assert_counts(e, "placements", 2, 0)
    assert _spell(e, "P2") == (pd.Timestamp("2023-09-01"), pd.Timestamp("2024-03-31"))


def test_a_long_gap_before_issue_is_still_kept(tmp_path):
    # the child was on roll two years before the plan: cost inside the plan's life is real, so kept
    e = load_small(tmp_path, [P2], [_p2("2021-09-01", "")])
    assert rule_issues(e, "placement_before_plan")[0].message.count("730 day(s)") == 1  # 2021-09-01 .. 2023-09-01
    assert_counts(e, "placements", 2, 0)


@pytest.mark.parametrize(
    ("end", "shown"),
    [("", "end_on is blank (still open) after the day its plan ceased, 31/03/2024"),
     ("2024-07-31", "end_on 31/07/2024 runs past the day its plan ceased, 31/03/2024")],
)
def test_end_past_the_cease_day_is_trimmed_to_it(tmp_path, end, shown):
    e = load_small(tmp_path, [P2], [_p2("2023-09-01", end)])
    (i,) = rule_issues(e, "placement_after_plan")
    assert (i.row, i.column, i.severity) == (3, "end_on", "warning")
    assert f"placements.csv row 3, column end_on, {shown} (plans.csv row 3); end_on set to 31/03/2024" in i.message
    assert "Record the placement's end date" in i.message
    assert_counts(e, "placements", 2, 0)
    assert _spell(e, "P2") == (pd.Timestamp("2023-09-01"), pd.Timestamp("2024-03-31"))


def test_start_before_issue_and_open_after_cease_get_both_fixes(tmp_path):
    e = load_small(tmp_path, [P2], [_p2("2023-08-01", "")])
    assert [i.row for i in rule_issues(e, "placement_before_plan")] == [3]
    assert [i.row for i in rule_issues(e, "placement_after_plan")] == [3]
    assert_counts(e, "placements", 2, 0)
    assert _spell(e, "P2") == (pd.Timestamp("2023-09-01"), pd.Timestamp("2024-03-31"))


@pytest.mark.parametrize(
    ("start", "end", "column", "shown"),
    [
        # ends the day before issue: no day in [01/09/2023, 31/03/2024)
        ("2023-01-01", "2023-08-31", "end_on", "placement ended on 31/08/2023, before its plan was issued on 01/09/2023"),
        # starts on the cease day: the plan is not active that day
        ("2024-03-31", "", "start_on", "placement starts on 31/03/2024, on or after the day its plan ceased, 31/03/2024"),
        ("2024-04-01", "2024-07-31", "start_on", "placement starts on 01/04/2024, on or after the day its plan ceased"),
    ],
)
def test_placement_with_no_day_in_the_plan_is_quarantined(tmp_path, start, end, column, shown):
    e = load_small(tmp_path, [P2], [_p2(start, end)])
    (i,) = rule_issues(e, "placement_outside_plan")
    assert (i.row, i.column, i.severity) == (3, column, "error")
    assert i.message.startswith(f"placements.csv row 3, column {column}, {shown}")
    assert "(plans.csv row 3)" in i.message and "no day of it falls within the plan" in i.message
    assert "plan_id" in i.message.split(". ", 1)[1]  # the fix names what to correct
    assert rule_issues(e, "placement_before_plan") == rule_issues(e, "placement_after_plan") == []
    assert_counts(e, "placements", 1, 1)  # rows in 2 = kept 1 (P1's) + quarantined 1
    q = e.quarantine
    assert q.loc[q["table"] == "placements", "row"].tolist() == [3]
    assert q.loc[q["table"] == "placements", "reasons"].iloc[0].startswith("placement_outside_plan: placement")
    assert q.loc[q["table"] == "placements", "start_on"].iloc[0] == start  # the original text


# plans.csv row 3: issued and ceased on Friday 1 September 2023: active on no day ([issued, ceased) empty)
P2_SAME_DAY = "P2,C2,2010-05-01,SEMH,2023-09-01,2023-09-01"


def test_plan_ceased_on_its_issue_day_is_kept_with_a_warning(tmp_path):
    e = load_small(tmp_path, [P2_SAME_DAY])
    (i,) = rule_issues(e, "ceased_on_issue_day")
    assert (i.table, i.row, i.column, i.severity) == ("plans", 3, "ceased_on", "warning")
    assert i.message.startswith("plans.csv row 3, column ceased_on, ceased_on 01/09/2023 is the day the plan was issued")
    assert "active on no day" in i.message and "Check the dates: set ceased_on" in i.message
    # 2 plans in = 2 kept + 0 quarantined; P2 is in no snapshot
    c = e.row_counts["plans"]
    assert (c["rows_in"], c["rows_kept"], c["rows_quarantined"]) == (2, 2, 0)
    assert caseload.active_plans_at(e.plans, ["2023-09-01"]).tolist() == [1]  # P1 only


@pytest.mark.parametrize(
    ("start", "end", "column", "shown"),
    [
        # starts before the issue day and runs on: it would be trimmed to one day the plan is not active
        ("2023-08-01", "", "plan_id", "its plan ceased on the day it was issued, 01/09/2023 (plans.csv row 3)"),
        # starts on the issue day = the cease day
        ("2023-09-01", "2024-07-31", "start_on", "placement starts on 01/09/2023, on or after the day its plan ceased"),
    ],
)
def test_placement_of_a_plan_ceased_on_its_issue_day_is_quarantined(tmp_path, start, end, column, shown):
    e = load_small(tmp_path, [P2_SAME_DAY], [_p2(start, end)])
    (i,) = rule_issues(e, "placement_outside_plan")
    assert (i.row, i.column, i.severity) == (3, column, "error")
    assert i.message.startswith(f"placements.csv row 3, column {column}, {shown}")
    assert rule_issues(e, "placement_before_plan") == rule_issues(e, "placement_after_plan") == []
    assert_counts(e, "placements", 1, 1)  # placements in 2 = kept 1 (P1's) + quarantined 1


def test_example_plan_ceased_on_its_issue_day_keeps_the_stock_flow_identity(tmp_path):
    # data/example with P010 (issued 20/11/2024, no placement) ceased 20/11/2024 as well.
    # README: active 31 Oct = 8; 30 Nov = 8 + 2 issued (P009, P010) - 1 ceased (P006) = 9.
    # With P010 never active: 30 Nov = P001, P002, P004, P005, P007, P008, P009, P012 = 8;
    # issued Oct P008 = 1, Nov P009 = 1 (P010 in neither flow); ceased Oct 0, Nov P006 = 1;
    # 8 + 1 - 1 = 8. (Counting P010 as issued only gave 8 + 2 - 1 = 9 != 8.)
    folder = copy_example(tmp_path / "ex")
    path = folder / "plans.csv"
    old = "P010,C010,2015-10-27,HI,2024-11-20,"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, old + "2024-11-20"))
    e = load(folder)
    assert [(i.row, i.column) for i in rule_issues(e, "ceased_on_issue_day")] == [(11, "ceased_on")]  # 10th plan
    assert e.row_counts["plans"] == {"rows_in": 12, "rows_kept": 12, "rows_quarantined": 0}
    months = pd.DatetimeIndex(["2024-10-31", "2024-11-30"])
    assert caseload.active_plans_at(e.plans, months).tolist() == [8, 8]
    assert caseload.plans_issued_by_month(e.plans, months).tolist() == [1, 1]
    assert caseload.plans_ceased_by_month(e.plans, months).tolist() == [0, 1]


def test_overlap_trim_runs_first(tmp_path):
    # P3 issued 01/09/2023, open (plans.csv row 4). Spells: row 3 from 01/01/2020 open; row 4 from
    # 01/06/2023 open. The overlap trim ends row 3 on 31/05/2023, before the plan was issued, so row 3
    # is quarantined; row 4 starts 92 days before issue (June 30 + July 31 + August 31) and moves to
    # 01/09/2023.
    plans = [P2, "P3,C3,2011-01-01,ASD,2023-09-01,"]
    e = load_small(tmp_path, plans, ["P3,mainstream_academy,,,2020-01-01,,5000,0,0",
                                "P3,special_independent,,,2023-06-01,,60000,0,0"])
    assert [i.row for i in rule_issues(e, "overlapping_placements")] == [3]
    (out,) = rule_issues(e, "placement_outside_plan")
    assert out.row == 3 and "ended on 31/05/2023, before its plan was issued on 01/09/2023 (plans.csv row 4)" in out.message
    (early,) = rule_issues(e, "placement_before_plan")
    assert early.row == 4 and "is 92 day(s) before" in early.message
    assert_counts(e, "placements", 2, 1)
    assert _spell(e, "P3") == (pd.Timestamp("2023-09-01"), pd.NaT)


def test_placements_of_quarantined_plans_stay_orphans(tmp_path):
    # plans.csv row 3 has a bad issued_on: quarantined, so its placement is an orphan, not checked here
    e = load_small(tmp_path, ["P2,C2,2010-05-01,SEMH,notadate,"], [_p2("2023-08-25", "")])
    assert [i.row for i in rule_issues(e, "orphan_placement")] == [3]
    assert [i for i in e.issues if i.rule in RULES] == []
    assert_counts(e, "placements", 1, 1)


def test_fixes_change_no_cost_and_move_the_new_placement_to_the_issue_month(tmp_path):
    # row 3: P2 from 25/08/2023, open; P2 active 01/09/2023 .. 30/03/2024
    e = load_small(tmp_path, [P2], [_p2("2023-08-25", "")])
    raw = from_frames(
        pd.DataFrame({"plan_id": ["P1", "P2"], "child_id": ["C1", "C2"], "date_of_birth": ["2012-01-01", "2010-05-01"],
                      "primary_need": ["ASD", "SEMH"], "issued_on": ["2020-01-10", "2023-09-01"],
                      "ceased_on": [None, "2024-03-31"]}),
        pd.DataFrame({"plan_id": ["P1", "P2"], "setting": ["special_la_maintained", "special_independent"],
                      "start_on": ["2020-01-10", "2023-08-25"], "end_on": [None, None],
                      "annual_cost": [25000.0, 60000.0]}),
    )
    months = pd.date_range("2023-07-31", "2024-05-31", freq="ME")
    # by hand: P1's 25,000 every month end; P2's 60,000 at month ends 30/09/2023 .. 29/02/2024 only
    expected = [25000.0 + (60000.0 if pd.Timestamp("2023-09-01") <= m < pd.Timestamp("2024-03-31") else 0.0)
                for m in months]
    assert cost.committed_cost_at(e, months).tolist() == expected
    assert cost.committed_cost_at(raw, months).tolist() == expected
    new = sector.new_placements_by_month(e, months, by="setting")["special_independent"]
    assert new[new > 0].to_dict() == {pd.Timestamp("2023-09-30"): 1}  # not August, before the plan existed


def _random_case(rng: random.Random, n: int):
    """n plans, one placement each (so no overlap trim), dates on or before the extract date 30/11/2024."""
    base = dt.date(2014, 1, 1)
    plans, placements, truth = [], [], []
    for k in range(n):
        issued = base + dt.timedelta(days=rng.randrange(0, 3600))
        ceased = None if rng.random() < 0.4 else issued + dt.timedelta(days=rng.randrange(0, 900))
        start = issued + dt.timedelta(days=rng.randrange(-400, 800))
        start = min(start, dt.date(2024, 11, 30))
        end = None if rng.random() < 0.4 else start + dt.timedelta(days=rng.randrange(0, 700))
        pid = f"Q{k:03d}"
        plans.append(f"{pid},C{k},2010-01-01,ASD,{issued},{ceased or ''}")
        placements.append(f"{pid},mainstream_academy,,,{start},{end or ''},1000,0,0")
        truth.append((pid, issued, ceased, start, end))
    return plans, placements, truth


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_extracts_agree_with_a_plain_loop(tmp_path, seed):
    plans, placements, truth = _random_case(random.Random(seed), 150)
    e = load_small(tmp_path, plans, placements)
    # the plain loop: each placement row (placements.csv row k + 3) classified on its own
    quarantined, kept, early_rows, late_rows = [], {}, [], []
    for k, (pid, issued, ceased, start, end) in enumerate(truth):
        row = k + 3
        # no day inside the plan: ended before issue, starts on/after the cease day, or the plan
        # ceased on its issue day (active on no day)
        if (end is not None and end < issued) or (ceased is not None and (start >= ceased or ceased <= issued)):
            quarantined.append(row)
            continue
        new_start, new_end = start, end
        if start < issued:
            new_start = issued
            early_rows.append(row)
        if ceased is not None and (end is None or end > ceased):
            new_end = ceased
            late_rows.append(row)
        kept[pid] = (pd.Timestamp(new_start), pd.Timestamp(new_end) if new_end is not None else pd.NaT)
    assert quarantined and early_rows and late_rows  # every branch is exercised
    assert sorted(i.row for i in rule_issues(e, "placement_outside_plan")) == quarantined
    assert sorted(i.row for i in rule_issues(e, "placement_before_plan")) == early_rows
    assert sorted(i.row for i in rule_issues(e, "placement_after_plan")) == late_rows
    assert_counts(e, "placements", 1 + len(kept), len(quarantined))
    got = e.placements[e.placements["plan_id"] != "P1"].set_index("plan_id")
    assert {pid: (r.start_on, r.end_on) for pid, r in got.iterrows()} == kept


def test_sample_and_example_have_no_placement_outside_its_plan(sample_extract, example_dir):
    """The committed extracts' figures do not depend on these rules (notebook outputs use them)."""
    for extract in (sample_extract, load(example_dir)):
        assert [i for i in extract.issues if i.rule in RULES] == []
