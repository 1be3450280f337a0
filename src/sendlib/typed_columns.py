"""Typing one table's columns for :func:`sendlib.load`: each contract column parsed by its kind
(:mod:`sendlib.clean`), with a finding for every value that cannot be read (``bad_date``, ``bad_money``,
``bad_number``, ``bad_bool``, ``bad_financial_year``, ``unknown_code``), blank needed values
(``missing_value``) and info notes (codes mapped, open end dates). Month columns (``period="month"`` in
:mod:`sendlib.schema`) are read as months and stored as month ends.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import clean, schema
from sendlib.mapping import Mapping
from sendlib.validate import TableData

#: Columns whose blank value makes a row unusable (quarantined as missing_value).
NEEDED_VALUES: dict[str, tuple[str, ...]] = {
    schema.PLANS: ("plan_id", "issued_on"),
    schema.PLACEMENTS: ("plan_id", "start_on"),
    schema.ASSESSMENTS: ("request_id", "received_on"),
    schema.PLAN_TRAJECTORY: ("month", "planned_ehcps"),
    schema.BUDGET: ("financial_year", "hnb_budget", "safety_valve_overspend_cap"),
    schema.PANEL_DECISIONS: ("decision_id", "decided_on", "category", "amount_requested", "decision"),
}
#: End dates where 31/12/9999 means "no end" (read as blank, with a note).
OPEN_END_COLUMNS = {"ceased_on", "end_on", "closed_on"}
#: Date columns whose unreadable value is blanked with a warning instead of quarantining the row.
SOFT_DATES = {(schema.PLANS, "date_of_birth")}


def type_columns(t: TableData, m: Mapping) -> None:
    """Parse every contract column of ``t.raw`` into ``t.data`` (module docstring), recording findings."""
    spec = schema.CONTRACT[t.name]
    raw = t.raw
    data: dict[str, pd.Series] = {}
    for col in spec.columns:
        c = col.name
        if c not in raw.columns:
            if col.kind == "money":
                data[c] = pd.Series(0.0, index=raw.index)
            else:
                data[c] = empty_column(col.kind, raw.index)
            continue
        values = raw[c]

        def shown(m, values=values):
            return "'" + clean._as_text(values[m]).fillna("") + "'"
        if col.kind == "date" and col.period == "month":
            v, bad = clean.parse_months(values)
            t.add(bad.to_numpy(dtype=bool), c, "bad_date", "error", lambda m: shown(m) + " is not a month",
                  "Write months as 2024-04, Apr-24, April 2024, 04/2024 or a date in the month (30/04/2024).")
        elif col.kind == "date":
            v, bad = clean.parse_dates(values)
            if c in OPEN_END_COLUMNS and bad.any():
                sentinel = bad & clean._as_text(values).str.contains(clean.OPEN_END_SENTINEL).fillna(False)
                if sentinel.any():
                    bad = bad & ~sentinel
                    t.note("open_end_date", "info", f"{t.file}: {int(sentinel.sum())} row(s) have {c} 31/12/9999 "
                           "(the system's 'no end date'); read as blank.", c)
            _add_bad_dates(t, c, values, bad, shown)
        elif col.kind == "money":
            v, bad = clean.parse_money(values)
            soft = not col.required  # optional money (contributions, planning figures): blank, not quarantine
            t.add(bad, c, "bad_money", "warning" if soft else "error",
                  lambda m, soft=soft, c=c: shown(m) + " is not an amount of money" + _soft_money_note(t.name, c, soft),
                  "Write pounds as 1234.50, £1,234.50 or (1,234) for a negative"
                  + (", or leave the cell blank when there is none." if soft else "."))
            if soft:
                v = v.fillna(0.0)
            elif t.name == schema.PLACEMENTS:
                blank = v.isna() & ~bad & ~_already_bad(t, c)
                t.add(blank, c, "missing_cost", "warning", "annual_cost is blank; kept with no cost",
                      "Fill in the placement's annual cost (it counts as £0 in average cost until then).")
        elif col.kind == "int":
            v, bad = clean.parse_int(values)
            t.add(bad, c, "bad_number", "error", lambda m: shown(m) + " is not a whole number", "Write a whole number.")
        elif col.kind == "bool":
            v, bad = clean.parse_bool(values)
            t.add(bad, c, "bad_bool", "error", lambda m: shown(m) + " is not true/false",
                  "Write true/false, yes/no, y/n or 1/0 (blank means false).")
        elif col.kind == "fy":
            v, bad = clean.parse_financial_year(values)
            t.add(bad, c, "bad_financial_year", "error", lambda m: shown(m) + " is not a financial year",
                  "Write financial years like 2024-25.")
        elif col.kind == "code":
            v, unknown, changed = clean.normalise_codes(values, col.vocabulary, m.values.get(col.vocabulary))
            allowed = schema.vocabulary(col.vocabulary)
            soft = c == "primary_need"
            t.add(unknown, c, "unknown_code", "warning" if soft else "error",
                  lambda m, c=c, soft=soft: shown(m) + f" is not a known {c}" + ("; kept with the need blank" if soft else ""),
                  (f"Use one of {', '.join(allowed)}" if len(allowed) <= 13 else
                   f"Use a {c} code from sendlib.schema (e.g. {', '.join(allowed[:3])})")
                  + f', or map your label in the mapping file: [{col.vocabulary}_values] "your label" = "code".')
            _note_mapped(t, c, values, v, changed)
        else:
            v = clean.clean_text(values)
        data[c] = v
    # side by side, not consolidated into 2-D blocks (which copies every date and number column)
    t.data = pd.concat(data, axis=1) if data else pd.DataFrame(index=raw.index)
    _fill_defaults(t)
    for c in NEEDED_VALUES.get(t.name, ()):
        blank = t.data[c].isna() & ~_already_bad(t, c)
        t.add(blank, c, "missing_value", "error", f"{c} is blank", f"Fill in {c}; the row cannot be used without it.")


def _soft_money_note(table: str, column: str, soft: bool) -> str:
    """What happens to a row whose optional money value cannot be read (the rule table in :mod:`sendlib.validate`)."""
    if not soft:
        return ""
    if table == schema.PLACEMENTS:
        return (f"; the placement is kept with {column} read as £0 (as a blank cell is), so its net cost "
                "to the High Needs Block may be overstated")
    return "; the row is kept with the value blank (read as £0, as a blank cell is)"


def _add_bad_dates(t: TableData, column: str, values: pd.Series, bad: pd.Series, shown) -> None:
    """``bad_date`` findings for the non-blank ``values`` that :func:`clean.parse_dates` could not read.

    Two wordings, each with its own fix: a value laid out as a date that names no real day
    (``2024-02-31``, ``2023-02-29``, ``2024-13-01``, ``31/04/2024``; :func:`clean.laid_out_as_date`) and
    an unreadable form (``abc``, an Excel day number outside 1950-2099). Quarantined, except in
    :data:`SOFT_DATES` columns: there a warning, the row kept with the date blank (the caller's typed
    value is already NaT).
    """
    if not bad.any():
        return
    no_such_day = np.zeros(len(bad), dtype=bool)
    no_such_day[bad.to_numpy(dtype=bool)] = clean.laid_out_as_date(values[bad]).to_numpy(dtype=bool)
    soft = (t.name, column) in SOFT_DATES
    severity = "warning" if soft else "error"
    kept = "; kept with the date blank" if soft else ""
    t.add(no_such_day, column, "bad_date", severity,
          lambda m: shown(m) + " is not a date: there is no such day (a day past the end of its month, or a "
          "month above 12)" + kept,
          "Correct the date in the source system (30 days in April, June, September and November; "
          "February 28, 29 in a leap year). Dates are read day-first (05/11/2024) or ISO (2024-11-05).")
    t.add(bad.to_numpy(dtype=bool) & ~no_such_day, column, "bad_date", severity,
          lambda m: shown(m) + " is not a date" + kept,
          "Write dates day-first (05/11/2024) or ISO (2024-11-05).")


def _already_bad(t: TableData, column: str) -> pd.Series:
    mask = np.zeros(len(t.raw), dtype=bool)
    for f in t.findings:
        if f.column == column:
            mask |= f.mask
    return pd.Series(mask, index=t.raw.index)


def empty_column(kind: str, index) -> pd.Series:
    if kind == "date":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if kind in ("money", "int"):
        return pd.Series(np.nan, index=index, dtype="float64")
    if kind == "bool":
        return pd.Series(False, index=index, dtype=bool)
    return pd.Series(pd.NA, index=index, dtype="string")


def _note_mapped(t: TableData, column: str, raw: pd.Series, codes: pd.Series, changed: pd.Series) -> None:
    if not changed.any():
        return
    pairs = (
        pd.DataFrame({"label": raw[changed].astype("string"), "code": codes[changed]})
        .value_counts()
        .sort_index()
    )
    shown = "; ".join(f"{label!r} -> {code} ({count} rows)" for (label, code), count in list(pairs.items())[:12])
    more = "" if len(pairs) <= 12 else f"; and {len(pairs) - 12} more labels"
    t.note("code_mapped", "info", f"{t.file}: {column} labels read as codes: {shown}{more}.", column)


def _fill_defaults(t: TableData) -> None:
    d = t.data
    if t.name == schema.PLACEMENTS:
        blank = d["setting"].isna() & ~_already_bad(t, "setting")
        if blank.any():
            d.loc[blank, "setting"] = "placement_unknown"
            t.note("blank_setting", "warning",
                   f"{t.file}: {int(blank.sum())} placement(s) have no setting; read as placement_unknown. "
                   "Record the setting in the source system.", "setting")
    if t.name == schema.ASSESSMENTS:
        blank = d["outcome"].isna() & ~_already_bad(t, "outcome")
        infer = pd.Series(pd.NA, index=d.index, dtype="string")
        infer = infer.mask(blank & d["issued_on"].notna(), "plan_issued")
        infer = infer.mask(blank & infer.isna() & (d["decision"] == "refuse").fillna(False), "no_plan")
        infer = infer.mask(blank & infer.isna() & d["closed_on"].isna(), "open")
        filled = infer.notna()
        if filled.any():
            d.loc[filled, "outcome"] = infer[filled]
            counts = infer[filled].value_counts().sort_index()
            t.note("outcome_inferred", "info",
                   f"{t.file}: blank outcome read from the other columns: "
                   + ", ".join(f"{k} ({v} rows)" for k, v in counts.items()) + ".", "outcome")
