"""The sample's calibration targets (issue: synthetic county sample), computed with sendlib's own functions.

tests/test_sample.py checks the same targets with plain pandas written in the test (an independent
method); this file checks that sendlib's measures, run on the committed sample, give the figures the
sample was calibrated to: Devon's published January counts, 20-week timeliness and activity, and the
November 2024 figures of the committee report sendlib reproduces (data/sample/README.md lists them).
"""

from __future__ import annotations

import pandas as pd
import pytest

from sendlib import backlog, caseload, cost, sector, timeliness
from sendlib.headlines import headlines

JANUARY_COUNTS = {2019: 5162, 2020: 6474, 2021: 7295, 2022: 7926, 2023: 8400, 2024: 8873}
TIMELINESS_EXCL = {2019: 32.1, 2020: 54.5, 2021: 38.8, 2022: 11.8, 2023: 4.9, 2024: 3.2}
NEW_PLANS = {2019: 1435, 2020: 1336, 2021: 914, 2022: 932, 2023: 1101}
REQUESTS = {2019: 1666, 2020: 1693, 2021: 1745, 2022: 2017, 2023: 2148}
NOV = pd.Timestamp("2024-11-30")


@pytest.mark.parametrize("year, published", sorted(JANUARY_COUNTS.items()))
def test_active_plans_at_january_within_2_percent(sample_extract, year, published):
    got = caseload.active_plans_at(sample_extract.plans, [pd.Timestamp(year=year, month=1, day=31)]).iloc[0]
    assert abs(got - published) / published <= 0.02


def test_november_2024_headlines(sample_extract):
    h = headlines(sample_extract, "2024-11")
    assert abs(h["ehcp_active"] - 9754) / 9754 <= 0.01
    assert abs(h["avg_cost_per_ehcp"] - 16965) / 16965 <= 0.01
    fall = h["avg_cost_per_ehcp_prev_month"] - h["avg_cost_per_ehcp"]
    assert 40 <= fall <= 120
    assert h["avg_cost_per_ehcp_first_fall_in_financial_year"] is True
    assert abs(h["overdue_assessments"] - 620) / 620 <= 0.05
    ratio = h["assessments_completed_month"] / h["assessments_completed_same_month_last_year"]
    assert 1.6 <= ratio <= 2.4
    assert abs(h["ehcp_forecast_next_january"] - 9833) / 9833 <= 0.01
    assert h["ehcp_plan_next_january"] == 9372
    assert 400 <= h["ehcp_forecast_vs_plan"] <= 520
    # "the HNB will exceed its Safety Valve deficit position by about £20m this financial year"
    assert h["fy_budget"] == 155_400_000
    assert 18_000_000 <= h["fy_overspend_vs_cap"] <= 22_000_000
    assert h["fy_forecast_spend"] == pytest.approx(
        h["fy_forecast_placement_spend"] + h["fy_other_high_needs_spend"], abs=0.02)


def test_average_cost_rises_every_month_from_may_to_october_2024(sample_extract):
    months = pd.date_range("2024-04-30", "2024-11-30", freq="ME")
    avg = cost.average_cost_per_ehcp(sample_extract, months)
    steps = avg.diff().dropna()
    assert (steps.loc[:"2024-10-31"] > 0).all() and steps.loc["2024-11-30"] < 0


def test_still_growing_about_40_a_month(sample_extract):
    months = pd.date_range("2024-08-31", "2024-11-30", freq="ME")
    growth = caseload.active_plans_at(sample_extract.plans, months).diff().dropna().mean()
    assert 25 <= growth <= 60


def test_independent_special_placements_rise_from_about_260_to_about_880(sample_extract):
    got = sector.independent_placements_at(sample_extract, [pd.Timestamp("2019-01-31"), NOV])
    assert 230 <= got.iloc[0] <= 290
    assert 800 <= got.iloc[1] <= 960


@pytest.mark.parametrize("year, published", sorted(TIMELINESS_EXCL.items()))
def test_timeliness_excluding_exceptions_close_to_devon(sample_extract, year, published):
    table = timeliness.timeliness_20_week_by_year(sample_extract.assessments)
    assert table.loc[year, "PC_plans_issued_20_weeks_ex"] == pytest.approx(published, abs=3.0)


def test_new_plans_and_requests_per_calendar_year(sample_extract):
    table = timeliness.timeliness_20_week_by_year(sample_extract.assessments)
    for year, published in NEW_PLANS.items():
        assert abs(table.loc[year, "plans_issued_den"] - published) / published <= 0.05
    months = pd.date_range("2019-01-31", "2023-12-31", freq="ME")
    received = backlog.requests_received_by_month(sample_extract.assessments, months)
    per_year = received.groupby(received.index.year).sum()
    for year, published in REQUESTS.items():
        assert abs(per_year[year] - published) / published <= 0.05
