"""Open requests, the overdue backlog, its ageing and stages, throughput, intake and flows.

No official statistic of "overdue" assessments exists (DOMAIN.md section 2); sendlib defines it here
and every function says so. All inputs are the ``assessments`` table of an :class:`~sendlib.Extract`
(one row per request for an EHC needs assessment).

Definitions (sendlib's, stated once and used everywhere)
--------------------------------------------------------
*Closing date* of a request: the earliest of

- ``issued_on`` (a final plan was issued),
- the refusal date when ``decision == "refuse"`` (refused at the decision-to-assess stage):
  ``decision_on``, or ``closed_on`` if that is blank (see below),
- ``closed_on`` when ``outcome`` is ``no_plan`` (decision not to issue) or ``withdrawn``.

A request with none of these dates is still open. A closing date before ``received_on`` (bad data)
is treated as ``received_on``: the request was never open. Loading reports such rows; nothing is
dropped here.

*No_plan or withdrawn without closed_on* (not a refusal): ``closed_on`` is its only closing date, so
kept it would be open, and overdue, for ever. ``sendlib.load`` quarantines the row (rule
``closed_without_date``, :mod:`sendlib.validate`), so it reaches these functions only from frames
built in code, where it stays open (no closing date is guessed).

*Refusals without a decision date* (decision, rule table in :mod:`sendlib.validate`): a refusal is a
closing event, so a refused request is never open for ever. With ``decision_on`` blank but
``closed_on`` filled, the refusal is dated by ``closed_on`` (``sendlib.load`` keeps the row with a
warning, rule ``refusal_date_from_closed``). With both blank the refusal cannot be placed in time:
``sendlib.load`` quarantines the row (rule ``refused_without_date``), so it reaches these functions
only from frames built in code. There, if it has no other closing date, it is taken as closed on
``received_on`` (never open, as for a closing date before the request; reason ``refused``) rather
than open, and overdue, for ever.

*Open at d*: ``received_on <= d < closing date``. A request closed on day d is not open at d.

*Age at d*: ``d - received_on`` in whole days. *Overdue at d*: open at d and age > 140 days (20
weeks). **Day 140 is not overdue**: a request received on 1 January is overdue from 21 May (day 141)
onwards, so a request closed on exactly day 140 is never overdue, and a plan issued on day 141 was
overdue on day 141 only if it was still open that day (it was not: it closed that day), so it too is
never counted in a snapshot, although DfE counts it as late (see :mod:`sendlib.timeliness`).

*Age bands* (weeks, by age in days at d): ``20-26`` = 141-182 days, ``26-39`` = 183-273,
``39-52`` = 274-364, ``over 52`` = 365 days or more. Each band includes its upper edge, matching
DfE's "issued after 52 weeks" (more than 364 days) for the oldest band.

*Stages* (rule "decision-date stages", :data:`ASSESSING_WINDOW_DAYS` = 70): for an open request,

- ``awaiting_decision``: no decision dated on or before d (decision_on empty or later than d);
  a request with no decision date is always in this stage;
- ``assessing``: decided to assess on or before d, and at most 70 days (10 weeks) before d: the
  statutory gap between the week-6 decision and the week-16 draft plan;
- ``drafting``: decided to assess more than 70 days before d (assessment time used up, the case is
  in drafting or issue; the extract has no draft-plan date, so this is inferred from dates).

Implementation: each measure is a count of requests whose *interval* ``[start, end)`` contains d;
counts at many dates come from two ``np.searchsorted`` calls over sorted interval ends (no loops over
rows or months-times-rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sendlib import periods

OVERDUE_DAYS = 140
"""Statutory limit: 20 weeks = 140 days. Overdue means age strictly greater than this."""

ASSESSING_WINDOW_DAYS = 70
"""Days after a decision to assess during which an open request counts as ``assessing``."""

AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "20-26 weeks": (141, 182),
    "26-39 weeks": (183, 273),
    "39-52 weeks": (274, 364),
    "over 52 weeks": (365, None),
}
"""Age bands of overdue requests: inclusive (first_day, last_day) of age in days; None = no limit."""

STAGES: tuple[str, ...] = ("awaiting_decision", "assessing", "drafting")

CLOSE_REASONS: tuple[str, ...] = ("issued", "refused", "no_plan", "withdrawn")

_NEVER = np.iinfo(np.int64).max // 4  # "no date": later than any real day number


# ---------------------------------------------------------------------------------------------------
# Day arithmetic on int64 day numbers (days since 1970-01-01); missing dates become _NEVER
# ---------------------------------------------------------------------------------------------------


def _days(values) -> np.ndarray:
    arr = pd.to_datetime(pd.Series(values)).to_numpy("datetime64[D]")
    out = arr.astype("int64")
    out[np.isnat(arr)] = _NEVER
    return out


def _dates_index(dates) -> pd.DatetimeIndex:
    if isinstance(dates, (str, pd.Timestamp)) or np.isscalar(dates):
        dates = [dates]
    return pd.DatetimeIndex(pd.to_datetime(list(dates))).normalize()


def _interval_count(start: np.ndarray, end: np.ndarray, at: np.ndarray) -> np.ndarray:
    """How many intervals ``[start, end)`` contain each day in ``at`` (end is clipped to >= start)."""
    end = np.maximum(end, start)
    s = np.sort(start)
    e = np.sort(end)
    return (np.searchsorted(s, at, side="right") - np.searchsorted(e, at, side="right")).astype("int64")


def _events_in_periods(days: np.ndarray, period_ends: np.ndarray, period_starts: np.ndarray) -> np.ndarray:
    """Number of event days falling in each closed period ``[start, end]``."""
    d = np.sort(days[days < _NEVER])
    return (
        np.searchsorted(d, period_ends, side="right") - np.searchsorted(d, period_starts, side="left")
    ).astype("int64")


def _month_bounds(month_ends) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    me = pd.DatetimeIndex([periods.month_end(d) for d in _dates_index(month_ends)])
    starts = (me - pd.offsets.MonthBegin(1)).normalize()
    return me, _days(starts), _days(me)


# ---------------------------------------------------------------------------------------------------
# Closing dates
# ---------------------------------------------------------------------------------------------------


def closing_dates(assessments: pd.DataFrame) -> pd.DataFrame:
    """Each request's closing date and reason (see the module docstring for the rule).

    Returns a frame aligned with ``assessments``: ``closed_on`` (datetime, NaT while open) and
    ``close_reason`` (one of :data:`CLOSE_REASONS`, missing while open). Where two dates tie, the
    reason order is issued, refused, no_plan, withdrawn.
    """
    a = assessments
    refused = (a["decision"] == "refuse").fillna(False).to_numpy(bool)
    candidates = np.vstack(
        [
            _days(a["issued_on"]),
            np.where(refused, refusal_days(a), _NEVER),
            np.where((a["outcome"] == "no_plan").fillna(False).to_numpy(bool), _days(a["closed_on"]), _NEVER),
            np.where(
                (a["outcome"] == "withdrawn").fillna(False).to_numpy(bool), _days(a["closed_on"]), _NEVER
            ),
        ]
    )
    which = candidates.argmin(axis=0)
    day = candidates.min(axis=0)
    undated_refusal = refused & (day >= _NEVER)  # closed, date unknown: never open (module docstring)
    day = np.where(undated_refusal, _days(a["received_on"]), day)
    which = np.where(undated_refusal, CLOSE_REASONS.index("refused"), which)
    is_open = day >= _NEVER
    closed = pd.to_datetime(np.where(is_open, np.datetime64("NaT"), day.astype("datetime64[D]"))).astype(
        "datetime64[ns]"
    )
    reason = pd.array(np.asarray(CLOSE_REASONS, dtype=object)[which], dtype="string")
    reason[is_open] = pd.NA
    return pd.DataFrame({"closed_on": closed, "close_reason": reason}, index=a.index)


def refusal_days(assessments: pd.DataFrame) -> np.ndarray:
    """Day number (days since 1970-01-01) of each request's refusal if refused: ``decision_on``, else
    ``closed_on`` (module docstring, "Refusals without a decision date"); no date: "never" (a refusal
    with no date at all and no other closing date is closed on ``received_on`` by :func:`closing_dates`).

    Defined for every row; :func:`closing_dates` uses it only where ``decision == "refuse"``.
    """
    decided = _days(assessments["decision_on"])
    return np.where(decided < _NEVER, decided, _days(assessments["closed_on"]))


def _received_and_end(assessments: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    received = _days(assessments["received_on"])
    end = _days(closing_dates(assessments)["closed_on"])
    return received, np.maximum(end, received)


def _exception_mask(assessments: pd.DataFrame, include_exceptions: bool) -> np.ndarray:
    if include_exceptions:
        return np.ones(len(assessments), dtype=bool)
    return ~assessments["exception"].fillna(False).to_numpy(bool)


# ---------------------------------------------------------------------------------------------------
# Snapshot counts at dates
# ---------------------------------------------------------------------------------------------------


def open_requests_at(assessments: pd.DataFrame, dates, include_exceptions: bool = True) -> pd.Series:
    """Requests open at each date (count; snapshot at each date; any age).

    Open: received on or before d and not closed by d (module docstring). Index = dates.
    """
    idx = _dates_index(dates)
    keep = _exception_mask(assessments, include_exceptions)
    received, end = _received_and_end(assessments)
    counts = _interval_count(received[keep], end[keep], _days(idx))
    return pd.Series(counts, index=idx, name="open_requests")


def overdue_requests_at(assessments: pd.DataFrame, dates, include_exceptions: bool = True) -> pd.Series:
    """Overdue requests at each date (count; snapshot; sendlib definition, no official statistic).

    Open at d with d - received_on > 140 days (day 140 is not overdue). ``include_exceptions=False``
    leaves out requests flagged ``exception``. Polarity: lower is better. Index = dates.
    """
    idx = _dates_index(dates)
    keep = _exception_mask(assessments, include_exceptions)
    received, end = _received_and_end(assessments)
    start = received[keep] + OVERDUE_DAYS + 1
    counts = _interval_count(start, end[keep], _days(idx))
    return pd.Series(counts, index=idx, name="overdue_requests")


def overdue_requests_by_age_band(
    assessments: pd.DataFrame, dates, include_exceptions: bool = True
) -> pd.DataFrame:
    """Overdue requests at each date by age band (counts; snapshot; columns = :data:`AGE_BANDS`).

    Bands by age in days at d: 141-182 (20-26 weeks), 183-273 (26-39), 274-364 (39-52), 365+
    (over 52 weeks). The bands sum to :func:`overdue_requests_at`.
    """
    idx = _dates_index(dates)
    keep = _exception_mask(assessments, include_exceptions)
    received, end = _received_and_end(assessments)
    received, end = received[keep], end[keep]
    at = _days(idx)
    out = {}
    for band, (first, last) in AGE_BANDS.items():
        start = received + first
        stop = end if last is None else np.minimum(end, received + last + 1)
        out[band] = _interval_count(start, stop, at)
    return pd.DataFrame(out, index=idx)


def overdue_requests_by_stage(
    assessments: pd.DataFrame,
    dates,
    include_exceptions: bool = True,
    assessing_window_days: int = ASSESSING_WINDOW_DAYS,
) -> pd.DataFrame:
    """Overdue requests at each date by stage (counts; snapshot; columns = :data:`STAGES`).

    Rule "decision-date stages" (module docstring): awaiting_decision = no decision dated by d;
    assessing = decided to assess within ``assessing_window_days`` before d; drafting = decided to
    assess earlier than that. The stages sum to :func:`overdue_requests_at`.
    """
    idx = _dates_index(dates)
    keep = _exception_mask(assessments, include_exceptions)
    received, end = _received_and_end(assessments)
    decided = _days(assessments["decision_on"])
    received, end, decided = received[keep], end[keep], decided[keep]
    start = received + OVERDUE_DAYS + 1
    draft_from = np.where(decided < _NEVER, decided + assessing_window_days + 1, _NEVER)
    at = _days(idx)
    out = {
        "awaiting_decision": _interval_count(start, np.minimum(end, decided), at),
        "assessing": _interval_count(np.maximum(start, decided), np.minimum(end, draft_from), at),
        "drafting": _interval_count(np.maximum(start, draft_from), end, at),
    }
    return pd.DataFrame(out, index=idx)


def requests_due_to_breach(assessments: pd.DataFrame, d, weeks: int = 4) -> pd.DataFrame:
    """Requests open at ``d``, not yet overdue, that pass 140 days within the next ``weeks`` weeks.

    A request breaches on its day 141 (``received_on + 141 days``); it is listed when that day is in
    ``(d, d + 7 * weeks]``, i.e. it would be overdue at ``d + 7 * weeks`` if still open. Returns one row
    per request: ``request_id``, ``received_on``, ``breach_on``, ``days_to_breach``, ``exception``,
    sorted by breach date. For case management: it contains request ids, so it is not for a committee;
    committee outputs use ``len()`` of it (a count).
    """
    day = _days([d])[0]
    received, end = _received_and_end(assessments)
    breach = received + OVERDUE_DAYS + 1
    mask = (received <= day) & (end > day) & (breach > day) & (breach <= day + 7 * weeks)
    sub = assessments.loc[mask, ["request_id", "received_on", "exception"]].copy()
    sub["breach_on"] = sub["received_on"] + pd.Timedelta(days=OVERDUE_DAYS + 1)
    sub["days_to_breach"] = (breach[mask] - day).astype("int64")
    cols = ["request_id", "received_on", "breach_on", "days_to_breach", "exception"]
    return sub[cols].sort_values(["breach_on", "request_id"]).reset_index(drop=True)


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
    """Assessments completed per calendar month (counts; throughput; DOMAIN.md section 2).

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
    from sendlib import timeliness

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
