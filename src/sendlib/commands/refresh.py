"""``sendlib refresh``: run every notebook on an extract and publish ``reports/<period>/`` atomically.

``--data`` and ``--mapping`` are read as by every command that reads an extract (:mod:`sendlib.cli`:
a relative path from the current folder, else from the project root); ``--out`` is relative to the
project root. Each default is written once, in its help text (no ``ArgumentDefaultsHelpFormatter``,
which would print it a second time).
"""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    from sendlib import cli

    p = subparsers.add_parser(
        "refresh",
        help="run the report notebooks (Papermill) and publish reports/<period>/",
        description=(
            "Validate the extract, run the notebooks in parallel with Papermill, and publish the "
            "executed notebooks, HTML copies without code, headlines.csv, headlines.md, tables.xlsx, "
            "charts/ and index.html into reports/<period>/, replacing the previous report only when every "
            "notebook succeeded."
        ),
    )
    cli.add_extract_arguments(p, period_help="month to report (default: the extract's last full month)")
    p.add_argument(
        "--out", metavar="DIR", default=None,
        help="folder that receives <period>/ (default: reports/; a relative path is in the project root)",
    )
    p.add_argument("--jobs", metavar="N", type=int, default=None,
                   help="notebooks run at once (default: the number of cores)")
    p.add_argument(
        "--dfe-dir", metavar="DIR", default=None,
        help="DfE public data folder (default: $SENDLIB_DFE_DIR, else data/public)",
    )
    p.add_argument("--only", metavar="NAMES", default=None,
                   help="comma-separated notebook names or prefixes, e.g. 00,01 (default: every notebook)")
    p.add_argument("--notebooks", default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=_run)


def _run(args) -> int:
    from sendlib import cli, periods
    from sendlib.report import refresh

    period = cli.month_option(args.period, "--period")
    only = [s for s in args.only.split(",") if s.strip()] if args.only else None
    result = refresh(
        data_dir=cli.data_folder(args.data),
        period=None if period is None else periods.period_label(period),
        out_dir=args.out,
        jobs=args.jobs,
        dfe_dir=args.dfe_dir,
        only=only,
        mapping=cli.mapping_file(args.mapping),
        as_of=args.as_of,
        notebooks_dir=args.notebooks,
    )
    return 0 if result.ok else 1
