"""``sendlib sample --out DIR [--seed N] [--scale county|national]``: write the synthetic extract."""

from __future__ import annotations

from sendlib import config
from sendlib.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sample",
        help="write the synthetic Example County extract (or an England-sized one for benchmarks)",
        description="Generate the synthetic extract (no real person's data) as contract CSVs plus "
        "extract.toml. The default seed reproduces data/sample byte for byte; --scale national writes "
        "about 640,000 active plans for benchmarks (not for committing).",
    )
    p.add_argument("--out", required=True, help="folder to write the CSV files into (created if missing)")
    p.add_argument(
        "--seed", type=int, default=config.DEFAULT_SEED, help=f"random seed (default {config.DEFAULT_SEED})"
    )
    p.add_argument(
        "--scale", choices=("county", "national"), default="county", help="volume (default county)"
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from sendlib.sample import write_sample

    out = config.resolve_path(args.out)
    if out is None:
        raise UsageError("--out needs a folder")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    paths = write_sample(out, seed=args.seed, scale=args.scale)
    for name, path in paths.items():
        print(f"wrote {name}: {path}")
    return 0
