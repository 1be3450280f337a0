"""Public DfE data commands: ``fetch-dfe``, ``benchmark``, ``backtest`` (thin wrappers over
:mod:`sendlib.dfe`, :mod:`sendlib.benchmark`, :mod:`sendlib.dfe.caseload_backtest`)."""

from __future__ import annotations

import json
import math

from sendlib import config
from sendlib import formatting as fmt

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."


def register(subparsers) -> None:
    f = subparsers.add_parser(
        "fetch-dfe", help="download DfE's EHC plan statistics release into data/public/",
        description="Download the 'Education, health and care plans' release data files from DfE's "
        "statistics service (explore-education-statistics) with a progress bar, resuming partial files "
        "and recording sha256 checksums in <out>/ehcp-<year>/MANIFEST.json. With --neighbours, DfE's "
        "statistical-neighbour lists instead (from DfE's LAIT repository) into <out>/lait/.")
    f.add_argument("--out", default=None, help=f"destination folder (default: {config.PUBLIC_DATA_DIR})")
    f.add_argument("--release", type=int, default=2025, help="reporting year of the release (2026, 2025 or 2022)")
    f.add_argument("--base-url", default=None,
                   help="fetch files as <base-url>/<path> from a mirror, or a copy of the release zip when the "
                   "URL ends in .zip (default: DfE's 'download all data' zip)")
    f.add_argument("--files", default=None,
                   help="comma-separated paths of the release to fetch or check, e.g. data/caseload.csv")
    f.add_argument("--neighbours", nargs="?", const="2025,2021", default=None, metavar="VERSIONS",
                   help="instead of a release, download DfE's statistical-neighbour lists (2025, 2021 or "
                   "2025,2021, the default) into <out>/lait/; with --base-url, fetched as <base-url>/<file name>")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    f.set_defaults(func=run_fetch)

    b = subparsers.add_parser(
        "benchmark", help="compare an LA with its statistical neighbours, region and England",
        description="Benchmark table from DfE's public statistics: the LA's latest value and change, its "
        "statistical neighbours' median and quartiles, region, England, national rank and LAIT-style "
        "quartile band (A = best quartile; '-' = neutral measure).")
    b.add_argument("--la", required=True, help="DfE three-digit code (878), ONS code (E10000008) or name")
    b.add_argument("--dfe-dir", default=None, help="DfE public data folder (default: $SENDLIB_DFE_DIR, "
                   "data/public)")
    b.add_argument("--neighbours", default="2025", choices=["2025", "2021"],
                   help="statistical-neighbour list version")
    b.add_argument("--json", action="store_true", help="print JSON records instead of a table")
    b.set_defaults(func=run_benchmark)

    t = subparsers.add_parser(
        "backtest", help="cross-LA caseload backtest: one-year-ahead forecasts of every LA's January EHCP "
        "count from DfE's statistics",
        description="Cross-LA caseload backtest (not the LA's own flow forecast): forecast every LA's "
        "January EHC plan count one year ahead (targets 2023-2025) from DfE's published counts and each LA's "
        "requests, refusals, new and ceased plans, using only "
        "data published before each target; report mean/median absolute % error, 80%/95% interval "
        "coverage and n, overall and by target year, and the same errors for naive baselines and a "
        "damped-trend exponential-smoothing baseline.")
    t.add_argument("--dfe-dir", default=None, help="DfE public data folder")
    t.add_argument("--json", action="store_true", help="print JSON")
    t.set_defaults(func=run_backtest)


def run_fetch(args) -> int:
    from sendlib.dfe.fetch import fetch_neighbour_lists, fetch_release

    out = config.resolve_path(args.out, config.PUBLIC_DATA_DIR)
    if args.neighbours is not None:
        versions = [v.strip() for v in args.neighbours.split(",") if v.strip()]
        manifest = fetch_neighbour_lists(versions, out, base_url=args.base_url, progress=not args.quiet)
        print(f"statistical-neighbour lists {', '.join(versions)}: {len(manifest)} file(s) up to date in "
              f"{out / 'lait'} "
              f"(checksums in MANIFEST.json)")
        print(ATTRIBUTION)
        return 0
    files = [f.strip() for f in args.files.split(",") if f.strip()] if args.files else None
    manifest = fetch_release(args.release, out, base_url=args.base_url, progress=not args.quiet, files=files)
    print(f"release {args.release}: {len(manifest)} files up to date in {out} "
          f"(checksums in MANIFEST.json)")
    print(ATTRIBUTION)
    return 0


def _fmt(v, unit) -> str:
    """A benchmark value for the table: pounds, a percentage (0-100 scale) or a count; '-' if missing."""
    if unit == "pounds":
        return fmt.pounds(v, missing="-")
    if unit == "%":
        return fmt.percent(v, missing="-")
    return fmt.count(v, missing="-")


def run_benchmark(args) -> int:
    from sendlib.benchmark import benchmark_table
    from sendlib.dfe import resolve_dfe_dir
    from sendlib.dfe.caseload_forecast import forecast_next_january

    d = resolve_dfe_dir(args.dfe_dir)
    table = benchmark_table(args.la, d, neighbours=args.neighbours)
    nxt = forecast_next_january(table.attrs["la_code"], d)
    if args.json:
        recs = json.loads(table.to_json(orient="records"))
        print(json.dumps({"la_code": table.attrs["la_code"], "la_name": table.attrs["la_name"],
                          "neighbours": table.attrs["neighbours"], "measures": recs,
                          "next_january_forecast": nxt}, indent=2))
        return 0
    print(f"{table.attrs['la_name']} ({table.attrs['la_code']}) against its {args.neighbours} statistical "
          f"neighbours ({', '.join(table.attrs['neighbours'])}), region and England")
    cols = ["label", "period", "LA", "prev", "nbr median", "nbr Q1-Q3", "region", "England", "rank", "band"]
    rows = []
    for r in table.itertuples():
        u = r.unit
        rows.append([r.label, r.period, _fmt(r.la_value, u), _fmt(r.previous_value, u),
                     _fmt(r.neighbours_median, u), f"{_fmt(r.neighbours_q1, u)}-{_fmt(r.neighbours_q3, u)}",
                     _fmt(r.region_value, u), _fmt(r.england_value, u),
                     "-" if math.isnan(r.rank) else f"{int(r.rank)}/{r.rank_of}", r.band or "-"])
    widths = [max(len(str(x)) for x in col) for col in zip(cols, *rows, strict=True)]
    for line in [cols, *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)))
    for r in table.itertuples():
        if r.la_missing_reason:
            print(f"  not available: {r.label}: {r.la_missing_reason} (DfE codes: x unavailable, z not "
                  "applicable, c suppressed; blank = empty cell)")
    print(f"EHC plans at January {nxt['year']} (cross-LA one-year-ahead forecast): "
          f"{fmt.count(nxt['forecast'])}, 80% interval {fmt.count(nxt['lo80'])} to {fmt.count(nxt['hi80'])} "
          f"(January {nxt['year'] - 1}: {fmt.count(nxt['last'])})")
    print("Bands as DfE LAIT: quartiles of all LAs, A = best quartile for the measure's polarity; '-' = "
          "neutral measure. Rank 1 = best (neutral: lowest).")
    print(ATTRIBUTION)
    return 0


def run_backtest(args) -> int:
    from sendlib.dfe import resolve_dfe_dir
    from sendlib.dfe.caseload_backtest import run_backtest as _run

    res = _run(resolve_dfe_dir(args.dfe_dir))
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    years = list(res["by_year"])
    print(f"Cross-LA caseload backtest: one-year-ahead January EHC plan counts, targets {years[0]}-{years[-1]}, "
          f"n = {fmt.count(res['n'])} LA-years")
    cols = ["", "all years", *years]
    rows = [["model MAPE", *[fmt.percent(s["mape"], 2) for s in (res, *res["by_year"].values())]],
            ["model median APE", *[fmt.percent(s["median_ape"], 2) for s in (res, *res["by_year"].values())]],
            ["80% coverage", *[fmt.percent(s["coverage_80"]) for s in (res, *res["by_year"].values())]],
            ["95% coverage", *[fmt.percent(s["coverage_95"]) for s in (res, *res["by_year"].values())]]]
    for name in res["baselines"]:
        rows.append([f"{name} MAPE", *[fmt.percent(s["baselines"][name]["mape"], 2)
                                       for s in (res, *res["by_year"].values())]])
    widths = [max(len(str(x)) for x in col) for col in zip(cols, *rows, strict=True)]
    for line in [cols, *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)))
    print(ATTRIBUTION)
    return 0
