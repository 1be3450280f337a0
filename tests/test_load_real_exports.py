"""Extracts made the way real tools make them: months as months, Excel "Unicode Text" (UTF-16),
accounting-format money, workbooks with numeric ids and uncached formulas, date-times, repeated
headers, and mapping files naming a header the file lacks. Each test checks rows kept, values read
and the message."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendlib import clean, config
from sendlib.load import load
from tests.messy_fixtures import PLACEMENTS_HEADER, PLANS_HEADER, copy_example, write_tables
from tests.validate_fixtures import rule_issues

#: One request, so the required assessments table is not empty.
REQUEST = ["R1,C1,2022-01-01,2022-02-01,assess,plan_issued,2022-06-01,,false"]




# -------------------------------------------------------------------------------------------------
# Months
# -------------------------------------------------------------------------------------------------

#: The trajectory's seven months (September 2024 - March 2025) each written in another form.
MONTH_FORMS = ["2024-09", "Oct-24", "Nov 2024", "December 2024", "01/2025", "2025-02-01", "31/03/2025"]


def test_trajectory_months_in_every_form_are_kept_as_month_ends(tmp_path):
    folder = copy_example(tmp_path / "x")
    lines = (config.EXAMPLE_DIR / "plan_trajectory.csv").read_text().splitlines()
    body = [f"{m},{line.split(',', 1)[1]}" for m, line in zip(MONTH_FORMS, lines[1:], strict=True)]
    (folder / "plan_trajectory.csv").write_text("\n".join([lines[0], *body]) + "\n")
    e = load(folder)
    assert e.row_counts["plan_trajectory"] == {"rows_in": 7, "rows_kept": 7, "rows_quarantined": 0}
    assert e.plan_trajectory["month"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-09-30", "2024-10-31", "2024-11-30", "2024-12-31", "2025-01-31", "2025-02-28", "2025-03-31",
    ]
    assert e.plan_trajectory["planned_ehcps"].tolist() == [8, 8, 9, 9, 10, 10, 10]


def test_trajectory_months_from_a_workbook_date_cells_and_serials(tmp_path):
    folder = copy_example(tmp_path / "x")
    (folder / "plan_trajectory.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["month", "planned_ehcps"])
    ws.append([dt.datetime(2024, 9, 1), 8])  # an Excel date cell, first of the month
    ws.append([45596, 8])  # serial 45596 = 2024-10-31 (1899-12-30 + 45596 days)
    ws.append(["Nov-24", 9])  # text
    wb.save(folder / "plan_trajectory.xlsx")
    e = load(folder)
    assert e.row_counts["plan_trajectory"]["rows_kept"] == 3
    assert e.plan_trajectory["month"].tolist() == [
        pd.Timestamp("2024-09-30"), pd.Timestamp("2024-10-31"), pd.Timestamp("2024-11-30"),
    ]


def test_an_unreadable_month_is_quarantined_with_the_forms_read(tmp_path):
    folder = copy_example(tmp_path / "x")
    with open(folder / "plan_trajectory.csv", "a") as f:
        f.write("2025-13,11,0\nsoon,11,0\n")
    e = load(folder)
    assert e.row_counts["plan_trajectory"] == {"rows_in": 9, "rows_kept": 7, "rows_quarantined": 2}
    bad = rule_issues(e, "bad_date")
    assert [(i.row, i.column) for i in bad] == [(9, "month"), (10, "month")]
    assert "'2025-13' is not a month" in bad[0].message and "Apr-24" in bad[0].message


_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def _month_forms(year: int, month: int, last_day: int) -> list[str]:
    name = _NAMES[month - 1]
    return [
        f"{year}-{month:02d}", f"{year}/{month}", f"{month:02d}/{year}", f"{month}/{year}",
        f"{name[:3]}-{year % 100:02d}", f"{name[:3]} {year}", f"{name} {year}", f"{name.upper()} {year}",
        f"{year}-{month:02d}-01", f"01/{month:02d}/{year}", f"{last_day}/{month:02d}/{year}",
        f"{year}-{month:02d}-{last_day} 00:00:00", f"1 {name} {year}",
        str((dt.date(year, month, 1) - dt.date(1899, 12, 30)).days),  # Excel serial of the 1st
    ]


@settings(max_examples=60, deadline=None)
@given(st.integers(2000, 2099), st.integers(1, 12))
def test_any_month_in_the_accepted_forms_reads_as_the_same_month_end(year, month):
    import calendar

    last_day = calendar.monthrange(year, month)[1]  # independent of pandas' MonthEnd
    forms = _month_forms(year, month, last_day)
    values, bad = clean.parse_months(pd.Series(forms, dtype="object"))
    assert not bad.any(), [f for f, b in zip(forms, bad, strict=True) if b]
    assert set(values.tolist()) == {pd.Timestamp(year, month, last_day)}, forms


# -------------------------------------------------------------------------------------------------
# Excel "Unicode Text": UTF-16 with a BOM, tab-separated
# -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("codec, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_utf16_tab_separated_export_reads_as_the_csv(tmp_path, codec, bom):
    folder = copy_example(tmp_path / "x")
    text = (config.EXAMPLE_DIR / "placements.csv").read_text().replace(",", "\t").replace("\n", "\r\n")
    text = text.replace("\t62500\t", "\t£62,500.00\t")  # Excel's text export of a currency cell
    (folder / "placements.csv").write_bytes(bom + text.encode(codec))
    e = load(folder)
    reference = load(config.EXAMPLE_DIR)
    assert e.row_counts["placements"] == {"rows_in": 13, "rows_kept": 13, "rows_quarantined": 0}
    pd.testing.assert_frame_equal(e.placements, reference.placements)
    notes = {i.rule: i.message for i in e.issues if i.table == "placements"}
    assert "UTF-16" in notes["encoding"] and "Unicode Text" in notes["encoding"]
    assert "separated by tabs" in notes["delimiter"]


def test_utf16_without_a_bom_is_read_as_utf16(tmp_path):
    folder = copy_example(tmp_path / "x")
    text = (config.EXAMPLE_DIR / "plans.csv").read_text().replace(",", ";")
    (folder / "plans.csv").write_bytes(text.encode("utf-16-le"))
    e = load(folder)
    assert e.row_counts["plans"]["rows_kept"] == 12 and e.plans["plan_id"].iloc[0] == "P001"


# -------------------------------------------------------------------------------------------------
# Money as Excel's accounting and currency formats write it
# -------------------------------------------------------------------------------------------------


def test_accounting_and_currency_money(tmp_path):
    costs = {
        "P1": "£\u00a08,500.00",  # accounting format: no-break space after £
        "P2": "£\u20098,500.00",  # thin space
        "P3": "GBP 8500",
        "P4": "8500.00   ",  # trailing spaces
        "P5": "(£500)",  # accounting negative
        "P6": "-£500",
        "P7": "£8.5k",  # not money
    }
    plans = [f"{p},C{p},2015-01-01,ASD,2023-01-01," for p in costs]
    placements = [f'{p},mainstream_academy,,,2023-01-01,,"{c}",0,0' for p, c in costs.items()]
    e = load(write_tables(tmp_path / "x", plans, placements, []), errors="return")
    kept = e.placements.set_index("plan_id")["annual_cost"]
    assert kept.to_dict() == {"P1": 8500.0, "P2": 8500.0, "P3": 8500.0, "P4": 8500.0}
    assert e.row_counts["placements"] == {"rows_in": 7, "rows_kept": 4, "rows_quarantined": 3}
    neg = rule_issues(e, "negative_money")
    assert [(i.row, i.column) for i in neg] == [(6, "annual_cost"), (7, "annual_cost")]
    assert "-£500.00" in neg[0].message
    bad = rule_issues(e, "bad_money")
    assert [(i.row, i.column, i.severity) for i in bad] == [(8, "annual_cost", "error")]
    assert "'£8.5k' is not an amount of money" in bad[0].message


# -------------------------------------------------------------------------------------------------
# Workbooks: numeric ids, leading zeros, uncached formulas
# -------------------------------------------------------------------------------------------------


def _workbook(path, rows):
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)


def test_numeric_ids_in_a_workbook_match_text_ids_in_csvs(tmp_path):
    folder = write_tables(
        tmp_path / "x", [],
        ["1,mainstream_academy,,,2023-01-01,,1000,0,0", "2,mainstream_academy,,,2023-01-01,,2000,0,0",
         "007,mainstream_academy,,,2023-01-01,,3000,0,0"],
        [],
    )
    (folder / "plans.csv").unlink()
    _workbook(folder / "plans.xlsx", [
        PLANS_HEADER.split(","),
        [1, 11, dt.datetime(2015, 1, 1), "ASD", dt.datetime(2023, 1, 1), None],  # int cell
        [2.0, 12.0, dt.datetime(2015, 1, 1), "ASD", dt.datetime(2023, 1, 1), None],  # float cell
        ["007", "C7", dt.datetime(2015, 1, 1), "ASD", dt.datetime(2023, 1, 1), None],  # text keeps zeros
    ])
    e = load(folder, errors="return")
    assert e.plans["plan_id"].tolist() == ["1", "2", "007"]
    assert e.plans["child_id"].tolist() == ["11", "12", "C7"]
    assert e.row_counts["placements"] == {"rows_in": 3, "rows_kept": 3, "rows_quarantined": 0}
    assert not rule_issues(e, "orphan_placement")


def test_formula_cells_without_saved_values_are_named_not_read_as_blank_costs(tmp_path):
    folder = write_tables(tmp_path / "x", ["P1,C1,2015-01-01,ASD,2023-01-01,", "P2,C2,2015-01-01,ASD,2023-01-01,"],
                          [], [])
    (folder / "placements.csv").unlink()
    header = PLACEMENTS_HEADER.split(",")
    _workbook(folder / "placements.xlsx", [  # written by a script, never opened in Excel: no cached values
        header,
        ["P1", "mainstream_academy", None, None, dt.datetime(2023, 1, 1), None, "=1000*12", 0, 0],
        ["P2", "mainstream_academy", None, None, dt.datetime(2023, 1, 1), None, 9000, 0, 0],
    ])
    e = load(folder, errors="return")
    assert e.row_counts["placements"] == {"rows_in": 2, "rows_kept": 1, "rows_quarantined": 1}
    assert e.placements["annual_cost"].tolist() == [9000.0]
    issues = rule_issues(e, "uncached_formula")
    assert [(i.row, i.column, i.severity) for i in issues] == [(2, "annual_cost", "error")]
    assert "cell G2 holds the formula =1000*12 with no saved value" in issues[0].message
    assert "Open the workbook in Excel and save it" in issues[0].message and "export" in issues[0].message
    assert not rule_issues(e, "missing_cost")


def test_workbook_reads_the_only_sheet_with_the_header(tmp_path):
    folder = copy_example(tmp_path / "x")
    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["Extract notes: taken 30/11/2024"])
    ws = wb.create_sheet("Export")
    for line in (config.EXAMPLE_DIR / "plans.csv").read_text().splitlines():
        ws.append(line.split(","))
    (folder / "plans.csv").unlink()
    wb.save(folder / "plans.xlsx")
    e = load(folder)
    assert e.row_counts["plans"]["rows_kept"] == 12
    note = rule_issues(e, "sheet_chosen")
    assert len(note) == 1 and note[0].severity == "info" and "'Export'" in note[0].message


# -------------------------------------------------------------------------------------------------
# Date-times, repeated headers, mapping messages
# -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", [
    "15/03/2021 09:30", "15/03/2021 09:30:05", "15-03-2021 17:00", "15.03.2021 17:00", "15 Mar 2021 10:15",
    "15-Mar-21 10:15:00", "15/03/21 10:15", "15/03/2021 2:30 PM", "2021-03-15 09:30", "2021-03-15T09:30:00Z",
])
def test_date_times_in_every_date_layout(tmp_path, written):
    folder = write_tables(tmp_path / "x", [f"P1,C1,2012-05-14 00:00,ASD,{written},"],
                          ["P1,mainstream_academy,,,2021-03-15,,1000,0,0"], REQUEST)
    e = load(folder)
    assert e.plans["issued_on"].tolist() == [pd.Timestamp("2021-03-15")]
    assert e.row_counts["plans"]["rows_kept"] == 1 and not rule_issues(e, "bad_date")


def test_a_time_that_is_not_a_time_is_not_a_date(tmp_path):
    folder = write_tables(tmp_path / "x", ["P1,C1,2012-05-14,ASD,15/03/2021 25:99,"], [], [])
    e = load(folder, errors="return")
    bad = rule_issues(e, "bad_date")
    assert [(i.row, i.column) for i in bad] == [(2, "issued_on")]


def test_two_columns_with_the_same_header_name_both_and_use_the_first(tmp_path):
    folder = write_tables(tmp_path / "x", [], ["P1,mainstream_academy,,,2023-01-01,,1000,0,0"], REQUEST)
    (folder / "plans.csv").write_text(PLANS_HEADER + ",issued_on\nP1,C1,2015-01-01,ASD,2023-01-01,,2022-01-01\n")
    e = load(folder)
    assert e.plans["issued_on"].tolist() == [pd.Timestamp("2023-01-01")]
    dup = rule_issues(e, "duplicate_column")
    assert len(dup) == 1 and dup[0].severity == "warning" and dup[0].column == "issued_on"
    assert "column 5 and column 7 have the same header" in dup[0].message
    assert "column 5 ('issued_on') is used and column 7 ('issued_on') is ignored" in dup[0].message


def test_repeated_header_in_a_workbook_is_named_by_letter(tmp_path):
    folder = write_tables(tmp_path / "x", [], ["P1,mainstream_academy,,,2023-01-01,,1000,0,0"], REQUEST)
    (folder / "plans.csv").unlink()
    _workbook(folder / "plans.xlsx", [PLANS_HEADER.split(",") + ["Plan ID"],
                                      ["P1", "C1", None, "ASD", dt.datetime(2023, 1, 1), None, "P9"]])
    e = load(folder)
    assert e.plans["plan_id"].tolist() == ["P1"]
    dup = rule_issues(e, "duplicate_column")
    assert len(dup) == 1 and "column A and column G have headers 'plan_id' and 'Plan ID'" in dup[0].message


def test_mapping_naming_a_header_the_file_lacks_says_so(tmp_path):
    folder = copy_example(tmp_path / "x")
    text = (folder / "plans.csv").read_text().replace("plan_id,", "EHCP Reference No,", 1)
    (folder / "plans.csv").write_text(text)
    e = load(folder, mapping={"plans": {"plan_id": "EHCP Reference Number"}}, errors="return")
    issue = rule_issues(e, "missing_column")[0]
    assert issue.severity == "blocking"
    assert issue.message.startswith(
        "the mapping gives 'EHCP Reference Number' for plans.plan_id, and plans.csv has no such header; "
        "the nearest headers are 'EHCP Reference No'"
    )
    assert "no column plan_id" not in issue.message
