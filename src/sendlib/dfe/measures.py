"""Metadata of DfE measures: series-break notes (:data:`NOTES`), the named measures (:data:`MEASURES`),
labels from DfE's data guidance (:func:`measure_info`) and the catalogue of every measure read."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sendlib.dfe.parse import resolve_dfe_dir
from sendlib.dfe.releases import FILES_2025, RELEASE_2022, latest_release
from sendlib.errors import DataError

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


@functools.lru_cache(maxsize=8)
def _guidance_labels(root: str) -> dict[str, str]:
    """``{measure: label}`` from the releases' data-guidance.txt variable tables ("name | description")."""
    labels: dict[str, str] = {}
    prefix_of = {Path(spec.path).name: spec for spec in FILES_2025.values()}
    try:
        latest = f"ehcp-{latest_release(root)}/data-guidance/data-guidance.txt"
    except DataError:
        latest = "ehcp-2025/data-guidance/data-guidance.txt"
    for rel in dict.fromkeys((latest, "ehcp-2025/data-guidance/data-guidance.txt",
                              "ehcp-2022/data-guidance/data-guidance.txt")):
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
    from sendlib.dfe.read import read_all

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
