"""Impossible dates (no such day in the month, month above 12) are errors in every form, never rolled over.

pyarrow's strptime (the fast ISO path) reads ``2024-02-31`` as 2 March 2024; sendlib must not. Expected
values come from Python's own calendar (``datetime.date``) in a plain loop, and from hand-written dates.
Row numbers are as the analyst sees them: the CSV header is row 1, so the first data row is row 2; in
the small fixtures row 2 is a good plan and the rows under test follow.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from sendlib import clean, load
from tests.messy_fixtures import copy_example, write_tables
from tests.validate_fixtures import GOOD_PLACEMENT, GOOD_PLAN, GOOD_REQUEST, rule_issues, table_counts

#: Each impossible form the review found or asked for; none is a real day.
IMPOSSIBLE = [
    "2024-02-31",  # 31 February
    "2023-02-29",  # 29 February in a year that is not leap
    "2024-04-31",  # April has 30 days
    "2024-13-01",  # month 13
    "2024-02-30 00:00:00",  # ISO with a time part
    "2024-02-30T09:15:00Z",  # ISO with a time and zone
    "2024/02/30",  # ISO with slashes
    "2100-02-29",  # 2100 is not a leap year
    "31/04/2024",  # day-first
    "29/02/23",  # day-first, two-digit year
    "30 Feb 2024",  # month name
    "31-Apr-24",  # month abbreviation, two-digit year
]
NO_SUCH_DAY = "is not a date: there is no such day"
FIX = "Correct the date in the source system"






# -------------------------------------------------------------------------------------------------
# clean.parse_dates
# -------------------------------------------------------------------------------------------------


def test_the_reviewers_three_dates_are_bad_not_rolled_over():
    out, bad = clean.parse_dates(pd.Series(["2024-02-31", "2023-02-29", "2024-04-31"]))
    assert out.isna().all()
    assert bad.tolist() == [True, True, True]


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_every_impossible_form_is_bad(value):
    out, bad = clean.parse_dates(pd.Series(["2024-02-29", value, ""]))
    assert out.iloc[0] == pd.Timestamp("2024-02-29")
    assert pd.isna(out.iloc[1]) and pd.isna(out.iloc[2])
    assert bad.tolist() == [False, True, False]


def test_last_days_of_months_still_read():
    values = ["2024-02-29", "2000-02-29", "2023-02-28", "2024-04-30", "2024-12-31", "2024-03-01", "2024-2-29",
              "29/02/2024", "30 Apr 2024", "2024-02-29 23:59:59"]
    out, bad = clean.parse_dates(pd.Series(values))
    assert not bad.any()
    expected = ["2024-02-29", "2000-02-29", "2023-02-28", "2024-04-30", "2024-12-31", "2024-03-01", "2024-02-29",
                "2024-02-29", "2024-04-30", "2024-02-29"]
    assert out.tolist() == [pd.Timestamp(x) for x in expected]


def _calendar(y: int, m: int, d: int) -> pd.Timestamp | None:
    """The real day, by Python's calendar, or None when there is no such day."""
    try:
        return pd.Timestamp(dt.date(y, m, d))
    except ValueError:
        return None


def test_every_day_and_month_against_the_calendar():
    # every y-m-d with day 0-40 and month 0-13, in each form read, checked one by one against datetime.date
    texts, expected = [], []
    for y in (1999, 2000, 2023, 2024, 2100):
        for m in range(14):
            for d in range(41):
                want = _calendar(y, m, d)
                for text in (f"{y}-{m:02d}-{d:02d}", f"{y}-{m}-{d}", f"{y}-{m:02d}-{d:02d} 00:00:00",
                             f"{y}/{m:02d}/{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{d}.{m}.{y}"):
                    texts.append(text)
                    expected.append(want)
    out, bad = clean.parse_dates(pd.Series(texts))
    got = out.tolist()
    wrong = [(t, g, w) for t, g, w in zip(texts, got, expected, strict=True)
             if not ((w is None and pd.isna(g)) or g == w)]
    assert wrong == []
    assert bad.tolist() == [w is None for w in expected]


def test_the_fast_iso_path_drops_rolled_dates_itself():
    # the fix sits in the pyarrow path (not a fallback of the whole column to pandas): valid dates are
    # read there, impossible ones come back missing for the strict path to reject
    s = pd.Series(["2024-02-29", "2024-02-31", "2024-03-02", "2023-02-29", "2024-2-5", "2024-01-31", "x", ""])
    got = clean._iso_dates_fast(clean._as_text(s))
    assert got.tolist()[:3] == [pd.Timestamp("2024-02-29"), pd.NaT, pd.Timestamp("2024-03-02")]
    assert pd.isna(got.iloc[3]) and got.iloc[4] == pd.Timestamp("2024-02-05")
    assert got.iloc[5] == pd.Timestamp("2024-01-31") and got.iloc[6:].isna().all()


def test_a_column_of_many_dates_with_one_impossible():
    # 1,000 real dates (a day each from 1 Jan 2024) and one impossible one, by hand
    days = pd.date_range("2024-01-01", periods=1000, freq="D")
    values = pd.Series(list(days.strftime("%Y-%m-%d")) + ["2024-06-31"])
    out, bad = clean.parse_dates(values)
    assert (out.iloc[:1000].to_numpy() == days.to_numpy()).all()
    assert bad.tolist() == [False] * 1000 + [True]


@pytest.mark.parametrize(
    ("serial", "expected"),
    [(18263, None), (18264, "1950-01-01"), (45352, "2024-03-01"), (73050, "2099-12-31"), (73051.5, None),
     (99999, None)],
)
def test_excel_serials_only_within_1950_to_2099(serial, expected):
    # 45352 = 1 March 2024 (Excel's 1900 date system: day 1 = 1 Jan 1900, with its phantom 29 Feb 1900)
    for values in (pd.Series([serial]), pd.Series([str(serial)])):
        out, bad = clean.parse_dates(values)
        if expected is None:
            assert pd.isna(out.iloc[0]) and bad.iloc[0]
        else:
            assert out.iloc[0] == pd.Timestamp(expected) and not bad.iloc[0]


def test_laid_out_as_date_words_the_message_only():
    s = pd.Series(["2024-02-31", "31/02/2024", "2024-13-01 00:00:00", "30 Feb 2024", "2024-02-30T10:00Z", "abc",
                   "99999", "31 Febx 2024", ""])
    assert clean.laid_out_as_date(s).tolist() == [True, True, True, True, True, False, False, False, False]
    assert not clean.laid_out_as_date(pd.Series([45352.0])).any()


# -------------------------------------------------------------------------------------------------
# load: quarantined (or blanked) with file, row, column, value and fix
# -------------------------------------------------------------------------------------------------


def test_each_impossible_issue_date_quarantines_its_plan(tmp_path):
    plans = [f"P{k},C{k},2012-01-01,ASD,{v},"for k, v in enumerate(IMPOSSIBLE, start=2)]
    e = load(write_tables(tmp_path / "x", [GOOD_PLAN, *plans], [GOOD_PLACEMENT], [GOOD_REQUEST]))
    found = rule_issues(e, "bad_date")
    # rows 3 .. 3 + 11: one issue each, in row order
    assert [(i.row, i.column, i.severity) for i in found] == [
        (r, "issued_on", "error") for r in range(3, 3 + len(IMPOSSIBLE))
    ]
    for i, value in zip(found, IMPOSSIBLE, strict=True):
        assert i.message.startswith(f"plans.csv row {i.row}, column issued_on, '{value}' {NO_SUCH_DAY}"), i.message
        assert FIX in i.message and "February 28, 29 in a leap year" in i.message
    # 13 rows in = 1 kept (P1) + 12 quarantined, each with its reason
    assert table_counts(e, "plans") == (1 + len(IMPOSSIBLE), 1, len(IMPOSSIBLE))
    assert e.plans["plan_id"].tolist() == ["P1"]
    q = e.quarantine[e.quarantine["table"] == "plans"]
    assert q["row"].tolist() == list(range(3, 3 + len(IMPOSSIBLE)))
    assert q["issued_on"].tolist() == IMPOSSIBLE
    assert q["reasons"].str.startswith("bad_date: '").all()


def test_the_reviewers_example_start_on_31_february(tmp_path):
    # data/example with one placement's start_on set to 2024-02-31: before the fix, no issue at all
    folder = copy_example(tmp_path / "data")
    path = folder / "placements.csv"
    lines = path.read_text().splitlines()
    assert lines[2].split(",")[4] == "2023-09-01"  # row 3: P001's independent school spell
    lines[2] = lines[2].replace("2023-09-01", "2024-02-31")
    path.write_text("\n".join(lines) + "\n")
    e = load(folder)
    [i] = rule_issues(e, "bad_date")
    assert (i.table, i.row, i.column, i.severity) == ("placements", 3, "start_on", "error")
    assert i.message.startswith(f"placements.csv row 3, column start_on, '2024-02-31' {NO_SUCH_DAY}")
    assert table_counts(e, "placements") == (13, 12, 1)
    assert not (e.placements["start_on"] == pd.Timestamp("2024-03-02")).any()


def test_impossible_date_of_birth_is_blanked_with_a_warning(tmp_path):
    e = load(write_tables(tmp_path / "x", [GOOD_PLAN, "P2,C2,2013-02-29,ASD,2020-01-10,"], [GOOD_PLACEMENT],
                          [GOOD_REQUEST]))
    [i] = rule_issues(e, "bad_date")
    assert (i.row, i.column, i.severity) == (3, "date_of_birth", "warning")
    assert i.message.startswith(f"plans.csv row 3, column date_of_birth, '2013-02-29' {NO_SUCH_DAY}")
    assert "kept with the date blank" in i.message
    assert table_counts(e, "plans") == (2, 2, 0)
    assert pd.isna(e.plans.set_index("plan_id").loc["P2", "date_of_birth"])


def test_impossible_and_unreadable_dates_get_their_own_fix(tmp_path):
    e = load(write_tables(tmp_path / "x", [GOOD_PLAN, "P2,C2,2012-01-01,ASD,2024-13-01,",
                                           "P3,C3,2012-01-01,ASD,soon,", "P4,C4,2012-01-01,ASD,99999,"],
                          [GOOD_PLACEMENT], [GOOD_REQUEST]))
    by_row = {i.row: i.message for i in rule_issues(e, "bad_date")}
    assert NO_SUCH_DAY in by_row[3] and FIX in by_row[3]
    assert "'soon' is not a date. Write dates day-first (05/11/2024) or ISO (2024-11-05)." in by_row[4]
    assert "'99999' is not a date. Write dates day-first" in by_row[5]
    assert table_counts(e, "plans") == (4, 1, 3)


def test_impossible_dates_in_request_dates(tmp_path):
    e = load(write_tables(tmp_path / "x", [GOOD_PLAN], [GOOD_PLACEMENT], [
        GOOD_REQUEST,
        "R2,C2,2024-04-31,,,open,,,false",  # received_on
        "R3,C3,2024-05-01,2024-06-31 00:00:00,assess,open,,,false",  # decision_on with a time
    ]))
    assert [(i.row, i.column) for i in rule_issues(e, "bad_date")] == [(3, "received_on"), (4, "decision_on")]
    assert table_counts(e, "assessments") == (3, 1, 2)


def test_xlsx_text_cell_31_february_is_quarantined(tmp_path):
    folder = write_tables(tmp_path / "x", [GOOD_PLAN], [GOOD_PLACEMENT], [GOOD_REQUEST])
    (folder / "placements.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "placements"
    ws.append(["plan_id", "setting", "provider_urn", "provider_name", "start_on", "end_on", "annual_cost",
               "health_contribution", "social_care_contribution"])
    ws.append(["P1", "special_la_maintained", None, None, dt.datetime(2020, 1, 10), dt.datetime(2020, 6, 30),
               25000, 0, 0])  # row 2: a date cell
    ws.append(["P1", "special_independent", None, None, "2024-02-31", None, 60000, 0, 0])  # row 3: text
    wb.save(folder / "placements.xlsx")
    e = load(folder)
    [i] = rule_issues(e, "bad_date")
    assert (i.table, i.row, i.column) == ("placements", 3, "start_on")
    assert i.message.startswith(f"placements.xlsx row 3, column start_on, '2024-02-31' {NO_SUCH_DAY}")
    assert table_counts(e, "placements") == (2, 1, 1)
    assert e.placements["start_on"].tolist() == [pd.Timestamp("2020-01-10")]


def test_parquet_text_column_with_an_impossible_date(tmp_path):
    folder = write_tables(tmp_path / "x", [GOOD_PLAN], [GOOD_PLACEMENT], [GOOD_REQUEST])
    (folder / "plans.csv").unlink()
    pd.DataFrame({
        "plan_id": ["P1", "P2"], "child_id": ["C1", "C2"], "date_of_birth": ["2012-01-01", "2012-01-01"],
        "primary_need": ["ASD", "ASD"], "issued_on": ["2020-01-10", "2023-02-29"], "ceased_on": [None, None],
    }).to_parquet(folder / "plans.parquet")
    e = load(folder)
    [i] = rule_issues(e, "bad_date")
    assert (i.row, i.column) == (2, "issued_on")  # parquet rows are record numbers
    assert i.message.startswith(f"plans.parquet row 2, column issued_on, '2023-02-29' {NO_SUCH_DAY}")
    assert table_counts(e, "plans") == (2, 1, 1)

