"""The overlap trim (:func:`sendlib.validate.links.trim_overlapping_placements`) against a plain loop,
whatever the row order and whatever the ids look like (its fast path skips the sort when the rows are
already grouped by plan and sorted by start, and reads ids of one width as integers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sendlib import config
from sendlib.validate import TableData
from sendlib.validate.links import _grouped_and_sorted, trim_overlapping_placements

TEXT = pd.StringDtype("pyarrow")


def _table(plan_ids, starts, ends) -> TableData:
    data = pd.DataFrame({
        "plan_id": pd.Series(plan_ids, dtype=TEXT),
        "start_on": pd.to_datetime(pd.Series(starts)).astype("datetime64[ns]"),
        "end_on": pd.to_datetime(pd.Series(ends)).astype("datetime64[ns]"),
    })
    return TableData("placements", "placements.csv", np.arange(len(data)) + 2, data.astype("string"), data)


def _by_loop(plan_ids, starts, ends) -> list:
    """Each spell's end after the trim, one plan at a time (the rule as stated)."""
    out = [pd.Timestamp(e) if e is not None else pd.NaT for e in ends]
    for pid in set(plan_ids):
        rows = sorted((i for i, p in enumerate(plan_ids) if p == pid), key=lambda i: pd.Timestamp(starts[i]))
        for a, b in zip(rows, rows[1:], strict=False):
            nxt = pd.Timestamp(starts[b])
            if pd.isna(out[a]) or out[a] >= nxt:
                out[a] = nxt - pd.Timedelta(days=1)
    return out


def test_by_hand_unsorted_rows():
    # P2's spells come in reverse order; P1's open spell (row 2) overlaps its next (row 4)
    t = _table(["P1", "P2", "P1", "P2"], ["2024-01-01", "2024-06-01", "2024-03-01", "2024-02-01"],
               [None, None, "2024-12-31", None])
    trim_overlapping_placements(t)
    assert t.data["end_on"].tolist() == [pd.Timestamp("2024-02-29"), pd.NaT, pd.Timestamp("2024-12-31"),
                                         pd.Timestamp("2024-05-31")]
    (f,) = t.findings
    assert f.mask.tolist() == [True, False, False, True] and f.rule == "overlapping_placements"


@pytest.mark.parametrize("ids", ["fixed", "mixed"])
@pytest.mark.parametrize("order", ["sorted", "shuffled"])
def test_against_a_loop(ids, order):
    rng = config.rng(11)
    n = 400
    plan = rng.integers(0, 60, n)
    plan_ids = [f"P{k:04d}" if ids == "fixed" else f"P{k}" for k in plan]
    days = rng.choice(np.arange(2000), n, replace=False)  # distinct starts: no duplicate keys
    starts = [str(pd.Timestamp("2018-01-01") + pd.Timedelta(days=int(d)))[:10] for d in days]
    ends = [None if rng.random() < 0.3 else str(pd.Timestamp(s) + pd.Timedelta(days=int(rng.integers(0, 400))))[:10]
            for s in starts]
    rows = np.lexsort((days, plan)) if order == "sorted" else rng.permutation(n)
    plan_ids, starts, ends = ([x[i] for i in rows] for x in (plan_ids, starts, ends))
    t = _table(plan_ids, starts, ends)
    trim_overlapping_placements(t)
    expected = _by_loop(plan_ids, starts, ends)
    got = t.data["end_on"].tolist()
    assert all((pd.isna(a) and pd.isna(b)) or a == b for a, b in zip(got, expected, strict=True))


def test_grouped_and_sorted_by_hand():
    assert _grouped_and_sorted(np.array([1, 1, 2, 5]), np.array([1, 2, 0, 0]))
    assert not _grouped_and_sorted(np.array([1, 2, 1]), np.array([0, 0, 1]))  # code 1 comes back
    assert not _grouped_and_sorted(np.array([1, 1]), np.array([2, 1]))  # starts fall within a code
    assert _grouped_and_sorted(np.array([3]), np.array([0]))
