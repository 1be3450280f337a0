"""Low-level reading of DfE's CSV files: the DfE folder, raw cells, DfE's missing-value codes, period
codes, and the melt of wide DfE rows into the tidy long table (columns :data:`TIDY_COLUMNS`, described
in :mod:`sendlib.dfe.read`)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from sendlib import config
from sendlib.errors import DataError

MISSING_CODES: tuple[str, ...] = ("z", "x", "c", ":", "..", "~")
LEVELS = {"Local authority": "local authority", "Regional": "region", "National": "national"}
TIDY_COLUMNS = [
    "la_code", "new_la_code", "la_name", "region", "level", "measure",
    "period", "period_type", "year", "value", "missing_reason",
]

ID_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name",
              "region_code", "region_name", "new_la_code", "old_la_code", "la_name", "breakdown_topic",
              "breakdown")


def resolve_dfe_dir(dfe_dir=None) -> Path:
    """The DfE folder: ``dfe_dir`` or ``$SENDLIB_DFE_DIR`` or data/public; a clear error when absent."""
    if dfe_dir is not None:
        p = config.resolve_path(dfe_dir)
        if p is None or not p.is_dir():
            raise DataError(f"DfE data folder {dfe_dir} does not exist; run `sendlib fetch-dfe` or set "
                            "SENDLIB_DFE_DIR to the folder holding ehcp-2025/, ehcp-2022/, finance/, lait/")
        return p
    p = config.dfe_dir()
    if p is None:
        raise DataError("no DfE data folder: set SENDLIB_DFE_DIR (or pass --dfe-dir) to the folder holding "
                        "ehcp-2025/, ehcp-2022/, finance/, lait/, or download with `sendlib fetch-dfe`")
    return p


def _file(dfe_dir, rel: str) -> Path:
    p = resolve_dfe_dir(dfe_dir) / rel
    if not p.is_file():
        raise DataError(f"DfE file {p} is missing; the folder should hold DfE's files as published "
                        f"(`sendlib fetch-dfe` downloads the releases)")
    return p


@functools.lru_cache(maxsize=64)
def read_raw(path: str | Path) -> pd.DataFrame:
    """A DfE CSV as published: every cell text, the BOM stripped, empty cells kept as ''."""
    try:
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[],
                           engine="pyarrow")
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot read as a DfE CSV (UTF-8 with BOM): {exc}") from exc


def parse_values(raw: pd.Series, *, path, column: str | None = None,
                 columns: pd.Series | None = None, rows: pd.Series | None = None):
    """Text cells -> (float values, missing_reason). Vectorised.

    Numbers may carry thousands separators. DfE missing codes are kept by kind; an empty cell is
    ``blank``. Anything else raises :class:`DataError` naming the file, row and column.
    """
    text = raw.astype("string").str.strip()
    num = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype("float64")
    bad_num = num.isna()
    reason = pd.Series(pd.NA, index=raw.index, dtype="string")
    is_code = text.isin(MISSING_CODES)
    reason = reason.mask(bad_num & is_code, text)
    reason = reason.mask(bad_num & (text == ""), "blank")
    unknown = bad_num & reason.isna()
    if unknown.any():
        i = unknown.to_numpy().nonzero()[0][0]
        col = column if column is not None else (columns.iloc[i] if columns is not None else "?")
        row = rows.iloc[i] if rows is not None else raw.index[i]
        raise DataError(f"{path}: row {row} column {col!r}: value {text.iloc[i]!r} is neither a number "
                        f"nor a DfE missing-value code ({', '.join(MISSING_CODES)}); fix or re-download the "
                        "file")
    return num.to_numpy(), reason


def _melt(df: pd.DataFrame, value_cols: list[str], names: dict[str, str], path, period, period_type,
          year) -> pd.DataFrame:
    """Wide DfE rows (already restricted) -> tidy long rows."""
    level = df["geographic_level"].map(LEVELS)
    if level.isna().any():
        bad = df.loc[level.isna(), "geographic_level"].iloc[0]
        raise DataError(f"{path}: unknown geographic_level {bad!r}")
    la_code = df["old_la_code"].str.strip().replace("", pd.NA)
    new_code = df["new_la_code"].str.strip().replace("", pd.NA)
    name = df["la_name"].str.strip().replace("", pd.NA)
    region = df["region_name"].str.strip().replace("", pd.NA)
    is_reg = level == "region"
    is_nat = level == "national"
    name = name.mask(is_reg, region).mask(is_nat, "England")
    new_code = new_code.mask(is_reg, df["region_code"]).mask(is_nat, df["country_code"])
    region = region.mask(is_nat, pd.NA)
    ids = pd.DataFrame({
        "la_code": la_code.astype("string"), "new_la_code": new_code.astype("string"),
        "la_name": name.astype("string"), "region": region.astype("string"),
        "level": level.astype("string"), "period": period, "period_type": period_type, "year": year,
        "_row": df.index + 2,  # 1-based line number in the file (header is line 1)
    })
    n = len(df)
    k = len(value_cols)
    long = ids.loc[ids.index.repeat(k)].reset_index(drop=True)
    cells = df[value_cols].to_numpy().reshape(-1)
    cols = pd.Series(np.tile(np.array(value_cols, dtype=object), n))
    values, reason = parse_values(pd.Series(cells), path=path, columns=cols, rows=long["_row"])
    long["measure"] = cols.map(names).astype("string")
    long["value"] = values
    long["missing_reason"] = reason.to_numpy()
    long["missing_reason"] = long["missing_reason"].astype("string")
    return long[TIDY_COLUMNS]


def _decode_periods(tp: pd.Series, ident: pd.Series, forced_type: str | None = None):
    """Vectorised DfE time_period decoding (see :func:`sendlib.periods.dfe_time_period`): each distinct
    (time_period, time_identifier) pair is decoded once, then mapped onto the rows."""
    from sendlib.periods import dfe_time_period

    key = tp.astype(str).str.strip() + "|" + ident.astype(str).str.strip()
    table = {}
    for k in key.unique():
        a, b = k.split("|", 1)
        try:
            v, kind = dfe_time_period(a, b)
        except ValueError as exc:
            raise DataError(f"time_period {a!r} ({b}) is not a DfE period code: {exc}") from None
        kind = forced_type or kind
        y = v.year if isinstance(v, pd.Timestamp) else int(v)
        if kind == "january_census":
            period = pd.Timestamp(year=y, month=1, day=31)
        elif kind == "calendar_year":
            period = pd.Timestamp(year=y, month=12, day=31)
        else:  # financial year starting April y ends 31 March y+1
            period = pd.Timestamp(year=y + 1, month=3, day=31)
        table[k] = (period, kind, y)
    periods = pd.to_datetime(key.map({k: v[0] for k, v in table.items()})).to_numpy()
    kinds = key.map({k: v[1] for k, v in table.items()}).to_numpy(dtype=object)
    years = key.map({k: v[2] for k, v in table.items()}).to_numpy(dtype="int64")
    return periods, kinds, years


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in ("la_code", "new_la_code", "la_name", "region", "level", "measure", "period_type",
              "missing_reason"):
        df[c] = df[c].astype("string")
    df["period"] = pd.to_datetime(df["period"]).astype("datetime64[ns]")
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    return df.sort_values(["measure", "level", "la_code", "la_name", "period"], kind="stable",
                          na_position="first").reset_index(drop=True)

