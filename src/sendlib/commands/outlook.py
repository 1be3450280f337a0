"""``sendlib outlook [--data DIR] [--mapping FILE] [--period YYYY-MM] [--target-year YYYY-YY]
[--target zero|agreed] [--scenarios FILE] [--json]``: the Safety Valve outlook.

A thin wrapper over :mod:`sendlib.outlook` and :mod:`sendlib.panel` (same seed and data cut-off as
``sendlib headlines``, so the deficit figures equal its ``deficit_*`` keys).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from sendlib import config, disclosure
from sendlib.errors import UsageError

DESCRIPTION = f"""\
The Safety Valve outlook from an extract folder, using only data dated on or before the period.

Deficit path (sendlib.outlook.deficit): for every financial year of budget.csv to the agreement's last
year, spend (actual, then forecast: placement spend net of partner contributions plus budget.csv's
other_high_needs_spend), the HNB budget, the in-year deficit, the DfE contribution, the cumulative
deficit at 31 March with its 80% interval, the agreed cumulative deficit and the gap (pounds; positive
is worse than agreed); the year the cumulative deficit is forecast to reach zero, with its interval.

Scenarios: from --scenarios FILE, else scenarios.toml in the extract folder, else the default set
(see the README's "Safety Valve outlook"): each one's cumulative deficit at the end of the agreement,
its gap, zero year and difference from the current trend (central paths).

What would it take (sendlib.outlook.solve): for --target zero (cumulative deficit at £0) or agreed
(back on the agreed path) by --target-year (default: the agreement's last year), the value of each
lever alone, the others at trend, found with a root finder on the central path, or "not reachable
with this lever alone"; and the agreement reprofiled from the current
position (agreed profile + the gap at the end of the current financial year).

Expenditure panel (sendlib.panel; only when the extract has panel_decisions): decisions and annual
value reviewed, agreed and not committed (not committed is not saved: a deferred decision may come
back), by decision and category, per week, and agreed new placements against the forecast's cost.

Reproducible: random draws use sendlib's fixed seed ({config.DEFAULT_SEED}).

Disclosure control: a panel count of decisions from 1 to {disclosure.DEFAULT_THRESHOLD - 1} is shown as
{disclosure.SUPPRESSED} with the values it carries (null in --json, listed under "suppressed"), with secondary
suppression along the totals. Deficit figures are sums over the whole High Needs Block, not counts of
children.

Exit codes: 0 done; 1 data problem (the extract cannot be used, it has no budget.csv, or the
scenarios file is not valid); 2 usage error.
"""


def register(subparsers) -> None:
    from sendlib import cli

    p = subparsers.add_parser(
        "outlook",
        help="Safety Valve outlook: deficit path to the end of the agreement, scenarios, what it would take, panel",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_extract_arguments(p, "last month of data used (default: the extract's last full month)")
    p.add_argument(
        "--target-year",
        metavar="YYYY-YY",
        default=None,
        help="financial year of the target (default: the last year of budget.csv)",
    )
    p.add_argument(
        "--target",
        choices=("zero", "agreed"),
        default="zero",
        help="cumulative deficit at zero, or back on the agreed path (default: zero)",
    )
    p.add_argument(
        "--scenarios",
        metavar="FILE",
        default=None,
        help="scenarios TOML (default: scenarios.toml in the extract folder, else the built-in set)",
    )
    p.add_argument("--json", action="store_true", help="print JSON (sorted keys, numbers as numbers)")
    p.set_defaults(func=run)


def _check_period(extract, period_end, option) -> None:
    """Refuse a period before budget.csv's first financial year (no deficit path to report)."""
    from sendlib import periods
    from sendlib.outlook import deficit

    try:
        first = deficit.budget_years(extract.budget).index[0]
    except ValueError:
        return  # no budget: reported as a data problem elsewhere
    start = periods.financial_year_bounds(first)[0]
    if periods.month_end(period_end) < start:
        raise UsageError(
            f"--period {option or periods.period_label(period_end)} is before budget.csv's first financial "
            f"year {first} (from {periods.period_label(start)}): give a month from "
            f"{periods.period_label(start)} on, or add the earlier years to budget.csv"
        )


def run(args) -> int:
    from sendlib import cli, periods
    from sendlib.errors import DataError
    from sendlib.outlook import scenarios as sc

    period = cli.month_option(args.period, "--period")
    target_year = None
    if args.target_year is not None:
        try:
            target_year = periods.normalise_financial_year(args.target_year)
            periods.financial_year_bounds(target_year)
        except (ValueError, TypeError) as exc:
            raise UsageError(
                f"--target-year {args.target_year!r} is not a financial year; write e.g. 2030-31"
            ) from exc
    scenarios_path = cli.input_path(args.scenarios, "--scenarios") if args.scenarios else None
    data_dir = cli.data_folder(args.data)
    extract = cli.load_usable_extract(data_dir, cli.mapping_file(args.mapping))
    if extract.budget is None or extract.budget.empty:
        raise DataError(
            f"the extract in {data_dir} has no budget.csv: the deficit path needs one (see the README)"
        )
    period_end = cli.report_period(extract, period)
    _check_period(extract, period_end, args.period)
    try:
        chosen = sc.load_scenarios(scenarios_path, data_dir)
    except ValueError as exc:
        raise DataError(str(exc)) from exc
    report = outlook_report(extract, period_end, target_year, args.target, chosen)
    print(json.dumps(report, indent=2, sort_keys=True) if args.json else format_report(report, data_dir))
    return 0


def _year(fy: str | None) -> str:
    """A financial year for the text output, or "not reached" when it is missing (None)."""
    return fy or "not reached"


def _r(x, digits: int = 2):
    if x is None:
        return None
    x = float(x)
    return None if x != x else round(x, digits)


def _panel_rows(table, threshold: int, path: str, suppressed: list) -> list[dict]:
    """A panel breakdown as JSON rows: decisions of 1 to threshold-1 and the values they carry null."""
    from sendlib import panel

    money = [
        c for c in (*panel.MONEY, "cumulative_value_reviewed", "share_of_decisions") if c in table.columns
    ]
    col_total = "Total" if "Total" in table.index else None
    mask = disclosure.suppression_mask(table, threshold, columns=["decisions"], col_total=col_total)
    dep = disclosure.dependent_mask(
        mask,
        dict.fromkeys(money, "decisions"),
        sums_shown=[c for c in panel.MONEY if c in money],
        counts=table,
    )
    if "cumulative_value_reviewed" in money:
        # a running total hides from the first row hiding anything on (else it gives the value back)
        weeks = (table.index != "Total") if col_total else np.ones(len(table), dtype=bool)
        hidden = (mask["decisions"].to_numpy() | dep[money].to_numpy().any(axis=1)) & weeks
        dep["cumulative_value_reviewed"] = panel.cumulative_hidden(hidden) | dep["cumulative_value_reviewed"].to_numpy()
    rows = []
    for i, (label, row) in enumerate(table.iterrows()):
        key = label.strftime("%Y-%m-%d") if hasattr(label, "strftime") else str(label)
        out = {"label": key, "decisions": None if mask["decisions"].iloc[i] else int(row["decisions"])}
        if mask["decisions"].iloc[i]:
            suppressed.append(f"{path}.{key}.decisions")
        for c in money:
            hide = bool(dep[c].iloc[i])
            out[c] = None if hide else _r(row[c], 4 if c == "share_of_decisions" else 2)
            if hide:
                suppressed.append(f"{path}.{key}.{c}")
        rows.append(out)
    return rows


def panel_report(extract, period_end, threshold: int = disclosure.DEFAULT_THRESHOLD) -> dict:
    """The panel part of the report (``present`` False with a message when there is no table)."""
    from sendlib import panel

    if not panel.has_panel(extract):
        return {
            "present": False,
            "message": "the extract has no panel_decisions table: no expenditure panel figures",
        }
    p = extract.panel_decisions
    s = panel.panel_summary(p, period_end)
    suppressed: list[str] = []
    small = disclosure.any_small_count(s["decisions"], threshold=threshold)
    summary = {
        "first_decision": None if s["first_decision"] is None else s["first_decision"].strftime("%Y-%m-%d"),
        "decisions": None if small else s["decisions"],
        "value_reviewed": None if small else _r(s["value_reviewed"]),
        "value_agreed": None if small else _r(s["value_agreed"]),
        "value_not_committed": None if small else _r(s["value_not_committed"]),
        "share_deferred": None if small or s["share_deferred"] is None else _r(s["share_deferred"], 4),
    }
    if small:
        suppressed += [
            f"panel.summary.{k}" for k, v in summary.items() if v is None and k != "first_decision"
        ]
    weekly = panel.panel_weekly(p, period_end)
    vs = panel.agreed_vs_forecast(extract, period_end)
    vs_small = disclosure.any_small_count(vs["new_placements_agreed"], threshold=threshold)
    return {
        "present": True,
        "summary": summary,
        "by_decision": _panel_rows(
            panel.panel_breakdown(p, "decision", period_end), threshold, "panel.by_decision", suppressed
        ),
        "by_category": _panel_rows(
            panel.panel_breakdown(p, "category", period_end), threshold, "panel.by_category", suppressed
        ),
        "weekly": _panel_rows(weekly, threshold, "panel.weekly", suppressed),
        "new_placements_vs_forecast": {
            "new_placements_agreed": None if vs_small else vs["new_placements_agreed"],
            "mean_agreed": None if vs_small else _r(vs["mean_agreed"]),
            "forecast_cost_new": _r(vs["forecast_cost_new"]),
            "difference": None if vs_small else _r(vs["difference"]),
        },
        "suppressed": suppressed,
        "note": "not committed is not the same as saved: a deferred decision may come back",
    }


def outlook_report(extract, period_end, target_year, target, chosen) -> dict:
    """The command's figures as a JSON-ready dict (pounds to 0.01; module docstring)."""
    from sendlib import periods
    from sendlib.outlook import deficit, headline, scenarios, solve

    pe = periods.month_end(period_end)
    base = deficit.prepare(extract, pe)
    o = deficit.outlook_from_base(base, n_sims=headline.SIMS)
    years = list(o.table.index)
    target_year = target_year or years[-1]
    if target_year not in years:
        raise UsageError(
            f"--target-year {target_year} is not a year of budget.csv ({years[0]} to {years[-1]})"
        )
    path = [
        {
            "financial_year": fy,
            "basis": row["basis"],
            **{c: _r(row[c]) for c in deficit.COLUMNS if c != "basis"},
        }
        for fy, row in o.table.iterrows()
    ]
    agreed = o.table["planned_cumulative_deficit"].to_numpy()[None, :]
    current = periods.financial_year(pe)
    first = years.index(current) if current in years else 0
    _, summary = scenarios.compare_scenarios(base, chosen)
    levers = []
    for lever in solve.LEVERS:
        r = solve.what_would_it_take(base, lever, target_year, target)
        levers.append(
            {
                "lever": lever,
                "label": solve.LEVERS[lever].label,
                "status": r["status"],
                "trend": _r(r["trend"], 6),
                "value": _r(r["value"], 6 if lever != "saving" else 2),
                "range": [_r(r["low"], 6), _r(r["high"], 2)],
                "sentence": solve.lever_sentence(r),
            }
        )
    reprofiled = deficit.reprofiled_path(o)
    return {
        "period": periods.period_label(pe),
        "financial_year": current,
        "agreement_last_year": years[-1],
        "deficit_path": path,
        "zero_year": {
            "forecast": o.zero_year,
            "low80": o.zero_year_low80,
            "high80": o.zero_year_high80,
            "agreed": deficit.zero_years(agreed, years, first)[0],
        },
        "scenarios": [
            {
                "name": name,
                "cumulative_deficit_end": _r(row["cumulative_deficit_end"]),
                "gap_end": _r(row["gap_end"]),
                "difference_from_trend": _r(row["difference_from_trend"]),
                "zero_year": row["zero_year"],
            }
            for name, row in summary.iterrows()
        ],
        "what_would_it_take": {
            "target": target,
            "target_year": target_year,
            "in_words": solve.target_words(target, target_year),
            "levers": levers,
        },
        "reprofiled_path": [
            {"financial_year": fy, **{c: _r(v) for c, v in row.items()}} for fy, row in reprofiled.iterrows()
        ],
        "panel": panel_report(extract, pe),
    }


def format_report(report: dict, data_dir) -> str:
    """The report as text tables (pounds as £12.3m, suppressed values as [c])."""
    from sendlib import formatting as f

    money = f.pounds_short
    lines = [
        f"Safety Valve outlook, {data_dir}, data to {f.period(report['period'])}",
        "",
        "Deficit path (pounds at 31 March; 80% interval in brackets)",
        f"{'year':9} {'basis':18} {'spend':>9} {'budget':>9} {'in-year':>9} {'DfE':>8} "
        f"{'cumulative':>10} {'(80%)':>19} {'agreed':>9} {'gap':>9}",
    ]
    for r in report["deficit_path"]:
        band = f"({money(r['cumulative_low80'])} to {money(r['cumulative_high80'])})"
        lines.append(
            f"{r['financial_year']:9} {r['basis']:18} {money(r['spend']):>9} {money(r['hnb_budget']):>9} "
            f"{money(r['in_year_deficit']):>9} {money(r['safety_valve_contribution']):>8} "
            f"{money(r['cumulative_deficit']):>10} {band:>19} {money(r['planned_cumulative_deficit']):>9} "
            f"{money(r['gap']):>9}"
        )
    z = report["zero_year"]
    last = report["agreement_last_year"]
    if z["forecast"]:
        lines.append(
            f"Zero year: {z['forecast']} (80% interval {_year(z['low80'])} to {_year(z['high80'])}); "
            f"agreed: {_year(z['agreed'])}"
        )
    else:
        lines.append(f"Zero year: not reached by {last} on current trends; agreed: {_year(z['agreed'])}")
    lines += [
        "",
        f"Scenarios (cumulative deficit at the end of {last}, central paths)",
        f"{'scenario':52} {'cumulative':>10} {'gap':>9} {'vs trend':>9} {'zero year':>11}",
    ]
    for s in report["scenarios"]:
        lines.append(
            f"{s['name'][:52]:52} {money(s['cumulative_deficit_end']):>10} {money(s['gap_end']):>9} "
            f"{f.signed(s['difference_from_trend'], money):>9} {_year(s['zero_year']):>11}"
        )
    w = report["what_would_it_take"]
    lines += ["", f"What would it take, {w['in_words']} (one lever alone, others at trend):"]
    lines += [f"- {lv['sentence']}" for lv in w["levers"]]
    lines += [
        "",
        "Reprofiled path (the agreed profile from the gap at the end of the current financial year)",
        f"{'year':9} {'agreed':>9} {'gap':>9} {'reprofiled':>10} {'in-year allowed':>15}",
    ]
    for r in report["reprofiled_path"]:
        lines.append(
            f"{r['financial_year']:9} {money(r['agreed_cumulative_deficit']):>9} {money(r['gap']):>9} "
            f"{money(r['reprofiled_cumulative_deficit']):>10} {money(r['reprofiled_in_year_deficit']):>15}"
        )
    p = report["panel"]
    lines.append("")
    if not p["present"]:
        lines.append(f"Expenditure panel: {p['message']}.")
        return "\n".join(lines)
    s = p["summary"]
    c = disclosure.SUPPRESSED

    def show(v, fmt):
        return c if v is None else fmt(v)

    lines.append(
        f"Expenditure panel since {s['first_decision']}: {show(s['decisions'], f.count)} decisions, "
        f"{show(s['value_reviewed'], money)} a year reviewed, {show(s['value_agreed'], money)} agreed, "
        f"{show(s['value_not_committed'], money)} not committed ({p['note']}); "
        f"{show(s['share_deferred'], f.percent)} of decisions deferred"
    )
    for name in ("by_decision", "by_category"):
        lines.append(f"{'':32} {'decisions':>9} {'reviewed':>9} {'agreed':>9} {'not committed':>13}")
        for r in p[name]:
            lines.append(
                f"{r['label'][:32]:32} {show(r['decisions'], f.count):>9} {show(r['value_reviewed'], money):>9} "
                f"{show(r['value_agreed'], money):>9} {show(r['value_not_committed'], money):>13}"
            )
    v = p["new_placements_vs_forecast"]
    lines.append(
        f"Agreed new placements: {show(v['new_placements_agreed'], f.count)}, mean "
        f"{show(v['mean_agreed'], f.pounds)} a year against the forecast's {f.pounds(v['forecast_cost_new'])} "
        "for a new placement"
    )
    return "\n".join(lines)
