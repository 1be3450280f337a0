"""Cost: committed cost, the three average-cost definitions, shift-share, by need and age band.

Every expected value is worked out by hand in the comments from the fixture below.
"""

from __future__ import annotations

import math
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sendlib
from sendlib import cost, schema
from sendlib.extract import from_frames
from tests.engine_fixtures import four_plans, four_plans_one_uncosted

MONTHS = pd.DatetimeIndex(["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"])




@pytest.fixture
def ex():
    return four_plans()


def test_committed_cost_gross_and_net(ex):
    # Jan: A 10,000 + B 50,000 + C 9,000 = 69,000   Feb: same = 69,000
    # Mar 31: C ceased on 31 Mar (its placement no longer current); A's mainstream ends ON 31 Mar (current):
    #         10,000 + 50,000 = 60,000                Apr: A special 20,000 + B 50,000 = 70,000
    assert cost.committed_cost_at(ex, MONTHS).tolist() == [69_000, 69_000, 60_000, 70_000]
    # net: B counts 50,000 - 10,000 - 5,000 = 35,000 -> 54,000; 54,000; 45,000; 55,000
    assert cost.committed_cost_at(ex, MONTHS, net=True).tolist() == [54_000, 54_000, 45_000, 55_000]
    # partner contributions 15,000 every month; share of gross in Jan 15,000 / 69,000 = 21.739...%
    assert cost.partner_contribution_at(ex, MONTHS).tolist() == [15_000] * 4
    assert cost.partner_funded_share_at(ex, MONTHS).iloc[0] == pytest.approx(100 * 15_000 / 69_000)


def test_mi_average_counts_plans_without_placement_as_zero(ex):
    # active: Jan A,B,C = 3; Feb A,B,C,D = 4; Mar A,B,D = 3; Apr A,B,D = 3  (D has no placement: cost 0)
    # gross: 69,000/3 = 23,000; 69,000/4 = 17,250; 60,000/3 = 20,000; 70,000/3 = 23,333.33
    got = cost.average_cost_per_ehcp(ex, MONTHS)
    assert got.tolist() == pytest.approx([23_000, 17_250, 20_000, 70_000 / 3])
    # net: 54,000/3 = 18,000; 54,000/4 = 13,500; 45,000/3 = 15,000; 55,000/3 = 18,333.33
    got_net = cost.average_cost_per_ehcp(ex, MONTHS, net=True)
    assert got_net.tolist() == pytest.approx([18_000, 13_500, 15_000, 55_000 / 3])


def test_average_is_nan_with_no_active_plans(ex):
    assert math.isnan(cost.average_cost_per_ehcp(ex, ["2020-01-31"]).iloc[0])


def test_funding_formula_cost_per_ehcp():
    # 1,000,000 outturn / 40 plans at the January census = 25,000 per plan
    assert cost.cost_per_ehcp_funding_formula(1_000_000, 40) == 25_000
    assert cost.funding_formula_census_date("2023-24") == pd.Timestamp("2024-01-31")
    with pytest.raises(ValueError, match="positive"):
        cost.cost_per_ehcp_funding_formula(1_000_000, 0)


def test_cost_per_place_by_setting_and_sector():
    plans = pd.DataFrame(
        {
            "plan_id": ["P", "Q", "R"],
            "child_id": ["1", "2", "3"],
            "date_of_birth": ["2012-01-01"] * 3,
            "primary_need": ["ASD"] * 3,
            "issued_on": ["2024-01-01"] * 3,
            "ceased_on": [None] * 3,
        }
    )
    placements = pd.DataFrame(
        {
            "plan_id": ["P", "Q", "R"],
            "setting": ["mainstream_academy", "mainstream_academy", "special_academy_free"],
            "start_on": ["2024-01-01"] * 3,
            "end_on": [None] * 3,
            "annual_cost": [10_000.0, 20_000.0, 24_000.0],
            "health_contribution": [0.0, 4_000.0, 0.0],
        }
    )
    ex = from_frames(plans, placements)
    got = cost.cost_per_place_by_setting(ex, "2024-02-29")
    # mainstream academy: (10,000 + 20,000) / 2 = 15,000; special academy: 24,000 / 1
    assert got.loc["mainstream_academy", ["placements", "total_cost", "mean_cost"]].tolist() == [2, 30_000, 15_000]
    assert got.loc["special_academy_free", "mean_cost"] == 24_000
    assert got.loc["special_academy_free", "sector"] == "academy"
    assert list(got.index) == ["mainstream_academy", "special_academy_free"]
    # net: (10,000 + 16,000) / 2 = 13,000
    assert cost.cost_per_place_by_setting(ex, "2024-02-29", net=True).loc["mainstream_academy", "mean_cost"] == 13_000
    # by sector: both settings are academies: 54,000 / 3 = 18,000
    assert cost.cost_per_place_by_sector(ex, "2024-02-29").loc["academy", "mean_cost"] == 18_000


# ---------------------------------------------------------------------------------------------------
# A blank annual_cost: £0 in sums and in the MI average, left out of cost-per-place means
# ---------------------------------------------------------------------------------------------------


@pytest.fixture
def uncosted():
    return four_plans_one_uncosted()


def test_blank_cost_is_left_out_of_cost_per_place(uncosted):
    # 29 Feb: A mainstream_academy 10,000; B special_independent 50,000 (net 35,000); C FE 9,000;
    # E special_independent, cost blank. special_independent: 2 placements, 1 costed, total 50,000:
    # mean 50,000 / 1 = 50,000 (counting E as £0 would give 50,000 / 2 = 25,000)
    got = cost.cost_per_place_by_setting(uncosted, "2024-02-29")
    row = got.loc["special_independent"]
    assert row[["placements", "costed_placements", "total_cost", "mean_cost"]].tolist() == [2, 1, 50_000, 50_000]
    assert got.loc["mainstream_academy", ["placements", "costed_placements", "mean_cost"]].tolist() == [1, 1, 10_000]
    # net: B 50,000 - 10,000 - 5,000 = 35,000 over 1 costed place
    assert cost.cost_per_place_by_setting(uncosted, "2024-02-29", net=True).loc["special_independent", "mean_cost"] == 35_000
    # by sector (special_independent is the independent sector): the same 50,000 / 1
    by_sector = cost.cost_per_place_by_sector(uncosted, "2024-02-29")
    assert by_sector.loc["independent", ["placements", "costed_placements", "mean_cost"]].tolist() == [2, 1, 50_000]
    # by group: special = B and E (A's LA special place starts 1 Apr): 50,000 / 1
    assert cost.cost_per_place_at(uncosted, "2024-02-29", by="group").loc["special", "mean_cost"] == 50_000


def test_setting_with_only_blank_costs_has_no_mean(uncosted):
    # move B out of special_independent: E's blank-cost place is then the only one, so no mean (NaN)
    uncosted.placements.loc[uncosted.placements["plan_id"] == "B", "setting"] = "special_non_maintained"
    got = cost.cost_per_place_by_setting(uncosted, "2024-02-29")
    assert got.loc["special_independent", ["placements", "costed_placements", "total_cost"]].tolist() == [1, 0, 0]
    assert math.isnan(got.loc["special_independent", "mean_cost"])


def test_mi_average_keeps_a_blank_cost_at_zero(uncosted):
    # MI average: denominator = every active plan; a plan with no costed placement counts
    # with cost 0. Feb: A, B, C, D, E active = 5; cost 10,000 + 50,000 + 9,000 (+ E 0) = 69,000
    # -> 69,000 / 5 = 13,800. Apr: A, B, D, E = 4; 20,000 + 50,000 = 70,000 -> 17,500
    assert cost.committed_cost_at(uncosted, MONTHS[1:]).tolist() == [69_000, 60_000, 70_000]
    assert cost.average_cost_per_ehcp(uncosted, MONTHS[1:]).tolist() == pytest.approx([13_800, 15_000, 17_500])


def test_contribution_to_a_blank_cost_does_not_make_net_cost_negative(uncosted):
    # E's placement has no annual_cost but (here) a 4,000 health contribution: its net cost stays 0,
    # not 0 - 4,000. Feb net: A 10,000 + B 35,000 + C 9,000 + E 0 = 54,000
    uncosted.placements.loc[uncosted.placements["plan_id"] == "E", "health_contribution"] = 4_000.0
    assert cost.committed_cost_at(uncosted, MONTHS[1:2], net=True).tolist() == [54_000]


def test_decomposition_puts_blank_costs_in_their_own_category(uncosted):
    # Feb: N = 5: mainstream 1 (10,000), independent 1 costed (50,000), FE 1 (9,000), cost_not_recorded
    #      1 (E, 0), no_placement 1 (D) -> A0 = 69,000 / 5 = 13,800
    # Mar: N = 4 (C ceased): mainstream 10,000, independent 50,000, E, D -> A1 = 60,000 / 4 = 15,000
    # independent rate r = 50,000 / 1 costed place in both months (not 25,000): no rate effect;
    # mix = (1/4 - 1/5)(10,000 + 50,000) + (0 - 1/5) 9,000 = 3,000 - 1,800 = 1,200 = change
    dec = cost.average_cost_change_decomposition(uncosted, "2024-03-31")
    assert (dec.average_previous, dec.average_current) == pytest.approx((13_800, 15_000))
    assert (dec.change, dec.mix, dec.rate, dec.interaction) == pytest.approx((1_200, 1_200, 0, 0))
    rows = dec.by_category
    assert rows.loc["special_independent", ["n0", "r0", "r1"]].tolist() == pytest.approx([1, 50_000, 50_000])
    assert rows.loc[cost.COST_NOT_RECORDED, ["n0", "n1", "w1", "r1"]].tolist() == pytest.approx([1, 1, 0.25, 0])


def test_cost_filled_in_reads_as_mix_not_rate():
    # Jan: P1 mainstream 10,000, P2 mainstream cost blank -> A0 = 10,000 / 2 = 5,000
    # Feb: P1 mainstream 10,000, P2 mainstream 20,000 -> A1 = 30,000 / 2 = 15,000; change 10,000
    # w0: mainstream 1/2, cost_not_recorded 1/2; w1: mainstream 1; r mainstream 10,000 -> 15,000
    # mix = 0.5 x 10,000 + (-0.5) x 0 = 5,000; rate = 0.5 x 5,000 = 2,500; interaction 0.5 x 5,000 = 2,500
    # (counting P2 as a £0 mainstream place would call the whole 10,000 a rate rise)
    ex = _two_month_extract(
        [("P1", "mainstream_academy", 10_000.0), ("P2", "mainstream_academy", np.nan)],
        [("P1", "mainstream_academy", 10_000.0), ("P2", "mainstream_academy", 20_000.0)],
    )
    dec = cost.average_cost_change_decomposition(ex, "2024-02-29")
    assert (dec.change, dec.mix, dec.rate, dec.interaction) == pytest.approx((10_000, 5_000, 2_500, 2_500))


def test_example_with_a_blank_cost_through_the_loader(example_dir, tmp_path):
    # data/example at 30 Nov: special_independent P001 62,500 and P008 65,000 -> (62,500 + 65,000) / 2
    # = 63,750. With P008's cost blank: 62,500 / 1 = 62,500 (the bug gave 62,500 / 2 = 31,250)
    folder = tmp_path / "example"
    shutil.copytree(example_dir, folder)
    path = folder / "placements.csv"
    text = path.read_text()
    assert "P008,special_independent,900002,Example Independent Special School,2024-10-15,,65000" in text
    path.write_text(text.replace("2024-10-15,,65000,", "2024-10-15,,,"))
    ex = sendlib.load(folder)
    assert len(ex.placements) == 13 and ex.placements["annual_cost"].isna().sum() == 1
    assert "missing_cost" in set(ex.issues_frame()["rule"])
    row = cost.cost_per_place_by_setting(ex, "2024-11-30").loc["special_independent"]
    assert row[["placements", "costed_placements", "mean_cost"]].tolist() == [2, 1, 62_500]
    # the MI average keeps P008 at £0: (248,800 - 65,000) / 9 = 183,800 / 9 = 20,422.22
    assert cost.average_cost_per_ehcp(ex, ["2024-11-30"]).iloc[0] == pytest.approx(183_800 / 9)


def test_cost_per_place_with_blank_costs_against_plain_pandas(sample_extract):
    """Sample with every 40th placement's cost blanked; cost per place recomputed with plain pandas."""
    ex = sendlib.Extract(plans=sample_extract.plans, placements=sample_extract.placements.copy(), assessments=sample_extract.assessments)
    ex.placements.loc[ex.placements.index[::40], "annual_cost"] = np.nan
    d = pd.Timestamp("2024-11-30")
    plans = ex.plans.set_index("plan_id")
    pl = ex.placements.join(plans[["issued_on", "ceased_on"]], on="plan_id")
    active = (pl["issued_on"] <= d) & (pl["ceased_on"].isna() | (pl["ceased_on"] > d))
    current = (pl["start_on"] <= d) & (pl["end_on"].isna() | (pl["end_on"] >= d))
    now = pl[active & current]
    assert now["annual_cost"].isna().any()  # the check covers blank costs
    expected = now.groupby("setting")["annual_cost"].agg(["size", "count", "sum", "mean"])  # mean skips NaN
    got = cost.cost_per_place_by_setting(ex, d)
    assert sorted(got.index) == sorted(expected.index)
    got = got.loc[expected.index]
    assert got["placements"].tolist() == expected["size"].tolist()
    assert got["costed_placements"].tolist() == expected["count"].tolist()
    assert got["total_cost"].to_numpy() == pytest.approx(expected["sum"].to_numpy(), rel=1e-9)
    assert got["mean_cost"].to_numpy() == pytest.approx(expected["mean"].to_numpy(), rel=1e-9)


def test_cost_and_average_by_need(ex):
    by_need = cost.committed_cost_by_need(ex, MONTHS)
    # Jan: ASD = A 10,000 + C 9,000 = 19,000; SEMH = B 50,000
    assert by_need.loc["2024-01-31", "ASD"] == 19_000 and by_need.loc["2024-01-31", "SEMH"] == 50_000
    avg = cost.average_cost_by_need(ex, MONTHS)
    # Jan: ASD 19,000 / 2 plans = 9,500. Feb: SLCN is D alone, no placement: 0 / 1 = 0
    assert avg.loc["2024-01-31", "ASD"] == 9_500
    assert avg.loc["2024-02-29", "SLCN"] == 0
    assert math.isnan(avg.loc["2024-02-29", "MLD"])  # no MLD plans
    assert by_need.sum(axis=1).tolist() == cost.committed_cost_at(ex, MONTHS).tolist()


def test_cost_and_average_by_age_band(ex):
    by_age = cost.committed_cost_by_age_band(ex, MONTHS)
    # Jan 31: A is 11, B is 15 -> 11-15 = 10,000 + 50,000 = 60,000; C is 19 -> 16-19 = 9,000
    assert by_age.loc["2024-01-31", "11-15"] == 60_000 and by_age.loc["2024-01-31", "16-19"] == 9_000
    # Feb 29: B turns 16 -> 11-15 = 10,000 (A); 16-19 = 50,000 + 9,000 = 59,000; D is 5 -> 5-10 = 0
    assert by_age.loc["2024-02-29", ["5-10", "11-15", "16-19"]].tolist() == [0, 10_000, 59_000]
    avg = cost.average_cost_by_age_band(ex, MONTHS)
    # Feb 29: 16-19 has B and C: 59,000 / 2 = 29,500; 5-10 has D: 0 / 1 = 0
    assert avg.loc["2024-02-29", "16-19"] == 29_500 and avg.loc["2024-02-29", "5-10"] == 0
    assert by_age.sum(axis=1).tolist() == cost.committed_cost_at(ex, MONTHS).tolist()


def test_decomposition_pure_mix(ex):
    # Mar -> Apr, by setting. N = 3 both months.
    # Mar: mainstream_academy n1 c10,000; special_independent n1 c50,000; no_placement (D) n1 c0 -> 20,000
    # Apr: special_la_maintained n1 c20,000; special_independent n1 c50,000; no_placement n1 -> 23,333.33
    # rates: mainstream 10,000 (empty in Apr: keeps Mar's rate), LA special 20,000 (empty in Mar: Apr's)
    # mix = (0 - 1/3) * 10,000 + (1/3 - 0) * 20,000 = 3,333.33; rate = 0; interaction = 0
    dec = cost.average_cost_change_decomposition(ex, "2024-04-30")
    assert dec.previous == pd.Timestamp("2024-03-31")
    assert dec.average_previous == pytest.approx(20_000)
    assert dec.average_current == pytest.approx(70_000 / 3)
    assert dec.change == pytest.approx(10_000 / 3)
    assert dec.mix == pytest.approx(10_000 / 3)
    assert dec.rate == pytest.approx(0) and dec.interaction == pytest.approx(0)
    rows = dec.by_category
    assert rows.loc["mainstream_academy", "mix"] == pytest.approx(-10_000 / 3)
    assert rows.loc["special_la_maintained", "mix"] == pytest.approx(20_000 / 3)
    assert rows.loc["no_placement", "w1"] == pytest.approx(1 / 3)


def test_decomposition_feb_to_mar(ex):
    # Feb: N = 4, mainstream 10,000, independent 50,000, FE 9,000, none (D) -> 69,000 / 4 = 17,250
    # Mar: N = 3, mainstream 10,000, independent 50,000, none (D)           -> 60,000 / 3 = 20,000
    # mix = (1/3 - 1/4)(10,000 + 50,000) + (0 - 1/4) 9,000 = 5,000 - 2,250 = 2,750 = change; rate 0
    dec = cost.average_cost_change_decomposition(ex, "2024-03-31")
    assert dec.change == pytest.approx(2_750)
    assert dec.mix == pytest.approx(2_750) and dec.rate == pytest.approx(0)


def _two_month_extract(first: list[tuple], second: list[tuple]) -> object:
    """Plans P1..Pn active Jan-Feb 2024; ``first``/``second``: (plan, setting, cost) in Jan / in Feb."""
    ids = sorted({p for p, _, _ in first + second} | {"P1", "P2"})
    plans = pd.DataFrame(
        {
            "plan_id": ids,
            "child_id": ids,
            "date_of_birth": ["2012-01-01"] * len(ids),
            "primary_need": ["ASD"] * len(ids),
            "issued_on": ["2023-12-01"] * len(ids),
            "ceased_on": [None] * len(ids),
        }
    )
    rows = [(p, s, "2024-01-01", "2024-01-31", c) for p, s, c in first]
    rows += [(p, s, "2024-02-01", None, c) for p, s, c in second]
    placements = pd.DataFrame(rows, columns=["plan_id", "setting", "start_on", "end_on", "annual_cost"])
    return from_frames(plans, placements)


def test_decomposition_pure_rate():
    # Jan: P1 mainstream 10,000, P2 mainstream 20,000 -> A0 = 15,000; Feb: P1 30,000, P2 20,000 -> 25,000
    # w = 1 both months; rate = 1 * (25,000 - 15,000) = 10,000; mix = interaction = 0
    ex = _two_month_extract(
        [("P1", "mainstream_academy", 10_000.0), ("P2", "mainstream_academy", 20_000.0)],
        [("P1", "mainstream_academy", 30_000.0), ("P2", "mainstream_academy", 20_000.0)],
    )
    dec = cost.average_cost_change_decomposition(ex, "2024-02-29")
    assert (dec.change, dec.mix, dec.rate, dec.interaction) == pytest.approx((10_000, 0, 10_000, 0))


def test_decomposition_with_interaction():
    # Jan: P1 mainstream 10,000, P2 no placement -> A0 = 10,000 / 2 = 5,000
    # Feb: P1 mainstream 10,000, P2 mainstream 20,000 -> A1 = 15,000; change = 10,000
    # w0: mainstream 0.5, none 0.5; w1: mainstream 1, none 0; r mainstream 10,000 -> 15,000; none 0
    # mix = 0.5 * 10,000 + (-0.5) * 0 = 5,000; rate = 0.5 * 5,000 = 2,500; interaction = 0.5 * 5,000 = 2,500
    ex = _two_month_extract(
        [("P1", "mainstream_academy", 10_000.0)],
        [("P1", "mainstream_academy", 10_000.0), ("P2", "mainstream_academy", 20_000.0)],
    )
    dec = cost.average_cost_change_decomposition(ex, "2024-02-29")
    assert (dec.change, dec.mix, dec.rate, dec.interaction) == pytest.approx((10_000, 5_000, 2_500, 2_500))
    d = dec.as_dict()
    assert d["previous"] == "2024-01" and d["mix"] == pytest.approx(5_000)


SETTINGS_SMALL = ["mainstream_academy", "special_la_maintained", "special_independent", "neet"]
DAY = st.integers(0, 89)  # days from 2024-01-01 (Jan - Mar)


@st.composite
def small_extracts(draw):
    n_plans = draw(st.integers(1, 6))
    base = pd.Timestamp("2024-01-01")
    plans = []
    for i in range(n_plans):
        issued = draw(DAY)
        ceased = draw(st.one_of(st.none(), DAY))
        plans.append((f"P{i}", base + pd.Timedelta(days=issued), None if ceased is None else base + pd.Timedelta(days=ceased)))
    placements = []
    for _ in range(draw(st.integers(0, 10))):
        plan = draw(st.integers(0, n_plans - 1))
        start = draw(DAY)
        length = draw(st.one_of(st.none(), st.integers(0, 60)))
        placements.append(
            (
                f"P{plan}",
                draw(st.sampled_from(SETTINGS_SMALL)),
                base + pd.Timedelta(days=start),
                None if length is None else base + pd.Timedelta(days=start + length),
                draw(st.one_of(st.none(), st.integers(0, 80_000).map(float))),  # None: blank cost
                float(draw(st.integers(0, 5_000))),
            )
        )
    p = pd.DataFrame(
        {
            "plan_id": [x[0] for x in plans],
            "child_id": [x[0] for x in plans],
            "date_of_birth": ["2012-01-01"] * n_plans,
            "primary_need": ["ASD"] * n_plans,
            "issued_on": [x[1] for x in plans],
            "ceased_on": [x[2] for x in plans],
        }
    )
    pl = pd.DataFrame(
        placements, columns=["plan_id", "setting", "start_on", "end_on", "annual_cost", "health_contribution"]
    )
    return from_frames(p, pl)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ex=small_extracts(), by=st.sampled_from(cost.CATEGORIES), net=st.booleans())
def test_decomposition_parts_sum_to_the_change(ex, by, net):
    dec = cost.average_cost_change_decomposition(ex, "2024-03-31", by=by, net=net)
    direct = cost.average_cost_per_ehcp(ex, ["2024-02-29", "2024-03-31"], net=net)
    if direct.isna().any():
        return  # no active plans in one month: the average is undefined
    assert dec.average_previous == pytest.approx(direct.iloc[0], abs=1e-6)
    assert dec.average_current == pytest.approx(direct.iloc[1], abs=1e-6)
    assert dec.mix + dec.rate + dec.interaction == pytest.approx(dec.change, abs=1e-6)
    assert dec.by_category["total"].sum() == pytest.approx(dec.change, abs=1e-6)
    parts = dec.by_category[["mix", "rate", "interaction"]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(dec.by_category["total"].to_numpy(), abs=1e-6)


def test_category_map_rejects_unknown():
    with pytest.raises(ValueError, match="setting, sector, group"):
        cost.category_map("colour")
    codes, labels = cost.category_map("group")
    assert labels[codes[schema.SETTING_CODES.index("special_independent")]] == "special"


def test_sample_against_plain_python_loop(sample_extract):
    """Committed cost and MI average on the shipped sample, recomputed row by row in plain Python."""
    ex = sample_extract
    plans = {r.plan_id: (r.issued_on, r.ceased_on) for r in ex.plans.itertuples()}
    dates = [pd.Timestamp("2019-01-31"), pd.Timestamp("2023-03-31"), pd.Timestamp("2024-11-30")]

    def active(pid, d):
        issued, ceased = plans.get(pid, (pd.NaT, pd.NaT))
        return not pd.isna(issued) and issued <= d and (pd.isna(ceased) or ceased > d)

    got_cost = cost.committed_cost_at(ex, dates)
    got_net = cost.committed_cost_at(ex, dates, net=True)
    got_avg = cost.average_cost_per_ehcp(ex, dates)
    for d in dates:
        n_active = sum(active(pid, d) for pid in plans)
        total = net = 0.0
        for r in ex.placements.itertuples():
            if (
                active(r.plan_id, d)
                and not pd.isna(r.start_on)
                and r.start_on <= d
                and (pd.isna(r.end_on) or r.end_on >= d)
            ):
                total += r.annual_cost
                net += r.annual_cost - r.health_contribution - r.social_care_contribution
        assert got_cost[d] == pytest.approx(total, rel=1e-9)
        assert got_net[d] == pytest.approx(net, rel=1e-9)
        assert got_avg[d] == pytest.approx(total / n_active, rel=1e-9)


def test_example_november_fall_is_mostly_mix(example_dir):
    """data/example/README.md: October 264,700 / 8 = 33,087.50; November 248,800 / 9 = 27,644.44."""
    import sendlib

    d = cost.average_cost_change_decomposition(sendlib.load(example_dir), "2024-11-30")
    assert d.change == pytest.approx(248_800 / 9 - 264_700 / 8)  # -5,443.06
    # only the mainstream academy rate moves: 8,400 (P002) -> (8,400 + 9,100) / 2 = 8,750
    # rate = w0 x (r1 - r0) = 1/8 x 350 = 43.75; interaction = (w1 - w0) x 350 = (2/9 - 1/8) x 350 = 34.03
    assert d.rate == pytest.approx(350 / 8)
    assert d.interaction == pytest.approx((2 / 9 - 1 / 8) * 350)
    assert d.mix == pytest.approx(d.change - 350 / 8 - (2 / 9 - 1 / 8) * 350)  # -5,520.83
