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
    any_small_count,
    assert_no_identifiers,
    check_published_table,
    count_phrase,
    dependent_mask,
    identifier_columns,
    linked_suppression,
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


# ---------------------------------------------------------------------------------------------------
# Prose, linked counts with signs, values derived from two counts
# ---------------------------------------------------------------------------------------------------


def test_count_phrase_reads_fewer_than_5_for_small_counts():
    assert count_phrase(3) == "fewer than 5"
    assert count_phrase(1.0) == "fewer than 5"
    assert count_phrase(0) == "0"  # 0 is shown, as in tables
    assert count_phrase(5) == "5"
    assert count_phrase(9754.0) == "9,754"
    assert count_phrase(9, 10) == "fewer than 10"  # the notebooks' suppress_below
    assert count_phrase(3, 1) == "3"  # 1 = suppression off
    # hidden to protect another count (secondary suppression): [c] whatever its size
    assert count_phrase(152, hidden=True) == C
    assert count_phrase(2, hidden=True) == "fewer than 5"


def test_any_small_count():
    assert any_small_count(620, 641) is False
    assert any_small_count(620, 3) is True  # a change of 617 would give 3 back
    assert any_small_count(0, 7) is False
    assert any_small_count(float("nan"), None, 9) is False
    assert any_small_count(7, threshold=10) is True


def test_linked_identity_with_signs_and_last_resort_counts():
    # plans: previous month 6 + issued 9 - ceased 2 = now 13; ceased (2) is primary
    values = {"prev": 6, "issued": 9, "ceased": 2, "now": 13}
    line = [(["prev", "issued", "ceased"], "now")]
    # the line alone has one hidden count, so ceased = 6 + 9 - 13: the smallest positive other
    # component (prev, 6) goes too
    assert linked_suppression(values, line) == {"ceased", "prev"}
    # prev was published last month: hiding it protects nothing, so issued (9) goes instead
    assert linked_suppression(values, line, last=["prev", "now"]) == {"ceased", "issued"}
    # June on data/example: 7 + issued 1 - ceased 0 = 8. Only the zero is left to hide besides the
    # published stocks
    june = {"prev": 7, "issued": 1, "ceased": 0, "now": 8}
    assert linked_suppression(june, line, last=["prev", "now"]) == {"issued", "ceased"}
    assert linked_suppression(june, line) == {"issued", "prev"}  # without last: the stock
    # two hidden counts in the line (November on data/example: 8 + 2 - 1 = 9): nothing more to hide
    nov = {"prev": 8, "issued": 2, "ceased": 1, "now": 9}
    assert linked_suppression(nov, line, last=["prev", "now"]) == {"issued", "ceased"}


def _shift_share_rows() -> pd.DataFrame:
    """Three settings, 20 plans at both month ends (w = n / 20; mix = dw r0, rate = w0 dr, total =
    w1 r1 - w0 r0). A: 3 -> 0 placements at £25,000: mix = -0.15 x 25,000 = -3,750, rate 0, total -3,750.
    B: 10 -> 12 at £10,000: mix = 0.1 x 10,000 = 1,000, rate 0, total 1,000. C: 7 -> 8, £20,000 -> £21,000:
    mix = 0.05 x 20,000 = 1,000, rate = 0.35 x 1,000 = 350, total = 8,400 - 7,000 = 1,400."""
    return pd.DataFrame(
        {
            "before": [3, 10, 7],
            "now": [0, 12, 8],
            "cost_now": [25_000.0, 10_000.0, 21_000.0],
            "mix": [-3_750.0, 1_000.0, 1_000.0],
            "rate": [0.0, 0.0, 350.0],
            "total": [-3_750.0, 1_000.0, 1_400.0],
        },
        index=["A", "B", "C"],
    )


def _recover_before(row, plans_before=20, plans_now=20):
    """An attack: w0 r0 = w1 r1 - total and rate = w0 r1 - w0 r0, so w0 = (rate + w0 r0) / r1."""
    try:
        n1, r1, rate, total = (float(str(row[c]).replace(",", "").replace("£", ""))
                               for c in ("now", "cost_now", "rate", "total"))
    except ValueError:  # a [c] in the way
        return None
    w0r0 = n1 / plans_now * r1 - total
    return round((rate + w0r0) / r1 * plans_before, 6)


def test_shift_share_row_hides_its_effects_when_either_count_is_hidden():
    t = _shift_share_rows()
    money = ["cost_now", "mix", "rate", "total"]
    # with the effects tied to the count now only (0, shown), row A gives its hidden count back:
    # w0 r0 = 0 - (-3,750) = 3,750; w0 = (0 + 3,750) / 25,000 = 0.15; n0 = 0.15 x 20 = 3
    leaky = safe_table(t, counts=["before", "now"], money=money, dependents={c: "now" for c in money})
    assert leaky.loc["A", "before"] == C and _recover_before(leaky.loc["A"]) == 3
    # tied to both counts: the attack finds nothing to work with
    safe = safe_table(t, counts=["before", "now"], money=money, dependents={c: ["before", "now"] for c in money})
    assert safe.loc["A"].tolist() == [C, "0", C, C, C, C]
    assert _recover_before(safe.loc["A"]) is None
    # rows with both counts shown keep their figures (and the attack only returns what is shown)
    assert safe.loc["C"].tolist() == ["7", "8", "£21,000", "£1,000", "£350", "£1,400"]
    assert _recover_before(safe.loc["C"]) == 7
    # the effects add up to the chart's mix, rate and total (1,000 + 1,000 - 3,750 = -1,750 mix): with
    # only A hidden, A = chart - B - C, so a second row goes: the one with the fewest placements
    # (C: 7 + 8 = 15 < B: 10 + 12 = 22); its counts stay
    both = safe_table(t, counts=["before", "now"], money=money, dependents={c: ["before", "now"] for c in money},
                      sums_shown=["mix", "rate", "total"])
    assert both.loc["C"].tolist() == ["7", "8", "£21,000", C, C, C]
    assert both.loc["B"].tolist() == ["10", "12", "£10,000", "£1,000", "£0", "£1,000"]


def test_dependent_mask_checks_its_counts():
    mask = pd.DataFrame({"a": [True, False], "b": [False, False]})
    out = dependent_mask(mask, {"x": "a", "y": ["a", "b"], "z": ("b",)})
    assert out["x"].tolist() == [True, False] and out["y"].tolist() == [True, False]
    assert out["z"].tolist() == [False, False]
    with pytest.raises(ValueError, match="not a count column"):
        dependent_mask(mask, {"x": ["a", "c"]})
