"""DfE children's services statistical neighbours (10 per LA), versioned by the date of the list.

DfE publishes the lists through its Local Authority Interactive Tool (LAIT), as workbooks with a sheet
``LA SN Groups``: two junk rows, then ``LA num, LA Name, LA number, GOInd, GOReg, SN1, SNP, SN2, SNP, ...
SN10, SNP`` (``SNn`` = three-digit code of the n-th nearest neighbour, the ``SNP`` after it = closeness
band, e.g. "Very close"). Two lists exist (:data:`NEIGHBOUR_LISTS`):

- ``"2025"``: May 2025 (``lait/sn_may_2025.xlsx``), the default: it has the LAs created in 2023
  (Cumberland 942, Westmorland and Furness 943).
- ``"2021"``: April 2021 (``lait/sn_april_2021.xlsx``), the list LAIT used until 2025; use it to
  reproduce comparisons made before May 2025. It predates the 2023 split of Cumbria (909), so an LA
  created since has no row in it (asking for one says so), and a neighbour that no longer publishes
  (e.g. Cumbria) only has values for the years it reported: ``neighbours_n`` in the benchmark table
  shows how many neighbours had a value.

Both are read from the DfE folder (``SENDLIB_DFE_DIR``, ``--dfe-dir`` or ``data/public``);
``sendlib fetch-dfe --neighbours`` downloads them from DfE's LAIT repository
(:func:`sendlib.dfe.fetch.fetch_neighbour_lists`). The reader checks what a comparison relies on: ten
distinct neighbours per LA, none the LA itself, three-digit codes; a list that breaks any of these is
refused with the row named.
"""

from __future__ import annotations

import functools
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sendlib.dfe.read import resolve_dfe_dir
from sendlib.errors import DataError

#: DfE's LAIT repository, where DfE publishes the neighbour workbooks (raw files, pinned by commit).
LAIT_RAW = "https://raw.githubusercontent.com/dfe-analytical-services/local-authority-interactive-tool"
SHEET = "LA SN Groups"
N_NEIGHBOURS = 10


@dataclass(frozen=True)
class NeighbourList:
    """One published version of the list: where it lives in the DfE folder and where to download it."""

    version: str  # what --neighbours takes
    date: str  # month the list was published, YYYY-MM
    title: str
    file: str  # path relative to the DfE folder
    url: str  # DfE's published copy, pinned to a commit of the LAIT repository
    sha256: str | None  # of DfE's file, when known: a download that differs is refused


NEIGHBOUR_LISTS: dict[str, NeighbourList] = {
    "2025": NeighbourList(
        "2025", "2025-05", "May 2025", "lait/sn_may_2025.xlsx",
        f"{LAIT_RAW}/2e30e3959a6ab8b2d22941b84764da41a40ac91b/01_data/02_prod/sn_may_2025.xlsx",
        "8741494be7bbced69706589b7064b57d33737fc42ebbb3e778770f6bb78b1739"),
    "2021": NeighbourList(
        "2021", "2021-04", "April 2021", "lait/sn_april_2021.xlsx",
        f"{LAIT_RAW}/b3494e3d664dd68c9412e12f6a40c7bf975282d0/01_data/02_prod/sn_april_2021.xlsx",
        None),
}


def neighbour_list(version: str) -> NeighbourList:
    """The :class:`NeighbourList` for ``version`` ("2025" or "2021"); a clear error otherwise."""
    v = str(version).strip()
    if v not in NEIGHBOUR_LISTS:
        raise DataError(f"unknown statistical-neighbour list {v!r}; available: {', '.join(NEIGHBOUR_LISTS)}")
    return NEIGHBOUR_LISTS[v]


def _codes(col: pd.Series, path, what: str, rows: pd.Series) -> pd.Series:
    """Cells holding LA codes (301, "301", 301.0) -> three-digit text; a clear error for anything else."""
    num = pd.to_numeric(col.str.strip(), errors="coerce")
    bad = num.isna() | (num % 1 != 0) | (num < 100) | (num > 999)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{path}: sheet {SHEET!r} row {int(rows.iloc[i])}: {what} {col.iloc[i]!r} is not a "
                        "three-digit LA code; the file is not DfE's statistical-neighbour list as published")
    return num.astype("int64").astype(str).str.zfill(3)


def read_neighbour_workbook(path) -> pd.DataFrame:
    """Read one LAIT neighbour workbook into la_code, la_name, rank (1 = nearest), neighbour_code,
    closeness, sorted by la_code and rank. Columns are found by header, so blank spacer columns (which
    LAIT drops) and the header row's position do not matter."""
    try:
        raw = pd.read_excel(path, sheet_name=SHEET, header=None, dtype=str)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: cannot read sheet {SHEET!r}: {exc}") from exc
    raw = raw.dropna(axis=1, how="all")
    first = raw.iloc[:, 0].astype("string").str.strip()
    hdr_rows = np.flatnonzero((first == "LA num").fillna(False).to_numpy())
    if len(hdr_rows) == 0:
        raise DataError(f"{path}: no header row starting 'LA num' in sheet {SHEET!r}")
    h = int(hdr_rows[0])
    header = raw.iloc[h].fillna("").astype(str).str.strip().tolist()
    body = raw.iloc[h + 1:]
    body = body[body.iloc[:, 0].notna()]
    sheet_rows = pd.Series(body.index + 1, index=body.index)  # 1-based spreadsheet row
    sn_cols = [i for i, c in enumerate(header) if c.upper().startswith("SN") and c[2:].isdigit()]
    ranks = [int(header[i][2:]) for i in sn_cols]
    if ranks != list(range(1, N_NEIGHBOURS + 1)):
        raise DataError(f"{path}: expected columns SN1..SN{N_NEIGHBOURS} in order, found "
                        f"{[header[i] for i in sn_cols]}")
    closeness_cols = []
    for i in sn_cols:
        nxt = i + 1
        if nxt >= len(header) or not header[nxt].upper().startswith("SNP"):
            raise DataError(f"{path}: column {header[i]} is not followed by its closeness column SNP")
        closeness_cols.append(nxt)
    la_code = _codes(body.iloc[:, 0].astype("string"), path, "LA num", sheet_rows)
    la_name = body.iloc[:, 1].astype("string").str.strip()
    parts = []
    for rank, (i, j) in enumerate(zip(sn_cols, closeness_cols, strict=True), start=1):
        parts.append(pd.DataFrame({
            "la_code": la_code, "la_name": la_name, "rank": rank,
            "neighbour_code": _codes(body.iloc[:, i].astype("string"), path, header[i], sheet_rows),
            "closeness": body.iloc[:, j].astype("string").str.strip().str.capitalize(),
            "_row": sheet_rows,
        }))
    out = pd.concat(parts, ignore_index=True)
    _check_list(out, path)
    for c in ("la_code", "la_name", "neighbour_code", "closeness"):
        out[c] = out[c].astype("string")
    return out.drop(columns="_row").sort_values(["la_code", "rank"]).reset_index(drop=True)


def _check_list(t: pd.DataFrame, path) -> None:
    """Ten distinct neighbours per LA, none the LA itself, one row per LA."""
    problems = []
    dup_la = t[t["rank"] == 1]["la_code"].duplicated(keep=False)
    if dup_la.any():
        codes = sorted(set(t[t["rank"] == 1]["la_code"][dup_la]))
        problems.append(f"LA code(s) {', '.join(codes)} have more than one row")
    own = t[t["neighbour_code"] == t["la_code"]]
    if len(own):
        r = own.iloc[0]
        problems.append(f"row {int(r['_row'])}: LA {r['la_code']} is listed as its own neighbour")
    repeated = t.duplicated(["la_code", "neighbour_code"], keep=False)
    if repeated.any():
        r = t[repeated].iloc[0]
        problems.append(f"row {int(r['_row'])}: LA {r['la_code']} lists neighbour {r['neighbour_code']} twice")
    if problems:
        raise DataError(f"{path}: sheet {SHEET!r}: " + "; ".join(problems))


@functools.lru_cache(maxsize=8)
def _read_cached(path: str, mtime_ns: int) -> pd.DataFrame:
    return read_neighbour_workbook(path)


def neighbour_table(version: str = "2025", dfe_dir=None) -> pd.DataFrame:
    """All LAs' neighbours in one list: la_code, la_name, rank (1 = nearest), neighbour_code, closeness,
    version (the list's publication month, YYYY-MM)."""
    nl = neighbour_list(version)
    root = resolve_dfe_dir(dfe_dir)
    path = root / nl.file
    if not path.is_file():
        raise DataError(
            f"DfE's {nl.title} statistical-neighbour list is not in the DfE folder ({path} is missing). "
            f"Download it with `sendlib fetch-dfe --neighbours {nl.version} --out {root}`, or save DfE's "
            f"workbook there ({nl.url})")
    out = _read_cached(str(path), path.stat().st_mtime_ns).copy()
    out["version"] = nl.date
    return out


def neighbours(la_code: str, version: str = "2025", dfe_dir=None) -> list[str]:
    """The LA's 10 statistical neighbours' three-digit codes, nearest first."""
    t = neighbour_table(version, dfe_dir)
    got = t[t["la_code"] == str(la_code)].sort_values("rank")
    if got.empty:
        nl = neighbour_list(version)
        hint = ""
        if nl.version == "2021":
            hint = ("; LAs created after April 2021 (Cumberland 942, Westmorland and Furness 943, from April "
                    "2023) are only in the May 2025 list: use --neighbours 2025")
        raise DataError(f"LA {la_code} has no row in DfE's {nl.title} statistical-neighbour list{hint}")
    return got["neighbour_code"].tolist()
