"""Rules across tables: orphan placements, overlapping spells, placements and their plan's dates
(the decisions are in :mod:`sendlib.validate`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import caseload, idmatch
from sendlib.validate.core import TableData, _fmt_date, _mask, isin

# -------------------------------------------------------------------------------------------------
# Rules across tables
# -------------------------------------------------------------------------------------------------


def plan_id_ignoring_case(ids: pd.Series, plan_ids: pd.Series) -> pd.Series:
    """For each id, the plan id equal to it ignoring case (``casefold``), else missing.

    A hint only: ids are matched exactly everywhere (a system may hold case-distinct ids). Surrounding
    spaces need no handling here: every id is stripped when read (:func:`sendlib.clean.clean_text`),
    so `` P001 `` already is ``P001``. When several plan ids differ only by case, the first in the
    plans table is given.
    """
    known = plan_ids.dropna().astype("string")
    lookup = pd.Series(known.to_numpy(), index=known.str.casefold().to_numpy())
    lookup = lookup[~lookup.index.duplicated(keep="first")]
    return ids.astype("string").str.casefold().map(lookup).astype("string")


def _orphan_text(pid: pd.Series, all_ids: pd.Series, file: str) -> pd.Series:
    """orphan_placement messages for ids not in plans: with a case hint where the id differs from a
    plan's id only by case (module docstring)."""
    match = plan_id_ignoring_case(pid, all_ids)
    hint = ("; " + match + " is: ids are compared exactly, so correct the case").fillna("")
    return "plan_id " + pid.fillna("") + f" is not in {file}" + hint


def plan_row_if_sorted(placements: TableData, plans: TableData) -> np.ndarray | None:
    """Each placement's row position among *all* plans (kept or set aside; -1 when its plan_id is not
    there), when plan ids are of one width and strictly increasing (sorted and unique, as extracts
    usually are): :func:`sendlib.idmatch.sorted_plan_rows`. None otherwise. The result is kept on
    ``placements`` for the rules after it: plan ids do not change while the extract is checked."""
    from sendlib import idmatch

    key = ("plan_row_if_sorted", id(plans))
    if key not in placements.memo:
        placements.memo[key] = idmatch.sorted_plan_rows(plans.data["plan_id"], placements.data["plan_id"])
    return placements.memo[key]


def check_orphans(placements: TableData, plans: TableData) -> None:
    """orphan_placement: the placement's plan_id is not among the plans (or that plan was quarantined).

    Ids are compared exactly; an id that matches a plan's id only when case is ignored gets a hint in
    its message (``plan_id p001 is not in plans.csv; P001 is: ...``), and is still an orphan.
    """
    pid = placements.data["plan_id"]
    all_ids = plans.data["plan_id"].dropna()
    live = ~placements.quarantined & pid.notna().to_numpy()
    plans_q = plans.quarantined
    row = plan_row_if_sorted(placements, plans)
    if row is not None:  # one binary search (ids of one width, plans sorted and unique)
        in_all = row >= 0
        dropped = live & in_all & plans_q[np.maximum(row, 0)]
    else:
        in_all = isin(pid, all_ids)
        if plans_q.any():
            dropped = live & in_all & ~isin(pid, plans.data.loc[~plans_q, "plan_id"].dropna())
        else:  # every plan kept: no placement can belong to a plan set aside
            dropped = np.zeros(len(pid), dtype=bool)
    absent = live & ~in_all
    placements.add(absent, "plan_id", "orphan_placement", "error",
                   lambda m: _orphan_text(pid[m], all_ids, plans.file),
                   "Add the plan to the plans table, or correct plan_id.")
    placements.add(dropped, "plan_id", "orphan_placement", "error",
                   lambda m: "plan_id " + pid[m].fillna("") + f" was set aside from {plans.file} (see its issues)",
                   "Fix the plan's row; the placement is used again once its plan is.")


def trim_overlapping_placements(t: TableData) -> None:
    """overlapping_placements: trim the earlier spell's end_on to the day before the next spell starts.

    Spells of one plan are sorted by start_on; whenever a spell has no end or ends on/after the next
    spell's start, its end_on becomes next start - 1 day (logged, severity warning, row kept). After
    this, no two kept spells of a plan overlap. Spells with the same start were already handled as
    duplicate_id.
    """
    live = ~t.quarantined
    if not live.any():
        return
    sub = t.data.loc[live, ["plan_id", "start_on", "end_on"]] if not live.all() else t.data
    # spells grouped by plan (integer codes: the groups' order does not matter) and sorted by start;
    # extracts are usually in that order already, and then nothing is sorted or copied
    codes = idmatch.id_codes(sub["plan_id"])
    starts = sub["start_on"].to_numpy(dtype="datetime64[ns]").view("int64")
    if _grouped_and_sorted(codes, starts):
        d, sorted_codes = sub, codes
    else:
        order = np.lexsort((starts, codes))
        d, sorted_codes = sub.iloc[order], codes[order]
    next_start = d["start_on"].shift(-1)
    same_plan = pd.Series(np.append(sorted_codes[1:] == sorted_codes[:-1], False), index=d.index)
    overlap = same_plan & (d["end_on"].isna() | (d["end_on"] >= next_start))
    overlap = overlap.fillna(False).astype(bool)
    if not overlap.any():
        return
    idx = d.index[overlap.to_numpy()]
    new_end = (next_start[overlap] - pd.Timedelta(days=1)).astype("datetime64[ns]")
    old = _fmt_date(t.data.loc[idx, "end_on"])
    mask = np.zeros(len(t), dtype=bool)
    mask[t.data.index.get_indexer(idx)] = True
    what = pd.Series("", index=t.data.index, dtype="string")
    what.loc[idx] = (
        "spell overlaps the plan's next spell starting " + _fmt_date(next_start[overlap]) + "; end_on "
        + old + " trimmed to " + _fmt_date(new_end)
    )
    t.data.loc[idx, "end_on"] = new_end
    t.add(mask, "end_on", "overlapping_placements", "warning", what,
          "Record the end date of a placement when the child moves.", quarantine=False)


def _grouped_and_sorted(codes: np.ndarray, starts: np.ndarray) -> bool:
    """True when the codes never fall from one row to the next (so each code's rows are adjacent:
    :func:`sendlib.idmatch.id_codes` of fixed-width ids rise with the ids, factorize codes with first
    appearance) and, within a code, the starts never fall: the order a sort by (code, start) gives."""
    same = codes[1:] == codes[:-1]
    return bool(((codes[1:] > codes[:-1]) | (same & (starts[1:] >= starts[:-1]))).all())


def _plan_dates_of_placements(placements: TableData, plans: TableData) -> pd.DataFrame:
    """For each placement row: its kept plan's ``issued_on``, ``ceased_on`` and analyst ``plan_row``.

    The join on plan_id is the cost engine's own (:func:`sendlib.caseload.plan_row_of_placements`, one
    vectorised lookup), so this check reads plans exactly as the figures do. ``has_plan`` is False for
    placements quarantined already or without a kept plan (orphans: quarantined by check_orphans).
    """
    kept = ~plans.quarantined
    row = plan_row_if_sorted(placements, plans)
    if row is not None:  # rows among all plans: a placement of a plan set aside has no plan here
        plan_data, rows = plans.data, plans.rows
        has_plan = ~placements.quarantined & (row >= 0) & kept[np.maximum(row, 0)]
    else:
        plan_data, rows = plans.data.loc[kept, ["plan_id", "issued_on", "ceased_on"]], plans.rows[kept]
        row = caseload.plan_row_of_placements(plan_data, placements.data)
        has_plan = ~placements.quarantined & (row >= 0)
    at = np.where(has_plan, row, 0)
    index = placements.data.index

    def pick(values: np.ndarray, empty):
        if len(values) == 0:
            return np.full(len(index), empty)
        return np.where(has_plan, values[at], empty)

    nat = np.datetime64("NaT", "ns")
    return pd.DataFrame(
        {
            "has_plan": has_plan,
            "issued_on": pick(plan_data["issued_on"].to_numpy(dtype="datetime64[ns]"), nat),
            "ceased_on": pick(plan_data["ceased_on"].to_numpy(dtype="datetime64[ns]"), nat),
            "plan_row": pick(rows, -1),
        },
        index=index,
    )


def check_placements_within_plans(placements: TableData, plans: TableData) -> None:
    """placement_outside_plan (quarantine), placement_before_plan and placement_after_plan (fixed).

    Compares each kept placement's ``start_on``/``end_on`` (inclusive days) with its plan's active days
    ``[issued_on, ceased_on)``; the decisions are in the module docstring. Run after
    :func:`trim_overlapping_placements`: kept spells of a plan are then disjoint, so at most one spell
    per plan contains the issue day (moved start) or the cease day (trimmed end), and the fixes create
    no new overlap or duplicate key.
    """
    d = placements.data
    if len(d) == 0 or len(plans) == 0:
        return
    plan = _plan_dates_of_placements(placements, plans)
    live = plan["has_plan"].to_numpy()
    if not live.any():
        return
    start, end = d["start_on"], d["end_on"]
    issued, ceased = plan["issued_on"], plan["ceased_on"]

    def where(m):
        return f" ({plans.file} row " + plan["plan_row"][m].astype("string") + ")"

    ended_before = live & _mask(end < issued)
    placements.add(
        ended_before, "end_on", "placement_outside_plan", "error",
        lambda m: "placement ended on " + _fmt_date(end[m]) + ", before its plan was issued on "
        + _fmt_date(issued[m]) + where(m) + "; no day of it falls within the plan",
        "Correct the placement's dates or plan_id, or the plan's issued_on; a placement that ended before "
        "the plan was issued belongs to no plan and can be left out of the extract.",
    )
    starts_after = live & _mask(start >= ceased)
    placements.add(
        starts_after, "start_on", "placement_outside_plan", "error",
        lambda m: "placement starts on " + _fmt_date(start[m]) + ", on or after the day its plan ceased, "
        + _fmt_date(ceased[m]) + where(m) + "; no day of it falls within the plan",
        "Correct the placement's start_on or plan_id (a new plan needs its own plan_id), or the plan's "
        "ceased_on if the plan did not cease then.",
    )
    no_life = live & ~ended_before & ~starts_after & _mask(ceased <= issued)
    placements.add(
        no_life, "plan_id", "placement_outside_plan", "error",
        lambda m: "its plan ceased on the day it was issued, " + _fmt_date(issued[m]) + where(m)
        + ", so the plan is active on no day and no day of the placement falls within it",
        "Correct the plan's ceased_on (the first day the plan no longer applies), or the placement's "
        "plan_id if it belongs to another plan.",
    )
    inside = live & ~ended_before & ~starts_after & ~no_life

    early = inside & _mask(start < issued)
    if early.any():
        days = (issued[early] - start[early]).dt.days.astype("int64").astype("string")
        what = (
            "start_on " + _fmt_date(start[early]) + " is " + days + " day(s) before its plan was issued on "
            + _fmt_date(issued[early]) + where(early) + "; start_on set to the issue date"
        )
        d.loc[early, "start_on"] = issued[early]
        placements.add(
            early, "start_on", "placement_before_plan", "warning", what.to_numpy(),
            "Costs count from the plan's issue date. Expected when the placement began before the plan "
            "(interim arrangement, child already on roll); otherwise correct start_on or the plan's issued_on.",
            quarantine=False,
        )

    late = inside & ceased.notna().to_numpy() & (end.isna() | (end > ceased)).to_numpy()
    if late.any():
        open_end = end[late].isna()
        head = ("end_on " + _fmt_date(end[late]) + " runs past").where(~open_end, "end_on is blank (still open) after")
        what = (
            head + " the day its plan ceased, " + _fmt_date(ceased[late]) + where(late)
            + "; end_on set to " + _fmt_date(ceased[late])
        )
        d.loc[late, "end_on"] = ceased[late]
        placements.add(
            late, "end_on", "placement_after_plan", "warning", what.to_numpy(),
            "Record the placement's end date when its plan ceases (no cost is counted after the plan ceases).",
            quarantine=False,
        )
