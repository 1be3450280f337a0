"""Benchmark one LA against its DfE statistical neighbours, its region and England.

For each measure in :data:`BENCHMARK_MEASURES` :func:`benchmark_table` gives the LA's value in the
latest period and its change since the previous one, its neighbours' median and quartiles, the region
and England, its national rank and a quartile band.

Quartile banding follows DfE's Local Authority Interactive Tool (LAIT, ``R/fn_analysis.R``
``calculate_quartile_band`` and ``calculate_rank``): the quartiles are those of ALL LAs' values in the
latest period (R's default quantile, type 7 = numpy "linear"), not of the neighbours. For a measure where
low is good (polarity -1): A = [min, Q1], B = (Q1, Q2], C = (Q2, Q3], D = (Q3, max]. Where high is good
(+1) the bands are reversed: A = (Q3, max], B = (Q2, Q3], C = (Q1, Q2], D = [min, Q1]. So A is always
the best quartile. Neutral measures (polarity 0: counts, and rates whose direction is not a judgement)
get no band ("-"), as in LAIT. Rank: 1 = best (high-is-good ranks descending, low-is-good ascending,
ties share the lowest rank); neutral measures rank ascending (1 = lowest value).

Polarity: LAIT marks 20-week timeliness "High"; sendlib also marks £ per EHCP, the share of plans in
independent / non-maintained special schools and the independent top-ups share of high-needs spend as
low-is-good (for cost low is good; an independent place costs about 2.4 times a maintained one).
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sendlib.dfe import read as dread
from sendlib.dfe.neighbours import neighbours as _neighbours
from sendlib.errors import UsageError

KEY = ["level", "la_code", "la_name", "year"]


@dataclass(frozen=True)
class LA:
    la_code: str
    new_la_code: str
    la_name: str
    region: str


#: ONS codes that DfE's files do not carry for an LA (or carry only in some years): the unitary codes
#: of North Yorkshire and Somerset from April 2023 (DfE still uses the county codes), and both of
#: Buckinghamshire's codes (DfE's 2025 file switches between them).
ONS_ALIASES: dict[str, str] = {"E06000065": "815", "E06000066": "933", "E06000060": "825",
                               "E10000002": "825", "E10000023": "815", "E10000027": "933"}


def resolve_la(code_or_name, dfe_dir=None) -> LA:
    """An LA from its three-digit DfE code ("878"), ONS code ("E10000008") or name ("devon"),
    case-insensitive. Current LAs only (those with a count at the latest January published). Raises UsageError listing close
    matches when nothing matches."""
    las = dread.current_las(dfe_dir)
    q = str(code_or_name).strip()
    ql = q.lower()
    alias = ONS_ALIASES.get(q.upper())
    hit = las[(las["la_code"] == q.zfill(3)) if q.isdigit() else
              ((las["new_la_code"].str.lower() == ql) | (las["la_name"].str.lower() == ql)
               | (las["la_code"] == alias))]
    if len(hit) == 1:
        r = hit.iloc[0]
        return LA(str(r["la_code"]), str(r["new_la_code"]), str(r["la_name"]), str(r["region"]))
    names = las["la_name"].tolist()
    close = difflib.get_close_matches(q, names, n=5, cutoff=0.5)
    close += [n for n in names if ql and ql in n.lower() and n not in close][:5]
    if q.isdigit():
        close += [f"{c} {n}" for c, n in zip(las["la_code"], las["la_name"], strict=True) if c.startswith(q[:2])][:5]
    hint = f" Close matches: {', '.join(close[:8])}." if close else ""
    former = dread.la_lookup(dfe_dir)
    gone = former[(former["la_code"] == q.zfill(3)) | (former["la_name"].str.lower() == ql)]
    if len(gone):
        hint += (f" {gone.iloc[0]['la_name']} ({gone.iloc[0]['la_code']}) no longer exists (last January "
                 f"count {int(gone.iloc[0]['last_census'])}); use its successor authorities.")
    raise UsageError(f"unknown local authority {q!r}: give a three-digit DfE code (e.g. 878), an ONS code "
                     f"(e.g. E10000008) or a name (e.g. Devon).{hint}")


# --------------------------------------------------------------------------------------------------
# Panels: one measure for every LA, region and England, every year.
def _panel(measure: str, dfe_dir=None) -> pd.DataFrame:
    df = dread.read_all(dfe_dir)
    out = df.loc[df["measure"] == measure, KEY + ["value"]].copy()
    if out.empty:
        raise dread.DataError(f"no DfE rows for measure {measure!r}")
    # regions in the caseload files include Inner/Outer London as well as London: keep them all
    return _attach_region(out, dfe_dir)


def _attach_region(p: pd.DataFrame, dfe_dir) -> pd.DataFrame:
    lk = dread.la_lookup(dfe_dir)
    p = p.copy()
    p["region"] = p["la_code"].map(dict(zip(lk["la_code"], lk["region"], strict=True))).astype("string")
    return p


def _with_aggregates(p: pd.DataFrame) -> pd.DataFrame:
    """Add region and England rows as sums over LAs where the source has LA rows only."""
    la = p[p["level"] == "local authority"]
    have = set(p["level"])
    parts = [p]
    if "region" not in have:
        r = la.groupby(["region", "year"], as_index=False)["value"].sum(min_count=1)
        parts.append(pd.DataFrame({"level": "region", "la_code": pd.NA, "la_name": r["region"],
                                   "year": r["year"], "value": r["value"], "region": pd.NA}))
    if "national" not in have:
        n = la.groupby("year", as_index=False)["value"].sum(min_count=1)
        parts.append(pd.DataFrame({"level": "national", "la_code": pd.NA, "la_name": "England",
                                   "year": n["year"], "value": n["value"], "region": pd.NA}))
    out = pd.concat(parts, ignore_index=True)
    for c in ("level", "la_code", "la_name", "region"):
        out[c] = out[c].astype("string")
    return out


def _ratio(num: pd.DataFrame, den: pd.DataFrame, scale: float = 1.0, den_year_shift: int = 0) -> pd.DataFrame:
    """num / den * scale per LA and year; region and England ratios are sums over the LAs that have
    BOTH values (so an aggregate never mixes an LA's numerator without its denominator, e.g. Hackney and
    Peterborough's January 2024 placements, which are 'x' while their totals are published)."""
    den = den.assign(year=den["year"] - den_year_shift)
    la_n = num[num["level"] == "local authority"]
    la_d = den[den["level"] == "local authority"]
    m = la_n.merge(la_d[["la_code", "year", "value"]], on=["la_code", "year"], suffixes=("", "_den"))
    m = m[m["value"].notna() & m["value_den"].notna()]
    rows = [m.assign(value=m["value"] / m["value_den"] * scale)[KEY + ["region", "value"]]]
    for level in ("region", "national"):
        keys = ["region", "year"] if level == "region" else ["year"]
        g = m.groupby(keys, as_index=False)[["value", "value_den"]].sum()
        rows.append(pd.DataFrame({
            "level": level, "la_code": pd.NA,
            "la_name": g["region"] if level == "region" else "England", "year": g["year"],
            "region": pd.NA, "value": g["value"] / g["value_den"] * scale}))
    out = pd.concat(rows, ignore_index=True)
    for c in ("level", "la_code", "la_name", "region"):
        out[c] = out[c].astype("string")
    return out


def _growth(p: pd.DataFrame) -> pd.DataFrame:
    """Percentage change from the previous year, per entity (consecutive years only)."""
    p = p.sort_values(["level", "la_name", "year"])
    g = p.groupby(["level", "la_name"], sort=False)
    prev = g["value"].shift(1)
    prev_year = g["year"].shift(1)
    out = p.assign(value=np.where(prev_year == p["year"] - 1, (p["value"] / prev - 1) * 100, np.nan))
    return out


@dataclass(frozen=True)
class BenchmarkMeasure:
    name: str
    label: str
    unit: str
    polarity: int
    period_type: str
    source: str
    notes: tuple[str, ...]
    build: object  # callable(dfe_dir) -> panel


def _m(name):
    return lambda d: _with_aggregates(_panel(name, d))


BENCHMARK_MEASURES: dict[str, BenchmarkMeasure] = {m.name: m for m in [
    BenchmarkMeasure("ehc_plans", "EHC plans (January census)", "count", 0, "january_census",
                     "SEN2 caseload.csv ehcplans", dread.MEASURES["ehc_plans"].notes, _m("ehc_plans")),
    BenchmarkMeasure("ehc_plans_growth_pc", "Growth in EHC plans over the year to January (%)", "%", 0,
                     "january_census", "SEN2 caseload.csv ehcplans", dread.MEASURES["ehc_plans"].notes,
                     lambda d: _growth(_with_aggregates(_panel("ehc_plans", d)))),
    BenchmarkMeasure("pupils_with_ehc_plan_pc", "Pupils with an EHC plan, % of pupils (school census)", "%",
                     0, "january_census", "school census Jan 2024 ehc_plan / total_pupils",
                     ("school_census_2024",),
                     lambda d: _ratio(_with_aggregates(_panel("pupils_ehc_plan", d)),
                                      _with_aggregates(_panel("pupils_total", d)), 100)),
    BenchmarkMeasure("independent_special_share_pc",
                     "EHC plans in independent or non-maintained special schools (% of plans)", "%", -1,
                     "january_census",
                     "SEN2 caseload.csv (special_independent + special_non_maintained) / ehcplans",
                     dread.MEASURES["ehc_plans"].notes,
                     lambda d: _ratio(_inmss(d), _with_aggregates(_panel("ehc_plans", d)), 100)),
    BenchmarkMeasure("timeliness_20wk_pc", "EHC plans issued within 20 weeks, excluding exceptions (%)", "%",
                     +1, "calendar_year", "SEN2 timeliness_20_week.csv PC_plans_issued_20_weeks_ex",
                     dread.MEASURES["timeliness_20wk_pc"].notes, _m("timeliness_20wk_pc")),
    BenchmarkMeasure("requests_received", "Requests for an EHC needs assessment", "count", 0,
                     "calendar_year", "SEN2 requests.csv requests_received_in_year",
                     dread.MEASURES["requests_received"].notes, _m("requests_received")),
    BenchmarkMeasure("request_refusal_rate_pc", "Requests refused (decided not to assess), % of requests",
                     "%", 0, "calendar_year",
                     "SEN2 requests.csv requests_decided_not_to_assess / requests_received_in_year",
                     dread.MEASURES["requests_refused"].notes,
                     lambda d: _ratio(_with_aggregates(_panel("requests_refused", d)),
                                      _with_aggregates(_panel("requests_received", d)), 100)),
    BenchmarkMeasure("assessments", "EHC needs assessments", "count", 0, "calendar_year",
                     "SEN2 assessments.csv assess_in_year", dread.MEASURES["assessments"].notes,
                     _m("assessments")),
    BenchmarkMeasure("new_ehc_plans", "New EHC plans", "count", 0, "calendar_year",
                     "SEN2 newplans.csv new_ehc_plans", dread.MEASURES["new_ehc_plans"].notes,
                     _m("new_ehc_plans")),
    BenchmarkMeasure("ceased_plans", "EHC plans ceased", "count", 0, "calendar_year",
                     "SEN2 ceased_plans.csv total_ceased", dread.MEASURES["ceased_plans"].notes,
                     _m("ceased_plans")),
    BenchmarkMeasure("cost_per_ehcp_s251", "High-needs spend per EHC plan (funding-formula definition, £)",
                     "pounds", -1, "financial_year",
                     "S251 outturn FY net high-needs lines (1.0.2, 1.2.x) / EHC plans at the January "
                     "census inside the year (FY 2023-24 / January 2024)",
                     ("s251_selection", "hackney_peterborough_2024"),
                     lambda d: _ratio(_with_aggregates(_panel("s251_high_needs_net", d)),
                                      _with_aggregates(_panel("ehc_plans", d)), 1.0, den_year_shift=1)),
    BenchmarkMeasure("independent_topups_share_pc",
                     "Top-ups to non-maintained and independent providers, % of high-needs spend", "%", -1,
                     "financial_year", "S251 outturn line 1.2.3 net / high-needs net (1.0.2, 1.2.x)",
                     ("s251_selection",),
                     lambda d: _ratio(_with_aggregates(_panel("s251_topups_independent_net", d)),
                                      _with_aggregates(_panel("s251_high_needs_net", d)), 100)),
]}


#: The tidy measures (and year offsets) behind each benchmark measure: used to say why a value is
#: missing (DfE's code, e.g. "x") in the table's ``la_missing_reason``.
COMPONENTS: dict[str, tuple[tuple[str, int], ...]] = {
    "ehc_plans": (("ehc_plans", 0),),
    "ehc_plans_growth_pc": (("ehc_plans", 0), ("ehc_plans", -1)),
    "pupils_with_ehc_plan_pc": (("pupils_ehc_plan", 0), ("pupils_total", 0)),
    "independent_special_share_pc": (("caseload_special_independent", 0),
                                     ("caseload_special_non_maintained", 0), ("ehc_plans", 0)),
    "timeliness_20wk_pc": (("timeliness_20wk_pc", 0),),
    "requests_received": (("requests_received", 0),),
    "request_refusal_rate_pc": (("requests_refused", 0), ("requests_received", 0)),
    "assessments": (("assessments", 0),),
    "new_ehc_plans": (("new_ehc_plans", 0),),
    "ceased_plans": (("ceased_plans", 0),),
    "cost_per_ehcp_s251": (("s251_high_needs_net", 0), ("ehc_plans", 1)),
    "independent_topups_share_pc": (("s251_topups_independent_net", 0), ("s251_high_needs_net", 0)),
}


def _missing_reason(measure: str, la_code: str, year: int, dfe_dir) -> str:
    """DfE's missing-value codes behind a benchmark value, e.g. "x" or "blank"; "" when none recorded."""
    df = dread.read_all(dfe_dir)
    codes = []
    for comp, offset in COMPONENTS.get(measure, ()):
        r = df[(df["measure"] == comp) & (df["la_code"] == la_code) & (df["year"] == year + offset)]
        if r.empty:
            codes.append(f"{comp} {year + offset}: no row")
        else:
            codes += [f"{comp} {year + offset}: {c}" for c in r["missing_reason"].dropna()]
    return "; ".join(codes)


def _inmss(dfe_dir) -> pd.DataFrame:
    a = _with_aggregates(_panel("caseload_special_independent", dfe_dir))
    b = _with_aggregates(_panel("caseload_special_non_maintained", dfe_dir))
    m = a.merge(b[["level", "la_name", "year", "value"]], on=["level", "la_name", "year"],
                suffixes=("", "_b"))
    return m.assign(value=m["value"] + m["value_b"])[a.columns]


def measure_panel(measure: str, dfe_dir=None) -> pd.DataFrame:
    """One benchmark measure for every LA, region and England and every year: columns level, la_code,
    la_name, region, year, value."""
    if measure not in BENCHMARK_MEASURES:
        raise UsageError(f"unknown benchmark measure {measure!r}; choose from "
                         f"{', '.join(BENCHMARK_MEASURES)}")
    return _measure_panel_cached(measure, str(dread.resolve_dfe_dir(dfe_dir))).copy()


@functools.lru_cache(maxsize=64)
def _measure_panel_cached(measure: str, root: str) -> pd.DataFrame:
    p = BENCHMARK_MEASURES[measure].build(root)
    p = _attach_region(p.drop(columns=["region"]), root)
    return p.sort_values(["level", "la_name", "year"]).reset_index(drop=True)[
        ["level", "la_code", "la_name", "region", "year", "value"]]


def period_label(year: int, period_type: str) -> str:
    if period_type == "january_census":
        return f"Jan {year}"
    if period_type == "financial_year":
        return f"{year}-{(year + 1) % 100:02d}"
    return str(year)


# --------------------------------------------------------------------------------------------------
def quartile_band(value: float, all_values, polarity: int) -> str:
    """LAIT's quartile band of ``value`` among ``all_values`` (see module docstring). NaN -> "" ;
    polarity 0 -> "-"."""
    if polarity == 0:
        return "-"
    if value is None or not np.isfinite(value):
        return ""
    v = np.asarray(all_values, dtype="float64")
    v = v[np.isfinite(v)]
    q0, q1, q2, q3, q4 = np.quantile(v, [0, 0.25, 0.5, 0.75, 1.0])  # numpy "linear" = R type 7
    if value <= q1:
        low_band = "A"
    elif value <= q2:
        low_band = "B"
    elif value <= q3:
        low_band = "C"
    else:
        low_band = "D"
    return low_band if polarity < 0 else {"A": "D", "B": "C", "C": "B", "D": "A"}[low_band]


def national_rank(value: float, all_values, polarity: int) -> float:
    """1 = best: descending for high-is-good, ascending otherwise; ties take the lowest rank ("min")."""
    if value is None or not np.isfinite(value):
        return np.nan
    v = np.asarray(all_values, dtype="float64")
    v = v[np.isfinite(v)]
    better = (v > value).sum() if polarity > 0 else (v < value).sum()
    return float(better + 1)


def benchmark_table(la, dfe_dir=None, neighbours: str = "2025") -> pd.DataFrame:
    """The banded benchmark table for ``la`` (code, ONS code or name): one row per measure.

    Columns: measure, label, unit, polarity, period (latest period of the measure), la_value,
    previous_value, change, trend, neighbours_median, neighbours_q1, neighbours_q3, neighbours_n
    (neighbours with a value), region, region_value, england_value, rank, rank_of, band (A-D, "-" for
    neutral, "" if the LA has no value), la_missing_reason (why the LA has no value: DfE's code per
    source figure, e.g. "timeliness_20wk_pc 2024: x"), source, notes. Values in the measure's unit.
    """
    info = resolve_la(la, dfe_dir)
    sn = _neighbours(info.la_code, neighbours, dfe_dir)
    current = set(dread.current_las(dfe_dir)["la_code"])
    rows = []
    for m in BENCHMARK_MEASURES.values():
        p = measure_panel(m.name, dfe_dir)
        la_rows = p[(p["level"] == "local authority") & p["la_code"].isin(current)]
        year = int(la_rows.loc[la_rows["value"].notna(), "year"].max())
        latest = la_rows[la_rows["year"] == year]
        vals = latest["value"].to_numpy()
        own = p[(p["la_code"] == info.la_code)].set_index("year")["value"]
        v = float(own.get(year, np.nan))
        prev = float(own.get(year - 1, np.nan))
        nb = latest[latest["la_code"].isin(sn)]["value"].dropna()
        reg = p[(p["level"] == "region") & (p["la_name"] == info.region) & (p["year"] == year)]["value"]
        eng = p[(p["level"] == "national") & (p["year"] == year)]["value"]
        change = v - prev
        rows.append({
            "measure": m.name, "label": m.label, "unit": m.unit, "polarity": m.polarity,
            "period": period_label(year, m.period_type), "la_value": v, "previous_value": prev,
            "change": change,
            "trend": ("" if not np.isfinite(change) else "Increase" if change > 0 else
                      "Decrease" if change < 0 else "No change"),
            "neighbours_median": float(nb.median()) if len(nb) else np.nan,
            "neighbours_q1": float(nb.quantile(0.25)) if len(nb) else np.nan,
            "neighbours_q3": float(nb.quantile(0.75)) if len(nb) else np.nan,
            "neighbours_n": int(len(nb)),
            "region": info.region,
            "region_value": float(reg.iloc[0]) if len(reg) else np.nan,
            "england_value": float(eng.iloc[0]) if len(eng) else np.nan,
            "rank": national_rank(v, vals, m.polarity),
            "rank_of": int(np.isfinite(vals).sum()),
            "band": quartile_band(v, vals, m.polarity),
            "la_missing_reason": "" if np.isfinite(v) else _missing_reason(m.name, info.la_code, year, dfe_dir),
            "source": m.source,
            "notes": " ".join(dread.NOTES[k] for k in m.notes),
        })
    out = pd.DataFrame(rows)
    out.attrs.update({"la_code": info.la_code, "la_name": info.la_name, "neighbours": sn,
                      "neighbour_list": neighbours})
    return out


def neighbour_series(la, measure: str, dfe_dir=None, neighbours: str = "2025") -> pd.DataFrame:
    """One measure over time for the LA, each neighbour, the neighbours' median, the region and England.

    Long format, ready for small multiples: year, period, series ("LA", "neighbour",
    "neighbours median", "region", "England"), la_code, la_name, value.
    """
    info = resolve_la(la, dfe_dir)
    sn = _neighbours(info.la_code, neighbours, dfe_dir)
    m = BENCHMARK_MEASURES.get(measure)
    p = measure_panel(measure, dfe_dir)
    la_p = p[p["level"] == "local authority"]
    own = la_p[la_p["la_code"] == info.la_code].assign(series="LA")
    nb = la_p[la_p["la_code"].isin(sn)].assign(series="neighbour")
    med = nb.groupby("year", as_index=False)["value"].median().assign(
        series="neighbours median", la_code=pd.NA, la_name="Statistical neighbours (median)")
    reg = p[(p["level"] == "region") & (p["la_name"] == info.region)].assign(series="region")
    eng = p[p["level"] == "national"].assign(series="England")
    out = pd.concat([own, nb, med, reg, eng], ignore_index=True)
    out["period"] = [period_label(int(y), m.period_type) for y in out["year"]]
    out = out[["year", "period", "series", "la_code", "la_name", "value"]]
    order = {"LA": 0, "neighbour": 1, "neighbours median": 2, "region": 3, "England": 4}
    out = out.assign(_o=out["series"].map(order)).sort_values(["_o", "la_name", "year"]).drop(columns="_o")
    return out.reset_index(drop=True)


def sen2_january_counts(la, dfe_dir=None, long_series: bool = False) -> pd.Series:
    """The LA's official January census (SEN2) EHC plan counts, for reconciling with its own month-end
    MI counts (compare with the MI count at :func:`sendlib.periods.census_date`, 31 January).

    Index: the census month end (31 January of each year, datetime64); values: counts (float). 2019
    onwards from the latest release in the folder; with ``long_series`` also January 2010-2018 from the 2022 release
    (statements + EHC plans: a series break, see ``sendlib.dfe.NOTES['statements_to_ehcp']``).
    """
    from sendlib.dfe import january_caseload_history
    from sendlib.periods import census_date

    info = resolve_la(la, dfe_dir)
    hist = january_caseload_history(dfe_dir).loc[info.la_code].dropna()
    if not long_series:
        hist = hist[hist.index >= 2019]
    out = pd.Series(hist.to_numpy(dtype="float64"),
                    index=pd.DatetimeIndex([census_date(int(y)) for y in hist.index], name="census"),
                    name="sen2_ehc_plans")
    return out


def neighbour_panels(la, measures=None, dfe_dir=None, neighbours: str = "2025") -> pd.DataFrame:
    """:func:`neighbour_series` for several measures stacked (default: every benchmark measure with
    more than one period), with ``measure``, ``label`` and ``unit`` columns: one small multiple per
    measure, e.g. ``plots.small_multiples(frame, x="year", y="value", panel="label", group="la_name")``.
    """
    if measures is None:
        measures = [m for m in BENCHMARK_MEASURES
                    if measure_panel(m, dfe_dir)["year"].nunique() > 1]
    parts = []
    for name in measures:
        s = neighbour_series(la, name, dfe_dir, neighbours)
        m = BENCHMARK_MEASURES[name]
        parts.append(s.assign(measure=name, label=m.label, unit=m.unit))
    return pd.concat(parts, ignore_index=True)
