"""Whole tables (how many rows are left), findings as issues, the quarantine, and the reports written by
``sendlib validate``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import schema
from sendlib.extract import Issue
from sendlib.validate.core import TableData

# -------------------------------------------------------------------------------------------------
# Whole tables: how many rows are left
# -------------------------------------------------------------------------------------------------

#: A table with more than this share of its rows set aside (rows quarantined / rows in) gets a
#: ``most_rows_quarantined`` warning: the figures rest on the minority of rows that are left.
QUARANTINE_WARNING_SHARE = 0.5
#: How many reasons the no_rows_kept / most_rows_quarantined message lists (commonest first).
REASONS_SHOWN = 3


def quarantine_reason_counts(t: TableData) -> pd.Series:
    """Quarantined rows per rule (a row set aside for two rules counts under each), commonest first,
    ties by rule name. Index: rule; values: rows."""
    masks: dict[str, np.ndarray] = {}
    for f in t.findings:
        if f.quarantine:
            masks[f.rule] = masks.get(f.rule, np.zeros(len(t), dtype=bool)) | f.mask
    counts = pd.Series({rule: int(m.sum()) for rule, m in masks.items()}, dtype="int64")
    if counts.empty:
        return counts
    order = sorted(counts.index, key=lambda rule: (-counts[rule], rule))
    return counts[order]


def _reasons_text(t: TableData) -> str:
    counts = quarantine_reason_counts(t)
    shown = ", ".join(f"{n:,} {rule}" for rule, n in counts.iloc[:REASONS_SHOWN].items())
    more = len(counts) - REASONS_SHOWN
    return shown + (f" and {more} more rule(s)" if more > 0 else "")


def check_rows_kept(t: TableData, required: bool, blocked: bool = False) -> None:
    """no_rows_kept (blocking) and most_rows_quarantined (warning): one note per table, not per row.

    A required table (plans, placements, assessments) with rows in but none kept makes the extract not
    usable (``blocking``): every figure from it would rest on nothing (e.g. £0 average cost when every
    placement is an orphan). Skipped when the table already has a blocking issue (``blocked``, e.g. an
    empty_file whose only rows are total rows). Otherwise, when rows quarantined / rows in is over
    :data:`QUARANTINE_WARNING_SHARE` (an optional table with none kept included), a warning. Both name
    the file, the counts and the commonest reasons (:func:`quarantine_reason_counts`).
    """
    rows_in = len(t)
    if rows_in == 0:
        return
    q = int(t.quarantined.sum())
    if q == rows_in and required and not blocked:
        t.note("no_rows_kept", "blocking",
               f"{'all ' + format(rows_in, ',') + ' rows' if rows_in > 1 else 'the only row'} of {t.file} "
               f"{'were' if rows_in > 1 else 'was'} set aside: {_reasons_text(t)}. With no {t.name} left "
               f"the extract cannot be used: fix the commonest reason first (each row is in "
               f"quarantine_{t.name}.csv with its reason), then run again.")
    elif q > QUARANTINE_WARNING_SHARE * rows_in:
        kept = rows_in - q
        t.note("most_rows_quarantined", "warning",
               f"{q:,} of {rows_in:,} rows of {t.file} ({q / rows_in:.0%}) were set aside: {_reasons_text(t)}. "
               f"Figures use the {kept:,} row(s) kept; fix the commonest reason at source (each row is in "
               f"quarantine_{t.name}.csv with its reason).")


# -------------------------------------------------------------------------------------------------
# Findings -> issues
# -------------------------------------------------------------------------------------------------


def finding_issues(t: TableData) -> list[Issue]:
    """One :class:`Issue` per flagged row per finding, message naming file, row, column and the fix."""
    out: list[Issue] = list(t.notes)
    for f in t.findings:
        pos = np.flatnonzero(f.mask)
        rows = t.rows[pos]
        whats = [f.what] * len(pos) if isinstance(f.what, str) else list(f.what)
        col = f" column {f.column}," if f.column else ""
        for r, w in zip(rows.tolist(), whats, strict=True):
            msg = f"{t.file} row {r},{col} {w}. {f.fix}"
            out.append(Issue(t.name, int(r), f.column, f.rule, f.severity, msg, t.file))
    notes, rows = out[: len(t.notes)], out[len(t.notes) :]
    return notes + sorted(rows, key=lambda i: i.row)


def quarantine_frame(t: TableData) -> pd.DataFrame:
    """Quarantined rows: table, row, reasons (``; ``-joined), then the original values as text."""
    q = t.quarantined
    if not q.any():
        return pd.DataFrame(columns=["table", "row", "reasons"])
    parts = []
    for f in t.findings:
        if not f.quarantine:
            continue
        pos = np.flatnonzero(f.mask)
        what = pd.Series([f.what] * len(pos) if isinstance(f.what, str) else f.what, dtype="string")
        parts.append(pd.DataFrame({"pos": pos, "reason": (f"{f.rule}: " + what).to_numpy()}))
    long = pd.concat(parts).sort_values("pos", kind="stable")
    multi = long["pos"].duplicated(keep=False).to_numpy()
    reasons = pd.concat(
        [
            long.loc[~multi].set_index("pos")["reason"],
            long.loc[multi].groupby("pos", sort=True)["reason"].agg("; ".join),
        ]
    ).sort_index()
    raw = t.raw.iloc[reasons.index.to_numpy()].reset_index(drop=True)
    raw = raw.astype("string").fillna("")
    head = pd.DataFrame(
        {"table": t.name, "row": t.rows[reasons.index.to_numpy()], "reasons": reasons.to_numpy()}
    )
    return pd.concat([head, raw], axis=1)


# -------------------------------------------------------------------------------------------------
# Reports (used by ``sendlib validate``; callable from Python)
# -------------------------------------------------------------------------------------------------

AS_OF_SOURCES = {"argument": ", from --as-of", "extract.toml": ", from extract.toml",
                 "inferred": ", the latest event date"}
SEVERITY_ORDER = {"blocking": 0, "error": 1, "warning": 2, "info": 3}


def report_dict(extract) -> dict:
    """The machine-readable report (``--json``): ``{"usable": bool, "as_of": "YYYY-MM-DD", "as_of_source":
    "argument" | "extract.toml" | "inferred", "tables": {name: counts},
    "issues": [...]}``. ``usable`` is False when any issue is blocking (the exit code is then 1)."""
    keys = ("table", "row", "column", "rule", "severity", "message")
    return {
        "usable": bool(extract.usable),
        "as_of": None if extract.as_of is None else f"{extract.as_of:%Y-%m-%d}",
        "as_of_source": getattr(extract, "as_of_source", None),
        "tables": {k: dict(v) for k, v in extract.row_counts.items()},
        "issues": [{k: getattr(i, k) for k in keys} for i in extract.issues],
    }


def report_text(extract, examples: int = 3) -> str:
    """A readable data-quality report: row counts per table, then issues grouped by rule."""
    lines = []
    as_of = f"{extract.as_of:%Y-%m-%d}" if extract.as_of is not None else "unknown"
    source = AS_OF_SOURCES.get(getattr(extract, "as_of_source", None), "")
    lines.append(f"Extract: {extract.source}   (as_of {as_of}{source})")
    lines.append("")
    lines.append(f"{'table':<18}{'rows in':>10}{'kept':>10}{'quarantined':>13}")
    for name, c in extract.row_counts.items():
        lines.append(f"{name:<18}{c['rows_in']:>10,}{c['rows_kept']:>10,}{c['rows_quarantined']:>13,}")
    groups: dict[tuple[str, str, str], list[Issue]] = {}
    for i in extract.issues:
        groups.setdefault((i.severity, i.rule, i.table), []).append(i)
    lines.append("")
    if not groups:
        lines.append("No issues found.")
    for (sev, rule, table), items in sorted(groups.items(), key=lambda kv: (SEVERITY_ORDER.get(kv[0][0], 9), kv[0])):
        rows = sum(1 for i in items if i.row is not None)
        count = f"{rows:,} row(s)" if rows else f"{len(items)} note(s)"
        lines.append(f"{sev.upper()} {rule}" + (f" [{table}]" if table else "") + f": {count}")
        for i in items[:examples]:
            lines.append("    " + i.message.replace("\n", "\n    "))
        if len(items) > examples:
            lines.append(f"    ... and {len(items) - examples:,} more (see the quarantine and issues files)")
    lines.append("")
    if extract.usable:
        q = sum(c["rows_quarantined"] for c in extract.row_counts.values())
        lines.append(
            "Result: USABLE" + (f" ({q:,} row(s) quarantined: fix them at source)" if q else " (no rows quarantined)")
        )
    else:
        lines.append("Result: NOT USABLE: fix the blocking issue(s) above and run again.")
    return "\n".join(lines)


#: Written beside the quarantine and issues files: what they hold and how to treat them.
PERSONAL_DATA_README = """\
PERSONAL DATA - keep these files in this folder, owner-only; do not email, share or publish them.

quarantine_<table>.csv lists the rows of the extract that were set aside, with every value as read
(child and plan identifiers, dates of birth, providers, costs) and the reason. issues.csv lists every
finding with its file, row, column and message (messages quote values, ids and dates). They hold
personal data by design, so that the analyst can find and fix each row at source.

sendlib writes them readable by their owner only (mode 600) and rewrites them on each run of
`sendlib validate`. They are UTF-8 with a byte order mark, so Excel shows "£" correctly. Delete them
when the extract has been fixed; never copy them into reports, notebooks or shared folders.
"""


def write_private_csv(frame: pd.DataFrame, path) -> None:
    """Write ``frame`` as CSV readable by its owner only (mode 600, also when the file already
    existed) and as UTF-8 with a byte order mark (Excel then reads "£" as "£", not "Â£")."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
        frame.to_csv(f, index=False)


def write_quarantine(extract, out_dir) -> list:
    """Write ``quarantine_<table>.csv`` for each table read and ``issues.csv`` to ``out_dir``.

    Every table gets a file (header only when nothing was quarantined), so files from an earlier run
    never linger with stale rows. They hold personal data by design: each is written owner-only (mode
    600) as UTF-8 with a byte order mark (:func:`write_private_csv`), and ``README.txt`` beside them
    (:data:`PERSONAL_DATA_README`) says so. Returns the CSV paths written, sorted.
    """
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    q = extract.quarantine
    for name in extract.row_counts:
        cols = ["table", "row", "reasons"] + [c for c in schema.CONTRACT[name].column_names if c in q.columns]
        part = q.loc[q["table"] == name, cols] if len(q) else q[["table", "row", "reasons"]]
        path = out / f"quarantine_{name}.csv"
        write_private_csv(part, path)
        written.append(path)
    for stale in out.glob("quarantine_*.csv"):
        if stale not in written:
            stale.unlink()
    path = out / "issues.csv"
    write_private_csv(extract.issues_frame(), path)
    written.append(path)
    (out / "README.txt").write_text(PERSONAL_DATA_README, encoding="utf-8")
    return sorted(written)
