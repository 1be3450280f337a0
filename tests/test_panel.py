"""The expenditure panel: loading panel_decisions, and its measures by hand (sendlib.panel)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import sendlib
from sendlib import extract as extract_mod
from sendlib import forecast, panel, schema

AS_OF = "2024-11-30"


def log() -> pd.DataFrame:
    """Six decisions: two weeks of October 2024 and one after the extract date (left out)."""
    return extract_mod.coerce_table(
        schema.PANEL_DECISIONS,
        pd.DataFrame(
            {
                "decision_id": ["D1", "D2", "D3", "D4", "D5", "D6"],
                "decided_on": [
                    "2024-10-21",
                    "2024-10-22",
                    "2024-10-25",
                    "2024-10-28",
                    "2024-10-30",
                    "2024-12-02",
                ],
                "plan_id": ["P001", None, None, "P002", None, None],
                "category": [
                    "new_placement",
                    "top_up",
                    "transport",
                    "new_placement",
                    "other",
                    "placement_change",
                ],
                "amount_requested": [50_000, 10_000, 4_000, 60_000, 6_000, 1_000],
                "decision": ["approved", "reduced", "declined", "deferred", "returned", "approved"],
                "amount_agreed": [50_000, 6_000, 0, None, 0, 1_000],
            }
        ),
    )


def test_summary_by_hand():
    s = panel.panel_summary(log(), AS_OF)
    # D1-D5: reviewed 50+10+4+60+6 = 130k; agreed 50+6 = 56k; not committed 74k; 1 of 5 deferred
    assert s["decisions"] == 5
    assert s["first_decision"] == pd.Timestamp("2024-10-21")
    assert (s["value_reviewed"], s["value_agreed"], s["value_not_committed"]) == (130_000, 56_000, 74_000)
    assert (s["deferred"], s["returned"], s["value_deferred"]) == (1, 1, 60_000)
    assert s["share_deferred"] == 20.0 and s["share_returned"] == 20.0
    # without as_of every decision counts (D6 adds 1k requested and agreed)
    assert panel.panel_summary(log())["value_reviewed"] == 131_000


def test_weekly_by_hand():
    w = panel.panel_weekly(log(), AS_OF)
    # weeks Monday-Sunday ending 27 Oct (D1-D3), 3 Nov (D4, D5), then four empty weeks to 1 Dec
    assert list(w.index.strftime("%Y-%m-%d")) == [
        "2024-10-27",
        "2024-11-03",
        "2024-11-10",
        "2024-11-17",
        "2024-11-24",
        "2024-12-01",
    ]
    assert w["decisions"].tolist() == [3, 2, 0, 0, 0, 0]
    assert w["value_reviewed"].tolist() == [64_000, 66_000, 0, 0, 0, 0]
    assert w["value_agreed"].tolist() == [56_000, 0, 0, 0, 0, 0]
    assert w["value_not_committed"].tolist() == [8_000, 66_000, 0, 0, 0, 0]
    assert w["cumulative_value_reviewed"].tolist() == [64_000, 130_000, 130_000, 130_000, 130_000, 130_000]


def test_breakdown_by_category_and_decision_by_hand():
    c = panel.panel_breakdown(log(), "category", AS_OF)
    assert list(c.index) == ["New placement", "Placement change", "Top-up", "Transport", "Other", "Total"]
    assert c["decisions"].tolist() == [2, 0, 1, 1, 1, 5]
    assert c["value_reviewed"].tolist() == [110_000, 0, 10_000, 4_000, 6_000, 130_000]
    assert c["value_not_committed"].tolist() == [60_000, 0, 4_000, 4_000, 6_000, 74_000]
    d = panel.panel_breakdown(log(), "decision", AS_OF)
    assert d.loc["Deferred", "share_of_decisions"] == 20.0
    assert d.loc["Agreed at a lower amount", "value_agreed"] == 6_000


def test_small_counts_and_the_value_they_carry_are_suppressed():
    shown = panel.safe_breakdown(panel.panel_breakdown(log(), "category", AS_OF))
    for row in ["New placement", "Top-up", "Transport", "Other"]:  # 1-4 decisions each
        assert (
            shown.loc[row, ["decisions", "value_reviewed", "value_agreed", "value_not_committed"]] == "[c]"
        ).all()
    assert shown.loc["Placement change", "decisions"] == "0"
    assert shown.loc["Total", "decisions"] == "5"
    # with the threshold off (checking on one's own machine) the figures show
    plain = panel.safe_breakdown(panel.panel_breakdown(log(), "category", AS_OF), threshold=1)
    assert plain.loc["New placement", "value_reviewed"] == "£110,000"


def test_agreed_vs_forecast_new_placement(sample_extract, monkeypatch):
    ex = sendlib.extract.Extract(
        plans=sample_extract.plans,
        placements=sample_extract.placements,
        assessments=sample_extract.assessments,
        panel_decisions=log(),
        as_of=pd.Timestamp(AS_OF),
    )
    # the forecast's unit costs set by hand: 25% of new plans independent at £80,000 a year, the rest at
    # £20,000 -> 0.25 x 80,000 + 0.75 x 20,000 = 20,000 + 15,000 = £35,000 a year per new plan
    units = {"independent_share": 0.25, "cost_independent": 80_000.0, "cost_other": 20_000.0}
    monkeypatch.setattr(forecast, "new_placement_costs", lambda extract, as_of: units)
    got = panel.agreed_vs_forecast(ex)
    # only D1 is an agreed new placement (D4 was deferred): mean £50,000; difference 50,000 - 35,000
    assert got["new_placements_agreed"] == 1 and got["mean_agreed"] == 50_000
    assert got["forecast_cost_new"] == pytest.approx(35_000)
    assert got["difference"] == pytest.approx(15_000)


def test_sample_panel_against_plain_pandas(sample_dir, sample_extract):
    """Independent method: the CSV read with plain pandas."""
    raw = pd.read_csv(sample_dir / "panel_decisions.csv", parse_dates=["decided_on"])
    s = panel.panel_summary(sample_extract.panel_decisions, AS_OF)
    assert s["decisions"] == len(raw)
    assert s["value_reviewed"] == pytest.approx(raw["amount_requested"].sum())
    assert abs(s["value_reviewed"] - 7_000_000) < 1_000  # about £7m reviewed by 30 November 2024
    assert s["value_not_committed"] == pytest.approx((raw["amount_requested"] - raw["amount_agreed"]).sum())
    assert s["share_deferred"] == pytest.approx(100 * (raw["decision"] == "deferred").mean())
    w = panel.panel_weekly(sample_extract.panel_decisions, AS_OF)
    by_week = raw.groupby(raw["decided_on"].dt.to_period("W-SUN"))["amount_requested"].sum()
    assert w.loc[w["decisions"] > 0, "value_reviewed"].tolist() == pytest.approx(by_week.tolist())


def test_panel_decisions_load_with_mapping_and_quarantine(tmp_path, example_dir):
    d = tmp_path / "extract"
    shutil.copytree(example_dir, d)
    (d / "panel_decisions.csv").write_text(
        "Decision ref,decided_on,plan_id,category,amount_requested,decision,amount_agreed\n"
        'D1,21/10/2024,,New placement,"£50,000",approved,50000\n'
        "D2,22/10/2024,P001,top up,1000,Declined,500\n"
        "D3,23/10/2024,,transport,abc,deferred,\n"
        "D4,24/10/2024,,taxi,100,approved,100\n"
        "D5,25/10/2024,,other,900,Agreed at a lower amount,900\n"
        "D6,28/10/2024,P999,other,900,approved,900\n"
        "D7,29/10/2024,,other,1000,approved,50000\n"
        "D8,30/10/2024,,other,-5000,approved,100\n",
        encoding="utf-8",
    )
    (d / "mapping.toml").write_text('[panel_decisions]\ndecision_id = "Decision ref"\n', encoding="utf-8")
    ex = sendlib.load(d, mapping=d / "mapping.toml")
    counts = ex.row_counts[schema.PANEL_DECISIONS]
    assert counts == {"rows_in": 8, "rows_kept": 3, "rows_quarantined": 5}
    kept = ex.panel_decisions
    assert kept["decision_id"].tolist() == ["D1", "D5", "D6"]
    assert kept["category"].tolist() == ["new_placement", "other", "other"]
    assert kept["decision"].tolist() == ["approved", "reduced", "approved"]
    assert kept["amount_requested"].tolist() == [50_000.0, 900.0, 900.0]
    q = ex.quarantine[ex.quarantine["table"] == schema.PANEL_DECISIONS]
    assert q["row"].tolist() == [3, 4, 5, 8, 9]
    issues = {i.row: i for i in ex.issues if i.table == schema.PANEL_DECISIONS and i.row is not None}
    assert issues[3].rule == "panel_agreed_on_no" and issues[3].column == "amount_agreed"
    assert "clear amount_agreed" in issues[3].message and "panel_decisions.csv row 3" in issues[3].message
    assert issues[4].rule == "bad_money" and issues[4].column == "amount_requested"
    assert issues[5].rule == "unknown_code" and "[panel_category_values]" in issues[5].message
    # kept with a warning: reduced, but agreed all that was requested
    assert issues[6].rule == "panel_reduced_not_less" and issues[6].severity == "warning"
    # quarantined: approved £50,000 against £1,000 requested (not committed would be -£49,000)
    assert issues[8].rule == "panel_agreed_more" and issues[8].severity == "error"
    assert issues[8].column == "amount_agreed" and "panel_decisions.csv row 8" in issues[8].message
    assert "£50,000.00 is above amount_requested £1,000.00" in issues[8].message
    assert "Correct amount_agreed or amount_requested" in issues[8].message
    # a row quarantined for negative money gets no cross-column finding (no "£-5,000.00" anywhere)
    row9 = [i for i in ex.issues if i.table == schema.PANEL_DECISIONS and i.row == 9]
    assert [i.column for i in row9] == ["amount_requested"] and row9[0].severity == "error"
    assert not any("-5,000" in i.message for i in ex.issues)
    # kept with a warning: a plan the plans table does not have (P001 is in data/example's plans)
    assert (
        issues[7].rule == "panel_unknown_plan"
        and "plan_id P999 is not in plans.csv; kept" in issues[7].message
    )


def test_extract_without_panel_has_none(example_dir):
    ex = sendlib.load(example_dir)
    assert ex.panel_decisions is None and not panel.has_panel(ex)


def test_running_total_is_hidden_from_the_first_hidden_week_on():
    assert panel.cumulative_hidden([False, True, False, False]).tolist() == [False, True, True, True]
    assert panel.cumulative_hidden([False, False]).tolist() == [False, False]
    # log(): weeks ending 27 Oct (D1-D3, 3 decisions) and 3 Nov (D4-D5, 2) are [c]; the weeks after have
    # none, but their running total (130,000) would give the hidden weeks' value back
    shown = panel.safe_breakdown(panel.panel_weekly(log(), AS_OF))
    assert shown.loc[pd.Timestamp("2024-10-27"), "decisions"] == "[c]"
    assert shown.loc[pd.Timestamp("2024-11-10"), "decisions"] == "0"
    assert (shown["cumulative_value_reviewed"] == "[c]").all()
    assert not shown.astype(str).apply(lambda c: c.str.contains("130,000")).any().any()
