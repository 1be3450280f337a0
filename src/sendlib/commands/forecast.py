"""``sendlib forecast [--data DIR] [--mapping FILE] [--period YYYY-MM] [--to YYYY-MM] [--json]``: the
caseload forecast.

A thin wrapper over :mod:`sendlib.forecast`, called as :func:`sendlib.forecast.headline_section` calls
it (same data cut-off, default horizon and seed), so the figures equal ``sendlib headlines``'.
"""

from __future__ import annotations

import argparse
import json

from sendlib import config, disclosure, formatting
from sendlib.errors import UsageError

DESCRIPTION = f"""\
The EHCP caseload forecast from an extract folder, using only data dated on or before the period.

Months: from the month after --period (default: the extract's last full month) to --to (default:
the next January, the month the headline ehcp_forecast_next_january reports).

Caseload (sendlib.forecast.forecast_caseload, a cohort-flow model: new plans, half
conversion x requests and half the recent issue rate, less seasonal ceasing):
active EHCPs at each month end (plans, management-information count), the central forecast and
its 80% (10th-90th percentile) and 95% (2.5th-97.5th) intervals over the simulated paths, with
new and ceased plans in the month (plans per month). The Safety Valve plan for the same month comes
from the extract's plan_trajectory (blank when absent) and "forecast - plan" is plans above the
plan (positive is worse; "above plan" in the table).

Spend (sendlib.forecast.forecast_fy_spend): the outturn of High Needs spend in the financial year
containing the period (pounds): placement spend net of health and social-care contributions (actual
to the period, forecast to March) plus budget.csv's other_high_needs_spend for the year when given,
with 80% and 95% intervals, against budget.csv's HNB budget and Safety Valve overspend cap when the
extract has a budget.

Reproducible: random draws use sendlib's fixed seed ({config.DEFAULT_SEED}), so every run prints the
same numbers, equal to `sendlib headlines` for the same period. The simulation runs to the end of
the next financial year, as the headline's does; months after that (a later --to) come from a
longer run with the same seed, spliced on (the central forecast is the same either way).

Disclosure control (decision, as in headlines.csv): the one actual count shown, active plans at the
period end, is shown as {disclosure.SUPPRESSED} (null in --json, listed under "suppressed") when it is
from 1 to {disclosure.DEFAULT_THRESHOLD - 1}. The forecast starts from those plans and the spend from their
placements, so a forecast of so few plans gives the count back (1 plan: forecast 1, 80% interval 1
to 1) and the spend is about those children: then every forecast figure of plans (forecast,
intervals, new, ceased, above plan) and the spend outturn, its intervals and the overspends are
shown as {disclosure.SUPPRESSED} too (null in --json, listed under "suppressed" as months.<YYYY-MM>.<field>
and spend.<field>), and the output says so. The Safety Valve plan, the budget, the cap and other
high-needs spend come from the extract's plan and budget files and are shown. Otherwise forecasts
are model estimates, not counts of children, and are not suppressed.

Exit codes: 0 done; 1 data problem (the default folder is missing, the extract cannot be used);
2 usage error (a bad option value, a --data folder or --mapping file that does not exist, a
mapping file that is not valid).
"""


def register(subparsers) -> None:
    from sendlib import cli

    p = subparsers.add_parser(
        "forecast",
        help="EHCP caseload forecast with 80%%/95%% intervals, Safety Valve plan, and FY spend vs budget",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_extract_arguments(p, "last month of data used (default: the extract's last full month)")
    p.add_argument(
        "--to",
        metavar="YYYY-MM",
        default=None,
        help="last month forecast (default: the next January after the period)",
    )
    p.add_argument("--json", action="store_true", help="print JSON (sorted keys, numbers as numbers)")
    p.set_defaults(func=run)


def run(args) -> int:
    from sendlib import cli, periods

    period = cli.month_option(args.period, "--period")
    to = cli.month_option(args.to, "--to")
    if period is not None and to is not None and to <= period:
        raise UsageError(
            f"--to {args.to} is not after --period {args.period}: the forecast starts the month after the "
            "period; give a later --to"
        )
    data_dir = cli.data_folder(args.data)
    extract = cli.load_usable_extract(data_dir, cli.mapping_file(args.mapping), args.as_of)
    period_end = cli.report_period(extract, period)
    if to is None:
        to = periods.next_january(period_end)
    elif to <= period_end:
        raise UsageError(
            f"--to {args.to} is not after the period {periods.period_label(period_end)} (the extract's last "
            "full month): the forecast starts the month after it; give a later --to"
        )
    report = forecast_report(extract, period_end, to)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(format_report(report, data_dir))
    return 0


def _round(x, digits: int):
    """``round(float(x), digits)`` as the headlines round; None (and NaN) stay None."""
    if x is None:
        return None
    x = float(x)
    return None if x != x else round(x, digits)


#: Fields of a ``months`` row that are forecasts of plans: hidden when the active count is.
HIDDEN_MONTH_FIELDS: tuple[str, ...] = (
    "forecast", "low80", "high80", "low95", "high95", "new_plans", "ceased_plans", "forecast_vs_plan",
)

#: Fields of ``spend`` worked out from the active plans' placements: hidden when the active count is
#: (as ``fy_forecast_spend`` and the overspends in headlines.csv). Budget, cap and other high-needs
#: spend come from budget.csv.
HIDDEN_SPEND_FIELDS: tuple[str, ...] = (
    "outturn", "placement_outturn", "outturn_low80", "outturn_high80", "outturn_low95", "outturn_high95",
    "overspend", "overspend_vs_cap",
)


def forecast_report(extract, period_end, to) -> dict:
    """The command's figures as a JSON-ready dict, rounded as the headlines: plans to whole plans
    (:func:`sendlib.forecast.in_whole_plans`: rounded once, so the table and the JSON agree and the gap
    is forecast - plan as printed), pounds to 0.01.

    ``months``: one row per month end after ``period_end`` up to ``to``: ``forecast``, ``low80``,
    ``high80``, ``low95``, ``high95`` (active plans at month end), ``new_plans`` and ``ceased_plans``
    (plans in the month), ``plan`` (Safety Valve trajectory, None if absent) and ``forecast_vs_plan``.
    ``spend``: :func:`sendlib.forecast.forecast_fy_spend` of the headline forecast (pounds).
    When the active plans at ``period_end`` are from 1 to ``DEFAULT_THRESHOLD - 1`` they are None, and so
    are :data:`HIDDEN_MONTH_FIELDS` and :data:`HIDDEN_SPEND_FIELDS`; ``suppressed`` lists their paths.
    """
    import pandas as pd

    from sendlib import forecast, periods

    pe = periods.month_end(period_end)
    to = periods.month_end(to)
    headline_fc = forecast.forecast_caseload(extract, pe)  # exactly as forecast.headline_section
    longer_fc = None
    if to > headline_fc.frame.index[-1]:
        longer_fc = forecast.forecast_caseload(extract, pe, end=to)
    months = []
    for d in periods.month_ends(pe + pd.offsets.MonthEnd(1), to):
        fc = headline_fc if d <= headline_fc.frame.index[-1] else longer_fc
        vs = forecast.in_whole_plans(forecast.forecast_vs_plan(fc, extract.plan_trajectory, d))
        row = fc.frame.loc[d]
        months.append(
            {
                "month": periods.period_label(d),
                "forecast": vs["forecast"],
                "low80": vs["low80"],
                "high80": vs["high80"],
                "low95": vs["low95"],
                "high95": vs["high95"],
                "new_plans": _round(row["new"], 0),
                "ceased_plans": _round(row["ceased"], 0),
                "plan": vs["plan"],
                "forecast_vs_plan": vs["gap"],
            }
        )
    spend = forecast.forecast_fy_spend(extract, forecast=headline_fc)
    active = int(headline_fc.model.active)
    report = {
        "period": periods.period_label(pe),
        "period_end": pe.strftime("%Y-%m-%d"),
        "to": periods.period_label(to),
        "seed": config.DEFAULT_SEED,
        "simulations": int(headline_fc.paths_active.shape[0] - 1),
        "active_plans_at_period_end": active,
        "suppressed": [],
        "months": months,
        "spend": {
            "financial_year": spend.financial_year,
            "outturn": _round(spend.outturn, 2),
            "placement_outturn": _round(spend.placement_outturn, 2),
            "other_high_needs_spend": _round(spend.other_spend, 2),
            "outturn_low80": _round(spend.outturn_low80, 2),
            "outturn_high80": _round(spend.outturn_high80, 2),
            "outturn_low95": _round(spend.outturn_low95, 2),
            "outturn_high95": _round(spend.outturn_high95, 2),
            "budget": _round(spend.budget, 2),
            "overspend": _round(spend.overspend, 2),
            "safety_valve_overspend_cap": _round(spend.cap, 2),
            "overspend_vs_cap": _round(spend.overspend_vs_cap, 2),
        },
    }
    if 1 <= active < disclosure.DEFAULT_THRESHOLD:
        report = suppress_forecast(report)
    return report


def suppress_forecast(report: dict) -> dict:
    """``report`` with the active count, :data:`HIDDEN_MONTH_FIELDS` of every month and
    :data:`HIDDEN_SPEND_FIELDS` set to None and their paths listed under ``suppressed``."""
    paths = ["active_plans_at_period_end"]
    paths += [f"months.{m['month']}.{f}" for m in report["months"] for f in HIDDEN_MONTH_FIELDS]
    paths += [f"spend.{f}" for f in HIDDEN_SPEND_FIELDS]
    return {
        **report,
        "active_plans_at_period_end": None,
        "suppressed": paths,
        "months": [{**m, **dict.fromkeys(HIDDEN_MONTH_FIELDS)} for m in report["months"]],
        "spend": {**report["spend"], **dict.fromkeys(HIDDEN_SPEND_FIELDS)},
    }


# ---------------------------------------------------------------------------------------------------
# Table output
# ---------------------------------------------------------------------------------------------------


def _plans(v) -> str:
    """Whole plans, as a committee paper gives them (the report's figures are already whole)."""
    return formatting.count(v)


def _pounds(v) -> str:
    return formatting.pounds(v, missing="n/a")


def _table(header, rows) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        cells = [f"{r[0]:<{widths[0]}}", *(f"{c:>{w}}" for c, w in zip(r[1:], widths[1:], strict=True))]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def format_report(report: dict, data_dir=None) -> str:
    """The report as text: the monthly caseload table and the financial-year spend, units in headers.

    Figures listed under ``suppressed`` are shown as ``[c]``, with a line saying why."""
    active = report["active_plans_at_period_end"]
    s = report["spend"]
    hidden = set(report["suppressed"])
    has_plan = any(m["plan"] is not None for m in report["months"])

    def plans(m: dict, field: str) -> str:
        return disclosure.SUPPRESSED if f"months.{m['month']}.{field}" in hidden else _plans(m[field])

    def interval(m: dict, low: str, high: str) -> str:
        if f"months.{m['month']}.{low}" in hidden:
            return disclosure.SUPPRESSED
        return f"{_plans(m[low])} to {_plans(m[high])}"

    def pounds(field: str) -> str:
        return disclosure.SUPPRESSED if f"spend.{field}" in hidden else _pounds(s[field])

    def pounds_interval(low: str, high: str) -> str:
        if f"spend.{low}" in hidden:
            return disclosure.SUPPRESSED
        return f"{_pounds(s[low])} to {_pounds(s[high])}"

    lines = [
        f"EHCP caseload forecast from {report['period_end']} to {report['to']}"
        + (f", data: {data_dir}" if data_dir is not None else ""),
        f"Active plans at {report['period_end']} (actual, count): "
        + (disclosure.SUPPRESSED if active is None else _plans(active)),
        f"Intervals from {_plans(report['simulations'])} simulated paths, seed {report['seed']} "
        "(the same numbers every run).",
    ]
    if "active_plans_at_period_end" in hidden:
        lines.append(
            f"Active plans at the period end are from 1 to {disclosure.DEFAULT_THRESHOLD - 1}: the forecast of plans "
            f"and the spend outturn, which would give that count back, are shown as {disclosure.SUPPRESSED}."
        )
    lines += [
        "",
        _table(
            [
                "Month end",
                "Forecast (plans)",
                "80% interval (plans)",
                "95% interval (plans)",
                "New (plans)",
                "Ceased (plans)",
                "Plan (plans)",
                "Above plan (plans)",
            ],
            [
                [
                    m["month"],
                    plans(m, "forecast"),
                    interval(m, "low80", "high80"),
                    interval(m, "low95", "high95"),
                    plans(m, "new_plans"),
                    plans(m, "ceased_plans"),
                    _plans(m["plan"]) or "not in plan",
                    plans(m, "forecast_vs_plan") or "n/a",
                ]
                for m in report["months"]
            ],
        ),
    ]
    lines.append(
        "Forecast and plan: active plans at month end; new and ceased: plans in the month; plan: the Safety "
        "Valve trajectory; above plan = forecast - plan."
        if has_plan
        else "The extract has no Safety Valve plan (plan_trajectory) for these months."
    )
    lines.append("Each figure is rounded to whole plans on its own, so new less ceased may not match the change.")
    lines += [
        "",
        f"Financial year {s['financial_year']}: high-needs outturn, pounds (placements net of partner "
        "contributions" + (", plus other high-needs spend from budget.csv)" if s["other_high_needs_spend"] else
                           "; budget.csv gives no other high-needs spend)"),
        _table(
            ["Measure", "Pounds (£)"],
            [
                *([["Placements", pounds("placement_outturn")],
                   ["Other high-needs spend", pounds("other_high_needs_spend")]]
                  if s["other_high_needs_spend"] else []),
                ["Forecast outturn", pounds("outturn")],
                ["  80% interval", pounds_interval("outturn_low80", "outturn_high80")],
                ["  95% interval", pounds_interval("outturn_low95", "outturn_high95")],
                ["HNB budget", pounds("budget")],
                ["Forecast overspend (outturn - budget)", pounds("overspend")],
                ["Safety Valve overspend cap", pounds("safety_valve_overspend_cap")],
                ["Overspend beyond the cap (negative: within it)", pounds("overspend_vs_cap")],
            ],
        ),
    ]
    if s["budget"] is None:
        lines.append("The extract has no budget for this financial year (budget.csv): no comparison.")
    return "\n".join(lines)
