"""``sendlib headlines [--data DIR] [--period YYYY-MM] [--json]``: the month's headline figures."""

from __future__ import annotations

import json


def register(subparsers) -> None:
    from sendlib import cli

    p = subparsers.add_parser(
        "headlines",
        help="the month's headline figures (caseload, average cost, independent sector)",
        description="Print the month's headline figures from an extract folder. Shares are %, money is "
        "pounds (annualised); see `help(sendlib.headlines)` for every key.",
    )
    cli.add_extract_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args) -> int:
    from sendlib import cli
    from sendlib.headlines import format_table, headlines

    period = cli.month_option(args.period, "--period")
    data_dir = cli.data_folder(args.data)
    extract = cli.load_usable_extract(data_dir)
    period = cli.report_period(extract, period)
    values = headlines(extract, period)
    if args.json:
        print(json.dumps(values, indent=2))
    else:
        print(f"Headlines for {values['period']} (month end {values['period_end']}), data: {data_dir}")
        print(format_table(values))
    return 0
