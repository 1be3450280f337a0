"""Build the report notebooks from the cell lists below (the notebooks are generated, not hand-edited).

    .venv/bin/python notebooks/_build.py            # write every notebook (no outputs)
    .venv/bin/python notebooks/_build.py --execute  # ... then run each on the sample with Papermill
                                                    # and normalise (python -m sendlib.notebook_hygiene)
    .venv/bin/python notebooks/_build.py 01 03      # only some notebooks

Each notebook: a title, ONE cell tagged ``parameters`` (literal defaults that run on the shipped
sample), a setup cell, then the story for a committee reader: headline sentence, trend chart, breakdown
(disclosure-controlled), what changed this month and why, caveats and definitions. Notebooks are thin:
every number comes from a sendlib function; the cells only choose, word and lay out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

PARAMETERS = '''\
data_dir = "data/sample"  # extract folder (relative to the project root, or absolute)
period = "2024-11"  # month reported on, YYYY-MM
suppress_below = 5  # counts from 1 to suppress_below - 1 are shown as [c]'''

SETUP = '''\
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import sendlib
from sendlib import backlog, caseload, config, cost, disclosure, forecast, periods, plots, sector
from sendlib.headlines import engine_section
from sendlib.refresh import load_for_report, suppressed_headlines

plots.apply_theme()
extract = load_for_report(data_dir)  # sendlib.load, sharing the copy a running refresh has loaded
period_end = periods.parse_period(period)
month = period_end.strftime("%B %Y")
SOURCE = "local authority case-management extract (management information)"


def show(table, **kwargs):
    """Display a disclosure-controlled table (identifiers refused, small counts shown as [c])."""
    display(disclosure.safe_table(table, threshold=suppress_below, **kwargs))


def show_cost_table(table):
    """A cost-per-place table: the money is about the placements with a recorded cost, so it is hidden
    when either count is small; the "With a recorded cost" column only when some cost is blank."""
    counts = ["Placements", "With a recorded cost"]
    if (table["Placements"] == table["With a recorded cost"]).all():
        table, counts = table.drop(columns="With a recorded cost"), counts[:1]
    money = ["Mean cost per place", "Committed cost"]
    show(table, counts=counts, money=money, dependents=dict.fromkeys(money, counts))'''


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(text: str, tags: tuple[str, ...] = ()):
    cell = new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def header(title: str, intro: str, extra_parameters: str = "") -> list:
    params = PARAMETERS + ("\n" + extra_parameters if extra_parameters else "")
    return [
        md(f"# {title}\n\n{intro}"),
        code(params, tags=("parameters",)),
        code(SETUP),
    ]


# ---------------------------------------------------------------------------------------------------
# 00 data quality
# ---------------------------------------------------------------------------------------------------

NB00 = header(
    "Data quality of the monthly extract",
    "What arrived, what was set aside for checking, and whether the extract is complete enough to "
    "report on. Rows that fail a rule are quarantined (kept out of every figure) and listed for the "
    "data team by `sendlib validate`; no row is dropped silently.",
) + [
    md("## Headline"),
    code('''
counts = pd.DataFrame(extract.row_counts).T
rows_in, kept, quarantined = (int(counts[c].sum()) for c in ("rows_in", "rows_kept", "rows_quarantined"))
severity = pd.Series([i.severity for i in extract.issues], dtype="string").value_counts()
as_of = pd.Timestamp(extract.as_of).strftime("%d %B %Y") if extract.as_of is not None else "not given"
share = 100 * quarantined / rows_in if rows_in else 0.0
verdict = (
    "The extract can be used"
    if extract.usable
    else "The extract cannot be used until the blocking problems below are fixed"
)
display(Markdown(
    f"**{verdict}: {kept:,} of {rows_in:,} rows passed validation; "
    f"{plots.format_percent(share)} were set aside for checking.** "
    f"The extract is dated {as_of}; this report covers {month}. "
    f"Problems found: {int(severity.get('blocking', 0)):,} blocking, {int(severity.get('error', 0)):,} "
    f"quarantining a row, {int(severity.get('warning', 0)):,} warnings (value fixed or doubtful)."
))
'''),
    md("## Records over time\n\nA sudden gap or spike in new records usually means the extract is incomplete."),
    code('''
start = periods.month_end(period_end - pd.DateOffset(months=35))
months = periods.month_ends(start, period_end)
issued = caseload.plans_issued_by_month(extract.plans, months)
received = backlog.requests_received_by_month(extract.assessments, months)
fig = plots.trend_chart(
    {"Plans issued": issued, "Requests for assessment received": received},
    title=f"New records each month, {months[0]:%B %Y} to {month}",
    ylabel="Records per month (count)",
    source=SOURCE,
    period=f"calendar months to {month}",
    ymin=0,
)
plt.show()
'''),
    md("## Rows received and kept, by table"),
    code('''
# the case tables (one row per plan, placement or request); the planning inputs are described below
cases = counts.loc[[t for t in counts.index if t in ("plans", "placements", "assessments")]]
table = cases.rename_axis("table").reset_index()
table["table"] = table["table"].map(lambda t: t.replace("_", " ").capitalize())
show(
    table.set_index("table"),
    counts=["rows_in", "rows_kept", "rows_quarantined"],
    rename={"rows_in": "Rows received", "rows_kept": "Rows kept", "rows_quarantined": "Rows set aside"},
)
planning = [
    f"the {name.replace('_', ' ')} has {int(counts.loc[name, 'rows_kept']):,} usable rows"
    for name in ("plan_trajectory", "budget") if name in counts.index
]
display(Markdown(
    "Planning inputs: " + ("; ".join(planning) if planning else "none supplied (no Safety Valve plan or budget)") + "."
))
'''),
    md("## Problems found, by rule"),
    code('''
issues = pd.DataFrame(
    [{"table": i.table or "(extract)", "rule": i.rule, "severity": i.severity} for i in extract.issues],
    columns=["table", "rule", "severity"],
)
by_rule = issues.groupby(["table", "severity", "rule"]).size().rename("findings").reset_index()
if by_rule.empty:
    display(Markdown("No problems were found."))
else:
    show(by_rule.set_index(["table", "severity", "rule"]), counts=["findings"],
         rename={"findings": "Findings"})
'''),
    md("""
## Caveats and definitions

- **Source**: the local authority's case-management extract (management information, not the SEN2
  statutory return). **Period**: the extract date and the month reported on, above.
- **Severity**: *blocking* stops the refresh; *error* sets the row aside (quarantine) and it counts in
  no figure; *warning* keeps the row with a fixed or doubtful value; *info* is a note (e.g. a
  synonym mapped to its code).
- The quarantined rows themselves hold personal data and are written only to the analyst's
  `reports/validation/` folder, never to this report. Counts from 1 to 4 are shown as [c].
"""),
]

# ---------------------------------------------------------------------------------------------------
# 01 average cost
# ---------------------------------------------------------------------------------------------------

NB01 = header(
    "Average cost of an EHCP",
    "The management-information (MI) average: the annualised committed placement cost of the plans "
    "active at the month end, divided by the number of active plans (plans with no costed placement "
    "count with cost 0).",
) + [
    md("## Headline"),
    code('''
h = engine_section(extract, period_end)  # the caseload, cost and sector headline figures
hidden = suppressed_headlines(h, suppress_below)  # as in headlines.csv: small counts and what reveals them
plans = disclosure.count_phrase(h["ehcp_active"], suppress_below, hidden="ehcp_active" in hidden)
avg, change = h["avg_cost_per_ehcp"], h["avg_cost_per_ehcp_change"]
first_fall = " - the first fall this financial year" if h["avg_cost_per_ehcp_first_fall_in_financial_year"] else ""
if "avg_cost_per_ehcp" in hidden:
    display(Markdown(f"**The average cost of an EHCP is not shown: {plans} plans were active at the end of {month}.**"))
else:
    moved = f"in {month} was" if "avg_cost_per_ehcp_change" in hidden else f"{plots.change_phrase(change, 'pounds')} in {month} to"
    display(Markdown(
        f"**The average annual cost of an EHCP {moved} {plots.format_pounds(avg)}"
        f"{'' if 'avg_cost_per_ehcp_change' in hidden else first_fall}.** "
        f"{plans.capitalize()} plans were active at the month end, with committed placement costs of "
        f"{plots.format_pounds_short(h['committed_cost'])} a year "
        f"({plots.format_pounds(h['avg_cost_per_ehcp_net'])} per plan net of health and social-care "
        "contributions)."
    ))
'''),
    md("## Trend"),
    code('''
start = periods.month_end(period_end - pd.DateOffset(months=23))
series = sendlib.monthly_series(extract, start=start, end=period_end)
year_change = series["avg_cost_per_ehcp"].iloc[-1] - series["avg_cost_per_ehcp"].iloc[-13] if len(series) > 12 else np.nan
fig = plots.trend_chart(
    series["avg_cost_per_ehcp"].rename("Average cost per EHCP"),
    title=f"The average cost per EHCP {plots.change_phrase(year_change, 'pounds')} over the year to {month}",
    ylabel="Pounds per plan per year",
    source=SOURCE,
    period=f"month-end snapshots, {series.index[0]:%B %Y} to {month}",
    kind="pounds",
)
plt.show()
'''),
    md("## Cost per place by type of setting\n\nMean annual cost of the current placements in each type of setting "
       "(definition 3; `sendlib.cost.cost_per_place_by_setting` gives the full SEN2 list)."),
    code('''
by_group = cost.cost_per_place_at(extract, period_end, by="group").sort_values("total_cost", ascending=False)
table = pd.DataFrame({
    "Type of setting": [plots.label(s) for s in by_group.index],
    "Placements": by_group["placements"].to_numpy(),
    "With a recorded cost": by_group["costed_placements"].to_numpy(),
    "Mean cost per place": by_group["mean_cost"].to_numpy(),
    "Committed cost": by_group["total_cost"].to_numpy(),
}).set_index("Type of setting")
show_cost_table(table)
'''),
    md("## What changed this month and why\n\nThe change in the average splits exactly into a **mix** effect "
       "(plans moving between types of setting), a **rate** effect (cost within each type changing) and "
       "their interaction."),
    code('''
dec = cost.average_cost_change_decomposition(extract, period_end)  # by setting, as in the headlines
prev_month = dec.previous.strftime("%B %Y")
parts = {"Mix": dec.mix, "Rate": dec.rate, "Interaction": dec.interaction}
main = max(parts, key=lambda k: abs(parts[k]))
fig = plots.waterfall_chart(
    (prev_month, dec.average_previous),
    parts,
    (month, dec.average_current),
    title=f"The {main.lower()} effect explains most of the change ({plots.format_pounds(parts[main])})",
    ylabel="Pounds per plan per year",
    source=SOURCE,
    period=f"month ends {prev_month} and {month}",
)
plt.show()
'''),
    code('''
cat = dec.by_category
top = cat.reindex(cat["total"].abs().sort_values(ascending=False).index).head(8)
table = pd.DataFrame({
    "Setting": [plots.label(g) for g in top.index],
    "Placements before": top["n0"].to_numpy(),
    "Placements now": top["n1"].to_numpy(),
    "Cost per place now": top["r1"].to_numpy(),
    "Mix effect": top["mix"].to_numpy(),
    "Rate effect": top["rate"].to_numpy(),
    "Total effect": top["total"].to_numpy(),
}).set_index("Setting")
display(Markdown(f"The eight settings that moved the average most, of {len(cat)} (pounds per plan per year):"))
# a row's cost and effects give back either of its counts from the other (and the headline plan
# counts), so they are hidden when either count is; the effects add up to the chart's parts above
show(
    table,
    counts=["Placements before", "Placements now"],
    money=["Cost per place now", "Mix effect", "Rate effect", "Total effect"],
    dependents={
        c: ["Placements before", "Placements now"]
        for c in ("Cost per place now", "Mix effect", "Rate effect", "Total effect")
    },
    sums_shown=["Mix effect", "Rate effect", "Total effect"],
)
'''),
    md("""
## Caveats and definitions

- **Source**: case-management extract (MI). **Period type**: month-end snapshots. **Denominator**: plans
  active at the month end, including plans with no current placement (counted at £0).
- **Cost**: annual placement cost and top-up named in the plan, gross of health and social-care
  contributions unless marked net; transport excluded. It is committed cost, not spend.
- Two other definitions exist and give different numbers: DfE's funding-formula £ per EHCP (the
  financial year's high-needs outturn over the January census count; it includes non-placement spend)
  and cost per place by setting (the table above).
- Counts from 1 to 4 are shown as [c], with the costs that would reveal them.
"""),
]

# ---------------------------------------------------------------------------------------------------
# 02 independent sector
# ---------------------------------------------------------------------------------------------------

NB02 = header(
    "Use of the independent sector",
    "Placements in independent special schools and non-maintained special schools (INMSS, the default "
    "definition), by count and by cost.",
) + [
    md("## Headline"),
    code('''
start = periods.month_end(period_end - pd.DateOffset(months=35))
series = sendlib.monthly_series(extract, start=start, end=period_end)
now = series.iloc[-1]
year_ago = series.iloc[-13] if len(series) > 12 else series.iloc[0]
ind, ind_year_ago = now["independent_placements"], year_ago["independent_placements"]
# as in headlines.csv: a share of a hidden count (with the plan count) gives it back, so it is hidden too
hidden = suppressed_headlines(
    {"ehcp_active": int(now["ehcp_active"]), "independent_placements": int(ind)}, suppress_below
)
shares = "" if "independent_share_count" in hidden else (
    f": {plots.format_percent(now['independent_share_count'])} of all plans but "
    f"{plots.format_percent(now['independent_share_cost'])} of committed placement cost"
)
more = []
if not disclosure.any_small_count(ind, ind_year_ago, threshold=suppress_below):
    more.append(f"The number {plots.change_phrase(ind - ind_year_ago)} over the year")
if "independent_share_special" not in hidden:
    more.append(
        f"these schools hold {plots.format_percent(now['independent_share_special'])} of all special-school places"
    )
after = "; ".join(more)
display(Markdown(
    f"**{disclosure.count_phrase(ind, suppress_below).capitalize()} children and young people were placed "
    f"in independent or non-maintained special schools at the end of {month}{shares}.**"
    + (f" {after[:1].upper()}{after[1:]}." if after else "")
))
'''),
    md("## Trend"),
    code('''
fig = plots.trend_chart(
    series["independent_placements"].rename("INMSS placements"),
    title=(
        "Independent special placements "
        f"{plots.change_phrase(now['independent_placements'] - series['independent_placements'].iloc[0])}"
        f" since {series.index[0]:%B %Y}"
    ),
    ylabel="Placements (count)",
    source=SOURCE,
    period=f"month-end snapshots, {series.index[0]:%B %Y} to {month}",
)
plt.show()
'''),
    code('''
fig = plots.trend_chart(
    {
        "Share of placement cost": series["independent_share_cost"],
        "Share of plans": series["independent_share_count"],
    },
    title="The independent sector's share of cost is far above its share of plans",
    ylabel="Per cent",
    source=SOURCE,
    period=f"month-end snapshots, {series.index[0]:%B %Y} to {month}",
    kind="percent",
    ymin=0,
    note="Shares of all active plans and of gross committed placement cost",
)
plt.show()
'''),
    md("## Cost per place by sector"),
    code('''
by_sector = cost.cost_per_place_by_sector(extract, period_end)
by_setting = cost.cost_per_place_by_setting(extract, period_end)["mean_cost"]
table = pd.DataFrame({
    "Sector": [plots.label(s) for s in by_sector.index],
    "Placements": by_sector["placements"].to_numpy(),
    "With a recorded cost": by_sector["costed_placements"].to_numpy(),
    "Mean cost per place": by_sector["mean_cost"].to_numpy(),
    "Committed cost": by_sector["total_cost"].to_numpy(),
}).set_index("Sector")
show_cost_table(table)
if {"special_independent", "special_la_maintained"} <= set(by_setting.index):
    ratio = by_setting["special_independent"] / by_setting["special_la_maintained"]
    display(Markdown(
        f"An independent special school place costs {ratio:.1f} times a maintained special school "
        f"place ({plots.format_pounds(by_setting['special_independent'])} against "
        f"{plots.format_pounds(by_setting['special_la_maintained'])} a year)."
    ))
'''),
    md("## What changed: new placements by sector, last six months"),
    code('''
months = periods.month_ends(period_end - pd.DateOffset(months=5), period_end)
new = sector.new_placements_by_month(extract, months, by="sector")
new = new.loc[:, new.sum() > 0]
new.columns = [plots.label(c) for c in new.columns]
new.index = [f"{d:%b %Y}" for d in new.index]
new = disclosure.add_totals(new, list(new.columns))
new.index.name = "Month"
show(new, counts=list(new.columns), row_total="Total", col_total="Total")
'''),
    md("""
## Caveats and definitions

- **Source**: case-management extract (MI). **Period type**: month-end snapshots; new placements are
  calendar-month flows (placements starting in the month).
- **Which settings count**: independent special schools plus non-maintained special schools (INMSS).
  A broader definition adding independent mainstream schools and specialist post-16 institutions is
  available in `sendlib.sector`. **Denominators**: share of plans = INMSS placements / all active plans;
  share of cost = INMSS committed cost / all committed placement cost (gross).
- Counts from 1 to 4 are shown as [c]; where a table has totals, a second cell is hidden so the first
  cannot be worked out.
"""),
]

# ---------------------------------------------------------------------------------------------------
# 03 backlog
# ---------------------------------------------------------------------------------------------------

NB03 = header(
    "Overdue assessments (the backlog)",
    "No official statistic of overdue assessments exists; sendlib defines it: a request for an EHC "
    "needs assessment still open at the month end (no plan issued, not refused, not closed) more than "
    "20 weeks (140 days) after it was received.",
) + [
    md("## Headline"),
    code('''
start = periods.month_end(period_end - pd.DateOffset(months=23))
months = periods.month_ends(start, period_end)
monthly = backlog.overdue_monthly(extract.assessments, months)
now, prev = monthly.iloc[-1], monthly.iloc[-2]
due = len(backlog.requests_due_to_breach(extract.assessments, period_end, weeks=4))
change = "" if disclosure.any_small_count(now["overdue"], prev["overdue"], threshold=suppress_below) else (
    f", {plots.change_phrase(now['overdue'] - prev['overdue'], up='up', down='down', unchanged='unchanged')}"
    " on the previous month"
)
overdue_now = "no" if now["overdue"] == 0 else disclosure.count_phrase(now["overdue"], suppress_below)
display(Markdown(
    f"**{overdue_now.capitalize()} assessments were overdue at "
    f"the end of {month}{change}** "
    f"({disclosure.count_phrase(now['overdue_excl_exceptions'], suppress_below)} excluding cases where a "
    "legal exception applies). "
    f"A further {disclosure.count_phrase(due, suppress_below)} open requests will pass 20 weeks in the next "
    "four weeks."
))
'''),
    md("## Trend"),
    code('''
fig = plots.trend_chart(
    {"All overdue": monthly["overdue"], "Excluding exceptions": monthly["overdue_excl_exceptions"]},
    title=f"Overdue assessments {plots.change_phrase(now['overdue'] - monthly['overdue'].iloc[0])} since {months[0]:%B %Y}",
    ylabel="Requests open over 20 weeks (count)",
    source=SOURCE,
    period=f"month-end snapshots, {months[0]:%B %Y} to {month}",
    ymin=0,
)
plt.show()
'''),
    md("## How long overdue, and at what stage"),
    code('''
bands = backlog.overdue_requests_by_age_band(extract.assessments, [period_end]).iloc[0]
stages = backlog.overdue_requests_by_stage(extract.assessments, [period_end]).iloc[0]
table = pd.DataFrame({"Overdue requests": bands.to_numpy()}, index=[plots.label(b) for b in bands.index])
table.index.name = "Time since request"
table = disclosure.add_totals(table, ["Overdue requests"], row_total=None, col_total="Total")
show(table, counts=["Overdue requests"], col_total="Total")
table = pd.DataFrame({"Overdue requests": stages.to_numpy()}, index=[plots.label(s) for s in stages.index])
table.index.name = "Stage"
table = disclosure.add_totals(table, ["Overdue requests"], row_total=None, col_total="Total")
show(table, counts=["Overdue requests"], col_total="Total")
'''),
    md("## What changed: requests in against assessments completed"),
    code('''
flow = backlog.backlog_flow(extract.assessments, months[-12:])
done = backlog.assessments_completed_by_month(extract.assessments, months[-12:])
frame = pd.DataFrame({
    "month": np.tile([f"{d:%b %y}" for d in flow.index], 2),
    "measure": ["Requests received"] * len(flow) + ["Assessments completed"] * len(flow),
    "count": np.concatenate([flow["received"].to_numpy(), done["completed"].to_numpy()]),
})
ratio = done["completed"].iloc[-6:].sum() / max(done["completed"].iloc[-12:-6].sum(), 1)
fig = plots.bar_chart(
    frame, x="month", y="count", hue="measure",
    title=f"Assessments completed in the last six months were {ratio:.1f} times the six months before",
    ylabel="Per month (count)",
    source=SOURCE,
    period=f"calendar months {flow.index[0]:%B %Y} to {month}",
)
plt.show()
'''),
    code('''
proj = backlog.project_backlog_clearance(extract.assessments, period_end, months=24)
display(Markdown(
    f"**At recent rates ({proj.intake:,.1f} requests a month in and {proj.throughput:,.1f} closed), "
    f"the overdue backlog {proj.outlook()}.** Clearing old cases issues them "
    "late, so it lowers the published 20-week rate in the year it happens, and adds plans (and cost)."
))
fig = plots.trend_chart(
    proj.monthly["overdue"].rename("Projected overdue"),
    title=f"At recent rates the backlog {proj.outlook()}",
    ylabel="Requests open over 20 weeks (count)",
    source=SOURCE,
    period=f"projection from {month}, 24 months",
    ymin=0,
    note="Stock-flow projection, oldest cases first, at the mean intake and closures of the last six months",
)
plt.show()
'''),
    code('''
effect = proj.rate_effect
if len(effect):
    table = pd.DataFrame({
        "Calendar year": effect.index.astype(str),
        "20-week rate, backlog not cleared": effect["rate_without_backlog"].to_numpy(),
        "20-week rate, backlog cleared": effect["rate_with_backlog"].to_numpy(),
        "Effect (percentage points)": effect["effect_pp"].round(1).to_numpy(),
    }).set_index("Calendar year")
    display(Markdown("Projected 20-week timeliness (DfE definition, excluding exceptions) of plans issued "
                     "in each calendar year, if the projected closures happen:"))
    show(table, percent=["20-week rate, backlog not cleared", "20-week rate, backlog cleared"])
'''),
    md("""
## Caveats and definitions

- **Source**: case-management extract (MI). **Period type**: month-end snapshots; received and
  completed are calendar-month flows. There is **no official statistic** of overdue assessments: the
  definition above is sendlib's. DfE's published measure is the 20-week timeliness of plans *issued*
  in a calendar year (excluding exception cases).
- **Overdue** counts all open requests over 140 days, with exception cases unless stated. **Stages**
  are inferred from dates: awaiting the decision to assess, assessing (decided within the last 10
  weeks) and drafting (decided earlier). **Completed** = a plan issued or a decision not to issue.
- The projection is a simple stock-flow at recent average rates; it does not model seasonality or
  refusals. Counts from 1 to 4 are shown as [c].
"""),
]

# ---------------------------------------------------------------------------------------------------
# 04 caseload and budget
# ---------------------------------------------------------------------------------------------------

NB04 = header(
    "EHCP caseload and the high-needs budget",
    "Plans active at each month end, the forecast to the next January census with its uncertainty, "
    "against the Safety Valve plan agreed with DfE; then high-needs spend against the budget and cap.",
) + [
    md("## Headline"),
    code('''
start = periods.month_end(period_end - pd.DateOffset(months=23))
series = sendlib.monthly_series(extract, start=start, end=period_end)
now, prev = series.iloc[-1], series.iloc[-2]
fc = forecast.forecast_caseload(extract, period_end)
# whole plans, as in headlines.csv and headlines.md
vs = forecast.in_whole_plans(forecast.forecast_vs_plan(fc, extract.plan_trajectory))
january = vs["date"].strftime("%B %Y")
against_plan = "" if vs["plan"] is None else (
    f", {abs(vs['gap']):,.0f} {'above' if vs['gap'] > 0 else 'below'} the Safety Valve plan of {vs['plan']:,.0f}"
)
# as in headlines.csv: last month's plans + issued - ceased = plans now, so one hidden count hides another
counts = {
    "ehcp_active": int(now["ehcp_active"]),
    "ehcp_active_prev_month": int(prev["ehcp_active"]),
    "ehcp_issued": int(now["ehcp_issued"]),
    "ehcp_ceased": int(now["ehcp_ceased"]),
}
hidden = suppressed_headlines(counts, suppress_below)
said = {k: disclosure.count_phrase(v, suppress_below, hidden=k in hidden) for k, v in counts.items()}
change = "," if "ehcp_active_change" in hidden else (
    f" the number {plots.change_phrase(counts['ehcp_active'] - counts['ehcp_active_prev_month'])}:"
)
# a forecast from fewer than 5 plans would give the hidden count back (as in headlines.csv)
outlook = (
    "; a forecast is not shown for so few plans.** " if "ehcp_forecast_next_january" in hidden else
    f"; the forecast for {january} is {vs['forecast']:,.0f}{against_plan}.** "
    f"The 80% interval runs from {vs['low80']:,.0f} to {vs['high80']:,.0f}. "
)
display(Markdown(
    f"**There were {said['ehcp_active']} EHCPs at the end of {month}{outlook}"
    f"In {month}{change} {said['ehcp_issued']} plans were issued and {said['ehcp_ceased']} ceased."
))
'''),
    md("## Trend and forecast against the Safety Valve plan"),
    code('''
plan = None
if extract.plan_trajectory is not None and len(extract.plan_trajectory):
    plan = extract.plan_trajectory.set_index("month")["planned_ehcps"].astype(float).sort_index()
    plan = plan[(plan.index >= series.index[0]) & (plan.index <= fc.frame.index[-1])]
ahead = fc.frame
shown = "ehcp_forecast_next_january" not in hidden  # no forecast line from fewer than 5 plans
fig = plots.trend_chart(
    series["ehcp_active"].rename("Active EHCPs"),
    forecast=ahead["active"].rename("Forecast") if shown else None,
    interval=ahead[["low80", "high80"]].rename(columns={"low80": "lower", "high80": "upper"}) if shown else None,
    plan=plan,
    plan_label="Safety Valve plan",
    title=(
        "Active EHCPs (too few plans to show a forecast)" if not shown
        else f"EHCPs are forecast to be {abs(vs['gap']):,.0f} {'above' if vs['gap'] > 0 else 'below'} plan in {january}"
        if vs["plan"] is not None
        else f"EHCPs are forecast to reach {vs['forecast']:,.0f} in {january}"
    ),
    ylabel="Active plans at month end (count)",
    source=SOURCE + "; Safety Valve plan trajectory",
    period=f"month-end snapshots to {month}, forecast to {ahead.index[-1]:%B %Y}",
    note="Cohort-flow forecast (requests, conversion, seasonal ceasing); band = 80% interval",
)
plt.show()
'''),
    md("## Active plans by primary need"),
    code('''
need = caseload.active_plans_by_need(extract.plans, [period_end - pd.DateOffset(years=1), period_end])
table = pd.DataFrame({
    "Primary need": [plots.label(c) for c in need.columns],
    "A year earlier": need.iloc[0].to_numpy(),
    month: need.iloc[1].to_numpy(),
}).set_index("Primary need")
table = table[(table.sum(axis=1) > 0)].sort_values(month, ascending=False)
table = disclosure.add_totals(table, ["A year earlier", month], row_total=None, col_total="Total")
show(table, counts=["A year earlier", month], col_total="Total")
'''),
    md("## High-needs spend against the budget and the Safety Valve cap"),
    code('''
if "fy_forecast_spend" in hidden:  # spend forecast from fewer than 5 plans: as in headlines.csv
    display(Markdown("Spend is not shown: the extract has fewer than 5 active plans at this month end."))
else:
    spend = forecast.forecast_fy_spend(extract, forecast=fc)
    m = spend.monthly
    if spend.budget is None:
        display(Markdown(f"No budget is recorded for {spend.financial_year}: the outturn is shown without it."))
    verdict = "" if spend.overspend is None else (
        f" against a budget of {plots.format_pounds_short(spend.budget)}: "
        f"{'an overspend' if spend.overspend > 0 else 'an underspend'} of {plots.format_pounds_short(abs(spend.overspend))}"
    )
    cap_text = "" if spend.overspend_vs_cap is None else (
        f", {plots.format_pounds_short(spend.overspend_vs_cap)} beyond the Safety Valve cap"
        if spend.overspend_vs_cap > 0
        else f", within the Safety Valve cap of {plots.format_pounds_short(spend.cap)}"
    )
    parts = "" if not spend.other_spend else (
        f" (placements {plots.format_pounds_short(spend.placement_outturn)}, other high-needs spend "
        f"{plots.format_pounds_short(spend.other_spend)})"
    )
    what = "High-needs spend" if spend.other_spend else "Placement spend"
    display(Markdown(
        f"**{what} for {spend.financial_year} is forecast at {plots.format_pounds_short(spend.outturn)}{parts}"
        f"{verdict}{cap_text}.** 80% interval {plots.format_pounds_short(spend.outturn_low80)} to "
        f"{plots.format_pounds_short(spend.outturn_high80)}."
    ))
    actual = m.loc[m["is_actual"], "spend"].rename("Actual")
    ahead = m.loc[~m["is_actual"]]
    fig = plots.trend_chart(
        actual,
        forecast=ahead["spend"].rename("Forecast"),
        interval=ahead[["low80", "high80"]].rename(columns={"low80": "lower", "high80": "upper"}),
        plan=None if spend.budget is None else pd.Series((spend.budget - spend.other_spend) / 12, index=m.index),
        plan_label="Budget left for placements (monthly share)" if spend.other_spend else "Budget (monthly share)",
        title=f"Monthly placement spend, {spend.financial_year}: actual to {month}, then forecast",
        ylabel="Pounds per month",
        source=SOURCE + "; high-needs budget",
        period=f"financial year {spend.financial_year} (April to March)",
        kind="pounds",
        note="Spend = committed annual cost net of health and social-care contributions / 12",
    )
    plt.show()
    table = pd.DataFrame(
        {"Pounds": [spend.placement_outturn, spend.other_spend, spend.outturn, spend.outturn_low80,
                    spend.outturn_high80, spend.budget, spend.cap, spend.overspend, spend.overspend_vs_cap]},
        index=["Placements (forecast outturn)", "Other high-needs spend (budget.csv)", "Forecast outturn",
               "80% interval, low", "80% interval, high", "Budget",
               "Safety Valve overspend cap", "Overspend (outturn minus budget)",
               "Overspend beyond the cap (negative: within it)"],
    )
    table.index.name = spend.financial_year
    show(table, money=["Pounds"])
'''),
    md("""
## Caveats and definitions

- **Source**: case-management extract (MI), the Safety Valve plan and the high-needs budget.
  **Period type**: month-end snapshots (MI), which differ from DfE's January census (SEN2) count;
  issued and ceased are calendar-month flows; budget and spend are for the financial year (April to
  March). **Denominator**: none (counts and pounds).
- An active plan at a date was issued on or before it and had not ceased by it.
- The forecast uses only data up to the month reported on: requests for assessment converted to plans
  after the usual lag, and ceasing at each calendar month's rate over the last three years. The band
  is an 80% interval from 2,000 simulated paths (`sendlib.forecast`).
- Placement spend is committed annual cost net of partner contributions / 12 each month. The outturn
  adds `budget.csv`'s other high-needs spend (services no placement carries, from the finance
  forecast, a fixed figure) so that it covers the whole High Needs Block; without that column it is
  placements only. Counts from 1 to 4 are shown as [c].
"""),
]

# ---------------------------------------------------------------------------------------------------
# 05 benchmarking (public DfE data)
# ---------------------------------------------------------------------------------------------------

IGNORE = ("nbval-ignore-output",)  # public data is not in the repository: nbval checks these cells run

NB05 = [
    md("# Benchmarking against statistical neighbours and England\n\n"
       "How the local authority compares with its ten statistical neighbours, its region and England on "
       "DfE's published statistics, and how its own monthly figures reconcile with the January census."),
    code(PARAMETERS + '''
la_code = "878"  # DfE three-digit local-authority code: 878 is Devon
dfe_dir = ""  # folder of DfE release files; empty means SENDLIB_DFE_DIR, else data/public
neighbours = "2025"  # DfE statistical-neighbour list: "2025" (May 2025) or "2021" (April 2021)''', tags=("parameters",)),
    code(SETUP + '''
from sendlib import backtest, benchmark

la_code = str(la_code)  # papermill -p la_code 878 passes a number
neighbours = str(neighbours)
dfe = config.dfe_dir(dfe_dir or None)
if dfe is None:
    display(Markdown(
        "**No public DfE data was found**, so this notebook shows nothing. Set `SENDLIB_DFE_DIR` (or the "
        "`dfe_dir` parameter) to a folder of DfE release files, or download them with `sendlib fetch-dfe`."
    ))''', tags=IGNORE),
    md("## Headline"),
    code('''
if dfe is not None:
    table = benchmark.benchmark_table(la_code, dfe, neighbours=neighbours)
    la_name = table.attrs["la_name"]
    worst = table[table["band"] == "D"]
    best = table[table["band"] == "A"]
    words = []
    if len(worst):
        words.append("in the least favourable quarter of local authorities for " + "; ".join(
            f"{r.label.split(' (')[0]} ({r.la_value:,.1f}{'%' if r.unit == '%' else ''}, {r.period})"
            if r.unit != "pounds" else f"{r.label.split(' (')[0]} ({plots.format_pounds(r.la_value)}, {r.period})"
            for r in worst.itertuples()))
    if len(best):
        words.append("in the most favourable quarter for " + "; ".join(
            r.label.split(" (")[0] for r in best.itertuples()))
    display(Markdown(f"**{la_name} is " + (", and ".join(words) if words else "in the middle two quarters on every banded measure") + ".**"))
''', tags=IGNORE),
    md("## Trends against the statistical neighbours"),
    code('''
if dfe is not None:
    measures = ["ehc_plans_growth_pc", "timeliness_20wk_pc", "independent_special_share_pc", "request_refusal_rate_pc"]
    panels = benchmark.neighbour_panels(la_code, measures=measures, dfe_dir=dfe, neighbours=neighbours)
    panels = panels[panels["series"].isin(["LA", "neighbour"])].dropna(subset=["value"])
    panels = panels.assign(label=panels["label"].str.replace(r" \\(%\\)$", "", regex=True))
    fig = plots.small_multiples(
        panels, x="year", y="value", panel="label", group="la_name", highlight=la_name, col_wrap=2,
        title=f"{la_name} (dark blue) against its ten statistical neighbours (grey)",
        ylabel="Per cent", kind="percent",
        source="DfE, Education, health and care plans (SEN2), 2025 release",
        period="January census or calendar year, as labelled by DfE",
    )
    plt.show()
''', tags=IGNORE),
    md("## Benchmark table\n\nBands A to D are national quartiles with the measure's polarity: A is the most "
       "favourable quarter (e.g. high timeliness, low cost); measures without a polarity are not banded (-)."),
    code('''
if dfe is not None:
    def fmt(value, unit):
        if value != value:
            return "not available"
        return plots.format_pounds(value) if unit == "pounds" else plots.format_percent(value) if unit == "%" else plots.format_count(value)

    shown = pd.DataFrame({
        "Measure": table["label"],
        "Period": table["period"],
        la_name: [fmt(v, u) for v, u in zip(table["la_value"], table["unit"], strict=True)],
        "Neighbours (median)": [fmt(v, u) for v, u in zip(table["neighbours_median"], table["unit"], strict=True)],
        "England": [fmt(v, u) for v, u in zip(table["england_value"], table["unit"], strict=True)],
        "Band": table["band"],
    }).set_index("Measure")
    show(shown)
''', tags=IGNORE),
    md("## Our monthly figures against the January census"),
    code('''
if dfe is not None:
    sen2 = benchmark.sen2_january_counts(la_code, dfe)
    sen2 = sen2[sen2.index <= period_end]  # census dates the extract covers
    mi = caseload.active_plans_at(extract.plans, sen2.index)
    recon = pd.DataFrame({
        "January census (SEN2)": sen2.to_numpy(),
        "Month-end MI count": mi.to_numpy(),
        "Difference (MI minus census)": [f"{d:+,.0f}" for d in mi.to_numpy() - sen2.to_numpy()],
    }, index=[f"January {d.year}" for d in sen2.index])
    recon.index.name = "Census"
    show(recon, counts=["January census (SEN2)", "Month-end MI count"])
    nxt = backtest.forecast_next_january(la_code, dfe)
    display(Markdown(
        f"From the published January counts alone, {la_name}'s January {nxt['year']} count is forecast at "
        f"{nxt['forecast']:,.0f} (80% interval {nxt['lo80']:,.0f} to {nxt['hi80']:,.0f}), against "
        f"{nxt['last']:,.0f} in January {nxt['year'] - 1}. The local forecast in notebook 04 uses the "
        "monthly extract and is usually tighter."
    ))
''', tags=IGNORE),
    md("""
## Caveats and definitions

- **Source**: DfE, *Education, health and care plans* (SEN2), the school census and Section 251
  outturn, as published; the local extract (MI) for the reconciliation. **Period types** differ by
  measure (January census, calendar year, financial year) and are given in the table.
- **Statistical neighbours**: DfE's children's services statistical neighbours, ten per local
  authority, from the list named by the `neighbours` parameter (May 2025 unless another is chosen). **Denominators**: as in each measure's label (e.g. % of plans, % of requests).
- The MI count differs from the census by counting rules and timing; the difference is shown, not
  corrected. DfE suppresses small numbers at source.
"""),
]


NOTEBOOKS: dict[str, list] = {
    "00_data_quality": NB00,
    "01_average_cost": NB01,
    "02_independent_sector": NB02,
    "03_backlog": NB03,
    "04_caseload_and_budget": NB04,
    "05_benchmarking": NB05,
}


def build(name: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=NOTEBOOKS[name])
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebook names or prefixes (default: all)")
    parser.add_argument("--execute", action="store_true", help="run each with Papermill and normalise")
    args = parser.parse_args(argv)
    names = [n for n in NOTEBOOKS if not args.names or any(n.startswith(p) for p in args.names)]
    for name in names:
        path = HERE / f"{name}.ipynb"
        nbformat.write(build(name), path)
        if args.execute:
            import papermill

            from sendlib.notebook_hygiene import normalise_file

            papermill.execute_notebook(
                str(path), str(path), kernel_name="python3", progress_bar=False, cwd=str(HERE)
            )
            normalise_file(path)
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
