# %% [markdown]
# # Exploration: your question here
#
# A notebook of your own, started by `make notebook NAME=...`. It lives in `notebooks/explore/`, which
# git ignores (apart from this starter), and nothing runs it: not `make report`, `make notebooks` nor
# the tests. To make it a page of the monthly report, move it (with its `.py`) to `notebooks/` and add
# its name to `notebooks/report.toml`.
#
# Tables go through `nb.show(table, title=..., counts=[...])`, which refuses identifier columns and
# shows counts from 1 to 4 as [c]; charts through `nb.chart(fig, "title")`.

# %% tags=["parameters"]
data_dir = "data/sample"  # extract folder (relative to the project root, or absolute)
period = "2024-11"  # month reported on, YYYY-MM
suppress_below = 5  # counts from 1 to suppress_below - 1 are shown as [c]

# %%
import pandas as pd
from IPython.display import Markdown, display

import sendlib
from sendlib import formatting, notebook, periods, plots

nb = notebook.setup("starter", data_dir=data_dir, period=period, suppress_below=suppress_below)
extract, period_end, month = nb.extract, nb.period_end, nb.month

# %% [markdown]
# ## The monthly figures for the last two years

# %%
start = periods.month_end(period_end - pd.DateOffset(months=23))
series = sendlib.monthly_series(extract, start=start, end=period_end)
display(Markdown(f"{formatting.count(series['ehcp_active'].iloc[-1])} plans were active at the end of {month}."))
fig = plots.trend_chart(
    series["ehcp_active"].rename("Active EHCPs"),
    title=f"Active EHCPs, {formatting.month(series.index[0])} to {month}",
    ylabel="Active plans at month end (count)",
    source=nb.source,
    period="month-end snapshots",
)
nb.chart(fig, "Active EHCPs at each month end")

# %% [markdown]
# ## Your analysis
#
# The extract's tables: `extract.plans`, `extract.placements`, `extract.assessments` (one row per plan,
# placement or request). `sendlib.caseload`, `cost`, `sector` and `backlog` compute the standard
# figures; see `help(sendlib)`.

# %%
