"""The month's headline figures as a flat, JSON-serialisable dict.

:func:`headlines` runs each function in :data:`SECTIONS` with ``(extract, period_end)`` and merges the
dicts they return (later sections may not overwrite earlier keys). Values are plain Python ``int``,
``float``, ``str``, ``bool`` or ``None`` (not available).

Units, by key naming:

- ``*_share_*`` and ``*_pct`` keys are percentages (0-100);
- ``*cost*`` keys are pounds: committed cost is annualised pounds per year; ``avg_cost_per_ehcp`` is the
  MI average (committed cost of active plans / active plans at the month end,
  plans without a placement counted with 0), pounds per plan per year, gross of partner contributions
  (``_net`` keys: net of health and social care, the High Needs Block's share);
- everything else is a count (plans or placements);
- ``_prev_month`` is the previous month end; ``_change`` is this month minus the previous month;
- ``independent_*`` keys use the INMSS definition; ``*_broad`` keys the broad one (:mod:`sendlib.sector`).

Snapshot keys are at the period's month end (MI); flows (issued, ceased, new placements) are the
calendar month. :func:`units` describes each key for tables.

Adding a section is a one-line change: append ``"sendlib.<module>:headline_section"`` (a
``"module:function"`` string, imported lazily) to :data:`SECTIONS`. The function takes
``(extract, period_end: pd.Timestamp)`` and returns a flat dict of plain values; its module publishes
the units of its keys as ``HEADLINE_UNITS: dict[str, str]``, which :func:`units` merges with this
module's :data:`UNITS` (a key defined twice is an error; no module edits another's dict).

Disclosure control of the headlines (which keys are hidden as ``[c]``) is here too:
:func:`suppressed_headlines`, with the links between figures in :data:`HEADLINE_DERIVED` and
:data:`HEADLINE_IDENTITIES`; :func:`headlines_frame` is the content of ``headlines.csv``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from sendlib import cost, formatting, periods
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
    "sendlib.backlog:headline_section",
    "sendlib.timeliness:headline_section",
    "sendlib.forecast:headline_section",
    "sendlib.outlook:headline_section",  # Safety Valve outlook: deficit path, zero year, panel
]


def units() -> dict[str, str]:
    """Key -> unit for every headline key: :data:`UNITS` merged with each section module's
    ``HEADLINE_UNITS``. :class:`ValueError` when two modules define the same key."""
    out = dict(UNITS)
    for entry in SECTIONS:
        if callable(entry):
            continue
        module = importlib.import_module(str(entry).partition(":")[0])
        for key, unit in getattr(module, "HEADLINE_UNITS", {}).items():
            if key in out:
                raise ValueError(f"headline unit {key!r} from {module.__name__} is already defined elsewhere")
            out[key] = unit
    return out


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


def format_value(key: str, value, unit: str = "") -> str:
    """One headline value as text, by :mod:`sendlib.formatting`: pounds ``£16,965``, percentages
    ``9.4%``, counts and plans ``9,754``, yes/no, ``n/a`` when missing; text (``[c]``) unchanged."""
    if isinstance(value, str):
        return value
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if "£" in unit:
        return formatting.pounds(value)
    if "%" in unit:
        return formatting.percent(value)
    if isinstance(value, int) or unit in ("plans", "placements", "requests", "assessments", "months"):
        return formatting.count(value)  # forecast plans are whole (forecast.in_whole_plans)
    return f"{value:,.2f}"


def format_table(values: dict) -> str:
    """A human-readable two-column table of the headlines (:func:`format_value`) with each unit."""
    known = units()
    width = max((len(k) for k in values), default=0)
    lines = []
    for key, value in values.items():
        unit = known.get(key, "")
        text = format_value(key, value, unit)
        lines.append(f"{key:<{width}}  {text:>18}  {unit}".rstrip())
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# Disclosure control of the headlines
# ---------------------------------------------------------------------------------------------------


def _flatten(d: Mapping, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            flat.update(_flatten(v, key + "."))
        else:
            flat[key] = v
    return flat


def _scalar(v):
    if hasattr(v, "item"):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    return v


#: Headline keys holding integers that are not counts of children, plans or requests.
NOT_COUNTS: tuple[str, ...] = ("financial_month", "avg_cost_falls_in_financial_year", "year")


def is_count(key: str, value, unit: str = "") -> bool:
    """True when a headline value is a count of people, plans, placements or requests (to suppress).

    Integers count, except :data:`NOT_COUNTS`, keys ending ``_change`` (a net difference) and units
    that are not counts (%, months, pounds).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    if key.endswith("_change") or any(key == k or key.endswith("." + k) for k in NOT_COUNTS):
        return False
    return not any(u in unit for u in ("%", "£", "month", "yes/no"))


#: The unpublished count of plans issued beyond 20 weeks (year to date, excluding exception cases):
#: issued - within 20 weeks. Worked out by :func:`suppressed_headlines`, never returned.
LATE_KEY = "_plans_issued_ytd_late_excl_exceptions"

#: Every headline value worked out from counts, with the counts it reveals: it is hidden (``[c]``,
#: null) whenever ANY of those counts is, after primary and secondary suppression
#: (:func:`suppressed_headlines`). Keys of :func:`headlines`; a key ending in a
#: section's own name is the same figure from that section. This is the one place the links are written.
HEADLINE_DERIVED: dict[str, tuple[str, ...]] = {
    # change in plans = now - previous month end: with one of the two shown it gives the other back
    "ehcp_active_change": ("ehcp_active", "ehcp_active_prev_month"),
    # committed cost of the active plans and the MI average over them: cost / average = plans, and the
    # cost (or the partners' share of it) of fewer than 5 plans is about those children
    "committed_cost": ("ehcp_active",),
    "committed_cost_net": ("ehcp_active",),
    "partner_share_cost": ("ehcp_active",),
    "avg_cost_per_ehcp": ("ehcp_active",),
    "avg_cost_per_ehcp_net": ("ehcp_active",),
    "avg_cost_per_ehcp_prev_month": ("ehcp_active_prev_month",),
    # the change in the average and its shift-share parts (mix + rate + interaction = change) use
    # both month ends
    "avg_cost_per_ehcp_change": ("ehcp_active", "ehcp_active_prev_month"),
    "avg_cost_change_mix": ("ehcp_active", "ehcp_active_prev_month"),
    "avg_cost_change_rate": ("ehcp_active", "ehcp_active_prev_month"),
    "avg_cost_change_interaction": ("ehcp_active", "ehcp_active_prev_month"),
    # INMSS: share of plans = placements / active plans x 100 (33.3% of 9 plans = 3 placements);
    # share of cost x committed cost = INMSS cost; share of special places and the cost are about them
    "independent_share_count": ("independent_placements", "ehcp_active"),
    "independent_share_special": ("independent_placements",),
    "independent_cost": ("independent_placements",),
    "independent_share_cost": ("independent_placements", "ehcp_active"),
    "independent_share_count_broad": ("independent_placements_broad", "ehcp_active"),
    "independent_share_cost_broad": ("independent_placements_broad", "ehcp_active"),
    # 20-week timeliness = on time / issued x 100: a rate over fewer than 5 plans, or with fewer than 5
    # on time or fewer than 5 late, is about those children (60% of 5 = 3; 83.33% of 12 = 10, so 2 late)
    "timeliness_20wk_excl_exceptions_ytd": ("plans_issued_ytd_excl_exceptions",
                                            "plans_issued_ytd_within_20wk_excl_exceptions",
                                            LATE_KEY),
    # the caseload forecast starts from the plans active at the period end, and the financial year's
    # spend forecast from their placements: with fewer than 5 plans the forecast gives the count back
    # (1.0, 80% band 1.0 to 1.0) and the spend is those children's placements. Forecast - plan and
    # outturn - budget (- cap) give them back from the published plan and budget; the plan
    # (ehcp_plan_next_january), budget and other high-needs spend (budget.csv) are not about them.
    **dict.fromkeys(
        (
            "ehcp_forecast_next_january",
            "ehcp_forecast_next_january_low80",
            "ehcp_forecast_next_january_high80",
            "ehcp_forecast_vs_plan",
            "fy_forecast_spend",
            "fy_forecast_placement_spend",
            "fy_forecast_overspend",
            "fy_overspend_vs_cap",
        ),
        ("ehcp_active",),
    ),
    # not a key: the month's change in overdue requests that the paragraph writes ("down 21")
    "overdue_assessments_change": ("overdue_assessments", "overdue_assessments_prev_month"),
    # the expenditure panel's values are about its decisions (sendlib.outlook.headline.HEADLINE_DERIVED)
    **dict.fromkeys(
        ("panel_value_reviewed", "panel_value_agreed", "panel_value_not_committed", "panel_share_deferred"),
        ("panel_decisions_reviewed",),
    ),
}

#: Identities among headline counts, as :func:`sendlib.disclosure.linked_suppression` lines: a line
#: with exactly one hidden count gets a second one hidden, so no count is worked back from the others.
#: Plans: previous month end + issued - ceased = this month end (exact for sendlib's month-end counts
#: and calendar-month flows: a plan issued and ceased in the same month is in neither stock).
#: Timeliness: plans issued on time + plans issued late = plans issued (year to date, excluding
#: exception cases). The late count is not a headline: :func:`suppressed_headlines` works it out
#: (:data:`LATE_KEY`) so that a late count from 1 to 4, which anyone can take as issued - on time,
#: hides a second count (and the rate), as the backlog command's "not yet overdue" line does.
HEADLINE_IDENTITIES: list[tuple[tuple[str, ...], str]] = [
    (("ehcp_active_prev_month", "ehcp_issued", "ehcp_ceased"), "ehcp_active"),
    (("plans_issued_ytd_within_20wk_excl_exceptions", LATE_KEY),
     "plans_issued_ytd_excl_exceptions"),
]

#: Counts hidden for secondary suppression only when nothing else in the line can be: month-end
#: stocks published in last month's report too (hiding one now would protect nothing).
HEADLINE_LAST_RESORT: tuple[str, ...] = ("ehcp_active", "ehcp_active_prev_month")


def suppressed_headlines(headlines: Mapping, threshold: int = 5) -> set[str]:
    """The headline keys to hide (``[c]`` in headlines.csv, null in JSON, left out of prose).

    Counts (:func:`is_count`) from 1 to ``threshold - 1``; then secondary suppression over
    :data:`HEADLINE_IDENTITIES`; then every value of :data:`HEADLINE_DERIVED` whose counts include a
    hidden one (a derived key is listed even when absent from ``headlines``, so prose that works one
    out, such as ``overdue_assessments_change``, can ask). ``threshold`` 1 hides nothing.
    Plans issued late (issued - within 20 weeks, :data:`LATE_KEY`) are protected too, though not a
    headline: 10 of 12 on time (83.33%) hides the 10 and the rate, since 2 were late.
    A difference of two hidden counts that are linked to shown ones (issued - ceased = the change in
    plans) is shown: it is the difference of two published month-end counts, and it does not give
    either count back.
    """
    from sendlib.disclosure import linked_suppression

    known = units()
    flat = {k: _scalar(v) for k, v in _flatten(headlines).items()}
    counts = {k: v for k, v in flat.items() if is_count(k, v, known.get(k, ""))}
    counts |= _unpublished_counts(counts)
    lines = [(list(c), t) for c, t in HEADLINE_IDENTITIES if all(k in counts for k in [*c, t])]
    hidden = linked_suppression(counts, lines, threshold, last=HEADLINE_LAST_RESORT)
    hidden |= {k for k, sources in HEADLINE_DERIVED.items() if any(c in hidden for c in sources)}
    return hidden - {LATE_KEY}


def _unpublished_counts(counts: Mapping) -> dict:
    """Counts anyone can work out from published ones, to be protected like them: :data:`LATE_KEY`
    (plans issued year to date beyond 20 weeks, excluding exception cases = issued - within 20 weeks)
    when both counts are there."""
    issued = counts.get("plans_issued_ytd_excl_exceptions")
    within = counts.get("plans_issued_ytd_within_20wk_excl_exceptions")
    return {} if issued is None or within is None else {LATE_KEY: issued - within}


def headlines_frame(headlines: Mapping, threshold: int = 5):
    """``headlines.csv`` content: one row per figure, ``measure,value,unit`` (nested keys joined by dots).

    Counts from 1 to ``threshold - 1``, counts hidden to protect them and the shares, costs and changes
    that would give them back are shown as ``[c]`` (:func:`suppressed_headlines`).
    """
    from sendlib.disclosure import SUPPRESSED

    known = units()
    hidden = suppressed_headlines(headlines, threshold)
    rows = [
        {"measure": key, "value": SUPPRESSED if key in hidden else _scalar(value), "unit": known.get(key, "")}
        for key, value in _flatten(headlines).items()
    ]
    return pd.DataFrame(rows, columns=["measure", "value", "unit"])
