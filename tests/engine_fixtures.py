"""The hand-worked A-D extract shared by the engine's tests (cost, series, headlines).

Every expected value in those tests is worked out by hand from the docstring below.
"""

from __future__ import annotations

import pandas as pd

from sendlib.extract import from_frames


def four_plans(as_of: str = "2024-04-30"):
    """Plans A-D; D never has a placement; C ceases on 31 March; B is jointly funded.

    A: issued 2023-09-01, ASD, born 2012-06-15
       1. mainstream_academy     2023-09-01 .. 2024-03-31 (inclusive)  10,000
       2. special_la_maintained  2024-04-01 .. open                    20,000
    B: issued 2024-01-15, SEMH, born 2008-02-29 (16 on 29 Feb 2024)
       3. special_independent    2024-01-15 .. open  50,000, health 10,000, social care 5,000 -> net 35,000
    C: issued 2023-05-01, ceased 2024-03-31, ASD, born 2004-04-10
       4. general_fe_tertiary_colleges 2023-05-01 .. open  9,000 (not current once C has ceased)
    D: issued 2024-02-01, SLCN, born 2019-01-01, no placement
    """
    plans = pd.DataFrame(
        {
            "plan_id": ["A", "B", "C", "D"],
            "child_id": ["1", "2", "3", "4"],
            "date_of_birth": ["2012-06-15", "2008-02-29", "2004-04-10", "2019-01-01"],
            "primary_need": ["ASD", "SEMH", "ASD", "SLCN"],
            "issued_on": ["2023-09-01", "2024-01-15", "2023-05-01", "2024-02-01"],
            "ceased_on": [None, None, "2024-03-31", None],
        }
    )
    placements = pd.DataFrame(
        {
            "plan_id": ["A", "A", "B", "C"],
            "setting": [
                "mainstream_academy",
                "special_la_maintained",
                "special_independent",
                "general_fe_tertiary_colleges",
            ],
            "start_on": ["2023-09-01", "2024-04-01", "2024-01-15", "2023-05-01"],
            "end_on": ["2024-03-31", None, None, None],
            "annual_cost": [10_000.0, 20_000.0, 50_000.0, 9_000.0],
            "health_contribution": [0.0, 0.0, 10_000.0, 0.0],
            "social_care_contribution": [0.0, 0.0, 5_000.0, 0.0],
        }
    )
    return from_frames(plans, placements, as_of=as_of)


def four_plans_one_uncosted(as_of: str = "2024-04-30"):
    """Plans A-D of :func:`four_plans` plus E, whose only placement has a blank annual_cost.

    E: issued 2024-02-01, MLD, born 2010-05-05
       5. special_independent    2024-02-01 .. open    annual_cost blank (no contributions)
    E counts as an active plan (from 1 Feb) and its placement as a current independent placement, at
    £0 in sums; it is left out of every mean cost per placement.
    """
    base = four_plans(as_of)
    plans = pd.concat(
        [
            base.plans,
            pd.DataFrame(
                {
                    "plan_id": ["E"],
                    "child_id": ["5"],
                    "date_of_birth": ["2010-05-05"],
                    "primary_need": ["MLD"],
                    "issued_on": ["2024-02-01"],
                    "ceased_on": [None],
                }
            ),
        ],
        ignore_index=True,
    )
    placements = pd.concat(
        [
            base.placements,
            pd.DataFrame(
                {
                    "plan_id": ["E"],
                    "setting": ["special_independent"],
                    "start_on": ["2024-02-01"],
                    "end_on": [None],
                    "annual_cost": [float("nan")],
                    "health_contribution": [0.0],
                    "social_care_contribution": [0.0],
                }
            ),
        ],
        ignore_index=True,
    )
    return from_frames(plans, placements, as_of=as_of)
