"""``sendlib.load``: read, clean and validate an extract folder into an :class:`~sendlib.extract.Extract`.

Steps (each in its own module): find and read each table's file (:mod:`sendlib.read`), rename headers
to the contract through the mapping file (:mod:`sendlib.mapping`), parse values (:mod:`sendlib.clean`;
one table's reading and typing is :mod:`sendlib.load_table`), check rules and split kept rows from
quarantined ones (:mod:`sendlib.validate`). This module decides the extract date, runs those steps
(two chains of them in threads on big extracts) and assembles the Extract.

The extract date ``as_of`` is decided here, and only here, for every command: the ``as_of`` argument
(``--as-of YYYY-MM-DD`` on the command line), else ``as_of`` in ``extract.toml`` in the data folder
(``as_of = "2024-11-30"``), else the latest event date in the extract that is not after today (noted
as an info issue). The argument wins over extract.toml; when the two differ an info issue (rule
``as_of``) says which was used. ``Extract.as_of_source`` records where the date came from
(``argument``, ``extract.toml`` or ``inferred``); ``sendlib validate`` prints it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path

import pandas as pd

from sendlib import panel_rules, schema
from sendlib.errors import DataError, UsageError
from sendlib.extract import Extract, Issue
from sendlib.load_table import read_one_table
from sendlib.mapping import Mapping, load_mapping
from sendlib.typed_columns import empty_column
from sendlib.validate import (
    HISTORY_COLUMNS,
    TableData,
    check_orphans,
    check_placements_within_plans,
    check_rows_kept,
    finding_issues,
    quarantine_frame,
    trim_overlapping_placements,
)
from sendlib.validate.plausibility import check_placement_plausibility, check_plan_and_request_plausibility
from sendlib.validate.rows import check_rows

EXTRACT_TOML = "extract.toml"

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

    checked = stamp is not None  # the rules within a table run as each table is read
    parallel = _folder_bytes(data_dir) >= PARALLEL_BYTES
    if checked and parallel and READ_THREADS >= 2 and (os.cpu_count() or 1) >= 2:
        tables = _read_and_check_in_two_chains(data_dir, m, issues, stamp)
    else:
        tables = _read_tables(data_dir, m, issues, stamp if checked else None, checked)
        stamp, inferred = _check_across(tables, issues, stamp, checked, parallel)
        source = "inferred" if inferred else source

    present = [t for t in tables.values() if t is not None]
    for t in present:  # last: counts every rule's quarantine
        blocked = any(i.table == t.name and i.severity == "blocking" for i in issues)
        check_rows_kept(t, required=t.name in schema.REQUIRED_TABLES, blocked=blocked)
    extract = _finish(data_dir, tables, stamp, issues, errors)
    extract.as_of_source = source
    return extract


def _check_across(tables: dict, issues: list[Issue], stamp, checked: bool, parallel: bool) -> tuple:
    """After every table is read: the extract date inferred when not given (then the rules within each
    table, which need it), and the rules across tables. Returns the extract date used and whether it
    was inferred."""
    inferred = False
    present = [t for t in tables.values() if t is not None]
    if stamp is None and present:
        stamp = _infer_as_of(present)
        if stamp is not None:
            inferred = True
            issues.append(Issue("", None, None, "as_of", "info",
                                f"extract date as_of not given; using the latest event date "
                                f"{stamp:%d/%m/%Y}. Set it in {EXTRACT_TOML} (as_of = \"YYYY-MM-DD\")."))
    if not checked:
        for t in present:
            check_rows(t, stamp)
    _run_together([lambda: _placement_rules(tables), lambda: _plan_and_request_rules(tables)], parallel=parallel)
    return stamp, inferred


def _read_and_check_in_two_chains(data_dir: Path, m: Mapping, issues: list[Issue], stamp) -> dict:
    """Read, type and check every table (the extract date known) in two threads, each running its own
    rules across tables as soon as the tables they read are in: one reads placements, waits for plans,
    then runs :func:`_placement_rules`; the other reads plans, then the other tables, then runs
    :func:`_plan_and_request_rules` while placements are still being typed. The rules of each chain
    change only their own tables, and each table's issues are added in table order, so the Extract is
    the one :func:`_read_tables` and :func:`_check_across` give (tests compare the two)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    own: dict[str, list[Issue]] = {name: [] for name in schema.TABLES}
    tables: dict[str, TableData | None] = {}
    plans_in = threading.Event()

    def read(name: str) -> None:
        t = read_one_table(data_dir, name, m, own[name])
        if t is not None:
            check_rows(t, stamp)
        tables[name] = t

    def placements_chain() -> None:
        read(schema.PLACEMENTS)
        plans_in.wait()
        _placement_rules(tables)

    def plans_chain() -> None:
        try:
            read(schema.PLANS)
        finally:
            plans_in.set()  # even when reading plans failed: the other chain must not wait for ever
        for name in schema.TABLES:
            if name not in (schema.PLANS, schema.PLACEMENTS):
                read(name)
        _plan_and_request_rules(tables)

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(placements_chain), pool.submit(plans_chain)]
        for future in futures:
            future.result()
    for name in schema.TABLES:
        issues.extend(own[name])
    return {name: tables.get(name) for name in schema.TABLES}


def _placement_rules(tables: dict[str, TableData | None]) -> None:
    """The rules across tables that flag or fix placements: they read plans (ids, dates, which are set
    aside) but change only placements, so they can run beside :func:`_plan_and_request_rules`."""
    placements, plans = tables.get(schema.PLACEMENTS), tables.get(schema.PLANS)
    if placements is not None and plans is not None:
        check_orphans(placements, plans)
    if placements is not None:
        trim_overlapping_placements(placements)
    if placements is not None and plans is not None:
        # after the overlap trim: kept spells are disjoint, so moving a start or trimming an end to the
        # plan's dates creates no new overlap
        check_placements_within_plans(placements, plans)
    check_placement_plausibility(tables)  # a warning only: after every rule that sets placements aside


def _plan_and_request_rules(tables: dict[str, TableData | None]) -> None:
    """The rules across tables that flag panel decisions, plans and requests: warnings only (no row of
    plans or requests is set aside after the rules within each table), and they never read placements."""
    plans = tables.get(schema.PLANS)
    panel_rules.check_panel_links(tables.get(schema.PANEL_DECISIONS), plans, tables.get(schema.ASSESSMENTS))
    check_plan_and_request_plausibility(tables)


def _run_together(jobs, parallel: bool) -> None:
    """Run ``jobs`` (functions of no arguments) in threads when ``parallel``, else one after another.
    Each job changes its own tables only, so the findings, and their order within each table, are the
    same either way."""
    if not parallel:
        for job in jobs:
            job()
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()


def _folder_bytes(data_dir: Path) -> int:
    return sum(p.stat().st_size for p in data_dir.iterdir() if p.is_file())


#: Tables read at once (threads): reading and typing are mostly pyarrow and numpy work that releases
#: the GIL, so two tables in parallel use both cores of a small machine (national scale: 4.1-4.9 s
#: against 5.5-5.7 s, benchmarks/README.md).
READ_THREADS = 2
#: Below this many bytes of files in the folder the tables are read one at a time: on a county extract
#: (a few MB) the threads cost more than they save (0.175 s against 0.157 s).
PARALLEL_BYTES = 32 * 2**20


def _read_tables(data_dir: Path, m: Mapping, issues: list[Issue], stamp, check: bool) -> dict[str, TableData | None]:
    """Read (and, when ``check``, run the rules within each table on) every table, :data:`READ_THREADS`
    at a time. Each table's issues are kept apart and added in table order, so the report does not
    depend on which thread finished first."""
    from concurrent.futures import ThreadPoolExecutor

    def one(name: str):
        own: list[Issue] = []
        t = read_one_table(data_dir, name, m, own)
        if check and t is not None:
            check_rows(t, stamp)
        return t, own

    size = _folder_bytes(data_dir)
    workers = max(1, min(READ_THREADS, os.cpu_count() or 1)) if size >= PARALLEL_BYTES else 1
    if workers == 1:
        done = [one(name) for name in schema.TABLES]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(one, schema.TABLES))
    tables = {}
    for name, (t, own) in zip(schema.TABLES, done, strict=True):
        tables[name] = t
        issues.extend(own)
    return tables


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
# Assembling the Extract
# -------------------------------------------------------------------------------------------------


def _empty_table(name: str) -> pd.DataFrame:
    spec = schema.CONTRACT[name]
    idx = pd.RangeIndex(0)
    cols = {}
    for c in spec.columns:
        cols[c.name] = pd.Series(0.0, index=idx) if c.kind == "money" else empty_column(c.kind, idx)
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
        kept = t.data.loc[~q].reset_index(drop=True) if q.any() else t.data.reset_index(drop=True)
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
        panel_decisions=frames[schema.PANEL_DECISIONS],
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
