# %% [markdown]
# # Overdue assessments (the backlog)
#
# No official statistic of overdue assessments exists; sendlib defines it: a request for an EHC needs
# assessment still open at the month end (no plan issued, not refused, not closed) more than 20 weeks (140
# days) after it was received.

# %% tags=["parameters"]
data_dir = "data/sample"  # extract folder (relative to the project root, or absolute)
period = "2024-11"  # month reported on, YYYY-MM
suppress_below = 5  # counts from 1 to suppress_below - 1 are shown as [c]

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from sendlib import backlog, disclosure, notebook, periods, plots

nb = notebook.setup("03_backlog", data_dir=data_dir, period=period, suppress_below=suppress_below)
extract, period_end, month = nb.extract, nb.period_end, nb.month

# %% [markdown]
# ## Headline

# %%
start = periods.month_end(period_end - pd.DateOffset(months=23))
months = periods.month_ends(start, period_end)
monthly = backlog.overdue_monthly(extract.assessments, months)
now, prev = monthly.iloc[-1], monthly.iloc[-2]
due = len(backlog.requests_due_to_breach(extract.assessments, period_end, weeks=4))
change = "" if disclosure.any_small_count(now["overdue"], prev["overdue"], threshold=nb.suppress_below) else (
    f", {notebook.change_phrase(now['overdue'] - prev['overdue'], up='up', down='down', unchanged='unchanged')}"
    " on the previous month"
)
overdue_now = "no" if now["overdue"] == 0 else nb.count_phrase(now["overdue"])
display(Markdown(
    f"**{overdue_now.capitalize()} assessments were overdue at "
    f"the end of {month}{change}** "
    f"({nb.count_phrase(now['overdue_excl_exceptions'])} excluding cases where a "
    "legal exception applies). "
    f"A further {nb.count_phrase(due)} open requests will pass 20 weeks in the next "
    "four weeks."
))

# %% [markdown]
# ## Trend

# %%
fig = plots.trend_chart(
    {"All overdue": monthly["overdue"], "Excluding exceptions": monthly["overdue_excl_exceptions"]},
    title=f"Overdue assessments {notebook.change_phrase(now['overdue'] - monthly['overdue'].iloc[0])} since {months[0]:%B %Y}",
    ylabel="Requests open over 20 weeks (count)",
    source=nb.source,
    period=f"month-end snapshots, {months[0]:%B %Y} to {month}",
    ymin=0,
)
nb.chart(fig, 'Overdue assessments at each month end')

# %% [markdown]
# ## How long overdue, and at what stage

# %%
bands = backlog.overdue_requests_by_age_band(extract.assessments, [period_end]).iloc[0]
stages = backlog.overdue_requests_by_stage(extract.assessments, [period_end]).iloc[0]
table = pd.DataFrame({"Overdue requests": bands.to_numpy()}, index=[plots.label(b) for b in bands.index])
table = disclosure.add_totals(table, ["Overdue requests"], row_total=None, col_total="Total")
table.index.name = "Time since request"
nb.show(table, counts=["Overdue requests"], col_total="Total", title=f"Overdue requests by time since request, {month}")
table = pd.DataFrame({"Overdue requests": stages.to_numpy()}, index=[plots.label(s) for s in stages.index])
table = disclosure.add_totals(table, ["Overdue requests"], row_total=None, col_total="Total")
table.index.name = "Stage"
nb.show(table, counts=["Overdue requests"], col_total="Total", title=f"Overdue requests by stage, {month}")

# %% [markdown]
# ## What changed: requests in against assessments completed

# %%
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
    source=nb.source,
    period=f"calendar months {flow.index[0]:%B %Y} to {month}",
)
nb.chart(fig, 'Requests received and assessments completed each month')

# %%
proj = backlog.project_backlog_clearance(extract.assessments, period_end, months=24)
display(Markdown(
    f"**At recent rates ({proj.intake:,.1f} requests a month going on to assessment, that is received "
    f"less those refused, and {proj.throughput:,.1f} assessments closed a month), "
    f"the overdue backlog {proj.outlook()}.** Clearing old cases issues them "
    "late, so it lowers the published 20-week rate in the year it happens, and adds plans (and cost)."
))
fig = plots.trend_chart(
    proj.monthly["overdue"].rename("Projected overdue"),
    title=f"At recent rates the backlog {proj.outlook()}",
    ylabel="Requests open over 20 weeks (count)",
    source=nb.source,
    period=f"projection from {month}, 24 months",
    ymin=0,
    note="Stock-flow projection, oldest cases first, at the mean intake and closures of the last six months",
)
nb.chart(fig, 'Projected overdue assessments')

# %%
effect = proj.rate_effect
if len(effect):
    table = pd.DataFrame({
        "Calendar year": effect.index.astype(str),
        "20-week rate, backlog not cleared": effect["rate_without_backlog"].to_numpy(),
        "20-week rate, backlog cleared": effect["rate_with_backlog"].to_numpy(),
        "Effect (percentage points)": effect["effect_pp"].round(1).to_numpy(),
    }).set_index("Calendar year")
    nb.show(
        table,
        percent=["20-week rate, backlog not cleared", "20-week rate, backlog cleared"],
        title="Projected 20-week timeliness of plans issued in each calendar year (per cent)",
        notes=["DfE's definition of the 20-week rate, excluding exception cases; the rates assume the "
               "projected closures happen."],
    )

# %% [markdown]
# ## Caveats and definitions
#
# - **Source**: case-management extract (MI). **Period type**: month-end snapshots; received and
#   completed are calendar-month flows. There is **no official statistic** of overdue assessments: the
#   definition above is sendlib's. DfE's published measure is the 20-week timeliness of plans *issued*
#   in a calendar year (excluding exception cases).
# - **Overdue** counts all open requests over 140 days, with exception cases unless stated. **Stages**
#   are inferred from dates: awaiting the decision to assess, assessing (decided within the last 10
#   weeks) and drafting (decided earlier). **Completed** = a plan issued or a decision not to issue.
# - The projection is a simple stock-flow at recent average rates; it does not model seasonality or
#   refusals. Counts from 1 to 4 are shown as [c].
