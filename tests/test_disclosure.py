"""Disclosure control: small-count suppression, secondary suppression, identifier guard.

Every expected value below is worked out by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendlib.disclosure import (
    SUPPRESSED,
    DisclosureError,
    add_totals,
    assert_no_identifiers,
    check_published_table,
    identifier_columns,
    safe_table,
    suppress_small_counts,
    suppression_mask,
)

C = SUPPRESSED


def _grid(rows: dict[str, list[int]], cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols)


def test_primary_suppression_hides_1_to_4_and_shows_zero():
    t = _grid({"A": [0, 3, 12], "B": [5, 4, 1]}, ["x", "y", "z"])
    out = suppress_small_counts(t)
    # 3, 4 and 1 are in 1..4 -> [c]; 0, 12 and 5 are shown; no totals -> no secondary suppression.
    assert out.loc["A"].tolist() == [0, C, 12]
    assert out.loc["B"].tolist() == [5, C, C]
    # the input is not changed
    assert t.loc["A", "y"] == 3


def test_threshold_is_a_parameter():
    t = _grid({"A": [5, 9, 10]}, ["x", "y", "z"])
    # threshold 10: 5 and 9 are in 1..9 -> [c]; 10 shown
    assert suppress_small_counts(t, threshold=10).loc["A"].tolist() == [C, C, 10]


def test_secondary_suppression_in_a_row_with_total():
    t = _grid({"A": [3, 10, 20, 33]}, ["x", "y", "z", "Total"])
    out = suppress_small_counts(t, row_total="Total")
    # 3 alone could be recovered as 33 - 10 - 20; the next smallest cell (10) is hidden too.
    assert out.loc["A"].tolist() == [C, C, 20, 33]


def test_secondary_suppression_in_a_column_with_total_row():
    t = _grid({"A": [2, 9], "B": [7, 12], "Total": [9, 21]}, ["x", "y"])
    out = suppress_small_counts(t, col_total="Total")
    # column x: 2 is primary; 9 - 2 = 7 would reveal it, so B.x (7, the only other component) is hidden.
    assert out["x"].tolist() == [C, C, 9]
    assert out["y"].tolist() == [9, 12, 21]


def test_secondary_suppression_with_both_totals_by_hand():
    t = _grid(
        {
            "A": [3, 8, 10, 21],
            "B": [6, 7, 12, 25],
            "C": [9, 11, 2, 22],
            "Total": [18, 26, 24, 68],
        },
        ["x", "y", "z", "Total"],
    )
    mask = suppression_mask(t, row_total="Total", col_total="Total")
    # Primary: A.x = 3, C.z = 2.
    # Pass 1, rows: A has one -> smallest other of (8, 10) = A.y; C has one -> smallest of (9, 11) = C.x.
    #          cols: x has A.x, C.x (ok); y has A.y -> smallest of B.y 7, C.y 11 = B.y;
    #                z has C.z -> smallest of A.z 10, B.z 12 = A.z.
    # Pass 2, rows: B has B.y only -> smallest of B.x 6, B.z 12 = B.x. Everything else has >= 2.
    # Pass 3: no change. Totals are all shown.
    expected = pd.DataFrame(
        [
            [True, True, True, False],
            [True, True, False, False],
            [True, False, True, False],
            [False, False, False, False],
        ],
        index=t.index,
        columns=t.columns,
    )
    pd.testing.assert_frame_equal(mask, expected)


def test_secondary_suppression_falls_back_to_the_total():
    t = _grid({"A": [7, 0, 7], "B": [3, 20, 23], "Total": [10, 20, 30]}, ["x", "y", "Total"])
    mask = suppression_mask(t, row_total="Total", col_total="Total")
    # Primary: B.x = 3. Row B -> B.y (20). Col x -> A.x (7). Col y: B.y alone, the other component is 0,
    # so its total (Total.y = 20) is hidden. Pass 2: row A has A.x only and A.y = 0 -> A.Total;
    # row Total has Total.y only -> Total.x; col Total has A.Total only -> B.Total. Pass 3: stable.
    assert mask.loc["A"].tolist() == [True, False, True]
    assert mask.loc["B"].tolist() == [True, True, True]
    assert mask.loc["Total"].tolist() == [True, True, False]


def test_small_total_is_suppressed_with_its_cells():
    t = _grid({"A": [2, 0, 1, 3]}, ["x", "y", "z", "Total"])
    # 2, 1 and the total 3 are all in 1..4; the zero is shown (three suppressed cells in the line).
    assert suppress_small_counts(t, row_total="Total").loc["A"].tolist() == [C, 0, C, C]


def test_dependent_values_are_suppressed_with_their_count():
    t = pd.DataFrame({"setting": ["a", "b"], "plans": [3, 40], "cost": [150_000.0, 800_000.0]})
    out = suppress_small_counts(t, columns=["plans"], dependents={"cost": "plans"})
    # 3 plans costing £150,000 would give away £50,000 per child: the cost goes with the count.
    assert out["plans"].tolist() == [C, 40]
    assert out["cost"].tolist() == [C, 800_000.0]


def test_add_totals():
    t = _grid({"A": [1, 2], "B": [3, 4]}, ["x", "y"])
    out = add_totals(t)
    # row totals 1+2 = 3, 3+4 = 7; column totals 1+3 = 4, 2+4 = 6, grand 10
    assert out["Total"].tolist() == [3, 7, 10]
    assert out.loc["Total"].tolist() == [4, 6, 10]


@pytest.mark.parametrize(
    "column",
    ["plan_id", "child_id", "request_id", "date_of_birth", "Provider Name", "provider_urn", "Surname"],
)
def test_identifier_guard_refuses_identifying_columns(column):
    frame = pd.DataFrame({column: ["x"], "plans": [10]})
    with pytest.raises(DisclosureError, match="identifying"):
        assert_no_identifiers(frame)
    with pytest.raises(DisclosureError):
        suppress_small_counts(frame, columns=["plans"])


def test_identifier_guard_checks_the_index_and_allows_named_exceptions():
    frame = pd.DataFrame({"plans": [10]}, index=pd.Index(["p1"], name="plan_id"))
    assert identifier_columns(frame) == ["plan_id"]
    with pytest.raises(DisclosureError):
        assert_no_identifiers(frame)
    ok = pd.DataFrame({"provider_name": ["School"], "plans": [12]})
    assert assert_no_identifiers(ok, allow=["provider_name"]) is ok
    assert_no_identifiers(pd.DataFrame({"primary_need": ["ASD"], "plans": [12]}))


def test_safe_table_formats_and_suppresses():
    t = pd.DataFrame(
        {
            "setting": ["Independent special", "Maintained special"],
            "plans": [4, 1234],
            "annual_cost": [250_000.0, 32_000_000.0],
            "share": [0.3, 99.7],
        }
    )
    out = safe_table(t, counts=["plans"], money=["annual_cost"], percent=["share"], rename={"plans": "Plans"})
    # 4 -> [c] and, with one count column, the money and percent columns of that row go with it.
    assert out.loc[0].tolist() == ["Independent special", C, C, C]
    assert out.loc[1].tolist() == ["Maintained special", "1,234", "£32,000,000", "99.7%"]
    assert list(out.columns) == ["setting", "Plans", "annual_cost", "share"]
    check_published_table(out, columns=["Plans"])


def test_check_published_table_catches_small_counts():
    with pytest.raises(DisclosureError, match="small count"):
        check_published_table(pd.DataFrame({"plans": ["3", "1,200"]}))
    check_published_table(pd.DataFrame({"plans": [C, "1,200", "0"]}))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda ncols: st.lists(
            st.lists(st.integers(min_value=0, max_value=30), min_size=ncols, max_size=ncols),
            min_size=1,
            max_size=5,
        )
    ),
    st.booleans(),
    st.booleans(),
)
def test_property_no_total_line_has_exactly_one_suppressed_cell(rows, with_row_total, with_col_total):
    cols = [f"c{j}" for j in range(len(rows[0]))]
    t = pd.DataFrame(rows, columns=cols, index=[f"r{i}" for i in range(len(rows))])
    t = add_totals(
        t, cols, row_total="Total" if with_row_total else None, col_total="Total" if with_col_total else None
    )
    rt = "Total" if with_row_total else None
    ct = "Total" if with_col_total else None
    mask = suppression_mask(t, row_total=rt, col_total=ct)
    values = t.to_numpy()
    m = mask.to_numpy()
    # every count from 1 to 4 is hidden; any other shown value is unchanged
    assert np.all(m[(values >= 1) & (values <= 4)])
    out = suppress_small_counts(t, row_total=rt, col_total=ct)
    shown = out.to_numpy()[~m]
    assert list(shown) == list(values[~m])
    # no line with a total holds exactly one suppressed cell
    if with_row_total:
        assert not np.any(m.sum(axis=1) == 1)
    if with_col_total:
        assert not np.any(m.sum(axis=0) == 1)
