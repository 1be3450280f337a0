"""Cost of EHC plans: committed cost, the three average-cost definitions, and the shift-share split.

Definitions (the three "average cost" figures in use; always say which one a figure uses):

1. **MI average cost of an EHCP** (:func:`average_cost_per_ehcp`): the annualised committed placement
   cost of the active plans at a month end divided by the number of active plans at that month end.
   A plan with no current costed placement counts in the denominator with cost 0. Month-end snapshot;
   pounds per plan per year. Its month-on-month change splits into mix, rate and interaction effects
   (:func:`average_cost_change_decomposition`).
2. **Funding-formula £ per EHCP** (:func:`cost_per_ehcp_funding_formula`): a financial year's high-needs
   outturn divided by the January census count inside that year (FY 2023-24 with January 2024).
   Includes non-placement spend, so it overstates the cost per plan.
3. **Cost per place by setting** (:func:`cost_per_place_by_setting`): mean annual cost of the current
   *costed* placements in each setting type at a date; pounds per placement per year.

**Committed cost** at d (:func:`committed_cost_at`): sum of ``annual_cost`` (annual pounds: placement and
top-up, no transport) of the current placements of active plans at d (see :mod:`sendlib.caseload` for
"current" and "active"; ``end_on`` is inclusive). **Gross** is the whole annual cost; **net** is
``annual_cost - health_contribution - social_care_contribution``, the part that falls on the High Needs
Block; the **partner-funded share** is (gross - net) / gross in %. A plan with two overlapping current
placements carries both costs.

**Blank annual_cost** (the loader keeps the row with a ``missing_cost`` warning): the placement is
*uncosted*. It adds £0 to every sum (committed cost, the MI average, whose denominator is all active
plans, cost shares), but it is left out of every mean cost per placement
(definition 3, the shift-share rates, the forecast's unit costs): their denominators count only
*costed* placements, so a missing cost never reads as a £0 place. A blank health or social-care
contribution is read as £0 by the loader (nothing paid).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sendlib import caseload, periods, schema
from sendlib.extract import Extract

HEALTH = "health_contribution"
SOCIAL_CARE = "social_care_contribution"
NO_PLACEMENT = "no_placement"
#: Shift-share category for current placements with a blank annual_cost (£0 in the MI average).
COST_NOT_RECORDED = "cost_not_recorded"
#: Ways to group settings: contract setting code, sector (who runs it) or group (DfE total).
CATEGORIES = ("setting", "sector", "group")


# ---------------------------------------------------------------------------------------------------
# Placement arrays shared by the cost, sector and series modules
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementArrays:
    """Placements as arrays: the days each is a current placement of an active plan, and its costs.

    ``start``/``end``: int64 ns, half-open ``[start, end)``; ``setting``: index into
    ``schema.SETTING_CODES``; ``gross``/``net``: annual pounds, 0.0 where ``annual_cost`` is blank;
    ``costed``: True where ``annual_cost`` is recorded (the rows that count in a mean cost per
    placement); ``start_on``: the raw start date (ns). Aligned with ``extract.placements`` rows.
    """

    start: np.ndarray
    end: np.ndarray
    setting: np.ndarray
    gross: np.ndarray
    net: np.ndarray
    costed: np.ndarray
    start_on: np.ndarray
    plan_row: np.ndarray

    def cost(self, net: bool = False) -> np.ndarray:
        return self.net if net else self.gross


def placement_arrays(extract: Extract) -> PlacementArrays:
    """The placements of ``extract`` as :class:`PlacementArrays` (computed once, O(N)).

    Net = annual_cost - health_contribution - social_care_contribution (a missing contribution column
    or blank value is 0). A blank annual_cost gives gross = net = 0.0 and ``costed`` False, whatever the
    contributions (a contribution to an unknown cost cannot make the High Needs cost negative).
    """
    pl = extract.placements
    row = caseload.plan_row_of_placements(extract.plans, pl)
    start, end = caseload.current_placement_intervals(extract.plans, pl, row)
    raw = pl["annual_cost"].to_numpy(dtype="float64", na_value=np.nan)
    costed = ~np.isnan(raw)
    gross = np.where(costed, raw, 0.0)
    contrib = np.zeros(len(pl))
    for col in (HEALTH, SOCIAL_CARE):
        if col in pl.columns:
            contrib = contrib + np.nan_to_num(pl[col].to_numpy(dtype="float64", na_value=np.nan), nan=0.0)
    return PlacementArrays(
        start=start,
        end=end,
        setting=caseload.setting_codes(pl),
        gross=gross,
        net=np.where(costed, gross - contrib, 0.0),
        costed=costed,
        start_on=caseload._ns(pl["start_on"]),
        plan_row=row,
    )


def category_map(by: str) -> tuple[np.ndarray, list[str]]:
    """Map from setting index to category index for ``by`` in :data:`CATEGORIES`, and the labels."""
    if by == "setting":
        return np.arange(len(schema.SETTING_CODES)), list(schema.SETTING_CODES)
    if by == "sector":
        labels = list(schema.SECTORS)
        return np.array([labels.index(schema.SETTING_SECTOR[c]) for c in schema.SETTING_CODES]), labels
    if by == "group":
        labels = list(schema.GROUPS)
        return np.array([labels.index(schema.SETTING_GROUP[c]) for c in schema.SETTING_CODES]), labels
    raise ValueError(f"by must be one of {', '.join(CATEGORIES)}, not {by!r}")


def _by_setting(arr: PlacementArrays, d: pd.DatetimeIndex, weights: np.ndarray | None) -> np.ndarray:
    return caseload.interval_totals_at(arr.start, arr.end, d, arr.setting, len(schema.SETTING_CODES), weights)


# ---------------------------------------------------------------------------------------------------
# Committed cost
# ---------------------------------------------------------------------------------------------------


def committed_cost_at(extract: Extract, dates, net: bool = False) -> pd.Series:
    """Annualised committed placement cost of active plans at each date, pounds per year.

    Gross (``net=False``) or net of health and social-care contributions (``net=True``: the High Needs
    Block's share). Month-end (or any date) snapshot. Index: the dates.
    """
    d = caseload.as_dates(dates)
    arr = placement_arrays(extract)
    total = caseload.interval_totals_at(arr.start, arr.end, d, weights=arr.cost(net))[:, 0]
    return pd.Series(total, index=d, name="committed_cost_net" if net else "committed_cost")


def committed_cost_by_setting_at(extract: Extract, dates, net: bool = False) -> pd.DataFrame:
    """Committed annual cost (pounds) at each date by setting (columns: every contract setting)."""
    d = caseload.as_dates(dates)
    arr = placement_arrays(extract)
    return caseload._frame(_by_setting(arr, d, arr.cost(net)), d, schema.SETTING_CODES, "setting")


def partner_contribution_at(extract: Extract, dates) -> pd.Series:
    """Health plus social-care contributions to current placements at each date, pounds per year."""
    d = caseload.as_dates(dates)
    arr = placement_arrays(extract)
    total = caseload.interval_totals_at(arr.start, arr.end, d, weights=arr.gross - arr.net)[:, 0]
    return pd.Series(total, index=d, name="partner_contribution")


def partner_funded_share_at(extract: Extract, dates) -> pd.Series:
    """Share of the gross committed cost funded by health and social care, % (denominator: gross cost)."""
    gross = committed_cost_at(extract, dates)
    return (100.0 * partner_contribution_at(extract, dates) / gross.where(gross != 0)).rename(
        "partner_share_cost"
    )


# ---------------------------------------------------------------------------------------------------
# Definition 1: MI average cost of an EHCP
# ---------------------------------------------------------------------------------------------------


def average_cost_per_ehcp(extract: Extract, dates, net: bool = False) -> pd.Series:
    """MI average cost of an EHCP at each date: committed cost / active plans, pounds per plan per year.

    Numerator: annualised committed cost (gross, or net of partner contributions with ``net=True``) of
    the current placements of active plans. Denominator: active plans at the date, including plans
    with no current costed placement (they count with cost 0). Month-end snapshot. NaN where there are
    no active plans.
    """
    d = caseload.as_dates(dates)
    cost = committed_cost_at(extract, d, net=net)
    active = caseload.active_plans_at(extract.plans, d)
    name = "avg_cost_per_ehcp_net" if net else "avg_cost_per_ehcp"
    return (cost / active.where(active > 0)).rename(name)


# ---------------------------------------------------------------------------------------------------
# Definition 2: funding-formula £ per EHCP
# ---------------------------------------------------------------------------------------------------


def funding_formula_census_date(financial_year: str) -> pd.Timestamp:
    """The January census inside a financial year: ``"2023-24"`` -> 2024-01-31 (month-end convention)."""
    start, _ = periods.financial_year_bounds(financial_year)
    return periods.census_date(start.year + 1)


def cost_per_ehcp_funding_formula(outturn_pounds: float, january_census_count: int) -> float:
    """Funding-formula £ per EHCP: financial-year high-needs outturn / January census EHCP count.

    ``outturn_pounds``: the Section 251 high-needs outturn of a financial year (pounds);
    ``january_census_count``: EHCPs at the January census inside that year (FY 2023-24 with January 2024,
    see :func:`funding_formula_census_date`). Pounds per plan per financial year; includes non-placement
    spend, so it overstates the cost per plan.
    """
    count = float(january_census_count)
    if count <= 0:
        raise ValueError(f"january_census_count must be positive, got {january_census_count!r}")
    return float(outturn_pounds) / count


# ---------------------------------------------------------------------------------------------------
# Definition 3: cost per place by setting
# ---------------------------------------------------------------------------------------------------


def cost_per_place_at(extract: Extract, date, by: str = "setting", net: bool = False) -> pd.DataFrame:
    """Placements, total and mean annual cost (pounds per place per year) of current placements at a date.

    Grouped by ``setting`` (with its sector and group), ``sector`` or ``group``. Snapshot at ``date``.
    Columns: ``placements`` (current placements of active plans in the category, costed or not),
    ``costed_placements`` (those with a recorded annual_cost), ``total_cost`` (pounds per year, gross
    unless ``net``; a blank cost adds 0) and ``mean_cost`` = total_cost / costed_placements. The
    denominator is **costed placements only**: a blank annual_cost is a missing value, not a £0 place
    (unlike the MI average cost per EHCP, whose denominator is every active plan). ``mean_cost`` is
    NaN where no placement in the category has a cost. Only categories with at least one placement
    are listed.
    """
    d = caseload.as_dates([date])
    arr = placement_arrays(extract)
    cat, labels = category_map(by)
    counts, costed, cost = (
        grid[0]
        for grid in caseload.interval_grids(
            arr.start, arr.end, d, cat[arr.setting], len(labels), [None, arr.costed.astype("float64"), arr.cost(net)]
        )
    )
    out = pd.DataFrame(
        {"placements": counts, "costed_placements": np.rint(costed).astype("int64"), "total_cost": cost},
        index=pd.Index(labels, name=by),
    )
    out = out[out["placements"] > 0].copy()
    out["mean_cost"] = out["total_cost"] / out["costed_placements"].where(out["costed_placements"] > 0)
    if by == "setting":
        out.insert(0, "sector", [schema.SETTING_SECTOR[s] for s in out.index])
        out.insert(1, "group", [schema.SETTING_GROUP[s] for s in out.index])
    return out


def cost_per_place_by_setting(extract: Extract, date, net: bool = False) -> pd.DataFrame:
    """Definition 3: mean annual cost per current costed placement by setting at ``date`` (pounds per place).

    Columns: sector, group, placements, costed_placements, total_cost, mean_cost (= total_cost /
    costed_placements: placements with a blank annual_cost are not in the denominator). Snapshot at
    ``date``; see :func:`cost_per_place_at`.
    """
    return cost_per_place_at(extract, date, by="setting", net=net)


def cost_per_place_by_sector(extract: Extract, date, net: bool = False) -> pd.DataFrame:
    """Mean annual cost per current costed placement by sector at ``date`` (pounds per place per year).

    Denominator: costed placements only (see :func:`cost_per_place_at`)."""
    return cost_per_place_at(extract, date, by="sector", net=net)


# ---------------------------------------------------------------------------------------------------
# Cost by primary need and by age band
# ---------------------------------------------------------------------------------------------------


def committed_cost_by_need(extract: Extract, dates, net: bool = False) -> pd.DataFrame:
    """Committed annual cost (pounds) at each date by the plan's primary need (columns: need codes)."""
    d = caseload.as_dates(dates)
    arr = placement_arrays(extract)
    codes, labels = caseload._need_codes(extract.plans)
    has_plan = arr.plan_row >= 0
    g = np.where(has_plan, codes[np.where(has_plan, arr.plan_row, 0)], len(labels) - 1)
    grid = caseload.interval_totals_at(arr.start, arr.end, d, g, len(labels), arr.cost(net))
    return caseload._frame(grid, d, labels, "primary_need")


def average_cost_by_need(extract: Extract, dates, net: bool = False) -> pd.DataFrame:
    """MI average cost of an EHCP by primary need: committed cost / active plans with that need.

    Pounds per plan per year, month-end snapshot; plans without a placement count with 0; NaN where a
    need has no active plans.
    """
    cost = committed_cost_by_need(extract, dates, net)
    active = caseload.active_plans_by_need(extract.plans, dates)
    return cost / active.where(active > 0)


def committed_cost_by_age_band(extract: Extract, dates, net: bool = False, bands=caseload.AGE_BANDS) -> pd.DataFrame:
    """Committed annual cost (pounds) at each date by the child's age band at that date."""
    d = caseload.as_dates(dates)
    arr = placement_arrays(extract)
    dob = extract.plans["date_of_birth"].to_numpy(dtype="datetime64[ns]")
    has_plan = arr.plan_row >= 0
    pl_dob = np.where(has_plan, dob[np.where(has_plan, arr.plan_row, 0)], np.datetime64("NaT"))
    s, e, g, labels = caseload.age_band_intervals(pl_dob, arr.start, arr.end, bands)
    w = np.tile(arr.cost(net), len(labels))
    return caseload._frame(caseload.interval_totals_at(s, e, d, g, len(labels), w), d, labels, "age_band")


def average_cost_by_age_band(extract: Extract, dates, net: bool = False, bands=caseload.AGE_BANDS) -> pd.DataFrame:
    """MI average cost of an EHCP by age band: committed cost / active plans in the band (pounds/plan/yr)."""
    cost = committed_cost_by_age_band(extract, dates, net, bands)
    active = caseload.active_plans_by_age_band(extract.plans, dates, bands)
    return cost / active.where(active > 0)


# ---------------------------------------------------------------------------------------------------
# Shift-share decomposition of the month-on-month change in the MI average
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostChangeDecomposition:
    """Shift-share split of the change in the MI average cost between two month ends.

    With categories s (settings, sectors or groups, plus ``cost_not_recorded`` for current placements
    with a blank annual_cost and ``no_placement`` for active plans with no current placement, both at
    cost 0): ``A = sum_s w_s * r_s`` where ``w_s`` = placements in s per active plan and ``r_s`` = mean
    annual cost per costed placement in s (the denominator of ``A`` stays all active plans). Then ``A1 - A0 = mix + rate + interaction`` with
    ``mix = sum (w1 - w0) * r0``, ``rate = sum w0 * (r1 - r0)``, ``interaction = sum (w1 - w0)(r1 - r0)``.
    The identity is exact algebra; the float sums agree to rounding (about 1e-9 pounds). A category
    empty in one month takes the other month's rate, so its appearance or disappearance is pure mix.
    The ``w_s`` sum to 1 when no active plan has two overlapping current placements.
    ``by_category`` has one row per category with n0, n1, cost0, cost1, w0, w1, r0, r1, mix, rate,
    interaction, total (= w1 r1 - w0 r0). Pounds per plan per year.
    """

    previous: pd.Timestamp
    current: pd.Timestamp
    by: str
    net: bool
    average_previous: float
    average_current: float
    change: float
    mix: float
    rate: float
    interaction: float
    by_category: pd.DataFrame

    def as_dict(self) -> dict:
        """Plain-Python scalars (no frame): for headlines and JSON."""
        return {
            "previous": periods.period_label(self.previous),
            "current": periods.period_label(self.current),
            "by": self.by,
            "net": self.net,
            "average_previous": float(self.average_previous),
            "average_current": float(self.average_current),
            "change": float(self.change),
            "mix": float(self.mix),
            "rate": float(self.rate),
            "interaction": float(self.interaction),
        }


def shift_share(n0, n1, c0, c1, total0: float, total1: float) -> pd.DataFrame:
    """Shift-share parts per category from counts ``n`` and costs ``c`` and denominators ``total``.

    Returns a frame with n0, n1, cost0, cost1, w0, w1, r0, r1, mix, rate, interaction, total.
    """
    n0, n1, c0, c1 = (np.asarray(x, dtype="float64") for x in (n0, n1, c0, c1))
    w0 = n0 / total0 if total0 else np.zeros_like(n0)
    w1 = n1 / total1 if total1 else np.zeros_like(n1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r0 = np.where(n0 > 0, c0 / np.where(n0 > 0, n0, 1), np.nan)
        r1 = np.where(n1 > 0, c1 / np.where(n1 > 0, n1, 1), np.nan)
    r0 = np.where(np.isnan(r0), np.nan_to_num(r1), r0)
    r1 = np.where(np.isnan(r1), r0, r1)
    dw, dr = w1 - w0, r1 - r0
    return pd.DataFrame(
        {
            "n0": n0,
            "n1": n1,
            "cost0": c0,
            "cost1": c1,
            "w0": w0,
            "w1": w1,
            "r0": r0,
            "r1": r1,
            "mix": dw * r0,
            "rate": w0 * dr,
            "interaction": dw * dr,
            "total": w1 * r1 - w0 * r0,
        }
    )


def average_cost_change_decomposition(
    extract: Extract, month_end, by: str = "setting", net: bool = False, previous=None
) -> CostChangeDecomposition:
    """Split the change in the MI average cost from the previous month end to ``month_end``.

    ``previous`` defaults to the month end before ``month_end``. ``by``: ``setting`` (default),
    ``sector`` or ``group``. Gross cost unless ``net``. See :class:`CostChangeDecomposition`.
    """
    me = periods.month_end(month_end)
    prev = periods.month_end(me - pd.offsets.MonthBegin(1) - pd.Timedelta(days=1)) if previous is None else (
        pd.Timestamp(previous)
    )
    d = caseload.as_dates([prev, me])
    arr = placement_arrays(extract)
    cat, labels = category_map(by)
    labels = labels + [COST_NOT_RECORDED]
    g = np.where(arr.costed, cat[arr.setting], len(labels) - 1)
    counts, costs = caseload.interval_grids(arr.start, arr.end, d, g, len(labels), [None, arr.cost(net)])
    active = caseload.active_plans_at(extract.plans, d).to_numpy()
    placed = caseload.covered_plan_counts(arr.start, arr.end, arr.plan_row, d)
    none = active - placed
    n0 = np.append(counts[0], none[0])
    n1 = np.append(counts[1], none[1])
    c0 = np.append(costs[0], 0.0)
    c1 = np.append(costs[1], 0.0)
    parts = shift_share(n0, n1, c0, c1, float(active[0]), float(active[1]))
    parts.index = pd.Index(labels + [NO_PLACEMENT], name=by)
    parts = parts[(parts["n0"] > 0) | (parts["n1"] > 0)]
    a0 = float(costs[0].sum() / active[0]) if active[0] else float("nan")
    a1 = float(costs[1].sum() / active[1]) if active[1] else float("nan")
    return CostChangeDecomposition(
        previous=d[0],
        current=d[1],
        by=by,
        net=net,
        average_previous=a0,
        average_current=a1,
        change=a1 - a0,
        mix=float(parts["mix"].sum()),
        rate=float(parts["rate"].sum()),
        interaction=float(parts["interaction"].sum()),
        by_category=parts,
    )
