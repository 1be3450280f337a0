"""Projection of the overdue backlog's clearance (FIFO stock-flow) and its effect on the published
20-week rate.

Definitions (closing date, open, overdue): the :mod:`sendlib.backlog` docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sendlib import periods, timeliness
from sendlib.backlog.flow import backlog_flow
from sendlib.backlog.requests import _NEVER, OVERDUE_DAYS, _days, _received_and_end

# ---------------------------------------------------------------------------------------------------
# Clearance projection
# ---------------------------------------------------------------------------------------------------


@dataclass
class ClearanceProjection:
    """Result of :func:`project_backlog_clearance`.

    ``monthly``: one row per month end from ``as_of`` (row 0, actual) to the horizon: ``arrivals``,
    ``closures``, ``open``, ``overdue`` (counts) and ``plans_issued`` (expected new plans: closures x
    ``plan_share``; they add to caseload and cost). ``halves_on`` / ``clears_on``: first month end where
    overdue <= half the starting count / is 0 (None if not within the horizon). ``rate_effect``: per
    calendar year touched by the projection, the DfE 20-week rate (excluding exceptions, %) of plans
    issued in that year up to the horizon, with and without the issues of the requests that were
    already overdue at ``as_of`` (the "old cases"), and the difference in percentage points.
    """

    as_of: pd.Timestamp
    throughput: float
    intake: float
    plan_share: float
    min_days: int
    start_overdue: int
    monthly: pd.DataFrame
    halves_on: pd.Timestamp | None
    clears_on: pd.Timestamp | None
    rate_effect: pd.DataFrame

    def outlook(self) -> str:
        """The projection in words, for a headline: ``"halves by February 2025 and clears by August
        2025"``, ``"halves by ... but does not clear within 24 months"``, ``"does not halve within 24
        months"``, or ``"is already clear"`` when nothing was overdue at ``as_of``."""
        if self.start_overdue == 0:
            return "is already clear"
        horizon = f"within {len(self.monthly) - 1} months"
        if self.halves_on is None:
            return f"does not halve {horizon}"
        halves = f"halves by {self.halves_on:%B %Y}"
        if self.clears_on is None:
            return f"{halves} but does not clear {horizon}"
        return f"{halves} and clears by {self.clears_on:%B %Y}"


def project_backlog_clearance(
    assessments: pd.DataFrame,
    as_of,
    months: int = 24,
    throughput: float | None = None,
    intake: float | None = None,
    recent_months: int = 6,
    min_days: int | None = None,
) -> ClearanceProjection:
    """Project the overdue backlog month by month under a simple stock-flow with FIFO clearing.

    Model (explicit and deliberately simple):

    - the queue is the requests open at ``as_of`` (last full month end), oldest first;
    - each month ``intake`` new requests enter the queue (received on the 15th; default: mean requests
      received per month over the last ``recent_months`` months **less refusals**) and ``throughput``
      requests close (default: mean closures per month over the same months other than refusals:
      plans issued, decisions not to issue, withdrawals). Refusals are netted off both because they
      close within weeks and never reach the head of the queue. Fractional rates accumulate, so 2.5
      a month closes 2, 3, 2, 3, ...;
    - closures take the **oldest** open requests first (FIFO) and happen at the month end, but never
      before a request is ``min_days`` old (the quickest an assessment can be done; default: the 10th
      percentile of days from request to plan issued over all plans issued to ``as_of``, the whole
      history so that a backlog does not hide how fast the service can be; 0 if none);
    - a closure is a plan issued with probability ``plan_share`` = plans issued / closures other than
      refusals in the recent months (1.0 when there were none); projected issues are in expectation.

    Overdue at a month end = queued requests older than 140 days (all cases, exceptions included).
    The rate effect uses non-exception cases only (new arrivals are taken as non-exception), adding
    the projected issues to the plans actually issued in the year to ``as_of``. Clearing old cases
    issues them late, so the year's published rate falls: ``effect_pp`` is negative.
    Not modelled: refusals closing early, seasonality, changes in conversion. Once the queue is cleared
    and throughput exceeds intake, every new request closes at ``min_days`` or soon after, so the
    projected rate of later years tends to 100%: read the years in which the old cases are issued.
    """
    m0 = periods.last_full_month(as_of)
    d0 = int(_days([m0])[0])
    recent = backlog_flow(assessments, periods.month_ends(m0 - pd.DateOffset(months=recent_months - 1), m0))
    refused = recent["closed_refused"]
    intake = float((recent["received"] - refused).clip(lower=0).mean()) if intake is None else float(intake)
    throughput = float((recent["closed"] - refused).mean()) if throughput is None else float(throughput)
    closed_total = float((recent["closed"] - refused).sum())
    plan_share = float(recent["closed_issued"].sum()) / closed_total if closed_total > 0 else 1.0

    received, end = _received_and_end(assessments)
    if min_days is None:
        issued = _days(assessments["issued_on"])
        ages = (issued - received)[(issued <= d0) & (received < _NEVER)]
        min_days = int(np.percentile(ages, 10)) if len(ages) else 0
    is_open = (received <= d0) & (end > d0)
    order = np.argsort(received[is_open], kind="stable")
    q_received = received[is_open][order]
    q_exception = assessments["exception"].fillna(False).to_numpy(bool)[is_open][order]
    q_old = q_received <= d0 - OVERDUE_DAYS - 1  # overdue at as_of: the "old cases"

    horizon = periods.month_ends(m0, m0 + pd.DateOffset(months=months))
    me_days = _days(horizon)
    k = np.arange(months + 1)
    arrivals = np.diff(np.floor(intake * k + 1e-9), prepend=0).astype("int64")
    capacity = np.diff(np.floor(throughput * k + 1e-9), prepend=0).astype("int64")
    arrival_day = _days(horizon - pd.offsets.MonthBegin(1) + pd.Timedelta(days=14))
    q_received = np.concatenate([q_received, np.repeat(arrival_day[1:], arrivals[1:])])
    q_exception = np.concatenate([q_exception, np.zeros(arrivals[1:].sum(), dtype=bool)])
    q_old = np.concatenate([q_old, np.zeros(arrivals[1:].sum(), dtype=bool)])
    queue_len = int(is_open.sum()) + np.cumsum(arrivals) - arrivals[0]
    # FIFO: the head pointer after month i is min(cumulative capacity, cumulative queue length),
    # capped so capacity unused when the queue is empty is lost (a running min, one step per month).
    # and never past the requests at least min_days old at the month end (queue sorted by received)
    closable = np.searchsorted(q_received, me_days - min_days, side="right")
    head = np.zeros(months + 1, dtype="int64")
    for i in range(1, months + 1):  # loop over months only (vector state), not over rows
        head[i] = max(head[i - 1], min(head[i - 1] + capacity[i], queue_len[i], closable[i]))
    closures = np.diff(head, prepend=0)
    closures[0] = 0
    overdue = np.maximum(np.searchsorted(q_received, me_days - OVERDUE_DAYS - 1, side="right") - head, 0)
    overdue = np.minimum(overdue, queue_len - head)
    monthly = pd.DataFrame(
        {"arrivals": arrivals, "closures": closures, "open": queue_len - head, "overdue": overdue},
        index=pd.DatetimeIndex(horizon, name="month_end"),
    )
    monthly.iloc[0, :2] = 0
    # expected plans issued by the closures: clearing the backlog adds to caseload and cost
    monthly["plans_issued"] = monthly["closures"] * plan_share

    start = int(overdue[0])
    halves = monthly.index[1:][overdue[1:] <= start / 2]
    clears = monthly.index[1:][overdue[1:] == 0]

    # Closure date of each queued request (NEVER if not closed within the horizon)
    pos = np.arange(len(q_received))
    month_of_close = np.searchsorted(head, pos, side="right")  # first month whose head passes pos
    closed_in = month_of_close <= months
    close_day = np.where(closed_in, me_days[np.minimum(month_of_close, months)], _NEVER)
    on_time = close_day - q_received <= OVERDUE_DAYS
    close_year = pd.DatetimeIndex(horizon)[np.minimum(month_of_close, months)].year.to_numpy()
    use = closed_in & ~q_exception
    proj = pd.DataFrame({"year": close_year[use], "old": q_old[use], "on_time": on_time[use]})
    years = sorted(set(horizon[1:].year))

    rows = []
    for y in years:  # a handful of calendar years
        start_y = pd.Timestamp(year=y, month=1, day=1)
        if start_y <= m0:
            t = timeliness.timeliness_20_week_period(
                assessments, start_y, min(m0, pd.Timestamp(year=y, month=12, day=31))
            )
            act_den, act_on = int(t["plans_issued_den_ex"]), int(t["plans_issued_20_weeks_ex"])
        else:
            act_den, act_on = 0, 0
        py = proj[proj["year"] == y]
        old_n = plan_share * float(py["old"].sum())
        old_on = plan_share * float((py["old"] & py["on_time"]).sum())
        new_n = plan_share * float((~py["old"]).sum())
        new_on = plan_share * float((~py["old"] & py["on_time"]).sum())
        with_den = act_den + old_n + new_n
        without_den = act_den + new_n
        rate_with = 100.0 * (act_on + old_on + new_on) / with_den if with_den > 0 else np.nan
        rate_without = 100.0 * (act_on + new_on) / without_den if without_den > 0 else np.nan
        rows.append(
            {
                "year": y,
                "actual_issued_to_as_of": act_den,
                "actual_on_time_to_as_of": act_on,
                "projected_issued_backlog": old_n,
                "projected_issued_other": new_n,
                "projected_on_time_other": new_on,
                "rate_with_backlog": rate_with,
                "rate_without_backlog": rate_without,
                "effect_pp": rate_with - rate_without,
            }
        )
    rate_effect = pd.DataFrame(rows).set_index("year")
    return ClearanceProjection(
        as_of=m0,
        throughput=throughput,
        intake=intake,
        plan_share=plan_share,
        min_days=min_days,
        start_overdue=start,
        monthly=monthly,
        halves_on=halves[0] if len(halves) else None,
        clears_on=clears[0] if len(clears) else None,
        rate_effect=rate_effect,
    )
