"""Plausibility rules: records that are kept but must be questioned before a committee sees them.

Every rule here is a **warning**: the row is kept and used in every figure, and the issue names the
file, row, column, what looks wrong and what to check. They are checked on rows not already set aside.

=========================  ==============================================================================
rule                       check
=========================  ==============================================================================
birth_after_issue          plans: date_of_birth is after issued_on
age_at_issue               plans: the child's age on issued_on is over :data:`MAX_AGE_AT_ISSUE` (25: EHC
                           plans run to 25) in whole years
birth_after_request        assessments: received_on is before the date of birth of the child (child_id)
                           in plans
plan_issued_before_request plans: the plan was issued before the request it came from was received. A plan
                           and a request are linked when they have the same child_id, the request's
                           outcome is plan_issued and its issued_on is within :data:`LINK_DAYS` days of
                           the plan's issued_on (the two systems may record the issue a few days apart)
implausible_cost           placements: annual_cost more than :data:`COST_MEDIAN_FACTOR` (5) times the
                           median annual cost of the extract's placements in the same setting **and**
                           above the setting group's ceiling (:data:`COST_CEILING`), e.g. £8.5m for a
                           mainstream place (a typing error); or a cost above £0 but below
                           :data:`COST_FLOOR` (£100 a year) and under a twentieth of its setting's median
                           (pounds typed as thousands). Negative costs are ``negative_money`` (quarantined)
=========================  ==============================================================================

Ceilings (annual pounds, placement and top-up, by setting group) are set well above real costs so that only
typing errors pass both tests: mainstream £100,000 (top-up funding rarely reaches £40,000); special
£500,000 (52-week residential independent special school places reach £300,000-£400,000); alternative
provision £150,000; further education and specialist post-16 £300,000; education elsewhere (EOTAS
packages), early years and unknown £250,000.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendlib import formatting, schema
from sendlib.validate.core import TableData, _fmt_date, _mask

#: EHC plans run to age 25: an age at issue above this (whole years) is questioned.
MAX_AGE_AT_ISSUE = 25
#: A plan and a request of the same child are linked when their issue dates are this many days apart or fewer.
LINK_DAYS = 31
#: A cost more than this many times its setting's median (and above the ceiling) is questioned.
COST_MEDIAN_FACTOR = 5.0
#: Annual pounds above which a placement in a setting group is questioned (with the median test).
COST_CEILING: dict[str, float] = {
    "mainstream": 100_000.0,
    "special": 500_000.0,
    "ap": 150_000.0,
    "fe": 300_000.0,
    "elsewhere": 250_000.0,
    "early_years": 250_000.0,
    "unknown": 250_000.0,
}
#: Annual pounds below which a positive cost is questioned (with a twentieth of the median).
COST_FLOOR = 100.0

RULES = ("birth_after_issue", "age_at_issue", "birth_after_request", "plan_issued_before_request",
         "implausible_cost")


def whole_years(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole years from ``start`` to ``end`` (age in completed years; NaN where either is missing)."""
    years = end.dt.year - start.dt.year
    before_birthday = (end.dt.month < start.dt.month) | ((end.dt.month == start.dt.month) & (end.dt.day < start.dt.day))
    return (years - before_birthday.astype("float64")).where(start.notna() & end.notna())


def check_plan_ages(plans: TableData) -> None:
    """birth_after_issue and age_at_issue (warnings, rows kept)."""
    d = plans.data
    live = ~plans.quarantined
    dob, issued = d["date_of_birth"], d["issued_on"]
    after = live & _mask(dob > issued)
    plans.add(after, "date_of_birth", "birth_after_issue", "warning",
              lambda m: "date_of_birth " + _fmt_date(dob[m]) + " is after the plan was issued on "
              + _fmt_date(issued[m]) + "; kept",
              "Check the date of birth and issued_on in the source system (often a year typed wrongly).",
              quarantine=False)
    age = whole_years(dob, issued)
    old = live & ~after & _mask(age > MAX_AGE_AT_ISSUE)
    plans.add(old, "date_of_birth", "age_at_issue", "warning",
              lambda m: "the child was " + age[m].astype("int64").astype("string") + " when the plan was "
              "issued (date_of_birth " + _fmt_date(dob[m]) + ", issued_on " + _fmt_date(issued[m])
              + f"); EHC plans run to {MAX_AGE_AT_ISSUE}; kept",
              "Check the date of birth and issued_on in the source system.", quarantine=False)


def _child_codes(plans: TableData, assessments: TableData) -> tuple[np.ndarray, np.ndarray, int]:
    """One integer per distinct child_id across plans and requests (-1 where missing): the codes of
    plans' rows, of requests' rows, and how many codes. Ids of one width (at most 8 bytes, as system
    ids usually are) are read as integers from their bytes and factorised (:mod:`sendlib.idmatch`);
    other ids get one pyarrow dictionary encoding of both columns. Every later lookup is integer
    indexing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from sendlib import idmatch

    left, right = plans.data["child_id"], assessments.data["child_id"]
    fixed = [idmatch.fixed_width_ids(x) for x in (left, right)]
    if all(f is not None for f in fixed) and fixed[0][1] == fixed[1][1]:
        ids = np.concatenate([fixed[0][0], fixed[1][0]])
        present = np.concatenate([left.notna().to_numpy(), right.notna().to_numpy()])
        codes = np.full(len(ids), -1, dtype=np.int64)
        found, uniques = pd.factorize(ids[present].view(np.int64))
        codes[present] = found
        size = len(uniques)
    else:
        chunks = idmatch.arrow_chunks(left) + idmatch.arrow_chunks(right)
        enc = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.large_string()))
        ind = [c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in enc.chunks]
        codes = np.concatenate(ind).astype(np.int64) if ind else np.zeros(0, dtype=np.int64)
        size = len(enc.chunks[0].dictionary) if enc.num_chunks else 0
    return codes[: len(plans)], codes[len(plans):], size


_NAT = np.datetime64("NaT", "ns").view(np.int64)


def _per_child(codes: np.ndarray, dates: pd.Series, use: np.ndarray, size: int, how: str) -> np.ndarray:
    """For each child code, the earliest (``how="min"``) or latest (``"max"``) of ``dates`` over the rows
    in ``use`` with a code and a date, as int64 nanoseconds; children without one get NaT's integer."""
    values = dates.to_numpy(dtype="datetime64[ns]").view(np.int64)
    use = use & (codes >= 0) & dates.notna().to_numpy()
    empty = np.iinfo(np.int64).max if how == "min" else np.iinfo(np.int64).min
    out = np.full(size, empty, dtype=np.int64)
    (np.minimum if how == "min" else np.maximum).at(out, codes[use], values[use])
    out[out == empty] = _NAT
    return out


def _at(per_child: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``per_child`` looked up for each row's code, as ``datetime64[ns]`` (NaT where the code is -1)."""
    if not len(per_child):
        return np.full(len(codes), _NAT).view("datetime64[ns]")
    got = np.where(codes >= 0, per_child[np.maximum(codes, 0)], _NAT)
    return got.view("datetime64[ns]")


def check_requests_after_birth(assessments: TableData, plans: TableData, codes=None) -> None:
    """birth_after_request (warning): a request received before its child was born. The date of birth
    is the earliest recorded for the child_id on the kept plans (when plans disagree)."""
    plan_codes, request_codes, size = codes or _child_codes(plans, assessments)
    births = _per_child(plan_codes, plans.data["date_of_birth"], ~plans.quarantined, size, "min")
    child = assessments.data["child_id"]
    dob = pd.Series(_at(births, request_codes), index=child.index)
    received = assessments.data["received_on"]
    bad = ~assessments.quarantined & _mask(received < dob)
    assessments.add(bad, "received_on", "birth_after_request", "warning",
                    lambda m: "received_on " + _fmt_date(received[m]) + " is before the child's date of birth "
                    + _fmt_date(dob[m]) + " (child_id " + child[m].fillna("") + f" in {plans.file}); kept",
                    "Check received_on, the child_id, or the date of birth in the plans table.", quarantine=False)


def check_plans_after_requests(plans: TableData, assessments: TableData, codes=None) -> None:
    """plan_issued_before_request (warning): module docstring for how a plan and a request are linked.

    Only plans issued before the latest plan_issued request of their child was received can be
    flagged, so the pairs are built for those plans (and their children's requests) only."""
    plan_codes, request_codes, size = codes or _child_codes(plans, assessments)
    ad = assessments.data
    requests = (~assessments.quarantined & (ad["outcome"] == "plan_issued").fillna(False).to_numpy(dtype=bool)
                & ad["issued_on"].notna().to_numpy() & (request_codes >= 0))
    latest = _per_child(request_codes, ad["received_on"], requests, size, "max")
    issued = plans.data["issued_on"]
    early = ~plans.quarantined & _mask(issued < pd.Series(_at(latest, plan_codes), index=issued.index))
    if not early.any():
        return
    children = np.zeros(size, dtype=bool)
    children[plan_codes[early]] = True
    requests &= ad["received_on"].notna().to_numpy() & children[np.maximum(request_codes, 0)]
    p = plans.data.loc[early, ["child_id", "issued_on"]]
    a = ad.loc[requests, ["child_id", "issued_on", "received_on", "request_id"]]
    pairs = p.reset_index().merge(a, on="child_id", suffixes=("", "_request"))
    near = (pairs["issued_on"] - pairs["issued_on_request"]).abs() <= pd.Timedelta(days=LINK_DAYS)
    early = pairs.loc[near & (pairs["issued_on"] < pairs["received_on"])]
    if early.empty:
        return
    early = early.drop_duplicates("index").set_index("index")
    mask = np.zeros(len(plans), dtype=bool)
    mask[plans.data.index.get_indexer(early.index)] = True
    what = pd.Series("", index=plans.data.index, dtype="string")
    what.loc[early.index] = (
        "plan issued on " + _fmt_date(early["issued_on"]) + " before its request "
        + early["request_id"].astype("string").fillna("") + " was received on " + _fmt_date(early["received_on"])
        + f" ({assessments.file}, same child_id, plan issued there on " + _fmt_date(early["issued_on_request"])
        + "); kept"
    )
    plans.add(mask, "issued_on", "plan_issued_before_request", "warning", what[mask].to_numpy(),
              "Check the plan's issued_on and the request's received_on in the source system.", quarantine=False)


def check_costs(placements: TableData) -> None:
    """implausible_cost (warning): module docstring. Medians are of kept placements with a cost above
    £0 in the same setting, so one typing error moves them little."""
    d = placements.data
    live = ~placements.quarantined
    cost, setting = d["annual_cost"], d["setting"]
    use = live & _mask(cost > 0)
    if not use.any():
        return
    codes, settings = pd.factorize(setting)  # a few dozen settings: per-setting values by code
    values = cost.to_numpy(dtype="float64")
    by_setting = pd.Series(values[use]).groupby(codes[use]).median()  # no setting (code -1): no median
    medians = np.append(by_setting.reindex(range(len(settings))).to_numpy(dtype="float64"), np.nan)
    ceilings = np.array([COST_CEILING.get(schema.SETTING_GROUP.get(str(x)), np.nan) for x in settings] + [np.nan])
    median = pd.Series(medians[codes], index=d.index)  # code -1 (blank setting) -> the trailing NaN
    ceiling = pd.Series(ceilings[codes], index=d.index)
    high = use & _mask((cost > COST_MEDIAN_FACTOR * median) & (cost > ceiling))
    low = use & _mask((cost < COST_FLOOR) & (cost < median / 20))

    def what(m, word):
        return ("annual_cost " + cost[m].map(formatting.pounds) + f" is {word} for "
                + setting[m].fillna("") + " (the extract's median for the setting is "
                + median[m].map(formatting.pounds) + "); kept")

    placements.add(high, "annual_cost", "implausible_cost", "warning",
                   lambda m: what(m, "implausibly high") + " (above " + ceiling[m].map(formatting.pounds) + ")",
                   "Check the annual cost at source (a misplaced decimal point or extra digits?).", quarantine=False)
    placements.add(low, "annual_cost", "implausible_cost", "warning",
                   lambda m: what(m, "implausibly low"),
                   "Check the annual cost at source (pounds written as thousands?).", quarantine=False)


def check_placement_plausibility(tables: dict[str, TableData | None]) -> None:
    """The plausibility rules on placements alone (implausible_cost)."""
    placements = tables.get(schema.PLACEMENTS)
    if placements is not None and len(placements):
        check_costs(placements)


def check_plan_and_request_plausibility(tables: dict[str, TableData | None]) -> None:
    """The plausibility rules on plans and requests (they read and flag only those two tables)."""
    plans, assessments = tables.get(schema.PLANS), tables.get(schema.ASSESSMENTS)
    if plans is not None and len(plans):
        check_plan_ages(plans)
    if plans is not None and assessments is not None and len(plans) and len(assessments):
        codes = _child_codes(plans, assessments)  # one encoding of child_id for both rules
        check_requests_after_birth(assessments, plans, codes)
        check_plans_after_requests(plans, assessments, codes)


def check_plausibility(tables: dict[str, TableData | None]) -> None:
    """Every plausibility rule on the tables present (run after the other rules)."""
    check_plan_and_request_plausibility(tables)
    check_placement_plausibility(tables)
