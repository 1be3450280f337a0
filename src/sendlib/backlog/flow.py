"""The backlog per calendar month: the month-end series of open and overdue requests, assessments
completed, requests received and accepted, and the stock-flow of open requests.

Definitions (closing date, open, overdue, age bands, stages): the :mod:`sendlib.backlog` docstring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import periods
from sendlib.backlog.requests import (
    _NEVER,
    CLOSE_REASONS,
    _dates_index,
    _days,
    _events_in_periods,
    _interval_count,
    _month_bounds,
    _received_and_end,
    closing_dates,
    open_requests_at,
    overdue_requests_at,
    overdue_requests_by_age_band,
    overdue_requests_by_stage,
)

# ---------------------------------------------------------------------------------------------------
# Month-end series
# ---------------------------------------------------------------------------------------------------


def overdue_monthly(assessments: pd.DataFrame, month_ends) -> pd.DataFrame:
    """Month-end series of the backlog: open, overdue (with and without exceptions), age bands, stages.

    Counts at each month end (snapshot). Columns: ``open``, ``overdue``, ``overdue_excl_exceptions``,
    the :data:`AGE_BANDS` and :data:`STAGES` (both including exceptions).
    """
    idx = pd.DatetimeIndex([periods.month_end(d) for d in _dates_index(month_ends)])
    out = pd.DataFrame(
        {
            "open": open_requests_at(assessments, idx).to_numpy(),
            "overdue": overdue_requests_at(assessments, idx).to_numpy(),
            "overdue_excl_exceptions": overdue_requests_at(
                assessments, idx, include_exceptions=False
            ).to_numpy(),
        },
        index=idx,
    )
    out = out.join(overdue_requests_by_age_band(assessments, idx)).join(
        overdue_requests_by_stage(assessments, idx)
    )
    out.index.name = "month_end"
    return out


# ---------------------------------------------------------------------------------------------------
# Throughput and intake per calendar month
# ---------------------------------------------------------------------------------------------------


def assessments_completed_by_month(assessments: pd.DataFrame, month_ends) -> pd.DataFrame:
    """Assessments completed per calendar month (counts; throughput).

    Completed = a final plan issued (``issued_on`` in the month) or a decision not to issue a plan
    (``outcome == "no_plan"``, ``closed_on`` in the month) after a decision to assess. Refusals at
    the decision-to-assess stage are **not** assessments and are not counted, nor are withdrawals.
    Columns ``plans_issued``, ``decided_not_to_issue``, ``completed`` (their sum); index = month ends.
    Polarity: higher is better (more throughput).
    """
    me, starts, ends = _month_bounds(month_ends)
    a = assessments
    refused = (a["decision"] == "refuse").fillna(False).to_numpy(bool)
    no_plan = (a["outcome"] == "no_plan").fillna(False).to_numpy(bool) & ~refused
    issued = _events_in_periods(_days(a["issued_on"]), ends, starts)
    not_issued = _events_in_periods(np.where(no_plan, _days(a["closed_on"]), _NEVER), ends, starts)
    out = pd.DataFrame(
        {"plans_issued": issued, "decided_not_to_issue": not_issued, "completed": issued + not_issued},
        index=me,
    )
    out.index.name = "month_end"
    return out


def requests_received_by_month(assessments: pd.DataFrame, month_ends) -> pd.Series:
    """Requests for assessment received per calendar month (count; intake; by ``received_on``)."""
    me, starts, ends = _month_bounds(month_ends)
    s = pd.Series(_events_in_periods(_days(assessments["received_on"]), ends, starts), index=me)
    s.index.name = "month_end"
    return s.rename("requests_received")


def requests_accepted_by_month(assessments: pd.DataFrame, month_ends) -> pd.Series:
    """Requests accepted for assessment per calendar month (count; by ``decision_on`` of an assess)."""
    me, starts, ends = _month_bounds(month_ends)
    assess = (assessments["decision"] == "assess").fillna(False).to_numpy(bool)
    days = np.where(assess, _days(assessments["decision_on"]), _NEVER)
    s = pd.Series(_events_in_periods(days, ends, starts), index=me)
    s.index.name = "month_end"
    return s.rename("requests_accepted")


def backlog_flow(assessments: pd.DataFrame, month_ends) -> pd.DataFrame:
    """Stock-flow of open requests per calendar month (counts).

    ``open_start`` (open at the previous month end), ``received`` (in the month), ``closed`` (closing
    date in the month, any reason) split into ``closed_issued``, ``closed_refused``,
    ``closed_no_plan``, ``closed_withdrawn``, and ``open_end`` (open at the month end). The identity
    ``open_start + received - closed == open_end`` holds exactly every month (a request received and
    closed in the same month counts in both flows). ``overdue_end`` is the overdue count at month end.
    """
    me, starts, ends = _month_bounds(month_ends)
    received, end = _received_and_end(assessments)
    reasons = closing_dates(assessments)["close_reason"]
    out = pd.DataFrame(index=me)
    out["open_start"] = _interval_count(received, end, starts - 1)
    out["received"] = _events_in_periods(received, ends, starts)
    for r in CLOSE_REASONS:
        mask = (reasons == r).fillna(False).to_numpy(bool)
        out[f"closed_{r}"] = _events_in_periods(np.where(mask, end, _NEVER), ends, starts)
    out["closed"] = out[[f"closed_{r}" for r in CLOSE_REASONS]].sum(axis=1)
    out["open_end"] = _interval_count(received, end, ends)
    out["overdue_end"] = overdue_requests_at(assessments, me).to_numpy()
    out.index.name = "month_end"
    return out
