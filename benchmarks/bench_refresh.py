"""Refresh time against a floor: the same number of notebooks that only import sendlib, pandas, seaborn.

    .venv/bin/python benchmarks/bench_refresh.py [--jobs N] [--repeats R] [--data DIR]

Target (issue 5): ``sendlib refresh`` of all notebooks on the sample takes no more than 1.5 times as
long as running the same number of import-only notebooks with Papermill, with the same jobs. Both
sides run through the same thread pool and kernel (``sendlib.report.run.run_notebook``); the refresh side
is the whole ``sendlib.report.refresh()`` (validation, notebooks, HTML, headlines, index, swap). Runs
alternate (floor, refresh, floor, refresh, ...) so background load hits both alike; the medians are
compared. CPU seconds (this process plus its kernels) are reported too: on a shared machine they are
steadier than wall time. Prints one JSON line with the timings and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from sendlib import config
from sendlib.report import refresh
from sendlib.report.run import NEEDS_PUBLIC_DATA, list_notebooks, run_notebook


def make_floor_notebooks(folder: Path, names: list[str]) -> list[Path]:
    paths = []
    for name in names:
        params = new_code_cell('data_dir = "data/sample"\nperiod = "2024-11"\nsuppress_below = 5')
        params.metadata["tags"] = ["parameters"]
        nb = new_notebook(cells=[params, new_code_cell("import pandas\nimport seaborn\n\nimport sendlib")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = folder / f"{name}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def cpu_seconds() -> float:
    """User + system CPU of this process and its reaped children (the kernels)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def time_floor(paths: list[Path], out: Path, jobs: int) -> float:
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = list(pool.map(lambda p: run_notebook(p, out / p.name, {}, p.parent), paths))
    bad = [r for r in runs if r.status != "ok"]
    if bad:
        raise SystemExit(f"floor notebook failed: {bad[0].message}")
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default=str(config.SAMPLE_DIR))
    args = parser.parse_args(argv)

    public = config.dfe_dir()
    names = [p.stem for p in list_notebooks(config.NOTEBOOKS_DIR) if public or p.stem not in NEEDS_PUBLIC_DATA]
    floor_times, refresh_times, floor_cpu, refresh_cpu = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        floor_dir, floor_out, reports = tmp / "floor", tmp / "floor_out", tmp / "reports"
        for d in (floor_dir, floor_out):
            d.mkdir()
        paths = make_floor_notebooks(floor_dir, names)
        time_floor(paths[:1], floor_out, 1)  # warm-up: first kernel start, file caches
        for _ in range(args.repeats):
            c0 = cpu_seconds()
            floor_times.append(time_floor(paths, floor_out, args.jobs))
            c1 = cpu_seconds()
            t0 = time.perf_counter()
            refresh(data_dir=args.data, out_dir=reports, jobs=args.jobs, stream=None)
            refresh_times.append(time.perf_counter() - t0)
            floor_cpu.append(c1 - c0)
            refresh_cpu.append(cpu_seconds() - c1)
    result = {
        "notebooks": len(names),
        "jobs": args.jobs,
        "repeats": args.repeats,
        "floor_seconds": [round(t, 2) for t in floor_times],
        "refresh_seconds": [round(t, 2) for t in refresh_times],
        "floor_median": round(statistics.median(floor_times), 2),
        "refresh_median": round(statistics.median(refresh_times), 2),
    }
    result["ratio"] = round(result["refresh_median"] / result["floor_median"], 2)
    # CPU seconds (this process + kernels): less sensitive to other load on the machine than wall time
    result["floor_cpu_median"] = round(statistics.median(floor_cpu), 2)
    result["refresh_cpu_median"] = round(statistics.median(refresh_cpu), 2)
    result["cpu_ratio"] = round(result["refresh_cpu_median"] / result["floor_cpu_median"], 2)
    result["target"] = 1.5
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
