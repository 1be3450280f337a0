"""Reading table files: encodings, title and Total rows, xlsx sheets and date cells, parquet, junk."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from sendlib import read, schema

EXPECTED = {schema.normalise_header(c) for c in schema.CONTRACT[schema.PLANS].column_names}
HEADER = "plan_id,child_id,date_of_birth,primary_need,issued_on,ceased_on"


def _write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_utf8_bom_is_stripped(tmp_path):
    p = _write(tmp_path / "plans.csv", "\ufeff" + HEADER + "\nP1,C1,2012-01-01,ASD,2020-01-01,\n")
    raw = read.read_table(p, EXPECTED)
    assert list(raw.frame.columns)[0] == "plan_id"
    assert raw.rows.tolist() == [2]
    assert not raw.notes


def test_windows_1252_is_decoded_with_a_note(tmp_path):
    text = "plan_id,provider_name,annual_cost\nP1,Café Ecole,£1,234\n".replace("£1,234", '"£1,234"')
    p = _write(tmp_path / "plans.csv", text, "cp1252")
    raw = read.read_table(p, {"plan_id", "provider_name", "annual_cost"})
    assert raw.frame["provider_name"].iloc[0] == "Café Ecole"
    assert raw.frame["annual_cost"].iloc[0] == "£1,234"
    assert any(rule == "encoding" for rule, _, _ in raw.notes)


def test_undecodable_bytes_fall_back_to_latin1(tmp_path):
    # 0x81 is undefined in Windows-1252 and invalid UTF-8
    p = tmp_path / "plans.csv"
    p.write_bytes(HEADER.encode() + b"\nP\x81,C1,2012-01-01,ASD,2020-01-01,\n")
    raw = read.read_table(p, EXPECTED)
    assert len(raw.frame) == 1 and raw.frame["plan_id"].iloc[0].startswith("P")


def test_csv_title_rows_blank_rows_and_total_row(tmp_path):
    text = (
        "Devon County Council - EHCP extract\n"  # line 1: title
        "Run on 30/11/2024\n"  # line 2: title
        "\n"  # line 3: blank
        + HEADER  # line 4: header
        + "\nP1,C1,2012-01-01,ASD,2020-01-01,\n"  # line 5
        "\n"  # line 6: blank (skipped, numbering kept)
        "P2,C2,2012-01-01,ASD,2020-01-01,\n"  # line 7
        "Total,2,,,,\n"  # line 8: trailing total row
    )
    raw = read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert raw.frame["plan_id"].tolist() == ["P1", "P2"]
    assert raw.rows.tolist() == [5, 7]
    # the total row is set apart for the loader to count and quarantine, not dropped
    assert raw.total_rows.tolist() == [8]
    assert raw.totals.iloc[0].tolist() == ["Total", "2", "", "", "", ""]
    assert raw.total_columns.tolist() == ["plan_id"] and raw.total_labels.tolist() == ["Total"]
    # blank lines 3 (above the header: a title line) and 6 are not rows; line 6 is noted
    assert ("blank_rows", "info", "plans.csv: skipped 1 empty row(s) (every cell blank).") in raw.notes
    assert [rule for rule, _, _ in raw.notes] == ["title_rows", "blank_rows"]


def test_total_word_inside_data_is_not_dropped(tmp_path):
    text = HEADER + "\nP1,C1,2012-01-01,ASD,2020-01-01,\nP2,Totally,2012-01-01,ASD,2020-01-01,\n"
    raw = read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert len(raw.frame) == 2 and len(raw.total_rows) == 0


PLACEMENTS_EXPECTED = {schema.normalise_header(c) for c in schema.CONTRACT[schema.PLACEMENTS].column_names}
PLACEMENTS_HEADER = ",".join(schema.CONTRACT[schema.PLACEMENTS].column_names)
REAL = "P1,special_independent,,Example School,2023-09-01,,50000,0,0"  # line 2


def _placements(tmp_path, *lines):
    text = "\n".join([PLACEMENTS_HEADER, REAL, *lines]) + "\n"
    return read.read_table(_write(tmp_path / "placements.csv", text), PLACEMENTS_EXPECTED)


def test_provider_named_total_on_the_last_row_is_a_record(tmp_path):
    # reviewers' case: a real independent placement, ids filled, provider name starting "Total"
    raw = _placements(tmp_path, "P2,special_independent,,Total Learning Ltd,2024-01-01,,55000,0,0")
    assert raw.frame["provider_name"].tolist() == ["Example School", "Total Learning Ltd"]
    assert raw.rows.tolist() == [2, 3]
    assert raw.totals is None and raw.total_rows.tolist() == []


def test_last_row_with_one_key_filled_is_a_record(tmp_path):
    # plan_id blank but start_on filled: a record missing its plan_id (the loader quarantines it as
    # missing_value), not a total row
    raw = _placements(tmp_path, ",special_independent,,Total Learning Ltd,2024-01-01,,55000,0,0")
    assert raw.rows.tolist() == [2, 3] and raw.total_rows.tolist() == []


def test_total_label_in_a_money_column_with_blank_keys_is_a_total_row(tmp_path):
    raw = _placements(tmp_path, ",,,Total,,,50000,0,0")
    assert raw.rows.tolist() == [2] and raw.total_rows.tolist() == [3]
    assert raw.total_columns.tolist() == ["provider_name"]


def test_total_row_above_a_record_is_a_record(tmp_path):
    # not at the bottom: kept as a row (the loader quarantines it for its blank start_on)
    raw = _placements(tmp_path, "Total,,,,,,50000,0,0", "P3,mainstream_academy,,,2024-01-01,,8000,0,0")
    assert raw.frame["plan_id"].tolist() == ["P1", "Total", "P3"] and raw.total_rows.tolist() == []


def test_subtotal_blank_and_grand_total_at_the_bottom(tmp_path):
    raw = _placements(
        tmp_path,
        "Subtotal,,,,,,50000,0,0",  # line 3
        ",,,,,,,,",  # line 4: blank (every cell empty)
        "  GRAND TOTAL ,,,,,,50000,0,0",  # line 5
        "",  # line 6: empty line
    )
    assert raw.rows.tolist() == [2]
    assert raw.total_rows.tolist() == [3, 5]
    assert raw.total_labels.tolist() == ["Subtotal", "  GRAND TOTAL "]
    assert ("blank_rows", "info", "placements.csv: skipped 2 empty row(s) (every cell blank).") in raw.notes


def test_key_headers_come_from_the_mapping(tmp_path):
    # the loader passes the file's own header for plan_id; "Total" under it marks the total row,
    # "Total" under another column with the id filled does not
    text = "EHCP Ref,Provider\nP1,Total Care Ltd\nTotal,\n"
    raw = read.read_table(_write(tmp_path / "plans.csv", text), {"ehcp_ref", "provider"}, key_headers={"ehcp_ref"})
    assert raw.frame["Provider"].tolist() == ["Total Care Ltd"] and raw.total_rows.tolist() == [3]
    text = "EHCP Ref,Provider\nP1,x\nP2,Total Care Ltd\n"
    raw = read.read_table(_write(tmp_path / "plans.csv", text), {"ehcp_ref", "provider"}, key_headers={"ehcp_ref"})
    assert raw.rows.tolist() == [2, 3] and raw.total_rows.tolist() == []


def test_header_only_is_an_empty_table(tmp_path):
    raw = read.read_table(_write(tmp_path / "plans.csv", HEADER + "\n"), EXPECTED)
    assert len(raw.frame) == 0 and "plan_id" in raw.frame.columns


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\r\n"])
def test_empty_file(tmp_path, content):
    p = tmp_path / "plans.csv"
    p.write_bytes(content)
    with pytest.raises(read.ReadFailure) as err:
        read.read_table(p, EXPECTED)
    assert err.value.rule == "empty_file"
    assert "plans.csv" in err.value.message


@pytest.mark.parametrize(
    "content, hint",
    [
        (bytes(range(256)) * 8, "binary"),
        (b"PK\x03\x04" + b"\x00" * 100, "rename it to plans.xlsx"),
        (b"PAR1" + b"\x00" * 100, "parquet"),
    ],
)
def test_binary_junk_in_csv(tmp_path, content, hint):
    p = tmp_path / "plans.csv"
    p.write_bytes(content)
    with pytest.raises(read.ReadFailure) as err:
        read.read_table(p, EXPECTED)
    assert err.value.rule == "binary_file"
    assert hint in err.value.message


def test_ragged_csv_is_unreadable_with_line_number(tmp_path):
    text = HEADER + "\nP1,C1,2012-01-01,ASD,2020-01-01,\nP2,C2,2012,ASD,2020-01-01,,extra,cells\n"
    with pytest.raises(read.ReadFailure) as err:
        read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert err.value.rule == "unreadable_file"
    assert "line 3" in err.value.message


def test_quoted_commas_and_fast_path_agree(tmp_path):
    text = HEADER + '\nP1,C1,2012-01-01,"Autistic, spectrum",2020-01-01,\n'
    raw = read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert raw.frame["primary_need"].iloc[0] == "Autistic, spectrum"


def _xlsx(path, sheets: dict[str, list[list]]):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_xlsx_title_rows_total_row_date_cells_and_serials(tmp_path):
    rows = [
        ["EHCP plans at 30 November 2024"],  # row 1 title
        [],  # row 2 blank
        ["Plan ID", "Child ID", "Date of Birth", "Primary Need", "Issued On", "Ceased On"],  # row 3 header
        ["P1", "C1", dt.datetime(2012, 1, 2), "ASD", dt.datetime(2020, 1, 10), None],  # row 4: date cells
        ["P2", "C2", 40910, "SEMH", 45601, None],  # row 5: serial numbers
        [],  # row 6 blank
        ["Total", 2, None, None, None, None],  # row 7 total
    ]
    p = _xlsx(tmp_path / "plans.xlsx", {"Plans": rows})
    raw = read.read_table(p, EXPECTED)
    assert raw.rows.tolist() == [4, 5]
    assert raw.total_rows.tolist() == [7] and raw.total_columns.tolist() == ["Plan ID"]
    assert raw.frame["Issued On"].tolist() == ["2020-01-10", "45601"]
    assert raw.frame["Date of Birth"].iloc[0] == "2012-01-02"
    assert raw.sheet == "Plans"


def test_xlsx_picks_sheet_named_after_table(tmp_path):
    p = _xlsx(
        tmp_path / "plans.xlsx",
        {"Notes": [["read me"]], "plans": [HEADER.split(","), ["P1", "C1", "", "ASD", "2020-01-01", ""]]},
    )
    raw = read.read_table(p, EXPECTED)
    assert raw.sheet == "plans" and raw.frame["plan_id"].tolist() == ["P1"]


def test_xlsx_the_only_sheet_with_the_header_is_read_with_a_note(tmp_path):
    p = _xlsx(
        tmp_path / "plans.xlsx",
        {"Cover": [["Cover page"], ["nothing here"]], "Data": [HEADER.split(","), ["P1", "C1", "", "ASD", "", ""]]},
    )
    raw = read.read_table(p, EXPECTED)
    assert raw.sheet == "Data" and raw.frame["plan_id"].tolist() == ["P1"] and raw.rows.tolist() == [2]
    notes = [(rule, sev, msg) for rule, sev, msg in raw.notes if rule == "sheet_chosen"]
    assert len(notes) == 1 and notes[0][1] == "info"
    assert "read sheet 'Data', the only one" in notes[0][2] and "'Cover' has none" in notes[0][2]


def test_xlsx_two_sheets_with_the_header_name_both(tmp_path):
    p = _xlsx(
        tmp_path / "plans.xlsx",
        {
            "Cover": [["Cover page"]],
            "Data 2023": [HEADER.split(","), ["P1", "C1", "", "ASD", "", ""]],
            "Data 2024": [HEADER.split(","), ["P2", "C2", "", "ASD", "", ""]],
        },
    )
    with pytest.raises(read.ReadFailure) as err:
        read.read_table(p, EXPECTED)
    assert err.value.rule == "wrong_sheet"
    assert "['Data 2023', 'Data 2024']" in err.value.message and "[sheets]" in err.value.message


def test_xlsx_named_sheet_missing(tmp_path):
    p = _xlsx(tmp_path / "plans.xlsx", {"Data": [HEADER.split(",")]})
    with pytest.raises(read.ReadFailure) as err:
        read.read_table(p, EXPECTED, sheet="Plans 2024")
    assert err.value.rule == "wrong_sheet" and "Data" in err.value.message


def test_xlsx_that_is_not_a_workbook(tmp_path):
    p = tmp_path / "plans.xlsx"
    p.write_text(HEADER + "\n")
    with pytest.raises(read.ReadFailure) as err:
        read.read_table(p, EXPECTED)
    assert err.value.rule == "binary_file" and "not an Excel .xlsx workbook" in err.value.message


def test_xlsx_corrupt_zip(tmp_path):
    p = tmp_path / "plans.xlsx"
    p.write_bytes(b"PK\x03\x04" + b"junk" * 50)
    with pytest.raises(read.ReadFailure) as err:
        read.read_table(p, EXPECTED)
    assert err.value.rule == "unreadable_file"


def test_parquet_keeps_types_and_record_numbers(tmp_path):
    frame = pd.DataFrame(
        {
            "plan_id": ["P1", "P2"],
            "issued_on": pd.to_datetime(["2020-01-10", "2021-02-03"]),
            "annual_cost": [1000.0, 2500.5],
        }
    )
    p = tmp_path / "plans.parquet"
    frame.to_parquet(p)
    raw = read.read_table(p, EXPECTED)
    assert raw.rows.tolist() == [1, 2]
    assert raw.frame["issued_on"].dtype.kind == "M"


def test_find_table_file_ignores_case_and_prefers_csv(tmp_path):
    (tmp_path / "Plans.CSV").write_text(HEADER + "\n")
    assert read.find_table_file(tmp_path, "plans").name == "Plans.CSV"
    assert read.find_table_file(tmp_path, "budget") is None
    (tmp_path / "mine.csv").write_text("x")
    assert read.find_table_file(tmp_path, "plans", "mine.csv").name == "mine.csv"


def test_decode_text():
    assert read.decode_text("£".encode("cp1252")) == ("£", "windows-1252")
    assert read.decode_text("\ufeff£".encode()) == ("£", "utf-8-sig")
    assert read.decode_text("£".encode()) == ("£", "utf-8")


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_delimiters_are_detected(tmp_path, sep):
    text = (HEADER + "\nP1,C1,2012-01-01,ASD,2020-01-01,\n").replace(",", sep)
    raw = read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert raw.frame["plan_id"].tolist() == ["P1"] and raw.frame["issued_on"].tolist() == ["2020-01-01"]
    assert any(rule == "delimiter" for rule, _, _ in raw.notes)


def test_semicolons_inside_comma_separated_values_are_data(tmp_path):
    text = HEADER + "\nP1,C1,2012-01-01,ASD; SLCN,2020-01-01,\n"
    raw = read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert raw.frame["primary_need"].tolist() == ["ASD; SLCN"] and not raw.notes


# -------------------------------------------------------------------------------------------------
# Row numbers after a quoted value that spans several lines: the line where each record starts
# -------------------------------------------------------------------------------------------------

MULTILINE = [
    HEADER,  # line 1
    "P1,C1,2012-01-01,ASD,2020-01-01,",  # line 2
    'P2,"C2',  # line 3: the record starts here ...
    'second line",2012-01-01,ASD,2020-01-01,',  # line 4: ... and ends here
    "P3,C3,2012-01-01,ASD,2020-01-01,",  # line 5
    'P4,C4,2012-01-01,"ASD',  # line 6: a value over three lines
    "(three",  # line 7
    'lines)",2020-01-01,',  # line 8
    "P5,C5,2012-01-01,ASD,2020-01-01,",  # line 9
]
TITLE = ["Devon County Council - EHCP extract", "Run on 30/11/2024"]


def _parser(monkeypatch, which: str) -> list:
    """Force the pandas parser, or check that the pyarrow fast path was the one used."""
    used = []
    fast = read._fast_csv
    if which == "pandas":
        monkeypatch.setattr(read, "_fast_csv", lambda *a, **k: None)
    else:
        monkeypatch.setattr(read, "_fast_csv", lambda *a, **k: used.append(1) or fast(*a, **k))
    return used


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("parser", ["fast", "pandas"])
def test_rows_after_a_multiline_value_keep_their_line(tmp_path, monkeypatch, ending, parser):
    used = _parser(monkeypatch, parser)
    raw = read.read_table(_write(tmp_path / "plans.csv", ending.join(MULTILINE) + ending), EXPECTED)
    assert raw.frame["plan_id"].tolist() == ["P1", "P2", "P3", "P4", "P5"]
    assert raw.frame["child_id"].iloc[1] == f"C2{ending}second line"
    assert raw.rows.tolist() == [2, 3, 5, 6, 9]  # the lines in MULTILINE's comments
    if parser == "fast":
        assert used and raw.frame["primary_need"].dtype == "string"


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_multiline_rows_below_title_rows(tmp_path, ending):
    # two title lines push everything down by two: data rows start on lines 4, 5, 7, 8, 11
    raw = read.read_table(_write(tmp_path / "plans.csv", ending.join(TITLE + MULTILINE) + ending), EXPECTED)
    assert raw.rows.tolist() == [4, 5, 7, 8, 11]
    assert ("title_rows", "info", "plans.csv: skipped 2 line(s) above the header row.") in raw.notes


def test_multiline_title_row_and_blank_lines(tmp_path):
    text = "\n".join(
        [
            '"EHCP extract',  # line 1: a title cell over two lines
            'Devon County Council"',  # line 2
            "",  # line 3: blank
            HEADER,  # line 4
            'P1,"C1',  # line 5: record starts
            "",  # line 6: a blank line inside the quoted value
            'x",2012-01-01,ASD,2020-01-01,',  # line 7
            "",  # line 8: blank line between rows (skipped, numbering kept)
            "P2,C2,2012-01-01,ASD,2020-01-01,",  # line 9
            "Total,2,,,,",  # line 10: total row
        ]
    ) + "\n"
    raw = read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert raw.frame["plan_id"].tolist() == ["P1", "P2"]
    assert raw.rows.tolist() == [5, 9]
    assert ("title_rows", "info", "plans.csv: skipped 3 line(s) above the header row.") in raw.notes
    assert raw.total_rows.tolist() == [10]


def test_windows_1252_multiline_value_keeps_lines(tmp_path):
    # not UTF-8: decoded, then parsed by the fast path again; the numbers come from the decoded text
    lines = [*MULTILINE[:3], 'Café",2012-01-01,ASD,2020-01-01,', *MULTILINE[4:]]
    raw = read.read_table(_write(tmp_path / "plans.csv", "\r\n".join(lines) + "\r\n", "cp1252"), EXPECTED)
    assert raw.frame["child_id"].iloc[1] == "C2\r\nCafé"
    assert raw.rows.tolist() == [2, 3, 5, 6, 9]


def test_quotes_without_multiline_values_keep_the_simple_numbers(tmp_path):
    text = HEADER + '\nP1,C1,2012-01-01,"Autistic, spectrum",2020-01-01,\n"P2",C2,2012-01-01,ASD,2020-01-01,\n'
    raw = read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert raw.rows.tolist() == [2, 3] and raw.notes == []


@pytest.mark.parametrize("parser", ["fast", "pandas"])
def test_many_multiline_values_in_a_big_file_match_a_line_count(tmp_path, monkeypatch, parser):
    """About 2.5 MB (pyarrow reads it in several blocks): every row's line, counted while writing."""
    _parser(monkeypatch, parser)
    lines, expected_rows, expected_ids = [HEADER], [], []
    for k in range(40_000):
        expected_rows.append(len(lines) + 1)  # the line this record starts on
        expected_ids.append(f"P{k}")
        breaks = k % 7 == 3 and (k % 3) + 1 or 0  # some values hold 1 to 3 line breaks
        child = '"' + "\n".join([f"C{k}"] + ["more"] * breaks) + '"' if breaks else f"C{k}"
        lines.extend(f"P{k},{child},2012-01-01,ASD,2020-01-01,".split("\n"))
    raw = read.read_table(_write(tmp_path / "plans.csv", "\n".join(lines) + "\n"), EXPECTED)
    assert raw.frame["plan_id"].tolist() == expected_ids
    assert raw.rows.tolist() == expected_rows


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize("title", [False, True])
def test_issue_after_a_multiline_value_names_its_line(tmp_path, ending, title):
    from sendlib import load
    from tests.messy_fixtures import write_tables

    folder = write_tables(
        tmp_path / "x",
        ["P1,C1,2012-01-01,ASD,2020-01-10,", "P2,C2,2012-01-01,ASD,2020-01-10,", "P3,C3,2012-01-01,ASD,2020-01-10,"],
        ["P1,special_la_maintained,,,2020-01-10,,25000,0,0"],
        ["R1,C1,2019-08-01,2019-09-10,assess,plan_issued,2020-01-10,,false"],
    )
    lines = (["Placements at 30/11/2024"] if title else []) + [
        "plan_id,setting,provider_urn,provider_name,start_on,end_on,annual_cost,health_contribution,social_care_contribution",
        "P1,special_la_maintained,,,2020-01-10,,25000,0,0",  # line 2 (3 with the title)
        'P2,special_independent,100001,"Example School',  # line 3: record starts
        'Upper Campus",2020-02-01,,60000,0,0',  # line 4
        "P3,mainstream_academy,,,2020-03-01,,abc,0,0",  # line 5: bad money (6 with the title)
    ]
    (folder / "placements.csv").write_bytes((ending.join(lines) + ending).encode())
    e = load(folder)
    bad = 6 if title else 5
    (i,) = [i for i in e.issues if i.rule == "bad_money"]
    assert (i.row, i.column) == (bad, "annual_cost")
    assert i.message.startswith(f"placements.csv row {bad}, column annual_cost, 'abc' is not an amount of money")
    q = e.quarantine
    assert q.loc[q["table"] == "placements", "row"].tolist() == [bad]
    c = e.row_counts["placements"]
    assert (c["rows_in"], c["rows_kept"], c["rows_quarantined"]) == (3, 2, 1)
    kept = e.placements.set_index("plan_id")["provider_name"]
    assert kept["P2"] == f"Example School{ending}Upper Campus"


@pytest.mark.parametrize("offset", [-40, -4, 0, 4])
def test_multiline_value_across_a_pyarrow_block_boundary(tmp_path, offset):
    """pyarrow reads 1 MiB blocks; told nothing, it split a quoted value at a boundary into two rows."""
    row = "P{},C,2012-01-01,ASD,2020-01-01,\n"
    lines, size, k = [HEADER + "\n"], len(HEADER) + 1, 0
    while size < (1 << 20) + offset:
        lines.append(row.format(k))
        size += len(lines[-1])
        k += 1
    # the second line of this value has as many commas as a row, so a split would parse without error
    lines.insert(len(lines) - 1, 'X1,"first\nC,2012-01-01,ASD,2020-01-01,",2012-01-01,ASD,2020-01-01,\n')
    raw = read.read_table(_write(tmp_path / "plans.csv", "".join(lines)), EXPECTED)
    assert len(raw.frame) == k + 1
    x = raw.frame.index[raw.frame["plan_id"] == "X1"][0]
    assert raw.frame["child_id"].iloc[x] == "first\nC,2012-01-01,ASD,2020-01-01,"
    assert raw.rows[x] == x + 2 and raw.rows[x + 1] == x + 4  # the value takes two lines
    assert raw.rows[-1] == k + 3  # header, k + 1 records, one of them over two lines


def test_blank_line_in_a_file_with_carriage_return_line_breaks(tmp_path):
    # "\r\r" is a blank line: read as a row of empty cells, then dropped, so P2 keeps line 4
    text = "\r".join([HEADER, "P1,C1,2012-01-01,ASD,2020-01-01,", "", "P2,C2,2012-01-01,ASD,2020-01-01,"]) + "\r"
    raw = read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert raw.frame["plan_id"].tolist() == ["P1", "P2"]
    assert raw.rows.tolist() == [2, 4]


def test_unmatched_multiline_rows_keep_simple_numbers_with_a_warning(tmp_path):
    # a value over the csv module's field size limit (131,072 characters): its reader cannot count the
    # lines, so the rows keep the record-count numbers and a note says they may be off after it
    # (below the top 30 lines, which are read for the header)
    big = "x" * 200_000
    rows = [f"P{k},C{k},2012-01-01,ASD,2020-01-01," for k in range(40)]
    rows[35] = f'P35,"a\n{big}",2012-01-01,ASD,2020-01-01,'  # lines 37-38
    raw = read.read_table(_write(tmp_path / "plans.csv", "\n".join([HEADER, *rows]) + "\n"), EXPECTED)
    assert len(raw.frame) == 40 and raw.frame["child_id"].iloc[35] == f"a\n{big}"
    assert raw.rows.tolist() == list(range(2, 42))
    (note,) = [n for n in raw.notes if n[0] == "row_numbers"]
    assert note[1] == "warning" and "may be off" in note[2] and note[2].startswith("plans.csv:")


def test_a_row_of_spaces_is_blank_whatever_the_parser(tmp_path):
    # the first column holds spaces on line 3 and nothing else is filled: a blank row (skipped, noted);
    # line 4's first cell is filled, so it is a row
    text = "\n".join([HEADER, "P1,C1,2012-01-01,ASD,2020-01-01,", "   ,,,,,", "P2,C2,2012-01-01,ASD,2020-01-01,"]) + "\n"
    raw = read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert raw.frame["plan_id"].tolist() == ["P1", "P2"] and raw.rows.tolist() == [2, 4]
    assert ("blank_rows", "info", "plans.csv: skipped 1 empty row(s) (every cell blank).") in raw.notes


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_the_fast_parser_reads_a_plain_file_itself(sep):
    # a plain UTF-8 file must not fall back to the pandas parser unnoticed (both give the same frame,
    # so only this shows the fast path is taken)
    body = sep.join(["plan_id", "child_id"]).encode() + b"\n" + sep.join(["P1", "C1"]).encode() + b"\n"
    frame = read._fast_csv(body, ["plan_id", "child_id"], sep)
    assert frame is not None and frame.to_dict("list") == {"plan_id": ["P1"], "child_id": ["C1"]}
    # a blank line is kept as a row of empty cells, so the rows below it keep their line numbers
    blank = read._fast_csv(body.replace(b"\nP1", b"\n\nP1"), ["plan_id", "child_id"], sep)
    assert blank.to_dict("list") == {"plan_id": ["", "P1"], "child_id": ["", "C1"]}
