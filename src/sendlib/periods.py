"""Periods: month ends, financial years and months, academic years, DfE ``time_period`` codes.

Conventions: the financial year runs April-March and is written ``2024-25``; financial
month 1 is April, so November is month 8. The academic year runs September-August. In DfE caseload
files ``time_period`` 202425 means the January 2025 census; calendar-year files use 2024.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd


def month_end(date) -> pd.Timestamp:
    """The last day of the month containing ``date`` (a Timestamp at midnight)."""
    ts = pd.Timestamp(date).normalize()
    return (ts + pd.offsets.MonthEnd(0)).normalize()


def month_ends(start, end) -> pd.DatetimeIndex:
    """Month-end dates from the month of ``start`` to the month of ``end``, inclusive."""
    return pd.date_range(month_end(start), month_end(end), freq="ME")


def parse_period(period: str | None) -> pd.Timestamp | None:
    """``"2024-11"`` -> 2024-11-30 (the month end). None passes through.

    Raises ValueError with a readable message for anything that is not YYYY-MM.
    """
    if period is None:
        return None
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", str(period))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"period {period!r} is not a month written YYYY-MM, e.g. 2024-11")
    return month_end(f"{m.group(1)}-{int(m.group(2)):02d}-01")


def period_label(date) -> str:
    """``2024-11-30`` -> ``"2024-11"``."""
    return pd.Timestamp(date).strftime("%Y-%m")


def last_full_month(as_of) -> pd.Timestamp:
    """The month end on or before ``as_of``: the extract's last full month."""
    ts = pd.Timestamp(as_of).normalize()
    me = month_end(ts)
    return me if ts == me else month_end(ts.replace(day=1) - pd.Timedelta(days=1))


def financial_year_start(date) -> pd.Timestamp:
    """1 April of the financial year containing ``date``."""
    ts = pd.Timestamp(date)
    year = ts.year if ts.month >= 4 else ts.year - 1
    return pd.Timestamp(year=year, month=4, day=1)


def financial_year_end(date) -> pd.Timestamp:
    """31 March ending the financial year containing ``date``."""
    return pd.Timestamp(year=financial_year_start(date).year + 1, month=3, day=31)


def financial_year(date) -> str:
    """The financial year containing ``date`` written ``2024-25``."""
    y = financial_year_start(date).year
    return f"{y}-{(y + 1) % 100:02d}"


def financial_month(date) -> int:
    """Financial month number: April = 1 ... November = 8 ... March = 12."""
    return (pd.Timestamp(date).month - 4) % 12 + 1


def financial_year_bounds(fy: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``"2024-25"`` -> (2024-04-01, 2025-03-31). Raises ValueError on a malformed year."""
    m = re.fullmatch(r"\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*", str(fy))
    if not m:
        raise ValueError(f"financial year {fy!r} is not written like 2024-25")
    start = int(m.group(1))
    end = int(m.group(2))
    if (end % 100) != (start + 1) % 100:
        raise ValueError(f"financial year {fy!r}: the second year must follow the first (e.g. 2024-25)")
    return pd.Timestamp(year=start, month=4, day=1), pd.Timestamp(year=start + 1, month=3, day=31)


def normalise_financial_year(fy: str) -> str:
    """``"2024/2025"`` or ``" 2024-25 "`` -> ``"2024-25"``."""
    start, _ = financial_year_bounds(fy)
    return financial_year(start)


def academic_year(date) -> str:
    """The academic year (September-August) containing ``date``, written ``2024/25``."""
    ts = pd.Timestamp(date)
    y = ts.year if ts.month >= 9 else ts.year - 1
    return f"{y}/{(y + 1) % 100:02d}"


def census_date(year: int) -> pd.Timestamp:
    """The January census reference date used for month-end MI: 31 January ``year``.

    SEN2 counts plans at the census date in mid-January; sendlib's MI compares with the January
    month end, which is how LAs usually reconcile (state the difference when reporting).
    """
    return pd.Timestamp(year=int(year), month=1, day=31)


def next_january(date) -> pd.Timestamp:
    """The first January month end strictly after ``date``."""
    ts = pd.Timestamp(date)
    this_year = census_date(ts.year)
    return this_year if ts < this_year else census_date(ts.year + 1)


def dfe_time_period(code, time_identifier: str = "") -> tuple[pd.Timestamp | int, str]:
    """Decode a DfE ``time_period``.

    ``202425`` with an academic-year identifier -> (2025-01-31 census, "january_census");
    ``2024`` -> (2024, "calendar_year"); ``202324`` with "Financial year" -> (2023, "financial_year").
    """
    s = str(code).strip()
    ident = str(time_identifier).strip().lower()
    if re.fullmatch(r"\d{6}", s):
        first = int(s[:4])
        if "financial" in ident:
            return first, "financial_year"
        return census_date(first + 1), "january_census"
    if re.fullmatch(r"\d{4}", s):
        return int(s), "calendar_year"
    raise ValueError(f"unrecognised DfE time_period {code!r}")


def days_between(start, end) -> np.ndarray:
    """Whole days from ``start`` to ``end`` (arrays of datetime64), NaT giving NaN."""
    s = pd.to_datetime(pd.Series(start)).to_numpy("datetime64[D]")
    e = pd.to_datetime(pd.Series(end)).to_numpy("datetime64[D]")
    out = (e - s).astype("timedelta64[D]").astype("float64")
    out[np.isnat(s) | np.isnat(e)] = np.nan
    return out
