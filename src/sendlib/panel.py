"""The high-needs expenditure panel: what it reviewed, agreed and did not commit (table ``panel_decisions``).

Every amount is **annual pounds** (the yearly cost of what was put to the panel), as the log records
it. Definitions (decisions dated from the panel's first decision to ``as_of``, inclusive):

- ``value_reviewed`` = sum of ``amount_requested``; ``decisions`` = number of rows (decisions).
- ``value_agreed`` = sum of ``amount_agreed`` (approved and reduced; the others agree £0).
- ``value_not_committed`` = reviewed - agreed. **Not committed is not the same as saved**: a deferred
  decision, or one returned for more information, may come back and be agreed later, and a declined
  need may return as another request; only the reduced part of agreed decisions and the declined
  requests are avoided at the time of the decision.
- ``share_deferred`` = deferred decisions / all decisions, % (0-100); ``share_returned`` likewise.
- Weeks run Monday to Sunday and are labelled by their Sunday (``week_ending``).
- Compared with the forecast: the mean ``amount_agreed`` of approved and reduced ``new_placement``
  decisions (pounds a year per placement) against the spend forecast's cost of a new placement
  (:func:`sendlib.forecast.new_placement_costs`: recent independent share x mean INMSS cost + the rest
  x mean other cost, net of partner contributions).

Disclosure (shown to a committee): a decision count from 1 to 4 is ``[c]`` and so is every value it
carries (the amounts reviewed, agreed and not committed of those decisions), with secondary
suppression along the totals (:func:`sendlib.disclosure.safe_table`); see :func:`safe_breakdown`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import disclosure, periods
from sendlib.extract import Extract

DECISION_LABELS = {
    "approved": "Approved",
    "reduced": "Agreed at a lower amount",
    "declined": "Declined",
    "deferred": "Deferred",
    "returned": "Returned for more information",
}
CATEGORY_LABELS = {
    "new_placement": "New placement",
    "placement_change": "Placement change",
    "top_up": "Top-up",
    "transport": "Transport",
    "other": "Other",
}
MONEY = ("value_reviewed", "value_agreed", "value_not_committed")


def has_panel(extract: Extract) -> bool:
    """True when the extract has a ``panel_decisions`` table with at least one decision."""
    p = getattr(extract, "panel_decisions", None)
    return p is not None and len(p) > 0


def decisions_to(panel: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """The decisions dated on or before ``as_of`` (all when None), with ``amount_agreed`` blank as £0
    and ``not_committed`` = requested - agreed (annual pounds)."""
    p = panel if as_of is None else panel[(panel["decided_on"] <= pd.Timestamp(as_of)).to_numpy()]
    out = p.copy()
    out["amount_agreed"] = out["amount_agreed"].astype("float64").fillna(0.0)
    out["not_committed"] = out["amount_requested"].astype("float64") - out["amount_agreed"]
    return out


def panel_summary(panel: pd.DataFrame, as_of=None) -> dict:
    """Since the panel began, to ``as_of``: ``first_decision`` (date), ``decisions`` (count),
    ``value_reviewed``, ``value_agreed``, ``value_not_committed`` (annual pounds),
    ``share_deferred`` and ``share_returned`` (% of decisions, 0-100; None with no decisions),
    ``deferred`` and ``returned`` (counts), ``value_deferred`` (annual pounds requested in deferred
    decisions: the part of "not committed" most likely to come back)."""
    p = decisions_to(panel, as_of)
    n = len(p)
    dec = p["decision"]
    out = {
        "first_decision": None if n == 0 else p["decided_on"].min(),
        "decisions": n,
        "value_reviewed": float(p["amount_requested"].sum()),
        "value_agreed": float(p["amount_agreed"].sum()),
        "value_not_committed": float(p["not_committed"].sum()),
        "deferred": int((dec == "deferred").sum()),
        "returned": int((dec == "returned").sum()),
        "value_deferred": float(p.loc[(dec == "deferred").to_numpy(), "amount_requested"].sum()),
    }
    out["share_deferred"] = None if n == 0 else 100.0 * out["deferred"] / n
    out["share_returned"] = None if n == 0 else 100.0 * out["returned"] / n
    return out


def panel_weekly(panel: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """Decisions and value per week (Monday-Sunday, indexed by ``week_ending``, the Sunday), from the
    panel's first week to the week containing ``as_of`` (weeks with no decision included, as 0):
    ``decisions`` (count), ``value_reviewed``, ``value_agreed``, ``value_not_committed`` (annual
    pounds) and ``cumulative_value_reviewed`` (since the panel began)."""
    p = decisions_to(panel, as_of)
    cols = ["decisions", *MONEY, "cumulative_value_reviewed"]
    if p.empty:
        return pd.DataFrame(columns=cols, index=pd.DatetimeIndex([], name="week_ending"))
    day = p["decided_on"].dt.normalize()
    week_end = day + pd.to_timedelta(6 - day.dt.day_of_week, unit="D")
    last = pd.Timestamp(as_of) if as_of is not None else day.max()
    last = last + pd.Timedelta(days=6 - last.day_of_week)
    weeks = pd.date_range(week_end.min(), last, freq="7D", name="week_ending")
    g = p.assign(week_ending=week_end).groupby("week_ending")
    out = pd.DataFrame(
        {
            "decisions": g.size(),
            "value_reviewed": g["amount_requested"].sum(),
            "value_agreed": g["amount_agreed"].sum(),
            "value_not_committed": g["not_committed"].sum(),
        }
    ).reindex(weeks, fill_value=0)
    out["decisions"] = out["decisions"].astype("int64")
    out["cumulative_value_reviewed"] = out["value_reviewed"].cumsum()
    return out[cols]


def panel_breakdown(panel: pd.DataFrame, by: str, as_of=None) -> pd.DataFrame:
    """Decisions and values by ``by`` (``"decision"`` or ``"category"``), every code of the vocabulary
    as a row (0 when none) in the vocabulary's order, plus a ``Total`` row: ``decisions`` (count),
    ``value_reviewed``, ``value_agreed``, ``value_not_committed`` (annual pounds), ``share_of_decisions``
    (% of all decisions, 0-100). Index: the readable label."""
    labels = {"decision": DECISION_LABELS, "category": CATEGORY_LABELS}[by]
    p = decisions_to(panel, as_of)
    g = p.groupby(p[by].astype("string"))
    out = pd.DataFrame(
        {
            "decisions": g.size(),
            "value_reviewed": g["amount_requested"].sum(),
            "value_agreed": g["amount_agreed"].sum(),
            "value_not_committed": g["not_committed"].sum(),
        }
    ).reindex(list(labels), fill_value=0)
    out.loc["Total"] = out.sum()
    out["decisions"] = out["decisions"].astype("int64")
    total = out.loc["Total", "decisions"]
    out["share_of_decisions"] = 100.0 * out["decisions"] / total if total else np.nan
    out.index = [labels.get(k, k) for k in out.index]
    out.index.name = by
    return out


def cumulative_hidden(hidden: np.ndarray) -> np.ndarray:
    """Which rows of a running total (e.g. ``cumulative_value_reviewed`` by week) must be hidden, given
    which rows hide a value (``hidden``, booleans in row order): every row from the first hidden one
    on, since a later running total less the shown weekly values would give the hidden value back."""
    return np.maximum.accumulate(np.asarray(hidden, dtype=bool)) if len(hidden) else np.zeros(0, dtype=bool)


def safe_breakdown(table: pd.DataFrame, threshold: int = disclosure.DEFAULT_THRESHOLD) -> pd.DataFrame:
    """:func:`panel_breakdown` (or :func:`panel_weekly` with a ``Total`` row) ready for a committee:
    decisions of 1 to ``threshold - 1`` are ``[c]`` with the values and share they carry, totals
    protected by secondary suppression; text cells formatted (pounds, %)."""
    money = [c for c in (*MONEY, "cumulative_value_reviewed") if c in table.columns]
    percent = [c for c in ("share_of_decisions",) if c in table.columns]
    out = disclosure.safe_table(
        table,
        counts=["decisions"],
        money=money,
        percent=percent,
        threshold=threshold,
        col_total="Total" if "Total" in table.index else None,
        sums_shown=[c for c in MONEY if c in table.columns],
    )
    if "cumulative_value_reviewed" in out.columns:
        weeks = out.index != "Total"
        hidden = (out.loc[weeks].astype(str) == disclosure.SUPPRESSED).any(axis=1).to_numpy()
        rows = np.flatnonzero(weeks)[cumulative_hidden(hidden)]
        out.iloc[rows, out.columns.get_loc("cumulative_value_reviewed")] = disclosure.SUPPRESSED
    return out


def agreed_vs_forecast(extract: Extract, as_of=None) -> dict:
    """Mean agreed annual cost of a new placement at the panel vs the forecast's assumption (pounds a
    year per placement): ``new_placements_agreed`` (count of approved or reduced new_placement
    decisions), ``mean_agreed`` (None when there are none), ``forecast_cost_new`` and
    ``difference`` = mean_agreed - forecast (negative: the panel agrees placements cheaper than the
    forecast assumes)."""
    from sendlib import forecast

    as_of = periods.last_full_month(extract.as_of if as_of is None else as_of)
    p = decisions_to(extract.panel_decisions, as_of)
    chosen = (p["category"] == "new_placement") & p["decision"].isin(["approved", "reduced"])
    agreed = p.loc[chosen.to_numpy(), "amount_agreed"]
    units = forecast.new_placement_costs(extract, as_of)
    cost_new = (
        units["independent_share"] * units["cost_independent"]
        + (1 - units["independent_share"]) * units["cost_other"]
    )
    mean = float(agreed.mean()) if len(agreed) else None
    return {
        "new_placements_agreed": int(len(agreed)),
        "mean_agreed": mean,
        "forecast_cost_new": float(cost_new),
        "difference": None if mean is None else mean - float(cost_new),
    }
