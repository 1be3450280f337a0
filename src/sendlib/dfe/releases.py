"""DfE's "Education, health and care plans" releases: which files and rows are read, the latest release
in the DfE folder, and the tables built from them (LA lookup, January caseload history).

Person-level releases (2023 onwards) sit in ``<DfE folder>/ehcp-<year>/data/`` with the same file names;
:func:`latest_release` is the newest one present and is what :func:`read_release`, :func:`la_lookup`
and :func:`january_caseload_history` read by default.

Caseload layouts: the 2025 release's ``caseload.csv`` has 60 columns with one ``special_academy_free``
column (special academies and free schools); the 2026 release's has 61, splitting it into
``special_academy`` and ``special_free_school``. Both read into the same measures: for the 2026 layout
``caseload_special_academy_free`` is the sum of the two (kept as well, as ``caseload_special_academy``
and ``caseload_special_free_school``). In that sum a ``z`` (not applicable) counts as nothing beside a
number; any other missing code makes the sum missing with that code.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sendlib.dfe.parse import ID_COLUMNS, _decode_periods, _file, _finish, _melt, read_raw, resolve_dfe_dir
from sendlib.errors import DataError


# --------------------------------------------------------------------------------------------------
# File specifications: which rows are headline rows, how columns become measures.
@dataclass(frozen=True)
class FileSpec:
    path: str  # relative to the DfE folder
    prefix: str
    headline: str | None  # breakdown_topic of the headline rows (None: no breakdowns)
    rename: dict
    period_type: str


RELEASE_2025 = "ehcp-2025/data"
RELEASE_2022 = "ehcp-2022/data"
FIRST_PERSON_LEVEL_RELEASE = 2023
SPLIT_2026 = ("special_academy", "special_free_school")  # the 2026 layout's split of special_academy_free

FILES_2025: dict[str, FileSpec] = {
    "caseload": FileSpec(f"{RELEASE_2025}/caseload.csv", "caseload", "All EHC plans",
                         {"ehcplans": "ehc_plans"}, "january_census"),
    "newplans": FileSpec(f"{RELEASE_2025}/newplans.csv", "newplans", "New EHC plans",
                         {"new_ehc_plans": "new_ehc_plans"}, "calendar_year"),
    "timeliness": FileSpec(f"{RELEASE_2025}/timeliness_20_week.csv", "timeliness", "All EHC plans issued",
                           {"plans_issued_den": "plans_issued", "plans_issued_den_ex": "plans_issued_ex",
                            "plans_issued_20_weeks_ex": "plans_issued_20wk_ex",
                            "PC_plans_issued_20_weeks_ex": "timeliness_20wk_pc",
                            "pc_plans_issued_within_20_weeks": "timeliness_20wk_incl_exceptions_pc"},
                           "calendar_year"),
    "requests": FileSpec(f"{RELEASE_2025}/requests.csv", "requests",
                         "All requests for EHC needs assessments",
                         {"requests_received_in_year": "requests_received",
                          "requests_decided_not_to_assess": "requests_refused"}, "calendar_year"),
    "assessments": FileSpec(f"{RELEASE_2025}/assessments.csv", "assessments", "All EHC needs assessments",
                            {"assess_in_year": "assessments"}, "calendar_year"),
    "ceased": FileSpec(f"{RELEASE_2025}/ceased_plans.csv", "ceased", "All ceased EHC plans",
                       {"total_ceased": "ceased_plans"}, "calendar_year"),
    "needs": FileSpec(f"{RELEASE_2025}/sen_needs_all_plans.csv", "need", "All EHC plans",
                      {}, "january_census"),
    "needs_new": FileSpec(f"{RELEASE_2025}/sen_need_newplans.csv", "newplans_need", "All EHC plans",
                          {}, "calendar_year"),
}


def release_files(year: int) -> dict[str, FileSpec]:
    """The files read from the ``year`` release (same names as 2025's, in ``ehcp-<year>/data``)."""
    return {k: dataclasses.replace(spec, path=spec.path.replace("ehcp-2025/", f"ehcp-{year}/", 1))
            for k, spec in FILES_2025.items()}


def latest_release(dfe_dir=None) -> int:
    """The newest person-level release in the DfE folder: the largest year of an ``ehcp-<year>`` folder
    (2023 or later) holding ``data/caseload.csv``."""
    root = resolve_dfe_dir(dfe_dir)
    years = [int(m.group(1)) for d in root.iterdir()
             if (m := re.fullmatch(r"ehcp-(\d{4})", d.name)) and int(m.group(1)) >= FIRST_PERSON_LEVEL_RELEASE
             and (d / "data" / "caseload.csv").is_file()]
    if not years:
        raise DataError(f"no 'Education, health and care plans' release in {root}: expected a folder "
                        "ehcp-<year>/data/ with caseload.csv (2023 or later); download one with "
                        "`sendlib fetch-dfe --release 2025` (or 2026)")
    return max(years)


def _sum_split_columns(t: pd.DataFrame, path) -> pd.DataFrame:
    """2026 layout: add ``caseload_special_academy_free`` = special academies + special free schools
    (same rows as the two measures; missing codes as in the module docstring)."""
    a = t[t["measure"] == "caseload_special_academy"].reset_index(drop=True)
    b = t[t["measure"] == "caseload_special_free_school"].reset_index(drop=True)
    if len(a) != len(b):
        raise DataError(f"{path}: special_academy and special_free_school have different row counts")
    va, vb = a["value"].to_numpy(), b["value"].to_numpy()
    ra, rb = a["missing_reason"], b["missing_reason"]
    a_ok, b_ok = ~np.isnan(va), ~np.isnan(vb)
    a_z, b_z = (ra == "z").fillna(False).to_numpy(), (rb == "z").fillna(False).to_numpy()
    value = np.where(a_ok & b_ok, va + vb, np.where(a_ok & b_z, va, np.where(b_ok & a_z, vb, np.nan)))
    reason = rb.where(a_ok | a_z, ra).where(np.isnan(value), pd.NA)
    out = a.assign(measure="caseload_special_academy_free", value=value, missing_reason=reason.to_numpy())
    out["missing_reason"] = out["missing_reason"].astype("string")
    return pd.concat([t, out], ignore_index=True)


def _tidy_release_file(path: Path, spec: FileSpec) -> pd.DataFrame:
    raw = read_raw(str(path))
    missing = [c for c in ("time_period", "geographic_level", "old_la_code", "la_name") if c not in raw]
    if missing:
        raise DataError(f"{path}: columns {missing} missing; is this DfE's {Path(spec.path).name}?")
    if spec.headline is not None:
        if "breakdown_topic" not in raw:
            raise DataError(f"{path}: no breakdown_topic column; is this DfE's {Path(spec.path).name}?")
        head = raw[raw["breakdown_topic"] == spec.headline]
        if head.empty:
            raise DataError(f"{path}: no headline rows (breakdown_topic == {spec.headline!r})")
    else:
        head = raw
    value_cols = [c for c in raw.columns if c not in ID_COLUMNS]
    # duplicate headers (annual_reviews.csv) get pandas suffixes; keep them, names stay unique
    names = {c: spec.rename.get(c, f"{spec.prefix}_{c.lower()}") for c in value_cols}
    period, kinds, years = _decode_periods(head["time_period"], head["time_identifier"])
    out = _melt(head, value_cols, names, path, period, kinds, years)
    if spec.prefix == "caseload" and "special_academy_free" not in raw:
        have = [c for c in SPLIT_2026 if c in raw]
        if len(have) == 1:
            lack = [c for c in SPLIT_2026 if c not in raw]
            raise DataError(f"{path}: column {have[0]!r} without {lack[0]!r}; DfE's 2026 caseload layout has "
                            "both (the 2025 layout has special_academy_free instead); re-download the file")
        if have:
            out = _sum_split_columns(out, path)
    return out


@functools.lru_cache(maxsize=8)
def _read_release_cached(root: str, year: int) -> pd.DataFrame:
    frames = [_tidy_release_file(_file(root, spec.path), spec) for spec in release_files(year).values()]
    return _finish(pd.concat(frames, ignore_index=True))


def read_release(dfe_dir=None, year: int | None = None) -> pd.DataFrame:
    """One "Education, health and care plans" release (default: :func:`latest_release`): headline rows of
    caseload, new plans, 20-week timeliness, requests, assessments, ceased plans and needs, as one tidy
    table."""
    root = str(resolve_dfe_dir(dfe_dir))
    return _read_release_cached(root, latest_release(root) if year is None else int(year))


def read_release_2025(dfe_dir=None) -> pd.DataFrame:
    """The 2025 release (:func:`read_release` with ``year=2025``)."""
    return read_release(dfe_dir, 2025)


@functools.lru_cache(maxsize=8)
def _read_long_series_cached(root: str) -> pd.DataFrame:
    path = _file(root, f"{RELEASE_2022}/sen2_estab_caseload.csv")
    raw = read_raw(str(path))
    tot = raw[raw["establishment_type"] == "Total"]
    frames = []
    # 2022-release caseload: time_period 2022 ("Calendar year") means the January 2022 census.
    period, kinds, years = _decode_periods(tot["time_period"], tot["time_identifier"], "january_census")
    grp = tot["establishment_group"]
    slug = grp.str.lower().str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_")
    for col, suffix in (("Total_all", ""), ("Total_ehc", "_ehc"), ("Total_st", "_statements")):
        names = ("caseload2022_" + slug + suffix).where(grp != "Total", {
            "Total_all": "plans_and_statements", "Total_ehc": "caseload2022_ehc",
            "Total_st": "caseload2022_statements"}[col])
        t = _melt(tot, [col], {col: "_"}, path, period, kinds, years)
        t["measure"] = names.to_numpy()  # one value column: rows stay in file order
        frames.append(t)
    # independent / non-maintained special schools (establishment type level)
    for etype, m in (("Special - Independent", "caseload2022_special_independent"),
                     ("Special - Non-maintained", "caseload2022_special_non_maintained")):
        part = raw[raw["establishment_type"] == etype]
        p, k, y = _decode_periods(part["time_period"], part["time_identifier"], "january_census")
        frames.append(_melt(part, ["Total_all"], {"Total_all": m}, path, p, k, y))
    # sen2_mi: process measures 2014-2021 (calendar years)
    mpath = _file(root, f"{RELEASE_2022}/sen2_mi.csv")
    mi = read_raw(str(mpath))
    cols = [c for c in mi.columns if c not in ID_COLUMNS]
    p, k, y = _decode_periods(mi["time_period"], mi["time_identifier"])
    frames.append(_melt(mi, cols, {c: "mi_" + re.sub(r"[^a-z0-9]+", "_", c.lower()) for c in cols}, mpath,
                        p, k, y))
    return _finish(pd.concat(frames, ignore_index=True))


def read_release_2022(dfe_dir=None) -> pd.DataFrame:
    """The 2022 release's long series: statements + EHC plans at January 2010-2022 by establishment
    group (``plans_and_statements`` and ``caseload2022_*``) and ``sen2_mi.csv`` (``mi_*``, 2014-2021)."""
    return _read_long_series_cached(str(resolve_dfe_dir(dfe_dir)))


@functools.lru_cache(maxsize=8)
def _la_lookup_cached(root: str) -> pd.DataFrame:
    raw = read_raw(str(_file(root, release_files(latest_release(root))["caseload"].path)))
    la = raw[(raw["geographic_level"] == "Local authority") & (raw["breakdown_topic"] == "All EHC plans")]
    la = la.assign(_tp=la["time_period"].astype(int)).sort_values("_tp")
    last = la.groupby("old_la_code", sort=True).tail(1)  # latest name / ONS code per LA
    out = pd.DataFrame({
        "la_code": last["old_la_code"].astype("string"), "new_la_code": last["new_la_code"].astype("string"),
        "la_name": last["la_name"].astype("string"), "region": last["region_name"].astype("string"),
        "first_census": (la.groupby("old_la_code")["_tp"].min().reindex(last["old_la_code"]).to_numpy()
                         // 100 + 1),
        "last_census": last["_tp"].to_numpy() // 100 + 1,
    })
    return out.sort_values("la_code").reset_index(drop=True)


def la_lookup(dfe_dir=None) -> pd.DataFrame:
    """Every LA in the latest release's caseload file: la_code, new_la_code (latest), la_name, region,
    first_census and last_census (January census years it appears in; current LAs have the latest)."""
    return _la_lookup_cached(str(resolve_dfe_dir(dfe_dir)))


def current_las(dfe_dir=None) -> pd.DataFrame:
    """The LAs with a count at the latest January (153 in the 2025 release)."""
    lk = la_lookup(dfe_dir)
    return lk[lk["last_census"] == lk["last_census"].max()].reset_index(drop=True)


def january_caseload_history(dfe_dir=None) -> pd.DataFrame:
    """EHC plans (and statements before 2019) at each January, wide: index la_code, columns years.

    2010-2018 from the 2022 release (``plans_and_statements``, Total_all: statements + EHC plans);
    2019 onwards from the latest release in the folder (``ehc_plans``; 2019-2025 in the 2025 release).
    The 2022 release's 2019-2022 counts equal the 2025 release's (checked), so the splice is at 2019. LA
    rows only; NaN where the LA did not exist. Values are counts of plans at the January census.
    """
    new = read_release(dfe_dir)
    new = new[(new["measure"] == "ehc_plans") & (new["level"] == "local authority")]
    old = read_release_2022(dfe_dir)
    old = old[(old["measure"] == "plans_and_statements") & (old["level"] == "local authority")
              & (old["year"] < 2019)]
    both = pd.concat([old, new], ignore_index=True)
    wide = both.pivot_table(index="la_code", columns="year", values="value", aggfunc="first")
    wide.columns = wide.columns.astype(int)
    return wide.sort_index()
