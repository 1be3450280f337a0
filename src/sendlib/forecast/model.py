"""Estimation of the caseload flow model (see :mod:`sendlib.forecast`): lag, conversion, seasonal ceasing
hazard, request trend, level shifts and the one-step errors that make the intervals."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sendlib import backlog, caseload, periods, timeliness
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
