"""DfE public-data loaders against figures DfE published, plus parsing edge cases
on tiny synthetic files written at test time."""

from __future__ import annotations

import os

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendlib import dfe
from sendlib.dfe import read as dread
from sendlib.errors import DataError


@pytest.fixture(scope="module")
def tidy(dfe_dir):
    return dfe.read_all(dfe_dir)


def value(tidy, measure, year, la_code=None, level="local authority"):
    if la_code is None:
        level = "national"
    rows = tidy[(tidy["measure"] == measure) & (tidy["year"] == year) & (tidy["level"] == level)]
    if la_code is not None:
        rows = rows[rows["la_code"] == la_code]
    assert len(rows) == 1, (measure, year, la_code, len(rows))
    return rows["value"].iloc[0]


def test_tidy_columns_and_dtypes(tidy):
    assert list(tidy.columns) == dread.TIDY_COLUMNS
    assert str(tidy["value"].dtype) == "float64"
    assert str(tidy["period"].dtype) == "datetime64[ns]"
    assert set(tidy["level"].unique()) == {"local authority", "region", "national"}
    la = tidy[tidy["level"] == "local authority"]
    assert la["la_code"].str.fullmatch(r"\d{3}").all()
    assert tidy.loc[tidy["level"] != "local authority", "la_code"].isna().all()
    # a value and a missing reason never both (and never neither)
    assert (tidy["value"].isna() == tidy["missing_reason"].notna()).all()
    assert set(tidy["missing_reason"].dropna().unique()) <= set(dread.MISSING_CODES) | {"blank"}


@pytest.mark.parametrize("year,expected", [
    (2019, 353_995), (2020, 390_109), (2021, 430_697), (2022, 473_255), (2023, 517_048),
    (2024, 576_474), (2025, 638_745),
])
def test_england_plans_at_january(tidy, year, expected):
    assert value(tidy, "ehc_plans", year) == expected


def test_england_timeliness_excluding_exceptions(tidy):
    assert value(tidy, "timeliness_20wk_pc", 2024) == pytest.approx(46.4)
    for y, v in {2019: 60.4, 2022: 49.2, 2023: 50.3}.items():
        assert value(tidy, "timeliness_20wk_pc", y) == pytest.approx(v)
    # the published % agrees with its numerator / denominator: 39,407 / 84,866 = 46.43%
    num = value(tidy, "plans_issued_20wk_ex", 2024)
    den = value(tidy, "plans_issued_ex", 2024)
    assert round(num / den * 100, 1) == 46.4


def test_devon_series(tidy):
    devon = {2019: 5162, 2020: 6474, 2021: 7295, 2022: 7926, 2023: 8400, 2024: 8873, 2025: 9848}
    for y, v in devon.items():
        assert value(tidy, "ehc_plans", y, "878") == v
    assert value(tidy, "caseload_special_independent", 2019, "878") == 230
    assert value(tidy, "caseload_special_independent", 2024, "878") == 754
    assert value(tidy, "caseload_special_independent", 2025, "878") == 863
    tl = {2019: 32.1, 2020: 54.5, 2021: 38.8, 2022: 11.8, 2023: 4.9, 2024: 3.2}
    for y, v in tl.items():
        assert value(tidy, "timeliness_20wk_pc", y, "878") == pytest.approx(v)
    for y, v in {2019: 1666, 2022: 2017, 2023: 2148, 2024: 2265}.items():
        assert value(tidy, "requests_received", y, "878") == v
    for y, v in {2019: 1435, 2022: 932, 2023: 1101, 2024: 1491}.items():
        assert value(tidy, "new_ehc_plans", y, "878") == v


def test_devon_identity_and_periods(tidy):
    r = tidy[(tidy["measure"] == "ehc_plans") & (tidy["la_code"] == "878") & (tidy["year"] == 2025)].iloc[0]
    assert (r["new_la_code"], r["la_name"], r["region"]) == ("E10000008", "Devon", "South West")
    assert r["period"] == pd.Timestamp("2025-01-31") and r["period_type"] == "january_census"
    t = tidy[(tidy["measure"] == "requests_received") & (tidy["la_code"] == "878") & (tidy["year"] == 2024)]
    assert t["period"].iloc[0] == pd.Timestamp("2024-12-31") and t["period_type"].iloc[0] == "calendar_year"
    s = tidy[(tidy["measure"] == "s251_1_2_3_net") & (tidy["la_code"] == "878")]
    assert s["period"].iloc[0] == pd.Timestamp("2024-03-31") and s["year"].iloc[0] == 2023


def test_long_series_2022_release(tidy):
    # Devon statements + EHC plans, January 2010 (2022 release, Total_all) and the splice at 2019
    assert value(tidy, "plans_and_statements", 2010, "878") == 3418
    assert value(tidy, "plans_and_statements", 2018, "878") == 3744
    assert value(tidy, "plans_and_statements", 2022, "878") == 7926  # equals the 2025 release
    assert value(tidy, "plans_and_statements", 2018) == 312_626
    assert value(tidy, "mi_noexc20weekrate", 2019, "878") == pytest.approx(32.1)
    z = tidy[(tidy["measure"] == "caseload2022_statements") & (tidy["year"] == 2022)]
    assert (z["missing_reason"] == "z").all()  # statements no longer exist: "not applicable"


def test_january_history_splice(dfe_dir):
    h = dfe.january_caseload_history(dfe_dir)
    assert list(h.columns) == list(range(2010, 2026))
    assert h.loc["878", 2018] == 3744 and h.loc["878", 2019] == 5162
    assert np.isnan(h.loc["909", 2024]) and h.loc["942", 2024] > 0  # Cumbria -> Cumberland


def test_missing_kinds_are_kept(tidy):
    reasons = tidy.groupby("missing_reason").size()
    assert reasons.get("x", 0) > 0 and reasons.get("z", 0) > 0 and reasons.get("blank", 0) > 0
    # requests decided-to-assess was not collected before the person-level SEN2 (2023): "x"
    r = tidy[(tidy["measure"] == "requests_requests_decided_to_assess") & (tidy["level"] == "national")]
    assert r.set_index("year").loc[2022, "missing_reason"] == "x"
    assert r.set_index("year").loc[2024, "value"] == 101_045


def test_s251_and_census(tidy):
    assert value(tidy, "s251_1_2_3_gross", 2023, "878") == 55_751_190
    assert value(tidy, "s251_topups_independent_net", 2023, "878") == 55_057_405
    # high-needs net = 1.0.2 + 1.2.1 ... 1.2.13 (Devon, from the file's lines, summed by hand):
    # 12,779,087 + 29,424,885 + 28,639,526 + 55,057,405 + 1,450,675 + 4,702,506 + 669,423
    # + 7,475,435 + 1,292,080 + 0 + 0 + 1,365,080 + 766,124 = 143,622,226
    assert value(tidy, "s251_high_needs_net", 2023, "878") == 143_622_226
    assert value(tidy, "pupils_total", 2024, "878") == 107_924
    assert value(tidy, "pupils_ehc_plan", 2024, "878") == 6_421


def test_neighbours(dfe_dir):
    names = dict(zip(dfe.la_lookup(dfe_dir)["la_code"], dfe.la_lookup(dfe_dir)["la_name"], strict=True))
    got = [names[c] for c in dfe.neighbours("878", dfe_dir=dfe_dir)]
    assert got == ["East Sussex", "Dorset", "Norfolk", "Kent", "Somerset", "Suffolk", "West Sussex",
                   "Derbyshire", "Essex", "Worcestershire"]
    t = dfe.neighbour_table("2025", dfe_dir)
    assert (t.groupby("la_code").size() == 10).all() and (t["version"] == "2025-05").all()
    if not (dfe_dir / "lait" / "sn_april_2021.xlsx").is_file():  # only the 2025 list is in the shared folder
        with pytest.raises(DataError, match="April 2021 statistical-neighbour list is not in the DfE folder"):
            dfe.neighbour_table("2021", dfe_dir)


def test_current_las(dfe_dir):
    cur = dfe.current_las(dfe_dir)
    assert len(cur) == 153
    assert "909" not in set(cur["la_code"]) and {"942", "943"} <= set(cur["la_code"])


# ---------- tiny synthetic files (written at test time) ----------------------------------------------
HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
          "region_name,new_la_code,old_la_code,la_name,breakdown_topic,breakdown,ehcplans,special_independent")


def write_release(tmp_path, rows):
    d = tmp_path / "dfe" / "ehcp-2025" / "data"
    d.mkdir(parents=True)
    (d / "caseload.csv").write_bytes(("\ufeff" + HEADER + "\n" + "\n".join(rows) + "\n").encode("utf-8"))
    return d / "caseload.csv"


def test_bom_headline_and_codes_on_a_tiny_file(tmp_path):
    path = write_release(tmp_path, [
        "202425,Academic year,National,E92000001,England,,,,,,All EHC plans,All EHC plans,100,c",
        "202425,Academic year,Local authority,E92000001,England,E12000009,South West,E1,878,Devon,"
        "All EHC plans,All EHC plans,\"1,234\",~",
        "202425,Academic year,Local authority,E92000001,England,E12000009,South West,E1,878,Devon,"
        "Sex,Female,500,..",
    ])
    t = dread._tidy_release_file(path, dread.FILES_2025["caseload"])
    assert len(t) == 4  # two headline rows x two value columns; the "Sex" breakdown row is not read
    devon = t[t["la_code"] == "878"].set_index("measure")
    assert devon.loc["ehc_plans", "value"] == 1234
    assert devon.loc["caseload_special_independent", "missing_reason"] == "~"
    eng = t[t["level"] == "national"].set_index("measure")
    assert eng.loc["caseload_special_independent", "missing_reason"] == "c"
    assert eng.loc["ehc_plans", "la_name"] == "England"


def test_bad_cell_names_file_row_and_column(tmp_path):
    path = write_release(tmp_path, [
        "202425,Academic year,Local authority,E92000001,England,E12000009,South West,E1,878,Devon,"
        "All EHC plans,All EHC plans,12a,3",
    ])
    with pytest.raises(DataError, match=r"caseload\.csv: row 2 column 'ehcplans': value '12a'"):
        dread._tidy_release_file(path, dread.FILES_2025["caseload"])


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        dread.resolve_dfe_dir(tmp_path / "nope")


def test_hypothesis_ci_profile():
    """tests/conftest.py registers a derandomized "ci" profile and loads it under CI=true, so a property
    test's examples are the same on every CI run."""
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None and ci.deadline is None
    if os.environ.get("CI", "").lower() == "true":
        assert settings().derandomize and settings().database is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(-10**9, 10**9).map(str),
                          st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.3f}"),
                          st.sampled_from(list(dread.MISSING_CODES) + [""])), min_size=1, max_size=30))
def test_parse_values_property(cells):
    values, reason = dread.parse_values(pd.Series(cells, dtype="string"), path="x.csv", column="c")
    for cell, v, r in zip(cells, values, reason, strict=True):
        if cell in dread.MISSING_CODES:
            assert np.isnan(v) and r == cell
        elif cell == "":
            assert np.isnan(v) and r == "blank"
        else:
            assert v == pytest.approx(float(cell)) and pd.isna(r)


def test_measure_catalogue(dfe_dir):
    cat = dfe.measure_catalogue(dfe_dir)
    assert cat["measure"].is_unique and cat["measure"].str.fullmatch(r"[a-z0-9_]+").all()
    assert set(cat["polarity"]) <= {-1, 0, 1} and set(cat["unit"]) <= {"count", "%", "pounds"}
    assert (cat["label"].str.len() > 0).all()
    row = cat.set_index("measure").loc["timeliness_20wk_pc"]
    assert row["polarity"] == 1 and "covid_2020" in row["notes"] and "COVID-19" in row["note_text"]
    assert "Cumbria" in cat.set_index("measure").loc["ehc_plans", "note_text"]
    assert "Hackney" in cat.set_index("measure").loc["ehc_plans", "note_text"]
    # labels come from DfE's data guidance for columns without a named measure
    assert cat.set_index("measure").loc["ceased_max_age", "label"] == "Number where maximum age reached"


def test_headline_caseload_against_duckdb(dfe_dir, tidy):
    """Independent read of caseload.csv with duckdb SQL: every LA's headline count in every year."""
    path = str(dfe_dir / "ehcp-2025" / "data" / "caseload.csv")
    sql = f"""
        SELECT old_la_code AS la_code, CAST(substr(time_period, 1, 4) AS INTEGER) + 1 AS year,
               CAST(ehcplans AS DOUBLE) AS value
        FROM read_csv('{path}', all_varchar = true, header = true)
        WHERE geographic_level = 'Local authority' AND breakdown_topic = 'All EHC plans'
    """
    ref = duckdb.sql(sql).df().sort_values(["la_code", "year"]).reset_index(drop=True)
    ours = tidy[(tidy["measure"] == "ehc_plans") & (tidy["level"] == "local authority")]
    ours = ours[["la_code", "year", "value"]].sort_values(["la_code", "year"]).reset_index(drop=True)
    assert len(ref) == len(ours) > 1000  # ~152 LAs x 7 Januaries
    assert (ref["la_code"].astype(str).to_numpy() == ours["la_code"].astype(str).to_numpy()).all()
    assert (ref["year"].to_numpy() == ours["year"].to_numpy()).all()
    assert np.allclose(ref["value"].to_numpy(), ours["value"].to_numpy())
    # LAs sum to England's published count every January
    sums = ours.groupby("year")["value"].sum()
    eng = tidy[(tidy["measure"] == "ehc_plans") & (tidy["level"] == "national")].set_index("year")["value"]
    assert (sums == eng.reindex(sums.index)).all()


def test_neighbour_sheet_without_header_is_a_clear_error(tmp_path):
    folder = tmp_path / "dfe" / "lait"
    folder.mkdir(parents=True)
    pd.DataFrame({"a": ["junk"], "b": ["more junk"]}).to_excel(folder / "sn_may_2025.xlsx",
                                                                 sheet_name="LA SN Groups", index=False)
    with pytest.raises(DataError, match="no header row starting 'LA num'"):
        dfe.neighbour_table("2025", tmp_path / "dfe")
