"""Builders of messy extract folders for the loader tests (written into pytest's tmp_path).

``broken_extract(folder)`` copies the clean hand-built example (data/example) and appends one broken
row per validation rule, returning the expected row counts worked out by hand.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from sendlib import config

PLANS_HEADER = "plan_id,child_id,date_of_birth,primary_need,issued_on,ceased_on"
PLACEMENTS_HEADER = (
    "plan_id,setting,provider_urn,provider_name,start_on,end_on,annual_cost,health_contribution,"
    "social_care_contribution"
)
ASSESSMENTS_HEADER = "request_id,child_id,received_on,decision_on,decision,outcome,issued_on,closed_on,exception"

# One broken row per rule. Comment = rule; "kept" rows are fixed/noted, others are quarantined.
BROKEN_PLANS = [
    ",C101,2015-01-01,ASD,2023-01-01,",  # missing_value (plan_id blank)
    "P102,C102,2015-01-01,ASD,31/02/2024,",  # bad_date (no 31 February)
    "P103,C103,2015-01-01,ASD,2023-05-01,2023-01-01",  # end_before_start (ceased before issued)
    "P104,C104,2015-01-01,ASD,2025-01-10,",  # date_after_as_of (issued after 2024-11-30)
    "P001,C001,2012-05-14,ASD,2021-03-15,",  # duplicate_row (exact copy of row 2)
    "P105,C105,2015-01-01,ASD,2023-01-01,",  # duplicate_id (P105 twice, different content) ...
    "P105,C105,2015-01-01,SEMH,2023-01-01,",  # ... both copies quarantined
    "P106,C106,2015-01-01,Martian,2023-01-01,",  # unknown_code primary_need: KEPT (need blanked, warning)
]
BROKEN_PLACEMENTS = [
    "P002,mainstream_academy,,,2020-01-01,2020-12-31,abc,0,0",  # bad_money
    "P002,mainstream_academy,,,2019-01-01,2019-12-31,-500,0,0",  # negative_money
    "P004,Moon School,,,2018-01-01,2018-12-31,1000,0,0",  # unknown_code setting
    "P999,mainstream_academy,,,2024-01-01,,1000,0,0",  # orphan_placement (no plan P999)
    "P004,special_academy_free,,,2022-05-01,2022-01-01,1000,0,0",  # end_before_start
    "P012,special_independent,,,2024-09-01,,50000,0,0",  # overlapping_placements: KEPT, earlier spell trimmed
    "P005,mainstream_academy,,,,,1000,0,0",  # missing_value (start_on blank)
    "P005,mainstream_academy,,,2025-02-01,,1000,0,0",  # date_after_as_of (start after as_of)
    "P105,mainstream_academy,,,2023-01-01,,1000,0,0",  # orphan_placement (its plan was quarantined)
]
BROKEN_ASSESSMENTS = [
    "R101,C101,2024-05-01,2024-06-01,assess,plan_issued,2024-04-01,,false",  # plan_before_request
    "R102,C102,2024-05-01,2024-06-01,refuse,plan_issued,2024-09-01,,false",  # decision_outcome
    "R103,C103,2024-05-01,2024-06-01,assess,open,,,maybe",  # bad_bool
    "R104,C104,2024-05-01,2024-04-01,assess,open,,,false",  # end_before_start (decision before request)
    "R105,C105,2025-01-01,,,open,,,false",  # date_after_as_of
    "R106,C106,2024-05-01,,,open,,,false",  # duplicate_id ...
    "R106,C106,2024-05-02,,,open,,,false",  # ... both copies quarantined
    "R107,C107,2024-05-01,2024-06-01,perhaps,open,,,false",  # unknown_code decision
    "R108,C108,2024-05-01,2024-06-01,assess,no_plan,,,false",  # closed_without_date
]
BROKEN_TRAJECTORY = ["2025-04-30,nine,100"]  # bad_number
BROKEN_BUDGET = ["2024,1,1,1,1"]  # bad_financial_year

#: Expected rows_in / rows_kept / rows_quarantined, by hand: example rows + broken rows.
EXPECTED = {
    # 12 clean + 8 broken = 20 in; quarantined: 7 (all but the unknown need, which is kept)
    "plans": {"rows_in": 20, "rows_kept": 13, "rows_quarantined": 7},
    # 13 clean + 9 broken = 22 in; quarantined: 8 (the overlapping spell is kept, the earlier one trimmed)
    "placements": {"rows_in": 22, "rows_kept": 14, "rows_quarantined": 8},
    # 17 clean + 9 broken = 26 in; quarantined: all 9
    "assessments": {"rows_in": 26, "rows_kept": 17, "rows_quarantined": 9},
    "plan_trajectory": {"rows_in": 8, "rows_kept": 7, "rows_quarantined": 1},
    "budget": {"rows_in": 3, "rows_kept": 2, "rows_quarantined": 1},
}

#: Quarantined rows by hand (header = row 1): data/example has 12 plans (rows 2-13), 13 placements
#: (2-14), 17 requests (2-18), 7 trajectory months (2-8) and 2 budget years (2-3); the broken rows
#: follow in the order of the lists above, the kept ones left out (P106: plans row 21; the overlapping
#: spell: placements row 20).
QUARANTINED_ROWS = {
    "plans": [14, 15, 16, 17, 18, 19, 20],
    "placements": [15, 16, 17, 18, 19, 21, 22, 23],
    "assessments": [19, 20, 21, 22, 23, 24, 25, 26, 27],
    "plan_trajectory": [9],
    "budget": [4],
}

#: Rules every broken folder must report (at least one issue each).
EXPECTED_RULES = {
    "missing_value", "bad_date", "end_before_start", "date_after_as_of", "duplicate_row", "duplicate_id",
    "unknown_code", "bad_money", "negative_money", "orphan_placement", "overlapping_placements",
    "plan_before_request", "decision_outcome", "bad_bool", "closed_without_date", "bad_number",
    "bad_financial_year",
}


def data_rows_in_csv(path: Path) -> int:
    """Rows of a CSV below its header row with at least one non-blank cell, counted with the stdlib
    csv reader (independent of sendlib's reader). Fully blank rows carry no data and are not rows."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        records = list(csv.reader(f))
    return sum(1 for r in records[1:] if any(c.strip() for c in r))


def copy_example(folder: Path) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for p in config.EXAMPLE_DIR.iterdir():
        if p.suffix in (".csv", ".toml"):
            shutil.copy(p, folder / p.name)
    return folder


def _append(path: Path, rows: list[str]) -> None:
    text = path.read_text()
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + "\n".join(rows) + "\n")


def broken_extract(folder: Path) -> Path:
    """The example extract plus one broken row per rule (see the lists above)."""
    folder = copy_example(folder)
    _append(folder / "plans.csv", BROKEN_PLANS)
    _append(folder / "placements.csv", BROKEN_PLACEMENTS)
    _append(folder / "assessments.csv", BROKEN_ASSESSMENTS)
    _append(folder / "plan_trajectory.csv", BROKEN_TRAJECTORY)
    _append(folder / "budget.csv", BROKEN_BUDGET)
    return folder


def write_tables(folder: Path, plans: list[str], placements: list[str], assessments: list[str]) -> Path:
    """A minimal folder with the three required tables from CSV lines (headers added)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plans.csv").write_text("\n".join([PLANS_HEADER, *plans]) + "\n")
    (folder / "placements.csv").write_text("\n".join([PLACEMENTS_HEADER, *placements]) + "\n")
    (folder / "assessments.csv").write_text("\n".join([ASSESSMENTS_HEADER, *assessments]) + "\n")
    (folder / "extract.toml").write_text('as_of = "2024-11-30"\n')
    return folder
