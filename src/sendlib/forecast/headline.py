"""The forecast's headline keys (caseload next January, financial-year spend)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import periods
from sendlib.extract import Extract
from sendlib.forecast.plan import forecast_vs_plan, in_whole_plans
from sendlib.forecast.project import forecast_caseload
from sendlib.forecast.spend import forecast_fy_spend

# ---------------------------------------------------------------------------------------------------
# Headlines
# ---------------------------------------------------------------------------------------------------


def headline_section(extract: Extract, period_end: pd.Timestamp) -> dict:
    """Forecast headline keys for the month ending ``period_end`` (units in :data:`HEADLINE_UNITS`).

    Plans at month end, whole plans (:func:`in_whole_plans`): ``ehcp_forecast_next_january`` with
    ``_low80`` / ``_high80``, ``ehcp_plan_next_january`` (Safety Valve plan) and
    ``ehcp_forecast_vs_plan`` (forecast - plan).
    Pounds, financial year containing the month: ``fy_forecast_spend`` (high-needs outturn: placement
    spend net of partner contributions plus budget.csv's other high-needs spend), split into
    ``fy_forecast_placement_spend`` and ``fy_other_high_needs_spend`` (0 when budget.csv has none);
    ``fy_budget``, ``fy_forecast_overspend``, ``fy_overspend_vs_cap``.
    The forecast uses only data dated on or before ``period_end``. The backlog and timeliness keys are
    :func:`sendlib.backlog.headline_section` and :func:`sendlib.timeliness.headline_section`.
    """
    pe = periods.month_end(period_end)
    fc = forecast_caseload(extract, pe)
    out: dict = {}
    vs = in_whole_plans(forecast_vs_plan(fc, extract.plan_trajectory))
    out |= {
        "ehcp_forecast_next_january": vs["forecast"],
        "ehcp_forecast_next_january_low80": vs["low80"],
        "ehcp_forecast_next_january_high80": vs["high80"],
        "ehcp_plan_next_january": vs["plan"],
        "ehcp_forecast_vs_plan": vs["gap"],
    }
    spend = forecast_fy_spend(extract, forecast=fc)
    out |= {
        "fy_forecast_spend": _round(spend.outturn, 2),
        "fy_forecast_placement_spend": _round(spend.placement_outturn, 2),
        "fy_other_high_needs_spend": _round(spend.other_spend, 2),
        "fy_budget": _round(spend.budget, 2),
        "fy_forecast_overspend": _round(spend.overspend, 2),
        "fy_overspend_vs_cap": _round(spend.overspend_vs_cap, 2),
    }
    return out


def _round(x, digits: int):
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) else round(x, digits)


#: Units of :func:`headline_section`'s keys (merged into :func:`sendlib.headlines.units`).
HEADLINE_UNITS = {
    "ehcp_forecast_next_january": "plans",
    "ehcp_forecast_next_january_low80": "plans",
    "ehcp_forecast_next_january_high80": "plans",
    "ehcp_plan_next_january": "plans",
    "ehcp_forecast_vs_plan": "plans",
    "fy_forecast_spend": "£",
    "fy_forecast_placement_spend": "£",
    "fy_other_high_needs_spend": "£",
    "fy_budget": "£",
    "fy_forecast_overspend": "£",
    "fy_overspend_vs_cap": "£",
}
