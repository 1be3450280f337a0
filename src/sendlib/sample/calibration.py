"""The sample's calibration report: target vs achieved for every target (the README table)."""

from __future__ import annotations

import pandas as pd

from sendlib import schema
from sendlib.sample.targets import (
    ACTIVE_ANCHORS,
    AS_OF,
    AVG_COST_TARGET,
    ISSUED_PER_YEAR,
    OVERDUE_AT_AS_OF,
    RECEIVED_PER_YEAR,
    TIMELY_SHARE,
)

# ---------------------------------------------------------------------------------------------------
# Calibration report (README)
# ---------------------------------------------------------------------------------------------------


def _active(plans: pd.DataFrame, d: pd.Timestamp) -> pd.Series:
    return (plans["issued_on"] <= d) & (plans["ceased_on"].isna() | (plans["ceased_on"] > d))


def _current(plans: pd.DataFrame, placements: pd.DataFrame, d: pd.Timestamp) -> pd.DataFrame:
    """Placements covering d of plans active at d (placements carry plan_issued_on, plan_ceased_on)."""
    live = (placements["plan_issued_on"] <= d) & (
        placements["plan_ceased_on"].isna() | (placements["plan_ceased_on"] > d)
    )
    cur = (placements["start_on"] <= d) & (placements["end_on"].isna() | (placements["end_on"] >= d))
    return placements[cur & live]


def calibration_table(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Target vs achieved for every calibration target (README table). Plain masks per date.

    Columns: ``measure``, ``target`` and ``achieved`` (display text). Counts are plans or requests,
    money is pounds, shares are % of active plans at the date unless the row says otherwise.
    """
    p, pl, a = frames[schema.PLANS], frames[schema.PLACEMENTS], frames[schema.ASSESSMENTS]
    pl = pl.join(p.set_index("plan_id")[["issued_on", "ceased_on"]].add_prefix("plan_"), on="plan_id")
    rows: list[tuple[str, str, str]] = []

    def ts(text: str) -> pd.Timestamp:
        return pd.Timestamp(text)

    def n_active(d: str) -> int:
        return int(_active(p, ts(d)).sum())

    def avg_cost(d: str) -> float:
        return float(_current(p, pl, ts(d))["annual_cost"].sum()) / n_active(d)

    for d, target in list(ACTIVE_ANCHORS.items())[1:]:
        rows.append((f"Active plans at {d}", f"{target:,}", f"{n_active(d):,}"))
    growth = (n_active("2024-11-30") - n_active("2024-08-31")) / 3
    rows.append(("Net growth in active plans a month, Sep-Nov 2024", "about 40", f"{growth:.0f}"))
    jan = ts("2024-01-31")
    cur = _current(p, pl, jan)
    group = cur["setting"].map(schema.SETTING_GROUP)
    share = group.value_counts() / n_active("2024-01-31") * 100
    for g, target in (("mainstream", "43%"), ("special", "29%"), ("fe", "14%")):
        rows.append(
            (f"Placements at 2024-01-31: {g} group, % of active plans", target, f"{share.get(g, 0):.1f}%")
        )
    rest = 100 - sum(share.get(g, 0) for g in ("mainstream", "special", "fe"))
    rows.append(
        (
            "Placements at 2024-01-31: all other (AP, elsewhere, NEET, early years, none)",
            "14%",
            f"{rest:.1f}%",
        )
    )
    inmss = cur["setting"].isin(schema.INDEPENDENT_SETTINGS_INMSS)
    rows.append(
        (
            "INMSS share of special-school placements at 2024-01-31",
            "about 30%",
            f"{inmss.sum() / (group == 'special').sum() * 100:.1f}%",
        )
    )
    for d, target in (("2019-01-31", "about 260"), ("2024-11-30", "about 880")):
        n = int(_current(p, pl, ts(d))["setting"].isin(schema.INDEPENDENT_SETTINGS_INMSS).sum())
        rows.append((f"INMSS placements at {d}", target, f"{n:,}"))
    nov, oct_ = avg_cost("2024-11-30"), avg_cost("2024-10-31")
    rows.append(("MI average cost of an EHCP at 2024-11-30", f"£{AVG_COST_TARGET:,.0f}", f"£{nov:,.0f}"))
    rows.append(("Change from 2024-10-31 (first fall since April 2024)", "about -£80", f"£{nov - oct_:,.0f}"))
    months = pd.date_range("2024-04-30", "2024-10-31", freq="ME")
    avgs = [avg_cost(str(d.date())) for d in months]
    rises = sum(b > a_ for a_, b in zip(avgs, avgs[1:], strict=False))
    rows.append(("Months May-Oct 2024 in which the MI average rose", "6 of 6", f"{rises} of 6"))
    cur_nov = _current(p, pl, ts("2024-11-30"))
    for setting, target in (
        ("mainstream_academy", 8_500),
        ("special_la_maintained", 22_000),
        ("special_academy_free", 24_000),
        ("special_independent", 58_000),
        ("special_non_maintained", 55_000),
        ("general_fe_tertiary_colleges", 9_000),
        ("specialist_post_16_institutions", 45_000),
    ):
        mean = cur_nov.loc[cur_nov["setting"] == setting, "annual_cost"].mean()
        rows.append(
            (f"Mean annual cost, {setting}, placements at 2024-11-30", f"about £{target:,}", f"£{mean:,.0f}")
        )
    joint = (pl["health_contribution"] > 0) | (pl["social_care_contribution"] > 0)
    inmss_rows = pl["setting"].isin(schema.INDEPENDENT_SETTINGS_INMSS)
    rows.append(
        (
            "INMSS placements jointly funded by health or social care (% of INMSS placement rows)",
            "a few %",
            f"{(joint & inmss_rows).sum() / inmss_rows.sum() * 100:.1f}%",
        )
    )
    ry = a["received_on"].dt.year
    for y, target in RECEIVED_PER_YEAR.items():
        if y >= 2019:
            label = " (Jan-Nov; 11/12 of 2,265)" if y == 2024 else ""
            rows.append((f"Requests received in {y}{label}", f"{target:,}", f"{int((ry == y).sum()):,}"))
    for y in (2022, 2023, 2024):
        refused = (a.loc[ry == y, "decision"] == "refuse").fillna(False).mean() * 100
        rows.append((f"Requests received in {y} refused", "about a third", f"{refused:.1f}%"))
    iy = p["issued_on"].dt.year
    for y, target in ISSUED_PER_YEAR.items():
        if y >= 2019:
            label = " (Jan-Nov; 11/12 of 1,491)" if y == 2024 else ""
            rows.append((f"New plans issued in {y}{label}", f"{target:,}", f"{int((iy == y).sum()):,}"))
    for y, target in TIMELY_SHARE.items():
        if y >= 2019:
            x = a[(a["issued_on"].dt.year == y) & ~a["exception"]]
            rate = ((x["issued_on"] - x["received_on"]).dt.days <= 140).mean() * 100
            rows.append(
                (f"20-week timeliness {y} (excluding exceptions)", f"{target * 100:.1f}%", f"{rate:.1f}%")
            )
    d = AS_OF
    closed = (
        (a["issued_on"] <= d)
        | ((a["decision"] == "refuse") & (a["decision_on"] <= d))
        | (a["closed_on"] <= d)
    ).fillna(False)
    overdue = int(((a["received_on"] <= d) & ~closed & ((d - a["received_on"]).dt.days > 140)).sum())
    rows.append(("Requests open and over 20 weeks at 2024-11-30", f"{OVERDUE_AT_AS_OF}", f"{overdue}"))

    def completed(month: str) -> int:
        per = pd.Period(month, "M")
        issued = a["issued_on"].dt.to_period("M") == per
        no_plan = (
            (a["decision"] == "assess")
            & (a["outcome"] == "no_plan")
            & (a["closed_on"].dt.to_period("M") == per)
        )
        return int((issued | no_plan.fillna(False)).sum())

    rows.append(
        (
            "Assessments completed Nov 2024 / Nov 2023",
            "about 2",
            f"{completed('2024-11') / completed('2023-11'):.2f} ({completed('2024-11')} / "
            f"{completed('2023-11')})",
        )
    )
    t = frames[schema.PLAN_TRAJECTORY]
    planned = int(t.loc[t["month"] == ts("2025-01-31"), "planned_ehcps"].iloc[0])
    rows.append(("Safety Valve planned EHCPs at 2025-01-31", "9,372", f"{planned:,}"))
    b = frames[schema.BUDGET].set_index("financial_year")
    rows.append(("High-needs budget 2024-25", "£155.4m", f"£{b.loc['2024-25', 'hnb_budget'] / 1e6:.1f}m"))
    rows.append(
        (
            "Safety Valve overspend cap 2024-25",
            "£31.2m",
            f"£{b.loc['2024-25', 'safety_valve_overspend_cap'] / 1e6:.1f}m",
        )
    )
    agreed = (b["planned_deficit"] - b["safety_valve_contribution"]).cumsum()
    rows.append(
        (
            f"Agreed cumulative deficit at the end of {b.index[-1]} (the agreement's last year)",
            "£0.0m",
            f"£{agreed.iloc[-1] / 1e6:.1f}m",
        )
    )
    panel = frames[schema.PANEL_DECISIONS]
    to_date = panel[panel["decided_on"] <= AS_OF]
    rows.append(
        (
            f"Expenditure panel: annual value of decisions reviewed {panel['decided_on'].min():%d %b} to "
            f"{AS_OF:%d %b %Y}",
            "about £7.0m",
            f"£{to_date['amount_requested'].sum() / 1e6:.1f}m",
        )
    )
    rows.append(
        (
            "Expenditure panel: decisions reviewed (about 8 a working day)",
            "about 240",
            f"{len(to_date):,}",
        )
    )
    return pd.DataFrame(rows, columns=["measure", "target", "achieved"])
