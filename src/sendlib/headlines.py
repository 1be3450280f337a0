"""The month's headline figures as a flat, JSON-serialisable dict.

:func:`headlines` runs each function in :data:`SECTIONS` with ``(extract, period_end)`` and merges the
dicts they return (later sections may not overwrite earlier keys). Values are plain Python ``int``,
``float``, ``str``, ``bool`` or ``None`` (not available).

Units, by key naming:

- ``*_share_*`` and ``*_pct`` keys are percentages (0-100);
- ``*cost*`` keys are pounds: committed cost is annualised pounds per year; ``avg_cost_per_ehcp`` is the
  MI average (DOMAIN.md definition 1: committed cost of active plans / active plans at the month end,
  plans without a placement counted with 0), pounds per plan per year, gross of partner contributions
  (``_net`` keys: net of health and social care, the High Needs Block's share);
- everything else is a count (plans or placements);
- ``_prev_month`` is the previous month end; ``_change`` is this month minus the previous month;
- ``independent_*`` keys use the INMSS definition; ``*_broad`` keys the broad one (:mod:`sendlib.sector`).

Snapshot keys are at the period's month end (MI); flows (issued, ceased, new placements) are the
calendar month. :data:`UNITS` describes each key for tables.

Adding a section (e.g. the backlog engineer's overdue, timeliness and forecast keys) is a one-line change:
append ``"sendlib.backlog:headline_section"`` (a ``"module:function"`` string, imported lazily, or the
function itself) to :data:`SECTIONS`. The function takes ``(extract, period_end: pd.Timestamp)`` and
returns a flat dict of plain values; document its keys' units in its docstring and, optionally, add
them to :data:`UNITS` from its own module (``UNITS.update({...})``).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from sendlib import cost, periods
from sendlib.extract import Extract
from sendlib.series import monthly_series

Section = Callable[[Extract, pd.Timestamp], dict]

#: Key -> unit, for human-readable tables (keys not listed are shown as plain numbers).
UNITS: dict[str, str] = {
    "ehcp_active": "plans",
    "ehcp_active_prev_month": "plans",
    "ehcp_active_change": "plans",
    "ehcp_issued": "plans",
    "ehcp_ceased": "plans",
    "plans_without_placement": "plans",
    "committed_cost": "£ per year",
    "committed_cost_net": "£ per year",
    "partner_share_cost": "%",
    "avg_cost_per_ehcp": "£ per plan per year",
    "avg_cost_per_ehcp_prev_month": "£ per plan per year",
    "avg_cost_per_ehcp_change": "£ per plan per year",
    "avg_cost_per_ehcp_net": "£ per plan per year",
    "avg_cost_change_mix": "£ per plan per year",
    "avg_cost_change_rate": "£ per plan per year",
    "avg_cost_change_interaction": "£ per plan per year",
    "avg_cost_falls_in_financial_year": "months",
    "avg_cost_per_ehcp_first_fall_in_financial_year": "yes/no",
    "independent_placements": "placements",
    "independent_placements_prev_month": "placements",
    "independent_share_count": "% of active plans",
    "independent_share_special": "% of special-school placements",
    "independent_cost": "£ per year",
    "independent_share_cost": "% of committed cost",
    "independent_new_placements": "placements",
    "independent_placements_broad": "placements",
    "independent_share_count_broad": "% of active plans",
    "independent_share_cost_broad": "% of committed cost",
}


def plain(value):
    """A JSON-friendly Python scalar: numpy numbers to int/float, NaN/NaT/NA to None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return None if math.isnan(v) else v
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return value


def _money(x) -> float | None:
    v = plain(x)
    return None if v is None else round(float(v), 2)


def _pct(x) -> float | None:
    v = plain(x)
    return None if v is None else round(float(v), 4)


def period_section(extract: Extract, period_end: pd.Timestamp) -> dict:
    """The period: ``period`` (YYYY-MM), ``period_end``, ``financial_year``, ``financial_month``, ``as_of``."""
    return {
        "period": periods.period_label(period_end),
        "period_end": period_end.strftime("%Y-%m-%d"),
        "financial_year": periods.financial_year(period_end),
        "financial_month": periods.financial_month(period_end),
        "as_of": None if extract.as_of is None else pd.Timestamp(extract.as_of).strftime("%Y-%m-%d"),
    }


def engine_section(extract: Extract, period_end: pd.Timestamp) -> dict:
    """Caseload, cost and independent-sector keys from :func:`sendlib.series.monthly_series`.

    Computes the series from the month before the financial year's April to the period, so the
    average-cost falls within the financial year can be counted.
    """
    fy_start = periods.financial_year_start(period_end)
    first = min(period_end - pd.offsets.MonthEnd(1), fy_start - pd.offsets.MonthEnd(1))
    s = monthly_series(extract, start=first, end=period_end)
    # column by column (a row of the frame would upcast the counts to float)
    cur = {c: s[c].iloc[-1] for c in s.columns}
    prev = {c: s[c].iloc[-2] for c in s.columns}
    in_fy = s["avg_cost_per_ehcp"].diff()[s.index >= fy_start]
    falls = int((in_fy < 0).sum())
    this_fall = bool(in_fy.iloc[-1] < 0) if len(in_fy) else False
    return {
        "ehcp_active": plain(cur["ehcp_active"]),
        "ehcp_active_prev_month": plain(prev["ehcp_active"]),
        "ehcp_active_change": plain(cur["ehcp_active"] - prev["ehcp_active"]),
        "ehcp_issued": plain(cur["ehcp_issued"]),
        "ehcp_ceased": plain(cur["ehcp_ceased"]),
        "plans_without_placement": plain(cur["plans_without_placement"]),
        "committed_cost": _money(cur["committed_cost"]),
        "committed_cost_net": _money(cur["committed_cost_net"]),
        "partner_share_cost": _pct(cur["partner_share_cost"]),
        "avg_cost_per_ehcp": _money(cur["avg_cost_per_ehcp"]),
        "avg_cost_per_ehcp_prev_month": _money(prev["avg_cost_per_ehcp"]),
        "avg_cost_per_ehcp_change": _money(cur["avg_cost_per_ehcp"] - prev["avg_cost_per_ehcp"]),
        "avg_cost_per_ehcp_net": _money(cur["avg_cost_per_ehcp_net"]),
        "avg_cost_falls_in_financial_year": falls,
        "avg_cost_per_ehcp_first_fall_in_financial_year": this_fall and falls == 1,
        "independent_placements": plain(cur["independent_placements"]),
        "independent_placements_prev_month": plain(prev["independent_placements"]),
        "independent_share_count": _pct(cur["independent_share_count"]),
        "independent_share_special": _pct(cur["independent_share_special"]),
        "independent_cost": _money(cur["independent_cost"]),
        "independent_share_cost": _pct(cur["independent_share_cost"]),
        "independent_new_placements": plain(cur["independent_new_placements"]),
        "independent_placements_broad": plain(cur["independent_placements_broad"]),
        "independent_share_count_broad": _pct(cur["independent_share_count_broad"]),
        "independent_share_cost_broad": _pct(cur["independent_share_cost_broad"]),
    }


def cost_change_section(extract: Extract, period_end: pd.Timestamp) -> dict:
    """Shift-share split of the month's change in the MI average cost by setting (pounds per plan)."""
    dec = cost.average_cost_change_decomposition(extract, period_end)
    return {
        "avg_cost_change_mix": _money(dec.mix),
        "avg_cost_change_rate": _money(dec.rate),
        "avg_cost_change_interaction": _money(dec.interaction),
    }


#: The headline sections, in order. Append one entry to add keys (see the module docstring).
SECTIONS: list[Section | str] = [
    period_section,
    engine_section,
    cost_change_section,
    "sendlib.forecast:headline_section",  # backlog, timeliness, forecast and spend keys
    "sendlib.outlook:headline_section",  # Safety Valve outlook: deficit path, zero year, panel
]


def resolve_section(entry: Section | str) -> Section:
    """A section function from a callable or a ``"module:function"`` string."""
    if callable(entry):
        return entry
    module, _, name = str(entry).partition(":")
    return getattr(importlib.import_module(module), name)


def headlines(extract: Extract, period=None) -> dict:
    """The headline figures for the month ``period`` (``"YYYY-MM"`` or a date; default: the extract's
    last full month, :func:`sendlib.periods.last_full_month` of ``extract.as_of``). See the module
    docstring for keys and units."""
    if period is None:
        if extract.as_of is None:
            raise ValueError("the extract has no as_of date: give the period, e.g. period='2024-11'")
        period_end = periods.last_full_month(extract.as_of)
    elif isinstance(period, str):
        period_end = periods.parse_period(period)
    else:
        period_end = periods.month_end(period)
    out: dict = {}
    for entry in SECTIONS:
        section = resolve_section(entry)
        for key, value in section(extract, period_end).items():
            if key in out:
                raise ValueError(f"headline key {key!r} from {section.__name__} is already set by another section")
            out[key] = plain(value)
    return out


def format_table(values: dict) -> str:
    """A human-readable two-column table of the headlines (numbers with thousands separators)."""
    width = max((len(k) for k in values), default=0)
    lines = []
    for key, value in values.items():
        unit = UNITS.get(key, "")
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, int):
            text = f"{value:,}"
        elif isinstance(value, float):
            text = (f"{value:,.1f}" if "%" in unit else f"{value:,.0f}" if unit == "plans"
                    else f"{value:,.2f}")  # forecast plans are whole (forecast.in_whole_plans)
        else:
            text = "n/a" if value is None else str(value)
        lines.append(f"{key:<{width}}  {text:>18}  {unit}".rstrip())
    return "\n".join(lines)
