"""The synthetic "Example County" extract: a generator calibrated to a real county's published figures.

Nothing here is real: every child, plan, provider and date is drawn at random (through
:func:`sendlib.config.rng`, so a seed gives identical output). The county's *scale and trends* are
calibrated to Devon's published figures so that notebooks and tests have
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
   on target and a November 2024 panel of decisions not to issue (``NOV_NO_PLAN``). Where a plan issued
   weeks after birth gets a request dated before the birth, that child's date of birth moves back to
   ``AGE_AT_EARLY_REQUEST_DAYS`` before the request (request and plan dates stay as drawn).
6. **Writing.** :func:`write_sample` writes sorted contract CSVs column-wise (fast at national scale),
   ``extract.toml`` and a README with the calibration table (:func:`calibration_table`).

Money is in pounds. ``scale="national"`` multiplies every volume by about 66 (an England-sized
extract, ~640,000 active plans) for benchmarks; it is generated on demand and never committed.

The package is split by job: :mod:`~sendlib.sample.targets` (calibration targets and fixed inputs),
:mod:`~sendlib.sample.flows` (steps 1-2), :mod:`~sendlib.sample.placements` (steps 3-4),
:mod:`~sendlib.sample.generator` (step 5, planning inputs and :func:`generate`),
:mod:`~sendlib.sample.calibration` (the README's target-vs-achieved table) and
:mod:`~sendlib.sample.writer` (step 6).
"""

from __future__ import annotations

from sendlib.sample.calibration import calibration_table
from sendlib.sample.flows import _plans, monthly_ceased, monthly_issued
from sendlib.sample.generator import generate
from sendlib.sample.targets import AS_OF, AS_OF_TEXT, SCALES
from sendlib.sample.writer import _csv_quote, _csv_text, _money_text, write_sample

__all__ = [
    "AS_OF",
    "AS_OF_TEXT",
    "SCALES",
    "calibration_table",
    "generate",
    "monthly_ceased",
    "monthly_issued",
    "write_sample",
    "_csv_quote",
    "_csv_text",
    "_money_text",
    "_plans",
]
