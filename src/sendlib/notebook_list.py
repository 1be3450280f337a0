"""Which notebooks make up the monthly report: the list in ``notebooks/report.toml``.

A report notebook is one named in that list, in run order, not any ``*.ipynb`` that happens to be in
the folder (an ``Untitled.ipynb`` saved there, or anything under ``notebooks/explore/``, is never run
by the refresh, ``make notebooks`` or nbval). The file holds one key::

    notebooks = ["00_data_quality", "01_average_cost"]

This module only reads the list (standard library only), so any tool can use it cheaply.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

from sendlib.errors import UsageError

#: Name of the list file inside the notebooks folder.
REPORT_LIST = "report.toml"


def _notebooks_dir(notebooks_dir: Path | None) -> Path:
    if notebooks_dir is not None:
        return Path(notebooks_dir)
    from sendlib import config

    return config.NOTEBOOKS_DIR


def listed_names(notebooks_dir: Path | None = None) -> list[str]:
    """The names in ``report.toml`` (without ``.ipynb``), in the order given.

    Raises :class:`UsageError` when the file is missing, is not valid TOML, has no ``notebooks`` list
    of non-empty strings, or names a notebook twice.
    """
    path = _notebooks_dir(notebooks_dir) / REPORT_LIST
    fix = f'write `notebooks = ["00_data_quality", ...]` in {path} (names without .ipynb, in run order)'
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path} is missing: it lists the report notebooks; {fix}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML ({exc}); {fix}") from None
    names = data.get("notebooks")
    if not isinstance(names, list) or not names:
        raise UsageError(f"{path}: expected a non-empty list `notebooks`, found {names!r}; {fix}")
    clean = []
    for i, name in enumerate(names, start=1):
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f"{path}: entry {i} of `notebooks` is {name!r}, not a notebook name; {fix}")
        name = name.strip().removesuffix(".ipynb")
        if name in clean:
            raise UsageError(f"{path}: {name!r} is listed twice; list each notebook once")
        clean.append(name)
    return clean


def report_notebooks(notebooks_dir: Path | None = None, only: Iterable[str] | None = None) -> list[Path]:
    """Paths of the listed report notebooks (``<name>.ipynb``), in the order of ``report.toml``.

    ``only``: names with or without ``.ipynb``, or a unique prefix such as ``01``; the result keeps the
    list's order. Raises :class:`UsageError` for a listed notebook whose file does not exist, a
    malformed list, or an ``only`` entry that matches no listed notebook (or several).
    """
    folder = _notebooks_dir(notebooks_dir)
    paths = [folder / f"{name}.ipynb" for name in listed_names(folder)]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise UsageError(
            f"{folder / REPORT_LIST} lists {', '.join(missing)}, not found in {folder}: create the "
            "notebook or remove it from the list"
        )
    if not only:
        return paths
    chosen: list[Path] = []
    for want in only:
        want = want.strip().removesuffix(".ipynb")
        if not want:
            continue
        matches = [p for p in paths if p.stem == want] or [p for p in paths if p.stem.startswith(want)]
        if len(matches) != 1:
            names = ", ".join(p.stem for p in paths)
            raise UsageError(
                f"{want!r} matches {len(matches)} notebooks listed in {REPORT_LIST}; choose from: {names}"
            )
        if matches[0] not in chosen:
            chosen.append(matches[0])
    if not chosen:
        raise UsageError(f"no notebook was chosen; choose from: {', '.join(p.stem for p in paths)}")
    return [p for p in paths if p in chosen]


def is_report_notebook(path: Path, notebooks_dir: Path | None = None) -> bool:
    """True when ``path`` is one of the listed report notebooks (an ``.ipynb`` named in the list)."""
    path = Path(path)
    folder = _notebooks_dir(notebooks_dir)
    return (
        path.suffix == ".ipynb"
        and path.resolve().parent == folder.resolve()
        and path.stem in listed_names(folder)
    )
