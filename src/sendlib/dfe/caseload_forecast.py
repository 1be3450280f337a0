"""Cross-LA one-year-ahead forecast of every LA's January EHC plan count (DfE caseload, all LAs).

Model ("pooled-shrinkage growth"), for target January Y, using only January counts up to Y-1:

1. National growth: g_nat(t) = log(sum N_t / sum N_{t-1}) over LAs present in both years (so LA
   boundary changes do not create growth). Forecast g_nat(Y) = mean of g_nat(Y-1) and g_nat(Y-2).
2. Each LA's recent deviation from national growth, d_i(t) = log(N_i,t / N_i,t-1) - g_nat(t), is carried
   forward shrunk toward zero: d_i(Y) = b1 * d_i(Y-1) + b2 * d_i(Y-2). The shrinkage weights b are the
   pooled least-squares fit over the :data:`TRAIN_YEARS` target years before Y (all LAs), so they use
   only data before Y. A missing deviation (new LA) counts as 0: the LA grows at the national rate.
3. Forecast N_i(Y) = N_i(Y-1) * exp(g_nat(Y) + d_i(Y)).
4. Intervals (log scale), calibrated out of sample on the model's own past errors (each past forecast
   itself made only from data before its target). A log error log(actual / forecast) is split into the
   national error (the same for every LA that year: actual minus forecast national growth) and the LA's
   own error (the rest). The LA's own errors from the :data:`CALIBRATION_YEARS` target years before Y are
   scaled by sqrt(N_i(t-1)) (a small LA's count is noisier in percentage terms) and pooled within three
   size bands (terciles of the previous January count); the national errors come from the
   :data:`NATIONAL_ERROR_YEARS` target years before Y (national growth errors are one draw a year, so a
   longer window). An LA's interval is the 10th-90th (80%) and 2.5th-97.5th (95%) percentiles of
   ``own_error / sqrt(N_i(Y-1)) + national_error`` over every pair of a past own error in its size band
   and a past national error. So the width depends on the LA's size, and a year when national growth
   surprises moves every LA together.

Data: statements + EHC plans at January 2010-2018 (2022 release) spliced with EHC plans from 2019 (the
latest release in the DfE folder); see :func:`sendlib.dfe.january_caseload_history`. The backtest is in
:mod:`sendlib.dfe.caseload_backtest`; what was tried and rejected is in benchmarks/README.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRAIN_YEARS = 5  # target years used to fit the shrinkage weights
CALIBRATION_YEARS = 5  # target years of past LA errors used for the intervals
NATIONAL_ERROR_YEARS = 7  # target years of past national-growth errors used for the intervals
SIZE_BANDS = 3  # intervals are calibrated within terciles of the previous January count
LAGS = 2
QUANTILES = {"lo95": 0.025, "lo80": 0.10, "hi80": 0.90, "hi95": 0.975}


def national_growth(hist: pd.DataFrame) -> pd.Series:
    """Log growth of the summed January count, over LAs present in both years (index = later year)."""
    cols = list(hist.columns)
    a = hist[cols[:-1]].to_numpy()
    b = hist[cols[1:]].to_numpy()
    ok = np.isfinite(a) & np.isfinite(b) & (a > 0)
    num = np.where(ok, b, 0.0).sum(axis=0)
    den = np.where(ok, a, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.log(num / den)
    return pd.Series(g, index=cols[1:], dtype="float64")


def _deviations(hist: pd.DataFrame, nat: pd.Series) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.log(hist).diff(axis=1)
    g = g.replace([np.inf, -np.inf], np.nan)
    return g - nat.reindex(g.columns)


def _features(dev: pd.DataFrame, year: int) -> np.ndarray:
    cols = [dev[year - k] if (year - k) in dev.columns else pd.Series(np.nan, index=dev.index)
            for k in range(1, LAGS + 1)]
    return np.column_stack(cols)


def _before(hist: pd.DataFrame, year: int) -> pd.DataFrame:
    return hist[[c for c in hist.columns if c < year]]


def fit_shrinkage(hist: pd.DataFrame, year: int) -> np.ndarray:
    """Shrinkage weights b for target ``year``: pooled least squares on target years year-TRAIN_YEARS ..
    year-1 (only counts before ``year`` enter)."""
    past = _before(hist, year)
    nat = national_growth(past)
    dev = _deviations(past, nat)
    xs, ys = [], []
    for t in range(year - TRAIN_YEARS, year):
        if t - LAGS - 1 < past.columns.min():
            continue
        x = _features(dev, t)
        y = dev[t].to_numpy()
        ok = np.isfinite(x).all(axis=1) & np.isfinite(y)
        xs.append(x[ok])
        ys.append(y[ok])
    if not xs:
        return np.zeros(LAGS)
    b, *_ = np.linalg.lstsq(np.vstack(xs), np.concatenate(ys), rcond=None)
    return b


def national_growth_forecast(hist: pd.DataFrame, year: int) -> float:
    """Forecast log national growth into January ``year``: mean of the two previous years' growth."""
    nat = national_growth(_before(hist, year))
    return float(nat.loc[[year - 1, year - 2]].mean())


def point_forecast(hist: pd.DataFrame, year: int) -> pd.Series:
    """Forecast of every LA's January ``year`` count from counts up to ``year``-1 only."""
    past = _before(hist, year)
    dev = _deviations(past, national_growth(past))
    b = fit_shrinkage(hist, year)
    x = np.nan_to_num(_features(dev, year), nan=0.0)
    return pd.Series(past[year - 1].to_numpy() * np.exp(national_growth_forecast(hist, year) + x @ b),
                     index=hist.index, name=year)


def national_error(hist: pd.DataFrame, year: int) -> float:
    """Actual minus forecast log national growth into January ``year`` (the forecast from counts before
    ``year``; the actual from counts up to ``year``)."""
    actual = float(national_growth(hist[[c for c in hist.columns if c <= year]]).loc[year])
    return actual - national_growth_forecast(hist, year)


def _log_errors(hist: pd.DataFrame, year: int) -> pd.Series:
    """Out-of-sample log errors log(actual / forecast) of the model for target ``year`` (LAs with a count
    at ``year`` and ``year``-1)."""
    f = point_forecast(hist[[c for c in hist.columns if c <= year]], year)
    a = hist[year]
    ok = a.notna() & f.notna() & (a > 0) & hist[year - 1].notna()
    return np.log(a[ok] / f[ok])


def own_errors(hist: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each LA's own error for target ``year``: its log error minus the national error, times
    sqrt(N(year-1)) (``z``), with the previous count (``size``)."""
    e = _log_errors(hist, year)
    size = hist.loc[e.index, year - 1]
    return pd.DataFrame({"z": (e - national_error(hist, year)) * np.sqrt(size), "size": size})


def combine_quantiles(z: np.ndarray, z_size: np.ndarray, nat_errors: np.ndarray,
                      sizes: np.ndarray) -> pd.DataFrame:
    """Interval offsets (log scale) for LAs of previous count ``sizes``.

    ``z``: past own errors (scaled by sqrt of their previous count) with those counts ``z_size``;
    ``nat_errors``: past national errors. Size bands are the :data:`SIZE_BANDS` quantile bands of
    ``z_size``; for an LA in band k the offsets are the :data:`QUANTILES` of
    ``z_j / sqrt(size) + n_m`` over every z_j in band k and every national error n_m (numpy's default
    linear quantile). Rows follow ``sizes``; NaN where the size is missing.
    """
    sizes = np.asarray(sizes, dtype="float64")
    edges = np.quantile(z_size, np.linspace(0, 1, SIZE_BANDS + 1)[1:-1])
    band_z = np.searchsorted(edges, z_size, side="right")
    band = np.searchsorted(edges, sizes, side="right")
    out = np.full((len(sizes), len(QUANTILES)), np.nan)
    ps = list(QUANTILES.values())
    for k in range(SIZE_BANDS):
        rows = np.flatnonzero((band == k) & np.isfinite(sizes) & (sizes > 0))
        if not len(rows):
            continue
        zk = z[band_z == k]
        draws = zk[None, :, None] / np.sqrt(sizes[rows])[:, None, None] + nat_errors[None, None, :]
        out[rows] = np.quantile(draws.reshape(len(rows), -1), ps, axis=1).T
    return pd.DataFrame(out, columns=list(QUANTILES))


def interval_offsets(hist: pd.DataFrame, year: int) -> pd.DataFrame:
    """Log offsets ``lo95, lo80, hi80, hi95`` of every LA's interval for January ``year`` (index
    la_code), from errors of the target years before ``year`` only."""
    own = pd.concat([own_errors(hist, t) for t in range(year - CALIBRATION_YEARS, year)])
    nat = np.array([national_error(hist, t) for t in range(year - NATIONAL_ERROR_YEARS, year)])
    out = combine_quantiles(own["z"].to_numpy(), own["size"].to_numpy(), nat, hist[year - 1].to_numpy())
    out.index = hist.index
    return out


def forecast_year(hist: pd.DataFrame, year: int) -> pd.DataFrame:
    """Point forecast and 80% / 95% intervals for every LA's January ``year`` count (counts of EHC plans
    at the January census), from counts before ``year`` only."""
    past = _before(hist, year)
    f = point_forecast(past, year).to_numpy()
    q = interval_offsets(past, year)
    out = pd.DataFrame({"la_code": hist.index.astype("string"), "year": year, "forecast": f})
    for k in QUANTILES:
        out[k] = f * np.exp(q[k].to_numpy())
    return out


def forecast_next_january(la, dfe_dir=None) -> dict:
    """The LA's forecast for the January after the latest published count, with 80% / 95% intervals.

    ``la``: DfE three-digit code, ONS code or name. Returns a dict with la_code, la_name, year, last
    (the latest count), forecast, lo80, hi80, lo95, hi95 (counts of EHC plans at the January census).
    """
    from sendlib.benchmark import resolve_la
    from sendlib.dfe import january_caseload_history

    info = resolve_la(la, dfe_dir)
    hist = january_caseload_history(dfe_dir)
    year = int(max(hist.columns)) + 1
    fc = forecast_year(hist, year).set_index("la_code").loc[info.la_code]
    return {"la_code": info.la_code, "la_name": info.la_name, "year": year,
            "last": float(hist.loc[info.la_code, year - 1]),
            **{k: float(fc[k]) for k in ("forecast", "lo80", "hi80", "lo95", "hi95")}}
