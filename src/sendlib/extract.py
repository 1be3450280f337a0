"""The in-memory extract: typed tables plus what loading found (issues, quarantine, row counts).

:func:`sendlib.load` returns an :class:`Extract`; every measure is a pure function of an Extract (or
of its tables) and dates. Types after loading:

- ids, codes and text: pandas ``string`` dtype, codes already normalised to the contract vocabulary;
- dates: ``datetime64[ns]`` at midnight, missing as ``NaT``;
- money: ``float64`` pounds; optional contribution columns are always present, 0.0 when not supplied;
- bool: ``bool``; int: ``int64``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from sendlib import schema

SEVERITIES = ("blocking", "error", "warning", "info")


@dataclass(frozen=True)
class Issue:
    """One data-quality finding.

    ``row`` is the 1-based row number as the analyst sees it in the file (header = row 1 for CSV, the
    spreadsheet row for xlsx), or None for file- or table-level findings. ``severity``: ``blocking``
    (the extract cannot be used), ``error`` (row quarantined), ``warning`` (row kept, value fixed or
    doubtful), ``info`` (a note, e.g. a synonym mapped). A few rules set a row aside at a lower severity
    because nothing is lost: ``duplicate_row`` (warning: an exact copy, one kept) and ``total_row``
    (info: a spreadsheet total at the bottom); the quarantine file lists them with the rest.
    """

    table: str
    row: int | None
    column: str | None
    rule: str
    severity: str
    message: str
    file: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = self.file or self.table
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"[{self.severity}] {where}: {self.message}"


@dataclass
class Extract:
    """A cleaned, validated monthly extract.

    ``quarantine`` has one row per quarantined input row: ``table``, ``row`` (file row number),
    ``reasons`` (``; ``-joined rule messages) and the original values as text in the remaining columns.
    ``row_counts`` maps table -> {"rows_in", "rows_kept", "rows_quarantined"}; rows_in = rows_kept +
    rows_quarantined always holds.
    """

    plans: pd.DataFrame
    placements: pd.DataFrame
    assessments: pd.DataFrame
    plan_trajectory: pd.DataFrame | None = None
    budget: pd.DataFrame | None = None
    panel_decisions: pd.DataFrame | None = None
    as_of: pd.Timestamp | None = None
    issues: list[Issue] = field(default_factory=list)
    quarantine: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["table", "row", "reasons"]))
    row_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    source: Path | None = None
    as_of_source: str | None = None  # "argument", "extract.toml" or "inferred" (see sendlib.load)

    def table(self, name: str) -> pd.DataFrame | None:
        if name not in schema.TABLES:
            raise KeyError(f"unknown table {name!r}; tables are {', '.join(schema.TABLES)}")
        return getattr(self, name)

    @property
    def usable(self) -> bool:
        """False when any blocking issue was found."""
        return not any(i.severity == "blocking" for i in self.issues)

    def issues_frame(self) -> pd.DataFrame:
        cols = ["table", "row", "column", "rule", "severity", "message", "file"]
        return pd.DataFrame([i.as_dict() for i in self.issues], columns=cols)


def coerce_table(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give an already-clean frame the contract's dtypes (no validation, no messy-input handling).

    For tests, notebooks and generators that build tables in code. Dates may be ISO strings or
    datetimes; optional columns that are absent are added (money as 0.0, others missing). Real files
    go through :func:`sendlib.load`, which also cleans and validates.
    """
    table = schema.CONTRACT[name]
    out = pd.DataFrame(index=frame.index)
    for col in table.columns:
        if col.name in frame.columns:
            values = frame[col.name]
        elif col.kind == "money" and not col.required:
            values = pd.Series(0.0, index=frame.index)
        else:
            values = pd.Series(pd.NA, index=frame.index, dtype="object")
        if col.kind == "date":
            out[col.name] = pd.to_datetime(values).astype("datetime64[ns]")
            if col.period == "month":
                out[col.name] = (out[col.name] + pd.offsets.MonthEnd(0)).astype("datetime64[ns]")
        elif col.kind == "money":
            out[col.name] = pd.to_numeric(values).astype("float64")
        elif col.kind == "int":
            out[col.name] = pd.to_numeric(values).astype("int64")
        elif col.kind == "bool":
            out[col.name] = values.fillna(False).astype(bool)
        else:
            out[col.name] = values.astype("string")
    extra = [c for c in frame.columns if c not in out.columns]
    for c in extra:
        out[c] = frame[c]
    return out.reset_index(drop=True)


def from_frames(
    plans: pd.DataFrame,
    placements: pd.DataFrame,
    assessments: pd.DataFrame | None = None,
    plan_trajectory: pd.DataFrame | None = None,
    budget: pd.DataFrame | None = None,
    as_of=None,
    panel_decisions: pd.DataFrame | None = None,
) -> Extract:
    """An :class:`Extract` from clean frames, typed by :func:`coerce_table` (see its caveats)."""
    if assessments is None:
        assessments = pd.DataFrame(columns=schema.CONTRACT[schema.ASSESSMENTS].column_names)
    tables = {
        schema.PLANS: coerce_table(schema.PLANS, plans),
        schema.PLACEMENTS: coerce_table(schema.PLACEMENTS, placements),
        schema.ASSESSMENTS: coerce_table(schema.ASSESSMENTS, assessments),
    }
    if plan_trajectory is not None:
        tables[schema.PLAN_TRAJECTORY] = coerce_table(schema.PLAN_TRAJECTORY, plan_trajectory)
    if budget is not None:
        tables[schema.BUDGET] = coerce_table(schema.BUDGET, budget)
    if panel_decisions is not None:
        tables[schema.PANEL_DECISIONS] = coerce_table(schema.PANEL_DECISIONS, panel_decisions)
    counts = {k: {"rows_in": len(v), "rows_kept": len(v), "rows_quarantined": 0} for k, v in tables.items()}
    return Extract(
        **tables,
        as_of=None if as_of is None else pd.Timestamp(as_of),
        row_counts=counts,
    )
