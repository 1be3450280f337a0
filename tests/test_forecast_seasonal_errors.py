"""Seasonally standardised one-step errors (``error_scale="seasonal"``): the scale by hand, the draws
against the unscaled bootstrap, and the sources of the interval still adding up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sendlib import config, forecast
from tests.forecast_fixtures import FLOW_AS_OF, flow_extract
from tests.test_forecast import hand_model

# ---------------------------------------------------------------------------------------------------
# The scale by calendar month
# ---------------------------------------------------------------------------------------------------


def test_seasonal_error_scale_by_hand():
    # one error a calendar month, mean 0: squares Jan 16, Feb 16, Mar-Oct 4, Nov 16, Dec 16
    e = np.array([4.0, -4, 2, -2, 2, -2, 2, -2, 2, -2, 4, -4])
    months = np.arange(1, 13)
    s = forecast.seasonal_error_scale(e, months)
    # each month pools itself and its two neighbours (December and January are neighbours):
    # Jan (Dec, Jan, Feb) sqrt(48 / 3) = 4; Feb (16 + 16 + 4) / 3 = 12; Mar (16 + 4 + 4) / 3 = 8;
    # Apr-Sep 4 / 1 -> 2; Oct (4 + 4 + 16) / 3 = 8; Nov 12; Dec (16 x 3) / 3 = 16
    expected = np.sqrt([16, 12, 8, 4, 4, 4, 4, 4, 4, 8, 12, 16])
    assert s == pytest.approx(expected)
    # the errors are centred first: a constant added to every error changes nothing
    assert forecast.seasonal_error_scale(e + 10.0, months) == pytest.approx(expected)
    # the months alone: the size of each month's own error
    assert forecast.seasonal_error_scale(e, months, half_width=0) == pytest.approx(np.abs(e))


def test_seasonal_error_scale_falls_back_to_the_overall_size():
    # errors only in June (+3, -3) and December (+1, -1): mean 0, overall rms sqrt((9 + 9 + 1 + 1) / 4)
    e = np.array([3.0, -3.0, 1.0, -1.0])
    s = forecast.seasonal_error_scale(e, np.array([6, 6, 12, 12]))
    expected = np.full(12, np.sqrt(5.0))  # months with no errors within one month: the overall size
    expected[[4, 5, 6]] = 3.0  # May, June, July see June's errors
    expected[[10, 11, 0]] = 1.0  # November, December, January see December's
    assert s == pytest.approx(expected)
    # December's errors 0: a zero scale would divide by 0; it takes the overall size sqrt(18 / 4)
    s0 = forecast.seasonal_error_scale(np.array([3.0, -3.0, 0.0, 0.0]), np.array([6, 6, 12, 12]))
    assert s0[[10, 11, 0]] == pytest.approx([np.sqrt(4.5)] * 3)
    assert forecast.seasonal_error_scale(np.zeros(0), np.zeros(0, dtype=int)).tolist() == [1.0] * 12
    assert forecast.seasonal_error_scale(np.zeros(3), np.array([1, 2, 3])).tolist() == [1.0] * 12


def test_seasonal_error_scale_refuses_mismatched_months():
    with pytest.raises(ValueError, match="3 one-step errors but 2 calendar months"):
        forecast.seasonal_error_scale(np.ones(3), np.array([1, 2]))
    with pytest.raises(ValueError, match=r"1-12; got \[13\]"):
        forecast.seasonal_error_scale(np.ones(2), np.array([1, 13]))
    with pytest.raises(ValueError, match="half_width must be 0-5"):
        forecast.seasonal_error_scale(np.ones(2), np.array([1, 2]), half_width=6)
    # 5: every month but the opposite one, each counted once -> January leaves out July's error only
    s = forecast.seasonal_error_scale(np.array([1.0, -1.0, 3.0, -3.0]), np.array([1, 1, 7, 7]), half_width=5)
    assert s[0] == pytest.approx(1.0) and s[6] == pytest.approx(3.0) and s[3] == pytest.approx(np.sqrt(5.0))


# ---------------------------------------------------------------------------------------------------
# The draws
# ---------------------------------------------------------------------------------------------------

MONTHS_24 = np.tile(np.arange(1, 13), 2)  # two years of errors, January first


def test_no_seasonality_gives_exactly_the_unscaled_draws():
    # +5 and -5 in turn: every calendar month's errors have size 5, so the scale is 5 throughout and
    # standardising then rescaling by it gives back every draw of the unscaled bootstrap
    e = np.where(np.arange(24) % 2 == 0, 5.0, -5.0)
    assert forecast.seasonal_error_scale(e, MONTHS_24) == pytest.approx(np.full(12, 5.0))
    plain = forecast.project_caseload(hand_model(residuals=e), n_sims=500, seed=3)
    seasonal = forecast.project_caseload(
        hand_model(residuals=e, residual_months=MONTHS_24, error_scale="seasonal"), n_sims=500, seed=3
    )
    assert np.array_equal(seasonal.paths_active, plain.paths_active)
    pd.testing.assert_frame_equal(seasonal.frame, plain.frame)


def autumn_model(**changes) -> forecast.FlowModel:
    """Two years of errors: +-10 in November, December and January, +-2 in the other months (each month
    +x one year, -x the other, so the mean is 0). The hand model's December starts the projection."""
    size = np.where(np.isin(MONTHS_24, [11, 12, 1]), 10.0, 2.0)
    e = size * np.where(np.arange(24) < 12, 1.0, -1.0)
    return hand_model(**{"residuals": e, "residual_months": MONTHS_24, "error_scale": "seasonal", **changes})


# scales: Dec (Nov, Dec, Jan) 10; Jan and Nov sqrt((100 x 4 + 4 x 2) / 6) = sqrt(68); Feb and Oct
# sqrt((100 x 2 + 4 x 4) / 6) = 6; March-September 2. Standardised: Dec +-1, Jan and Nov +-10 / sqrt(68),
# Feb and Oct +-2 / 6, March-September +-1 (mean 0), so their mean square is
# (2 x 1 + 4 x 100 / 68 + 4 x 4 / 36 + 14 x 1) / 24, and a month's draws have sd = its scale x its root.
Z_RMS = np.sqrt((2 + 400 / 68 + 16 / 36 + 14) / 24)
SCALE = np.array([np.sqrt(68), 6, 2, 2, 2, 2, 2, 2, 2, 6, np.sqrt(68), 10])  # index 0 = January


def test_seasonal_draws_follow_the_projected_month_by_hand():
    n = 20000
    fc = forecast.project_caseload(autumn_model(), end="2025-12-31", n_sims=n, seed=config.DEFAULT_SEED)
    # no level shifts or slope spread: a path's new plans are the central 50 plus the drawn error
    shocks = fc.paths_new[1:] - fc.paths_new[0]
    sd = pd.Series(shocks.std(axis=0), index=fc.frame.index)
    expected = SCALE[fc.frame.index.month - 1] * Z_RMS
    assert sd.to_numpy() == pytest.approx(expected, rel=0.03)
    # spring draws shrink and autumn ones grow against the unscaled bootstrap, whose every month has the
    # errors' overall size sqrt((6 x 100 + 18 x 4) / 24) = sqrt(28)
    plain = forecast.project_caseload(autumn_model(error_scale="constant"), end="2025-12-31", n_sims=n,
                                      seed=config.DEFAULT_SEED)
    plain_sd = pd.Series((plain.paths_new[1:] - plain.paths_new[0]).std(axis=0), index=sd.index)
    assert plain_sd.to_numpy() == pytest.approx(np.full(len(sd), np.sqrt(28)), rel=0.03)
    assert sd["2025-04-30"] == pytest.approx(2 * Z_RMS, rel=0.03)
    assert sd["2025-04-30"] < plain_sd["2025-04-30"] / 2
    assert sd["2024-12-31"] == pytest.approx(10 * Z_RMS, rel=0.03)
    assert sd["2024-12-31"] > 1.5 * plain_sd["2024-12-31"]
    # the draws stay centred: the central path is unchanged and the mean draw is about 0
    assert fc.frame["active"].to_numpy() == pytest.approx(plain.frame["active"].to_numpy())
    assert np.abs(shocks.mean(axis=0)).max() < 0.05 * 10


def test_interval_components_still_add_up_with_seasonal_errors():
    m = autumn_model(level_shocks=np.array([-0.1, 0.1]), requests_slope_sd=0.5)
    c = forecast.interval_components(m, n_sims=4000, seed=1)
    # December's stock moves only by December's drawn error: sd 10 x Z_RMS
    assert c["residuals"].iloc[0] == pytest.approx(10 * Z_RMS, rel=0.03)
    assert c["all"].to_numpy() == pytest.approx(c["independent"].to_numpy(), rel=0.05)
    # the residual stream is the one the full run draws: without the other sources, all = residuals
    alone = forecast.interval_components(autumn_model(), n_sims=4000, seed=1)
    assert (alone["all"] == alone["residuals"]).all()


def test_seasonal_model_without_error_months_is_refused():
    with pytest.raises(ValueError, match="calendar months"):
        forecast.project_caseload(hand_model(residuals=np.ones(4), error_scale="seasonal"), n_sims=10, seed=1)


# ---------------------------------------------------------------------------------------------------
# Estimation
# ---------------------------------------------------------------------------------------------------


def test_estimate_records_each_error_month():
    ex = flow_extract()
    m = forecast.estimate_flow_model(ex, FLOW_AS_OF, error_scale="seasonal")
    assert m.error_scale == "seasonal"
    # 36 months December 2021 - November 2024, all with active plans
    assert m.residual_months.tolist() == [12] + list(range(1, 13)) * 2 + list(range(1, 12))
    assert m.residuals == pytest.approx(forecast.one_step_residuals(ex, m))
    assert forecast.estimate_flow_model(ex, FLOW_AS_OF).error_scale == "constant"
    with pytest.raises(ValueError, match="error_scale one of"):
        forecast.estimate_flow_model(ex, FLOW_AS_OF, error_scale="monthly")


def test_sample_scale_against_a_plain_loop(sample_extract):
    m = forecast.estimate_flow_model(sample_extract, "2023-06-30", error_scale="seasonal")
    e = m.residuals - m.residuals.mean()
    loop = []
    for month in range(1, 13):  # independent method: a loop over calendar months and their neighbours
        near = {(month - 2) % 12 + 1, month, month % 12 + 1}
        sq = [x * x for x, cm in zip(e, m.residual_months, strict=True) if cm in near]
        loop.append((sum(sq) / len(sq)) ** 0.5)
    assert forecast.seasonal_error_scale(m.residuals, m.residual_months) == pytest.approx(loop)
    # the sample's one-step errors are larger in the autumn leavers' season than in spring
    s = forecast.seasonal_error_scale(m.residuals, m.residual_months)
    assert s[[9, 10, 11]].min() > s[[3, 4, 5]].max()
