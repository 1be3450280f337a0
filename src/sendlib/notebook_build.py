"""Keep the report notebooks executed, clean and paired with their ``.py`` scripts.

Each report notebook (listed in ``notebooks/report.toml``) is a pair: ``NAME.py``, a jupytext
percent-format script that reviewers read and ruff checks, and ``NAME.ipynb``, which keeps the outputs
nbval compares. JupyterLab (jupytext's extension) and ``jupytext --sync`` keep the two in step.

    python -m sendlib.notebook_build run [NAME ...]   # make notebooks: sync, execute on the sample,
                                                      # normalise, re-sync the .py
    python -m sendlib.notebook_build check            # exit 1 when a pair is out of sync
    python -m sendlib.notebook_build new NAME         # make notebook NAME=...: a notebook to explore in
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sendlib.errors import UsageError
from sendlib.notebook_list import report_notebooks

#: Folder for exploration notebooks (git-ignored apart from its README and starter).
EXPLORE_DIR = "explore"
#: The starter notebook copied by ``make notebook NAME=...``.
STARTER = "starter"
#: Text format of the pair (jupytext's percent format).
TEXT_FORMAT = "py:percent"


def _notebooks_dir(notebooks_dir: Path | None) -> Path:
    if notebooks_dir is not None:
        return Path(notebooks_dir)
    from sendlib import config

    return config.NOTEBOOKS_DIR


def _cells(nb) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        (c.cell_type, c.source.strip("\n"), tuple(c.metadata.get("tags", ()))) for c in nb.cells
    ]


def pair_differences(ipynb: Path) -> list[str]:
    """How the ``.py`` and ``.ipynb`` of a pair differ (cell types, sources, tags); empty when in sync.

    A missing ``.py`` is a difference too.
    """
    import jupytext

    ipynb = Path(ipynb)
    script = ipynb.with_suffix(".py")
    if not script.is_file():
        return [f"{script.name} is missing: run `jupytext --sync {ipynb}`"]
    a, b = _cells(jupytext.read(ipynb)), _cells(jupytext.read(script, fmt=TEXT_FORMAT))
    problems = []
    if len(a) != len(b):
        problems.append(f"{ipynb.name} has {len(a)} cells, {script.name} has {len(b)}")
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            what = "type" if x[0] != y[0] else "tags" if x[2] != y[2] else "source"
            problems.append(f"cell {i} ({x[0]}): the {what} differs between {ipynb.name} and {script.name}")
    return problems


def sync(path: Path) -> None:
    """``jupytext --sync path``: the more recently edited side of the pair updates the other."""
    from jupytext.cli import jupytext as jupytext_cli

    jupytext_cli(["--sync", "--quiet", str(path)])


def execute(ipynb: Path, cwd: Path) -> None:
    """Run ``ipynb`` in place with Papermill (its default parameters), kernel started in ``cwd``."""
    import papermill

    papermill.execute_notebook(
        str(ipynb),
        str(ipynb),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        resources={"metadata": {"path": str(cwd)}},
    )


def refresh_pair(ipynb: Path) -> None:
    """Sync the pair, execute the notebook on the sample, normalise it, and rewrite the ``.py``."""
    from sendlib.notebook_hygiene import normalise_file

    ipynb = Path(ipynb)
    sync(ipynb)  # an edit to the .py reaches the .ipynb before it runs
    execute(ipynb, ipynb.parent)
    normalise_file(ipynb)
    sync(ipynb)  # the .py from the executed notebook (same cells)
    normalise_file(ipynb)
    os.utime(ipynb.with_suffix(".py"))  # the .py is not older than the .ipynb (jupytext compares times)
    problems = pair_differences(ipynb)
    if problems:
        raise UsageError(f"{ipynb.name} and its .py are out of sync after running: " + "; ".join(problems))


def new_notebook(name: str, notebooks_dir: Path | None = None) -> Path:
    """Copy the starter (``explore/starter.py`` and its ``.ipynb``) to ``explore/<name>.ipynb`` and
    ``.py``, its setup naming ``<name>``; never overwrites, and names may hold only letters, digits,
    ``_`` and ``-``."""
    folder = _notebooks_dir(notebooks_dir) / EXPLORE_DIR
    name = (name or "").strip().removesuffix(".ipynb").removesuffix(".py")
    if not name or not all(ch.isalnum() or ch in "_-" for ch in name):
        raise UsageError(f"NAME={name!r}: use letters, digits, '_' or '-' (e.g. make notebook NAME=my_question)")
    if name == STARTER:
        raise UsageError("NAME=starter is the starter itself: choose another name")
    target = folder / f"{name}.ipynb"
    for existing in (target, target.with_suffix(".py")):
        if existing.exists():
            raise UsageError(f"{existing} already exists: open it in JupyterLab or choose another NAME")
    import jupytext

    text = (folder / f"{STARTER}.py").read_text(encoding="utf-8")
    text = text.replace(f'notebook.setup("{STARTER}"', f'notebook.setup("{name}"')
    target.with_suffix(".py").write_text(text, encoding="utf-8")
    jupytext.write(jupytext.reads(text, fmt=TEXT_FORMAT), target)  # the .ipynb of the pair
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sendlib.notebook_build", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute the listed report notebooks on the sample and normalise them")
    run.add_argument("names", nargs="*", help="notebook names or prefixes (default: all listed)")
    sub.add_parser("check", help="exit 1 when a report notebook and its .py are out of sync")
    new = sub.add_parser("new", help="copy the starter to notebooks/explore/NAME.ipynb")
    new.add_argument("name")
    args = parser.parse_args(argv)
    try:
        if args.command == "new":
            print(f"created {new_notebook(args.name)}: open it with `make lab`")
            return 0
        paths = report_notebooks(only=getattr(args, "names", None) or None)
        if args.command == "check":
            problems = [f"{p.name}: {msg}" for p in paths for msg in pair_differences(p)]
            print("\n".join(problems) or f"{len(paths)} notebook pairs in sync")
            return 1 if problems else 0
        for path in paths:
            refresh_pair(path)
            print(f"ran and normalised {path.name} (and {path.with_suffix('.py').name})")
        return 0
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
