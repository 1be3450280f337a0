# %% [markdown]
# # Data quality of the monthly extract
#
# What arrived, what was set aside for checking, and whether the extract is complete enough to report on.
# Rows that fail a rule are quarantined (kept out of every figure) and listed for the data team by `sendlib
# validate`; no row is dropped silently.

# %% tags=["parameters"]
data_dir = "data/sample"  # extract folder (relative to the project root, or absolute)
period = "2024-11"  # month reported on, YYYY-MM
suppress_below = 5  # counts from 1 to suppress_below - 1 are shown as [c]

# %%
import pandas as pd
from IPython.display import Markdown, display

from sendlib import backlog, caseload, formatting, notebook, periods, plots

nb = notebook.setup("00_data_quality", data_dir=data_dir, period=period, suppress_below=suppress_below)
extract, period_end, month = nb.extract, nb.period_end, nb.month

# %% [markdown]
# ## Headline

# %%
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
    f"{formatting.percent(share)} were set aside for checking.** "
    f"The extract is dated {as_of}; this report covers {month}. "
    f"Problems found: {int(severity.get('blocking', 0)):,} blocking, {int(severity.get('error', 0)):,} "
    f"quarantining a row, {int(severity.get('warning', 0)):,} warnings (value fixed or doubtful)."
))

# %% [markdown]
# ## Records over time
#
# A sudden gap or spike in new records usually means the extract is incomplete.

# %%
start = periods.month_end(period_end - pd.DateOffset(months=35))
months = periods.month_ends(start, period_end)
issued = caseload.plans_issued_by_month(extract.plans, months)
received = backlog.requests_received_by_month(extract.assessments, months)
fig = plots.trend_chart(
    {"Plans issued": issued, "Requests for assessment received": received},
    title=f"New records each month, {months[0]:%B %Y} to {month}",
    ylabel="Records per month (count)",
    source=nb.source,
    period=f"calendar months to {month}",
    ymin=0,
)
nb.chart(fig, 'New records each month')

# %% [markdown]
# ## Rows received and kept, by table

# %%
# the case tables (one row per plan, placement or request); the planning inputs are described below
cases = counts.loc[[t for t in counts.index if t in ("plans", "placements", "assessments")]]
table = cases.rename_axis("table").reset_index()
table["table"] = table["table"].map(lambda t: t.replace("_", " ").capitalize())
nb.show(
    table.set_index("table"),
    title="Rows received and kept, by table",
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

# %% [markdown]
# ## Problems found, by rule

# %%
issues = pd.DataFrame(
    [{"table": i.table or "(extract)", "rule": i.rule, "severity": i.severity} for i in extract.issues],
    columns=["table", "rule", "severity"],
)
by_rule = issues.groupby(["table", "severity", "rule"]).size().rename("findings").reset_index()
if by_rule.empty:
    display(Markdown("No problems were found."))
else:
    nb.show(by_rule.set_index(["table", "severity", "rule"]), counts=["findings"], title="Problems found, by rule",
         rename={"findings": "Findings"})

# %% [markdown]
# ## Caveats and definitions
#
# - **Source**: the local authority's case-management extract (management information, not the SEN2
#   statutory return). **Period**: the extract date and the month reported on, above.
# - **Severity**: *blocking* stops the refresh; *error* sets the row aside (quarantine) and it counts in
#   no figure; *warning* keeps the row with a fixed or doubtful value; *info* is a note (e.g. a
#   synonym mapped to its code).
# - The quarantined rows themselves hold personal data and are written only to the analyst's
#   `reports/validation/` folder, never to this report. Counts from 1 to 4 are shown as [c].
