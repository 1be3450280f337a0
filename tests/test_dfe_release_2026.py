"""DfE's 2026 "Education, health and care plans" release: its caseload layout (61 columns, special academies
and special free schools apart) reads into the same measures as the 2025 layout (60 columns); the latest
release in the folder is the one read; ``fetch-dfe --release 2026`` over real HTTP on 127.0.0.1.

The 2026 files here are fixtures built at test time in DfE's 2026 layout, with numbers of our own (and, for
the whole-folder test, the 2025 release's numbers re-laid out); nothing is copied into the repository."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sendlib import dfe
from sendlib.cli import main
from sendlib.dfe import fetch, releases
from sendlib.dfe import read as dread
from sendlib.errors import DataError

# DfE's 2025 caseload.csv header (60 columns)
HEADER_2025 = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
    "new_la_code,old_la_code,la_name,breakdown_topic,breakdown,ehcplans,mainstream_la_maintained,"
    "mainstream_la_maintained_resourced_provision,mainstream_la_maintained_senunit,mainstream_academy,"
    "mainstream_academy_resourced_provision,mainstream_academy_senunit,mainstream_free_school,"
    "mainstream_free_school_resourced_provision,mainstream_free_school_senunit,mainstream_independent,"
    "mainstream_total,mainstream_total_pc,special_la_maintained,special_academy_free,special_independent,"
    "special_non_maintained,special_total,special_total_pc,ap_pru_academy,ap_pru_free_school,"
    "ap_pru_la_maintained,ap_pru_total,AP_PRU_total_pc,general_fe_tertiary_colleges,"
    "specialist_post_16_institutions,ukrlp_provider,fe_total,fe_total_pc,elective_home_education,"
    "other_arrangements_la,other_arrangements_parents,online_provider,w_settings,other_schools,"
    "other_placement_settings,neet,neet_ntci,neet_other,neet_other_csa,ed_elsewhere,ed_elsewhere_pc,"
    "nm_early_years,nm_early_years_pc,placement_unknown,placement_unknown_pc,await_prov_2022,perm_ex_2022"
).split(",")
HEADER_2026 = [c for h in HEADER_2025 for c in
               (["special_academy", "special_free_school"] if h == "special_academy_free" else [h])]

ID = 12  # the first 12 columns are identifiers


def _row(tp, level, code, name, values: dict) -> dict:
    """A headline row: identifiers plus value columns (every other value column gets a number of its own)."""
    ids = {"time_period": tp, "time_identifier": "Academic year", "geographic_level": level,
           "country_code": "E92000001", "country_name": "England",
           "region_code": "" if level == "National" else "E12000009",
           "region_name": "" if level == "National" else "South West",
           "new_la_code": "" if level == "National" else f"E0{code}", "old_la_code": code,
           "la_name": name, "breakdown_topic": "All EHC plans", "breakdown": "All EHC plans"}
    return ids | values


# The same numbers in both layouts. special_academy_free (2025) = special_academy + special_free_school
# (2026):  row 1: 40 + 20 = 60;  row 2: "c" + 7 -> "c" (suppressed: the sum is unknown);  row 3: 15 + "z"
# -> 15 ("z" not applicable counts as nothing);  row 4: "x" + "x" -> "x".
SPLITS = [("60", "40", "20"), ("c", "c", "7"), ("15", "15", "z"), ("x", "x", "x")]
ROWS = [("202526", "National", "", "England"), ("202526", "Local authority", "878", "Devon"),
        ("202425", "Local authority", "878", "Devon"), ("202526", "Local authority", "879", "Plymouth")]


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    old, new = [], []
    for i, ((tp, level, code, name), (both, acad, free)) in enumerate(zip(ROWS, SPLITS, strict=True)):
        common = {c: str(100 * (i + 1) + j) for j, c in enumerate(HEADER_2025[ID:])}
        common["special_independent"] = "c" if i == 3 else common["special_independent"]
        old.append(_row(tp, level, code, name, common | {"special_academy_free": both}))
        rest = {k: v for k, v in common.items() if k != "special_academy_free"}
        new.append(_row(tp, level, code, name, rest | {"special_academy": acad, "special_free_school": free}))
    return pd.DataFrame(old)[HEADER_2025], pd.DataFrame(new)[HEADER_2026]


def _write(df: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" + df.to_csv(index=False, lineterminator="\n")).encode("utf-8"))
    return path


def test_headers_as_published():
    assert len(HEADER_2025) == 60 and len(HEADER_2026) == 61
    i = HEADER_2026.index("special_academy")
    assert HEADER_2026[i - 1] == "special_la_maintained" and HEADER_2026[i + 1] == "special_free_school"
    assert HEADER_2026[i + 2] == "special_independent"


def test_2026_layout_reads_into_the_2025_measures(tmp_path):
    old_df, new_df = _frames()
    spec = dread.FILES_2025["caseload"]
    old = dread._tidy_release_file(_write(old_df, tmp_path / "ehcp-2025/data/caseload.csv"), spec)
    new = dread._tidy_release_file(_write(new_df, tmp_path / "ehcp-2026/data/caseload.csv"),
                                   releases.release_files(2026)["caseload"])
    # every 2025 measure is in the 2026 table; the only extra ones are the two split columns
    assert set(new["measure"]) - set(old["measure"]) == {"caseload_special_academy",
                                                          "caseload_special_free_school"}
    assert set(old["measure"]) <= set(new["measure"])
    key = ["measure", "level", "la_code", "year"]
    a = old.sort_values(key).reset_index(drop=True)
    b = new[new["measure"].isin(set(old["measure"]))].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # the combined column, row by row (see SPLITS)
    acf_all = b[b["measure"] == "caseload_special_academy_free"]
    assert acf_all.loc[acf_all["level"] == "national", "value"].tolist() == [60]  # England 2026: 40 + 20
    acf = acf_all[acf_all["level"] == "local authority"].set_index(["la_code", "year"])
    assert acf.loc[("878", 2026), "missing_reason"] == "c" and np.isnan(acf.loc[("878", 2026), "value"])
    assert acf.loc[("878", 2025), "value"] == 15 and pd.isna(acf.loc[("878", 2025), "missing_reason"])
    assert acf.loc[("879", 2026), "missing_reason"] == "x"
    # the split columns are kept with their own missing codes
    ac = new[(new["measure"] == "caseload_special_academy") & (new["la_code"] == "878")].set_index("year")
    assert ac.loc[2026, "missing_reason"] == "c" and ac.loc[2025, "value"] == 15
    # independent-special and special-school counts are the same columns in both layouts
    for m in ("caseload_special_independent", "caseload_special_total", "ehc_plans"):
        assert (a.loc[a["measure"] == m, "value"].fillna(-1).to_numpy()
                == b.loc[b["measure"] == m, "value"].fillna(-1).to_numpy()).all()


def test_half_split_layout_is_a_clear_error(tmp_path):
    _, new_df = _frames()
    path = _write(new_df.drop(columns=["special_free_school"]), tmp_path / "ehcp-2026/data/caseload.csv")
    with pytest.raises(DataError, match=r"caseload\.csv: column 'special_academy' without 'special_free_school'"):
        dread._tidy_release_file(path, releases.release_files(2026)["caseload"])


def test_latest_release(tmp_path):
    root = tmp_path / "dfe"
    with pytest.raises(DataError, match="no 'Education, health and care plans' release"):
        root.mkdir()
        dfe.latest_release(root)
    for year in (2022, 2025, 2026):
        _write(_frames()[0], root / f"ehcp-{year}" / "data" / "caseload.csv")
    (root / "ehcp-2027" / "data").mkdir(parents=True)  # no caseload.csv: not a release
    assert dfe.latest_release(root) == 2026


def _relayout_2025_as_2026(src: Path, dest: Path, add_january_2026: bool) -> pd.DataFrame:
    """The 2025 release's caseload.csv in the 2026 layout: special_academy_free split as
    special_academy = v - v // 3 and special_free_school = v // 3 (codes copied to both); with
    ``add_january_2026``, the headline rows again with time_period 202526 (the same numbers)."""
    raw = pd.read_csv(src, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    v = pd.to_numeric(raw["special_academy_free"], errors="coerce")
    third = (v // 3).astype("Int64").astype("string")
    raw["special_academy"] = (v - v // 3).astype("Int64").astype("string").fillna(raw["special_academy_free"])
    raw["special_free_school"] = third.fillna(raw["special_academy_free"])
    out = raw[HEADER_2026]
    if add_january_2026:
        head = out[(out["breakdown_topic"] == "All EHC plans") & (out["time_period"] == "202425")]
        out = pd.concat([out, head.assign(time_period="202526")], ignore_index=True)
    _write(out, dest)
    return out


@pytest.fixture(scope="module")
def folder_2026(tmp_path_factory, dfe_dir):
    """A DfE folder holding the shared files (linked) plus an ehcp-2026 release: the 2025 caseload re-laid
    out in the 2026 layout with a January 2026 equal to January 2025; the other files linked from 2025."""
    root = tmp_path_factory.mktemp("dfe2026")
    for name in ("ehcp-2022", "ehcp-2025", "finance", "other", "lait"):
        if (dfe_dir / name).exists():
            (root / name).symlink_to(dfe_dir / name)
    data = root / "ehcp-2026" / "data"
    data.mkdir(parents=True)
    for f in (dfe_dir / "ehcp-2025" / "data").iterdir():
        if f.name != "caseload.csv":
            (data / f.name).symlink_to(f)
    _relayout_2025_as_2026(dfe_dir / "ehcp-2025" / "data" / "caseload.csv", data / "caseload.csv", True)
    return root


def test_latest_release_is_what_history_lookup_and_benchmark_read(folder_2026, dfe_dir):
    from sendlib import benchmark
    from sendlib.dfe.caseload_forecast import forecast_next_january

    assert dfe.latest_release(folder_2026) == 2026
    h25 = dfe.january_caseload_history(dfe_dir)
    h26 = dfe.january_caseload_history(folder_2026)
    assert list(h26.columns) == list(range(2010, 2027))
    pd.testing.assert_frame_equal(h26[list(h25.columns)], h25)
    cur = h25[2025].dropna()
    assert (h26.loc[cur.index, 2026] == cur).all()  # January 2026 = January 2025 by construction
    lk = dfe.la_lookup(folder_2026)
    assert lk["last_census"].max() == 2026 and len(dfe.current_las(folder_2026)) == 153
    # the split column sums back to the 2025 release's special_academy_free, every row
    t25 = dfe.read_release(dfe_dir)
    t26 = dfe.read_release(folder_2026)
    m = "caseload_special_academy_free"
    a = t25[t25["measure"] == m].set_index(["level", "la_code", "la_name", "year"])["value"]
    b = t26[(t26["measure"] == m) & (t26["year"] <= 2025)].set_index(["level", "la_code", "la_name", "year"])["value"]
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index())
    # the benchmark's independent-special share for January 2026 is January 2025's (same numbers)
    t = benchmark.benchmark_table("878", folder_2026).set_index("measure")
    assert t.loc["independent_special_share_pc", "period"] == "Jan 2026"
    assert t.loc["independent_special_share_pc", "la_value"] == pytest.approx(
        t.loc["independent_special_share_pc", "previous_value"])
    assert forecast_next_january("878", folder_2026)["year"] == 2027


# --- fetch-dfe --release 2026 over real HTTP ----------------------------------------------------------
@pytest.fixture()
def served_2026(tmp_path):
    """EES's content API on 127.0.0.1: the release description (JSON with the release-version id) and
    that version's 'download all data' zip holding a 2026-layout caseload.csv."""
    from tests.test_dfe_fetch import _serve

    root = tmp_path / "server"
    api = root / "api"
    desc = api / "publications" / "education-health-and-care-plans" / "releases" / "2026"
    desc.parent.mkdir(parents=True)
    desc.write_text(json.dumps({"id": "rv-2026", "slug": "2026", "title": "Reporting year 2026"}))
    csv = _write(_frames()[1], tmp_path / "zipsrc" / "caseload.csv")
    (api / "releases" / "rv-2026").mkdir(parents=True)
    with zipfile.ZipFile(api / "releases" / "rv-2026" / "files", "w") as zf:
        zf.write(csv, "data/caseload.csv")
        zf.writestr("data-guidance/data-guidance.txt", "Filename: caseload.csv\n")
    yield from _serve(root)


def test_fetch_release_2026_from_the_content_api(served_2026, tmp_path, monkeypatch, capsys):
    base, root = served_2026
    monkeypatch.setattr(fetch, "EES_CONTENT_API", f"{base}/api")
    out = tmp_path / "public"
    rc = main(["fetch-dfe", "--release", "2026", "--out", str(out), "--files",
               "data/caseload.csv,data-guidance/data-guidance.txt", "--quiet"])
    assert rc == 0, capsys.readouterr().err
    got = out / "ehcp-2026" / "data" / "caseload.csv"
    assert got.read_bytes() == (tmp_path / "zipsrc" / "caseload.csv").read_bytes()
    manifest = json.loads((out / "ehcp-2026" / "MANIFEST.json").read_text())
    assert manifest["data/caseload.csv"]["url"] == f"{base}/api/releases/rv-2026/files"
    assert dfe.latest_release(out) == 2026
    assert len(pd.read_csv(got, encoding="utf-8-sig", dtype=str, nrows=1).columns) == 61


def test_fetch_release_2026_unknown_release_is_a_clear_error(tmp_path, monkeypatch, capsys):
    from tests.test_dfe_fetch import _serve

    gen = _serve(tmp_path)  # an empty server: the content API answers 404
    base, _ = next(gen)
    try:
        monkeypatch.setattr(fetch, "EES_CONTENT_API", f"{base}/api")
        assert main(["fetch-dfe", "--release", "2026", "--out", str(tmp_path / "o"), "--quiet"]) == 1
        err = capsys.readouterr().err
        assert "has no release at" in err and "HTTP 404" in err and "Traceback" not in err
    finally:
        gen.close()
