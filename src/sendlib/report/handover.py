"""Handing the loaded extract over from the refresh to the notebook kernels, privately.

The refresh loads and validates the extract once; the notebooks (separate kernel processes) reuse it
instead of parsing the files again. The hand-over is a private temporary folder made by
:func:`tempfile.mkdtemp` (prefix :data:`PREFIX`, owner-only permissions, in the system's temporary
folder, never under ``reports/``) holding:

- ``pid``: the refresh's process id, written first, so a later refresh can tell a live hand-over from
  the leftover of a killed one (:func:`remove_stale`);
- one parquet file per table of the :class:`~sendlib.extract.Extract` and ``quarantine.parquet``
  (parquet holds data only: reading it cannot run code, unlike a pickle);
- ``extract.json``: the rest of the Extract (``as_of``, ``issues``, ``row_counts``, ``source``, each
  table's dtypes) and the cache key (the data folder, its files' names, sizes and modification times,
  and the mapping file), so a notebook that reads another folder does not get this one.

Kernels find the folder through :data:`HANDOVER_ENV`. :func:`load_for_report` reads it only when the
folder and every file it reads are owned by the current user and writable by no one else; anything
else falls back to :func:`sendlib.load`. The refresh removes its hand-over when it ends, and every
refresh starts by removing the hand-overs of refreshes that were killed (:func:`remove_stale`).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

import pandas as pd

from sendlib import config, schema
from sendlib.extract import Extract, Issue

#: Environment variable naming the hand-over folder of the running refresh.
HANDOVER_ENV = "SENDLIB_HANDOVER"

#: Environment variable naming the mapping file (:mod:`sendlib.mapping`) the running refresh loaded
#: the extract with; unset when it used none. :func:`load_for_report` loads with it, so a notebook that
#: has to reload the extract reads it as the refresh did.
MAPPING_ENV = "SENDLIB_EXTRACT_MAPPING"

#: Environment variable holding the ``--as-of`` date (YYYY-MM-DD) the running refresh loaded the
#: extract with; unset without one. :func:`load_for_report` loads with it.
AS_OF_ENV = "SENDLIB_EXTRACT_AS_OF"

#: Name prefix of hand-over folders in the temporary folder.
PREFIX = "sendlib-handover-"

MANIFEST = "extract.json"
PID_FILE = "pid"
QUARANTINE = "quarantine"

#: A hand-over folder with no readable pid file is a leftover once older than this (seconds): the pid
#: is written straight after the folder is made.
STALE_WITHOUT_PID_SECONDS = 600


def _file_stamp(p: Path) -> list:
    st = p.stat()
    return [p.name, st.st_mtime_ns, st.st_size]


def cache_key(data_dir: str | os.PathLike, mapping: str | os.PathLike | None = None, as_of=None) -> list:
    """What an extract was made from: the folder, its files (name, mtime, size), the mapping file and
    the ``as_of`` date given (None when the extract's own was used)."""
    files = sorted(p for p in Path(data_dir).iterdir() if p.is_file())
    m = Path(mapping).resolve() if mapping else None
    return [
        str(Path(data_dir).resolve()),
        [_file_stamp(p) for p in files],
        None if m is None else [str(m), *_file_stamp(m)[1:]],
        None if as_of is None else pd.Timestamp(as_of).strftime("%Y-%m-%d"),
    ]


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists (possibly another user's)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _private(path: Path) -> bool:
    """Owned by this user, not a symlink, and not writable by group or others."""
    try:
        st = path.lstat()
    except OSError:
        return False
    if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid():
        return False
    return not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def create() -> Path:
    """A new private hand-over folder (0700) holding this process's pid."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX))
    _write_private(folder / PID_FILE, str(os.getpid()).encode())
    return folder


def write(folder: Path, extract: Extract, data_dir, mapping=None, as_of=None) -> None:
    """Write ``extract`` into the hand-over ``folder`` (see the module docstring)."""
    tables = {}
    for name in schema.TABLES:
        frame = getattr(extract, name)
        if frame is None:
            tables[name] = None
            continue
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        tables[name] = {c: str(t) for c, t in frame.dtypes.items()}
    extract.quarantine.to_parquet(folder / f"{QUARANTINE}.parquet", index=False)
    manifest = {
        "key": cache_key(data_dir, mapping, as_of),
        "as_of": None if extract.as_of is None else pd.Timestamp(extract.as_of).isoformat(),
        "source": None if extract.source is None else str(extract.source),
        "issues": [i.as_dict() for i in extract.issues],
        "row_counts": extract.row_counts,
        "tables": tables,
        "quarantine": {c: str(t) for c, t in extract.quarantine.dtypes.items()},
    }
    for p in folder.glob("*.parquet"):
        p.chmod(0o600)
    _write_private(folder / MANIFEST, json.dumps(manifest).encode("utf-8"))


def _read_table(path: Path, dtypes: dict) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    return frame.astype({c: t for c, t in dtypes.items() if str(frame[c].dtype) != t}) if dtypes else frame


def read(folder: Path, data_dir=None, mapping=None, as_of=None) -> Extract | None:
    """The Extract in the hand-over ``folder``, or None when it may not or cannot be used: the folder or
    a file in it is not private (:func:`_private`), or it was made from another folder, other files or
    another mapping or ``as_of`` than ``data_dir``, ``mapping`` and ``as_of`` (when ``data_dir`` is given)."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not (folder.is_dir() and _private(folder) and _private(manifest_path)):
        return None
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if data_dir is not None and manifest["key"] != json.loads(json.dumps(cache_key(data_dir, mapping, as_of))):
        return None
    files = {name: folder / f"{name}.parquet" for name in [*manifest["tables"], QUARANTINE]}
    if not all(_private(p) for name, p in files.items() if name == QUARANTINE or manifest["tables"][name]):
        return None
    tables = {
        name: None if dtypes is None else _read_table(files[name], dtypes)
        for name, dtypes in manifest["tables"].items()
    }
    return Extract(
        **tables,
        as_of=None if manifest["as_of"] is None else pd.Timestamp(manifest["as_of"]),
        issues=[Issue(**i) for i in manifest["issues"]],
        quarantine=_read_table(files[QUARANTINE], manifest["quarantine"]),
        row_counts=manifest["row_counts"],
        source=None if manifest["source"] is None else Path(manifest["source"]),
    )


def remove_stale(tmp_dir: str | os.PathLike | None = None) -> list[Path]:
    """Remove this user's hand-over folders left by refreshes that are no longer running (their pid is
    dead, or they have no pid file and are older than :data:`STALE_WITHOUT_PID_SECONDS`). Returns them."""
    removed = []
    for folder in Path(tmp_dir or tempfile.gettempdir()).glob(PREFIX + "*"):
        if not folder.is_dir() or folder.is_symlink() or folder.lstat().st_uid != os.getuid():
            continue
        try:
            pid = int((folder / PID_FILE).read_text().strip())
            stale = not pid_alive(pid)
        except (OSError, ValueError):
            stale = time.time() - folder.lstat().st_mtime > STALE_WITHOUT_PID_SECONDS
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def load_for_report(data_dir: str | os.PathLike | None = None):
    """``sendlib.load(data_dir, mapping=...)`` for a notebook, reusing the extract the running refresh
    has loaded.

    Inside a refresh, :data:`HANDOVER_ENV` names its private hand-over folder; the extract there is used
    when it was made from the same folder with the same files (names, sizes and modification times) and
    the same mapping file, and the folder and its files belong to this user and no one else can write
    them. The mapping is the file named by :data:`MAPPING_ENV` and the extract date
    :data:`AS_OF_ENV`, which the refresh sets to its ``--mapping`` and ``--as-of`` (and unsets without
    them), so a notebook that reloads reads the extract as the refresh did. Outside a refresh
    (JupyterLab, plain Papermill, nbval) this is exactly ``sendlib.load``, with that mapping and date
    when the variables are set.
    """
    from sendlib import load

    path = config.resolve_path(data_dir, config.SAMPLE_DIR)
    mapping = os.environ.get(MAPPING_ENV) or None
    as_of = os.environ.get(AS_OF_ENV) or None
    folder = os.environ.get(HANDOVER_ENV)
    if folder:
        try:
            extract = read(Path(folder), path, mapping, as_of)
        except (OSError, ValueError, KeyError, TypeError):
            extract = None
        if extract is not None:
            return extract
    return load(path, mapping=mapping, as_of=as_of)
