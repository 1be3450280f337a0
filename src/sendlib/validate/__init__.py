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
birth_after_issue,         plausibility checks (:mod:`sendlib.validate.plausibility`):   warning
age_at_issue,              a date of birth after the plan was issued or the request      (kept)
birth_after_request,       received, an age at issue over 25, a plan issued before its
plan_issued_before_request request was received, an annual cost far outside its
implausible_cost           setting's range in the extract; the row is kept and listed
uncached_formula           an xlsx cell holds a formula with no saved value (a workbook  quarantine
                           written by a program, never opened in Excel): named by cell
duplicate_column           two columns of a file have the same header (or two headers    warning
                           mean one column): the first is used, the other ignored;
                           both are named by position (xlsx: by letter)
sheet_chosen               an xlsx workbook's only sheet holding the table's header is   info
                           read (no mapping needed)
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
one table, warning), ``blank_setting`` (read as ``placement_unknown``, warning).

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

from sendlib.validate.core import Finding, TableData, isin
from sendlib.validate.links import (
    check_orphans,
    check_placements_within_plans,
    plan_id_ignoring_case,
    trim_overlapping_placements,
)
from sendlib.validate.report import (
    QUARANTINE_WARNING_SHARE,
    REASONS_SHOWN,
    SEVERITY_ORDER,
    check_rows_kept,
    finding_issues,
    quarantine_frame,
    quarantine_reason_counts,
    report_dict,
    report_text,
    write_quarantine,
)
from sendlib.validate.rows import (
    HISTORY_COLUMNS,
    PLANNED_COLUMNS,
    check_after_as_of,
    check_assessments,
    check_closing_dates,
    check_duplicates,
    check_money,
    check_order,
    check_plans,
    check_refusal_dates,
    check_rows,
)

__all__ = [
    "HISTORY_COLUMNS", "PLANNED_COLUMNS", "QUARANTINE_WARNING_SHARE", "REASONS_SHOWN", "SEVERITY_ORDER",
    "Finding", "TableData", "check_after_as_of", "check_assessments", "check_closing_dates",
    "check_duplicates", "check_money", "check_order", "check_orphans", "check_placements_within_plans",
    "check_plans", "check_refusal_dates", "check_rows", "check_rows_kept", "finding_issues", "isin",
    "plan_id_ignoring_case", "quarantine_frame", "quarantine_reason_counts", "report_dict", "report_text",
    "trim_overlapping_placements", "write_quarantine",
]
