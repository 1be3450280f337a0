"""The recent ceasing-hazard deviation, carried forward (an option of the flow model, off by default).

The seasonal ceasing hazard (:func:`~sendlib.forecast.ceasing_hazard_by_month`) pools 3 years, but a
year's ceasing tends to run above or below that pooled rate in every month alike. With
``deviation_months = k`` (:func:`~sendlib.forecast.estimate_flow_model`; 0, the default, switches it
off):

- ``r(t)``: month t's relative ceasing deviation, (ceased - expected) / expected, expected = the
  seasonal hazard fitted on the 3 years before t (out of sample, as :func:`~sendlib.forecast.one_step_rates` fits it)
  x active plans at t - 1.
- ``d(t)``: the deviation over the k months to t (inclusive): sum of ceased / sum of expected - 1
  (what an origin at t sees).
- ``carry[j - 1]`` (j = 1..12 months ahead): the share of d that persisted j months later in the
  LA's own past, the least-squares slope through the origin of r(t + j) on d(t) over the pairs with
  t + j on or before the origin (at most :data:`DEVIATION_HISTORY_MONTHS` months back), kept within
  0-1 (0 with fewer than :data:`MIN_PAIRS` pairs). Horizons past 12 months use the 12-month carry.
- Central path: the projected month's seasonal hazard x (1 + carry[j - 1] x d(origin)).
- Paths: also + the change in d over j months, drawn per path as a whole trajectory (one past start t
  for every horizon): d(t + j) - d(t), centred over the starts, from the past origins t (within the
  last :data:`DEVIATION_HISTORY_MONTHS` months) whose 12 months ahead are known; the multiplier is
  kept at 0 or more.
- The one-step errors the intervals bootstrap are those of the same rule: month u's expected ceasing
  is multiplied by 1 + carry_1(u - 1) x d(u - 1), carry_1 fitted only on pairs before u.

Units: deviations and carries are fractions (0.3 = 30% more plans ceased than expected); ceased and
expected are plans per month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import caseload, periods

#: Months of relative deviations r (to the origin) used to estimate the carry and the changes.
DEVIATION_HISTORY_MONTHS = 60
#: The carry j months ahead is estimated for j = 1..12 (the projection holds the 12-month value after).
CARRY_HORIZON = 12
#: Fewer (d, r) pairs than this give a carry of 0.
MIN_PAIRS = 12


def ceasing_deviation_history(plans: pd.DataFrame, as_of, months: int, hazard_years: int = 3) -> pd.DataFrame:
    """Ceased plans, expected ceased plans and the relative deviation of each of the ``months`` month
    ends to ``as_of``; expected = the same calendar month's ceased / active-at-previous-month-end pooled
    over the ``hazard_years`` years before the month (the pooled rate of all those months when that
    calendar month had no active plans; 0 when none had) x active plans at the previous month end.

    Columns ``ceased``, ``expected`` (plans per month), ``prev`` (plans), ``r`` (fraction; NaN where
    expected is 0). Vectorised over months.
    """
    as_of = pd.Timestamp(as_of)
    back = 12 * hazard_years
    hm = periods.month_ends(as_of - pd.DateOffset(months=months + back - 1), as_of)
    ceased = caseload.plans_ceased_by_month(plans, hm).to_numpy(dtype=float)
    prev = caseload.active_plans_at(plans, hm - pd.offsets.MonthEnd(1)).to_numpy(dtype=float)
    pos = np.arange(back, len(hm))
    years = 12 * np.arange(1, hazard_years + 1)
    num = ceased[pos[:, None] - years[None, :]].sum(axis=1)
    den = prev[pos[:, None] - years[None, :]].sum(axis=1)
    c = np.concatenate([[0.0], np.cumsum(ceased)])
    p = np.concatenate([[0.0], np.cumsum(prev)])
    all_num, all_den = c[pos] - c[pos - back], p[pos] - p[pos - back]  # the months t - back .. t - 1
    pooled = np.where(all_den > 0, all_num / np.where(all_den > 0, all_den, 1.0), 0.0)
    hazard = np.where(den > 0, num / np.where(den > 0, den, 1.0), pooled)
    expected = hazard * prev[pos]
    r = np.where(expected > 0, ceased[pos] / np.where(expected > 0, expected, 1.0) - 1.0, np.nan)
    return pd.DataFrame(
        {"ceased": ceased[pos], "expected": expected, "prev": prev[pos], "r": r},
        index=pd.DatetimeIndex(hm[pos], name="month_end"),
    )


def trailing_deviation(ceased: np.ndarray, expected: np.ndarray, k: int) -> np.ndarray:
    """d at each position: sum of ``ceased`` / sum of ``expected`` over the ``k`` positions ending there
    (inclusive) - 1 (fraction). NaN for the first k - 1 positions and where the expected sum is 0."""
    ceased, expected = np.asarray(ceased, dtype=float), np.asarray(expected, dtype=float)
    if k < 1:
        raise ValueError(f"the deviation needs at least 1 month; got k = {k}")
    c = np.concatenate([[0.0], np.cumsum(ceased)])
    e = np.concatenate([[0.0], np.cumsum(expected)])
    out = np.full(len(ceased), np.nan)
    if len(ceased) >= k:
        sc, se = c[k:] - c[:-k], e[k:] - e[:-k]
        out[k - 1 :] = np.where(se > 0, sc / np.where(se > 0, se, 1.0) - 1.0, np.nan)
    return out


def deviation_carry(d: np.ndarray, r: np.ndarray, horizon: int = CARRY_HORIZON) -> np.ndarray:
    """The carry j months ahead, j = 1..``horizon``: sum d(t) r(t + j) / sum d(t)^2 over the positions
    where both are known, kept within 0-1; 0 with fewer than :data:`MIN_PAIRS` pairs or when every d
    is 0 (fractions)."""
    d, r = np.asarray(d, dtype=float), np.asarray(r, dtype=float)
    out = np.zeros(horizon)
    for j in range(1, horizon + 1):  # 12 horizons, each vectorised over months
        if len(d) <= j:
            continue
        x, y = d[:-j], r[j:]
        ok = ~np.isnan(x) & ~np.isnan(y)
        den = float((x[ok] ** 2).sum())
        if ok.sum() >= MIN_PAIRS and den > 0:
            out[j - 1] = float(np.clip((x[ok] * y[ok]).sum() / den, 0.0, 1.0))
    return out


def deviation_changes(d: np.ndarray, horizon: int = CARRY_HORIZON) -> np.ndarray:
    """Past trajectories of the change in d: one row per past start t whose ``horizon`` months ahead
    have a known d, column j - 1 = d(t + j) - d(t), each column centred over the starts (fractions).
    Shape (starts, horizon); no rows when no start qualifies."""
    d = np.asarray(d, dtype=float)
    if len(d) <= horizon:
        return np.zeros((0, horizon))
    starts = np.arange(len(d) - horizon)
    out = d[starts[:, None] + np.arange(1, horizon + 1)[None, :]] - d[starts][:, None]
    out = out[~np.isnan(out).any(axis=1)]
    return out - out.mean(axis=0) if len(out) else np.zeros((0, horizon))


def fit_ceasing_deviation(plans: pd.DataFrame, as_of, k: int, residual_months: pd.DatetimeIndex):
    """Everything the option needs at ``as_of``: (d at the origin, the carry for 1..12 months, the
    centred change trajectories, and the one-step ceasing adjustment of each of ``residual_months``:
    expected ceased x carry_1(u - 1) x d(u - 1), plans, to subtract from that month's net-flow error)."""
    as_of = pd.Timestamp(as_of)
    first = pd.DatetimeIndex(residual_months).min() if len(residual_months) else as_of
    span = (as_of.year - first.year) * 12 + as_of.month - first.month + 1
    months = span + DEVIATION_HISTORY_MONTHS + k  # every residual month has its own 60 months before it
    hist = ceasing_deviation_history(plans, as_of, months)
    ceased, expected, r = (hist[c].to_numpy() for c in ("ceased", "expected", "r"))
    d = trailing_deviation(ceased, expected, k)
    recent = slice(len(d) - DEVIATION_HISTORY_MONTHS, len(d))  # the carry at the origin: the last 60 months
    carry = deviation_carry(d[recent], r[recent])
    changes = deviation_changes(d[recent], len(carry))
    d_origin = 0.0 if np.isnan(d[-1]) else float(d[-1])
    # one-step rule at u: d(u - 1) and carry_1 fitted on the 60 months before u
    step = np.zeros(len(d))
    n = DEVIATION_HISTORY_MONTHS
    for_u = np.arange(n, len(d))  # positions with a full history of their own
    c_u = _windowed_one_step_carry(d, r, n)[for_u]
    d_prev = np.nan_to_num(d[for_u - 1])
    step[for_u] = expected[for_u] * c_u * d_prev
    adj = pd.Series(step, index=hist.index).reindex(pd.DatetimeIndex(residual_months)).fillna(0.0).to_numpy()
    return d_origin, carry, changes, adj


def _windowed_one_step_carry(d: np.ndarray, r: np.ndarray, n: int) -> np.ndarray:
    """At position u: the one-month carry from the pairs (d(t), r(t + 1)) with t and t + 1 in
    u - n .. u - 1 (the ``n`` months before u: as :func:`deviation_carry` at an origin u - 1), kept within 0-1; 0 with fewer than :data:`MIN_PAIRS` pairs."""
    m = len(d)
    out = np.zeros(m)
    if m < 2:
        return out
    x, y = d[:-1], r[1:]  # pair i: (d(i), r(i + 1)), known at position i + 1
    ok = ~np.isnan(x) & ~np.isnan(y)
    cxy = np.concatenate([[0.0], np.cumsum(np.where(ok, x * y, 0.0))])
    cxx = np.concatenate([[0.0], np.cumsum(np.where(ok, x * x, 0.0))])
    cn = np.concatenate([[0], np.cumsum(ok)])
    u = np.arange(m)
    hi = np.clip(u - 1, 0, m - 1)  # pairs i with i + 1 <= u - 1 (cumulative sums to i < u - 1)
    lo = np.clip(u - n, 0, m - 1)  # and i >= u - n: both months of the pair within the n months before u
    sxy, sxx, cnt = cxy[hi] - cxy[lo], cxx[hi] - cxx[lo], cn[hi] - cn[lo]
    out = np.where((cnt >= MIN_PAIRS) & (sxx > 0), sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    return np.clip(out, 0.0, 1.0)
