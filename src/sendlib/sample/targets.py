"""Calibration targets and fixed inputs of the synthetic sample (Devon's published figures;
``data/sample/README.md`` lists every target and what was achieved), with the date helpers the
generator shares. Money in pounds; dates are int64 days since 1970-01-01 (``NONE`` = missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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

#: The daily expenditure panel: first decision day and the annual value of the decisions it reviewed
#: from then to the extract date (pounds; "several million pounds of decisions within weeks").
PANEL_START = "2024-10-21"
PANEL_REVIEWED_BY_AS_OF = 7_000_000.0
