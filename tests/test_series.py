"""The monthly series: wide headline frame and long breakdown frame."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sendlib import monthly_series, series
from tests.engine_fixtures import four_plans, four_plans_one_uncosted


@pytest.fixture
def ex():
    """The A-D extract of tests/engine_fixtures.py (arithmetic there), extract date 14 May 2024."""
    return four_plans(as_of="2024-05-14")


def test_shape_index_and_defaults(ex):
    s = monthly_series(ex)
    # default start: first plan issued May 2023 (later than April 2018); end: last full month of
    # as_of 14 May 2024 = April 2024 -> 12 month ends
    assert s.index.name == "month_end"
    assert isinstance(s.index, pd.DatetimeIndex) and s.index.is_monotonic_increasing
    assert s.index[0] == pd.Timestamp("2023-05-31") and s.index[-1] == pd.Timestamp("2024-04-30")
    assert list(s.columns) == list(series.SERIES_COLUMNS)


def test_values_hand_computed(ex):
    s = monthly_series(ex, start="2024-01", end="2024-04-30")
    assert s["ehcp_active"].tolist() == [3, 4, 3, 3]
    assert s["ehcp_issued"].tolist() == [1, 1, 0, 0]  # B in Jan, D in Feb
    assert s["ehcp_ceased"].tolist() == [0, 0, 1, 0]  # C on 31 Mar
    assert s["plans_without_placement"].tolist() == [0, 1, 1, 1]  # D from Feb
    assert s["committed_cost"].tolist() == [69_000, 69_000, 60_000, 70_000]
    assert s["committed_cost_net"].tolist() == [54_000, 54_000, 45_000, 55_000]
    assert s["avg_cost_per_ehcp"].tolist() == pytest.approx([23_000, 17_250, 20_000, 70_000 / 3])
    assert s["avg_cost_per_ehcp_net"].tolist() == pytest.approx([18_000, 13_500, 15_000, 55_000 / 3])
    # partner share: 15,000 / 69,000; 15,000 / 60,000 = 25%; 15,000 / 70,000
    assert s["partner_share_cost"].tolist() == pytest.approx([1500 / 69, 1500 / 69, 25, 150 / 7])
    assert s["independent_placements"].tolist() == [1, 1, 1, 1]
    # independent share of active plans: 1/3, 1/4, 1/3, 1/3
    assert s["independent_share_count"].tolist() == pytest.approx([100 / 3, 25, 100 / 3, 100 / 3])
    # special-school placements: Jan-Mar B only (100%); Apr A (LA special) and B (50%)
    assert s["special_school_placements"].tolist() == [1, 1, 1, 2]
    assert s["independent_share_special"].tolist() == pytest.approx([100, 100, 100, 50])
    # cost share: 50,000 / 69,000; 50,000 / 69,000; 50,000 / 60,000; 50,000 / 70,000
    assert s["independent_share_cost"].tolist() == pytest.approx([5000 / 69, 5000 / 69, 500 / 6, 500 / 7])
    assert s["independent_new_placements"].tolist() == [1, 0, 0, 0]  # B starts 15 Jan
    # no placement is in the broad-only settings: broad equals INMSS here
    assert s["independent_placements_broad"].tolist() == s["independent_placements"].tolist()


def test_stock_and_flow_identity(ex):
    s = monthly_series(ex)
    a = s["ehcp_active"].to_numpy()
    assert (a[1:] == a[:-1] + s["ehcp_issued"].to_numpy()[1:] - s["ehcp_ceased"].to_numpy()[1:]).all()


def test_counts_are_ints_and_json_friendly(ex):
    s = monthly_series(ex)
    for col in ("ehcp_active", "ehcp_issued", "ehcp_ceased", "independent_placements"):
        assert s[col].dtype.kind == "i", col
    json.dumps(s.reset_index().astype({"month_end": str}).to_dict("records"))


def test_long_frame_adds_up_to_the_wide_frame(ex):
    wide = monthly_series(ex)
    long = series.monthly_by_setting(ex)
    assert list(long.columns) == [
        "month_end",
        "setting",
        "sector",
        "group",
        "active",
        "costed",
        "cost",
        "cost_net",
        "new_placements",
        "avg_cost_per_place",
    ]
    totals = long.groupby("month_end")[["cost", "cost_net"]].sum()
    assert totals["cost"].to_numpy() == pytest.approx(wide["committed_cost"].to_numpy())
    assert totals["cost_net"].to_numpy() == pytest.approx(wide["committed_cost_net"].to_numpy())
    # only settings that appear are listed: 4 settings x 12 months
    assert len(long) == 4 * 12
    apr = long[(long["month_end"] == "2024-04-30") & (long["setting"] == "special_la_maintained")]
    assert apr[["active", "costed", "cost", "avg_cost_per_place"]].iloc[0].tolist() == [1, 1, 20_000, 20_000]
    assert len(series.monthly_by_setting(ex, all_settings=True)) == 12 * 33


def test_blank_cost_in_the_series():
    """Fixture A-D plus E (special_independent from 1 Feb, annual_cost blank); see engine_fixtures."""
    ex = four_plans_one_uncosted(as_of="2024-05-14")
    s = monthly_series(ex, start="2024-01", end="2024-04-30")
    # E is an active plan from Feb and its placement a current INMSS placement, at £0 in every sum
    assert s["ehcp_active"].tolist() == [3, 5, 4, 4]
    assert s["plans_without_placement"].tolist() == [0, 1, 1, 1]  # D only: E has a placement
    assert s["committed_cost"].tolist() == [69_000, 69_000, 60_000, 70_000]
    # MI average (committed cost / every active plan, E at £0):
    # 69,000 / 3 = 23,000; 69,000 / 5 = 13,800; 60,000 / 4 = 15,000; 70,000 / 4 = 17,500
    assert s["avg_cost_per_ehcp"].tolist() == pytest.approx([23_000, 13_800, 15_000, 17_500])
    assert s["independent_placements"].tolist() == [1, 2, 2, 2]  # B, and E from Feb
    assert s["independent_cost"].tolist() == [50_000] * 4
    assert np.isfinite(s.to_numpy(dtype=float)).all()
    long = series.monthly_by_setting(ex, start="2024-01", end="2024-04-30").set_index(["month_end", "setting"])
    # special_independent: Jan B alone (50,000 / 1); Feb-Apr B and E, 1 costed: 50,000 / 1 = 50,000
    # (E counted as a £0 place would give 25,000)
    ind = long.xs("special_independent", level="setting")
    assert ind["active"].tolist() == [1, 2, 2, 2]
    assert ind["costed"].tolist() == [1, 1, 1, 1]
    assert ind["avg_cost_per_place"].tolist() == [50_000] * 4
    # a setting whose only current placement is uncosted has no mean: E alone in Feb if B moves sector
    ex.placements.loc[ex.placements["plan_id"] == "B", "setting"] = "special_non_maintained"
    long = series.monthly_by_setting(ex, start="2024-02", end="2024-02-29").set_index("setting")
    assert long.loc["special_independent", ["active", "costed", "cost"]].tolist() == [1, 0, 0]
    assert np.isnan(long.loc["special_independent", "avg_cost_per_place"])


def test_end_before_start_is_an_error(ex):
    with pytest.raises(ValueError, match="before it starts"):
        monthly_series(ex, start="2024-05", end="2024-01")


def test_no_as_of_uses_the_latest_event(ex):
    ex.as_of = None
    ex.placements.loc[1, "start_on"] = pd.Timestamp("2024-04-02")  # latest event: a start on 2 April
    assert monthly_series(ex).index[-1] == pd.Timestamp("2024-03-31")


def test_no_as_of_latest_event_on_the_first_of_a_month(ex):
    ex.as_of = None  # latest event: A's special placement starts 1 April 2024 -> March is the last full month
    assert monthly_series(ex).index[-1] == pd.Timestamp("2024-03-31")


def test_sample_against_plain_python_loop(sample_extract):
    ex = sample_extract
    s = monthly_series(ex)
    assert s.index[0] == pd.Timestamp("2018-04-30") and s.index[-1] == pd.Timestamp("2024-11-30")
    months = [pd.Timestamp("2019-01-31"), pd.Timestamp("2021-08-31"), pd.Timestamp("2024-11-30")]
    for d in months:
        start = d - pd.offsets.MonthBegin(1)
        active = issued = ceased = 0
        for r in ex.plans.itertuples():
            if r.issued_on <= d and (pd.isna(r.ceased_on) or r.ceased_on > d):
                active += 1
            if start <= r.issued_on <= d:
                issued += 1
            if not pd.isna(r.ceased_on) and start <= r.ceased_on <= d and r.ceased_on > r.issued_on:
                ceased += 1
        assert s.loc[d, "ehcp_active"] == active
        assert s.loc[d, "ehcp_issued"] == issued
        assert s.loc[d, "ehcp_ceased"] == ceased
    assert np.isfinite(s["avg_cost_per_ehcp"]).all()
