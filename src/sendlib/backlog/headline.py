"""The backlog's headline keys (counts) and their units, for :mod:`sendlib.headlines`.

Definitions (overdue, assessments completed): the :mod:`sendlib.backlog` docstring.
"""

from __future__ import annotations

import pandas as pd

from sendlib import periods
from sendlib.backlog.flow import assessments_completed_by_month
from sendlib.backlog.requests import overdue_requests_at

# ---------------------------------------------------------------------------------------------------
# Headlines
# ---------------------------------------------------------------------------------------------------

#: Units of :func:`headline_section`'s keys (merged into :func:`sendlib.headlines.units`).
HEADLINE_UNITS: dict[str, str] = {
    "overdue_assessments": "requests",
    "overdue_assessments_prev_month": "requests",
    "assessments_completed_month": "assessments",
    "assessments_completed_same_month_last_year": "assessments",
}


def headline_section(extract, period_end: pd.Timestamp) -> dict:
    """Backlog headline keys for the month ending ``period_end`` (counts).

    ``overdue_assessments``: open requests older than 20 weeks at the month end (all cases; sendlib's
    definition, no official statistic), and ``overdue_assessments_prev_month`` at the previous month
    end. ``assessments_completed_month``: plans issued + decisions not to issue in the calendar month,
    and ``assessments_completed_same_month_last_year``.
    """
    pe = periods.month_end(period_end)
    a = extract.assessments
    prev = pe - pd.offsets.MonthEnd(1)
    overdue = overdue_requests_at(a, [prev, pe]).to_numpy()
    last_year = periods.month_end(pe - pd.DateOffset(years=1))
    done = assessments_completed_by_month(a, [last_year, pe])["completed"].to_numpy()
    return {
        "overdue_assessments": int(overdue[1]),
        "overdue_assessments_prev_month": int(overdue[0]),
        "assessments_completed_month": int(done[1]),
        "assessments_completed_same_month_last_year": int(done[0]),
    }
