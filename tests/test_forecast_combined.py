"""The combined new-plans option of the flow model (``new_plans="combined"``): half conversion x lagged
requests (demand), half the recent issue rate (capacity), by hand and against plain counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sendlib import forecast
from tests.forecast_fixtures import FLOW_AS_OF, flow_extract
from tests.test_forecast import hand_model, periods_back


def combined(**changes) -> forecast.FlowModel:
    """The hand model (1,000 plans, 100 requests a month, lag 2, conversion 0.5, ceasing 1% a month) with
    a recent issue rate of 30 plans a month, weighted one half."""
    return hand_model(issue_rate=30.0, capacity_weight=0.5, new_plans="combined", **changes)


def test_combined_projection_by_hand():
    f = forecast.project_caseload(combined(), n_sims=0).frame
    # every month: new = 0.5 x (0.5 x 100) + 0.5 x 30 = 40; Dec ceased 10 -> 1,030; Jan ceased 10.3 -> 1,059.7
    assert f["new"].iloc[:3].tolist() == pytest.approx([40, 40, 40])
    assert f["ceased"].iloc[:2].tolist() == pytest.approx([10, 10.3])
    assert f["active"].iloc[:2].tolist() == pytest.approx([1030, 1059.7])


def test_combined_weight_zero_is_the_demand_model():
    plain = forecast.project_caseload(hand_model(), n_sims=0).frame
    zero = forecast.project_caseload(hand_model(issue_rate=30.0, capacity_weight=0.0), n_sims=0).frame
    pd.testing.assert_frame_equal(plain, zero)


def test_combined_request_growth_scenario_by_hand():
    base = forecast.project_caseload(combined(), n_sims=0).frame["new"]
    g = 0.12
    grown = forecast.project_caseload(combined(), scenario=forecast.Scenario(request_growth=g), n_sims=0).frame["new"]
    # lag 2: December's and January's new plans come from requests already received (October,
    # November), so neither half grows; the capacity view waits for the extra requests as demand does
    assert (grown.iloc[:2] - base.iloc[:2]).tolist() == pytest.approx([0, 0])
    # Feb: December's requests 100 x 1.12^(1/12) (demand) and the issue rate 30 x 1.12^(1/12) (capacity)
    feb = 0.5 * 0.5 * 100 * 1.12 ** (1 / 12) + 0.5 * 30 * 1.12 ** (1 / 12)
    assert grown.iloc[2] == pytest.approx(feb)
    # Mar: both x 1.12^(2/12)
    assert grown.iloc[3] == pytest.approx((0.5 * 0.5 * 100 + 0.5 * 30) * 1.12 ** (2 / 12))
    v = forecast.new_plan_views(forecast.project_caseload(combined(), scenario=forecast.Scenario(request_growth=g),
                                                          n_sims=0), months=4)
    # the capacity view over 4 months: 30 x (1 + 1 + 1.12^(1/12) + 1.12^(2/12)) / 4
    assert v["capacity"] == pytest.approx(30 * (2 + 1.12 ** (1 / 12) + 1.12 ** (2 / 12)) / 4)


def test_combined_conversion_scenario_scales_both_halves_by_hand():
    f = forecast.project_caseload(combined(), scenario=forecast.Scenario(conversion=0.6), n_sims=0).frame
    # demand half 0.5 x 0.6 x 100 = 30; capacity half 0.5 x 30 x 0.6 / 0.5 = 18
    assert f["new"].iloc[0] == pytest.approx(48)


def _count_in(dates: pd.Series, first: str, last: str) -> int:
    """Dates from the start of month ``first`` to the end of month ``last`` (YYYY-MM), a plain count."""
    lo, hi = pd.Timestamp(first + "-01"), pd.Timestamp(last + "-01") + pd.offsets.MonthEnd(0)
    return int(((dates >= lo) & (dates <= hi)).sum())


def test_sample_combined_model_against_plain_counts(sample_extract):
    demand = forecast.estimate_flow_model(sample_extract, "2024-11-30", new_plans="requests")
    both = forecast.estimate_flow_model(sample_extract, "2024-11-30", new_plans="combined")
    # the demand half is the default model's: same lag, conversion, hazard, trend
    assert both.lag_months == demand.lag_months and both.conversion == demand.conversion
    assert np.array_equal(both.hazard, demand.hazard) and both.requests_slope == demand.requests_slope
    assert both.capacity_weight == forecast.CAPACITY_WEIGHT == 0.5
    months = pd.DatetimeIndex(["2024-09-30", "2024-10-31", "2024-11-30"])
    assert both.issue_rate == pytest.approx(np.mean([_count_in(sample_extract.plans["issued_on"], f"{m:%Y-%m}", f"{m:%Y-%m}") for m in months]))


def test_sample_combined_one_step_rates_never_see_their_own_month(sample_extract):
    """Each residual month t's fitted new plans are half the demand model's (conversion fitted at t - 1
    x requests lag months earlier) plus half the mean issued in the 3 months before t (plain counts):
    month t's own issues never enter its fitted value."""
    both = forecast.estimate_flow_model(sample_extract, "2024-11-30", new_plans="combined")
    rates = forecast.one_step_rates(sample_extract, both)
    demand = forecast.one_step_rates(
        sample_extract, forecast.estimate_flow_model(sample_extract, "2024-11-30", new_plans="requests")
    )
    for t in pd.DatetimeIndex(["2022-03-31", "2023-09-30", "2024-11-30"]):
        before = [periods_back(t, k) for k in (1, 2, 3)]
        capacity = np.mean([_count_in(sample_extract.plans["issued_on"], f"{m:%Y-%m}", f"{m:%Y-%m}") for m in before])
        expected = 0.5 * demand.loc[t, "conversion"] * demand.loc[t, "requests"] + 0.5 * capacity
        assert rates.loc[t, "new_fitted"] == pytest.approx(expected, rel=1e-12)
        assert rates.loc[t, "residual"] == pytest.approx(
            rates.loc[t, "issued"] - rates.loc[t, "ceased"] - (expected - rates.loc[t, "hazard"] * rates.loc[t, "prev"])
        )


def test_hand_extract_combined_by_hand():
    """The hand-built extract of tests/forecast_fixtures.py (its demand half is worked in
    tests/test_forecast.py: lag 2, conversion 0.4, Oct / Nov 2024 requests 5 / 25)."""
    m = forecast.estimate_flow_model(flow_extract(), FLOW_AS_OF)  # the default: combined
    # no plan was issued in Sep-Nov 2024 (20 on 15 Aug 2024, the next 5 on 2 Dec 2024): capacity 0
    assert m.new_plans == "combined" and m.issue_rate == 0.0 and m.capacity_weight == 0.5
    f = forecast.project_caseload(m, n_sims=0).frame
    # Dec 2024: 0.5 x 0.4 x 5 + 0.5 x 0 = 1; Jan 2025: 0.5 x 0.4 x 25 = 5
    assert f["new"].iloc[:2].tolist() == pytest.approx([1, 5])
    r = m.residuals
    # Dec 2022 (12): demand 1/3 (test_hand_extract_one_step_residuals); nothing issued Sep-Nov 2022 (4 in
    #   Jun 2022): capacity 0 -> new 1/6; 2 ceased, h = 0 -> -2 - 1/6
    assert r[12] == pytest.approx(-2 - 1 / 6)
    # Aug 2024 (32): 20 issued; demand 11/14; nothing issued May-Jul 2024 -> new 11/28 -> 20 - 11/28
    assert r[32] == pytest.approx(20 - 11 / 28)


def test_capacity_weight_fades_after_a_year_by_hand():
    end = pd.Timestamp("2027-05-31")  # 30 months ahead of November 2024
    both = forecast.project_caseload(combined(), end=end, n_sims=0).frame["new"]
    demand = forecast.project_caseload(hand_model(), end=end, n_sims=0).frame["new"]  # 50 a month
    assert forecast.CAPACITY_MONTHS == 12
    # months 1-12 ahead: 0.5 x 50 + 0.5 x 30 = 40; 18 ahead (May 2026): weight 0.5 x 6/12 = 0.25 ->
    # 0.75 x 50 + 0.25 x 30 = 45; 24 ahead and later: the demand view alone
    assert both.iloc[:12].tolist() == pytest.approx([40] * 12)
    assert both.loc["2026-05-31"] == pytest.approx(45)
    assert both.iloc[23:].tolist() == pytest.approx(demand.iloc[23:].tolist())
    assert both.iloc[23:].tolist() == pytest.approx([50] * 7)


def test_new_plan_views_by_hand():
    v = forecast.new_plan_views(forecast.project_caseload(combined(), n_sims=0))
    # demand 0.5 x 100 = 50 a month; capacity 30; weight 0.5 for the 12 months; new 40
    assert v["months"] == 12 and v["lag_months"] == 2 and v["recent_months"] == 3
    assert (v["demand"], v["capacity"], v["capacity_weight"], v["new_plans"]) == pytest.approx((50, 30, 0.5, 40))
    # a conversion scenario of 0.6 (estimated 0.5): demand 60, capacity 30 x 1.2 = 36, new 48
    up = forecast.project_caseload(combined(), scenario=forecast.Scenario(conversion=0.6), n_sims=0)
    v = forecast.new_plan_views(up)
    assert (v["demand"], v["capacity"], v["new_plans"], v["conversion"]) == pytest.approx((60, 36, 48, 0.6))
    # over 18 months the weight is 0.5 for 12 and 0.5 x (12 - k) / 12 for k = 1..6 months more
    long = forecast.project_caseload(combined(), end="2026-05-31", n_sims=0)
    w18 = (12 * 0.5 + sum(0.5 * (12 - k) / 12 for k in range(1, 7))) / 18
    assert forecast.new_plan_views(long, months=18)["capacity_weight"] == pytest.approx(w18)
    # the demand view alone: no capacity figure
    assert np.isnan(forecast.new_plan_views(forecast.project_caseload(hand_model(), n_sims=0))["capacity"])


def test_sample_new_plan_views_against_plain_counts(sample_extract):
    fc = forecast.forecast_caseload(sample_extract, "2024-11-30", n_sims=0)
    assert fc.model.lag_months == 8
    # conversion: plans issued Dec 2023 - Nov 2024 / requests received 8 months earlier, Apr 2023 - Mar 2024
    received = sample_extract.assessments["received_on"]
    conversion = _count_in(sample_extract.plans["issued_on"], "2023-12", "2024-11") / _count_in(
        received, "2023-04", "2024-03")
    # the next 8 months' new plans come from requests already received, Apr - Nov 2024
    monthly = [_count_in(received, m, m) for m in pd.period_range("2024-04", "2024-11", freq="M").astype(str)]
    v = forecast.new_plan_views(fc, months=8)
    assert v["conversion"] == pytest.approx(conversion, rel=1e-12)
    assert v["demand"] == pytest.approx(conversion * np.mean(monthly), rel=1e-12)
    issued = [_count_in(sample_extract.plans["issued_on"], m, m) for m in ("2024-09", "2024-10", "2024-11")]
    assert v["capacity"] == pytest.approx(np.mean(issued)) and v["capacity_weight"] == 0.5
    assert v["new_plans"] == pytest.approx(0.5 * v["demand"] + 0.5 * v["capacity"])


def test_new_plans_sentence_on_the_sample(sample_extract):
    from sendlib import notebook

    fc = forecast.forecast_caseload(sample_extract, "2024-11-30", n_sims=0)
    v = forecast.new_plan_views(fc)
    text = notebook.new_plans_sentence(fc, sample_extract)
    # 141, 146 and 152 plans issued in Sep, Oct and Nov 2024 (plain counts): 146.3 a month
    issued = [_count_in(sample_extract.plans["issued_on"], m, m) for m in ("2024-09", "2024-10", "2024-11")]
    assert f"the service issued {np.mean(issued):,.0f} a month over the last 3 months" in text
    assert f"about {v['demand']:,.0f} new plans a month over the next 12 months" in text
    assert f"equal weight: {v['new_plans']:,.0f} new plans a month" in text
    demand_only = forecast.forecast_caseload(sample_extract, "2024-11-30", n_sims=0, new_plans="requests")
    assert "the forecast follows them" in notebook.new_plans_sentence(demand_only, sample_extract)
    rate_only = forecast.forecast_caseload(sample_extract, "2024-11-30", n_sims=0, new_plans="issue_rate")
    assert "carries that rate forward" in notebook.new_plans_sentence(rate_only, sample_extract)
    # a threshold above a stated figure (128 a month from demand) leaves the sentence out
    assert notebook.new_plans_sentence(fc, sample_extract, suppress_below=130) == ""


def test_new_plans_sentence_leaves_out_small_figures(example_dir):
    import sendlib
    from sendlib import notebook
    from sendlib.extract import from_frames

    # the example: demand 0.5 and capacity 1 plan a month read as small counts
    ex = sendlib.load(example_dir)
    small = forecast.forecast_caseload(ex, "2024-11-30", n_sims=0)
    assert small.model.issue_rate == 1.0 and notebook.new_plans_sentence(small, ex) == ""
    assert notebook.new_plans_sentence(small, ex, suppress_below=1) != ""  # no threshold: said
    # 200 plans from 2020; 10 issued a month Dec 2023 - Aug 2024, then 3, 20 and 22 in Sep, Oct, Nov 2024;
    # 20 requests a month: every stated figure is 5 or more (issue rate 15), but September's 3 is small
    issued = ["2020-01-06"] * 200 + [
        d for m in pd.date_range("2023-12-01", "2024-08-01", freq="MS") for d in [m.strftime("%Y-%m-10")] * 10
    ] + ["2024-09-10"] * 3 + ["2024-10-10"] * 20 + ["2024-11-10"] * 22
    plans = pd.DataFrame({"plan_id": [f"p{i}" for i in range(len(issued))],
                          "child_id": [f"c{i}" for i in range(len(issued))], "primary_need": "ASD",
                          "issued_on": issued, "ceased_on": None})
    received = pd.date_range("2023-01-01", "2024-11-01", freq="MS") + pd.Timedelta(days=14)
    received = np.repeat(received.strftime("%Y-%m-%d").to_numpy(), 20)
    assessments = pd.DataFrame({"request_id": [f"r{i}" for i in range(len(received))], "child_id": "x",
                                "received_on": received})
    placements = pd.DataFrame(columns=["plan_id", "setting", "start_on", "end_on", "annual_cost"])
    ex = from_frames(plans, placements, assessments, as_of=pd.Timestamp("2024-11-30"))
    fc = forecast.forecast_caseload(ex, "2024-11-30", n_sims=0)
    v = forecast.new_plan_views(fc)
    assert fc.model.issue_rate == 15.0 and min(v["demand"], v["new_plans"]) >= 5
    assert notebook.new_plans_sentence(fc, ex) == ""
    assert "the service issued 15 a month" in notebook.new_plans_sentence(fc, ex, suppress_below=3)
