"""The caseload forecast against the Safety Valve plan trajectory, and the figures as published."""

from __future__ import annotations

import pandas as pd

from sendlib import periods
from sendlib.forecast.model import CaseloadForecast


def planned_ehcps_at(plan_trajectory: pd.DataFrame | None, date) -> float | None:
    """The Safety Valve plan's EHCP count for the month of ``date`` (None when not in the plan)."""
    if plan_trajectory is None or plan_trajectory.empty:
        return None
    months = plan_trajectory["month"].map(periods.month_end)
    hit = plan_trajectory.loc[(months == periods.month_end(date)).to_numpy(), "planned_ehcps"]
    return None if hit.empty else float(hit.iloc[0])


def forecast_vs_plan(forecast: CaseloadForecast, plan_trajectory: pd.DataFrame | None, date=None) -> dict:
    """Forecast, 80%/95% interval and the plan at ``date`` (default: the next January after ``as_of``).

    Returns ``date``, ``forecast``, ``low80``, ``high80``, ``low95``, ``high95``, ``plan`` and ``gap``
    (forecast - plan: plans above the Safety Valve trajectory; positive is worse). Plans at month end.
    """
    date = periods.next_january(forecast.model.as_of) if date is None else periods.month_end(date)
    if date not in forecast.frame.index:
        raise ValueError(f"{date:%Y-%m} is outside the forecast ({forecast.frame.index[0]:%Y-%m} onwards)")
    row = forecast.frame.loc[date]
    plan = planned_ehcps_at(plan_trajectory, date)
    out = {"date": date, **{k: float(row[k]) for k in ("low80", "high80", "low95", "high95")}}
    out["forecast"] = float(row["active"])
    out["plan"] = plan
    out["gap"] = None if plan is None else float(row["active"]) - plan
    return out


def in_whole_plans(vs: dict) -> dict:
    """:func:`forecast_vs_plan`'s figures as published: forecast, intervals and plan rounded to whole plans
    (floats), ``gap`` = rounded forecast - rounded plan, so the published figures add up.

    Rounded once, straight to whole plans: rounding to 0.1 first and then to whole plans for a table
    can move a figure by one (9,842.55 -> 9,842.5 -> 9,842, where 9,843 is right)."""
    def whole(v):
        return None if v is None or v != v else float(round(v))  # None and NaN: not available

    out = dict(vs)
    for key in ("forecast", "low80", "high80", "low95", "high95", "plan"):
        if key in vs:
            out[key] = whole(vs[key])
    if "gap" in vs:
        f, p = out.get("forecast"), out.get("plan")
        out["gap"] = None if f is None or p is None else f - p
    return out
