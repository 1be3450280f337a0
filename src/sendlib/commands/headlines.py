"""``sendlib headlines [--data DIR] [--period YYYY-MM] [--json]``: the month's headline figures."""

from __future__ import annotations

import json

from sendlib import config
from sendlib.errors import DataError, UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "headlines",
        help="the month's headline figures (caseload, average cost, independent sector)",
        description="Print the month's headline figures from an extract folder. Shares are %, money is "
        "pounds (annualised); see `help(sendlib.headlines)` for every key.",
    )
    p.add_argument("--data", default=None, help=f"extract folder (default: {config.SAMPLE_DIR})")
    p.add_argument("--period", default=None, help="month YYYY-MM (default: the extract's last full month)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args) -> int:
    from sendlib import periods
    from sendlib.headlines import format_table, headlines

    try:
        period = periods.parse_period(args.period)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    data_dir = config.resolve_path(args.data, config.SAMPLE_DIR)
    if data_dir is None or not data_dir.is_dir():
        raise DataError(f"data folder {data_dir} does not exist; give --data DIR with the extract files")
    from sendlib import load

    extract = load(data_dir)
    if not extract.usable:
        blocking = "; ".join(str(i) for i in extract.issues if i.severity == "blocking")
        raise DataError(f"the extract in {data_dir} cannot be used: {blocking}")
    if period is None and extract.as_of is None:
        raise UsageError("the extract has no as_of date: give --period YYYY-MM")
    values = headlines(extract, period)
    if args.json:
        print(json.dumps(values, indent=2))
    else:
        print(f"Headlines for {values['period']} (month end {values['period_end']}), data: {data_dir}")
        print(format_table(values))
    return 0
