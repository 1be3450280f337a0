"""The data contract of the monthly case-management extract.

Every other module imports table names, column names and vocabularies from here rather than spelling
the strings again. A reader who wants to know "what columns must my extract have?" reads this file.

Tables
------
``plans``, ``placements``, ``assessments`` come from the case-management system; ``plan_trajectory``
(the Safety Valve plan) and ``budget`` are planning inputs. Each is a file ``<table>.csv`` (or
``.xlsx`` / ``.parquet``) in one data folder. ``plan_trajectory`` and ``budget`` are optional: the
measures that need them say so when they are missing.

Column kinds
------------
``id``     text identifier, kept as a string (leading zeros matter)
``date``   calendar date (day-first text, ISO text, Excel serial number or Excel date cell, with or
           without a time of day); a date column with ``period="month"`` holds a month (2024-04,
           Apr-24, April 2024, 04/2024 or a date in it), stored as the month's last day
``money``  pounds; ``£1,234.50``, ``£ 8,500.00`` (Excel accounting format), ``GBP 10``, ``1234.5``,
           ``-£500`` and ``(1,234)`` (negative) are all understood
``code``   one value of a vocabulary below; case, spaces and common synonyms are normalised
``bool``   true/false, yes/no, y/n, 1/0
``int``    whole number
``text``   free text
``fy``     financial year written ``2024-25``

Settings
--------
``setting`` uses DfE's SEN2 caseload placement columns exactly as named in the "Education, health and
care plans" release (``caseload.csv``), without the totals. Each setting has a *sector* (who runs it:
maintained, academy, independent, non_maintained, fe, other) and a *group* (the DfE total it rolls up to:
mainstream, special, ap, fe, elsewhere, plus early_years and unknown, which DfE also publishes as their
own totals, ``nm_early_years`` and ``placement_unknown``). With these, local figures add up to the same
totals as DfE's published ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from sendlib.sen2_settings import _SETTINGS
from sendlib.sen2_settings import GROUPS as GROUPS  # re-exported: schema is where callers look
from sendlib.sen2_settings import SECTORS as SECTORS
from sendlib.sen2_settings import Setting as Setting

# ---------------------------------------------------------------------------------------------------
# Tables and columns
# ---------------------------------------------------------------------------------------------------

PLANS = "plans"
PLACEMENTS = "placements"
ASSESSMENTS = "assessments"
PLAN_TRAJECTORY = "plan_trajectory"
BUDGET = "budget"
PANEL_DECISIONS = "panel_decisions"

TABLES: tuple[str, ...] = (PLANS, PLACEMENTS, ASSESSMENTS, PLAN_TRAJECTORY, BUDGET, PANEL_DECISIONS)
REQUIRED_TABLES: tuple[str, ...] = (PLANS, PLACEMENTS, ASSESSMENTS)
OPTIONAL_TABLES: tuple[str, ...] = (PLAN_TRAJECTORY, BUDGET, PANEL_DECISIONS)
FILE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".parquet")


@dataclass(frozen=True)
class Column:
    """One column of the contract: its name, kind, whether it is required, and its vocabulary."""

    name: str
    kind: str  # id, date, money, code, bool, int, text, fy
    required: bool = True
    vocabulary: str | None = None  # name of a vocabulary for kind == "code"
    description: str = ""
    period: str | None = None  # "month": a date column holding a month, stored as the month's last day


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    description: str = ""
    required: bool = True

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")


CONTRACT: dict[str, Table] = {
    PLANS: Table(
        PLANS,
        (
            Column("plan_id", "id", description="unique id of the EHC plan"),
            Column("child_id", "id", description="id of the child or young person"),
            Column("date_of_birth", "date"),
            Column("primary_need", "code", vocabulary="primary_need", description="SEN2 primary need code"),
            Column("issued_on", "date", description="date the final plan was issued"),
            Column("ceased_on", "date", required=True, description="date the plan ceased; empty if active"),
        ),
        key=("plan_id",),
        description="one row per EHC plan",
    ),
    PLACEMENTS: Table(
        PLACEMENTS,
        (
            Column("plan_id", "id"),
            Column("setting", "code", vocabulary="setting", description="SEN2 caseload placement column"),
            Column("provider_urn", "id", required=False),
            Column("provider_name", "text", required=False),
            Column("start_on", "date"),
            Column("end_on", "date", description="last day of the placement; empty if current"),
            Column("annual_cost", "money", description="annual pounds, placement and top-up, no transport"),
            Column("health_contribution", "money", required=False, description="annual pounds from health"),
            Column(
                "social_care_contribution",
                "money",
                required=False,
                description="annual pounds from social care",
            ),
        ),
        key=("plan_id", "start_on"),
        description="one row per placement spell of a plan",
    ),
    ASSESSMENTS: Table(
        ASSESSMENTS,
        (
            Column("request_id", "id"),
            Column("child_id", "id"),
            Column("received_on", "date", description="date the request for assessment was received"),
            Column("decision_on", "date", description="date of the decision whether to assess"),
            Column("decision", "code", vocabulary="decision"),
            Column("outcome", "code", vocabulary="outcome"),
            Column("issued_on", "date", description="date the final plan was issued, if it was"),
            Column("closed_on", "date", description="date a no-plan or withdrawn request was closed"),
            Column("exception", "bool", description="a legal exception to the 20-week limit applies"),
        ),
        key=("request_id",),
        description="one row per request for an EHC needs assessment",
    ),
    PLAN_TRAJECTORY: Table(
        PLAN_TRAJECTORY,
        (
            Column(
                "month",
                "date",
                period="month",
                description="month (2024-04, Apr-24, April 2024, 04/2024 or a date in it; stored as its "
                "month-end date)",
            ),
            Column("planned_ehcps", "int", description="EHCPs planned at that month end"),
            Column("planned_deficit", "money", required=False, description="planned cumulative deficit"),
        ),
        key=("month",),
        description="the Safety Valve plan, by month",
        required=False,
    ),
    BUDGET: Table(
        BUDGET,
        (
            Column("financial_year", "fy", description="e.g. 2024-25"),
            Column("hnb_budget", "money", description="High Needs Block budget for the year, pounds"),
            Column("safety_valve_overspend_cap", "money", description="allowed in-year overspend, pounds"),
            Column("planned_deficit", "money", required=False, description="planned in-year deficit"),
            Column(
                "safety_valve_contribution",
                "money",
                required=False,
                description="DfE Safety Valve payments in the year, pounds",
            ),
            Column(
                "other_high_needs_spend",
                "money",
                required=False,
                description="forecast high-needs spend in the year that no placement in the extract carries "
                "(SEN support services, alternative provision, hospital education...), pounds; added to "
                "placement spend for the outturn (blank: placements only)",
            ),
        ),
        key=("financial_year",),
        description="high-needs budget and Safety Valve cap by financial year",
        required=False,
    ),
    PANEL_DECISIONS: Table(
        PANEL_DECISIONS,
        (
            Column("decision_id", "id", description="unique id of the panel decision"),
            Column("decided_on", "date", description="date the expenditure panel decided"),
            Column("plan_id", "id", required=False, description="the plan the spend is for, if any"),
            Column("request_id", "id", required=False, description="the request for assessment, if any"),
            Column("category", "code", vocabulary="panel_category"),
            Column("amount_requested", "money", description="annual pounds put to the panel"),
            Column("decision", "code", vocabulary="panel_decision"),
            Column(
                "amount_agreed",
                "money",
                required=False,
                description="annual pounds the panel agreed (blank: £0, as for a declined or deferred decision)",
            ),
        ),
        key=("decision_id",),
        description="one row per expenditure decision reviewed by the high-needs expenditure panel",
        required=False,
    ),
}

# ---------------------------------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------------------------------

#: SEN2 primary need codes and their labels (DfE's wording).
PRIMARY_NEEDS: dict[str, str] = {
    "ASD": "Autistic spectrum disorder",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SPLD": "Specific learning difficulty",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "OTH": "Other difficulty or disability",
    "NSA": "SEN support but no specialist assessment of type of need",
}

PRIMARY_NEED_SYNONYMS: dict[str, str] = {
    "autism": "ASD",
    "autistic spectrum disorder": "ASD",
    "autistic spectrum condition": "ASD",
    "asc": "ASD",
    "social emotional and mental health": "SEMH",
    "speech language and communication needs": "SLCN",
    "speech language and communication": "SLCN",
    "moderate learning difficulty": "MLD",
    "severe learning difficulty": "SLD",
    "profound and multiple learning difficulty": "PMLD",
    "profound multiple learning difficulty": "PMLD",
    "specific learning difficulty": "SPLD",
    "hearing impairment": "HI",
    "visual impairment": "VI",
    "multi sensory impairment": "MSI",
    "multisensory impairment": "MSI",
    "physical disability": "PD",
    "other": "OTH",
    "other difficulty disability": "OTH",
    "other difficulty or disability": "OTH",
    "no specialist assessment": "NSA",
}

SETTINGS: dict[str, Setting] = {s.code: s for s in _SETTINGS}
SETTING_CODES: tuple[str, ...] = tuple(SETTINGS)
SETTING_SECTOR: dict[str, str] = {s.code: s.sector for s in _SETTINGS}
SETTING_GROUP: dict[str, str] = {s.code: s.group for s in _SETTINGS}

#: DfE's published total column for each group (caseload.csv), so local group totals reconcile.
GROUP_DFE_TOTAL: dict[str, str] = {
    "mainstream": "mainstream_total",
    "special": "special_total",
    "ap": "ap_pru_total",
    "fe": "fe_total",
    "elsewhere": "ed_elsewhere",
    "early_years": "nm_early_years",
    "unknown": "placement_unknown",
}

#: Independent sector, default definition: independent and non-maintained special schools (INMSS).
INDEPENDENT_SETTINGS_INMSS: tuple[str, ...] = ("special_independent", "special_non_maintained")
#: Independent sector, broad definition: INMSS plus independent mainstream and specialist post-16.
INDEPENDENT_SETTINGS_BROAD: tuple[str, ...] = INDEPENDENT_SETTINGS_INMSS + (
    "mainstream_independent",
    "specialist_post_16_institutions",
)
INDEPENDENT_DEFINITIONS: dict[str, tuple[str, ...]] = {
    "inmss": INDEPENDENT_SETTINGS_INMSS,
    "broad": INDEPENDENT_SETTINGS_BROAD,
}
SPECIAL_SCHOOL_SETTINGS: tuple[str, ...] = tuple(s.code for s in _SETTINGS if s.group == "special")

DECISIONS: tuple[str, ...] = ("assess", "refuse")
DECISION_SYNONYMS: dict[str, str] = {
    "agreed": "assess",
    "agree to assess": "assess",
    "yes": "assess",
    "accepted": "assess",
    "refused": "refuse",
    "declined": "refuse",
    "decline": "refuse",
    "not to assess": "refuse",
    "no": "refuse",
}
OUTCOMES: tuple[str, ...] = ("plan_issued", "no_plan", "withdrawn", "open")
OUTCOME_SYNONYMS: dict[str, str] = {
    "issued": "plan_issued",
    "plan issued": "plan_issued",
    "ehcp issued": "plan_issued",
    "no plan": "no_plan",
    "not issued": "no_plan",
    "decision not to issue": "no_plan",
    "withdrawn": "withdrawn",
    "in progress": "open",
    "ongoing": "open",
    "pending": "open",
}


#: The expenditure panel's decision categories and decisions (table ``panel_decisions``).
PANEL_CATEGORIES: tuple[str, ...] = ("new_placement", "placement_change", "top_up", "transport", "other")
PANEL_DECISIONS_VOCAB: tuple[str, ...] = ("approved", "reduced", "declined", "deferred", "returned")
PANEL_SYNONYMS: dict[str, str] = {
    "new placement": "new_placement",
    "placement change": "placement_change",
    "change of placement": "placement_change",
    "top up": "top_up",
    "topup": "top_up",
    "home to school transport": "transport",
    "approve": "approved",
    "agreed": "approved",
    "reduce": "reduced",
    "agreed at a lower amount": "reduced",
    "decline": "declined",
    "refused": "declined",
    "defer": "deferred",
    "returned for more information": "returned",
    "more information needed": "returned",
}


def vocabulary(name: str) -> tuple[str, ...]:
    """The allowed codes of vocabulary ``name`` (primary_need, setting, decision, outcome)."""
    return {
        "primary_need": tuple(PRIMARY_NEEDS),
        "setting": SETTING_CODES,
        "decision": DECISIONS,
        "outcome": OUTCOMES,
        "panel_category": PANEL_CATEGORIES,
        "panel_decision": PANEL_DECISIONS_VOCAB,
    }[name]


def synonyms(name: str) -> dict[str, str]:
    """Normalised label -> code for vocabulary ``name``, including each code and its DfE label.

    Keys are normalised with :func:`normalise_label` so lookups ignore case, punctuation and spacing.
    """
    out: dict[str, str] = {}
    if name == "primary_need":
        for code, label in PRIMARY_NEEDS.items():
            out[normalise_label(code)] = code
            out[normalise_label(label)] = code
        extra = PRIMARY_NEED_SYNONYMS
    elif name == "setting":
        for s in _SETTINGS:
            out[normalise_label(s.code)] = s.code
            out[normalise_label(s.label)] = s.code
            for syn in s.synonyms:
                out[normalise_label(syn)] = s.code
        extra = {}
    elif name == "decision":
        out = {normalise_label(c): c for c in DECISIONS}
        extra = DECISION_SYNONYMS
    elif name == "outcome":
        out = {normalise_label(c): c for c in OUTCOMES}
        extra = OUTCOME_SYNONYMS
    elif name in ("panel_category", "panel_decision"):
        out = {normalise_label(c): c for c in vocabulary(name)}
        extra = {k: v for k, v in PANEL_SYNONYMS.items() if v in out.values()}
    else:
        raise KeyError(name)
    for k, v in extra.items():
        out[normalise_label(k)] = v
    return out


def normalise_label(text: str) -> str:
    """Lower case, ``&`` as ``and``, every run of non-alphanumerics as one space, trimmed.

    >>> normalise_label("  Independent Special-School ")
    'independent special school'
    """
    import re

    t = str(text).strip().lower().replace("&", " and ")
    t = re.sub(r"[^0-9a-z]+", " ", t)
    return t.strip()


def normalise_header(text: str) -> str:
    """A header as a contract column name: ``" Plan ID "`` -> ``"plan_id"``."""
    return normalise_label(text).replace(" ", "_")
