"""Rules within one table: duplicates, date order, dates after the extract date, money, plans and
requests (the rule table is in :mod:`sendlib.validate`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sendlib import schema
from sendlib.validate.core import PL, A, P, TableData, _flagged, _fmt_date, _mask

# -------------------------------------------------------------------------------------------------
# Row rules within one table
# -------------------------------------------------------------------------------------------------


def check_duplicates(t: TableData) -> None:
    """duplicate_row (keep the first copy) and duplicate_id (quarantine every conflicting copy).

    Only rows sharing a key with another live row are compared in full, so this is fast on big tables.
    """
    key = list(schema.CONTRACT[t.name].key)
    if not key or len(t) == 0:
        return
    d = t.data
    live = ~t.quarantined
    for k in key:
        live &= d[k].notna().to_numpy()
    at = np.flatnonzero(live)
    if _strictly_increasing(d, key, at):  # sorted, none repeated (as extracts usually are): nothing to do
        return
    keys = d[key].iloc[at]  # the key columns only: the full rows are copied for candidates alone
    cand = d.iloc[at[keys.duplicated(keep=False).to_numpy()]]
    if cand.empty:
        return
    row_of = pd.Series(t.rows, index=d.index)
    copy = cand.duplicated(keep="first")
    if copy.any():
        firsts = cand.reset_index().groupby(list(d.columns), dropna=False, sort=False)["index"].transform("min")
        first_rows = pd.Series(row_of.loc[firsts.to_numpy()].to_numpy(), index=cand.index)
        mask = np.zeros(len(d), dtype=bool)
        mask[d.index.get_indexer(cand.index[copy.to_numpy()])] = True
        what = "exact copy of row " + first_rows[copy].astype(str) + "; the copy is set aside, the first kept"
        t.add(mask, None, "duplicate_row", "warning", what.to_numpy(), "Remove the repeated row from the extract.",
              quarantine=True)
    rest = cand.loc[~copy.to_numpy()]
    clash = rest[key].duplicated(keep=False).to_numpy()
    if clash.any():
        keyed = rest.loc[clash, key]
        mask = np.zeros(len(d), dtype=bool)
        mask[d.index.get_indexer(keyed.index)] = True
        grp = keyed.astype("string").fillna("").agg("|".join, axis=1)
        rows_txt = pd.Series(row_of.loc[keyed.index].astype(str).to_numpy(), index=keyed.index)
        lists = rows_txt.groupby(grp).transform(lambda x: ", ".join(x))
        label = keyed[key[0]].astype("string")
        kname = " + ".join(key)
        what = f"{kname} " + label + " appears on rows " + lists + " with different values; all copies are set aside"
        # findings hold one text per flagged row, in row order
        what = what.loc[d.index[mask]]
        t.add(mask, key[0], "duplicate_id", "error", what.to_numpy(),
              "Keep one correct row for this id in the source system (or give each record its own id).")


def _key_numbers(values: pd.Series) -> np.ndarray | None:
    """A key column as integers that differ exactly where the values differ: dates as their int64
    nanoseconds, ids of one width (at most 8 bytes, none missing) as their bytes read as an unsigned
    integer (:mod:`sendlib.idmatch`). None for any other column (the caller then compares values)."""
    from sendlib import idmatch

    if values.dtype == "datetime64[ns]":
        return None if values.isna().any() else values.to_numpy().view("int64")
    if not isinstance(values.array, pd.arrays.ArrowStringArray):
        return None
    raw = idmatch.fixed_width_bytes(idmatch.arrow_chunks(values))
    if raw is None or raw.dtype.itemsize > 8:
        return None
    return idmatch.as_uint64(raw, raw.dtype.itemsize)


def _strictly_increasing(d: pd.DataFrame, key: list[str], at: np.ndarray) -> bool:
    """True when the key of the rows at positions ``at`` strictly increases from row to row (compared
    column by column), so no key repeats; False when it does not, or cannot be told cheaply. A fast
    exit for :func:`check_duplicates`: False only sends the table through the full comparison."""
    if len(at) < 2:
        return True
    cols = []
    for k in key:
        v = d[k] if len(at) == len(d) else d[k].iloc[at]
        num = _key_numbers(v)
        if num is None:
            return False
        cols.append(num)
    greater = np.zeros(len(at) - 1, dtype=bool)
    equal = np.ones(len(at) - 1, dtype=bool)
    for c in cols:
        greater |= equal & (c[1:] > c[:-1])
        equal &= c[1:] == c[:-1]
    return bool(greater.all())


def check_order(t: TableData, start: str, end: str, rule: str = "end_before_start", fix: str = "") -> None:
    """``end`` earlier than ``start`` on the same row."""
    d = t.data
    bad = _mask(d[end] < d[start])
    def what(m):
        return f"{end} " + _fmt_date(d[end][m]) + f" is before {start} " + _fmt_date(d[start][m])

    t.add(bad, end, rule, "error", what, fix or f"Correct {start} or {end} in the source system.")


#: Event dates that cannot be after the extract date (the row is quarantined if they are).
HISTORY_COLUMNS: dict[str, tuple[str, ...]] = {
    P: ("date_of_birth", "issued_on"),
    PL: ("start_on",),
    A: ("received_on", "decision_on", "issued_on", "closed_on"),
}
#: Dates that may be in the future (planned): kept, one info note per column.
PLANNED_COLUMNS: dict[str, tuple[str, ...]] = {P: ("ceased_on",), PL: ("end_on",)}


def check_after_as_of(t: TableData, as_of: pd.Timestamp | None) -> None:
    if as_of is None or len(t) == 0:
        return
    d = t.data
    stamp = as_of.strftime("%d/%m/%Y")
    for col in HISTORY_COLUMNS.get(t.name, ()):
        bad = _mask(d[col] > as_of)
        if col == "date_of_birth":  # descriptive only: keep the plan, blank the date
            t.add(bad, col, "date_after_as_of", "warning",
                  lambda m: "date_of_birth " + _fmt_date(d["date_of_birth"][m]) + f" is after the extract date "
                  f"{stamp}; kept with the date blank", "Correct the date of birth.", quarantine=False)
            d.loc[bad, "date_of_birth"] = pd.NaT
            continue
        t.add(bad, col, "date_after_as_of", "error",
              lambda m, col=col: f"{col} " + _fmt_date(d[col][m]) + f" is after the extract date {stamp}",
              "Correct the date, or set as_of (extract.toml or --as-of) to the date the extract was taken.")
    for col in PLANNED_COLUMNS.get(t.name, ()):
        n = int(_mask(d[col] > as_of).sum())
        if n:
            t.note("date_after_as_of", "info",
                   f"{n} row(s) have {col} after the extract date {stamp}: read as planned dates and kept.", col)


def check_money(t: TableData) -> None:
    for col in schema.CONTRACT[t.name].columns:
        if col.kind != "money" or col.name not in t.data:
            continue
        v = t.data[col.name]
        bad = _mask(v < 0)
        t.add(bad, col.name, "negative_money", "error",
              lambda m, v=v, name=col.name: f"{name} is negative: -£" + v[m].abs().map("{:,.2f}".format),
              "Costs and budgets are positive pounds; correct the value (credits belong elsewhere).")



def check_plans(t: TableData) -> None:
    """end_before_start (ceased_on before issued_on) and ceased_on_issue_day (warning, row kept)."""
    check_order(t, "issued_on", "ceased_on", fix="A plan cannot cease before it is issued; correct either date.")
    d = t.data
    same_day = _mask(d["ceased_on"] == d["issued_on"])
    t.add(same_day, "ceased_on", "ceased_on_issue_day", "warning",
          lambda m: "ceased_on " + _fmt_date(d["ceased_on"][m]) + " is the day the plan was issued: a plan is "
          "active from issued_on to the day before ceased_on, so this one is active on no day; kept, "
          "counted in no caseload, plans issued or plans ceased figure",
          "Check the dates: set ceased_on to the first day the plan no longer applies, or remove the plan "
          "if it was recorded in error.", quarantine=False)


def check_refusal_dates(t: TableData) -> None:
    """refused_without_date (quarantine) and refusal_date_from_closed (warning): module docstring."""
    d = t.data
    refused = _mask(d["decision"] == "refuse") & ~_flagged(t, "decision_on", "closed_on")
    no_decision = refused & d["decision_on"].isna().to_numpy()
    closed = d["closed_on"].notna().to_numpy()
    t.add(no_decision & ~closed, "decision_on", "refused_without_date", "error",
          "decision is refuse but decision_on and closed_on are both blank, so the refusal cannot be "
          "placed in time (if kept, the request would count as open, and overdue, for ever)",
          "Enter the decision date in decision_on (the day the LA decided not to assess); "
          "the row is used once it has one.")
    t.add(no_decision & closed, "decision_on", "refusal_date_from_closed", "warning",
          lambda m: "decision is refuse but decision_on is blank; kept, the refusal dated by closed_on "
          + _fmt_date(d["closed_on"][m]),
          "Enter the decision date in decision_on (the day the LA decided not to assess).", quarantine=False)


def check_assessments(t: TableData) -> None:
    """plan_before_request, end_before_start on decision/closure, decision_outcome consistency,
    refusal dates."""
    d = t.data
    check_order(t, "received_on", "decision_on",
                fix="The decision to assess cannot come before the request; correct either date.")
    check_order(t, "received_on", "closed_on", fix="Correct received_on or closed_on.")
    check_order(t, "decision_on", "issued_on",
                fix="A plan is issued after the decision to assess; correct decision_on or issued_on.")
    bad = _mask(d["issued_on"] < d["received_on"])
    t.add(bad, "issued_on", "plan_before_request", "error",
          lambda m: "plan issued on " + _fmt_date(d["issued_on"][m]) + " before the request was received on "
          + _fmt_date(d["received_on"][m]),
          "Correct received_on or issued_on (a re-assessment needs its own request row).")
    dec, out = d["decision"], d["outcome"]
    issued, closed = d["issued_on"].notna(), d["closed_on"].notna()
    rules = [
        ((dec == "refuse") & (out == "plan_issued"), "outcome",
         "request refused but outcome is plan_issued", "Correct decision or outcome."),
        ((dec == "refuse") & (out == "open"), "outcome",
         "request refused but outcome is open", "A refused request is closed: set outcome to no_plan."),
        ((out == "plan_issued") & ~issued, "issued_on",
         "outcome plan_issued but issued_on is blank", "Fill in the date the final plan was issued."),
        (issued & out.notna() & (out != "plan_issued"), "outcome",
         lambda m: "issued_on is filled but outcome is " + out[m].fillna(""), "Set outcome to plan_issued or clear issued_on."),
        ((out == "open") & closed, "closed_on",
         "outcome open but closed_on is filled", "Set the outcome (no_plan or withdrawn) or clear closed_on."),
        (out.isna() & closed, "outcome",
         "closed_on is filled but outcome is blank", "Set outcome to no_plan or withdrawn."),
    ]
    for cond, col, what, fix in rules:
        t.add(_mask(cond), col, "decision_outcome", "error", what, fix)
    check_closing_dates(t)
    check_refusal_dates(t)


def check_closing_dates(t: TableData) -> None:
    """closed_without_date (quarantine): outcome no_plan or withdrawn, not a refusal, with closed_on
    blank (module docstring). Rows with issued_on filled (decision_outcome) or an unreadable closed_on
    (bad_date) are already quarantined and not flagged again."""
    d = t.data
    out = d["outcome"]
    undated = out.isin(["no_plan", "withdrawn"]) & d["closed_on"].isna() & d["issued_on"].isna()
    no_date = _mask(undated & (d["decision"].fillna("") != "refuse")) & ~_flagged(t, "closed_on")
    t.add(no_date, "closed_on", "closed_without_date", "error",
          lambda m: "outcome " + out[m].fillna("") + " but closed_on is blank, so the request cannot be "
          "closed in time (if kept, it would count as open, and overdue, for ever)",
          "Enter closed_on (the day the request was closed with no plan, or withdrawn); the row is used "
          "once it has one.")


def check_placement_dates(t: TableData) -> None:
    """end_before_start: a placement's end_on before its start_on."""
    check_order(t, "start_on", "end_on", fix="Correct start_on or end_on (end_on is the last day).")


def check_trajectory(t: TableData) -> None:
    """negative_number: planned_ehcps below zero."""
    neg = (t.data["planned_ehcps"] < 0).fillna(False)
    t.add(neg, "planned_ehcps", "negative_number", "error", "planned_ehcps is negative", "Correct the plan.")


def _panel_decisions(t: TableData) -> None:
    """The expenditure panel's rules (:func:`sendlib.panel_rules.check_panel_decisions`)."""
    from sendlib.panel_rules import check_panel_decisions

    check_panel_decisions(t)


#: Rules within one table, by table name. A new table (its contract in :mod:`sendlib.schema`) registers
#: its own checks here; :func:`check_rows` runs them between the money and the extract-date checks.
TABLE_RULES: dict[str, tuple[Callable[[TableData], None], ...]] = {
    P: (check_plans,),
    PL: (check_placement_dates,),
    A: (check_assessments,),
    schema.PLAN_TRAJECTORY: (check_trajectory,),
    schema.PANEL_DECISIONS: (_panel_decisions,),
}


def check_rows(t: TableData, as_of: pd.Timestamp | None) -> None:
    """Every rule within one table: money, the table's own rules (:data:`TABLE_RULES`), dates after
    ``as_of``, then duplicates (last, so rows already set aside are not compared)."""
    check_money(t)
    for rule in TABLE_RULES.get(t.name, ()):
        rule(t)
    check_after_as_of(t, as_of)
    check_duplicates(t)
