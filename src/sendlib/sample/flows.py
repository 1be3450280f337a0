"""Steps 1-2 of the sample generator: monthly flows, the plans (issue, cease, need, date of birth)
and the dates of a school career's placement stages (all vectorised with numpy)."""

from __future__ import annotations

import numpy as np

from sendlib.sample.targets import (
    _M_END_EXCL,
    _M_START,
    _MONTHS,
    ACTIVE_ANCHORS,
    DETAIL_START,
    FAR,
    ISSUED_PER_YEAR,
    NEED_MIX,
    _d,
)


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(year, month) of day numbers."""
    m = np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return m // 12 + 1970, m % 12 + 1


def _sep1(year: np.ndarray) -> np.ndarray:
    """Day number of 1 September of ``year`` (vectorised)."""
    months = (np.asarray(year, dtype=np.int64) - 1970) * 12 + 8
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _spread(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers summing exactly to ``total`` in proportion to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    out = np.floor(raw).astype(np.int64)
    short = int(total - out.sum())
    if short > 0:
        out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def _choose(r: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category index per row of a (n, k) probability matrix (rows need not be normalised)."""
    cum = np.cumsum(probs, axis=1)
    u = r.random(len(probs)) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _days_in_month(r: np.random.Generator, month_index: np.ndarray) -> np.ndarray:
    """A uniformly random day within each month of ``_MONTHS[month_index]``."""
    start = _M_START[month_index]
    length = _M_END_EXCL[month_index] - start
    return start + np.floor(r.random(len(month_index)) * length).astype(np.int64)


# ---------------------------------------------------------------------------------------------------
# Step 1: monthly flows
# ---------------------------------------------------------------------------------------------------


def _month_weights_issued(year: int, months: np.ndarray) -> np.ndarray:
    """Within-year shape of issuance: flat, except a ramp through 2023-24 as the backlog is cleared."""
    if year == 2023:
        return np.linspace(0.92, 1.08, len(months))
    if year == 2024:
        return np.linspace(0.78, 1.22, len(months))
    return np.ones(len(months))


def monthly_issued(k: float = 1.0) -> np.ndarray:
    """New plans issued in each month April 2018 .. November 2024 (counts), scaled by ``k``."""
    years, _ = _ymd(_M_START)
    out = np.zeros(len(_MONTHS), dtype=np.int64)
    for y, total in ISSUED_PER_YEAR.items():
        sel = np.flatnonzero(years == y)
        out[sel] = _spread(round(total * k), _month_weights_issued(y, sel))
    return out


#: Seasonal weight of ceasing by calendar month, January first (leavers' plans are mostly ceased from
#: September to January once destinations are confirmed).
CEASE_SEASON = np.array([3.3, 0.6, 0.6, 0.6, 0.6, 0.6, 1.0, 1.5, 3.2, 3.2, 3.0, 3.3])
#: The same for February-November 2024: issuance ramps up while total ceasing is fixed by the January
#: 2024 and November 2024 anchors, so ceasing is pushed into the autumn to slow net growth to ~40 a month.
CEASE_SEASON_LAST = np.array([3.5, 0.35, 0.35, 0.35, 0.35, 0.35, 0.8, 1.0, 4.0, 4.0, 4.5, 3.5])


def monthly_ceased(issued: np.ndarray, k: float = 1.0) -> np.ndarray:
    """Plans ceasing each month so the active path passes exactly through ``ACTIVE_ANCHORS`` (scaled)."""
    anchor_days = [_d(s) for s in ACTIVE_ANCHORS]
    anchor_vals = [round(v * k) for v in ACTIVE_ANCHORS.values()]
    # month index whose end is the anchor (-1 = the opening stock at 2018-03-31)
    idx = [int(np.searchsorted(_M_END_EXCL - 1, a)) for a in anchor_days]
    idx[0] = -1
    _, cal_month = _ymd(_M_START)
    out = np.zeros(len(_MONTHS), dtype=np.int64)
    for (a, va), (b, vb) in zip(
        zip(idx, anchor_vals, strict=True), zip(idx[1:], anchor_vals[1:], strict=True), strict=False
    ):
        seg = np.arange(a + 1, b + 1)
        total = int(issued[seg].sum() - (vb - va))
        if total < 0:
            raise ValueError(f"sample calibration: issuance too low for the active path ending {_MONTHS[b]}")
        season = CEASE_SEASON_LAST if b == idx[-1] else CEASE_SEASON
        out[seg] = _spread(total, season[cal_month[seg] - 1])
    return out


# ---------------------------------------------------------------------------------------------------
# Step 1-2: plans
# ---------------------------------------------------------------------------------------------------


def _age_years(dob: np.ndarray, day) -> np.ndarray:
    return (day - dob) / 365.25


def _plans(r: np.random.Generator, k: float) -> dict[str, np.ndarray]:
    issued_m = monthly_issued(k)
    ceased_m = monthly_ceased(issued_m, k)
    open_day = DETAIL_START - 1

    # opening stock active at 2018-03-31
    n_stock = round(ACTIVE_ANCHORS["2018-03-31"] * k)
    ages = np.arange(2, 24)
    w_age = np.interp(ages, [2, 6, 10, 14, 17, 20, 23], [3, 6, 8, 8, 6, 2.5, 0.6])
    age_stock = r.choice(ages, n_stock, p=w_age / w_age.sum()) + r.random(n_stock)
    dob_stock = (open_day - age_stock * 365.25).astype(np.int64)
    yrs = np.arange(2010, 2019)
    w_yr = np.array([1.0, 1.2, 1.5, 2.0, 3.0, 4.5, 6.5, 9.0, 2.5])
    iy = r.choice(yrs, n_stock, p=w_yr / w_yr.sum())
    span = np.where(iy == 2018, 90, 365)
    issue_stock = _sep1(iy - 1) + 122 + np.floor(r.random(n_stock) * span).astype(np.int64)  # from 1 Jan
    issue_stock = np.minimum(
        np.maximum(issue_stock, dob_stock + 365 + (r.random(n_stock) * 700).astype(np.int64)), open_day
    )

    # history: plans issued 2010-2017 and ceased before April 2018
    n_hist = round(1_400 * k)
    issue_hist = _d("2010-01-01") + np.floor(
        r.random(n_hist) ** 0.8 * (_d("2017-06-30") - _d("2010-01-01"))
    ).astype(np.int64)
    cease_hist = np.minimum(
        issue_hist + 200 + (r.random(n_hist) * 2_500).astype(np.int64),
        open_day - (r.random(n_hist) * 200).astype(np.int64),
    )
    cease_hist = np.maximum(cease_hist, issue_hist + 30)
    age_cease = np.clip(r.normal(18.5, 3.0, n_hist), 4, 25.5)
    dob_hist = (cease_hist - age_cease * 365.25).astype(np.int64)
    dob_hist = np.minimum(dob_hist, issue_hist - 365)

    # new plans, April 2018 .. November 2024
    month_of = np.repeat(np.arange(len(_MONTHS)), issued_m)
    issue_new = _days_in_month(r, month_of)
    n_new = len(issue_new)
    ages = np.arange(0, 23)
    w_age = np.interp(ages, [0, 2, 4, 6, 9, 12, 15, 17, 19, 22], [0.3, 3, 6, 7, 6.5, 5.5, 3.8, 2.2, 1.0, 0.3])
    age_new = r.choice(ages, n_new, p=w_age / w_age.sum()) + r.random(n_new)
    dob_new = (issue_new - np.maximum(age_new * 365.25, 60)).astype(np.int64)

    issue = np.concatenate([issue_hist, issue_stock, issue_new])
    dob = np.concatenate([dob_hist, dob_stock, dob_new])
    cease = np.concatenate([cease_hist, np.full(n_stock + n_new, FAR)])

    # who ceases each month: weighted sampling without replacement (exponential keys / weight)
    for i in range(len(_MONTHS)):
        c = int(ceased_m[i])
        if c == 0:
            continue
        start = _M_START[i]
        cand = np.flatnonzero((issue < start) & (cease == FAR))
        age = _age_years(dob[cand], start)
        w = 1.0 + 2.0 * (age >= 16) + 6.0 * (age >= 18.5) + 12.0 * (age >= 22) + 5_000.0 * (age >= 25)
        keys = r.exponential(size=len(cand)) / w
        # the c smallest keys, in plan order: argpartition's own order depends on the CPU's SIMD
        # (AVX2 and AVX-512 builds of NumPy return the same set in different orders)
        pick = cand[np.sort(np.argpartition(keys, c - 1)[:c])]
        cease[pick] = start + np.floor(r.random(c) * (_M_END_EXCL[i] - start)).astype(np.int64)

    need_codes = np.array(list(NEED_MIX))
    need_p = np.array(list(NEED_MIX.values()))
    need = r.choice(len(need_codes), len(issue), p=need_p / need_p.sum())
    order = np.lexsort((dob, issue))
    return {
        "issue": issue[order],
        "dob": dob[order],
        "cease": cease[order],
        "need": need_codes[need[order]],
    }


# ---------------------------------------------------------------------------------------------------
# Step 3: placements
# ---------------------------------------------------------------------------------------------------


def _stage_dates(r: np.random.Generator, dob: np.ndarray) -> dict[str, np.ndarray]:
    """Dates of the career stages of each child (by school cohort: September-born start a year later)."""
    y, m = _ymd(dob)
    cohort = y + (m >= 9)
    sec = _sep1(cohort + 11)
    p16 = _sep1(cohort + 16)
    return {
        "reception": _sep1(cohort + 4),
        "mid_primary": _sep1(cohort + 6 + r.integers(0, 4, len(dob))),
        "secondary": sec,
        "breakdown": sec + 30 + np.floor(r.random(len(dob)) * (p16 - sec - 60)).astype(np.int64),
        "post16": p16,
        "post19": _sep1(cohort + 19),
    }
