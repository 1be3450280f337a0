"""The pieces every validation rule uses: :class:`Finding`, :class:`TableData` and small vectorised helpers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sendlib import schema
from sendlib.extract import Issue

P, PL, A = schema.PLANS, schema.PLACEMENTS, schema.ASSESSMENTS


@dataclass
class Finding:
    """Rows of one table that break one rule.

    ``what`` is one text for all rows or an array of texts, one per flagged row (in row order);
    ``fix`` says what the analyst should do. ``quarantine`` True removes the rows from the tables.
    """

    table: str
    mask: np.ndarray
    column: str | None
    rule: str
    severity: str
    what: np.ndarray | str
    fix: str
    quarantine: bool = True


@dataclass
class TableData:
    """One table being loaded: its typed values, the raw text for the quarantine, and findings."""

    name: str
    file: str
    rows: np.ndarray  # analyst row numbers
    raw: pd.DataFrame  # contract columns, values as read (text or parquet-typed)
    data: pd.DataFrame  # contract columns, typed
    findings: list[Finding] = field(default_factory=list)
    notes: list[Issue] = field(default_factory=list)  # table-level info/warnings
    memo: dict = field(default_factory=dict, repr=False)  # lookups rules share (e.g. each placement's plan row)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def quarantined(self) -> np.ndarray:
        q = np.zeros(len(self.data), dtype=bool)
        for f in self.findings:
            if f.quarantine:
                q |= f.mask
        return q

    def add(self, mask, column, rule, severity, what, fix, quarantine=None) -> None:
        """Record a finding. ``what``: a text, a full-length Series, or a function of the mask
        returning texts for the flagged rows only (so messages cost nothing when no row is flagged)."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        if callable(what):
            what = what(mask)
        if not isinstance(what, str):
            what = pd.Series(what)
            if len(what) == len(mask) and len(mask) != int(mask.sum()):
                what = what[mask]
            what = what.astype("string").fillna("").to_numpy(dtype=object)
        if quarantine is None:
            quarantine = severity == "error"
        self.findings.append(Finding(self.name, mask, column, rule, severity, what, fix, quarantine))

    def note(self, rule: str, severity: str, message: str, column: str | None = None) -> None:
        self.notes.append(Issue(self.name, None, column, rule, severity, message, self.file))


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip()


def _fmt_date(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%d/%m/%Y").astype("string").fillna("(blank)")


def _mask(s: pd.Series) -> np.ndarray:
    return s.fillna(False).to_numpy(dtype=bool)


def isin(values: pd.Series, allowed: pd.Series) -> np.ndarray:
    """``values.isin(allowed)`` for id columns, fast on millions of strings (hash lookup on objects)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not values.notna().any():  # nothing to look up (e.g. an optional id column left blank)
        return np.zeros(len(values), dtype=bool)
    fast = _isin_fixed_width(values, allowed)
    if fast is not None:
        return fast
    left = pa.array(values.astype("string[pyarrow]"))
    right = pa.array(allowed.dropna().astype("string[pyarrow]").unique())
    hit = pc.is_in(left, value_set=right.cast(left.type)).fill_null(False)
    return hit.to_numpy(zero_copy_only=False).astype(bool) & values.notna().to_numpy(dtype=bool)


def _isin_fixed_width(values: pd.Series, allowed: pd.Series) -> np.ndarray | None:
    """:func:`isin` for ids of one width of at most 8 bytes on both sides (as system ids usually are):
    each id read as an unsigned integer from its bytes (:mod:`sendlib.idmatch`), the allowed ones sorted,
    one binary search per value. None when the ids are not like that (the caller hashes the strings)."""
    from sendlib import idmatch

    left, right = idmatch.fixed_width_ids(values), idmatch.fixed_width_ids(allowed.dropna())
    if left is None or right is None or left[1] != right[1] or right[1] == 0:
        return None
    present = values.notna().to_numpy(dtype=bool)
    left, right = left[0][present], right[0]
    if not (right[1:] > right[:-1]).all():  # not sorted and unique already
        right = np.unique(right)
    pos = np.minimum(np.searchsorted(right, left), len(right) - 1)
    out = np.zeros(len(values), dtype=bool)
    out[present] = right[pos] == left
    return out


def _flagged(t: TableData, *columns: str) -> np.ndarray:
    """Rows already holding a finding on any of ``columns`` (e.g. a bad date, read as blank)."""
    out = np.zeros(len(t), dtype=bool)
    for f in t.findings:
        if f.column in columns:
            out |= f.mask
    return out
