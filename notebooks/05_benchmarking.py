# %% [markdown]
# # Benchmarking against statistical neighbours and England
#
# How the local authority compares with its ten statistical neighbours, its region and England on DfE's
# published statistics, and how its own monthly figures reconcile with the January census.

# %% tags=["parameters"]
data_dir = "data/sample"  # extract folder (relative to the project root, or absolute)
period = "2024-11"  # month reported on, YYYY-MM
suppress_below = 5  # counts from 1 to suppress_below - 1 are shown as [c]
la_code = "878"  # DfE three-digit local-authority code: 878 is Devon
dfe_dir = ""  # folder of DfE release files; empty means SENDLIB_DFE_DIR, else data/public
neighbours = "2025"  # DfE statistical-neighbour list: "2025" (May 2025) or "2021" (April 2021)

# %% tags=["nbval-ignore-output"]
import pandas as pd
from IPython.display import Markdown, display

from sendlib import benchmark, caseload, config, formatting, notebook, plots
from sendlib.dfe import caseload_forecast

nb = notebook.setup("05_benchmarking", data_dir=data_dir, period=period, suppress_below=suppress_below)
extract, period_end, month = nb.extract, nb.period_end, nb.month

la_code = str(la_code)  # papermill -p la_code 878 passes a number
neighbours = str(neighbours)
dfe = config.dfe_dir(dfe_dir or None)
if dfe is None:
    display(Markdown(
        "**No public DfE data was found**, so this notebook shows nothing. Set `SENDLIB_DFE_DIR` (or the "
        "`dfe_dir` parameter) to a folder of DfE release files, or download them with `sendlib fetch-dfe`."
    ))

# %% [markdown]
# ## Headline

# %% tags=["nbval-ignore-output"]
if dfe is not None:
    table = benchmark.benchmark_table(la_code, dfe, neighbours=neighbours)
    la_name = table.attrs["la_name"]
    worst = table[table["band"] == "D"]
    best = table[table["band"] == "A"]
    words = []
    if len(worst):
        words.append("in the least favourable quarter of local authorities for " + "; ".join(
            f"{r.label.split(' (')[0]} ({r.la_value:,.1f}{'%' if r.unit == '%' else ''}, {r.period})"
            if r.unit != "pounds" else f"{r.label.split(' (')[0]} ({formatting.pounds(r.la_value)}, {r.period})"
            for r in worst.itertuples()))
    if len(best):
        words.append("in the most favourable quarter for " + "; ".join(
            r.label.split(" (")[0] for r in best.itertuples()))
    display(Markdown(f"**{la_name} is " + (", and ".join(words) if words else "in the middle two quarters on every banded measure") + ".**"))

# %% [markdown]
# ## Trends against the statistical neighbours

# %% tags=["nbval-ignore-output"]
if dfe is not None:
    measures = ["ehc_plans_growth_pc", "timeliness_20wk_pc", "independent_special_share_pc", "request_refusal_rate_pc"]
    panels = benchmark.neighbour_panels(la_code, measures=measures, dfe_dir=dfe, neighbours=neighbours)
    panels = panels[panels["series"].isin(["LA", "neighbour"])].dropna(subset=["value"])
    panels = panels.assign(label=panels["label"].str.replace(r" \(%\)$", "", regex=True))
    fig = plots.small_multiples(
        panels, x="year", y="value", panel="label", group="la_name", highlight=la_name, col_wrap=2,
        title=f"{la_name} (dark blue) against its ten statistical neighbours (grey)",
        ylabel="Per cent", kind="percent",
        source="DfE, Education, health and care plans (SEN2), 2025 release",
        period="January census or calendar year, as labelled by DfE",
    )
    nb.chart(fig, 'Measures against the statistical neighbours')

# %% [markdown]
# ## Benchmark table
#
# Bands A to D are national quartiles with the measure's polarity: A is the most favourable quarter (e.g.
# high timeliness, low cost); measures without a polarity are not banded (-).

# %% tags=["nbval-ignore-output"]
if dfe is not None:
    def fmt(value, unit):
        if value != value:
            return "not available"
        return formatting.pounds(value) if unit == "pounds" else formatting.percent(value) if unit == "%" else formatting.count(value)

    shown = pd.DataFrame({
        "Measure": table["label"],
        "Period": table["period"],
        la_name: [fmt(v, u) for v, u in zip(table["la_value"], table["unit"], strict=True)],
        "Neighbours (median)": [fmt(v, u) for v, u in zip(table["neighbours_median"], table["unit"], strict=True)],
        "England": [fmt(v, u) for v, u in zip(table["england_value"], table["unit"], strict=True)],
        "Band": table["band"],
    }).set_index("Measure")
    nb.show(shown, title=f"{la_name} against its statistical neighbours and England")

# %% [markdown]
# ## Our monthly figures against the January census

# %% tags=["nbval-ignore-output"]
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
    nb.show(recon, counts=["January census (SEN2)", "Month-end MI count"],
            title="Month-end MI count against the January census (SEN2)")
    nxt = caseload_forecast.forecast_next_january(la_code, dfe)
    display(Markdown(
        "From the published January counts and each LA's requests, refusals, new and ceased plans, "
        f"{la_name}'s January {nxt['year']} count is forecast at "
        f"{nxt['forecast']:,.0f} (80% interval {nxt['lo80']:,.0f} to {nxt['hi80']:,.0f}), against "
        f"{nxt['last']:,.0f} in January {nxt['year'] - 1}. The local forecast in notebook 04 uses the "
        "monthly extract and is usually tighter."
    ))

# %% [markdown]
# ## Caveats and definitions
#
# - **Source**: DfE, *Education, health and care plans* (SEN2), the school census and Section 251
#   outturn, as published; the local extract (MI) for the reconciliation. **Period types** differ by
#   measure (January census, calendar year, financial year) and are given in the table.
# - **Statistical neighbours**: DfE's children's services statistical neighbours, ten per local
#   authority, from the list named by the `neighbours` parameter (May 2025 unless another is chosen).
# **Denominators**: as in each measure's label (e.g. % of plans, % of requests).
# - The MI count differs from the census by counting rules and timing; the difference is shown, not
#   corrected. DfE suppresses small numbers at source.
