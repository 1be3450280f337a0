"""One-year-ahead forecasts of every LA's January EHCP count, and their backtest.

Model ("pooled-shrinkage growth"), for target January Y, using only January counts up to Y-1:

1. National growth: g_nat(t) = log(sum N_t / sum N_{t-1}) over LAs present in both years (so LA
   boundary changes do not create growth). Forecast g_nat(Y) = mean of g_nat(Y-1) and g_nat(Y-2).
2. Each LA's recent deviation from national growth, d_i(t) = log(N_i,t / N_i,t-1) - g_nat(t), is carried
   forward shrunk toward zero: d_i(Y) = b1 * d_i(Y-1) + b2 * d_i(Y-2). The shrinkage weights b are the
   pooled least-squares fit over the :data:`TRAIN_YEARS` target years before Y (all LAs), so they use
   only data before Y. A missing deviation (new LA) counts as 0: the LA grows at the national rate.
3. Forecast N_i(Y) = N_i(Y-1) * exp(g_nat(Y) + d_i(Y)).
4. Intervals: empirical quantiles of the model's own log errors on the :data:`CALIBRATION_YEARS` target
   years before Y (each of those forecasts itself made only from data before its target), i.e.
   calibrated out of sample. 80% = 10th-90th percentile, 95% = 2.5th-97.5th.

Data: statements + EHC plans at January 2010-2018 (2022 release) spliced with EHC plans 2019-2025 (2025
release); see :func:`sendlib.dfe.january_caseload_history`. Requests / new / ceased plans were tried as
extra predictors (calendar year Y-2, the latest available a year ahead) and did not reduce the error,
so the model does not use them (see benchmarks/README.md).

Baselines: last count carried forward; last year's growth (N_{Y-1}^2 / N_{Y-2}); 3-year compound growth
(N_{Y-1} * (N_{Y-1}/N_{Y-4})^(1/3)). Evaluation set: LAs with counts at Y and Y-1..Y-4 (so every
baseline is defined); errors are absolute percentage errors of the January count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TARGET_YEARS: tuple[int, ...] = (2023, 2024, 2025)
TRAIN_YEARS = 5  # target years used to fit the shrinkage weights
CALIBRATION_YEARS = 5  # target years of past errors used for the intervals
LAGS = 2
MIN_YEAR = 2010


def national_growth(hist: pd.DataFrame) -> pd.Series:
    """Log growth of the summed January count, over LAs present in both years (index = later year)."""
    out = {}
    cols = list(hist.columns)
    for y0, y1 in zip(cols[:-1], cols[1:], strict=True):
        ok = hist[y0].notna() & hist[y1].notna() & (hist[y0] > 0)
        out[y1] = float(np.log(hist.loc[ok, y1].sum() / hist.loc[ok, y0].sum()))
    return pd.Series(out, dtype="float64")


def _deviations(hist: pd.DataFrame, nat: pd.Series) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.log(hist).diff(axis=1)
    g = g.replace([np.inf, -np.inf], np.nan)
    return g - nat.reindex(g.columns)


def _features(dev: pd.DataFrame, year: int) -> np.ndarray:
    cols = [dev[year - k] if (year - k) in dev.columns else pd.Series(np.nan, index=dev.index)
            for k in range(1, LAGS + 1)]
    return np.column_stack(cols)


def fit_shrinkage(hist: pd.DataFrame, year: int) -> np.ndarray:
    """Shrinkage weights b for target ``year``: pooled least squares on target years year-TRAIN_YEARS ..
    year-1 (only counts before ``year`` enter)."""
    past = hist[[c for c in hist.columns if c < year]]
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


def point_forecast(hist: pd.DataFrame, year: int) -> pd.Series:
    """Forecast of every LA's January ``year`` count from counts up to ``year``-1 only."""
    past = hist[[c for c in hist.columns if c < year]]
    nat = national_growth(past)
    g_nat = float(nat.loc[[year - 1, year - 2]].mean())
    dev = _deviations(past, nat)
    b = fit_shrinkage(hist, year)
    x = np.nan_to_num(_features(dev, year), nan=0.0)
    last = past[year - 1]
    return pd.Series(last.to_numpy() * np.exp(g_nat + x @ b), index=hist.index, name=year)


def _log_errors(hist: pd.DataFrame, year: int) -> np.ndarray:
    """Out-of-sample log errors log(actual / forecast) of the model for target ``year``."""
    f = point_forecast(hist[[c for c in hist.columns if c <= year]], year)
    a = hist[year]
    ok = a.notna() & f.notna() & (a > 0) & hist[year - 1].notna()
    return np.log(a[ok] / f[ok]).to_numpy()


def interval_quantiles(hist: pd.DataFrame, year: int) -> dict[str, float]:
    """Error quantiles (log scale) from the CALIBRATION_YEARS target years before ``year``."""
    errs = np.concatenate([_log_errors(hist, t) for t in range(year - CALIBRATION_YEARS, year)])
    q = np.quantile(errs, [0.025, 0.10, 0.90, 0.975])
    return {"lo95": q[0], "lo80": q[1], "hi80": q[2], "hi95": q[3]}


def forecast_year(hist: pd.DataFrame, year: int) -> pd.DataFrame:
    """Point forecast and 80% / 95% intervals for every LA's January ``year`` count (counts)."""
    f = point_forecast(hist, year)
    q = interval_quantiles(hist, year)
    out = pd.DataFrame({"la_code": hist.index.astype("string"), "year": year, "forecast": f.to_numpy()})
    for k, v in q.items():
        out[k] = f.to_numpy() * np.exp(v)
    return out


def baselines(hist: pd.DataFrame, year: int) -> pd.DataFrame:
    """The three naive forecasts of January ``year`` (counts)."""
    n1, n2, n4 = hist[year - 1], hist.get(year - 2), hist.get(year - 4)
    return pd.DataFrame({
        "last_count": n1,
        "last_growth": n1 * n1 / n2,
        "compound_growth_3y": n1 * (n1 / n4) ** (1 / 3),
    })


def backtest_frame(dfe_dir=None, target_years=TARGET_YEARS, hist: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per LA and target year: actual, forecast, intervals, baseline forecasts (evaluation set only)."""
    if hist is None:
        from sendlib.dfe import january_caseload_history

        hist = january_caseload_history(dfe_dir)
    frames = []
    for y in target_years:
        fc = forecast_year(hist, y).set_index("la_code")
        base = baselines(hist, y)
        ok = hist[[y, y - 1, y - 2, y - 3, y - 4]].notna().all(axis=1) & (hist[y] > 0)
        df = fc.join(base).assign(actual=hist[y])[ok.to_numpy()]
        frames.append(df.reset_index())
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["year", "la_code"]).reset_index(drop=True)


def _scores(forecast: pd.Series, actual: pd.Series) -> dict:
    ape = (forecast - actual).abs() / actual * 100
    return {"mape": round(float(ape.mean()), 3), "median_ape": round(float(ape.median()), 3),
            "n": int(ape.notna().sum())}


def summarise(frame: pd.DataFrame) -> dict:
    """MAPE, median APE (%), interval coverage (%) and n; the same (no coverage) for baselines; and the
    scores by target year."""
    out = _scores(frame["forecast"], frame["actual"])
    a = frame["actual"]
    out["coverage_80"] = round(float(((a >= frame["lo80"]) & (a <= frame["hi80"])).mean() * 100), 2)
    out["coverage_95"] = round(float(((a >= frame["lo95"]) & (a <= frame["hi95"])).mean() * 100), 2)
    out["baselines"] = {b: _scores(frame[b], a) for b in ("last_count", "last_growth", "compound_growth_3y")}
    by_year = {}
    for y, part in frame.groupby("year", sort=True):
        s = _scores(part["forecast"], part["actual"])
        s["coverage_80"] = round(float(((part["actual"] >= part["lo80"]) & (part["actual"] <= part["hi80"]))
                                       .mean() * 100), 2)
        s["baselines"] = {b: _scores(part[b], part["actual"])["mape"]
                          for b in ("last_count", "last_growth", "compound_growth_3y")}
        by_year[str(int(y))] = s
    out["by_year"] = by_year
    return out


def run_backtest(dfe_dir=None, target_years=TARGET_YEARS) -> dict:
    """The backtest's summary: ``{"mape", "median_ape", "coverage_80", "coverage_95", "n", "baselines",
    "by_year"}`` (percentages)."""
    return summarise(backtest_frame(dfe_dir, target_years))


def forecast_next_january(la, dfe_dir=None) -> dict:
    """The LA's forecast for the January after the latest published count, with 80% / 95% intervals.

    ``la``: DfE three-digit code, ONS code or name. Returns a dict with la_code, la_name, year, last
    (the latest count), forecast, lo80, hi80, lo95, hi95 (counts at the January census).
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
