"""sendlib.load end to end: typed tables, as_of, optional tables, mapping files, messy inputs, blocking."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pandas as pd
import pytest

import sendlib
from sendlib import config, schema
from sendlib.errors import DataError, UsageError
from sendlib.load import load
from tests.messy_fixtures import EXPECTED, QUARANTINED_ROWS, broken_extract, copy_example, data_rows_in_csv


@pytest.fixture(scope="module")
def example():
    return load(config.EXAMPLE_DIR)


def test_load_is_exported():
    assert sendlib.load is load and "load" in sendlib.__all__


def test_example_is_clean_and_typed(example):
    assert example.usable and example.issues == []
    assert example.as_of == pd.Timestamp("2024-11-30")
    assert {k: v["rows_in"] for k, v in example.row_counts.items()} == {
        "plans": 12, "placements": 13, "assessments": 17, "plan_trajectory": 7, "budget": 2,
    }
    assert all(v["rows_quarantined"] == 0 for v in example.row_counts.values())
    assert len(example.quarantine) == 0
    for name in schema.TABLES:
        frame = example.table(name)
        if name == schema.PANEL_DECISIONS:  # data/example has no panel log
            assert frame is None
            continue
        assert list(frame.columns) == schema.CONTRACT[name].column_names
        for col in schema.CONTRACT[name].columns:
            kind = frame[col.name].dtype
            expected = {
                "date": "datetime64[ns]", "money": "float64", "int": "int64", "bool": "bool",
            }.get(col.kind, "string")
            assert str(kind) == expected, (name, col.name, kind)


def test_example_values(example):
    p = example.placements
    assert p["annual_cost"].sum() == 24000 + 62500 + 8400 + 7200 + 26000 + 12000 + 25000 + 58000 + 65000 + 9100 + 6000 + 11000 + 7800
    assert p.loc[p["plan_id"] == "P007", ["health_contribution", "social_care_contribution"]].iloc[0].tolist() == [6000.0, 4000.0]
    assert example.plans["ceased_on"].notna().sum() == 3
    assert example.assessments["exception"].sum() == 1
    assert example.plan_trajectory["month"].iloc[0] == pd.Timestamp("2024-09-30")
    assert example.budget["financial_year"].tolist() == ["2023-24", "2024-25"]


def test_example_readme_figures(example):
    """The README's worked figures, recomputed here with plain Python over rows (not sendlib measures)."""
    plans = example.plans.to_dict("records")
    placements = example.placements.to_dict("records")

    def active(d):
        return [p["plan_id"] for p in plans if p["issued_on"] <= d and (pd.isna(p["ceased_on"]) or p["ceased_on"] > d)]

    def mi_average(d):
        ids = active(d)
        cost = sum(
            q["annual_cost"] for q in placements
            if q["plan_id"] in ids and q["start_on"] <= d and (pd.isna(q["end_on"]) or q["end_on"] >= d)
        )
        return cost / len(ids)

    oct31, nov30 = pd.Timestamp("2024-10-31"), pd.Timestamp("2024-11-30")
    assert len(active(oct31)) == 8 and len(active(nov30)) == 9
    assert mi_average(nov30) == pytest.approx(248_800 / 9)  # £27,644.44
    assert mi_average(oct31) == pytest.approx(264_700 / 8)  # £33,087.50
    overdue = [
        a["request_id"] for a in example.assessments.to_dict("records")
        if a["outcome"] == "open" and (nov30 - a["received_on"]).days > 140
    ]
    assert sorted(overdue) == ["R010", "R011", "R015"]


def test_optional_tables_absent_are_none(tmp_path):
    folder = copy_example(tmp_path / "x")
    (folder / "plan_trajectory.csv").unlink()
    (folder / "budget.csv").unlink()
    e = load(folder)
    assert e.plan_trajectory is None and e.budget is None
    assert set(e.row_counts) == {"plans", "placements", "assessments"}


def test_contribution_columns_absent_are_zero(tmp_path):
    folder = copy_example(tmp_path / "x")
    p = pd.read_csv(folder / "placements.csv", dtype=str, keep_default_na=False)
    p.drop(columns=["health_contribution", "social_care_contribution", "provider_urn"]).to_csv(
        folder / "placements.csv", index=False
    )
    e = load(folder)
    assert (e.placements["health_contribution"] == 0.0).all()
    assert e.placements["health_contribution"].dtype == "float64"
    assert e.placements["provider_urn"].isna().all()


def test_as_of_precedence(tmp_path):
    folder = copy_example(tmp_path / "x")
    given = load(folder, as_of="2024-12-31")
    assert given.as_of == pd.Timestamp("2024-12-31") and given.as_of_source == "argument"  # explicit wins
    assert [i.message for i in given.issues if i.rule == "as_of"] == [
        "extract date as_of 2024-12-31 given (--as-of, or as_of= in Python) is used; extract.toml says "
        "2024-11-30 (the option wins)."]
    assert load(folder).as_of_source == "extract.toml"
    for bad in ("30/11/2024", "2024-11-31", "soon"):
        with pytest.raises(UsageError, match="YYYY-MM-DD"):
            load(folder, as_of=bad)
    assert load(folder).as_of == pd.Timestamp("2024-11-30")  # extract.toml
    (folder / "extract.toml").write_text("as_of = 2024-10-31\n")  # a TOML date also works
    assert load(folder).as_of == pd.Timestamp("2024-10-31")
    (folder / "extract.toml").unlink()
    e = load(folder)
    # latest event date not after today: R016 received 2024-10-14? no: P010 issued 2024-11-20 is the latest
    assert e.as_of == pd.Timestamp("2024-11-20") and e.as_of_source == "inferred"
    assert any(i.rule == "as_of" and i.severity == "info" for i in e.issues)


def test_bad_extract_toml_is_blocking(tmp_path):
    folder = copy_example(tmp_path / "x")
    (folder / "extract.toml").write_text("as_of = \n")
    e = load(folder, errors="return")
    assert not e.usable and any(i.rule == "bad_extract_toml" for i in e.issues)


def test_missing_folder_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load(tmp_path / "nope")
    folder = copy_example(tmp_path / "x")
    (folder / "placements.csv").unlink()
    with pytest.raises(DataError) as err:
        load(folder)
    assert "no placements.csv, placements.xlsx or placements.parquet" in str(err.value)
    e = err.value.extract
    assert not e.usable and e.row_counts["placements"] == {"rows_in": 0, "rows_kept": 0, "rows_quarantined": 0}
    assert e.row_counts["plans"]["rows_kept"] == 12  # what could be read was read


def test_missing_column_lists_columns_and_suggests_mapping(tmp_path):
    folder = copy_example(tmp_path / "x")
    p = pd.read_csv(folder / "plans.csv", dtype=str, keep_default_na=False)
    p.rename(columns={"issued_on": "Date Issued"}).to_csv(folder / "plans.csv", index=False)
    e = load(folder, errors="return")
    i = next(i for i in e.issues if i.rule == "missing_column")
    assert i.severity == "blocking" and i.column == "issued_on"
    assert "'Date Issued'" in i.message and "[plans]" in i.message and 'issued_on = "' in i.message


def test_header_only_required_table_is_blocking(tmp_path):
    folder = copy_example(tmp_path / "x")
    (folder / "assessments.csv").write_text(
        (folder / "assessments.csv").read_text().splitlines()[0] + "\n"
    )
    e = load(folder, errors="return")
    assert [i.rule for i in e.issues if i.severity == "blocking"] == ["empty_file"]


def test_broken_optional_table_is_left_out_with_a_warning(tmp_path):
    folder = copy_example(tmp_path / "x")
    (folder / "budget.csv").write_bytes(b"\x00\x01\x02" * 100)
    e = load(folder)
    assert e.usable and e.budget is None
    assert any(i.rule == "binary_file" and i.severity == "warning" for i in e.issues)


def test_broken_rows_reconcile(tmp_path):
    folder = broken_extract(tmp_path / "x")
    e = load(folder)
    assert e.row_counts == EXPECTED
    for name, c in e.row_counts.items():
        # rows_in is every data row of the file (counted by the stdlib csv reader), not kept + quarantined
        assert c["rows_in"] == data_rows_in_csv(folder / f"{name}.csv"), name
        assert len(e.table(name)) == c["rows_kept"]
        # the quarantine holds exactly the broken rows worked out by hand, each with a reason
        q = e.quarantine[e.quarantine["table"] == name]
        assert q["row"].tolist() == QUARANTINED_ROWS[name], name
        assert q["reasons"].str.len().gt(0).all()


# ---------------------------------------------------------------------------------------------------
# total rows: a real record is never taken for one; a real one is counted and quarantined
# ---------------------------------------------------------------------------------------------------

# data/example/placements.csv: header on line 1, 13 placements on lines 2-14; annual_cost sums to
# 24000 + 62500 + 8400 + 7200 + 26000 + 12000 + 25000 + 58000 + 65000 + 9100 + 6000 + 11000 + 7800
EXAMPLE_COST = 322000.0


def _example_with_placements(tmp_path, *lines):
    folder = copy_example(tmp_path / "x")
    with open(folder / "placements.csv", "a") as f:
        f.write("\n".join(lines) + "\n")
    return load(folder)


def test_provider_named_total_on_the_last_row_is_kept(tmp_path):
    # reviewers' case: P010 (issued 20/11/2024, no placement yet) at Total Learning Ltd, £55,000 a year,
    # as the last row (line 15). Before the fix it vanished: rows_in 13, kept 13, quarantined 0.
    e = _example_with_placements(tmp_path, "P010,special_independent,,Total Learning Ltd,2024-11-20,,55000,0,0")
    assert e.row_counts["placements"] == {"rows_in": 14, "rows_kept": 14, "rows_quarantined": 0}
    assert e.placements["annual_cost"].sum() == EXAMPLE_COST + 55000
    assert "Total Learning Ltd" in e.placements["provider_name"].tolist()
    assert e.issues == []


def test_total_row_is_counted_and_quarantined_with_its_reason(tmp_path):
    e = _example_with_placements(tmp_path, "Total,,,,,,322000,6000,4000")  # line 15
    assert e.row_counts["placements"] == {"rows_in": 14, "rows_kept": 13, "rows_quarantined": 1}
    assert e.placements["annual_cost"].sum() == EXAMPLE_COST  # the total is not a placement
    q = e.quarantine
    assert q[["table", "row", "plan_id", "annual_cost"]].values.tolist() == [["placements", 15, "Total", "322000"]]
    assert q["reasons"].iloc[0] == (
        "total_row: 'Total' in plan_id at the bottom of the file, with no record id (plan_id and start_on): "
        "read as the sheet's total row, not a record, and set aside"
    )
    [i] = e.issues
    assert (i.rule, i.table, i.row, i.column, i.severity) == ("total_row", "placements", 15, "plan_id", "info")
    assert i.message.startswith("placements.csv row 15, column plan_id, 'Total' in plan_id")
    assert i.message.endswith("If it is a real record, fill in its plan_id and start_on so it is read as one.")
    assert e.usable


def test_total_label_outside_the_contract_columns(tmp_path):
    # a "Label" column the contract does not know holds "Grand total"; keys blank: a total row whose
    # issue names the file's header (the quarantine shows the contract columns only)
    folder = copy_example(tmp_path / "x")
    lines = (folder / "budget.csv").read_text().splitlines()
    lines = [lines[0] + ",Label"] + [line + "," for line in lines[1:]] + [",4,4,,,Grand total"]
    (folder / "budget.csv").write_text("\n".join(lines) + "\n")
    e = load(folder)
    assert e.row_counts["budget"] == {"rows_in": 3, "rows_kept": 2, "rows_quarantined": 1}
    [i] = [i for i in e.issues if i.rule == "total_row"]
    assert (i.row, i.column) == (4, None)
    assert i.message.startswith("budget.csv row 4, 'Grand total' in Label at the bottom of the file, with no "
                                "record id (financial_year)")


def test_record_and_total_rows_at_the_bottom(tmp_path):
    # line 15: a record with a blank plan_id and a provider called "Total..." (not a total row: its
    # start_on is filled) -> missing_value; line 16 blank; line 17 the total row -> total_row
    e = _example_with_placements(
        tmp_path, ",special_independent,,Total Learning Ltd,2024-01-01,,55000,0,0", ",,,,,,,,", "Total,,,,,,377000,,"
    )
    assert e.row_counts["placements"] == {"rows_in": 15, "rows_kept": 13, "rows_quarantined": 2}
    assert sorted((i.row, i.rule) for i in e.issues if i.row is not None) == [(15, "missing_value"), (17, "total_row")]
    assert [i.rule for i in e.issues if i.row is None] == ["blank_rows"]
    q = e.quarantine.set_index("row")["reasons"]
    assert q[15] == "missing_value: plan_id is blank" and q[17].startswith("total_row: ")


# ---------------------------------------------------------------------------------------------------
# messy inputs: the example written the way real extracts arrive must load to the same tables
# ---------------------------------------------------------------------------------------------------


def _messy_example(folder):
    """data/example rewritten: plans as xlsx (title rows, date cells, Total row, odd headers);
    placements as Windows-1252 CSV with £ money, day-first dates, DfE labels and stray spaces;
    assessments as Excel serial numbers and mixed-case codes; budget as parquet."""
    clean = {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in config.EXAMPLE_DIR.glob("*.csv")}
    folder.mkdir(parents=True)
    shutil.copy(config.EXAMPLE_DIR / "extract.toml", folder / "extract.toml")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "EHCPs"
    ws.append(["Example County Council: EHC plans"])
    ws.append(["Extract taken 30/11/2024"])
    ws.append([" Plan ID", "Child ID ", "Date Of Birth", "PRIMARY NEED", "Issued On", "Ceased On"])
    for r in clean["plans"].itertuples(index=False):
        ws.append([
            r.plan_id, r.child_id, dt.datetime.fromisoformat(r.date_of_birth), f" {r.primary_need.lower()} ",
            dt.datetime.fromisoformat(r.issued_on), dt.datetime.fromisoformat(r.ceased_on) if r.ceased_on else None,
        ])
    ws.append([])
    ws.append(["Total", 12])
    wb.save(folder / "plans.xlsx")

    pl = clean["placements"].copy()
    pl["setting"] = pl["setting"].map(lambda c: f"  {schema.SETTINGS[c].label.upper()} ")
    for c in ("start_on", "end_on"):
        pl[c] = pl[c].map(lambda v: dt.date.fromisoformat(v).strftime("%d/%m/%Y") if v else "")
    pl["annual_cost"] = pl["annual_cost"].map(lambda v: f"£{float(v):,.2f}")
    pl["provider_name"] = pl["provider_name"].str.replace("Example", "Exémple")
    pl.columns = [c.replace("_", " ").title() for c in pl.columns]
    (folder / "placements.csv").write_bytes(pl.to_csv(index=False).encode("cp1252"))

    a = clean["assessments"].copy()
    for c in ("received_on", "decision_on", "issued_on", "closed_on"):
        a[c] = a[c].map(lambda v: str((dt.date.fromisoformat(v) - dt.date(1899, 12, 30)).days) if v else "")
    a["outcome"] = a["outcome"].str.upper()
    a["exception"] = a["exception"].map({"false": "N", "true": "Y"})
    (folder / "assessments.csv").write_text("\ufeff" + a.to_csv(index=False), encoding="utf-8")

    shutil.copy(config.EXAMPLE_DIR / "plan_trajectory.csv", folder / "plan_trajectory.csv")
    b = clean["budget"].copy()
    b["financial_year"] = b["financial_year"].str.replace("-", "/")
    b.to_parquet(folder / "budget.parquet")
    return folder


def test_messy_example_loads_to_the_same_tables(tmp_path, example):
    e = load(_messy_example(tmp_path / "messy"))
    assert e.usable
    # plans.xlsx: title rows 1-2, header row 3, 12 plans on rows 4-15, blank row 16, "Total" row 17.
    # The total row counts in rows_in and is quarantined (total_row, info); the blank row is no row.
    assert e.row_counts == {
        "plans": {"rows_in": 13, "rows_kept": 12, "rows_quarantined": 1},
        "placements": {"rows_in": 13, "rows_kept": 13, "rows_quarantined": 0},
        "assessments": {"rows_in": 17, "rows_kept": 17, "rows_quarantined": 0},
        "plan_trajectory": {"rows_in": 7, "rows_kept": 7, "rows_quarantined": 0},
        "budget": {"rows_in": 2, "rows_kept": 2, "rows_quarantined": 0},
    }
    assert e.quarantine[["table", "row"]].values.tolist() == [["plans", 17]]
    assert e.quarantine["reasons"].iloc[0].startswith("total_row: 'Total' in plan_id at the bottom of the file")
    [total] = [i for i in e.issues if i.rule == "total_row"]
    assert (total.table, total.row, total.column, total.severity) == ("plans", 17, "plan_id", "info")
    assert total.message.startswith("plans.xlsx row 17, column plan_id, 'Total' in plan_id")
    assert not [i for i in e.issues if i.severity in ("blocking", "error", "warning")]
    for name in schema.TABLES:
        got, want = e.table(name), example.table(name)
        if name == schema.PANEL_DECISIONS:  # neither has a panel log
            assert got is None and want is None
            continue
        if name == schema.PLACEMENTS:
            got = got.assign(provider_name=got["provider_name"].str.replace("Exémple", "Example"))
        pd.testing.assert_frame_equal(got, want, check_dtype=True)
    rules = {i.rule for i in e.issues}
    assert {"title_rows", "total_row", "encoding", "code_mapped"} <= rules


# ---------------------------------------------------------------------------------------------------
# mapping files
# ---------------------------------------------------------------------------------------------------


def test_mapping_renames_files_headers_labels_and_sheets(tmp_path, example):
    folder = copy_example(tmp_path / "la")
    pl = pd.read_csv(folder / "placements.csv", dtype=str, keep_default_na=False)
    pl["setting"] = pl["setting"].replace({"special_independent": "Indep Spec (ISS)", "mainstream_academy": "Acad"})
    pl = pl.rename(columns={"plan_id": "EHCP Ref", "annual_cost": "Annual Cost (£)"})
    pl.to_csv(folder / "Placements export.csv", index=False)
    (folder / "placements.csv").unlink()
    plans = pd.read_csv(folder / "plans.csv", dtype=str, keep_default_na=False).rename(columns={"plan_id": "EHCP Ref"})
    with pd.ExcelWriter(folder / "EHCP list.xlsx") as xl:
        pd.DataFrame({"a": ["cover"]}).to_excel(xl, sheet_name="Cover", index=False)
        plans.to_excel(xl, sheet_name="Active and ceased", index=False)
    (folder / "plans.csv").unlink()
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        """
[files]
plans = "EHCP list.xlsx"
placements = "Placements export.csv"

[sheets]
plans = "Active and ceased"

[plans]
plan_id = "EHCP Ref"

[placements]
plan_id = "ehcp ref"
annual_cost = "Annual Cost (£)"

[setting_values]
"Indep Spec (ISS)" = "special_independent"
"Acad" = "mainstream_academy"
""",
        encoding="utf-8",
    )
    e = load(folder, mapping=mapping)
    assert e.usable and all(c["rows_quarantined"] == 0 for c in e.row_counts.values())
    pd.testing.assert_frame_equal(e.placements, example.placements)
    # Excel wrote the dates as date cells; they read back identically
    pd.testing.assert_frame_equal(e.plans, example.plans)


@pytest.mark.parametrize(
    "text, match",
    [
        ("[plans]\nplan_idd = \"x\"\n", "not a column of plans"),
        ("[files]\nplanz = \"x.csv\"\n", "unknown table"),
        ("[setting_values]\n\"x\" = \"moon\"\n", "not a setting code"),
        ("[nonsense]\na = \"b\"\n", "unknown section"),
        ("[plans\n", "not valid TOML"),
        ("[plans]\nplan_id = 3\n", "quoted text"),
    ],
)
def test_bad_mapping_is_a_usage_error(tmp_path, text, match):
    m = tmp_path / "m.toml"
    m.write_text(text)
    with pytest.raises(UsageError, match=match):
        load(config.EXAMPLE_DIR, mapping=m)


def test_mapping_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load(config.EXAMPLE_DIR, mapping=tmp_path / "none.toml")


def test_mapping_names_a_file_that_is_not_there(tmp_path):
    e = load(copy_example(tmp_path / "x"), mapping={"files": {"plans": "gone.csv"}}, errors="return")
    i = next(i for i in e.issues if i.severity == "blocking")
    assert i.rule == "missing_file" and "gone.csv" in i.message


# ---------------------------------------------------------------------------------------------------
# file-level notes
# ---------------------------------------------------------------------------------------------------


def test_two_files_for_one_table_warns_and_uses_csv(tmp_path):
    folder = copy_example(tmp_path / "x")
    pd.read_csv(folder / "budget.csv").to_parquet(folder / "budget.parquet")
    e = load(folder)
    i = next(i for i in e.issues if i.rule == "ambiguous_file")
    assert i.severity == "warning" and "budget.csv" in i.message and "budget.parquet" in i.message


def test_duplicate_and_extra_columns(tmp_path):
    folder = copy_example(tmp_path / "x")
    text = (folder / "plans.csv").read_text().splitlines()
    text = [line + (",P-dup,note" if i else ",Plan ID,Comment") for i, line in enumerate(text)]
    (folder / "plans.csv").write_text("\n".join(text) + "\n")
    e = load(folder)
    rules = {i.rule: i for i in e.issues}
    assert rules["duplicate_column"].severity == "warning"
    assert "Comment" in rules["ignored_columns"].message
    assert e.plans["plan_id"].iloc[0] == "P001"  # the first plan_id column wins


def test_crlf_line_endings_and_bom(tmp_path, example):
    folder = copy_example(tmp_path / "x")
    for p in folder.glob("*.csv"):
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes().replace(b"\n", b"\r\n"))
    e = load(folder)
    assert e.issues == []
    pd.testing.assert_frame_equal(e.placements, example.placements)


def test_parquet_with_typed_columns(tmp_path, example):
    folder = copy_example(tmp_path / "x")
    plans = example.plans.copy()
    plans.to_parquet(folder / "plans.parquet")
    (folder / "plans.csv").unlink()
    pl = example.placements.copy()
    pl["provider_urn"] = pd.to_numeric(pl["provider_urn"]).astype("int64")  # numeric ids in the file
    pl.to_parquet(folder / "placements.parquet")
    (folder / "placements.csv").unlink()
    e = load(folder)
    assert e.issues == []
    pd.testing.assert_frame_equal(e.plans, example.plans)
    pd.testing.assert_frame_equal(e.placements, example.placements)


def test_mapped_header_wins_over_a_header_with_the_contract_name(tmp_path, example):
    folder = copy_example(tmp_path / "x")
    p = pd.read_csv(folder / "plans.csv", dtype=str, keep_default_na=False)
    p.insert(0, "EHCP Ref", p["plan_id"])
    p["plan_id"] = "internal-" + p["plan_id"]  # another system's id under the contract's name
    p.to_csv(folder / "plans.csv", index=False)
    e = load(folder, mapping={"plans": {"plan_id": "EHCP Ref"}})
    assert e.plans["plan_id"].tolist() == example.plans["plan_id"].tolist()
    assert any(i.rule == "ignored_columns" and "plan_id" in i.message for i in e.issues)


def test_tables_read_in_threads_give_the_same_extract(tmp_path, monkeypatch):
    """Large folders are read two tables at a time; the result (tables, quarantine, issues in order)
    is the same as reading them one by one."""
    import importlib

    load_module = importlib.import_module("sendlib.load")  # the module (sendlib.load is also the function)
    folder = broken_extract(tmp_path / "x")
    monkeypatch.setattr(load_module, "PARALLEL_BYTES", 10**12)
    one_by_one = load(folder)
    monkeypatch.setattr(load_module, "PARALLEL_BYTES", 0)
    threaded = load(folder)
    assert [str(i) for i in threaded.issues] == [str(i) for i in one_by_one.issues]
    assert threaded.row_counts == one_by_one.row_counts == EXPECTED
    for name in schema.TABLES:
        if one_by_one.table(name) is None:  # an optional table the folder does not have (panel_decisions)
            assert threaded.table(name) is None
            continue
        pd.testing.assert_frame_equal(threaded.table(name), one_by_one.table(name))
    pd.testing.assert_frame_equal(threaded.quarantine, one_by_one.quarantine)
