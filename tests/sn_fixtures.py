"""Hand-built statistical-neighbour workbooks in the layout DfE's LAIT publishes (sheet "LA SN Groups":
two junk rows, a header row ``LA num, LA Name, LA number, GOInd, GOReg, SN1, SNP, ..., SN10, SNP``)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

HEADER = ["LA num", "LA Name", "LA number", "GOInd", "GOReg"] + [
    x for n in range(1, 11) for x in (f"SN{n}", "SNP")]


def write_sn_workbook(path: Path, rows: dict[str, tuple[str, list[str]]], *, spacer: bool = False,
                      float_codes: bool = False, closeness: str = "very close") -> Path:
    """``rows``: la_code -> (la_name, ten neighbour codes, nearest first). ``spacer`` inserts an empty
    column after GOReg (LAIT drops all-empty columns); ``float_codes`` stores codes as 878.0."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "LA SN Groups"
    header = list(HEADER)
    if spacer:
        header.insert(5, None)
    ws.append(["A", "B", "C"])  # junk rows above the header, as in DfE's file
    ws.append([1, 2, 3])
    ws.append(header)
    def cell(code: str):  # numbers as DfE stores them; anything else as text
        return (float(code) if float_codes else int(code)) if code.isdigit() else code

    for code, (name, nbrs) in rows.items():
        line = [cell(code), name, cell(code), 1, "Somewhere"]
        if spacer:
            line.append(None)
        for n in nbrs:
            line += [cell(n), closeness]
        ws.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
