"""Periods: every expected value below is worked out from the calendar by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendlib import periods

T = pd.Timestamp


@pytest.mark.parametrize(
    "date, expected",
    [
        ("2024-11-30", "2024-11-30"),  # already a month end
        ("2024-11-01", "2024-11-30"),
        ("2024-02-10", "2024-02-29"),  # leap year
        ("2023-02-10", "2023-02-28"),
    ],
)
def test_month_end(date, expected):
    assert periods.month_end(date) == T(expected)


@pytest.mark.parametrize(
    "as_of, expected",
    [
        ("2024-11-30", "2024-11-30"),  # extract taken on the last day: November is complete
        ("2024-12-01", "2024-11-30"),  # first of the month: the previous month is the last full one
        ("2024-12-02", "2024-11-30"),  # first working day of December
        ("2024-11-29", "2024-10-31"),  # November not yet complete
        ("2025-01-01", "2024-12-31"),  # across a year end
        ("2024-03-01", "2024-02-29"),
    ],
)
def test_last_full_month(as_of, expected):
    assert periods.last_full_month(as_of) == T(expected)


@pytest.mark.parametrize(
    "date, fy, fm",
    [
        ("2024-11-30", "2024-25", 8),  # financial month 1 is April, so November is month 8
        ("2024-04-01", "2024-25", 1),
        ("2025-03-31", "2024-25", 12),
        ("2024-03-31", "2023-24", 12),
        ("2099-12-01", "2099-00", 9),  # century wrap written with two digits
    ],
)
def test_financial_year_and_month(date, fy, fm):
    assert periods.financial_year(date) == fy
    assert periods.financial_month(date) == fm


def test_financial_year_bounds_and_normalising():
    assert periods.financial_year_bounds("2024-25") == (T("2024-04-01"), T("2025-03-31"))
    assert periods.normalise_financial_year(" 2024/2025 ") == "2024-25"
    with pytest.raises(ValueError, match="2024-25"):
        periods.financial_year_bounds("2024-26")
    with pytest.raises(ValueError):
        periods.financial_year_bounds("FY24")


def test_parse_period():
    assert periods.parse_period("2024-11") == T("2024-11-30")
    assert periods.parse_period("2024-2") == T("2024-02-29")
    assert periods.parse_period(None) is None
    for bad in ("2024-13", "Nov 2024", "2024/11", ""):
        with pytest.raises(ValueError, match="YYYY-MM"):
            periods.parse_period(bad)


def test_academic_year_and_census():
    assert periods.academic_year("2024-09-01") == "2024/25"
    assert periods.academic_year("2025-08-31") == "2024/25"
    assert periods.census_date(2025) == T("2025-01-31")
    assert periods.next_january("2024-11-30") == T("2025-01-31")
    assert periods.next_january("2025-01-15") == T("2025-01-31")
    assert periods.next_january("2025-01-31") == T("2026-01-31")  # strictly after


def test_dfe_time_period_codes():
    assert periods.dfe_time_period(202425, "Academic year") == (T("2025-01-31"), "january_census")
    assert periods.dfe_time_period("2024", "Calendar year") == (2024, "calendar_year")
    assert periods.dfe_time_period("202324", "Financial year") == (2023, "financial_year")
    with pytest.raises(ValueError):
        periods.dfe_time_period("24/25")


def test_days_between_handles_missing():
    out = periods.days_between(["2024-01-01", None], ["2024-05-20", "2024-01-01"])
    assert out[0] == 140  # 31 + 29 + 31 + 30 + 19 days (2024 is a leap year)
    assert pd.isna(out[1])


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=pd.Timestamp("1990-01-01").date(), max_value=pd.Timestamp("2100-12-31").date()))
def test_month_arithmetic_properties(d):
    me = periods.month_end(d)
    assert me >= T(d) and me.month == T(d).month and (me + pd.Timedelta(days=1)).day == 1
    lf = periods.last_full_month(d)
    assert lf <= T(d) and (lf + pd.Timedelta(days=1)).day == 1
    assert (T(d) - lf).days < 32
    start, end = periods.financial_year_bounds(periods.financial_year(d))
    assert start <= T(d) <= end
    assert periods.financial_month(d) == (T(d).year - start.year) * 12 + T(d).month - 3
