# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---
# ruff: noqa: E402

# %% [markdown]
# # The Safety Valve outlook
#
# The High Needs deficit year by year to the end of the Safety Valve agreement, with its uncertainty,
# against the agreed path; what the scenarios change; what it would take, one lever at a time, to get
# back on the agreed path or to zero; the path a reprofiled agreement would follow; and what the
# expenditure panel has reviewed.

# %% tags=["parameters"]
data_dir = "data/sample"  # extract folder (relative to the project root, or absolute)
period = "2024-11"  # month reported on, YYYY-MM
suppress_below = 5  # counts from 1 to suppress_below - 1 are shown as [c]
target_year = ""  # financial year of the target, e.g. "2030-31" (empty: the agreement's last year)
scenarios = ""  # scenarios TOML file (empty: scenarios.toml beside the extract, else the default set)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from sendlib import config, disclosure, formatting, headlines, panel, periods, plots
from sendlib.outlook import deficit, headline, reprofiled_path, solve
from sendlib.outlook import scenarios as scenario_sets
from sendlib.refresh import load_for_report

plots.apply_theme()
extract = load_for_report(data_dir)  # sendlib.load, sharing the copy a running refresh has loaded
period_end = periods.parse_period(period)
month = period_end.strftime("%B %Y")
SOURCE = "local authority case-management extract (management information); high-needs budget and Safety Valve agreement"
money = formatting.pounds_prose


def show(table, **kwargs):
    """Display a disclosure-controlled table (identifiers refused, small counts shown as [c])."""
    display(disclosure.safe_table(table, threshold=suppress_below, **kwargs))


has_budget = extract.budget is not None and len(extract.budget) > 0
if has_budget:
    base = deficit.prepare(extract, period_end)
    outlook = deficit.outlook_from_base(base, n_sims=headline.SIMS)  # as the headline keys
    table = outlook.table
    target = periods.normalise_financial_year(target_year) if target_year else outlook.last_year
    chosen = scenario_sets.load_scenarios(
        config.resolve_path(scenarios) if scenarios else None, config.resolve_path(data_dir)
    )

# %% [markdown]
# ## Headline

# %%
if not has_budget:
    display(
        Markdown("**The extract has no `budget.csv`: the deficit path needs the budget and the agreement.**")
    )
else:
    h = headlines.headlines(extract, period)  # the outlook's keys and the spend forecast's, as headlines.csv
    display(Markdown("**" + (headline.headline_sentence(h, suppress_below) or "") + "**"))

# %% [markdown]
# ## The deficit path against the agreement

# %%
if has_budget:
    ends = pd.DatetimeIndex([periods.financial_year_bounds(fy)[1] for fy in table.index])
    actual = table["basis"] != "forecast"
    cumulative = pd.Series(table["cumulative_deficit"].to_numpy(), index=ends)
    fig = plots.trend_chart(
        cumulative[actual.to_numpy()].rename("Cumulative deficit (actual and this year's forecast)"),
        forecast=cumulative[~actual.to_numpy()].rename("Forecast"),
        interval=pd.DataFrame(
            {"lower": table["cumulative_low80"].to_numpy(), "upper": table["cumulative_high80"].to_numpy()},
            index=ends,
        )[~actual.to_numpy()],
        plan=pd.Series(table["planned_cumulative_deficit"].to_numpy(), index=ends),
        plan_label="Agreed cumulative deficit",
        kind="pounds",
        title=(
            f"The cumulative deficit would be {money(table['gap'].iloc[-1])} above the agreed path by "
            f"{outlook.last_year}"
            if table["gap"].iloc[-1] > 0
            else f"The cumulative deficit is forecast on or below the agreed path in {outlook.last_year}"
        ),
        ylabel="Cumulative High Needs deficit at 31 March (pounds)",
        xlabel="31 March of each financial year",
        source=SOURCE,
        period=f"financial years {table.index[0]} to {outlook.last_year}, data to {month}",
        note="Band = 80% interval of the caseload and cost simulations; deficit after the DfE contribution",
    )
    plt.show()
    shown = table[
        [
            "basis",
            "spend",
            "hnb_budget",
            "in_year_deficit",
            "safety_valve_contribution",
            "cumulative_deficit",
            "cumulative_low80",
            "cumulative_high80",
            "planned_cumulative_deficit",
            "gap",
        ]
    ]
    show(
        shown,
        money=[c for c in shown.columns if c != "basis"],
        rename={
            "basis": "Basis",
            "spend": "Spend",
            "hnb_budget": "Budget",
            "in_year_deficit": "In-year deficit",
            "safety_valve_contribution": "DfE contribution",
            "cumulative_deficit": "Cumulative deficit",
            "cumulative_low80": "80% low",
            "cumulative_high80": "80% high",
            "planned_cumulative_deficit": "Agreed cumulative",
            "gap": "Gap",
        },
    )
    zero = (
        f"On current trends the cumulative deficit would reach zero in {outlook.zero_year} (80% interval "
        f"{outlook.zero_year_low80} to {outlook.zero_year_high80 or 'after ' + outlook.last_year})."
        if outlook.zero_year
        else f"On current trends the cumulative deficit would not reach zero by {outlook.last_year}, the last year "
        "of the agreement."
    )
    display(Markdown(zero))

# %% [markdown]
# ## Scenarios

# %%
if has_budget:
    paths, summary = scenario_sets.compare_scenarios(base, chosen)
    summary = summary.assign(zero_year=summary["zero_year"].fillna(f"not by {outlook.last_year}"))
    show(
        summary,
        money=["cumulative_deficit_end", "gap_end", "difference_from_trend"],
        rename={
            "cumulative_deficit_end": f"Cumulative deficit {outlook.last_year}",
            "gap_end": "Gap to the agreed path",
            "difference_from_trend": "Difference from the current trend",
            "zero_year": "Year it reaches zero",
        },
    )
    show(paths, money=list(paths.columns))

# %% [markdown]
# ## What would it take

# %%
if has_budget:
    rows = []
    for goal in ("agreed", "zero"):
        results = [solve.what_would_it_take(base, lever, target, goal) for lever in solve.LEVERS]
        words = solve.target_words(goal, target)
        display(
            Markdown(
                f"**{words[0].upper() + words[1:]}** (one lever alone, the others at the current trend):\n\n"
                + "\n".join(f"- {solve.lever_sentence(r)}" for r in results)
            )
        )
        rows += [
            {
                "Target": words,
                "Lever": solve.LEVERS[r["lever"]].label,
                "Status": r["status"].replace("_", " "),
                "Current trend": r["trend"],
                "Value needed": r["value"],
            }
            for r in results
        ]
    what = pd.DataFrame(rows).set_index(["Target", "Lever"])
    display(what.style.format({"Current trend": "{:,.3f}", "Value needed": "{:,.3f}"}, na_rep="-"))

# %% [markdown]
# ## The reprofiled path
#
# The agreed cumulative deficit shifted by the forecast gap, year by year: the path a reprofiled
# agreement would have to accept if nothing changes, and the in-year deficit it would allow.

# %%
if has_budget:
    show(
        reprofiled_path(outlook),
        money=[
            "agreed_cumulative_deficit",
            "gap",
            "reprofiled_cumulative_deficit",
            "agreed_in_year_deficit",
            "reprofiled_in_year_deficit",
            "change_in_year",
        ],
        rename={
            "agreed_cumulative_deficit": "Agreed cumulative",
            "gap": "Gap",
            "reprofiled_cumulative_deficit": "Reprofiled cumulative",
            "agreed_in_year_deficit": "Agreed in-year",
            "reprofiled_in_year_deficit": "Reprofiled in-year",
            "change_in_year": "Change in-year",
        },
    )

# %% [markdown]
# ## The expenditure panel

# %%
if not panel.has_panel(extract):
    display(Markdown("The extract has no `panel_decisions` table: no expenditure panel figures."))
else:
    log = extract.panel_decisions
    s = panel.panel_summary(log, period_end)
    n = disclosure.count_phrase(s["decisions"], suppress_below)
    if disclosure.any_small_count(s["decisions"], threshold=suppress_below):
        display(Markdown(f"Since {s['first_decision']:%d %B %Y} the panel has reviewed {n} decisions."))
    else:
        display(
            Markdown(
                f"**Since {s['first_decision']:%d %B %Y} the panel has reviewed {n} decisions worth "
                f"{money(s['value_reviewed'])} a year; it agreed {money(s['value_agreed'])} and did not commit "
                f"{money(s['value_not_committed'])}.** Not committed is not the same as saved: "
                f"{formatting.percent(s['share_deferred'])} of decisions were deferred and may come back."
            )
        )
    weekly = panel.panel_weekly(log, period_end)
    fig = (
        plots.trend_chart(
            weekly["cumulative_value_reviewed"].rename("Value reviewed since the panel began"),
            kind="pounds",
            title=f"The panel has reviewed {money(s['value_reviewed'])} a year of spending decisions",
            ylabel="Annual value of decisions (pounds)",
            xlabel="Week ending (Sunday)",
            source="expenditure panel log (panel_decisions)",
            period=f"weeks to {month}",
        )
        if not disclosure.any_small_count(s["decisions"], threshold=suppress_below)
        else None
    )
    if fig is not None:
        plt.show()
    for by in ("decision", "category"):
        display(panel.safe_breakdown(panel.panel_breakdown(log, by, period_end), suppress_below))
    vs = panel.agreed_vs_forecast(extract, period_end)
    if vs["mean_agreed"] is not None and not disclosure.any_small_count(
        vs["new_placements_agreed"], threshold=suppress_below
    ):
        display(
            Markdown(
                f"New placements agreed by the panel average {formatting.pounds(vs['mean_agreed'])} a year, against "
                f"{formatting.pounds(vs['forecast_cost_new'])} the spend forecast assumes for a new placement "
                "(a mix of every sector's recent placements, net of partner contributions)."
            )
        )

# %% [markdown]
# ## Caveats and definitions
#
# - **Source**: case-management extract (placements, plans, requests), `budget.csv` (budget, agreed
#   in-year deficit, DfE contribution, other high-needs spend) and the expenditure panel's log.
# - **Deficit**: spend (placements net of partner contributions, plus other high-needs spend) minus the
#   High Needs Block budget, in the financial year; the cumulative deficit is the running sum from the
#   first year of `budget.csv` of the in-year deficit less the DfE contribution, at 31 March.
# - **Intervals**: 80% of the simulated caseload paths, each with a cost-growth shock drawn from the
#   LA's own year-on-year changes in the MI average cost; the budget is a fixed input.
# - **What would it take**: one lever at a time on the central path, found with a root finder; "not
#   reachable" means no value in the lever's plausible range meets the target.
# - **Panel**: annual amounts; decisions of 1-4 are `[c]`, with the value they carry.
