"""High Needs Block placement spend: actual, forecast along the caseload paths, the financial-year
outturn against budget, and the cumulative deficit against the Safety Valve plan (pounds)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sendlib import caseload, periods, schema
from sendlib.extract import Extract
from sendlib.forecast.model import WINDOW_MONTHS, CaseloadForecast, Scenario
from sendlib.forecast.project import forecast_caseload

# ---------------------------------------------------------------------------------------------------
# Spend
# ---------------------------------------------------------------------------------------------------


def monthly_placement_spend(extract: Extract, month_ends) -> pd.Series:
    """High Needs Block placement spend per month: net committed annual cost at month end / 12 (pounds).

    Net of health and social-care contributions (the HNB's share). Period: calendar month (accrual
    approximation from the month-end commitment).
    """
    from sendlib import cost

    me = pd.DatetimeIndex([periods.month_end(d) for d in caseload.as_dates(month_ends)])
    return (cost.committed_cost_at(extract, me, net=True) / 12.0).rename("placement_spend")


def _mean_cost_of_first(cost: np.ndarray, selections: list[np.ndarray]) -> float:
    """Mean of ``cost`` over the first boolean selection that picks any row (pounds); 0.0 if none does."""
    for chosen in selections:
        if chosen.any():
            return float(cost[chosen].mean())
    return 0.0


def new_placement_costs(extract: Extract, as_of, window_months: int = WINDOW_MONTHS) -> dict:
    """Recent new placements (start_on in the window to ``as_of``): share and mean net annual cost.

    Returns ``independent_share`` (0-1, by count, INMSS definition; denominator: every placement in the
    window, costed or not), ``cost_independent`` and ``cost_other`` (mean net annual pounds per
    placement; net = annual_cost - health - social care, as :func:`sendlib.cost.placement_arrays`
    takes it). Falls back to all current placements at ``as_of`` (start_on <= as_of <= end_on or
    end_on blank) when no placement started in the window.

    Denominator of the means: **costed** placements only. A placement with a blank annual_cost (kept
    by the loader with a ``missing_cost`` warning) is a missing value, not a £0 place, so it is left
    out of the mean (it still counts in the share). When every placement of a sector in the window is
    uncosted, that sector's mean is taken over its costed current placements at ``as_of`` instead;
    0.0 when it has none (or no placement in the window at all).
    """
    from sendlib import cost

    p = extract.placements
    as_of = pd.Timestamp(as_of)
    arr = cost.placement_arrays(extract)
    start, end = p["start_on"], p["end_on"]
    recent = (
        ((start > as_of - pd.DateOffset(months=window_months)) & (start <= as_of))
        .fillna(False)
        .to_numpy(bool)
    )
    current = ((start <= as_of) & (end.isna() | (end >= as_of))).fillna(False).to_numpy(bool)
    inside = recent if recent.any() else current
    ind = p["setting"].isin(schema.INDEPENDENT_SETTINGS_INMSS).fillna(False).to_numpy(bool)
    out = {}
    for key, group in (("cost_independent", ind), ("cost_other", ~ind)):
        used = inside & group
        out[key] = (
            _mean_cost_of_first(arr.net, [used & arr.costed, current & group & arr.costed]) if used.any() else 0.0
        )
    n_ind = int((inside & ind).sum())
    n_all = int(inside.sum())
    return {"independent_share": n_ind / n_all if n_all else 0.0, **out}


@dataclass
class SpendForecast:
    """Financial-year high-needs spend (pounds). ``monthly``: placement spend April-March (``spend``:
    actual to ``as_of`` then forecast, ``low80``/``high80``/``low95``/``high95`` for forecast months,
    ``is_actual``). ``placement_outturn``: the year's placement spend; ``other_spend``: budget.csv's
    ``other_high_needs_spend`` for the year (0.0 when not given); ``outturn`` = placement_outturn +
    other_spend, with its intervals (the other spend is a fixed input, so it shifts them); the budget,
    the overspend (outturn - budget) and the overspend beyond the Safety Valve cap."""

    financial_year: str
    monthly: pd.DataFrame
    placement_outturn: float
    other_spend: float
    outturn: float
    outturn_low80: float
    outturn_high80: float
    outturn_low95: float
    outturn_high95: float
    budget: float | None
    cap: float | None
    overspend: float | None
    overspend_vs_cap: float | None
    unit_costs: dict


def _other_spend(row: pd.Series | None) -> float:
    """budget.csv's ``other_high_needs_spend`` for the year (pounds); 0.0 when absent or blank."""
    if row is None or "other_high_needs_spend" not in row.index or pd.isna(row["other_high_needs_spend"]):
        return 0.0
    return float(row["other_high_needs_spend"])


def _budget_row(budget: pd.DataFrame | None, fy: str) -> pd.Series | None:
    if budget is None or budget.empty:
        return None
    rows = budget[budget["financial_year"].astype(str).map(periods.normalise_financial_year) == fy]
    return None if rows.empty else rows.iloc[0]


def new_placement_sample(extract: Extract, as_of, window_months: int = WINDOW_MONTHS) -> pd.DataFrame:
    """The recent new placements :func:`spend_paths` resamples: ``net_cost`` (net annual pounds) and
    ``independent`` (INMSS) of every **costed** placement started in the window to ``as_of`` (the
    current placements at ``as_of`` when none started in it, as :func:`new_placement_costs`). A
    placement with a blank annual_cost is left out: its cost is unknown, not £0."""
    from sendlib import cost

    p = extract.placements
    as_of = pd.Timestamp(as_of)
    arr = cost.placement_arrays(extract)
    start, end = p["start_on"], p["end_on"]
    recent = ((start > as_of - pd.DateOffset(months=window_months)) & (start <= as_of)).fillna(False).to_numpy(bool)
    current = ((start <= as_of) & (end.isna() | (end >= as_of))).fillna(False).to_numpy(bool)
    chosen = (recent if recent.any() else current) & arr.costed
    ind = p["setting"].isin(schema.INDEPENDENT_SETTINGS_INMSS).fillna(False).to_numpy(bool)
    return pd.DataFrame({"net_cost": arr.net[chosen], "independent": ind[chosen]})


def _mix_cost(n_ind, sum_ind, n_other, sum_other, share, fallback: tuple[float, float]) -> np.ndarray:
    """share x mean INMSS cost + (1 - share) x mean other cost (pounds); a sector not drawn takes its
    ``fallback`` mean."""
    ci = np.where(n_ind > 0, sum_ind / np.maximum(n_ind, 1), fallback[0])
    co = np.where(n_other > 0, sum_other / np.maximum(n_other, 1), fallback[1])
    return share * ci + (1 - share) * co


def unit_cost_draws(
    sample: pd.DataFrame, n_sims: int, gen: np.random.Generator, share: float | None = None
) -> np.ndarray:
    """Change in the cost of a new plan for each of ``n_sims`` paths (pounds per plan per year), from a
    bootstrap of ``sample`` (:func:`new_placement_sample`): each path redraws as many placements as
    the sample holds, with replacement, setting and cost together, and takes the resample's cost of a
    new plan (INMSS share of the resample, or ``share`` when a scenario fixes it, x its mean INMSS cost
    + the rest x its mean other cost) minus the sample's own. Zeros when the sample is empty."""
    n = len(sample)
    if n == 0 or n_sims == 0:
        return np.zeros(n_sims)
    cost_ = sample["net_cost"].to_numpy(dtype=float)
    ind = sample["independent"].to_numpy(bool)
    n_ind, sum_ind = float(ind.sum()), float(cost_[ind].sum())
    n_oth, sum_oth = float(n - n_ind), float(cost_[~ind].sum())
    fallback = (sum_ind / n_ind if n_ind else 0.0, sum_oth / n_oth if n_oth else 0.0)
    own = _mix_cost(n_ind, sum_ind, n_oth, sum_oth, n_ind / n if share is None else share, fallback)
    out = np.empty(n_sims)
    chunk = max(1, 2_000_000 // n)  # paths per block of draws, to bound memory at national scale
    for lo in range(0, n_sims, chunk):
        idx = gen.integers(0, n, size=(min(chunk, n_sims - lo), n))
        d_ind = ind[idx]
        d_cost = cost_[idx]
        k_ind = d_ind.sum(axis=1)
        s_ind = np.where(d_ind, d_cost, 0.0).sum(axis=1)
        s_all = d_cost.sum(axis=1)
        mix = k_ind / n if share is None else share
        out[lo : lo + len(idx)] = _mix_cost(k_ind, s_ind, n - k_ind, s_all - s_ind, mix, fallback) - own
    return out


def spend_paths(extract: Extract, forecast: CaseloadForecast) -> tuple[np.ndarray, dict]:
    """Monthly placement spend (pounds) along every simulated path, shape (1 + n_sims, months); row 0 is
    central. Also returns the unit costs used (``avg_cost``, ``cost_new``, shares, inflation, and
    ``cost_new_low80`` / ``cost_new_high80``: the 10th and 90th percentiles of the paths' cost of a new
    plan).

    Row 0 prices new plans at :func:`new_placement_costs`' ``cost_new``; every other path at
    ``cost_new`` + its own :func:`unit_cost_draws` change (unit-cost uncertainty: the mix of new
    placements by setting and their cost, resampled from the recent costed new placements), drawn from
    the forecast seed's unit-cost stream, so the spend intervals carry caseload and unit-cost
    uncertainty together."""
    from sendlib import config, cost
    from sendlib.forecast.model import STREAMS

    as_of = forecast.model.as_of
    c0 = float(cost.committed_cost_at(extract, [as_of], net=True).iloc[0])
    active0 = forecast.model.active
    avg0 = c0 / active0 if active0 else 0.0
    units = new_placement_costs(extract, as_of)
    share = (
        units["independent_share"]
        if forecast.scenario.independent_share is None
        else forecast.scenario.independent_share
    )
    cost_new = share * units["cost_independent"] + (1 - share) * units["cost_other"]
    n_sims = forecast.paths_new.shape[0] - 1
    gen = config.rng_streams(forecast.seed, len(STREAMS))[STREAMS.index("unit_cost")]
    draws = unit_cost_draws(new_placement_sample(extract, as_of), n_sims, gen, forecast.scenario.independent_share)
    cost_paths = cost_new + np.concatenate([[0.0], draws])
    k = np.arange(1, forecast.frame.shape[0] + 1)
    inflation = (1.0 + forecast.scenario.cost_inflation) ** (k / 12.0)
    committed = (
        c0
        - np.cumsum(forecast.paths_ceased, axis=1) * avg0
        + np.cumsum(forecast.paths_new, axis=1) * cost_paths[:, None]
    )
    used = {"avg_cost": avg0, "cost_new": cost_new, "independent_share": share, **units}
    used["cost_inflation"] = forecast.scenario.cost_inflation
    sims = cost_paths[1:] if n_sims else cost_paths
    used["cost_new_low80"], used["cost_new_high80"] = (float(q) for q in np.quantile(sims, [0.10, 0.90]))
    return committed * inflation / 12.0, used


def forecast_fy_spend(
    extract: Extract, as_of=None, forecast: CaseloadForecast | None = None, scenario: Scenario | None = None
) -> SpendForecast:
    """Forecast outturn of the financial year containing ``as_of`` (pounds), against ``budget.csv``:
    actual monthly placement spend April to ``as_of`` plus forecast placement spend to March, plus the
    year's ``other_high_needs_spend`` from budget.csv when given (see the module docstring).

    ``overspend`` = outturn - hnb_budget; ``overspend_vs_cap`` = overspend - safety_valve_overspend_cap
    (positive: beyond what the Safety Valve allows). Polarity: lower is better.
    """
    if forecast is None:
        forecast = forecast_caseload(extract, as_of, scenario=scenario)
    as_of = forecast.model.as_of
    fy = periods.financial_year(as_of)
    fy_months = periods.month_ends(periods.financial_year_start(as_of), periods.financial_year_end(as_of))
    actual_months = fy_months[fy_months <= as_of]
    actual = monthly_placement_spend(extract, actual_months)
    paths, units = spend_paths(extract, forecast)
    ahead = forecast.frame.index.isin(fy_months)
    future = paths[:, ahead]
    row = _budget_row(extract.budget, fy)
    other = _other_spend(row)
    placement_totals = actual.sum() + future.sum(axis=1)
    totals = placement_totals + other
    sims = totals[1:] if len(totals) > 1 else totals
    monthly = pd.DataFrame(index=pd.DatetimeIndex(fy_months, name="month_end"))
    monthly["is_actual"] = monthly.index <= as_of
    monthly["spend"] = np.concatenate([actual.to_numpy(), future[0]])
    for name, q in (("low80", 0.10), ("high80", 0.90), ("low95", 0.025), ("high95", 0.975)):
        monthly[name] = (
            np.concatenate([actual.to_numpy(), np.quantile(future[1:], q, axis=0)])
            if len(future) > 1
            else monthly["spend"]
        )
    budget_value = None if row is None else float(row["hnb_budget"])
    cap = None if row is None else float(row["safety_valve_overspend_cap"])
    outturn = float(totals[0])
    overspend = None if budget_value is None else outturn - budget_value
    return SpendForecast(
        financial_year=fy,
        monthly=monthly,
        placement_outturn=float(placement_totals[0]),
        other_spend=other,
        outturn=outturn,
        outturn_low80=float(np.quantile(sims, 0.10)),
        outturn_high80=float(np.quantile(sims, 0.90)),
        outturn_low95=float(np.quantile(sims, 0.025)),
        outturn_high95=float(np.quantile(sims, 0.975)),
        budget=budget_value,
        cap=cap,
        overspend=overspend,
        overspend_vs_cap=None if overspend is None or cap is None else overspend - cap,
        unit_costs=units,
    )


def deficit_path(
    extract: Extract, as_of=None, scenario: Scenario | None = None, seed: int | None = None
) -> pd.DataFrame:
    """Cumulative High Needs deficit by financial year, forecast vs the Safety Valve plan (pounds).

    For every financial year in ``budget.csv`` from the first to the last: ``placement_spend`` (actual
    for past years, actual + forecast for the current one, forecast for later ones, with the caseload
    projected to the last budget year), ``other_high_needs_spend`` (budget.csv's, 0 when not given),
    ``spend`` = their sum, ``hnb_budget``, ``in_year_deficit`` = spend - budget,
    ``safety_valve_contribution``, ``cumulative_deficit`` = running sum of (in-year deficit - DfE
    contribution); the plan: ``planned_deficit`` (in-year, as budget.csv gives it) and
    ``planned_cumulative_deficit`` = running sum of (planned deficit - contribution); and
    ``gap`` = cumulative - planned cumulative (positive: worse than plan). Empty when there is no budget.
    Assumption (stated, not in the data): the planned deficit is before the DfE contribution.
    """
    budget = extract.budget
    if budget is None or budget.empty:
        return pd.DataFrame()
    as_of = periods.last_full_month(extract.as_of if as_of is None else as_of)
    b = budget.copy()
    b["financial_year"] = b["financial_year"].astype(str).map(periods.normalise_financial_year)
    b = b.sort_values("financial_year").reset_index(drop=True)
    last_end = periods.financial_year_bounds(b["financial_year"].iloc[-1])[1]
    end = max(last_end, periods.financial_year_end(as_of))
    fc = forecast_caseload(extract, as_of, end=end, scenario=scenario, n_sims=0, seed=seed)
    paths, _ = spend_paths(extract, fc)
    future = pd.Series(paths[0], index=fc.frame.index)
    rows = []
    for fy in b["financial_year"]:
        start, stop = periods.financial_year_bounds(fy)
        months = periods.month_ends(start, stop)
        past = months[months <= as_of]
        spend = float(monthly_placement_spend(extract, past).sum()) if len(past) else 0.0
        spend += float(future[(future.index >= start) & (future.index <= stop)].sum())
        rows.append({"financial_year": fy, "placement_spend": spend})
    out = b.merge(pd.DataFrame(rows), on="financial_year")
    other = out["other_high_needs_spend"] if "other_high_needs_spend" in out else pd.Series(0.0, index=out.index)
    out["other_high_needs_spend"] = other.astype("float64").fillna(0.0)
    out["spend"] = out["placement_spend"] + out["other_high_needs_spend"]
    out["in_year_deficit"] = out["spend"] - out["hnb_budget"]
    contribution = out["safety_valve_contribution"].fillna(0.0)
    out["cumulative_deficit"] = (out["in_year_deficit"] - contribution).cumsum()
    out["planned_cumulative_deficit"] = (out["planned_deficit"].fillna(0.0) - contribution).cumsum()
    out["gap"] = out["cumulative_deficit"] - out["planned_cumulative_deficit"]
    cols = [
        "financial_year",
        "placement_spend",
        "other_high_needs_spend",
        "spend",
        "hnb_budget",
        "in_year_deficit",
        "safety_valve_contribution",
        "cumulative_deficit",
        "planned_deficit",
        "planned_cumulative_deficit",
        "gap",
    ]
    return out[cols].set_index("financial_year")
