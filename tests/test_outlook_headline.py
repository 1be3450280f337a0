"""The outlook's headline keys and drafted sentences (sendlib.outlook.headline)."""

from __future__ import annotations

import pandas as pd

from sendlib import headlines
from sendlib.outlook import (
    HEADLINE_DERIVED,
    HEADLINE_UNITS,
    deficit_outlook,
    headline_section,
    headline_sentence,
)

H = {
    "deficit_financial_year": "2024-25",
    "fy_forecast_spend": 206_912_345.0,
    "fy_overspend_vs_cap": 20_260_000.0,
    "deficit_cumulative_forecast_end_fy": 46_140_000.0,
    "deficit_cumulative_forecast_end_fy_low80": 45_800_000.0,
    "deficit_cumulative_forecast_end_fy_high80": 46_520_000.0,
    "deficit_gap_vs_agreement": 18_340_000.0,
    "deficit_agreement_last_year": "2030-31",
    "deficit_cumulative_forecast_end_agreement": 533_700_000.0,
    "deficit_zero_year": None,
    "deficit_agreed_zero_year": "2030-31",
    "panel_first_decision": "2024-10-21",
    "panel_decisions_reviewed": 225,
    "panel_value_reviewed": 7_000_000.0,
    "panel_value_not_committed": 2_780_000.0,
}


def test_sentence_by_hand():
    assert headline_sentence(H) == (
        "High-needs spend in 2024-25 is forecast at £206.9m, £20.3m beyond the Safety Valve position. "
        "The cumulative High Needs deficit would be £46.1m at 31 March 2025 (80% interval £45.8m to £46.5m), "
        "£18.3m above the agreed path. On current trends it would not reach zero by 2030-31, the agreement's "
        "last year (it would be £533.7m at 31 March 2031); the agreement has it at zero in 2030-31. "
        "Since 21 October 2024 the expenditure panel has reviewed 225 decisions worth £7.0m a year; £2.8m a "
        "year of it was not committed (not the same as saved: a deferred decision may come back)."
    )


def test_sentence_with_a_zero_year_and_its_interval():
    h = H | {
        "deficit_zero_year": "2029-30",
        "deficit_zero_year_low80": "2028-29",
        "deficit_zero_year_high80": None,
    }
    assert "it would reach zero in 2029-30 (80% interval 2028-29 to after 2030-31); the agreement has it" in (
        headline_sentence(h)
    )


def test_sentence_honours_disclosure_and_missing_values():
    small = H | {"panel_decisions_reviewed": 3}
    text = headline_sentence(small)
    assert "reviewed fewer than 5 decisions." in text and "£7.0m" not in text and "£2.8m" not in text
    assert "reviewed 3 decisions worth £7.0m" in headline_sentence(small, threshold=1)
    hidden = H | {
        "panel_value_reviewed": None,
        "panel_value_not_committed": None,
        "fy_overspend_vs_cap": None,
    }
    text = headline_sentence(hidden)
    assert "Safety Valve position" not in text and text.endswith("has reviewed 225 decisions.")
    assert headline_sentence({}) is None
    assert set(HEADLINE_DERIVED) <= set(HEADLINE_UNITS)


def test_section_on_the_example_matches_the_deficit_outlook(example_dir):
    import sendlib

    ex = sendlib.load(example_dir)
    pe = pd.Timestamp("2024-11-30")
    h = headline_section(ex, pe)
    assert set(h) == set(HEADLINE_UNITS)
    o = deficit_outlook(ex, pe, n_sims=2000)
    assert h["deficit_cumulative_forecast_end_fy"] == round(o.at("2024-25", "cumulative_deficit"), 2)
    assert h["deficit_gap_vs_agreement"] == round(o.at("2024-25", "gap"), 2)
    # the example's agreed path by hand (README): (20,000 - 50,000) + (15,000 - 50,000) = -65,000
    assert h["deficit_agreed_cumulative_end_fy"] == -65_000
    assert h["panel_decisions_reviewed"] is None and h["panel_value_reviewed"] is None  # no panel table
    assert "sendlib.outlook:headline_section" in headlines.SECTIONS


def test_a_cumulative_surplus_reads_as_one():
    h = H | {
        "deficit_cumulative_forecast_end_fy": -282_305.0,
        "deficit_cumulative_forecast_end_fy_low80": None,
        "deficit_gap_vs_agreement": -217_305.0,
    }
    text = headline_sentence(h, with_spend=False)
    assert text.startswith(
        "The High Needs Block would be £282,305 in cumulative surplus at 31 March 2025, £217,305 below"
    )
    assert "Safety Valve position" not in text
