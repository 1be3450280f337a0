"""``sendlib forecast-backtest``: the targets by hand, the sample's scorecard against a plain recount, and
one clear error line (with the right exit code) for each bad input."""

from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest

from sendlib import caseload, cli, config, forecast
from tests.cli_helpers import run_command


def _run(capsys, *argv):
    return run_command(capsys, "forecast-backtest", *argv)


def _card(rows) -> pd.DataFrame:
    """A scorecard from (method, horizon, mape_pct, coverage80_pct) rows."""
    frame = pd.DataFrame(rows, columns=["method", "horizon", "mape_pct", "coverage80_pct"])
    return frame.set_index(["method", "horizon"])


def test_targets_by_hand():
    card = _card([
        ("flow_model", 2, 0.3, 75.0), ("flow_model", 6, 0.8, 88.0), ("flow_model", 12, 1.1, 80.0),
        ("carry_forward", 2, 1.0, 50.0), ("carry_forward", 6, 3.0, 50.0), ("carry_forward", 12, 6.0, 40.0),
        ("net_flow_12m", 2, 0.6, 60.0), ("net_flow_12m", 6, 1.6, 60.0), ("net_flow_12m", 12, 1.2, 70.0),
    ])
    t = forecast.flow_forecast_targets(card)
    # 75 and 88 are inside the band (inclusive); 1.1 < 1.2 and 0.8 < 1.6: all met
    assert t == {"mape_below_every_baseline": {6: True, 12: True},
                 "coverage80_in_band": {2: True, 6: True, 12: True}, "met": True}
    # a tie with a baseline is not "below"; 74.9% and 88.1% are outside the band
    card.loc[("flow_model", 12), "mape_pct"] = 1.2
    card.loc[("flow_model", 2), "coverage80_pct"] = 74.9
    card.loc[("flow_model", 6), "coverage80_pct"] = 88.1
    t = forecast.flow_forecast_targets(card)
    assert t["mape_below_every_baseline"] == {6: True, 12: False}
    assert t["coverage80_in_band"] == {2: False, 6: False, 12: True} and t["met"] is False
    # a horizon without outcomes (no 12-month row) is left out of both
    t = forecast.flow_forecast_targets(card.drop(12, level="horizon"))
    assert t["mape_below_every_baseline"] == {6: True} and 12 not in t["coverage80_in_band"]


@pytest.fixture(scope="module")
def sample_report():
    """The sample's backtest as JSON, run once for the module (200 paths: the scores, not the model)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli.main(["forecast-backtest", "--sims", "200", "--json"])
    assert code == 0
    return json.loads(buf.getvalue())


def test_sample_default_origins_and_scores(sample_report, sample_extract):
    r = sample_report
    # the extract's last full month is November 2024: origins are the 33 month ends to September 2024
    assert r["origins"] == {"from": "2022-01", "to": "2024-09", "n": 33} and r["outcomes_to"] == "2024-11"
    assert r["sims"] == 200 and r["seed"] == config.DEFAULT_SEED and r["horizons_months"] == [2, 6, 12]
    scores = {(s["method"], s["horizon_months"]): s for s in r["scores"]}
    assert set(scores) == {(m, h) for m in ("flow_model", *forecast.BASELINES) for h in (2, 6, 12)}
    # origins scored: every origin at 2 months; to May 2024 at 6; to November 2023 at 12
    assert [scores[("flow_model", h)]["n"] for h in (2, 6, 12)] == [33, 29, 23]
    # carry forward recounted by a plain loop over the plans: forecast = active at the origin
    plans = sample_extract.plans

    def active(d):
        d = pd.Timestamp(d)
        return int(((plans["issued_on"] <= d) & ~(plans["ceased_on"] <= d)).sum())

    origins = pd.date_range("2022-01-31", "2024-09-30", freq="ME")
    for h in (2, 12):
        errs = []
        for o in origins:
            t = o + pd.offsets.MonthEnd(h)
            if t <= pd.Timestamp("2024-11-30"):
                errs.append((active(o) - active(t), active(t)))
        mape = 100 * sum(abs(e) / a for e, a in errs) / len(errs)
        bias = sum(e for e, _ in errs) / len(errs)
        assert scores[("carry_forward", h)]["mape_pct"] == pytest.approx(mape, abs=0.005)
        assert scores[("carry_forward", h)]["bias_plans"] == pytest.approx(bias, abs=0.05)
        assert scores[("carry_forward", h)]["z_rms"] is None and scores[("flow_model", h)]["z_rms"] > 0
    # the targets say what the scores say (worked here from the printed figures)
    t = r["targets"]
    for h in (6, 12):
        below = all(scores[("flow_model", h)]["mape_pct"] < scores[(b, h)]["mape_pct"] for b in forecast.BASELINES)
        assert t["mape_below_every_baseline"][str(h)] is below
    for h in (2, 6, 12):
        assert t["coverage80_75_to_88_pct"][str(h)] is (75 <= scores[("flow_model", h)]["coverage80_pct"] <= 88)
    assert t["met"] is (all(t["mape_below_every_baseline"].values()) and all(t["coverage80_75_to_88_pct"].values()))
    assert active("2024-11-30") == caseload.active_plans_at(plans, ["2024-11-30"]).iloc[0]


def test_text_output_names_methods_and_targets(capsys):
    code, out, _ = _run(capsys, "--from", "2024-03", "--sims", "100")
    assert code == 0
    assert "7 origins (month ends 2024-03 to 2024-09)" in out
    for text in ("flow model (sendlib)", "carry forward", "last 12 months' net flow", "damped ETS (log counts)",
                 "MAPE (%)", "80% coverage (%)", "z_rms", "Target, 80% coverage 75-88%", "All targets:"):
        assert text in out, text
    # origins from March 2024 have no 12-month outcome: the 12-month target is not judged
    assert "Target, MAPE below every baseline: 6 months" in out and "12 months" not in out.split("Target, MAPE")[1]


def test_too_short_and_bad_options_are_one_line_each(capsys, example_dir):
    code, _, err = _run(capsys, "--data", str(example_dir))
    assert code == 1 and "too short to backtest the forecast to 2024-11: its requests begin in 2020-10" in err
    assert err.count("\n") == 1  # one line, no traceback
    code, _, err = _run(capsys, "--from", "2021-06")
    assert code == 1 and "give --from 2021-10 or later" in err  # the sample's earliest (see below)
    code, _, err = _run(capsys, "--period", "2024-12")
    assert code == 2 and "after the extract's last full month 2024-11" in err
    code, _, err = _run(capsys, "--from", "2024-10", "--period", "2024-09")
    assert code == 2 and "after the last origin with an outcome by 2024-09 (2024-07)" in err
    code, _, err = _run(capsys, "--sims", "5")
    assert code == 2 and "100 or more" in err
    code, _, err = _run(capsys, "--from", "2024-13")
    assert code == 2 and "--from 2024-13" in err


def test_period_cuts_the_outcomes(capsys):
    code, out, _ = _run(capsys, "--period", "2024-05", "--sims", "100")
    # outcomes to May 2024: origins to March 2024, the 33 month ends back to July 2021 bounded by the
    # earliest that qualifies, October 2021: 30 origins
    assert code == 0 and "30 origins (month ends 2021-10 to 2024-03), outcomes to 2024-05" in out


# ---------------------------------------------------------------------------------------------------
# The default origins, the outcome cut-off and the notebook's track record
# ---------------------------------------------------------------------------------------------------


def _extract_with_requests_from(first_request: str):
    """A minimal extract dated 30 November 2024: one plan, monthly requests from ``first_request``."""
    from sendlib.extract import from_frames

    plans = pd.DataFrame({"plan_id": ["p1"], "child_id": ["c1"], "primary_need": ["ASD"],
                          "issued_on": ["2016-01-04"], "ceased_on": [None]})
    received = pd.date_range(first_request, "2024-11-30", freq="MS").strftime("%Y-%m-%d")
    assessments = pd.DataFrame({"request_id": [f"r{i}" for i in range(len(received))], "child_id": "x",
                                "received_on": received})
    placements = pd.DataFrame(columns=["plan_id", "setting", "start_on", "end_on", "annual_cost"])
    return from_frames(plans, placements, assessments, as_of=pd.Timestamp("2024-11-30"))


def test_default_origins_by_hand():
    assert forecast.DEFAULT_BACKTEST_ORIGINS == 33
    # no assessment issued: the lag is the default 5 months everywhere, so the earliest origin is the
    # first full month of requests + 47 + 5 months (error months from origin - 35, each fitted a month
    # earlier on the 12 request months ending 5 months before that)
    ex = _extract_with_requests_from("2017-05-01")  # May 2017 is full: September 2021
    assert forecast.earliest_backtest_origin(ex) == pd.Timestamp("2021-09-30")
    o = forecast.default_backtest_origins(ex)  # the 33 month ends to September 2024
    assert (o[0], o[-1], len(o)) == (pd.Timestamp("2022-01-31"), pd.Timestamp("2024-09-30"), 33)
    # first request on 12 May: June is the first full month, so October 2021
    assert forecast.earliest_backtest_origin(_extract_with_requests_from("2017-05-12")) == pd.Timestamp("2021-10-31")
    # requests from March 2019: July 2023, so 15 origins; outcomes to April 2024: 8 (to February 2024)
    ex = _extract_with_requests_from("2019-03-01")
    o = forecast.default_backtest_origins(ex)
    assert (o[0], o[-1], len(o)) == (pd.Timestamp("2023-07-31"), pd.Timestamp("2024-09-30"), 15)
    assert list(forecast.default_backtest_origins(ex, through="2024-04-30")) == list(
        pd.date_range("2023-07-31", "2024-02-29", freq="ME"))
    # requests from January 2021: the earliest would be May 2025, after the extract: none
    ex = _extract_with_requests_from("2021-01-01")
    assert forecast.earliest_backtest_origin(ex) is None and len(forecast.default_backtest_origins(ex)) == 0


def test_sample_earliest_origin_against_a_plain_loop(sample_extract):
    """Month by month with median_lag_months (a different code path from the vectorised lags): error
    month t is fitted at t - 1 on requests from the 12 months ending lag months before t - 1, which must
    start no earlier than June 2017 (the first request was on 12 May 2017)."""
    a = sample_extract.assessments
    months = pd.date_range("2017-06-30", "2024-11-30", freq="ME")
    clean = []
    for i, t in enumerate(months):
        lag = forecast.median_lag_months(a, t - pd.offsets.MonthEnd(1))
        clean.append(i - 1 - lag - 11 >= 0)
    earliest = next(months[p] for p in range(35, len(months)) if all(clean[p - 35 : p + 1]))
    assert forecast.earliest_backtest_origin(sample_extract) == earliest == pd.Timestamp("2021-10-31")


def test_outcomes_after_through_are_not_scored(sample_extract):
    origins = [pd.Timestamp("2024-01-31")]
    base = forecast.backtest_baselines(sample_extract, origins, through="2024-04-30")
    model = forecast.backtest_flow_forecast(sample_extract, origins, n_sims=0, through="2024-04-30")
    # targets March 2024 (2 months) is kept; July 2024 (6) and January 2025 (12) are not
    assert set(base["horizon"]) == {2} and list(model["horizon"]) == [2]
    assert set(forecast.backtest_baselines(sample_extract, origins)["horizon"]) == {2, 6}


def test_notebook_track_record_is_the_command_s(sample_report, sample_extract, example_dir):
    import sendlib
    from sendlib import notebook

    text, table = notebook.forecast_track_record(sample_extract, pd.Timestamp("2024-11-30"), n_sims=200)
    assert "each of the 33 month ends from January 2022 to September 2024" in text
    scores = {(s["method"], s["horizon_months"]): s for s in sample_report["scores"]}
    for h in (2, 6, 12):
        row = table.loc[h]
        model = scores[("flow_model", h)]
        naive = min(forecast.BASELINES, key=lambda b: scores[(b, h)]["mape_pct"])
        assert row["Origins"] == model["n"]
        assert row["Forecast error (MAPE)"] == f"{model['mape_pct']:.2f}%"
        assert row["Best naive method"] == forecast.METHOD_LABELS[naive]
        assert row["Its error (MAPE)"] == f"{scores[(naive, h)]['mape_pct']:.2f}%"
        assert row["80% interval held the outcome"] == f"{model['coverage80_pct']:.1f}%"
    assert f"{scores[('flow_model', 12)]['mape_pct']:.2f}% 12 months ahead" in text
    text, table = notebook.forecast_track_record(sendlib.load(example_dir), pd.Timestamp("2024-11-30"))
    assert table is None and "too short to backtest" in text


@pytest.mark.parametrize("seed", [config.DEFAULT_SEED, 2, 10])
def test_sample_scorecard_meets_the_targets_whatever_the_seed(sample_extract, seed):
    """The forecast's own targets on the sample's 33 default origins, at the backtest's paths: MAPE
    below every baseline at 6 and 12 months and 80% coverage 75-88% at 2, 6 and 12 months. Seeds 2
    and 10 are two for which 2,000 paths put the 6-month coverage below 75% (72.4% and 65.5%): the
    verdict must not hang on the simulation's quantile noise."""
    period = pd.Timestamp("2024-11-30")
    origins = forecast.default_backtest_origins(sample_extract, through=period)
    model = forecast.backtest_flow_forecast(sample_extract, origins, horizons=forecast.BACKTEST_HORIZONS,
                                            n_sims=forecast.BACKTEST_SIMS, seed=seed, through=period)
    base = forecast.backtest_baselines(sample_extract, origins, horizons=forecast.BACKTEST_HORIZONS, through=period)
    card = forecast.flow_forecast_scorecard(model, base)
    targets = forecast.flow_forecast_targets(card)
    # the coverage counted again here: the share of outcomes inside [low80, high80], by horizon
    inside = (model["actual"] >= model["low80"]) & (model["actual"] <= model["high80"])
    share = 100 * inside.groupby(model["horizon"]).mean()
    assert share.between(75, 88).all() and list(share.index) == [2, 6, 12], share
    assert targets["met"] is True, card
