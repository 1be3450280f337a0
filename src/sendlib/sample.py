"""The synthetic "Example County" extract: a generator calibrated to a real county's published figures.

Nothing here is real: every child, plan, provider and date is drawn at random (through
:func:`sendlib.config.rng`, so a seed gives identical output). The county's *scale and trends* are
calibrated to Devon's published figures (DOMAIN.md section 4) so that notebooks and tests have
realistic data out of the box. ``data/sample/README.md`` lists every target and what was achieved.

How the extract is built (all vectorised with numpy; the only Python loops run over months or over
a handful of placement stages, never over rows):

1. **Flows by month.** New plans per month (``ISSUED_PER_YEAR`` spread over each year's months) and the
   active-plan path through the January anchors (``ACTIVE_ANCHORS``) fix the number of plans ceasing
   each month (issued minus net growth), spread with a September-January peak (leavers' plans are
   ceased once destinations are confirmed). Plans issued before April 2018 form an opening stock.
2. **Who ceases.** Each month the ceasing plans are drawn from the active ones, weighted towards older
   young people (weighted sampling without replacement by exponential keys).
3. **Placements.** Each plan gets an initial placement at issue (by age) and may move at fixed points
   of a school career (reception, mid-primary, secondary transfer, a secondary-phase breakdown, 16+,
   19+). Moves into independent and non-maintained special schools (INMSS) and specialist post-16
   places become more likely over time. Costs are drawn from lognormal distributions around each
   setting's mean, inflated by start date (fee inflation).
4. **Calibration of the MI average cost.** A batch of step-downs from independent special schools to a
   new special free school in November 2024 (``NOV_STEP_DOWNS``) and repricing of that month's new
   placements give the first fall since April; placements starting in a month of May-October 2024 are
   repriced upwards only if that month would not otherwise rise by ``MIN_MONTHLY_RISE``; one scale
   factor on all costs then puts November 2024 on target.
5. **Requests for assessment.** Each plan issued from April 2018 gets a request whose delay is drawn
   so that the year's 20-week rate is on target; refused, no-plan, withdrawn and open requests fill
   each year's received total (level across its months), with the overdue stock at the extract date
   on target and a November 2024 panel of decisions not to issue (``NOV_NO_PLAN``).
6. **Writing.** :func:`write_sample` writes sorted contract CSVs column-wise (fast at national scale),
   ``extract.toml`` and a README with the calibration table (:func:`calibration_table`).

Money is in pounds. ``scale="national"`` multiplies every volume by about 66 (an England-sized
extract, ~640,000 active plans) for benchmarks; it is generated on demand and never committed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sendlib import config, schema

AS_OF = pd.Timestamp("2024-11-30")
AS_OF_TEXT = "2024-11-30"

#: Volume multiplier per scale: national = about 640,000 active plans at the extract date.
SCALES: dict[str, float] = {"county": 1.0, "national": 640_000 / 9_754}

# ---------------------------------------------------------------------------------------------------
# Calibration targets (Devon's published figures; see data/sample/README.md)
# ---------------------------------------------------------------------------------------------------

#: Active plans at month ends (the opening stock at 2018-03-31 is an assumption; the rest are targets).
ACTIVE_ANCHORS: dict[str, int] = {
    "2018-03-31": 4_560,
    "2019-01-31": 5_162,
    "2020-01-31": 6_474,
    "2021-01-31": 7_295,
    "2022-01-31": 7_926,
    "2023-01-31": 8_400,
    "2024-01-31": 8_873,
    "2024-11-30": 9_754,
}
#: New plans issued per calendar year (2018: April-December; 2024: January-November, 11/12 of 1,491).
ISSUED_PER_YEAR: dict[int, int] = {
    2018: 1_020,
    2019: 1_435,
    2020: 1_336,
    2021: 914,
    2022: 932,
    2023: 1_101,
    2024: 1_367,
}
#: Requests received per calendar year (2018: April-December; 2024: January-November, 11/12 of 2,265).
RECEIVED_PER_YEAR: dict[int, int] = {
    2018: 1_230,
    2019: 1_666,
    2020: 1_693,
    2021: 1_745,
    2022: 2_017,
    2023: 2_148,
    2024: 2_076,
}
#: Share of plans issued in the year within 20 weeks, excluding exception cases.
TIMELY_SHARE: dict[int, float] = {
    2018: 0.45,
    2019: 0.321,
    2020: 0.545,
    2021: 0.388,
    2022: 0.118,
    2023: 0.049,
    2024: 0.032,
}
#: Share of the year's requests refused.
REFUSED_SHARE: dict[int, float] = {
    2018: 0.22,
    2019: 0.24,
    2020: 0.26,
    2021: 0.29,
    2022: 0.32,
    2023: 0.33,
    2024: 0.40,
}
#: Requests open and over 20 weeks old at the extract date.
OVERDUE_AT_AS_OF = 620
#: Requests closed with a decision not to issue in November 2024 by a backlog-clearing panel.
NOV_NO_PLAN = 30
#: Share of requests with a legal exception to the 20-week limit.
EXCEPTION_SHARE = 0.04
#: MI average cost of an EHCP at 2024-11-30 (pounds) and its fall from 2024-10-31.
AVG_COST_TARGET = 16_965.0
AVG_COST_NOV_FALL = 80.0

#: Mean annual cost by setting at mid-2024 prices (pounds); 0 = uncosted. Lognormal spread ``COST_SIGMA``.
COST_MEAN: dict[str, float] = {
    "mainstream_la_maintained": 8_500,
    "mainstream_academy": 8_500,
    "mainstream_free_school": 8_500,
    "mainstream_la_maintained_resourced_provision": 14_000,
    "mainstream_academy_resourced_provision": 14_000,
    "mainstream_free_school_resourced_provision": 14_000,
    "mainstream_la_maintained_senunit": 13_000,
    "mainstream_academy_senunit": 13_000,
    "mainstream_free_school_senunit": 13_000,
    "mainstream_independent": 21_000,
    "special_la_maintained": 22_000,
    "special_academy_free": 24_000,
    "special_independent": 58_000,
    "special_non_maintained": 55_000,
    "ap_pru_la_maintained": 16_000,
    "ap_pru_academy": 16_000,
    "ap_pru_free_school": 16_000,
    "general_fe_tertiary_colleges": 9_000,
    "specialist_post_16_institutions": 45_000,
    "ukrlp_provider": 6_000,
    "elective_home_education": 0,
    "other_arrangements_la": 12_000,
    "other_arrangements_parents": 0,
    "online_provider": 7_000,
    "w_settings": 18_000,
    "other_schools": 10_000,
    "other_placement_settings": 8_000,
    "neet": 0,
    "neet_ntci": 0,
    "neet_other": 0,
    "neet_other_csa": 0,
    "nm_early_years": 6_000,
    "placement_unknown": 0,
}
COST_SIGMA = 0.28
FEE_INFLATION = 0.045  # a year, applied by placement start date

#: SEN2 primary need mix of new plans.
NEED_MIX: dict[str, float] = {
    "ASD": 0.30,
    "SEMH": 0.17,
    "SLCN": 0.20,
    "MLD": 0.08,
    "SLD": 0.055,
    "PMLD": 0.015,
    "SPLD": 0.04,
    "HI": 0.02,
    "VI": 0.01,
    "MSI": 0.003,
    "PD": 0.04,
    "OTH": 0.05,
    "NSA": 0.017,
}
#: Needs more often met in special schools (multiplier on the chance of a special placement).
NEED_SPECIAL: dict[str, float] = {
    "SLD": 3.0,
    "PMLD": 4.0,
    "ASD": 1.3,
    "SEMH": 1.2,
    "SPLD": 0.3,
    "SLCN": 0.6,
    "HI": 0.7,
    "VI": 0.7,
    "MLD": 1.0,
}

# ---------------------------------------------------------------------------------------------------
# Placement categories and transitions
# ---------------------------------------------------------------------------------------------------

# Categories (internal) and the settings within each, with their shares.
CATS = ("EY", "MS", "RP", "SP", "IN", "AP", "FE", "S16", "OT", "NEET", "IM")
_EY, _MS, _RP, _SP, _IN, _AP, _FE, _S16, _OT, _NEET, _IM = range(len(CATS))
CAT_SETTINGS: dict[str, dict[str, float]] = {
    "EY": {"nm_early_years": 1.0},
    "MS": {"mainstream_la_maintained": 0.40, "mainstream_academy": 0.52, "mainstream_free_school": 0.08},
    "RP": {
        "mainstream_la_maintained_resourced_provision": 0.30,
        "mainstream_academy_resourced_provision": 0.38,
        "mainstream_la_maintained_senunit": 0.10,
        "mainstream_academy_senunit": 0.15,
        "mainstream_free_school_resourced_provision": 0.05,
        "mainstream_free_school_senunit": 0.02,
    },
    "SP": {"special_la_maintained": 0.45, "special_academy_free": 0.55},
    "IN": {"special_independent": 0.88, "special_non_maintained": 0.12},
    "AP": {"ap_pru_la_maintained": 0.40, "ap_pru_academy": 0.50, "ap_pru_free_school": 0.10},
    "FE": {"general_fe_tertiary_colleges": 0.92, "ukrlp_provider": 0.08},
    "S16": {"specialist_post_16_institutions": 1.0},
    "OT": {
        "other_arrangements_la": 0.45,
        "elective_home_education": 0.22,
        "other_arrangements_parents": 0.10,
        "online_provider": 0.08,
        "other_placement_settings": 0.08,
        "other_schools": 0.04,
        "w_settings": 0.02,
        "placement_unknown": 0.01,
    },
    "NEET": {"neet": 0.60, "neet_other": 0.25, "neet_other_csa": 0.10, "neet_ntci": 0.05},
    "IM": {"mainstream_independent": 1.0},
}
#: Categories whose chance grows over time (multiplied by the trend factor at the move date).
_TREND_CATS = (_IN, _S16)


def _row(**probs: float) -> np.ndarray:
    out = np.zeros(len(CATS))
    for k, v in probs.items():
        out[CATS.index(k)] = v
    return out


def _trend(days: np.ndarray) -> np.ndarray:
    """Growth factor of independent placements by move date: 0.8 in 2016 rising to about 1.8 in 2024."""
    years = (days - _d("2016-01-01")) / 365.25
    return np.clip(0.85 + 0.13 * years, 0.4, 2.2)


# Initial placement at issue, by phase at issue.
INITIAL: dict[str, np.ndarray] = {
    "early": _row(EY=0.58, MS=0.28, RP=0.04, SP=0.10),
    "school": _row(MS=0.60, RP=0.07, SP=0.20, IN=0.035, AP=0.03, OT=0.04, IM=0.01),
    "post16": _row(FE=0.55, S16=0.07, MS=0.08, SP=0.12, IN=0.02, NEET=0.08, OT=0.08),
    "post19": _row(FE=0.50, S16=0.12, NEET=0.16, OT=0.22),
}

# Moves at each stage: from-category -> probabilities over categories (the from-category itself = stay).
MOVES: dict[str, dict[int, np.ndarray]] = {
    "reception": {
        _EY: _row(MS=0.68, RP=0.08, SP=0.22, IN=0.02),
    },
    "mid_primary": {
        _MS: _row(MS=0.81, SP=0.12, IN=0.015, AP=0.015, OT=0.02, RP=0.02),
        _RP: _row(RP=0.75, SP=0.22, IN=0.03),
        _SP: _row(SP=0.95, IN=0.05),
    },
    "secondary": {
        _MS: _row(MS=0.80, RP=0.05, SP=0.09, IN=0.025, AP=0.02, OT=0.015),
        _RP: _row(MS=0.30, RP=0.30, SP=0.35, IN=0.05),
        _SP: _row(SP=0.90, IN=0.10),
        _AP: _row(MS=0.35, SP=0.30, AP=0.20, IN=0.15),
        _OT: _row(MS=0.35, SP=0.25, OT=0.30, IN=0.10),
        _IM: _row(IM=0.8, MS=0.2),
    },
    "breakdown": {
        _MS: _row(MS=0.80, AP=0.045, OT=0.08, SP=0.04, IN=0.035),
        _RP: _row(RP=0.85, SP=0.10, IN=0.05),
        _SP: _row(SP=0.88, IN=0.12),
        _IN: _row(IN=0.96, SP=0.04),
        _AP: _row(AP=0.6, SP=0.2, IN=0.2),
    },
    "post16": {
        _MS: _row(FE=0.50, MS=0.27, S16=0.04, NEET=0.09, OT=0.10),
        _RP: _row(FE=0.62, RP=0.10, S16=0.10, NEET=0.08, OT=0.10),
        _IM: _row(FE=0.5, IM=0.4, NEET=0.1),
        _SP: _row(SP=0.52, FE=0.28, S16=0.12, NEET=0.03, OT=0.05),
        _IN: _row(IN=0.50, S16=0.32, FE=0.12, OT=0.06),
        _AP: _row(FE=0.50, NEET=0.30, OT=0.20),
        _OT: _row(FE=0.45, NEET=0.25, OT=0.30),
    },
    "post19": {
        _MS: _row(FE=0.50, NEET=0.30, OT=0.20),
        _RP: _row(FE=0.50, NEET=0.30, OT=0.20),
        _SP: _row(S16=0.35, FE=0.40, OT=0.15, NEET=0.10),
        _IN: _row(S16=0.45, FE=0.30, OT=0.15, NEET=0.10),
        _FE: _row(FE=0.62, NEET=0.19, OT=0.19),
        _S16: _row(S16=0.88, OT=0.08, NEET=0.04),
        _IM: _row(FE=0.6, NEET=0.4),
    },
}
#: Stages at which staying in a mainstream category still starts a new spell (new school).
NEW_SCHOOL_STAGES = {"secondary": (_MS, _RP)}

#: Providers per setting (county scale); names "Example <kind> <n>".
PROVIDER_KIND: dict[str, tuple[str, int]] = {
    "mainstream_la_maintained": ("Primary School", 160),
    "mainstream_academy": ("Academy", 150),
    "mainstream_free_school": ("Free School", 12),
    "mainstream_la_maintained_resourced_provision": ("School Resource Base", 14),
    "mainstream_academy_resourced_provision": ("Academy Resource Base", 16),
    "mainstream_free_school_resourced_provision": ("Free School Resource Base", 3),
    "mainstream_la_maintained_senunit": ("School SEN Unit", 6),
    "mainstream_academy_senunit": ("Academy SEN Unit", 8),
    "mainstream_free_school_senunit": ("Free School SEN Unit", 2),
    "mainstream_independent": ("Independent School", 10),
    "special_la_maintained": ("Special School", 10),
    "special_academy_free": ("Special Academy", 12),
    "special_independent": ("Independent Special School", 70),
    "special_non_maintained": ("Non-Maintained Special School", 12),
    "ap_pru_la_maintained": ("Pupil Referral Unit", 4),
    "ap_pru_academy": ("AP Academy", 5),
    "ap_pru_free_school": ("AP Free School", 2),
    "general_fe_tertiary_colleges": ("College", 9),
    "specialist_post_16_institutions": ("Specialist College", 25),
    "ukrlp_provider": ("Training Provider", 15),
    "online_provider": ("Online School", 6),
    "w_settings": ("Welsh School", 3),
    "other_schools": ("Other School", 5),
    "other_arrangements_la": ("Tuition Service", 12),
    "other_placement_settings": ("Placement Provider", 6),
    "nm_early_years": ("Nursery", 60),
}
#: The new special free school that opens in November 2024, and the step-downs into it from INMSS.
NEW_SCHOOL_NAME = "Example Special Free School 1"
NEW_SCHOOL_URN = "459999"
NOV_STEP_DOWNS = 30
#: Smallest month-on-month rise of the MI average May-October 2024 (pounds) before repricing kicks in.
MIN_MONTHLY_RISE = 25.0

# ---------------------------------------------------------------------------------------------------
# Date helpers: dates are int64 days since 1970-01-01 throughout; NONE = missing, FAR = not yet.
# ---------------------------------------------------------------------------------------------------

NONE = np.int64(-(10**7))
FAR = np.int64(10**6)


def _d(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


AS_OF_DAY = _d(AS_OF_TEXT)
DETAIL_START = _d("2018-04-01")
_MONTHS = np.arange(np.datetime64("2018-04"), np.datetime64("2024-12"))  # 80 months, Apr 2018..Nov 2024
_M_START = _MONTHS.astype("datetime64[D]").astype(np.int64)
_M_END_EXCL = (_MONTHS + 1).astype("datetime64[D]").astype(np.int64)


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


def _placement_spells(r: np.random.Generator, plans: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = len(plans["issue"])
    issue, dob, cease, need = plans["issue"], plans["dob"], plans["cease"], plans["need"]
    stages = _stage_dates(r, dob)
    special_mult = np.ones(n)
    for code, mult in NEED_SPECIAL.items():
        special_mult[need == code] = mult

    # first placement: at issue, occasionally a few weeks later (awaiting placement)
    delayed = (r.random(n) < 0.03) & (issue >= DETAIL_START)
    first = issue + np.where(delayed, 14 + (r.random(n) * 100).astype(np.int64), 0)
    phase = np.where(
        first < stages["reception"],
        0,
        np.where(first < stages["post16"], 1, np.where(first < stages["post19"], 2, 3)),
    )
    probs = np.stack([INITIAL["early"], INITIAL["school"], INITIAL["post16"], INITIAL["post19"]])[phase]
    probs = probs.copy()
    for c in (_SP, _IN):
        probs[:, c] *= special_mult
    for c in _TREND_CATS:
        probs[:, c] *= _trend(first)
    cat = _choose(r, probs)

    end_limit = np.where(cease == FAR, AS_OF_DAY, cease - 1)  # last day a placement may start
    spell_plan = [np.arange(n)]
    spell_start = [first]
    spell_cat = [cat]
    for stage, table in MOVES.items():
        when = stages[stage]
        applies = (when > first) & (when <= end_limit) & (when <= AS_OF_DAY)
        new_cat = cat.copy()
        for from_cat, row in table.items():
            sel = np.flatnonzero(applies & (cat == from_cat))
            if len(sel) == 0:
                continue
            p = np.tile(row, (len(sel), 1))
            if stage not in ("post16", "post19"):
                for c in (_SP, _IN):
                    if c != from_cat:
                        p[:, c] *= special_mult[sel]
            for c in _TREND_CATS:
                if c != from_cat:
                    p[:, c] *= _trend(when[sel])
            new_cat[sel] = _choose(r, p)
        moved = applies & (new_cat != cat)
        new_school = np.isin(cat, NEW_SCHOOL_STAGES.get(stage, ())) & applies & (new_cat == cat)
        starts = moved | new_school
        spell_plan.append(np.flatnonzero(starts))
        spell_start.append(when[starts])
        spell_cat.append(new_cat[starts])
        cat = new_cat
    plan_ix = np.concatenate(spell_plan)
    start = np.concatenate(spell_start)
    cats = np.concatenate(spell_cat)
    keep = start <= np.minimum(end_limit[plan_ix], AS_OF_DAY)
    plan_ix, start, cats = plan_ix[keep], start[keep], cats[keep]
    order = np.lexsort((start, plan_ix))
    plan_ix, start, cats = plan_ix[order], start[order], cats[order]
    end = np.where(cease[plan_ix] == FAR, FAR, cease[plan_ix] - 1)
    nxt_same = np.r_[plan_ix[1:] == plan_ix[:-1], False]
    end[nxt_same] = start[1:][nxt_same[:-1]] - 1
    return {"plan_ix": plan_ix, "start": start, "end": end, "cat": cats}


_CODES = np.array(schema.SETTING_CODES)
_CODE_IX = {c: i for i, c in enumerate(schema.SETTING_CODES)}
_INMSS_IX = np.array([_CODE_IX[c] for c in schema.INDEPENDENT_SETTINGS_INMSS])
_COST_MEAN_IX = np.array([float(COST_MEAN[c]) for c in schema.SETTING_CODES])


def _settings_from_cats(r: np.random.Generator, cats: np.ndarray) -> np.ndarray:
    """A setting (index into ``schema.SETTING_CODES``) for each category, by the shares in CAT_SETTINGS."""
    out = np.zeros(len(cats), dtype=np.int64)
    for ci, name in enumerate(CATS):
        sel = np.flatnonzero(cats == ci)
        if len(sel) == 0:
            continue
        settings = np.array([_CODE_IX[c] for c in CAT_SETTINGS[name]])
        p = np.array(list(CAT_SETTINGS[name].values()))
        out[sel] = settings[r.choice(len(settings), len(sel), p=p / p.sum())]
    return out


def _costs(r: np.random.Generator, setting: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Annual cost (pounds): the setting's mean, inflated by start date, times lognormal noise (mean 1)."""
    mean = _COST_MEAN_IX[setting]
    infl = (1 + FEE_INFLATION) ** ((start - _d("2024-06-01")) / 365.25)
    noise = np.exp(r.normal(-(COST_SIGMA**2) / 2, COST_SIGMA, len(setting)))
    return mean * infl * noise


def _providers(r: np.random.Generator, setting: np.ndarray, k: float) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic providers: 6-digit URN-like ids (block of 30,000 per setting) and "Example ..." names."""
    urn = np.full(len(setting), "", dtype=object)
    name = np.full(len(setting), "", dtype=object)
    for si, (code, (kind, count)) in enumerate(PROVIDER_KIND.items()):
        sel = np.flatnonzero(setting == _CODE_IX[code])
        count = min(max(1, round(count * k)), 29_999)
        if len(sel) == 0:
            continue
        w = 1.0 / np.arange(1, count + 1) ** 0.6
        j = r.choice(count, len(sel), p=w / w.sum())
        first = 100_000 + si * 30_000 + 1
        urn[sel] = np.array([str(first + i) for i in range(count)], dtype=object)[j]
        name[sel] = np.array([f"Example {kind} {i + 1}" for i in range(count)], dtype=object)[j]
    return urn, name


# ---------------------------------------------------------------------------------------------------
# Step 4: MI average-cost calibration
# ---------------------------------------------------------------------------------------------------


def _mi_average_fn(
    issue: np.ndarray,
    cease: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    days: np.ndarray,
):
    """A function ``cost -> MI average cost at each of days`` (pounds) for fixed plans and spells.

    MI average at d = annual cost of placements current at d (start <= d <= end) / plans active at d
    (issue <= d < cease). Event-based: cumulative sums over sorted start and end dates, so repricing
    during calibration costs one pass. Placements end before their plan ceases, so every current
    placement belongs to an active plan.
    """
    active = np.searchsorted(np.sort(issue), days, side="right") - np.searchsorted(
        np.sort(cease), days, side="right"
    )
    o1 = np.argsort(start, kind="stable")
    o2 = np.argsort(end, kind="stable")
    i1 = np.searchsorted(start[o1], days, side="right")
    i2 = np.searchsorted(end[o2], days, side="left")  # end_on < d: ended

    def average(cost: np.ndarray) -> np.ndarray:
        cs1 = np.r_[0.0, np.cumsum(cost[o1])]
        cs2 = np.r_[0.0, np.cumsum(cost[o2])]
        return (cs1[i1] - cs2[i2]) / active

    average.active = active
    return average


def _calibrate_costs(r, plans, sp, k: float) -> dict[str, np.ndarray]:
    """Shape the MI average around 2024 (see module docstring) and put November 2024 on target."""
    issue, cease = plans["issue"], plans["cease"]
    me = _M_END_EXCL - 1
    i_may = int(np.searchsorted(me, _d("2024-05-31")))
    i_oct = int(np.searchsorted(me, _d("2024-10-31")))
    i_nov = i_oct + 1

    # (a) November 2024 step-downs: some INMSS placements move to a new maintained special free school
    cur_in = np.flatnonzero(
        np.isin(sp["setting"], _INMSS_IX) & (sp["end"] == FAR) & (sp["start"] < _d("2024-10-01"))
    )
    n_step = min(len(cur_in), round(NOV_STEP_DOWNS * k))
    pick = np.sort(r.choice(cur_in, n_step, replace=False))
    move_day = _d("2024-11-01") + r.integers(0, 20, n_step)
    academy = np.full(n_step, _CODE_IX["special_academy_free"])
    new = {
        "plan_ix": sp["plan_ix"][pick],
        "start": move_day,
        "end": np.full(n_step, FAR),
        "cat": np.full(n_step, _SP),
        "setting": academy,
        "urn": np.full(n_step, NEW_SCHOOL_URN, dtype=object),
        "name": np.full(n_step, NEW_SCHOOL_NAME, dtype=object),
        "cost": _costs(r, academy, move_day),
    }
    sp["end"] = sp["end"].copy()
    sp["end"][pick] = move_day - 1
    sp = {key: np.concatenate([sp[key], new[key]]) for key in sp}

    average = _mi_average_fn(issue, cease, sp["start"], sp["end"], me)
    active = average.active
    cost = sp["cost"].copy()
    cost *= AVG_COST_TARGET / average(cost)[i_nov]
    for _ in range(2):
        # (b) rises May..Oct 2024: reprice a month's new placements when that month would not rise
        for i in range(i_may, i_oct + 1):
            avg = average(cost)
            want = MIN_MONTHLY_RISE - (avg[i] - avg[i - 1])
            if want <= 0:
                continue
            sel = (sp["start"] >= _M_START[i]) & (sp["start"] <= me[i]) & (sp["end"] >= me[i]) & (cost > 0)
            total = cost[sel].sum()
            if total > 0:
                cost[sel] *= 1 + min(want * active[i] / total, 0.6)
        # (c) the November fall: reprice November's new placements so it is about AVG_COST_NOV_FALL
        avg = average(cost)
        gap = (avg[i_nov] - avg[i_oct]) + AVG_COST_NOV_FALL
        sel = (sp["start"] >= _M_START[i_nov]) & (sp["end"] >= me[i_nov]) & (cost > 0)
        total = cost[sel].sum()
        if total > 0:
            cost[sel] *= np.clip(1 - gap * active[i_nov] / total, 0.5, 1.5)
        cost *= AVG_COST_TARGET / average(cost)[i_nov]
    sp["cost"] = np.round(cost, 2)
    return sp


# ---------------------------------------------------------------------------------------------------
# Step 5: requests for assessment
# ---------------------------------------------------------------------------------------------------


def _late_extra_days(r: np.random.Generator, year: np.ndarray) -> np.ndarray:
    """Days beyond 20 weeks for late plans, longer as the backlog grew (mean by issue year)."""
    mean = (
        pd.Series(year)
        .map({2018: 50, 2019: 60, 2020: 55, 2021: 75, 2022: 110, 2023: 120, 2024: 105})
        .to_numpy(dtype=float)
    )
    return 1 + r.gamma(2.0, mean / 2.0)


def _assessments(
    r: np.random.Generator, plans: dict[str, np.ndarray], child_ids: np.ndarray, k: float, next_child: int
) -> dict[str, np.ndarray]:
    issue = plans["issue"]
    from_req = np.flatnonzero(issue >= DETAIL_START)
    iss = issue[from_req]
    n = len(iss)
    iy, _ = _ymd(iss)
    exception = r.random(n) < EXCEPTION_SHARE
    timely = np.zeros(n, dtype=bool)
    for y, share in TIMELY_SHARE.items():
        sel = np.flatnonzero((iy == y) & ~exception)
        m = round(share * len(sel))
        timely[r.choice(sel, m, replace=False)] = True
    delay = np.where(
        timely, 90 + (r.random(n) * 50).astype(np.int64), 140 + _late_extra_days(r, iy).astype(np.int64)
    )
    delay = np.where(exception, 100 + (r.random(n) * 250).astype(np.int64), delay)
    received = iss - delay
    decision = received + np.minimum(28 + (r.random(n) * 25).astype(np.int64), delay - 21)
    req = {
        "child": child_ids[from_req],
        "received": received,
        "decision_on": decision,
        "decision": np.full(n, "assess", dtype=object),
        "outcome": np.full(n, "plan_issued", dtype=object),
        "issued": iss,
        "closed": np.full(n, NONE),
        "exception": exception,
    }
    ry, _ = _ymd(received)

    # overdue open requests at the extract date
    n_over = round(OVERDUE_AT_AS_OF * k)
    age_w = np.array([0.34, 0.36, 0.20, 0.10])  # 20-26, 26-39, 39-52, 52-80 weeks
    band = r.choice(4, n_over, p=age_w)
    lo = np.array([141, 182, 273, 364])[band]
    hi = np.array([182, 273, 364, 560])[band]
    over_received = AS_OF_DAY - (lo + r.random(n_over) * (hi - lo)).astype(np.int64)
    awaiting = r.random(n_over) < 0.05
    over = {
        "received": over_received,
        "decision_on": np.where(
            awaiting, NONE, over_received + 35 + (r.random(n_over) * 40).astype(np.int64)
        ),
        "decision": np.where(awaiting, "", "assess").astype(object),
        "outcome": np.full(n_over, "open", dtype=object),
        "issued": np.full(n_over, NONE),
        "closed": np.full(n_over, NONE),
        "exception": r.random(n_over) < EXCEPTION_SHARE * 2,
    }
    # a panel clearing old cases in November 2024: assessed requests closed with a decision not to issue
    n_np = round(NOV_NO_PLAN * k)
    np_received = _d("2024-03-01") + (r.random(n_np) * 120).astype(np.int64)
    np_decision = np_received + 35 + (r.random(n_np) * 30).astype(np.int64)
    np_closed = _d("2024-11-01") + (r.random(n_np) * 30).astype(np.int64)
    over = {
        "received": np.concatenate([over["received"], np_received]),
        "decision_on": np.concatenate([over["decision_on"], np_decision]),
        "decision": np.concatenate([over["decision"], np.full(n_np, "assess", dtype=object)]),
        "outcome": np.concatenate([over["outcome"], np.full(n_np, "no_plan", dtype=object)]),
        "issued": np.concatenate([over["issued"], np.full(n_np, NONE)]),
        "closed": np.concatenate([over["closed"], np_closed]),
        "exception": np.concatenate([over["exception"], r.random(n_np) < EXCEPTION_SHARE]),
    }
    oy, _ = _ymd(over["received"])

    # fill each year's received total with refused, no-plan, withdrawn and (recent) open requests
    parts = []
    young_from = AS_OF_DAY - 140  # received after this: not overdue at the extract date
    for y, total in RECEIVED_PER_YEAR.items():
        m = round(total * k) - int(((ry == y) & (received >= DETAIL_START)).sum()) - int((oy == y).sum())
        if m <= 0:
            continue
        # spread over the year's months so every month's total is about level (fill the gaps)
        months = np.flatnonzero(_MONTHS.astype("datetime64[Y]").astype(np.int64) + 1970 == y)
        existing = np.bincount(
            np.searchsorted(_M_END_EXCL, np.concatenate([received, over["received"]]), side="right"),
            minlength=len(_MONTHS) + 1,
        )[months]
        days = (_M_END_EXCL[months] - _M_START[months]).astype(float)
        level = (m + existing.sum()) * days / days.sum()
        per_month = _spread(m, np.maximum(level - existing, 0.0) + 1e-9)
        rec = _days_in_month(r, np.repeat(months, per_month))
        kind = np.where(r.random(m) < 0.78, 1, 2)  # 0 refuse, 1 no_plan, 2 withdrawn
        kind[r.choice(m, min(m, round(REFUSED_SHARE[y] * total * k)), replace=False)] = 0
        dec = rec + 28 + (r.random(m) * 20).astype(np.int64)
        closed = np.where(
            kind == 1,
            dec + 60 + (r.random(m) * 90).astype(np.int64),
            dec + (r.random(m) * 60).astype(np.int64),
        )
        closed = np.where(kind == 0, dec, closed)
        young = rec > young_from
        # old requests must not add to the overdue stock: late closures land in the last weeks
        late_old = (closed > AS_OF_DAY) & ~young
        closed = np.where(late_old, np.maximum(dec, AS_OF_DAY - (r.random(m) * 25).astype(np.int64)), closed)
        awaiting = dec > AS_OF_DAY
        open_ = awaiting | (closed > AS_OF_DAY)
        decision = np.where(awaiting, "", np.where(kind == 0, "refuse", "assess")).astype(object)
        outcome = np.where(open_, "open", np.where(kind == 2, "withdrawn", "no_plan")).astype(object)
        parts.append(
            {
                "received": rec,
                "decision_on": np.where(awaiting, NONE, dec),
                "decision": decision,
                "outcome": outcome,
                "issued": np.full(m, NONE),
                "closed": np.where(open_, NONE, closed),
                "exception": r.random(m) < EXCEPTION_SHARE,
            }
        )
    other = {key: np.concatenate([over[key]] + [p[key] for p in parts]) for key in over}
    n_other = len(other["received"])
    other["child"] = np.array(_ids("C", next_child + np.arange(n_other)), dtype=object)
    out = {key: np.concatenate([req[key], other[key]]) for key in req}
    return out


def _ids(prefix: str, numbers: np.ndarray) -> np.ndarray:
    """Ids like ``P0000123``: ``prefix`` and the number zero-padded to 7 digits (object array)."""
    text = pd.Series(np.asarray(numbers, dtype=np.int64)).astype("string[pyarrow]").str.zfill(7)
    return (prefix + text).to_numpy(dtype=object)


# ---------------------------------------------------------------------------------------------------
# Planning inputs
# ---------------------------------------------------------------------------------------------------


def _plan_trajectory(k: float) -> pd.DataFrame:
    months = pd.date_range("2023-04-30", "2027-03-31", freq="ME")
    m = (months.year - 2025) * 12 + (months.month - 1)  # months from January 2025
    planned = np.round((9_372 + 40 * m - 0.3 * m**2) * k).astype(np.int64)
    deficit = np.round((96_000_000 + 2_100_000 * (m + 21) - 60_000 * (m + 21) ** 2) * k / 1000) * 1000
    return pd.DataFrame({"month": months, "planned_ehcps": planned, "planned_deficit": deficit.astype(float)})


def _budget(k: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "financial_year": ["2023-24", "2024-25", "2025-26"],
            "hnb_budget": np.array([143_700_000.0, 155_400_000.0, 164_900_000.0]) * k,
            "safety_valve_overspend_cap": np.array([34_600_000.0, 31_200_000.0, 24_700_000.0]) * k,
            "planned_deficit": np.array([34_600_000.0, 31_200_000.0, 24_700_000.0]) * k,
            "safety_valve_contribution": np.array([19_000_000.0, 19_000_000.0, 19_000_000.0]) * k,
            # high-needs spend no placement carries (support services, AP, hospital education...): set so
            # that 2023-24 ends near its planned deficit and 2024-25 about £20m beyond the Safety Valve
            # cap, as the trigger report says (DOMAIN.md section 1)
            "other_high_needs_spend": np.array([40_000_000.0, 47_400_000.0, 50_000_000.0]) * k,
        }
    )


# ---------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------


def _dates(days: np.ndarray) -> pd.Series:
    """Day numbers as datetime64[ns]; NONE, FAR and anything after the extract date become NaT."""
    days = np.asarray(days, dtype=np.int64)
    out = days.astype("datetime64[D]").astype("datetime64[ns]")
    out[(days == NONE) | (days > AS_OF_DAY)] = np.datetime64("NaT")
    return pd.Series(out)


def generate(seed: int = config.DEFAULT_SEED, scale: str = "county") -> dict[str, pd.DataFrame]:
    """The synthetic extract as clean contract frames: ``{table: DataFrame}`` for all five tables.

    ``scale`` is ``"county"`` (Example County, about 9,750 active plans at 2024-11-30) or
    ``"national"`` (about 640,000). Money in pounds; dates ``datetime64[ns]`` with NaT for empty.
    Deterministic for a given seed and scale.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    k = SCALES[scale]
    r = config.rng(seed)
    plans = _plans(r, k)
    n = len(plans["issue"])
    plan_ids = _ids("P", np.arange(1, n + 1))
    child_ids = _ids("C", r.permutation(n) + 1)

    sp = _placement_spells(r, plans)
    sp["setting"] = _settings_from_cats(r, sp["cat"])
    sp["urn"], sp["name"] = _providers(r, sp["setting"], k)
    sp["cost"] = _costs(r, sp["setting"], sp["start"])
    sp = _calibrate_costs(r, plans, sp, k)
    order = np.lexsort((sp["start"], sp["plan_ix"]))
    sp = {key: v[order] for key, v in sp.items()}

    # joint funding: a few % of INMSS and specialist post-16 placements
    m = len(sp["cost"])
    joint_p = np.where(
        sp["setting"] == _CODE_IX["special_independent"],
        0.06,
        np.where(
            np.isin(
                sp["setting"],
                [_CODE_IX["special_non_maintained"], _CODE_IX["specialist_post_16_institutions"]],
            ),
            0.04,
            0.0,
        ),
    )
    joint = r.random(m) < joint_p
    kind = r.random(m)
    health = np.where(joint & (kind < 0.7), np.round(sp["cost"] * (0.10 + 0.25 * r.random(m)), 2), 0.0)
    social = np.where(joint & (kind > 0.3), np.round(sp["cost"] * (0.15 + 0.25 * r.random(m)), 2), 0.0)

    placements = pd.DataFrame(
        {
            "plan_id": plan_ids[sp["plan_ix"]],
            "setting": _CODES[sp["setting"]],
            "provider_urn": sp["urn"],
            "provider_name": sp["name"],
            "start_on": _dates(sp["start"]),
            "end_on": _dates(sp["end"]),
            "annual_cost": sp["cost"],
            "health_contribution": health,
            "social_care_contribution": social,
        }
    )
    plans_df = pd.DataFrame(
        {
            "plan_id": plan_ids,
            "child_id": child_ids,
            "date_of_birth": _dates(plans["dob"]),
            "primary_need": plans["need"],
            "issued_on": _dates(plans["issue"]),
            "ceased_on": _dates(plans["cease"]),
        }
    )
    req = _assessments(r, plans, child_ids, k, next_child=n + 1)
    order = np.lexsort((req["child"], req["received"]))
    req = {key: v[order] for key, v in req.items()}
    assessments = pd.DataFrame(
        {
            "request_id": _ids("R", np.arange(1, len(order) + 1)),
            "child_id": req["child"],
            "received_on": _dates(req["received"]),
            "decision_on": _dates(req["decision_on"]),
            "decision": req["decision"],
            "outcome": req["outcome"],
            "issued_on": _dates(req["issued"]),
            "closed_on": _dates(req["closed"]),
            "exception": req["exception"].astype(bool),
        }
    )
    out = {
        schema.PLANS: plans_df,
        schema.PLACEMENTS: placements,
        schema.ASSESSMENTS: assessments,
        schema.PLAN_TRAJECTORY: _plan_trajectory(k),
        schema.BUDGET: _budget(k),
    }
    for name, frame in out.items():
        frame = frame[schema.CONTRACT[name].column_names].reset_index(drop=True)
        for col in schema.CONTRACT[name].columns:
            if col.kind in ("id", "code", "text", "fy"):
                text = frame[col.name].astype("string")
                frame[col.name] = text.mask(text == "")
        out[name] = frame
    return out


_TEXT = "string[pyarrow]"


def _money_text(values: pd.Series) -> pd.Series:
    """Pounds as text with exactly two decimals (``1234.50``, ``-3.07``), vectorised via whole pennies."""
    pennies = np.round(values.to_numpy(dtype="float64") * 100).astype(np.int64)
    sign = pd.Series(np.where(pennies < 0, "-", ""), dtype=_TEXT)
    pennies = np.abs(pennies)
    pounds = pd.Series(pennies // 100).astype(_TEXT)
    pence = pd.Series(pennies % 100).astype(_TEXT).str.zfill(2)
    return sign + pounds + "." + pence


def _csv_quote(values: pd.Series) -> pd.Series:
    """Quote a text field when it holds a comma, quote or line break (CSV minimal quoting)."""
    needs = values.str.contains(r'[",\r\n]', regex=True)
    if not needs.any():
        return values
    quoted = '"' + values.str.replace('"', '""', regex=False) + '"'
    return values.where(~needs, quoted)


def _csv_text(frame: pd.DataFrame, table: schema.Table) -> str:
    """A contract frame as CSV text: header, ISO dates, money with two decimals, true/false, empty for
    missing, ``\\n`` line endings. Column-wise string kernels (fast at national scale)."""
    columns = []
    for col in table.columns:
        v = frame[col.name].reset_index(drop=True)
        if col.kind == "date":
            text = np.datetime_as_string(v.to_numpy(dtype="datetime64[D]"), unit="D")
            text = pd.Series(np.where(v.isna().to_numpy(), "", text), dtype=_TEXT)
        elif col.kind == "money":
            text = _money_text(v)
        elif col.kind == "int":
            text = v.astype("int64").astype(_TEXT)
        elif col.kind == "bool":
            text = pd.Series(np.where(v.to_numpy(dtype=bool), "true", "false"), dtype=_TEXT)
        else:
            text = _csv_quote(v.astype(_TEXT).fillna(""))
        columns.append(text)
    lines = columns[0]
    for text in columns[1:]:
        lines = lines + "," + text
    return ",".join(table.column_names) + "\n" + "".join((lines + "\n").tolist())


# ---------------------------------------------------------------------------------------------------
# Calibration report (README)
# ---------------------------------------------------------------------------------------------------


def _active(plans: pd.DataFrame, d: pd.Timestamp) -> pd.Series:
    return (plans["issued_on"] <= d) & (plans["ceased_on"].isna() | (plans["ceased_on"] > d))


def _current(plans: pd.DataFrame, placements: pd.DataFrame, d: pd.Timestamp) -> pd.DataFrame:
    """Placements covering d of plans active at d (placements carry plan_issued_on, plan_ceased_on)."""
    live = (placements["plan_issued_on"] <= d) & (
        placements["plan_ceased_on"].isna() | (placements["plan_ceased_on"] > d)
    )
    cur = (placements["start_on"] <= d) & (placements["end_on"].isna() | (placements["end_on"] >= d))
    return placements[cur & live]


def calibration_table(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Target vs achieved for every calibration target (README table). Plain masks per date.

    Columns: ``measure``, ``target`` and ``achieved`` (display text). Counts are plans or requests,
    money is pounds, shares are % of active plans at the date unless the row says otherwise.
    """
    p, pl, a = frames[schema.PLANS], frames[schema.PLACEMENTS], frames[schema.ASSESSMENTS]
    pl = pl.join(p.set_index("plan_id")[["issued_on", "ceased_on"]].add_prefix("plan_"), on="plan_id")
    rows: list[tuple[str, str, str]] = []

    def ts(text: str) -> pd.Timestamp:
        return pd.Timestamp(text)

    def n_active(d: str) -> int:
        return int(_active(p, ts(d)).sum())

    def avg_cost(d: str) -> float:
        return float(_current(p, pl, ts(d))["annual_cost"].sum()) / n_active(d)

    for d, target in list(ACTIVE_ANCHORS.items())[1:]:
        rows.append((f"Active plans at {d}", f"{target:,}", f"{n_active(d):,}"))
    growth = (n_active("2024-11-30") - n_active("2024-08-31")) / 3
    rows.append(("Net growth in active plans a month, Sep-Nov 2024", "about 40", f"{growth:.0f}"))
    jan = ts("2024-01-31")
    cur = _current(p, pl, jan)
    group = cur["setting"].map(schema.SETTING_GROUP)
    share = group.value_counts() / n_active("2024-01-31") * 100
    for g, target in (("mainstream", "43%"), ("special", "29%"), ("fe", "14%")):
        rows.append(
            (f"Placements at 2024-01-31: {g} group, % of active plans", target, f"{share.get(g, 0):.1f}%")
        )
    rest = 100 - sum(share.get(g, 0) for g in ("mainstream", "special", "fe"))
    rows.append(
        (
            "Placements at 2024-01-31: all other (AP, elsewhere, NEET, early years, none)",
            "14%",
            f"{rest:.1f}%",
        )
    )
    inmss = cur["setting"].isin(schema.INDEPENDENT_SETTINGS_INMSS)
    rows.append(
        (
            "INMSS share of special-school placements at 2024-01-31",
            "about 30%",
            f"{inmss.sum() / (group == 'special').sum() * 100:.1f}%",
        )
    )
    for d, target in (("2019-01-31", "about 260"), ("2024-11-30", "about 880")):
        n = int(_current(p, pl, ts(d))["setting"].isin(schema.INDEPENDENT_SETTINGS_INMSS).sum())
        rows.append((f"INMSS placements at {d}", target, f"{n:,}"))
    nov, oct_ = avg_cost("2024-11-30"), avg_cost("2024-10-31")
    rows.append(("MI average cost of an EHCP at 2024-11-30", f"£{AVG_COST_TARGET:,.0f}", f"£{nov:,.0f}"))
    rows.append(("Change from 2024-10-31 (first fall since April 2024)", "about -£80", f"£{nov - oct_:,.0f}"))
    months = pd.date_range("2024-04-30", "2024-10-31", freq="ME")
    avgs = [avg_cost(str(d.date())) for d in months]
    rises = sum(b > a_ for a_, b in zip(avgs, avgs[1:], strict=False))
    rows.append(("Months May-Oct 2024 in which the MI average rose", "6 of 6", f"{rises} of 6"))
    cur_nov = _current(p, pl, ts("2024-11-30"))
    for setting, target in (
        ("mainstream_academy", 8_500),
        ("special_la_maintained", 22_000),
        ("special_academy_free", 24_000),
        ("special_independent", 58_000),
        ("special_non_maintained", 55_000),
        ("general_fe_tertiary_colleges", 9_000),
        ("specialist_post_16_institutions", 45_000),
    ):
        mean = cur_nov.loc[cur_nov["setting"] == setting, "annual_cost"].mean()
        rows.append(
            (f"Mean annual cost, {setting}, placements at 2024-11-30", f"about £{target:,}", f"£{mean:,.0f}")
        )
    joint = (pl["health_contribution"] > 0) | (pl["social_care_contribution"] > 0)
    inmss_rows = pl["setting"].isin(schema.INDEPENDENT_SETTINGS_INMSS)
    rows.append(
        (
            "INMSS placements jointly funded by health or social care (% of INMSS placement rows)",
            "a few %",
            f"{(joint & inmss_rows).sum() / inmss_rows.sum() * 100:.1f}%",
        )
    )
    ry = a["received_on"].dt.year
    for y, target in RECEIVED_PER_YEAR.items():
        if y >= 2019:
            label = " (Jan-Nov; 11/12 of 2,265)" if y == 2024 else ""
            rows.append((f"Requests received in {y}{label}", f"{target:,}", f"{int((ry == y).sum()):,}"))
    for y in (2022, 2023, 2024):
        refused = (a.loc[ry == y, "decision"] == "refuse").fillna(False).mean() * 100
        rows.append((f"Requests received in {y} refused", "about a third", f"{refused:.1f}%"))
    iy = p["issued_on"].dt.year
    for y, target in ISSUED_PER_YEAR.items():
        if y >= 2019:
            label = " (Jan-Nov; 11/12 of 1,491)" if y == 2024 else ""
            rows.append((f"New plans issued in {y}{label}", f"{target:,}", f"{int((iy == y).sum()):,}"))
    for y, target in TIMELY_SHARE.items():
        if y >= 2019:
            x = a[(a["issued_on"].dt.year == y) & ~a["exception"]]
            rate = ((x["issued_on"] - x["received_on"]).dt.days <= 140).mean() * 100
            rows.append(
                (f"20-week timeliness {y} (excluding exceptions)", f"{target * 100:.1f}%", f"{rate:.1f}%")
            )
    d = AS_OF
    closed = (
        (a["issued_on"] <= d)
        | ((a["decision"] == "refuse") & (a["decision_on"] <= d))
        | (a["closed_on"] <= d)
    ).fillna(False)
    overdue = int(((a["received_on"] <= d) & ~closed & ((d - a["received_on"]).dt.days > 140)).sum())
    rows.append(("Requests open and over 20 weeks at 2024-11-30", f"{OVERDUE_AT_AS_OF}", f"{overdue}"))

    def completed(month: str) -> int:
        per = pd.Period(month, "M")
        issued = a["issued_on"].dt.to_period("M") == per
        no_plan = (
            (a["decision"] == "assess")
            & (a["outcome"] == "no_plan")
            & (a["closed_on"].dt.to_period("M") == per)
        )
        return int((issued | no_plan.fillna(False)).sum())

    rows.append(
        (
            "Assessments completed Nov 2024 / Nov 2023",
            "about 2",
            f"{completed('2024-11') / completed('2023-11'):.2f} ({completed('2024-11')} / "
            f"{completed('2023-11')})",
        )
    )
    t = frames[schema.PLAN_TRAJECTORY]
    planned = int(t.loc[t["month"] == ts("2025-01-31"), "planned_ehcps"].iloc[0])
    rows.append(("Safety Valve planned EHCPs at 2025-01-31", "9,372", f"{planned:,}"))
    b = frames[schema.BUDGET].set_index("financial_year")
    rows.append(("High-needs budget 2024-25", "£155.4m", f"£{b.loc['2024-25', 'hnb_budget'] / 1e6:.1f}m"))
    rows.append(
        (
            "Safety Valve overspend cap 2024-25",
            "£31.2m",
            f"£{b.loc['2024-25', 'safety_valve_overspend_cap'] / 1e6:.1f}m",
        )
    )
    return pd.DataFrame(rows, columns=["measure", "target", "achieved"])


README_HEAD = """# Example County: a synthetic sample extract

**This data is synthetic. It contains no real person's data.** Every child, plan, request for
assessment, provider and date in these files was drawn at random by `sendlib.sample` (seed {seed}).
"Example County" is fictional and so are its providers ("Example Special School 12", URN-like ids
that are not real URNs). Only the county's *scale and trends* are calibrated, to Devon's published
figures (DfE SEN2 January census counts, timeliness, requests and new plans; Devon's Safety Valve
agreement and high-needs budget), as listed in the table below.

- Extract date (`extract.toml`): **2024-11-30**. Plans from 2010; monthly detail (requests, every plan
  issued from a request) from April 2018. Money is annual pounds (placement plus top-up, no transport).
- Regenerate byte for byte with `sendlib sample --out data/sample` (a test checks this).
- Requests received before April 2018 appear only when they led to a plan issued from April 2018, so
  request counts before April 2018 are incomplete; use requests from April 2018 onwards.
- Calendar-year targets for 2024 are for January-November (11/12 of the full-year figure), because the
  extract ends on 30 November.
- Active plans are MI counts at month ends (issued on or before the date, not ceased by it), calibrated
  to the January SEN2 figures. The opening stock at 2018-03-31 (4,560) is an assumption.
- Some things are engineered so the notebooks have a story to tell: the MI average cost rises every month
  from May to October 2024 and falls in November 2024, when {steps} children step down from independent
  special schools to a new special free school ("{school}"); a backlog-clearing panel closes
  {panel} cases with a decision not to issue in November 2024; plans of leavers are mostly ceased in
  September-January; a few % of independent special placements are jointly funded by health and/or
  social care (`health_contribution`, `social_care_contribution`).
- The MI average steps up each September, when the new academic year's placements start at new prices.
- `plan_trajectory.csv` (Safety Valve plan, April 2023 to March 2027) and `budget.csv` (2023-24 to
  2025-26) are illustrative planning inputs: only the January 2025 planned EHCPs (9,372), the 2024-25
  budget (£155.4m) and overspend cap (£31.2m) are targets. `budget.csv`'s `other_high_needs_spend`
  (high-needs spend no placement carries: £40.0m, £47.4m, £50.0m) is set so that the 2024-25 outturn
  ends about £20m beyond the Safety Valve cap, as the report that prompted sendlib says.

## Targets and what the sample achieves

"""


def _readme(frames: dict[str, pd.DataFrame], seed: int, scale: str) -> str:
    head = README_HEAD.format(seed=seed, steps=NOV_STEP_DOWNS, school=NEW_SCHOOL_NAME, panel=NOV_NO_PLAN)
    if scale != "county":
        return head.split("## Targets")[0] + (
            f"This folder holds the **{scale}**-scale variant (every volume multiplied by about "
            f"{SCALES[scale]:.0f}); it is for benchmarks and is not committed.\n"
        )
    table = calibration_table(frames)
    lines = ["| measure | target | achieved |", "|---|---:|---:|"]
    lines += [f"| {m} | {t} | {x} |" for m, t, x in table.itertuples(index=False)]
    return head + "\n".join(lines) + "\n"


def write_sample(out_dir, seed: int = config.DEFAULT_SEED, scale: str = "county") -> dict[str, Path]:
    """Generate the extract and write ``<table>.csv`` for the five tables, ``extract.toml`` and a
    ``README.md`` saying it is synthetic, with the calibration table (target vs achieved).

    Output is byte-for-byte reproducible for a seed: rows sorted by key, ISO dates, money with two
    decimals, ``\\n`` line endings, no timestamps. Returns ``{table or "extract.toml": path}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = generate(seed=seed, scale=scale)
    paths: dict[str, Path] = {}
    for name, frame in frames.items():
        table = schema.CONTRACT[name]
        key = list(table.key)
        frame = frame.sort_values(key, kind="stable").reset_index(drop=True)
        path = out / f"{name}.csv"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(_csv_text(frame, table))
        paths[name] = path
    toml = out / "extract.toml"
    toml.write_text(
        f"# Synthetic Example County extract generated by sendlib.sample (seed {seed}, scale {scale}).\n"
        f'as_of = "{AS_OF_TEXT}"\n',
        encoding="utf-8",
        newline="\n",
    )
    paths["extract.toml"] = toml
    readme = out / "README.md"
    readme.write_text(_readme(frames, seed, scale), encoding="utf-8", newline="\n")
    paths["README.md"] = readme
    return paths
