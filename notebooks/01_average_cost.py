# %% [markdown]
# # Average cost of an EHCP
#
# The management-information (MI) average: the annualised committed placement cost of the plans active at
# the month end, divided by the number of active plans (plans with no costed placement count with cost 0).

# %% tags=["parameters"]
data_dir = "data/sample"  # extract folder (relative to the project root, or absolute)
period = "2024-11"  # month reported on, YYYY-MM
suppress_below = 5  # counts from 1 to suppress_below - 1 are shown as [c]

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import sendlib
from sendlib import cost, formatting, notebook, periods, plots
from sendlib.headlines import engine_section

nb = notebook.setup("01_average_cost", data_dir=data_dir, period=period, suppress_below=suppress_below)
extract, period_end, month = nb.extract, nb.period_end, nb.month

# %% [markdown]
# ## Headline

# %%
h = engine_section(extract, period_end)  # the caseload, cost and sector headline figures
hidden = nb.hidden(h)  # as in headlines.csv: small counts and what reveals them
plans = nb.count_phrase(h["ehcp_active"], hidden="ehcp_active" in hidden)
avg, change = h["avg_cost_per_ehcp"], h["avg_cost_per_ehcp_change"]
first_fall = " - the first fall this financial year" if h["avg_cost_per_ehcp_first_fall_in_financial_year"] else ""
if "avg_cost_per_ehcp" in hidden:
    display(Markdown(f"**The average cost of an EHCP is not shown: {plans} plans were active at the end of {month}.**"))
else:
    moved = f"in {month} was" if "avg_cost_per_ehcp_change" in hidden else f"{notebook.change_phrase(change, 'pounds')} in {month} to"
    display(Markdown(
        f"**The average annual cost of an EHCP {moved} {formatting.pounds(avg)}"
        f"{'' if 'avg_cost_per_ehcp_change' in hidden else first_fall}.** "
        f"{plans.capitalize()} plans were active at the month end, with committed placement costs of "
        f"{formatting.pounds_short(h['committed_cost'])} a year "
        f"({formatting.pounds(h['avg_cost_per_ehcp_net'])} per plan net of health and social-care "
        "contributions)."
    ))

# %% [markdown]
# ## Trend

# %%
start = periods.month_end(period_end - pd.DateOffset(months=23))
series = sendlib.monthly_series(extract, start=start, end=period_end)
year_change = series["avg_cost_per_ehcp"].iloc[-1] - series["avg_cost_per_ehcp"].iloc[-13] if len(series) > 12 else np.nan
fig = plots.trend_chart(
    series["avg_cost_per_ehcp"].rename("Average cost per EHCP"),
    title=f"The average cost per EHCP {notebook.change_phrase(year_change, 'pounds')} over the year to {month}",
    ylabel="Pounds per plan per year",
    source=nb.source,
    period=f"month-end snapshots, {series.index[0]:%B %Y} to {month}",
    kind="pounds",
)
nb.chart(fig, 'Average cost per EHCP at each month end')

# %% [markdown]
# ## Cost per place by type of setting
#
# Mean annual cost of the current placements in each type of setting: their committed annual cost (pounds,
# gross) divided by the placements with a recorded cost, so a blank cost is not counted as £0
# (`sendlib.cost.cost_per_place_by_setting` gives the full SEN2 list of settings).

# %%
by_group = cost.cost_per_place_at(extract, period_end, by="group").sort_values("total_cost", ascending=False)
table = pd.DataFrame({
    "Type of setting": [plots.label(s) for s in by_group.index],
    "Placements": by_group["placements"].to_numpy(),
    "With a recorded cost": by_group["costed_placements"].to_numpy(),
    "Mean cost per place": by_group["mean_cost"].to_numpy(),
    "Committed cost": by_group["total_cost"].to_numpy(),
}).set_index("Type of setting")
nb.show_cost_table(table, title=f"Cost per place by type of setting, {month} (pounds a year)")

# %% [markdown]
# ## What changed this month and why
#
# The change in the average splits exactly into a **mix** effect (plans moving between types of setting), a
# **rate** effect (cost within each type changing) and their interaction.

# %%
dec = cost.average_cost_change_decomposition(extract, period_end)  # by setting, as in the headlines
prev_month = dec.previous.strftime("%B %Y")
parts = {"Mix": dec.mix, "Rate": dec.rate, "Interaction": dec.interaction}
main = max(parts, key=lambda k: abs(parts[k]))
fig = plots.waterfall_chart(
    (prev_month, dec.average_previous),
    parts,
    (month, dec.average_current),
    title=f"The {main.lower()} effect explains most of the change ({formatting.pounds(parts[main])})",
    ylabel="Pounds per plan per year",
    source=nb.source,
    period=f"month ends {prev_month} and {month}",
)
nb.chart(fig, 'Change in the average cost: mix, rate and interaction')

# %%
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
# a row's cost and effects give back either of its counts from the other (and the headline plan
# counts), so they are hidden when either count is; the effects add up to the chart's parts above
nb.show(
    table,
    title=f"The eight settings that moved the average most, of {len(cat)} (pounds per plan per year)",
    counts=["Placements before", "Placements now"],
    money=["Cost per place now", "Mix effect", "Rate effect", "Total effect"],
    dependents={
        c: ["Placements before", "Placements now"]
        for c in ("Cost per place now", "Mix effect", "Rate effect", "Total effect")
    },
    sums_shown=["Mix effect", "Rate effect", "Total effect"],
)

# %% [markdown]
# ## Caveats and definitions
#
# - **Source**: case-management extract (MI). **Period type**: month-end snapshots. **Denominator**: plans
#   active at the month end, including plans with no current placement (counted at £0).
# - **Cost**: annual placement cost and top-up named in the plan, gross of health and social-care
#   contributions unless marked net; transport excluded. It is committed cost, not spend.
# - Two other definitions exist and give different numbers: DfE's funding-formula £ per EHCP (the
#   financial year's high-needs outturn over the January census count; it includes non-placement spend)
#   and cost per place by setting (the table above).
# - Counts from 1 to 4 are shown as [c], with the costs that would reveal them.
