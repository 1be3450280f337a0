"""``sendlib forecast-backtest``: how well the caseload forecast would have done on this extract's own past."""

from __future__ import annotations

import argparse
import json

from sendlib.errors import DataError, UsageError
from sendlib.forecast.backtest import BACKTEST_HORIZONS as HORIZONS
from sendlib.forecast.backtest import BACKTEST_SIMS
from sendlib.forecast.backtest import DEFAULT_BACKTEST_ORIGINS as DEFAULT_ORIGINS

DESCRIPTION = f"""\
Backtest the caseload forecast (sendlib.forecast.forecast_caseload, the model `sendlib forecast` uses)
on the extract's own history: from each origin month end, forecast active EHCPs {", ".join(map(str, HORIZONS))}
months ahead using only data dated on or before the origin, and compare with the count the extract
shows for that month. The same is done for three naive baselines on the same origins: carry forward
(the origin's count), last twelve months' net flow (the origin's count plus the last 12 months' change,
pro rata) and damped-trend exponential smoothing of log counts (statsmodels ETS).

Outcomes: counts up to --period (the month reported on; default the extract's last full month), so a
backtest for an earlier month uses no later data, as notebook 04 does. Origins: the {DEFAULT_ORIGINS} month ends to
{min(HORIZONS)} months before --period (three years of outcomes), or from --from. A target after --period is left
out. An origin needs its 36 months of out-of-sample errors (the errors that size the intervals) each to
have a conversion fitted on a full year of requests, received up to the lag (about 8 months) before:
about 4-5 years of requests before it. The default origins start no earlier; an earlier --from is refused
with the first month that qualifies.

Scores by method and horizon (months ahead): n (origins scored), MAPE (mean absolute % error), MAE and
bias (mean of forecast - actual; plans), 80% and 95% coverage (% of outcomes inside the interval) and,
for the model, z_rms (root mean square of error / the simulated spread: 1 when the intervals are as
wide as the errors, below 1 too wide, above 1 too narrow). Targets: the model's MAPE below every
baseline's at 6 and 12 months, and its 80% coverage 75-88% at every horizon. With a few dozen origins
whose errors are correlated, coverage moves in steps of 3-9 points: read z_rms with it.

Reproducible: the simulations use sendlib's fixed seed, so every run prints the same numbers. The
default {BACKTEST_SIMS:,} paths per origin (--sims; ten times a forecast's) keep the simulation's
quantile noise from moving an outcome that lies on an interval's edge in or out of it (on the sample,
every one of 30 seeds gave the same verdict on the targets; at 2,000 paths 3 of 10 did not). The output holds forecast errors summed over origins, no counts of
children. On the sample it takes about 5 seconds.

Exit codes: 0 done; 1 data problem (the extract cannot be used, or is too short for the origins); 2
usage error (a bad option value).
"""

def register(subparsers) -> None:
    from sendlib import cli

    p = subparsers.add_parser(
        "forecast-backtest",
        help="how the caseload forecast would have done on this extract's past, against naive baselines",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_extract_arguments(
        p, "the month reported on: outcomes are scored up to it (default: the extract's last full month)"
    )
    p.add_argument("--from", dest="first", metavar="YYYY-MM", default=None,
                   help=f"first origin (default: the {DEFAULT_ORIGINS} month ends to {min(HORIZONS)} months before --period, "
                   "none before the first that qualifies)")
    p.add_argument("--sims", type=_sims, default=BACKTEST_SIMS,
                   help=f"simulated paths per origin (default {BACKTEST_SIMS})")
    p.add_argument("--json", action="store_true", help="print JSON (sorted keys, numbers as numbers)")
    p.set_defaults(func=run)


def _sims(value: str) -> int:
    """A whole number of simulated paths, 100 or more (argparse type: a usage error otherwise)."""
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 100:
        raise argparse.ArgumentTypeError(f"must be a whole number of paths, 100 or more; got {value!r}")
    return n


def _origins(extract, first, period_end):
    """The origin month ends for outcomes to ``period_end``: the default ones, or from ``first``."""
    import pandas as pd

    from sendlib import forecast, periods

    last = periods.month_end(period_end - pd.DateOffset(months=min(HORIZONS)))
    earliest = forecast.earliest_backtest_origin(extract)
    if earliest is None or earliest > last:
        received = extract.assessments["received_on"].dropna()
        since = "it has no requests" if not len(received) else (
            f"its requests begin in {periods.period_label(received.min())}"
        )
        first_ok = "no month end in the extract" if earliest is None else periods.period_label(earliest)
        raise DataError(
            f"the extract is too short to backtest the forecast to {periods.period_label(period_end)}: {since}; the "
            f"first origin whose 36 error months each have a full year of requests behind them is {first_ok}, "
            f"and the last origin with an outcome by {periods.period_label(period_end)} is {periods.period_label(last)}"
        )
    if first is None:
        return forecast.default_backtest_origins(extract, through=period_end)
    if first > last:
        raise UsageError(
            f"--from {periods.period_label(first)} is after the last origin with an outcome by "
            f"{periods.period_label(period_end)} ({periods.period_label(last)}); give an earlier --from"
        )
    if first < earliest:
        raise DataError(
            f"the extract is too short for origins from {periods.period_label(first)}: the first origin whose 36 "
            f"error months each have a full year of requests behind them is {periods.period_label(earliest)}; "
            f"give --from {periods.period_label(earliest)} or later"
        )
    return periods.month_ends(first, last)


def backtest_report(extract, origins, sims: int, period_end) -> dict:
    """The scorecard and targets as a JSON-ready dict (see the command's description), outcomes to
    ``period_end``."""
    from sendlib import config, forecast, periods

    model = forecast.backtest_flow_forecast(
        extract, origins, horizons=HORIZONS, n_sims=sims, seed=config.DEFAULT_SEED, through=period_end
    )
    base = forecast.backtest_baselines(extract, origins, horizons=HORIZONS, through=period_end)
    card = forecast.flow_forecast_scorecard(model, base)
    scores = []
    for (method, h), row in card.iterrows():
        scores.append({
            "method": method,
            "horizon_months": int(h),
            "n": int(row["n"]),
            "mape_pct": round(float(row["mape_pct"]), 2),
            "mae_plans": round(float(row["mae"]), 1),
            "bias_plans": round(float(row["bias"]), 1),
            "coverage80_pct": round(float(row["coverage80_pct"]), 1),
            "coverage95_pct": round(float(row["coverage95_pct"]), 1),
            "z_rms": None if row["z_rms"] != row["z_rms"] else round(float(row["z_rms"]), 2),
        })
    targets = forecast.flow_forecast_targets(card)
    return {
        "origins": {"from": periods.period_label(origins[0]), "to": periods.period_label(origins[-1]),
                    "n": len(origins)},
        "outcomes_to": periods.period_label(period_end),
        "horizons_months": list(HORIZONS),
        "sims": sims,
        "seed": config.DEFAULT_SEED,
        "scores": scores,
        "targets": {
            "mape_below_every_baseline": {str(h): v for h, v in targets["mape_below_every_baseline"].items()},
            "coverage80_75_to_88_pct": {str(h): v for h, v in targets["coverage80_in_band"].items()},
            "met": targets["met"],
        },
    }


def format_report(report: dict, data_dir) -> str:
    """The report as text: one table of scores, then the targets."""
    import pandas as pd

    from sendlib import forecast

    o = report["origins"]
    lines = [
        f"Caseload forecast backtest on {data_dir}: {o['n']} origins (month ends {o['from']} to {o['to']}), "
        f"outcomes to {report['outcomes_to']}, {report['sims']:,} paths, seed {report['seed']}",
        "",
    ]
    frame = pd.DataFrame(report["scores"])
    frame["method"] = frame["method"].map(forecast.METHOD_LABELS)
    frame = frame.rename(columns={
        "method": "Method", "horizon_months": "Months ahead", "n": "Origins", "mape_pct": "MAPE (%)",
        "mae_plans": "MAE (plans)", "bias_plans": "Bias (plans)", "coverage80_pct": "80% coverage (%)",
        "coverage95_pct": "95% coverage (%)", "z_rms": "z_rms",
    }).sort_values(["Months ahead", "Method"])
    frame["z_rms"] = frame["z_rms"].map(lambda v: "" if v is None or v != v else f"{v:.2f}")
    lines.append(frame.to_string(index=False))
    t = report["targets"]
    mape = ", ".join(f"{h} months {'met' if v else 'NOT met'}" for h, v in t["mape_below_every_baseline"].items())
    cover = ", ".join(f"{h} months {'met' if v else 'NOT met'}" for h, v in t["coverage80_75_to_88_pct"].items())
    lines += [
        "",
        f"Target, MAPE below every baseline: {mape or 'no 6- or 12-month outcome'}.",
        f"Target, 80% coverage 75-88%: {cover}.",
        f"All targets: {'met' if t['met'] else 'NOT met'}. Bias = forecast - actual; z_rms 1 = intervals as wide "
        "as the errors.",
    ]
    return "\n".join(lines)


def run(args) -> int:
    from sendlib import cli

    period = cli.month_option(args.period, "--period")
    first = cli.month_option(args.first, "--from")
    data_dir = cli.data_folder(args.data)
    extract = cli.load_usable_extract(data_dir, cli.mapping_file(args.mapping), args.as_of)
    period_end = cli.report_period(extract, period)
    origins = _origins(extract, first, period_end)
    report = backtest_report(extract, origins, args.sims, period_end)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(format_report(report, data_dir))
    return 0
