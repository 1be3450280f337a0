"""Forecasts: active EHCPs from flows, high-needs placement spend, the Safety Valve plan and budget.

The caseload model (a cohort-flow model, estimated from the LA's own extract at ``as_of``)
-----------------------------------------------------------------------------------------
Month by month, with ``A`` the active plans at month end (MI, :func:`sendlib.caseload.active_plans_at`)::

    new(t)    = conversion x requests(t - lag)              plans issued in month t
    ceased(t) = hazard[calendar month of t] x A(t - 1)       plans ceased in month t
    A(t)      = A(t - 1) + new(t) - ceased(t)

- ``requests``: requests for assessment received per month (:mod:`sendlib.backlog`); actual where
  ``t - lag`` is on or before ``as_of``, else the mean of the last 12 months, grown by the scenario's
  annual ``request_growth`` (compounded monthly from ``as_of``).
- ``lag``: median months from request received to plan issued, for plans issued in the last 12 months.
- ``conversion``: plans issued in the last 12 months (from ``plans``: it includes plans that did not
  come through a local assessment, e.g. transfers in) / requests received in the 12 months ``lag``
  earlier. Plans per request.
- ``hazard``: for each calendar month, plans ceased in that month / active plans at the previous
  month end, pooled over the last 3 years (ceasing is seasonal: school leavers in summer). Per month.

- Variants (:func:`estimate_flow_model` options, compared in ``benchmarks/backtest_sample.py
  --compare``): ``new_plans="issue_rate"`` carries the recent monthly issue rate forward instead;
  ``ceasing="recent"`` uses one flat hazard from the last few months instead of the seasonal one.
  The defaults (requests, seasonal) backtest best on the sample.
- ``trend``: when Kendall's tau finds a significant trend (p < 0.05) in the last 24 months of requests,
  future requests follow the Theil-Sen line (:func:`requests_trend`); otherwise they stay level.

Intervals (width from the data, 2,000 simulated paths): (1) the model's one-step errors on net flows
over the last 36 months (actual net flow minus the model's net flow given the actual previous stock,
with each month's ceasing predicted from the other years' same month, so the errors are out of sample),
resampled in moving blocks of 3 months (a centred residual block bootstrap) and added to new plans;
(2) level uncertainty: each path's rate of new plans drifts over 12 months to exp(delta) times the
central rate, delta resampled from the LA's own year-on-year log changes in plans issued
(:func:`issue_level_changes`, centred); (3) trend uncertainty: each path's request slope is drawn from
the Theil-Sen interval. The 80% and 95% intervals are the 10-90% and 2.5-97.5% quantiles of the
simulated stock; the central forecast is the path without noise. All randomness comes from
:func:`sendlib.config.rng`. Coverage is checked by :func:`backtest_caseload` (benchmarks/README.md).

Spend
-----
High Needs Block placement spend in a month = committed annual cost **net** of health and social-care
contributions at that month end / 12 (:func:`sendlib.cost.committed_cost_at`). Forecast months: the
committed cost at ``as_of`` minus ceased plans x the average cost per plan at ``as_of`` plus new plans x
the cost of a new placement (independent-sector share x mean cost of recent INMSS placements + the
rest x mean cost of other recent placements; the means skip placements with a blank annual_cost, see
:func:`new_placement_costs`), all x (1 + annual unit-cost inflation) ^ (months / 12).

The extract holds placements only, but the High Needs Block also pays for things no placement carries
(SEN support services, alternative provision, hospital education, therapies...). Where ``budget.csv``
gives ``other_high_needs_spend`` for a year (the finance team's forecast, pounds), it is added to the
placement spend, so the outturn, the overspend and the deficit are for the whole block, as the Safety
Valve monitors it; without it they are for placements only (and say so).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sendlib import backlog, caseload, config, periods, schema, timeliness
from sendlib.extract import Extract

DAYS_PER_MONTH = 365.25 / 12
DEFAULT_SIMS = 2000
BLOCK_MONTHS = 3
RESIDUAL_MONTHS = 36
HAZARD_YEARS = 3
WINDOW_MONTHS = 12
TREND_MONTHS = 24
TREND_ALPHA = 0.05


@dataclass(frozen=True)
class Scenario:
    """Scenario parameters (all optional; defaults reproduce the estimated model).

    ``request_growth``: annual growth of future requests (0.10 = +10% a year), compounded monthly from
    ``as_of``. ``conversion``: plans issued per request (replaces the estimate). ``independent_share``:
    share (0-1) of new plans placed in the independent sector (INMSS); None = the recent share of new
    placements. ``cost_inflation``: annual unit-cost inflation (0.05 = 5% a year) from ``as_of``.
    ``ceasing_factor``: multiplies every month's ceasing rate (0.9 = 10% fewer plans cease than the
    estimated hazard; 1.0 = as estimated).
    """

    request_growth: float = 0.0
    conversion: float | None = None
    independent_share: float | None = None
    cost_inflation: float = 0.0
    ceasing_factor: float = 1.0


@dataclass
class FlowModel:
    """The estimated caseload model at ``as_of`` (see the module docstring; units in brackets).

    ``requests_history``: requests received per month (count) up to ``as_of``, indexed by month end.
    ``hazard``: 12 ceasing rates (per plan per month), index 0 = January. ``residuals``: one-step net
    flow errors (plans per month), oldest first.
    """

    as_of: pd.Timestamp
    active: int
    requests_history: pd.Series
    requests_base: float
    lag_months: int
    conversion: float
    hazard: np.ndarray
    residuals: np.ndarray = field(default_factory=lambda: np.zeros(0))
    requests_slope: float = 0.0
    requests_slope_sd: float = 0.0
    requests_trend_p: float = 1.0
    level_shocks: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ceasing: str = "seasonal"


@dataclass
class CaseloadForecast:
    """A caseload projection: ``frame`` has one row per month end after ``as_of``.

    Columns: ``requests``, ``new``, ``ceased``, ``active`` (central), ``low80``, ``high80``,
    ``low95``, ``high95`` (plans at month end). ``paths_active``, ``paths_new``, ``paths_ceased``:
    simulated paths (n_sims x months) used for the intervals and the spend interval.
    """

    model: FlowModel
    scenario: Scenario
    frame: pd.DataFrame
    paths_active: np.ndarray
    paths_new: np.ndarray
    paths_ceased: np.ndarray


# ---------------------------------------------------------------------------------------------------
# Estimation
# ---------------------------------------------------------------------------------------------------


def _months_back(as_of: pd.Timestamp, n: int) -> pd.DatetimeIndex:
    return periods.month_ends(as_of - pd.DateOffset(months=n - 1), as_of)


def median_lag_months(assessments: pd.DataFrame, as_of, window_months: int = WINDOW_MONTHS) -> int:
    """Median whole months from request received to plan issued, plans issued in the window to ``as_of``.

    Months = days / 30.4375 (365.25 / 12), rounded half to even and kept within 0-24. 5 (about 20
    weeks) when nothing was issued in the window.
    """
    as_of = pd.Timestamp(as_of)
    start = as_of - pd.DateOffset(months=window_months)
    issued = assessments["issued_on"]
    inside = ((issued > start) & (issued <= as_of)).fillna(False).to_numpy(bool)
    days = timeliness.days_to_issue(assessments).to_numpy()[inside]
    days = days[~np.isnan(days)]
    if len(days) == 0:
        return 5
    return int(np.clip(np.round(np.median(days) / DAYS_PER_MONTH), 0, 24))


def ceasing_hazard_by_month(plans: pd.DataFrame, as_of, years: int = HAZARD_YEARS) -> np.ndarray:
    """Plans ceased in each calendar month / active plans at the previous month end (per plan per month).

    Pooled over the last ``years`` years to ``as_of``; index 0 = January. A calendar month with no
    history takes the pooled rate of all months.
    """
    months = _months_back(pd.Timestamp(as_of), 12 * years)
    ceased = caseload.plans_ceased_by_month(plans, months).to_numpy(dtype=float)
    prev = caseload.active_plans_at(plans, months - pd.offsets.MonthEnd(1)).to_numpy(dtype=float)
    cal = months.month.to_numpy() - 1
    num = np.bincount(cal, weights=ceased, minlength=12)
    den = np.bincount(cal, weights=prev, minlength=12)
    pooled = num.sum() / den.sum() if den.sum() > 0 else 0.0
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), pooled)


NEW_PLAN_METHODS = ("requests", "issue_rate")
CEASING_METHODS = ("seasonal", "recent")


def estimate_flow_model(
    extract: Extract,
    as_of=None,
    window_months: int = WINDOW_MONTHS,
    new_plans: str = "requests",
    ceasing: str = "seasonal",
    recent_months: int = 3,
) -> FlowModel:
    """Estimate :class:`FlowModel` from data dated on or before ``as_of`` (a month end; default: the
    extract's last full month). Nothing after ``as_of`` is used, so backtests are honest.

    ``new_plans``: ``"requests"`` (conversion x requests ``lag`` months earlier, module docstring) or
    ``"issue_rate"`` (the mean plans issued a month over the last ``recent_months`` months, carried
    forward flat, without a request trend: lag 0 and conversion = that rate / mean requests, so the
    request-growth and conversion scenarios still apply). ``ceasing``: ``"seasonal"`` (hazard by calendar month over 3 years) or
    ``"recent"`` (one flat hazard: ceased / active over the last ``recent_months`` months).
    """
    if new_plans not in NEW_PLAN_METHODS or ceasing not in CEASING_METHODS:
        raise ValueError(
            f"new_plans must be one of {NEW_PLAN_METHODS} and ceasing one of {CEASING_METHODS}; "
            f"got {new_plans!r}, {ceasing!r}"
        )
    as_of = periods.last_full_month(extract.as_of if as_of is None else as_of)
    a = extract.assessments
    hist_months = periods.month_ends(as_of - pd.DateOffset(months=60 + RESIDUAL_MONTHS), as_of)
    requests = backlog.requests_received_by_month(a, hist_months).astype(float)
    lag = median_lag_months(a, as_of, window_months)
    window = _months_back(as_of, window_months)
    issued = caseload.plans_issued_by_month(extract.plans, window).to_numpy(dtype=float)
    lagged_index = pd.DatetimeIndex([periods.month_end(d - pd.DateOffset(months=lag)) for d in window])
    lagged = requests.reindex(lagged_index).to_numpy(dtype=float)
    denominator = np.nansum(lagged)
    conversion = float(issued.sum() / denominator) if denominator > 0 else 0.0
    requests_base = float(requests.iloc[-window_months:].mean())
    if new_plans == "issue_rate":
        rate = float(issued[-recent_months:].mean())
        lag = 0
        conversion = rate / requests_base if requests_base > 0 else 0.0
    if ceasing == "seasonal":
        hazard = ceasing_hazard_by_month(extract.plans, as_of)
    else:
        recent = _months_back(as_of, recent_months)
        ceased = caseload.plans_ceased_by_month(extract.plans, recent).to_numpy(dtype=float).sum()
        prev = (
            caseload.active_plans_at(extract.plans, recent - pd.offsets.MonthEnd(1))
            .to_numpy(dtype=float)
            .sum()
        )
        hazard = np.full(12, ceased / prev if prev > 0 else 0.0)
    model = FlowModel(
        as_of=as_of,
        active=int(caseload.active_plans_at(extract.plans, [as_of]).iloc[0]),
        requests_history=requests,
        requests_base=requests_base,
        lag_months=lag,
        conversion=conversion,
        hazard=hazard,
    )
    model.ceasing = ceasing
    model.residuals = one_step_residuals(extract, model)
    model.requests_slope, model.requests_slope_sd, model.requests_trend_p = requests_trend(
        requests.iloc[-TREND_MONTHS:]
    )
    if new_plans == "issue_rate":  # the recent rate is carried forward flat: no request trend
        model.requests_slope, model.requests_slope_sd = 0.0, 0.0
    model.level_shocks = issue_level_changes(extract.plans, as_of)
    return model


def issue_level_changes(plans: pd.DataFrame, as_of, months: int = RESIDUAL_MONTHS) -> np.ndarray:
    """Year-on-year log changes of the 12-month total of plans issued, at each of the ``months + 1``
    month ends from ``as_of - months`` to ``as_of`` (a month end where either 12-month total is 0, e.g.
    before the history starts, is left out).

    These measure how much the level of new plans has shifted within a year in this LA's own history;
    :func:`project_caseload` resamples them (centred) to widen intervals with the horizon.
    """
    as_of = pd.Timestamp(as_of)
    me = periods.month_ends(as_of - pd.DateOffset(months=months + 23), as_of)
    issued = caseload.plans_issued_by_month(plans, me).to_numpy(dtype=float)
    total = np.convolve(issued, np.ones(12), mode="valid")  # 12-month sums ending at me[11:]
    prev, cur = total[:-12], total[12:]
    ok = (prev > 0) & (cur > 0)
    return np.log(cur[ok] / prev[ok])


def requests_trend(requests: pd.Series, alpha: float = TREND_ALPHA) -> tuple[float, float, float]:
    """Linear trend in monthly requests: (slope, its standard error, Kendall's tau p-value).

    Slope in requests per month per month, by :func:`scipy.stats.theilslopes` (robust to outliers);
    its standard error from the Theil-Sen 95% interval (width / 3.92). The slope is used only when
    :func:`scipy.stats.kendalltau` finds the trend significant (p < ``alpha``); otherwise (0, 0, p).
    """
    from scipy import stats

    y = requests.to_numpy(dtype=float)
    if len(y) < 6 or np.all(y == y[0]):
        return 0.0, 0.0, 1.0
    x = np.arange(len(y), dtype=float)
    p = float(stats.kendalltau(x, y).pvalue)
    if not p < alpha:
        return 0.0, 0.0, p
    res = stats.theilslopes(y, x, alpha=0.95)
    return float(res.slope), float((res.high_slope - res.low_slope) / 3.92), p


def one_step_residuals(extract: Extract, model: FlowModel, months: int = RESIDUAL_MONTHS) -> np.ndarray:
    """Actual net flow minus the model's net flow given the actual previous stock, last ``months`` months.

    Plans per month, oldest first (a month with no active plans at the previous month end, or outside
    the request history for the lag, is left out). With the
    seasonal hazard, each month's ceasing is predicted from the *other* years' same calendar month
    (leave-one-out), so the errors are out of sample and the intervals are not too narrow when the
    seasonal pattern shifts.
    """
    me = _months_back(model.as_of, months)
    issued = caseload.plans_issued_by_month(extract.plans, me).to_numpy(dtype=float)
    ceased = caseload.plans_ceased_by_month(extract.plans, me).to_numpy(dtype=float)
    prev = caseload.active_plans_at(extract.plans, me - pd.offsets.MonthEnd(1)).to_numpy(dtype=float)
    lagged_index = pd.DatetimeIndex(
        [periods.month_end(d - pd.DateOffset(months=model.lag_months)) for d in me]
    )
    req = model.requests_history.reindex(lagged_index).to_numpy(dtype=float)
    cal = me.month.to_numpy() - 1
    hazard = model.hazard[cal]
    if model.ceasing == "seasonal":
        num = np.bincount(cal, weights=ceased, minlength=12)
        den = np.bincount(cal, weights=prev, minlength=12)
        other_den = den[cal] - prev
        loo = (num[cal] - ceased) / np.where(other_den > 0, other_den, 1.0)
        hazard = np.where(other_den > 0, loo, hazard)
    fitted = model.conversion * req - hazard * prev
    resid = (issued - ceased) - fitted
    keep = ~np.isnan(resid) & (prev > 0)
    return resid[keep]


# ---------------------------------------------------------------------------------------------------
# Projection
# ---------------------------------------------------------------------------------------------------


def _future_requests(
    model: FlowModel, months: pd.DatetimeIndex, scenario: Scenario, slopes: np.ndarray | None = None
) -> np.ndarray:
    """Requests feeding each projected month's new plans (count; actual where already received).

    Future requests = 12-month mean + slope x months from the middle of that window (the significant
    trend, else 0), times (1 + request_growth) ^ (months ahead / 12); never below 0. ``slopes``: one
    slope per simulated path (shape (n,)), giving an array (n, months); default the model's slope.
    """
    src = pd.DatetimeIndex([periods.month_end(d - pd.DateOffset(months=model.lag_months)) for d in months])
    actual = model.requests_history.reindex(src).to_numpy(dtype=float)
    ahead = np.asarray((src.year - model.as_of.year) * 12 + (src.month - model.as_of.month), dtype=float)
    slope = np.array([model.requests_slope]) if slopes is None else np.asarray(slopes, dtype=float)
    centre = (WINDOW_MONTHS - 1) / 2.0
    level = np.maximum(model.requests_base + slope[:, None] * (ahead[None, :] + centre), 0.0)
    grown = level * (1.0 + scenario.request_growth) ** (ahead[None, :] / 12.0)
    out = np.where((ahead <= 0) & ~np.isnan(actual), actual[None, :], grown)
    return out[0] if slopes is None else out


def _block_bootstrap(residuals: np.ndarray, n_sims: int, months: int, gen: np.random.Generator) -> np.ndarray:
    """Centred moving-block bootstrap draws, shape (n_sims, months), drawn from ``gen``."""
    if len(residuals) == 0 or months == 0:
        return np.zeros((n_sims, months))
    e = residuals - residuals.mean()
    n = len(e)
    b = min(BLOCK_MONTHS, n)
    n_blocks = -(-months // b)
    starts = gen.integers(0, n, size=(n_sims, n_blocks))
    idx = (starts[:, :, None] + np.arange(b)[None, None, :]) % n  # circular blocks
    return e[idx].reshape(n_sims, n_blocks * b)[:, :months]


def project_caseload(
    model: FlowModel,
    end=None,
    scenario: Scenario | None = None,
    n_sims: int = DEFAULT_SIMS,
    seed: int | None = None,
) -> CaseloadForecast:
    """Project active EHCPs month by month from ``model.as_of`` to ``end`` (default: the end of the next
    financial year). Central path = the model without noise; intervals from the residual bootstrap.
    Units: plans at month end (MI); new and ceased are plans per month."""
    scenario = scenario or Scenario()
    if end is None:
        end = periods.financial_year_end(model.as_of + pd.DateOffset(years=1))
    months = periods.month_ends(model.as_of + pd.offsets.MonthEnd(1), end)
    h = len(months)
    conversion = model.conversion if scenario.conversion is None else scenario.conversion
    req = _future_requests(model, months, scenario)
    hz = model.hazard[months.month.to_numpy() - 1] * scenario.ceasing_factor
    # three independent streams from the one seed: residual blocks, trend slopes, level shifts (slopes
    # and shifts do not depend on the horizon, so a longer run keeps each path's draws)
    noise_gen, slope_gen, level_gen = config.rng_streams(seed, 3)
    noise = _block_bootstrap(model.residuals, n_sims, h, noise_gen)
    # trend uncertainty: one slope per path, drawn from the Theil-Sen interval (0 when no trend)
    slopes = model.requests_slope + model.requests_slope_sd * slope_gen.standard_normal(n_sims)
    req_paths = np.vstack([req[None, :], _future_requests(model, months, scenario, slopes)])
    # level uncertainty: each path's new-plan rate drifts to exp(delta) times the central over 12 months,
    # delta resampled from the LA's own year-on-year changes in plans issued (centred)
    shifts = model.level_shocks - model.level_shocks.mean() if len(model.level_shocks) else np.zeros(1)
    delta = level_gen.choice(shifts, size=n_sims)
    ramp = np.minimum(np.arange(1, h + 1) / 12.0, 1.0)
    level = np.vstack([np.ones((1, h)), np.exp(delta[:, None] * ramp[None, :])])
    active = np.full(n_sims + 1, float(model.active))  # row 0: the central path (no noise)
    paths_a = np.empty((n_sims + 1, h))
    paths_n = np.empty((n_sims + 1, h))
    paths_c = np.empty((n_sims + 1, h))
    shocks = np.vstack([np.zeros((1, h)), noise])
    for k in range(h):  # recursion over months, vectorised over paths
        new = np.maximum(conversion * req_paths[:, k] * level[:, k] + shocks[:, k], 0.0)
        ceased = hz[k] * active
        active = active + new - ceased
        paths_a[:, k], paths_n[:, k], paths_c[:, k] = active, new, ceased
    sims = paths_a[1:]
    frame = pd.DataFrame(
        {
            "requests": req,
            "new": paths_n[0],
            "ceased": paths_c[0],
            "active": paths_a[0],
            "low80": np.quantile(sims, 0.10, axis=0) if n_sims else paths_a[0],
            "high80": np.quantile(sims, 0.90, axis=0) if n_sims else paths_a[0],
            "low95": np.quantile(sims, 0.025, axis=0) if n_sims else paths_a[0],
            "high95": np.quantile(sims, 0.975, axis=0) if n_sims else paths_a[0],
        },
        index=pd.DatetimeIndex(months, name="month_end"),
    )
    return CaseloadForecast(model, scenario, frame, paths_a, paths_n, paths_c)


def forecast_caseload(
    extract: Extract,
    as_of=None,
    end=None,
    scenario: Scenario | None = None,
    n_sims: int = DEFAULT_SIMS,
    seed: int | None = None,
    **options,
) -> CaseloadForecast:
    """Estimate the flow model at ``as_of`` and project active EHCPs to ``end`` (see the module docstring).

    ``options`` go to :func:`estimate_flow_model` (``new_plans``, ``ceasing``, ``recent_months``)."""
    return project_caseload(
        estimate_flow_model(extract, as_of, **options), end=end, scenario=scenario, n_sims=n_sims, seed=seed
    )


def planned_ehcps_at(plan_trajectory: pd.DataFrame | None, date) -> float | None:
    """The Safety Valve plan's EHCP count for the month of ``date`` (None when not in the plan)."""
    if plan_trajectory is None or plan_trajectory.empty:
        return None
    months = plan_trajectory["month"].map(periods.month_end)
    hit = plan_trajectory.loc[(months == periods.month_end(date)).to_numpy(), "planned_ehcps"]
    return None if hit.empty else float(hit.iloc[0])


def forecast_vs_plan(forecast: CaseloadForecast, plan_trajectory: pd.DataFrame | None, date=None) -> dict:
    """Forecast, 80%/95% interval and the plan at ``date`` (default: the next January after ``as_of``).

    Returns ``date``, ``forecast``, ``low80``, ``high80``, ``low95``, ``high95``, ``plan`` and ``gap``
    (forecast - plan: plans above the Safety Valve trajectory; positive is worse). Plans at month end.
    """
    date = periods.next_january(forecast.model.as_of) if date is None else periods.month_end(date)
    if date not in forecast.frame.index:
        raise ValueError(f"{date:%Y-%m} is outside the forecast ({forecast.frame.index[0]:%Y-%m} onwards)")
    row = forecast.frame.loc[date]
    plan = planned_ehcps_at(plan_trajectory, date)
    out = {"date": date, **{k: float(row[k]) for k in ("low80", "high80", "low95", "high95")}}
    out["forecast"] = float(row["active"])
    out["plan"] = plan
    out["gap"] = None if plan is None else float(row["active"]) - plan
    return out


def in_whole_plans(vs: dict) -> dict:
    """:func:`forecast_vs_plan`'s figures as published: forecast, intervals and plan rounded to whole plans
    (floats), ``gap`` = rounded forecast - rounded plan, so the published figures add up.

    Rounded once, straight to whole plans: rounding to 0.1 first and then to whole plans for a table
    can move a figure by one (9,842.55 -> 9,842.5 -> 9,842, where 9,843 is right)."""
    def whole(v):
        return None if v is None or v != v else float(round(v))  # None and NaN: not available

    out = dict(vs)
    for key in ("forecast", "low80", "high80", "low95", "high95", "plan"):
        if key in vs:
            out[key] = whole(vs[key])
    if "gap" in vs:
        f, p = out.get("forecast"), out.get("plan")
        out["gap"] = None if f is None or p is None else f - p
    return out


# ---------------------------------------------------------------------------------------------------
# Spend
# ---------------------------------------------------------------------------------------------------


def monthly_placement_spend(extract: Extract, month_ends) -> pd.Series:
    """High Needs Block placement spend per month: net committed annual cost at month end / 12 (pounds).

    Net of health and social-care contributions (the HNB's share). Period: calendar month (accrual
    approximation from the month-end commitment).
    """
    from sendlib import cost

    me = pd.DatetimeIndex([periods.month_end(d) for d in caseload.as_dates(month_ends)])
    return (cost.committed_cost_at(extract, me, net=True) / 12.0).rename("placement_spend")


def _mean_cost_of_first(cost: np.ndarray, selections: list[np.ndarray]) -> float:
    """Mean of ``cost`` over the first boolean selection that picks any row (pounds); 0.0 if none does."""
    for chosen in selections:
        if chosen.any():
            return float(cost[chosen].mean())
    return 0.0


def new_placement_costs(extract: Extract, as_of, window_months: int = WINDOW_MONTHS) -> dict:
    """Recent new placements (start_on in the window to ``as_of``): share and mean net annual cost.

    Returns ``independent_share`` (0-1, by count, INMSS definition; denominator: every placement in the
    window, costed or not), ``cost_independent`` and ``cost_other`` (mean net annual pounds per
    placement; net = annual_cost - health - social care, as :func:`sendlib.cost.placement_arrays`
    takes it). Falls back to all current placements at ``as_of`` (start_on <= as_of <= end_on or
    end_on blank) when no placement started in the window.

    Denominator of the means: **costed** placements only. A placement with a blank annual_cost (kept
    by the loader with a ``missing_cost`` warning) is a missing value, not a £0 place, so it is left
    out of the mean (it still counts in the share). When every placement of a sector in the window is
    uncosted, that sector's mean is taken over its costed current placements at ``as_of`` instead;
    0.0 when it has none (or no placement in the window at all).
    """
    from sendlib import cost

    p = extract.placements
    as_of = pd.Timestamp(as_of)
    arr = cost.placement_arrays(extract)
    start, end = p["start_on"], p["end_on"]
    recent = (
        ((start > as_of - pd.DateOffset(months=window_months)) & (start <= as_of))
        .fillna(False)
        .to_numpy(bool)
    )
    current = ((start <= as_of) & (end.isna() | (end >= as_of))).fillna(False).to_numpy(bool)
    inside = recent if recent.any() else current
    ind = p["setting"].isin(schema.INDEPENDENT_SETTINGS_INMSS).fillna(False).to_numpy(bool)
    out = {}
    for key, group in (("cost_independent", ind), ("cost_other", ~ind)):
        used = inside & group
        out[key] = (
            _mean_cost_of_first(arr.net, [used & arr.costed, current & group & arr.costed]) if used.any() else 0.0
        )
    n_ind = int((inside & ind).sum())
    n_all = int(inside.sum())
    return {"independent_share": n_ind / n_all if n_all else 0.0, **out}


@dataclass
class SpendForecast:
    """Financial-year high-needs spend (pounds). ``monthly``: placement spend April-March (``spend``:
    actual to ``as_of`` then forecast, ``low80``/``high80``/``low95``/``high95`` for forecast months,
    ``is_actual``). ``placement_outturn``: the year's placement spend; ``other_spend``: budget.csv's
    ``other_high_needs_spend`` for the year (0.0 when not given); ``outturn`` = placement_outturn +
    other_spend, with its intervals (the other spend is a fixed input, so it shifts them); the budget,
    the overspend (outturn - budget) and the overspend beyond the Safety Valve cap."""

    financial_year: str
    monthly: pd.DataFrame
    placement_outturn: float
    other_spend: float
    outturn: float
    outturn_low80: float
    outturn_high80: float
    outturn_low95: float
    outturn_high95: float
    budget: float | None
    cap: float | None
    overspend: float | None
    overspend_vs_cap: float | None
    unit_costs: dict


def _other_spend(row: pd.Series | None) -> float:
    """budget.csv's ``other_high_needs_spend`` for the year (pounds); 0.0 when absent or blank."""
    if row is None or "other_high_needs_spend" not in row.index or pd.isna(row["other_high_needs_spend"]):
        return 0.0
    return float(row["other_high_needs_spend"])


def _budget_row(budget: pd.DataFrame | None, fy: str) -> pd.Series | None:
    if budget is None or budget.empty:
        return None
    rows = budget[budget["financial_year"].astype(str).map(periods.normalise_financial_year) == fy]
    return None if rows.empty else rows.iloc[0]


def spend_paths(extract: Extract, forecast: CaseloadForecast) -> tuple[np.ndarray, dict]:
    """Monthly placement spend (pounds) along every simulated path, shape (1 + n_sims, months); row 0 is
    central. Also returns the unit costs used (``avg_cost``, ``cost_new``, shares, inflation)."""
    from sendlib import cost

    as_of = forecast.model.as_of
    c0 = float(cost.committed_cost_at(extract, [as_of], net=True).iloc[0])
    active0 = forecast.model.active
    avg0 = c0 / active0 if active0 else 0.0
    units = new_placement_costs(extract, as_of)
    share = (
        units["independent_share"]
        if forecast.scenario.independent_share is None
        else forecast.scenario.independent_share
    )
    cost_new = share * units["cost_independent"] + (1 - share) * units["cost_other"]
    k = np.arange(1, forecast.frame.shape[0] + 1)
    inflation = (1.0 + forecast.scenario.cost_inflation) ** (k / 12.0)
    committed = (
        c0
        - np.cumsum(forecast.paths_ceased, axis=1) * avg0
        + np.cumsum(forecast.paths_new, axis=1) * cost_new
    )
    used = {"avg_cost": avg0, "cost_new": cost_new, "independent_share": share, **units}
    used["cost_inflation"] = forecast.scenario.cost_inflation
    return committed * inflation / 12.0, used


def forecast_fy_spend(
    extract: Extract, as_of=None, forecast: CaseloadForecast | None = None, scenario: Scenario | None = None
) -> SpendForecast:
    """Forecast outturn of the financial year containing ``as_of`` (pounds), against ``budget.csv``:
    actual monthly placement spend April to ``as_of`` plus forecast placement spend to March, plus the
    year's ``other_high_needs_spend`` from budget.csv when given (see the module docstring).

    ``overspend`` = outturn - hnb_budget; ``overspend_vs_cap`` = overspend - safety_valve_overspend_cap
    (positive: beyond what the Safety Valve allows). Polarity: lower is better.
    """
    if forecast is None:
        forecast = forecast_caseload(extract, as_of, scenario=scenario)
    as_of = forecast.model.as_of
    fy = periods.financial_year(as_of)
    fy_months = periods.month_ends(periods.financial_year_start(as_of), periods.financial_year_end(as_of))
    actual_months = fy_months[fy_months <= as_of]
    actual = monthly_placement_spend(extract, actual_months)
    paths, units = spend_paths(extract, forecast)
    ahead = forecast.frame.index.isin(fy_months)
    future = paths[:, ahead]
    row = _budget_row(extract.budget, fy)
    other = _other_spend(row)
    placement_totals = actual.sum() + future.sum(axis=1)
    totals = placement_totals + other
    sims = totals[1:] if len(totals) > 1 else totals
    monthly = pd.DataFrame(index=pd.DatetimeIndex(fy_months, name="month_end"))
    monthly["is_actual"] = monthly.index <= as_of
    monthly["spend"] = np.concatenate([actual.to_numpy(), future[0]])
    for name, q in (("low80", 0.10), ("high80", 0.90), ("low95", 0.025), ("high95", 0.975)):
        monthly[name] = (
            np.concatenate([actual.to_numpy(), np.quantile(future[1:], q, axis=0)])
            if len(future) > 1
            else monthly["spend"]
        )
    budget_value = None if row is None else float(row["hnb_budget"])
    cap = None if row is None else float(row["safety_valve_overspend_cap"])
    outturn = float(totals[0])
    overspend = None if budget_value is None else outturn - budget_value
    return SpendForecast(
        financial_year=fy,
        monthly=monthly,
        placement_outturn=float(placement_totals[0]),
        other_spend=other,
        outturn=outturn,
        outturn_low80=float(np.quantile(sims, 0.10)),
        outturn_high80=float(np.quantile(sims, 0.90)),
        outturn_low95=float(np.quantile(sims, 0.025)),
        outturn_high95=float(np.quantile(sims, 0.975)),
        budget=budget_value,
        cap=cap,
        overspend=overspend,
        overspend_vs_cap=None if overspend is None or cap is None else overspend - cap,
        unit_costs=units,
    )


def deficit_path(
    extract: Extract, as_of=None, scenario: Scenario | None = None, seed: int | None = None
) -> pd.DataFrame:
    """Cumulative High Needs deficit by financial year, forecast vs the Safety Valve plan (pounds).

    For every financial year in ``budget.csv`` from the first to the last: ``placement_spend`` (actual
    for past years, actual + forecast for the current one, forecast for later ones, with the caseload
    projected to the last budget year), ``other_high_needs_spend`` (budget.csv's, 0 when not given),
    ``spend`` = their sum, ``hnb_budget``, ``in_year_deficit`` = spend - budget,
    ``safety_valve_contribution``, ``cumulative_deficit`` = running sum of (in-year deficit - DfE
    contribution); the plan: ``planned_deficit`` (in-year, as budget.csv gives it) and
    ``planned_cumulative_deficit`` = running sum of (planned deficit - contribution); and
    ``gap`` = cumulative - planned cumulative (positive: worse than plan). Empty when there is no budget.
    Assumption (stated, not in the data): the planned deficit is before the DfE contribution.
    """
    budget = extract.budget
    if budget is None or budget.empty:
        return pd.DataFrame()
    as_of = periods.last_full_month(extract.as_of if as_of is None else as_of)
    b = budget.copy()
    b["financial_year"] = b["financial_year"].astype(str).map(periods.normalise_financial_year)
    b = b.sort_values("financial_year").reset_index(drop=True)
    last_end = periods.financial_year_bounds(b["financial_year"].iloc[-1])[1]
    end = max(last_end, periods.financial_year_end(as_of))
    fc = forecast_caseload(extract, as_of, end=end, scenario=scenario, n_sims=0, seed=seed)
    paths, _ = spend_paths(extract, fc)
    future = pd.Series(paths[0], index=fc.frame.index)
    rows = []
    for fy in b["financial_year"]:
        start, stop = periods.financial_year_bounds(fy)
        months = periods.month_ends(start, stop)
        past = months[months <= as_of]
        spend = float(monthly_placement_spend(extract, past).sum()) if len(past) else 0.0
        spend += float(future[(future.index >= start) & (future.index <= stop)].sum())
        rows.append({"financial_year": fy, "placement_spend": spend})
    out = b.merge(pd.DataFrame(rows), on="financial_year")
    other = out["other_high_needs_spend"] if "other_high_needs_spend" in out else pd.Series(0.0, index=out.index)
    out["other_high_needs_spend"] = other.astype("float64").fillna(0.0)
    out["spend"] = out["placement_spend"] + out["other_high_needs_spend"]
    out["in_year_deficit"] = out["spend"] - out["hnb_budget"]
    contribution = out["safety_valve_contribution"].fillna(0.0)
    out["cumulative_deficit"] = (out["in_year_deficit"] - contribution).cumsum()
    out["planned_cumulative_deficit"] = (out["planned_deficit"].fillna(0.0) - contribution).cumsum()
    out["gap"] = out["cumulative_deficit"] - out["planned_cumulative_deficit"]
    cols = [
        "financial_year",
        "placement_spend",
        "other_high_needs_spend",
        "spend",
        "hnb_budget",
        "in_year_deficit",
        "safety_valve_contribution",
        "cumulative_deficit",
        "planned_deficit",
        "planned_cumulative_deficit",
        "gap",
    ]
    return out[cols].set_index("financial_year")


# ---------------------------------------------------------------------------------------------------
# Backtest
# ---------------------------------------------------------------------------------------------------


def backtest_caseload(
    extract: Extract, origins, horizons=(2, 6, 12), n_sims: int = 1000, seed: int | None = None, **options
) -> pd.DataFrame:
    """Forecast from data up to each origin month end, ``horizons`` months ahead, vs the actual count.

    Targets after the extract's last full month are left out (their outcome is unknown).
    One row per (origin, horizon): ``forecast``, ``actual``, ``error`` (forecast - actual, plans),
    ``pct_error`` (% of actual), ``low80``..``high95`` and ``in80`` / ``in95`` (actual inside).
    """
    rows = []
    last = None if extract.as_of is None else periods.last_full_month(extract.as_of)
    for origin in pd.DatetimeIndex([periods.month_end(o) for o in origins]):  # a dozen origins
        fc = forecast_caseload(
            extract,
            origin,
            end=origin + pd.DateOffset(months=max(horizons)),
            n_sims=n_sims,
            seed=seed,
            **options,
        )
        targets = pd.DatetimeIndex([periods.month_end(origin + pd.DateOffset(months=h)) for h in horizons])
        actual = caseload.active_plans_at(extract.plans, targets).to_numpy()
        for h, t, act in zip(horizons, targets, actual, strict=True):
            if last is not None and t > last:
                continue  # the outcome is not in the extract yet
            r = fc.frame.loc[t]
            rows.append(
                {
                    "origin": origin,
                    "horizon": h,
                    "target": t,
                    "forecast": float(r["active"]),
                    "actual": int(act),
                    "low80": float(r["low80"]),
                    "high80": float(r["high80"]),
                    "low95": float(r["low95"]),
                    "high95": float(r["high95"]),
                }
            )
    out = pd.DataFrame(rows)
    out["error"] = out["forecast"] - out["actual"]
    out["pct_error"] = 100.0 * out["error"] / out["actual"]
    out["in80"] = (out["actual"] >= out["low80"]) & (out["actual"] <= out["high80"])
    out["in95"] = (out["actual"] >= out["low95"]) & (out["actual"] <= out["high95"])
    return out


def backtest_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per horizon: mean absolute error (plans), mean absolute % error, mean error (bias), 80% and 95%
    coverage (% of origins whose actual fell inside)."""
    g = results.groupby("horizon")
    return pd.DataFrame(
        {
            "n": g.size(),
            "mae": g["error"].apply(lambda e: e.abs().mean()),
            "mape_pct": g["pct_error"].apply(lambda e: e.abs().mean()),
            "bias": g["error"].mean(),
            "coverage80_pct": 100.0 * g["in80"].mean(),
            "coverage95_pct": 100.0 * g["in95"].mean(),
        }
    )


# ---------------------------------------------------------------------------------------------------
# Headlines
# ---------------------------------------------------------------------------------------------------


def headline_section(extract: Extract, period_end: pd.Timestamp) -> dict:
    """Forecast headline keys for the month ending ``period_end`` (units in :data:`HEADLINE_UNITS`).

    Plans at month end, whole plans (:func:`in_whole_plans`): ``ehcp_forecast_next_january`` with
    ``_low80`` / ``_high80``, ``ehcp_plan_next_january`` (Safety Valve plan) and
    ``ehcp_forecast_vs_plan`` (forecast - plan).
    Pounds, financial year containing the month: ``fy_forecast_spend`` (high-needs outturn: placement
    spend net of partner contributions plus budget.csv's other high-needs spend), split into
    ``fy_forecast_placement_spend`` and ``fy_other_high_needs_spend`` (0 when budget.csv has none);
    ``fy_budget``, ``fy_forecast_overspend``, ``fy_overspend_vs_cap``.
    The forecast uses only data dated on or before ``period_end``. The backlog and timeliness keys are
    :func:`sendlib.backlog.headline_section` and :func:`sendlib.timeliness.headline_section`.
    """
    pe = periods.month_end(period_end)
    fc = forecast_caseload(extract, pe)
    out: dict = {}
    vs = in_whole_plans(forecast_vs_plan(fc, extract.plan_trajectory))
    out |= {
        "ehcp_forecast_next_january": vs["forecast"],
        "ehcp_forecast_next_january_low80": vs["low80"],
        "ehcp_forecast_next_january_high80": vs["high80"],
        "ehcp_plan_next_january": vs["plan"],
        "ehcp_forecast_vs_plan": vs["gap"],
    }
    spend = forecast_fy_spend(extract, forecast=fc)
    out |= {
        "fy_forecast_spend": _round(spend.outturn, 2),
        "fy_forecast_placement_spend": _round(spend.placement_outturn, 2),
        "fy_other_high_needs_spend": _round(spend.other_spend, 2),
        "fy_budget": _round(spend.budget, 2),
        "fy_forecast_overspend": _round(spend.overspend, 2),
        "fy_overspend_vs_cap": _round(spend.overspend_vs_cap, 2),
    }
    return out


def _round(x, digits: int):
    if x is None:
        return None
    x = float(x)
    return None if np.isnan(x) else round(x, digits)


#: Units of :func:`headline_section`'s keys (merged into :func:`sendlib.headlines.units`).
HEADLINE_UNITS = {
    "ehcp_forecast_next_january": "plans",
    "ehcp_forecast_next_january_low80": "plans",
    "ehcp_forecast_next_january_high80": "plans",
    "ehcp_plan_next_january": "plans",
    "ehcp_forecast_vs_plan": "plans",
    "fy_forecast_spend": "£",
    "fy_forecast_placement_spend": "£",
    "fy_other_high_needs_spend": "£",
    "fy_budget": "£",
    "fy_forecast_overspend": "£",
    "fy_overspend_vs_cap": "£",
}

__all__ = [
    "Scenario",
    "FlowModel",
    "CaseloadForecast",
    "SpendForecast",
    "estimate_flow_model",
    "project_caseload",
    "forecast_caseload",
    "forecast_vs_plan",
    "planned_ehcps_at",
    "monthly_placement_spend",
    "new_placement_costs",
    "spend_paths",
    "forecast_fy_spend",
    "deficit_path",
    "backtest_caseload",
    "backtest_summary",
    "headline_section",
    "median_lag_months",
    "ceasing_hazard_by_month",
    "one_step_residuals",
    "issue_level_changes",
    "requests_trend",
]
