"""Disclosure control for anything that leaves the analyst's machine.

Rules:

- counts from 1 to ``threshold - 1`` (1 to 4 by default) are shown as ``[c]``, the government
  statistical symbol for "confidential"; 0 is shown;
- secondary suppression: wherever a table carries totals, a suppressed cell must not be recoverable by
  subtraction, so no total line (a row or a column together with its total) may hold exactly one
  suppressed cell; the next-smallest cell of that line (or, failing that, its total) is suppressed too;
- values derived from a suppressed count (its cost, its share, a change or effect computed from it
  and another count) are suppressed with it (:func:`dependent_mask`);
- in prose a small count reads "fewer than 5" (:func:`count_phrase`);
- no child or plan identifier, name, date of birth or provider identity ever appears
  (:func:`assert_no_identifiers`).

The functions here are pure: they take a frame and return a new one, never changing the input.
Limitations: secondary suppression protects against recovery from one line at a time (the usual
government practice); it does not solve the general linear-programming attack across many linked tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from sendlib import formatting
from sendlib.errors import SendlibError

#: The symbol shown in place of a suppressed value (GSS guidance: "[c]" = confidential).
SUPPRESSED = "[c]"

#: Default threshold: counts from 1 to 4 are suppressed.
DEFAULT_THRESHOLD = 5

#: Column (or index) names that identify a person or a provider. Compared after lower-casing and
#: turning spaces and hyphens into underscores.
IDENTIFIER_COLUMNS: tuple[str, ...] = (
    "plan_id",
    "child_id",
    "request_id",
    "date_of_birth",
    "dob",
    "upn",
    "uln",
    "nhs_number",
    "name",
    "first_name",
    "forename",
    "last_name",
    "surname",
    "full_name",
    "child_name",
    "address",
    "postcode",
    "provider_urn",
    "provider_name",
)

#: Columns allowed only when the caller says so (provider-level tables are the usual leak).
PROVIDER_COLUMNS: tuple[str, ...] = ("provider_urn", "provider_name")


class DisclosureError(SendlibError):
    """A table about to be published would identify a person (or breaks disclosure rules)."""


def _norm(name) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def identifier_columns(frame: pd.DataFrame, allow: Iterable[str] = ()) -> list[str]:
    """The identifying column and index names in ``frame`` (in order), ignoring those in ``allow``."""
    allowed = {_norm(a) for a in allow}
    banned = set(IDENTIFIER_COLUMNS) - allowed
    names = [c for c in frame.columns]
    names += [n for n in (frame.index.names or []) if n is not None]
    if isinstance(frame.columns, pd.MultiIndex):
        names = [lvl for col in frame.columns for lvl in col] + names[len(frame.columns) :]
    found = []
    for n in names:
        if _norm(n) in banned and n not in found:
            found.append(n)
    return found


def assert_no_identifiers(frame: pd.DataFrame, allow: Iterable[str] = ()) -> pd.DataFrame:
    """Raise :class:`DisclosureError` if ``frame`` has an identifying column; return it unchanged otherwise.

    Identifying columns are :data:`IDENTIFIER_COLUMNS` (plan, child and request ids, names, dates of
    birth, addresses, provider URN and name). Pass ``allow=("provider_name",)`` only for a
    provider-level table whose counts are themselves disclosure-controlled.
    """
    found = identifier_columns(frame, allow)
    if found:
        raise DisclosureError(
            f"table has identifying column(s) {', '.join(map(str, found))}: aggregate or drop them "
            "before publishing (child, plan and request ids, names and dates of birth never leave the "
            "analyst's machine)"
        )
    return frame


# ---------------------------------------------------------------------------------------------------
# Small-count suppression
# ---------------------------------------------------------------------------------------------------


def _numeric_columns(table: pd.DataFrame) -> list:
    return [
        c
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
    ]


def any_small_count(*counts, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True when any of ``counts`` is from 1 to ``threshold - 1`` (a count to suppress; 0 and NaN are not).

    For prose: a change, share or cost worked out from several counts is left out when this is True.
    """
    for n in counts:
        if n is None or n is pd.NA:
            continue
        n = float(n)
        if n == n and 1 <= n < threshold:
            return True
    return False


def count_phrase(n, threshold: int = DEFAULT_THRESHOLD, *, hidden: bool = False) -> str:
    """A count of children, plans, placements or requests for prose, disclosure-controlled.

    ``1 <= n < threshold`` reads "fewer than 5" (``threshold`` 5); any other count is written whole
    with thousands separators (``9754`` or ``9754.0`` -> "9,754"; 0 -> "0"). ``hidden``: the count
    was suppressed to protect another one (secondary suppression), so it reads ``[c]`` whatever its
    size. ``threshold`` 1 turns suppression off (not for committee papers).
    """
    if any_small_count(n, threshold=threshold):
        return f"fewer than {threshold}"
    if hidden:
        return SUPPRESSED
    return f"{float(n):,.0f}"


def linked_suppression(values: Mapping, lines: Sequence[tuple[Sequence, object]],
                       threshold: int = DEFAULT_THRESHOLD, *, last: Iterable = ()) -> set:
    """The keys of the counts to show as ``[c]``, for counts linked by sums (one rule for every output).

    ``values``: count by key (NaN = no count). ``lines``: (component keys, total key) pairs, each saying
    the components sum to the total; a count may sit in several lines (a total of one line and a
    component of another). A line may also stand for an identity with signs, such as last month's
    plans + issued - ceased = this month's plans, written ``([prev, issued, ceased], now)``: a line with
    one unknown can be solved whatever its signs, which is all the rule below relies on. Primary
    suppression: counts with ``1 <= n < threshold``. Secondary, repeated until stable: a line holding
    exactly one suppressed count has its smallest unsuppressed positive component suppressed too (ties:
    the first in the line), else its total, else a zero component, so no suppressed count can be
    worked back by subtraction. ``last``: keys chosen only when nothing else in the line can be, e.g. a
    month-end count that was already published last month (hiding it again protects nothing).
    """
    masked = {k for k, v in values.items() if v == v and 1 <= v < threshold}
    last = set(last)
    changed = True
    while changed:
        changed = False
        for comps, total in lines:
            if sum(k in masked for k in [*comps, total]) != 1:
                continue
            free = [c for c in comps if c not in masked and values[c] == values[c]]
            positive = sorted((c for c in free if values[c] > 0), key=lambda c: values[c])  # stable
            zeros = [c for c in free if values[c] == 0]
            order = [*positive, *([total] if total not in masked else []), *zeros]
            order = [k for k in order if k not in last] + [k for k in order if k in last]
            if order:  # empty: nothing else in the line to hide
                masked.add(order[0])
                changed = True
    return masked


def suppression_mask(
    table: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    columns: Sequence | None = None,
    row_total: str | None = None,
    col_total=None,
) -> pd.DataFrame:
    """Boolean frame (same shape as ``table[columns]``): True where a count must be shown as ``[c]``.

    ``columns``: the count columns (default every numeric column). ``row_total``: the name of the column
    holding each row's total of the other count columns (it must be among ``columns``). ``col_total``:
    the index label of the row holding each column's total. Primary suppression marks counts with
    ``1 <= n < threshold``; secondary suppression then repeats until no total line holds exactly one
    suppressed cell: in such a line it marks the smallest unsuppressed positive component, else the
    line's total, else a zero component.
    """
    cols = list(columns) if columns is not None else _numeric_columns(table)
    if row_total is not None and row_total not in cols:
        raise ValueError(f"row_total {row_total!r} must be one of the count columns {cols}")
    if col_total is not None and col_total not in table.index:
        raise ValueError(f"col_total {col_total!r} is not a row label of the table")
    values = table[cols].to_numpy(dtype="float64", na_value=np.nan)

    # Lines: (component cell positions, total cell position).
    lines: list[tuple[list[tuple[int, int]], tuple[int, int]]] = []
    col_pos = {c: j for j, c in enumerate(cols)}
    rows = list(table.index)
    if row_total is not None:
        tj = col_pos[row_total]
        comps_j = [j for j in range(len(cols)) if j != tj]
        for i in range(len(rows)):
            lines.append(([(i, j) for j in comps_j], (i, tj)))
    if col_total is not None:
        ti = rows.index(col_total)
        comps_i = [i for i in range(len(rows)) if i != ti]
        for j in range(len(cols)):
            lines.append(([(i, j) for i in comps_i], (ti, j)))
    cells = {(i, j): values[i, j] for i in range(values.shape[0]) for j in range(values.shape[1])}
    mask = np.zeros(values.shape, dtype=bool)
    for p in linked_suppression(cells, lines, threshold):
        mask[p] = True
    return pd.DataFrame(mask, index=table.index, columns=cols)


def _count_columns_of(spec) -> tuple:
    """The count columns a derived column depends on (one name, or a list or tuple of names)."""
    return tuple(spec) if isinstance(spec, list | tuple) else (spec,)


def dependent_mask(
    count_mask: pd.DataFrame,
    dependents: Mapping[object, object],
    *,
    sums_shown: Sequence = (),
    counts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Boolean frame, one column per derived column: True where the derived value must be hidden.

    ``count_mask``: the count mask (:func:`suppression_mask`). ``dependents`` maps each derived column
    (a cost, a share, an effect) to the count column it comes from, or to a list or tuple of them: the
    derived value is hidden in every row where ANY of its counts is, because a value computed from two
    counts gives either back when the other is shown (a shift-share row: its effects and the count now
    give the count before). ``sums_shown``: derived columns whose sum over the rows is published
    elsewhere (e.g. the parts of a change in a chart); such a column must not hide exactly one row, or
    that row is the published sum minus the others, so a second row is hidden too: the unhidden row
    with the smallest sum of its counts in ``counts`` (the count values; ties: the first row).
    """
    out = pd.DataFrame(index=count_mask.index)
    for derived, spec in dependents.items():
        cols = _count_columns_of(spec)
        missing = [c for c in cols if c not in count_mask.columns]
        if missing:
            raise ValueError(f"dependent column {derived!r} refers to {missing[0]!r}, not a count column")
        hide = count_mask[list(cols)].any(axis=1).to_numpy().copy()
        if derived in sums_shown and hide.sum() == 1 and len(hide) > 1:
            if counts is None:
                raise ValueError("sums_shown needs the count values (counts=)")
            size = counts[list(cols)].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1).to_numpy()
            size = np.where(hide, np.inf, size)
            hide[int(np.argmin(size))] = True  # argmin: the first of equal sizes
        out[derived] = hide
    return out


def suppress_small_counts(
    table: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    columns: Sequence | None = None,
    row_total: str | None = None,
    col_total=None,
    dependents: Mapping | None = None,
    symbol: str = SUPPRESSED,
) -> pd.DataFrame:
    """Copy of ``table`` with counts from 1 to ``threshold - 1`` replaced by ``"[c]"`` (0 is shown).

    With ``row_total`` (a column name) and/or ``col_total`` (a row label) the table's totals are
    protected by secondary suppression (see :func:`suppression_mask`). ``dependents`` maps a derived
    column (e.g. a cost or a share) to the count column it comes from (or a list of them): the derived
    value is suppressed wherever its count (any of them) is (:func:`dependent_mask`). Suppressed
    columns become ``object`` dtype holding ints and ``"[c]"``.
    Identifying columns are refused (:func:`assert_no_identifiers`).
    """
    assert_no_identifiers(table)
    mask = suppression_mask(table, threshold, columns=columns, row_total=row_total, col_total=col_total)
    out = table.copy()
    for c in mask.columns:
        if mask[c].any():
            col = out[c].astype(object)
            col[mask[c].to_numpy()] = symbol
            out[c] = col
    derived_mask = dependent_mask(mask, dependents or {})
    for derived in derived_mask.columns:
        m = derived_mask[derived].to_numpy()
        if m.any():
            col = out[derived].astype(object)
            col[m] = symbol
            out[derived] = col
    return out


def add_totals(
    table: pd.DataFrame,
    columns: Sequence | None = None,
    *,
    row_total: str | None = "Total",
    col_total: str | None = "Total",
) -> pd.DataFrame:
    """``table`` with a total column (sum across ``columns``) and/or a total row (sum down each column).

    Counts only; compute totals BEFORE suppressing, then pass the same names to
    :func:`suppress_small_counts` so the totals are protected.
    """
    cols = list(columns) if columns is not None else _numeric_columns(table)
    out = table.copy()
    if row_total is not None:
        out[row_total] = out[cols].sum(axis=1)
        cols = [*cols, row_total]
    if col_total is not None:
        total_row = out[cols].sum(axis=0)
        extra = pd.DataFrame([total_row], index=[col_total])
        if isinstance(out.index, pd.MultiIndex):
            raise ValueError("add_totals needs a flat index")
        out = pd.concat([out, extra.astype(out[cols].dtypes.to_dict())])
    return out


def check_published_table(
    table: pd.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    columns: Sequence | None = None,
) -> pd.DataFrame:
    """Raise :class:`DisclosureError` if a count column still shows a value from 1 to threshold-1.

    A last check before display; returns the table unchanged.
    """
    assert_no_identifiers(table)
    cols = list(columns) if columns is not None else list(table.columns)
    for c in cols:
        s = pd.to_numeric(table[c].astype(object).map(lambda v: str(v).replace(",", "")), errors="coerce")
        bad = s[(s >= 1) & (s < threshold) & (s == s.round())]
        if len(bad):
            raise DisclosureError(f"column {c!r} shows the small count(s) {sorted(set(bad.astype(int)))}")
    return table


# ---------------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------------


def _fmt_count(v) -> str:
    return formatting.count(v)


def _fmt_money(v) -> str:
    return formatting.pounds(v)  # -0.3 shows as £0, not -£0


def _fmt_percent(v, digits: int = 1) -> str:
    return formatting.percent(v, digits)


def safe_table(
    table: pd.DataFrame,
    *,
    counts: Sequence[str] = (),
    money: Sequence[str] = (),
    percent: Sequence[str] = (),
    dependents: Mapping | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    row_total: str | None = None,
    col_total=None,
    sums_shown: Sequence[str] = (),
    rename: Mapping[str, str] | None = None,
    allow: Iterable[str] = (),
) -> pd.DataFrame:
    """A table ready to show a committee: identifiers refused, small counts suppressed, values formatted.

    ``counts`` are suppressed (with totals protected as in :func:`suppress_small_counts`) and shown with
    thousands separators; ``money`` (pounds) as ``£12,345``; ``percent`` (already in per cent, 0-100)
    as ``12.3%``. ``dependents`` maps money/percent columns to the count they derive from (or a list of
    counts: hidden when any of them is), so they are suppressed with it; by default, when there is
    exactly one count column, every money and percent column depends on it. ``sums_shown``: derived
    columns whose sum over the rows is published elsewhere, protected as in :func:`dependent_mask`.
    Every cell of the result is a string; ``rename`` relabels columns last.
    """
    assert_no_identifiers(table, allow)
    counts = list(counts)
    if dependents is None:
        dependents = {c: counts[0] for c in [*money, *percent]} if len(counts) == 1 else {}
    if counts:
        mask = suppression_mask(table, threshold, columns=counts, row_total=row_total, col_total=col_total)
    else:
        mask = pd.DataFrame(index=table.index)
    derived_mask = dependent_mask(
        mask, {c: d for c, d in dependents.items() if c in table.columns}, sums_shown=sums_shown, counts=table
    )
    out = pd.DataFrame(index=table.index)
    for c in table.columns:
        col = table[c]
        if c in counts:
            vals = [SUPPRESSED if m else _fmt_count(v) for v, m in zip(col, mask[c], strict=True)]
        elif c in money or c in percent:
            fmt = _fmt_money if c in money else _fmt_percent
            dep = derived_mask[c].to_numpy() if c in derived_mask.columns else np.zeros(len(col), bool)
            vals = [SUPPRESSED if m else fmt(v) for v, m in zip(col, dep, strict=True)]
        else:
            vals = [
                "" if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) else str(v)
                for v in col
            ]
        out[c] = pd.Series(vals, index=table.index, dtype=object)
    if rename:
        out = out.rename(columns=dict(rename))
    return out
