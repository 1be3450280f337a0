"""DfE's 20-week timeliness of new EHC plans, computed from the local ``assessments`` table.

Definition (DfE SEN2, file ``timeliness_20_week.csv`` of "Education, health and care plans"): of the
new plans **issued in a calendar year**, the share issued within 20 weeks of the request being
received. Period type: calendar year (January-December), by ``issued_on``; also year to date.

- Denominator ``plans_issued_den``: requests with a final plan issued (``issued_on`` in the period).
  Refused requests, assessments ending with no plan and withdrawn requests are not in it.
- Headline (``PC_plans_issued_20_weeks_ex``) **excludes** requests with a legal exception
  (``exception`` true) from numerator and denominator; the ``*_ex``-less columns include them.
- Days to issue = ``issued_on - received_on`` in whole days. Bands, as DfE names them:
  ``within_20_weeks``: at most 140 days (day 140 is on time);
  ``gt20weeks_ltYear`` ("between 20 and 52 weeks"): 141 to 364 days;
  ``gt_1_year`` ("after 52 weeks"): 365 days or more.
  The three bands partition the denominator, as in DfE's file (Devon 2023: 48 + 675 + 257 = 980).
- Percentages are unrounded (DfE publishes one decimal place: round with ``round(x, 1)`` to compare).
- ``avg_weeks_to_issue``: mean of days to issue / 7 (DfE does not publish this in the file; it is
  a sendlib addition), including and excluding exceptions.

Polarity: higher timeliness is better; lower average weeks is better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WITHIN_DAYS = 140
YEAR_DAYS = 364  # 52 weeks: more than this is DfE's "after 52 weeks"

#: DfE's count columns (timeliness_20_week.csv), in file order, then sendlib additions.
COUNT_COLUMNS = (
    "plans_issued_den",
    "plans_issued_den_ex",
    "plans_issued_within_20_weeks",
    "plans_issued_20_weeks_ex",
    "plans_issued_gt20weeks_ltYear",
    "plans_issued_gt20weeks_ltYear_ex",
    "plans_issued_gt_1_year",
    "plans_issued_gt_1_year_ex",
)
PERCENT_COLUMNS = (
    "pc_plans_issued_within_20_weeks",
    "PC_plans_issued_20_weeks_ex",
    "pc_plans_issued_gt20weeks_ltYear",
    "PC_plans_issued_gt20weeks_ltYear_ex",
    "pc_plans_issued_gt_1_year",
    "PC_plans_issued_gt_1_year_ex",
)
EXTRA_COLUMNS = ("avg_weeks_to_issue", "avg_weeks_to_issue_ex")


def days_to_issue(assessments: pd.DataFrame) -> pd.Series:
    """Whole days from request received to final plan issued (NaN where no plan was issued)."""
    issued = assessments["issued_on"]
    return ((issued - assessments["received_on"]).dt.days).astype("float64").rename("days_to_issue")


def _timeliness_frame(assessments: pd.DataFrame, keys: np.ndarray) -> pd.DataFrame:
    """Counts, percentages and averages per key, for issued plans only (keys NaN = not in any period)."""
    days = days_to_issue(assessments).to_numpy()
    ex = ~assessments["exception"].fillna(False).to_numpy(bool)
    issued = ~np.isnan(days) & pd.notna(keys)
    frame = pd.DataFrame(
        {
            "key": keys[issued],
            "days": days[issued],
            "ex": ex[issued],
        }
    )
    frame["within"] = frame["days"] <= WITHIN_DAYS
    frame["mid"] = (frame["days"] > WITHIN_DAYS) & (frame["days"] <= YEAR_DAYS)
    frame["over"] = frame["days"] > YEAR_DAYS
    g_all = frame.groupby("key")
    g_ex = frame[frame["ex"]].groupby("key")
    out = pd.DataFrame(
        {
            "plans_issued_den": g_all.size(),
            "plans_issued_den_ex": g_ex.size(),
            "plans_issued_within_20_weeks": g_all["within"].sum(),
            "plans_issued_20_weeks_ex": g_ex["within"].sum(),
            "plans_issued_gt20weeks_ltYear": g_all["mid"].sum(),
            "plans_issued_gt20weeks_ltYear_ex": g_ex["mid"].sum(),
            "plans_issued_gt_1_year": g_all["over"].sum(),
            "plans_issued_gt_1_year_ex": g_ex["over"].sum(),
        }
    )
    out = out.fillna(0).astype("int64")
    pairs = [
        ("pc_plans_issued_within_20_weeks", "plans_issued_within_20_weeks", "plans_issued_den"),
        ("PC_plans_issued_20_weeks_ex", "plans_issued_20_weeks_ex", "plans_issued_den_ex"),
        ("pc_plans_issued_gt20weeks_ltYear", "plans_issued_gt20weeks_ltYear", "plans_issued_den"),
        ("PC_plans_issued_gt20weeks_ltYear_ex", "plans_issued_gt20weeks_ltYear_ex", "plans_issued_den_ex"),
        ("pc_plans_issued_gt_1_year", "plans_issued_gt_1_year", "plans_issued_den"),
        ("PC_plans_issued_gt_1_year_ex", "plans_issued_gt_1_year_ex", "plans_issued_den_ex"),
    ]
    for col, num, den in pairs:
        out[col] = np.where(out[den] > 0, 100.0 * out[num] / out[den].where(out[den] > 0, 1), np.nan)
    out["avg_weeks_to_issue"] = g_all["days"].mean() / 7.0
    out["avg_weeks_to_issue_ex"] = g_ex["days"].mean() / 7.0
    return out


def timeliness_20_week_by_year(assessments: pd.DataFrame, years=None) -> pd.DataFrame:
    """DfE 20-week timeliness per calendar year of issue (tidy: one row per year, DfE column names).

    Counts of plans issued (by ``issued_on`` year), percentages (0-100, unrounded) and average weeks
    to issue, including and excluding exception cases. ``years``: the years to report (default:
    every year with an issued plan); a year with no plans has zero counts and NaN percentages.
    """
    issued = assessments["issued_on"]
    keys = issued.dt.year.to_numpy(dtype="float64", na_value=np.nan)
    out = _timeliness_frame(assessments, keys)
    if years is not None:
        out = out.reindex([float(y) for y in years])
        counts = list(COUNT_COLUMNS)
        out[counts] = out[counts].fillna(0).astype("int64")
    out.index = out.index.astype("int64")
    out.index.name = "year"
    return out[list(COUNT_COLUMNS) + list(PERCENT_COLUMNS) + list(EXTRA_COLUMNS)].sort_index()


def timeliness_20_week_period(assessments: pd.DataFrame, start, end) -> pd.Series:
    """DfE 20-week timeliness for plans issued from ``start`` to ``end`` inclusive (one row as Series).

    For year to date use :func:`timeliness_20_week_ytd`.
    """
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    issued = assessments["issued_on"]
    inside = ((issued >= start) & (issued <= end)).fillna(False).to_numpy(bool)
    keys = np.where(inside, 1.0, np.nan)
    out = _timeliness_frame(assessments, keys)
    if out.empty:
        out = _timeliness_frame(assessments.iloc[:0], np.array([]))
        out.loc[1.0] = 0
        out[list(PERCENT_COLUMNS) + list(EXTRA_COLUMNS)] = np.nan
    row = out.iloc[0]
    return row[list(COUNT_COLUMNS) + list(PERCENT_COLUMNS) + list(EXTRA_COLUMNS)].rename(
        f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
    )


def timeliness_20_week_ytd(assessments: pd.DataFrame, as_of) -> pd.Series:
    """Year-to-date DfE 20-week timeliness: plans issued from 1 January of ``as_of``'s year to ``as_of``."""
    as_of = pd.Timestamp(as_of).normalize()
    return timeliness_20_week_period(assessments, pd.Timestamp(year=as_of.year, month=1, day=1), as_of)


def timeliness_20wk_excl_exceptions_ytd(assessments: pd.DataFrame, as_of) -> float:
    """Headline: % of plans issued this calendar year to ``as_of`` within 20 weeks, excluding exceptions.

    Percent (0-100), unrounded; NaN when no non-exception plan was issued. Higher is better.
    """
    return float(timeliness_20_week_ytd(assessments, as_of)["PC_plans_issued_20_weeks_ex"])


#: Units of :func:`headline_section`'s keys (merged into :func:`sendlib.headlines.units`).
HEADLINE_UNITS: dict[str, str] = {
    "timeliness_20wk_excl_exceptions_ytd": "%",
    "plans_issued_ytd_excl_exceptions": "plans",
    "plans_issued_ytd_within_20wk_excl_exceptions": "plans",
}


def headline_section(extract, period_end: pd.Timestamp) -> dict:
    """Timeliness headline keys for the month ending ``period_end``.

    ``timeliness_20wk_excl_exceptions_ytd``: percent (0-100, 4 decimals; None when no plan was issued)
    of plans issued within 20 weeks, DfE definition, calendar year to the month end, excluding exception
    cases; its denominator ``plans_issued_ytd_excl_exceptions`` and numerator
    ``plans_issued_ytd_within_20wk_excl_exceptions`` (counts of plans).
    """
    ytd = timeliness_20_week_ytd(extract.assessments, pd.Timestamp(period_end).normalize())
    rate = float(ytd["PC_plans_issued_20_weeks_ex"])
    return {
        "timeliness_20wk_excl_exceptions_ytd": None if np.isnan(rate) else round(rate, 4),
        "plans_issued_ytd_excl_exceptions": int(ytd["plans_issued_den_ex"]),
        "plans_issued_ytd_within_20wk_excl_exceptions": int(ytd["plans_issued_20_weeks_ex"]),
    }

__all__ = [
    "days_to_issue",
    "headline_section",
    "timeliness_20_week_by_year",
    "timeliness_20_week_period",
    "timeliness_20_week_ytd",
    "timeliness_20wk_excl_exceptions_ytd",
]
