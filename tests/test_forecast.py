"""Forecasts: the flow model by hand, scenarios against hand calculations, spend, plan, backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sendlib
from sendlib import config, forecast
from sendlib.extract import from_frames
from tests.engine_fixtures import four_plans_one_uncosted
from tests.forecast_fixtures import FLOW_AS_OF, flow_extract

AS_OF = pd.Timestamp("2024-11-30")


def hand_model(**changes) -> forecast.FlowModel:
    """1,000 active plans; 100 requests a month; lag 2 months; conversion 0.5; ceasing 1% a month."""
    months = pd.date_range("2022-01-31", AS_OF, freq="ME")
    params = {
        "as_of": AS_OF,
        "active": 1000,
        "requests_history": pd.Series(100.0, index=months),
        "requests_base": 100.0,
        "lag_months": 2,
        "conversion": 0.5,
        "hazard": np.full(12, 0.01),
        "residuals": np.zeros(0),
    }
    params.update(changes)
    return forecast.FlowModel(**params)


def test_projection_by_hand():
    fc = forecast.project_caseload(hand_model(), n_sims=0)
    f = fc.frame
    # Dec: new 0.5 x Oct requests (100) = 50; ceased 1% x 1,000 = 10 -> 1,040
    # Jan: new 50 (Nov requests); ceased 10.4 -> 1,079.6
    # Feb: new 50 (Dec requests, future: the 100 base); ceased 10.796 -> 1,118.804
    assert f["new"].iloc[:3].tolist() == pytest.approx([50, 50, 50])
    assert f["ceased"].iloc[:3].tolist() == pytest.approx([10, 10.4, 10.796])
    assert f["active"].iloc[:3].tolist() == pytest.approx([1040, 1079.6, 1118.804])
    # default horizon: the end of the next financial year (March 2026)
    assert f.index[0] == pd.Timestamp("2024-12-31") and f.index[-1] == pd.Timestamp("2026-03-31")


def test_scenario_request_growth_matches_hand_calculation():
    base = forecast.project_caseload(hand_model(), n_sims=0).frame["active"]
    g = 0.12
    grown = forecast.project_caseload(hand_model(), scenario=forecast.Scenario(request_growth=g), n_sims=0)
    diff = grown.frame["active"] - base
    # requests received up to Nov are actual: Dec and Jan unchanged (lag 2)
    assert diff.iloc[:2].tolist() == pytest.approx([0, 0])
    # Feb uses Dec requests: 100 x 1.12^(1/12); Mar uses Jan: 100 x 1.12^(2/12)
    dn_feb = 0.5 * 100 * (1.12 ** (1 / 12) - 1)
    dn_mar = 0.5 * 100 * (1.12 ** (2 / 12) - 1)
    # extra plans carry forward, less 1% ceasing a month: dA_Mar = dn_feb x 0.99 + dn_mar
    assert diff.loc["2025-02-28"] == pytest.approx(dn_feb)
    assert diff.loc["2025-03-31"] == pytest.approx(dn_feb * 0.99 + dn_mar)
    assert (diff.iloc[2:] > 0).all()


def test_scenario_conversion_matches_hand_calculation():
    base = forecast.project_caseload(hand_model(), n_sims=0).frame["active"]
    higher = forecast.project_caseload(hand_model(), scenario=forecast.Scenario(conversion=0.6), n_sims=0)
    diff = higher.frame["active"] - base
    # +0.1 x 100 = +10 new plans a month from December; after 4 months: 10 x (1 + .99 + .99^2 + .99^3)
    assert diff.iloc[3] == pytest.approx(10 * (1 + 0.99 + 0.99**2 + 0.99**3))
    lower = forecast.project_caseload(hand_model(), scenario=forecast.Scenario(conversion=0.4), n_sims=0)
    assert (lower.frame["active"] < base).all()


def newey_west_se(y: list[float]) -> float:
    """OLS slope of y on 0..n-1 and its Newey-West standard error, by plain loops (Bartlett weights
    1 - l / (L + 1), L = floor(4 (n / 100) ^ (2 / 9)), no small-sample correction)."""
    n = len(y)
    xbar, ybar = (n - 1) / 2, sum(y) / n
    sxx = sum((x - xbar) ** 2 for x in range(n))
    b = sum((x - xbar) * (y[x] - ybar) for x in range(n)) / sxx
    e = [y[x] - (ybar + b * (x - xbar)) for x in range(n)]
    lags = int(4 * (n / 100) ** (2 / 9))
    total = 0.0
    for t in range(n):
        for u in range(n):
            if abs(t - u) <= lags:
                total += (1 - abs(t - u) / (lags + 1)) * (t - xbar) * e[t] * (u - xbar) * e[u]
    return total**0.5 / sxx


def test_trend_in_requests_is_used_only_when_significant():
    months = pd.date_range("2022-12-31", AS_OF, freq="ME")
    rising = pd.Series(np.arange(24, dtype=float) * 2 + 100, index=months)  # +2 a month, exact
    slope, sd, p = forecast.requests_trend(rising)
    assert slope == pytest.approx(2.0) and p < 0.05
    assert sd == pytest.approx(0.0, abs=1e-9)  # an exact line: no sampling error
    flat = pd.Series(np.tile([100.0, 104.0, 98.0, 101.0], 6), index=months)
    assert forecast.requests_trend(flat)[0] == 0.0


def test_trend_slope_and_its_sd_by_hand():
    y = pd.Series([10.0, 12.0, 11.0, 15.0, 14.0, 18.0, 17.0, 21.0])  # x = 0..7
    # Kendall: 28 pairs, discordant only (12, 11), (15, 14), (18, 17): S = 25 - 3 = 22, tau 0.79, p < 0.05
    # the 28 pairwise slopes (y_j - y_i) / (j - i), sorted (0-based positions):
    #   0-2: -1 (x3)   3: 1/2   4-5: 2/3 (x2)   6-7: 1 (x2)   8: 7/6   9-17: 3/2 (x9)   18: 11/7   19: 8/5
    #   20: 5/3   21-22: 2 (x2)   23-24: 7/3 (x2)   25-27: 4 (x3)
    # slope = median = mean of positions 13 and 14 = 1.5 requests per month per month (significant: central)
    # spread: OLS slope Sxy / Sxx = 61 / 42 (Sxx = 42, ybar 14.75), intercept 14.75 - 3.5 x 61/42 = 29/3;
    # residuals 1/3, 37/42, -11/7, 41/42, -31/21, 15/14, -29/21, 7/6; L = floor(4 x 0.08^(2/9)) = 2;
    # g_t = (t - 3.5) e_t = -7/6, -185/84, 33/14, -41/84, -31/42, 45/28, -145/42, 49/12
    # S = sum g^2 + 2 (2/3) sum g_t g_t+1 + 2 (1/3) sum g_t g_t+2 = 43.726 - 4/3 x 24.244 + 2/3 x 4.911
    #   = 14.68 -> se = sqrt(14.68) / 42 = 0.0912
    slope, sd, p = forecast.requests_trend(y)
    assert p < 0.05
    assert slope == pytest.approx(1.5)
    assert sd == pytest.approx(0.0912, abs=5e-5)
    assert sd == pytest.approx(newey_west_se(y.tolist()), rel=1e-9)


def test_trend_uncertainty_is_drawn_for_a_noisy_trend_that_is_not_significant():
    # +0.5 request a month under noise of +-25: Kendall's p > 0.05, so the central path stays level, but the
    # paths draw slopes with spread sqrt(se^2 + TS slope^2) > 0 and the interval widens with the horizon
    months = pd.date_range("2022-12-31", AS_OF, freq="ME")
    noise = np.tile([20.0, -20.0, 15.0, -15.0, 0.0, 10.0, -25.0, 18.0], 3)
    noisy = pd.Series(100.0 + 0.5 * np.arange(24) + noise, index=months)  # Kendall p = 0.20
    slope, sd, p = forecast.requests_trend(noisy)
    assert p > 0.05 and slope == 0.0
    from scipy import stats

    ts = stats.theilslopes(noisy.to_numpy(), np.arange(24.0)).slope
    assert ts > 0 and sd == pytest.approx(np.hypot(newey_west_se(noisy.tolist()), ts), rel=1e-9)
    assert sd > ts > 0
    # no residuals, no level shifts: the only spread is the trend's
    model = hand_model(requests_slope=slope, requests_slope_sd=sd, requests_trend_p=p)
    fc = forecast.project_caseload(model, n_sims=400, seed=config.DEFAULT_SEED).frame
    width = fc["high80"] - fc["low80"]
    assert width.iloc[0] == pytest.approx(0.0)  # December's new plans come from October's actual requests
    assert width.iloc[-1] > 10 and width.is_monotonic_increasing
    # the old rule (no slope uncertainty unless p < 0.05) would give no interval at all
    flat = forecast.project_caseload(hand_model(requests_slope_sd=0.0), n_sims=400, seed=config.DEFAULT_SEED)
    assert (flat.frame["high80"] - flat.frame["low80"]).max() == pytest.approx(0.0)


def test_interval_components_are_zero_when_no_source_varies():
    # every source present but without variation: equal one-step errors and equal level shifts (both
    # centred to 0) and no slope spread -> no spread from any of them
    m = hand_model(residuals=np.full(6, 4.0), level_shocks=np.full(5, 0.2), requests_slope_sd=0.0)
    c = forecast.interval_components(m, n_sims=300, seed=1)
    assert list(c.columns) == [*forecast.COMPONENTS, "all", "independent"]
    assert np.abs(c.to_numpy()).max() == pytest.approx(0.0, abs=1e-9)


def test_interval_component_residuals_by_hand():
    # one-step errors -3 and +3 (mean 0), blocks of min(3, 2) = 2 months: December's stock is
    # 1,040 - 3 or 1,040 + 3 on about half the paths each -> sd 3 x 2 sqrt(p (1 - p)) ~ 3
    c = forecast.interval_components(hand_model(residuals=np.array([-3.0, 3.0])), n_sims=4000, seed=1)
    assert c["residuals"].iloc[0] == pytest.approx(3.0, rel=0.01)
    assert np.abs(c[["level", "trend"]].to_numpy()).max() == pytest.approx(0.0, abs=1e-9)
    assert (c["all"] == c["residuals"]).all()  # the same draws: the residual blocks have their own stream
    wider = forecast.interval_components(hand_model(residuals=np.array([-6.0, 6.0])), n_sims=4000, seed=1)
    assert wider["residuals"].iloc[0] == pytest.approx(6.0, rel=0.01)
    assert (wider["residuals"] > c["residuals"]).all()


def test_interval_component_level_by_hand():
    # level shifts -0.1 and +0.1 (mean 0): December's new plans are 50 exp(+-0.1 / 12), so December's
    # stock takes two values 100 sinh(0.1 / 12) apart, on about half the paths each: sd ~ half the gap
    c = forecast.interval_components(hand_model(level_shocks=np.array([-0.1, 0.1])), n_sims=4000, seed=1)
    assert c["level"].iloc[0] == pytest.approx(50 * np.sinh(0.1 / 12), rel=0.01)
    assert np.abs(c[["residuals", "trend"]].to_numpy()).max() == pytest.approx(0.0, abs=1e-9)
    assert c["level"].is_monotonic_increasing  # the shift ramps in over 12 months and then compounds
    wider = forecast.interval_components(hand_model(level_shocks=np.array([-0.2, 0.2])), n_sims=4000, seed=1)
    assert (wider["level"] > c["level"]).all()


def test_interval_component_trend_and_the_sources_add_up():
    c = forecast.interval_components(hand_model(requests_slope_sd=0.5), n_sims=2000, seed=1)
    # December's and January's new plans come from October's and November's actual requests
    assert c["trend"].iloc[:2].tolist() == pytest.approx([0.0, 0.0], abs=1e-9)
    assert c["trend"].iloc[-1] > 0 and c["trend"].is_monotonic_increasing
    assert np.abs(c[["residuals", "level"]].to_numpy()).max() == pytest.approx(0.0, abs=1e-9)
    wider = forecast.interval_components(hand_model(requests_slope_sd=1.0), n_sims=2000, seed=1)
    assert wider["trend"].iloc[-1] > 1.5 * c["trend"].iloc[-1]
    # all three at once: independent sources add their variances (up to sampling noise)
    m = hand_model(residuals=np.array([-6.0, 2.0, 4.0, -1.0]), level_shocks=np.array([-0.1, 0.1]),
                   requests_slope_sd=0.5)
    both = forecast.interval_components(m, n_sims=2000, seed=1)
    assert both["all"].to_numpy() == pytest.approx(both["independent"].to_numpy(), rel=0.05)


def test_backtest_summary_z_rms_by_hand():
    # errors +3 and -8 with simulated spreads 3 and 4: z = 1 and -2 -> sqrt((1 + 4) / 2)
    res = pd.DataFrame({"horizon": [2, 2], "error": [3.0, -8.0], "pct_error": [0.3, -0.8], "sd": [3.0, 4.0],
                        "in80": [True, False], "in95": [True, True]})
    s = forecast.backtest_flow_forecast_summary(res)
    assert s.loc[2, "z_rms"] == pytest.approx(np.sqrt(2.5))
    assert np.isnan(forecast.backtest_flow_forecast_summary(res.drop(columns="sd")).loc[2, "z_rms"])


# ---------------------------------------------------------------------------------------------------
# Estimation, on the hand-built extract of tests/forecast_fixtures.py (read its docstring first)
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flow_model():
    """The demand model alone (new plans = conversion x lagged requests); the default's capacity half is
    tested in tests/test_forecast_combined.py."""
    return forecast.estimate_flow_model(flow_extract(), FLOW_AS_OF, new_plans="requests")


def test_hand_extract_median_lag(flow_model):
    # issued in the window (after 30 Nov 2023, up to 30 Nov 2024): 30, 45, 61, 200, 210 days;
    # median 61 days / 30.4375 days a month = 2.004 -> 2 months.
    # (the 400-day plan issued 30 Nov 2023 and the 145-day one issued 2 Dec 2024 are outside; with the
    # first the median would be 130.5 days -> 4, with the second 103 -> 3, with both 145 -> 5)
    assert flow_model.lag_months == 2
    ex = flow_extract()
    assert forecast.median_lag_months(ex.assessments, FLOW_AS_OF) == 2
    # nothing issued in the 12 months to Nov 2020: the documented default of 5
    assert forecast.median_lag_months(ex.assessments, "2020-11-30") == 5


def test_hand_extract_conversion_over_lagged_requests(flow_model):
    # numerator: plans (plans table) issued Dec 2023 - Nov 2024: 10 on 1 Dec 2023 + 20 on 15 Aug 2024
    #   = 30 (not the one of 30 Nov 2023, not the 5 of Dec 2024; not the 5 assessments issued in the window)
    # denominator: requests received 2 months earlier, Oct 2023 - Sep 2024:
    #   Oct 2023 15 + Nov 2023 - Aug 2024 10 x 5 + Sep 2024 10 = 75
    # conversion 30 / 75 = 0.4 plans per request. (Unlagged, Dec 2023 - Nov 2024: 45 + 10 + 5 + 25 = 85
    # -> 0.353; lag 1: 65 -> 0.462; lag 3: 70 -> 0.429.)
    assert flow_model.conversion == pytest.approx(0.4)
    # requests history ends at as_of (December 2024's 40 unseen); base = Dec 2023 - Nov 2024 mean = 85 / 12
    assert flow_model.requests_history.index.max() == FLOW_AS_OF
    assert flow_model.requests_base == pytest.approx(85 / 12)


def test_hand_extract_seasonal_hazard(flow_model):
    # active plans at month ends: 100 + 3 + 6 = 109 until 29 Nov 2021; 4 cease 30 Nov 2021 -> 105
    #   Jun 2022 +4 -> 109; Jul 2022 -12 -> 97; Dec 2022 -2 -> 95; Jul 2023 -9 -> 86; 30 Nov 2023 +1 -> 87;
    #   Dec 2023 +10 -> 97; 31 Mar 2024 -3 -> 94; Jul 2024 -6 -> 88; Aug 2024 +20 -> 108 (at as_of)
    # window: the 36 months Dec 2021 - Nov 2024, each calendar month 3 times; rate = ceased in that month
    # over the 3 years / active at the previous month ends summed over the 3 years (pooled):
    #   Mar: 3 / (105 + 95 + 97) = 3 / 297 = 1 / 99
    #   Jul: (12 + 9 + 6) / (109 + 95 + 94) = 27 / 298   (mean of the yearly ratios would be 0.0896)
    #   Dec: (0 + 2 + 0) / (105 + 97 + 87) = 2 / 289      (Dec 2021 - Dec 2023; Dec 2024 is after as_of)
    #   other months 0 (Nov too: the 4 ceased 30 Nov 2021 are before the window)
    expected = np.zeros(12)
    expected[2], expected[6], expected[11] = 1 / 99, 27 / 298, 2 / 289
    assert flow_model.hazard == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert flow_model.active == 108
    assert forecast.ceasing_hazard_by_month(flow_extract().plans, FLOW_AS_OF) == pytest.approx(
        expected, rel=1e-12, abs=1e-15
    )


def test_hazard_of_a_month_without_history_is_the_pooled_rate():
    # 10 plans issued 15 Feb 2024, one ceased 10 Jul 2024. Active at the previous month end (Dec 2021 -
    # Nov 2024): 0 up to February 2024, then Mar-Jul 10 each, Aug-Nov 9 each: 86 plan-months, 1 ceased.
    # Jul: 1 / 10. Mar-Jun, Aug-Nov: 0. Jan, Feb, Dec have no active plans at any previous month end:
    # the pooled rate of all months, 1 / 86.
    plans = pd.DataFrame(
        {
            "plan_id": [f"p{i}" for i in range(10)],
            "child_id": [f"c{i}" for i in range(10)],
            "primary_need": "ASD",
            "issued_on": "2024-02-15",
            "ceased_on": ["2024-07-10"] + [None] * 9,
        }
    )
    placements = pd.DataFrame(columns=["plan_id", "setting", "start_on", "end_on", "annual_cost"])
    ex = from_frames(plans, placements, as_of=AS_OF)
    expected = np.zeros(12)
    expected[[0, 1, 11]] = 1 / 86
    expected[6] = 1 / 10
    assert forecast.ceasing_hazard_by_month(ex.plans, AS_OF) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_hand_extract_one_step_residuals(flow_model):
    # 36 months Dec 2021 - Nov 2024 (index 0 = Dec 2021), all with active plans: all kept.
    # residual(t) = (issued - ceased) - (conversion x requests lag months before t - h x active at t - 1),
    # every rate fitted at t - 1 from data before t: lag from plans issued in the 12 months to t - 1,
    # conversion = plans issued in those 12 months / requests in the 12 months lag earlier, h = the same
    # calendar month's ceased / active at the previous month end over the 3 years before t
    r = flow_model.residuals
    assert len(r) == 36
    # Dec 2022 (12): 0 issued, 2 ceased. At 30 Nov 2022: no assessment issued in the 12 months -> lag 5;
    #   plans issued Dec 2021 - Nov 2022: 4 (Jun 2022); requests Jul 2021 - Jun 2022: 60 -> 1 / 15;
    #   requests Jul 2022: 5 -> new 1/3; Dec 2019-21: nothing ceased (active 100, 103, 105) -> h = 0
    #   -> -2 - 1/3   (the in-sample fit, 0.4 x 5 - 2/289 x 97, gave -3.33)
    assert r[12] == pytest.approx(-2 - 1 / 3)
    # Mar 2023 (15): nothing issued or ceased; at 28 Feb 2023 lag 5 again, conversion 4 / 60 (Oct 2021 -
    #   Sep 2022 requests); Oct 2022 requests 5 -> new 1/3; no March ceasing in 2020-22 -> -1/3
    assert r[15] == pytest.approx(-1 / 3)
    # Jul 2024 (31): 6 ceased. At 30 Jun 2024: assessments issued Jul 2023 - Jun 2024 took 400, 30, 45
    #   days: median 45 / 30.4375 = 1.48 -> lag 1; plans issued Jul 2023 - Jun 2024: 1 + 10 = 11;
    #   requests Jun 2023 - May 2024: 11 x 5 + 15 = 70 -> 11 / 70; Jun 2024 requests 5 -> new 11/14;
    #   July ceasing 2021-23: (0 + 12 + 9) / (109 + 109 + 95) = 21 / 313; active 30 Jun 2024: 94
    assert r[31] == pytest.approx(-6 - (11 / 14 - 94 * 21 / 313))
    # Aug 2024 (32): 20 issued. At 31 Jul 2024: 400, 30, 45, 61 days: median 53 -> 1.74 -> lag 2;
    #   conversion 11 / 70 (Jun 2023 - May 2024 requests); Jun 2024 requests 5 -> 11/14; no August ceasing
    assert r[32] == pytest.approx(20 - 11 / 14)


def test_one_step_rates_never_see_their_own_month():
    """Changing month t (plans issued and ceased, requests, assessments issued in July 2024) moves
    t's residual but none of the rates fitted for it, and nothing before t."""
    from tests.forecast_fixtures import flow_assessments, flow_plans

    base_ex = flow_extract()
    plans, assess = flow_plans(), flow_assessments()
    active_base = plans.index[plans["ceased_on"].isna() & (plans["issued_on"] == "2015-09-01")]
    plans.loc[active_base[:10], "ceased_on"] = "2024-07-20"  # 10 more base plans cease in July
    extra_plans = pd.DataFrame({"plan_id": [f"x{i}" for i in range(50)], "child_id": [f"y{i}" for i in range(50)],
                                "date_of_birth": "2012-01-01", "primary_need": "ASD", "issued_on": "2024-07-05",
                                "ceased_on": None})
    jan_2023 = assess.index[assess["received_on"] == "2023-01-10"]
    assess.loc[jan_2023[:5], "issued_on"] = "2024-07-15"  # 5 plans issued in July after 552 days
    extra_requests = pd.DataFrame({"request_id": [f"q{i}" for i in range(95)], "child_id": "z",
                                   "received_on": "2024-07-12", "issued_on": None})
    placements = pd.DataFrame(columns=["plan_id", "setting", "start_on", "end_on", "annual_cost"])
    changed = from_frames(pd.concat([plans, extra_plans], ignore_index=True), placements,
                          pd.concat([assess, extra_requests], ignore_index=True), as_of="2024-12-31")
    model = forecast.estimate_flow_model(base_ex, FLOW_AS_OF)
    before = forecast.one_step_rates(base_ex, model)
    after = forecast.one_step_rates(changed, model)
    t = pd.Timestamp("2024-07-31")
    fitted_cols = ["lag", "conversion", "requests", "hazard", "prev", "new_fitted"]
    pd.testing.assert_frame_equal(after.loc[[t], fitted_cols], before.loc[[t], fitted_cols])
    pd.testing.assert_frame_equal(after.loc[: t - pd.offsets.MonthEnd(1)], before.loc[: t - pd.offsets.MonthEnd(1)])
    # the month itself moved: 50 more issued, 10 more ceased -> residual + 40 exactly
    assert after.loc[t, "residual"] == pytest.approx(before.loc[t, "residual"] + 40)
    # and the change is seen from the next month on (it is data before August)
    assert after.loc["2024-08-31", "conversion"] != before.loc["2024-08-31", "conversion"]
    assert after.loc["2025-07-31":].empty and after.loc["2024-08-31", "lag"] != before.loc["2024-08-31", "lag"]


def test_hand_extract_issue_level_changes(flow_model):
    # 12-month totals of plans issued (Jun 2020 3, Jun 2021 6, Jun 2022 4, Nov 2023 1, Dec 2023 10,
    # Aug 2024 20): ending Nov 2020 - May 2021: 3; Jun 2021 - May 2022: 6; Jun 2022 - May 2023: 4;
    # Jun - Oct 2023: 0; Nov 2023: 1; Dec 2023 - Jul 2024: 11; Aug - Oct 2024: 31; Nov 2024: 30.
    # log(total / total 12 months earlier) at month ends Nov 2021 - Nov 2024, months with a zero total
    # left out:
    #   Nov 2021 - May 2022 (7): ln(6 / 3); Jun 2022 - May 2023 (12): ln(4 / 6); Jun - Oct 2023: 0, out;
    #   Nov 2023: ln(1 / 4); Dec 2023 - May 2024 (6): ln(11 / 4); Jun - Oct 2024: 0 a year earlier, out;
    #   Nov 2024: ln(30 / 1)
    # NB the code uses months + 1 = 37 month ends (as_of - 36 months .. as_of: Nov 2021 is the extra
    # one); the docstring says "the last `months` month ends" (36, Dec 2021 - Nov 2024). Pinned as coded.
    expected = np.log([2.0] * 7 + [4 / 6] * 12 + [1 / 4] + [11 / 4] * 6 + [30.0])
    assert flow_model.level_shocks == pytest.approx(expected)


def test_hand_extract_trend_is_not_used(flow_model):
    # last 24 months of requests (Dec 2022 - Nov 2024): 5 a month but Jan 2023 25, Oct 2023 15,
    # Sep 2024 10, Nov 2024 25: Kendall S = 51 concordant - 34 discordant = 17 of 276 pairs, far from
    # significant -> no slope in the central path; the Theil-Sen slope is 0 (190 of the 276 pairs are
    # 5 and 5), so the paths' spread is the Newey-West standard error of the OLS slope alone
    assert flow_model.requests_trend_p >= 0.05
    assert flow_model.requests_slope == 0.0
    y = [5.0] * 24
    for k, v in ((1, 25.0), (10, 15.0), (21, 10.0), (23, 25.0)):  # Jan 2023, Oct 2023, Sep 2024, Nov 2024
        y[k] = v
    assert flow_model.requests_slope_sd == pytest.approx(newey_west_se(y), rel=1e-9)
    assert flow_model.requests_slope_sd > 0


def test_hand_extract_projection(flow_model):
    fc = forecast.project_caseload(flow_model, n_sims=0).frame
    # Dec 2024: new 0.4 x Oct 2024 requests 5 = 2; ceased 2/289 x 108 = 0.7474 -> 109.2526
    # Jan 2025: new 0.4 x Nov 2024 requests 25 = 10; ceased 0 -> 119.2526
    # Feb 2025: Dec 2024 requests are after as_of: the base 85/12 -> new 2.8333 -> 122.0859
    assert fc["new"].iloc[:3].tolist() == pytest.approx([2, 10, 0.4 * 85 / 12])
    assert fc["active"].iloc[0] == pytest.approx(108 + 2 - 2 / 289 * 108)
    assert fc["active"].iloc[2] == pytest.approx(108 + 2 - 2 / 289 * 108 + 10 + 0.4 * 85 / 12)


def test_intervals_come_from_residuals_and_are_seeded():
    resid = np.array([-12.0, 5.0, 3.0, -8.0, 10.0, 2.0, -1.0, 4.0, -6.0, 3.0, 0.0, 0.0])
    m = hand_model(residuals=resid)
    a = forecast.project_caseload(m, n_sims=500, seed=1).frame
    b = forecast.project_caseload(m, n_sims=500, seed=1).frame
    pd.testing.assert_frame_equal(a, b)
    assert (a["low95"] <= a["low80"]).all() and (a["low80"] <= a["active"] + 1e-9).all()
    assert (a["active"] <= a["high80"] + 1e-9).all() and (a["high80"] <= a["high95"]).all()
    width = (a["high80"] - a["low80"]).to_numpy()
    assert width[0] > 0 and width[-1] > width[0]  # uncertainty grows with the horizon
    none = forecast.project_caseload(hand_model(), n_sims=200, seed=1).frame
    assert (none["high95"] - none["low95"]).max() == pytest.approx(0.0)


def test_random_parts_use_independent_streams():
    """Residual blocks, trend slopes and level shifts come from separate streams of one seed (the same
    generator seeded three times would give three copies of one stream)."""
    from sendlib import config

    a, b, c = config.rng_streams(7, 3)
    x, y, z = a.standard_normal(2000), b.standard_normal(2000), c.standard_normal(2000)
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.1 and abs(np.corrcoef(x, z)[0, 1]) < 0.1
    again = config.rng_streams(7, 3)[0].standard_normal(2000)
    assert (again == x).all()  # reproducible
    same = config.rng(7), config.rng(7)  # what the streams replace: identical draws
    assert (same[0].standard_normal(5) == same[1].standard_normal(5)).all()


# ---------------------------------------------------------------------------------------------------
# Spend, on a small hand-built extract
# ---------------------------------------------------------------------------------------------------


def spend_extract(budget: pd.DataFrame | None = None) -> sendlib.Extract:
    """10 plans issued 2024-01-15; 2 INMSS placements at £60,000, 8 others at £10,000 (net = gross).

    Committed cost £200,000 a year; average £20,000 per plan; new-placement share INMSS 0.2.
    """
    plans = pd.DataFrame(
        {
            "plan_id": [f"p{i}" for i in range(10)],
            "child_id": [f"c{i}" for i in range(10)],
            "date_of_birth": "2012-01-01",
            "primary_need": "ASD",
            "issued_on": "2024-01-15",
            "ceased_on": None,
        }
    )
    placements = pd.DataFrame(
        {
            "plan_id": [f"p{i}" for i in range(10)],
            "setting": ["special_independent", "special_non_maintained"] + ["mainstream_academy"] * 8,
            "start_on": "2024-01-15",
            "end_on": None,
            "annual_cost": [60_000.0, 60_000.0] + [10_000.0] * 8,
        }
    )
    return from_frames(plans, placements, budget=budget, as_of=AS_OF)


BUDGET = pd.DataFrame(
    {
        "financial_year": ["2023-24", "2024-25"],
        "hnb_budget": [40_000.0, 150_000.0],
        "safety_valve_overspend_cap": [10_000.0, 20_000.0],
        "planned_deficit": [5_000.0, 20_000.0],
        "safety_valve_contribution": [2_000.0, 2_000.0],
    }
)


def spend_model(**changes) -> forecast.FlowModel:
    # 2 new plans a month (conversion 0.5 x 4 requests), nobody ceases
    months = pd.date_range("2023-01-31", AS_OF, freq="ME")
    params = {
        "active": 10,
        "requests_history": pd.Series(4.0, index=months),
        "requests_base": 4.0,
        "hazard": np.zeros(12),
    }
    params.update(changes)
    return hand_model(**params)


def test_unit_costs_from_recent_placements():
    units = forecast.new_placement_costs(spend_extract(), AS_OF)
    assert units["independent_share"] == pytest.approx(0.2)
    assert units["cost_independent"] == pytest.approx(60_000)
    assert units["cost_other"] == pytest.approx(10_000)


def test_unit_costs_leave_blank_costs_out_of_the_means():
    """Fixture A-D plus E (special_independent from 1 Feb, annual_cost blank); see engine_fixtures."""
    ex = four_plans_one_uncosted()
    # started in the 12 months to 30 Apr 2024 (after 30 Apr 2023): A1 mainstream 2023-09-01 10,000;
    # A2 LA special 2024-04-01 20,000; B INMSS 2024-01-15 net 50,000 - 10,000 - 5,000 = 35,000;
    # C FE 2023-05-01 9,000; E INMSS 2024-02-01 blank
    units = forecast.new_placement_costs(ex, "2024-04-30")
    # share by count, every placement: INMSS B and E = 2 of 5 = 0.4
    assert units["independent_share"] == pytest.approx(0.4)
    # INMSS mean over costed places: B alone = 35,000 (a plain mean was NaN; £0 for E would give 17,500)
    assert units["cost_independent"] == pytest.approx(35_000)
    # other: (10,000 + 20,000 + 9,000) / 3 = 13,000
    assert units["cost_other"] == pytest.approx(13_000)


def test_unit_costs_fall_back_when_a_sector_has_only_blank_costs():
    ex = four_plans_one_uncosted()
    # 3-month window (after 31 Jan to 30 Apr 2024): A2 LA special 2024-04-01 20,000; E INMSS blank.
    # share 1 / 2 = 0.5; INMSS has no costed place in the window -> its costed current places at
    # 30 Apr: B, net 35,000; other: A2 = 20,000
    units = forecast.new_placement_costs(ex, "2024-04-30", window_months=3)
    assert units == pytest.approx({"independent_share": 0.5, "cost_independent": 35_000, "cost_other": 20_000})


def test_fy_spend_with_a_blank_cost_by_hand():
    ex = spend_extract(BUDGET)
    ex.placements.loc[1, "annual_cost"] = np.nan  # p1's special_non_maintained cost (60,000) is blank
    fc = forecast.project_caseload(spend_model(), n_sims=0)
    sp = forecast.forecast_fy_spend(ex, forecast=fc)
    # committed cost 60,000 + 0 (p1) + 8 x 10,000 = 140,000 a year
    # unit costs: INMSS share 2 / 10 = 0.2 (p1 still counts); INMSS mean 60,000 / 1 costed (p0);
    # other 10,000 -> new placement 0.2 x 60,000 + 0.8 x 10,000 = 20,000
    assert sp.unit_costs["cost_independent"] == pytest.approx(60_000)
    assert sp.unit_costs["cost_new"] == pytest.approx(20_000)
    # April-November actual: 8 x 140,000 / 12 = 93,333.33
    # Dec-Mar: (140,000 + 2 x 20,000) + (140,000 + 4 x 20,000) + (... 6 ...) + (... 8 ...) = 960,000 / 12
    #        = 80,000; outturn 173,333.33; overspend 173,333.33 - 150,000 = 23,333.33
    assert sp.monthly["spend"].iloc[:8].sum() == pytest.approx(8 * 140_000 / 12)
    assert sp.outturn == pytest.approx(8 * 140_000 / 12 + 80_000)
    assert sp.overspend == pytest.approx(173_333.333 - 150_000, abs=0.01)


def test_fy_spend_by_hand():
    ex = spend_extract(BUDGET)
    fc = forecast.project_caseload(spend_model(), n_sims=0)
    sp = forecast.forecast_fy_spend(ex, forecast=fc)
    assert sp.financial_year == "2024-25"
    # April-November actual: 8 x 200,000 / 12 = 133,333.33
    # Dec-Mar: new plans 2, 4, 6, 8 at 0.2 x 60,000 + 0.8 x 10,000 = 20,000 each:
    # (240,000 + 280,000 + 320,000 + 360,000) / 12 = 100,000
    assert sp.monthly["spend"].iloc[:8].sum() == pytest.approx(8 * 200_000 / 12)
    assert sp.outturn == pytest.approx(8 * 200_000 / 12 + 100_000)
    assert sp.budget == 150_000 and sp.cap == 20_000
    assert sp.overspend == pytest.approx(233_333.333 - 150_000, abs=0.01)
    assert sp.overspend_vs_cap == pytest.approx(233_333.333 - 150_000 - 20_000, abs=0.01)


def spend_extract_with_contributions(budget: pd.DataFrame | None = None) -> sendlib.Extract:
    """:func:`spend_extract` with p0 (special_independent, £60,000) jointly funded by health £15,000
    (net £45,000) and p2 (mainstream_academy, £10,000) by social care £4,000 (net £6,000).

    Gross committed cost £200,000 a year; net 200,000 - 15,000 - 4,000 = £181,000.
    """
    ex = spend_extract(budget)
    ex.placements.loc[0, "health_contribution"] = 15_000.0
    ex.placements.loc[2, "social_care_contribution"] = 4_000.0
    return ex


def test_spend_is_net_of_contributions_by_hand():
    ex = spend_extract_with_contributions(BUDGET)
    # actual months: net committed cost / 12 = 181,000 / 12 = 15,083.33 (gross would be 16,666.67)
    actual = forecast.monthly_placement_spend(ex, ["2024-01-31", "2024-11-30"])
    assert actual.tolist() == pytest.approx([181_000 / 12] * 2)
    # unit costs, all 10 placements started in the 12 months to as_of:
    #   INMSS: (45,000 + 60,000) / 2 = 52,500 (gross 60,000); share 2 / 10 = 0.2
    #   other: (6,000 + 7 x 10,000) / 8 = 9,500 (gross 10,000)
    units = forecast.new_placement_costs(ex, AS_OF)
    assert units == pytest.approx({"independent_share": 0.2, "cost_independent": 52_500, "cost_other": 9_500})
    fc = forecast.project_caseload(spend_model(), n_sims=0)
    sp = forecast.forecast_fy_spend(ex, forecast=fc)
    # average net cost per plan at as_of 181,000 / 10 = 18,100 (gross 20,000);
    # new placement 0.2 x 52,500 + 0.8 x 9,500 = 10,500 + 7,600 = 18,100 (gross 20,000)
    assert sp.unit_costs["avg_cost"] == pytest.approx(18_100)
    assert sp.unit_costs["cost_new"] == pytest.approx(18_100)
    # April-November actual: 8 x 15,083.33 = 120,666.67
    # Dec-Mar: 2, 4, 6, 8 new plans: committed 181,000 + 18,100 x (2, 4, 6, 8)
    #   = 217,200, 253,400, 289,600, 325,800 a year -> monthly 18,100, 21,116.67, 24,133.33, 27,150
    #   sum 1,086,000 / 12 = 90,500
    # outturn 120,666.67 + 90,500 = 211,166.67 (gross: 233,333.33); overspend 211,166.67 - 150,000
    assert sp.monthly["spend"].iloc[:8].tolist() == pytest.approx([181_000 / 12] * 8)
    assert sp.monthly["spend"].iloc[8:].tolist() == pytest.approx(
        [217_200 / 12, 253_400 / 12, 289_600 / 12, 325_800 / 12]
    )
    assert sp.placement_outturn == pytest.approx(8 * 181_000 / 12 + 90_500)
    assert sp.outturn == pytest.approx(211_166.667, abs=0.01)
    assert sp.overspend == pytest.approx(211_166.667 - 150_000, abs=0.01)
    # deficit path (nothing flows): 2023-24 Jan-Mar 2024 3 x 15,083.33 = 45,250; 2024-25 12 x = 181,000
    path = forecast.deficit_path(ex, AS_OF)
    assert path["placement_spend"].tolist() == pytest.approx([45_250, 181_000])


def test_spend_paths_use_the_net_average_cost_of_ceased_plans():
    # 1% of plans cease each month, no new plans (conversion 0): the committed cost falls by
    # ceased x the net average 18,100 (gross would be 20,000)
    ex = spend_extract_with_contributions(BUDGET)
    fc = forecast.project_caseload(spend_model(hazard=np.full(12, 0.01), conversion=0.0), n_sims=0)
    paths, _ = forecast.spend_paths(ex, fc)
    # Dec: 0.1 ceased -> (181,000 - 0.1 x 18,100) / 12; Jan: 0.099 more -> (181,000 - 0.199 x 18,100) / 12
    assert paths[0, :2] == pytest.approx([(181_000 - 1_810) / 12, (181_000 - 0.199 * 18_100) / 12])


def test_unit_cost_draws_by_hand():
    gen = config.rng(config.DEFAULT_SEED)
    # two other placements at 8,000 and 12,000: a resample of 2 has mean 8,000 (1/4), 10,000 (1/2) or
    # 12,000 (1/4): changes -2,000, 0, +2,000 from the sample's own 10,000
    two = pd.DataFrame({"net_cost": [8_000.0, 12_000.0], "independent": [False, False]})
    d = forecast.unit_cost_draws(two, 4000, gen)
    values, counts = np.unique(d, return_counts=True)
    assert values.tolist() == pytest.approx([-2_000, 0, 2_000])
    assert counts / 4000 == pytest.approx([0.25, 0.5, 0.25], abs=0.03)
    # one INMSS at 60,000 and one other at 10,000: own cost 0.5 x 60,000 + 0.5 x 10,000 = 35,000;
    # both INMSS: share 1, 60,000 (+25,000); both other: 10,000 (-25,000); one each: 0
    mixed = pd.DataFrame({"net_cost": [60_000.0, 10_000.0], "independent": [True, False]})
    values = np.unique(forecast.unit_cost_draws(mixed, 4000, gen))
    assert values.tolist() == pytest.approx([-25_000, 0, 25_000])
    # a scenario share (0.2) fixes the mix; a sector not drawn takes the sample's mean, and each sector
    # has one cost, so nothing moves: 0.2 x 60,000 + 0.8 x 10,000 = 20,000 in every resample
    assert forecast.unit_cost_draws(mixed, 500, gen, share=0.2) == pytest.approx(np.zeros(500))
    # nothing to resample: no change
    assert forecast.unit_cost_draws(mixed.iloc[:0], 3, gen).tolist() == [0.0, 0.0, 0.0]


def test_spend_intervals_widen_when_new_placement_costs_vary_more():
    """Caseload without noise (no residuals, level shifts or slope spread): the spend interval is the
    unit-cost uncertainty alone; spreading the other placements' costs (same mean) widens it."""
    fc = forecast.project_caseload(spend_model(), n_sims=1000, seed=config.DEFAULT_SEED)
    assert np.ptp(fc.paths_new[1:], axis=0).max() == 0  # every caseload path is the central one
    even = spend_extract(BUDGET)
    half, spread = spend_extract(BUDGET), spend_extract(BUDGET)
    deviations = np.array([-8_000.0, 8_000.0, -6_000.0, 6_000.0, -4_000.0, 4_000.0, -2_000.0, 2_000.0])
    half.placements.loc[2:, "annual_cost"] = 10_000.0 + deviations / 2  # the 8 others, mean 10,000 still
    spread.placements.loc[2:, "annual_cost"] = 10_000.0 + deviations
    sp = {name: forecast.forecast_fy_spend(ex, forecast=fc) for name, ex in
          (("even", even), ("half", half), ("spread", spread))}
    # the central outturn does not move (same mean costs): 233,333.33 as in test_fy_spend_by_hand
    for v in sp.values():
        assert v.outturn == pytest.approx(233_333.333, abs=0.01)
    width = {k: v.outturn_high80 - v.outturn_low80 for k, v in sp.items()}
    # even costs: the interval is the mix of settings alone (2 of 10 INMSS at 60,000, resampled)
    assert width["even"] > 0
    # the 20 new plans of Dec-Mar cost cost_new + the path's draw: the outturn moves by
    # (2 + 4 + 6 + 8) / 12 x the draw, so its 80% width is 20 / 12 x the cost of a new plan's
    _, units = forecast.spend_paths(even, fc)
    assert width["even"] == pytest.approx(20 / 12 * (units["cost_new_high80"] - units["cost_new_low80"]), rel=1e-9)
    # with the mix fixed by a scenario (share 0.2), even costs leave nothing to vary: width 0; the same
    # resamples with the others' deviations halved give exactly half the spread's width
    fixed = forecast.project_caseload(spend_model(), scenario=forecast.Scenario(independent_share=0.2),
                                      n_sims=1000, seed=config.DEFAULT_SEED)
    w = {name: (lambda r: r.outturn_high80 - r.outturn_low80)(forecast.forecast_fy_spend(ex, forecast=fixed))
         for name, ex in (("even", even), ("half", half), ("spread", spread))}
    assert w["even"] == pytest.approx(0.0, abs=1e-6)
    assert w["spread"] > w["half"] > 0
    assert w["half"] == pytest.approx(w["spread"] / 2, rel=1e-9)
    # no new plans, no unit-cost uncertainty
    none = forecast.project_caseload(spend_model(conversion=0.0), n_sims=200, seed=config.DEFAULT_SEED)
    sp_none = forecast.forecast_fy_spend(spread, forecast=none)
    assert sp_none.outturn_high95 - sp_none.outturn_low95 == pytest.approx(0.0)


def test_scenario_independent_share_and_inflation():
    ex = spend_extract(BUDGET)
    fc = forecast.project_caseload(spend_model(), n_sims=0)
    base, _ = forecast.spend_paths(ex, fc)
    more_ind = forecast.project_caseload(
        spend_model(), scenario=forecast.Scenario(independent_share=0.5), n_sims=0
    )
    paths, units = forecast.spend_paths(ex, more_ind)
    # a new plan now costs 0.5 x 60,000 + 0.5 x 10,000 = 35,000 (was 20,000): +15,000 a year each;
    # after k months 2k new plans: + 2k x 15,000 / 12 = 2,500 k pounds in month k
    k = np.arange(1, paths.shape[1] + 1)
    assert units["cost_new"] == pytest.approx(35_000)
    assert paths[0] - base[0] == pytest.approx(2_500 * k)
    inflated = forecast.project_caseload(
        spend_model(), scenario=forecast.Scenario(cost_inflation=0.05), n_sims=0
    )
    paths_i, _ = forecast.spend_paths(ex, inflated)
    assert paths_i[0] / base[0] == pytest.approx(1.05 ** (k / 12))


def test_deficit_path_by_hand():
    ex = spend_extract(BUDGET)
    path = forecast.deficit_path(ex, AS_OF)
    # nothing flows (no requests, no ceasing): spend = committed 200,000 a year from Jan 2024
    # 2023-24: Jan-Mar 2024 = 3 x 16,666.67 = 50,000; deficit 50,000 - 40,000 = 10,000; less DfE 2,000
    # 2024-25: 12 x 16,666.67 = 200,000; deficit 50,000; cumulative 8,000 + 48,000 = 56,000
    # plan: (5,000 - 2,000) = 3,000, then 3,000 + (20,000 - 2,000) = 21,000; gap 35,000
    assert path["spend"].tolist() == pytest.approx([50_000, 200_000])
    assert path["cumulative_deficit"].tolist() == pytest.approx([8_000, 56_000])
    assert path["planned_cumulative_deficit"].tolist() == pytest.approx([3_000, 21_000])
    assert path.loc["2024-25", "gap"] == pytest.approx(35_000)


def test_other_high_needs_spend_is_added_by_hand():
    """budget.csv's other_high_needs_spend joins placement spend in the outturn and the deficit path."""
    budget = BUDGET.assign(other_high_needs_spend=[5_000.0, 30_000.0])
    ex = spend_extract(budget)
    fc = forecast.project_caseload(spend_model(), n_sims=0)
    sp = forecast.forecast_fy_spend(ex, forecast=fc)
    # placements as in test_fy_spend_by_hand: 133,333.33 + 100,000 = 233,333.33; other 30,000
    assert sp.placement_outturn == pytest.approx(233_333.333, abs=0.01)
    assert sp.other_spend == 30_000
    assert sp.outturn == pytest.approx(263_333.333, abs=0.01)
    assert sp.overspend == pytest.approx(263_333.333 - 150_000, abs=0.01)
    assert sp.overspend_vs_cap == pytest.approx(263_333.333 - 150_000 - 20_000, abs=0.01)
    # without the column (or blank) the outturn is placements only
    assert forecast.forecast_fy_spend(spend_extract(BUDGET), forecast=fc).other_spend == 0.0
    blank = forecast.forecast_fy_spend(spend_extract(BUDGET.assign(other_high_needs_spend=None)), forecast=fc)
    assert blank.outturn == pytest.approx(233_333.333, abs=0.01)
    # deficit path (nothing flows, as test_deficit_path_by_hand): placements 50,000 and 200,000
    # 2023-24: 50,000 + 5,000 - 40,000 = 15,000 in year, less DfE 2,000 -> 13,000
    # 2024-25: 200,000 + 30,000 - 150,000 = 80,000, less 2,000 -> cumulative 91,000; plan 21,000
    path = forecast.deficit_path(ex, AS_OF)
    assert path["placement_spend"].tolist() == pytest.approx([50_000, 200_000])
    assert path["spend"].tolist() == pytest.approx([55_000, 230_000])
    assert path["cumulative_deficit"].tolist() == pytest.approx([13_000, 91_000])
    assert path.loc["2024-25", "gap"] == pytest.approx(70_000)


def test_forecast_vs_plan_at_next_january():
    traj = pd.DataFrame({"month": ["2024-12-31", "2025-01-31"], "planned_ehcps": [1030, 1050]})
    from sendlib.extract import coerce_table

    fc = forecast.project_caseload(hand_model(), n_sims=0)
    vs = forecast.forecast_vs_plan(fc, coerce_table("plan_trajectory", traj))
    assert vs["date"] == pd.Timestamp("2025-01-31")
    assert vs["forecast"] == pytest.approx(1079.6) and vs["plan"] == 1050
    assert vs["gap"] == pytest.approx(29.6)
    assert forecast.forecast_vs_plan(fc, None)["gap"] is None
    # published in whole plans: 1079.6 -> 1080, gap 1080 - 1050 = 30
    whole = forecast.in_whole_plans(vs)
    assert whole["forecast"] == 1080.0 and whole["plan"] == 1050.0 and whole["gap"] == 30.0
    assert whole["date"] == vs["date"]


def test_whole_plans_are_rounded_once():
    # 9,842.55 rounded to 0.1 first is 9,842.5, which rounds (half to even) to 9,842: the right figure is
    # 9,843. The gap is worked from the published figures (9,843 - 9,372 = 471), not rounded on its own.
    vs = {"date": pd.Timestamp("2025-01-31"), "forecast": 9842.55, "low80": 9800.11, "high80": 9903.61,
          "low95": 9780.49, "high95": 9917.5, "plan": 9372.0, "gap": 470.55}
    whole = forecast.in_whole_plans(vs)
    assert whole == {"date": pd.Timestamp("2025-01-31"), "forecast": 9843.0, "low80": 9800.0,
                     "high80": 9904.0, "low95": 9780.0, "high95": 9918.0, "plan": 9372.0, "gap": 471.0}
    # gap of 2.5 - 1 rounded alone would be round(1.5) = 2; from the published figures 2 - 1 = 1
    assert forecast.in_whole_plans({"forecast": 2.5, "plan": 1.0, "gap": 1.5})["gap"] == 1.0
    # no plan, or a hidden / missing forecast: no gap
    assert forecast.in_whole_plans({"forecast": 5.2, "plan": None, "gap": None}) == {
        "forecast": 5.0, "plan": None, "gap": None}
    assert forecast.in_whole_plans({"forecast": float("nan"), "plan": 3.0, "gap": float("nan")})["gap"] is None


# ---------------------------------------------------------------------------------------------------
# Sample
# ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_forecast(sample_extract):
    return forecast.forecast_caseload(sample_extract, "2024-11-30", seed=config.DEFAULT_SEED)


def test_sample_model_uses_only_data_to_as_of(sample_extract):
    m = forecast.estimate_flow_model(sample_extract, "2023-06-30")
    assert m.requests_history.index.max() == pd.Timestamp("2023-06-30")
    assert m.active == sendlib.caseload.active_plans_at(sample_extract.plans, ["2023-06-30"]).iloc[0]


def test_sample_forecast_january_2025(sample_extract, sample_forecast):
    vs = forecast.forecast_vs_plan(sample_forecast, sample_extract.plan_trajectory)
    assert vs["date"] == pd.Timestamp("2025-01-31")
    assert vs["plan"] == 9372
    assert abs(vs["forecast"] - 9833) <= 0.01 * 9833
    assert vs["low80"] < vs["forecast"] < vs["high80"]
    assert abs(vs["gap"] - 461) <= 0.01 * 9833


def _days(values: pd.Series) -> list[int | None]:
    """Dates as whole days since 1970 (None for blank): plain ints for the loops below."""
    return [None if pd.isna(v) else (v - pd.Timestamp("1970-01-01")).days for v in values]


def _day(date) -> int:
    return (pd.Timestamp(date) - pd.Timestamp("1970-01-01")).days


def _calendar_month(as_of: pd.Timestamp, back: int) -> tuple[int, int, int]:
    """(first day, last day, calendar month 1-12) of the month ``back`` months before as_of's month."""
    first = (as_of.replace(day=1) - pd.DateOffset(months=back)).normalize()
    last = first + pd.offsets.MonthEnd(0)
    return _day(first), _day(last), first.month


@pytest.mark.parametrize("as_of", ["2024-11-30", "2023-06-30"])
def test_sample_hazard_and_conversion_against_plain_loops(sample_extract, as_of):
    """The default estimation on the sample, recomputed with loops over plans, requests and months."""
    as_of = pd.Timestamp(as_of)
    m = forecast.estimate_flow_model(sample_extract, as_of)
    issued, ceased = _days(sample_extract.plans["issued_on"]), _days(sample_extract.plans["ceased_on"])
    plans = [(i, c) for i, c in zip(issued, ceased, strict=True) if i is not None and (c is None or c > i)]

    def active_at(day: int) -> int:
        return sum(1 for i, c in plans if i <= day and (c is None or c > day))

    # hazard: calendar month -> (ceased in that month, active at the previous month end), 36 months
    num, den = [0.0] * 13, [0.0] * 13
    for back in range(36):
        first, last, month = _calendar_month(as_of, back)
        num[month] += sum(1 for _, c in plans if c is not None and first <= c <= last)
        den[month] += active_at(first - 1)
    pooled = sum(num) / sum(den)
    hazard = [num[k] / den[k] if den[k] > 0 else pooled for k in range(1, 13)]
    assert m.hazard == pytest.approx(hazard, rel=1e-12)
    assert m.active == active_at(_day(as_of))

    # lag: median days from request to plan issued, plans issued after as_of - 12 months, to as_of
    a = sample_extract.assessments
    start = _day(as_of - pd.DateOffset(months=12))
    days = [
        iss - rec
        for rec, iss in zip(_days(a["received_on"]), _days(a["issued_on"]), strict=True)
        if iss is not None and start < iss <= _day(as_of) and rec is not None
    ]
    days.sort()
    mid = len(days) // 2
    median = days[mid] if len(days) % 2 else (days[mid - 1] + days[mid]) / 2
    lag = round(median / (365.25 / 12))
    assert m.lag_months == lag
    # conversion: plans issued in the 12 months to as_of / requests received in the 12 months lag earlier
    window = [_calendar_month(as_of, back) for back in range(12)]
    lagged = [_calendar_month(as_of, back + lag) for back in range(12)]
    n_issued = sum(1 for i, _ in plans for first, last, _m in window if first <= i <= last)
    received = [r for r in _days(a["received_on"]) if r is not None]
    n_requests = sum(1 for r in received for first, last, _m in lagged if first <= r <= last)
    assert m.conversion == pytest.approx(n_issued / n_requests, rel=1e-12)


def test_sample_trend_slope_against_plain_loops(sample_extract):
    """Theil-Sen slope (median pairwise slope) and its spread, by loops over the 24 monthly counts."""
    from statistics import median

    as_of = pd.Timestamp("2024-11-30")
    m = forecast.estimate_flow_model(sample_extract, as_of)
    received = [r for r in _days(sample_extract.assessments["received_on"]) if r is not None]
    y = []
    for back in range(23, -1, -1):  # oldest first
        first, last, _ = _calendar_month(as_of, back)
        y.append(sum(1 for r in received if first <= r <= last))
    slopes = sorted((y[j] - y[i]) / (j - i) for i in range(24) for j in range(i + 1, 24))
    assert m.requests_trend_p < 0.05  # the sample's requests rise: the slope is used
    assert m.requests_slope == pytest.approx(median(slopes))
    # significant, so the paths' spread is the Newey-West standard error of the OLS slope (plain loops)
    assert m.requests_slope_sd == pytest.approx(newey_west_se([float(v) for v in y]), rel=1e-9)


def test_sample_spend_and_headlines(sample_extract):
    keys = forecast.headline_section(sample_extract, pd.Timestamp("2024-11-30"))
    assert set(forecast.HEADLINE_UNITS) == set(keys)
    assert all(v is None or isinstance(v, int | float) for v in keys.values())
    assert keys["fy_budget"] == pytest.approx(155_400_000)
    assert keys["fy_forecast_overspend"] == pytest.approx(keys["fy_forecast_spend"] - keys["fy_budget"])


@pytest.fixture(scope="module")
def sample_with_blank_costs(sample_extract):
    """The sample with every 25th placement's annual_cost blank, including a recent INMSS one."""
    pl = sample_extract.placements.copy()
    blank = np.zeros(len(pl), dtype=bool)
    blank[::25] = True
    recent_inmss = pl.index[
        pl["setting"].eq("special_independent").to_numpy() & (pl["start_on"] > AS_OF - pd.DateOffset(months=6)).to_numpy()
    ]
    blank[pl.index.get_loc(recent_inmss[0])] = True
    pl.loc[blank, "annual_cost"] = np.nan
    return sendlib.Extract(
        plans=sample_extract.plans,
        placements=pl,
        assessments=sample_extract.assessments,
        plan_trajectory=sample_extract.plan_trajectory,
        budget=sample_extract.budget,
        as_of=sample_extract.as_of,
    )


def test_sample_unit_costs_with_blank_costs_against_plain_pandas(sample_with_blank_costs):
    pl = sample_with_blank_costs.placements
    recent = pl[(pl["start_on"] > AS_OF - pd.DateOffset(months=12)) & (pl["start_on"] <= AS_OF)]
    net = recent["annual_cost"] - recent["health_contribution"] - recent["social_care_contribution"]
    inmss = recent["setting"].isin(["special_independent", "special_non_maintained"])
    assert net[inmss].isna().any() and net[~inmss].isna().any()  # the check covers blank costs
    units = forecast.new_placement_costs(sample_with_blank_costs, AS_OF)
    assert units["independent_share"] == pytest.approx(inmss.mean())  # by count, blank costs included
    assert units["cost_independent"] == pytest.approx(net[inmss].mean(), rel=1e-12)  # pandas skips NaN
    assert units["cost_other"] == pytest.approx(net[~inmss].mean(), rel=1e-12)
    # the placements the spend intervals resample: the recent ones with a cost, setting and cost together
    resampled = forecast.new_placement_sample(sample_with_blank_costs, AS_OF)
    costed = net.notna()
    assert len(resampled) == costed.sum() < len(recent)
    assert resampled["net_cost"].tolist() == pytest.approx(net[costed].tolist())
    assert resampled["independent"].tolist() == inmss[costed].tolist()


def test_sample_spend_stays_finite_with_blank_costs(sample_with_blank_costs):
    keys = forecast.headline_section(sample_with_blank_costs, AS_OF)
    for key in ("fy_forecast_spend", "fy_forecast_placement_spend", "fy_forecast_overspend", "fy_overspend_vs_cap"):
        assert keys[key] is not None and np.isfinite(keys[key]), key
    assert keys["fy_forecast_overspend"] == pytest.approx(keys["fy_forecast_spend"] - keys["fy_budget"])


def test_sample_backtest_coverage(sample_extract):
    res = forecast.backtest_flow_forecast(sample_extract, pd.date_range("2023-01-31", "2023-12-31", freq="ME"), n_sims=500)
    # 12 origins x 3 horizons, less targets after the extract date (December 2023 + 12 months)
    assert len(res) == 35 and set(res["horizon"]) == {2, 6, 12}
    assert (res["target"] <= pd.Timestamp("2024-11-30")).all()
    assert 0.70 <= res["in80"].mean() <= 0.90  # benchmarks/README.md records the figures
    assert res["in95"].mean() >= res["in80"].mean()


def test_sample_backtest_spread_and_pit_against_a_plain_loop(sample_extract):
    origin = pd.Timestamp("2023-03-31")
    res = forecast.backtest_flow_forecast(sample_extract, [origin], n_sims=300, seed=config.DEFAULT_SEED)
    fc = forecast.forecast_caseload(sample_extract, origin, end="2024-03-31", n_sims=300, seed=config.DEFAULT_SEED)
    for h in (2, 6, 12):
        row = res[res["horizon"] == h].iloc[0]
        paths = [float(v) for v in fc.paths_active[1:, h - 1]]
        mean = sum(paths) / len(paths)
        assert row["sd"] == pytest.approx((sum((v - mean) ** 2 for v in paths) / len(paths)) ** 0.5, rel=1e-9)
        assert row["pit"] == sum(1 for v in paths if v < row["actual"]) / len(paths)


def test_bad_model_options_are_named():
    with pytest.raises(ValueError, match="new_plans must be one of"):
        forecast.estimate_flow_model(spend_extract(), AS_OF, new_plans="magic")
    for bad in (0, 13, 2.5, True):
        with pytest.raises(ValueError, match="recent_months must be a whole number of months from 1 to 12"):
            forecast.estimate_flow_model(spend_extract(), AS_OF, recent_months=bad)


def test_recent_rates_variant_by_hand():
    # 100 plans issued 2020-01-01, one ceased 2024-10-10; 6, 9 and 12 plans issued in Sep, Oct, Nov 2024;
    # 20 requests received on the 15th of each month Dec 2023 - Nov 2024
    issued = ["2020-01-01"] * 100 + ["2024-09-10"] * 6 + ["2024-10-10"] * 9 + ["2024-11-10"] * 12
    plans = pd.DataFrame(
        {
            "plan_id": [f"p{i}" for i in range(len(issued))],
            "child_id": [f"c{i}" for i in range(len(issued))],
            "primary_need": "ASD",
            "issued_on": issued,
            "ceased_on": ["2024-10-10"] + [None] * (len(issued) - 1),
        }
    )
    months = pd.date_range("2023-12-01", "2024-11-01", freq="MS") + pd.Timedelta(days=14)
    received = np.repeat(months.strftime("%Y-%m-%d").to_numpy(), 20)
    assessments = pd.DataFrame(
        {"request_id": [f"r{i}" for i in range(len(received))], "child_id": "x", "received_on": received}
    )
    placements = pd.DataFrame(columns=["plan_id", "setting", "start_on", "end_on", "annual_cost"])
    ex = from_frames(plans, placements, assessments, as_of=AS_OF)
    m = forecast.estimate_flow_model(ex, AS_OF, new_plans="issue_rate", ceasing="recent", recent_months=3)
    # issue rate (6 + 9 + 12) / 3 = 9 a month; requests 20 a month -> conversion 0.45, lag 0
    assert m.lag_months == 0 and m.requests_base == pytest.approx(20.0)
    assert m.conversion == pytest.approx(0.45)
    # ceased in Sep-Nov: 1; active at the previous month ends Aug 100, Sep 106, Oct 114 -> 1 / 320
    assert m.hazard == pytest.approx(np.full(12, 1 / 320))
    # active at Nov 30: 100 - 1 + 27 = 126; December: + 9 - 126 / 320
    assert m.active == 126
    fc = forecast.project_caseload(m, n_sims=0)
    assert fc.frame["active"].iloc[0] == pytest.approx(126 + 9 - 126 / 320)


def test_ceasing_factor_scales_the_ceased_plans_by_hand():
    """Scenario.ceasing_factor multiplies the hazard: with no new plans, A(t) = A(t-1) x (1 - f x h)."""
    from sendlib.forecast import FlowModel, Scenario, project_caseload

    as_of = pd.Timestamp("2024-03-31")
    model = FlowModel(
        as_of=as_of,
        active=1000,
        requests_history=pd.Series([0.0] * 12, index=pd.date_range("2023-04-30", periods=12, freq="ME")),
        requests_base=0.0,
        lag_months=0,
        conversion=0.0,
        hazard=np.full(12, 0.02),
    )
    base = project_caseload(model, end="2024-05-31", n_sims=0)
    half = project_caseload(model, end="2024-05-31", scenario=Scenario(ceasing_factor=0.5), n_sims=0)
    assert base.frame["active"].tolist() == pytest.approx([980.0, 960.4])
    assert half.frame["active"].tolist() == pytest.approx([990.0, 980.1])
    assert half.frame["ceased"].tolist() == pytest.approx([10.0, 9.9])


def test_baselines_by_hand():
    """Two plans issued on the 15th of every month from January 2015, none ceased: A(m) = 2 x months."""
    months = pd.date_range("2015-01-01", "2024-11-01", freq="MS") + pd.Timedelta(days=14)
    issued = np.repeat(months.strftime("%Y-%m-%d").to_numpy(), 2)
    plans = pd.DataFrame({"plan_id": [f"p{i}" for i in range(len(issued))],
                          "child_id": [f"c{i}" for i in range(len(issued))], "primary_need": "ASD",
                          "issued_on": issued, "ceased_on": None})
    placements = pd.DataFrame(columns=["plan_id", "setting", "start_on", "end_on", "annual_cost"])
    ex = from_frames(plans, placements, as_of=AS_OF)
    res = forecast.backtest_baselines(ex, ["2023-01-31", "2023-06-30"], horizons=(2, 6))
    assert len(res) == 2 * 2 * 3 and set(res["method"]) == set(forecast.BASELINES)
    row = res.set_index(["method", "origin", "horizon"])
    # January 2023 is month 97 from January 2015: A = 194; 2 months on, March 2023: 198
    cf = row.loc[("carry_forward", pd.Timestamp("2023-01-31"), 2)]
    assert (cf["forecast"], cf["actual"], cf["error"]) == (194, 198, -4)
    # carry forward's past 2-month errors are all +4: interval 198 to 198, which holds the actual
    assert (cf["low80"], cf["high80"], cf["low95"], cf["high95"]) == (198, 198, 198, 198) and cf["in80"]
    # net flow: 194 + 6 x (194 - 170) / 12 = 206 at June 2023 (month 102: 206): exact, no past error
    nf = row.loc[("net_flow_12m", pd.Timestamp("2023-01-31"), 6)]
    assert (nf["forecast"], nf["actual"], nf["error"], nf["low80"], nf["high95"]) == (206, 206, 0, 206, 206)
    # damped ETS on log counts of a steady line: close to the line (a damped trend slightly below it)
    ets = res[res["method"] == "damped_ets"]
    assert (ets["pct_error"].abs() < 1.0).all() and (ets["low95"] <= ets["forecast"]).all()
    # the summary per method and horizon
    s = forecast.backtest_flow_forecast_summary(res)
    assert s.loc[("carry_forward", 6), "mae"] == 12 and s.loc[("net_flow_12m", 2), "mape_pct"] == 0


@pytest.mark.parametrize("ceasing", ["seasonal", "recent"])
def test_sample_one_step_rates_equal_the_model_fitted_the_month_before(sample_extract, ceasing):
    """Each residual month's rates are what estimate_flow_model fits at the previous month end (a
    different code path: reindexed windows, bincount by calendar month), so nothing from t is used."""
    model = forecast.estimate_flow_model(
        sample_extract, "2024-11-30", new_plans="requests", ceasing=ceasing, recent_months=3
    )
    rates = forecast.one_step_rates(sample_extract, model)
    for t in pd.DatetimeIndex(["2021-12-31", "2022-07-31", "2023-09-30", "2024-11-30"]):
        at = forecast.estimate_flow_model(
            sample_extract, t - pd.offsets.MonthEnd(1), new_plans="requests", ceasing=ceasing, recent_months=3
        )
        row = rates.loc[t]
        assert row["lag"] == at.lag_months
        assert row["conversion"] == pytest.approx(at.conversion, rel=1e-12)
        assert row["hazard"] == pytest.approx(at.hazard[t.month - 1], rel=1e-12)
        assert row["prev"] == at.active
        assert row["requests"] == at.requests_history[periods_back(t, at.lag_months)]
        assert row["residual"] == pytest.approx(
            row["issued"] - row["ceased"] - (at.conversion * row["requests"] - at.hazard[t.month - 1] * at.active)
        )


def periods_back(t: pd.Timestamp, months: int) -> pd.Timestamp:
    return (t - pd.DateOffset(months=months)) + pd.offsets.MonthEnd(0)


def test_sample_issue_rate_residuals_use_the_rate_before_the_month(sample_extract):
    model = forecast.estimate_flow_model(sample_extract, "2024-11-30", new_plans="issue_rate", recent_months=3)
    rates = forecast.one_step_rates(sample_extract, model)
    for t in pd.DatetimeIndex(["2022-03-31", "2024-10-31"]):
        at = forecast.estimate_flow_model(sample_extract, t - pd.offsets.MonthEnd(1), new_plans="issue_rate", recent_months=3)
        # the recent issue rate at t - 1 (conversion x base requests = the mean of the 3 months before t)
        assert rates.loc[t, "new_fitted"] == pytest.approx(at.conversion * at.requests_base, rel=1e-12)
