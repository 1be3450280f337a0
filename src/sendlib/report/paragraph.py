"""The drafted committee paragraph (``headlines.md``) and ``headlines.csv``.

Every figure is written by :mod:`sendlib.formatting`; the high-needs spend sentence is written once,
by :func:`spend_sentence` (notebooks call it too). Disclosure control is
:func:`sendlib.headlines.suppressed_headlines`: the paragraph leaves out what headlines.csv hides.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sendlib import formatting, periods
from sendlib.headlines import _flatten, _scalar, headlines_frame, suppressed_headlines


def _num(h: Mapping, key: str):
    """The headline ``key`` as a number, or None when it is absent or missing (NaN)."""
    v = h.get(key)
    if v is None or formatting.is_missing(v):
        return None
    return _scalar(v)


def _capital(text: str) -> str:
    """``"fewer than 5"`` -> ``"Fewer than 5"`` at the start of a sentence (numbers unchanged)."""
    return text[:1].upper() + text[1:]


def spend_sentence(
    financial_year: str,
    spend: float,
    *,
    placements: float | None = None,
    other: float | None = None,
    budget: float | None = None,
    overspend: float | None = None,
    beyond_cap: float | None = None,
) -> str:
    """The forecast spend sentence for the financial year (pounds, prose form
    :func:`sendlib.formatting.pounds_prose`).

    ``spend``: the forecast outturn. With other high-needs spend (``other`` non-zero) and the placement
    part, the sentence names the high-needs block and its two parts; otherwise it is placement spend.
    ``budget``, ``overspend`` (outturn - budget; negative is an underspend) and ``beyond_cap``
    (overspend - the Safety Valve cap; negative is within it) are added when given.
    """
    money = formatting.pounds_prose
    if other and placements is not None:
        txt = (f"High-needs spend for {financial_year} is forecast at {money(spend)} (placements "
               f"{money(placements)}, other high-needs spend {money(other)})")
    else:
        txt = f"Placement spend for {financial_year} is forecast at {money(spend)}"
    if budget is not None:
        txt += f" against a budget of {money(budget)}"
    if overspend is not None:
        txt += f", {'an overspend' if overspend > 0 else 'an underspend'} of {money(abs(overspend))}"
    if beyond_cap is not None:
        txt += (
            f", {money(beyond_cap)} beyond the Safety Valve cap"
            if beyond_cap > 0
            else f", within the Safety Valve cap by {money(-beyond_cap)}"
        )
    return txt + "."


def draft_paragraph(headlines: Mapping, period: str, threshold: int = 5) -> str:
    """A committee-report paragraph from the headline figures; sentences only for figures present.

    Recognised keys (as :func:`sendlib.headlines.headlines` returns them): ``ehcp_active`` and
    ``_change``; ``ehcp_forecast_next_january``, ``ehcp_plan_next_january``, ``ehcp_forecast_vs_plan``;
    ``overdue_assessments`` and ``_prev_month``; ``assessments_completed_month`` and
    ``_same_month_last_year``; ``avg_cost_per_ehcp`` and ``_change``; ``independent_placements``,
    ``independent_share_count`` and ``independent_share_cost`` (per cent); ``fy_forecast_spend``
    (with ``fy_forecast_placement_spend`` and ``fy_other_high_needs_spend`` when other spend is given),
    ``fy_budget``, ``fy_forecast_overspend``, ``fy_overspend_vs_cap`` (pounds; :func:`spend_sentence`).
    Disclosure control as in headlines.csv (:func:`sendlib.headlines.suppressed_headlines`): counts from
    1 to ``threshold - 1`` read "fewer than 5", and the changes, shares, costs and forecasts that would
    give a hidden count back are left out (with fewer than 5 active plans, the sentences on the caseload
    and spend forecasts).
    """
    from sendlib.disclosure import count_phrase

    h = _flatten(headlines)
    hidden = suppressed_headlines(h, threshold)
    count, pounds, percent = formatting.count, formatting.pounds, formatting.percent
    change_in_words = formatting.change_in_words

    def shown(key: str):
        return None if key in hidden else _num(h, key)

    def people(key: str) -> str:
        return count_phrase(_num(h, key), threshold, hidden=key in hidden)

    month = formatting.month(periods.parse_period(period))
    s: list[str] = []
    if _num(h, "ehcp_active") is not None:
        change = shown("ehcp_active_change")
        txt = f"There were {people('ehcp_active')} EHCPs at the end of {month}"
        if change is not None:
            txt += f" ({change_in_words(change, count)} on the previous month)"
        s.append(txt + ".")
    fc = shown("ehcp_forecast_next_january")
    if fc is not None:
        plan = _num(h, "ehcp_plan_next_january")
        gap = shown("ehcp_forecast_vs_plan")
        if gap is None and plan is not None:
            gap = fc - plan
        january = formatting.month(periods.next_january(periods.parse_period(period)))
        txt = f"The forecast for {january} is {count(fc)}"
        if gap is not None:
            side = "above" if gap > 0 else "below"
            txt += (
                f", {count(abs(gap))} {side} the Safety Valve plan"
                if count(gap) != count(0)
                else ", in line with the Safety Valve plan"
            )
            if plan is not None:
                txt += f" of {count(plan)}"
        s.append(txt + ".")
    od = _num(h, "overdue_assessments")
    if od is not None:
        before = _num(h, "overdue_assessments_prev_month")
        change = None if before is None or "overdue_assessments_change" in hidden else od - before
        txt = f"{_capital(people('overdue_assessments'))} assessments were overdue (open beyond the 20-week limit)"
        if change is not None:
            txt += f", {change_in_words(change, count)} on the previous month"
        s.append(txt + ".")
    if _num(h, "assessments_completed_month") is not None:
        txt = f"{_capital(people('assessments_completed_month'))} assessments were completed in the month"
        if _num(h, "assessments_completed_same_month_last_year") is not None:
            txt += f", against {people('assessments_completed_same_month_last_year')} a year earlier"
        s.append(txt + ".")
    cost = shown("avg_cost_per_ehcp")
    if cost is not None:
        change = shown("avg_cost_per_ehcp_change")
        txt = f"The average annual placement cost of an EHCP was {pounds(cost)}"
        if change is not None:
            txt += f", {change_in_words(change, pounds)} on the previous month"
            if pounds(change).startswith("-") and h.get("avg_cost_per_ehcp_first_fall_in_financial_year") is True:
                txt += ", the first fall this financial year"
        s.append(txt + ".")
    has_ind = _num(h, "independent_placements") is not None
    share = shown("independent_share_count")
    cshare = shown("independent_share_cost")
    if has_ind or share is not None:
        txt = "Independent and non-maintained special schools held "
        if has_ind and share is not None:
            txt += f"{people('independent_placements')} placements ({percent(share)} of all plans)"
        elif has_ind:
            txt += f"{people('independent_placements')} placements"
        else:
            txt += f"{percent(share)} of all plans"
        if cshare is not None:
            txt += f" but {percent(cshare)} of placement cost"
        s.append(txt + ".")
    spend = shown("fy_forecast_spend")
    if spend is not None:
        s.append(spend_sentence(
            h.get("financial_year") or periods.financial_year(periods.parse_period(period)),
            spend,
            placements=shown("fy_forecast_placement_spend"),
            other=_num(h, "fy_other_high_needs_spend"),
            budget=_num(h, "fy_budget"),
            overspend=shown("fy_forecast_overspend"),
            beyond_cap=shown("fy_overspend_vs_cap"),
        ))
    from sendlib.outlook import headline_sentence  # the Safety Valve outlook (deficit path, panel)

    outlook = headline_sentence({k: None if k in hidden else v for k, v in h.items()}, threshold, with_spend=False)
    if outlook:
        s.append(outlook)
    if not s:
        return f"No headline figures are available for {month}."
    return " ".join(s)


def write_headlines(extract, period: str, out_dir: Path, threshold: int = 5) -> dict:
    """Write ``headlines.csv`` (UTF-8 with a byte order mark, so Excel reads the £ sign) and
    ``headlines.md``; returns the headline dict."""
    from sendlib.headlines import headlines as compute

    h = compute(extract, period)
    headlines_frame(h, threshold).to_csv(
        out_dir / "headlines.csv", index=False, lineterminator="\n", encoding="utf-8-sig"
    )
    month = formatting.month(periods.parse_period(period))
    (out_dir / "headlines.md").write_text(
        f"# SEND headlines, {month}\n\n{draft_paragraph(h, period, threshold)}\n\n"
        "Source: the local authority's case-management extract (management information, month-end "
        "snapshot). "
        + (
            f"Counts from 1 to {threshold - 1} are not shown, nor the changes, shares and costs that would "
            "reveal them."
            if threshold > 1
            else "Small counts are NOT suppressed: not for committee papers."
        )
        + "\n",
        encoding="utf-8",
    )
    return h
