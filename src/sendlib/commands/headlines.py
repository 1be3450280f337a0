"""``sendlib headlines [--data DIR] [--mapping FILE] [--period YYYY-MM] [--suppress-below N] [--json]``:
the month's headline figures.

Disclosure control as in the refresh's headlines.csv (:func:`sendlib.headlines.suppressed_headlines`):
counts from 1 to N - 1 (default 5: 1 to 4), counts hidden so that no hidden count can be worked back
(previous month's plans + issued - ceased = plans now; plans issued within 20 weeks + plans issued late
= plans issued, though the late count is not a headline), and every share, cost, change and forecast
computed from a hidden count (the caseload and spend forecasts start from the active plans) are shown
as ``[c]`` in the table and null in ``--json``, whose ``suppressed`` list names them.
``--suppress-below 1`` shows everything: for checking, not for committee papers.
"""

from __future__ import annotations

import json

from sendlib.errors import UsageError


def register(subparsers) -> None:
    from sendlib import cli, disclosure

    p = subparsers.add_parser(
        "headlines",
        help="the month's headline figures (caseload, average cost, independent sector)",
        description="Print the month's headline figures from an extract folder. Shares are %, money is "
        "pounds (annualised); see `help(sendlib.headlines)` for every key. Small counts, and the "
        "shares, costs, changes and forecasts that would reveal them, are suppressed as in headlines.csv.",
    )
    cli.add_extract_arguments(p)
    p.add_argument(
        "--suppress-below",
        metavar="SUPPRESS_BELOW",
        type=int,
        default=disclosure.DEFAULT_THRESHOLD,
        help=f"counts from 1 to SUPPRESS_BELOW - 1 are shown as {disclosure.SUPPRESSED}, with the figures "
        f"that would reveal them (default: {disclosure.DEFAULT_THRESHOLD}; 1 = no suppression, not for "
        "committee papers)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table (suppressed values are null)")
    p.set_defaults(func=run)


def suppressed_report(values: dict, threshold: int) -> dict:
    """The headline dict with hidden values set to None, plus ``suppress_below`` and ``suppressed``
    (the hidden keys, sorted)."""
    from sendlib.headlines import suppressed_headlines

    hidden = suppressed_headlines(values, threshold)
    out = {k: (None if k in hidden else v) for k, v in values.items()}
    out["suppress_below"] = int(threshold)
    out["suppressed"] = sorted(k for k in hidden if k in values)
    return out


def run(args) -> int:
    from sendlib import cli, disclosure
    from sendlib.headlines import format_table, headlines

    period = cli.month_option(args.period, "--period")
    if args.suppress_below < 1:
        raise UsageError(f"--suppress-below {args.suppress_below}: give a whole number, 1 or more (default 5)")
    data_dir = cli.data_folder(args.data)
    extract = cli.load_usable_extract(data_dir, cli.mapping_file(args.mapping), args.as_of)
    period = cli.report_period(extract, period)
    report = suppressed_report(headlines(extract, period), args.suppress_below)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    hidden = set(report.pop("suppressed"))
    threshold = report.pop("suppress_below")
    shown = {k: (disclosure.SUPPRESSED if k in hidden else v) for k, v in report.items()}
    print(f"Headlines for {report['period']} (month end {report['period_end']}), data: {data_dir}")
    print(
        f"Counts from 1 to {threshold - 1} are shown as {disclosure.SUPPRESSED}, with the shares, costs, "
        "changes and forecasts that would reveal them."
        if threshold > 1
        else "Small counts are NOT suppressed (--suppress-below 1): not for committee papers."
    )
    print(format_table(shown))
    return 0
