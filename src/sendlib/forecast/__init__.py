"""Forecasts: active EHCPs from flows, high-needs placement spend, the Safety Valve plan and budget.

The caseload model (a cohort-flow model, estimated from the LA's own extract at ``as_of``)
-----------------------------------------------------------------------------------------
Month by month, with ``A`` the active plans at month end (MI, :func:`sendlib.caseload.active_plans_at`)::

    new(t)    = (1 - w) x conversion x requests(t - lag)    plans issued in month t: demand ...
                + w x issue_rate                              ... and capacity, w = CAPACITY_WEIGHT = 0.5
                                                              for 12 months ahead, then fading to 0 at 24
    ceased(t) = hazard[calendar month of t] x A(t - 1)       plans ceased in month t
    A(t)      = A(t - 1) + new(t) - ceased(t)

- ``requests``: requests for assessment received per month (:mod:`sendlib.backlog`); actual where
  ``t - lag`` is on or before ``as_of``, else the mean of the last 12 months, grown by the scenario's
  annual ``request_growth`` (compounded monthly from ``as_of``).
- ``lag``: median months from request received to plan issued, for plans issued in the last 12 months.
- ``conversion``: plans issued in the last 12 months (from ``plans``: it includes plans that did not
  come through a local assessment, e.g. transfers in) / requests received in the 12 months ``lag``
  earlier. Plans per request.
- ``issue_rate``: the mean plans issued a month over the last 3 months (``recent_months``), carried
  forward (grown only by a scenario's ``request_growth``; a ``conversion`` scenario scales it by the
  scenario's conversion over the estimated one). Plans per month.
- ``w``: new plans are an equal-weight average of two views (``new_plans="combined"``, the default):
  demand (conversion x lagged requests: what the requests received imply) and capacity (what the service
  has been issuing lately). When most assessments are late, plans are issued as fast as the service can
  write them rather than as requests arrive, and a backlog building up or being cleared moves the issue
  rate away from conversion x requests for months; the demand view alone missed that on the sample's
  2024 origins. The weight is fixed at one half, not fitted (an equal-weight forecast combination: the
  sample has too few origins to fit one). On the sample's backtest the combination cut the 12-month
  error on every origin set (benchmarks/README.md). A backlog moves the issue rate for months, not years,
  so ``w`` keeps its value for 12 months ahead (:data:`CAPACITY_MONTHS`) and fades linearly to 0 over
  the next 12: beyond two years ahead (the Safety Valve outlook's later years) new plans follow demand
  alone. That fade is an assumption; the backtest scores 2-12 months only.
  ``new_plans="requests"`` is the demand view alone.
- ``hazard``: for each calendar month, plans ceased in that month / active plans at the previous
  month end, pooled over the last 3 years (ceasing is seasonal: school leavers in summer). Per month.

- Variants (:func:`estimate_flow_model` options, compared in ``benchmarks/flow_forecast_backtest.py
  --compare``): ``new_plans="requests"`` uses the demand view alone and ``new_plans="issue_rate"`` the
  recent monthly issue rate alone; ``ceasing="recent"`` uses one flat hazard from the last few months
  instead of the seasonal one. The defaults (combined, seasonal) backtest best on the sample. ``deviation_months=6`` (off by
  default) carries the ceasing hazard's deviation over the last 6 months into the projection, shrunk
  by how much of it persisted in the LA's past, with one-step errors of the same rule and the change of
  the deviation drawn per path (:mod:`~sendlib.forecast.deviation`); on the sample it cut the 2- and
  6-month errors but worsened the 12-month error, so it is not the default.
- ``trend``: when Kendall's tau finds a significant trend (p < 0.05) in the last 24 months of requests,
  the central path's future requests follow the Theil-Sen line (:func:`requests_trend`); otherwise they
  stay level. The test decides only the central path: the paths always draw a slope (below).

Intervals (width from the data, 2,000 simulated paths): (1) the model's one-step errors on net flows
over the last 36 months (actual net flow minus the model's net flow given the actual previous stock),
every rate (lag, conversion, ceasing hazard) fitted only on the months before the month it predicts
(:func:`one_step_rates`), so the errors are truly out of sample; resampled in moving blocks of 3 months
(a centred residual block bootstrap) and added to new plans (``error_scale="seasonal"`` instead
standardises each error by the size of errors in its calendar month and rescales the draws to the
projected month's, :func:`seasonal_error_scale`; not the default: it widened the 2-month intervals on the
sample's backtest);
(2) level uncertainty: each path's rate of new plans drifts over 12 months to exp(delta) times the
central rate, delta resampled from the LA's own year-on-year log changes in plans issued
(:func:`issue_level_changes`, centred); (3) trend uncertainty: each path's request slope is drawn from
a normal centred on the central slope, its spread from the slope's sampling distribution with
Newey-West (HAC) errors, which allow for autocorrelated months, plus the distance to the Theil-Sen
slope when the central path carries none (:func:`requests_trend`). The 80% and 95% intervals are the
10-90% and 2.5-97.5% quantiles of the simulated stock; the central forecast is the path without noise.
All randomness comes from independent streams of one seed (:func:`sendlib.config.rng_streams`).
Accuracy and coverage are checked by :func:`backtest_flow_forecast`, against the naive baselines of
:func:`backtest_baselines` on the same origins, scored together by :func:`flow_forecast_scorecard` and
judged by :func:`flow_forecast_targets` (``sendlib forecast-backtest`` runs it on any extract;
benchmarks/README.md has the sample's); its ``sd`` and ``pit`` columns
and the summary's ``z_rms`` (root mean square of error / simulated spread) measure calibration more
finely than coverage on a dozen origins. :func:`interval_components` shows how much each source (1)-(3)
spreads the simulated caseload month by month.

Modules: :mod:`~sendlib.forecast.model` (estimation), :mod:`~sendlib.forecast.project` (simulation),
:mod:`~sendlib.forecast.plan` (the Safety Valve plan), :mod:`~sendlib.forecast.spend` (spend and
deficit), :mod:`~sendlib.forecast.backtest` (the local backtest and baselines),
:mod:`~sendlib.forecast.headline` (headline keys), :mod:`~sendlib.forecast.deviation` (the carried
ceasing deviation, an option). Everything public is re-exported here.

Spend
-----
High Needs Block placement spend in a month = committed annual cost **net** of health and social-care
contributions at that month end / 12 (:func:`sendlib.cost.committed_cost_at`). Forecast months: the
committed cost at ``as_of`` minus ceased plans x the average cost per plan at ``as_of`` plus new plans x
the cost of a new placement (independent-sector share x mean cost of recent INMSS placements + the
rest x mean cost of other recent placements; the means skip placements with a blank annual_cost, see
:func:`new_placement_costs`), all x (1 + annual unit-cost inflation) ^ (months / 12). Intervals carry
unit-cost uncertainty too: each simulated path resamples the recent costed new placements (setting and
net cost together) and moves its cost of a new plan by the resample's change in mix and cost
(:func:`spend_paths`).

The extract holds placements only, but the High Needs Block also pays for things no placement carries
(SEN support services, alternative provision, hospital education, therapies...). Where ``budget.csv``
gives ``other_high_needs_spend`` for a year (the finance team's forecast, pounds), it is added to the
placement spend, so the outturn, the overspend and the deficit are for the whole block, as the Safety
Valve monitors it; without it they are for placements only (and say so).
"""

from __future__ import annotations

from sendlib.forecast.backtest import (
    BACKTEST_HORIZONS,
    BACKTEST_SIMS,
    BASELINES,
    DEFAULT_BACKTEST_ORIGINS,
    FLOW_MODEL,
    METHOD_LABELS,
    TARGET_COVERAGE80,
    TARGET_MAPE_HORIZONS,
    backtest_baselines,
    backtest_flow_forecast,
    backtest_flow_forecast_summary,
    default_backtest_origins,
    earliest_backtest_origin,
    flow_forecast_scorecard,
    flow_forecast_targets,
)
from sendlib.forecast.headline import HEADLINE_UNITS, headline_section
from sendlib.forecast.model import (
    BLOCK_MONTHS,
    CAPACITY_MONTHS,
    CAPACITY_WEIGHT,
    CEASING_METHODS,
    DAYS_PER_MONTH,
    DEFAULT_SIMS,
    DEVIATION_MONTHS,
    ERROR_SCALES,
    HAZARD_YEARS,
    NEW_PLAN_METHODS,
    RESIDUAL_MONTHS,
    SEASON_HALF_WIDTH,
    STREAMS,
    TREND_ALPHA,
    TREND_MONTHS,
    WINDOW_MONTHS,
    CaseloadForecast,
    FlowModel,
    Scenario,
    ceasing_hazard_by_month,
    estimate_flow_model,
    issue_level_changes,
    median_lag_months,
    one_step_rates,
    one_step_residuals,
    requests_trend,
    seasonal_error_scale,
)
from sendlib.forecast.plan import forecast_vs_plan, in_whole_plans, planned_ehcps_at
from sendlib.forecast.project import (
    COMPONENTS,
    forecast_caseload,
    interval_components,
    new_plan_views,
    project_caseload,
)
from sendlib.forecast.spend import (
    SpendForecast,
    deficit_path,
    forecast_fy_spend,
    monthly_placement_spend,
    new_placement_costs,
    new_placement_sample,
    spend_paths,
    unit_cost_draws,
)

__all__ = [
    "Scenario",
    "FlowModel",
    "CaseloadForecast",
    "SpendForecast",
    "estimate_flow_model",
    "project_caseload",
    "forecast_caseload",
    "interval_components",
    "new_plan_views",
    "COMPONENTS",
    "forecast_vs_plan",
    "planned_ehcps_at",
    "in_whole_plans",
    "monthly_placement_spend",
    "new_placement_costs",
    "new_placement_sample",
    "unit_cost_draws",
    "spend_paths",
    "forecast_fy_spend",
    "deficit_path",
    "backtest_flow_forecast",
    "backtest_flow_forecast_summary",
    "backtest_baselines",
    "flow_forecast_scorecard",
    "default_backtest_origins",
    "earliest_backtest_origin",
    "BACKTEST_HORIZONS",
    "BACKTEST_SIMS",
    "DEFAULT_BACKTEST_ORIGINS",
    "METHOD_LABELS",
    "flow_forecast_targets",
    "FLOW_MODEL",
    "TARGET_COVERAGE80",
    "TARGET_MAPE_HORIZONS",
    "BASELINES",
    "headline_section",
    "HEADLINE_UNITS",
    "median_lag_months",
    "ceasing_hazard_by_month",
    "one_step_residuals",
    "one_step_rates",
    "issue_level_changes",
    "requests_trend",
    "seasonal_error_scale",
    "DEFAULT_SIMS",
    "DEVIATION_MONTHS",
    "BLOCK_MONTHS",
    "CAPACITY_MONTHS",
    "CAPACITY_WEIGHT",
    "CEASING_METHODS",
    "DAYS_PER_MONTH",
    "ERROR_SCALES",
    "HAZARD_YEARS",
    "NEW_PLAN_METHODS",
    "RESIDUAL_MONTHS",
    "SEASON_HALF_WIDTH",
    "STREAMS",
    "TREND_ALPHA",
    "TREND_MONTHS",
    "WINDOW_MONTHS",
]
