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
    rules = [rule for rule, _, _ in raw.notes]
    assert "title_rows" in rules and "total_row" in rules and "blank_rows" in rules


def test_total_word_inside_data_is_not_dropped(tmp_path):
    text = HEADER + "\nP1,C1,2012-01-01,ASD,2020-01-01,\nP2,Totally,2012-01-01,ASD,2020-01-01,\n"
    raw = read.read_table(_write(tmp_path / "plans.csv", text), EXPECTED)
    assert len(raw.frame) == 2


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


def test_xlsx_wrong_sheet_names_the_right_one(tmp_path):
    p = _xlsx(
        tmp_path / "plans.xlsx",
        {"Cover": [["Cover page"], ["nothing here"]], "Data": [HEADER.split(","), ["P1", "C1", "", "ASD", "", ""]]},
    )
    with pytest.raises(read.ReadFailure) as err:
        read.read_table(p, EXPECTED)
    assert err.value.rule == "wrong_sheet"
    assert "'Data'" in err.value.message and "[sheets]" in err.value.message


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
