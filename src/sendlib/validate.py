"""Validation rules over typed extract tables: each row is kept, fixed with a note, or quarantined.

Every rule is a vectorised check (boolean masks over a whole table) that returns :class:`Finding` s.
A finding marks rows, names a rule and a column, says what is wrong and how to fix it, and says
whether the rows are quarantined. Rules never loop over rows.

Rules and what happens to the row (``rule`` names as they appear in reports):

=========================  ============================================================  ==========
rule                       check                                                         action
=========================  ============================================================  ==========
missing_folder             the data folder does not exist                                blocking
missing_file               a required table's file is not in the folder                  blocking
empty_file                 a file is empty, or a required table has no data rows         blocking
binary_file                a file holds binary junk (or an xlsx renamed .csv)            blocking
unreadable_file            a file cannot be parsed (bad CSV quoting, corrupt xlsx)       blocking
wrong_sheet                the xlsx sheet used has no header row of the table            blocking
missing_column             a required column is not in the file                          blocking
bad_extract_toml           extract.toml is not valid / its as_of is not a date           blocking
total_row                  a spreadsheet total row at the bottom of the file: a cell     quarantine
                           starts with "Total" and the key columns are blank or hold     (severity
                           that label (:mod:`sendlib.read`); counted in rows in, set     info)
                           aside with its reason (a record with its ids is never one)
missing_value              a value needed to use the row is blank (ids, start dates)     quarantine
bad_date                   a non-blank date cannot be read, or names no real day         quarantine
                           (2024-02-31, 2023-02-29, 2024-04-31, 2024-13-01, in any
                           form read: ISO, ISO with a time, day-first, month name,
                           text in an xlsx cell), or is an Excel day number outside
                           1950-2099 (date of birth: kept, blank, warning)
bad_money                  a non-blank money value is not a number, in a required        quarantine
                           column (annual_cost, hnb_budget,
                           safety_valve_overspend_cap)
bad_money                  a non-blank value of an optional money column (placements'    warning
                           contributions; budget's planned_deficit,                      (kept)
                           safety_valve_contribution, other_high_needs_spend;
                           plan_trajectory's planned_deficit) is not a number: the row
                           is kept with the value blank, read as £0 as a blank cell
                           is (see "Unreadable optional values" below)
negative_money             a cost, contribution or budget is below zero                  quarantine
bad_number / bad_bool /    a whole number, true/false or ``2024-25`` value cannot be     quarantine
bad_financial_year         read
unknown_code               setting, decision or outcome not in the vocabulary, even      quarantine
                           after synonyms (primary_need: kept, set missing, warning)
duplicate_row              an exact copy of an earlier row: the first is kept, the       quarantine
                           copies are quarantined (severity warning: nothing is lost)    (copies)
duplicate_id               the same id (placements: plan_id + start_on) on rows with     quarantine
                           different content: sendlib cannot tell which is right, so     (all)
                           every copy is quarantined
end_before_start           placement end_on < start_on; plan ceased_on < issued_on;      quarantine
                           assessment decision_on or closed_on < received_on, or
                           issued_on < decision_on
date_after_as_of           an event date after the extract date (plan issued, request    quarantine
                           received/decided/issued/closed, placement start). A future
                           date of birth is blanked (warning, row kept). Future
                           placement end_on and plan ceased_on are planned dates and
                           are kept (one info note per column)
plan_before_request        assessment issued_on < received_on                            quarantine
decision_outcome           refused request with a plan issued or still open; outcome     quarantine
                           plan_issued without issued_on; issued_on with another
                           outcome; open with closed_on; closed_on with no outcome
missing_cost               placement annual_cost blank: kept, cost missing (it counts    warning
                           as £0 in sums; cost-per-place means skip it)
closed_without_date        no_plan / withdrawn outcome with no closed_on and no          quarantine
                           issued_on (not a refusal: see the two rules below): the
                           request cannot be closed in time (if kept, it would count
                           as open and overdue for ever)
refused_without_date       decision refuse with decision_on and closed_on both blank:    quarantine
                           a refusal closes the request, but this one cannot be placed
                           in time (if kept, it would count as open and overdue for ever)
refusal_date_from_closed   decision refuse, decision_on blank, closed_on filled: kept,   warning
                           the refusal is dated by closed_on (:mod:`sendlib.backlog`)
ceased_on_issue_day        plan ceased_on == issued_on: active on no day (``[issued_on,  warning
                           ceased_on)`` is empty); kept, in no caseload, issued or
                           ceased count (:mod:`sendlib.caseload`); its placements are
                           placement_outside_plan
orphan_placement           placement whose plan_id is not in plans (or whose plan was    quarantine
                           quarantined). Ids are compared exactly (a system may hold
                           case-distinct ids, P001 and p001); one that matches a plan's
                           id only when case is ignored gets a hint ("plan_id p001 is
                           not in plans.csv; P001 is: ... correct the case") and is
                           still an orphan. Spaces around ids are stripped when read
overlapping_placements     two spells of one plan overlap: the earlier spell's end_on    warning
                           is trimmed to the day before the later spell starts (the      (fixed)
                           later-starting spell is taken as current from its start)
placement_outside_plan     no day of the placement falls within its plan's life: it      quarantine
                           ended before the plan was issued (end_on < issued_on),
                           starts on or after the day the plan ceased (start_on >=
                           ceased_on), or the plan ceased on its issue day
placement_before_plan      the placement starts before its plan was issued (start_on <   warning
                           issued_on) and runs on into the plan: start_on is set to      (fixed)
                           issued_on
placement_after_plan       the placement runs past the day its plan ceased (end_on >     warning
                           ceased_on, or end_on blank on a ceased plan): end_on is       (fixed)
                           trimmed to ceased_on
no_rows_kept               a required table (plans, placements, assessments) has rows    blocking
                           in but every one was set aside: no figure can rest on it
                           (e.g. every placement an orphan would give £0 average
                           cost). One note naming the file, the count and the
                           commonest reasons ("all 13 rows of placements.csv were set
                           aside: 13 orphan_placement"). Not added when the table
                           already has a blocking issue (e.g. empty_file)
most_rows_quarantined      more than ``QUARANTINE_WARNING_SHARE`` (a half) of a table's  warning
                           rows were set aside (rows quarantined / rows in, exact
                           copies and total rows included, as in the report's
                           counts); an optional table with none kept included. One
                           note with the counts and commonest reasons
=========================  ============================================================  ==========

Placements and their plan's dates (``check_placements_within_plans``, run after the overlap trim).
The plan is active on the days ``[issued_on, ceased_on)`` and a placement is current on ``start_on ..
end_on`` inclusive (:mod:`sendlib.caseload`); the cost engine already counts a placement's cost only
on days its plan is active, so the two fixes below change no cost or caseload figure. They make the
kept rows agree with that reading, which matters for flows counted from raw dates (new placements per
month by ``start_on`` in :mod:`sendlib.series` and :mod:`sendlib.sector`, recent placements in
:mod:`sendlib.forecast`). Decisions, as an LA analyst would expect them:

- Starting before the plan was issued is common and usually real (a child already at the school the
  plan names, an interim or assessment placement, top-up agreed before the final plan, a plan
  transferred in from another LA), so whatever the gap the row is **kept**: quarantining it would drop
  the placement's cost inside the plan's life and leave the plan counted at £0 in the MI average cost.
  ``start_on`` becomes ``issued_on`` (the High Needs Block commitment starts with the plan), so the
  placement counts as new in the month the plan was issued; the warning says by how many days.
- Ending on the day the plan ceased (``end_on == ceased_on``) is how many systems close both records
  and is accepted silently (the plan is not active on its ceased_on, so the day costs nothing). Running
  past it, or an end left blank when the plan ceased, is trimmed to ``ceased_on`` (warning), so no cost
  continues after the plan ceases. A planned (future) ceased_on is treated the same way.
- A placement with no day inside the plan's life cannot be a spell of that plan (usually a wrong
  plan_id, a placement history row from before the plan, or a wrong plan date): it is quarantined.

Refusals and their dates (``check_assessments``). A refusal at the decision-to-assess stage closes the
request (:mod:`sendlib.backlog` closes it on ``decision_on``), so its date decides when the request
stops counting as open and overdue. A refusal with ``decision_on`` and ``closed_on`` both blank cannot
be placed in time: kept, it would be open, and soon overdue, at every later date; closed on a guessed
date (say received_on), it would misstate the open count until the real refusal and the month's
refusals. So it is **quarantined**
(``refused_without_date``): the backlog stays right and the row is accounted for with its reason
(rows in = rows kept + rows quarantined). With ``decision_on`` blank but ``closed_on`` filled, the
closed date is the best date available: the row is kept and the refusal dated by ``closed_on``
(``refusal_date_from_closed``, warning). A no_plan or withdrawn request that was not refused (after a
decision to assess, or with no decision) and has no ``closed_on`` is quarantined for the same reason
(``closed_without_date``, ``check_closing_dates``): its only closing date is ``closed_on``, so kept it
would count as open, and overdue, for ever, inflating the backlog. It is used again once closed_on is
entered.

Plans ceased on their issue day (``check_plans``): the plan is active on ``[issued_on, ceased_on)``,
which is empty, so the plan is in no snapshot; :mod:`sendlib.caseload` counts it in neither the issued
nor the ceased flow, so active(previous month end) + issued - ceased = active(month end) still holds.
It is kept with a warning (``ceased_on_issue_day``): usually a record opened in error or a wrong date,
for the analyst to check; its placements have no day inside the plan (``placement_outside_plan``).

Unreadable optional values (``bad_money`` on a column the contract marks ``required=False``). A blank
optional money cell already reads as £0, so an unreadable one (``n/a``, ``TBC``) is read the same way,
with a warning naming the file, row, column and value, and the row is kept. Quarantining instead would
lose far more than the value: a budget year whose ``other_high_needs_spend`` says ``n/a`` would leave
the forecast with no budget for that year, and a placement whose health or social care contribution
cannot be read would lose its whole gross cost and leave its plan at £0 in the average cost. For a
contribution, £0 is the prudent reading for the High Needs Block (net cost = annual_cost - health -
social care may be overstated, never understated); gross cost figures are unchanged. The required money
columns (a placement's annual_cost, a year's hnb_budget and cap) are still quarantined when unreadable:
no figure can use the row without them.

Impossible dates (``bad_date``). Every form of date is read strictly: a day past the end of its month
or a month above 12 is an error, never rolled into the next month (``2024-02-31`` is not 2 March). The
message says there is no such day and how many days the months have; other unreadable text gets the
usual "write dates day-first or ISO" fix.

Also: ``negative_number`` (planned_ehcps below zero, quarantine), ``ambiguous_file`` (two files for
one table, warning), ``duplicate_column`` (two headers mean the same column: the first is used,
warning), ``blank_setting`` (read as ``placement_unknown``, warning).

Notes at ``info`` severity (one per table and column, not per row): ``code_mapped`` (labels read as
codes through synonyms or the mapping), ``outcome_inferred`` (blank outcome read from issued_on /
decision / closed_on), ``title_rows``, ``blank_rows`` (rows with every cell blank carry no data:
not rows of the table, skipped, counted in the note), ``encoding`` (not UTF-8), ``ignored_columns``,
``as_of`` (extract date inferred), ``open_end_date`` (31/12/9999 in an end date read as blank). A
blank ``exception`` reads as false. ``row_numbers`` (warning, one per file): a quoted CSV value spans
lines and the rows could not be matched to lines (a value over 131,072 characters), so row numbers
after it may be off.

Where a row is reported, ``row`` is the row number as the analyst sees it in the file: for CSV the line
where the row's record starts, as a text editor shows it (header = line 1 without title rows; a quoted
value over several lines does not shift later rows); the spreadsheet row for xlsx; the record number
for parquet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sendlib import caseload, schema
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

    left = pa.array(values.astype("string[pyarrow]"))
    right = pa.array(allowed.dropna().astype("string[pyarrow]").unique())
    hit = pc.is_in(left, value_set=right.cast(left.type)).fill_null(False)
    return hit.to_numpy(zero_copy_only=False).astype(bool) & values.notna().to_numpy(dtype=bool)


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
    live = ~t.quarantined & d[key].notna().all(axis=1).to_numpy()
    sub = d.loc[live]
    cand = sub.loc[sub[key].duplicated(keep=False).to_numpy()]
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


def _flagged(t: TableData, *columns: str) -> np.ndarray:
    """Rows already holding a finding on any of ``columns`` (e.g. a bad date, read as blank)."""
    out = np.zeros(len(t), dtype=bool)
    for f in t.findings:
        if f.column in columns:
            out |= f.mask
    return out


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


def check_orphans(placements: TableData, plans: TableData) -> None:
    """orphan_placement: the placement's plan_id is not among the plans (or that plan was quarantined).

    Ids are compared exactly; an id that matches a plan's id only when case is ignored gets a hint in
    its message (``plan_id p001 is not in plans.csv; P001 is: ...``), and is still an orphan.
    """
    pid = placements.data["plan_id"]
    all_ids = plans.data["plan_id"].dropna()
    kept_ids = plans.data.loc[~plans.quarantined, "plan_id"].dropna()
    live = ~placements.quarantined & pid.notna().to_numpy()
    in_all = isin(pid, all_ids)
    absent = live & ~in_all
    dropped = live & in_all & ~isin(pid, kept_ids)
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
    d = t.data.loc[live, ["plan_id", "start_on", "end_on"]].sort_values(["plan_id", "start_on"], kind="stable")
    next_start = d["start_on"].shift(-1)
    same_plan = d["plan_id"].eq(d["plan_id"].shift(-1)).fillna(False)
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


def _plan_dates_of_placements(placements: TableData, plans: TableData) -> pd.DataFrame:
    """For each placement row: its kept plan's ``issued_on``, ``ceased_on`` and analyst ``plan_row``.

    The join on plan_id is the cost engine's own (:func:`sendlib.caseload.plan_row_of_placements`, one
    vectorised lookup), so this check reads plans exactly as the figures do. ``has_plan`` is False for
    placements quarantined already or without a kept plan (orphans: quarantined by check_orphans).
    """
    kept = ~plans.quarantined
    plan_data = plans.data.loc[kept, ["plan_id", "issued_on", "ceased_on"]]
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
            "plan_row": pick(plans.rows[kept], -1),
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

SEVERITY_ORDER = {"blocking": 0, "error": 1, "warning": 2, "info": 3}


def report_dict(extract) -> dict:
    """The machine-readable report (``--json``): ``{"usable": bool, "tables": {name: counts},
    "issues": [...]}``. ``usable`` is False when any issue is blocking (the exit code is then 1)."""
    keys = ("table", "row", "column", "rule", "severity", "message")
    return {
        "usable": bool(extract.usable),
        "tables": {k: dict(v) for k, v in extract.row_counts.items()},
        "issues": [{k: getattr(i, k) for k in keys} for i in extract.issues],
    }


def report_text(extract, examples: int = 3) -> str:
    """A readable data-quality report: row counts per table, then issues grouped by rule."""
    lines = []
    as_of = f"{extract.as_of:%Y-%m-%d}" if extract.as_of is not None else "unknown"
    lines.append(f"Extract: {extract.source}   (as_of {as_of})")
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


def write_quarantine(extract, out_dir) -> list:
    """Write ``quarantine_<table>.csv`` for each table read and ``issues.csv`` to ``out_dir``.

    Every table gets a file (header only when nothing was quarantined), so files from an earlier run
    never linger with stale rows. Returns the paths written, sorted.
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
        part.to_csv(path, index=False)
        written.append(path)
    for stale in out.glob("quarantine_*.csv"):
        if stale not in written:
            stale.unlink()
    path = out / "issues.csv"
    extract.issues_frame().to_csv(path, index=False)
    written.append(path)
    return sorted(written)
