"""A hand-built extract for the caseload model's estimation (tests/test_forecast.py works every
parameter out by hand from the event list below).

The model is estimated at AS_OF = 30 Nov 2024; the extract runs to 31 Dec 2024, so every December 2024
event is after ``as_of`` and must be ignored. All plans share one placement-free plans table.

Plans (``issued_on``; all ever active, none ceased on its issue day)::

    100 issued 2015-09-01 (the base; the ceasings below are base plans)
      3 issued 2020-06-15        6 issued 2021-06-15        4 issued 2022-06-15
      1 issued 2023-11-30 (last day before the 12-month window Dec 2023 - Nov 2024)
     10 issued 2023-12-01 (first day of the window)
     20 issued 2024-08-15
      5 issued 2024-12-10 (after as_of)

    Ceased (``ceased_on``):
      4 on 2021-11-30 (last day before the 36-month hazard window Dec 2021 - Nov 2024)
     12 on 2022-07-20     2 on 2022-12-01     9 on 2023-07-20
      3 on 2024-03-31     6 on 2024-07-20     5 on 2024-12-10 (after as_of)

Requests for assessment (``received_on``, on the 10th of the month unless noted): 5 a month from
January 2020 to December 2024, except October 2023: 15, September 2024: 10, November 2024: 25,
December 2024: 40 (after as_of) and, to keep the last 24 months free of a trend, January 2023: 25.
One of October 2022's five is received on 2022-10-26 instead of the 10th.

Plans issued from requests (``issued_on`` of the assessment; days from received):

    received 2024-01-10 issued 2024-02-09   30 days
    received 2024-03-10 issued 2024-04-24   45 days
    received 2024-05-10 issued 2024-07-10   61 days
    received 2024-02-10 issued 2024-08-28  200 days
    received 2024-04-10 issued 2024-11-06  210 days
    received 2022-10-26 issued 2023-11-30  400 days (issued the day before the window opens)
    received 2024-07-10 issued 2024-12-02  145 days (issued after as_of)

Every other request has no plan issued (``issued_on`` blank).
"""

from __future__ import annotations

import pandas as pd

from sendlib.extract import from_frames

FLOW_AS_OF = pd.Timestamp("2024-11-30")

PLANS_ISSUED = {
    "2015-09-01": 100,
    "2020-06-15": 3,
    "2021-06-15": 6,
    "2022-06-15": 4,
    "2023-11-30": 1,
    "2023-12-01": 10,
    "2024-08-15": 20,
    "2024-12-10": 5,
}
PLANS_CEASED = {
    "2021-11-30": 4,
    "2022-07-20": 12,
    "2022-12-01": 2,
    "2023-07-20": 9,
    "2024-03-31": 3,
    "2024-07-20": 6,
    "2024-12-10": 5,
}
REQUESTS_PER_MONTH = 5
REQUEST_OVERRIDES = {"2023-01": 25, "2023-10": 15, "2024-09": 10, "2024-11": 25, "2024-12": 40}
ISSUED_REQUESTS = {  # received_on: issued_on
    "2024-01-10": "2024-02-09",
    "2024-03-10": "2024-04-24",
    "2024-05-10": "2024-07-10",
    "2024-02-10": "2024-08-28",
    "2024-04-10": "2024-11-06",
    "2022-10-26": "2023-11-30",
    "2024-07-10": "2024-12-02",
}


def flow_plans() -> pd.DataFrame:
    """The plans table of the docstring (ceasings taken from the base plans, in date order)."""
    issued = [d for d, n in PLANS_ISSUED.items() for _ in range(n)]
    ceased: list[str | None] = [d for d, n in PLANS_CEASED.items() for _ in range(n)]
    ceased += [None] * (len(issued) - len(ceased))
    n = len(issued)
    return pd.DataFrame(
        {
            "plan_id": [f"p{i}" for i in range(n)],
            "child_id": [f"c{i}" for i in range(n)],
            "date_of_birth": "2012-01-01",
            "primary_need": "ASD",
            "issued_on": issued,
            "ceased_on": ceased,
        }
    )


def flow_assessments() -> pd.DataFrame:
    """The requests of the docstring, with ``issued_on`` set on the seven issued ones."""
    received: list[str] = []
    for month in pd.period_range("2020-01", "2024-12", freq="M"):
        n = REQUEST_OVERRIDES.get(str(month), REQUESTS_PER_MONTH)
        received += [f"{month}-10"] * n
    received[received.index("2022-10-10")] = "2022-10-26"
    issued: list[str | None] = [None] * len(received)
    for rec, iss in ISSUED_REQUESTS.items():
        issued[received.index(rec)] = iss
    n = len(received)
    return pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(n)],
            "child_id": [f"c{i}" for i in range(n)],
            "received_on": received,
            "issued_on": issued,
        }
    )


def flow_extract():
    """The extract of the module docstring (no placements), dated 31 Dec 2024."""
    placements = pd.DataFrame(columns=["plan_id", "setting", "start_on", "end_on", "annual_cost"])
    return from_frames(flow_plans(), placements, flow_assessments(), as_of="2024-12-31")
