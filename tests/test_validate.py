"""Every validation rule, each on a small fixture: which rows are kept, fixed or quarantined, and why.

Row numbers are as the analyst sees them: the CSV header is row 1, so the first data row is row 2.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.validate_fixtures import (
    GOOD_PLAN,
    assert_counts,
    load_small,
    one_issue,
    rule_issues,
)


def test_clean_fixture_has_no_issues(tmp_path):
    e = load_small(tmp_path)
    assert e.issues == []
    for t in ("plans", "placements", "assessments"):
        assert_counts(e, t, 1, 0)


def test_missing_value_quarantines(tmp_path):
    e = load_small(tmp_path, plans=[",C2,2012-01-01,ASD,2020-01-10,"])
    i = one_issue(e, "missing_value")
    assert (i.table, i.row, i.column, i.severity) == ("plans", 3, "plan_id", "error")
    assert "plans.csv row 3" in i.message and "Fill in plan_id" in i.message
    assert_counts(e, "plans", 1, 1)


def test_bad_date_quarantines_and_names_the_value(tmp_path):
    e = load_small(tmp_path, plans=["P2,C2,2012-01-01,ASD,31/02/2024,"])
    i = one_issue(e, "bad_date")
    assert (i.row, i.column, i.severity) == (3, "issued_on", "error")
    assert "'31/02/2024' is not a date" in i.message and "day-first" in i.message
    assert_counts(e, "plans", 1, 1)


def test_bad_date_of_birth_is_kept_blank(tmp_path):
    e = load_small(tmp_path, plans=["P2,C2,notadate,ASD,2020-01-10,"])
    i = one_issue(e, "bad_date")
    assert i.severity == "warning"
    assert_counts(e, "plans", 2, 0)
    assert pd.isna(e.plans.loc[e.plans["plan_id"] == "P2", "date_of_birth"]).all()


def test_end_before_start_plan_and_placement(tmp_path):
    e = load_small(
        tmp_path,
        plans=["P2,C2,2012-01-01,ASD,2023-05-01,2023-01-01"],
        placements=["P1,mainstream_academy,,,2022-05-01,2022-01-01,100,0,0"],
    )
    found = {(i.table, i.row, i.column) for i in rule_issues(e, "end_before_start")}
    assert found == {("plans", 3, "ceased_on"), ("placements", 3, "end_on")}
    assert_counts(e, "plans", 1, 1)
    assert_counts(e, "placements", 1, 1)


def test_decision_before_request_is_end_before_start(tmp_path):
    e = load_small(tmp_path, assessments=["R2,C2,2024-05-01,2024-04-01,assess,open,,,false"])
    i = one_issue(e, "end_before_start")
    assert (i.table, i.row, i.column) == ("assessments", 3, "decision_on")


def test_dates_after_as_of(tmp_path):
    e = load_small(
        tmp_path,
        plans=["P2,C2,2012-01-01,ASD,2025-01-10,", "P3,C3,2012-01-01,ASD,2020-01-10,2025-03-31"],
        placements=["P1,mainstream_academy,,,2025-02-01,,100,0,0", "P3,mainstream_academy,,,2020-01-10,2025-07-31,1,0,0"],
        assessments=["R2,C2,2025-01-01,,,open,,,false"],
    )
    bad = {(i.table, i.row, i.column, i.severity) for i in rule_issues(e, "date_after_as_of") if i.row}
    assert bad == {
        ("plans", 3, "issued_on", "error"),
        ("placements", 3, "start_on", "error"),
        ("assessments", 3, "received_on", "error"),
    }
    # planned dates in the future are kept, with one note per column
    notes = {(i.table, i.column) for i in rule_issues(e, "date_after_as_of") if i.row is None}
    assert notes == {("plans", "ceased_on"), ("placements", "end_on")}
    assert_counts(e, "plans", 2, 1)
    assert_counts(e, "placements", 2, 1)


def test_as_of_argument_overrides_extract_toml(tmp_path):
    e = load_small(tmp_path, plans=["P2,C2,2012-01-01,ASD,2025-01-10,"], as_of="2025-06-30")
    assert e.as_of == pd.Timestamp("2025-06-30")
    assert not rule_issues(e, "date_after_as_of")


def test_negative_and_non_numeric_cost(tmp_path):
    e = load_small(
        tmp_path,
        placements=["P1,mainstream_academy,,,2019-01-01,2019-06-30,-500,0,0", "P1,mainstream_academy,,,2018-01-01,2018-06-30,abc,0,0"],
    )
    neg, bad = one_issue(e, "negative_money"), one_issue(e, "bad_money")
    assert (neg.row, neg.column) == (3, "annual_cost") and "-£500.00" in neg.message
    assert (bad.row, bad.column) == (4, "annual_cost") and "'abc'" in bad.message
    assert_counts(e, "placements", 1, 2)


def test_negative_contribution(tmp_path):
    e = load_small(tmp_path, placements=["P1,mainstream_academy,,,2019-01-01,2019-06-30,500,-1,0"])
    assert one_issue(e, "negative_money").column == "health_contribution"


def test_blank_cost_is_kept_with_a_warning(tmp_path):
    e = load_small(
        tmp_path, plans=["P2,C2,2012-01-01,ASD,2018-06-01,"], placements=["P2,mainstream_academy,,,2019-01-01,2019-06-30,,,"]
    )
    i = one_issue(e, "missing_cost")
    assert i.severity == "warning"
    assert_counts(e, "placements", 2, 0)
    row = e.placements[e.placements["start_on"] == "2019-01-01"].iloc[0]
    assert pd.isna(row["annual_cost"]) and row["health_contribution"] == 0.0


def test_unknown_codes(tmp_path):
    e = load_small(
        tmp_path,
        plans=["P2,C2,2012-01-01,Martian,2020-01-10,"],
        placements=["P1,Moon School,,,2019-01-01,2019-06-30,1,0,0"],
        assessments=["R2,C2,2024-05-01,2024-06-01,perhaps,open,,,false", "R3,C3,2024-05-01,,,someday,,,false"],
    )
    found = {(i.table, i.column, i.severity) for i in rule_issues(e, "unknown_code")}
    assert found == {
        ("plans", "primary_need", "warning"),  # kept, need blank
        ("placements", "setting", "error"),
        ("assessments", "decision", "error"),
        ("assessments", "outcome", "error"),
    }
    msg = next(i.message for i in rule_issues(e, "unknown_code") if i.column == "setting")
    assert "'Moon School'" in msg and "[setting_values]" in msg
    assert_counts(e, "plans", 2, 0)
    assert_counts(e, "placements", 1, 1)
    assert_counts(e, "assessments", 1, 2)


def test_synonyms_are_mapped_with_one_note(tmp_path):
    e = load_small(
        tmp_path,
        plans=["P2,C2,2012-01-01,autism,2020-01-10,"],
        placements=["P2,Independent Special School,,,2020-01-10,,60000,0,0"],
    )
    assert e.plans["primary_need"].tolist() == ["ASD", "ASD"]
    assert "special_independent" in e.placements["setting"].tolist()
    notes = rule_issues(e, "code_mapped")
    assert {i.column for i in notes} == {"primary_need", "setting"} and all(i.row is None for i in notes)


def test_blank_setting_becomes_placement_unknown(tmp_path):
    e = load_small(tmp_path, plans=["P2,C2,2012-01-01,ASD,2018-06-01,"], placements=["P2,,,,2019-01-01,2019-06-30,1,0,0"])
    assert one_issue(e, "blank_setting").severity == "warning"
    assert "placement_unknown" in e.placements["setting"].tolist()


def test_exact_duplicate_row_keeps_the_first(tmp_path):
    e = load_small(tmp_path, plans=[GOOD_PLAN])
    i = one_issue(e, "duplicate_row")
    assert (i.row, i.severity) == (3, "warning") and "exact copy of row 2" in i.message
    assert_counts(e, "plans", 1, 1)


def test_same_id_different_content_quarantines_every_copy(tmp_path):
    e = load_small(tmp_path, plans=["P1,C1,2012-01-01,SEMH,2020-01-10,"], errors="return")
    found = rule_issues(e, "duplicate_id")
    assert sorted(i.row for i in found) == [2, 3]
    assert "appears on rows 2, 3" in found[0].message
    assert_counts(e, "plans", 0, 2)
    # P1's placement now has no plan: quarantined too, saying why
    orphan = one_issue(e, "orphan_placement")
    assert "set aside" in orphan.message
    assert_counts(e, "placements", 0, 1)
    # no plan and no placement left: not usable (no_rows_kept), each table named once
    assert sorted((i.table, i.rule) for i in e.issues if i.severity == "blocking") == [
        ("placements", "no_rows_kept"), ("plans", "no_rows_kept")]


def test_duplicate_placement_key(tmp_path):
    e = load_small(tmp_path, placements=["P1,special_la_maintained,,,2020-01-10,,26000,0,0"], errors="return")
    assert sorted(i.row for i in rule_issues(e, "duplicate_id")) == [2, 3]
    assert_counts(e, "placements", 0, 2)
    (b,) = [i for i in e.issues if i.severity == "blocking"]
    assert b.rule == "no_rows_kept" and "all 2 rows of placements.csv were set aside: 2 duplicate_id." in b.message


def test_orphan_placement(tmp_path):
    e = load_small(tmp_path, placements=["P9,mainstream_academy,,,2019-01-01,2019-06-30,1,0,0"])
    i = one_issue(e, "orphan_placement")
    assert (i.row, i.column) == (3, "plan_id") and "P9 is not in plans.csv" in i.message
    assert_counts(e, "placements", 1, 1)


def test_overlapping_placements_trim_the_earlier_spell(tmp_path):
    # P1: 2020-01-10 open-ended (row 2) and 2024-09-01 open-ended (row 3); row 4 sits inside row 3
    e = load_small(
        tmp_path,
        placements=[
            "P1,special_independent,,,2024-09-01,,60000,0,0",
            "P1,mainstream_academy,,,2024-10-01,2024-10-31,100,0,0",
        ],
    )
    found = rule_issues(e, "overlapping_placements")
    assert sorted(i.row for i in found) == [2, 3]
    assert all(i.severity == "warning" for i in found)
    assert_counts(e, "placements", 3, 0)
    ends = e.placements.set_index("start_on")["end_on"]
    assert ends[pd.Timestamp("2020-01-10")] == pd.Timestamp("2024-08-31")  # day before the next start
    assert ends[pd.Timestamp("2024-09-01")] == pd.Timestamp("2024-09-30")
    assert ends[pd.Timestamp("2024-10-01")] == pd.Timestamp("2024-10-31")  # unchanged
    # no two kept spells of P1 overlap any more
    p = e.placements.sort_values("start_on")
    assert (p["end_on"].iloc[:-1].to_numpy() < p["start_on"].iloc[1:].to_numpy()).all()


def test_plan_issued_before_request(tmp_path):
    e = load_small(tmp_path, assessments=["R2,C2,2024-05-01,2024-06-01,assess,plan_issued,2024-04-01,,false"])
    i = one_issue(e, "plan_before_request")
    assert (i.row, i.column) == (3, "issued_on")
    assert_counts(e, "assessments", 1, 1)


@pytest.mark.parametrize(
    "row, column",
    [
        ("R2,C2,2024-05-01,2024-06-01,refuse,plan_issued,2024-09-01,,false", "outcome"),
        ("R2,C2,2024-05-01,2024-06-01,refuse,open,,,false", "outcome"),
        ("R2,C2,2024-05-01,2024-06-01,assess,plan_issued,,,false", "issued_on"),
        ("R2,C2,2024-05-01,2024-06-01,assess,withdrawn,2024-09-01,2024-09-01,false", "outcome"),
        ("R2,C2,2024-05-01,2024-06-01,assess,open,,2024-09-01,false", "closed_on"),
    ],
)
def test_decision_outcome_consistency(tmp_path, row, column):
    e = load_small(tmp_path, assessments=[row])
    i = one_issue(e, "decision_outcome")
    assert (i.row, i.column, i.severity) == (3, column, "error")
    assert_counts(e, "assessments", 1, 1)


@pytest.mark.parametrize(
    "row, outcome",
    [
        ("R2,C2,2024-05-01,2024-06-01,assess,no_plan,,,false", "no_plan"),  # after a decision to assess
        ("R2,C2,2024-05-01,2024-06-01,assess,withdrawn,,,false", "withdrawn"),
        ("R2,C2,2024-05-01,,,withdrawn,,,false", "withdrawn"),  # withdrawn before any decision
    ],
)
def test_closed_without_date_is_quarantined(tmp_path, row, outcome):
    e = load_small(tmp_path, assessments=[row])
    i = one_issue(e, "closed_without_date")
    assert (i.table, i.row, i.column, i.severity) == ("assessments", 3, "closed_on", "error")
    assert i.message == (
        f"assessments.csv row 3, column closed_on, outcome {outcome} but closed_on is blank, so the request "
        "cannot be closed in time (if kept, it would count as open, and overdue, for ever). Enter closed_on "
        "(the day the request was closed with no plan, or withdrawn); the row is used once it has one."
    )
    # 2 rows in = R1 kept + R2 quarantined with its reason
    assert_counts(e, "assessments", 1, 1)
    q = e.quarantine
    assert q["row"].tolist() == [3] and q["reasons"].iloc[0].startswith("closed_without_date: outcome ")
    assert e.assessments["request_id"].tolist() == ["R1"]


def test_closed_on_filled_is_not_flagged(tmp_path):
    e = load_small(tmp_path, assessments=["R2,C2,2024-05-01,2024-06-01,assess,withdrawn,,2024-07-01,false"])
    assert e.issues == []
    assert_counts(e, "assessments", 2, 0)


@pytest.mark.parametrize(
    "row, rule, column",
    [
        # issued_on filled with outcome no_plan: quarantined by decision_outcome, which says what to fix
        ("R2,C2,2024-05-01,2024-06-01,assess,no_plan,2024-09-01,,false", "decision_outcome", "outcome"),
        # an unreadable closed_on is a bad date, not also a blank one
        ("R2,C2,2024-05-01,2024-06-01,assess,no_plan,,31/02/2024,false", "bad_date", "closed_on"),
        # a refusal with no date has its own rule
        ("R2,C2,2024-05-01,,refuse,no_plan,,,false", "refused_without_date", "decision_on"),
    ],
)
def test_undated_closure_reported_once_by_the_rule_that_fits(tmp_path, row, rule, column):
    e = load_small(tmp_path, assessments=[row])
    assert [(i.rule, i.row, i.column) for i in e.issues if i.row is not None] == [(rule, 3, column)]
    assert_counts(e, "assessments", 1, 1)


def test_blank_outcome_is_inferred(tmp_path):
    e = load_small(
        tmp_path,
        assessments=[
            "R2,C2,2024-05-01,2024-06-01,assess,,2024-09-01,,false",  # -> plan_issued
            "R3,C3,2024-05-01,2024-06-01,refuse,,,2024-06-01,false",  # -> no_plan
            "R4,C4,2024-05-01,,,,,,",  # -> open; blank exception -> false
        ],
    )
    out = e.assessments.set_index("request_id")["outcome"]
    assert out[["R2", "R3", "R4"]].tolist() == ["plan_issued", "no_plan", "open"]
    assert not e.assessments.set_index("request_id").loc["R4", "exception"]
    assert one_issue(e, "outcome_inferred").severity == "info"


def test_bad_bool(tmp_path):
    e = load_small(tmp_path, assessments=["R2,C2,2024-05-01,,,open,,,maybe"])
    i = one_issue(e, "bad_bool")
    assert (i.row, i.column) == (3, "exception")


def test_quarantine_frame_holds_reasons_and_original_text(tmp_path):
    e = load_small(tmp_path, plans=["P2,C2,2012-01-01,ASD,31/02/2024,2020-01-01"])
    q = e.quarantine
    assert list(q.columns[:3]) == ["table", "row", "reasons"]
    row = q.iloc[0]
    assert row["table"] == "plans" and row["row"] == 3
    assert row["issued_on"] == "31/02/2024"  # original text, not a parsed value
    assert row["reasons"].startswith("bad_date: '31/02/2024' is not a date")


def test_several_reasons_are_joined(tmp_path):
    e = load_small(tmp_path, placements=["P9,Moon,,,2019-01-01,2018-01-01,-5,0,0"])
    reasons = e.quarantine.iloc[0]["reasons"]
    assert "unknown_code" in reasons and "negative_money" in reasons and "end_before_start" in reasons
    assert reasons.count("; ") >= 2


def test_future_date_of_birth_is_blanked_not_quarantined(tmp_path):
    e = load_small(tmp_path, plans=["P2,C2,2030-01-01,ASD,2020-01-10,"])
    i = one_issue(e, "date_after_as_of")
    assert (i.row, i.column, i.severity) == (3, "date_of_birth", "warning")
    assert_counts(e, "plans", 2, 0)
    assert e.plans["date_of_birth"].isna().sum() == 1


def test_plan_issued_before_decision(tmp_path):
    e = load_small(tmp_path, assessments=["R2,C2,2024-05-01,2024-08-01,assess,plan_issued,2024-07-01,,false"])
    i = one_issue(e, "end_before_start")
    assert (i.row, i.column) == (3, "issued_on")
    assert_counts(e, "assessments", 1, 1)


def test_open_end_sentinel_dates_are_blank(tmp_path):
    e = load_small(
        tmp_path,
        plans=["P2,C2,2012-01-01,ASD,2020-01-10,31/12/9999"],
        placements=["P2,mainstream_academy,,,2020-01-10,9999-12-31,100,0,0"],
    )
    assert_counts(e, "plans", 2, 0)
    assert_counts(e, "placements", 2, 0)
    assert e.plans["ceased_on"].isna().all() and e.placements["end_on"].isna().all()
    assert {i.table for i in e.issues if i.rule == "open_end_date"} == {"plans", "placements"}


def test_dates_beyond_the_calendar_range_are_bad_not_a_crash(tmp_path):
    e = load_small(tmp_path, plans=["P2,C2,2012-01-01,ASD,9999-12-31,", "P3,C3,2012-01-01,ASD,0001-01-01,"])
    assert sorted(i.row for i in e.issues if i.rule == "bad_date") == [3, 4]
