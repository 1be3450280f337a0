# %% [markdown]
# # EHCP caseload and the high-needs budget
#
# Plans active at each month end, the forecast to the next January census with its uncertainty, against the
# Safety Valve plan agreed with DfE; then high-needs spend against the budget and cap.

# %% tags=["parameters"]
data_dir = "data/sample"  # extract folder (relative to the project root, or absolute)
period = "2024-11"  # month reported on, YYYY-MM
suppress_below = 5  # counts from 1 to suppress_below - 1 are shown as [c]

# %%
import pandas as pd
from IPython.display import Markdown, display

import sendlib
from sendlib import caseload, disclosure, forecast, formatting, notebook, periods, plots

nb = notebook.setup("04_caseload_and_budget", data_dir=data_dir, period=period, suppress_below=suppress_below)
extract, period_end, month = nb.extract, nb.period_end, nb.month

# %% [markdown]
# ## Headline

# %%
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
hidden = nb.hidden(counts)
said = {k: nb.count_phrase(v, hidden=k in hidden) for k, v in counts.items()}
change = "," if "ehcp_active_change" in hidden else (
    f" the number {notebook.change_phrase(counts['ehcp_active'] - counts['ehcp_active_prev_month'])}:"
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

# %% [markdown]
# ## Trend and forecast against the Safety Valve plan

# %%
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
    source=nb.source + "; Safety Valve plan trajectory",
    period=f"month-end snapshots to {month}, forecast to {ahead.index[-1]:%B %Y}",
    note="Cohort-flow forecast (new plans: half requests x conversion, half recent issue rate; seasonal ceasing); band = 80% interval",
)
nb.chart(fig, 'Active EHCPs at each month end')

# %%
# what drives the forecast's new plans: the requests received (demand) and the recent issue rate (capacity)
drivers = notebook.new_plans_sentence(fc, extract, suppress_below) if shown else ""
if drivers:
    display(Markdown(drivers))

# %% [markdown]
# ## How well has this forecast done?
#
# The same forecast, made at each past month end from only the data to that month, scored against the
# count that followed, next to three naive methods (`sendlib forecast-backtest` prints the same scores).

# %%
if shown:
    record, track = notebook.forecast_track_record(extract, period_end)
    display(Markdown(record))
    if track is not None:
        nb.show(
            track,
            title=f"Caseload forecast track record, outcomes to {month}",
            notes=[
                "MAPE: mean absolute % error of the forecast of active plans against the count that followed",
                "Naive methods: carry forward; the last 12 months' net flow; damped exponential smoothing of "
                "log counts",
                "z_rms: root mean square of (forecast - actual) / the simulated spread; 1 when the intervals are "
                "as wide as the errors, below 1 too wide, above 1 too narrow",
            ],
        )

# %% [markdown]
# ## Active plans by primary need

# %%
need = caseload.active_plans_by_need(extract.plans, [period_end - pd.DateOffset(years=1), period_end])
table = pd.DataFrame({
    "Primary need": [plots.label(c) for c in need.columns],
    "A year earlier": need.iloc[0].to_numpy(),
    month: need.iloc[1].to_numpy(),
}).set_index("Primary need")
table = table[(table.sum(axis=1) > 0)].sort_values(month, ascending=False)
table = disclosure.add_totals(table, ["A year earlier", month], row_total=None, col_total="Total")
table.index.name = "Primary need"
nb.show(table, counts=["A year earlier", month], col_total="Total", title=f"Active plans by primary need, {month}")

# %% [markdown]
# ## High-needs spend against the budget and the Safety Valve cap

# %%
if "fy_forecast_spend" in hidden:  # spend forecast from fewer than 5 plans: as in headlines.csv
    display(Markdown("Spend is not shown: the extract has fewer than 5 active plans at this month end."))
else:
    spend = forecast.forecast_fy_spend(extract, forecast=fc)
    m = spend.monthly
    if spend.budget is None:
        display(Markdown(f"No budget is recorded for {spend.financial_year}: the outturn is shown without it."))
    sentence = notebook.spend_sentence(spend)  # worded as in the drafted committee paragraph
    display(Markdown(
        f"**{sentence}** 80% interval {formatting.pounds_prose(spend.outturn_low80)} to "
        f"{formatting.pounds_prose(spend.outturn_high80)}."
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
        source=nb.source + "; high-needs budget",
        period=f"financial year {spend.financial_year} (April to March)",
        kind="pounds",
        note="Spend = committed annual cost net of health and social-care contributions / 12",
    )
    nb.chart(fig, 'Monthly placement spend against the budget')
    table = pd.DataFrame(
        {"Pounds": [spend.placement_outturn, spend.other_spend, spend.outturn, spend.outturn_low80,
                    spend.outturn_high80, spend.budget, spend.cap, spend.overspend, spend.overspend_vs_cap]},
        index=["Placements (forecast outturn)", "Other high-needs spend (budget.csv)", "Forecast outturn",
               "80% interval, low", "80% interval, high", "Budget",
               "Safety Valve overspend cap", "Overspend (outturn minus budget)",
               "Overspend beyond the cap (negative: within it)"],
    )
    table.index.name = spend.financial_year
    nb.show(table, money=["Pounds"], title=f"High-needs spend forecast for {spend.financial_year}")

# %% [markdown]
# ## Caveats and definitions
#
# - **Source**: case-management extract (MI), the Safety Valve plan and the high-needs budget.
#   **Period type**: month-end snapshots (MI), which differ from DfE's January census (SEN2) count;
#   issued and ceased are calendar-month flows; budget and spend are for the financial year (April to
#   March). **Denominator**: none (counts and pounds).
# - An active plan at a date was issued on or before it and had not ceased by it.
# - The forecast uses only data up to the month reported on: requests for assessment converted to plans
#   after the usual lag, and ceasing at each calendar month's rate over the last three years. The band
#   is an 80% interval from 2,000 simulated paths (`sendlib.forecast`).
# - Placement spend is committed annual cost net of partner contributions / 12 each month. The outturn
#   adds `budget.csv`'s other high-needs spend (services no placement carries, from the finance
#   forecast, a fixed figure) so that it covers the whole High Needs Block; without that column it is
#   placements only. Counts from 1 to 4 are shown as [c].
