"""Backtest of the cross-LA one-year-ahead caseload forecast (:mod:`sendlib.dfe.caseload_forecast`).

For each target January Y (default 2023-2025) every forecast uses only counts up to January Y-1 and
activity (requests, refusals, new and ceased plans) of calendar year Y-2 or earlier, published with the
January Y-1 counts. The model is scored against four baselines:

* ``last_count``: the last count carried forward, N(Y-1);
* ``last_growth``: last year's growth repeated, N(Y-1)^2 / N(Y-2);
* ``compound_growth_3y``: 3-year compound growth, N(Y-1) * (N(Y-1) / N(Y-4))^(1/3);
* ``ets_damped``: exponential smoothing with an additive damped trend, fitted per LA on the log of its
  January counts up to Y-1 (statsmodels ``ExponentialSmoothing``, parameters by maximum likelihood),
  forecast one step ahead and exponentiated.

Evaluation set: LAs with counts at Y and Y-1..Y-4 (so every baseline is defined). Errors are absolute
percentage errors of the January count (|forecast - actual| / actual * 100); coverage is the % of
actual counts inside the interval (ends included).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from sendlib.dfe.caseload_forecast import forecast_year

TARGET_YEARS: tuple[int, ...] = (2023, 2024, 2025)
BASELINES = ("last_count", "last_growth", "compound_growth_3y", "ets_damped")


def baselines(hist: pd.DataFrame, year: int) -> pd.DataFrame:
    """The three naive forecasts of January ``year`` (counts)."""
    n1, n2, n4 = hist[year - 1], hist.get(year - 2), hist.get(year - 4)
    return pd.DataFrame({
        "last_count": n1,
        "last_growth": n1 * n1 / n2,
        "compound_growth_3y": n1 * (n1 / n4) ** (1 / 3),
    })


def ets_forecast(hist: pd.DataFrame, year: int, las=None) -> pd.Series:
    """Damped-trend exponential smoothing of each LA's log January counts before ``year``, one step
    ahead (counts). ``las``: the LAs to fit (default all with a count at ``year``-1). An LA with fewer
    than 4 counts, or whose fit fails, gets NaN."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    past = hist[[c for c in hist.columns if c < year]]
    las = past.index[past[year - 1].notna()] if las is None else las
    out = pd.Series(np.nan, index=hist.index, name=year)
    for la in las:
        y = np.log(past.loc[la].dropna().to_numpy(dtype="float64"))
        if len(y) < 4:
            continue
        # short annual series: statsmodels warns about convergence and the initialisation; the fitted
        # forecast is still the maximum-likelihood one, so the warnings are silenced here only
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            try:
                fit = ExponentialSmoothing(y, trend="add", damped_trend=True,
                                           initialization_method="estimated").fit()
            except (ValueError, np.linalg.LinAlgError):
                continue
        out[la] = float(np.exp(fit.forecast(1)[0]))
    return out


def backtest_frame(dfe_dir=None, target_years=TARGET_YEARS, hist: pd.DataFrame | None = None,
                   ets: bool = True, flows: dict | None = None) -> pd.DataFrame:
    """Per LA and target year: actual, forecast, intervals, baseline forecasts (evaluation set only).
    ``ets=False`` leaves out the (slower) exponential-smoothing baseline. Without ``hist`` the counts and
    the activity (``flows``, :func:`sendlib.dfe.caseload_forecast.flow_history`) are read from
    ``dfe_dir``; with ``hist`` and no ``flows`` the model uses its count terms only."""
    if hist is None:
        from sendlib.dfe import january_caseload_history
        from sendlib.dfe.caseload_forecast import flow_history

        hist = january_caseload_history(dfe_dir)
        flows = flow_history(dfe_dir) if flows is None else flows
    frames = []
    for y in target_years:
        fc = forecast_year(hist, y, flows).set_index("la_code")
        base = baselines(hist, y)
        ok = (hist[[y, y - 1, y - 2, y - 3, y - 4]].notna().all(axis=1) & (hist[y] > 0)).to_numpy()
        if ets:
            base["ets_damped"] = ets_forecast(hist, y, las=hist.index[ok])
        df = fc.join(base).assign(actual=hist[y])[ok]
        frames.append(df.reset_index())
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["year", "la_code"]).reset_index(drop=True)


def _scores(forecast: pd.Series, actual: pd.Series) -> dict:
    ape = (forecast - actual).abs() / actual * 100
    return {"mape": round(float(ape.mean()), 3), "median_ape": round(float(ape.median()), 3),
            "n": int(ape.notna().sum())}


def _coverage(part: pd.DataFrame, level: int) -> float:
    a = part["actual"]
    return round(float(((a >= part[f"lo{level}"]) & (a <= part[f"hi{level}"])).mean() * 100), 2)


def summarise(frame: pd.DataFrame) -> dict:
    """MAPE, median APE (%), 80% / 95% interval coverage (%) and n; MAPE, median APE and n for each
    baseline; and the same by target year (``by_year``)."""
    names = [b for b in BASELINES if b in frame]

    def block(part: pd.DataFrame) -> dict:
        out = _scores(part["forecast"], part["actual"])
        out["coverage_80"] = _coverage(part, 80)
        out["coverage_95"] = _coverage(part, 95)
        out["baselines"] = {b: _scores(part[b], part["actual"]) for b in names}
        return out

    out = block(frame)
    out["by_year"] = {str(int(y)): block(part) for y, part in frame.groupby("year", sort=True)}
    return out


def run_backtest(dfe_dir=None, target_years=TARGET_YEARS, ets: bool = True) -> dict:
    """The backtest's summary: ``{"mape", "median_ape", "coverage_80", "coverage_95", "n", "baselines",
    "by_year"}`` (percentages; n = LA-years)."""
    return summarise(backtest_frame(dfe_dir, target_years, ets=ets))
