"""Unreadable values in optional money columns: the row is kept, the value read as £0 (as a blank cell
is), with a warning naming file, row, column, value and fix. Required money columns still quarantine.

Expected figures are worked out by hand from the fixtures. Row numbers are as the analyst sees them:
the CSV header is row 1, so the first data row is row 2.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sendlib import cost, forecast, load
from tests.messy_fixtures import copy_example, write_tables
from tests.validate_fixtures import GOOD_PLAN, GOOD_REQUEST, rule_issues, table_counts

BUDGET_HEADER = (
    "financial_year,hnb_budget,safety_valve_overspend_cap,planned_deficit,safety_valve_contribution,"
    "other_high_needs_spend"
)






def _example_with_budget(tmp_path, name: str, other_2024_25: str):
    """data/example (as_of 2024-11-30, so the forecast year is 2024-25) with an other_high_needs_spend
    column: 2023-24 £1,000, 2024-25 as given."""
    folder = copy_example(tmp_path / name)
    (folder / "budget.csv").write_text(
        f"{BUDGET_HEADER}\n2023-24,280000,15000,20000,50000,1000\n2024-25,300000,20000,15000,50000,{other_2024_25}\n"
    )
    return load(folder)


def test_budget_other_spend_na_keeps_the_row_with_a_warning(tmp_path):
    e = _example_with_budget(tmp_path, "na", "n/a")
    [i] = rule_issues(e, "bad_money")
    assert (i.table, i.row, i.column, i.severity) == ("budget", 3, "other_high_needs_spend", "warning")
    assert i.message.startswith("budget.csv row 3, column other_high_needs_spend, 'n/a' is not an amount of money;"
                                " the row is kept with the value blank (read as £0, as a blank cell is).")
    assert "Write pounds as 1234.50" in i.message and "leave the cell blank when there is none" in i.message
    # 2 rows in = 2 kept + 0 quarantined; the year's other figures are as written
    assert table_counts(e, "budget") == (2, 2, 0)
    row = e.budget.set_index("financial_year").loc["2024-25"]
    assert row[["hnb_budget", "safety_valve_overspend_cap", "other_high_needs_spend"]].tolist() == [
        300_000.0, 20_000.0, 0.0]
    assert e.usable and not rule_issues(e, "most_rows_quarantined")


def test_forecast_reads_unreadable_other_spend_as_zero(tmp_path):
    # the same extract three ways: 'n/a', a blank cell and £25,000. n/a must give exactly the blank's
    # outturn (other spend 0) and the £25,000 one exactly £25,000 more; all three have the year's budget.
    runs = {}
    for name, cell in (("na", "n/a"), ("blank", ""), ("amount", "25000")):
        e = _example_with_budget(tmp_path, name, cell)
        fc = forecast.forecast_caseload(e, n_sims=0)
        runs[name] = forecast.forecast_fy_spend(e, forecast=fc)
    na, blank, amount = runs["na"], runs["blank"], runs["amount"]
    assert na.financial_year == "2024-25"
    assert na.budget == 300_000.0 and na.overspend_vs_cap is not None
    assert na.other_spend == 0.0 and blank.other_spend == 0.0 and amount.other_spend == 25_000.0
    assert na.outturn == blank.outturn == na.placement_outturn
    assert amount.outturn == pytest.approx(na.outturn + 25_000.0, abs=1e-6)
    assert na.overspend == pytest.approx(na.outturn - 300_000.0, abs=1e-6)


def test_required_budget_value_unreadable_still_quarantines(tmp_path):
    folder = copy_example(tmp_path / "d")
    (folder / "budget.csv").write_text(f"{BUDGET_HEADER}\n2023-24,280000,15000,20000,50000,\n"
                                       "2024-25,n/a,20000,15000,50000,\n")
    e = load(folder)
    [i] = rule_issues(e, "bad_money")
    assert (i.row, i.column, i.severity) == (3, "hnb_budget", "error")
    assert i.message == ("budget.csv row 3, column hnb_budget, 'n/a' is not an amount of money. "
                         "Write pounds as 1234.50, £1,234.50 or (1,234) for a negative.")
    assert table_counts(e, "budget") == (2, 1, 1)


def test_plan_trajectory_planned_deficit_unreadable_keeps_the_month(tmp_path):
    folder = copy_example(tmp_path / "d")
    path = folder / "plan_trajectory.csv"
    lines = path.read_text().splitlines()
    assert lines[3] == "2024-11-30,9,170000"  # row 4
    lines[3] = "2024-11-30,9,TBC"
    path.write_text("\n".join(lines) + "\n")
    e = load(folder)
    [i] = rule_issues(e, "bad_money")
    assert (i.table, i.row, i.column, i.severity) == ("plan_trajectory", 4, "planned_deficit", "warning")
    assert "'TBC' is not an amount of money; the row is kept" in i.message
    assert table_counts(e, "plan_trajectory") == (7, 7, 0)
    t = e.plan_trajectory.set_index("month")
    assert t.loc[pd.Timestamp("2024-11-30"), "planned_ehcps"] == 9
    assert t.loc[pd.Timestamp("2024-11-30"), "planned_deficit"] == 0.0


def test_unreadable_contribution_keeps_the_placement_at_zero_contribution(tmp_path):
    # P1: £25,000 a year, health 'n/a', social care £1,000. Kept: gross £25,000; net £25,000 - £0 - £1,000
    # = £24,000 (the readable contribution still counts; the unreadable one as £0, as a blank).
    folder = write_tables(tmp_path / "x", [GOOD_PLAN], ["P1,special_la_maintained,,,2020-01-10,,25000,n/a,1000"],
                          [GOOD_REQUEST])
    e = load(folder)
    [i] = rule_issues(e, "bad_money")
    assert (i.table, i.row, i.column, i.severity) == ("placements", 2, "health_contribution", "warning")
    assert i.message.startswith("placements.csv row 2, column health_contribution, 'n/a' is not an amount of "
                                "money; the placement is kept with health_contribution read as £0")
    assert "may be overstated" in i.message
    assert table_counts(e, "placements") == (1, 1, 0)
    day = pd.Timestamp("2024-11-30")
    assert cost.committed_cost_at(e, [day]).iloc[0] == 25_000.0
    assert cost.committed_cost_at(e, [day], net=True).iloc[0] == 24_000.0


def test_unreadable_annual_cost_still_quarantines_the_placement(tmp_path):
    folder = write_tables(tmp_path / "x", [GOOD_PLAN], ["P1,special_la_maintained,,,2020-01-10,2020-12-31,25000,0,0",
                                                        "P1,special_la_maintained,,,2021-01-01,,n/a,0,0"],
                          [GOOD_REQUEST])
    e = load(folder)
    [i] = rule_issues(e, "bad_money")
    assert (i.row, i.column, i.severity) == (3, "annual_cost", "error")
    assert table_counts(e, "placements") == (2, 1, 1)
