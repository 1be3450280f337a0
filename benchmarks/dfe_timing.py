"""Time the public DfE data reads, one benchmark table and the cross-LA caseload backtest (results in
benchmarks/README.md).

Usage: SENDLIB_DFE_DIR=../shared/data/dfe .venv/bin/python benchmarks/dfe_timing.py
Target: the whole read of the releases in seconds; a benchmark table in about a second once read; the
cross-LA caseload backtest in seconds without the exponential-smoothing baseline, within ~30 s with it.
"""

from __future__ import annotations

import time


def main() -> int:
    from sendlib import benchmark, dfe
    from sendlib.dfe import caseload_backtest

    root = dfe.resolve_dfe_dir()
    steps = [
        ("latest EHC plan release (8 files, headline rows)", lambda: dfe.read_release(root)),
        ("2022 release long series + sen2_mi", lambda: dfe.read_release_2022(root)),
        ("S251 2023-24 + school census", lambda: (dfe.read_s251(root), dfe.read_school_census(root))),
        ("read_all (cached parts)", lambda: dfe.read_all(root)),
        ("benchmark_table(878), first", lambda: benchmark.benchmark_table("878", root)),
        ("benchmark_table(886), panels cached", lambda: benchmark.benchmark_table("886", root)),
        ("caseload backtest, model + naive baselines", lambda: caseload_backtest.run_backtest(root, ets=False)),
        ("caseload backtest with the ETS baseline", lambda: caseload_backtest.run_backtest(root)),
    ]
    for name, fn in steps:
        t = time.perf_counter()
        fn()
        print(f"{name:<40} {time.perf_counter() - t:6.2f} s")
    print(f"tidy rows: {len(dfe.read_all(root)):,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
