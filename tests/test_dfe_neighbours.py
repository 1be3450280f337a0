"""DfE statistical-neighbour lists: the reader on hand-built workbooks in LAIT's layout, the 2021 list
by version, and benchmarking with it on the real DfE files (neighbour medians recomputed by hand)."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from sendlib import dfe
from sendlib.cli import main
from sendlib.dfe.neighbours import NEIGHBOUR_LISTS, read_neighbour_workbook
from sendlib.errors import DataError
from tests.sn_fixtures import write_sn_workbook

CODES = [str(c) for c in range(801, 812)]  # eleven LAs: each has the other ten as neighbours


def ring(code: str) -> list[str]:
    """The other ten codes, starting after ``code`` and wrapping round (a known order)."""
    i = CODES.index(code)
    return CODES[i + 1:] + CODES[:i]


def eleven() -> dict:
    return {c: (f"LA {c}", ring(c)) for c in CODES}


@pytest.mark.parametrize("spacer,float_codes", [(False, False), (True, False), (False, True)])
def test_reader_on_hand_built_workbook(tmp_path, spacer, float_codes):
    p = write_sn_workbook(tmp_path / "sn.xlsx", eleven(), spacer=spacer, float_codes=float_codes)
    t = read_neighbour_workbook(p)
    assert len(t) == 11 * 10
    assert t["la_code"].unique().tolist() == CODES  # sorted, three-digit text
    got = t[t["la_code"] == "805"].sort_values("rank")
    # by hand: after 805 come 806..811, then 801..804
    assert got["neighbour_code"].tolist() == ["806", "807", "808", "809", "810", "811", "801", "802", "803", "804"]
    assert got["rank"].tolist() == list(range(1, 11))
    assert (t["closeness"] == "Very close").all()
    assert t.loc[t["la_code"] == "811", "la_name"].iloc[0] == "LA 811"


def test_own_code_as_neighbour_is_refused_with_row(tmp_path):
    rows = eleven()
    rows["803"] = ("LA 803", ["803"] + ring("803")[1:])  # itself in place of its nearest neighbour
    p = write_sn_workbook(tmp_path / "sn.xlsx", rows)
    # header on sheet row 3, LAs from row 4: 803 is the third LA -> row 6
    with pytest.raises(DataError, match=r"row 6: LA 803 is listed as its own neighbour"):
        read_neighbour_workbook(p)


def test_repeated_neighbour_and_bad_code_are_refused(tmp_path):
    rows = eleven()
    rows["801"] = ("LA 801", ring("801")[:9] + ["802"])
    with pytest.raises(DataError, match=r"row 4: LA 801 lists neighbour 802 twice"):
        read_neighbour_workbook(write_sn_workbook(tmp_path / "a.xlsx", rows))
    rows = eleven()
    rows["Total"] = ("Total", ring("801"))
    with pytest.raises(DataError, match=r"row 15: LA num 'Total' is not a three-digit LA code"):
        read_neighbour_workbook(write_sn_workbook(tmp_path / "b.xlsx", rows))


def test_2021_list_by_version(tmp_path):
    root = tmp_path / "dfe"
    write_sn_workbook(root / NEIGHBOUR_LISTS["2021"].file, eleven())
    t = dfe.neighbour_table("2021", root)
    assert (t["version"] == "2021-04").all()
    assert dfe.neighbours("801", "2021", root) == ring("801")
    with pytest.raises(DataError, match=r"LA 942 has no row in DfE's April 2021 .*use --neighbours 2025"):
        dfe.neighbours("942", "2021", root)


def test_missing_list_says_how_to_get_it(tmp_path):
    (tmp_path / "dfe").mkdir()
    with pytest.raises(DataError, match=r"fetch-dfe --neighbours 2021"):
        dfe.neighbour_table("2021", tmp_path / "dfe")
    with pytest.raises(DataError, match="unknown statistical-neighbour list '2019'"):
        dfe.neighbour_table("2019", tmp_path / "dfe")


# --- benchmarking with the 2021 list on the real DfE files ------------------------------------------
#: Devon's neighbours in the hand-built "2021" list: not the 2025 order, and Cumbria (909), which stopped
#: reporting after January 2023, in place of Worcestershire.
DEVON_2021 = ["886", "845", "838", "926", "933", "935", "938", "830", "881", "909"]


@pytest.fixture()
def dfe_with_2021(tmp_path, dfe_dir):
    """The real DfE folder (linked, not copied) plus a hand-built 2021 list in lait/."""
    root = tmp_path / "dfe"
    root.mkdir()
    for child in dfe_dir.iterdir():
        if child.name != "lait":
            os.symlink(child, root / child.name)
    (root / "lait").mkdir()
    for f in (dfe_dir / "lait").iterdir():
        os.symlink(f, root / "lait" / f.name)
    write_sn_workbook(root / NEIGHBOUR_LISTS["2021"].file, {
        "878": ("Devon", DEVON_2021),
        "909": ("Cumbria", ["886", "845", "838", "926", "933", "935", "938", "830", "881", "878"]),
    })
    return root


def test_benchmark_with_2021_list(dfe_with_2021, capsys):
    assert main(["benchmark", "--la", "878", "--dfe-dir", str(dfe_with_2021), "--neighbours", "2021",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["neighbours"] == DEVON_2021
    m = {r["measure"]: r for r in out["measures"]}
    # independent: January 2025 headline counts straight from DfE's caseload.csv
    raw = pd.read_csv(dfe_with_2021 / "ehcp-2025" / "data" / "caseload.csv", dtype=str, encoding="utf-8-sig")
    raw = raw[(raw["time_period"] == "202425") & (raw["geographic_level"] == "Local authority")]
    if "breakdown_topic" in raw:
        raw = raw[raw["breakdown_topic"].str.startswith("All")]
    raw = raw.drop_duplicates("old_la_code").set_index("old_la_code")
    vals = sorted(float(raw.loc[c, "ehcplans"]) for c in DEVON_2021 if c in raw.index)
    assert len(vals) == 9  # Cumbria has no January 2025 count
    assert m["ehc_plans"]["neighbours_n"] == 9
    assert m["ehc_plans"]["neighbours_median"] == vals[4]  # middle of nine
    # the 2025 list gives a different set of neighbours and all ten have a count
    assert main(["benchmark", "--la", "878", "--dfe-dir", str(dfe_with_2021), "--json"]) == 0
    out25 = json.loads(capsys.readouterr().out)
    assert out25["neighbours"][-1] == "885" and {r["measure"]: r for r in out25["measures"]}[
        "ehc_plans"]["neighbours_n"] == 10


def test_benchmark_2021_for_an_la_created_since(dfe_with_2021, capsys):
    assert main(["benchmark", "--la", "942", "--dfe-dir", str(dfe_with_2021), "--neighbours", "2021"]) == 1
    err = capsys.readouterr().err
    assert "no row in DfE's April 2021" in err and "--neighbours 2025" in err and "Traceback" not in err


def test_benchmarking_notebook_with_2021_list(dfe_with_2021, tmp_path):
    import nbformat

    from sendlib import benchmark, config, plots
    from sendlib.report.run import run_notebook

    target = tmp_path / "05.ipynb"
    run = run_notebook(config.NOTEBOOKS_DIR / "05_benchmarking.ipynb", target,
                       {"la_code": "878", "dfe_dir": str(dfe_with_2021), "neighbours": "2021"},
                       config.NOTEBOOKS_DIR)
    assert run.status == "ok", run.message
    nb = nbformat.read(target, as_version=4)
    text = "\n".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", []))
    med21 = benchmark.benchmark_table("878", dfe_with_2021, "2021").set_index("measure").loc[
        "ehc_plans", "neighbours_median"]
    med25 = benchmark.benchmark_table("878", dfe_with_2021, "2025").set_index("measure").loc[
        "ehc_plans", "neighbours_median"]
    assert med21 != med25
    assert plots.format_count(med21) in text and plots.format_count(med25) not in text
