"""Caseload: active plans at dates, plans issued and ceased per month, current placements.

Definitions
-----------
- **Active plan at date d**: ``issued_on <= d`` and (``ceased_on`` is empty or ``ceased_on > d``). A plan
  ceased exactly on d is *not* active at d. A plan without ``issued_on`` is never active. A plan whose
  ``ceased_on`` is on or before its ``issued_on`` is never active.
- **Flows** (plans issued, plans ceased in a month) count only plans active on at least one day
  (``issued_on`` filled and ``ceased_on`` empty or after it). A plan ceased on its issue day never
  joins the caseload, so it is in neither flow (the loader keeps it with the warning
  ``ceased_on_issue_day``; a ``ceased_on`` before ``issued_on`` is quarantined). Hence, for any plans
  table, active(previous month end) + issued in the month - ceased in the month = active(month end).
- **Current placement at date d**: ``start_on <= d`` and (``end_on`` is empty or ``end_on >= d``):
  ``end_on`` is the *inclusive* last day of the placement, so a placement ending on d is current at d.
  Only placements of plans active at d count ("current placements of active plans"); a placement
  whose plan_id is not in ``plans`` is never current (the loader quarantines such rows).

Every count here is a **snapshot at a date** (usually a month end: management information, MI) or a
**flow in a calendar month** (issued, ceased). The DfE count is the January census (SEN2), which
differs from MI; compare with :func:`sendlib.periods.census_date`.

How it is computed (performance)
--------------------------------
Nothing loops over months or over rows. Each plan (or placement) is a half-open interval
``[start, end)`` of days on which it counts. For sorted snapshot dates ``D``, a binary search
(``np.searchsorted``, done through a lookup table by day in :func:`locate`) gives the first snapshot on
or after each start (``i_s``) and each end (``i_e``): the row counts at snapshots ``i_s .. i_e - 1``.
Adding +weight at ``i_s`` and -weight at ``i_e`` per group (``np.bincount``) and a cumulative sum over
snapshots gives every snapshot at once: O(N + M x G) for N rows, M dates, G groups (see
:func:`interval_totals_at`). Plan ids are joined once per call
(:func:`sendlib.idmatch.plan_row_of_placements`, also importable from here).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sendlib import schema
from sendlib.errors import DataError
from sendlib.idmatch import plan_row_of_placements

#: Age bands in whole years of age at the snapshot date (inclusive bounds), the usual SEN2 bands.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-4", 0, 4),
    ("5-10", 5, 10),
    ("11-15", 11, 15),
    ("16-19", 16, 19),
    ("20-25", 20, 25),
    ("26+", 26, 200),
)
#: Label used for plans without a date of birth.
AGE_UNKNOWN = "unknown"

_NAT = np.iinfo(np.int64).min  # datetime64[ns] NaT as int64
_OPEN = np.iinfo(np.int64).max  # "no end": an open interval
_DAY_NS = 86_400 * 10**9


# ---------------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------------


def as_dates(dates) -> pd.DatetimeIndex:
    """Snapshot dates as a ``DatetimeIndex`` at midnight (ns resolution), in the order given."""
    if isinstance(dates, str | pd.Timestamp) or not hasattr(dates, "__len__"):
        dates = [dates]
    idx = pd.DatetimeIndex(pd.to_datetime(list(dates) if not isinstance(dates, pd.Index) else dates))
    return idx.normalize().astype("datetime64[ns]")


def _ns(values) -> np.ndarray:
    """Datetimes as int64 nanoseconds (NaT as int64 min)."""
    arr = values if isinstance(values, pd.Series) else pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(arr):
        arr = pd.to_datetime(arr)
    return arr.to_numpy(dtype="datetime64[ns]").view("int64")


def _ends(values) -> np.ndarray:
    """End dates (exclusive) as int64 ns, empty (NaT) meaning open: +infinity."""
    out = _ns(values).copy()
    out[out == _NAT] = _OPEN
    return out


def locate(values_ns: np.ndarray, sorted_dates_ns: np.ndarray) -> np.ndarray:
    """``np.searchsorted(sorted_dates_ns, values_ns, side="left")`` (the first date on or after each
    value) for dates at midnight, through a lookup table by day: about ten times faster for millions of
    values against a few hundred dates. Values must not be NaT."""
    m = len(sorted_dates_ns)
    if m == 0:
        return np.zeros(len(values_ns), dtype="int64")
    day = -((-np.asarray(values_ns, dtype="int64")) // _DAY_NS)  # ceiling: the first midnight >= value
    date_days = sorted_dates_ns // _DAY_NS
    lo, hi = int(date_days[0]) - 1, int(date_days[-1]) + 1
    if hi - lo > 1_000_000:  # dates spread over millennia: the table would be too big
        return np.searchsorted(sorted_dates_ns, values_ns, side="left")
    table = np.searchsorted(date_days, np.arange(lo, hi + 1), side="left")
    return table[np.clip(day, lo, hi) - lo]


def interval_totals_at(
    starts: np.ndarray,
    ends: np.ndarray,
    dates,
    groups: np.ndarray | None = None,
    n_groups: int = 1,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Sum of ``weights`` of half-open intervals ``[start, end)`` containing each date, per group.

    ``starts``/``ends`` are int64 nanoseconds (``ends`` = ``_OPEN`` for open intervals; a start of NaT
    never counts; an interval with ``end <= start`` never counts). ``groups`` are integer codes
    ``0 .. n_groups - 1``. ``dates`` in any order. Returns an array of shape (len(dates), n_groups):
    int64 counts when ``weights`` is None, else float64 sums. The interval counts at d when
    ``start <= d < end``.
    """
    return interval_grids(starts, ends, dates, groups, n_groups, [weights])[0]


def interval_grids(
    starts: np.ndarray,
    ends: np.ndarray,
    dates,
    groups: np.ndarray | None = None,
    n_groups: int = 1,
    weights: list[np.ndarray | None] = (None,),
) -> list[np.ndarray]:
    """:func:`interval_totals_at` for several weight arrays at once (None = counts), locating the
    intervals among the dates only once. Returns one (len(dates), n_groups) array per weight."""
    d = as_dates(dates)
    d_ns = d.to_numpy().view("int64")
    order = np.argsort(d_ns, kind="stable")
    sorted_d = d_ns[order]
    m = len(sorted_d)
    starts = np.asarray(starts, dtype="int64")
    ends = np.asarray(ends, dtype="int64")
    valid = (starts != _NAT) & (ends > starts)
    all_valid = bool(valid.all())
    i_s = locate(starts if all_valid else starts[valid], sorted_d)  # first date >= start
    i_e = locate(ends if all_valid else ends[valid], sorted_d)  # first date >= end: no longer counted
    if groups is not None:
        g = np.asarray(groups, dtype="int64")
        g = g if all_valid else g[valid]
        i_s = i_s * n_groups + g
        i_e = i_e * n_groups + g
    size = (m + 1) * n_groups
    out = []
    for weights_k in weights:
        if weights_k is None:
            delta = np.bincount(i_s, minlength=size) - np.bincount(i_e, minlength=size)
        else:
            w = np.asarray(weights_k, dtype="float64")
            w = w if all_valid else w[valid]
            delta = np.bincount(i_s, weights=w, minlength=size) - np.bincount(i_e, weights=w, minlength=size)
        grid = delta.reshape(m + 1, n_groups).cumsum(axis=0)[:m]
        if not (order == np.arange(m)).all():
            unsorted = np.empty_like(grid)
            unsorted[order] = grid
            grid = unsorted
        out.append(grid)
    return out


def _month_bounds(month_ends) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    me = as_dates(month_ends)
    if not me.is_month_end.all():
        bad = [str(x.date()) for x in me[~me.is_month_end][:3]]
        raise ValueError(f"month_ends must be month-end dates (e.g. 2024-11-30); got {', '.join(bad)}")
    starts = me - pd.offsets.MonthBegin(1)
    return me, pd.DatetimeIndex(starts).astype("datetime64[ns]")


def events_in_months(event_dates, month_ends, groups: np.ndarray | None = None, n_groups: int = 1) -> np.ndarray:
    """Count of events dated within each calendar month (first day .. month end, inclusive), per group.

    Returns int64 array (len(month_ends), n_groups). Missing (NaT) dates never count.
    """
    me, ms = _month_bounds(month_ends)
    ev = _ns(event_dates)
    me_days = me.to_numpy().view("int64") // _DAY_NS
    ms_days = ms.to_numpy().view("int64") // _DAY_NS
    m = len(me_days)
    valid = ev != _NAT
    all_valid = bool(valid.all())
    day = (ev if all_valid else ev[valid]) // _DAY_NS  # the calendar day of each event
    g = None if groups is None else np.asarray(groups, dtype="int64")
    g = np.zeros(len(day), dtype="int64") if g is None else (g if all_valid else g[valid])
    if m == 0:
        return np.zeros((0, n_groups), dtype="int64")
    # month position of every day from the first month's first day to the last month end; days in no
    # listed month (before, after, or in a gap) go to an extra bin m that is dropped
    lo, hi = int(ms_days.min()), int(me_days.max())
    if hi - lo > 1_000_000:
        raise ValueError("month_ends span more than 2,700 years")
    table = np.full(hi - lo + 3, m, dtype="int64")  # slots: day lo-1 (before) .. hi+1 (after)
    for_days = np.arange(lo, hi + 1)
    pos = np.searchsorted(np.sort(me_days), for_days, side="left")
    order = np.argsort(me_days, kind="stable")
    sorted_ms = ms_days[order]
    inside = (pos < m) & (for_days >= sorted_ms[np.minimum(pos, m - 1)])
    table[1:-1] = np.where(inside, order[np.minimum(pos, m - 1)], m)
    month = table[np.clip(day, lo - 1, hi + 1) - (lo - 1)]
    counts = np.bincount(month * n_groups + g, minlength=(m + 1) * n_groups)
    return counts.reshape(m + 1, n_groups)[:m]


def codes_in(values: pd.Series, choices: Sequence[str]) -> np.ndarray:
    """Position of each value in ``choices`` (-1 when missing or absent): a pyarrow hash lookup, O(N)."""
    arr = pa.array(values.astype("string")).cast(pa.large_string())
    idx = pc.index_in(arr, value_set=pa.array(list(choices), type=pa.large_string())).fill_null(-1)
    return np.asarray(idx.to_numpy(), dtype="int64")


def setting_codes(placements: pd.DataFrame) -> np.ndarray:
    """Index of each placement's setting in :data:`schema.SETTING_CODES`.

    Raises :class:`DataError` naming the rows when a setting is missing or not in the contract.
    """
    codes = codes_in(placements["setting"], schema.SETTING_CODES)
    if (codes < 0).any():
        bad = np.flatnonzero(codes < 0)
        shown = ", ".join(f"row {i + 1}: {placements['setting'].iloc[i]!r}" for i in bad[:5])
        raise DataError(
            f"placements: {len(bad)} row(s) have a setting that is not a contract code ({shown}); "
            "load the extract with sendlib.load, which maps synonyms, or fix the setting column"
        )
    return codes


def plan_intervals(plans: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``[issued_on, ceased_on)`` as int64 ns arrays: the days on which each plan is active."""
    return _ns(plans["issued_on"]), _ends(plans["ceased_on"])


def current_placement_intervals(
    plans: pd.DataFrame, placements: pd.DataFrame, row: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Days on which each placement is a current placement of an active plan, as ``[start, end)`` ns.

    start = max(start_on, plan issued_on); end = min(end_on + 1 day, plan ceased_on) (end_on is the
    inclusive last day). Placements whose plan is missing get start NaT (never current). ``row``: the
    result of :func:`plan_row_of_placements`, when already computed.
    """
    p_start, p_end = plan_intervals(plans)
    row = plan_row_of_placements(plans, placements) if row is None else row
    has_plan = row >= 0
    issued = np.where(has_plan, p_start[row], _NAT)
    ceased = np.where(has_plan, p_end[row], _NAT)
    s = _ns(placements["start_on"])
    e = _ends(placements["end_on"])
    e = np.where(e == _OPEN, _OPEN, e + _DAY_NS)
    start = np.where((s == _NAT) | (issued == _NAT), _NAT, np.maximum(s, issued))
    end = np.minimum(e, ceased)
    return start, end


# ---------------------------------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------------------------------


def active_plans_at(plans: pd.DataFrame, dates) -> pd.Series:
    """Number of active EHC plans at each date (snapshot count; int).

    Active at d: issued_on <= d and (ceased_on empty or ceased_on > d). Units: plans. Period type: a
    snapshot at each date (month ends for MI; the January month end for the census comparison).
    Index: the dates as given.
    """
    d = as_dates(dates)
    start, end = plan_intervals(plans)
    counts = interval_totals_at(start, end, d)[:, 0]
    return pd.Series(counts, index=d, name="ehcp_active")


def ever_active(plans: pd.DataFrame) -> np.ndarray:
    """True for plans active on at least one day: ``issued_on`` filled and ``ceased_on`` empty or later."""
    start, end = plan_intervals(plans)
    return (start != _NAT) & (end > start)


def _dates_of_active_plans(plans: pd.DataFrame, column: str) -> np.ndarray:
    """``column`` as datetime64[ns], NaT for plans never active (:func:`ever_active`)."""
    out = plans[column].to_numpy(dtype="datetime64[ns]").copy()
    out[~ever_active(plans)] = np.datetime64("NaT")
    return out


def plans_issued_by_month(plans: pd.DataFrame, month_ends) -> pd.Series:
    """Plans issued (issued_on) within each calendar month, indexed by month end. Units: plans (flow).

    Only plans active on at least one day count (module docstring, "Flows"): a plan ceased on its issue
    day is not counted, so that active(prev month end) + issued - ceased = active(month end) holds.
    """
    me, _ = _month_bounds(month_ends)
    issued = _dates_of_active_plans(plans, "issued_on")
    return pd.Series(events_in_months(issued, me)[:, 0], index=me, name="ehcp_issued")


def plans_ceased_by_month(plans: pd.DataFrame, month_ends) -> pd.Series:
    """Plans ceased (ceased_on) within each calendar month, indexed by month end. Units: plans (flow).

    Only plans active on at least one day count (ceased_on after issued_on; module docstring, "Flows"),
    so that active(prev month end) + issued - ceased = active(month end) always holds.
    """
    me, _ = _month_bounds(month_ends)
    ceased = _dates_of_active_plans(plans, "ceased_on")
    return pd.Series(events_in_months(ceased, me)[:, 0], index=me, name="ehcp_ceased")


def active_plans_by_need(plans: pd.DataFrame, dates) -> pd.DataFrame:
    """Active plans at each date by primary need (columns: SEN2 need codes, in schema order). Units: plans.

    Plans whose primary need is missing or not a contract code are counted under ``"unknown"`` so the
    columns add up to :func:`active_plans_at`.
    """
    d = as_dates(dates)
    codes, labels = _need_codes(plans)
    start, end = plan_intervals(plans)
    grid = interval_totals_at(start, end, d, codes, len(labels))
    return _frame(grid, d, labels, "primary_need")


def _need_codes(plans: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    labels = list(schema.PRIMARY_NEEDS) + ["unknown"]
    codes = codes_in(plans["primary_need"], labels[:-1])
    codes[codes < 0] = len(labels) - 1
    return codes, labels


def _frame(grid: np.ndarray, d: pd.DatetimeIndex, labels: Sequence[str], name: str) -> pd.DataFrame:
    out = pd.DataFrame(grid, index=d, columns=pd.Index(list(labels), name=name))
    out.index.name = "date"
    return out


def age_band_intervals(
    dob, start: np.ndarray, end: np.ndarray, bands=AGE_BANDS
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Split intervals ``[start, end)`` by the age band the child is in on each day.

    Age in whole years (the child is ``lo`` from the ``lo``-th birthday; a 29 February birthday falls
    on 28 February in other years). Returns (starts, ends, band codes, labels), with ``len(bands) + 1``
    copies of the rows; rows without a date of birth go to :data:`AGE_UNKNOWN`.
    """
    dob_ts = pd.Series(pd.to_datetime(pd.Series(dob).to_numpy()), dtype="datetime64[ns]").reset_index(drop=True)
    no_dob = dob_ts.isna().to_numpy()
    labels = [b[0] for b in bands] + [AGE_UNKNOWN]
    s_parts, e_parts, g_parts = [], [], []
    for k, (_, lo, hi) in enumerate(bands):
        lo_ns = _ns(dob_ts + pd.DateOffset(years=lo))
        hi_ns = _ns(dob_ts + pd.DateOffset(years=hi + 1))
        s = np.where(no_dob, _NAT, np.maximum(start, lo_ns))
        s = np.where(start == _NAT, _NAT, s)
        s_parts.append(s)
        e_parts.append(np.minimum(end, np.where(no_dob, _NAT, hi_ns)))
        g_parts.append(np.full(len(start), k, dtype="int64"))
    s_parts.append(np.where(no_dob, start, _NAT))
    e_parts.append(end)
    g_parts.append(np.full(len(start), len(bands), dtype="int64"))
    return np.concatenate(s_parts), np.concatenate(e_parts), np.concatenate(g_parts), labels


def active_plans_by_age_band(plans: pd.DataFrame, dates, bands=AGE_BANDS) -> pd.DataFrame:
    """Active plans at each date by the child's age band at that date (columns: band labels + unknown).

    Age is whole years at the snapshot date from ``date_of_birth``. Units: plans. Columns add up to
    :func:`active_plans_at`.
    """
    d = as_dates(dates)
    start, end = plan_intervals(plans)
    s, e, g, labels = age_band_intervals(plans["date_of_birth"], start, end, bands)
    return _frame(interval_totals_at(s, e, d, g, len(labels)), d, labels, "age_band")


# ---------------------------------------------------------------------------------------------------
# Placements
# ---------------------------------------------------------------------------------------------------


def current_placements_at(plans: pd.DataFrame, placements: pd.DataFrame, dates) -> pd.DataFrame:
    """Current placements of active plans at each date by setting (columns: every contract setting).

    Units: placements (a plan with two overlapping current placements counts in both). Snapshot.
    """
    d = as_dates(dates)
    start, end = current_placement_intervals(plans, placements)
    grid = interval_totals_at(start, end, d, setting_codes(placements), len(schema.SETTING_CODES))
    return _frame(grid, d, schema.SETTING_CODES, "setting")


def plans_with_current_placement_at(plans: pd.DataFrame, placements: pd.DataFrame, dates) -> pd.Series:
    """Active plans with at least one current placement at each date. Units: plans. Snapshot.

    Overlapping placements of one plan are merged first (union of their intervals per plan), so a plan
    counts once. ``active_plans_at - this`` is the number of active plans with no current placement.
    """
    d = as_dates(dates)
    start, end = current_placement_intervals(plans, placements)
    row = plan_row_of_placements(plans, placements)
    counts = covered_plan_counts(start, end, row, d)
    return pd.Series(counts, index=d, name="plans_with_placement")


def covered_plan_counts(start: np.ndarray, end: np.ndarray, row: np.ndarray, dates) -> np.ndarray:
    """Number of distinct ``row`` values (plans) with at least one interval containing each date."""
    d = as_dates(dates)
    keep = (start != _NAT) & (end > start) & (row >= 0)
    if not keep.any():
        return np.zeros(len(d), dtype="int64")
    r, s, e = row[keep], start[keep], end[keep]
    in_order = bool(((r[1:] > r[:-1]) | ((r[1:] == r[:-1]) & (s[1:] >= s[:-1]))).all())
    if not in_order:  # extracts sorted by plan then start (the usual case) skip the sort
        order = np.lexsort((s, r))
        r, s, e = r[order], s[order], e[order]
    # Running maximum of ends within each plan, in whole days: key = plan * 2**22 + end day (open ends
    # as 2**22 - 1, days counted from 1790) keeps plans apart, so one np.maximum.accumulate serves all plans. A new merged
    # segment starts at a new plan or where the start is after every earlier end of that plan.
    span, offset = 1 << 22, 1 << 16  # days; offset: day 0 is in 1790
    e_day = np.where(e == _OPEN, span - 1, np.clip(e // _DAY_NS + offset, 0, span - 2))
    run_max = np.maximum.accumulate(r * span + e_day) - r * span
    s_day = s // _DAY_NS + offset
    new_seg = np.ones(len(r), dtype=bool)
    new_seg[1:] = (r[1:] != r[:-1]) | (s_day[1:] > run_max[:-1])
    first = np.flatnonzero(new_seg)
    seg_s = s[first]
    seg_e = np.maximum.reduceat(e, first)
    return interval_totals_at(seg_s, seg_e, d)[:, 0]
