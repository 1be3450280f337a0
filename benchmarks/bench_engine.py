"""Benchmark the monthly engine at national scale against a DuckDB SQL reference.

Usage::

    .venv/bin/python benchmarks/bench_engine.py [--scale national] [--data DIR] [--regenerate]

Generates (or reuses) the synthetic extract with ``sendlib.sample.write_sample(DIR, scale=...)`` in
``benchmarks/_data/<scale>/`` (git-ignored), then runs three measurements, each in a fresh subprocess so
peak memory (``ru_maxrss``) belongs to that step alone:

1. ``sendlib.load`` of the CSV files;
2. ``sendlib.monthly_series`` over all months (first month with data to the extract's last full month;
   run twice: cold and warm) and ``sendlib.series.monthly_by_setting``, after a load;
3. the main series (active, issued, ceased, committed cost, INMSS placements by month end) in DuckDB SQL
   on the same CSV files, two ways: an event-based query (+1/-1 and +cost/-cost at month ends, summed:
   the same algorithm as sendlib, the fair speed reference) and a range join of month ends with plans
   and placements (months x rows: the plainest statement of the definitions, an independent check).

It asserts all three agree exactly on counts and to 1e-9 relative on cost, and prints wall time, CPU time
(user + system, less sensitive to other load on the machine) and peak resident memory of each step.
Targets (issue 3): monthly_series < 5 s and no slower than DuckDB; peak memory < 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA_ROOT = HERE / "_data"
TARGET_SERIES_SECONDS = 5.0
TARGET_PEAK_MB = 4096.0


def _usage() -> dict:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": ru.ru_utime + ru.ru_stime, "peak_mb": ru.ru_maxrss / 1024.0}


def child_load(data: Path) -> dict:
    import sendlib

    t0, c0 = time.perf_counter(), _usage()["cpu"]
    ex = sendlib.load(data)
    t1, u = time.perf_counter(), _usage()
    return {
        "load_wall": t1 - t0,
        "load_cpu": u["cpu"] - c0,
        "peak_mb": u["peak_mb"],
        "plans": len(ex.plans),
        "placements": len(ex.placements),
        "as_of": str(ex.as_of.date()) if ex.as_of is not None else None,
    }


def engine_core(ex, months):
    """The five columns the DuckDB queries compute, with sendlib's building blocks (same work as SQL)."""
    from sendlib import caseload, cost, schema, sector

    arr = cost.placement_arrays(ex)
    p_start, p_end = caseload.plan_intervals(ex.plans)
    active = caseload.interval_totals_at(p_start, p_end, months)[:, 0]
    issued = caseload.plans_issued_by_month(ex.plans, months).to_numpy()
    ceased = caseload.plans_ceased_by_month(ex.plans, months).to_numpy()
    inmss = sector.setting_mask(schema.INDEPENDENT_SETTINGS_INMSS)[arr.setting].astype("int64")
    counts, costs = caseload.interval_grids(arr.start, arr.end, months, inmss, 2, [None, arr.gross])
    return active, issued, ceased, costs.sum(axis=1), counts[:, 1]


def child_series(data: Path, out: Path) -> dict:
    import sendlib
    from sendlib import periods
    from sendlib.series import monthly_by_setting

    ex = sendlib.load(data)
    start = periods.month_end(ex.plans["issued_on"].min())
    after_load = _usage()
    res: dict = {"peak_mb_after_load": after_load["peak_mb"]}
    for run in ("cold", "warm"):
        t0, c0 = time.perf_counter(), _usage()["cpu"]
        s = sendlib.monthly_series(ex, start=start)
        res[f"series_{run}_wall"] = time.perf_counter() - t0
        res[f"series_{run}_cpu"] = _usage()["cpu"] - c0
    t0, c0 = time.perf_counter(), _usage()["cpu"]
    core = engine_core(ex, s.index)
    res["core_wall"], res["core_cpu"] = time.perf_counter() - t0, _usage()["cpu"] - c0
    for got, col in zip(core, ["ehcp_active", "ehcp_issued", "ehcp_ceased", "committed_cost", "independent_placements"], strict=True):
        assert abs(got - s[col].to_numpy()).max() <= 1e-6 * max(1.0, abs(s[col]).max()), col
    t0 = time.perf_counter()
    long = monthly_by_setting(ex, start=start)
    res["by_setting_wall"] = time.perf_counter() - t0
    res["months"] = len(s)
    res["by_setting_rows"] = len(long)
    res["peak_mb"] = _usage()["peak_mb"]
    cols = ["ehcp_active", "ehcp_issued", "ehcp_ceased", "committed_cost", "independent_placements"]
    s[cols].reset_index().assign(month_end=lambda f: f["month_end"].dt.strftime("%Y-%m-%d")).to_json(
        out, orient="records"
    )
    return res


DUCKDB_LOAD = """
CREATE TABLE plans AS SELECT * FROM read_csv('{plans}', header = true, columns = {{
    'plan_id': 'VARCHAR', 'child_id': 'VARCHAR', 'date_of_birth': 'DATE', 'primary_need': 'VARCHAR',
    'issued_on': 'DATE', 'ceased_on': 'DATE'}});
CREATE TABLE placements AS SELECT * FROM read_csv('{placements}', header = true, columns = {{
    'plan_id': 'VARCHAR', 'setting': 'VARCHAR', 'provider_urn': 'VARCHAR', 'provider_name': 'VARCHAR',
    'start_on': 'DATE', 'end_on': 'DATE', 'annual_cost': 'DOUBLE', 'health_contribution': 'DOUBLE',
    'social_care_contribution': 'DOUBLE'}});
"""

DUCKDB_SERIES = """
WITH months AS (
    SELECT last_day(CAST(m AS DATE)) AS month_end
    FROM generate_series(DATE '{first}', DATE '{last}', INTERVAL 1 MONTH) AS t(m)
),
active AS (
    SELECT m.month_end, count(*) AS ehcp_active
    FROM months m JOIN plans p
      ON p.issued_on <= m.month_end AND (p.ceased_on IS NULL OR p.ceased_on > m.month_end)
    GROUP BY m.month_end
),
issued AS (
    SELECT last_day(issued_on) AS month_end, count(*) AS ehcp_issued
    FROM plans WHERE issued_on IS NOT NULL GROUP BY 1
),
ceased AS (
    SELECT last_day(ceased_on) AS month_end, count(*) AS ehcp_ceased
    FROM plans WHERE ceased_on > issued_on GROUP BY 1
),
current_placements AS (
    SELECT m.month_end, sum(pl.annual_cost) AS committed_cost,
           count(*) FILTER (WHERE pl.setting IN ('special_independent', 'special_non_maintained'))
               AS independent_placements
    FROM months m
    JOIN placements pl
      ON pl.start_on <= m.month_end AND (pl.end_on IS NULL OR pl.end_on >= m.month_end)
    JOIN plans p
      ON p.plan_id = pl.plan_id
     AND p.issued_on <= m.month_end AND (p.ceased_on IS NULL OR p.ceased_on > m.month_end)
    GROUP BY m.month_end
)
SELECT strftime(m.month_end, '%Y-%m-%d') AS month_end,
       coalesce(a.ehcp_active, 0) AS ehcp_active,
       coalesce(i.ehcp_issued, 0) AS ehcp_issued,
       coalesce(c.ehcp_ceased, 0) AS ehcp_ceased,
       coalesce(cp.committed_cost, 0) AS committed_cost,
       coalesce(cp.independent_placements, 0) AS independent_placements
FROM months m
LEFT JOIN active a USING (month_end)
LEFT JOIN issued i USING (month_end)
LEFT JOIN ceased c USING (month_end)
LEFT JOIN current_placements cp USING (month_end)
ORDER BY m.month_end
"""


DUCKDB_EVENTS = """
WITH months AS (
    SELECT last_day(CAST(m AS DATE)) AS month_end
    FROM generate_series(DATE '{first}', DATE '{last}', INTERVAL 1 MONTH) AS t(m)
),
valid_plans AS (
    SELECT plan_id, issued_on, ceased_on FROM plans
    WHERE issued_on IS NOT NULL AND (ceased_on IS NULL OR ceased_on > issued_on)
),
plan_events AS (
    SELECT last_day(issued_on) AS month_end, 1 AS d FROM valid_plans
    UNION ALL
    SELECT last_day(ceased_on), -1 FROM valid_plans WHERE ceased_on IS NOT NULL
),
intervals AS (
    SELECT pl.annual_cost AS w,
           CAST(pl.setting IN ('special_independent', 'special_non_maintained') AS INTEGER) AS ind,
           greatest(pl.start_on, p.issued_on) AS s,
           least(coalesce(pl.end_on + 1, DATE '9999-12-31'), coalesce(p.ceased_on, DATE '9999-12-31')) AS e
    FROM placements pl JOIN valid_plans p USING (plan_id)
    WHERE pl.start_on IS NOT NULL
),
placement_events AS (
    SELECT last_day(s) AS month_end, w, ind FROM intervals WHERE e > s
    UNION ALL
    SELECT last_day(e), -w, -ind FROM intervals WHERE e > s AND e < DATE '9999-12-31'
),
plan_delta AS (SELECT month_end, sum(d) AS d FROM plan_events GROUP BY 1),
placement_delta AS (SELECT month_end, sum(w) AS w, sum(ind) AS ind FROM placement_events GROUP BY 1),
active AS (
    SELECT m.month_end, sum(x.d) AS ehcp_active FROM months m JOIN plan_delta x ON x.month_end <= m.month_end
    GROUP BY 1
),
current_placements AS (
    SELECT m.month_end, sum(x.w) AS committed_cost, sum(x.ind) AS independent_placements
    FROM months m JOIN placement_delta x ON x.month_end <= m.month_end GROUP BY 1
),
issued AS (
    SELECT last_day(issued_on) AS month_end, count(*) AS ehcp_issued
    FROM plans WHERE issued_on IS NOT NULL GROUP BY 1
),
ceased AS (
    SELECT last_day(ceased_on) AS month_end, count(*) AS ehcp_ceased
    FROM plans WHERE ceased_on > issued_on GROUP BY 1
)
SELECT strftime(m.month_end, '%Y-%m-%d') AS month_end,
       coalesce(a.ehcp_active, 0) AS ehcp_active,
       coalesce(i.ehcp_issued, 0) AS ehcp_issued,
       coalesce(c.ehcp_ceased, 0) AS ehcp_ceased,
       coalesce(cp.committed_cost, 0) AS committed_cost,
       coalesce(cp.independent_placements, 0) AS independent_placements
FROM months m
LEFT JOIN active a USING (month_end)
LEFT JOIN issued i USING (month_end)
LEFT JOIN ceased c USING (month_end)
LEFT JOIN current_placements cp USING (month_end)
ORDER BY m.month_end
"""

RESULT_COLUMNS = ["month_end", "ehcp_active", "ehcp_issued", "ehcp_ceased", "committed_cost", "independent_placements"]


def child_duckdb(data: Path, out: Path, first: str, last: str) -> dict:
    import duckdb

    con = duckdb.connect()
    t0, c0 = time.perf_counter(), _usage()["cpu"]
    con.execute(DUCKDB_LOAD.format(plans=data / "plans.csv", placements=data / "placements.csv"))
    t1, c1 = time.perf_counter(), _usage()["cpu"]
    rows = con.execute(DUCKDB_EVENTS.format(first=first, last=last)).fetchall()
    t2, c2 = time.perf_counter(), _usage()["cpu"]
    out.with_suffix(".events.json").write_text(json.dumps([dict(zip(RESULT_COLUMNS, r, strict=True)) for r in rows]))
    rows = con.execute(DUCKDB_SERIES.format(first=first, last=last)).fetchall()
    t3, u = time.perf_counter(), _usage()
    out.write_text(json.dumps([dict(zip(RESULT_COLUMNS, r, strict=True)) for r in rows]))
    return {
        "duckdb_load_wall": t1 - t0,
        "duckdb_load_cpu": c1 - c0,
        "duckdb_events_wall": t2 - t1,
        "duckdb_events_cpu": c2 - c1,
        "duckdb_series_wall": t3 - t2,
        "duckdb_series_cpu": u["cpu"] - c2,
        "peak_mb": u["peak_mb"],
        "threads": con.execute("SELECT current_setting('threads')").fetchone()[0],
    }


def run_child(*args: str) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"benchmark step {args[0]} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(engine_json: Path, duckdb_json: Path) -> int:
    eng = {r["month_end"]: r for r in json.loads(engine_json.read_text())}
    ref = {r["month_end"]: r for r in json.loads(duckdb_json.read_text())}
    if sorted(eng) != sorted(ref):
        raise SystemExit(f"month ends differ: engine {min(eng)}..{max(eng)}, duckdb {min(ref)}..{max(ref)}")
    for month, e in eng.items():
        r = ref[month]
        for col in ("ehcp_active", "ehcp_issued", "ehcp_ceased", "independent_placements"):
            if int(e[col]) != int(r[col]):
                raise SystemExit(f"{month} {col}: sendlib {e[col]} != duckdb {r[col]}")
        if abs(e["committed_cost"] - r["committed_cost"]) > 1e-9 * max(1.0, abs(r["committed_cost"])):
            raise SystemExit(f"{month} committed_cost: sendlib {e['committed_cost']} != duckdb {r['committed_cost']}")
    return len(eng)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", help="sample scale: national (default) or county")
    parser.add_argument("--data", default=None, help="extract folder (default benchmarks/_data/<scale>)")
    parser.add_argument("--regenerate", action="store_true", help="write the sample again even if present")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        step, data, *rest = args.child
        if step == "load":
            res = child_load(Path(data))
        elif step == "series":
            res = child_series(Path(data), Path(rest[0]))
        else:
            res = child_duckdb(Path(data), Path(rest[0]), rest[1], rest[2])
        print(json.dumps(res))
        return 0

    data = Path(args.data) if args.data else DATA_ROOT / args.scale
    if args.regenerate or not (data / "placements.csv").exists():
        from sendlib.sample import write_sample

        t0 = time.perf_counter()
        write_sample(data, scale=args.scale)
        print(f"generated {args.scale} sample in {data} in {time.perf_counter() - t0:.1f} s")
    sizes = {p.name: p.stat().st_size / 1e6 for p in sorted(data.glob("*.csv"))}
    print(f"data: {data} ({', '.join(f'{k} {v:.0f} MB' for k, v in sizes.items())})")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")

    load = run_child("load", str(data))
    print(
        f"sendlib.load: {load['load_wall']:.1f} s wall, {load['load_cpu']:.1f} s CPU, peak {load['peak_mb']:.0f} MB"
        f" ({load['plans']:,} plans, {load['placements']:,} placements, as_of {load['as_of']})"
    )
    tmp = DATA_ROOT / "_results"
    tmp.mkdir(parents=True, exist_ok=True)
    eng_json, ref_json = tmp / f"engine_{args.scale}.json", tmp / f"duckdb_{args.scale}.json"
    series = run_child("series", str(data), str(eng_json))
    print(
        f"sendlib.monthly_series ({series['months']} months): cold {series['series_cold_wall']:.2f} s wall "
        f"({series['series_cold_cpu']:.2f} s CPU), warm {series['series_warm_wall']:.2f} s wall "
        f"({series['series_warm_cpu']:.2f} s CPU); the same five columns as the SQL {series['core_wall']:.2f} s "
        f"wall ({series['core_cpu']:.2f} s CPU); monthly_by_setting {series['by_setting_wall']:.2f} s; "
        f"peak {series['peak_mb']:.0f} MB (after load {series['peak_mb_after_load']:.0f} MB)"
    )
    months = json.loads(eng_json.read_text())
    first, last = months[0]["month_end"][:8] + "01", months[-1]["month_end"][:8] + "01"
    duck = run_child("duckdb", str(data), str(ref_json), first, last)
    print(
        f"duckdb ({duck['threads']} threads): read CSV {duck['duckdb_load_wall']:.1f} s wall; "
        f"event-based query {duck['duckdb_events_wall']:.2f} s wall ({duck['duckdb_events_cpu']:.2f} s CPU); "
        f"range-join query {duck['duckdb_series_wall']:.2f} s wall ({duck['duckdb_series_cpu']:.2f} s CPU); "
        f"peak {duck['peak_mb']:.0f} MB"
    )
    n = compare(eng_json, ref_json)
    compare(eng_json, ref_json.with_suffix(".events.json"))
    print(f"agreement: sendlib and both duckdb queries agree on all {n} month ends (counts exact, cost to 1e-9)")
    best = min(series["series_cold_wall"], series["series_warm_wall"])
    peak = max(load["peak_mb"], series["peak_mb"])
    checks = {
        f"monthly_series < {TARGET_SERIES_SECONDS:.0f} s": series["series_cold_wall"] < TARGET_SERIES_SECONDS,
        "monthly_series no slower than the duckdb range-join query": best <= duck["duckdb_series_wall"],
        "monthly_series no slower than the duckdb event-based query": best <= duck["duckdb_events_wall"],
        "same five columns no slower than the duckdb event-based query": series["core_wall"]
        <= duck["duckdb_events_wall"],
        f"peak memory < {TARGET_PEAK_MB / 1024:.0f} GB": peak < TARGET_PEAK_MB,
    }
    for name, ok in checks.items():
        print(f"target {name}: {'met' if ok else 'NOT met'}")
    print(f"load average {os.getloadavg()[0]:.1f} at end")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
