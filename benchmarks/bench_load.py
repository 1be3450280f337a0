"""Benchmark ``sendlib.load`` (every validation rule on) against DuckDB's plain read of the same CSVs.

Usage::

    .venv/bin/python benchmarks/bench_load.py [--scale national|county|both] [--repeat 3] [--json]

The national extract is generated once with ``sendlib sample --scale national --out
benchmarks/_data/national`` (git-ignored; about 20 s); the county extract is ``data/sample``. For each,
in one run of this script, the two reads alternate ``--repeat`` times in this process:

1. ``sendlib.load(folder)``: read, type, validate (every rule, plausibility warnings included) and
   quarantine the five tables;
2. DuckDB: ``CREATE TABLE <t> AS SELECT * FROM read_csv_auto('<t>.csv')`` for plans, placements and
   assessments (typed tables, no validation) in a fresh in-memory connection.

It prints the best wall time of each (the least disturbed by other work on a shared machine), CPU time
(user + system) of that run, and the ratio load / DuckDB. Target (issue "Real extracts, round two"): the
ratio at most 2 at national scale, and no worse at county scale.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NATIONAL = HERE / "_data" / "national"
COUNTY = ROOT / "data" / "sample"
TARGET_RATIO = 2.0


def ensure_national() -> Path:
    if not (NATIONAL / "placements.csv").is_file():
        cmd = [sys.executable, "-m", "sendlib.cli", "sample", "--scale", "national", "--out", str(NATIONAL)]
        subprocess.run(cmd, check=True)
    return NATIONAL


def _timed(fn) -> tuple[float, float, object]:
    import os

    c0, t0 = os.times(), time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    c1 = os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)
    return wall, cpu, out


def load_once(folder: Path):
    from sendlib.load import load

    return load(folder)


def duckdb_once(folder: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect()
    rows = {}
    for name in ("plans", "placements", "assessments"):
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto('{folder / (name + '.csv')}')")
        rows[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    con.close()
    return rows


def measure(folder: Path, repeat: int) -> dict:
    best = {"load": None, "duckdb": None}
    for _ in range(repeat):
        for key, fn in (("load", load_once), ("duckdb", duckdb_once)):
            wall, cpu, out = _timed(lambda fn=fn: fn(folder))
            if best[key] is None or wall < best[key][0]:
                best[key] = (wall, cpu, out)
    extract, rows = best["load"][2], best["duckdb"][2]
    for name, n in rows.items():  # the same rows read both ways (sendlib: kept + quarantined)
        assert extract.row_counts[name]["rows_in"] == n, (name, extract.row_counts[name], n)
    return {
        "folder": str(folder),
        "rows": rows,
        "load_s": round(best["load"][0], 2),
        "load_cpu_s": round(best["load"][1], 2),
        "duckdb_s": round(best["duckdb"][0], 2),
        "duckdb_cpu_s": round(best["duckdb"][1], 2),
        "ratio": round(best["load"][0] / best["duckdb"][0], 2),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=("national", "county", "both"), default="both")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    results = {}
    if args.scale in ("county", "both"):
        results["county"] = measure(COUNTY, args.repeat)
    if args.scale in ("national", "both"):
        results["national"] = measure(ensure_national(), args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'scale':<10}{'rows (plans/placements/requests)':>36}{'load s':>9}{'cpu':>7}{'DuckDB s':>10}{'cpu':>7}"
          f"{'ratio':>7}")
    for scale, r in results.items():
        rows = "/".join(f"{r['rows'][n]:,}" for n in ("plans", "placements", "assessments"))
        print(f"{scale:<10}{rows:>36}{r['load_s']:>9.2f}{r['load_cpu_s']:>7.1f}{r['duckdb_s']:>10.2f}"
              f"{r['duckdb_cpu_s']:>7.1f}{r['ratio']:>7.2f}")
    print(f"target: load / DuckDB at most {TARGET_RATIO} at national scale, no worse at county scale")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
