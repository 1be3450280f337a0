"""Requests for assessment at dates: closing dates, open and overdue requests, their age bands and
stages, requests due to breach, and the day-number helpers the other backlog modules share.

Definitions (closing date, open, overdue, age bands, stages): the :mod:`sendlib.backlog` docstring.
"""

from __future__ import annotations

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
    """Each request's closing date and reason (see the :mod:`sendlib.backlog` docstring for the rule).

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
    undated_refusal = refused & (day >= _NEVER)  # closed, date unknown: never open (package docstring)
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
    ``closed_on`` (:mod:`sendlib.backlog` docstring, "Refusals without a decision date"); no date: "never" (a refusal
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

    Open: received on or before d and not closed by d (:mod:`sendlib.backlog` docstring). Index = dates.
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

    Rule "decision-date stages" (:mod:`sendlib.backlog` docstring): awaiting_decision = no decision dated by d;
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
