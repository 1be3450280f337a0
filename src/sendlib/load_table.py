"""Reading and typing one table of an extract for :func:`sendlib.load`: find its file, read it
(:mod:`sendlib.read`), match its headers to the contract (through the mapping), type every column
(:mod:`sendlib.typed_columns`), and set aside formula cells without a saved value and the sheet's total
rows. The rules within and across tables are in :mod:`sendlib.validate`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sendlib import schema
from sendlib.extract import Issue
from sendlib.mapping import Mapping
from sendlib.read import RawTable, ReadFailure, find_table_file, read_table, table_files_found
from sendlib.typed_columns import empty_column, type_columns
from sendlib.validate import TableData


def read_one_table(data_dir: Path, name: str, m: Mapping, issues: list[Issue]) -> TableData | None:
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
    type_columns(t, m)
    _add_total_rows(t, raw, rename)
    return t


def _where(raw: RawTable, position: int) -> str:
    """A column of the file as the analyst finds it: spreadsheet letter for xlsx, else its number."""
    if raw.column_letters:
        from sendlib.read_xlsx import column_letter

        return f"column {column_letter(position)}"
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
    appending keeps row order. Run after :func:`sendlib.typed_columns.type_columns`: earlier findings' masks are extended.
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
    blank = pd.DataFrame({c.name: empty_column(c.kind, index) for c in spec.columns}, index=index)
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


