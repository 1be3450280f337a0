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

Only headline rows are kept from the 2025 release (``breakdown_topic`` "All ..." / "New EHC plans"),
so every figure is the LA total. Functions are cached per path within a process.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sendlib import config
from sendlib.errors import DataError

MISSING_CODES: tuple[str, ...] = ("z", "x", "c", ":", "..", "~")
LEVELS = {"Local authority": "local authority", "Regional": "region", "National": "national"}
TIDY_COLUMNS = [
    "la_code", "new_la_code", "la_name", "region", "level", "measure",
    "period", "period_type", "year", "value", "missing_reason",
]

# --------------------------------------------------------------------------------------------------
# Series breaks and footnotes (from the releases' data-guidance.txt). Each measure lists the keys that
# apply to it in its ``notes``.
NOTES: dict[str, str] = {
    "statements_to_ehcp": "2014-2018: statements of SEN were converted to EHC plans; counts before 2019 "
    "come from the 2022 release and include statements (Total_all). The 2025 release's series starts "
    "January 2019.",
    "covid_2020": "2020: COVID-19 easements temporarily changed the 20-week time limit (part of 2020).",
    "person_level_2023": "From 2023 SEN2 is a person-level collection (previously LA aggregates): a series "
    "break; some pre-2023 items are 'x' (unavailable).",
    "boundary_changes": "LA boundary changes: Dorset/Bournemouth/Poole -> Dorset (838) and BCP (839) from "
    "2019; Northamptonshire (928) -> North (940) and West (941) Northamptonshire from 2021; Cumbria (909) "
    "-> Cumberland (942) and Westmorland and Furness (943) from 2023 (first January count 2024); North "
    "Yorkshire (815) and Somerset (933) became unitary in April 2023 with unchanged education boundaries.",
    "hackney_peterborough_2024": "January 2024: Hackney and Peterborough returned totals only (no "
    "individual-level data), so their breakdowns do not sum to the total.",
    "cambs_nelincs_2025": "January 2025: Cambridgeshire and North East Lincolnshire could not return "
    "placements for many plans (shown as 'Not recorded').",
    "wakefield_2022": "Wakefield submitted aggregate new-plan figures for 2022: totals do not match "
    "breakdowns.",
    "dorset_exceptions": "Dorset classed all new plans as exceptions in 2021 (2022 release) and Dorset and "
    "City of London did so in 2024: their 'excluding exceptions' timeliness is empty or not comparable.",
    "surrey_needs_2025": "Surrey supplied amended primary-need totals in 2025.",
    "medway_sthelens_2021": "Post-publication corrections for 2021 (not applied in the file): St Helens "
    "refused requests should be 107 (published 0); Medway assessments not issued should be 16 "
    "(published 223).",
    "s251_selection": "Section 251 outturn 2023-24 taken from a third-party filtered export of DfE's "
    "file (20 high-needs and SEN lines, LA rows only); regional and England figures are sums over LAs.",
    "school_census_2024": "School census January 2024 (third-party extract of DfE's 'Special educational "
    "needs in England'; year not labelled in the file). Pupils in schools only; no LA codes (matched "
    "by name).",
}


@dataclass(frozen=True)
class MeasureInfo:
    """Metadata of one measure. polarity: +1 high is good, -1 low is good, 0 neutral."""

    name: str
    label: str
    unit: str  # "count" | "%" | "pounds"
    polarity: int
    source: str
    period_type: str
    notes: tuple[str, ...] = ()


_TL = ("covid_2020", "person_level_2023", "boundary_changes", "dorset_exceptions")
_CASE = ("statements_to_ehcp", "person_level_2023", "boundary_changes", "hackney_peterborough_2024",
         "cambs_nelincs_2025")

#: Named measures (the ones sendlib relies on). Every other numeric column of a file is also read,
#: as ``<prefix>_<column in lower case>``, with generic metadata (see :func:`measure_info`).
MEASURES: dict[str, MeasureInfo] = {m.name: m for m in [
    MeasureInfo("ehc_plans", "EHC plans at January census", "count", 0,
                "ehcp-2025/data/caseload.csv:ehcplans", "january_census", _CASE),
    MeasureInfo("caseload_special_independent", "EHC plans in independent special schools", "count", 0,
                "ehcp-2025/data/caseload.csv:special_independent", "january_census", _CASE),
    MeasureInfo("caseload_special_non_maintained", "EHC plans in non-maintained special schools", "count",
                0, "ehcp-2025/data/caseload.csv:special_non_maintained", "january_census", _CASE),
    MeasureInfo("new_ehc_plans", "New EHC plans in the calendar year", "count", 0,
                "ehcp-2025/data/newplans.csv:new_ehc_plans", "calendar_year",
                ("person_level_2023", "boundary_changes", "wakefield_2022")),
    MeasureInfo("plans_issued", "EHC plans issued (timeliness denominator, incl. exceptions)", "count", 0,
                "ehcp-2025/data/timeliness_20_week.csv:plans_issued_den", "calendar_year", _TL),
    MeasureInfo("plans_issued_ex", "EHC plans issued excluding exceptions", "count", 0,
                "ehcp-2025/data/timeliness_20_week.csv:plans_issued_den_ex", "calendar_year", _TL),
    MeasureInfo("plans_issued_20wk_ex", "EHC plans issued within 20 weeks excluding exceptions", "count",
                0, "ehcp-2025/data/timeliness_20_week.csv:plans_issued_20_weeks_ex", "calendar_year", _TL),
    MeasureInfo("timeliness_20wk_pc", "EHC plans issued within 20 weeks, excluding exceptions (%)", "%",
                +1, "ehcp-2025/data/timeliness_20_week.csv:PC_plans_issued_20_weeks_ex", "calendar_year",
                _TL),
    MeasureInfo("timeliness_20wk_incl_exceptions_pc",
                "EHC plans issued within 20 weeks, including exceptions (%)", "%", +1,
                "ehcp-2025/data/timeliness_20_week.csv:pc_plans_issued_within_20_weeks", "calendar_year",
                _TL),
    MeasureInfo("requests_received", "Requests for an EHC needs assessment", "count", 0,
                "ehcp-2025/data/requests.csv:requests_received_in_year", "calendar_year",
                ("person_level_2023", "boundary_changes", "medway_sthelens_2021")),
    MeasureInfo("requests_refused", "Requests where the LA decided not to assess", "count", 0,
                "ehcp-2025/data/requests.csv:requests_decided_not_to_assess", "calendar_year",
                ("person_level_2023", "boundary_changes", "medway_sthelens_2021")),
    MeasureInfo("assessments", "EHC needs assessments in the calendar year", "count", 0,
                "ehcp-2025/data/assessments.csv:assess_in_year", "calendar_year",
                ("person_level_2023", "boundary_changes")),
    MeasureInfo("ceased_plans", "EHC plans ceased in the calendar year", "count", 0,
                "ehcp-2025/data/ceased_plans.csv:total_ceased", "calendar_year",
                ("person_level_2023", "boundary_changes")),
    MeasureInfo("plans_and_statements", "Statements and EHC plans at January (2022 release)", "count", 0,
                "ehcp-2022/data/sen2_estab_caseload.csv:Total_all", "january_census",
                ("statements_to_ehcp", "boundary_changes")),
    MeasureInfo("s251_high_needs_net", "High-needs net outturn (S251 lines 1.0.2 and 1.2.x)", "pounds", 0,
                "finance/s251_outturn_2023-24_high_needs_and_sen_lines.csv", "financial_year",
                ("s251_selection",)),
    MeasureInfo("s251_topups_independent_net",
                "Top-up and other funding to non-maintained and independent providers (S251 1.2.3)",
                "pounds", 0, "finance/s251_outturn_2023-24_high_needs_and_sen_lines.csv:1.2.3",
                "financial_year", ("s251_selection",)),
    MeasureInfo("pupils_total", "Pupils on roll (school census)", "count", 0,
                "other/ehcp_vs_sen_support_by_la_2023-24.csv:total_pupils", "january_census",
                ("school_census_2024",)),
    MeasureInfo("pupils_ehc_plan", "Pupils with an EHC plan (school census)", "count", 0,
                "other/ehcp_vs_sen_support_by_la_2023-24.csv:ehc_plan", "january_census",
                ("school_census_2024",)),
]}


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

ID_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name",
              "region_code", "region_name", "new_la_code", "old_la_code", "la_name", "breakdown_topic",
              "breakdown")


@functools.lru_cache(maxsize=8)
def _guidance_labels(root: str) -> dict[str, str]:
    """``{measure: label}`` from the releases' data-guidance.txt variable tables ("name | description")."""
    labels: dict[str, str] = {}
    prefix_of = {Path(spec.path).name: spec for spec in FILES_2025.values()}
    for rel in ("ehcp-2025/data-guidance/data-guidance.txt", "ehcp-2022/data-guidance/data-guidance.txt"):
        p = Path(root) / rel
        if not p.is_file():
            continue
        current = None
        for line in p.read_text(encoding="utf-8-sig", errors="replace").splitlines():
            if line.startswith("Filename:"):
                current = line.split(":", 1)[1].strip()
                continue
            if current is None or "|" not in line or set(line.replace("|", "").strip()) <= {"-", " "}:
                continue
            var, _, desc = (x.strip() for x in line.partition("|"))
            if not var or var == "Variable name":
                continue
            if current in prefix_of:
                spec = prefix_of[current]
                labels[spec.rename.get(var, f"{spec.prefix}_{var.lower()}")] = desc
            elif current == "sen2_mi.csv":
                labels["mi_" + re.sub(r"[^a-z0-9]+", "_", var.lower())] = desc
    return labels


def measure_info(name: str, dfe_dir=None) -> MeasureInfo:
    """Metadata for ``name``: the named measures, else metadata inferred from the name, labelled with
    the variable's description in DfE's data guidance when the DfE folder is available."""
    if name in MEASURES:
        return MEASURES[name]
    unit = "%" if (name.endswith("_pc") or "_pc_" in name or name.endswith("rate")) else "count"
    label = name.replace("_", " ")
    try:
        label = _guidance_labels(str(resolve_dfe_dir(dfe_dir))).get(name, label)
    except DataError:
        pass
    if "%" in label or "percentage" in label.lower():
        unit = "%"
    for spec in FILES_2025.values():
        if name.startswith(spec.prefix + "_"):
            return MeasureInfo(name, label, unit, 0, spec.path, spec.period_type,
                               ("person_level_2023", "boundary_changes"))
    if name.startswith("mi_"):
        return MeasureInfo(name, label, unit, 0, f"{RELEASE_2022}/sen2_mi.csv",
                           "calendar_year", ("statements_to_ehcp", "covid_2020", "medway_sthelens_2021",
                                             "dorset_exceptions", "boundary_changes"))
    if name.startswith("caseload2022_"):
        rest = name.removeprefix("caseload2022_")
        what = ("EHC plans" if rest.endswith("ehc") else "statements of SEN" if rest.endswith("statements")
                else "statements and EHC plans")
        group = re.sub(r"_?(ehc|statements)$", "", rest).replace("_", " ") or "all settings"
        return MeasureInfo(name, f"{what} at January, {group} (2022 release)", unit, 0, f"{RELEASE_2022}/sen2_estab_caseload.csv",
                           "january_census", ("statements_to_ehcp", "boundary_changes"))
    if name.startswith("s251_"):
        return MeasureInfo(name, name.replace("_", " "), "pounds", 0,
                           "finance/s251_outturn_2023-24_high_needs_and_sen_lines.csv", "financial_year",
                           ("s251_selection",))
    if name.startswith("pupils_"):
        return MeasureInfo(name, name.replace("_", " "), unit, 0,
                           "other/ehcp_vs_sen_support_by_la_2023-24.csv", "january_census",
                           ("school_census_2024",))
    raise KeyError(f"unknown DfE measure {name!r}")


def note_text(info: MeasureInfo) -> str:
    """The series-break and footnote texts that apply to a measure."""
    return " ".join(NOTES[k] for k in info.notes)


def measure_catalogue(dfe_dir=None) -> pd.DataFrame:
    """Every measure in :func:`read_all` with its metadata: measure, label, unit, polarity, source,
    period_type, notes (keys) and note_text; plus first/last year and number of LA rows."""
    df = read_all(dfe_dir)
    la = df[df["level"] == "local authority"]
    span = df.groupby("measure")["year"].agg(["min", "max"])
    n_la = la.groupby("measure").size()
    rows = []
    for name in sorted(df["measure"].unique()):
        info = measure_info(name, dfe_dir)
        rows.append({"measure": name, "label": info.label, "unit": info.unit, "polarity": info.polarity,
                     "source": info.source, "period_type": info.period_type, "notes": ",".join(info.notes),
                     "note_text": note_text(info), "first_year": int(span.loc[name, "min"]),
                     "last_year": int(span.loc[name, "max"]), "la_rows": int(n_la.get(name, 0))})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
def resolve_dfe_dir(dfe_dir=None) -> Path:
    """The DfE folder: ``dfe_dir`` or ``$SENDLIB_DFE_DIR`` or data/public; a clear error when absent."""
    if dfe_dir is not None:
        p = config.resolve_path(dfe_dir)
        if p is None or not p.is_dir():
            raise DataError(f"DfE data folder {dfe_dir} does not exist; run `sendlib fetch-dfe` or set "
                            "SENDLIB_DFE_DIR to the folder holding ehcp-2025/, ehcp-2022/, finance/, lait/")
        return p
    p = config.dfe_dir()
    if p is None:
        raise DataError("no DfE data folder: set SENDLIB_DFE_DIR (or pass --dfe-dir) to the folder holding "
                        "ehcp-2025/, ehcp-2022/, finance/, lait/, or download with `sendlib fetch-dfe`")
    return p


def _file(dfe_dir, rel: str) -> Path:
    p = resolve_dfe_dir(dfe_dir) / rel
    if not p.is_file():
        raise DataError(f"DfE file {p} is missing; the folder should hold DfE's files as published "
                        f"(`sendlib fetch-dfe` downloads the releases)")
    return p


@functools.lru_cache(maxsize=64)
def read_raw(path: str | Path) -> pd.DataFrame:
    """A DfE CSV as published: every cell text, the BOM stripped, empty cells kept as ''."""
    try:
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[],
                           engine="pyarrow")
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read as a DfE CSV (UTF-8 with BOM): {exc}") from exc


def parse_values(raw: pd.Series, *, path, column: str | None = None,
                 columns: pd.Series | None = None, rows: pd.Series | None = None):
    """Text cells -> (float values, missing_reason). Vectorised.

    Numbers may carry thousands separators. DfE missing codes are kept by kind; an empty cell is
    ``blank``. Anything else raises :class:`DataError` naming the file, row and column.
    """
    text = raw.astype("string").str.strip()
    num = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype("float64")
    bad_num = num.isna()
    reason = pd.Series(pd.NA, index=raw.index, dtype="string")
    is_code = text.isin(MISSING_CODES)
    reason = reason.mask(bad_num & is_code, text)
    reason = reason.mask(bad_num & (text == ""), "blank")
    unknown = bad_num & reason.isna()
    if unknown.any():
        i = unknown.to_numpy().nonzero()[0][0]
        col = column if column is not None else (columns.iloc[i] if columns is not None else "?")
        row = rows.iloc[i] if rows is not None else raw.index[i]
        raise DataError(f"{path}: row {row} column {col!r}: value {text.iloc[i]!r} is neither a number "
                        f"nor a DfE missing-value code ({', '.join(MISSING_CODES)}); fix or re-download the "
                        "file")
    return num.to_numpy(), reason


def _melt(df: pd.DataFrame, value_cols: list[str], names: dict[str, str], path, period, period_type,
          year) -> pd.DataFrame:
    """Wide DfE rows (already restricted) -> tidy long rows."""
    level = df["geographic_level"].map(LEVELS)
    if level.isna().any():
        bad = df.loc[level.isna(), "geographic_level"].iloc[0]
        raise DataError(f"{path}: unknown geographic_level {bad!r}")
    la_code = df["old_la_code"].str.strip().replace("", pd.NA)
    new_code = df["new_la_code"].str.strip().replace("", pd.NA)
    name = df["la_name"].str.strip().replace("", pd.NA)
    region = df["region_name"].str.strip().replace("", pd.NA)
    is_reg = level == "region"
    is_nat = level == "national"
    name = name.mask(is_reg, region).mask(is_nat, "England")
    new_code = new_code.mask(is_reg, df["region_code"]).mask(is_nat, df["country_code"])
    region = region.mask(is_nat, pd.NA)
    ids = pd.DataFrame({
        "la_code": la_code.astype("string"), "new_la_code": new_code.astype("string"),
        "la_name": name.astype("string"), "region": region.astype("string"),
        "level": level.astype("string"), "period": period, "period_type": period_type, "year": year,
        "_row": df.index + 2,  # 1-based line number in the file (header is line 1)
    })
    n = len(df)
    k = len(value_cols)
    long = ids.loc[ids.index.repeat(k)].reset_index(drop=True)
    cells = df[value_cols].to_numpy().reshape(-1)
    cols = pd.Series(np.tile(np.array(value_cols, dtype=object), n))
    values, reason = parse_values(pd.Series(cells), path=path, columns=cols, rows=long["_row"])
    long["measure"] = cols.map(names).astype("string")
    long["value"] = values
    long["missing_reason"] = reason.to_numpy()
    long["missing_reason"] = long["missing_reason"].astype("string")
    return long[TIDY_COLUMNS]


def _decode_periods(tp: pd.Series, ident: pd.Series, forced_type: str | None = None):
    """Vectorised DfE time_period decoding (see :func:`sendlib.periods.dfe_time_period`): each distinct
    (time_period, time_identifier) pair is decoded once, then mapped onto the rows."""
    from sendlib.periods import dfe_time_period

    key = tp.astype(str).str.strip() + "|" + ident.astype(str).str.strip()
    table = {}
    for k in key.unique():
        a, b = k.split("|", 1)
        try:
            v, kind = dfe_time_period(a, b)
        except ValueError as exc:
            raise DataError(f"time_period {a!r} ({b}) is not a DfE period code: {exc}") from None
        kind = forced_type or kind
        y = v.year if isinstance(v, pd.Timestamp) else int(v)
        if kind == "january_census":
            period = pd.Timestamp(year=y, month=1, day=31)
        elif kind == "calendar_year":
            period = pd.Timestamp(year=y, month=12, day=31)
        else:  # financial year starting April y ends 31 March y+1
            period = pd.Timestamp(year=y + 1, month=3, day=31)
        table[k] = (period, kind, y)
    periods = pd.to_datetime(key.map({k: v[0] for k, v in table.items()})).to_numpy()
    kinds = key.map({k: v[1] for k, v in table.items()}).to_numpy(dtype=object)
    years = key.map({k: v[2] for k, v in table.items()}).to_numpy(dtype="int64")
    return periods, kinds, years


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
    return _melt(head, value_cols, names, path, period, kinds, years)


@functools.lru_cache(maxsize=8)
def _read_release_2025_cached(root: str) -> pd.DataFrame:
    frames = [_tidy_release_file(_file(root, spec.path), spec) for spec in FILES_2025.values()]
    return _finish(pd.concat(frames, ignore_index=True))


def read_release_2025(dfe_dir=None) -> pd.DataFrame:
    """The 2025 "Education, health and care plans" release: headline rows of caseload, new plans,
    20-week timeliness, requests, assessments, ceased plans and needs, as one tidy table."""
    return _read_release_2025_cached(str(resolve_dfe_dir(dfe_dir)))


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


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in ("la_code", "new_la_code", "la_name", "region", "level", "measure", "period_type",
              "missing_reason"):
        df[c] = df[c].astype("string")
    df["period"] = pd.to_datetime(df["period"]).astype("datetime64[ns]")
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    return df.sort_values(["measure", "level", "la_code", "la_name", "period"], kind="stable",
                          na_position="first").reset_index(drop=True)


@functools.lru_cache(maxsize=8)
def _read_all_cached(root: str) -> pd.DataFrame:
    parts = [read_release_2025(root), read_release_2022(root), read_s251(root), read_school_census(root)]
    return pd.concat(parts, ignore_index=True)


def read_all(dfe_dir=None) -> pd.DataFrame:
    """Every table above concatenated: the one tidy long table of public SEND statistics."""
    return _read_all_cached(str(resolve_dfe_dir(dfe_dir)))


@functools.lru_cache(maxsize=8)
def _la_lookup_cached(root: str) -> pd.DataFrame:
    raw = read_raw(str(_file(root, FILES_2025["caseload"].path)))
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
    """Every LA in the 2025 caseload file: la_code, new_la_code (latest), la_name, region, first_census
    and last_census (January census years it appears in; current LAs have last_census 2025)."""
    return _la_lookup_cached(str(resolve_dfe_dir(dfe_dir)))


def current_las(dfe_dir=None) -> pd.DataFrame:
    """The 153 LAs with a January 2025 count."""
    lk = la_lookup(dfe_dir)
    return lk[lk["last_census"] == lk["last_census"].max()].reset_index(drop=True)


def series(measure: str, dfe_dir=None, level: str | None = None) -> pd.DataFrame:
    """Rows of one measure from :func:`read_all` (optionally one level)."""
    df = read_all(dfe_dir)
    out = df[df["measure"] == measure]
    if level is not None:
        out = out[out["level"] == level]
    if out.empty:
        raise DataError(f"no DfE rows for measure {measure!r}" + (f" at level {level!r}" if level else ""))
    return out.reset_index(drop=True)


def january_caseload_history(dfe_dir=None) -> pd.DataFrame:
    """EHC plans (and statements before 2019) at each January, wide: index la_code, columns years.

    2010-2018 from the 2022 release (``plans_and_statements``, Total_all: statements + EHC plans);
    2019-2025 from the 2025 release (``ehc_plans``). The 2022 release's 2019-2022 counts equal the
    2025 release's (checked), so the splice is at 2019. LA rows only; NaN where the LA did not exist.
    """
    new = read_release_2025(dfe_dir)
    new = new[(new["measure"] == "ehc_plans") & (new["level"] == "local authority")]
    old = read_release_2022(dfe_dir)
    old = old[(old["measure"] == "plans_and_statements") & (old["level"] == "local authority")
              & (old["year"] < 2019)]
    both = pd.concat([old, new], ignore_index=True)
    wide = both.pivot_table(index="la_code", columns="year", values="value", aggfunc="first")
    wide.columns = wide.columns.astype(int)
    return wide.sort_index()
