"""Reading one table file of an extract into raw text, with the row numbers the analyst sees.

This module knows about files, not about meaning: it finds ``<table>.csv|.xlsx|.parquet`` in a data
folder, decodes text (UTF-16 when the file starts with a UTF-16 byte order mark, as Excel's "Unicode
Text" export does, or has a zero byte in every other position; else UTF-8 with or without BOM; else
Windows-1252), sniffs the separator (comma, tab, semicolon or bar: the one whose split of the top lines
finds the most expected headers) after decoding, finds the header row (title rows above it are
skipped), drops blank rows, sets trailing "Total" rows apart, and returns every cell as text (parquet
columns keep their types). Workbooks are read by :mod:`sendlib.read_xlsx`. ``RawTable.headers`` keeps
the headers as written, so a header written twice can be reported (:mod:`sendlib.load`). Cleaning and
validation happen in :mod:`sendlib.clean` and :mod:`sendlib.validate`.

Blank rows and total rows
-------------------------
A row whose every cell is blank (or only spaces) carries no data: it is not a row of the table, is
dropped, and one info note per file says how many (``blank_rows``). A spreadsheet's total row is set
apart in ``RawTable.totals`` (not dropped): :mod:`sendlib.load` counts it in ``rows_in`` and
quarantines it (rule ``total_row``), so rows in = rows kept + rows quarantined. A row is a total row
only when it looks like one: it is in the run of rows at the bottom of the file made only of total and
blank rows, one of its cells starts with "Total" ("Grand total", "Subtotal", "Totals"...), and each of
its key columns (the table's id columns, :data:`sendlib.schema.CONTRACT` ``key``: plan_id,
plan_id + start_on, request_id, month, financial_year) is blank or holds that label. A record with its
ids filled is a record, whatever its provider is called ("Total Learning Ltd").

Row numbers
-----------
``RawTable.rows`` holds, for each data row, its number as the analyst sees it: for CSV the line
number where the row's record starts, as a text editor shows it (header = line 1 when there is no
title row, so the first data row is 2; title rows and blank lines keep their lines); for xlsx the
spreadsheet row; for parquet the 1-based record number. A quoted CSV value may span several lines
(an address typed with line breaks): the rows after it keep their true line numbers. Line breaks are
``\n``, ``\r\n`` or a lone ``\r``, each one line. A file without a quote character costs nothing
extra; with one, its lines are counted (C speed), and only when it has more lines than records are
the line numbers worked out record by record (:func:`data_row_lines`).

Failures are raised as :class:`ReadFailure` with a rule name and a message saying what to do.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sendlib import schema
from sendlib.clean import _edges

#: How many lines/rows at the top of a file are searched for the header row.
HEADER_SEARCH_ROWS = 30
#: How many rows at the bottom of a file are searched for "Total" rows.
TOTAL_SEARCH_ROWS = 50
_TOTAL_PATTERN = r"^\s*(grand\s+)?(sub\s*)?totals?\b"  # "Total", "Grand total", "Subtotal", "TOTALS" (any case)
#: Normalised headers of every table's key columns (:data:`sendlib.schema.CONTRACT`).
DEFAULT_KEY_HEADERS = {schema.normalise_header(k) for t in schema.CONTRACT.values() for k in t.key}
_ZIP_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"


class ReadFailure(Exception):
    """A file cannot be read. ``rule`` names the validation rule; the message says what to do."""

    def __init__(self, rule: str, message: str, file: str | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.file = file


@dataclass
class RawTable:
    """One table as read from its file: raw values, analyst row numbers and notes made while reading."""

    frame: pd.DataFrame  # columns = headers as found in the file (stripped), values as text
    rows: np.ndarray  # int64 analyst row number of each data row
    file: str  # file name as the analyst knows it
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, severity, message)
    sheet: str | None = None
    totals: pd.DataFrame | None = None  # the total rows at the bottom, same columns as frame (or None)
    total_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="int64"))  # their row numbers
    total_columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))  # header of the label
    headers: list[str] | None = None  # headers as written, one per frame column (None: frame's columns)
    column_letters: bool = False  # name columns by spreadsheet letter (xlsx) rather than number
    formulas: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row position, header, cell, formula)

    @property
    def written_headers(self) -> list[str]:
        """The header of each frame column as written in the file (a repeated header stays repeated)."""
        return list(self.headers) if self.headers is not None else [str(c) for c in self.frame.columns]

    @property
    def total_labels(self) -> np.ndarray:
        """The "Total" text of each total row (the first cell that starts with it)."""
        if self.totals is None or len(self.totals) == 0:
            return np.zeros(0, dtype=object)
        pos = self.totals.columns.get_indexer(self.total_columns)
        return self.totals.to_numpy(dtype=object)[np.arange(len(pos)), pos]


# -------------------------------------------------------------------------------------------------
# Finding files
# -------------------------------------------------------------------------------------------------


def find_table_file(data_dir: Path, table: str, file_name: str | None = None) -> Path | None:
    """The file holding ``table`` in ``data_dir``: ``file_name`` if given, else ``<table>.csv|.xlsx|.parquet``.

    Matching of the default names ignores case. Returns None when no file is found.
    """
    data_dir = Path(data_dir)
    if file_name:
        p = Path(file_name)
        p = p if p.is_absolute() else data_dir / p
        return p if p.exists() else None
    by_lower = {p.name.lower(): p for p in sorted(data_dir.iterdir()) if p.is_file()}
    for suffix in schema.FILE_SUFFIXES:
        p = by_lower.get(f"{table}{suffix}")
        if p is not None:
            return p
    return None


def table_files_found(data_dir: Path, table: str) -> list[Path]:
    """Every ``<table>.<suffix>`` in the folder (more than one is ambiguous; the first is used)."""
    return [
        p
        for p in sorted(Path(data_dir).iterdir())
        if p.is_file() and p.stem.lower() == table and p.suffix.lower() in schema.FILE_SUFFIXES
    ]


# -------------------------------------------------------------------------------------------------
# Reading
# -------------------------------------------------------------------------------------------------


def read_table(
    path: Path, expected_headers: set[str], sheet: str | None = None, key_headers: set[str] | None = None
) -> RawTable:
    """Read ``path`` (csv, xlsx or parquet by its suffix) into a :class:`RawTable`.

    ``expected_headers`` are normalised header names (:func:`schema.normalise_header`) used to find
    the header row below any title rows. ``sheet`` picks an xlsx sheet by name. ``key_headers``:
    normalised headers of the table's key columns, used to tell a total row from a record (module
    docstring); default: the contract's key column names among ``expected_headers``.
    """
    path = Path(path)
    if not path.is_file():
        raise ReadFailure("missing_file", f"{path} does not exist or is not a file.", path.name)
    suffix = path.suffix.lower()
    if key_headers is None:
        key_headers = DEFAULT_KEY_HEADERS & set(expected_headers)
    try:
        if suffix == ".xlsx":
            from sendlib.read_xlsx import read_xlsx

            return read_xlsx(path, expected_headers, sheet, key_headers)
        if suffix == ".parquet":
            return _read_parquet(path)
        return _read_csv(path, expected_headers, key_headers)
    except ReadFailure as exc:
        exc.file = exc.file or path.name
        raise
    except Exception as exc:  # noqa: BLE001 - a broken file is the analyst's problem to fix, not a crash
        raise ReadFailure(
            "unreadable_file",
            f"could not read {path.name}: {type(exc).__name__}: {exc}. Open the file to check it is a "
            f"valid {suffix.lstrip('.') or 'csv'} file, re-save or re-export it, and try again.",
            path.name,
        ) from None


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    if not head:
        return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13, 12))
    return control / len(head) > 0.05


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (BOM stripped), else Windows-1252, else Latin-1. Returns (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _header_score(cells: list, expected: set[str]) -> int:
    return len({schema.normalise_header(c) for c in cells if c is not None and str(c).strip()} & expected)


def _find_header(rows: list[list], expected: set[str]) -> int | None:
    """Index of the first of ``rows`` that holds at least two expected headers (or all, if fewer)."""
    need = min(2, len(expected)) or 1
    best, best_score = None, 0
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = _header_score(cells, expected)
        if score > best_score:
            best, best_score = i, score
        if score >= max(need, len(expected)):
            return i
    return best if best_score >= need else None


def utf16_encoding(data: bytes) -> str | None:
    """``"utf-16"`` when ``data`` is UTF-16 text: a UTF-16 byte order mark (little or big endian, as
    Excel's "Unicode Text" export writes), or, without one, a zero byte in every other position of
    the first kilobyte (``"utf-16-le"`` / ``"utf-16-be"``). None otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
        return "utf-16"
    head = data[:1024]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _read_csv(path: Path, expected: set[str], keys: set[str]) -> RawTable:
    data = path.read_bytes()
    notes: list[tuple[str, str, str]] = []
    if not data[:65536].strip() and not data.strip():
        raise ReadFailure("empty_file", f"{path.name} is empty. Export the table again with its header row.")
    utf16 = utf16_encoding(data)
    if utf16 is not None:  # Excel "Unicode Text": decoded first, then read as any other text
        text = data.decode(utf16, errors="replace").lstrip("\ufeff")
        if not text.strip():
            raise ReadFailure("empty_file", f"{path.name} is empty. Export the table again with its header row.")
        notes.append(("encoding", "info", f"{path.name} is UTF-16 text (Excel's \"Unicode Text\" export); "
                      "read as UTF-16."))
        return _read_text(path, text, "utf-16", expected, keys, notes)
    head = data[:8192]
    if head.startswith(_ZIP_MAGIC):
        raise ReadFailure(
            "binary_file",
            f"{path.name} is a zip/Excel file, not text. If it is an Excel workbook, rename it to "
            f"{path.stem}.xlsx; otherwise export the table as CSV.",
        )
    if head.startswith(_PARQUET_MAGIC):
        raise ReadFailure("binary_file", f"{path.name} is a parquet file; rename it to {path.stem}.parquet.")
    if _looks_binary(head):
        raise ReadFailure(
            "binary_file",
            f"{path.name} holds binary data, not comma-separated text. Export the table from the "
            "case-management system as CSV (or xlsx) and replace the file.",
        )
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    head_text = body[: 1 << 20].decode("utf-8", errors="replace")
    sep = sniff_delimiter(head_text, expected)
    top = _top_rows(head_text, sep)
    hidx = _header_index(top, expected)
    frame = None
    if hidx == 0 and top:
        frame = _fast_csv(body, top[0], sep)
    if frame is not None:
        _note_delimiter(path.name, sep, notes)
        rows, _ = data_row_lines(body, sep, 0, len(frame), path.name, notes)
        return _split_blank_and_total(frame, rows, path.name, notes, keys)
    text, encoding = decode_text(data)
    if encoding in ("windows-1252", "latin-1"):
        notes.append(("encoding", "info", f"{path.name} is not UTF-8; read it as {encoding}."))
    return _read_text(path, text, encoding, expected, keys, notes)


def _note_delimiter(name: str, sep: str, notes: list) -> None:
    if sep != ",":
        notes.append(("delimiter", "info", f"{name}: values are separated by {_SEP_NAMES[sep]}, not commas."))


def _read_text(path: Path, text: str, encoding: str, expected: set[str], keys: set[str], notes: list) -> RawTable:
    """Read decoded CSV text: delimiter sniffed, header found below any title rows."""
    sep = sniff_delimiter(text[: 1 << 20], expected)
    _note_delimiter(path.name, sep, notes)
    top = _top_rows(text[: 1 << 20], sep)
    hidx = _header_index(top, expected)
    if hidx == 0 and top and encoding != "utf-8":  # re-encoded, the fast parser applies again
        frame = _fast_csv(text.encode("utf-8"), top[0], sep)
        if frame is not None:
            rows, _ = data_row_lines(text, sep, 0, len(frame), path.name, notes)
            return _split_blank_and_total(frame, rows, path.name, notes, keys)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            skiprows=hidx,
            sep=sep,
            header=0,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise ReadFailure("empty_file", f"{path.name} has no header row. Export the table with headers.") from None
    except pd.errors.ParserError as exc:
        msg = str(exc).strip()
        m = re.search(r"line (\d+)", msg)
        line = f" at line {int(m.group(1)) + hidx}" if m else ""
        raise ReadFailure(
            "unreadable_file",
            f"{path.name} is not valid CSV{line}: {msg}. A value probably contains an unquoted comma or the "
            "row has extra cells; fix that row (or re-export with quoting) and try again.",
        ) from None
    headers = [str(c).strip() for c in top[hidx]] if hidx < len(top) else []
    frame.columns = [str(c).strip() for c in frame.columns]
    rows, above = data_row_lines(text, sep, hidx, len(frame), path.name, notes)
    if hidx:
        notes.append(("title_rows", "info", f"{path.name}: skipped {above} line(s) above the header row."))
    raw = _split_blank_and_total(frame, rows, path.name, notes, keys)
    if len(headers) == len(frame.columns):  # as written: pandas renames a repeated header "x.1"
        raw.headers = headers
    return raw


def physical_lines(data: bytes | str) -> int:
    """Number of lines a text editor shows: line breaks ``\n``, ``\r\n`` or a lone ``\r``, plus a last
    line without a break (nothing after a final break). C-speed counts, no copy."""
    nl, cr = ("\n", "\r") if isinstance(data, str) else (b"\n", b"\r")
    n = data.count(nl)
    if cr in data:
        n += data.count(cr) - data.count(cr + nl)
    if data and not data.endswith((nl, cr)):
        n += 1
    return n


def data_row_lines(
    data: bytes | str, sep: str, hidx: int, n_rows: int, name: str = "", notes: list | None = None
) -> tuple[np.ndarray, int]:
    """Line number (1-based, as a text editor shows it) where each of the ``n_rows`` data records of a
    CSV starts, and the number of lines above the header.

    ``hidx``: records above the header (title rows, blank lines); ``n_rows``: records parsed after the
    header (blank lines included). When every record is one line (no quote character in the file, or
    the file has as many lines as records) the numbers are ``hidx + 2, hidx + 3, ...``. Otherwise a quoted
    value spans lines: the stdlib csv reader (same quoting rules as the parsers) gives the line each
    record ends on, and the next record starts on the line after. That loop over records runs only in
    this rare case. If the reader's records do not match the parser's, the simple numbers are kept and
    a note says the row numbers after a multi-line value may be off.
    """
    simple = np.arange(n_rows, dtype="int64") + hidx + 2
    quote = '"' if isinstance(data, str) else b'"'
    if quote not in data or physical_lines(data) == hidx + 1 + n_rows:
        return simple, hidx
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        ends = np.fromiter((reader.line_num for _ in reader), dtype="int64")
    except csv.Error:
        ends = np.zeros(0, dtype="int64")
    if len(ends) != hidx + 1 + n_rows:
        if notes is not None:
            notes.append(("row_numbers", "warning", f"{name}: a quoted value spans several lines and the rows "
                          "could not be matched to lines; row numbers after it may be off (the quarantine "
                          "shows each row's values)."))
        return simple, hidx
    starts = np.concatenate([np.ones(1, dtype="int64"), ends[:-1] + 1])
    return starts[hidx + 1 :], int(starts[hidx]) - 1


_SEP_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def sniff_delimiter(text: str, expected: set[str]) -> str:
    """The separator whose split of the top lines finds the most expected headers (commas on a tie)."""
    best, best_score = ",", -1
    for sep in _SEP_NAMES:
        rows = _top_rows(text, sep)
        score = max((_header_score(r, expected) for r in rows), default=0)
        if score > best_score:
            best, best_score = sep, score
    return best


def _top_rows(text: str, sep: str = ",") -> list[list[str]]:
    return list(csv.reader(text.splitlines()[:HEADER_SEARCH_ROWS], delimiter=sep))


def _header_index(top: list[list[str]], expected: set[str]) -> int:
    hidx = _find_header(top, expected)
    if hidx is None:  # no recognisable header: the first non-blank line (missing_column will explain)
        hidx = next((i for i, r in enumerate(top) if any(c.strip() for c in r)), 0)
    return hidx


def _fast_csv(body: bytes, header: list[str], sep: str = ",") -> pd.DataFrame | None:
    """Multi-threaded pyarrow parse for the common case: UTF-8, header on line 1, unique headers.
    None means "use the pandas parser", which also handles other encodings, numbers rows by line and
    explains errors with line numbers. pyarrow keeps blank lines (``ignore_empty_lines=False``) as
    rows of empty cells, so every row keeps its line; they are dropped later, with a note."""
    if len(set(header)) != len(header):
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        table = pacsv.read_csv(
            io.BytesIO(body),
            # a quoted value may hold line breaks: tell pyarrow, or a block boundary could split it
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=b'"' in body, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.large_string() for h in header}, strings_can_be_null=False
            ),
        )
        if table.column_names != header:
            return None
        # large_string is what pandas' Arrow strings hold: read so, the frame is built without a copy
        mapper = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}.get
        frame = table.to_pandas(types_mapper=mapper)
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame
    except Exception:  # noqa: BLE001 - any doubt (invalid UTF-8, ragged rows): the pandas parser
        return None


def _read_parquet(path: Path) -> RawTable:
    head = path.read_bytes()[:4]
    if not head:
        raise ReadFailure("empty_file", f"{path.name} is empty. Write the table again.")
    if head != _PARQUET_MAGIC:
        raise ReadFailure("binary_file", f"{path.name} is not a parquet file. Re-export it, or save it as CSV.")
    frame = pd.read_parquet(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.reset_index(drop=True)
    return RawTable(frame, np.arange(len(frame), dtype="int64") + 1, path.name, [])


def _blank_cells(frame: pd.DataFrame) -> np.ndarray:
    """bool (rows x columns): the cell is missing or only spaces."""
    out = np.zeros(frame.shape, dtype=bool)
    for j, c in enumerate(frame.columns):  # columns, not rows
        col = frame[c]
        if col.dtype.kind in "fiumMb":
            out[:, j] = col.isna().to_numpy()
        else:
            out[:, j] = (col.astype("string").fillna("").str.strip() == "").to_numpy(dtype=bool)
    return out


def _total_label_cells(frame: pd.DataFrame) -> np.ndarray:
    """bool (rows x columns): the cell's text starts with a total label ("Total", "Grand total"...)."""
    out = np.zeros(frame.shape, dtype=bool)
    for j, c in enumerate(frame.columns):
        col = frame[c]
        if col.dtype.kind not in "fiumMb":
            out[:, j] = col.astype("string").str.match(_TOTAL_PATTERN, case=False).fillna(False).to_numpy(dtype=bool)
    return out


def _key_positions(columns, keys: set[str]) -> list[int]:
    """Positions of the key columns among ``columns`` (normalised header in ``keys``); none found:
    the first column (where a spreadsheet puts its "Total" label)."""
    found = [j for j, c in enumerate(columns) if schema.normalise_header(c) in keys]
    return found or [0]


def _split_blank_and_total(
    frame: pd.DataFrame, rows: np.ndarray, name: str, notes: list, keys: set[str]
) -> RawTable:
    """Drop rows with every cell blank (anywhere, one note) and set apart the total rows at the bottom.

    A total row (module docstring): in the trailing run of total and blank rows, a cell starting with
    a total label, and every key column blank or holding the label. Only the last
    :data:`TOTAL_SEARCH_ROWS` rows are looked at.
    """
    if len(frame) == 0:
        return RawTable(frame, rows, name, notes)
    blank = np.ones(len(frame), dtype=bool)
    for c in frame.columns:  # columns, not rows; stops at the first column that is never blank
        col = frame[c]
        if col.dtype.kind in "fiumMb":
            blank &= col.isna().to_numpy()
        elif isinstance(col.array, pd.arrays.ArrowStringArray) and not any(_edges(col)):
            blank[:] = False  # no cell is empty, missing or starts with a space (read from the string buffer)
        else:
            blank &= (col.astype("string").fillna("").str.strip() == "").to_numpy(dtype=bool)
        if not blank.any():
            break
    tail_n = min(TOTAL_SEARCH_ROWS, len(frame))
    tail = frame.iloc[-tail_n:]
    label = _total_label_cells(tail)
    key_pos = _key_positions(frame.columns, keys)
    keys_empty = (_blank_cells(tail.iloc[:, key_pos]) | label[:, key_pos]).all(axis=1)
    is_total = label.any(axis=1) & keys_empty
    # a trailing run: from the last row that is neither blank nor a total row onwards
    trailing = np.flip(np.logical_and.accumulate(np.flip(is_total | blank[-tail_n:])))
    total = np.zeros(len(frame), dtype=bool)
    total[-tail_n:] = trailing & is_total
    if blank.any():
        notes.append(("blank_rows", "info", f"{name}: skipped {int(blank.sum())} empty row(s) (every cell blank)."))
    totals, total_rows, total_columns = None, np.zeros(0, dtype="int64"), np.zeros(0, dtype=object)
    if total.any():
        totals = frame.loc[total].reset_index(drop=True)
        total_rows = rows[total]
        first_label = label[total[-tail_n:]].argmax(axis=1)
        total_columns = np.asarray(frame.columns, dtype=object)[first_label]
    if blank.any() or total.any():
        keep = ~(blank | total)
        frame = frame.loc[keep].reset_index(drop=True)
        rows = rows[keep]
    return RawTable(frame, rows, name, notes, totals=totals, total_rows=total_rows, total_columns=total_columns)
