"""Benchmark tables: LAIT-style quartile bands and ranks (hand-checked on tiny fixtures), full tables for
Devon (878) and Kent (886), LA resolution and CLI exit codes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendlib import benchmark
from sendlib.benchmark import national_rank, quartile_band
from sendlib.cli import main
from sendlib.errors import UsageError

# Eight LAs' values 1..8. numpy "linear" (= R type 7) quartiles:
#   Q1 = 1 + 0.25*7 = 2.75, Q2 = 4.5, Q3 = 1 + 0.75*7 = 6.25.
VALS = [1, 2, 3, 4, 5, 6, 7, 8]


def test_bands_low_is_good_by_hand():
    # low is good: A = [1, 2.75], B = (2.75, 4.5], C = (4.5, 6.25], D = (6.25, 8]
    assert [quartile_band(v, VALS, -1) for v in VALS] == ["A", "A", "B", "B", "C", "C", "D", "D"]
    assert quartile_band(2.75, VALS, -1) == "A"  # boundary belongs to the lower band (LAIT: <=)


def test_bands_high_is_good_by_hand():
    # high is good: the same quartiles, letters reversed: 8 and 7 are in the best quartile
    assert [quartile_band(v, VALS, +1) for v in VALS] == ["D", "D", "C", "C", "B", "B", "A", "A"]


def test_neutral_and_missing():
    assert quartile_band(3, VALS, 0) == "-"
    assert quartile_band(np.nan, VALS, -1) == ""
    assert quartile_band(4, VALS + [np.nan], -1) == "B"  # missing LAs are left out of the quartiles


def test_rank_by_hand():
    vals = [10, 20, 20, 30]
    assert [national_rank(v, vals, +1) for v in vals] == [4, 2, 2, 1]  # descending, ties share "min"
    assert [national_rank(v, vals, -1) for v in vals] == [1, 2, 2, 4]
    assert np.isnan(national_rank(np.nan, vals, 1))


@pytest.fixture(scope="module")
def tables(dfe_dir):
    return {la: benchmark.benchmark_table(la, dfe_dir) for la in ("878", "886")}


@pytest.mark.parametrize("la", ["878", "886"])
def test_full_table(tables, la):
    t = tables[la]
    assert list(t["measure"]) == list(benchmark.BENCHMARK_MEASURES)
    assert t["la_value"].notna().all()
    assert t["england_value"].notna().all() and t["region_value"].notna().all()
    assert (t["neighbours_n"] >= 9).all()
    banded = t[t["polarity"] != 0]
    assert banded["band"].isin(list("ABCD")).all()
    assert (t.loc[t["polarity"] == 0, "band"] == "-").all()
    assert ((t["rank"] >= 1) & (t["rank"] <= t["rank_of"])).all()
    assert (t["neighbours_q1"] <= t["neighbours_median"]).all()
    assert (t["neighbours_median"] <= t["neighbours_q3"]).all()


def test_devon_values_and_polarity(tables, dfe_dir):
    t = tables["878"].set_index("measure")
    assert t.loc["ehc_plans", "la_value"] == 9848 and t.loc["ehc_plans", "previous_value"] == 8873
    assert t.loc["ehc_plans", "england_value"] == 638_745
    assert t.loc["ehc_plans", "trend"] == "Increase"
    # growth: 9,848 / 8,873 - 1 = 10.99%
    assert t.loc["ehc_plans_growth_pc", "la_value"] == pytest.approx((9848 / 8873 - 1) * 100)
    assert t.loc["timeliness_20wk_pc", "la_value"] == pytest.approx(3.2)
    assert t.loc["timeliness_20wk_pc", "england_value"] == pytest.approx(46.4)
    # Devon has about the worst timeliness in England: high is good, so band D and a rank near the bottom
    assert t.loc["timeliness_20wk_pc", "band"] == "D"
    assert t.loc["timeliness_20wk_pc", "rank"] >= t.loc["timeliness_20wk_pc", "rank_of"] - 5
    # £ per EHCP (funding formula) = FY 2023-24 high-needs net 143,622,226 / Jan 2024 plans 8,873
    assert t.loc["cost_per_ehcp_s251", "la_value"] == pytest.approx(143_622_226 / 8873)
    # independent top-ups share = 55,057,405 / 143,622,226 = 38.3%
    assert t.loc["independent_topups_share_pc", "la_value"] == pytest.approx(55_057_405 / 143_622_226 * 100)
    # neighbours' median recomputed by hand from the panel (independent of benchmark_table's code path)
    p = benchmark.measure_panel("timeliness_20wk_pc", dfe_dir)
    sn = tables["878"].attrs["neighbours"]
    vals = p[(p["la_code"].isin(sn)) & (p["year"] == 2024)]["value"].dropna().sort_values().to_list()
    n = len(vals)
    med = vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2
    assert t.loc["timeliness_20wk_pc", "neighbours_median"] == pytest.approx(med)


def _raw(path):
    """A DfE CSV as text, read with plain pandas (independent of sendlib's reader)."""
    return pd.read_csv(path, dtype=str, encoding="utf-8-sig")


def _num(col):
    return pd.to_numeric(col, errors="coerce")  # DfE codes ("x", "c", "z") become NaN


def test_devon_independent_special_share_from_raw_csv(tables, dfe_dir):
    """(special_independent + special_non_maintained) / ehcplans * 100, read from caseload.csv.

    The latest period is January 2025 (time_period 202425, an academic-year label for the January census).
    Devon (878), All EHC plans: (863 + 34) / 9,848 = 9.11%; January 2024: (754 + 33) / 8,873 = 8.87%.
    England and the region are sums over the LAs that publish all three figures: in January 2025 two LAs
    (Cambridgeshire, North East Lincolnshire) have "x" placements, so rank_of is 151, not 153, and
    England (5.41%) is not DfE's national row (5.33%), which includes those LAs' placements."""
    c = _raw(dfe_dir / "ehcp-2025" / "data" / "caseload.csv")
    c = c[(c["geographic_level"] == "Local authority") & (c["breakdown_topic"] == "All EHC plans")]
    c = c.assign(num=_num(c["special_independent"]) + _num(c["special_non_maintained"]),
                 den=_num(c["ehcplans"]))

    def devon(period):
        r = c[(c["old_la_code"] == "878") & (c["time_period"] == period)]
        assert len(r) == 1
        return r["num"].iloc[0] / r["den"].iloc[0] * 100

    t = tables["878"].set_index("measure").loc["independent_special_share_pc"]
    assert t["period"] == "Jan 2025"
    assert devon("202425") == pytest.approx((863 + 34) / 9848 * 100)  # the CSV holds the figures above
    assert t["la_value"] == pytest.approx(devon("202425"))
    assert t["previous_value"] == pytest.approx(devon("202324"))
    y25 = c[(c["time_period"] == "202425") & c["num"].notna() & c["den"].notna()]
    assert t["rank_of"] == len(y25) == 151
    assert t["england_value"] == pytest.approx(y25["num"].sum() / y25["den"].sum() * 100)
    sw = y25[y25["region_name"] == "South West"]
    assert t["region_value"] == pytest.approx(sw["num"].sum() / sw["den"].sum() * 100)
    # low is good: rank 1 = lowest share; ties share the best rank
    share = y25["num"] / y25["den"] * 100
    assert t["rank"] == 1 + sum(v < devon("202425") for v in share)


def test_devon_request_refusal_rate_from_raw_csv(tables, dfe_dir):
    """requests_decided_not_to_assess / requests_received_in_year * 100, read from requests.csv.

    The latest period is calendar year 2024. Devon: 819 / 2,265 = 36.16%; 2023: 753 / 2,148 = 35.06%.
    Neutral measure (polarity 0): no band, rank ascending."""
    r = _raw(dfe_dir / "ehcp-2025" / "data" / "requests.csv")
    r = r[(r["geographic_level"] == "Local authority")
          & (r["breakdown_topic"] == "All requests for EHC needs assessments")]
    r = r.assign(num=_num(r["requests_decided_not_to_assess"]), den=_num(r["requests_received_in_year"]))

    def devon(period):
        row = r[(r["old_la_code"] == "878") & (r["time_period"] == period)]
        assert len(row) == 1
        return row["num"].iloc[0] / row["den"].iloc[0] * 100

    t = tables["878"].set_index("measure").loc["request_refusal_rate_pc"]
    assert t["period"] == "2024"
    assert devon("2024") == pytest.approx(819 / 2265 * 100)
    assert t["la_value"] == pytest.approx(devon("2024"))
    assert t["previous_value"] == pytest.approx(devon("2023"))
    y24 = r[(r["time_period"] == "2024") & r["num"].notna() & r["den"].notna()]
    assert t["england_value"] == pytest.approx(y24["num"].sum() / y24["den"].sum() * 100)
    assert t["band"] == "-" and t["rank_of"] == len(y24)


def test_devon_pupils_with_ehc_plan_from_raw_csv(tables, dfe_dir):
    """ehc_plan / total_pupils * 100 from the January 2024 school census LA totals (the file's only year;
    it carries LA names, not codes). Devon: 6,421 / 107,924 = 5.95%; no previous year, so no change."""
    o = _raw(dfe_dir / "other" / "ehcp_vs_sen_support_by_la_2023-24.csv")
    o = o.assign(num=_num(o["ehc_plan"]), den=_num(o["total_pupils"]))
    row = o[o["la_name"] == "Devon"]
    assert len(row) == 1
    expect = row["num"].iloc[0] / row["den"].iloc[0] * 100
    assert expect == pytest.approx(6421 / 107_924 * 100)
    t = tables["878"].set_index("measure").loc["pupils_with_ehc_plan_pc"]
    assert t["period"] == "Jan 2024"
    assert t["la_value"] == pytest.approx(expect)
    assert np.isnan(t["previous_value"]) and t["trend"] == ""
    both = o[o["num"].notna() & o["den"].notna()]
    assert t["england_value"] == pytest.approx(both["num"].sum() / both["den"].sum() * 100)
    assert t["band"] == "-" and t["rank_of"] == len(both) == 153


def test_band_matches_polarity_on_real_data(tables, dfe_dir):
    """Recompute one band with plain Python: quartiles by sorting, then LAIT's reversed letters."""
    t = tables["886"].set_index("measure")
    p = benchmark.measure_panel("cost_per_ehcp_s251", dfe_dir)
    la = p[(p["level"] == "local authority") & (p["year"] == 2023)]["value"].dropna().sort_values().to_list()

    def q(f):  # type-7 quantile by hand
        h = (len(la) - 1) * f
        lo = int(h)
        return la[lo] + (h - lo) * (la[min(lo + 1, len(la) - 1)] - la[lo])

    v = t.loc["cost_per_ehcp_s251", "la_value"]
    expect = "A" if v <= q(0.25) else "B" if v <= q(0.5) else "C" if v <= q(0.75) else "D"  # low is good
    assert t.loc["cost_per_ehcp_s251", "band"] == expect


def test_neighbour_series(dfe_dir):
    s = benchmark.neighbour_series("Devon", "ehc_plans", dfe_dir)
    assert set(s["series"]) == {"LA", "neighbour", "neighbours median", "region", "England"}
    assert s[s["series"] == "neighbour"]["la_code"].nunique() == 10
    eng = s[s["series"] == "England"].set_index("year")["value"]
    assert eng[2024] == 576_474
    assert s[s["series"] == "LA"].set_index("year")["value"][2025] == 9848


def test_resolve_la(dfe_dir):
    for q in ("878", "E10000008", "devon", " DEVON "):
        assert benchmark.resolve_la(q, dfe_dir).la_code == "878"
    assert benchmark.resolve_la("e06000065", dfe_dir).la_name == "North Yorkshire"  # ONS unitary code
    assert benchmark.resolve_la("E06000060", dfe_dir).la_code == "825"  # Buckinghamshire, either code
    with pytest.raises(UsageError, match="Close matches: .*Devon"):
        benchmark.resolve_la("Devn", dfe_dir)


def test_cli_benchmark(dfe_dir, capsys):
    assert main(["benchmark", "--la", "886", "--dfe-dir", str(dfe_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["la_name"] == "Kent" and len(out["measures"]) == len(benchmark.BENCHMARK_MEASURES)
    assert main(["benchmark", "--la", "878", "--dfe-dir", str(dfe_dir)]) == 0
    text = capsys.readouterr().out
    assert "Devon (878)" in text and "Open Government Licence" in text
    assert "EHC plans at January 2026 (cross-LA one-year-ahead forecast)" in text and "80% interval" in text


def test_cli_benchmark_json_has_next_january_forecast(dfe_dir, capsys):
    """``--json`` carries the LA's next-January forecast with its 80% and 95% intervals, the same as
    the forecast module gives, and the table prints it formatted."""
    from sendlib import formatting
    from sendlib.dfe.caseload_forecast import forecast_next_january

    assert main(["benchmark", "--la", "878", "--dfe-dir", str(dfe_dir), "--json"]) == 0
    nxt = json.loads(capsys.readouterr().out)["next_january_forecast"]
    ref = forecast_next_january("878", dfe_dir)
    assert nxt["la_code"] == "878" and nxt["year"] == 2026 and nxt["last"] == 9848
    for k in ("forecast", "lo80", "hi80", "lo95", "hi95"):
        assert nxt[k] == pytest.approx(ref[k])
    assert nxt["lo95"] < nxt["lo80"] < nxt["forecast"] < nxt["hi80"] < nxt["hi95"]
    assert main(["benchmark", "--la", "878", "--dfe-dir", str(dfe_dir)]) == 0
    text = capsys.readouterr().out
    assert (f"{formatting.count(ref['forecast'])}, 80% interval {formatting.count(ref['lo80'])} to "
            f"{formatting.count(ref['hi80'])}") in text
    assert main(["benchmark", "--la", "Devonn", "--dfe-dir", str(dfe_dir)]) == 2
    err = capsys.readouterr().err
    assert "unknown local authority 'Devonn'" in err and "Devon" in err and "Traceback" not in err
    if not (dfe_dir / "lait" / "sn_april_2021.xlsx").is_file():  # the shared folder has only the 2025 list
        assert main(["benchmark", "--la", "878", "--dfe-dir", str(dfe_dir), "--neighbours", "2021"]) == 1
        assert "fetch-dfe --neighbours 2021" in capsys.readouterr().err


def test_cli_missing_dfe_dir(tmp_path, capsys):
    assert main(["benchmark", "--la", "878", "--dfe-dir", str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_ratio_aggregates_only_matched_las():
    """Region/England ratios sum LAs having both sides: (10 + 30) / (100 + 300) = 10%."""
    def frame(vals):
        return pd.DataFrame({"level": "local authority", "la_code": ["001", "002", "003"],
                             "la_name": ["A", "B", "C"], "region": "R", "year": 2024, "value": vals})

    num = frame([10.0, 30.0, 5.0])
    den = frame([100.0, 300.0, np.nan])  # C has no denominator: left out of the aggregate
    r = benchmark._ratio(num, den, 100)
    assert r[r["level"] == "national"]["value"].iloc[0] == pytest.approx(10.0)
    assert r[r["level"] == "region"]["value"].iloc[0] == pytest.approx(10.0)
    assert set(r[r["level"] == "local authority"]["la_code"]) == {"001", "002"}


def test_sen2_january_counts(dfe_dir):
    s = benchmark.sen2_january_counts("878", dfe_dir)
    assert s.index[0] == pd.Timestamp("2019-01-31") and s.index[-1] == pd.Timestamp("2025-01-31")
    assert s[pd.Timestamp("2025-01-31")] == 9848
    long = benchmark.sen2_january_counts("Devon", dfe_dir, long_series=True)
    assert long.index[0] == pd.Timestamp("2010-01-31") and long.iloc[0] == 3418


def test_missing_values_say_why(dfe_dir, capsys):
    assert set(benchmark.COMPONENTS) == set(benchmark.BENCHMARK_MEASURES)
    # Dorset classed all 2024 plans as exceptions: DfE publishes "x" for its timeliness
    t = benchmark.benchmark_table("838", dfe_dir).set_index("measure")
    assert np.isnan(t.loc["timeliness_20wk_pc", "la_value"]) and t.loc["timeliness_20wk_pc", "band"] == ""
    assert t.loc["timeliness_20wk_pc", "la_missing_reason"] == "timeliness_20wk_pc 2024: x"
    assert (t.drop(index="timeliness_20wk_pc")["la_missing_reason"] == "").all()
    assert main(["benchmark", "--la", "Dorset", "--dfe-dir", str(dfe_dir)]) == 0
    assert "not available: EHC plans issued within 20 weeks" in capsys.readouterr().out


def test_neighbour_panels(dfe_dir):
    p = benchmark.neighbour_panels("878", dfe_dir=dfe_dir)
    assert {"ehc_plans", "timeliness_20wk_pc"} <= set(p["measure"])
    assert "cost_per_ehcp_s251" not in set(p["measure"])  # one financial year only: not a time series
    assert p.groupby("measure")["year"].nunique().min() > 1


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=4, max_size=40),
       st.sampled_from([-1, 1]))
def test_band_is_monotone_in_value(values, polarity):
    """Better values never get a worse band (A best), for either polarity."""
    order = sorted(values, reverse=polarity > 0)  # best first
    bands = [quartile_band(v, values, polarity) for v in order]
    assert bands == sorted(bands)
    assert set(bands) <= set("ABCD")
