"""Caseload: active plans, flows, by need and age band, current placements (hand-computed fixtures)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendlib import caseload
from sendlib.errors import DataError
from sendlib.extract import from_frames

MONTHS = pd.DatetimeIndex(["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"])


@pytest.fixture
def plans() -> pd.DataFrame:
    return from_frames(
        pd.DataFrame(
            {
                "plan_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
                "child_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
                "date_of_birth": ["2012-06-15", "2008-02-29", "2004-04-10", "2019-01-01", None, "2010-01-01"],
                "primary_need": ["ASD", "SEMH", "ASD", "SLCN", "ASD", "MLD"],
                "issued_on": ["2024-01-10", "2024-02-15", "2023-06-01", "2024-03-31", None, "2024-02-01"],
                # P4 ceases exactly on a month end; P6 "ceases" before it was issued (never active)
                "ceased_on": [None, None, "2024-03-31", "2024-04-30", None, "2024-01-01"],
            }
        ),
        pd.DataFrame(columns=["plan_id", "setting", "start_on", "end_on", "annual_cost"]),
    ).plans


def test_active_plans_at_hand_computed(plans):
    # Jan 31: P1 (issued 10 Jan), P3 (ceases 31 Mar)                      -> 2
    # Feb 29: P1, P2 (issued 15 Feb), P3                                   -> 3
    # Mar 31: P1, P2, P4 (issued ON 31 Mar: active); P3 ceased ON 31 Mar: not -> 3
    # Apr 30: P1, P2; P4 ceased ON 30 Apr: not active                      -> 2
    # P5 (no issue date) and P6 (ceased before issued) are never active.
    got = caseload.active_plans_at(plans, MONTHS)
    assert got.tolist() == [2, 3, 3, 2]
    assert list(got.index) == list(MONTHS)


def test_ceased_on_the_day_is_not_active_issued_on_the_day_is(plans):
    assert caseload.active_plans_at(plans, ["2024-03-30"]).tolist() == [3]  # P1, P2, P3
    assert caseload.active_plans_at(plans, ["2024-03-31"]).tolist() == [3]  # P1, P2, P4
    assert caseload.active_plans_at(plans, ["2024-04-01"]).tolist() == [3]  # P1, P2, P4


def test_active_plans_at_keeps_the_order_of_dates(plans):
    got = caseload.active_plans_at(plans, ["2024-04-30", "2024-01-31", "2024-04-30"])
    assert got.tolist() == [2, 2, 2]
    assert caseload.active_plans_at(plans, "2024-02-29").tolist() == [3]


def test_issued_and_ceased_by_month(plans):
    # flows count only plans active on at least one day. issued: Jan P1; Feb P2 (P6, issued 1 Feb but
    # "ceased" 1 Jan, is never active: in neither flow); Mar P4
    assert caseload.plans_issued_by_month(plans, MONTHS).tolist() == [1, 1, 1, 0]
    # ceased: Mar P3, Apr P4; P6's ceased_on (1 Jan) is not a cessation
    assert caseload.plans_ceased_by_month(plans, MONTHS).tolist() == [0, 0, 1, 1]


def test_flows_reconcile_with_the_stock_for_every_plan(plans):
    months = pd.date_range("2023-05-31", "2024-06-30", freq="ME")
    active = caseload.active_plans_at(plans, months).to_numpy()
    issued = caseload.plans_issued_by_month(plans, months).to_numpy()
    ceased = caseload.plans_ceased_by_month(plans, months).to_numpy()
    assert (active[1:] == active[:-1] + issued[1:] - ceased[1:]).all()


# A plan issued and ceased on the same day is active on no day ([issued_on, ceased_on) is empty).
# Eight plans open since 2024 began (S1-S8), plus, in November 2024:
#   S9  issued  5 Nov, open                 -> active at 30 Nov, issued in Nov
#   S10 issued 20 Nov, ceased 20 Nov        -> never active: in no snapshot and in neither flow
#   S1  ceased 15 Nov                       -> ceased in Nov
# October: S11 issued 10 Oct and ceased 10 Oct (never active), S12 issued 3 Oct, ceased 1 Nov.
# active 30 Sep: S1-S8 = 8; 31 Oct: S1-S8 + S12 = 9; 30 Nov: S2-S8 + S9 = 8
# issued Oct: S12 = 1 (S11 not counted); Nov: S9 = 1 (S10 not counted)
# ceased Oct: 0 (S11 not counted); Nov: S1 and S12 = 2 (S10 not counted)
# identity: 8 + 1 - 0 = 9 (October); 9 + 1 - 2 = 8 (November).
# Counting S10 and S11 as issued only (the old rule) gave issued [2, 2] and 8 + 2 - 0 = 10 != 9.
SAME_DAY = pd.DataFrame(
    {
        "plan_id": [f"S{i}" for i in range(1, 13)],
        "child_id": [f"C{i}" for i in range(1, 13)],
        "primary_need": ["ASD"] * 12,
        "issued_on": ["2024-01-02"] * 8 + ["2024-11-05", "2024-11-20", "2024-10-10", "2024-10-03"],
        "ceased_on": ["2024-11-15"] + [None] * 8 + ["2024-11-20", "2024-10-10", "2024-11-01"],
    }
)


def test_plan_ceased_on_its_issue_day_is_in_no_count():
    p = from_frames(SAME_DAY, pd.DataFrame(columns=["plan_id", "setting", "start_on", "end_on"])).plans
    months = pd.DatetimeIndex(["2024-09-30", "2024-10-31", "2024-11-30"])
    assert caseload.active_plans_at(p, months).tolist() == [8, 9, 8]
    # 20 Nov, the day S10 was issued and ceased: S2-S8, S9 = 8 (S10 not active on its ceased_on)
    assert caseload.active_plans_at(p, ["2024-11-20"]).tolist() == [8]
    assert caseload.plans_issued_by_month(p, months).tolist() == [0, 1, 1]
    assert caseload.plans_ceased_by_month(p, months).tolist() == [0, 0, 2]


def _loop_counts(plans: pd.DataFrame, months: pd.DatetimeIndex) -> tuple[list, list, list]:
    """Independent method: the definition's words applied row by row (plain loop)."""
    active, issued, ceased = [], [], []
    for d in months:
        start = d - pd.offsets.MonthBegin(1)
        n_a = n_i = n_c = 0
        for r in plans.itertuples():
            if pd.isna(r.issued_on):
                continue
            lives = pd.isna(r.ceased_on) or r.ceased_on > r.issued_on  # active on at least one day
            n_a += r.issued_on <= d and (pd.isna(r.ceased_on) or r.ceased_on > d)
            n_i += lives and start <= r.issued_on <= d
            n_c += lives and pd.notna(r.ceased_on) and start <= r.ceased_on <= d
        active.append(n_a)
        issued.append(n_i)
        ceased.append(n_c)
    return active, issued, ceased


_plan_row = st.tuples(
    st.one_of(st.none(), st.integers(0, 400)),  # issued (days after 2023-01-01); None: no issue date
    st.one_of(st.none(), st.integers(-40, 200), st.just(0)),  # ceased lag; 0 = same day; < 0 bad data
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_plan_row, min_size=1, max_size=30))
def test_stock_flow_identity_on_any_plans_including_same_day(rows):
    base = pd.Timestamp("2023-01-01")
    issued = [None if i is None else base + pd.Timedelta(days=i) for i, _ in rows]
    ceased = [
        None if i is None or lag is None else base + pd.Timedelta(days=i + lag) for i, lag in rows
    ]
    frame = pd.DataFrame(
        {
            "plan_id": [f"P{k}" for k in range(len(rows))],
            "child_id": [f"C{k}" for k in range(len(rows))],
            "issued_on": issued,
            "ceased_on": ceased,
        }
    )
    p = from_frames(frame, pd.DataFrame(columns=["plan_id", "setting", "start_on", "end_on"])).plans
    months = pd.date_range("2022-12-31", "2024-03-31", freq="ME")  # before the first issue to after the last
    active = caseload.active_plans_at(p, months).to_numpy()
    flows_in = caseload.plans_issued_by_month(p, months).to_numpy()
    flows_out = caseload.plans_ceased_by_month(p, months).to_numpy()
    assert (active[1:] == active[:-1] + flows_in[1:] - flows_out[1:]).all()
    assert active[0] == 0
    loop_a, loop_i, loop_c = _loop_counts(p, months[::4])
    assert active[::4].tolist() == loop_a
    assert flows_in[::4].tolist() == loop_i
    assert flows_out[::4].tolist() == loop_c


def test_month_ends_must_be_month_ends(plans):
    with pytest.raises(ValueError, match="month-end"):
        caseload.plans_issued_by_month(plans, ["2024-01-15"])


def test_active_by_need(plans):
    got = caseload.active_plans_by_need(plans, MONTHS)
    # Feb 29: ASD P1, P3; SEMH P2.  Mar 31: ASD P1; SEMH P2; SLCN P4.
    assert got.loc["2024-02-29", "ASD"] == 2 and got.loc["2024-02-29", "SEMH"] == 1
    assert got.loc["2024-03-31", ["ASD", "SEMH", "SLCN"]].tolist() == [1, 1, 1]
    assert got.sum(axis=1).tolist() == caseload.active_plans_at(plans, MONTHS).tolist()


def test_active_by_age_band(plans):
    got = caseload.active_plans_by_age_band(plans, MONTHS)
    # Jan 31 2024: P1 born 2012-06-15 is 11 -> 11-15; P3 born 2004-04-10 is 19 -> 16-19
    assert got.loc["2024-01-31", "11-15"] == 1 and got.loc["2024-01-31", "16-19"] == 1
    # Feb 29 2024: P2 born 2008-02-29 turns 16 that day -> 16-19 (with P3)
    assert got.loc["2024-02-29", "16-19"] == 2
    # Feb 28 sees P2 still 15: 11-15 holds P1 and P2, 16-19 only P3
    day_before = caseload.active_plans_by_age_band(plans, ["2024-02-28"]).loc["2024-02-28"]
    assert day_before["11-15"] == 2 and day_before["16-19"] == 1
    # Mar 31: P4 born 2019-01-01 is 5 -> 5-10
    assert got.loc["2024-03-31", "5-10"] == 1
    assert got.sum(axis=1).tolist() == caseload.active_plans_at(plans, MONTHS).tolist()


def test_age_unknown_without_date_of_birth(plans):
    p = plans.copy()
    p.loc[p["plan_id"] == "P1", "date_of_birth"] = pd.NaT
    got = caseload.active_plans_by_age_band(p, ["2024-01-31"])
    assert got.loc["2024-01-31", "unknown"] == 1 and got.loc["2024-01-31"].sum() == 2


def _placements(rows) -> pd.DataFrame:
    return from_frames(
        pd.DataFrame(
            {
                "plan_id": ["A", "B"],
                "child_id": ["1", "2"],
                "date_of_birth": ["2012-01-01", "2012-01-01"],
                "primary_need": ["ASD", "ASD"],
                "issued_on": ["2024-01-01", "2024-01-01"],
                "ceased_on": [None, "2024-03-15"],
            }
        ),
        pd.DataFrame(rows, columns=["plan_id", "setting", "start_on", "end_on", "annual_cost"]),
    )


def test_placement_ending_on_the_day_is_current_and_ceased_plan_drops_it():
    ex = _placements(
        [
            ("A", "mainstream_academy", "2024-01-01", "2024-01-31", 1.0),  # ends ON 31 Jan: current then
            ("A", "special_la_maintained", "2024-02-01", None, 1.0),
            ("B", "special_independent", "2024-01-01", None, 1.0),  # plan B ceases 15 Mar
        ]
    )
    got = caseload.current_placements_at(ex.plans, ex.placements, MONTHS)
    assert got["mainstream_academy"].tolist() == [1, 0, 0, 0]
    assert got["special_la_maintained"].tolist() == [0, 1, 1, 1]
    assert got["special_independent"].tolist() == [1, 1, 0, 0]


def test_plans_with_current_placement_merges_overlaps():
    ex = _placements(
        [
            ("A", "mainstream_academy", "2024-01-01", "2024-02-29", 1.0),
            ("A", "special_la_maintained", "2024-02-01", "2024-03-31", 1.0),  # overlaps in Feb
            ("A", "neet", "2024-04-02", None, 1.0),  # gap on 1 Apr
        ]
    )
    dates = ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-01", "2024-04-30"]
    # plan A has a placement on every date except 1 April; B has none
    assert caseload.plans_with_current_placement_at(ex.plans, ex.placements, dates).tolist() == [1, 1, 1, 0, 1]
    # while placements count both overlapping rows on 29 Feb
    assert caseload.current_placements_at(ex.plans, ex.placements, dates).sum(axis=1).tolist() == [1, 2, 1, 0, 1]


def test_unknown_setting_is_a_clear_error():
    ex = _placements([("A", "spaceship", "2024-01-01", None, 1.0)])
    with pytest.raises(DataError, match=r"row 1: 'spaceship'"):
        caseload.current_placements_at(ex.plans, ex.placements, MONTHS)


def test_duplicate_plan_ids_are_a_clear_error():
    ex = _placements([("A", "neet", "2024-01-01", None, 1.0)])
    plans = pd.concat([ex.plans, ex.plans.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="plan_id must be unique"):
        caseload.current_placements_at(plans, ex.placements, MONTHS)


def test_interval_totals_match_a_brute_force_count():
    rng = np.random.default_rng(7)
    base = np.datetime64("2024-01-01", "ns").astype("int64")
    day = 86_400 * 10**9
    starts = base + rng.integers(0, 120, 200) * day
    ends = starts + rng.integers(0, 60, 200) * day
    ends[::7] = np.iinfo(np.int64).max  # some open
    groups = rng.integers(0, 3, 200)
    dates = pd.date_range("2024-01-01", "2024-06-30", freq="7D")
    got = caseload.interval_totals_at(starts, ends, dates, groups, 3)
    d = dates.to_numpy().astype("datetime64[ns]").astype("int64")
    for i, t in enumerate(d):
        for g in range(3):
            assert got[i, g] == int(((starts <= t) & (t < ends) & (groups == g)).sum())


@pytest.mark.parametrize(
    "plan_ids",
    [
        ["P01", "P02", "P03", "P05"],  # sorted, fixed width: byte binary-search path
        ["P01-000000000", "P02-000000000", "P03-000000000", "P05-000000000"],  # wider than 8 bytes
        ["P05", "P01", "P03", "P02"],  # unsorted: hash path
        ["P1", "P02", "P003", "P5"],  # varying width: hash path
    ],
)
def test_plan_row_of_placements_both_paths(plan_ids):
    plans = pd.DataFrame({"plan_id": pd.array(plan_ids, dtype="string")})
    refs = ["P03", "P04", plan_ids[0], "P99", "P00", plan_ids[-1], plan_ids[-1], plan_ids[2]]
    placements = pd.DataFrame({"plan_id": pd.array(refs, dtype="string")})
    expected = [plan_ids.index(r) if r in plan_ids else -1 for r in refs]  # plain-Python lookup
    assert caseload.plan_row_of_placements(plans, placements).tolist() == expected


def test_events_in_months_with_gaps_unsorted_months_and_missing_dates():
    events = pd.Series(
        pd.to_datetime(["2024-01-01", "2024-01-31", "2024-02-15", "2024-03-01", "2023-12-31", "2024-04-01", None])
    )
    # months listed out of order with February missing: Jan 1 and Jan 31 -> January (2); Feb 15 counts
    # nowhere (February not listed); Mar 1 -> March (1); Dec 2023, Apr 2024 and the missing date: nowhere
    got = caseload.events_in_months(events, ["2024-03-31", "2024-01-31"])
    assert got[:, 0].tolist() == [1, 2]
    groups = np.array([0, 1, 1, 1, 0, 0, 1])
    assert caseload.events_in_months(events, ["2024-01-31"], groups, 2).tolist() == [[1, 1]]


def test_plan_row_of_placements_is_importable_from_caseload_and_idmatch():
    from sendlib import idmatch

    assert caseload.plan_row_of_placements is idmatch.plan_row_of_placements
