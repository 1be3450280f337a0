"""``sendlib backlog [--data DIR] [--mapping FILE] [--period YYYY-MM] [--months N] [--json]``: the overdue
backlog.

A thin wrapper over :mod:`sendlib.backlog`: every figure comes from one of its functions; this module
only picks the dates, applies disclosure control (:data:`DESCRIPTION` says how) and prints.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from sendlib import disclosure
from sendlib.errors import UsageError

HISTORY_MONTHS = 12
"""Default number of month ends shown in the history (``--months``), ending with the period."""

MAX_MONTHS = 240
"""Most month ends ``--months`` may ask for (20 years: longer than any extract, since EHCPs began in
2014). With :data:`sendlib.cli.MONTH_OPTION_YEARS` it keeps the history's first month (1970 at the
earliest) inside the dates pandas can hold; more is a usage error (exit 2)."""

CLEARANCE_HORIZON_MONTHS = 24
"""Months projected by :func:`sendlib.backlog.project_backlog_clearance` (as the backlog notebook)."""

BREACH_WEEKS = 4
"""Look-ahead of :func:`sendlib.backlog.requests_due_to_breach` in weeks: requests that pass 20 weeks
(become overdue) within the next 4 weeks after the month end."""

STAGE_LABELS = {
    "awaiting_decision": "awaiting decision to assess",
    "assessing": "assessing",
    "drafting": "drafting (assessment time used up)",
}

DESCRIPTION = f"""\
The overdue-assessment backlog at the end of a month, from an extract folder.

Overdue (sendlib's definition, no official statistic; sendlib.backlog): a request for an EHC needs
assessment still open at the month end (no plan issued, not refused, not closed as no plan or
withdrawn) more than 140 days (20 weeks) after it was received; day 140 is not yet overdue.
Exception cases are included unless a line says otherwise.

Shows, at the month end: open requests, overdue requests (with and without exception cases), overdue
by age band and by stage, and how many open requests pass 20 weeks in the next {BREACH_WEEKS} weeks
(a count; request ids are never shown). Then the last N months (--months, 1 to {MAX_MONTHS}) of overdue requests at
each month end, assessments completed in the month (plans issued + decisions not to issue) and
requests received in the month; and the FIFO clearance projection ({CLEARANCE_HORIZON_MONTHS} months,
sendlib.backlog.project_backlog_clearance): projected overdue requests at each month end at the
mean intake and closures of the last 6 months, the month the backlog halves and the month it clears
(or "not within horizon").

Units: every figure is a count of requests (or of assessments completed), except the projection's
intake and throughput (requests per month, means) and min_days (days).

Disclosure control (decision): the committee outputs (notebooks, headlines.csv) suppress small
counts, so this command does too, with sendlib.disclosure's rule. Counts from 1 to
SUPPRESS_BELOW - 1 (1 to 4 by default) are shown as {disclosure.SUPPRESSED} in the table and as null
in --json (listed under "suppressed"); 0 is shown. Secondary suppression: open = overdue + not yet
overdue; overdue = excluding exceptions + exception cases = the sum of the age bands = the sum of the
stages; not yet overdue = due to breach in {BREACH_WEEKS} weeks + the rest: no such line may hold
exactly one suppressed count, so a second one is suppressed. The projection shows only projected
overdue counts (suppressed the same way), not the projected open/arrival/closure counts from which
the starting queue could be recovered. --suppress-below 1 turns suppression off: for checking
figures on your own machine only, never for a committee paper.

Exit codes: 0 done; 1 data problem (the default folder is missing, the extract cannot be used);
2 usage error (a bad option value, a --data folder or --mapping file that does not exist, a
mapping file that is not valid).
"""


def register(subparsers) -> None:
    from sendlib import cli

    p = subparsers.add_parser(
        "backlog",
        help="overdue assessments at a month end: age bands, stages, trend and clearance projection",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_extract_arguments(p)
    p.add_argument(
        "--months",
        metavar="N",
        type=int,
        default=HISTORY_MONTHS,
        help=f"month ends of history to show, ending with the period, 1 to {MAX_MONTHS} "
        f"(default: {HISTORY_MONTHS})",
    )
    p.add_argument(
        "--suppress-below",
        metavar="SUPPRESS_BELOW",
        type=int,
        default=disclosure.DEFAULT_THRESHOLD,
        help=f"counts from 1 to SUPPRESS_BELOW - 1 are shown as {disclosure.SUPPRESSED} "
        f"(default: {disclosure.DEFAULT_THRESHOLD}; 1 = no suppression, not for committee papers)",
    )
    p.add_argument("--json", action="store_true", help="print JSON (sorted keys; suppressed counts are null)")
    p.set_defaults(func=run)


def run(args) -> int:
    from sendlib import cli

    period = cli.month_option(args.period, "--period")
    if not 1 <= args.months <= MAX_MONTHS:
        raise UsageError(f"--months {args.months}: give a whole number of months from 1 to {MAX_MONTHS}")
    if args.suppress_below < 1:
        raise UsageError(
            f"--suppress-below {args.suppress_below}: give a whole number, 1 or more (default 5)"
        )
    data_dir = cli.data_folder(args.data)
    extract = cli.load_usable_extract(data_dir, cli.mapping_file(args.mapping), args.as_of)
    period_end = cli.report_period(extract, period)
    report = backlog_report(extract, period_end, months=args.months, threshold=args.suppress_below)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(format_report(report, data_dir))
    return 0


# ---------------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------------


def backlog_report(extract, period_end, months: int = HISTORY_MONTHS, threshold: int = 5) -> dict:
    """The command's figures as a JSON-ready dict (counts as int, suppressed counts as None).

    Every count comes from :mod:`sendlib.backlog` at the month end ``period_end`` (snapshot) or in the
    calendar months of the history; ``suppressed`` lists the dotted paths of the counts set to None.
    """
    import pandas as pd

    from sendlib import backlog, periods

    a = extract.assessments
    pe = periods.month_end(period_end)
    snap = backlog.overdue_monthly(a, [pe]).iloc[0]
    due = len(backlog.requests_due_to_breach(a, pe, weeks=BREACH_WEEKS))
    history_months = periods.month_ends(pe - pd.DateOffset(months=months - 1), pe)
    overdue_hist = backlog.overdue_requests_at(a, history_months)
    completed_hist = backlog.assessments_completed_by_month(a, history_months)["completed"]
    received_hist = backlog.requests_received_by_month(a, history_months)
    proj = backlog.project_backlog_clearance(a, pe, months=CLEARANCE_HORIZON_MONTHS)

    open_n, overdue_n, excl_n = int(snap["open"]), int(snap["overdue"]), int(snap["overdue_excl_exceptions"])
    cells: dict[str, int] = {
        "open_requests": open_n,
        "not_yet_overdue": open_n - overdue_n,
        "overdue_requests": overdue_n,
        "overdue_excl_exceptions": excl_n,
        "overdue_exception_cases": overdue_n - excl_n,
        f"due_to_breach_next_{BREACH_WEEKS}_weeks": due,
        "_not_due_to_breach": open_n - overdue_n - due,  # not shown; recoverable by subtraction
    }
    bands = [f"overdue_by_age_band.{b}" for b in backlog.AGE_BANDS]
    stages = [f"overdue_by_stage.{s}" for s in backlog.STAGES]
    cells |= {path: int(snap[path.split(".", 1)[1]]) for path in [*bands, *stages]}
    lines = [
        (["overdue_requests", "not_yet_overdue"], "open_requests"),
        (["overdue_excl_exceptions", "overdue_exception_cases"], "overdue_requests"),
        (bands, "overdue_requests"),
        (stages, "overdue_requests"),
        ([f"due_to_breach_next_{BREACH_WEEKS}_weeks", "_not_due_to_breach"], "not_yet_overdue"),
    ]
    masked = disclosure.linked_suppression(cells, lines, threshold)

    # Counts in no total line: primary suppression, except copies of a snapshot count, which follow it.
    def count(path: str, value, same_as: str | None = None):
        value = int(value)
        hide = same_as in masked if same_as is not None else 1 <= value < threshold
        if hide:
            masked.add(path)
        return None if hide else value

    history = []
    for d, ov, done, rec in zip(history_months, overdue_hist, completed_hist, received_hist, strict=True):
        m = periods.period_label(d)
        history.append(
            {
                "month": m,
                "overdue_requests": count(
                    f"history.{m}.overdue_requests", ov, "overdue_requests" if d == pe else None
                ),
                "assessments_completed": count(f"history.{m}.assessments_completed", done),
                "requests_received": count(f"history.{m}.requests_received", rec),
            }
        )
    projected = []
    for d, ov in proj.monthly["overdue"].items():
        m = periods.period_label(d)
        same = "overdue_requests" if d == pe else None
        projected.append(
            {
                "month": m,
                "actual": bool(d == pe),
                "overdue_requests": count(f"clearance.months.{m}.overdue_requests", ov, same),
            }
        )
    horizon_end = proj.monthly.index[-1]
    report = {
        "period": periods.period_label(pe),
        "period_end": pe.strftime("%Y-%m-%d"),
        "suppress_below": int(threshold),
        **{k: (None if k in masked else v) for k, v in cells.items() if not k.startswith("_")},
    }
    report["overdue_by_age_band"] = {p.split(".", 1)[1]: report.pop(p) for p in bands}
    report["overdue_by_stage"] = {p.split(".", 1)[1]: report.pop(p) for p in stages}
    report["history"] = history
    report["clearance"] = {
        "start_overdue": count("clearance.start_overdue", proj.start_overdue, "overdue_requests"),
        "intake_per_month": round(float(proj.intake), 2),
        "throughput_per_month": round(float(proj.throughput), 2),
        "min_days": int(proj.min_days),
        "horizon_months": CLEARANCE_HORIZON_MONTHS,
        "horizon_end": periods.period_label(horizon_end),
        "halves_on": None if proj.halves_on is None else periods.period_label(proj.halves_on),
        "clears_on": None if proj.clears_on is None else periods.period_label(proj.clears_on),
        "months": projected,
    }
    report["suppressed"] = sorted(m for m in masked if not m.startswith("_"))
    return report


# ---------------------------------------------------------------------------------------------------
# Table output
# ---------------------------------------------------------------------------------------------------


def _count_text(value) -> str:
    from sendlib import formatting

    return disclosure.SUPPRESSED if value is None else formatting.count(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain text table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        cells = [f"{r[0]:<{widths[0]}}", *(f"{c:>{w}}" for c, w in zip(r[1:], widths[1:], strict=True))]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def format_report(report: dict, data_dir=None) -> str:
    """The report as text tables, units in the headers, suppressed counts as ``[c]``."""
    c = report["clearance"]
    breach_key = f"due_to_breach_next_{BREACH_WEEKS}_weeks"
    parts = [
        f"Overdue assessments at {report['period_end']} (period {report['period']})"
        + (f", data: {data_dir}" if data_dir is not None else ""),
        "Overdue = open more than 140 days (20 weeks) after the request was received (sendlib's "
        "definition, no official statistic).",
        (
            f"Counts from 1 to {report['suppress_below'] - 1} are shown as {disclosure.SUPPRESSED}, "
            "with secondary suppression where a total would reveal them."
            if report["suppress_below"] > 1
            else "Small counts are NOT suppressed (--suppress-below 1): not for committee papers."
        ),
        "",
        _table(
            ["At the month end", "Requests (count)"],
            [
                ["Open requests", _count_text(report["open_requests"])],
                ["  not yet overdue", _count_text(report["not_yet_overdue"])],
                ["  overdue (over 20 weeks)", _count_text(report["overdue_requests"])],
                ["    excluding exception cases", _count_text(report["overdue_excl_exceptions"])],
                ["    exception cases", _count_text(report["overdue_exception_cases"])],
                [f"Due to pass 20 weeks in the next {BREACH_WEEKS} weeks", _count_text(report[breach_key])],
            ],
        ),
        "",
        _table(
            ["Overdue by time since request", "Requests (count)"],
            [[band, _count_text(v)] for band, v in report["overdue_by_age_band"].items()]
            + [["Total", _count_text(report["overdue_requests"])]],
        ),
        "",
        _table(
            ["Overdue by stage", "Requests (count)"],
            [[STAGE_LABELS.get(s, s), _count_text(v)] for s, v in report["overdue_by_stage"].items()]
            + [["Total", _count_text(report["overdue_requests"])]],
        ),
        "",
        f"Last {len(report['history'])} months",
        _table(
            [
                "Month",
                "Overdue at month end (requests)",
                "Assessments completed in month (count)",
                "Requests received in month (count)",
            ],
            [
                [
                    h["month"],
                    _count_text(h["overdue_requests"]),
                    _count_text(h["assessments_completed"]),
                    _count_text(h["requests_received"]),
                ]
                for h in report["history"]
            ],
        ),
        "",
        f"Clearance projection (FIFO, oldest first; {c['horizon_months']} months to {c['horizon_end']}):",
        f"{c['intake_per_month']:,.1f} requests in and {c['throughput_per_month']:,.1f} closed a month "
        f"(means of the last 6 months, refusals netted off), none closed before {c['min_days']} days old.",
        f"Overdue backlog halves by: {c['halves_on'] or 'not within horizon'}; "
        f"clears by: {c['clears_on'] or 'not within horizon'}.",
        _table(["Month", "Projected overdue at month end (requests)"], _projection_rows(c["months"])),
    ]
    return "\n".join(parts)


def _projection_rows(months: Sequence[dict]) -> list[list[str]]:
    """Table rows of the projection; a run of zeros to the horizon is one row (``2025-09 to 2026-11``)."""
    values = [m["overdue_requests"] for m in months]
    tail = 0
    while tail < len(values) - 1 and values[len(values) - 1 - tail] == 0:
        tail += 1
    keep = len(months) - tail if tail >= 2 else len(months)
    rows = [
        [m["month"] + (" (actual)" if m["actual"] else ""), _count_text(m["overdue_requests"])]
        for m in months[:keep]
    ]
    if keep < len(months):
        rows.append([f"{months[keep]['month']} to {months[-1]['month']}", "0"])
    return rows
