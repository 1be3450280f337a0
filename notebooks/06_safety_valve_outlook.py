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
import pandas as pd
from IPython.display import Markdown, display

from sendlib import config, formatting, headlines, notebook, panel, periods, plots
from sendlib.outlook import deficit, headline, reprofiled_path, solve
from sendlib.outlook import scenarios as scenario_sets

nb = notebook.setup("06_safety_valve_outlook", data_dir=data_dir, period=period, suppress_below=suppress_below)
extract, period_end, month = nb.extract, nb.period_end, nb.month
SOURCE = nb.source + "; high-needs budget and Safety Valve agreement"
money = formatting.pounds_prose

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
    display(Markdown(
        f"**The extract has no `budget.csv`: the deficit path needs the budget and the agreement.** "
        f"(Data to the end of {month}.)"
    ))
else:
    h = headlines.headlines(extract, period)  # the outlook's keys and the spend forecast's, as headlines.csv
    hidden = headlines.suppressed_headlines(h, suppress_below)
    shown = {k: (None if k in hidden else v) for k, v in h.items()}
    sentence = headline.headline_sentence(shown, suppress_below) or ""
    display(Markdown(f"**{sentence}** (Data to the end of {month}.)"))

# %% [markdown]
# ## The deficit path against the agreement

# %%
if has_budget:
    ends = pd.DatetimeIndex([periods.financial_year_bounds(fy)[1] for fy in table.index])
    known = (table["basis"] != "forecast").to_numpy()
    cumulative = pd.Series(table["cumulative_deficit"].to_numpy(), index=ends)
    band = pd.DataFrame(
        {"lower": table["cumulative_low80"].to_numpy(), "upper": table["cumulative_high80"].to_numpy()}, index=ends
    )
    last_gap = table["gap"].iloc[-1]
    fig = plots.trend_chart(
        cumulative[known].rename("Cumulative deficit (to this year's forecast outturn)"),
        forecast=cumulative[~known].rename("Forecast"),
        interval=band[~known],
        plan=pd.Series(table["planned_cumulative_deficit"].to_numpy(), index=ends),
        plan_label="Agreed cumulative deficit",
        kind="pounds",
        title=(
            f"The cumulative deficit would be {money(last_gap)} above the agreed path by {outlook.last_year}"
            if last_gap > 0
            else f"The cumulative deficit is forecast on or below the agreed path in {outlook.last_year}"
        ),
        ylabel="Cumulative High Needs deficit at 31 March (pounds)",
        xlabel="31 March of each financial year",
        source=SOURCE,
        period=f"financial years {table.index[0]} to {outlook.last_year}, data to {month}",
        note="Band = 80% interval of the caseload and unit-cost simulations; deficit after the DfE contribution",
    )
    nb.chart(fig, "Cumulative deficit against the agreed path")
    money_cols = [c for c in deficit.COLUMNS if c not in ("basis", "spend_low80", "spend_high80", "gap_low80",
                                                          "gap_high80", "placement_spend", "planned_deficit")]
    nb.show(
        table[["basis", *money_cols]],
        money=money_cols,
        rename={
            "basis": "Basis", "other_high_needs_spend": "Other high-needs spend", "spend": "Spend",
            "hnb_budget": "Budget", "in_year_deficit": "In-year deficit",
            "safety_valve_contribution": "DfE contribution", "cumulative_deficit": "Cumulative deficit",
            "cumulative_low80": "80% low", "cumulative_high80": "80% high",
            "planned_cumulative_deficit": "Agreed cumulative", "gap": "Gap",
        },
        title="High Needs deficit by financial year (pounds; cumulative at 31 March)",
        notes=["Gap = forecast cumulative deficit minus the agreed one; positive is worse than agreed."],
    )
    display(Markdown(
        f"On current trends the cumulative deficit would reach zero in {outlook.zero_year} (80% interval "
        f"{outlook.zero_year_low80 or 'not reached'} to {outlook.zero_year_high80 or 'not reached by ' + outlook.last_year})."
        if outlook.zero_year else
        f"On current trends the cumulative deficit would not reach zero by {outlook.last_year}, the last year "
        "of the agreement."
    ))

# %% [markdown]
# ## Scenarios

# %%
if has_budget:
    paths, summary = scenario_sets.compare_scenarios(base, chosen)
    summary = summary.assign(zero_year=summary["zero_year"].fillna(f"not by {outlook.last_year}"))
    nb.show(
        summary,
        money=["cumulative_deficit_end", "gap_end", "difference_from_trend"],
        rename={
            "cumulative_deficit_end": f"Cumulative deficit {outlook.last_year}",
            "gap_end": "Gap to the agreed path",
            "difference_from_trend": "Difference from the current trend",
            "zero_year": "Year it reaches zero",
        },
        title=f"Scenarios: the cumulative deficit at the end of {outlook.last_year} (central paths)",
    )
    paths.index.name = "Financial year"
    nb.show(paths, money=list(paths.columns), title="Scenarios: cumulative deficit at 31 March, year by year")

# %% [markdown]
# ## What would it take

# %%
if has_budget:
    rows = []
    for goal in ("agreed", "zero"):
        results = [solve.what_would_it_take(base, lever, target, goal) for lever in solve.LEVERS]
        words = solve.target_words(goal, target)
        display(Markdown(
            f"**{words[0].upper() + words[1:]}** (one lever alone, the others at the current trend):\n\n"
            + "\n".join(f"- {solve.lever_sentence(r)}" for r in results)
        ))
        rows += [
            {"Target": words, "Lever": solve.LEVERS[r["lever"]].label, "Status": r["status"].replace("_", " "),
             "Current trend": formatting.pounds(r["trend"]) if r["lever"] == "saving" else f"{r['trend']:.3f}",
             "Value needed": "-" if r["value"] is None else (
                 formatting.pounds(r["value"]) if r["lever"] == "saving" else f"{r['value']:.3f}")}
            for r in results
        ]
    nb.show(pd.DataFrame(rows).set_index("Target"), title="What would it take, lever by lever")

# %% [markdown]
# ## The reprofiled path
#
# The agreement reprofiled from where the authority is: for the current financial year (the last with
# actual or part-actual spend) and every later year, the agreed cumulative deficit plus the gap at the end
# of the current year, so the agreement's year-on-year profile is kept from the current position; earlier
# years are the actual cumulative deficit. The in-year deficit it allows is its year-on-year change plus
# the DfE contribution.

# %%
if has_budget:
    reprofiled = reprofiled_path(outlook)
    nb.show(
        reprofiled,
        money=list(reprofiled.columns),
        rename={
            "agreed_cumulative_deficit": "Agreed cumulative", "gap": "Gap",
            "reprofiled_cumulative_deficit": "Reprofiled cumulative", "agreed_in_year_deficit": "Agreed in-year",
            "reprofiled_in_year_deficit": "Reprofiled in-year", "change_in_year": "Change in-year",
        },
        title="The agreement reprofiled from the current position (pounds)",
    )

# %% [markdown]
# ## The expenditure panel

# %%
if not panel.has_panel(extract):
    display(Markdown("The extract has no `panel_decisions` table: no expenditure panel figures."))
else:
    log = extract.panel_decisions
    s = panel.panel_summary(log, period_end)
    few = nb.count_phrase(s["decisions"]).startswith("fewer")
    since = f"Since {s['first_decision'].day} {formatting.month(s['first_decision'])}" if s["decisions"] else ""
    display(Markdown(
        f"{since} the panel has reviewed {nb.count_phrase(s['decisions'])} decisions." if few or not s["decisions"]
        else f"**{since} the panel has reviewed {nb.count_phrase(s['decisions'])} decisions worth "
        f"{money(s['value_reviewed'])} a year; it agreed {money(s['value_agreed'])} and did not commit "
        f"{money(s['value_not_committed'])}.** Not committed is not the same as saved: "
        f"{formatting.percent(s['share_deferred'])} of decisions were deferred and may come back."
    ))
    weekly = panel.panel_weekly(log, period_end)
    # the running total stops at the first week of 1-4 decisions (later totals would give its value back)
    small_week = weekly["decisions"].between(1, nb.suppress_below - 1).to_numpy()
    running = weekly["cumulative_value_reviewed"].where(~panel.cumulative_hidden(small_week))
    if not few and s["decisions"] and running.notna().any():
        fig = plots.trend_chart(
            running.rename("Value reviewed since the panel began"),
            kind="pounds",
            title=f"The panel has reviewed {money(s['value_reviewed'])} a year of spending decisions",
            ylabel="Annual value of decisions (pounds)",
            xlabel="Week ending (Sunday)",
            source="expenditure panel log (panel_decisions)",
            period=f"weeks to {month}",
        )
        nb.chart(fig, "Value of decisions reviewed by the expenditure panel")
    names = {"decisions": "Decisions", "value_reviewed": "Reviewed (£ a year)", "value_agreed": "Agreed",
             "value_not_committed": "Not committed", "share_of_decisions": "Share of decisions"}
    for by in ("decision", "category"):
        nb.show(
            panel.panel_breakdown(log, by, period_end),
            counts=["decisions"],
            money=list(panel.MONEY),
            percent=["share_of_decisions"],
            col_total="Total",
            sums_shown=list(panel.MONEY),
            rename=names,
            title=f"Expenditure panel decisions by {by}, to {month}",
            notes=["Not committed = requested - agreed; a deferred decision may come back."],
        )
    vs = panel.agreed_vs_forecast(extract, period_end)
    if vs["mean_agreed"] is not None and not nb.count_phrase(vs["new_placements_agreed"]).startswith("fewer"):
        display(Markdown(
            f"New placements agreed by the panel average {formatting.pounds(vs['mean_agreed'])} a year, against "
            f"{formatting.pounds(vs['forecast_cost_new'])} the spend forecast assumes for a new plan (a mix of "
            "every sector's recent placements, net of partner contributions)."
        ))

# %% [markdown]
# ## Caveats and definitions
#
# - **Source**: case-management extract (placements, plans, requests), `budget.csv` (budget, agreed
#   in-year deficit, DfE contribution, other high-needs spend) and the expenditure panel's log.
#   **Period type**: financial years (April to March), cumulative deficit at 31 March; the panel by week
#   (Monday to Sunday). **Denominator**: none (pounds and counts).
# - **Deficit**: spend (placements net of partner contributions, plus other high-needs spend) minus the
#   High Needs Block budget, in the financial year; the cumulative deficit is the running sum from the
#   first year of `budget.csv` of the in-year deficit less the DfE contribution.
# - **Intervals**: 80% of the forecast's simulated paths (caseload, and the unit cost of new plans
#   resampled from recent placements); other high-needs spend and the budget are fixed inputs.
# - **What would it take**: one lever at a time on the central path, found with a root finder; "not
#   reachable" means no value in the lever's plausible range meets the target.
# - **Panel**: annual amounts; decisions of 1-4 are `[c]`, with the value they carry.
