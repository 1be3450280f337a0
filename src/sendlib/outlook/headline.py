"""The Safety Valve outlook's headline keys, their units, and the drafted paragraph's sentences.

Keys (:func:`headline_section`; money in pounds at 31 March of a financial year, from
:func:`sendlib.outlook.deficit.deficit_outlook` on data dated on or before the month end, 2,000
seeded simulations):

- ``deficit_financial_year``: the financial year containing the month; ``deficit_cumulative_forecast_end_fy``
  with ``_low80`` / ``_high80``: the forecast cumulative High Needs deficit at the end of that year;
  ``deficit_agreed_cumulative_end_fy``: the agreed one; ``deficit_gap_vs_agreement`` = forecast -
  agreed (positive: worse than agreed).
- ``deficit_agreement_last_year``: the last year of ``budget.csv``;
  ``deficit_cumulative_forecast_end_agreement``: the forecast cumulative deficit then;
  ``deficit_zero_year`` (with ``_low80`` / ``_high80``): the first year from the current one whose
  cumulative deficit is forecast at £0 or less (None: not within the agreement);
  ``deficit_agreed_zero_year``: the same on the agreed path.
- Panel (table ``panel_decisions``, decisions dated on or before the month end; None without the
  table): ``panel_first_decision`` (date), ``panel_decisions_reviewed`` (count),
  ``panel_value_reviewed``, ``panel_value_agreed``, ``panel_value_not_committed`` (annual pounds;
  not committed is not saved: a deferred decision may come back), ``panel_share_deferred`` (% of
  decisions, 0-100).

Disclosure: ``panel_value_*`` and ``panel_share_deferred`` derive from ``panel_decisions_reviewed``
(:data:`HEADLINE_DERIVED`): with 1-4 decisions they are ``[c]`` with it. The deficit keys are sums over
thousands of plans and budget lines, not counts of children, and are not suppressed.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from sendlib import disclosure, formatting, panel, periods
from sendlib.extract import Extract

#: Unit of each key (the headline protocol: each measure module publishes its keys' units).
HEADLINE_UNITS: dict[str, str] = {
    "deficit_financial_year": "financial year",
    "deficit_cumulative_forecast_end_fy": "£",
    "deficit_cumulative_forecast_end_fy_low80": "£",
    "deficit_cumulative_forecast_end_fy_high80": "£",
    "deficit_agreed_cumulative_end_fy": "£",
    "deficit_gap_vs_agreement": "£",
    "deficit_agreement_last_year": "financial year",
    "deficit_cumulative_forecast_end_agreement": "£",
    "deficit_zero_year": "financial year",
    "deficit_zero_year_low80": "financial year",
    "deficit_zero_year_high80": "financial year",
    "deficit_agreed_zero_year": "financial year",
    "panel_first_decision": "date",
    "panel_decisions_reviewed": "decisions",
    "panel_value_reviewed": "£ a year",
    "panel_value_agreed": "£ a year",
    "panel_value_not_committed": "£ a year",
    "panel_share_deferred": "%",
}

#: Values hidden with the count they derive from (merged into the report's derived-value rules).
HEADLINE_DERIVED: dict[str, tuple[str, ...]] = {
    "panel_value_reviewed": ("panel_decisions_reviewed",),
    "panel_value_agreed": ("panel_decisions_reviewed",),
    "panel_value_not_committed": ("panel_decisions_reviewed",),
    "panel_share_deferred": ("panel_decisions_reviewed",),
}

SIMS = 2000


def _money(x) -> float | None:
    return None if x is None or pd.isna(x) else round(float(x), 2)


def headline_section(extract: Extract, period_end: pd.Timestamp) -> dict:
    """The outlook's headline keys for the month ending ``period_end`` (module docstring)."""
    from sendlib.outlook import deficit

    pe = periods.month_end(period_end)
    out: dict = dict.fromkeys(HEADLINE_UNITS)
    fy = periods.financial_year(pe)
    out["deficit_financial_year"] = fy
    if extract.budget is not None and not extract.budget.empty:
        o = deficit.deficit_outlook(extract, pe, n_sims=SIMS)
        t = o.table
        if fy in t.index:
            row = t.loc[fy]
            out["deficit_cumulative_forecast_end_fy"] = _money(row["cumulative_deficit"])
            out["deficit_cumulative_forecast_end_fy_low80"] = _money(row["cumulative_low80"])
            out["deficit_cumulative_forecast_end_fy_high80"] = _money(row["cumulative_high80"])
            out["deficit_agreed_cumulative_end_fy"] = _money(row["planned_cumulative_deficit"])
            out["deficit_gap_vs_agreement"] = _money(row["gap"])
        years = list(t.index)
        out["deficit_agreement_last_year"] = years[-1]
        out["deficit_cumulative_forecast_end_agreement"] = _money(t["cumulative_deficit"].iloc[-1])
        out["deficit_zero_year"] = o.zero_year
        out["deficit_zero_year_low80"] = o.zero_year_low80
        out["deficit_zero_year_high80"] = o.zero_year_high80
        first = years.index(fy) if fy in years else 0
        agreed = t["planned_cumulative_deficit"].to_numpy()[None, :]
        out["deficit_agreed_zero_year"] = deficit.zero_years(agreed, years, first)[0]
    if panel.has_panel(extract):
        s = panel.panel_summary(extract.panel_decisions, pe)
        if s["decisions"]:
            out["panel_first_decision"] = s["first_decision"].strftime("%Y-%m-%d")
            out["panel_decisions_reviewed"] = int(s["decisions"])
            out["panel_value_reviewed"] = _money(s["value_reviewed"])
            out["panel_value_agreed"] = _money(s["value_agreed"])
            out["panel_value_not_committed"] = _money(s["value_not_committed"])
            out["panel_share_deferred"] = round(float(s["share_deferred"]), 4)
    return out


def _year_end(fy: str) -> str:
    """``2024-25`` -> ``31 March 2025``."""
    return f"31 March {periods.financial_year_bounds(fy)[1].year}"


def headline_sentence(
    headlines: Mapping, threshold: int = disclosure.DEFAULT_THRESHOLD, with_spend: bool = True
) -> str | None:
    """The drafted paragraph's sentences on the Safety Valve outlook, from headline keys (pounds as
    ``£20.3m``). Uses ``fy_forecast_spend`` and ``fy_overspend_vs_cap`` (the spend forecast's keys)
    when present. A key that is None (not available, or hidden by disclosure control) is left out;
    with 1 to ``threshold - 1`` panel decisions, the panel's values are left out ("fewer than 5
    decisions"). ``with_spend`` False leaves out the first sentence (the year's spend beyond the Safety
    Valve position), for a paragraph that already has the spend sentence. None when there is nothing to
    say."""
    h = headlines
    money = formatting.pounds_prose
    parts: list[str] = []
    fy = h.get("deficit_financial_year") or h.get("financial_year")
    beyond = h.get("fy_overspend_vs_cap")
    spend = h.get("fy_forecast_spend")
    if with_spend and fy and beyond is not None:
        where = "beyond" if beyond > 0 else "within"
        text = (
            f"High-needs spend in {fy} is forecast at {money(spend)}, "
            if spend is not None
            else f"In {fy} spend is "
        )
        parts.append(f"{text}{money(abs(beyond))} {where} the Safety Valve position.")
    cum = h.get("deficit_cumulative_forecast_end_fy")
    if fy and cum is not None:
        s = (
            f"The cumulative High Needs deficit would be {money(cum)} at {_year_end(fy)}"
            if cum >= 0
            else f"The High Needs Block would be {money(-cum)} in cumulative surplus at {_year_end(fy)}"
        )
        lo, hi = (
            h.get("deficit_cumulative_forecast_end_fy_low80"),
            h.get("deficit_cumulative_forecast_end_fy_high80"),
        )
        if lo is not None and hi is not None and money(lo) != money(hi):
            s += f" (80% interval {money(lo)} to {money(hi)})"
        gap = h.get("deficit_gap_vs_agreement")
        if gap is not None:
            s += f", {money(abs(gap))} {'above' if gap > 0 else 'below'} the agreed path"
        parts.append(s + ".")
    last = h.get("deficit_agreement_last_year")
    if last:
        zero, agreed_zero = h.get("deficit_zero_year"), h.get("deficit_agreed_zero_year")
        against = (
            f"the agreement has it at zero in {agreed_zero}" if agreed_zero else "as the agreement stands"
        )
        if zero:
            lo, hi = h.get("deficit_zero_year_low80"), h.get("deficit_zero_year_high80")
            span = f" (80% interval {lo} to {hi or 'after ' + last})" if lo and lo != hi else ""
            parts.append(f"On current trends it would reach zero in {zero}{span}; {against}.")
        else:
            end = h.get("deficit_cumulative_forecast_end_agreement")
            at = f" (it would be {money(end)} at {_year_end(last)})" if end is not None else ""
            parts.append(
                f"On current trends it would not reach zero by {last}, the agreement's last year{at}; {against}."
            )
    n = h.get("panel_decisions_reviewed")
    if n:
        since = h.get("panel_first_decision")
        when = f"Since {pd.Timestamp(since).day} {formatting.month(since)} " if since else ""
        lead = "the" if when else "The"
        if disclosure.any_small_count(n, threshold=threshold):
            parts.append(
                f"{when}{lead} expenditure panel has reviewed {disclosure.count_phrase(n, threshold)} decisions."
            )
        else:
            reviewed, not_committed = h.get("panel_value_reviewed"), h.get("panel_value_not_committed")
            s = f"{when}{lead} expenditure panel has reviewed {disclosure.count_phrase(n, threshold)} decisions"
            if reviewed is not None:
                s += f" worth {money(reviewed)} a year"
            if not_committed is not None:
                s += (
                    f"; {money(not_committed)} a year of it was not committed (not the same as saved: a deferred "
                    "decision may come back)"
                )
            parts.append(s + ".")
    return " ".join(parts) if parts else None
