"""Row rules of the optional ``panel_decisions`` table (the high-needs expenditure panel's log).

Called by the loader with the other per-table rules (after the generic ones: bad dates, money and
codes, blank needed values, negative money, duplicate ``decision_id``, dates after the extract date).
The cross-column rules below look only at rows no earlier rule has quarantined, so a row is reported
once, for what is wrong with it first.

rule                    when                                                          severity
----------------------  ------------------------------------------------------------  ----------------
panel_nothing_agreed    approved or reduced, but amount_agreed is £0 or blank           error (quarantine)
panel_agreed_on_no      declined, deferred or returned, but amount_agreed is above £0   error (quarantine)
panel_agreed_more       approved or reduced, but amount_agreed is above amount_requested error (quarantine:
                                                                                       it would publish a
                                                                                       negative "not
                                                                                       committed")
panel_reduced_not_less  reduced, but amount_agreed equals amount_requested              warning (kept)
panel_unknown_plan      plan_id not in plans (or request_id not in assessments)         warning (kept: the
                                                                                       panel's figures do
                                                                                       not use the link)
"""

from __future__ import annotations

import numpy as np

from sendlib.validate.core import TableData, _mask, isin

AGREEING = ("approved", "reduced")
NOT_COMMITTING = ("declined", "deferred", "returned")


def _pounds(values):
    return "£" + values.map("{:,.2f}".format)


def check_panel_decisions(t: TableData) -> None:
    """The rules in the module docstring (money in annual pounds), on rows not already quarantined."""
    d = t.data
    dec, asked, agreed = d["decision"], d["amount_requested"], d["amount_agreed"].fillna(0.0)

    def kept(condition) -> np.ndarray:
        return _mask(condition) & ~t.quarantined

    t.add(
        kept(dec.isin(AGREEING) & (agreed <= 0)),
        "amount_agreed",
        "panel_nothing_agreed",
        "error",
        lambda m: "decision is " + dec[m].astype(str) + " but amount_agreed is £0 or blank",
        "Enter the annual amount the panel agreed, or correct the decision (declined, deferred or returned "
        "commit nothing).",
    )
    t.add(
        kept(dec.isin(NOT_COMMITTING) & (agreed > 0)),
        "amount_agreed",
        "panel_agreed_on_no",
        "error",
        lambda m: "decision is " + dec[m].astype(str) + " but amount_agreed is " + _pounds(agreed[m]),
        "A declined, deferred or returned decision commits nothing: clear amount_agreed, or correct the "
        "decision to approved or reduced.",
    )
    t.add(
        kept(dec.isin(AGREEING) & (agreed > asked)),
        "amount_agreed",
        "panel_agreed_more",
        "error",
        lambda m: (
            "decision is "
            + dec[m].astype(str)
            + " but amount_agreed "
            + _pounds(agreed[m])
            + " is above amount_requested "
            + _pounds(asked[m])
        ),
        "Correct amount_agreed or amount_requested (annual pounds): the panel agrees at most what was "
        "requested; a larger sum is a new request.",
    )
    t.add(
        kept((dec == "reduced") & (agreed > 0) & (agreed == asked)),
        "amount_agreed",
        "panel_reduced_not_less",
        "warning",
        lambda m: (
            "decision is reduced but amount_agreed "
            + _pounds(agreed[m])
            + " is not below amount_requested "
            + _pounds(asked[m])
            + "; kept"
        ),
        "Check the amounts, or set the decision to approved.",
        quarantine=False,
    )


def check_panel_links(t: TableData | None, plans: TableData | None, assessments: TableData | None) -> None:
    """panel_unknown_plan: a decision's ``plan_id`` (``request_id``) is not in the plans (assessments)
    table. Ids are compared exactly. A warning: the row is kept, since the panel's measures do not use
    the link; a wrong id only breaks the trail from a decision to its plan."""
    if t is None:
        return
    for column, other, key in (("plan_id", plans, "plan_id"), ("request_id", assessments, "request_id")):
        if other is None or column not in t.data:
            continue
        ids = t.data[column]
        unknown = ids.notna().to_numpy() & ~t.quarantined & ~isin(ids, other.data[key].dropna())
        t.add(
            unknown,
            column,
            "panel_unknown_plan",
            "warning",
            lambda m, ids=ids, column=column, other=other: (
                column + " " + ids[m].fillna("") + f" is not in {other.file}; kept"
            ),
            f"Correct {column}, or leave it blank when the decision is not about one {column.split('_')[0]}.",
            quarantine=False,
        )
