"""``sendlib.load``: read, clean and validate an extract folder into an :class:`~sendlib.extract.Extract`.

Steps (each in its own module): find and read each table's file (:mod:`sendlib.read`), rename headers
to the contract through the mapping file (:mod:`sendlib.mapping`), parse values (:mod:`sendlib.clean`),
check rules and split kept rows from quarantined ones (:mod:`sendlib.validate`).

The extract date ``as_of`` is decided here, and only here, for every command: the ``as_of`` argument
(``--as-of YYYY-MM-DD`` on the command line), else ``as_of`` in ``extract.toml`` in the data folder
(``as_of = "2024-11-30"``), else the latest event date in the extract that is not after today (noted
as an info issue). The argument wins over extract.toml; when the two differ an info issue (rule
``as_of``) says which was used. ``Extract.as_of_source`` records where the date came from
(``argument``, ``extract.toml`` or ``inferred``); ``sendlib validate`` prints it.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from sendlib import clean, schema
from sendlib.errors import DataError, UsageError
from sendlib.extract import Extract, Issue
from sendlib.mapping import Mapping, load_mapping
from sendlib.read import RawTable, ReadFailure, find_table_file, read_table, table_files_found
from sendlib.validate import (
    HISTORY_COLUMNS,
    TableData,
    check_after_as_of,
    check_assessments,
    check_duplicates,
    check_money,
    check_order,
    check_orphans,
    check_placements_within_plans,
    check_plans,
    check_rows_kept,
    finding_issues,
    quarantine_frame,
    trim_overlapping_placements,
)
from sendlib.validate.plausibility import check_plausibility

EXTRACT_TOML = "extract.toml"

#: Columns whose blank value makes a row unusable (quarantined as missing_value).
NEEDED_VALUES: dict[str, tuple[str, ...]] = {
    schema.PLANS: ("plan_id", "issued_on"),
    schema.PLACEMENTS: ("plan_id", "start_on"),
    schema.ASSESSMENTS: ("request_id", "received_on"),
    schema.PLAN_TRAJECTORY: ("month", "planned_ehcps"),
    schema.BUDGET: ("financial_year", "hnb_budget", "safety_valve_overspend_cap"),
}
#: End dates where 31/12/9999 means "no end" (read as blank, with a note).
OPEN_END_COLUMNS = {"ceased_on", "end_on", "closed_on"}
#: Date columns whose unreadable value is blanked with a warning instead of quarantining the row.
SOFT_DATES = {(schema.PLANS, "date_of_birth")}


def load(
    data_dir: str | Path,
    mapping: str | Path | dict | Mapping | None = None,
    as_of: str | dt.date | pd.Timestamp | None = None,
    *,
    errors: str = "raise",
) -> Extract:
    """Load the extract in ``data_dir``: cleaned, validated tables, the quarantine and the issues found.

    ``mapping``: a TOML mapping file (see :mod:`sendlib.mapping`) for other file names, headers or
    labels. ``as_of``: the extract date (see module docstring). ``errors="raise"`` (default) raises
    :class:`~sendlib.errors.DataError` listing the blocking issues when the extract cannot be used;
    ``errors="return"`` returns the Extract anyway (``extract.usable`` is False) so a report can be
    written. Row counts always reconcile: rows_in = rows_kept + rows_quarantined for every table.
    """
    if errors not in ("raise", "return"):
        raise ValueError("errors must be 'raise' or 'return'")
    data_dir = Path(data_dir)
    m = load_mapping(mapping)
    issues: list[Issue] = []
    tables: dict[str, TableData | None] = {}

    def blocking(table: str, rule: str, message: str, file: str | None = None) -> None:
        issues.append(Issue(table, None, None, rule, "blocking", message, file))

    if not data_dir.is_dir():
        what = "is a file, not a folder" if data_dir.exists() else "does not exist"
        blocking("", "missing_folder", f"data folder {data_dir} {what}. Give the folder holding the extract files.")
        return _finish(data_dir, {}, None, issues, errors)

    stamp = _as_of_argument(as_of)
    from_toml, note = _as_of_from_toml(data_dir)
    source = "argument" if stamp is not None else ("extract.toml" if from_toml is not None else None)
    if stamp is None:
        stamp = from_toml
        if note is not None:
            issues.append(note)
    elif from_toml is not None and from_toml != stamp:
        issues.append(Issue("", None, None, "as_of", "info",
                            f"extract date as_of {stamp:%Y-%m-%d} given (--as-of, or as_of= in Python) is used; "
                            f"{EXTRACT_TOML} says {from_toml:%Y-%m-%d} (the option wins).", EXTRACT_TOML))

    for name in schema.TABLES:
        tables[name] = _read_one(data_dir, name, m, issues)

    present = [t for t in tables.values() if t is not None]
    if stamp is None and present:
        stamp = _infer_as_of(present)
        if stamp is not None:
            source = "inferred"
            issues.append(Issue("", None, None, "as_of", "info",
                                f"extract date as_of not given; using the latest event date "
                                f"{stamp:%d/%m/%Y}. Set it in {EXTRACT_TOML} (as_of = \"YYYY-MM-DD\")."))
    for t in present:
        _row_rules(t, stamp)
    placements, plans = tables.get(schema.PLACEMENTS), tables.get(schema.PLANS)
    if placements is not None and plans is not None:
        check_orphans(placements, plans)
    if placements is not None:
        trim_overlapping_placements(placements)
    if placements is not None and plans is not None:
        # after the overlap trim: kept spells are disjoint, so moving a start or trimming an end to the
        # plan's dates creates no new overlap
        check_placements_within_plans(placements, plans)
    check_plausibility(tables)  # warnings only: after every rule that sets rows aside
    for t in present:  # last: counts every rule's quarantine
        blocked = any(i.table == t.name and i.severity == "blocking" for i in issues)
        check_rows_kept(t, required=t.name in schema.REQUIRED_TABLES, blocked=blocked)
    extract = _finish(data_dir, tables, stamp, issues, errors)
    extract.as_of_source = source
    return extract


# -------------------------------------------------------------------------------------------------
# as_of
# -------------------------------------------------------------------------------------------------


def _as_of_argument(value) -> pd.Timestamp | None:
    """The ``as_of`` argument as a timestamp: text must be ``YYYY-MM-DD`` (as ``--as-of`` takes it on
    every command); a date or Timestamp is used as given. :class:`UsageError` otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise UsageError(f"as_of {value!r} is not a date: write it as YYYY-MM-DD (e.g. --as-of 2024-11-30).")
    try:
        stamp = pd.Timestamp(value.strip() if isinstance(value, str) else value)
    except (ValueError, TypeError):
        raise UsageError(f"as_of {value!r} is not a date: write it as YYYY-MM-DD (e.g. --as-of 2024-11-30).") from None
    if pd.isna(stamp):
        raise UsageError(f"as_of {value!r} is not a date: write it as YYYY-MM-DD (e.g. --as-of 2024-11-30).")
    return stamp.normalize().as_unit("ns")


def _as_of_from_toml(data_dir: Path) -> tuple[pd.Timestamp | None, Issue | None]:
    path = data_dir / EXTRACT_TOML
    if not path.is_file():
        return None, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        value = data.get("as_of")
        if value is None:
            return None, None
        return pd.Timestamp(value).normalize().as_unit("ns"), None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError, TypeError) as exc:
        return None, Issue("", None, None, "bad_extract_toml", "blocking",
                           f"{EXTRACT_TOML} in {data_dir} cannot be read ({exc}). It should hold one line "
                           'like as_of = "2024-11-30".', EXTRACT_TOML)


def _infer_as_of(tables: list[TableData]) -> pd.Timestamp | None:
    today = pd.Timestamp(dt.date.today())
    best = None
    for t in tables:
        for col in HISTORY_COLUMNS.get(t.name, ()):
            v = t.data[col]
            v = v[v <= today].max()
            if pd.notna(v) and (best is None or v > best):
                best = v
    return None if best is None else pd.Timestamp(best).as_unit("ns")


# -------------------------------------------------------------------------------------------------
# Reading and typing one table
# -------------------------------------------------------------------------------------------------


def _read_one(data_dir: Path, name: str, m: Mapping, issues: list[Issue]) -> TableData | None:
    spec = schema.CONTRACT[name]
    path = find_table_file(data_dir, name, m.files.get(name))
    if path is None:
        if m.files.get(name):
            issues.append(Issue(name, None, None, "missing_file", "blocking" if spec.required else "warning",
                                f"the mapping names {m.files[name]!r} for table {name}, but there is no such "
                                f"file in {data_dir}. Fix [files] in the mapping file or add the file.",
                                m.files[name]))
        elif spec.required:
            issues.append(Issue(name, None, None, "missing_file", "blocking",
                                f"no {name}.csv, {name}.xlsx or {name}.parquet in {data_dir}. Add the {name} "
                                f"table, or name its file under [files] in a mapping file "
                                f'({name} = "your file name").', None))
        return None
    found = table_files_found(data_dir, name) if not m.files.get(name) else [path]
    if len(found) > 1:
        issues.append(Issue(name, None, None, "ambiguous_file", "warning",
                            f"several files hold {name}: {', '.join(p.name for p in found)}; using {path.name}. "
                            "Remove the others.", path.name))
    lookup = m.header_lookup(name)
    key_headers = {h for h, c in lookup.items() if c in spec.key}
    try:
        raw = read_table(path, set(lookup), sheet=m.sheets.get(name), key_headers=key_headers)
    except ReadFailure as exc:
        severity = "blocking" if spec.required else "warning"
        msg = exc.message if spec.required else exc.message + f" The optional {name} table is left out."
        issues.append(Issue(name, None, None, exc.rule, severity, msg, exc.file or path.name))
        return None
    for rule, severity, message in raw.notes:
        issues.append(Issue(name, None, None, rule, severity, message, raw.file))
    rename, ignored = _match_headers(name, raw, lookup, issues)
    missing = [c for c in spec.required_columns if c not in rename.values()]
    if missing:
        issues.append(_missing_column_issue(name, raw, missing, m, spec.required))
        return None
    if ignored:
        issues.append(Issue(name, None, None, "ignored_columns", "info",
                        f"{raw.file}: columns not in the contract were ignored: {', '.join(ignored)}.", raw.file))
    frame = raw.frame[list(rename)].rename(columns=rename)
    if len(frame) == 0:
        issues.append(Issue(name, None, None, "empty_file", "blocking" if spec.required else "warning",
                            f"{raw.file} has a header but no data rows. Export the {name} table again."
                            + ("" if spec.required else f" The optional {name} table is left out."),
                            raw.file))
        if not spec.required:
            return None
    t = TableData(name, raw.file, raw.rows, frame, pd.DataFrame(index=frame.index))
    _add_uncached_formulas(t, raw, rename)
    _type_columns(t, m)
    _add_total_rows(t, raw, rename)
    return t


def _where(raw: RawTable, position: int) -> str:
    """A column of the file as the analyst finds it: spreadsheet letter for xlsx, else its number."""
    if raw.column_letters:
        from sendlib.read import _column_letter

        return f"column {_column_letter(position)}"
    return f"column {position + 1}"


def _match_headers(name: str, raw: RawTable, lookup: dict[str, str], issues: list[Issue]):
    """Frame column -> contract column, and the frame columns ignored.

    Headers are matched as written (:attr:`RawTable.written_headers`). When two headers mean one column
    (the same header twice, or ``Plan ID`` beside ``plan_id``), the first is used and the others ignored,
    with a ``duplicate_column`` warning naming both positions: the two may disagree.
    """
    rename: dict[str, str] = {}
    used_at: dict[str, int] = {}
    ignored: list[str] = []
    for j, (header, written) in enumerate(zip(raw.frame.columns, raw.written_headers, strict=True)):
        col = lookup.get(schema.normalise_header(written))
        if col is None:
            ignored.append(header)
        elif col in used_at:
            first = used_at[col]
            first_header = raw.written_headers[first]
            same = "the same header" if first_header == written else f"headers {first_header!r} and {written!r}"
            issues.append(Issue(
                name, None, col, "duplicate_column", "warning",
                f"{raw.file}: {_where(raw, first)} and {_where(raw, j)} have {same}, both read as {col}; "
                f"{_where(raw, first)} ({first_header!r}) is used and {_where(raw, j)} ({written!r}) is "
                "ignored. Check the two agree, then delete or rename the one not wanted.",
                raw.file))
        else:
            rename[header] = col
            used_at[col] = j
    return rename, ignored


def _missing_column_issue(name: str, raw: RawTable, missing: list[str], m: Mapping, required: bool) -> Issue:
    """missing_column: a mapped header the file lacks is named as such, with the nearest headers."""
    import difflib

    where = f"{raw.file}" + (f" (sheet {raw.sheet!r})" if raw.sheet else "")
    headers = [h for h in raw.written_headers if h]
    mapped = m.columns.get(name, {})
    parts = []
    for c in [c for c in missing if c in mapped]:
        near = difflib.get_close_matches(mapped[c], headers, n=3, cutoff=0.4) or difflib.get_close_matches(
            schema.normalise_header(mapped[c]), headers, n=3, cutoff=0.3
        )
        near_text = ", ".join(repr(h) for h in near) if near else "none close"
        parts.append(
            f"the mapping gives {mapped[c]!r} for {name}.{c}, and {where} has no such header; the nearest "
            f"headers are {near_text}. Correct [{name}] {c} in the mapping file to the header as written."
        )
    plain = [c for c in missing if c not in mapped]
    if plain:
        found_cols = ", ".join(repr(c) for c in headers) or "none"
        example = "\n".join(f'    {c} = "<header in your file>"' for c in plain[:3])
        parts.append(
            f"{where} has no column {', '.join(plain)}. Columns found: {found_cols}. Rename the headers, "
            f"or write a mapping file (--mapping) with\n  [{name}]\n{example}"
        )
    message = "\n".join(parts) + ("" if required else f"\nThe optional {name} table is left out.")
    return Issue(name, None, ", ".join(missing), "missing_column", "blocking" if required else "warning",
                 message, raw.file)


def _add_uncached_formulas(t: TableData, raw: RawTable, rename: dict[str, str]) -> None:
    """uncached_formula (quarantine): a workbook cell holds a formula with no saved value.

    Read for values such a cell is empty, so the row would be read with a blank cost or date; it is set
    aside instead, naming the cell and formula, until the workbook is opened and saved in Excel (which
    stores each formula's value) or exported with values.
    """
    by_col: dict[str, list[tuple[int, str, str]]] = {}
    for pos, header, cell, formula in raw.formulas:
        col = rename.get(header)
        if col is not None:
            by_col.setdefault(col, []).append((pos, cell, formula))
    for col, cells in by_col.items():
        mask = np.zeros(len(t.raw), dtype=bool)
        mask[[p for p, _, _ in cells]] = True
        order = sorted(cells)
        what = np.array([f"cell {cell} holds the formula {formula} with no saved value (the workbook was "
                         "written by a program and never opened in Excel), so its value cannot be read"
                         for _, cell, formula in order], dtype=object)
        t.add(mask, col, "uncached_formula", "error", what,
              "Open the workbook in Excel and save it (Excel then stores each formula's value), or export "
              "the values (Paste Special > Values, or save as CSV).")


def _add_total_rows(t: TableData, raw: RawTable, rename: dict[str, str]) -> None:
    """Append the file's total rows (:mod:`sendlib.read`) to ``t`` and quarantine them (``total_row``).

    They count in rows_in and appear in the quarantine with their reason, so rows in = rows kept +
    rows quarantined. Their typed values are all missing, so no other rule reads them (every rule
    skips or ignores missing values) and no figure sees them. They are the last rows of the file, so
    appending keeps row order. Run after :func:`_type_columns`: earlier findings' masks are extended.
    """
    n = len(raw.total_rows)
    if n == 0:
        return
    start = len(t.raw)
    index = pd.RangeIndex(start, start + n)
    totals = raw.totals[list(rename)].rename(columns=rename).set_axis(index)
    t.raw = pd.concat([t.raw, totals]) if start else totals
    t.rows = np.concatenate([t.rows, raw.total_rows])
    spec = schema.CONTRACT[t.name]
    blank = pd.DataFrame({c.name: _empty(c.kind, index) for c in spec.columns}, index=index)
    t.data = pd.concat([t.data, blank]) if start else blank
    for f in t.findings:
        f.mask = np.concatenate([f.mask, np.zeros(n, dtype=bool)])
    labels = pd.Series(raw.total_labels, dtype="string").str.strip()
    headers = pd.Series(raw.total_columns, dtype="string")
    columns = headers.map(rename).astype("string")  # the contract column holding the label, if any
    keys = " and ".join(spec.key)
    what = (
        "'" + labels + "' in " + columns.fillna(headers) + f" at the bottom of the file, with no record id "
        f"({keys}): read as the sheet's total row, not a record, and set aside"
    )
    fix = (f"Nothing to do if this is a total row. If it is a real record, fill in its {keys} "
           "so it is read as one.")
    for col in columns.dropna().unique().tolist() + ([None] if columns.isna().any() else []):
        hit = (columns.isna() if col is None else columns == col).to_numpy(dtype=bool)
        mask = np.concatenate([np.zeros(start, dtype=bool), hit])
        t.add(mask, col, "total_row", "info", what[hit].to_numpy(dtype=object), fix, quarantine=True)


def _type_columns(t: TableData, m: Mapping) -> None:
    spec = schema.CONTRACT[t.name]
    raw = t.raw
    data: dict[str, pd.Series] = {}
    for col in spec.columns:
        c = col.name
        if c not in raw.columns:
            if col.kind == "money":
                data[c] = pd.Series(0.0, index=raw.index)
            else:
                data[c] = _empty(col.kind, raw.index)
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
    t.data = pd.DataFrame(data, index=raw.index)
    _fill_defaults(t)
    for c in NEEDED_VALUES.get(t.name, ()):
        blank = t.data[c].isna() & ~_already_bad(t, c)
        t.add(blank, c, "missing_value", "error", f"{c} is blank", f"Fill in {c}; the row cannot be used without it.")


def _soft_money_note(table: str, column: str, soft: bool) -> str:
    """What happens to a row whose optional money value cannot be read (validate.py's rule table)."""
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


def _empty(kind: str, index) -> pd.Series:
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


def _row_rules(t: TableData, as_of: pd.Timestamp | None) -> None:
    check_money(t)
    if t.name == schema.PLANS:
        check_plans(t)
    elif t.name == schema.PLACEMENTS:
        check_order(t, "start_on", "end_on", fix="Correct start_on or end_on (end_on is the last day).")
    elif t.name == schema.ASSESSMENTS:
        check_assessments(t)
    elif t.name == schema.PLAN_TRAJECTORY:
        neg = (t.data["planned_ehcps"] < 0).fillna(False)
        t.add(neg, "planned_ehcps", "negative_number", "error", "planned_ehcps is negative", "Correct the plan.")
    check_after_as_of(t, as_of)
    check_duplicates(t)


# -------------------------------------------------------------------------------------------------
# Assembling the Extract
# -------------------------------------------------------------------------------------------------


def _empty_table(name: str) -> pd.DataFrame:
    spec = schema.CONTRACT[name]
    idx = pd.RangeIndex(0)
    cols = {}
    for c in spec.columns:
        cols[c.name] = pd.Series(0.0, index=idx) if c.kind == "money" else _empty(c.kind, idx)
    frame = pd.DataFrame(cols, index=idx)
    for c in spec.columns:
        if c.kind == "int":
            frame[c.name] = frame[c.name].astype("int64")
    return frame


def _final_dtypes(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    for c in schema.CONTRACT[name].columns:
        if c.kind == "int":
            frame[c.name] = frame[c.name].astype("int64")
        elif c.kind == "date":
            frame[c.name] = frame[c.name].astype("datetime64[ns]")
        elif c.kind == "money":
            frame[c.name] = frame[c.name].astype("float64")
        elif c.kind == "bool":
            frame[c.name] = frame[c.name].astype(bool)
        else:
            frame[c.name] = frame[c.name].astype("string")
    return frame


def _finish(data_dir: Path, tables: dict, as_of, issues: list[Issue], errors: str) -> Extract:
    frames: dict[str, pd.DataFrame | None] = {}
    quarantines = []
    counts: dict[str, dict[str, int]] = {}
    row_issues: list[Issue] = []
    for name in schema.TABLES:
        t = tables.get(name)
        if t is None:
            frames[name] = _empty_table(name) if name in schema.REQUIRED_TABLES else None
            if name in schema.REQUIRED_TABLES:
                counts[name] = {"rows_in": 0, "rows_kept": 0, "rows_quarantined": 0}
            continue
        q = t.quarantined
        kept = t.data.loc[~q].reset_index(drop=True)
        frames[name] = _final_dtypes(name, kept)
        qf = quarantine_frame(t)
        if len(qf):
            quarantines.append(qf)
        counts[name] = {"rows_in": len(t), "rows_kept": int((~q).sum()), "rows_quarantined": int(q.sum())}
        c = counts[name]
        assert c["rows_in"] == c["rows_kept"] + c["rows_quarantined"] == len(frames[name]) + len(qf), name
        row_issues.extend(finding_issues(t))
    quarantine = (
        pd.concat(quarantines, ignore_index=True)
        if quarantines
        else pd.DataFrame({"table": pd.Series(dtype="string"), "row": pd.Series(dtype="int64"),
                           "reasons": pd.Series(dtype="string")})
    )
    extract = Extract(
        plans=frames[schema.PLANS],
        placements=frames[schema.PLACEMENTS],
        assessments=frames[schema.ASSESSMENTS],
        plan_trajectory=frames[schema.PLAN_TRAJECTORY],
        budget=frames[schema.BUDGET],
        as_of=as_of,
        issues=issues + row_issues,
        quarantine=quarantine,
        row_counts=counts,
        source=data_dir,
    )
    if errors == "raise" and not extract.usable:
        blocking = [i.message for i in extract.issues if i.severity == "blocking"]
        exc = DataError(f"the extract in {data_dir} cannot be used:\n- " + "\n- ".join(blocking))
        exc.extract = extract  # type: ignore[attr-defined]
        raise exc
    return extract
