"""Backtest the flow forecast on the sample against naive baselines, 2, 6 and 12 months ahead.

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/flow_forecast_backtest.py [--data data/sample] [--year 2023]
        [--years 1] [--sims 2000] [--new-plans combined] [--error-scale constant] [--deviation-months 0]
        [--compare] [--decompose]

Origins: every month end of the ``--years`` calendar years ending with ``--year``. Prints one line per
origin and horizon (forecast, actual, 80% and 95% intervals) and a summary per horizon: mean absolute
error (plans and %), bias (mean forecast - actual) and the share of origins whose actual count fell
inside the 80% and 95% intervals; then the model against the naive baselines
(:func:`sendlib.forecast.backtest_baselines`: carry forward, last twelve months' net flow, damped ETS)
on the same origins and horizons, MAPE and coverage by horizon, and whether the targets are met (MAPE
below every baseline at 6 and 12 months; 80% coverage 75-88% at every horizon) and the model's ``z_rms``
(root mean square of error / simulated spread: 1 when calibrated), with the model's calibration split by the
origin's half-year. ``--decompose`` also prints how much
each source of uncertainty spreads the simulated caseload at each horizon, averaged over the origins
(:func:`sendlib.forecast.interval_components`). ``--error-scale seasonal`` backtests the seasonally
standardised one-step errors instead of the default (:func:`sendlib.forecast.seasonal_error_scale`).
``--new-plans requests`` backtests the demand view of new plans alone (conversion x lagged requests;
the default, ``combined``, averages it with the recent issue rate; ``issue_rate``: the recent rate alone). ``--deviation-months 6`` carries the ceasing hazard's deviation over the last 6 months into the
projection (:mod:`sendlib.forecast.deviation`; 0, the default, leaves it off). Every run also prints the
forecast for the next January from the extract's last full month, with the options given.
Results are recorded in
``benchmarks/README.md``. Deterministic: the seed is :data:`sendlib.config.DEFAULT_SEED`.
"""

from __future__ import annotations

import argparse
import inspect
import sys

import pandas as pd

import sendlib
from sendlib import config, forecast

#: The library's default way of projecting new plans (``estimate_flow_model``'s ``new_plans``).
NEW_PLANS_DEFAULT = inspect.signature(forecast.estimate_flow_model).parameters["new_plans"].default


def _months(value: str) -> int:
    """A whole number of months, 0 or more (argparse type)."""
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number of months, 0 (off) or more; got {value!r}")
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", default=str(config.SAMPLE_DIR), help="extract folder (default: data/sample)"
    )
    parser.add_argument("--year", type=int, default=2023, help="last calendar year of the forecast origins")
    parser.add_argument("--years", type=int, default=1, help="number of calendar years of origins (default 1)")
    parser.add_argument("--sims", type=int, default=forecast.DEFAULT_SIMS, help="simulated paths per origin")
    parser.add_argument(
        "--new-plans",
        choices=forecast.NEW_PLAN_METHODS,
        default=NEW_PLANS_DEFAULT,
        help=f"how new plans are projected (default {NEW_PLANS_DEFAULT}, the library's)",
    )
    parser.add_argument(
        "--error-scale",
        choices=forecast.ERROR_SCALES,
        default="constant",
        help="how the intervals resample the one-step errors (default constant)",
    )
    parser.add_argument(
        "--deviation-months",
        type=_months,
        default=0,
        help="carry the ceasing hazard's deviation over this many recent months (default 0: off)",
    )
    parser.add_argument(
        "--decompose", action="store_true", help="also the spread from each source of uncertainty by horizon"
    )
    parser.add_argument(
        "--compare", action="store_true", help="also compare the model variants (new_plans x ceasing options)"
    )
    args = parser.parse_args(argv)

    extract = sendlib.load(config.resolve_path(args.data))
    first = args.year - args.years + 1
    origins = pd.date_range(f"{first}-01-31", f"{args.year}-12-31", freq="ME")
    res = forecast.backtest_flow_forecast(
        extract, origins, horizons=HORIZONS, n_sims=args.sims, seed=config.DEFAULT_SEED,
        new_plans=args.new_plans, error_scale=args.error_scale, deviation_months=args.deviation_months,
    )

    pd.set_option("display.width", 140)
    detail = res.assign(origin=res["origin"].dt.strftime("%Y-%m"), target=res["target"].dt.strftime("%Y-%m"))
    cols = [
        "origin",
        "horizon",
        "target",
        "forecast",
        "actual",
        "pct_error",
        "low80",
        "high80",
        "low95",
        "high95",
    ]
    print(f"Caseload forecast backtest on {args.data}: origins {first}-01 .. {args.year}-12, "
          f"new plans {args.new_plans}, one-step errors {args.error_scale}, ceasing deviation carried over {args.deviation_months} months "
          f"(0: off)\n")
    print(detail[cols + ["in80", "in95"]].round(1).to_string(index=False))
    summary = forecast.backtest_flow_forecast_summary(res)
    print("\nSummary by horizon (months)")
    print(summary.round(2).to_string())
    all80 = 100.0 * res["in80"].mean()
    all95 = 100.0 * res["in95"].mean()
    print(f"\nAll horizons: 80% interval coverage {all80:.1f}%, 95% interval coverage {all95:.1f}%")
    by_half_year(res)
    baselines(extract, origins, res)
    next_january(extract, args.sims, new_plans=args.new_plans, error_scale=args.error_scale,
                 deviation_months=args.deviation_months)
    if args.decompose:
        decompose(extract, origins, args.sims, args.error_scale, args.deviation_months, args.new_plans)
    if args.compare:
        compare(extract, origins, args.sims)
    return 0


HORIZONS = (2, 6, 12)


def baselines(extract, origins, res: pd.DataFrame) -> None:
    """The model against the naive baselines on the same origins and horizons, and the targets
    (:func:`sendlib.forecast.flow_forecast_scorecard` and :func:`~sendlib.forecast.flow_forecast_targets`,
    as ``sendlib forecast-backtest`` prints them)."""
    base = forecast.backtest_baselines(extract, origins, horizons=HORIZONS)
    s = forecast.flow_forecast_scorecard(res, base)
    table = s[["n", "mape_pct", "coverage80_pct", "coverage95_pct", "z_rms"]].unstack("horizon")
    print("\nModel and baselines by horizon (months): MAPE %, 80% and 95% coverage %, z_rms (model)")
    print(table.round(2).to_string())
    model = s.loc[forecast.FLOW_MODEL]
    targets = forecast.flow_forecast_targets(s)
    for h, met in targets["mape_below_every_baseline"].items():
        others = s.xs(h, level="horizon").drop(forecast.FLOW_MODEL)["mape_pct"]
        print(f"target MAPE at {h} months below every baseline: {'met' if met else 'NOT met'} "
              f"({model.loc[h, 'mape_pct']:.2f}% vs best baseline {others.min():.2f}%)")
    lo, hi = forecast.TARGET_COVERAGE80
    met = all(targets["coverage80_in_band"].values())
    print(f"target 80% coverage {lo:.0f}-{hi:.0f}% at every horizon: {'met' if met else 'NOT met'} "
          f"({', '.join(f'{h}: {c:.1f}%' for h, c in model['coverage80_pct'].items())})")


def by_half_year(res: pd.DataFrame) -> None:
    """The model's calibration by the origin's half-year (January-June, July-December) and horizon:
    origins, root mean square error and mean simulated sd (plans), z_rms and outcomes inside the 80%
    interval. The one-step errors are seasonal, so the two halves can err in opposite directions."""
    half = res["origin"].dt.month.map(lambda m: "Jan-Jun" if m <= 6 else "Jul-Dec").rename("origins")
    g = res.assign(_e2=res["error"] ** 2, _z2=(res["error"] / res["sd"].where(res["sd"] > 0)) ** 2).groupby(
        [half, res["horizon"]]
    )
    table = pd.DataFrame(
        {
            "n": g.size(),
            "rms_error": g["_e2"].mean() ** 0.5,
            "mean_sd": g["sd"].mean(),
            "z_rms": g["_z2"].mean() ** 0.5,
            "inside80": g["in80"].sum(),
        }
    )
    print("\nThe model by the origin's half-year: rms error and mean simulated sd (plans), z_rms, inside 80%")
    print(table.round(2).to_string())


def next_january(extract, sims: int, **options) -> None:
    """The forecast for the next January from the extract's last full month (central and 80% interval),
    and the carried ceasing deviation when it is on."""
    as_of = sendlib.periods.last_full_month(extract.as_of)
    fc = forecast.forecast_caseload(extract, as_of, n_sims=sims, seed=config.DEFAULT_SEED, **options)
    vs = forecast.forecast_vs_plan(fc, extract.plan_trajectory)
    m = fc.model
    extra = ""
    if m.deviation_months:
        extra = (f"; ceasing deviation over the last {m.deviation_months} months {m.ceasing_deviation:+.3f}, "
                 f"carried {m.deviation_carry[0]:.2f} / {m.deviation_carry[5]:.2f} / {m.deviation_carry[11]:.2f} "
                 f"at 1 / 6 / 12 months")
    print(f"\nForecast made at {as_of:%Y-%m-%d} for {vs['date']:%B %Y}: {vs['forecast']:,.2f} "
          f"(80% {vs['low80']:,.0f}-{vs['high80']:,.0f}, 95% {vs['low95']:,.0f}-"
          f"{vs['high95']:,.0f}){extra}")


def decompose(
    extract, origins, sims: int, error_scale: str = "constant", deviation_months: int = 0, new_plans: str = NEW_PLANS_DEFAULT
) -> None:
    """Mean over the origins of the simulated spread (sd, plans) at each horizon with only one source of
    uncertainty switched on, every source together, and each source's share of the summed variance."""
    rows = []
    for origin in origins:
        model = forecast.estimate_flow_model(
            extract, origin, error_scale=error_scale, deviation_months=deviation_months, new_plans=new_plans
        )
        c = forecast.interval_components(
            model, end=origin + pd.DateOffset(months=max(HORIZONS)), n_sims=sims, seed=config.DEFAULT_SEED
        )
        for h in HORIZONS:
            rows.append({"horizon": h, **c.iloc[h - 1].to_dict()})
    sd = pd.DataFrame(rows).groupby("horizon").mean()
    var = sd[list(forecast.COMPONENTS)] ** 2
    share = (100.0 * var.div(var.sum(axis=1), axis=0)).add_prefix("share_pct_")
    print("\nSpread of the simulated caseload by source (sd in plans, mean over origins; share of the summed variance)")
    print(pd.concat([sd, share], axis=1).round(1).to_string())


VARIANTS = (
    {"new_plans": "requests", "ceasing": "seasonal"},
    {"new_plans": "requests", "ceasing": "recent", "recent_months": 3},
    {"new_plans": "requests", "ceasing": "recent", "recent_months": 12},
    {"new_plans": "issue_rate", "ceasing": "seasonal", "recent_months": 3},
    {"new_plans": "issue_rate", "ceasing": "seasonal", "recent_months": 12},
    {"new_plans": "issue_rate", "ceasing": "recent", "recent_months": 3},
    {"new_plans": "issue_rate", "ceasing": "recent", "recent_months": 12},
    {"new_plans": "combined", "ceasing": "seasonal", "recent_months": 3},
)


def compare(extract, origins, sims: int) -> None:
    """One line per model variant: backtest MAPE and coverage, and the forecast for the next January."""
    as_of = sendlib.periods.last_full_month(extract.as_of)
    rows = []
    for opts in VARIANTS:
        res = forecast.backtest_flow_forecast(extract, origins, n_sims=sims, seed=config.DEFAULT_SEED, **opts)
        s = forecast.backtest_flow_forecast_summary(res)
        fc = forecast.forecast_caseload(extract, as_of, n_sims=sims, seed=config.DEFAULT_SEED, **opts)
        vs = forecast.forecast_vs_plan(fc, extract.plan_trajectory)
        rows.append(
            {
                "new_plans": opts["new_plans"],
                "ceasing": opts["ceasing"],
                "recent_months": opts.get("recent_months", 3),
                "mape_2": s.loc[2, "mape_pct"],
                "mape_6": s.loc[6, "mape_pct"],
                "mape_12": s.loc[12, "mape_pct"],
                "cover80": 100.0 * res["in80"].mean(),
                "cover95": 100.0 * res["in95"].mean(),
                f"forecast_{vs['date']:%Y_%m}": vs["forecast"],
                "low80": vs["low80"],
                "high80": vs["high80"],
            }
        )
    print("\nModel variants (backtest origins as above; forecast from the extract's last full month)")
    print(pd.DataFrame(rows).round(2).to_string(index=False))


if __name__ == "__main__":
    sys.exit(main())
