"""Throwaway report notebooks for refresh tests: a notebook file and its line in ``report.toml``."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from sendlib import config
from sendlib.notebook_list import REPORT_LIST


def list_report_notebooks(folder: Path) -> None:
    """Write ``report.toml`` in ``folder`` listing every ``.ipynb`` there, sorted by name."""
    names = sorted(p.stem for p in Path(folder).glob("*.ipynb"))
    (Path(folder) / REPORT_LIST).write_text(
        "notebooks = [" + ", ".join(f'"{n}"' for n in names) + "]\n", encoding="utf-8"
    )


def write_notebook(path: Path, cells: list[str], parameters: str | None = 'period = "2024-11"') -> Path:
    """A notebook at ``path``: a title, a ``parameters`` cell (unless None) and ``cells``; listed as a
    report notebook of its folder."""
    body = [new_markdown_cell(f"# {path.stem}")]
    if parameters is not None:
        p = new_code_cell(parameters)
        p.metadata["tags"] = ["parameters"]
        body.append(p)
    body += [new_code_cell(c) for c in cells]
    nb = new_notebook(cells=body)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    list_report_notebooks(path.parent)
    return path


def committed_notebooks(folder: Path) -> Path:
    """A copy of the committed report notebooks and their ``report.toml`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in [*config.NOTEBOOKS_DIR.glob("*.ipynb"), config.NOTEBOOKS_DIR / REPORT_LIST]:
        shutil.copy2(path, folder / path.name)
    return folder
