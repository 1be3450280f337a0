"""Running the report notebooks with Papermill: which notebooks, with which parameters, and each
notebook's executed copy and HTML copy (without code).

nbformat, papermill and nbconvert are imported inside the functions that use them: notebooks import
:mod:`sendlib.report` for :func:`~sendlib.report.load_for_report`, and nbformat's JSON-schema import
alone costs seconds in a kernel.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Notebooks that need DfE's public data; skipped (not failed) without it.
NEEDS_PUBLIC_DATA: frozenset[str] = frozenset({"05_benchmarking"})

#: The kernel every notebook runs on (the project venv's ``python3`` kernelspec).
KERNEL_NAME = "python3"

_local = threading.local()


@dataclass
class NotebookRun:
    """How one notebook went: status is ``ok``, ``failed`` or ``skipped``; ``title`` from its heading;
    ``seconds`` of wall-clock time (execution plus HTML export)."""

    name: str
    status: str
    seconds: float = 0.0
    message: str = ""
    cell: int | None = None
    title: str = ""


def list_notebooks(notebooks_dir: Path, only: Iterable[str] | None = None) -> list[Path]:
    """The report notebooks to run: those listed in ``<notebooks_dir>/report.toml``, in its order
    (:func:`sendlib.notebook_list.report_notebooks`; any other ``.ipynb`` in the folder is not a report
    page). ``only``: names with or without ``.ipynb``, or a unique prefix such as ``01``."""
    from sendlib.notebook_list import report_notebooks

    return report_notebooks(notebooks_dir, only)


def parameters_for(path: Path, available: Mapping[str, object]) -> dict[str, object]:
    """The subset of ``available`` that the notebook declares in its parameters cell."""
    import papermill

    declared = papermill.inspect_notebook(str(path))
    return {k: v for k, v in available.items() if k in declared}


def run_notebook(path: Path, out_path: Path, parameters: Mapping[str, object], cwd: Path) -> NotebookRun:
    """Execute one notebook with Papermill; never raises for a notebook error (status ``failed``)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    name = path.stem
    try:
        papermill.execute_notebook(
            str(path),
            str(out_path),
            parameters=dict(parameters),
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            # the kernel starts in ``cwd`` (nbclient's resources path). Not papermill's ``cwd=``: that
            # os.chdir()s the whole process, which races between the worker threads.
            resources={"metadata": {"path": str(cwd)}},
        )
    except PapermillExecutionError as exc:
        # papermill counts its injected-parameters cell; name the cell as the source notebook numbers it
        injected = 1 if parameters and exc.cell_index > 0 else 0
        cell = exc.cell_index - injected + 1
        first = str(exc.evalue).splitlines()[0] if exc.evalue else ""
        msg = f"cell {cell} (In [{exc.exec_count}] in the executed copy): {exc.ename}: {first}"
        return NotebookRun(name, "failed", time.perf_counter() - start, msg, cell)
    except Exception as exc:  # noqa: BLE001 - kernel died, bad notebook file...: report, don't crash
        return NotebookRun(name, "failed", time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    return NotebookRun(name, "ok", time.perf_counter() - start)


def run_and_publish(path: Path, out_dir: Path, parameters: Mapping[str, object], cwd: Path) -> NotebookRun:
    """:func:`run_notebook`, then (on success) strip volatile metadata and write the HTML copy.

    Done in the worker so HTML export overlaps with the other notebooks still running.
    """
    import nbformat

    from sendlib.notebook_hygiene import normalise_notebook

    out = out_dir / path.name
    run = run_notebook(path, out, parameters, cwd)
    if run.status == "ok":
        start = time.perf_counter()
        nb = normalise_notebook(nbformat.read(out, as_version=4))
        nbformat.write(nb, out)
        run.title = notebook_title(nb, path.stem)
        write_html(nb, out_dir / f"{path.stem}.html", run.title)
        run.seconds += time.perf_counter() - start
    return run


def notebook_title(nb, default: str) -> str:
    """The notebook's first ``# heading`` (``default`` without one)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return default


def write_html(nb, out_path: Path, title: str) -> None:
    """HTML copy of an executed notebook without code cells (inputs and prompts hidden)."""
    exporter = getattr(_local, "html_exporter", None)
    if exporter is None:  # one per thread: building the template environment is the slow part
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
        _local.html_exporter = exporter
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    out_path.write_text(body, encoding="utf-8")
