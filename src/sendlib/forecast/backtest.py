"""The local backtest of the flow forecast: forecasts from past origins scored against the actual counts."""

from __future__ import annotations

import pandas as pd

from sendlib import caseload, periods
from sendlib.extract import Extract
from sendlib.forecast.project import forecast_caseload

# ---------------------------------------------------------------------------------------------------
# Backtest
# ---------------------------------------------------------------------------------------------------


def backtest_flow_forecast(
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


def backtest_flow_forecast_summary(results: pd.DataFrame) -> pd.DataFrame:
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
