"""Simulation of the caseload flow model: the central path and the simulated paths for the intervals."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from sendlib import config, periods
from sendlib.extract import Extract
from sendlib.forecast.model import (
    BLOCK_MONTHS,
    CAPACITY_MONTHS,
    DEFAULT_SIMS,
    STREAMS,
    WINDOW_MONTHS,
    CaseloadForecast,
    FlowModel,
    Scenario,
    estimate_flow_model,
    seasonal_error_scale,
)

# ---------------------------------------------------------------------------------------------------
# Projection
# ---------------------------------------------------------------------------------------------------


def _future_requests(
    model: FlowModel, months: pd.DatetimeIndex, scenario: Scenario, slopes: np.ndarray | None = None
) -> np.ndarray:
    """Requests feeding each projected month's new plans (count; actual where already received).

    Future requests = 12-month mean + slope x months from the middle of that window (the central
    path: the significant trend, else 0; the paths: their drawn slopes), times (1 + request_growth) ^
    (months ahead / 12); never below 0. ``slopes``: one slope per simulated path (shape (n,)), giving
    an array (n, months); default the model's slope.
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


def _block_bootstrap(
    residuals: np.ndarray,
    n_sims: int,
    months: int,
    gen: np.random.Generator,
    residual_months: np.ndarray | None = None,
    projected_months: np.ndarray | None = None,
) -> np.ndarray:
    """Centred moving-block bootstrap draws of one-step errors, shape (n_sims, months), drawn from ``gen``.

    Without ``residual_months``: circular blocks of :data:`BLOCK_MONTHS` consecutive
    centred errors (error - mean). With them (the calendar month 1-12 of each error) and
    ``projected_months`` (the calendar month of each projected month): seasonally standardised. Each
    centred error is divided by the scale of its own calendar month (:func:`seasonal_error_scale`), the
    standardised errors are centred again and drawn in the same circular blocks from the whole window,
    and each drawn value is multiplied by the scale of the calendar month it is drawn for. When the
    scale is the same in every month this gives exactly the unscaled draws.
    """
    if len(residuals) == 0 or months == 0:
        return np.zeros((n_sims, months))
    e = residuals - residuals.mean()
    seasonal = residual_months is not None
    if seasonal:
        if projected_months is None or len(projected_months) != months:
            raise ValueError("seasonal draws need the calendar month of each of the projected months")
        scale = seasonal_error_scale(residuals, residual_months)
        z = e / scale[np.asarray(residual_months) - 1]
        e = z - z.mean()
    n = len(e)
    b = min(BLOCK_MONTHS, n)
    n_blocks = -(-months // b)
    starts = gen.integers(0, n, size=(n_sims, n_blocks))
    idx = (starts[:, :, None] + np.arange(b)[None, None, :]) % n  # circular blocks
    draws = e[idx].reshape(n_sims, n_blocks * b)[:, :months]
    if seasonal:
        draws = draws * scale[np.asarray(projected_months) - 1][None, :]
    return draws


def _deviation_multiplier(model: FlowModel, h: int, n_sims: int, gen: np.random.Generator) -> np.ndarray:
    """The factor on each projected month's ceasing hazard, shape (n_sims + 1, h), row 0 the central
    path: 1 + carry(j) x d, carry(j) for j = 1..h months ahead (the 12-month carry after 12), plus on
    each simulated path one past trajectory of the carried deviation's error (a random start, the same
    for every horizon); never below 0. All 1 when the deviation is not carried (``deviation_months``
    0), with nothing drawn from ``gen`` (:mod:`sendlib.forecast.deviation`)."""
    if not model.deviation_months or h == 0:
        return np.ones((n_sims + 1, h))
    carry = np.asarray(model.deviation_carry, dtype=float)
    col = np.minimum(np.arange(1, h + 1), len(carry)) - 1
    central = 1.0 + carry[col] * model.ceasing_deviation
    changes = np.asarray(model.deviation_changes, dtype=float)
    drawn = changes[gen.integers(0, len(changes), size=n_sims)][:, col] if len(changes) else np.zeros((n_sims, h))
    return np.maximum(np.vstack([central[None, :], central[None, :] + drawn]), 0.0)


def _capacity_view(model: FlowModel, scenario: Scenario, h: int) -> tuple[np.ndarray, np.ndarray]:
    """The capacity view of new plans for the ``h`` months after ``model.as_of`` (plans a month) and its
    weight in each month.

    Capacity = the recent issue rate, scaled by a conversion scenario's rate over the estimated one, and
    grown by a request-growth scenario only once the extra requests can have become plans: the k-th
    month ahead by (1 + growth) ^ (max(k - lag, 0) / 12), as the demand view's requests are (requests
    received up to ``as_of`` are actual). Weight = ``model.capacity_weight`` for the first
    :data:`CAPACITY_MONTHS` months, then falling linearly to 0 over as many again."""
    ahead = np.arange(1, h + 1)
    conversion = model.conversion if scenario.conversion is None else scenario.conversion
    ratio = conversion / model.conversion if scenario.conversion is not None and model.conversion > 0 else 1.0
    grown = (1.0 + scenario.request_growth) ** (np.maximum(ahead - model.lag_months, 0) / 12.0)
    weight = model.capacity_weight * np.clip((2 * CAPACITY_MONTHS - ahead) / CAPACITY_MONTHS, 0.0, 1.0)
    return ratio * model.issue_rate * grown, weight


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
    streams = config.rng_streams(seed, len(STREAMS))
    noise_gen, slope_gen, level_gen = streams[:3]
    seasonal = model.error_scale == "seasonal"
    noise = _block_bootstrap(
        model.residuals,
        n_sims,
        h,
        noise_gen,
        model.residual_months if seasonal else None,
        months.month.to_numpy() if seasonal else None,
    )
    # trend uncertainty: one slope per path, drawn around the central slope (requests_trend: always
    # drawn, whether or not the central path carries a trend)
    slopes = model.requests_slope + model.requests_slope_sd * slope_gen.standard_normal(n_sims)
    req_paths = np.vstack([req[None, :], _future_requests(model, months, scenario, slopes)])
    # level uncertainty: each path's new-plan rate drifts to exp(delta) times the central over 12 months,
    # delta resampled from the LA's own year-on-year changes in plans issued (centred)
    shifts = model.level_shocks - model.level_shocks.mean() if len(model.level_shocks) else np.zeros(1)
    delta = level_gen.choice(shifts, size=n_sims)
    ramp = np.minimum(np.arange(1, h + 1) / 12.0, 1.0)
    level = np.vstack([np.ones((1, h)), np.exp(delta[:, None] * ramp[None, :])])
    hz_paths = hz[None, :] * _deviation_multiplier(model, h, n_sims, streams[STREAMS.index("deviation")])
    active = np.full(n_sims + 1, float(model.active))  # row 0: the central path (no noise)
    paths_a = np.empty((n_sims + 1, h))
    paths_n = np.empty((n_sims + 1, h))
    paths_c = np.empty((n_sims + 1, h))
    shocks = np.vstack([np.zeros((1, h)), noise])
    demand = conversion * req_paths
    if model.capacity_weight:
        capacity, weight = _capacity_view(model, scenario, h)
        demand = (1.0 - weight[None, :]) * demand + (weight * capacity)[None, :]
    for k in range(h):  # recursion over months, vectorised over paths
        new = np.maximum(demand[:, k] * level[:, k] + shocks[:, k], 0.0)
        ceased = hz_paths[:, k] * active
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
    return CaseloadForecast(model, scenario, frame, paths_a, paths_n, paths_c, seed=seed)


#: The interval's sources of uncertainty (:func:`interval_components`): the block bootstrap of one-step
#: net-flow errors, the level shifts of new plans, the request trend's slope and the changes of the
#: carried ceasing deviation (0 unless ``deviation_months`` is on).
COMPONENTS = ("residuals", "level", "trend", "deviation")


def interval_components(
    model: FlowModel,
    end=None,
    scenario: Scenario | None = None,
    n_sims: int = DEFAULT_SIMS,
    seed: int | None = None,
) -> pd.DataFrame:
    """How much each source of uncertainty spreads the simulated caseload, month by month.

    One row per projected month end (as :func:`project_caseload`); columns :data:`COMPONENTS`: the
    standard deviation over the simulated paths of active plans at month end (plans) when only that
    source is switched on (``residuals``: the block bootstrap of one-step errors; ``level``: the level
    shifts of new plans; ``trend``: the request slope drawn per path; ``deviation``: the changes of the
    carried ceasing deviation), the others cleared from the model; ``all``: every source together (the
    paths :func:`project_caseload` draws); ``independent``: the root sum of the sources' squares, what ``all`` would be if the sources simply added their
    variances (close to ``all`` when they do). Each source draws from its own stream of ``seed``
    (:data:`~sendlib.forecast.STREAMS`), so its paths here are the very draws it makes in the full run.
    """
    off = {
        "residuals": {"residuals": np.zeros(0), "residual_months": np.zeros(0, dtype=int)},
        "level": {"level_shocks": np.zeros(0)},
        "trend": {"requests_slope_sd": 0.0},
        "deviation": {"deviation_changes": np.zeros((0, 12))},
    }

    def spread(m: FlowModel) -> pd.Series:
        fc = project_caseload(m, end=end, scenario=scenario, n_sims=n_sims, seed=seed)
        sims = fc.paths_active[1:]
        sd = sims.std(axis=0) if n_sims else np.zeros(sims.shape[1])
        return pd.Series(sd, index=fc.frame.index)

    out = {}
    for name in COMPONENTS:
        cleared = {k: v for other in COMPONENTS if other != name for k, v in off[other].items()}
        out[name] = spread(dataclasses.replace(model, **cleared))
    out["all"] = spread(model)
    frame = pd.DataFrame(out)
    frame["independent"] = np.sqrt((frame[list(COMPONENTS)] ** 2).sum(axis=1))
    return frame


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

    ``options`` go to :func:`estimate_flow_model` (``new_plans``, ``ceasing``, ``recent_months``,
    ``error_scale``, ``deviation_months``)."""
    return project_caseload(
        estimate_flow_model(extract, as_of, **options), end=end, scenario=scenario, n_sims=n_sims, seed=seed
    )


def new_plan_views(fc: CaseloadForecast, months: int = 12) -> dict[str, float]:
    """The two views of new plans behind a forecast's central path (plans a month, means over the first
    ``months`` projected months), to explain what drives the forecast.

    Keys: ``months`` (how many months the means cover); ``demand`` (conversion x the requests feeding
    each month: received ``lag`` months earlier, or the projected requests, with the scenario's
    conversion and growth); ``capacity`` (the recent issue rate, grown and scaled as the projection grows
    and scales it; NaN unless ``new_plans="combined"``); ``capacity_weight`` (the mean weight on it over
    those months); ``new_plans`` (the central path's new plans, the weighted average of the two);
    ``conversion`` (plans per request), ``lag_months`` and ``recent_months`` (the months the issue rate
    is averaged over). With ``new_plans="issue_rate"`` the demand figure is that model's (the recent
    rate, carried flat).
    """
    m, f = fc.model, fc.frame.iloc[:months]
    if not len(f):
        raise ValueError("the forecast has no projected month: nothing to explain")
    conversion = m.conversion if fc.scenario.conversion is None else fc.scenario.conversion
    capacity, weight = _capacity_view(m, fc.scenario, len(f))
    return {
        "months": len(f),
        "demand": float(np.mean(conversion * f["requests"].to_numpy(dtype=float))),
        "capacity": float(capacity.mean()) if m.capacity_weight else np.nan,
        "capacity_weight": float(weight.mean()),
        "new_plans": float(f["new"].mean()),
        "conversion": float(conversion),
        "lag_months": int(m.lag_months),
        "recent_months": int(m.recent_months),
    }
