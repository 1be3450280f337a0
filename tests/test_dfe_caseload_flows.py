"""The cross-LA caseload forecast's activity terms and robust fit: each LA's requests, refusals and net
flow relative to all LAs worked by hand on a small fixture; the Huber fit by hand and against a plain
loop; the activity tables read back from DfE's files with the csv module."""

from __future__ import annotations

import csv
import math

import numpy as np
import pandas as pd
import pytest

from sendlib.dfe import caseload_forecast as cf

IDX = pd.Index(["a", "b", "c"], name="la_code")


def _fixture():
    """Plans at January 2013: a 100, b 300, c 1000. Activity in calendar 2013 for a and b only:
    requests 30, 30; refused 3, 12; new plans 20, 30; ceased 5, 45."""
    hist = pd.DataFrame({2012: [90.0, 280.0, 950.0], 2013: [100.0, 300.0, 1000.0], 2014: [110.0, 310.0, 1020.0]},
                        index=IDX)

    def tab(a, b):
        return pd.DataFrame({2013: [a, b]}, index=pd.Index(["a", "b"], name="la_code"))

    flows = {"requests": tab(30.0, 30.0), "refused": tab(3.0, 12.0), "new_plans": tab(20.0, 30.0),
             "ceased": tab(5.0, 45.0)}
    return hist, flows


def test_flow_terms_by_hand():
    """Target January 2015 uses calendar 2013 activity per plan at January 2013 (c has no activity: it
    is left out of the all-LAs ratios and its terms are NaN).

    requests: a 30 / 100 = 0.3, b 30 / 300 = 0.1, all LAs 60 / 400 = 0.15:
              a log(0.3 / 0.15) = log 2 = 0.693147, b log(0.1 / 0.15) = log(2/3) = -0.405465
    refusals: a 3 / 30 = 0.1, b 12 / 30 = 0.4, all LAs 15 / 60 = 0.25: a -0.15, b +0.15
    net_flow: a log(1 + (20 - 5) / 100) = log 1.15 = 0.139762, b log(1 + (30 - 45) / 300) = log 0.95 =
              -0.051293; all LAs new 50 / 400 = 0.125, ceased 50 / 400 = 0.125: log(1 + 0) = 0.
    """
    hist, flows = _fixture()
    t = cf.flow_terms(hist, 2015, flows)
    assert list(t.columns) == list(cf.FLOW_TERMS)
    assert t.loc["a"].to_numpy() == pytest.approx([0.693147, -0.15, 0.139762], abs=1e-6)
    assert t.loc["b"].to_numpy() == pytest.approx([-0.405465, 0.15, -0.051293], abs=1e-6)
    assert t.loc["c"].isna().all()
    # no activity for calendar 2014 (target 2016), or none at all: every term is missing
    assert cf.flow_terms(hist, 2016, flows).isna().all().all()
    assert cf.flow_terms(hist, 2015, {}).isna().all().all()


def test_design_joins_count_and_flow_terms():
    """design() for target 2015: the count terms from counts before 2015 (d(2014), d(2013) and the same
    over sqrt(N2014)) and the activity terms above. National growth 2014: log(1440 / 1400); a's
    deviation d(2014) = log(110 / 100) - log(1440 / 1400) = 0.095310 - 0.028171 = 0.067139, and
    dev_1_small = 0.067139 / sqrt(110) = 0.0064015."""
    hist, flows = _fixture()
    x = cf.design(hist, 2015, flows)
    assert list(x.columns) == list(cf.COUNT_TERMS) + list(cf.FLOW_TERMS)
    d = math.log(1.1) - math.log(1440 / 1400)
    assert x.loc["a", "dev_1"] == pytest.approx(d)
    assert x.loc["a", "dev_1_small"] == pytest.approx(d / math.sqrt(110))
    assert x.loc["a", "requests"] == pytest.approx(math.log(2))
    assert list(cf.design(hist, 2015).columns) == list(cf.COUNT_TERMS)  # no flows: count terms only


def test_fit_weights_leaves_out_years_without_activity(monkeypatch):
    """Rows lacking an activity term are left out of the fit; with no complete row at all the activity
    terms are dropped and the count terms fitted alone."""
    seen = []

    def fake_fit(x, y):
        seen.append(x.shape)
        return np.zeros(x.shape[1])

    monkeypatch.setattr(cf, "huber_fit", fake_fit)
    years = list(range(2010, 2017))
    hist = pd.DataFrame({y: [100.0 * 1.1 ** (y - 2010) * (1 + 0.01 * i * (y % 3)) for i in range(3)]
                         for y in years}, index=IDX)
    full = {k: pd.DataFrame({c: [10.0, 20.0, 30.0] for c in range(2008, 2016)}, index=IDX)
            for k in ("requests", "refused", "new_plans", "ceased")}
    # target 2016: training t = 2013, 2014, 2015 (3 LAs each), activity of calendar t - 2 = 2011..2013
    w = cf.fit_weights(hist, 2016, full)
    assert list(w.index) == list(cf.COUNT_TERMS) + list(cf.FLOW_TERMS) and seen[-1] == (9, 7)
    # no calendar 2011 activity: the t = 2013 rows are left out
    part = {k: v.drop(columns=[2011]) for k, v in full.items()}
    cf.fit_weights(hist, 2016, part)
    assert seen[-1] == (6, 7)
    # no activity in any training year: count terms alone
    none = {k: v[[2014, 2015]] for k, v in full.items()}
    w = cf.fit_weights(hist, 2016, none)
    assert list(w.index) == list(cf.COUNT_TERMS) and seen[-1] == (9, 4)


def _huber_loop(x, y, t=1.345, iterations=500):
    """Huber regression through the origin, one column, iterated by hand: weights 1 inside t robust
    standard deviations (median |residual| / 0.6745), t * s / |r| outside."""
    b = sum(xi * yi for xi, yi in zip(x, y, strict=True)) / sum(xi * xi for xi in x)
    for _ in range(iterations):
        r = [yi - b * xi for xi, yi in zip(x, y, strict=True)]
        s = float(np.median([abs(ri) for ri in r])) / 0.6744897501960817
        w = [1.0 if abs(ri) <= t * s else t * s / abs(ri) for ri in r]
        b = (sum(wi * xi * yi for wi, xi, yi in zip(w, x, y, strict=True))
             / sum(wi * xi * xi for wi, xi in zip(w, x, strict=True)))
    return b


def test_huber_fit_by_hand():
    """x = 1..5, y = 1.1, 1.9, 3.1, 3.9, 5.1: least squares b = sum(xy) / sum(x^2) = 55.3 / 55 = 1.005455;
    residuals 0.095, -0.111, 0.084, -0.122, 0.073, median |r| 0.0945, robust sd 0.140, threshold
    1.345 * 0.140 = 0.189 > every |r|: every weight is 1, so Huber = least squares.
    Add x = 6, y = 20 (an outlier): least squares 175.3 / 91 = 1.926374; Huber down-weights the outlier
    and agrees with the plain loop above (1.030529)."""
    x = np.arange(1.0, 7.0)
    y = np.array([1.1, 1.9, 3.1, 3.9, 5.1, 20.0])
    assert cf.huber_fit(x[:5, None], y[:5]) == pytest.approx([55.3 / 55])
    b = cf.huber_fit(x[:, None], y)[0]
    assert b == pytest.approx(_huber_loop(list(x), list(y)), abs=1e-6)
    assert b == pytest.approx(1.030529, abs=1e-6)
    assert np.linalg.lstsq(x[:, None], y, rcond=None)[0][0] == pytest.approx(175.3 / 91)
    # an exact fit (robust scale 0) is least squares
    assert cf.huber_fit(x[:, None], 2 * x) == pytest.approx([2.0])


def _raw(path, la="878"):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r.get("old_la_code") == la
                and r.get("geographic_level") == "Local authority"]


def test_flow_history_matches_the_files(dfe_dir):
    """Devon's activity read back with the csv module: requests and refusals 2019 onwards from the
    latest release's requests.csv; new plans from timeliness (plans issued); ceased plans 2022 onwards
    from ceased_plans.csv; before that the 2022 release's sen2_mi.csv (ceased = the four DisxxxEHC
    columns summed)."""
    fl = cf.flow_history(dfe_dir)
    assert set(fl) == {"requests", "refused", "new_plans", "ceased"}
    new = dfe_dir / "ehcp-2025" / "data"
    req = {int(r["time_period"]): r for r in _raw(new / "requests.csv")
           if r["breakdown_topic"].startswith("All")}
    assert fl["requests"].loc["878", 2023] == float(req[2023]["requests_received_in_year"])
    assert fl["refused"].loc["878", 2023] == float(req[2023]["requests_decided_not_to_assess"])
    ceased = {int(r["time_period"]): r for r in _raw(new / "ceased_plans.csv")
              if r["breakdown_topic"].startswith("All")}
    assert fl["ceased"].loc["878", 2024] == float(ceased[2024]["total_ceased"])
    tim = {int(r["time_period"]): r for r in _raw(new / "timeliness_20_week.csv")
           if r["breakdown_topic"].startswith("All")}
    assert fl["new_plans"].loc["878", 2021] == float(tim[2021]["plans_issued_den"])
    mi = {int(r["time_period"]): r for r in _raw(dfe_dir / "ehcp-2022" / "data" / "sen2_mi.csv")}
    assert fl["requests"].loc["878", 2017] == float(mi[2017]["InreqEHC"])
    assert fl["refused"].loc["878", 2017] == float(mi[2017]["AssRefusedEHC"])
    assert fl["new_plans"].loc["878", 2016] == float(mi[2016]["NewallEHC"])
    assert fl["ceased"].loc["878", 2020] == sum(float(mi[2020][c]) for c in
                                                ("DisleaEHC", "DismetEHC", "DisothEHC", "DisleftEHC"))
    # the two releases agree where both have the figure (2019-2021 requests)
    assert float(mi[2020]["InreqEHC"]) == float(req[2020]["requests_received_in_year"])


def test_flow_terms_with_a_plain_loop(dfe_dir):
    """The activity terms for every LA and target Januaries 2019-2025, recomputed LA by LA with plain
    Python from the January counts and the activity tables (all-LAs ratios summed in a loop)."""
    from sendlib.dfe import january_caseload_history

    hist = january_caseload_history(dfe_dir)
    fl = cf.flow_history(dfe_dir)

    def get(name, la, c):
        tab = fl[name]
        if la not in tab.index or c not in tab.columns:
            return None
        v = tab.loc[la, c]
        return None if pd.isna(v) else float(v)

    def ratio(pairs):
        pairs = [(a, b) for a, b in pairs if a is not None and b is not None and b > 0]
        return sum(a for a, _ in pairs) / sum(b for _, b in pairs)

    checked = 0
    for year in range(2019, 2026):
        c = year - 2
        las = list(hist.index)
        n = {la: (None if pd.isna(hist.loc[la, c]) else float(hist.loc[la, c])) for la in las}
        req = {la: get("requests", la, c) for la in las}
        ref = {la: get("refused", la, c) for la in las}
        new = {la: get("new_plans", la, c) for la in las}
        ceased = {la: get("ceased", la, c) for la in las}
        r_all = ratio([(req[la], n[la]) for la in las])
        f_all = ratio([(ref[la], req[la]) for la in las])
        net_all = math.log1p(ratio([(new[la], n[la]) for la in las]) - ratio([(ceased[la], n[la]) for la in las]))
        got = cf.flow_terms(hist[[y for y in hist.columns if y < year]], year, fl)
        for la in las:
            if n[la] and req[la]:
                assert got.loc[la, "requests"] == pytest.approx(math.log(req[la] / n[la] / r_all), abs=1e-9)
                checked += 1
            else:
                assert pd.isna(got.loc[la, "requests"]) or req[la] == 0
            if req[la] and ref[la] is not None:
                assert got.loc[la, "refusals"] == pytest.approx(ref[la] / req[la] - f_all, abs=1e-9)
            if n[la] and new[la] is not None and ceased[la] is not None:
                want = math.log1p((new[la] - ceased[la]) / n[la]) - net_all
                assert got.loc[la, "net_flow"] == pytest.approx(want, abs=1e-9)
            else:
                assert pd.isna(got.loc[la, "net_flow"])
    assert checked > 7 * 140  # about 150 LAs a year have requests and a count
