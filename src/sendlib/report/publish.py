"""Publishing a report folder atomically, keeping failed notebooks aside, and clearing leftovers.

The refresh builds ``reports/.<period>.tmp-<pid>/`` beside the target (same file system, so a rename
is atomic), then :func:`swap_in` replaces ``reports/<period>/`` with it. When a notebook fails, the
executed failing notebooks go to ``reports/<period>.failed/`` (:func:`keep_failed`) and the published
report is untouched. :func:`remove_leftovers` clears what a killed refresh left in ``reports/``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from sendlib.report.handover import pid_alive

#: Leftovers in ``reports/`` of refreshes that were killed: ``.<period>.tmp-<pid>`` and
#: ``.<period>.old-<pid>`` folders, and ``.<period>.extract-<pid>.pkl`` (the pickled extract older
#: versions of sendlib handed to the notebooks). Group ``pid``.
LEFTOVER = re.compile(r"^\.\d{4}-\d{2}\.(?:tmp-(?P<tmp>\d+)|old-(?P<old>\d+)|extract-(?P<pkl>\d+)\.pkl)$")


def temporary_folder(reports: Path, period: str) -> Path:
    """A fresh ``reports/.<period>.tmp-<pid>/`` to build the report in."""
    tmp = reports / f".{period}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp


def remove_leftovers(reports: Path) -> list[Path]:
    """Remove the :data:`LEFTOVER` entries of ``reports`` whose process is no longer running (an
    extract pickle of older versions is removed whatever its pid: nothing reads it any more).
    Returns what was removed."""
    removed = []
    if not reports.is_dir():
        return removed
    for entry in reports.iterdir():
        m = LEFTOVER.match(entry.name)
        if not m:
            continue
        pid = int(m["tmp"] or m["old"] or m["pkl"])
        if m["pkl"] is None and (pid_alive(pid) and pid != os.getpid()):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def swap_in(tmp: Path, target: Path) -> None:
    """Replace ``target`` by ``tmp``: rename old aside, rename new in, delete old."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    try:
        tmp.rename(target)
    except OSError:
        if old.exists():
            old.rename(target)
        raise
    if old.exists():
        shutil.rmtree(old)


def keep_failed(tmp: Path, failed_dir: Path, names: Iterable[str]) -> None:
    """Copy the executed notebooks ``names`` (with Papermill's error cell) to ``failed_dir``, replacing
    any earlier failed folder."""
    if failed_dir.exists():
        shutil.rmtree(failed_dir)
    failed_dir.mkdir()
    for name in names:
        src = tmp / f"{name}.ipynb"
        if src.exists():
            shutil.copy2(src, failed_dir / src.name)
