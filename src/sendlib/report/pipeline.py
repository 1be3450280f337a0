"""The monthly refresh: validate the extract, run every notebook with Papermill, publish atomically.

``refresh()`` (and ``sendlib refresh``) does, in order:

1. remove what killed refreshes left behind (hand-over folders, ``reports/.<period>.tmp-<pid>``);
2. load and validate the extract (with its mapping file and ``as_of`` date, if given); blocking
   problems stop here with the validation report, before any notebook runs
   (:class:`sendlib.errors.DataError`);
3. hand the extract over to the notebook kernels in a private temporary folder
   (:mod:`sendlib.report.handover`), with a private folder for the tables and charts they write
   (:data:`sendlib.report.tables.ARTIFACTS_ENV`);
4. run the notebooks through real Papermill, in parallel (``jobs``), injecting only the parameters each
   notebook declares (:mod:`sendlib.report.run`); the benchmarking notebook is skipped with a clear line
   when there is no public DfE data;
5. into a temporary folder beside the target: the executed notebooks, an HTML copy of each without
   code, ``headlines.csv`` and ``headlines.md`` (:mod:`sendlib.report.paragraph`), ``tables.xlsx``
   (:mod:`sendlib.report.tables`), ``charts/`` (:mod:`sendlib.report.charts`) and ``index.html``
   (:mod:`sendlib.report.index`);
6. only when every notebook succeeded, swaps that folder into ``reports/<period>/``
   (:mod:`sendlib.report.publish`). On failure the previous report stays untouched; the executed
   failing notebook, with its error cell marked by Papermill, is kept in ``reports/<period>.failed/``
   and :class:`RefreshError` names the notebook and the cell. The hand-over folder is removed either way.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sendlib import config, periods
from sendlib.errors import DataError, SendlibError, UsageError
from sendlib.report import charts as charts_mod
from sendlib.report import handover, publish
from sendlib.report.index import write_index
from sendlib.report.paragraph import write_headlines
from sendlib.report.run import (
    KERNEL_NAME,
    NEEDS_PUBLIC_DATA,
    NotebookRun,
    list_notebooks,
    parameters_for,
    run_and_publish,
)
from sendlib.report.tables import ARTIFACTS_ENV, read_tables, write_tables


class RefreshError(SendlibError):
    """A notebook failed during the refresh (exit code 1); the previous report is untouched."""


@dataclass
class RefreshResult:
    """The outcome of :func:`refresh`; ``seconds`` of wall-clock time."""

    period: str
    out_dir: Path
    runs: list[NotebookRun] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.status != "failed" for r in self.runs)

    def summary(self) -> str:
        """A fixed-width table: notebook, status, seconds, note."""
        width = max([len(r.name) for r in self.runs] + [8])
        lines = [f"{'notebook':<{width}}  {'status':<7}  {'seconds':>7}  note"]
        for r in self.runs:
            lines.append(f"{r.name:<{width}}  {r.status:<7}  {r.seconds:>7.1f}  {r.message}")
        done = sum(r.status == "ok" for r in self.runs)
        lines.append(f"{done} of {len(self.runs)} notebooks ran in {self.seconds:.1f} s")
        return "\n".join(lines)


def validation_report(extract) -> str:
    """The blocking issues of an extract as text (one line per issue)."""
    errors = [i for i in getattr(extract, "issues", []) if getattr(i, "severity", "") == "blocking"]
    lines = [f"{len(errors)} blocking problem(s) in the extract:"]
    for i in errors[:50]:
        where = ", ".join(
            x for x in (i.file or i.table, f"row {i.row}" if i.row is not None else "", i.column or "") if x
        )
        lines.append(f"  {where}: {i.message}")
    if len(errors) > 50:
        lines.append(f"  ... and {len(errors) - 50} more (run `sendlib validate` for the full report)")
    return "\n".join(lines)


def load_and_validate(data_dir: Path, mapping: Path | None = None, as_of=None):
    """Load the extract (with the ``mapping`` file and ``as_of`` date, if any); raise :class:`DataError`
    with the validation report if it cannot be used.

    Quarantined rows (severity ``error``) do not stop the refresh: they are reported by notebook 00.
    Blocking problems (missing file or column, unreadable file) do, before any notebook runs. A bad
    mapping file is a :class:`UsageError` naming it.
    """
    from sendlib import load

    if not Path(data_dir).is_dir():
        raise UsageError(f"data folder {data_dir} does not exist (--data)")
    extract = load(data_dir, mapping=mapping, as_of=as_of, errors="return")
    if not extract.usable:
        raise DataError(
            f"the extract in {data_dir} cannot be used, so no notebook was run.\n"
            + validation_report(extract)
            + f"\nFix the files (or the mapping) and run again; `{config.validate_hint(data_dir, mapping)}` "
            "writes the full report."
        )
    return extract


def _as_of_label(as_of) -> str | None:
    import pandas as pd

    if as_of is None or str(as_of) == "":
        return None
    try:
        return pd.Timestamp(pd.to_datetime(as_of, format="%Y-%m-%d") if isinstance(as_of, str) else as_of
                            ).strftime("%Y-%m-%d")
    except (ValueError, TypeError):
        raise UsageError(f"--as-of {as_of!r} is not a date; write it as YYYY-MM-DD") from None


def refresh(
    data_dir: str | os.PathLike | None = None,
    period: str | None = None,
    out_dir: str | os.PathLike | None = None,
    jobs: int | None = None,
    dfe_dir: str | os.PathLike | None = None,
    only: Iterable[str] | None = None,
    *,
    mapping: str | os.PathLike | None = None,
    as_of=None,
    notebooks_dir: str | os.PathLike | None = None,
    suppress_below: int = 5,
    stream: TextIO | None | str = "stdout",
    on_progress: Callable[[NotebookRun, int, int], None] | None = None,
) -> RefreshResult:
    """Run the monthly refresh into ``<out_dir>/<period>/`` (default ``reports/``); see module doc.

    ``data_dir`` (default ``data/sample``) and ``mapping`` (a TOML mapping file, default none) are read
    by the one rule for inputs (:func:`sendlib.config.input_path`): a relative path from the current
    folder when it exists there, else from the project root; ``out_dir`` (default ``reports/``) relative
    to the project root. ``as_of`` (``"YYYY-MM-DD"`` or a date): the extract date, as ``sendlib.load``
    takes it (default: the folder's extract.toml, else the latest event date). The notebooks get the
    extract loaded with the mapping and date (:func:`sendlib.report.load_for_report`). ``period``
    defaults to the extract's last full month. ``notebooks_dir``: where the notebooks are (default
    ``notebooks/``; tests pass a throwaway folder). ``stream``: where progress and the summary go
    (default standard output; None for silence). ``on_progress(run, done, total)`` is called as each
    notebook finishes. Raises :class:`DataError` for bad input (before any notebook runs),
    :class:`~sendlib.errors.UsageError` for a bad period, date, folder or ``only``, and
    :class:`RefreshError` if a notebook fails (the previous report stays).
    """
    t0 = time.perf_counter()
    data = config.data_folder(data_dir)
    mapping_path = config.mapping_file(mapping)
    as_of = _as_of_label(as_of)
    reports = config.resolve_path(out_dir, config.REPORTS_DIR)
    nb_dir = config.resolve_path(notebooks_dir, config.NOTEBOOKS_DIR)
    jobs = max(1, int(jobs or os.cpu_count() or 1))

    out_stream = sys.stdout if stream == "stdout" else stream

    def say(text: str) -> None:
        if out_stream is not None:
            print(text, file=out_stream, flush=True)

    if period is not None:
        try:
            periods.parse_period(period)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    notebooks = list_notebooks(nb_dir, only)
    for stale in [*handover.remove_stale(), *publish.remove_leftovers(reports)]:
        say(f"  removed the leftover of an interrupted refresh: {stale}")
    extract = load_and_validate(data, mapping_path, as_of)
    if period is None:
        if extract.as_of is None:
            raise UsageError("the extract has no as_of date: give --period YYYY-MM")
        period = periods.period_label(periods.last_full_month(extract.as_of))
    period = periods.period_label(periods.parse_period(period))
    public = config.dfe_dir(dfe_dir)
    if dfe_dir and public is None:
        raise UsageError(f"--dfe-dir {dfe_dir} is not a folder holding DfE files")

    reports.mkdir(parents=True, exist_ok=True)
    target = reports / period
    failed_dir = reports / f"{period}.failed"

    available = {
        "data_dir": str(data),
        "period": period,
        "suppress_below": int(suppress_below),
        "dfe_dir": str(public) if public else "",
    }
    runs: dict[str, NotebookRun] = {}
    todo = []
    for path in notebooks:
        if path.stem in NEEDS_PUBLIC_DATA and public is None:
            runs[path.stem] = NotebookRun(
                path.stem, "skipped", 0.0, "no public DfE data (--dfe-dir, SENDLIB_DFE_DIR or data/public)"
            )
        else:
            todo.append(path)
    say(
        f"sendlib refresh: {len(todo)} notebook(s), period {period}, data {data}"
        + (f", mapping {mapping_path}" if mapping_path else "")
        + (f", as of {as_of}" if as_of else "")
        + f", {jobs} job(s)"
    )
    for r in runs.values():
        say(f"  skipped {r.name}: {r.message}")

    logging.getLogger("papermill").setLevel(logging.WARNING)
    done = 0
    names = (handover.HANDOVER_ENV, handover.MAPPING_ENV, handover.AS_OF_ENV, ARTIFACTS_ENV, "JUPYTER_PATH")
    saved_env = {k: os.environ.get(k) for k in names}
    hand = handover.create()
    tmp = None
    try:
        handover.write(hand, extract, data, mapping_path, as_of)
        artifacts = hand / "artifacts"
        artifacts.mkdir(mode=0o700)
        tmp = publish.temporary_folder(reports, period)
        os.environ[handover.HANDOVER_ENV] = str(hand)
        os.environ[ARTIFACTS_ENV] = str(artifacts)
        # the kernels inherit these: a notebook that reloads uses the same mapping and date
        for key, value in ((handover.MAPPING_ENV, mapping_path), (handover.AS_OF_ENV, as_of)):
            if value:
                os.environ[key] = str(value)
            else:
                os.environ.pop(key, None)
        # this Python's own kernelspec first (ahead of a user-wide "python3"), so kernels run sendlib's venv
        own = Path(sys.prefix) / "share" / "jupyter"
        if (own / "kernels" / KERNEL_NAME).is_dir():
            os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(own), saved_env["JUPYTER_PATH"]) if p)
        with ThreadPoolExecutor(max_workers=min(jobs, max(1, len(todo)))) as pool:
            futures = {
                pool.submit(run_and_publish, p, tmp, parameters_for(p, available), nb_dir): p for p in todo
            }
            # the headline figures are computed here while the kernels run
            headline_error = None
            try:
                write_headlines(extract, period, tmp, int(suppress_below))
            except Exception as exc:  # noqa: BLE001 - reported as a failure below, after the notebooks
                headline_error = f"{type(exc).__name__}: {exc}"
            for fut in as_completed(futures):
                run = fut.result()
                runs[run.name] = run
                done += 1
                say(
                    f"  [{done}/{len(todo)}] {run.name}: {run.status} in {run.seconds:.1f} s"
                    + (f" ({run.message})" if run.message else "")
                )
                if on_progress:
                    on_progress(run, done, len(todo))
        ordered = [runs[p.stem] for p in notebooks]
        result = RefreshResult(period, target, ordered)
        failures = [r for r in ordered if r.status == "failed"]
        if failures:
            publish.keep_failed(tmp, failed_dir, [r.name for r in failures])
            result.out_dir = failed_dir
            result.seconds = time.perf_counter() - t0
            say(result.summary())
            what = "; ".join(f"{r.name}: {r.message}" for r in failures)
            kept = f"the previous report in {target} is unchanged" if target.exists() else "no report was published"
            raise RefreshError(
                f"{len(failures)} notebook(s) failed ({what}); {kept}; "
                f"the executed notebook(s) with the error marked are in {failed_dir}"
            )
        if headline_error:
            raise RefreshError(
                f"the headline figures could not be computed ({headline_error}); "
                f"the previous report in {target} is unchanged"
            )
        tables = read_tables(artifacts)
        tables_file = write_tables(tables, tmp / "tables.xlsx", period)
        charts = charts_mod.copy_charts(artifacts, tmp)
        for notebook, items in charts.items():
            charts_mod.link_charts_in_html(tmp / f"{notebook}.html", items)
        n_charts = sum(len(c) for c in charts.values())
        say(f"  tables.xlsx: {len(tables)} table(s)" if tables_file else "  no tables were written by the notebooks")
        say(f"  charts/: {n_charts} chart(s)" if n_charts else "  no charts were written by the notebooks")
        titles = {r.name: r.title or r.name for r in ordered}
        write_index(tmp, period, ordered, titles, charts=charts,
                    tables_file=tables_file.name if tables_file else None, n_tables=len(tables))
        publish.swap_in(tmp, target)
        if failed_dir.exists():
            shutil.rmtree(failed_dir)
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(hand, ignore_errors=True)
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    result.seconds = time.perf_counter() - t0
    say(result.summary())
    say(f"report: {target / 'index.html'}")
    return result
