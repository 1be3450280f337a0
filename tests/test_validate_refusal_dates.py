"""Refused requests and their dates: refused_without_date (quarantine), refusal_date_from_closed (warning);
and no_plan / withdrawn requests with no closed_on: closed_without_date (quarantine).

A refusal closes the request (sendlib.backlog): on decision_on, else on closed_on. With neither it
cannot be placed in time, so the loader quarantines it rather than letting it count as open (and
overdue) for ever. Row numbers are as the analyst sees them: the CSV header is row 1, so the first
data row is row 2; in the small fixtures row 2 is a good request and the rows under test follow.
"""

from __future__ import annotations

import pandas as pd

from sendlib import backlog, load
from tests.messy_fixtures import copy_example
from tests.validate_fixtures import assert_counts, load_small, rule_issues

RULES = ("refused_without_date", "refusal_date_from_closed", "closed_without_date")


def _load(tmp_path, *assessments):
    return load_small(tmp_path, assessments=assessments)






def test_refusal_with_no_date_is_quarantined_with_file_row_column_and_fix(tmp_path):
    e = _load(tmp_path, "R2,C2,2024-09-02,,refuse,no_plan,,,false")
    [i] = rule_issues(e, "refused_without_date")
    assert (i.table, i.row, i.column, i.severity) == ("assessments", 3, "decision_on", "error")
    assert i.message.startswith("assessments.csv row 3, column decision_on, decision is refuse")
    assert "decision_on and closed_on are both blank" in i.message
    assert "Enter the decision date in decision_on" in i.message
    assert not rule_issues(e, "closed_without_date")
    # 2 rows in = 1 kept (R1) + 1 quarantined (R2), with its reason
    assert_counts(e, "assessments", kept=1, quarantined=1)
    q = e.quarantine[e.quarantine["table"] == "assessments"]
    assert q["row"].tolist() == [3] and q["reasons"].iloc[0].startswith("refused_without_date: ")
    assert e.assessments["request_id"].tolist() == ["R1"]


def test_refusal_with_blank_outcome_and_no_date_is_quarantined(tmp_path):
    # the loader reads a blank outcome on a refusal as no_plan; the dates are still missing
    e = _load(tmp_path, "R2,C2,2024-09-02,,refuse,,,,false")
    assert [(i.row, i.column) for i in rule_issues(e, "refused_without_date")] == [(3, "decision_on")]
    assert_counts(e, "assessments", kept=1, quarantined=1)


def test_refusal_dated_by_closed_on_is_kept_with_a_warning(tmp_path):
    e = _load(tmp_path, "R2,C2,2024-09-02,,refuse,no_plan,,2024-10-07,false")
    [i] = rule_issues(e, "refusal_date_from_closed")
    assert (i.row, i.column, i.severity) == (3, "decision_on", "warning")
    assert "assessments.csv row 3, column decision_on" in i.message
    assert "dated by closed_on 07/10/2024" in i.message and "Enter the decision date" in i.message
    assert_counts(e, "assessments", kept=2, quarantined=0)
    c = backlog.closing_dates(e.assessments).set_index(e.assessments["request_id"])
    assert c.loc["R2", "closed_on"] == pd.Timestamp("2024-10-07") and c.loc["R2", "close_reason"] == "refused"


def test_refusal_dated_by_decision_on_has_no_finding(tmp_path):
    # decision_on alone dates a refusal: no warning, even with closed_on blank
    e = _load(tmp_path, "R2,C2,2024-09-02,2024-10-07,refuse,no_plan,,,false")
    assert [i for i in e.issues if i.rule in RULES] == []
    assert_counts(e, "assessments", kept=2, quarantined=0)


def test_unreadable_decision_date_is_reported_once_as_a_bad_date(tmp_path):
    # decision_on '31/02/2024' is a bad date (quarantined); it is not also called blank
    e = _load(tmp_path, "R2,C2,2024-01-02,31/02/2024,refuse,no_plan,,,false")
    assert [(i.rule, i.row) for i in e.issues if i.row is not None] == [("bad_date", 3)]
    assert_counts(e, "assessments", kept=1, quarantined=1)


def _example_with_r013(tmp_path, decision_on: str, closed_on: str):
    folder = copy_example(tmp_path / "ex")
    path = folder / "assessments.csv"
    text = path.read_text()
    old = "R013,C016,2024-09-02,2024-10-07,refuse,no_plan,,2024-10-07,false"
    assert old in text
    path.write_text(text.replace(old, f"R013,C016,2024-09-02,{decision_on},refuse,no_plan,,{closed_on},false"))
    return load(folder)


# data/example (README): open at 30 Nov 2024 = 5 (R010, R011, R012, R015, R016); every one of them is
# more than 140 days old at 30 June 2025 (the youngest, R016, received 14 Oct 2024: 17 + 30 + 31 + 31 +
# 28 + 31 + 30 + 31 + 30 = 259 days), so overdue at 30 June 2025 = 5. R013 (refused 7 Oct 2024) is closed.
# Before the fix, R013 with both dates blank stayed open: open 6 and overdue at 30 June 2025 6, no issue.
def test_example_r013_without_dates_is_quarantined_and_the_backlog_is_unchanged(tmp_path):
    e = _example_with_r013(tmp_path, "", "")
    [i] = rule_issues(e, "refused_without_date")
    # R013 is the 13th request: assessments.csv row 14 (header = row 1)
    assert i.row == 14 and i.message.startswith("assessments.csv row 14, column decision_on,")
    # 17 rows in = 16 kept + 1 quarantined
    assert e.row_counts["assessments"] == {"rows_in": 17, "rows_kept": 16, "rows_quarantined": 1}
    a = e.assessments
    assert backlog.open_requests_at(a, ["2024-11-30"]).tolist() == [5]
    assert backlog.overdue_requests_at(a, ["2024-11-30", "2025-06-30"]).tolist() == [3, 5]
    assert backlog.overdue_requests_at(a, ["2024-11-30"], include_exceptions=False).tolist() == [2]


def test_example_r013_dated_by_closed_on_is_kept_and_closes_that_day(tmp_path):
    e = _example_with_r013(tmp_path, "", "2024-10-07")
    assert [i.row for i in rule_issues(e, "refusal_date_from_closed")] == [14]
    assert e.row_counts["assessments"] == {"rows_in": 17, "rows_kept": 17, "rows_quarantined": 0}
    a = e.assessments
    assert backlog.open_requests_at(a, ["2024-11-30"]).tolist() == [5]
    assert backlog.overdue_requests_at(a, ["2024-11-30", "2025-06-30"]).tolist() == [3, 5]
    # R013 was received 2 Sep and refused 7 Oct: open at 30 Sep, closed (as a refusal) in October
    flow = backlog.backlog_flow(a, pd.DatetimeIndex(["2024-09-30", "2024-10-31"]))
    assert flow["closed_refused"].tolist() == [0, 1]
    assert flow["closed_no_plan"].tolist() == [0, 0]


# data/example R014: received 4 Mar 2024, decided to assess 15 Apr, no plan, closed 19 Aug 2024. With
# closed_on blank it has no closing date. Kept (as before the fix), it would be open and overdue at
# 30 Nov 2024: age 27 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 = 271 days > 140, so open 6 (not 5) and
# overdue 4 (not 3). Quarantined, the backlog is the README's: open 5, overdue 3 at 30 Nov 2024 and 5
# at 30 June 2025, 2 excluding exceptions (R011).
def test_example_r014_no_plan_without_closed_on_is_quarantined_and_the_backlog_is_unchanged(tmp_path):
    folder = copy_example(tmp_path / "ex")
    path = folder / "assessments.csv"
    old = "R014,C017,2024-03-04,2024-04-15,assess,no_plan,,2024-08-19,false"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, "R014,C017,2024-03-04,2024-04-15,assess,no_plan,,,false"))
    e = load(folder)
    [i] = rule_issues(e, "closed_without_date")
    # R014 is the 14th request: assessments.csv row 15 (header = row 1)
    assert (i.row, i.column, i.severity) == (15, "closed_on", "error")
    assert i.message.startswith("assessments.csv row 15, column closed_on, outcome no_plan but closed_on is blank")
    assert "Enter closed_on" in i.message
    assert e.row_counts["assessments"] == {"rows_in": 17, "rows_kept": 16, "rows_quarantined": 1}
    assert "R014" not in e.assessments["request_id"].tolist()
    a = e.assessments
    assert backlog.open_requests_at(a, ["2024-11-30"]).tolist() == [5]
    assert backlog.overdue_requests_at(a, ["2024-11-30", "2025-06-30"]).tolist() == [3, 5]
    assert backlog.overdue_requests_at(a, ["2024-11-30"], include_exceptions=False).tolist() == [2]
    # what keeping it would have done (a frame built in code: backlog leaves it open, guessing no date)
    kept = load(copy_example(tmp_path / "clean")).assessments
    kept.loc[kept["request_id"] == "R014", "closed_on"] = pd.NaT
    assert backlog.open_requests_at(kept, ["2024-11-30"]).tolist() == [6]
    assert backlog.overdue_requests_at(kept, ["2024-11-30"]).tolist() == [4]
