"""The monthly series: every headline measure at every month end, computed in one vectorised pass.

Two frames, both sorted by month end:

- :func:`monthly_series` -> **wide headline frame**: one row per month end (index ``month_end``, a
  ``DatetimeIndex``), one column per measure (listed in :data:`SERIES_COLUMNS` with units);
- :func:`monthly_by_setting` -> **long breakdown frame**: one row per (month end, setting), with the
  setting's sector and group, current placements (all, and those with a recorded cost), committed
  cost (gross and net), new placements and mean cost per costed place. Sum it by ``sector`` or
  ``group`` for those breakdowns (recompute the mean as cost / costed, not as a mean of means).

Snapshot measures are at the month end (MI, see :mod:`sendlib.caseload`); flows (issued, ceased, new
placements) are the calendar month ending on that date. Money is annualised pounds; shares are % (0-100).
A placement with a blank annual_cost adds £0 to the cost sums and the MI average (whose denominator is
all active plans) but is left out of the mean cost per place (:mod:`sendlib.cost`).
The independent-sector columns use the INMSS definition; the ``_broad`` columns the broad one
(:mod:`sendlib.sector`).

Performance: each measure is a cumulative sum of start/end events located among the month ends by a
binary search / day lookup table (:func:`sendlib.caseload.interval_totals_at`): O(N) in rows plus
O(M x settings) for M months, never months x rows. National scale (about 0.9 million plans, 1.6 million
placements, 179 months): about 1 s; see ``benchmarks/README.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import caseload, cost, periods, schema, sector
from sendlib.extract import Extract

#: The first month end of monthly detail by default (April 2018), unless the data start later.
DEFAULT_START = pd.Timestamp("2018-04-30")

#: Columns of :func:`monthly_series`, with units.
SERIES_COLUMNS: dict[str, str] = {
    "ehcp_active": "active plans at month end (plans)",
    "ehcp_issued": "plans issued in the month (plans)",
    "ehcp_ceased": "plans ceased in the month (plans)",
    "plans_with_placement": "active plans with a current placement (plans)",
    "plans_without_placement": "active plans with no current placement (plans; cost 0 in the average)",
    "committed_cost": "committed annual cost of current placements, gross (pounds per year)",
    "committed_cost_net": "committed annual cost net of health and social care (pounds per year)",
    "partner_contribution": "health plus social-care contributions (pounds per year)",
    "partner_share_cost": "partner contributions / gross committed cost (%)",
    "avg_cost_per_ehcp": "MI average cost of an EHCP, gross (pounds per plan per year)",
    "avg_cost_per_ehcp_net": "MI average cost of an EHCP, net (pounds per plan per year)",
    "special_school_placements": "current placements in special schools (placements)",
    "independent_placements": "INMSS placements (placements)",
    "independent_share_count": "INMSS placements / active plans (%)",
    "independent_share_special": "INMSS placements / special-school placements (%)",
    "independent_cost": "committed annual cost of INMSS placements, gross (pounds per year)",
    "independent_share_cost": "INMSS cost / gross committed cost (%)",
    "independent_new_placements": "INMSS placements starting in the month (placements)",
    "independent_placements_broad": "broad independent placements (placements)",
    "independent_share_count_broad": "broad independent placements / active plans (%)",
    "independent_share_special_broad": "independent special placements / special-school placements (%)",
    "independent_cost_broad": "committed annual cost of broad independent placements (pounds per year)",
    "independent_share_cost_broad": "broad independent cost / gross committed cost (%)",
    "independent_new_placements_broad": "broad independent placements starting in the month (placements)",
}


def default_end(extract: Extract) -> pd.Timestamp:
    """The last full month of ``extract.as_of``; without as_of, of the latest issue/cease/start date."""
    if extract.as_of is not None:
        return periods.last_full_month(extract.as_of)
    latest = max(
        extract.plans["issued_on"].max(),
        extract.plans["ceased_on"].max(),
        extract.placements["start_on"].max(),
        key=lambda x: pd.Timestamp.min if pd.isna(x) else x,
    )
    if pd.isna(latest):
        raise ValueError("the extract has no dates: give start and end explicitly")
    return periods.last_full_month(latest)


def default_start(extract: Extract) -> pd.Timestamp:
    """April 2018, or the month of the first plan issued when the data start later."""
    first = extract.plans["issued_on"].min()
    if pd.isna(first):
        return DEFAULT_START
    return max(DEFAULT_START, periods.month_end(first))


def series_months(extract: Extract, start=None, end=None) -> pd.DatetimeIndex:
    """Month ends from ``start`` (default :func:`default_start`) to ``end`` (default :func:`default_end`)."""
    s = default_start(extract) if start is None else periods.month_end(start)
    e = default_end(extract) if end is None else periods.month_end(end)
    if e < s:
        raise ValueError(f"the series would end ({e.date()}) before it starts ({s.date()})")
    months = periods.month_ends(s, e).astype("datetime64[ns]")
    months.name = "month_end"
    return months


def _pct(num, den) -> np.ndarray:
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1.0), np.nan)


def monthly_series(extract: Extract, start=None, end=None) -> pd.DataFrame:
    """The wide headline frame: one row per month end from ``start`` to ``end`` (see module docstring).

    ``start``/``end``: any date in the first/last month (default April 2018 or the first month with
    data, to the extract's last full month). Columns and units: :data:`SERIES_COLUMNS`.
    """
    me = series_months(extract, start, end)
    plans = extract.plans
    arr = cost.placement_arrays(extract)
    n_set = len(schema.SETTING_CODES)

    p_start, p_end = caseload.plan_intervals(plans)
    active = caseload.interval_totals_at(p_start, p_end, me)[:, 0]
    issued = caseload.plans_issued_by_month(plans, me).to_numpy()
    ceased = caseload.plans_ceased_by_month(plans, me).to_numpy()
    placed = caseload.covered_plan_counts(arr.start, arr.end, arr.plan_row, me)

    counts, gross, net = caseload.interval_grids(
        arr.start, arr.end, me, arr.setting, n_set, [None, arr.gross, arr.net]
    )
    new = caseload.events_in_months(caseload._ns(extract.placements["start_on"]), me, arr.setting, n_set)

    total_gross = gross.sum(axis=1)
    total_net = net.sum(axis=1)
    special = sector.setting_mask(schema.SPECIAL_SCHOOL_SETTINGS)
    special_count = counts[:, special].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        den = np.where(active > 0, active, np.nan)
        cols: dict[str, np.ndarray] = {
            "ehcp_active": active,
            "ehcp_issued": issued,
            "ehcp_ceased": ceased,
            "plans_with_placement": placed,
            "plans_without_placement": active - placed,
            "committed_cost": total_gross,
            "committed_cost_net": total_net,
            "partner_contribution": total_gross - total_net,
            "partner_share_cost": _pct(total_gross - total_net, total_gross),
            "avg_cost_per_ehcp": total_gross / den,
            "avg_cost_per_ehcp_net": total_net / den,
            "special_school_placements": special_count,
        }
    for definition, suffix in (("inmss", ""), ("broad", "_broad")):
        mask = sector.setting_mask(sector.independent_settings(definition))
        ind = counts[:, mask].sum(axis=1)
        ind_cost = gross[:, mask].sum(axis=1)
        cols[f"independent_placements{suffix}"] = ind
        cols[f"independent_share_count{suffix}"] = _pct(ind, active)
        cols[f"independent_share_special{suffix}"] = _pct(counts[:, mask & special].sum(axis=1), special_count)
        cols[f"independent_cost{suffix}"] = ind_cost
        cols[f"independent_share_cost{suffix}"] = _pct(ind_cost, total_gross)
        cols[f"independent_new_placements{suffix}"] = new[:, mask].sum(axis=1)
    out = pd.DataFrame(cols, index=me)
    return out[list(SERIES_COLUMNS)]


def monthly_by_setting(extract: Extract, start=None, end=None, all_settings: bool = False) -> pd.DataFrame:
    """The long breakdown frame: one row per (month end, setting), sorted by month end then setting.

    Columns: ``month_end``, ``setting``, ``sector``, ``group``, ``active`` (current placements of active
    plans at the month end), ``costed`` (those of them with a recorded annual_cost), ``cost`` and
    ``cost_net`` (committed annual pounds, gross and net; a blank cost adds 0), ``new_placements``
    (starting in the calendar month), ``avg_cost_per_place`` (cost / costed: pounds per costed place
    per year, gross; NaN where no current placement has a cost). Settings with no placement in the
    whole range are left out unless ``all_settings``.
    """
    me = series_months(extract, start, end)
    arr = cost.placement_arrays(extract)
    n_set = len(schema.SETTING_CODES)
    counts, costed, gross, net = caseload.interval_grids(
        arr.start, arr.end, me, arr.setting, n_set, [None, arr.costed.astype("float64"), arr.gross, arr.net]
    )
    costed = np.rint(costed).astype("int64")
    new = caseload.events_in_months(caseload._ns(extract.placements["start_on"]), me, arr.setting, n_set)
    keep = np.ones(n_set, dtype=bool) if all_settings else (counts.any(axis=0) | new.any(axis=0))
    settings = np.array(schema.SETTING_CODES)[keep]
    m, k = len(me), int(keep.sum())
    out = pd.DataFrame(
        {
            "month_end": np.repeat(me.to_numpy(), k),
            "setting": np.tile(settings, m),
            "sector": np.tile([schema.SETTING_SECTOR[s] for s in settings], m),
            "group": np.tile([schema.SETTING_GROUP[s] for s in settings], m),
            "active": counts[:, keep].ravel(),
            "costed": costed[:, keep].ravel(),
            "cost": gross[:, keep].ravel(),
            "cost_net": net[:, keep].ravel(),
            "new_placements": new[:, keep].ravel(),
        }
    )
    out["avg_cost_per_place"] = out["cost"] / out["costed"].where(out["costed"] > 0)
    for col in ("setting", "sector", "group"):
        out[col] = out[col].astype("string")
    return out
