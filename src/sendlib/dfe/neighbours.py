"""DfE children's services statistical neighbours (10 per LA), versioned by the date of the list.

Available: the May 2025 list (``lait/sn_may_2025.xlsx``, from DfE's Local Authority Interactive Tool).
A 2021 list exists at DfE but is NOT in the public-data folder: the LAIT data (``bds_long_0.parquet``,
434 measures) holds no neighbour lists, so it cannot be derived. Asking for it raises a clear error.
"""

from __future__ import annotations

import functools

import pandas as pd

from sendlib.dfe.read import _file, resolve_dfe_dir
from sendlib.errors import DataError

#: version -> (date of the list, file relative to the DfE folder). None: known to exist, not available.
NEIGHBOUR_LISTS: dict[str, tuple[str, str | None]] = {
    "2025": ("2025-05", "lait/sn_may_2025.xlsx"),
    "2021": ("2021", None),
}


@functools.lru_cache(maxsize=8)
def _read_sn_cached(root: str, rel: str) -> pd.DataFrame:
    path = _file(root, rel)
    try:
        raw = pd.read_excel(path, sheet_name="LA SN Groups", header=None, dtype=str)
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: cannot read sheet 'LA SN Groups': {exc}") from exc
    hdr_rows = raw.index[raw.iloc[:, 0].astype(str).str.strip() == "LA num"]
    if len(hdr_rows) == 0:
        raise DataError(f"{path}: no header row starting 'LA num' in sheet 'LA SN Groups'")
    h = hdr_rows[0]
    header = raw.iloc[h].astype(str).str.strip().tolist()
    body = raw.iloc[h + 1:].reset_index(drop=True)
    body = body[body.iloc[:, 0].notna()]
    sn_cols = [i for i, c in enumerate(header) if c.startswith("SN") and c[2:].isdigit()]
    if len(sn_cols) != 10:
        raise DataError(f"{path}: expected columns SN1..SN10, found {[header[i] for i in sn_cols]}")
    rows = []
    for rank, i in enumerate(sn_cols, start=1):
        rows.append(pd.DataFrame({
            "la_code": body.iloc[:, 0].str.strip().str.zfill(3),
            "la_name": body.iloc[:, 1].str.strip(),
            "rank": rank,
            "neighbour_code": body.iloc[:, i].str.strip().str.zfill(3),
            "closeness": body.iloc[:, i + 1].str.strip().str.capitalize(),
        }))
    out = pd.concat(rows, ignore_index=True)
    for c in ("la_code", "la_name", "neighbour_code", "closeness"):
        out[c] = out[c].astype("string")
    return out.sort_values(["la_code", "rank"]).reset_index(drop=True)


def neighbour_table(version: str = "2025", dfe_dir=None) -> pd.DataFrame:
    """All LAs' neighbours: la_code, la_name, rank (1 = nearest), neighbour_code, closeness, version."""
    version = str(version).strip()
    if version not in NEIGHBOUR_LISTS:
        raise DataError(f"unknown statistical-neighbour list {version!r}; available: "
                        f"{', '.join(v for v, (_, f) in NEIGHBOUR_LISTS.items() if f)}")
    date, rel = NEIGHBOUR_LISTS[version]
    if rel is None:
        raise DataError(
            f"DfE's {version} statistical-neighbour list is not available in the public-data folder (the "
            "LAIT data holds no neighbour lists, so it cannot be derived); use --neighbours 2025 (the May "
            "2025 list)")
    out = _read_sn_cached(str(resolve_dfe_dir(dfe_dir)), rel).copy()
    out["version"] = date
    return out


def neighbours(la_code: str, version: str = "2025", dfe_dir=None) -> list[str]:
    """The LA's 10 statistical neighbours' three-digit codes, nearest first."""
    t = neighbour_table(version, dfe_dir)
    got = t[t["la_code"] == str(la_code)].sort_values("rank")
    if got.empty:
        raise DataError(f"LA {la_code} has no row in the {version} statistical-neighbour list")
    return got["neighbour_code"].tolist()
