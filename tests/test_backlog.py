"""Backlog: open and overdue requests, bands, stages, throughput, intake, flows, clearance.

Hand fixture: every expected value below is worked out by hand in the comments (2024 is a leap year:
Jan 31, Feb 29, Mar 31, Apr 30, May 31 days).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendlib import backlog, config
from sendlib.extract import coerce_table

ROWS = [
    # id, received, decision_on, decision, outcome, issued_on, closed_on, exception
    # A: plan issued on day 140 (Jan 1 + 140 days = May 20): never overdue
    ("A", "2024-01-01", "2024-02-05", "assess", "plan_issued", "2024-05-20", None, False),
    # B: plan issued on day 141 (May 21): closes the day it would turn overdue: never counted overdue
    ("B", "2024-01-01", "2024-02-10", "assess", "plan_issued", "2024-05-21", None, False),
    # C: open, no decision date at all: awaiting decision; overdue from May 21 (day 141)
    ("C", "2024-01-01", None, None, "open", None, None, False),
    # D: open exception case, decided to assess 2023-07-10
    ("D", "2023-06-01", "2023-07-10", "assess", "open", None, None, True),
    # E: withdrawn on 2024-06-15 after a decision to assess on 2024-01-10
    ("E", "2023-12-01", "2024-01-10", "assess", "withdrawn", None, "2024-06-15", False),
    # F: refused at decision stage (outcome recorded no_plan): closes Feb 20; NOT an assessment completed
    ("F", "2024-01-15", "2024-02-20", "refuse", "no_plan", None, "2024-02-20", False),
    # G: assessed, decision not to issue, closed 2024-05-10: an assessment completed in May
    ("G", "2023-10-01", "2023-11-10", "assess", "no_plan", None, "2024-05-10", False),
    # H: late decision to assess (Apr 20), still open
    ("H", "2024-01-02", "2024-04-20", "assess", "open", None, None, False),
    # I, J, K: open, not yet overdue at May 31; I and J breach within 4 weeks of May 31, K does not
    ("I", "2024-01-20", "2024-03-01", "assess", "open", None, None, False),
    ("J", "2024-02-07", None, None, "open", None, None, False),
    ("K", "2024-02-09", None, None, "open", None, None, False),
    # L: received and refused within May
    ("L", "2024-05-15", "2024-05-28", "refuse", "no_plan", None, "2024-05-28", False),
    # M: exception, issued 2024-03-05 after 370 days (2023-03-01 -> 2024-03-01 = 366, + 4)
    ("M", "2023-03-01", "2023-04-01", "assess", "plan_issued", "2024-03-05", None, True),
    # N: issued 2024-01-31 after 364 days (2023-02-01 -> 2024-02-01 = 365, - 1)
    ("N", "2023-02-01", "2023-03-01", "assess", "plan_issued", "2024-01-31", None, False),
]
COLUMNS = [
    "request_id",
    "received_on",
    "decision_on",
    "decision",
    "outcome",
    "issued_on",
    "closed_on",
    "exception",
]


def hand_assessments() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS, columns=COLUMNS)
    frame["child_id"] = "c" + frame["request_id"]
    return coerce_table("assessments", frame)


@pytest.fixture(scope="module")
def a():
    return hand_assessments()


def test_closing_dates_and_reasons(a):
    c = backlog.closing_dates(a).set_index(a["request_id"])
    assert c.loc["A", "close_reason"] == "issued" and c.loc["A", "closed_on"] == pd.Timestamp("2024-05-20")
    assert c.loc["F", "close_reason"] == "refused" and c.loc["F", "closed_on"] == pd.Timestamp("2024-02-20")
    assert c.loc["E", "close_reason"] == "withdrawn"
    assert c.loc["G", "close_reason"] == "no_plan"
    assert pd.isna(c.loc["C", "closed_on"]) and pd.isna(c.loc["C", "close_reason"])


# Refusals without a decision date (backlog module docstring). Requests received 1 January 2024:
#   R1 refused, decision_on 2024-02-12, closed_on blank          -> closes 12 Feb (decision_on)
#   R2 refused, decision_on blank, closed_on 2024-02-19 (no_plan)  -> closes 19 Feb (closed_on), reason refused
#   R3 refused, decision_on and closed_on blank                    -> never open (closed on received_on)
#   R4 refused, no dates, but a plan issued 2024-06-03 (bad data)  -> closes 3 Jun, reason issued
#   R5 assessed, open                                              -> open
UNDATED = [
    ("R1", "2024-01-01", "2024-02-12", "refuse", "no_plan", None, None, False),
    ("R2", "2024-01-01", None, "refuse", "no_plan", None, "2024-02-19", False),
    ("R3", "2024-01-01", None, "refuse", "no_plan", None, None, False),
    ("R4", "2024-01-01", None, "refuse", "plan_issued", "2024-06-03", None, False),
    ("R5", "2024-01-01", "2024-02-01", "assess", "open", None, None, False),
]


def _undated() -> pd.DataFrame:
    frame = pd.DataFrame(UNDATED, columns=COLUMNS)
    frame["child_id"] = "c" + frame["request_id"]
    return coerce_table("assessments", frame)


def test_refusal_dated_by_decision_on_then_closed_on_and_never_open_without_a_date():
    a = _undated()
    c = backlog.closing_dates(a).set_index(a["request_id"])
    assert c["closed_on"].tolist() == pd.to_datetime(
        ["2024-02-12", "2024-02-19", "2024-01-01", "2024-06-03", None]
    ).tolist()
    assert c["close_reason"].tolist()[:4] == ["refused", "refused", "refused", "issued"]
    assert pd.isna(c.loc["R5", "close_reason"])
    # open at 15 Feb: R2 (closes 19 Feb), R4 (3 Jun), R5 = 3; R1 closed 12 Feb; R3 never open
    # open at 29 Feb: R4, R5 = 2
    assert backlog.open_requests_at(a, ["2024-02-15", "2024-02-29"]).tolist() == [3, 2]
    # overdue at 31 May 2024 (day 151, > 140): R4 and R5 = 2; at 30 June 2025: R5 only = 1
    # (before the fix R3 stayed open and overdue for ever: these would be 3 and 2)
    assert backlog.overdue_requests_at(a, ["2024-05-31", "2025-06-30"]).tolist() == [2, 1]
    flow = backlog.backlog_flow(a, pd.date_range("2024-01-31", "2024-06-30", freq="ME"))
    # January: 5 received; R3 refused (closed 1 Jan) -> closed 1, open at 31 Jan 4 (R1, R2, R4, R5)
    # February: R1 and R2 refused -> closed 2, open 2; June: R4 issued -> open 1
    assert flow["closed_refused"].tolist() == [1, 2, 0, 0, 0, 0]
    assert flow["closed_issued"].tolist() == [0, 0, 0, 0, 0, 1]
    assert flow["open_end"].tolist() == [4, 2, 2, 2, 2, 1]


def test_open_and_overdue_at_may_end(a):
    d = "2024-05-31"
    # open at May 31: C, D, E (withdrawn Jun 15), H, I, J, K = 7 (A, B, G, L closed in May, F, M, N earlier)
    assert backlog.open_requests_at(a, d).iloc[0] == 7
    # ages at May 31: C 151, D 365 (2023-06-01 -> 2024-06-01 = 366, - 1), E 182, H 150 -> overdue;
    # I 132, J 114, K 112 -> not overdue. Overdue = 4; without the exception case D = 3.
    assert backlog.overdue_requests_at(a, d).iloc[0] == 4
    assert backlog.overdue_requests_at(a, d, include_exceptions=False).iloc[0] == 3


def test_day_140_edges(a):
    s = backlog.overdue_requests_at(a, ["2024-05-20", "2024-05-21"])
    # May 20 (day 140 for A, B, C): C is 140 days old: not overdue. D (354 days) and E (171) are. = 2
    # (A closed on day 140 is not open; G closed May 10; H is 139 days old.)
    assert s.iloc[0] == 2
    # May 21: C is 141 days old -> overdue; B was issued that day -> not open; H is 140 -> not. = 3
    assert s.iloc[1] == 3


def test_age_bands(a):
    bands = backlog.overdue_requests_by_age_band(a, ["2024-04-30", "2024-05-31"])
    # Apr 30: D 334 days (39-52), E 151 (20-26), G 212 (26-39); C 120 and H 119 not overdue
    assert bands.iloc[0].to_dict() == {
        "20-26 weeks": 1,
        "26-39 weeks": 1,
        "39-52 weeks": 1,
        "over 52 weeks": 0,
    }
    # May 31: C 151, E 182 (top edge of 20-26 = 182 days), H 150 -> 20-26; D 365 -> over 52 weeks
    assert bands.iloc[1].to_dict() == {
        "20-26 weeks": 3,
        "26-39 weeks": 0,
        "39-52 weeks": 0,
        "over 52 weeks": 1,
    }
    assert (bands.sum(axis=1).to_numpy() == backlog.overdue_requests_at(a, bands.index).to_numpy()).all()


def test_stages(a):
    st = backlog.overdue_requests_by_stage(a, ["2024-05-31", "2024-06-29", "2024-06-30"])
    # May 31: C no decision date -> awaiting; H decided Apr 20, 41 days ago -> assessing;
    # D (decided 2023) and E (decided Jan 10, 142 days ago) -> drafting
    assert st.iloc[0].to_dict() == {"awaiting_decision": 1, "assessing": 1, "drafting": 2}
    # Jun 29: H decided 70 days ago -> still assessing; Jun 30: 71 days -> drafting.
    # E withdrawn Jun 15 -> gone. I (Jan 20 + 141 = Jun 9) is overdue from Jun 9, decided Mar 1 -> drafting;
    # J (Feb 7 + 141 = Jun 27) and K (Feb 9 + 141 = Jun 29) overdue, no decision -> awaiting (with C).
    assert st.iloc[1].to_dict() == {"awaiting_decision": 3, "assessing": 1, "drafting": 2}
    assert st.iloc[2].to_dict() == {"awaiting_decision": 3, "assessing": 0, "drafting": 3}


def test_due_to_breach(a):
    due = backlog.requests_due_to_breach(a, "2024-05-31", weeks=4)
    # breach day = received + 141: I Jun 9, J Jun 27 (within May 31 + 28 = Jun 28); K Jun 29 is not
    assert due["request_id"].tolist() == ["I", "J"]
    assert due["days_to_breach"].tolist() == [9, 27]


def test_completed_and_intake(a):
    months = pd.date_range("2024-01-31", "2024-06-30", freq="ME")
    done = backlog.assessments_completed_by_month(a, months)
    # Jan: N issued; Feb: none (F was refused: not an assessment); Mar: M issued;
    # May: A and B issued, G decided not to issue; L refused (not counted)
    assert done["plans_issued"].tolist() == [1, 0, 1, 0, 2, 0]
    assert done["decided_not_to_issue"].tolist() == [0, 0, 0, 0, 1, 0]
    assert done["completed"].tolist() == [1, 0, 1, 0, 3, 0]
    rec = backlog.requests_received_by_month(a, months)
    # Jan: A, B, C, F, H, I = 6; Feb: J, K = 2; May: L = 1
    assert rec.tolist() == [6, 2, 0, 0, 1, 0]
    acc = backlog.requests_accepted_by_month(a, months)
    # decisions to assess: E Jan 10; A Feb 5, B Feb 10; I Mar 1; H Apr 20
    assert acc.tolist() == [1, 2, 1, 1, 0, 0]


def test_backlog_flow_hand(a):
    flow = backlog.backlog_flow(a, pd.date_range("2024-01-31", "2024-06-30", freq="ME"))
    may = flow.loc["2024-05-31"]
    # open at Apr 30: A, B, C, D, E, G, H, I, J, K = 10; May: received L; closed G (May 10), A, B, L = 4
    assert (may["open_start"], may["received"], may["closed"], may["open_end"]) == (10, 1, 4, 7)
    assert (may["closed_issued"], may["closed_refused"], may["closed_no_plan"], may["closed_withdrawn"]) == (
        2,
        1,
        1,
        0,
    )
    assert (flow["open_start"] + flow["received"] - flow["closed"] == flow["open_end"]).all()
    assert (flow["open_start"].iloc[1:].to_numpy() == flow["open_end"].iloc[:-1].to_numpy()).all()


def random_assessments(n: int = 400, seed: int = 7) -> pd.DataFrame:
    rng = config.rng(seed)
    received = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    decision_lag = pd.to_timedelta(rng.integers(0, 120, n), unit="D")
    has_decision = rng.random(n) < 0.85
    decision = np.where(rng.random(n) < 0.25, "refuse", "assess")
    outcome_draw = rng.random(n)
    outcome = np.where(
        outcome_draw < 0.55, "plan_issued", np.where(outcome_draw < 0.7, "no_plan", "withdrawn")
    )
    outcome = np.where(rng.random(n) < 0.2, "open", outcome)
    close_lag = pd.to_timedelta(rng.integers(10, 500, n), unit="D")
    frame = pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(n)],
            "child_id": [f"c{i}" for i in range(n)],
            "received_on": received,
            "decision_on": (received + decision_lag).where(has_decision),
            "decision": pd.Series(decision).where(has_decision),
            "outcome": outcome,
            "issued_on": (received + close_lag).where(outcome == "plan_issued"),
            "closed_on": (received + close_lag).where(np.isin(outcome, ["no_plan", "withdrawn"])),
            "exception": rng.random(n) < 0.1,
        }
    )
    return coerce_table("assessments", frame)


def loop_snapshot(frame: pd.DataFrame, d: pd.Timestamp) -> dict:
    """Independent method: a plain loop over rows applying the definition's words directly."""
    out = {"open": 0, "overdue": 0, "overdue_ex": 0, "awaiting_decision": 0, "assessing": 0, "drafting": 0}
    bands = dict.fromkeys(backlog.AGE_BANDS, 0)
    for r in frame.itertuples():
        if r.received_on > d:
            continue
        issued = pd.notna(r.issued_on) and r.issued_on <= d
        is_refusal = pd.notna(r.decision) and r.decision == "refuse"
        # a refusal is dated by decision_on, else closed_on; with no date at all (and no plan issued)
        # it was never open
        refusal_on = r.decision_on if pd.notna(r.decision_on) else r.closed_on
        refused = is_refusal and (
            (pd.notna(refusal_on) and refusal_on <= d) or (pd.isna(refusal_on) and pd.isna(r.issued_on))
        )
        closed = (
            pd.notna(r.outcome)
            and r.outcome in ("no_plan", "withdrawn")
            and pd.notna(r.closed_on)
            and r.closed_on <= d
        )
        if issued or refused or closed:
            continue
        out["open"] += 1
        age = (d - r.received_on).days
        if age <= 140:
            continue
        out["overdue"] += 1
        out["overdue_ex"] += 0 if r.exception else 1
        for band, (lo, hi) in backlog.AGE_BANDS.items():
            if age >= lo and (hi is None or age <= hi):
                bands[band] += 1
        if pd.isna(r.decision_on) or r.decision_on > d:
            out["awaiting_decision"] += 1
        elif (d - r.decision_on).days <= backlog.ASSESSING_WINDOW_DAYS:
            out["assessing"] += 1
        else:
            out["drafting"] += 1
    return out | bands


def test_vectorised_matches_loop_on_random_requests():
    frame = random_assessments()
    months = pd.date_range("2022-01-31", "2025-06-30", freq="ME")
    monthly = backlog.overdue_monthly(frame, months)
    for d in months[::5]:
        expect = loop_snapshot(frame, d)
        got = monthly.loc[d]
        assert got["open"] == expect["open"]
        assert got["overdue"] == expect["overdue"]
        assert got["overdue_excl_exceptions"] == expect["overdue_ex"]
        for col in list(backlog.AGE_BANDS) + list(backlog.STAGES):
            assert got[col] == expect[col], (d, col)
    flow = backlog.backlog_flow(frame, months)
    assert (flow["open_start"] + flow["received"] - flow["closed"] == flow["open_end"]).all()
    assert (flow["open_end"].to_numpy() == monthly["open"].to_numpy()).all()


# ---------------------------------------------------------------------------------------------------
# Clearance projection
# ---------------------------------------------------------------------------------------------------


def test_clearance_projection_hand():
    # 12 open requests, all received 2024-01-15 (overdue at 2024-06-30: 167 days); no intake;
    # throughput 4 a month, FIFO -> overdue 8 at end of July, 4 in August (halved), 0 in September.
    frame = pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(12)],
            "child_id": [f"c{i}" for i in range(12)],
            "received_on": ["2024-01-15"] * 12,
            "decision_on": ["2024-02-20"] * 12,
            "decision": ["assess"] * 12,
            "outcome": ["open"] * 12,
            "exception": [False] * 12,
        }
    )
    a = coerce_table("assessments", frame)
    proj = backlog.project_backlog_clearance(a, "2024-06-30", months=6, throughput=4.0, intake=0.0)
    assert proj.monthly["overdue"].tolist()[:4] == [12, 8, 4, 0]
    assert proj.monthly["plans_issued"].tolist()[:4] == pytest.approx([0, 4, 4, 4])  # plan share 1
    assert proj.halves_on == pd.Timestamp("2024-08-31")
    assert proj.clears_on == pd.Timestamp("2024-09-30")
    # All 12 issued late in 2024 with no plans issued earlier in 2024: share issued = 1 (no
    # history, default), rate with the backlog = 0 of 12 on time = 0%; without it, no plans -> NaN.
    y = proj.rate_effect.loc[2024]
    assert y["projected_issued_backlog"] == pytest.approx(12.0)
    assert y["rate_with_backlog"] == pytest.approx(0.0)


def test_clearance_lowers_rate():
    # 2024 to date: 10 plans issued on time (received Jan 1, issued Mar 1: 60 days).
    # Backlog: 10 requests received 2023-12-01, open at 2024-06-30.
    # Intake 0, throughput 5/month, plan share = 10 issued / 10 closures = 1 -> July 5 and August 5
    # issued late. 2024 rate with the backlog cleared = 10 / 20 = 50%; without = 10 / 10 = 100%.
    ontime = pd.DataFrame(
        {
            "request_id": [f"t{i}" for i in range(10)],
            "received_on": ["2024-01-01"] * 10,
            "decision_on": ["2024-01-20"] * 10,
            "decision": ["assess"] * 10,
            "outcome": ["plan_issued"] * 10,
            "issued_on": ["2024-03-01"] * 10,
        }
    )
    old = pd.DataFrame(
        {
            "request_id": [f"o{i}" for i in range(10)],
            "received_on": ["2023-12-01"] * 10,
            "decision_on": ["2024-01-10"] * 10,
            "decision": ["assess"] * 10,
            "outcome": ["open"] * 10,
        }
    )
    frame = pd.concat([ontime, old], ignore_index=True)
    frame["child_id"] = "c" + frame["request_id"]
    frame["exception"] = False
    a = coerce_table("assessments", frame)
    proj = backlog.project_backlog_clearance(a, "2024-06-30", months=6, throughput=5.0, intake=0.0)
    y = proj.rate_effect.loc[2024]
    assert y["rate_with_backlog"] == pytest.approx(50.0)
    assert y["rate_without_backlog"] == pytest.approx(100.0)
    assert proj.clears_on == pd.Timestamp("2024-08-31")


# ---------------------------------------------------------------------------------------------------
# Sample
# ---------------------------------------------------------------------------------------------------


def test_sample_overdue_about_620(sample_extract):
    n = backlog.overdue_requests_at(sample_extract.assessments, "2024-11-30").iloc[0]
    assert abs(n - 620) <= 0.05 * 620


def test_sample_completions_doubled(sample_extract):
    done = backlog.assessments_completed_by_month(sample_extract.assessments, ["2023-11-30", "2024-11-30"])
    ratio = done["completed"].iloc[1] / done["completed"].iloc[0]
    assert 1.6 <= ratio <= 2.5


def test_sample_flow_identity(sample_extract):
    months = pd.date_range("2019-01-31", "2024-11-30", freq="ME")
    flow = backlog.backlog_flow(sample_extract.assessments, months)
    assert (flow["open_start"] + flow["received"] - flow["closed"] == flow["open_end"]).all()
    # independent method for a few months: the row loop
    for d in months[-3:]:
        expect = loop_snapshot(sample_extract.assessments, d)
        assert flow.loc[d, "open_end"] == expect["open"]
        assert flow.loc[d, "overdue_end"] == expect["overdue"]


# ---------------------------------------------------------------------------------------------------
# Properties (hypothesis): any small request list
# ---------------------------------------------------------------------------------------------------

_day = st.integers(min_value=0, max_value=700)
_row = st.tuples(
    _day,  # received (days after 2023-01-01)
    st.one_of(st.none(), st.integers(0, 200)),  # decision lag
    st.sampled_from([None, "assess", "refuse"]),
    st.sampled_from(["plan_issued", "no_plan", "withdrawn", "open"]),
    st.integers(-30, 500),  # close lag (negative: bad data, closed before received)
    st.booleans(),
)


def _frame_from(rows) -> pd.DataFrame:
    base = pd.Timestamp("2023-01-01")
    recs = []
    for i, (rec, dlag, dec, out, clag, exc) in enumerate(rows):
        received = base + pd.Timedelta(days=rec)
        close = received + pd.Timedelta(days=clag)
        recs.append(
            {
                "request_id": f"r{i}",
                "child_id": f"c{i}",
                "received_on": received,
                "decision_on": None if dlag is None else received + pd.Timedelta(days=dlag),
                "decision": dec,
                "outcome": out,
                "issued_on": close if out == "plan_issued" else None,
                "closed_on": close if out in ("no_plan", "withdrawn") else None,
                "exception": exc,
            }
        )
    return coerce_table("assessments", pd.DataFrame(recs, columns=COLUMNS + ["child_id"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_row, min_size=1, max_size=25))
def test_properties_on_any_requests(rows):
    frame = _frame_from(rows)
    months = pd.date_range("2023-01-31", "2025-06-30", freq="ME")
    flow = backlog.backlog_flow(frame, months)
    assert (flow["open_start"] + flow["received"] - flow["closed"] == flow["open_end"]).all()
    monthly = backlog.overdue_monthly(frame, months)
    assert (monthly[list(backlog.AGE_BANDS)].sum(axis=1) == monthly["overdue"]).all()
    assert (monthly[list(backlog.STAGES)].sum(axis=1) == monthly["overdue"]).all()
    assert (monthly["overdue_excl_exceptions"] <= monthly["overdue"]).all()
    assert (monthly["overdue"] <= monthly["open"]).all()
    for d in months[::7]:
        expect = loop_snapshot(frame, d)
        assert monthly.loc[d, "open"] == expect["open"]
        assert monthly.loc[d, "overdue"] == expect["overdue"]
        assert monthly.loc[d, "drafting"] == expect["drafting"]


def test_sample_completions_match_duckdb(sample_extract):
    """Independent method: throughput written as SQL over the sample's assessments."""
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    a = sample_extract.assessments[["decision", "outcome", "issued_on", "closed_on"]].copy()
    a["decision"] = a["decision"].astype(object)
    a["outcome"] = a["outcome"].astype(object)
    con.register("a", a)
    sql = """
        SELECT m, count(*) AS n FROM (
            SELECT last_day(issued_on) AS m FROM a WHERE issued_on IS NOT NULL
            UNION ALL
            SELECT last_day(closed_on) FROM a
            WHERE outcome = 'no_plan' AND coalesce(decision, '') <> 'refuse' AND closed_on IS NOT NULL
        ) GROUP BY m
    """
    expect = con.sql(sql).df()
    expect = pd.Series(expect["n"].to_numpy(), index=pd.to_datetime(expect["m"])).sort_index()
    months = pd.date_range("2023-01-31", "2024-11-30", freq="ME")
    got = backlog.assessments_completed_by_month(sample_extract.assessments, months)["completed"]
    assert (got.to_numpy() == expect.reindex(months, fill_value=0).to_numpy()).all()


def test_clearance_waits_for_min_days():
    # 3 requests received 2024-06-20; capacity 10 a month, min_days 60: at Jul 31 they are 41 days old
    # (cannot close), at Aug 31 72 days -> all 3 close in August, on time (72 <= 140)
    frame = pd.DataFrame(
        {
            "request_id": ["a", "b", "c"],
            "child_id": ["x", "y", "z"],
            "received_on": ["2024-06-20"] * 3,
            "outcome": ["open"] * 3,
        }
    )
    a = coerce_table("assessments", frame)
    proj = backlog.project_backlog_clearance(a, "2024-06-30", months=3, throughput=10, intake=0, min_days=60)
    assert proj.monthly["closures"].tolist() == [0, 0, 3, 0]
    assert proj.rate_effect.loc[2024, "rate_with_backlog"] == pytest.approx(100.0)


def test_clearance_outlook_in_words():
    from sendlib.backlog import ClearanceProjection

    months = pd.date_range("2024-11-30", periods=25, freq="ME")  # as_of + 24 months

    def proj(start, halves, clears):
        return ClearanceProjection(
            as_of=months[0], throughput=1.0, intake=1.0, plan_share=1.0, min_days=0, start_overdue=start,
            monthly=pd.DataFrame(index=months), halves_on=None if halves is None else pd.Timestamp(halves),
            clears_on=None if clears is None else pd.Timestamp(clears), rate_effect=pd.DataFrame())

    assert proj(620, "2025-02-28", "2025-08-31").outlook() == "halves by February 2025 and clears by August 2025"
    assert proj(620, "2025-02-28", None).outlook() == "halves by February 2025 but does not clear within 24 months"
    assert proj(620, None, None).outlook() == "does not halve within 24 months"
    assert proj(0, None, None).outlook() == "is already clear"


def test_sample_outlook_matches_the_projection(sample_extract):
    p = backlog.project_backlog_clearance(sample_extract.assessments, "2024-11-30", months=24)
    # first month end at or below half of 620 (310) and at 0, read off the projected series
    m = p.monthly["overdue"]
    half = m.index[m <= p.start_overdue / 2][0]
    zero = m.index[m == 0][0]
    assert p.outlook() == f"halves by {half:%B %Y} and clears by {zero:%B %Y}"


def test_package_exports_every_public_name_of_its_modules():
    # sendlib.backlog is a package split by job; its users import everything from the package itself
    import importlib

    from sendlib import headlines

    jobs = ("requests", "flow", "clearance", "headline")
    parts = [importlib.import_module(f"sendlib.backlog.{m}") for m in jobs]
    # public functions, classes and constants defined in each module (not the names it imports)
    defined = {
        name: obj
        for mod in parts
        for name, obj in vars(mod).items()
        if not name.startswith("_")
        and getattr(obj, "__module__", mod.__name__) == mod.__name__
        and (callable(obj) or name.isupper())
    }
    assert sorted(defined) == sorted(backlog.__all__)
    for name, obj in defined.items():
        assert getattr(backlog, name) is obj, name
    # the headline registry names the package, and reads its units from it
    assert headlines.resolve_section("sendlib.backlog:headline_section") is backlog.headline_section
    assert {k: headlines.units()[k] for k in backlog.HEADLINE_UNITS} == backlog.HEADLINE_UNITS
