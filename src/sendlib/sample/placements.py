"""Steps 3-4 of the sample generator: placement spells, settings, providers and costs, and the
calibration of the MI average cost (see :mod:`sendlib.sample`)."""

from __future__ import annotations

import numpy as np

from sendlib import schema
from sendlib.sample.flows import _choose, _stage_dates
from sendlib.sample.targets import (
    _IN,
    _M_END_EXCL,
    _M_START,
    _SP,
    _TREND_CATS,
    AS_OF_DAY,
    AVG_COST_NOV_FALL,
    AVG_COST_TARGET,
    CAT_SETTINGS,
    CATS,
    COST_MEAN,
    COST_SIGMA,
    DETAIL_START,
    FAR,
    FEE_INFLATION,
    INITIAL,
    MIN_MONTHLY_RISE,
    MOVES,
    NEED_SPECIAL,
    NEW_SCHOOL_NAME,
    NEW_SCHOOL_STAGES,
    NEW_SCHOOL_URN,
    NOV_STEP_DOWNS,
    PROVIDER_KIND,
    _d,
    _trend,
)


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
