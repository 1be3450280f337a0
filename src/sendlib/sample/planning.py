"""The sample's planning inputs (``plan_trajectory``, ``budget``) and the expenditure panel's log
(``panel_decisions``). Money in pounds (budget: a financial year; panel: annual amounts)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import config
from sendlib.sample.targets import AS_OF, PANEL_REVIEWED_BY_AS_OF, PANEL_START

#: The budget's financial years: the Safety Valve agreement's, from 2023-24 to its last year 2030-31.
BUDGET_YEARS = ("2023-24", "2024-25", "2025-26", "2026-27", "2027-28", "2028-29", "2029-30", "2030-31")
#: Agreed in-year deficit (before the DfE contribution) and DfE contribution, pounds: the agreed
#: cumulative deficit (running sum of deficit - contribution) is £15.6m, £27.8m, £33.5m, £30.5m,
#: £24.5m, £16.5m, £8.0m and £0 at the end of 2030-31.
PLANNED_DEFICIT = (34.6e6, 31.2e6, 24.7e6, 16.0e6, 9.0e6, 3.0e6, 0.0, 0.0)
CONTRIBUTION = (19.0e6, 19.0e6, 19.0e6, 19.0e6, 15.0e6, 11.0e6, 8.5e6, 8.0e6)
HNB_BUDGET = (143.7e6, 155.4e6, 164.9e6, 170.7e6, 176.7e6, 182.9e6, 189.3e6, 195.9e6)
OTHER_SPEND = (40.0e6, 47.4e6, 50.0e6, 51.5e6, 53.0e6, 54.5e6, 56.0e6, 57.5e6)

#: Panel decisions: share of decisions and mean annual amount requested (pounds) by category.
PANEL_CATEGORY_MIX = {
    "new_placement": (0.30, 45_000.0),
    "placement_change": (0.20, 30_000.0),
    "top_up": (0.30, 12_000.0),
    "transport": (0.12, 8_000.0),
    "other": (0.08, 10_000.0),
}
PANEL_DECISION_MIX = {"approved": 0.50, "reduced": 0.20, "declined": 0.10, "deferred": 0.12, "returned": 0.08}
#: Decisions a working day (county scale).
PANEL_PER_DAY = 8.0


def _plan_trajectory(k: float) -> pd.DataFrame:
    months = pd.date_range("2023-04-30", "2027-03-31", freq="ME")
    m = (months.year - 2025) * 12 + (months.month - 1)  # months from January 2025
    planned = np.round((9_372 + 40 * m - 0.3 * m**2) * k).astype(np.int64)
    deficit = np.round((96_000_000 + 2_100_000 * (m + 21) - 60_000 * (m + 21) ** 2) * k / 1000) * 1000
    return pd.DataFrame({"month": months, "planned_ehcps": planned, "planned_deficit": deficit.astype(float)})


def _budget(k: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "financial_year": list(BUDGET_YEARS),
            "hnb_budget": np.array(HNB_BUDGET) * k,
            # the allowed in-year overspend is the agreed in-year deficit
            "safety_valve_overspend_cap": np.array(PLANNED_DEFICIT) * k,
            "planned_deficit": np.array(PLANNED_DEFICIT) * k,
            "safety_valve_contribution": np.array(CONTRIBUTION) * k,
            # high-needs spend no placement carries (support services, AP, hospital education...): set so
            # that 2023-24 ends near its planned deficit and 2024-25 about £20m beyond the Safety Valve
            # cap, as the report that prompted sendlib says; later years grow by £1.5m a year
            "other_high_needs_spend": np.array(OTHER_SPEND) * k,
        }
    )


def _panel_decisions(seed: int, k: float, plans: pd.DataFrame) -> pd.DataFrame:
    """The daily expenditure panel's log from ``PANEL_START`` to the extract date (working days),
    scaled so that the annual amounts requested add up to ``PANEL_REVIEWED_BY_AS_OF`` x ``k``
    (whole pounds). Drawn from its own random stream, so the other tables do not depend on it."""
    r = config.rng_streams(seed, 2)[1]
    days = pd.bdate_range(PANEL_START, AS_OF)
    per_day = r.poisson(PANEL_PER_DAY * k, size=len(days))
    decided = np.repeat(days.to_numpy(), per_day)
    n = len(decided)
    cats = list(PANEL_CATEGORY_MIX)
    share = np.array([v[0] for v in PANEL_CATEGORY_MIX.values()])
    mean = np.array([v[1] for v in PANEL_CATEGORY_MIX.values()])
    cat = r.choice(len(cats), size=n, p=share / share.sum())
    sigma = 0.5
    raw = mean[cat] * np.exp(sigma * r.standard_normal(n) - sigma**2 / 2)
    requested = np.round(raw * PANEL_REVIEWED_BY_AS_OF * k / raw.sum())
    decs = list(PANEL_DECISION_MIX)
    p_dec = np.array(list(PANEL_DECISION_MIX.values()))
    dec = r.choice(len(decs), size=n, p=p_dec / p_dec.sum())
    reduce_to = 0.6 + 0.3 * r.random(n)
    agreed = np.select(
        [dec == decs.index("approved"), dec == decs.index("reduced")],
        [requested, np.round(requested * reduce_to)],
        0.0,
    )
    active = plans.loc[
        (
            (plans["issued_on"] <= AS_OF) & (plans["ceased_on"].isna() | (plans["ceased_on"] > AS_OF))
        ).to_numpy(),
        "plan_id",
    ].to_numpy(dtype=object)
    linked = r.random(n) < 0.85
    plan_id = np.where(linked, active[r.integers(0, len(active), size=n)], None)
    ids = pd.Series(np.arange(1, n + 1)).astype("string").str.zfill(6)
    return pd.DataFrame(
        {
            "decision_id": ("PD" + ids).to_numpy(dtype=object),
            "decided_on": pd.to_datetime(decided).astype("datetime64[ns]"),
            "plan_id": plan_id,
            "request_id": np.full(n, None, dtype=object),
            "category": np.array(cats, dtype=object)[cat],
            "amount_requested": requested.astype(float),
            "decision": np.array(decs, dtype=object)[dec],
            "amount_agreed": agreed.astype(float),
        }
    )
