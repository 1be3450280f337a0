"""Turning raw cell text into typed values: money, dates, booleans, integers, codes.

Each parser is vectorised over a pandas Series and returns the typed values plus a boolean mask of the
cells that were *not blank but could not be understood* (``bad``), so the validator can report them.
Blank cells (empty or spaces only) become missing, never an error here; whether a blank is allowed is a
validation rule.

Money (pounds): ``£1,234.50``, ``1234.5``, ``1,234``, ``(1,234)`` and ``(£500)`` (accounting negative:
-1234), ``-£5``, ``£-5``, ``GBP 10``; spaces anywhere are ignored, including the no-break (U+00A0),
figure (U+2007), thin (U+2009) and narrow no-break (U+202F) spaces Excel's accounting and currency
formats put after ``£``. ``£8.5k`` is not money (no suffixes are guessed). Result float64, NaN when blank.

Dates: ISO first (``2024-11-05``, ``2024-11-05 00:00:00``, ``2024-11-05T10:00:00Z``, ``2024/11/05``; a
time of day or time zone is dropped, the written date kept), then day-first text (``05/11/2024`` is
5 November 2024, also ``05/11/2024 00:00``, ``5-11-2024``, ``5.11.2024``, ``05/11/24`` (20xx),
``5 Nov 2024``, ``05-Nov-24``; each with a time of day after it, ``05/11/2024 14:30``, ``5 Nov 2024
10:15:00 AM``, which is dropped), then Excel serial numbers (days since 1899-12-30, accepted between 1 Jan 1950 and 31 Dec
2099 so that stray numbers are not read as dates). Month-first text (``11/05/2024`` meaning 5 Nov) is
never guessed. Typed inputs (datetime columns from parquet, numbers) are handled directly. Result
``datetime64[ns]`` at midnight, NaT when blank.

Months (:func:`parse_months`, for monthly tables such as the Safety Valve trajectory): ``2024-04``,
``2024/04``, ``04/2024``, ``Apr-24``, ``Apr 2024``, ``April 2024``, ``Sept 2024``, and any date read by
:func:`parse_dates` (a first-of-month or month-end date, an Excel date cell or serial number, a
date-time). Every form is stored as the month's last day (``2024-04-30``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import schema

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Excel serial numbers accepted as dates: 1950-01-01 .. 2099-12-31.
EXCEL_SERIAL_MIN = 18264
EXCEL_SERIAL_MAX = 73050

_TRUE = {"true", "t", "yes", "y", "1", "1.0", "x"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def _as_text(values: pd.Series) -> pd.Series:
    """Values as a stripped ``string`` Series; missing stays missing."""
    s = values.astype("string")
    if isinstance(s.array, pd.arrays.ArrowStringArray) and not _edges(s)[0]:
        return s  # no cell starts or ends with a space (or any other character strip could remove)
    return s.str.strip()


def _edges(values) -> tuple[bool, bool]:
    """(``trim``, ``empty``) for Arrow-backed text: ``trim`` is False only when no cell can start or end
    with whitespace (its first and last bytes are printable ASCII, read from the string buffer);
    ``empty`` is False only when no cell is empty or missing. Both err towards True, so a caller that
    skips its strip or its blank check on False changes nothing."""
    import pyarrow as pa

    arr = values if isinstance(values, pa.ChunkedArray | pa.Array) else pa.array(values.array)
    trim = empty = False
    for c in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        n = len(c)
        if n == 0:
            continue
        if not (pa.types.is_string(c.type) or pa.types.is_large_string(c.type)):
            return True, True
        width = np.dtype(np.int64 if pa.types.is_large_string(c.type) else np.int32)
        _, offs_buf, data_buf = c.buffers()
        offsets = np.frombuffer(offs_buf, dtype=width, count=n + 1, offset=c.offset * width.itemsize)
        start, end = offsets[:-1], offsets[1:]
        if c.null_count or not (end > start).all():
            empty = True
            filled = end > start
            start, end = start[filled], end[filled]
        if data_buf is None or not len(start):
            continue
        data = np.frombuffer(data_buf, dtype=np.uint8)
        # printable ASCII is 33-126: shifted down by 33 (wrapping round as uint8) it is 0-93
        if ((data[start] - np.uint8(33)) > 93).any() or ((data[end - 1] - np.uint8(33)) > 93).any():
            trim = True
        if trim and empty:
            break
    return trim, empty


def is_blank(values: pd.Series) -> pd.Series:
    """True where a cell is missing or only spaces."""
    if values.dtype.kind in "fiumMb":
        return values.isna()
    s = _as_text(values)
    return (s.isna() | (s == "")).fillna(True).astype(bool)


# -------------------------------------------------------------------------------------------------
# Money
# -------------------------------------------------------------------------------------------------


def _regex_remove(s: pd.Series, pattern: str) -> pd.Series:
    """Remove every match of ``pattern`` (pyarrow's RE2: pandas falls back to Python for some patterns)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = pc.replace_substring_regex(pa.array(s.astype("string[pyarrow]")), pattern, "")
    return pd.Series(pd.arrays.ArrowStringArray(out), index=s.index, dtype="string")


def _plain_numbers_fast(s: pd.Series) -> pd.Series | None:
    """A column of plain numbers (blanks allowed) cast by pyarrow in one go; None if any cell is not."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(s.astype("string[pyarrow]"))
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
        return pd.Series(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), index=s.index)
    except Exception:  # noqa: BLE001 - £, commas, brackets or junk: the general path
        return None


def parse_money(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Pounds as float64 and a mask of non-blank cells that are not money. See module docstring."""
    idx = values.index
    if values.dtype.kind in "fiu":
        return values.astype("float64"), pd.Series(False, index=idx)
    s = _as_text(values)
    blank = (s.isna() | (s == "")).fillna(True).astype(bool)
    fast = _plain_numbers_fast(s)  # a column of plain numbers: one pyarrow cast
    if fast is not None:
        fast = fast.where(np.isfinite(fast))  # "inf" and "nan" are not money
        todo = fast.isna() & ~blank
        if not todo.any():
            return fast.astype("float64"), pd.Series(False, index=idx)
        out = fast.astype("float64")
    else:
        todo = ~blank
        out = pd.Series(np.nan, index=idx, dtype="float64")
    t = _regex_remove(s[todo], r"[\s\x{00A0}\x{2007}\x{2009}\x{202F},£]|^[Gg][Bb][Pp]|[Gg][Bb][Pp]$")
    neg_paren = (t.str.startswith("(") & t.str.endswith(")")).fillna(False).astype(bool)
    t = t.where(~neg_paren, "-" + t.str.slice(1, -1))
    ok = t.str.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)").fillna(False).astype(bool)  # "(-5)" -> "--5": not money
    num = _plain_numbers_fast(t.where(ok, ""))
    if num is None:  # cannot happen for validated text; kept as a safe fallback
        num = pd.to_numeric(t.where(ok), errors="coerce")
    out.loc[todo] = num.astype("float64").to_numpy()
    bad = (out.isna() & ~blank).fillna(False).astype(bool)
    return out, bad


# -------------------------------------------------------------------------------------------------
# Dates
# -------------------------------------------------------------------------------------------------

_DAYFIRST_FORMATS = (
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y %H:%M:%S",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
    "%d-%b-%y",
    "%d %b %y",
    "%d-%B-%Y",
)
#: A time of day after a day-first date (``14:30``, ``14.30.05``, ``2:30 PM``, ``10:00:00Z``), dropped.
_TIME_SUFFIX = (
    r"(?i)[ T]+(?:[01]?\d|2[0-3])[:.][0-5]\d(?:[:.][0-5]\d(?:\.\d+)?)?(?:\s*[ap]\.?m\.?)?"
    r"\s*(?:z|[+-]\d{2}:?\d{2})?$"
)


def _ns(values) -> pd.Series:
    """As ``datetime64[ns]``; dates outside its range (years before 1678 or after 2261) become NaT."""
    s = pd.Series(values)
    if s.dtype == "datetime64[ns]":
        return s
    if s.dtype.kind == "M":
        s = s.where((s >= pd.Timestamp.min) & (s <= pd.Timestamp.max))
    return s.astype("datetime64[ns]")


#: "No end" sentinels some systems write instead of a blank end date.
OPEN_END_SENTINEL = r"^\s*(?:9999-12-31|31[/.-]12[/.-]9999)"


def excel_serial_to_date(serial: pd.Series) -> pd.Series:
    """Excel serial day numbers (1900 date system) as dates; outside 1950-2099 -> NaT."""
    x = pd.to_numeric(serial, errors="coerce").astype("float64")
    ok = (x >= EXCEL_SERIAL_MIN) & (x <= EXCEL_SERIAL_MAX + 1)
    days = np.floor(x.where(ok))
    return _ns(EXCEL_EPOCH + pd.to_timedelta(days, unit="D"))


#: The dates ``datetime64[ns]`` can hold (about 1677-09-22 to 2262-04-11), as days.
_NS_DAYS = (np.datetime64("1677-09-22", "D"), np.datetime64("2262-04-11", "D"))


def _iso_dates_cast(text) -> np.ndarray | None:
    """Every cell ``YYYY-MM-DD`` (or blank): the dates through pyarrow's strict ISO cast, one pass
    (three times the speed of strptime, and it refuses a day the month does not have, so no roll-over
    check is needed); years outside ``datetime64[ns]`` -> NaT, left to the general path. None as soon as
    one cell is not laid out so (the cast fails): the caller reads the column cell by cell."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        if _edges(text)[1]:  # some cell is blank: missing, not a parse error
            text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
        days = pc.cast(text, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    try:  # refused when a date is outside what datetime64[ns] can hold
        return pc.cast(days, pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        days = days.to_numpy(zero_copy_only=False)
    outside = (days < _NS_DAYS[0]) | (days > _NS_DAYS[1])  # NaT compares False
    if outside.any():
        days = days.copy()
        days[outside] = np.datetime64("NaT")
    return days.astype("datetime64[ns]")


def _iso_dates_fast(s: pd.Series) -> pd.Series:
    """``YYYY-MM-DD`` text through pyarrow (:func:`_iso_dates_cast` when every cell is laid out so,
    else strptime, about twice pandas' speed); others -> NaT.

    pyarrow's strptime checks the day only against 1-31, not against the month, and rolls an impossible
    day into the next month (``2024-02-31`` -> 2 March 2024). Such dates are set to NaT here (see
    :func:`_rolled_over`), so the strict general path in :func:`parse_dates` decides, and rejects them.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        text = pa.array(s.astype("string[pyarrow]"))
        whole = _iso_dates_cast(text)
        if whole is not None:
            return pd.Series(whole, index=s.index)
        parsed = pc.strptime(text, format="%Y-%m-%d", unit="ns", error_is_null=True)
        out = parsed.to_numpy(zero_copy_only=False)
        rolled = _rolled_over(text, parsed)
        if rolled.size:
            out = out.copy()
            out[rolled] = np.datetime64("NaT")
        return pd.Series(out, index=s.index).astype("datetime64[ns]")
    except Exception:  # noqa: BLE001 - e.g. a year beyond the ns range: let the general path decide
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")


def _rolled_over(text, parsed) -> np.ndarray:
    """Positions where strptime read ``Y-M-D`` text as a date whose day of month is not the day written.

    A day past the month's end (29-31) rolls into day 1-3 of the next month, so only parsed days 1-3 are
    compared with the text (vectorised, on about a tenth of the dates). The text matched ``%Y-%m-%d`` in
    full, so its last two characters are the written day (``31``, ``05`` or ``-5``).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    day = pc.day(parsed)
    candidates = pc.indices_nonzero(pc.fill_null(pc.less_equal(day, 3), False))
    if len(candidates) == 0:
        return np.zeros(0, dtype="int64")
    written = pc.utf8_ltrim(pc.utf8_slice_codeunits(pc.take(text, candidates), -2), characters="- 0")
    same = pc.equal(written, pc.cast(pc.take(day, candidates), pa.string()))
    return pc.filter(candidates, pc.invert(pc.fill_null(same, False))).to_numpy(zero_copy_only=False)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates as ``datetime64[ns]`` (midnight) and a mask of non-blank cells that are not dates.

    Fast path for ISO text; then day-first text; then Excel serial numbers. Never month-first.
    """
    idx = values.index
    if values.dtype.kind == "M":
        out = _ns(values).dt.normalize()
        return out, pd.Series(False, index=idx)
    if values.dtype.kind in "fiu":
        out = excel_serial_to_date(values)
        return out, (out.isna() & values.notna()).astype(bool)
    s = _as_text(values)
    blank = (s.isna() | (s == "")).fillna(True).astype(bool)
    out = _iso_dates_fast(s)
    todo = out.isna() & ~blank
    if todo.any():  # ISO with a time part (any time zone is ignored: only the date is kept) or slashes
        rest = s[todo]
        head = rest.str.slice(0, 10).str.replace("/", "-", regex=False)
        after = rest.str.slice(10, 11)
        iso_like = ((after == "") | (after == " ") | (after == "T")).fillna(False).astype(bool)
        iso = _ns(pd.to_datetime(head.where(iso_like), format="%Y-%m-%d", errors="coerce"))
        out = out.fillna(iso)
    todo = out.isna() & ~blank
    if todo.any():
        rest = s[todo].str.replace(_TIME_SUFFIX, "", regex=True)  # a time of day is dropped
        got = pd.Series(pd.NaT, index=rest.index, dtype="datetime64[ns]")
        for fmt in _DAYFIRST_FORMATS:
            miss = got.isna()
            if not miss.any():
                break
            got = got.fillna(_ns(pd.to_datetime(rest[miss], format=fmt, errors="coerce")))
        miss = got.isna()
        if miss.any():  # dd/mm/yy with a two-digit year: 20yy
            two = rest[miss].str.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}").fillna(False).astype(bool)
            if two.any():
                sub = rest[miss][two].str.replace(r"[.-]", "/", regex=True)
                got = got.fillna(_ns(pd.to_datetime(sub, format="%d/%m/%y", errors="coerce")))
        miss = got.isna()
        if miss.any():
            num = rest[miss].str.fullmatch(r"\d{5}(\.\d+)?").fillna(False).astype(bool)
            if num.any():
                got = got.fillna(excel_serial_to_date(rest[miss][num]))
        out = out.fillna(got.dt.normalize())  # the other paths give midnight already
    bad = (out.isna() & ~blank).astype(bool)
    return out, bad


_MONTH_NAMES = (
    "jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september"
    "|oct|october|nov|november|dec|december"
)
#: Text laid out as a date in one of the forms read (ISO with any time part, day-first numbers with a
#: 2- or 4-digit year, day and month name), whatever the numbers.
_DATE_LAYOUT = (
    r"\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[ t].*)?"
    r"|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{2}|\d{4})"
    rf"|\d{{1,2}}[ -](?:{_MONTH_NAMES})[ -](?:\d{{2}}|\d{{4}})"
)


def laid_out_as_date(values: pd.Series) -> pd.Series:
    """True where the text is laid out as a date read by :func:`parse_dates` (``2024-02-31``,
    ``31/02/2024``, ``2024-13-01 00:00:00``, ``31 Feb 2024``). Among the cells :func:`parse_dates` marks
    bad, these name a day that does not exist (day past the month's end, month above 12, day or month 0),
    not an unreadable form; used to word the message. Case is ignored."""
    if values.dtype.kind not in "OSU" and not isinstance(values.dtype, pd.StringDtype):
        return pd.Series(False, index=values.index)
    s = _as_text(values).str.lower()
    return s.str.fullmatch(_DATE_LAYOUT).fillna(False).astype(bool)


_MONTH_NUMBER = {
    name: i + 1
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")]
    )
    for name in names
}
_MONTH_FORMS = (
    (r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})", "number"),  # 2024-04, 2024/04
    (r"(?P<m>\d{1,2})[-/.](?P<y>\d{4})", "number"),  # 04/2024
    (rf"(?P<m>{_MONTH_NAMES})\.?[\s,/-]*'?(?P<y>\d{{4}}|\d{{2}})", "name"),  # Apr-24, Apr 2024, April 2024
)


def parse_months(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Months as their last day (``datetime64[ns]``) and a mask of non-blank cells that are not months.

    Accepted forms are in the module docstring: year and month in numbers (``2024-04``, ``04/2024``), a
    month name with a 2- or 4-digit year (``Apr-24`` is April 2024, ``April 2024``), or any date
    :func:`parse_dates` reads (that date's month). A month number above 12 is not a month.
    """
    idx = values.index
    if values.dtype.kind in "Mfiu":
        d, bad = parse_dates(values)
        return (d + pd.offsets.MonthEnd(0)).astype("datetime64[ns]"), bad
    s = _as_text(values)
    blank = (s.isna() | (s == "")).fillna(True).astype(bool)
    year = pd.Series(np.nan, index=idx, dtype="float64")
    month = pd.Series(np.nan, index=idx, dtype="float64")
    low = s.str.lower()
    for pattern, kind in _MONTH_FORMS:
        todo = year.isna() & ~blank
        if not todo.any():
            break
        parts = low[todo].str.extract(f"^(?:{pattern})$")
        if kind == "name":
            m = parts["m"].map(_MONTH_NUMBER, na_action="ignore").astype("float64")
        else:
            m = pd.to_numeric(parts["m"], errors="coerce")
        y = pd.to_numeric(parts["y"], errors="coerce")
        y = y.where(y >= 100, y + 2000)  # a two-digit year is 20yy
        ok = (m >= 1) & (m <= 12) & y.notna()
        year.loc[ok[ok].index] = y[ok]
        month.loc[ok[ok].index] = m[ok]
    out = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    have = year.notna()
    if have.any():
        first = pd.to_datetime(
            pd.DataFrame({"year": year[have], "month": month[have], "day": 1}), errors="coerce"
        )
        out.loc[have] = _ns(first + pd.offsets.MonthEnd(0)).to_numpy()
    todo = out.isna() & ~blank
    if todo.any():  # any date: its month
        d, _ = parse_dates(s[todo])
        out.loc[todo] = _ns(d + pd.offsets.MonthEnd(0)).to_numpy()
    bad = (out.isna() & ~blank).astype(bool)
    return out, bad


# -------------------------------------------------------------------------------------------------
# Booleans, integers, financial years
# -------------------------------------------------------------------------------------------------


def parse_bool(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """true/false, yes/no, y/n, t/f, 1/0 (any case) -> bool. Blank -> False. Returns (values, bad)."""
    if values.dtype.kind == "b":
        return values.astype(bool), pd.Series(False, index=values.index)
    s = _as_text(values).str.lower()
    true = s.isin(_TRUE).fillna(False).astype(bool)
    false = s.isin(_FALSE).fillna(False).astype(bool)
    blank = (s.isna() | (s == "")).fillna(True).astype(bool)
    bad = ~(true | false | blank)
    return true, bad


def parse_int(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers (``1,234`` allowed) as float64 (NaN when blank or bad) and the bad mask."""
    num, bad = parse_money(values) if values.dtype.kind not in "fiu" else (values.astype("float64"), None)
    if bad is None:
        bad = pd.Series(False, index=values.index)
    frac = num.notna() & (num != np.floor(num))
    return num.where(~frac), (bad | frac).astype(bool)


def parse_financial_year(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``2024-25``, ``2024/25``, ``2024-2025``, ``202425``, ``FY2024-25`` -> ``2024-25``. Returns (values, bad)."""
    s = _as_text(values)
    blank = (s.isna() | (s == "")).fillna(True).astype(bool)
    parts = s.str.extract(r"^(?:fy\s*)?(\d{4})\s*[-/]?\s*(\d{2}|\d{4})$", flags=2)
    start = pd.to_numeric(parts[0], errors="coerce")
    end = pd.to_numeric(parts[1], errors="coerce") % 100
    ok = (end == (start + 1) % 100).fillna(False).astype(bool)
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    if ok.any():  # budget tables are a handful of rows: a comprehension is fine here
        pairs = zip(start[ok].astype("int64"), end[ok].astype("int64"), strict=True)
        out.loc[ok] = [f"{a}-{b:02d}" for a, b in pairs]
    bad = (~ok & ~blank).astype(bool)
    return out, bad


# -------------------------------------------------------------------------------------------------
# Codes and text
# -------------------------------------------------------------------------------------------------


def normalise_codes(
    values: pd.Series, vocabulary: str, extra: dict[str, str] | None = None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Map labels to contract codes (case, spaces, punctuation and synonyms ignored).

    ``extra`` maps extract labels to codes (from the mapping file's ``[<vocabulary>_values]``); it wins
    over the built-in synonyms. Returns ``(codes, unknown, changed)``: ``codes`` as ``string`` (missing
    where blank or unknown), ``unknown`` True where a non-blank label matched nothing, ``changed`` True
    where the label was not already the exact code (a synonym or spelling was mapped).

    Works on the distinct labels only, so it is fast on millions of rows.
    """
    lookup = schema.synonyms(vocabulary)
    for k, v in (extra or {}).items():
        lookup[schema.normalise_label(k)] = v
    s = values.astype("string")
    codes_idx, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = [lookup.get(schema.normalise_label(u)) for u in uniques]  # distinct labels only
    blank_u = np.array([str(u).strip() == "" for u in uniques], dtype=bool)
    known_u = np.array([m is not None for m in mapped], dtype=bool)
    same_u = np.array([m == u for m, u in zip(mapped, uniques, strict=True)], dtype=bool)
    if same_u.all() and not blank_u.any():  # every label is already its code: the text is the codes
        codes = pd.Series(s.array, index=values.index)
    else:
        table = pd.array(mapped + [None], dtype="string")
        codes = pd.Series(table.take(np.where(codes_idx < 0, len(mapped), codes_idx)), index=values.index)
    present = codes_idx >= 0
    safe = np.where(present, codes_idx, 0)
    if len(uniques) == 0:
        none = np.zeros(len(s), dtype=bool)
        return codes, pd.Series(none, index=values.index), pd.Series(none, index=values.index)
    unknown = present & ~known_u[safe] & ~blank_u[safe]
    changed = present & known_u[safe] & ~same_u[safe]
    return codes, pd.Series(unknown, index=values.index), pd.Series(changed, index=values.index)


def clean_text(values: pd.Series) -> pd.Series:
    """Text and ids: stripped ``string``; blank -> missing. Ids keep leading zeros (never numbers)."""
    if values.dtype.kind in "fiu":
        s = values.astype("Int64").astype("string") if values.dtype.kind == "f" and (
            values.dropna() == np.floor(values.dropna())
        ).all() else values.astype("string")
        return s.mask(s == "")
    try:  # one pass in pyarrow: strip, then blank -> missing
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(values.astype("string[pyarrow]"))
        trim, empty = _edges(arr)
        if trim:
            arr = pc.utf8_trim_whitespace(arr)
        if trim or empty:
            arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
        return pd.Series(pd.arrays.ArrowStringArray(arr), index=values.index, dtype="string")
    except (TypeError, ValueError, pa.ArrowException):  # e.g. mixed objects: the pandas way
        s = _as_text(values)
        return s.mask(s == "")
