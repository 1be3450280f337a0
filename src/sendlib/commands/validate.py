"""``sendlib validate``: check an extract, print a data-quality report, write the quarantine.

Default ``--data``: ``data/sample`` when it exists, else ``data/example``. Relative paths are read from
the current folder, falling back to the project root. Default ``--out``: ``reports/validation/`` in
the project root; writing into the data folder is refused. Exit 0 when the extract is usable (rows may
be quarantined), 1 when it is not (blocking issues, e.g. a required table with every row set aside),
2 on a usage error. ``--json`` prints ``{"usable": true/false, "tables": {...}, "issues": [...]}``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sendlib import config
from sendlib.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check an extract and write its quarantined rows",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", metavar="DIR", help="extract folder (default: data/sample, else data/example)")
    p.add_argument("--mapping", metavar="FILE", help="TOML mapping of file names, headers and labels")
    p.add_argument("--as-of", metavar="YYYY-MM-DD",
                   help="extract date (default: as_of in extract.toml, else the latest event date); wins over "
                   "extract.toml, and the report says which was used")
    p.add_argument("--out", metavar="DIR", help="where quarantine CSVs go (default: reports/validation/)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def _existing(path: str) -> Path:
    p = Path(path).expanduser()
    if p.exists() or p.is_absolute():
        return p.resolve()
    return config.resolve_path(path)


def default_data_dir() -> Path:
    """data/sample when it exists and holds files, else data/example."""
    if config.SAMPLE_DIR.is_dir() and any(config.SAMPLE_DIR.iterdir()):
        return config.SAMPLE_DIR
    return config.EXAMPLE_DIR


def run(args) -> int:
    from sendlib.load import load
    from sendlib.validate import report_dict, report_text, write_quarantine

    data = _existing(args.data) if args.data else default_data_dir()
    if not data.exists():
        raise UsageError(f"--data {args.data or data}: folder {data} does not exist. Give the extract folder.")
    if not data.is_dir():
        raise UsageError(f"--data {args.data}: {data} is a file; give the folder that holds the extract files.")
    mapping = _existing(args.mapping) if args.mapping else None
    out = config.resolve_path(args.out, config.VALIDATION_DIR) if args.out else config.VALIDATION_DIR
    out = Path(out).resolve()
    if out == data.resolve() or data.resolve() in out.parents:
        raise UsageError(f"--out {out} is inside the data folder {data}; choose another folder (never write into the data).")
    extract = load(data, mapping=mapping, as_of=args.as_of, errors="return")  # load applies and checks --as-of
    try:
        written = write_quarantine(extract, out)
    except OSError as exc:
        raise UsageError(f"cannot write to --out {out}: {exc}") from None
    if args.json:
        print(json.dumps(report_dict(extract), indent=2, default=str))
    else:
        print(report_text(extract))
        print(f"Quarantined rows and issues written to {out}/ ({', '.join(p.name for p in written)}).")
    return 0 if extract.usable else 1
