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
#: The one-step errors' seasonal scale of a calendar month pools the errors of the calendar months
#: within this many months of it (1: the month and its two neighbours, 3 x 3 = 9 errors over 36 months).
SEASON_HALF_WIDTH = 1
HAZARD_YEARS = 3
WINDOW_MONTHS = 12
TREND_MONTHS = 24
TREND_ALPHA = 0.05
#: Independent random streams of one seed (:func:`sendlib.config.rng_streams`): residual blocks, trend
#: slopes, level shifts (:func:`sendlib.forecast.project_caseload`), unit costs (:func:`~sendlib.forecast.spend_paths`),
#: changes of the carried ceasing deviation (only drawn when ``deviation_months`` > 0).
STREAMS = ("noise", "slope", "level", "unit_cost", "deviation")
#: The months of ceasing over which the recent hazard deviation is measured when it is carried
#: (``deviation_months``, :mod:`sendlib.forecast.deviation`; fixed before any backtest).
DEVIATION_MONTHS = 6


@dataclass(frozen=True)
class Scenario:
    """Scenario parameters (all optional; defaults reproduce the estimated model).

    ``request_growth``: annual growth of future requests (0.10 = +10% a year), compounded monthly from
    ``as_of``; it grows the capacity view of new plans (the recent issue rate) alike. ``conversion``:
    plans issued per request (replaces the estimate; the capacity view is scaled by the same ratio, so
    new plans move as if every plan followed the new rate). ``independent_share``:
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
    flow errors (plans per month), oldest first, each from rates fitted on the months before it;
    ``residual_months``: the calendar month (1-12) of each error. ``error_scale``: how the intervals
    resample the errors, ``"constant"`` (as they are) or ``"seasonal"`` (standardised by the size of
    errors in their calendar month, :func:`seasonal_error_scale`, and rescaled to the projected month's;
    needs ``residual_months``).
    ``requests_slope``: the request trend the central path carries (requests per month per month; 0 when
    not significant); ``requests_slope_sd``: the spread of the slope drawn for each simulated path
    (:func:`requests_trend`); ``requests_trend_p``: Kendall's tau p-value.
    """

    as_of: pd.Timestamp
    active: int
    requests_history: pd.Series
    requests_base: float
    lag_months: int
    conversion: float
    hazard: np.ndarray
    residuals: np.ndarray = field(default_factory=lambda: np.zeros(0))
    residual_months: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    error_scale: str = "constant"
    requests_slope: float = 0.0
    requests_slope_sd: float = 0.0
    requests_trend_p: float = 1.0
    level_shocks: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ceasing: str = "seasonal"
    new_plans: str = "requests"
    recent_months: int = 3
    deviation_months: int = 0
    ceasing_deviation: float = 0.0
    deviation_carry: np.ndarray = field(default_factory=lambda: np.zeros(12))
    deviation_changes: np.ndarray = field(default_factory=lambda: np.zeros((0, 12)))
    issue_rate: float = 0.0
    capacity_weight: float = 0.0


@dataclass
class CaseloadForecast:
    """A caseload projection: ``frame`` has one row per month end after ``as_of``.

    Columns: ``requests``, ``new``, ``ceased``, ``active`` (central), ``low80``, ``high80``,
    ``low95``, ``high95`` (plans at month end). ``paths_active``, ``paths_new``, ``paths_ceased``:
    simulated paths (n_sims x months) used for the intervals and the spend interval. ``seed``: the
    simulation's seed (the spend's unit-cost draws use a further stream of it).
    """

    model: FlowModel
    scenario: Scenario
    frame: pd.DataFrame
    paths_active: np.ndarray
    paths_new: np.ndarray
    paths_ceased: np.ndarray
    seed: int | None = None


# ---------------------------------------------------------------------------------------------------
# Estimation
# ---------------------------------------------------------------------------------------------------


def _months_back(as_of: pd.Timestamp, n: int) -> pd.DatetimeIndex:
    return periods.month_ends(as_of - pd.DateOffset(months=n - 1), as_of)


def _issue_days_sorted(assessments: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Issue dates (datetime64, sorted) and days from request to issue of every issued assessment."""
    days = timeliness.days_to_issue(assessments).to_numpy()
    issued = assessments["issued_on"].to_numpy("datetime64[ns]")
    ok = ~np.isnan(days)
    order = np.argsort(issued[ok], kind="stable")
    return issued[ok][order], days[ok][order]


def _median_lags(issued: np.ndarray, days: np.ndarray, fit_dates, window_months: int) -> np.ndarray:
    """:func:`median_lag_months` at each of ``fit_dates``, from :func:`_issue_days_sorted`'s arrays
    (each window is a slice of the sorted dates, found by binary search)."""
    fit = pd.DatetimeIndex(fit_dates)
    start = (fit - pd.DateOffset(months=window_months)).to_numpy("datetime64[ns]")
    lo = np.searchsorted(issued, start, side="right")
    hi = np.searchsorted(issued, fit.to_numpy("datetime64[ns]"), side="right")
    out = np.full(len(fit), 5, dtype=int)
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):  # one slice per month, not months x rows
        if b > a:
            out[i] = int(np.clip(np.round(np.median(days[a:b]) / DAYS_PER_MONTH), 0, 24))
    return out


def median_lag_months(assessments: pd.DataFrame, as_of, window_months: int = WINDOW_MONTHS) -> int:
    """Median whole months from request received to plan issued, plans issued in the window to ``as_of``.

    Months = days / 30.4375 (365.25 / 12), rounded half to even and kept within 0-24. 5 (about 20
    weeks) when nothing was issued in the window.
    """
    issued, days = _issue_days_sorted(assessments)
    return int(_median_lags(issued, days, [pd.Timestamp(as_of)], window_months)[0])


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


NEW_PLAN_METHODS = ("requests", "issue_rate", "combined")
#: With ``new_plans="combined"``, the share of new plans that follows the service's recent issue rate
#: (capacity) rather than conversion x lagged requests (demand): equal weights, fixed, not fitted.
CAPACITY_WEIGHT = 0.5
#: The capacity view keeps its full weight for this many months ahead and fades linearly to 0 over as
#: many again: a backlog moves the issue rate for months, not years, so beyond two years new plans follow
#: demand alone (an assumption; the backtest scores only 2-12 months).
CAPACITY_MONTHS = 12
CEASING_METHODS = ("seasonal", "recent")
ERROR_SCALES = ("constant", "seasonal")


def estimate_flow_model(
    extract: Extract,
    as_of=None,
    window_months: int = WINDOW_MONTHS,
    new_plans: str = "combined",
    ceasing: str = "seasonal",
    recent_months: int = 3,
    error_scale: str = "constant",
    deviation_months: int = 0,
) -> FlowModel:
    """Estimate :class:`FlowModel` from data dated on or before ``as_of`` (a month end; default: the
    extract's last full month). Nothing after ``as_of`` is used, so backtests are honest.

    ``new_plans``: ``"combined"`` (the default: the demand and the capacity views averaged with
    :data:`CAPACITY_WEIGHT`, new plans = (1 - w) x conversion x requests ``lag`` months earlier + w x the
    mean plans issued a month over the last ``recent_months`` months; ``issue_rate`` and
    ``capacity_weight`` on the model; module docstring), ``"requests"`` (the demand view alone:
    conversion x requests ``lag`` months earlier) or ``"issue_rate"`` (the capacity view alone: the
    recent mean carried forward flat, without a request trend: lag 0 and conversion = that rate / mean
    requests, so the request-growth and conversion scenarios still apply). ``ceasing``: ``"seasonal"`` (hazard by calendar month over 3 years) or
    ``"recent"`` (one flat hazard: ceased / active over the last ``recent_months`` months).
    ``error_scale``: ``"constant"`` (the one-step errors are resampled as they are) or ``"seasonal"``
    (seasonally standardised, :func:`seasonal_error_scale`; tried on the sample's backtest and not the
    default: benchmarks/README.md). ``deviation_months``: 0 (default, off) or k > 0 to carry the
    ceasing hazard's deviation over the last k months into the projection, with one-step errors of the
    same rule (:mod:`sendlib.forecast.deviation`; needs ``ceasing="seasonal"``; :data:`DEVIATION_MONTHS`
    is the value backtested).
    """
    if isinstance(deviation_months, bool) or not isinstance(deviation_months, int | np.integer) or deviation_months < 0:
        raise ValueError(f"deviation_months must be a whole number of months, 0 (off) or more; got {deviation_months!r}")
    if deviation_months and ceasing != "seasonal":
        raise ValueError(f"the ceasing deviation is carried on the seasonal hazard only; got ceasing={ceasing!r}")
    if new_plans not in NEW_PLAN_METHODS or ceasing not in CEASING_METHODS or error_scale not in ERROR_SCALES:
        raise ValueError(
            f"new_plans must be one of {NEW_PLAN_METHODS}, ceasing one of {CEASING_METHODS} and error_scale "
            f"one of {ERROR_SCALES}; got {new_plans!r}, {ceasing!r}, {error_scale!r}"
        )
    if isinstance(recent_months, bool) or not isinstance(recent_months, int | np.integer) or not (
        1 <= recent_months <= window_months
    ):
        raise ValueError(
            f"recent_months must be a whole number of months from 1 to {window_months} (the issue rate and the "
            f"recent hazard are taken within the last {window_months} months); got {recent_months!r}"
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
    model.ceasing, model.new_plans, model.recent_months = ceasing, new_plans, recent_months
    model.error_scale = error_scale
    if new_plans == "combined":
        model.issue_rate = float(issued[-recent_months:].mean())
        model.capacity_weight = CAPACITY_WEIGHT
    r = one_step_rates(extract, model)
    kept = r["prev"].to_numpy() > 0  # as one_step_residuals: a month without active plans is left out
    residual = r["residual"].to_numpy()
    if deviation_months:
        from sendlib.forecast.deviation import fit_ceasing_deviation

        d0, carry, changes, adjust = fit_ceasing_deviation(extract.plans, as_of, int(deviation_months), r.index)
        model.deviation_months, model.ceasing_deviation = int(deviation_months), d0
        model.deviation_carry, model.deviation_changes = carry, changes
        residual = residual + adjust  # the fitted ceasing of the same rule: expected x (1 + carry x d)
    model.residuals = residual[kept]
    model.residual_months = r.index.month.to_numpy()[kept]
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


def newey_west_lags(n: int) -> int:
    """Newey-West's rule for the number of autocorrelation lags: floor(4 (n / 100) ^ (2 / 9))."""
    return int(np.floor(4 * (n / 100.0) ** (2.0 / 9.0)))


def requests_trend(requests: pd.Series, alpha: float = TREND_ALPHA) -> tuple[float, float, float]:
    """Linear trend in monthly requests: (central slope, the spread of the slope drawn per path, p).

    Slope in requests per month per month. ``p``: Kendall's tau p-value (:func:`scipy.stats.kendalltau`).
    Central slope: the Theil-Sen slope (:func:`scipy.stats.theilslopes`, robust to outliers) when the
    trend is significant (p < ``alpha``), else 0: the central path carries a trend only when the data
    show one.

    Spread: the standard error of the OLS slope with Newey-West (HAC) errors
    (:mod:`statsmodels`, Bartlett kernel, :func:`newey_west_lags` lags), which allows for the
    autocorrelation of monthly counts, so it is not too small when months run in streaks. Every path
    draws its slope from a normal centred on the central slope with standard deviation
    sqrt(se^2 + (Theil-Sen slope - central slope)^2): when the trend is significant this is the HAC
    standard error; when it is not, the central path is level but the paths still spread over the
    slopes the data allow, including the estimated one (the root mean square error of taking 0 for
    it), so a real but noisy trend widens the interval instead of vanishing. (0, 0, 1) for fewer than
    6 months or a constant series.
    """
    import statsmodels.api as sm
    from scipy import stats

    y = requests.to_numpy(dtype=float)
    if len(y) < 6 or np.all(y == y[0]):
        return 0.0, 0.0, 1.0
    x = np.arange(len(y), dtype=float)
    p = float(stats.kendalltau(x, y).pvalue)
    estimate = float(stats.theilslopes(y, x).slope)
    fit = sm.OLS(y, sm.add_constant(x)).fit(cov_type="HAC", cov_kwds={"maxlags": newey_west_lags(len(y))})
    se = float(fit.bse[1])
    central = estimate if p < alpha else 0.0
    return central, float(np.hypot(se, estimate - central)), p


def one_step_rates(extract: Extract, model: FlowModel, months: int = RESIDUAL_MONTHS) -> pd.DataFrame:
    """The model's one-step fit of each of the last ``months`` month ends to ``model.as_of``, with every
    rate fitted only on data dated before that month (at the previous month end), as
    :func:`estimate_flow_model` would fit it there: so the errors are out of sample.

    One row per month end ``t`` (index): ``lag`` (months, :func:`median_lag_months` at t - 1),
    ``conversion`` (plans per request: plans issued in the 12 months to t - 1 / requests received in the
    12 months ``lag`` earlier; 0 when there were none), ``requests`` (received in month t - lag),
    ``hazard`` (per plan per month: seasonal, the same calendar month's pooled rate over the 3 years
    before t, or the pooled rate of all those 36 months when that month has no active plans; with
    ``ceasing="recent"`` the rate over the ``recent_months`` months before t), ``prev`` (active plans
    at t - 1), ``issued``, ``ceased`` (plans in month t), ``new_fitted`` (conversion x requests; with
    ``new_plans="issue_rate"`` the mean plans issued a month over the ``recent_months`` months before
    t; with ``"combined"`` (1 - w) x conversion x requests + w x that mean, w = the model's
    ``capacity_weight``), ``fitted`` = new_fitted - hazard x prev and ``residual`` = (issued - ceased) - fitted (plans).
    Vectorised over months with cumulative sums.
    """
    a = extract.assessments
    me = _months_back(model.as_of, months)
    back = 12 * HAZARD_YEARS + WINDOW_MONTHS + 24  # the longest look-back: hazard years, lag window
    hm = periods.month_ends(me[0] - pd.DateOffset(months=back), model.as_of)
    issued = caseload.plans_issued_by_month(extract.plans, hm).to_numpy(dtype=float)
    ceased = caseload.plans_ceased_by_month(extract.plans, hm).to_numpy(dtype=float)
    prev = caseload.active_plans_at(extract.plans, hm - pd.offsets.MonthEnd(1)).to_numpy(dtype=float)
    requests = backlog.requests_received_by_month(a, hm).to_numpy(dtype=float)
    pos = np.arange(back, len(hm))  # positions of the residual months t in hm; t - 1 is pos - 1

    def window(values: np.ndarray, end: np.ndarray, n: int) -> np.ndarray:
        """Sums of ``values`` over the ``n`` months ending at positions ``end`` (inclusive)."""
        c = np.concatenate([[0.0], np.cumsum(values)])
        return c[end + 1] - c[end + 1 - n]

    fit = pos - 1
    lag = _median_lags(*_issue_days_sorted(a), hm[fit], WINDOW_MONTHS)
    issued12 = window(issued, fit, WINDOW_MONTHS)
    lagged12 = window(requests, fit - lag, WINDOW_MONTHS)
    conversion = np.where(lagged12 > 0, issued12 / np.where(lagged12 > 0, lagged12, 1.0), 0.0)
    req = requests[pos - lag]
    if model.ceasing == "seasonal":
        years = 12 * np.arange(1, HAZARD_YEARS + 1)
        num = ceased[pos[:, None] - years[None, :]].sum(axis=1)
        den = prev[pos[:, None] - years[None, :]].sum(axis=1)
        all_num = window(ceased, fit, 12 * HAZARD_YEARS)
        all_den = window(prev, fit, 12 * HAZARD_YEARS)
        pooled = np.where(all_den > 0, all_num / np.where(all_den > 0, all_den, 1.0), 0.0)
        hazard = np.where(den > 0, num / np.where(den > 0, den, 1.0), pooled)
    else:
        num, den = window(ceased, fit, model.recent_months), window(prev, fit, model.recent_months)
        hazard = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    if model.new_plans == "issue_rate":
        new_fitted = window(issued, fit, model.recent_months) / model.recent_months
    elif model.new_plans == "combined":
        w = model.capacity_weight
        new_fitted = (1.0 - w) * conversion * req + w * window(issued, fit, model.recent_months) / model.recent_months
    else:
        new_fitted = conversion * req
    fitted = new_fitted - hazard * prev[pos]
    return pd.DataFrame(
        {
            "lag": lag,
            "conversion": conversion,
            "requests": req,
            "hazard": hazard,
            "prev": prev[pos],
            "issued": issued[pos],
            "ceased": ceased[pos],
            "new_fitted": new_fitted,
            "fitted": fitted,
            "residual": (issued[pos] - ceased[pos]) - fitted,
        },
        index=pd.DatetimeIndex(me, name="month_end"),
    )


def one_step_residuals(extract: Extract, model: FlowModel, months: int = RESIDUAL_MONTHS) -> np.ndarray:
    """Actual net flow minus the model's one-step net flow, last ``months`` months (plans per month,
    oldest first), every rate fitted on the months before (:func:`one_step_rates`), so the errors are
    out of sample. A month with no active plans at the previous month end is left out."""
    r = one_step_rates(extract, model, months)
    return r["residual"].to_numpy()[r["prev"].to_numpy() > 0]


def seasonal_error_scale(
    residuals: np.ndarray, residual_months: np.ndarray, half_width: int = SEASON_HALF_WIDTH
) -> np.ndarray:
    """The one-step errors' size by calendar month: 12 scales (plans per month), index 0 = January.

    s(m) = root mean square of the centred errors (error - mean of all errors) whose calendar month is
    within ``half_width`` months of m, wrapping round the year (with 1: December, January and February
    for January), so each scale pools 3 calendar months (9 errors from 36 months). A calendar month
    whose neighbourhood has no errors, or only zero errors, takes the root mean square of all of them;
    all 1 when every error is 0 (or there are none). Errors of the same size in every month give the
    same scale for every month. ``half_width``: 0-5 calendar months.
    """
    e = np.asarray(residuals, dtype=float)
    cal = np.asarray(residual_months, dtype=int)
    if len(e) != len(cal):
        raise ValueError(f"{len(e)} one-step errors but {len(cal)} calendar months: give one month per error")
    if len(e) and ((cal < 1) | (cal > 12)).any():
        raise ValueError(f"calendar months must be 1-12; got {sorted(set(cal[(cal < 1) | (cal > 12)].tolist()))}")
    if not 0 <= half_width <= 5:
        raise ValueError(f"half_width must be 0-5 calendar months (6 would count one month twice); got {half_width}")
    if len(e) == 0:
        return np.ones(12)
    c = e - e.mean()
    sq = np.bincount(cal - 1, weights=c**2, minlength=12)
    n = np.bincount(cal - 1, minlength=12).astype(float)
    shifts = np.arange(-half_width, half_width + 1)
    idx = (np.arange(12)[:, None] + shifts[None, :]) % 12  # each month's neighbourhood, circular
    sq_m, n_m = sq[idx].sum(axis=1), n[idx].sum(axis=1)
    overall = float(np.sqrt(np.mean(c**2)))
    if overall == 0:
        return np.ones(12)
    scale = np.sqrt(sq_m / np.where(n_m > 0, n_m, 1.0))
    return np.where((n_m > 0) & (scale > 0), scale, overall)
