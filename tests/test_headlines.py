"""Headlines dict, its sections mechanism, and the ``sendlib headlines`` command."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sendlib
from sendlib import headlines as headlines_module
from sendlib.cli import main
from sendlib.headlines import cost_change_section, engine_section, headlines, period_section
from tests.engine_fixtures import four_plans

REQUIRED = [
    "period",
    "ehcp_active",
    "ehcp_active_prev_month",
    "avg_cost_per_ehcp",
    "avg_cost_per_ehcp_prev_month",
    "independent_placements",
    "independent_share_count",
    "independent_share_cost",
]


@pytest.fixture
def ex():
    """The A-D extract of tests/engine_fixtures.py (arithmetic there), extract date 14 May 2024."""
    return four_plans(as_of="2024-05-14")


@pytest.fixture
def engine_only(monkeypatch):
    """Only this module's sections (the other modules' sections are tested in their own files)."""
    monkeypatch.setattr(headlines_module, "SECTIONS", [period_section, engine_section, cost_change_section])


def test_headlines_hand_computed(ex, engine_only):
    h = headlines(ex)  # default period: last full month of 14 May 2024 = April 2024
    for key in REQUIRED:
        assert key in h
    assert h["period"] == "2024-04" and h["financial_year"] == "2024-25" and h["financial_month"] == 1
    # active: Mar A, B, D = 3; Apr A, B, D = 3
    assert (h["ehcp_active"], h["ehcp_active_prev_month"], h["ehcp_active_change"]) == (3, 3, 0)
    assert isinstance(h["ehcp_active"], int)
    # MI average: Mar 60,000 / 3 = 20,000; Apr 70,000 / 3 = 23,333.33 (rounded to pence)
    assert h["avg_cost_per_ehcp"] == 23_333.33 and h["avg_cost_per_ehcp_prev_month"] == 20_000
    assert h["avg_cost_per_ehcp_change"] == 3_333.33
    # net: 55,000 / 3 = 18,333.33
    assert h["avg_cost_per_ehcp_net"] == 18_333.33
    # the change is all mix (A moved from mainstream to a dearer LA special place)
    assert h["avg_cost_change_mix"] == 3_333.33 and h["avg_cost_change_rate"] == 0
    # April is the first month of FY 2024-25 and the average rose: no fall yet
    assert h["avg_cost_falls_in_financial_year"] == 0
    assert h["avg_cost_per_ehcp_first_fall_in_financial_year"] is False
    # INMSS: B only. 1 of 3 active plans = 33.33%; 50,000 of 70,000 = 71.43%
    assert h["independent_placements"] == 1
    assert h["independent_share_count"] == pytest.approx(100 / 3, abs=1e-4)
    assert h["independent_share_cost"] == pytest.approx(500 / 7, abs=1e-4)
    json.dumps(h)


def test_explicit_period_and_first_fall(ex, engine_only):
    # Feb 2024 (FY 2023-24): average 23,000 (Jan) -> 17,250 (Feb), the first fall since April 2023
    # (Apr-Dec 2023 the average only rose or stayed level: A and C's costs, no falls)
    h = headlines(ex, "2024-02")
    assert h["avg_cost_per_ehcp"] == 17_250 and h["avg_cost_per_ehcp_prev_month"] == 23_000
    assert h["avg_cost_falls_in_financial_year"] == 1
    assert h["avg_cost_per_ehcp_first_fall_in_financial_year"] is True
    assert headlines(ex, pd.Timestamp("2024-02-10"))["period"] == "2024-02"


def test_a_section_is_a_one_line_addition(ex, monkeypatch):
    sections = [period_section, engine_section, cost_change_section, "tests_helper_module:section"]
    monkeypatch.setattr(headlines_module, "SECTIONS", sections)
    import sys
    import types

    helper = types.ModuleType("tests_helper_module")
    helper.section = lambda extract, period_end: {"overdue_requests": 7, "period_seen": str(period_end.date())}
    monkeypatch.setitem(sys.modules, "tests_helper_module", helper)
    h = headlines(ex, "2024-04")
    assert h["overdue_requests"] == 7 and h["period_seen"] == "2024-04-30"


def test_duplicate_keys_from_sections_are_refused(ex, monkeypatch):
    monkeypatch.setattr(headlines_module, "SECTIONS", [period_section, engine_section, lambda e, p: {"ehcp_active": 0}])
    with pytest.raises(ValueError, match="already set"):
        headlines(ex, "2024-04")


def test_headlines_reachable_from_the_package(ex, engine_only):
    assert sendlib.headlines.headlines(ex, "2024-04")["ehcp_active"] == 3
    assert callable(sendlib.monthly_series)


def test_cli_json_and_table(ex, engine_only, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sendlib, "load", lambda path, **kw: ex, raising=False)
    # --suppress-below 1: everything, for checking (not for committee papers)
    assert main(["headlines", "--data", str(tmp_path), "--period", "2024-04", "--json", "--suppress-below", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ehcp_active"] == 3 and out["period"] == "2024-04"
    assert out["suppress_below"] == 1 and out["suppressed"] == []
    assert main(["headlines", "--data", str(tmp_path), "--suppress-below", "1"]) == 0
    text = capsys.readouterr().out
    # £70,000 / 3 plans = £23,333.33 a plan, shown in whole pounds as everywhere (sendlib.formatting)
    assert "Headlines for 2024-04" in text and "avg_cost_per_ehcp" in text and "£23,333 " in text
    assert "NOT suppressed" in text


def test_cli_suppresses_as_headlines_csv_by_default(ex, engine_only, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sendlib, "load", lambda path, **kw: ex, raising=False)
    assert main(["headlines", "--data", str(tmp_path), "--period", "2024-04", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # April 2024: 3 plans (A, B, D) and 3 in March, none issued or ceased in April (0 is shown); D has
    # no placement (1); INMSS 1 (B) of 3, £50,000 of £70,000. Every count from 1 to 4 is null, and so
    # is every cost, share and change worked out from one
    hidden = {
        "ehcp_active", "ehcp_active_prev_month", "ehcp_active_change", "plans_without_placement",
        "committed_cost", "committed_cost_net", "partner_share_cost", "avg_cost_per_ehcp",
        "avg_cost_per_ehcp_prev_month", "avg_cost_per_ehcp_change", "avg_cost_per_ehcp_net",
        "avg_cost_change_mix", "avg_cost_change_rate", "avg_cost_change_interaction",
        "independent_placements", "independent_placements_prev_month", "independent_share_count",
        "independent_share_special", "independent_cost", "independent_share_cost",
        "independent_placements_broad", "independent_share_count_broad", "independent_share_cost_broad",
    }
    assert set(out["suppressed"]) == hidden
    assert (out["ehcp_issued"], out["ehcp_ceased"]) == (0, 0)
    assert all(out[k] is None for k in out["suppressed"])
    assert out["suppress_below"] == 5 and out["period"] == "2024-04" and out["financial_month"] == 1
    assert out["independent_new_placements"] == 0  # 0 is shown
    assert main(["headlines", "--data", str(tmp_path), "--period", "2024-04"]) == 0
    text = capsys.readouterr().out
    assert "23,333.33" not in text and "Counts from 1 to 4 are shown as [c]" in text
    assert [ln.split()[1] for ln in text.splitlines() if ln.startswith("ehcp_active ")] == ["[c]"]


def test_cli_example_json_hides_what_would_reveal_a_small_count(example_dir, capsys):
    assert main(["headlines", "--data", str(example_dir), "--period", "2024-11", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # data/example/README.md: 9 plans at 30 November (8 + 2 issued - 1 ceased); INMSS 3 of 9 (33.3%)
    assert (out["ehcp_active"], out["ehcp_active_prev_month"], out["ehcp_active_change"]) == (9, 8, 1)
    for key in ("ehcp_issued", "ehcp_ceased", "independent_placements", "independent_share_count",
                "independent_share_cost", "independent_cost", "overdue_assessments"):
        assert out[key] is None and key in out["suppressed"], key
    # the same keys as headlines.csv shows as [c]
    from sendlib.headlines import headlines_frame

    frame = headlines_frame(headlines(sendlib.load(example_dir), "2024-11"))
    assert sorted(frame.loc[frame["value"] == "[c]", "measure"]) == out["suppressed"]


FORECAST_KEYS = {
    "ehcp_forecast_next_january", "ehcp_forecast_next_january_low80", "ehcp_forecast_next_january_high80",
    "ehcp_forecast_vs_plan", "fy_forecast_spend", "fy_forecast_placement_spend", "fy_forecast_overspend",
    "fy_overspend_vs_cap",
}


def test_cli_example_hides_the_forecast_and_spend_of_a_hidden_caseload(example_dir, capsys):
    argv = ["headlines", "--data", str(example_dir), "--period", "2019-06", "--json"]
    assert main([*argv, "--suppress-below", "1"]) == 0
    full = json.loads(capsys.readouterr().out)
    # 30 June 2019 (data/example/plans.csv): one active plan, P011 (issued 1 April 2018), one at 31 May;
    # no request for assessment before 2023 and no plan has ever ceased in these months, so the forecast
    # for January 2020 is that 1 plan with an 80% band of 1 to 1, and the 2019-20 spend is its placement
    # (mainstream, £6,000 a year, placements.csv): every one gives the hidden 1 back
    assert (full["ehcp_active"], full["ehcp_active_prev_month"]) == (1, 1)
    assert [full[f"ehcp_forecast_next_january{s}"] for s in ("", "_low80", "_high80")] == [1.0, 1.0, 1.0]
    assert full["fy_forecast_spend"] == full["fy_forecast_placement_spend"] == 6_000
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    hidden = set(out["suppressed"])
    assert FORECAST_KEYS <= hidden and all(out[k] is None for k in FORECAST_KEYS)
    # the two month-end counts of 1 and what is worked out from them; issued and ceased (0) are shown
    assert hidden - FORECAST_KEYS == {
        "ehcp_active", "ehcp_active_prev_month", "ehcp_active_change", "committed_cost", "committed_cost_net",
        "partner_share_cost", "avg_cost_per_ehcp", "avg_cost_per_ehcp_net", "avg_cost_per_ehcp_prev_month",
        "avg_cost_per_ehcp_change", "avg_cost_change_mix", "avg_cost_change_rate", "avg_cost_change_interaction",
        "independent_share_count", "independent_share_cost", "independent_share_count_broad",
        "independent_share_cost_broad",
    }
    # everything else is as without suppression: the plan, budget and other spend are not about the plan
    shown = {k: v for k, v in out.items() if k not in hidden and k not in ("suppressed", "suppress_below")}
    assert shown == {k: full[k] for k in shown}
    assert shown["fy_other_high_needs_spend"] == 0 and shown["ehcp_issued"] == 0
    assert main(argv[:-1]) == 0
    rows = {ln.split()[0]: ln.split()[1] for ln in capsys.readouterr().out.splitlines() if ln.startswith(("ehcp_f", "fy_f"))}
    assert rows == {k: "[c]" for k in FORECAST_KEYS if k.startswith(("ehcp_f", "fy_f"))}


def test_cli_forecast_and_spend_are_shown_over_5_plans(example_dir, capsys):
    # 30 November 2024: 9 plans (data/example/README.md), so the forecast and spend are shown
    assert main(["headlines", "--data", str(example_dir), "--period", "2024-11", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert not FORECAST_KEYS & set(out["suppressed"]) and out["ehcp_active"] == 9
    assert out["fy_budget"] == 300_000 and out["fy_forecast_overspend"] == pytest.approx(
        out["fy_forecast_spend"] - 300_000, abs=0.011
    )


def test_cli_sample_values_are_unchanged_by_suppression(sample_extract, sample_dir, capsys):
    assert main(["headlines", "--data", str(sample_dir), "--period", "2024-11", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # every count on the sample is 5 or more (the smallest: 8 plans without a placement)
    assert out.pop("suppressed") == [] and out.pop("suppress_below") == 5
    assert out == headlines(sample_extract, "2024-11")
    assert out["plans_without_placement"] == 8 and out["ehcp_active"] == 9_754


def test_cli_refuses_a_threshold_below_1(ex, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sendlib, "load", lambda path, **kw: ex, raising=False)
    assert main(["headlines", "--data", str(tmp_path), "--suppress-below", "0"]) == 2
    assert "--suppress-below 0: give a whole number, 1 or more" in capsys.readouterr().err


def test_cli_errors(ex, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sendlib, "load", lambda path, **kw: ex, raising=False)
    assert main(["headlines", "--data", str(tmp_path), "--period", "2024-13"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err
    assert main(["headlines", "--data", str(tmp_path / "missing")]) == 2  # a usage error, as in every command
    assert "does not exist" in capsys.readouterr().err
    assert main(["headlines", "--data", str(tmp_path), "--period", "2024-05"]) == 2  # after the extract
    assert "after the extract's last full month" in capsys.readouterr().err


def test_sample_headlines_meet_the_issue_targets(sample_extract):
    h = headlines(sample_extract, "2024-11")
    assert h["ehcp_active"] == pytest.approx(9_754, rel=0.01)
    assert h["avg_cost_per_ehcp"] == pytest.approx(16_965, rel=0.01)
    assert -120 <= h["avg_cost_per_ehcp"] - h["avg_cost_per_ehcp_prev_month"] <= -40
    assert h["avg_cost_per_ehcp_first_fall_in_financial_year"] is True
    assert h["avg_cost_change_mix"] + h["avg_cost_change_rate"] + h["avg_cost_change_interaction"] == (
        pytest.approx(h["avg_cost_per_ehcp_change"], abs=0.02)
    )
    assert h["independent_share_cost"] > h["independent_share_count"]
    json.dumps(h)
