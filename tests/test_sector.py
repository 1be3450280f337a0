"""Independent sector under both definitions, on a hand-computed fixture and on the sample."""

from __future__ import annotations

import pandas as pd
import pytest

from sendlib import sector
from sendlib.extract import from_frames
from tests.engine_fixtures import four_plans_one_uncosted

MONTHS = pd.DatetimeIndex(["2024-01-31", "2024-02-29"])


@pytest.fixture
def ex():
    """Six plans issued 1 Jan 2024; E ceases 15 Feb; F has no placement.

    A special_independent            from 2024-01-01  60,000 (health 20,000 -> net 40,000)
    B special_non_maintained         from 2024-02-10  55,000
    C special_la_maintained          from 2024-01-01  22,000
    D specialist_post_16_institutions from 2024-01-05 45,000
    E mainstream_independent         from 2024-01-01  15,000 (not current once E ceased)
    """
    ids = ["A", "B", "C", "D", "E", "F"]
    plans = pd.DataFrame(
        {
            "plan_id": ids,
            "child_id": ids,
            "date_of_birth": ["2010-01-01"] * 6,
            "primary_need": ["ASD"] * 6,
            "issued_on": ["2024-01-01"] * 6,
            "ceased_on": [None, None, None, None, "2024-02-15", None],
        }
    )
    placements = pd.DataFrame(
        {
            "plan_id": ["A", "B", "C", "D", "E"],
            "setting": [
                "special_independent",
                "special_non_maintained",
                "special_la_maintained",
                "specialist_post_16_institutions",
                "mainstream_independent",
            ],
            "start_on": ["2024-01-01", "2024-02-10", "2024-01-01", "2024-01-05", "2024-01-01"],
            "end_on": [None] * 5,
            "annual_cost": [60_000.0, 55_000.0, 22_000.0, 45_000.0, 15_000.0],
            "health_contribution": [20_000.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    return from_frames(plans, placements, as_of="2024-02-29")


def test_counts_and_shares_inmss(ex):
    # active plans: Jan A-F = 6; Feb A, B, C, D, F = 5 (E ceased)
    # INMSS placements: Jan A = 1; Feb A, B = 2 -> shares 1/6 = 16.67%, 2/5 = 40%
    assert sector.independent_placements_at(ex, MONTHS).tolist() == [1, 2]
    assert sector.independent_share_count_at(ex, MONTHS).tolist() == pytest.approx([100 / 6, 40])
    # special-school placements: Jan A, C = 2; Feb A, B, C = 3 -> 1/2 = 50%, 2/3 = 66.67%
    assert sector.independent_share_of_special_at(ex, MONTHS).tolist() == pytest.approx([50, 200 / 3])


def test_counts_and_shares_broad(ex):
    # broad adds D (post-16) and E (independent mainstream): Jan A, D, E = 3; Feb A, B, D = 3
    assert sector.independent_placements_at(ex, MONTHS, "broad").tolist() == [3, 3]
    assert sector.independent_share_count_at(ex, MONTHS, "broad").tolist() == pytest.approx([50, 60])
    # share of special schools counts only special settings: same as INMSS
    assert sector.independent_share_of_special_at(ex, MONTHS, "broad").tolist() == pytest.approx([50, 200 / 3])


def test_cost_and_cost_share(ex):
    # all current placements: Jan 60,000 + 22,000 + 45,000 + 15,000 = 142,000
    #                         Feb 60,000 + 55,000 + 22,000 + 45,000 = 182,000
    # INMSS: Jan 60,000 (42.25%); Feb 115,000 (63.19%)
    assert sector.independent_cost_at(ex, MONTHS).tolist() == [60_000, 115_000]
    assert sector.independent_share_cost_at(ex, MONTHS).tolist() == pytest.approx([6_000 / 142, 11_500 / 182])
    # broad: Jan 60,000 + 45,000 + 15,000 = 120,000; Feb 60,000 + 55,000 + 45,000 = 160,000
    assert sector.independent_cost_at(ex, MONTHS, "broad").tolist() == [120_000, 160_000]
    assert sector.independent_share_cost_at(ex, MONTHS, "broad").tolist() == pytest.approx(
        [12_000 / 142, 16_000 / 182]
    )
    # net: A counts 40,000: Feb INMSS 95,000 of 162,000
    assert sector.independent_cost_at(ex, MONTHS, net=True).tolist() == [40_000, 95_000]
    assert sector.independent_share_cost_at(ex, MONTHS, net=True).iloc[1] == pytest.approx(9_500 / 162)


def test_new_placements_by_month(ex):
    by_sector = sector.new_placements_by_month(ex, MONTHS)
    # Jan: A (independent), C (maintained), D (post-16: independent sector), E (independent); Feb: B
    assert by_sector.loc["2024-01-31", ["independent", "maintained", "non_maintained"]].tolist() == [3, 1, 0]
    assert by_sector.loc["2024-02-29", ["independent", "non_maintained"]].tolist() == [0, 1]
    assert sector.independent_new_placements_by_month(ex, MONTHS).tolist() == [1, 1]
    assert sector.independent_new_placements_by_month(ex, MONTHS, "broad").tolist() == [3, 1]


def test_cost_per_place_by_setting_and_sector(ex):
    got = sector.cost_per_place_by_setting_and_sector(ex, "2024-02-29")
    assert got.loc["special_independent", "mean_cost"] == 60_000
    assert bool(got.loc["special_independent", "independent_inmss"])
    assert not bool(got.loc["specialist_post_16_institutions", "independent_inmss"])
    assert bool(got.loc["specialist_post_16_institutions", "independent_broad"])
    assert got.loc["specialist_post_16_institutions", "sector"] == "independent"


def test_blank_cost_counts_but_is_not_a_zero_place():
    """Fixture A-D plus E (special_independent from 1 Feb, annual_cost blank); see engine_fixtures."""
    ex = four_plans_one_uncosted()
    d = ["2024-02-29"]
    # INMSS placements at 29 Feb: B and E = 2 of 5 active plans (40%); cost 50,000 (E adds £0)
    assert sector.independent_placements_at(ex, d).tolist() == [2]
    assert sector.independent_share_count_at(ex, d).tolist() == pytest.approx([40])
    assert sector.independent_cost_at(ex, d).tolist() == [50_000]
    # cost share: 50,000 / (10,000 + 50,000 + 9,000) = 72.46%
    assert sector.independent_share_cost_at(ex, d).tolist() == pytest.approx([100 * 50_000 / 69_000])
    got = sector.cost_per_place_by_setting_and_sector(ex, "2024-02-29")
    # cost per place: 50,000 / 1 costed place (not 50,000 / 2 = 25,000)
    assert got.loc["special_independent", ["placements", "costed_placements", "mean_cost"]].tolist() == [2, 1, 50_000]
    assert bool(got.loc["special_independent", "independent_inmss"])
    # independent vs maintained special (A's LA special place from 1 Apr 20,000): 50,000 / 20,000 = 2.5
    apr = sector.cost_per_place_by_setting_and_sector(ex, "2024-04-30")["mean_cost"]
    assert apr["special_independent"] / apr["special_la_maintained"] == pytest.approx(2.5)


def test_unknown_definition():
    with pytest.raises(ValueError, match="inmss, broad"):
        sector.independent_settings("private")


def test_sample_inmss_count_against_plain_python_loop(sample_extract):
    ex = sample_extract
    plans = {r.plan_id: (r.issued_on, r.ceased_on) for r in ex.plans.itertuples()}
    inmss = {"special_independent", "special_non_maintained"}
    dates = [pd.Timestamp("2019-01-31"), pd.Timestamp("2022-06-30"), pd.Timestamp("2024-11-30")]
    got = sector.independent_placements_at(ex, dates)
    got_cost = sector.independent_cost_at(ex, dates)
    for d in dates:
        count, total = 0, 0.0
        for r in ex.placements.itertuples():
            issued, ceased = plans.get(r.plan_id, (pd.NaT, pd.NaT))
            plan_active = not pd.isna(issued) and issued <= d and (pd.isna(ceased) or ceased > d)
            current = r.start_on <= d and (pd.isna(r.end_on) or r.end_on >= d)
            if plan_active and current and r.setting in inmss:
                count += 1
                total += r.annual_cost
        assert got[d] == count
        assert got_cost[d] == pytest.approx(total, rel=1e-9)
