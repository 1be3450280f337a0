"""DfE 20-week timeliness: hand fixture, edge days, and reproduction of DfE's published figures."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from sendlib import timeliness
from sendlib.extract import coerce_table

ROWS = [
    # id, received, outcome, issued_on, closed_on, exception, decision
    ("A", "2024-01-01", "plan_issued", "2024-05-20", None, False, "assess"),  # 140 days: on time
    ("B", "2024-01-01", "plan_issued", "2024-05-21", None, False, "assess"),  # 141 days: late
    ("M", "2023-03-01", "plan_issued", "2024-03-05", None, True, "assess"),  # 370 days, exception
    ("N", "2023-02-01", "plan_issued", "2024-01-31", None, False, "assess"),  # 364 days: 20-52 weeks
    ("O", "2022-12-01", "plan_issued", "2023-11-30", None, False, "assess"),  # 364 days, issued 2023
    ("P", "2023-01-01", "plan_issued", "2023-12-31", None, False, "assess"),  # 364 days, issued 2023
    ("Q", "2022-12-31", "plan_issued", "2023-12-31", None, False, "assess"),  # 365 days: over a year
    ("R", "2024-01-10", "no_plan", None, "2024-04-01", False, "assess"),  # no plan: not counted
    ("S", "2024-01-10", "no_plan", None, "2024-02-01", False, "refuse"),  # refused: not counted
    ("T", "2024-01-10", "withdrawn", None, "2024-03-01", False, "assess"),  # withdrawn: not counted
    ("U", "2024-03-01", "open", None, None, False, "assess"),  # open: not counted
]


@pytest.fixture(scope="module")
def a():
    frame = pd.DataFrame(
        ROWS,
        columns=["request_id", "received_on", "outcome", "issued_on", "closed_on", "exception", "decision"],
    )
    frame["child_id"] = "c" + frame["request_id"]
    return coerce_table("assessments", frame)


def test_days_to_issue_edges(a):
    d = timeliness.days_to_issue(a).set_axis(a["request_id"])
    # 2024-01-01 -> 2024-05-20: 31 + 29 + 31 + 30 + 19 = 140
    assert d["A"] == 140 and d["B"] == 141
    # 2023-03-01 -> 2024-03-01 = 366 (leap day), + 4
    assert d["M"] == 370
    assert d["N"] == 364 and d["P"] == 364 and d["Q"] == 365
    assert np.isnan(d["R"])


def test_by_year_hand(a):
    t = timeliness.timeliness_20_week_by_year(a)
    assert t.index.tolist() == [2023, 2024]
    y24 = t.loc[2024]
    # 2024 issued: A (140, on time), B (141), N (364) -> 20-52 weeks; M (370, exception) -> over a year
    assert y24["plans_issued_den"] == 4 and y24["plans_issued_den_ex"] == 3
    assert y24["plans_issued_within_20_weeks"] == 1 and y24["plans_issued_20_weeks_ex"] == 1
    assert y24["plans_issued_gt20weeks_ltYear"] == 2 and y24["plans_issued_gt20weeks_ltYear_ex"] == 2
    assert y24["plans_issued_gt_1_year"] == 1 and y24["plans_issued_gt_1_year_ex"] == 0
    assert y24["pc_plans_issued_within_20_weeks"] == pytest.approx(25.0)  # 1 / 4
    assert y24["PC_plans_issued_20_weeks_ex"] == pytest.approx(100 / 3)  # 1 / 3
    assert y24["PC_plans_issued_gt_1_year_ex"] == pytest.approx(0.0)
    # average weeks: (140 + 141 + 370 + 364) / 4 / 7 = 1015 / 28 = 36.25; excl. M: 645 / 21
    assert y24["avg_weeks_to_issue"] == pytest.approx(36.25)
    assert y24["avg_weeks_to_issue_ex"] == pytest.approx(645 / 21)
    y23 = t.loc[2023]
    # 2023 issued: O (364), P (364) -> 20-52 weeks; Q (365) -> over a year; none on time
    assert (y23["plans_issued_den"], y23["plans_issued_gt20weeks_ltYear"], y23["plans_issued_gt_1_year"]) == (
        3,
        2,
        1,
    )
    assert y23["PC_plans_issued_20_weeks_ex"] == 0.0
    # bands partition the denominator
    bands = (
        t["plans_issued_within_20_weeks"] + t["plans_issued_gt20weeks_ltYear"] + t["plans_issued_gt_1_year"]
    )
    assert (bands == t["plans_issued_den"]).all()


def test_years_argument_fills_empty_years(a):
    t = timeliness.timeliness_20_week_by_year(a, years=[2022, 2023])
    assert t.loc[2022, "plans_issued_den"] == 0 and np.isnan(t.loc[2022, "PC_plans_issued_20_weeks_ex"])
    assert t.loc[2023, "plans_issued_den"] == 3


def test_year_to_date(a):
    # to 2024-02-29: only N (issued Jan 31, 364 days) -> 0 of 1
    assert timeliness.timeliness_20wk_excl_exceptions_ytd(a, "2024-02-29") == 0.0
    # to 2024-05-20: N, M (exception, excluded), A (on time) -> 1 of 2 = 50%
    assert timeliness.timeliness_20wk_excl_exceptions_ytd(a, "2024-05-20") == pytest.approx(50.0)
    ytd = timeliness.timeliness_20_week_ytd(a, "2024-05-20")
    assert ytd["plans_issued_den"] == 3 and ytd["plans_issued_den_ex"] == 2
    # nothing issued in the period -> NaN, not an error
    assert np.isnan(timeliness.timeliness_20wk_excl_exceptions_ytd(a, "2025-01-31"))


def synthetic_requests(year: int, counts: dict[str, int], coerce: bool = True) -> pd.DataFrame:
    """Requests whose issued plans have DfE's published counts for one calendar year.

    ``counts``: within/mid/over for non-exception cases (``*_ex``) and for all cases. Exception cases
    are the differences. Days to issue: 100 (within), 200 (20-52 weeks), 400 (over a year).
    """
    ex = {"within": counts["within_ex"], "mid": counts["mid_ex"], "over": counts["over_ex"]}
    exc = {k: counts[k] - ex[k] for k in ex}
    days = {"within": 100, "mid": 200, "over": 400}
    lag = np.concatenate([np.repeat(days[k], ex[k]) for k in ex] + [np.repeat(days[k], exc[k]) for k in exc])
    flag = np.concatenate([np.zeros(sum(ex.values()), bool), np.ones(sum(exc.values()), bool)])
    issued = pd.Timestamp(year=year, month=6, day=30)
    n = len(lag)
    frame = pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(n)],
            "child_id": [f"c{i}" for i in range(n)],
            "received_on": issued - pd.to_timedelta(lag, unit="D"),
            "decision": "assess",
            "outcome": "plan_issued",
            "issued_on": issued,
            "exception": flag,
        }
    )
    return coerce_table("assessments", frame) if coerce else frame


@pytest.mark.parametrize(
    ("label", "year", "counts", "published"),
    [
        # Devon 2023 (timeliness_20_week.csv): 980 issued, 48 within, 675 20-52 weeks, 257 over a year,
        # no exceptions; published 4.9%, 68.9%, 26.2%
        (
            "Devon 2023",
            2023,
            {"within": 48, "mid": 675, "over": 257, "within_ex": 48, "mid_ex": 675, "over_ex": 257},
            {
                "pc_plans_issued_within_20_weeks": 4.9,
                "PC_plans_issued_20_weeks_ex": 4.9,
                "pc_plans_issued_gt20weeks_ltYear": 68.9,
                "pc_plans_issued_gt_1_year": 26.2,
            },
        ),
        # Devon 2020: 1,319 issued (1,313 excl. exceptions), 715 within 20 weeks both ways;
        # published 54.2% including, 54.5% excluding exceptions (bands not published: split late as 20-52)
        (
            "Devon 2020",
            2020,
            {"within": 715, "mid": 604, "over": 0, "within_ex": 715, "mid_ex": 598, "over_ex": 0},
            {"pc_plans_issued_within_20_weeks": 54.2, "PC_plans_issued_20_weeks_ex": 54.5},
        ),
        # England 2019: 53,327 issued (49,519 excl.), 31,313 within (29,895 excl.); 58.7% / 60.4%
        (
            "England 2019",
            2019,
            {
                "within": 31313,
                "mid": 53327 - 31313,
                "over": 0,
                "within_ex": 29895,
                "mid_ex": 49519 - 29895,
                "over_ex": 0,
            },
            {"pc_plans_issued_within_20_weeks": 58.7, "PC_plans_issued_20_weeks_ex": 60.4},
        ),
    ],
)
def test_reproduces_published_dfe_rows(label, year, counts, published):
    t = timeliness.timeliness_20_week_by_year(synthetic_requests(year, counts)).loc[year]
    for col, value in published.items():
        assert round(t[col], 1) == pytest.approx(value), (label, col)


@pytest.mark.dfe
def test_reproduces_every_published_la_row(dfe_file):
    """Every LA row of DfE's timeliness_20_week.csv with published counts: our % rounds to theirs.

    A missing file skips locally and fails under CI (the ``dfe_file`` fixture)."""
    pub = pd.read_csv(dfe_file("timeliness_20_week.csv"), dtype=str, encoding="utf-8-sig")
    pub = pub[(pub["geographic_level"] == "Local authority") & (pub["breakdown"] == "All EHC plans issued")]
    cols = [
        "plans_issued_den",
        "plans_issued_den_ex",
        "plans_issued_within_20_weeks",
        "plans_issued_20_weeks_ex",
    ]
    num = pub[cols].apply(pd.to_numeric, errors="coerce")
    pct = pub[["pc_plans_issued_within_20_weeks", "PC_plans_issued_20_weeks_ex"]].apply(
        pd.to_numeric, errors="coerce"
    )
    ok = num.notna().all(axis=1) & pct.notna().all(axis=1) & (num["plans_issued_den_ex"] > 0)
    num, pct = num[ok].astype(int), pct[ok]
    assert len(num) > 500
    # one synthetic "year" per published row (years 1700, 1701, ... keep rows apart), in batches
    checked = 0
    for batch in range(0, len(num), 400):
        rows = num.iloc[batch : batch + 400]
        frames = []
        for i, r in enumerate(rows.itertuples(index=False)):
            frames.append(
                synthetic_requests(
                    1700 + i,
                    {
                        "within": r.plans_issued_within_20_weeks,
                        "mid": r.plans_issued_den - r.plans_issued_within_20_weeks,
                        "over": 0,
                        "within_ex": r.plans_issued_20_weeks_ex,
                        "mid_ex": r.plans_issued_den_ex - r.plans_issued_20_weeks_ex,
                        "over_ex": 0,
                    },
                    coerce=False,
                )
            )
        all_rows = pd.concat(frames, ignore_index=True)
        all_rows["request_id"] = [f"r{i}" for i in range(len(all_rows))]
        t = timeliness.timeliness_20_week_by_year(coerce_table("assessments", all_rows))
        expect = pct.iloc[batch : batch + 400]
        got_in = t["pc_plans_issued_within_20_weeks"].to_numpy()
        got_ex = t["PC_plans_issued_20_weeks_ex"].to_numpy()
        assert np.all(np.abs(got_in - expect["pc_plans_issued_within_20_weeks"].to_numpy()) <= 0.05 + 1e-6)
        assert np.all(np.abs(got_ex - expect["PC_plans_issued_20_weeks_ex"].to_numpy()) <= 0.05 + 1e-6)
        checked += len(rows)
    assert checked == len(num)


def test_sample_matches_duckdb(sample_extract):
    """Independent method: the same definition written as SQL over the sample's assessments."""
    con = duckdb.connect()
    con.register("a", sample_extract.assessments[["received_on", "issued_on", "exception"]].copy())
    sql = """
        SELECT year(issued_on) AS year,
               count(*) AS den,
               sum(CASE WHEN NOT exception THEN 1 ELSE 0 END) AS den_ex,
               sum(CASE WHEN NOT exception AND date_diff('day', received_on, issued_on) <= 140
                        THEN 1 ELSE 0 END) AS within_ex,
               sum(CASE WHEN date_diff('day', received_on, issued_on) > 364 THEN 1 ELSE 0 END) AS over
        FROM a WHERE issued_on IS NOT NULL GROUP BY 1 ORDER BY 1
    """
    expect = con.sql(sql).df().set_index("year")
    got = timeliness.timeliness_20_week_by_year(sample_extract.assessments)
    assert got.index.tolist() == expect.index.tolist()
    assert (got["plans_issued_den"].to_numpy() == expect["den"].to_numpy()).all()
    assert (got["plans_issued_den_ex"].to_numpy() == expect["den_ex"].to_numpy()).all()
    assert (got["plans_issued_20_weeks_ex"].to_numpy() == expect["within_ex"].to_numpy()).all()
    assert (got["plans_issued_gt_1_year"].to_numpy() == expect["over"].to_numpy()).all()


def test_sample_timeliness_2024_ytd(sample_extract):
    # the sample is calibrated to Devon's published 2024 rate, 3.2%
    assert round(timeliness.timeliness_20wk_excl_exceptions_ytd(sample_extract.assessments, "2024-11-30"), 1) == 3.2
