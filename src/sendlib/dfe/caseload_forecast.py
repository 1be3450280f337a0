"""Cross-LA one-year-ahead forecast of every LA's January EHC plan count (DfE caseload, all LAs).

Model ("pooled robust growth"), for target January Y, using only January counts up to Y-1 and the
calendar-year activity of Y-2 (published with the January Y-1 counts, about June Y-1):

1. National growth: g_nat(t) = log(sum N_t / sum N_{t-1}) over LAs present in both years (so LA
   boundary changes do not create growth). Forecast g_nat(Y) = mean of g_nat(Y-1) and g_nat(Y-2).
2. Each LA's deviation from national growth, d_i(t) = log(N_i,t / N_i,t-1) - g_nat(t), is forecast as a
   weighted sum of terms (:func:`design`), all known by June Y-1:

   * ``dev_1``, ``dev_2``: its deviations d_i(Y-1) and d_i(Y-2) (log points);
   * ``dev_1_small``, ``dev_2_small``: the same divided by sqrt(N_i(Y-1)) (plans), so that how much of a
     deviation persists can depend on the LA's size (a small LA's growth is noisier);
   * ``requests``: log of the LA's initial requests for an EHC needs assessment in calendar year Y-2 per
     plan at January Y-2, over the same ratio for all LAs (an LA receiving many requests per plan grows
     faster);
   * ``refusals``: the share of those requests refused (decided not to assess), minus the share over all
     LAs (a fraction, 0-1);
   * ``net_flow``: log(1 + (new plans - ceased plans in Y-2) / N_i(Y-2)) minus the same over all LAs
     (the LA's net-flow growth relative to the national one, log points).

   The weights are fitted by robust (Huber) regression, statsmodels ``RLM``, pooled over all LAs and the
   :data:`TRAIN_YEARS` target years before Y, so they use only data published before Y. Training rows
   lacking a term are left out; if no row has every activity term (years before DfE published them) the
   fit uses the count terms alone. A missing term when forecasting counts as 0 (a new LA, or an LA
   without activity figures, grows at the national rate).
3. Forecast N_i(Y) = N_i(Y-1) * exp(g_nat(Y) + sum_k w_k * term_ik(Y)).
4. Intervals (log scale), calibrated out of sample on the model's own past errors (each past forecast
   itself made only from data before its target). A log error log(actual / forecast) is split into the
   national error (the same for every LA that year: actual minus forecast national growth) and the LA's
   own error (the rest). The LA's own errors from the :data:`CALIBRATION_YEARS` target years before Y are
   scaled by sqrt(N_i(t-1)) (a small LA's count is noisier in percentage terms) and pooled within
   :data:`SIZE_BANDS` size bands (quantile bands of the previous January count); the national errors
   come from the :data:`NATIONAL_ERROR_YEARS` target years before Y (national growth errors are one draw
   a year, so a longer window). An LA's interval is the 10th-90th (80%) and 2.5th-97.5th (95%)
   percentiles of ``own_error / sqrt(N_i(Y-1)) + national_error`` over every pair of a past own error in
   its size band and a past national error. So the width depends on the LA's size, and a year when
   national growth surprises moves every LA together.

Data: statements + EHC plans at January 2010-2018 (2022 release) spliced with EHC plans from 2019 (the
latest release in the DfE folder); see :func:`sendlib.dfe.january_caseload_history`. Activity by calendar
year: :func:`flow_history`. The backtest is in :mod:`sendlib.dfe.caseload_backtest`; what was tried and
rejected is in benchmarks/README.md.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

TRAIN_YEARS = 5  # target years used to fit the weights
CALIBRATION_YEARS = 5  # target years of past LA errors used for the intervals
NATIONAL_ERROR_YEARS = 7  # target years of past national-growth errors used for the intervals
SIZE_BANDS = 4  # intervals are calibrated within quartiles of the previous January count
LAGS = 2
FLOW_LAG = 2  # activity of calendar year Y-2 is published with the January Y-1 counts (June Y-1)
HUBER_T = 1.345  # statsmodels' default Huber threshold (in robust standard deviations of the residuals)
QUANTILES = {"lo95": 0.025, "lo80": 0.10, "hi80": 0.90, "hi95": 0.975}
COUNT_TERMS = ("dev_1", "dev_2", "dev_1_small", "dev_2_small")
FLOW_TERMS = ("requests", "refusals", "net_flow")

# Calendar-year activity: the latest release's measure, and the 2022 release's (sen2_mi) before it.
FLOW_MEASURES = {
    "requests": ("requests_received", ("mi_inreqehc",)),
    "refused": ("requests_refused", ("mi_assrefusedehc",)),
    "new_plans": ("plans_issued", ("mi_newallehc",)),
    "ceased": ("ceased_plans", ("mi_disleaehc", "mi_disleftehc", "mi_dismetehc", "mi_disothehc")),
}


def _wide(tidy: pd.DataFrame, measure: str) -> pd.DataFrame:
    x = tidy[(tidy["measure"] == measure) & (tidy["level"] == "local authority")]
    w = x.pivot_table(index="la_code", columns="year", values="value", aggfunc="first")
    w.columns = w.columns.astype(int)
    return w


def flow_history(dfe_dir=None) -> dict[str, pd.DataFrame]:
    """Each LA's activity by calendar year, wide (index la_code, columns calendar years; counts):
    ``requests`` (initial requests for an EHC needs assessment), ``refused`` (of those, decided not to
    assess), ``new_plans`` (new EHC plans issued) and ``ceased`` (EHC plans ceased).

    Values from the latest release in the DfE folder where it has them (2019 onwards; ceased plans 2022
    onwards), otherwise from the 2022 release's ``sen2_mi`` (2014-2021; ceased = the four "discontinued"
    EHC plan reasons summed, NaN if any is missing). The two releases agree on the 2019-2021 requests,
    refusals and new plans; ceased plans jump in 2022 (person-level collection), which the model's
    relative-to-all-LAs terms absorb. Activity of calendar year c is published with the January c+1
    counts (about June c+1).
    """
    from sendlib.dfe.releases import read_release, read_release_2022

    latest = read_release(dfe_dir)
    old = read_release_2022(dfe_dir)
    out = {}
    for name, (new_measure, old_measures) in FLOW_MEASURES.items():
        parts = [_wide(old, m) for m in old_measures]
        old_w = parts[0]
        for p in parts[1:]:
            old_w = old_w.add(p)  # NaN where any part is missing
        out[name] = _wide(latest, new_measure).combine_first(old_w)
    return out


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


def _before(hist: pd.DataFrame, year: int) -> pd.DataFrame:
    return hist[[c for c in hist.columns if c < year]]


def _column(frame: pd.DataFrame | None, col: int, index: pd.Index) -> pd.Series:
    if frame is None or col not in frame.columns:
        return pd.Series(np.nan, index=index, dtype="float64")
    return frame[col].reindex(index).astype("float64")


def _all_las_ratio(num: pd.Series, den: pd.Series) -> float:
    """sum(num) / sum(den) over LAs with both (and den > 0); NaN if none."""
    ok = num.notna() & den.notna() & (den > 0)
    return float(num[ok].sum() / den[ok].sum()) if ok.any() else np.nan


def flow_terms(hist: pd.DataFrame, year: int, flows: dict | None) -> pd.DataFrame:
    """The activity terms ``requests``, ``refusals``, ``net_flow`` for target January ``year`` (index as
    ``hist``): activity of calendar year ``year`` - 2 relative to all LAs (see the module docstring), per
    plan at January ``year`` - 2. NaN where the LA's figures (or that year's) are missing."""
    c = year - FLOW_LAG
    idx = hist.index
    n = _column(hist, c, idx)  # plans at January Y-2
    req = _column((flows or {}).get("requests"), c, idx)
    ref = _column((flows or {}).get("refused"), c, idx)
    new = _column((flows or {}).get("new_plans"), c, idx)
    ceased = _column((flows or {}).get("ceased"), c, idx)
    with np.errstate(divide="ignore", invalid="ignore"):
        requests = np.log(req / n / _all_las_ratio(req, n))
        refusals = ref / req - _all_las_ratio(ref, req)
        net = (np.log1p((new - ceased) / n)
               - np.log1p(_all_las_ratio(new, n) - _all_las_ratio(ceased, n)))
    out = pd.DataFrame({"requests": requests, "refusals": refusals, "net_flow": net}, index=idx)
    return out.replace([np.inf, -np.inf], np.nan)


def design(hist: pd.DataFrame, year: int, flows: dict | None = None) -> pd.DataFrame:
    """The model's terms for target January ``year`` (index as ``hist``; columns :data:`COUNT_TERMS`,
    and :data:`FLOW_TERMS` when ``flows`` is given), from counts before ``year`` and activity of calendar
    year ``year`` - 2 only. NaN where a term is unknown."""
    past = _before(hist, year)
    dev = _deviations(past, national_growth(past))
    lags = {f"dev_{k}": _column(dev, year - k, hist.index) for k in range(1, LAGS + 1)}
    n1 = _column(past, year - 1, hist.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_root = 1.0 / np.sqrt(n1.where(n1 > 0))
    out = pd.DataFrame(lags | {f"{k}_small": v * inv_root for k, v in lags.items()}, index=hist.index)
    if flows is not None:
        out = out.join(flow_terms(past, year, flows))
    return out


def huber_fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Weights of y on the columns of x (no intercept) by Huber robust regression (statsmodels ``RLM``,
    threshold :data:`HUBER_T`, scale = median absolute residual / 0.6745, iterated). A row far off the
    fit counts less than in least squares, so one LA-year's boundary change or data correction does not
    pull every LA's weight. Least squares when it fits at least half the rows exactly (the robust scale
    would be 0) or there are no more rows than columns."""
    b, *_ = np.linalg.lstsq(x, y, rcond=None)
    if len(y) <= x.shape[1] or np.median(np.abs(y - x @ b)) < 1e-12:
        return b
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = sm.RLM(y, x, M=sm.robust.norms.HuberT(t=HUBER_T)).fit()
    return np.asarray(fit.params, dtype="float64")


def fit_weights(hist: pd.DataFrame, year: int, flows: dict | None = None) -> pd.Series:
    """Weights of the model's terms for target ``year`` (index: term names): :func:`huber_fit` pooled
    over all LAs and target years ``year`` - TRAIN_YEARS .. ``year`` - 1 with both lags (only data
    published before ``year`` enters). Rows lacking a term are left out; if that leaves none, the
    activity terms are dropped and the count terms fitted alone. No rows at all: zero weights."""
    past = _before(hist, year)
    dev = _deviations(past, national_growth(past))
    blocks = [design(past, t, flows).assign(_y=dev[t]) for t in range(year - TRAIN_YEARS, year)
              if t - LAGS - 1 >= past.columns.min()]
    if not blocks:
        return pd.Series(0.0, index=list(COUNT_TERMS))
    data = pd.concat(blocks)
    terms = [c for c in data.columns if c != "_y"]
    rows = data.dropna()
    if rows.empty:
        terms = list(COUNT_TERMS)
        rows = data[terms + ["_y"]].dropna()
    if rows.empty:
        return pd.Series(0.0, index=terms)
    return pd.Series(huber_fit(rows[terms].to_numpy(), rows["_y"].to_numpy()), index=terms)


def national_growth_forecast(hist: pd.DataFrame, year: int) -> float:
    """Forecast log national growth into January ``year``: mean of the two previous years' growth."""
    nat = national_growth(_before(hist, year))
    return float(nat.loc[[year - 1, year - 2]].mean())


def point_forecast(hist: pd.DataFrame, year: int, flows: dict | None = None) -> pd.Series:
    """Forecast of every LA's January ``year`` count (plans) from counts up to ``year`` - 1 and activity
    up to calendar year ``year`` - 2 only (``flows``: :func:`flow_history`; None: count terms only)."""
    past = _before(hist, year)
    w = fit_weights(hist, year, flows)
    x = design(past, year, flows)[list(w.index)].fillna(0.0).to_numpy()
    return pd.Series(past[year - 1].to_numpy() * np.exp(national_growth_forecast(hist, year) + x @ w.to_numpy()),
                     index=hist.index, name=year)


def national_error(hist: pd.DataFrame, year: int) -> float:
    """Actual minus forecast log national growth into January ``year`` (the forecast from counts before
    ``year``; the actual from counts up to ``year``)."""
    actual = float(national_growth(hist[[c for c in hist.columns if c <= year]]).loc[year])
    return actual - national_growth_forecast(hist, year)


def _log_errors(hist: pd.DataFrame, year: int, flows: dict | None = None) -> pd.Series:
    """Out-of-sample log errors log(actual / forecast) of the model for target ``year`` (LAs with a count
    at ``year`` and ``year``-1)."""
    f = point_forecast(hist[[c for c in hist.columns if c <= year]], year, flows)
    a = hist[year]
    ok = a.notna() & f.notna() & (a > 0) & hist[year - 1].notna()
    return np.log(a[ok] / f[ok])


def own_errors(hist: pd.DataFrame, year: int, flows: dict | None = None) -> pd.DataFrame:
    """Each LA's own error for target ``year``: its log error minus the national error, times
    sqrt(N(year-1)) (``z``), with the previous count (``size``)."""
    e = _log_errors(hist, year, flows)
    size = hist.loc[e.index, year - 1]
    return pd.DataFrame({"z": (e - national_error(hist, year)) * np.sqrt(size), "size": size})


def combine_quantiles(z: np.ndarray, z_size: np.ndarray, nat_errors: np.ndarray,
                      sizes: np.ndarray, bands: int | None = None) -> pd.DataFrame:
    """Interval offsets (log scale) for LAs of previous count ``sizes``.

    ``z``: past own errors (scaled by sqrt of their previous count) with those counts ``z_size``;
    ``nat_errors``: past national errors. Size bands are the ``bands`` (default :data:`SIZE_BANDS`)
    quantile bands of ``z_size``; for an LA in band k the offsets are the :data:`QUANTILES` of
    ``z_j / sqrt(size) + n_m`` over every z_j in band k and every national error n_m (numpy's default
    linear quantile). Rows follow ``sizes``; NaN where the size is missing.
    """
    bands = SIZE_BANDS if bands is None else int(bands)
    sizes = np.asarray(sizes, dtype="float64")
    edges = np.quantile(z_size, np.linspace(0, 1, bands + 1)[1:-1])
    band_z = np.searchsorted(edges, z_size, side="right")
    band = np.searchsorted(edges, sizes, side="right")
    out = np.full((len(sizes), len(QUANTILES)), np.nan)
    ps = list(QUANTILES.values())
    for k in range(bands):
        rows = np.flatnonzero((band == k) & np.isfinite(sizes) & (sizes > 0))
        if not len(rows):
            continue
        zk = z[band_z == k]
        draws = zk[None, :, None] / np.sqrt(sizes[rows])[:, None, None] + nat_errors[None, None, :]
        out[rows] = np.quantile(draws.reshape(len(rows), -1), ps, axis=1).T
    return pd.DataFrame(out, columns=list(QUANTILES))


def interval_offsets(hist: pd.DataFrame, year: int, flows: dict | None = None) -> pd.DataFrame:
    """Log offsets ``lo95, lo80, hi80, hi95`` of every LA's interval for January ``year`` (index
    la_code), from errors of the target years before ``year`` only."""
    own = pd.concat([own_errors(hist, t, flows) for t in range(year - CALIBRATION_YEARS, year)])
    nat = np.array([national_error(hist, t) for t in range(year - NATIONAL_ERROR_YEARS, year)])
    out = combine_quantiles(own["z"].to_numpy(), own["size"].to_numpy(), nat, hist[year - 1].to_numpy())
    out.index = hist.index
    return out


def forecast_year(hist: pd.DataFrame, year: int, flows: dict | None = None) -> pd.DataFrame:
    """Point forecast and 80% / 95% intervals for every LA's January ``year`` count (counts of EHC plans
    at the January census), from counts before ``year`` and activity of calendar years up to ``year`` - 2
    only (``flows``: :func:`flow_history`; None: count terms only)."""
    past = _before(hist, year)
    f = point_forecast(past, year, flows).to_numpy()
    q = interval_offsets(past, year, flows)
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
    fc = forecast_year(hist, year, flow_history(dfe_dir)).set_index("la_code").loc[info.la_code]
    return {"la_code": info.la_code, "la_name": info.la_name, "year": year,
            "last": float(hist.loc[info.la_code, year - 1]),
            **{k: float(fc[k]) for k in ("forecast", "lo80", "hi80", "lo95", "hi95")}}
