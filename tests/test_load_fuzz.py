"""Property: whatever junk the cells hold, load never fails unexpectedly and row counts reconcile."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendlib import load, schema

# Cell values, good and bad, that real extracts contain.
TOKENS = [
    "", " ", "P1", "P2", "p1 ", "C1", "2020-01-10", "10/01/2020", "31/02/2024", "2030-01-01", "45601", "abc",
    "£1,234.50", "(1,234)", "-5", "ASD", "autism", "Martian", "special_independent", "Independent Special",
    "assess", "refuse", "plan_issued", "open", "no_plan", "true", "N", "maybe", "Total", "é£", '"', ",",
    "2024-11-05T00:00:00Z", "2024-11-05 00:00+01:00", "05/11/2024 00:00", "1e308", "-0", "(-5)", "9999-12-31", "0001-01-01", "31/12/9999",
]


def _csv(columns: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


# Any text but control characters (tabs and line breaks allowed: quoted values may hold them). Binary
# junk makes the whole file unreadable, which test_any_bytes_in_a_table_file_never_crash covers.
TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs"), include_characters="\t\n\r"), max_size=6)
#: Rule of a file that could not be read at all (its rows are then not counted).
READ_FAILURES = {"missing_file", "empty_file", "binary_file", "unreadable_file", "wrong_sheet", "missing_column"}


def _table(name: str):
    cols = schema.CONTRACT[name].column_names
    cell = st.one_of(st.sampled_from(TOKENS), st.sampled_from(TOKENS), TEXT)
    return st.lists(st.lists(cell, min_size=len(cols), max_size=len(cols)), max_size=8)


def _data_rows(rows: list[list[str]]) -> int:
    """Rows written that are rows of the table: all but those with every cell blank (spaces only),
    which carry no data and which the loader documents as skipped (``blank_rows`` note). A trailing
    "Total" row is a row: it is counted and quarantined (``total_row``)."""
    return sum(1 for r in rows if any(c.strip() for c in r))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plans=_table("plans"), placements=_table("placements"), assessments=_table("assessments"))
def test_junk_cells_reconcile(tmp_path_factory, plans, placements, assessments):
    folder = tmp_path_factory.mktemp("fuzz")
    written = {"plans": plans, "placements": placements, "assessments": assessments}
    for name, rows in written.items():
        (folder / f"{name}.csv").write_bytes(_csv(schema.CONTRACT[name].column_names, rows))
    (folder / "extract.toml").write_text('as_of = "2024-11-30"\n')
    e = load(folder, errors="return")
    assert set(e.row_counts) == set(written)
    # every file is readable (a header-only or all-blank file is "empty_file" but still read: 0 rows)
    assert not [i for i in e.issues if i.rule in READ_FAILURES - {"empty_file"}], e.issues
    for name, c in e.row_counts.items():
        assert c["rows_in"] == _data_rows(written[name]), (name, c)
        assert len(e.table(name)) == c["rows_kept"]
        assert (e.quarantine["table"] == name).sum() == c["rows_quarantined"]
        assert c["rows_kept"] + c["rows_quarantined"] == c["rows_in"]
    # every quarantined row has a reason; every issue names its rule and severity
    assert e.quarantine["reasons"].astype(str).str.len().gt(0).all()
    assert all(i.rule and i.severity in ("blocking", "error", "warning", "info") for i in e.issues)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=400),
        st.binary(max_size=400).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=400).map(lambda b: b"PAR1" + b),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    ),
    suffix=st.sampled_from([".csv", ".xlsx", ".parquet"]),
)
def test_any_bytes_in_a_table_file_never_crash(tmp_path_factory, content, suffix):
    from sendlib import config

    folder = tmp_path_factory.mktemp("bytes")
    for p in config.EXAMPLE_DIR.glob("*.csv"):
        (folder / p.name).write_bytes(p.read_bytes())
    (folder / "plans.csv").unlink()
    (folder / f"plans{suffix}").write_bytes(content)
    e = load(folder, errors="return")
    # the other tables are data/example's, untouched: 13 placements, 17 requests, 7 months, 2 years
    counts = {name: c["rows_in"] for name, c in e.row_counts.items() if name != "plans"}
    assert counts == {"placements": 13, "assessments": 17, "plan_trajectory": 7, "budget": 2}
    for name, c in e.row_counts.items():
        assert len(e.table(name)) == c["rows_kept"]
        assert (e.quarantine["table"] == name).sum() == c["rows_quarantined"]
        assert c["rows_in"] == c["rows_kept"] + c["rows_quarantined"]
    if not e.usable:
        assert all(i.message for i in e.issues if i.severity == "blocking")
