"""Read DfE's published SEND statistics into one tidy long table.

Files are read exactly as DfE publishes them (UTF-8 with a byte-order mark, every cell text). DfE's
codes for missing cells are kept as distinct kinds in ``missing_reason``:

==========  =====================================================================
``z``       not applicable
``x``       unavailable
``c``       suppressed (confidential)
``:``       not available
``..``      not available (older files)
``~``       small number suppressed
``blank``   the cell is empty (e.g. S251 ``income`` for some lines)
==========  =====================================================================

The tidy table (:data:`TIDY_COLUMNS`)::

    la_code       three-digit DfE ("old") LA code as text, e.g. "878"; <NA> for regions and England
    new_la_code   ONS code (E10000008); region code for regions; E92000001 for England
    la_name       LA name; region name for regions; "England" for England
    region        region name (<NA> for England)
    level         "local authority" | "region" | "national"
    measure       stable snake_case name (see :data:`MEASURES` and :func:`measure_info`)
    period        a real date: the January census date (31 January) for caseload counts, 31 December
                  for calendar-year activity, 31 March for a financial year (the period's end)
    period_type   "january_census" | "calendar_year" | "financial_year"
    year          census year, calendar year, or the first year of the financial year (2023 = 2023-24)
    value         float64; NaN when missing
    missing_reason  <NA> when ``value`` is present, else one of the codes above

Only headline rows are kept from the EHC plan releases (2025 and later) (``breakdown_topic`` "All ..." / "New EHC plans"),
so every figure is the LA total. Functions are cached per path within a process.

This module is the entry point; the work is split by job: :mod:`sendlib.dfe.parse` (files, cells,
periods, the melt), :mod:`sendlib.dfe.releases` (the EHC plan releases and their layouts),
:mod:`sendlib.dfe.measures` (metadata); here the S251 and school-census readers and :func:`read_all`.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from sendlib.dfe.measures import (  # noqa: F401 - re-exported
    MEASURES,
    NOTES,
    MeasureInfo,
    measure_catalogue,
    measure_info,
    note_text,
)
from sendlib.dfe.parse import (  # noqa: F401 - re-exported
    ID_COLUMNS,
    LEVELS,
    MISSING_CODES,
    TIDY_COLUMNS,
    _decode_periods,
    _file,
    _finish,
    _melt,
    parse_values,
    read_raw,
    resolve_dfe_dir,
)
from sendlib.dfe.releases import (  # noqa: F401 - re-exported
    FILES_2025,
    RELEASE_2022,
    FileSpec,
    _tidy_release_file,
    current_las,
    january_caseload_history,
    la_lookup,
    latest_release,
    read_release,
    read_release_2022,
    read_release_2025,
    release_files,
)
from sendlib.errors import DataError

S251_FILE = "finance/s251_outturn_2023-24_high_needs_and_sen_lines.csv"
#: S251 lines counted as high-needs outturn: place funding within the ISB (1.0.2) and the high-needs
#: block lines 1.2.1-1.2.13. SEN transport (1.4.11, 2.1.x) and central SEN services (2.1.x) are not.
HIGH_NEEDS_LINE = re.compile(r"^1\.(0\.2|2\.\d+)\s")


@functools.lru_cache(maxsize=8)
def _read_s251_cached(root: str) -> pd.DataFrame:
    path = _file(root, S251_FILE)
    raw = read_raw(str(path))
    need = ["category_of_expenditure", "net_expenditure", "gross_expenditure", "old_la_code"]
    missing = [c for c in need if c not in raw]
    if missing:
        raise DataError(f"{path}: columns {missing} missing; expected DfE's S251 outturn file")
    line = raw["category_of_expenditure"].str.extract(r"^(\d+(?:\.\d+)+)")[0]
    if line.isna().any():
        i = line.isna().to_numpy().nonzero()[0][0]
        raise DataError(f"{path}: row {i + 2}: category_of_expenditure "
                        f"{raw['category_of_expenditure'].iloc[i]!r} has no line number like 1.2.3")
    slug = line.str.replace(".", "_", regex=False)
    period, kinds, years = _decode_periods(raw["time_period"], raw["time_identifier"])
    frames = []
    for col, suffix in (("net_expenditure", "net"), ("gross_expenditure", "gross")):
        names_col = "s251_" + slug + "_" + suffix
        t = _melt(raw, [col], {col: "_"}, path, period, kinds, years)
        t["measure"] = names_col.to_numpy()
        frames.append(t)
    out = pd.concat(frames, ignore_index=True)
    # derived: high-needs total and 1.2.3 top-ups (sum of lines; NaN lines count as missing)
    hn = raw["category_of_expenditure"].str.match(HIGH_NEEDS_LINE)
    net = out[out["measure"].str.endswith("_net")].copy()
    net["_hn"] = np.tile(hn.to_numpy(), 1)
    tot = (net[net["_hn"]].groupby(["la_code"], sort=True)
           .agg(value=("value", lambda s: s.sum(min_count=len(s))),
                **{c: (c, "first") for c in TIDY_COLUMNS if c not in ("la_code", "value", "measure")})
           .reset_index())
    tot["measure"] = "s251_high_needs_net"
    tot["missing_reason"] = tot["missing_reason"].where(tot["value"].isna(), pd.NA)
    top = net[net["measure"] == "s251_1_2_3_net"].copy()
    top["measure"] = "s251_topups_independent_net"
    out = pd.concat([out, tot[TIDY_COLUMNS], top[TIDY_COLUMNS]], ignore_index=True)
    return _finish(out)


def read_s251(dfe_dir=None) -> pd.DataFrame:
    """Section 251 outturn 2023-24 (financial year, pounds): each line as ``s251_<line>_net`` /
    ``_gross`` (e.g. ``s251_1_2_3_net``), plus ``s251_high_needs_net`` (1.0.2 + 1.2.x, net) and
    ``s251_topups_independent_net`` (line 1.2.3, net). LA rows only."""
    return _read_s251_cached(str(resolve_dfe_dir(dfe_dir)))


CENSUS_FILE = "other/ehcp_vs_sen_support_by_la_2023-24.csv"


@functools.lru_cache(maxsize=8)
def _read_school_census_cached(root: str) -> pd.DataFrame:
    path = _file(root, CENSUS_FILE)
    raw = read_raw(str(path))
    las = la_lookup(root)
    key = las.assign(_k=las["la_name"].str.lower())
    k = raw["la_name"].str.strip().str.lower()
    m = k.map(dict(zip(key["_k"], key["la_code"], strict=True)))
    if m.isna().any():
        bad = raw.loc[m.isna(), "la_name"].tolist()
        raise DataError(f"{path}: LA names {bad} do not match any LA in the 2025 caseload file")
    df = raw.assign(old_la_code=m, new_la_code=m.map(dict(zip(las["la_code"], las["new_la_code"], strict=True))),
                    geographic_level="Local authority", region_code="", country_code="E92000001")
    cols = ["total_pupils", "ehc_plan", "sen_support"]
    names = {"total_pupils": "pupils_total", "ehc_plan": "pupils_ehc_plan", "sen_support": "pupils_sen_support"}
    n = len(df)
    period = np.full(n, np.datetime64("2024-01-31", "ns"))
    return _finish(_melt(df, cols, names, path, period, np.full(n, "january_census", dtype=object),
                         np.full(n, 2024, dtype="int64")))


def read_school_census(dfe_dir=None) -> pd.DataFrame:
    """January 2024 school census by LA: ``pupils_total``, ``pupils_ehc_plan``, ``pupils_sen_support``."""
    return _read_school_census_cached(str(resolve_dfe_dir(dfe_dir)))


@functools.lru_cache(maxsize=8)
def _read_all_cached(root: str) -> pd.DataFrame:
    parts = [read_release(root), read_release_2022(root), read_s251(root), read_school_census(root)]
    return pd.concat(parts, ignore_index=True)


def read_all(dfe_dir=None) -> pd.DataFrame:
    """Every table above concatenated: the one tidy long table of public SEND statistics."""
    return _read_all_cached(str(resolve_dfe_dir(dfe_dir)))


def series(measure: str, dfe_dir=None, level: str | None = None) -> pd.DataFrame:
    """Rows of one measure from :func:`read_all` (optionally one level)."""
    df = read_all(dfe_dir)
    out = df[df["measure"] == measure]
    if level is not None:
        out = out[out["level"] == level]
    if out.empty:
        raise DataError(f"no DfE rows for measure {measure!r}" + (f" at level {level!r}" if level else ""))
    return out.reset_index(drop=True)
