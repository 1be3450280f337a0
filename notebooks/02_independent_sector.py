# %% [markdown]
# # Use of the independent sector
#
# Placements in independent special schools and non-maintained special schools (INMSS, the default
# definition), by count and by cost.

# %% tags=["parameters"]
data_dir = "data/sample"  # extract folder (relative to the project root, or absolute)
period = "2024-11"  # month reported on, YYYY-MM
suppress_below = 5  # counts from 1 to suppress_below - 1 are shown as [c]

# %%
import pandas as pd
from IPython.display import Markdown, display

import sendlib
from sendlib import cost, disclosure, formatting, notebook, periods, plots, sector

nb = notebook.setup("02_independent_sector", data_dir=data_dir, period=period, suppress_below=suppress_below)
extract, period_end, month = nb.extract, nb.period_end, nb.month

# %% [markdown]
# ## Headline

# %%
start = periods.month_end(period_end - pd.DateOffset(months=35))
series = sendlib.monthly_series(extract, start=start, end=period_end)
now = series.iloc[-1]
year_ago = series.iloc[-13] if len(series) > 12 else series.iloc[0]
ind, ind_year_ago = now["independent_placements"], year_ago["independent_placements"]
# as in headlines.csv: a share of a hidden count (with the plan count) gives it back, so it is hidden too
hidden = nb.hidden({"ehcp_active": int(now["ehcp_active"]), "independent_placements": int(ind)})
shares = "" if "independent_share_count" in hidden else (
    f": {formatting.percent(now['independent_share_count'])} of all plans but "
    f"{formatting.percent(now['independent_share_cost'])} of committed placement cost"
)
more = []
if not disclosure.any_small_count(ind, ind_year_ago, threshold=nb.suppress_below):
    more.append(f"The number {notebook.change_phrase(ind - ind_year_ago)} over the year")
if "independent_share_special" not in hidden:
    more.append(
        f"these schools hold {formatting.percent(now['independent_share_special'])} of all special-school places"
    )
after = "; ".join(more)
display(Markdown(
    f"**{nb.count_phrase(ind).capitalize()} children and young people were placed "
    f"in independent or non-maintained special schools at the end of {month}{shares}.**"
    + (f" {after[:1].upper()}{after[1:]}." if after else "")
))

# %% [markdown]
# ## Trend

# %%
fig = plots.trend_chart(
    series["independent_placements"].rename("INMSS placements"),
    title=(
        "Independent special placements "
        f"{notebook.change_phrase(now['independent_placements'] - series['independent_placements'].iloc[0])}"
        f" since {series.index[0]:%B %Y}"
    ),
    ylabel="Placements (count)",
    source=nb.source,
    period=f"month-end snapshots, {series.index[0]:%B %Y} to {month}",
)
nb.chart(fig, 'INMSS placements at each month end')

# %%
fig = plots.trend_chart(
    {
        "Share of placement cost": series["independent_share_cost"],
        "Share of plans": series["independent_share_count"],
    },
    title="The independent sector's share of cost is far above its share of plans",
    ylabel="Per cent",
    source=nb.source,
    period=f"month-end snapshots, {series.index[0]:%B %Y} to {month}",
    kind="percent",
    ymin=0,
    note="Shares of all active plans and of gross committed placement cost",
)
nb.chart(fig, 'INMSS share of plans and of placement cost')

# %% [markdown]
# ## Cost per place by sector

# %%
by_sector = cost.cost_per_place_by_sector(extract, period_end)
by_setting = cost.cost_per_place_by_setting(extract, period_end)["mean_cost"]
table = pd.DataFrame({
    "Sector": [plots.label(s) for s in by_sector.index],
    "Placements": by_sector["placements"].to_numpy(),
    "With a recorded cost": by_sector["costed_placements"].to_numpy(),
    "Mean cost per place": by_sector["mean_cost"].to_numpy(),
    "Committed cost": by_sector["total_cost"].to_numpy(),
}).set_index("Sector")
nb.show_cost_table(table, title=f"Cost per place by sector, {month} (pounds a year)")
if {"special_independent", "special_la_maintained"} <= set(by_setting.index):
    ratio = by_setting["special_independent"] / by_setting["special_la_maintained"]
    display(Markdown(
        f"An independent special school place costs {ratio:.1f} times a maintained special school "
        f"place ({formatting.pounds(by_setting['special_independent'])} against "
        f"{formatting.pounds(by_setting['special_la_maintained'])} a year)."
    ))

# %% [markdown]
# ## What changed: new placements by sector, last six months

# %%
months = periods.month_ends(period_end - pd.DateOffset(months=5), period_end)
new = sector.new_placements_by_month(extract, months, by="sector")
new = new.loc[:, new.sum() > 0]
new.columns = [plots.label(c) for c in new.columns]
new.index = [f"{d:%b %Y}" for d in new.index]
new = disclosure.add_totals(new, list(new.columns))
new.index.name = "Month"
nb.show(new, counts=list(new.columns), row_total="Total", col_total="Total",
        title="New placements by sector, last six months")

# %% [markdown]
# ## Caveats and definitions
#
# - **Source**: case-management extract (MI). **Period type**: month-end snapshots; new placements are
#   calendar-month flows (placements starting in the month).
# - **Which settings count**: independent special schools plus non-maintained special schools (INMSS).
#   A broader definition adding independent mainstream schools and specialist post-16 institutions is
#   available in `sendlib.sector`. **Denominators**: share of plans = INMSS placements / all active plans;
#   share of cost = INMSS committed cost / all committed placement cost (gross).
# - Counts from 1 to 4 are shown as [c]; where a table has totals, a second cell is hidden so the first
#   cannot be worked out.
