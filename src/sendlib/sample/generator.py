"""Step 5 of the sample generator (requests for assessment) and :func:`generate`, which assembles the
contract frames (the planning inputs and the panel log are in :mod:`sendlib.sample.planning`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import config, schema
from sendlib.sample.flows import _days_in_month, _plans, _spread, _ymd
from sendlib.sample.placements import (
    _CODE_IX,
    _CODES,
    _calibrate_costs,
    _costs,
    _placement_spells,
    _providers,
    _settings_from_cats,
)
from sendlib.sample.planning import _budget, _panel_decisions, _plan_trajectory
from sendlib.sample.targets import (
    _M_END_EXCL,
    _M_START,
    _MONTHS,
    AS_OF_DAY,
    DETAIL_START,
    EXCEPTION_SHARE,
    NONE,
    NOV_NO_PLAN,
    OVERDUE_AT_AS_OF,
    RECEIVED_PER_YEAR,
    REFUSED_SHARE,
    SCALES,
    TIMELY_SHARE,
    _d,
)

# ---------------------------------------------------------------------------------------------------
# Step 5: requests for assessment
# ---------------------------------------------------------------------------------------------------

#: Age (days) given to a child whose request for assessment would otherwise come before their birth. A
#: plan can be issued weeks after birth while its request's delay (20 weeks or more) is drawn for the
#: timeliness targets, so a few requests fell before the child was born: only those children's dates of
#: birth are moved, back to this many days before the request (request and plan dates, which feed
#: timeliness, backlog and flows, stay put).
AGE_AT_EARLY_REQUEST_DAYS = 28


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
        "plan": from_req,
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
    other["plan"] = np.full(n_other, -1, dtype=np.int64)  # no plan (children without one)
    out = {key: np.concatenate([req[key], other[key]]) for key in req}
    return out


def _born_before_requests(dob: np.ndarray, plan: np.ndarray, received: np.ndarray) -> np.ndarray:
    """Dates of birth (day numbers, one per plan) with every child born before their request: a date of
    birth after the request's received day moves to ``AGE_AT_EARLY_REQUEST_DAYS`` days before it; all
    others are unchanged.

    ``plan`` is the index into ``dob`` of each request's plan (-1 for a request without a plan; a plan
    has at most one request) and ``received`` its day number. Returns a new array; draws no random
    numbers, so no other table changes.
    """
    out = np.asarray(dob, dtype=np.int64).copy()
    linked = np.flatnonzero(plan >= 0)
    ix, rec = plan[linked], received[linked]
    early = out[ix] > rec
    out[ix[early]] = rec[early] - AGE_AT_EARLY_REQUEST_DAYS
    return out


def _ids(prefix: str, numbers: np.ndarray) -> np.ndarray:
    """Ids like ``P0000123``: ``prefix`` and the number zero-padded to 7 digits (object array)."""
    text = pd.Series(np.asarray(numbers, dtype=np.int64)).astype("string[pyarrow]").str.zfill(7)
    return (prefix + text).to_numpy(dtype=object)


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
    """The synthetic extract as clean contract frames: ``{table: DataFrame}`` for all six tables.

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
    req = _assessments(r, plans, child_ids, k, next_child=n + 1)
    # requests are drawn last (their delays after the placements'), so the few dates of birth they move
    # are set here; the placements keep the school stages of the date of birth drawn in step 2
    dob = _born_before_requests(plans["dob"], req["plan"], req["received"])
    plans_df = pd.DataFrame(
        {
            "plan_id": plan_ids,
            "child_id": child_ids,
            "date_of_birth": _dates(dob),
            "primary_need": plans["need"],
            "issued_on": _dates(plans["issue"]),
            "ceased_on": _dates(plans["cease"]),
        }
    )
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
        schema.PANEL_DECISIONS: _panel_decisions(seed, k, plans_df),
    }
    for name, frame in out.items():
        frame = frame[schema.CONTRACT[name].column_names].reset_index(drop=True)
        for col in schema.CONTRACT[name].columns:
            if col.kind in ("id", "code", "text", "fy"):
                text = frame[col.name].astype("string")
                frame[col.name] = text.mask(text == "")
        out[name] = frame
    return out
