"""Keep notebooks diff-friendly and free of volatile metadata, and check that they stay so.

:func:`normalise_notebook` strips what changes from run to run (papermill's run metadata and
timestamps, JupyterLab execution timings, widget state, random cell ids) and keeps what matters:
outputs, execution counts and cell tags. :func:`notebook_problems` lists what a committed notebook
must not have. Run ``python -m sendlib.notebook_hygiene notebooks/*.ipynb`` to normalise in place, or
add ``--check`` to only report (exit 1 on problems).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

#: Cell tag papermill uses for the defaults cell.
PARAMETERS_TAG = "parameters"
#: Tag papermill gives the cell it injects.
INJECTED_TAG = "injected-parameters"

_VOLATILE_NB_METADATA = ("papermill", "widgets", "execution")
_VOLATILE_CELL_METADATA = ("papermill", "execution", "collapsed", "scrolled", "ExecuteTime")


def normalise_notebook(nb: nbformat.NotebookNode, *, keep_injected: bool = True) -> nbformat.NotebookNode:
    """Copy of ``nb`` without volatile metadata; outputs, execution counts and tags kept.

    - notebook metadata: drops ``papermill``, ``widgets``; keeps ``kernelspec`` (set to ``python3``) and
      ``language_info`` without its version fields;
    - cells: drops ``metadata.papermill`` (start/end times, duration, status) and
      ``metadata.execution`` (JupyterLab timings); cell ids become ``cell-00``, ``cell-01``...;
    - outputs: drops ``metadata`` timing keys; removes nothing else.
    - ``keep_injected=False`` also removes papermill's ``injected-parameters`` cell.
    """
    nb = copy.deepcopy(nb)
    for key in _VOLATILE_NB_METADATA:
        nb.metadata.pop(key, None)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    info = nb.metadata.get("language_info")
    if info is not None:
        nb.metadata["language_info"] = {
            k: v for k, v in info.items() if k in ("name", "file_extension", "mimetype")
        }
    cells = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if not keep_injected and INJECTED_TAG in tags:
            continue
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if not tags and "tags" in cell.metadata:
            cell.metadata.pop("tags")
        cells.append(cell)
    nb.cells = cells
    nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


def notebook_problems(nb: nbformat.NotebookNode, *, require_outputs: bool = True) -> list[str]:
    """What a committed notebook must not carry, one line per problem (empty list = clean)."""
    problems = []
    if "papermill" in nb.metadata:
        problems.append("notebook metadata holds papermill run information (timestamps)")
    params = [c for c in nb.cells if PARAMETERS_TAG in c.metadata.get("tags", [])]
    if len(params) != 1:
        problems.append(f"expected exactly one cell tagged {PARAMETERS_TAG!r}, found {len(params)}")
    executed = False
    for i, cell in enumerate(nb.cells):
        for key in ("papermill", "execution"):
            if key in cell.metadata:
                problems.append(f"cell {i} metadata holds {key!r} timings")
        if cell.cell_type != "code":
            continue
        if INJECTED_TAG in cell.metadata.get("tags", []):
            problems.append(f"cell {i} is a papermill injected-parameters cell")
        if cell.get("execution_count") is not None:
            executed = True
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i} holds an error output ({out.get('ename')}: {out.get('evalue')})")
            if out.get("output_type") == "execute_result" and out.get("execution_count") is None:
                problems.append(f"cell {i} has a result without an execution count")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(
                    f"cell {i} writes to stderr (a warning?): {''.join(out.get('text', ''))[:80]!r}"
                )
        if cell.get("outputs") and cell.get("execution_count") is None:
            problems.append(f"cell {i} has outputs but no execution count")
    if require_outputs and not executed:
        problems.append("notebook has not been executed (no execution counts)")
    return problems


def normalise_file(path: str | Path) -> bool:
    """Normalise a notebook file in place; True when it changed."""
    path = Path(path)
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    after = nbformat.writes(normalise_notebook(nb)) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sendlib.notebook_hygiene", description=__doc__)
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="report problems, change nothing")
    args = parser.parse_args(argv)
    bad = 0
    for path in args.paths:
        if args.check:
            nb = nbformat.read(path, as_version=4)
            for problem in notebook_problems(nb):
                print(f"{path}: {problem}")
                bad += 1
        elif normalise_file(path):
            print(f"normalised {path}")
    return 1 if bad else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
