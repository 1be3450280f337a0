"""Shared helpers of the validation tests (tests/test_validate*.py, test_load_real_exports.py): the good
rows every small fixture starts with, a loader of small fixtures, and the checks of issues and row counts.

Row numbers are as the analyst sees them: the CSV header is row 1, so the good row is row 2 and the rows
under test follow from row 3.
"""

from __future__ import annotations

from sendlib import load
from tests.messy_fixtures import write_tables

GOOD_PLAN = "P1,C1,2012-01-01,ASD,2020-01-10,"
GOOD_PLACEMENT = "P1,special_la_maintained,,,2020-01-10,,25000,0,0"
GOOD_REQUEST = "R1,C1,2019-08-01,2019-09-10,assess,plan_issued,2020-01-10,,false"


def load_small(tmp_path, plans=(), placements=(), assessments=(), as_of=None, errors="raise"):
    """Load a folder of the three required tables: the good row of each, then the rows given."""
    folder = write_tables(
        tmp_path / "x", [GOOD_PLAN, *plans], [GOOD_PLACEMENT, *placements], [GOOD_REQUEST, *assessments]
    )
    return load(folder, as_of=as_of, errors=errors)


def rule_issues(extract, rule):
    """The extract's issues of one rule, in report order."""
    return [i for i in extract.issues if i.rule == rule]


def one_issue(extract, rule):
    """The one issue of ``rule`` (fails, listing every issue, when there are none or several)."""
    found = rule_issues(extract, rule)
    assert len(found) == 1, (rule, [str(i) for i in extract.issues])
    return found[0]


def table_counts(extract, table):
    """(rows in, kept, quarantined) of ``table``, after checking they reconcile with the kept table and
    the quarantine: rows in = kept + quarantined."""
    c = extract.row_counts[table]
    assert c["rows_in"] == c["rows_kept"] + c["rows_quarantined"], c
    assert len(extract.table(table)) == c["rows_kept"]
    assert (extract.quarantine["table"] == table).sum() == c["rows_quarantined"]
    return c["rows_in"], c["rows_kept"], c["rows_quarantined"]


def assert_counts(extract, table, kept, quarantined):
    """``table`` has ``kept`` rows kept and ``quarantined`` set aside, and nothing else (counted by hand)."""
    assert table_counts(extract, table) == (kept + quarantined, kept, quarantined)
