"""``tables.xlsx``: every disclosure-controlled table of the month in one workbook, laid out to the
Government Statistical Service's guidance on releasing statistics in spreadsheets, written with
`gptables <https://gptables.readthedocs.io>`_ (cover sheet, contents, notes, one sheet per table).

The notebooks write each table they display, already disclosure-controlled, as JSON into the folder
named by :data:`ARTIFACTS_ENV` (``tables/<notebook>--<NN>.json``)::

    {"notebook": "01_average_cost", "order": 1, "title": "...", "notes": ["..."],
     "columns": [...], "data": [[...], ...]}

Cells are numbers (kept as numbers in the workbook), text such as ``"[c]"`` (a suppressed value) or
null (blank). A table with a column named like an identifier (:data:`sendlib.disclosure.IDENTIFIER_COLUMNS`:
child, plan or request id, name, date of birth...) is refused with :class:`TableError`.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sendlib import formatting, periods
from sendlib.disclosure import SUPPRESSED, DisclosureError, identifier_columns

#: Environment variable naming the folder where notebooks write their tables and charts during a refresh.
ARTIFACTS_ENV = "SENDLIB_REPORT_ARTIFACTS"

#: The GSS shorthand for a suppressed value, as the notes sheet and each table's legend explain it.
SUPPRESSED_NOTE = (
    f"{SUPPRESSED} confidential: a count from 1 to 4, or a figure that would reveal one, is suppressed"
)

#: GSS shorthand for a cell with no figure (blank, or a dash in the notebook's table): the spreadsheet
#: guidance asks for a shorthand with its meaning rather than an empty or symbol-only cell.
NOT_AVAILABLE = "[x]"
NOT_AVAILABLE_NOTE = f"{NOT_AVAILABLE} not available: there is no figure for this cell (not published, or not applicable)"
_NO_FIGURE = re.compile(r"[^A-Za-z0-9]*")

#: Excel's limit on a sheet name, and the characters it forbids in one.
SHEET_NAME_MAX = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")

SOURCE = "Source: the local authority's case-management extract (management information, month-end snapshot)"


class TableError(DisclosureError):
    """A notebook's table cannot go into tables.xlsx (bad file, or an identifying column)."""


@dataclass
class ReportTable:
    """One table as a notebook wrote it (see the module docstring)."""

    notebook: str
    order: int
    title: str
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    path: Path | None = None


def read_tables(artifacts_dir: Path | None) -> list[ReportTable]:
    """The tables under ``<artifacts_dir>/tables/``, in notebook then ``order`` order.

    :class:`TableError` naming the file for a file that is not such a table, or whose columns include
    an identifier.
    """
    folder = None if artifacts_dir is None else Path(artifacts_dir) / "tables"
    if folder is None or not folder.is_dir():
        return []
    tables = []
    for path in sorted(folder.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            columns = [str(c) for c in raw["columns"]]
            data = raw["data"]
            if any(len(row) != len(columns) for row in data):
                raise ValueError(f"every row must have {len(columns)} cells, one per column")
            frame = pd.DataFrame(data, columns=columns, dtype=object)
            table = ReportTable(str(raw["notebook"]), int(raw["order"]), str(raw["title"]), frame,
                                [str(n) for n in raw.get("notes") or []], path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TableError(
                f"{path}: not a report table ({type(exc).__name__}: {exc}); a table is JSON with notebook, "
                "order, title, notes, columns and data"
            ) from None
        found = identifier_columns(frame)
        if found:
            raise TableError(
                f"{path}: table {table.title!r} has identifying column(s) {', '.join(found)}; "
                "aggregate or drop them in the notebook before publishing (child, plan and request ids, "
                "names and dates of birth never leave the analyst's machine)"
            )
        tables.append(table)
    return sorted(tables, key=lambda t: (t.notebook, t.order))


def sheet_names(tables: list[ReportTable]) -> list[str]:
    """One sheet name per table: ``"<n> <title>"``, without the characters Excel forbids, cut to 31
    characters at a word boundary (the number keeps them unique)."""
    names = []
    for n, t in enumerate(tables, start=1):
        title = re.sub(r"\s+", " ", _FORBIDDEN.sub("", t.title)).strip()
        name = f"{n} {title}"
        if len(name) > SHEET_NAME_MAX:  # cut at a word boundary where one leaves a readable name
            cut = name[: SHEET_NAME_MAX + 1].rsplit(" ", 1)[0]
            name = cut if len(cut) > len(str(n)) + 8 else name[:SHEET_NAME_MAX]
        names.append(name.rstrip(" ,;-"))
    return names


def _cell(value):
    """A cell as the workbook holds it: numbers as numbers, text as text, and no figure (None, NaN,
    an empty or symbol-only text such as "-") as the shorthand ``[x]``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return NOT_AVAILABLE if formatting.is_missing(value) else value
    if value is None or _NO_FIGURE.fullmatch(str(value)):
        return NOT_AVAILABLE
    return str(value)


def write_tables(tables: list[ReportTable], path: Path, period: str, source: str = SOURCE) -> Path | None:
    """Write ``tables`` into the workbook ``path`` with gptables; None (nothing written) without tables.

    Cover: title, period, source, the suppression rule; contents; notes (the ``[c]`` shorthand, then
    each table's notes, referenced from its title); one sheet per table.
    """
    if not tables:
        return None
    import gptables as gpt

    month = formatting.month(periods.parse_period(period))
    note_rows = [("c", SUPPRESSED_NOTE), ("x", NOT_AVAILABLE_NOTE)]
    sheets = {}
    for n, (table, name) in enumerate(zip(tables, sheet_names(tables), strict=True), start=1):
        refs = []
        for k, note in enumerate(table.notes, start=1):
            ref = f"t{n}n{k}"
            note_rows.append((ref, note))
            refs.append(f"$${ref}$$")
        frame = table.frame.map(_cell)
        suppressed = bool((frame == SUPPRESSED).to_numpy().any())
        if suppressed:
            refs.append("$$c$$")
        unavailable = bool((frame == NOT_AVAILABLE).to_numpy().any())
        if unavailable:
            refs.append("$$x$$")
        sheets[name] = gpt.GPTable(
            table=frame,
            table_name=f"table_{n}",
            title=" ".join([table.title, *refs]),
            scope=f"{month}; notebook {table.notebook}",
            source=source,
            instructions="This worksheet contains one table. Some cells refer to notes which can be found "
            "in the notes worksheet.",
            legend=[note for note, used in ((SUPPRESSED_NOTE, suppressed), (NOT_AVAILABLE_NOTE, unavailable)) if used],
        )
    cover = gpt.Cover(
        title=f"SEND report tables, {month}",
        intro=[
            f"Period: {month} (month ending {periods.parse_period(period):%d %B %Y}).",
            f"{source}.",
            "Every table is as the month's report shows it: small counts and the figures that would "
            f"reveal them are suppressed ({SUPPRESSED_NOTE}).",
        ],
        about=["Management information, not official statistics.",
               "The report's notebooks, in the same folder, say how each figure is worked out."],
    )
    notes = pd.DataFrame(note_rows, columns=["Note reference", "Note text"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gptables' reminders about shorthand: the legend gives it
        gpt.write_workbook(str(path), sheets=sheets, cover=cover, contentsheet_label="Contents",
                           notes_table=notes, auto_width=True)
    return path
