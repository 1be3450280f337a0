"""Reading one table from an Excel workbook (.xlsx) into raw text, for :mod:`sendlib.read`.

Cells become text as the analyst sees them: a number that is whole (``1`` or ``1.0``, as Excel stores
ids typed as numbers) is ``"1"``, so it matches the same id written as text in a CSV; text cells keep
leading zeros (``"007"``); date cells are ISO dates (with the time when it is not midnight).

The sheet: the one named in the mapping, else the one named after the table, else the first; when that
one has no header row of the table and exactly one other sheet has, that one is read and an info note
(``sheet_chosen``) says so. Formula cells with no saved value (a workbook written by a script and never
opened in Excel: read for values, the cell is empty) are listed in ``RawTable.formulas`` with their cell
reference, so :mod:`sendlib.load` can name them instead of reading blank costs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from sendlib import schema
from sendlib.read import (
    _ZIP_MAGIC,
    HEADER_SEARCH_ROWS,
    RawTable,
    ReadFailure,
    _find_header,
    _split_blank_and_total,
)


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d") if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def read_xlsx(path: Path, expected: set[str], sheet: str | None, keys: set[str]) -> RawTable:
    """Read a workbook's table (:func:`sendlib.read.read_table` for .xlsx; module docstring)."""
    import zipfile

    import openpyxl

    head = path.read_bytes()[:8]
    if not head.strip():
        raise ReadFailure("empty_file", f"{path.name} is empty. Save the workbook again from Excel.")
    if not head.startswith(_ZIP_MAGIC):
        raise ReadFailure(
            "binary_file",
            f"{path.name} is not an Excel .xlsx workbook (old .xls files and renamed CSVs are not read). "
            "Open it in Excel and save as .xlsx, or export the table as CSV.",
        )
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadFailure(
            "unreadable_file",
            f"{path.name} could not be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Open it in Excel and save it again as .xlsx.",
        ) from None
    notes: list[tuple[str, str, str]] = []
    try:
        names = list(wb.sheetnames)
        chosen, grid, hidx = _choose_sheet(wb, names, path, expected, sheet, notes)
    finally:
        wb.close()
    formulas = _uncached_formulas(path, chosen, grid, hidx)
    header = [_cell_text(c).strip() for c in grid[hidx]]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    header = [h or f"unnamed_{j + 1}" for j, h in enumerate(header[:width])]
    body = [[_cell_text(c) for c in (r + [None] * width)[:width]] for r in grid[hidx + 1 :]]
    frame = pd.DataFrame(body, columns=_dedupe(header), dtype="str") if body else pd.DataFrame(
        {h: pd.Series(dtype="str") for h in _dedupe(header)}
    )
    rows = np.arange(len(frame), dtype="int64") + hidx + 2
    if hidx:
        notes.append(("title_rows", "info", f"{path.name}: skipped {hidx} row(s) above the header row."))
    raw = _split_blank_and_total(frame, rows, path.name, notes, keys)
    raw.sheet = chosen
    raw.headers = header
    raw.column_letters = True
    if formulas:  # (grid row, grid column, formula) -> (data row position, header, cell, formula)
        pos = {int(r): i for i, r in enumerate(raw.rows)}
        raw.formulas = [
            (pos[r + 1], header[j], f"{column_letter(j)}{r + 1}", f) for r, j, f in formulas
            if r + 1 in pos and j < width
        ]
    return raw


def column_letter(j: int) -> str:
    """Spreadsheet letter of the 0-based column ``j`` (0 -> A, 26 -> AA)."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _sheet_top(wb, name: str) -> list[list]:
    return [list(r) for _, r in zip(range(HEADER_SEARCH_ROWS), wb[name].iter_rows(values_only=True), strict=False)]


def _choose_sheet(wb, names: list[str], path: Path, expected: set[str], sheet: str | None, notes: list):
    """The sheet to read, its grid of values and its header row index.

    ``sheet`` (from the mapping) is used as given. Otherwise the sheet named after the table, else the
    first; when that sheet has no header row of the table and exactly one other sheet has, that one is
    read, with an info note (``sheet_chosen``); with none or several, ``wrong_sheet`` names them.
    """
    table = path.stem.lower()
    if sheet is not None:
        if sheet not in names:
            raise ReadFailure(
                "wrong_sheet",
                f"{path.name} has no sheet {sheet!r}; its sheets are {names}. Fix the sheet name "
                "under [sheets] in the mapping file.",
            )
        chosen = sheet
    else:
        by_norm = {schema.normalise_header(n): n for n in names}
        chosen = by_norm.get(schema.normalise_header(table), names[0] if names else None)
    if chosen is None:
        raise ReadFailure("empty_file", f"{path.name} has no sheets.")
    grid = [list(r) for r in wb[chosen].iter_rows(values_only=True)]
    empty = not any(any(c is not None and str(c).strip() for c in r) for r in grid)
    hidx = None if empty else _find_header(grid, expected)
    if hidx is not None:
        return chosen, grid, hidx
    others = [n for n in names if n != chosen and _find_header(_sheet_top(wb, n), expected) is not None]
    if sheet is None and len(others) == 1:
        notes.append(("sheet_chosen", "info", f"{path.name}: read sheet {others[0]!r}, the only one of its "
                      f"sheets {names} with the table's header row ({chosen!r} has none)."))
        grid = [list(r) for r in wb[others[0]].iter_rows(values_only=True)]
        return others[0], grid, _find_header(grid, expected)
    if empty:
        raise ReadFailure(
            "empty_file" if len(names) == 1 else "wrong_sheet",
            f"sheet {chosen!r} of {path.name} is empty"
            + (
                f"; the workbook's sheets are {names}. Name the right one under [sheets] in the "
                "mapping file, or move the table to the first sheet."
                if len(names) > 1
                else ". Put the table (header row first) in the workbook."
            ),
        )
    if others or len(names) > 1:
        hint = f" The header is in sheet(s) {others}." if others else ""
        raise ReadFailure(
            "wrong_sheet",
            f"sheet {chosen!r} of {path.name} has no header row with the expected columns "
            f"({', '.join(sorted(expected)[:6])}...); the workbook's sheets are {names}.{hint} "
            f'Name the right sheet in the mapping file: [sheets] {table} = "<sheet name>".',
        )
    return chosen, grid, next((i for i, r in enumerate(grid) if any(c is not None for c in r)), 0)


def _uncached_formulas(path: Path, sheet: str, grid: list[list], hidx: int) -> list[tuple[int, int, str]]:
    """Formula cells below the header that have no saved value: ``(grid row, column, formula)``.

    A workbook written by a script (openpyxl, xlsxwriter) and never opened in Excel holds formulas
    without their results; read for values, those cells are empty. Found by reading the sheet a
    second time for formulas, only when the workbook holds any formula at all.
    """
    import zipfile

    import openpyxl

    def holds_formula(xml: bytes) -> bool:
        return b"<f>" in xml or b"<f " in xml

    with zipfile.ZipFile(path) as z:
        has_formula = any(
            holds_formula(z.read(n)) for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")
        )
    if not has_formula:
        return []
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        out = []
        for r, cells in enumerate(wb[sheet].iter_rows(values_only=True)):
            if r <= hidx:
                continue
            values = grid[r] if r < len(grid) else []
            for j, c in enumerate(cells):
                if isinstance(c, str) and c.startswith("=") and (j >= len(values) or values[j] is None):
                    out.append((r, j, c))
        return out
    finally:
        wb.close()


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        out.append(n if k == 0 else f"{n}.{k}")
        seen[n] = k + 1
    return out
