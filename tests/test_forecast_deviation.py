"""The carried ceasing-hazard deviation (``deviation_months``, off by default): the deviation, the carry
and the changes by hand, the one-step rule fitted only on earlier months, the central path's ceasing
scaled by 1 + carry x d, and nothing changed when it is off."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import sendlib
from sendlib import config, forecast
from sendlib.forecast import deviation as dv
from tests.forecast_fixtures import FLOW_AS_OF, flow_extract, flow_plans
from tests.test_forecast import hand_model

# ---------------------------------------------------------------------------------------------------
# The deviation, the carry and the changes by hand
# ---------------------------------------------------------------------------------------------------


def test_trailing_deviation_by_hand():
    ceased = np.array([10.0, 10, 12, 8, 15])
    expected = np.array([10.0, 10, 10, 10, 10])
    d = dv.trailing_deviation(ceased, expected, 2)
    # k = 2: (10 + 10) / 20 - 1 = 0; (10 + 12) / 20 - 1 = 0.1; (12 + 8) / 20 - 1 = 0; (8 + 15) / 20 - 1 = 0.15
    assert np.isnan(d[0])
    assert d[1:] == pytest.approx([0.0, 0.1, 0.0, 0.15])
    # d = 0 whenever ceased equals expected, whatever the season
    season = np.array([3.0, 40, 7, 55, 12, 9])
    assert dv.trailing_deviation(season, season, 3)[2:] == pytest.approx(np.zeros(4))
    # no expected ceasing: unknown, not 0 or infinite
    assert np.isnan(dv.trailing_deviation(np.array([1.0, 1]), np.zeros(2), 1)).all()
    with pytest.raises(ValueError, match="at least 1 month"):
        dv.trailing_deviation(ceased, expected, 0)


def test_deviation_carry_by_hand():
    rng = np.random.default_rng(0)
    d = rng.normal(0, 0.3, 40)
    # r(t + 1) = 0.5 d(t) exactly, r(t + 2) = 0.25 d(t) exactly: the slopes through the origin
    r = np.full(40, np.nan)
    r[1:] = 0.5 * d[:-1]
    c = dv.deviation_carry(d, r, horizon=2)
    assert c[0] == pytest.approx(0.5)
    # j = 2 pairs d(t) with r(t + 2) = 0.5 d(t + 1): the least-squares slope sum d(t) r(t+2) / sum d(t)^2
    x, y = d[:-2], r[2:]
    assert c[1] == pytest.approx(np.clip((x * y).sum() / (x * x).sum(), 0, 1))
    # kept within 0-1: a deviation that doubles is carried in full, one that reverses not at all
    r2 = np.full(40, np.nan)
    r2[1:] = 2.0 * d[:-1]
    assert dv.deviation_carry(d, r2, horizon=1)[0] == 1.0
    assert dv.deviation_carry(d, -r2, horizon=1)[0] == 0.0
    # fewer than MIN_PAIRS pairs: 0
    short = dv.MIN_PAIRS  # MIN_PAIRS values give MIN_PAIRS - 1 pairs at j = 1
    assert dv.deviation_carry(d[:short], r[:short], horizon=1)[0] == 0.0
    assert dv.deviation_carry(d[: short + 1], r[: short + 1], horizon=1)[0] == pytest.approx(0.5)


def test_deviation_changes_by_hand():
    d = np.array([0.0, 0.1, 0.3, 0.2])
    ch = dv.deviation_changes(d, horizon=2)
    # starts 0 and 1 (their 2 months ahead known): changes [0.1, 0.3] and [0.2, 0.1], centred by column
    # (means 0.15 and 0.2)
    assert ch == pytest.approx(np.array([[-0.05, 0.1], [0.05, -0.1]]))
    # a start with an unknown d ahead is left out; too short a history gives no rows
    assert dv.deviation_changes(np.array([np.nan, 0.1, 0.3, 0.2]), horizon=2).shape == (1, 2)
    assert dv.deviation_changes(np.array([0.1, 0.2]), horizon=2).shape == (0, 2)


def test_one_step_carry_uses_only_the_months_before():
    rng = np.random.default_rng(1)
    d = rng.normal(0, 0.3, 50)
    r = np.concatenate([[np.nan], 0.6 * d[:-1] + rng.normal(0, 0.05, 49)])
    n = 20
    c = dv._windowed_one_step_carry(d, r, n)
    for u in range(n + 1, 50):  # plain loop: the carry an origin at u - 1 would fit on its last n months
        assert c[u] == pytest.approx(dv.deviation_carry(d[u - n : u], r[u - n : u], horizon=1)[0])
    # changing month u's own outcome (r and d at u) leaves the carry used at u (and before) unchanged
    u = 35
    d2, r2 = d.copy(), r.copy()
    d2[u], r2[u] = 5.0, -5.0
    c2 = dv._windowed_one_step_carry(d2, r2, n)
    assert c2[: u + 1] == pytest.approx(c[: u + 1])
    assert c2[u + 1] != pytest.approx(c[u + 1])


# ---------------------------------------------------------------------------------------------------
# Expected ceasing: by hand on the fixture, and against a plain loop on the sample
# ---------------------------------------------------------------------------------------------------


def test_ceasing_deviation_history_by_hand():
    h = dv.ceasing_deviation_history(flow_plans(), "2024-07-31", months=1)
    # July's hazard over July 2021-2023: ceased 0 + 12 + 9 = 21 over active at the end of June 109 (100
    # base + 3 + 6), 109 (+ 4 issued, - 4 ceased in November 2021), 95 (- 12 in July, - 2 in December
    # 2022) = 313. Active at the end of June 2024: 95 - 9 + 1 + 10 - 3 = 94. Expected 94 x 21 / 313.
    expected = 94 * 21 / 313
    assert h.index.tolist() == [pd.Timestamp("2024-07-31")]
    assert h["prev"].iloc[0] == 94 and h["ceased"].iloc[0] == 6
    assert h["expected"].iloc[0] == pytest.approx(expected)
    assert h["r"].iloc[0] == pytest.approx(6 / expected - 1)


def test_ceasing_deviation_history_matches_a_plain_loop_on_the_sample():
    plans = sendlib.load(config.SAMPLE_DIR).plans
    issued = pd.to_datetime(plans["issued_on"])
    ceased_on = pd.to_datetime(plans["ceased_on"])
    h = dv.ceasing_deviation_history(plans, "2023-12-31", months=4)

    def ceased_in(me):
        start = me - pd.offsets.MonthEnd(1)
        return int(((ceased_on > start) & (ceased_on <= me) & (ceased_on > issued)).sum())

    def active_at(day):
        return int(((issued <= day) & (ceased_on.isna() | (ceased_on > day))).sum())

    for me, row in h.iterrows():  # four months, each from its own three earlier years
        num = sum(ceased_in(me - pd.DateOffset(years=y) + pd.offsets.MonthEnd(0)) for y in (1, 2, 3))
        den = sum(
            active_at(me - pd.DateOffset(years=y) + pd.offsets.MonthEnd(0) - pd.offsets.MonthEnd(1))
            for y in (1, 2, 3)
        )
        prev = active_at(me - pd.offsets.MonthEnd(1))
        assert row["ceased"] == ceased_in(me)
        assert row["prev"] == prev
        assert row["expected"] == pytest.approx(num / den * prev)


# ---------------------------------------------------------------------------------------------------
# The projection: the central path's ceasing scales by 1 + carry x d
# ---------------------------------------------------------------------------------------------------


def _carried(d: float, carry: np.ndarray, changes=None) -> forecast.FlowModel:
    return hand_model(
        deviation_months=6,
        ceasing_deviation=d,
        deviation_carry=carry,
        deviation_changes=np.zeros((0, 12)) if changes is None else changes,
    )


def test_central_ceasing_scales_by_one_plus_carried_deviation():
    carry = np.linspace(0.6, 0.05, 12)
    fc = forecast.project_caseload(_carried(0.3, carry), n_sims=0)
    f = fc.frame
    prev = np.concatenate([[1000.0], f["active"].to_numpy()[:-1]])
    months_ahead = np.arange(1, len(f) + 1)
    factor = 1 + 0.3 * carry[np.minimum(months_ahead, 12) - 1]  # past 12 months: the 12-month carry
    assert (f["ceased"].to_numpy() / prev) == pytest.approx(0.01 * factor)
    # by hand, December: 1% x 1,000 x (1 + 0.3 x 0.6) = 11.8 ceased; 1,000 + 50 - 11.8 = 1,038.2
    assert f["ceased"].iloc[0] == pytest.approx(11.8)
    assert f["active"].iloc[0] == pytest.approx(1038.2)


def test_a_zero_deviation_or_the_option_off_changes_nothing():
    base = hand_model(residuals=np.array([-4.0, 1.0, 3.0, -2.0]), level_shocks=np.array([-0.1, 0.1]))
    ref = forecast.project_caseload(base, n_sims=200, seed=3)
    zero = dataclasses.replace(base, deviation_months=6, ceasing_deviation=0.0, deviation_carry=np.full(12, 0.5))
    same = forecast.project_caseload(zero, n_sims=200, seed=3)
    assert same.paths_active == pytest.approx(ref.paths_active)
    # switched off, the carried fields are ignored
    off = dataclasses.replace(base, ceasing_deviation=0.4, deviation_carry=np.full(12, 0.5))
    assert forecast.project_caseload(off, n_sims=200, seed=3).paths_active == pytest.approx(ref.paths_active)


def test_paths_draw_whole_trajectories_of_changes():
    # two past trajectories: +0.1 in every month ahead, or -0.1; d = 0, so each path's hazard is
    # 1% x 1.1 or 1% x 0.9 in every month, and the central path stays at 1%
    changes = np.vstack([np.full(12, 0.1), np.full(12, -0.1)])
    fc = forecast.project_caseload(_carried(0.0, np.full(12, 0.5), changes), n_sims=400, seed=5)
    prev = np.concatenate([np.full((401, 1), 1000.0), fc.paths_active[:, :-1]], axis=1)
    rate = fc.paths_ceased / prev
    assert rate[0] == pytest.approx(np.full(rate.shape[1], 0.01))
    sims = rate[1:]
    assert np.all(np.isclose(sims, 0.011) | np.isclose(sims, 0.009))
    assert np.all(np.isclose(sims, sims[:, :1]))  # one trajectory per path, all horizons alike
    assert 0.3 < np.isclose(sims[:, 0], 0.011).mean() < 0.7
    comp = forecast.interval_components(_carried(0.0, np.full(12, 0.5), changes), n_sims=400, seed=5)
    assert (comp["deviation"] > 0).all()
    assert comp["residuals"].to_numpy() == pytest.approx(np.zeros(len(comp)), abs=1e-9)
    # December: 1,000 x 1% x (1 +- 0.1) = 10 +- 1 ceased, about half the paths each way: sd about 1 plan
    assert comp["deviation"].iloc[0] == pytest.approx(1.0, rel=0.05)
    assert comp["all"].to_numpy() == pytest.approx(comp["independent"].to_numpy(), rel=1e-9)


# ---------------------------------------------------------------------------------------------------
# Estimation
# ---------------------------------------------------------------------------------------------------


def test_estimate_off_by_default_and_the_one_step_errors_of_the_same_rule():
    ex = flow_extract()
    off = forecast.estimate_flow_model(ex, FLOW_AS_OF)
    assert off.deviation_months == 0 and off.ceasing_deviation == 0.0
    on = forecast.estimate_flow_model(ex, FLOW_AS_OF, deviation_months=6)
    assert on.deviation_months == 6
    # the adjustment: expected ceased x carry_1 x d(u - 1), added to each month's net-flow error
    rates = forecast.one_step_rates(ex, off)
    _, _, _, adjust = dv.fit_ceasing_deviation(ex.plans, FLOW_AS_OF, 6, rates.index)
    assert on.residuals == pytest.approx(off.residuals + adjust[rates["prev"].to_numpy() > 0])
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="deviation_months"):
            forecast.estimate_flow_model(ex, FLOW_AS_OF, deviation_months=bad)
    with pytest.raises(ValueError, match="seasonal hazard only"):
        forecast.estimate_flow_model(ex, FLOW_AS_OF, ceasing="recent", deviation_months=6)


def test_one_step_adjustment_matches_a_plain_loop_on_the_sample():
    ex = sendlib.load(config.SAMPLE_DIR)
    as_of = pd.Timestamp("2023-06-30")
    months = pd.date_range("2020-07-31", as_of, freq="ME")
    d0, carry, changes, adjust = dv.fit_ceasing_deviation(ex.plans, as_of, 6, months)
    n = dv.DEVIATION_HISTORY_MONTHS
    hist = dv.ceasing_deviation_history(ex.plans, as_of, len(months) + n + 6)
    d = dv.trailing_deviation(hist["ceased"].to_numpy(), hist["expected"].to_numpy(), 6)
    r = hist["r"].to_numpy()
    pos = hist.index.get_indexer(months)
    for i, u in enumerate(pos):  # each month from the 60 months before it only
        c = dv.deviation_carry(d[u - n : u], r[u - n : u], horizon=1)[0]
        assert adjust[i] == pytest.approx(hist["expected"].iloc[u] * c * d[u - 1])
    # at the origin: d over the last 6 months, ratio of sums
    last = hist.iloc[-6:]
    assert d0 == pytest.approx(last["ceased"].sum() / last["expected"].sum() - 1)
    assert carry == pytest.approx(dv.deviation_carry(d[-n:], r[-n:]))
    assert changes.shape[1] == 12 and changes.mean(axis=0) == pytest.approx(np.zeros(12), abs=1e-12)
