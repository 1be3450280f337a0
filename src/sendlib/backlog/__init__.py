"""Open requests, the overdue backlog, its ageing and stages, throughput, intake and flows.

No official statistic of "overdue" assessments exists (DfE publishes only the 20-week timeliness of
plans issued, :mod:`sendlib.timeliness`); sendlib defines it here and every function says so. All inputs are the ``assessments`` table of an :class:`~sendlib.Extract`
(one row per request for an EHC needs assessment).

Definitions (sendlib's, stated once and used everywhere)
--------------------------------------------------------
*Closing date* of a request: the earliest of

- ``issued_on`` (a final plan was issued),
- the refusal date when ``decision == "refuse"`` (refused at the decision-to-assess stage):
  ``decision_on``, or ``closed_on`` if that is blank (see below),
- ``closed_on`` when ``outcome`` is ``no_plan`` (decision not to issue) or ``withdrawn``.

A request with none of these dates is still open. A closing date before ``received_on`` (bad data)
is treated as ``received_on``: the request was never open. Loading reports such rows; nothing is
dropped here.

*No_plan or withdrawn without closed_on* (not a refusal): ``closed_on`` is its only closing date, so
kept it would be open, and overdue, for ever. ``sendlib.load`` quarantines the row (rule
``closed_without_date``, :mod:`sendlib.validate`), so it reaches these functions only from frames
built in code, where it stays open (no closing date is guessed).

*Refusals without a decision date* (decision, rule table in :mod:`sendlib.validate`): a refusal is a
closing event, so a refused request is never open for ever. With ``decision_on`` blank but
``closed_on`` filled, the refusal is dated by ``closed_on`` (``sendlib.load`` keeps the row with a
warning, rule ``refusal_date_from_closed``). With both blank the refusal cannot be placed in time:
``sendlib.load`` quarantines the row (rule ``refused_without_date``), so it reaches these functions
only from frames built in code. There, if it has no other closing date, it is taken as closed on
``received_on`` (never open, as for a closing date before the request; reason ``refused``) rather
than open, and overdue, for ever.

*Open at d*: ``received_on <= d < closing date``. A request closed on day d is not open at d.

*Age at d*: ``d - received_on`` in whole days. *Overdue at d*: open at d and age > 140 days (20
weeks). **Day 140 is not overdue**: a request received on 1 January is overdue from 21 May (day 141)
onwards, so a request closed on exactly day 140 is never overdue, and a plan issued on day 141 was
overdue on day 141 only if it was still open that day (it was not: it closed that day), so it too is
never counted in a snapshot, although DfE counts it as late (see :mod:`sendlib.timeliness`).

*Age bands* (weeks, by age in days at d): ``20-26`` = 141-182 days, ``26-39`` = 183-273,
``39-52`` = 274-364, ``over 52`` = 365 days or more. Each band includes its upper edge, matching
DfE's "issued after 52 weeks" (more than 364 days) for the oldest band.

*Stages* (rule "decision-date stages", :data:`ASSESSING_WINDOW_DAYS` = 70): for an open request,

- ``awaiting_decision``: no decision dated on or before d (decision_on empty or later than d);
  a request with no decision date is always in this stage;
- ``assessing``: decided to assess on or before d, and at most 70 days (10 weeks) before d: the
  statutory gap between the week-6 decision and the week-16 draft plan;
- ``drafting``: decided to assess more than 70 days before d (assessment time used up, the case is
  in drafting or issue; the extract has no draft-plan date, so this is inferred from dates).

Implementation: each measure is a count of requests whose *interval* ``[start, end)`` contains d;
counts at many dates come from two ``np.searchsorted`` calls over sorted interval ends (no loops over
rows or months-times-rows).

Modules (every public name is importable from ``sendlib.backlog``)
-----------------------------------------------------------------
- :mod:`sendlib.backlog.requests`: the constants above, closing dates, and the snapshot counts at
  dates: open and overdue requests, by age band and by stage, requests due to breach;
- :mod:`sendlib.backlog.flow`: per calendar month: the month-end backlog series, assessments completed,
  requests received and accepted, the stock-flow of open requests;
- :mod:`sendlib.backlog.clearance`: the projection of the overdue backlog's clearance;
- :mod:`sendlib.backlog.headline`: the backlog's headline keys and their units.
"""

from __future__ import annotations

from sendlib.backlog.clearance import ClearanceProjection, project_backlog_clearance
from sendlib.backlog.flow import (
    assessments_completed_by_month,
    backlog_flow,
    overdue_monthly,
    requests_accepted_by_month,
    requests_received_by_month,
)
from sendlib.backlog.headline import HEADLINE_UNITS, headline_section
from sendlib.backlog.requests import (
    AGE_BANDS,
    ASSESSING_WINDOW_DAYS,
    CLOSE_REASONS,
    OVERDUE_DAYS,
    STAGES,
    closing_dates,
    open_requests_at,
    overdue_requests_at,
    overdue_requests_by_age_band,
    overdue_requests_by_stage,
    refusal_days,
    requests_due_to_breach,
)

__all__ = [
    "OVERDUE_DAYS",
    "ASSESSING_WINDOW_DAYS",
    "AGE_BANDS",
    "STAGES",
    "CLOSE_REASONS",
    "closing_dates",
    "refusal_days",
    "open_requests_at",
    "overdue_requests_at",
    "overdue_requests_by_age_band",
    "overdue_requests_by_stage",
    "requests_due_to_breach",
    "overdue_monthly",
    "assessments_completed_by_month",
    "requests_received_by_month",
    "requests_accepted_by_month",
    "backlog_flow",
    "ClearanceProjection",
    "project_backlog_clearance",
    "HEADLINE_UNITS",
    "headline_section",
]
