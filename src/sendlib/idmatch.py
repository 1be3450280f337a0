"""Matching placements to their plans by ``plan_id``: the row of each placement's plan in ``plans``.

Used by :mod:`sendlib.caseload` (current placements), :mod:`sendlib.cost` and :mod:`sendlib.validate`
(which reports the placements whose plan is missing); importable as
``sendlib.caseload.plan_row_of_placements`` too.

How it is computed (performance): the ids are read as pyarrow strings without copying. When every
plan id has one width and they are strictly increasing (sorted and unique, as extracts usually are),
each run of equal placement ids is found by one binary search on the raw bytes (as big-endian
unsigned integers when at most 8 bytes wide). Otherwise one pyarrow dictionary encoding of both id
columns gives a code per id, and a lookup table from code to plan row answers every placement (O(N)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sendlib.errors import DataError


def arrow_chunks(values: pd.Series) -> list:
    """The values as a list of pyarrow ``large_string`` arrays (missing values as nulls)."""
    arr = pa.array(values.astype("string")).cast(pa.large_string())
    return list(arr.chunks) if isinstance(arr, pa.ChunkedArray) else [arr]


def fixed_width_bytes(chunks: list) -> np.ndarray | None:
    """The strings as a numpy ``S<width>`` array without copying, when all have one width and none is
    missing; else None."""
    arr = pa.chunked_array(chunks, type=pa.large_string()).combine_chunks()
    if arr.null_count or len(arr) == 0:
        return None
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64, count=len(arr) + 1, offset=arr.offset * 8)
    widths = np.diff(offsets)
    width = int(widths[0])
    if width == 0 or not (widths == width).all():
        return None
    return np.frombuffer(arr.buffers()[2], dtype=f"S{width}", count=len(arr), offset=int(offsets[0]))


def as_uint64(values: np.ndarray, width: int) -> np.ndarray:
    """Byte strings of ``width`` (at most 8) bytes as big-endian unsigned integers, zero-padded on the
    right, so integer order is byte order."""
    padded = np.zeros((len(values), 8), dtype=np.uint8)
    padded[:, :width] = values.view(np.uint8).reshape(len(values), width)
    return padded.view(">u8").ravel().astype(np.uint64)


def fixed_width_ids(values: pd.Series) -> tuple[np.ndarray, int] | None:
    """Ids as unsigned integers read from their bytes (:func:`as_uint64`; 0 where missing) and their
    width, when the values are Arrow strings and every present id has one width of at most 8 bytes (as
    system ids usually are); else None. Equal ids give equal integers, and integer order is byte order."""
    if not isinstance(values.array, pd.arrays.ArrowStringArray):
        return None
    present = values.notna().to_numpy(dtype=bool)
    out = np.zeros(len(values), dtype=np.uint64)
    if not present.any():
        return out, 0
    raw = fixed_width_bytes(arrow_chunks(values if present.all() else values[present]))
    if raw is None or raw.dtype.itemsize > 8:
        return None
    out[present] = as_uint64(raw, raw.dtype.itemsize)
    return out, raw.dtype.itemsize


def id_codes(values: pd.Series) -> np.ndarray:
    """An integer per id, equal exactly when the ids are equal (for grouping, not for display): ids of
    one width of at most 8 bytes are read as big-endian integers from their bytes (no hashing, and the
    integers sort as the ids do); other ids get :func:`pandas.factorize` codes (missing ids: -1)."""
    raw = fixed_width_bytes(arrow_chunks(values)) if isinstance(values.array, pd.arrays.ArrowStringArray) else None
    if raw is not None and raw.dtype.itemsize <= 8:
        return as_uint64(raw, raw.dtype.itemsize).view(np.int64)  # same equalities as the bytes
    return pd.factorize(values)[0].astype(np.int64)


def _sorted_fixed_width_lookup(ids: list, refs: list) -> np.ndarray | None:
    """Fast path of :func:`plan_row_of_placements` when plan ids are fixed-width and strictly increasing
    (sorted and unique, as extracts usually are): a binary search on the raw bytes. None otherwise."""
    id_bytes, ref_bytes = fixed_width_bytes(ids), fixed_width_bytes(refs)
    if id_bytes is None or ref_bytes is None or id_bytes.dtype != ref_bytes.dtype:
        return None
    width = id_bytes.dtype.itemsize
    if width <= 8:  # as big-endian integers (zero-padded on the right): same order, faster compares
        id_bytes, ref_bytes = (as_uint64(x, width) for x in (id_bytes, ref_bytes))
    if not (id_bytes[1:] > id_bytes[:-1]).all():
        return None
    # placements of one plan are usually adjacent: search each run of equal ids once
    head = np.ones(len(ref_bytes), dtype=bool)
    head[1:] = ref_bytes[1:] != ref_bytes[:-1]
    heads = ref_bytes[head]
    pos = np.searchsorted(id_bytes, heads)
    found = id_bytes[np.minimum(pos, len(id_bytes) - 1)] == heads
    return np.where(found, pos, -1).astype("int64")[np.cumsum(head) - 1]


def sorted_plan_rows(plan_ids: pd.Series, placement_plan_ids: pd.Series) -> np.ndarray | None:
    """:func:`plan_row_of_placements` by binary search when the plan ids are of one width and strictly
    increasing (so unique); None otherwise (or when any id is missing)."""
    return _sorted_fixed_width_lookup(arrow_chunks(plan_ids), arrow_chunks(placement_plan_ids))


def plan_row_of_placements(plans: pd.DataFrame, placements: pd.DataFrame) -> np.ndarray:
    """For each placement, the row position of its plan in ``plans`` (-1 when the plan is missing).

    One pyarrow dictionary encoding of both id columns (O(N)); raises :class:`DataError` when a
    plan_id appears more than once in ``plans``.
    """
    n_plans = len(plans)
    ids, refs = arrow_chunks(plans["plan_id"]), arrow_chunks(placements["plan_id"])
    fast = _sorted_fixed_width_lookup(ids, refs)
    if fast is not None:
        return fast
    enc = pc.dictionary_encode(pa.chunked_array(ids + refs))
    chunks = [c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in enc.chunks]
    ind = np.concatenate(chunks).astype("int64") if chunks else np.zeros(0, dtype="int64")
    plan_ind, ref_ind = ind[:n_plans], ind[n_plans:]
    size = int(ind.max()) + 1 if len(ind) else 0
    has_id = plan_ind >= 0
    counts = np.bincount(plan_ind[has_id], minlength=size)
    if (counts > 1).any():
        dup_codes = set(np.flatnonzero(counts > 1)[:5].tolist())
        dup = sorted({str(v) for v, c in zip(plans["plan_id"], plan_ind, strict=True) if c in dup_codes})
        raise DataError(
            f"plans: plan_id must be unique, but {', '.join(dup)} appear more than once; "
            "load the extract with sendlib.load, which reports duplicates"
        )
    row_of = np.full(size + 1, -1, dtype="int64")  # last slot: missing ids (-1) map to -1
    row_of[plan_ind[has_id]] = np.flatnonzero(has_id)
    return row_of[ref_ind]
