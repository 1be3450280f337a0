"""``sendlib refresh``: run every notebook on an extract and publish ``reports/<period>/`` atomically."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "refresh",
        help="run the report notebooks (Papermill) and publish reports/<period>/",
        description=(
            "Validate the extract, run the notebooks in parallel with Papermill, and publish the "
            "executed notebooks, HTML copies without code, headlines.csv, headlines.md and index.html "
            "into reports/<period>/, replacing the previous report only when every notebook succeeded."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data", default="data/sample", help="extract folder (relative to the project root)")
    p.add_argument("--period", default=None, help="month YYYY-MM (default: the extract's last full month)")
    p.add_argument("--out", default="reports", help="folder that receives <period>/")
    p.add_argument("--jobs", type=int, default=None, help="notebooks run at once (default: number of cores)")
    p.add_argument(
        "--dfe-dir", default=None, help="DfE public data folder (default: $SENDLIB_DFE_DIR, data/public)"
    )
    p.add_argument("--only", default=None, help="comma-separated notebook names or prefixes, e.g. 00,01")
    p.add_argument("--notebooks", default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=_run)


def _run(args) -> int:
    from sendlib.refresh import refresh

    only = [s for s in args.only.split(",") if s.strip()] if args.only else None
    result = refresh(
        data_dir=args.data,
        period=args.period,
        out_dir=args.out,
        jobs=args.jobs,
        dfe_dir=args.dfe_dir,
        only=only,
        notebooks_dir=args.notebooks,
    )
    return 0 if result.ok else 1
