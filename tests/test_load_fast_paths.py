"""The loader's fast paths give exactly the Extract the plain paths give.

Five shortcuts make ``sendlib.load`` faster at national scale (benchmarks/README.md): strip and blank
checks skipped when the string buffer shows nothing to strip (:func:`sendlib.clean._edges`), the
duplicate check's early exit on strictly increasing keys
(:func:`sendlib.validate.rows._strictly_increasing`), id membership by binary search
(:func:`sendlib.validate.core._isin_fixed_width`), each placement's plan found once by binary search
for the orphan and plan-date rules (:func:`sendlib.validate.links.plan_row_if_sorted`), and threads
(tables read two at a time, and the placement rules run beside the plan and request rules, on folders
of 32 MB or more). Each is checked here against values worked out by
hand, and the whole Extract (tables, dtypes, issues, quarantine, row counts) against a load with every
shortcut switched off, on data/sample, data/example, the broken fixture (one bad row per rule) and a
folder of dates written in every accepted form.
"""

from __future__ import annotations

import importlib
import shutil

import numpy as np
import pandas as pd
import pytest

from sendlib import clean, config, schema
from sendlib.load import load
from sendlib.validate import core, links, rows
from tests.messy_fixtures import EXPECTED, QUARANTINED_ROWS, broken_extract

TEXT = pd.StringDtype("pyarrow")
load_module = importlib.import_module("sendlib.load")


def test_parse_dates_falls_back_for_other_forms():
    s = pd.Series([" 2024-02-05 ", "2024-2-5", "05/02/2024", "2024-02-05 10:00", "45352", "2024-02-30", "", None],
                  dtype=TEXT)
    out, bad = clean.parse_dates(s)
    feb5 = pd.Timestamp("2024-02-05")
    assert out.tolist()[:4] == [feb5] * 4 and out.iloc[4] == pd.Timestamp("2024-03-01")
    assert out.iloc[5:].isna().all()
    assert bad.tolist() == [False] * 5 + [True, False, False]


def test_iso_dates_cast_by_hand():
    import pyarrow as pa

    text = pa.array(["2024-02-05", "", "1650-01-01", "2024-02-29", "2262-04-11", None], pa.large_string())
    got = clean._iso_dates_cast(text)
    assert got is not None and got.dtype == "datetime64[ns]"
    # blank and missing -> NaT; a year datetime64[ns] cannot hold -> NaT (the general path flags it)
    assert pd.Series(got).tolist()[:5] == [pd.Timestamp("2024-02-05"), pd.NaT, pd.NaT, pd.Timestamp("2024-02-29"),
                                           pd.Timestamp("2262-04-11")]
    for other in ("2024-02-30", "2023-02-29", "2024-2-5", " 2024-02-05", "05/02/2024", "2024-02-05 10:00"):
        assert clean._iso_dates_cast(pa.array(["2024-01-01", other], pa.large_string())) is None, other


@pytest.mark.parametrize(
    ("values", "expected"),
    [(["a", "b"], (False, False)), (["a", "b "], (True, False)), (["\tx", "y"], (True, False)),
     (["a", ""], (False, True)), (["a", None], (False, True)), (["\u00a0a"], (True, False)), (["é"], (True, False)),
     ([], (False, False))],
)
def test_edges_by_hand(values, expected):
    assert clean._edges(pd.Series(values, dtype=TEXT)) == expected


def test_clean_text_and_as_text_with_and_without_anything_to_strip():
    assert clean.clean_text(pd.Series(["P1", "P2"], dtype=TEXT)).tolist() == ["P1", "P2"]
    assert clean.clean_text(pd.Series([" P1", "", None], dtype=TEXT)).isna().tolist() == [False, True, True]
    assert clean.clean_text(pd.Series([" P1", "P2\u00a0"], dtype=TEXT)).tolist() == ["P1", "P2"]
    assert clean._as_text(pd.Series(["a", ""], dtype=TEXT)).tolist() == ["a", ""]


def test_strictly_increasing_keys_by_hand():
    d = pd.DataFrame({
        "plan_id": pd.Series(["P01", "P01", "P02", "P03"], dtype=TEXT),
        "start_on": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01", "2023-01-01"]).as_unit("ns"),
    })
    every = np.arange(4)
    assert rows._strictly_increasing(d, ["plan_id", "start_on"], every)
    assert not rows._strictly_increasing(d, ["plan_id"], every)  # P01 twice
    assert rows._strictly_increasing(d, ["plan_id"], np.array([1, 2, 3]))
    assert not rows._strictly_increasing(d, ["plan_id"], np.array([3, 2]))  # decreasing: not told cheaply
    mixed = d.assign(plan_id=pd.Series(["P1", "P01", "P02", "P03"], dtype=TEXT))  # two widths
    assert not rows._strictly_increasing(mixed, ["plan_id", "start_on"], every)


def test_isin_fixed_width_against_a_python_set():
    rng = config.rng(7)
    ids = np.array([f"P{i:05d}" for i in range(2000)], dtype=object)
    allowed = rng.choice(ids, 700)  # unsorted, with repeats
    values = rng.choice(ids, 3000).astype(object)
    values[::97] = None
    fast = core._isin_fixed_width(pd.Series(values, dtype=TEXT), pd.Series(allowed, dtype=TEXT))
    ref = np.array([v is not None and v in set(allowed) for v in values])
    assert fast is not None and (fast == ref).all()
    # different widths: not this path (the hash lookup decides)
    assert core._isin_fixed_width(pd.Series(["P1"], dtype=TEXT), pd.Series(["P10"], dtype=TEXT)) is None


def _mixed_dates(folder):
    """data/sample with plans' issued_on written in every accepted form, and a few bad or odd dates."""
    shutil.copytree(config.SAMPLE_DIR, folder)
    p = pd.read_csv(folder / "plans.csv", dtype=str, keep_default_na=False)
    forms = ["%d/%m/%Y", "%Y-%m-%d", "%d %b %Y", "%Y-%m-%d 00:00:00", "%d/%m/%y"]
    issued = pd.to_datetime(p["issued_on"])
    p["issued_on"] = [x.strftime(forms[i % len(forms)]) for i, x in enumerate(issued)]
    p.loc[3, "issued_on"] = "2024-02-30"
    p.loc[4, "issued_on"] = "2024-2-5"
    p.loc[5, "issued_on"] = " 2023-06-01 "
    p.loc[6, "ceased_on"] = "31/12/9999"
    p.loc[7, "date_of_birth"] = "1650-01-01"
    p.loc[8, "issued_on"] = "45352"
    p.to_csv(folder / "plans.csv", index=False)
    return folder


def _plain(monkeypatch):
    """Every fast path switched off: the loader as it was before them."""
    monkeypatch.setattr(clean, "_edges", lambda values: (True, True))
    monkeypatch.setattr(rows, "_strictly_increasing", lambda d, key, at: False)
    monkeypatch.setattr(core, "_isin_fixed_width", lambda values, allowed: None)
    monkeypatch.setattr(links, "plan_row_if_sorted", lambda placements, plans: None)
    monkeypatch.setattr(load_module, "PARALLEL_BYTES", 1 << 62)  # one table, one rule at a time


def _assert_same(fast, plain):
    assert [str(i) for i in fast.issues] == [str(i) for i in plain.issues]
    assert fast.row_counts == plain.row_counts and fast.as_of == plain.as_of
    for name in schema.TABLES:
        if plain.table(name) is None:
            assert fast.table(name) is None
            continue
        pd.testing.assert_frame_equal(fast.table(name), plain.table(name), check_exact=True)
    pd.testing.assert_frame_equal(fast.quarantine, plain.quarantine, check_exact=True)


def _undated(folder):
    """data/sample without extract.toml: the extract date is inferred after every table is read."""
    shutil.copytree(config.SAMPLE_DIR, folder)
    (folder / "extract.toml").unlink()
    return folder


@pytest.mark.parametrize("which", ["sample", "example", "broken", "mixed", "undated"])
def test_fast_and_plain_loads_give_the_same_extract(which, tmp_path, monkeypatch):
    folder = {"sample": lambda: config.SAMPLE_DIR, "example": lambda: config.EXAMPLE_DIR,
              "undated": lambda: _undated(tmp_path / "undated"),
              "broken": lambda: broken_extract(tmp_path / "broken"),
              "mixed": lambda: _mixed_dates(tmp_path / "mixed")}[which]()
    with monkeypatch.context() as m:
        m.setattr(load_module, "PARALLEL_BYTES", 0)  # threads, whatever the folder's size
        fast = load(folder, errors="return")
    with monkeypatch.context() as m:
        _plain(m)
        plain = load(folder, errors="return")
    _assert_same(fast, plain)
    # and the values the other tests pin
    if which == "example":
        assert fast.usable and fast.issues == [] and len(fast.quarantine) == 0
        assert {k: v["rows_in"] for k, v in fast.row_counts.items()} == {
            "plans": 12, "placements": 13, "assessments": 17, "plan_trajectory": 7, "budget": 2}
    if which == "sample":
        assert len(fast.quarantine) == 0
        assert not [i for i in fast.issues if i.severity in ("blocking", "error")]
    if which == "broken":
        assert fast.row_counts == EXPECTED
        got = fast.quarantine.groupby("table")["row"].apply(sorted).to_dict()
        assert got == QUARANTINED_ROWS
    if which == "mixed":
        # by hand (header is row 1): row 5 issued 2024-02-30 (no such day); rows 6, 7 and 10 are issued
        # (2024-2-5, " 2023-06-01 ", Excel day 45352 = 1 March 2024) after they ceased (2016-11-01,
        # 2012-12-07, 2023-12-28). Row 8's 31/12/9999 is "no end"; row 9's 1650 birth date is blanked
        # with a warning (kept).
        q = fast.quarantine.loc[fast.quarantine["table"] == "plans"]
        assert q["row"].tolist() == [5, 6, 7, 10]
        assert q["reasons"].str.contains("bad_date").tolist() == [True, False, False, False]
        assert q["reasons"].str.contains("end_before_start").tolist() == [False, True, True, True]
        assert fast.row_counts["plans"]["rows_quarantined"] == 4
    for name in (schema.PLANS, schema.PLACEMENTS, schema.ASSESSMENTS):
        frame = fast.table(name)
        for c in schema.CONTRACT[name].columns:
            if c.kind == "date":
                assert frame[c.name].dtype == "datetime64[ns]", (name, c.name)

