"""The Safety Valve outlook: deficit path by hand, the solver, scenarios (sendlib.outlook)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sendlib import forecast
from sendlib.outlook import deficit, scenarios, solve

M = 1e6


def three_year_budget(other=(5.0, 5.0, 5.0)) -> pd.DataFrame:
    """Round numbers (£m): budget 100/110/120, agreed deficit 10/5/0, DfE contribution 5 a year."""
    return deficit.budget_years(
        pd.DataFrame(
            {
                "financial_year": ["2025-26", "2023-24", "2024-25"],  # out of order on purpose
                "hnb_budget": [120 * M, 100 * M, 110 * M],
                "safety_valve_overspend_cap": [0.0, 10 * M, 5 * M],
                "planned_deficit": [0.0, 10 * M, 5 * M],
                "safety_valve_contribution": [5 * M, 5 * M, 5 * M],
                "other_high_needs_spend": [other[2] * M, other[0] * M, other[1] * M],
            }
        )
    )


def test_deficit_table_by_hand_on_a_three_year_budget():
    b = three_year_budget()
    # placement spend 110, 107, 103 (+ other 5) = spend 115, 112, 108
    # in-year deficit 15, 2, -12; less the contribution 10, -3, -17; cumulative 10, 7, -10
    # agreed cumulative: 10-5 = 5, 5+5-5 = 5, 5+0-5 = 0; gap 5, 2, -10
    table, cumulative = deficit.deficit_table(b, np.array([[110 * M, 107 * M, 103 * M]]))
    assert list(table.index) == ["2023-24", "2024-25", "2025-26"]
    assert (table["spend"] / M).tolist() == [115, 112, 108]
    assert (table["in_year_deficit"] / M).tolist() == [15, 2, -12]
    assert (table["cumulative_deficit"] / M).tolist() == [10, 7, -10]
    assert (table["planned_cumulative_deficit"] / M).tolist() == [5, 5, 0]
    assert (table["gap"] / M).tolist() == [5, 2, -10]
    # one path: the interval is the path itself
    assert table["cumulative_low80"].equals(table["cumulative_deficit"])
    assert deficit.zero_years(cumulative, table.index) == ("2025-26", "2025-26", "2025-26")


def test_a_missing_budget_year_is_an_error_naming_it():
    from sendlib.errors import DataError

    raw = pd.DataFrame(
        {
            "financial_year": ["2023-24", "2026-27", "2024-25"],
            "hnb_budget": [100 * M] * 3,
            "safety_valve_overspend_cap": [0.0] * 3,
            "planned_deficit": [0.0] * 3,
            "safety_valve_contribution": [0.0] * 3,
        }
    )
    with pytest.raises(DataError, match=r"budget\.csv: financial year\(s\) 2025-26 missing between 2023-24 "
                       r"and 2026-27"):
        deficit.budget_years(raw)


def test_blank_contribution_and_planned_deficit_are_zero():
    raw = pd.DataFrame(
        {
            "financial_year": ["2024-25"],
            "hnb_budget": [100 * M],
            "safety_valve_overspend_cap": [0.0],
            "planned_deficit": [np.nan],
            "safety_valve_contribution": [np.nan],
        }
    )
    table, _ = deficit.deficit_table(deficit.budget_years(raw), np.array([[104 * M]]))
    assert table.loc["2024-25", "cumulative_deficit"] == 4 * M
    assert table.loc["2024-25", "gap"] == 4 * M


def test_intervals_are_the_10_and_90_percent_of_the_simulated_paths():
    b = three_year_budget(other=(0, 0, 0))
    central = np.array([110, 107, 103]) * M
    # 11 simulated paths: the last year 98..108 (£m), earlier years as central
    sims = np.tile(central, (11, 1))
    sims[:, 2] = (98 + np.arange(11)) * M
    table, _ = deficit.deficit_table(b, np.vstack([central, sims]))
    # 10% and 90% of 11 equally spaced values (linear interpolation): the 2nd and the 10th, 99 and 107
    assert table.loc["2025-26", "spend_low80"] == 99 * M and table.loc["2025-26", "spend_high80"] == 107 * M
    # no other spend: cumulative 2024-25 = (110 - 100 - 5) + (107 - 110 - 5) = 5 - 8 = -3;
    # cumulative 2025-26 = -3 + spend - 120 - 5; agreed cumulative 2025-26 = 0
    assert table.loc["2025-26", "cumulative_low80"] == (-3 + 99 - 125) * M
    assert table.loc["2025-26", "gap_high80"] == (-3 + 107 - 125 - 0) * M


def test_zero_year_and_its_interval_by_hand():
    years = ["2023-24", "2024-25", "2025-26"]
    c = np.array(
        [
            [5, -1, -2],  # central: 2024-25
            *[[-1, -1, -1]],  # zero in 2023-24
            *[[5, 0, -1]] * 7,  # 2024-25 (0 counts as reached)
            [5, 5, -1],  # 2025-26
            [5, 5, 5],  # never
        ]
    )
    # 10 simulated years: 0, 1 x 7, 2, never -> 10% (lower) = 2023-24, 90% (higher) = never (None)
    assert deficit.zero_years(c, years) == ("2024-25", "2023-24", None)
    # counted from the current year (column 1): the first path reaches zero in 2024-25
    assert deficit.zero_years(c, years, first=1) == ("2024-25", "2024-25", None)


def test_saving_by_hand():
    months = pd.date_range("2025-01-31", "2025-06-30", freq="ME")
    assert deficit.Saving(12_000, "2025-04").monthly(months).tolist() == [0, 0, 0, 1000, 1000, 1000]
    assert deficit.Saving(0, "2025-04").monthly(months).tolist() == [0] * 6


def test_reprofiled_path_by_hand():
    b = three_year_budget()
    basis = ["actual", "actual + forecast", "forecast"]
    table, c = deficit.deficit_table(b, np.array([[110 * M, 107 * M, 103 * M]]), basis)
    o = deficit.DeficitOutlook(pd.Timestamp("2024-11-30"), table, c, "2025-26", "2025-26", "2025-26")
    r = deficit.reprofiled_path(o)
    # current year 2024-25 (last with actual spend), gap there 2; agreed cumulative 5, 5, 0
    # 2023-24 actual 10; 2024-25 5 + 2 = 7; 2025-26 0 + 2 = 2 (not the forecast's -10)
    assert (r["reprofiled_cumulative_deficit"] / M).tolist() == [10, 7, 2]
    # in-year: change in cumulative + contribution 5 -> 10 + 5, -3 + 5, -5 + 5 = 15, 2, 0
    assert (r["reprofiled_in_year_deficit"] / M).tolist() == [15, 2, 0]
    # agreed in-year 10, 5, 0 -> change 5, -3, 0 (later years keep the agreement's profile)
    assert (r["change_in_year"] / M).tolist() == [5, -3, 0]


def test_reprofiled_path_without_actual_spend_starts_from_the_first_year():
    table, c = deficit.deficit_table(three_year_budget(), np.array([[110 * M, 107 * M, 103 * M]]))
    o = deficit.DeficitOutlook(pd.Timestamp("2023-03-31"), table, c, None, None, None)
    # gap in 2023-24 is 5: agreed 5, 5, 0 + 5
    assert (deficit.reprofiled_path(o)["reprofiled_cumulative_deficit"] / M).tolist() == [10, 10, 5]


@pytest.fixture(scope="module")
def base(sample_extract):
    return deficit.prepare(sample_extract)


def test_sample_deficit_path_matches_forecast_deficit_path(sample_extract, base):
    """Independent method: forecast.deficit_path loops over the years with its own sums."""
    o = deficit.outlook_from_base(base, n_sims=0)
    ref = forecast.deficit_path(sample_extract)
    assert list(o.table.index) == list(ref.index) == [f"{y}-{(y + 1) % 100:02d}" for y in range(2023, 2031)]
    for col in ("spend", "in_year_deficit", "cumulative_deficit", "planned_cumulative_deficit", "gap"):
        np.testing.assert_allclose(o.table[col], ref[col], rtol=0, atol=0.01)
    assert o.table["basis"].tolist()[:3] == ["actual", "actual + forecast", "forecast"]


def test_sample_deficit_outlook_keeps_the_story(base):
    o = deficit.outlook_from_base(base, n_sims=500, seed=1)
    row = o.table.loc["2024-25"]
    # the brief's story: about £20m beyond the Safety Valve position in 2024-25
    assert 19 * M < row["in_year_deficit"] - 31.2 * M < 21.5 * M
    assert row["cumulative_low80"] <= row["cumulative_deficit"] <= row["cumulative_high80"]
    last = o.table.iloc[-1]
    assert last["cumulative_low80"] < last["cumulative_high80"]  # the interval widens with the horizon
    assert o.table["planned_cumulative_deficit"].iloc[-1] == 0
    # on current trends the deficit grows: no zero year within the agreement
    assert o.zero_year is None and o.zero_year_low80 is None


def test_solver_saving_gives_back_the_target_and_matches_the_hand_formula(base):
    r = solve.what_would_it_take(base, "saving", "2030-31", "zero")
    assert r["status"] == "solved"
    assert abs(solve.target_distance(base, "saving", r["value"], "2030-31", "zero")) < 1_000
    # a saving of S a year from April 2025 takes 6 x S off the cumulative deficit at March 2031
    assert r["value"] == pytest.approx(r["distance_at_trend"] / 6, abs=200)


def _linear_lever(monkeypatch, trend, distance):
    """The solver on a lever whose distance to the target is a straight line worked by hand."""
    monkeypatch.setattr(solve, "trend_value", lambda base, lever: trend)
    monkeypatch.setattr(solve, "target_distance", lambda base, lever, v, year, target="zero": distance(v))


def test_solver_independent_share_by_hand(monkeypatch):
    # distance = £2m x share - £300,000: zero at a share of 300,000 / 2,000,000 = 0.15;
    # the trend share 0.40 is £500,000 above the target
    _linear_lever(monkeypatch, 0.40, lambda v: 2_000_000 * v - 300_000)
    r = solve.what_would_it_take(None, "independent_share", "2025-26", "agreed")
    assert r["status"] == "solved" and (r["low"], r["high"]) == (0.0, 1.0)
    assert r["value"] == pytest.approx(0.15, abs=1e-9)
    assert r["distance_at_trend"] == pytest.approx(500_000)
    # always £100,000 or more above the target on 0 to 1: not reachable
    _linear_lever(monkeypatch, 0.40, lambda v: 100_000 + 50_000 * v)
    r = solve.what_would_it_take(None, "independent_share", "2025-26", "agreed")
    assert r["status"] == "not_reachable" and r["value"] is None
    # already £1 below the target at the trend share: nothing needed, the value is the trend
    _linear_lever(monkeypatch, 0.40, lambda v: -1.0)
    r = solve.what_would_it_take(None, "independent_share", "2025-26", "agreed")
    assert (r["status"], r["value"]) == ("met_at_trend", 0.40)


def test_solver_reports_not_reachable_and_met_at_trend(base):
    r = solve.what_would_it_take(base, "requests", "2025-26", "zero")
    assert r["status"] == "not_reachable" and r["value"] is None
    assert solve.target_distance(base, "requests", -0.5, "2025-26", "zero") > 0
    # 2023-24 is already below the agreed path (actual spend): nothing needed
    r = solve.what_would_it_take(base, "conversion", "2023-24", "agreed")
    assert r["status"] == "met_at_trend"
    with pytest.raises(ValueError, match="2031-32 is not a year of budget.csv"):
        solve.what_would_it_take(base, "saving", "2031-32")


TOML = """
[[scenario]]
name = "Fewer requests"
request_growth = -0.1
ceasing_factor = 1.2

[[scenario]]
name = "Saving"
saving_per_year = 5000000
saving_from = "2025-04"
"""


def test_parse_scenarios_and_defaults(tmp_path):
    got = scenarios.parse_scenarios(TOML)
    assert [s.name for s in got] == [scenarios.TREND, "Fewer requests", "Saving"]
    assert got[1].scenario == forecast.Scenario(request_growth=-0.1, ceasing_factor=1.2)
    saving = got[2].saving("2024-11-30")
    assert saving.per_year == 5e6 and saving.start == pd.Timestamp("2025-04-30")
    # saving_from left out: the first April after the extract date
    assert scenarios.NamedScenario("x", saving_per_year=1.0).saving("2024-11-30").start == pd.Timestamp(
        "2025-04-30"
    )
    assert scenarios.load_scenarios(data_dir=tmp_path) == list(scenarios.DEFAULT_SCENARIOS)
    (tmp_path / "scenarios.toml").write_text(TOML)
    assert len(scenarios.load_scenarios(data_dir=tmp_path)) == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[scenario]]\nname = "A"\nrequest_grow = 0.1\n', "scenario 'A': unknown key 'request_grow'"),
        (
            '[[scenario]]\nname = "A"\nindependent_share = 30\n',
            "independent_share = 30 is outside 0.0 to 1.0",
        ),
        ('[[scenario]]\nname = "A"\nconversion = "half"\n', "conversion = 'half' is not a number"),
        ("[[scenario]]\nrequest_growth = 0.1\n", "scenario 1 has no name"),
        ('[[scenario]]\nname = "A"\nsaving_from = "soon"\n', "saving_from = 'soon' is not a month"),
        ("name = 1\n", "no [[scenario]] tables"),
    ],
)
def test_bad_scenarios_file_names_file_scenario_and_fix(text, message):
    with pytest.raises(ValueError, match="my.toml") as err:
        scenarios.parse_scenarios(text, "my.toml")
    assert message in str(err.value)


def test_compare_scenarios_saving_difference_by_hand(base):
    chosen = [scenarios.NamedScenario(scenarios.TREND), scenarios.DEFAULT_SCENARIOS[-1]]
    paths, summary = scenarios.compare_scenarios(base, chosen)
    assert summary.loc[scenarios.TREND, "difference_from_trend"] == 0
    # £5m a year from April 2025 to March 2031: 6 years, £30m off the cumulative deficit
    assert summary.iloc[1]["difference_from_trend"] == pytest.approx(-30 * M, abs=1)
    assert (paths.iloc[:, 1] <= paths.iloc[:, 0]).all()


@pytest.mark.parametrize(
    "lever, value", [("conversion", 0.4), ("requests", -0.2), ("independent_share", 0.02)]
)
def test_solver_finds_a_caseload_lever_value_planted_in_the_budget(base, lever, value):
    """Plant a reachable target: raise 2030-31's budget by exactly the deficit left at ``value``, so the
    lever at ``value`` puts the cumulative deficit at £0 in 2030-31; brentq must find that value."""
    import dataclasses

    left = solve.target_distance(base, lever, value, "2030-31", "zero")
    budget = base.budget.copy()
    budget.loc["2030-31", "hnb_budget"] += left
    planted = dataclasses.replace(base, budget=budget)
    r = solve.what_would_it_take(planted, lever, "2030-31", "zero")
    assert r["status"] == "solved"
    assert abs(r["residual"]) < 1_000
    assert abs(solve.target_distance(planted, lever, r["value"], "2030-31", "zero")) < 1_000
    assert r["value"] == pytest.approx(value, abs=1e-6)



def test_independent_share_is_labelled_inmss():
    """The lever and scenario use the INMSS definition (sendlib.forecast's independent share), so their
    labels say so, never "independent special schools" alone."""
    label = solve.LEVERS["independent_share"].label
    assert "independent and non-maintained special schools (INMSS)" in label
    names = [s.name for s in scenarios.DEFAULT_SCENARIOS if s.scenario.independent_share is not None]
    assert names == ["5% of new plans placed in INMSS"]
    r = {"lever": "independent_share", "status": "solved", "trend": 0.1, "value": 0.05}
    assert "(INMSS)" in solve.lever_sentence(r)


def test_conversion_scenario_is_named_for_its_fixed_rate():
    [s] = [s for s in scenarios.DEFAULT_SCENARIOS if s.scenario.conversion is not None]
    assert s.scenario.conversion == 0.35 and s.name == "Conversion 0.35 plans per request"


def test_scenarios_file_that_is_a_folder_or_not_utf8_names_the_path_and_the_fix(tmp_path):
    with pytest.raises(ValueError, match=r"is a folder: give the path of a scenarios TOML file"):
        scenarios.load_scenarios(tmp_path)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('[[scenario]]\nname = "Caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1\.toml is not UTF-8 text .*save it as UTF-8"):
        scenarios.load_scenarios(bad)
    with pytest.raises(ValueError, match=r"nope\.toml not found: check the path"):
        scenarios.load_scenarios(tmp_path / "nope.toml")
