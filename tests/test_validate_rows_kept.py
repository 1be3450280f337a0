"""Whole tables set aside (no_rows_kept, most_rows_quarantined), the case hint on orphan placements, and
``usable`` in ``sendlib validate --json``.

Counts are worked out by hand from data/example (12 plans P001-P012, 13 placements on rows 2-14) and
from the small fixtures below; the expected messages are built from the files with the stdlib csv
module, not from sendlib's output.
"""

from __future__ import annotations

import csv
import json

import pytest

from sendlib import cli, config, load
from sendlib.errors import DataError
from sendlib.validate import QUARANTINE_WARNING_SHARE
from tests.messy_fixtures import copy_example, write_tables
from tests.validate_fixtures import GOOD_PLACEMENT, GOOD_PLAN, GOOD_REQUEST


def _placement(plan_id: str, cost: str = "1000") -> str:
    return f"{plan_id},mainstream_academy,,,2021-01-01,,{cost},0,0"


def _lower_plan_ids(folder, rows: range | None = None):
    """Lower-case plan_id in placements.csv (on the given data rows, 2 = first; all when None).
    Returns the placements' (row, plan_id as written) for the rows changed."""
    path = folder / "placements.csv"
    with open(path, newline="") as f:
        records = list(csv.reader(f))
    changed = []
    for n, rec in enumerate(records[1:], start=2):
        if rows is None or n in rows:
            rec[0] = rec[0].lower()
            changed.append((n, rec[0]))
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(records)
    return changed


def _validate(capsys, folder, out, *extra):
    code = cli.main(["validate", "--data", str(folder), "--out", str(out), *extra])
    stdout, err = capsys.readouterr()
    assert "Traceback" not in stdout + err
    return code, stdout


def _rules(extract, severity):
    return [i for i in extract.issues if i.severity == severity]


# -------------------------------------------------------------------------------------------------
# The README walkthrough: placements' plan_id lower-cased, plans' upper-case
# -------------------------------------------------------------------------------------------------


def test_lower_cased_plan_ids_make_the_extract_not_usable(tmp_path, capsys):
    folder = copy_example(tmp_path / "data")
    changed = _lower_plan_ids(folder)
    assert len(changed) == 13 and all(pid == pid.lower() for _, pid in changed)

    code, out = _validate(capsys, folder, tmp_path / "v", "--json")
    report = json.loads(out)
    assert code == 1
    assert report["usable"] is False
    assert report["tables"]["placements"] == {"rows_in": 13, "rows_kept": 0, "rows_quarantined": 13}
    blocking = [i for i in report["issues"] if i["severity"] == "blocking"]
    assert [(i["table"], i["rule"], i["row"]) for i in blocking] == [("placements", "no_rows_kept", None)]
    msg = blocking[0]["message"]
    assert "all 13 rows of placements.csv were set aside: 13 orphan_placement." in msg
    # no warning on top of the blocking issue for the same table
    assert not [i for i in report["issues"] if i["rule"] == "most_rows_quarantined"]

    # every placement row is an orphan, and each message carries the case hint for its own id
    orphans = {i["row"]: i["message"] for i in report["issues"] if i["rule"] == "orphan_placement"}
    assert sorted(orphans) == [n for n, _ in changed] == list(range(2, 15))
    for n, pid in changed:
        hint = f"plan_id {pid} is not in plans.csv; {pid.upper()} is: ids are compared exactly, so correct the case"
        assert hint in orphans[n], orphans[n]

    # the readable report says so; headlines refuses the extract instead of reporting £0
    code, out = _validate(capsys, folder, tmp_path / "v")
    assert code == 1 and "BLOCKING no_rows_kept [placements]" in out and "Result: NOT USABLE" in out
    with pytest.raises(DataError, match="all 13 rows of placements.csv were set aside"):
        load(folder)


def test_json_usable_true_on_the_example(tmp_path, capsys):
    code, out = _validate(capsys, config.EXAMPLE_DIR, tmp_path / "v", "--json")
    report = json.loads(out)
    assert code == 0 and report["usable"] is True
    assert set(report) == {"usable", "as_of", "as_of_source", "tables", "issues"}
    assert report["issues"] == []


@pytest.mark.parametrize("folder", [config.EXAMPLE_DIR, config.SAMPLE_DIR], ids=["example", "sample"])
def test_shipped_extracts_get_no_table_level_issue(folder):
    if not folder.is_dir():
        pytest.skip(f"{folder} not generated")
    e = load(folder)
    assert e.usable
    assert not [i for i in e.issues if i.rule in ("no_rows_kept", "most_rows_quarantined")]


# -------------------------------------------------------------------------------------------------
# most_rows_quarantined: more than half set aside (by hand on data/example)
# -------------------------------------------------------------------------------------------------


def test_seven_of_thirteen_placements_set_aside_is_warned(tmp_path):
    # rows 2-8 are P001 (2 spells), P002, P003, P004, P005, P006: 7 rows, 7/13 = 54% > 50%
    folder = copy_example(tmp_path / "data")
    _lower_plan_ids(folder, range(2, 9))
    e = load(folder)
    assert e.usable
    assert e.row_counts["placements"] == {"rows_in": 13, "rows_kept": 6, "rows_quarantined": 7}
    warned = [i for i in e.issues if i.rule == "most_rows_quarantined"]
    assert [(i.table, i.severity, i.row) for i in warned] == [("placements", "warning", None)]
    assert "7 of 13 rows of placements.csv (54%) were set aside: 7 orphan_placement." in warned[0].message
    assert "Figures use the 6 row(s) kept" in warned[0].message


def test_six_of_thirteen_placements_set_aside_is_not_warned(tmp_path):
    folder = copy_example(tmp_path / "data")
    _lower_plan_ids(folder, range(2, 8))  # 6 rows: 46%
    e = load(folder)
    assert e.row_counts["placements"]["rows_quarantined"] == 6
    assert not [i for i in e.issues if i.rule == "most_rows_quarantined"]


def test_exactly_half_is_not_warned_one_more_is(tmp_path):
    assert QUARANTINE_WARNING_SHARE == 0.5  # the rule says "more than half"
    half = load(write_tables(tmp_path / "a", [GOOD_PLAN], [GOOD_PLACEMENT, _placement("P9")], [GOOD_REQUEST]))
    assert half.row_counts["placements"]["rows_quarantined"] == 1
    assert not [i for i in half.issues if i.rule == "most_rows_quarantined"]
    more = load(write_tables(
        tmp_path / "b", [GOOD_PLAN], [GOOD_PLACEMENT, _placement("P9"), _placement("P8", "abc")], [GOOD_REQUEST]
    ))
    warned = [i for i in more.issues if i.rule == "most_rows_quarantined"]
    assert len(warned) == 1
    # 2 of 3; one reason each, tied at 1 row: by rule name
    assert "2 of 3 rows of placements.csv (67%) were set aside: 1 bad_money, 1 orphan_placement." in warned[0].message


def test_optional_table_with_no_row_kept_is_a_warning_not_blocking(tmp_path):
    folder = copy_example(tmp_path / "data")
    (folder / "budget.csv").write_text(
        "financial_year,hnb_budget,safety_valve_overspend_cap,planned_deficit,safety_valve_contribution\n"
        "2024,1,1,1,1\n2025,1,1,1,1\n"
    )
    e = load(folder)
    assert e.usable and e.row_counts["budget"] == {"rows_in": 2, "rows_kept": 0, "rows_quarantined": 2}
    warned = [i for i in e.issues if i.rule == "most_rows_quarantined"]
    assert [(i.table, i.severity) for i in warned] == [("budget", "warning")]
    assert "2 of 2 rows of budget.csv (100%) were set aside: 2 bad_financial_year." in warned[0].message


# -------------------------------------------------------------------------------------------------
# no_rows_kept: which table, which reasons
# -------------------------------------------------------------------------------------------------


def test_reasons_commonest_first(tmp_path):
    folder = write_tables(
        tmp_path / "x", [GOOD_PLAN],
        [_placement("P9"), _placement("P8"), _placement("P1", "abc")],
        [GOOD_REQUEST],
    )
    e = load(folder, errors="return")
    assert not e.usable
    (b,) = _rules(e, "blocking")
    assert (b.table, b.rule) == ("placements", "no_rows_kept")
    assert "all 3 rows of placements.csv were set aside: 2 orphan_placement, 1 bad_money." in b.message


def test_one_row_table(tmp_path):
    e = load(write_tables(tmp_path / "x", [GOOD_PLAN], [_placement("P9")], [GOOD_REQUEST]), errors="return")
    (b,) = _rules(e, "blocking")
    assert "the only row of placements.csv was set aside: 1 orphan_placement." in b.message


def test_all_plans_set_aside_blocks_plans_and_their_placements(tmp_path):
    # the only plan has an unreadable issue date, so its placement's plan was set aside
    folder = write_tables(tmp_path / "x", ["P1,C1,2012-01-01,ASD,31/02/2020,"], [GOOD_PLACEMENT], [GOOD_REQUEST])
    e = load(folder, errors="return")
    blocking = {i.table: i.message for i in _rules(e, "blocking")}
    assert set(blocking) == {"plans", "placements"}
    assert "1 bad_date" in blocking["plans"] and "1 orphan_placement" in blocking["placements"]


def test_all_requests_set_aside_blocks(tmp_path):
    folder = write_tables(
        tmp_path / "x", [GOOD_PLAN], [GOOD_PLACEMENT],
        ["R1,C1,2019-08-01,,,no_plan,,,false", "R2,C2,2019-08-01,,,withdrawn,,,false"],
    )
    e = load(folder, errors="return")
    (b,) = _rules(e, "blocking")
    assert (b.table, b.rule) == ("assessments", "no_rows_kept")
    assert "all 2 rows of assessments.csv were set aside: 2 closed_without_date." in b.message


def test_only_a_total_row_is_reported_once_as_empty_file(tmp_path):
    folder = write_tables(tmp_path / "x", [GOOD_PLAN], [",,,,,,Total,,"], [GOOD_REQUEST])
    e = load(folder, errors="return")
    assert e.row_counts["placements"] == {"rows_in": 1, "rows_kept": 0, "rows_quarantined": 1}
    assert [(i.table, i.rule) for i in _rules(e, "blocking")] == [("placements", "empty_file")]


# -------------------------------------------------------------------------------------------------
# The case hint: a hint only, ids still matched exactly
# -------------------------------------------------------------------------------------------------


def test_case_distinct_ids_are_kept_apart(tmp_path):
    plans = [GOOD_PLAN, "p1,C2,2012-01-01,ASD,2020-01-10,"]
    placements = [GOOD_PLACEMENT, "p1,mainstream_academy,,,2020-01-10,,100,0,0", _placement("Q7")]
    e = load(write_tables(tmp_path / "x", plans, placements, [GOOD_REQUEST]))
    # P1 and p1 are two plans, each with its own placement; Q7 is an orphan with no hint
    assert sorted(e.placements["plan_id"].tolist()) == ["P1", "p1"]
    (o,) = [i for i in e.issues if i.rule == "orphan_placement"]
    assert o.row == 4 and "plan_id Q7 is not in plans.csv." in o.message and "correct the case" not in o.message


def test_surrounding_spaces_are_stripped_before_matching(tmp_path):
    e = load(write_tables(tmp_path / "x", [GOOD_PLAN], ['" P1 ",special_la_maintained,,,2020-01-10,,25000,0,0'],
                          [GOOD_REQUEST]))
    assert e.row_counts["placements"]["rows_kept"] == 1
    assert not [i for i in e.issues if i.rule == "orphan_placement"]


def test_hint_on_spaces_and_case_together(tmp_path):
    folder = write_tables(tmp_path / "x", [GOOD_PLAN, "AbC-9,C2,2012-01-01,ASD,2020-01-10,"],
                          [GOOD_PLACEMENT, '" abc-9 ",mainstream_academy,,,2020-01-10,,100,0,0'], [GOOD_REQUEST])
    (o,) = [i for i in load(folder).issues if i.rule == "orphan_placement"]
    assert "plan_id abc-9 is not in plans.csv; AbC-9 is: ids are compared exactly, so correct the case" in o.message
