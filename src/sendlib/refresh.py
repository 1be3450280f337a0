"""The monthly refresh: validate the extract, run every notebook with Papermill, publish atomically.

``refresh()`` (and ``sendlib refresh``) does, in order:

1. load and validate the extract (with its mapping file, if any: :mod:`sendlib.mapping`); blocking
   problems stop here with the validation report, before any notebook runs
   (:class:`sendlib.errors.DataError`);
2. run the notebooks in ``notebooks/`` through real Papermill (``papermill.execute_notebook``, the same
   as ``papermill notebooks/01_average_cost.ipynb out.ipynb -p period 2024-10``), in parallel
   (``jobs``, default the number of cores), injecting only the parameters each notebook declares in its
   ``parameters`` cell; the benchmarking notebook is skipped with a clear line when there is no public
   DfE data (no ``dfe_dir``, no ``$SENDLIB_DFE_DIR``, nothing in ``data/public``);
3. into a temporary folder beside the target: the executed notebooks (volatile metadata stripped), an
   HTML copy of each without code (for committee papers), ``headlines.csv``, ``headlines.md`` (a
   committee-style paragraph) and ``index.html`` linking them;
4. only when every notebook succeeded, swaps that folder into ``reports/<period>/`` (old folder renamed
   aside, new renamed in, old deleted). On failure the previous report stays untouched; the executed
   failing notebook, with its error cell marked by Papermill, is kept in ``reports/<period>.failed/``
   and :class:`RefreshError` names the notebook and the cell.
"""

from __future__ import annotations

import html
import logging
import os
import pickle
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sendlib import config, periods
from sendlib.errors import DataError, SendlibError, UsageError

# nbformat, papermill and nbconvert are imported inside the functions that use them: notebooks import
# this module for load_for_report(), and nbformat's JSON-schema import alone costs seconds in a kernel.

#: Notebooks that need DfE's public data; skipped (not failed) without it.
NEEDS_PUBLIC_DATA: frozenset[str] = frozenset({"05_benchmarking"})

#: The kernel every notebook runs on (the project venv's ``python3`` kernelspec).
KERNEL_NAME = "python3"

_local = threading.local()

#: Environment variable naming the pickled extract a running refresh shares with its notebooks.
CACHE_ENV = "SENDLIB_EXTRACT_CACHE"

#: Environment variable naming the mapping file (:mod:`sendlib.mapping`) a running refresh loaded the
#: extract with; unset when it used none. :func:`load_for_report` loads with it, so a notebook that has
#: to reload the extract reads it as the refresh did.
MAPPING_ENV = "SENDLIB_EXTRACT_MAPPING"


class RefreshError(SendlibError):
    """A notebook failed during the refresh (exit code 1); the previous report is untouched."""


@dataclass
class NotebookRun:
    """How one notebook went: status is ``ok``, ``failed`` or ``skipped``; ``title`` from its heading."""

    name: str
    status: str
    seconds: float = 0.0
    message: str = ""
    cell: int | None = None
    title: str = ""


@dataclass
class RefreshResult:
    """The outcome of :func:`refresh`."""

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


# ---------------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------------


def list_notebooks(notebooks_dir: Path, only: Iterable[str] | None = None) -> list[Path]:
    """Notebooks to run, sorted by name (files starting with ``_`` or ``.`` are not reports).

    ``only``: names with or without ``.ipynb``, or a unique prefix such as ``01``.
    """
    from sendlib.notebook_list import REPORT_LIST, report_notebooks  # the listed report notebooks

    if (Path(notebooks_dir) / REPORT_LIST).is_file():
        return report_notebooks(notebooks_dir, only)
    found = sorted(p for p in Path(notebooks_dir).glob("*.ipynb") if not p.name.startswith(("_", ".")))
    if not found:
        raise UsageError(f"no notebooks found in {notebooks_dir}")
    if not only:
        return found
    chosen = []
    for want in only:
        want = want.strip().removesuffix(".ipynb")
        if not want:
            continue
        matches = [p for p in found if p.stem == want] or [p for p in found if p.stem.startswith(want)]
        if len(matches) != 1:
            names = ", ".join(p.stem for p in found)
            raise UsageError(f"--only {want!r} matches {len(matches)} notebooks; choose from: {names}")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return sorted(chosen)


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


def load_and_validate(data_dir: Path, mapping: Path | None = None):
    """Load the extract (with the ``mapping`` file, if any); raise :class:`DataError` with the validation
    report if it cannot be used.

    Quarantined rows (severity ``error``) do not stop the refresh: they are reported by notebook 00.
    Blocking problems (missing file or column, unreadable file) do, before any notebook runs. A bad
    mapping file is a :class:`UsageError` naming it.
    """
    from sendlib import load
    from sendlib.cli import validate_hint

    if not Path(data_dir).is_dir():
        raise UsageError(f"data folder {data_dir} does not exist (--data)")
    extract = load(data_dir, mapping=mapping, errors="return")
    if not extract.usable:
        raise DataError(
            f"the extract in {data_dir} cannot be used, so no notebook was run.\n"
            + validation_report(extract)
            + f"\nFix the files (or the mapping) and run again; `{validate_hint(data_dir, mapping)}` writes "
            "the full report."
        )
    return extract


def _file_stamp(p: Path) -> tuple:
    st = p.stat()
    return (p.name, st.st_mtime_ns, st.st_size)


def _cache_key(data_dir: Path, mapping: str | os.PathLike | None = None) -> tuple:
    """What the cached extract was made from: the folder, its files and the mapping file (if any)."""
    files = sorted(p for p in Path(data_dir).iterdir() if p.is_file())
    m = Path(mapping).resolve() if mapping else None
    return (
        str(Path(data_dir).resolve()),
        tuple(_file_stamp(p) for p in files),
        None if m is None else (str(m), *_file_stamp(m)[1:]),
    )


def load_for_report(data_dir: str | os.PathLike | None = None):
    """``sendlib.load(data_dir, mapping=...)`` for a notebook, reusing the extract the running refresh
    has loaded.

    The refresh loads and validates the extract once and pickles it to the file named by
    ``$SENDLIB_EXTRACT_CACHE``; notebooks use that copy when it was made from the same folder with the
    same files (names, sizes and modification times) and the same mapping file, so N notebooks do not
    parse the extract N times. The mapping is the file named by ``$SENDLIB_EXTRACT_MAPPING``, which the
    refresh sets to its ``--mapping`` (and unsets without one), so a notebook that reloads reads the
    extract as the refresh did. Outside a refresh (JupyterLab, plain Papermill, nbval) this is exactly
    ``sendlib.load``, with that mapping when the variable is set.
    """
    from sendlib import load

    path = config.resolve_path(data_dir, config.SAMPLE_DIR)
    mapping = os.environ.get(MAPPING_ENV) or None
    cache = os.environ.get(CACHE_ENV)
    if cache and Path(cache).is_file():
        try:
            with open(cache, "rb") as f:
                key, extract = pickle.load(f)
            if key == _cache_key(path, mapping):
                return extract
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            pass
    return load(path, mapping=mapping)


def _parameters_for(path: Path, available: Mapping[str, object]) -> dict[str, object]:
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
        run.title = _title(nb, path.stem)
        write_html(nb, out_dir / f"{path.stem}.html", run.title)
        run.seconds += time.perf_counter() - start
    return run


def _title(nb, default: str) -> str:
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


# ---------------------------------------------------------------------------------------------------
# Headlines
# ---------------------------------------------------------------------------------------------------


def _flatten(d: Mapping, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            flat.update(_flatten(v, key + "."))
        else:
            flat[key] = v
    return flat


def _scalar(v):
    if hasattr(v, "item"):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    return v


#: Headline keys holding integers that are not counts of children, plans or requests.
NOT_COUNTS: tuple[str, ...] = ("financial_month", "avg_cost_falls_in_financial_year", "year")


def is_count(key: str, value, unit: str = "") -> bool:
    """True when a headline value is a count of people, plans, placements or requests (to suppress).

    Integers count, except :data:`NOT_COUNTS`, keys ending ``_change`` (a net difference) and units
    that are not counts (%, months, pounds).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    if key.endswith("_change") or any(key == k or key.endswith("." + k) for k in NOT_COUNTS):
        return False
    return not any(u in unit for u in ("%", "£", "month", "yes/no"))


#: The unpublished count of plans issued beyond 20 weeks (year to date, excluding exception cases):
#: issued - within 20 weeks. Worked out by :func:`suppressed_headlines`, never returned.
LATE_KEY = "_plans_issued_ytd_late_excl_exceptions"

#: Every headline value worked out from counts, with the counts it reveals: it is hidden (``[c]``,
#: null) whenever ANY of those counts is, after primary and secondary suppression
#: (:func:`suppressed_headlines`). Keys of :func:`sendlib.headlines.headlines`; a key ending in a
#: section's own name is the same figure from that section. This is the one place the links are written.
HEADLINE_DERIVED: dict[str, tuple[str, ...]] = {
    # change in plans = now - previous month end: with one of the two shown it gives the other back
    "ehcp_active_change": ("ehcp_active", "ehcp_active_prev_month"),
    # committed cost of the active plans and the MI average over them: cost / average = plans, and the
    # cost (or the partners' share of it) of fewer than 5 plans is about those children
    "committed_cost": ("ehcp_active",),
    "committed_cost_net": ("ehcp_active",),
    "partner_share_cost": ("ehcp_active",),
    "avg_cost_per_ehcp": ("ehcp_active",),
    "avg_cost_per_ehcp_net": ("ehcp_active",),
    "avg_cost_per_ehcp_prev_month": ("ehcp_active_prev_month",),
    # the change in the average and its shift-share parts (mix + rate + interaction = change) use
    # both month ends
    "avg_cost_per_ehcp_change": ("ehcp_active", "ehcp_active_prev_month"),
    "avg_cost_change_mix": ("ehcp_active", "ehcp_active_prev_month"),
    "avg_cost_change_rate": ("ehcp_active", "ehcp_active_prev_month"),
    "avg_cost_change_interaction": ("ehcp_active", "ehcp_active_prev_month"),
    # INMSS: share of plans = placements / active plans x 100 (33.3% of 9 plans = 3 placements);
    # share of cost x committed cost = INMSS cost; share of special places and the cost are about them
    "independent_share_count": ("independent_placements", "ehcp_active"),
    "independent_share_special": ("independent_placements",),
    "independent_cost": ("independent_placements",),
    "independent_share_cost": ("independent_placements", "ehcp_active"),
    "independent_share_count_broad": ("independent_placements_broad", "ehcp_active"),
    "independent_share_cost_broad": ("independent_placements_broad", "ehcp_active"),
    # 20-week timeliness = on time / issued x 100: a rate over fewer than 5 plans, or with fewer than 5
    # on time or fewer than 5 late, is about those children (60% of 5 = 3; 83.33% of 12 = 10, so 2 late)
    "timeliness_20wk_excl_exceptions_ytd": ("plans_issued_ytd_excl_exceptions",
                                            "plans_issued_ytd_within_20wk_excl_exceptions",
                                            LATE_KEY),
    # the caseload forecast starts from the plans active at the period end, and the financial year's
    # spend forecast from their placements: with fewer than 5 plans the forecast gives the count back
    # (1.0, 80% band 1.0 to 1.0) and the spend is those children's placements. Forecast - plan and
    # outturn - budget (- cap) give them back from the published plan and budget; the plan
    # (ehcp_plan_next_january), budget and other high-needs spend (budget.csv) are not about them.
    **dict.fromkeys(
        (
            "ehcp_forecast_next_january",
            "ehcp_forecast_next_january_low80",
            "ehcp_forecast_next_january_high80",
            "ehcp_forecast_vs_plan",
            "fy_forecast_spend",
            "fy_forecast_placement_spend",
            "fy_forecast_overspend",
            "fy_overspend_vs_cap",
        ),
        ("ehcp_active",),
    ),
    # not a key: the month's change in overdue requests that the paragraph writes ("down 21")
    "overdue_assessments_change": ("overdue_assessments", "overdue_assessments_prev_month"),
}

#: Identities among headline counts, as :func:`sendlib.disclosure.linked_suppression` lines: a line
#: with exactly one hidden count gets a second one hidden, so no count is worked back from the others.
#: Plans: previous month end + issued - ceased = this month end (exact for sendlib's month-end counts
#: and calendar-month flows: a plan issued and ceased in the same month is in neither stock).
#: Timeliness: plans issued on time + plans issued late = plans issued (year to date, excluding
#: exception cases). The late count is not a headline: :func:`suppressed_headlines` works it out
#: (:data:`LATE_KEY`) so that a late count from 1 to 4, which anyone can take as issued - on time,
#: hides a second count (and the rate), as the backlog command's "not yet overdue" line does.
HEADLINE_IDENTITIES: list[tuple[tuple[str, ...], str]] = [
    (("ehcp_active_prev_month", "ehcp_issued", "ehcp_ceased"), "ehcp_active"),
    (("plans_issued_ytd_within_20wk_excl_exceptions", LATE_KEY),
     "plans_issued_ytd_excl_exceptions"),
]

#: Counts hidden for secondary suppression only when nothing else in the line can be: month-end
#: stocks published in last month's report too (hiding one now would protect nothing).
HEADLINE_LAST_RESORT: tuple[str, ...] = ("ehcp_active", "ehcp_active_prev_month")


def suppressed_headlines(headlines: Mapping, threshold: int = 5) -> set[str]:
    """The headline keys to hide (``[c]`` in headlines.csv, null in JSON, left out of prose).

    Counts (:func:`is_count`) from 1 to ``threshold - 1``; then secondary suppression over
    :data:`HEADLINE_IDENTITIES`; then every value of :data:`HEADLINE_DERIVED` whose counts include a
    hidden one (a derived key is listed even when absent from ``headlines``, so prose that works one
    out, such as ``overdue_assessments_change``, can ask). ``threshold`` 1 hides nothing.
    Plans issued late (issued - within 20 weeks, :data:`LATE_KEY`) are protected too, though not a
    headline: 10 of 12 on time (83.33%) hides the 10 and the rate, since 2 were late.
    A difference of two hidden counts that are linked to shown ones (issued - ceased = the change in
    plans) is shown: it is the difference of two published month-end counts, and it does not give
    either count back.
    """
    from sendlib.disclosure import linked_suppression

    try:
        from sendlib.headlines import UNITS
    except ImportError:  # pragma: no cover
        UNITS = {}
    flat = {k: _scalar(v) for k, v in _flatten(headlines).items()}
    counts = {k: v for k, v in flat.items() if is_count(k, v, UNITS.get(k, ""))}
    counts |= _unpublished_counts(counts)
    lines = [(list(c), t) for c, t in HEADLINE_IDENTITIES if all(k in counts for k in [*c, t])]
    hidden = linked_suppression(counts, lines, threshold, last=HEADLINE_LAST_RESORT)
    hidden |= {k for k, sources in HEADLINE_DERIVED.items() if any(c in hidden for c in sources)}
    return hidden - {LATE_KEY}


def _unpublished_counts(counts: Mapping) -> dict:
    """Counts anyone can work out from published ones, to be protected like them: :data:`LATE_KEY`
    (plans issued year to date beyond 20 weeks, excluding exception cases = issued - within 20 weeks)
    when both counts are there."""
    issued = counts.get("plans_issued_ytd_excl_exceptions")
    within = counts.get("plans_issued_ytd_within_20wk_excl_exceptions")
    return {} if issued is None or within is None else {LATE_KEY: issued - within}


def headlines_frame(headlines: Mapping, threshold: int = 5):
    """``headlines.csv`` content: one row per figure, ``measure,value,unit`` (nested keys joined by dots).

    Counts from 1 to ``threshold - 1``, counts hidden to protect them and the shares, costs and changes
    that would give them back are shown as ``[c]`` (:func:`suppressed_headlines`).
    """
    import pandas as pd

    from sendlib.disclosure import SUPPRESSED

    try:
        from sendlib.headlines import UNITS
    except ImportError:  # pragma: no cover
        UNITS = {}
    hidden = suppressed_headlines(headlines, threshold)
    rows = [
        {"measure": key, "value": SUPPRESSED if key in hidden else _scalar(value), "unit": UNITS.get(key, "")}
        for key, value in _flatten(headlines).items()
    ]
    return pd.DataFrame(rows, columns=["measure", "value", "unit"])


def _num(h: Mapping, key: str):
    """The headline ``key`` as a number, or None when it is absent or missing (NaN)."""
    v = h.get(key)
    if v is None or (isinstance(v, float) and v != v):
        return None
    return _scalar(v)


def _count(v) -> str:
    return f"{float(v):,.0f}"


def _pounds(v) -> str:
    return ("-" if v < 0 else "") + f"£{abs(float(v)):,.0f}"


def _pounds_m(v) -> str:
    """Pounds in millions for prose: 159310128.9 -> "£159.3m"; below £1m in pounds."""
    v = float(v)
    return f"£{v / 1e6:,.1f}m" if abs(v) >= 1e6 else _pounds(v)


def _capital(text: str) -> str:
    """``"fewer than 5"`` -> ``"Fewer than 5"`` at the start of a sentence (numbers unchanged)."""
    return text[:1].upper() + text[1:]


def _signed(v, fmt) -> str:
    return ("up " if v > 0 else "down ") + fmt(abs(v)) if v else "unchanged"


def draft_paragraph(headlines: Mapping, period: str, threshold: int = 5) -> str:
    """A committee-report paragraph from the headline figures; sentences only for figures present.

    Recognised keys (as :func:`sendlib.headlines.headlines` returns them): ``ehcp_active`` and
    ``_change``; ``ehcp_forecast_next_january``, ``ehcp_plan_next_january``, ``ehcp_forecast_vs_plan``;
    ``overdue_assessments`` and ``_prev_month``; ``assessments_completed_month`` and
    ``_same_month_last_year``; ``avg_cost_per_ehcp`` and ``_change``; ``independent_placements``,
    ``independent_share_count`` and ``independent_share_cost`` (per cent); ``fy_forecast_spend``
    (with ``fy_forecast_placement_spend`` and ``fy_other_high_needs_spend`` when other spend is given),
    ``fy_budget``, ``fy_forecast_overspend``, ``fy_overspend_vs_cap`` (pounds). Disclosure control as in
    headlines.csv (:func:`suppressed_headlines`): counts from 1 to ``threshold - 1`` read "fewer than
    5", and the changes, shares, costs and forecasts that would give a hidden count back are left out
    (with fewer than 5 active plans, the sentences on the caseload and spend forecasts).
    """
    from sendlib.disclosure import count_phrase

    h = _flatten(headlines)
    hidden = suppressed_headlines(h, threshold)

    def shown(key: str):
        return None if key in hidden else _num(h, key)

    def people(key: str) -> str:
        return count_phrase(_num(h, key), threshold, hidden=key in hidden)

    month = periods.parse_period(period).strftime("%B %Y")
    s: list[str] = []
    if _num(h, "ehcp_active") is not None:
        change = shown("ehcp_active_change")
        txt = f"There were {people('ehcp_active')} EHCPs at the end of {month}"
        if change is not None:
            txt += f" ({_signed(change, _count)} on the previous month)"
        s.append(txt + ".")
    fc = shown("ehcp_forecast_next_january")
    if fc is not None:
        plan = _num(h, "ehcp_plan_next_january")
        gap = shown("ehcp_forecast_vs_plan")
        if gap is None and plan is not None:
            gap = fc - plan
        january = periods.next_january(periods.parse_period(period)).strftime("%B %Y")
        txt = f"The forecast for {january} is {_count(fc)}"
        if gap is not None:
            side = "above" if gap > 0 else "below"
            txt += (
                f", {_count(abs(gap))} {side} the Safety Valve plan"
                if gap
                else ", in line with the Safety Valve plan"
            )
            if plan is not None:
                txt += f" of {_count(plan)}"
        s.append(txt + ".")
    od = _num(h, "overdue_assessments")
    if od is not None:
        before = _num(h, "overdue_assessments_prev_month")
        change = None if before is None or "overdue_assessments_change" in hidden else od - before
        txt = f"{_capital(people('overdue_assessments'))} assessments were overdue (open beyond the 20-week limit)"
        if change is not None:
            txt += f", {_signed(change, _count)} on the previous month"
        s.append(txt + ".")
    if _num(h, "assessments_completed_month") is not None:
        txt = f"{_capital(people('assessments_completed_month'))} assessments were completed in the month"
        if _num(h, "assessments_completed_same_month_last_year") is not None:
            txt += f", against {people('assessments_completed_same_month_last_year')} a year earlier"
        s.append(txt + ".")
    cost = shown("avg_cost_per_ehcp")
    if cost is not None:
        change = shown("avg_cost_per_ehcp_change")
        txt = f"The average annual placement cost of an EHCP was {_pounds(cost)}"
        if change is not None:
            txt += f", {_signed(change, _pounds)} on the previous month"
            if change < 0 and h.get("avg_cost_per_ehcp_first_fall_in_financial_year") is True:
                txt += ", the first fall this financial year"
        s.append(txt + ".")
    has_ind = _num(h, "independent_placements") is not None
    share = shown("independent_share_count")
    cshare = shown("independent_share_cost")
    if has_ind or share is not None:
        txt = "Independent and non-maintained special schools held "
        if has_ind and share is not None:
            txt += f"{people('independent_placements')} placements ({float(share):.1f}% of all plans)"
        elif has_ind:
            txt += f"{people('independent_placements')} placements"
        else:
            txt += f"{float(share):.1f}% of all plans"
        if cshare is not None:
            txt += f" but {float(cshare):.1f}% of placement cost"
        s.append(txt + ".")
    spend = shown("fy_forecast_spend")
    if spend is not None:
        fy = h.get("financial_year") or periods.financial_year(periods.parse_period(period))
        other = _num(h, "fy_other_high_needs_spend")
        placements = shown("fy_forecast_placement_spend")
        if other and placements is not None:  # the whole block: say what it is made of
            txt = (f"High-needs spend for {fy} is forecast at {_pounds_m(spend)} (placements "
                   f"{_pounds_m(placements)}, other high-needs spend {_pounds_m(other)})")
        else:
            txt = f"Placement spend for {fy} is forecast at {_pounds_m(spend)}"
        budget = _num(h, "fy_budget")
        over = shown("fy_forecast_overspend")
        beyond = shown("fy_overspend_vs_cap")
        if budget is not None:
            txt += f" against a budget of {_pounds_m(budget)}"
        if over is not None:
            txt += f", {'an overspend' if over > 0 else 'an underspend'} of {_pounds_m(abs(over))}"
        if beyond is not None:
            txt += (
                f", {_pounds_m(beyond)} beyond the Safety Valve cap"
                if beyond > 0
                else f", within the Safety Valve cap by {_pounds_m(-beyond)}"
            )
        s.append(txt + ".")
    if not s:
        return f"No headline figures are available for {month}."
    return " ".join(s)


def write_headlines(extract, period: str, out_dir: Path, threshold: int = 5) -> dict | None:
    """Write ``headlines.csv`` and ``headlines.md``; returns the headline dict (None if unavailable)."""
    try:
        from sendlib.headlines import headlines as compute
    except ImportError:
        (out_dir / "headlines.md").write_text(
            f"# Headlines, {period}\n\nHeadline figures are not available in this version of sendlib.\n",
            encoding="utf-8",
        )
        return None
    h = compute(extract, period)
    headlines_frame(h, threshold).to_csv(out_dir / "headlines.csv", index=False, lineterminator="\n")
    month = periods.parse_period(period).strftime("%B %Y")
    (out_dir / "headlines.md").write_text(
        f"# SEND headlines, {month}\n\n{draft_paragraph(h, period, threshold)}\n\n"
        "Source: the local authority's case-management extract (management information, month-end "
        "snapshot). "
        + (
            f"Counts from 1 to {threshold - 1} are not shown, nor the changes, shares and costs that would "
            "reveal them."
            if threshold > 1
            else "Small counts are NOT suppressed: not for committee papers."
        )
        + "\n",
        encoding="utf-8",
    )
    return h


def write_index(out_dir: Path, period: str, runs: list[NotebookRun], titles: Mapping[str, str]) -> None:
    """``index.html``: the headline paragraph and a link to each notebook's HTML and ipynb."""
    month = periods.parse_period(period).strftime("%B %Y")
    md = out_dir / "headlines.md"
    para = ""
    if md.exists():
        body = [ln for ln in md.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
        para = "".join(f"<p>{html.escape(ln)}</p>" for ln in body)
    items = []
    for r in runs:
        title = html.escape(titles.get(r.name, r.name))
        if r.status == "ok":
            items.append(
                f'<li><a href="{r.name}.html">{title}</a> '
                f'<span class="muted">(<a href="{r.name}.ipynb">notebook</a>)</span></li>'
            )
        else:
            items.append(
                f'<li>{title} <span class="muted">: not produced ({html.escape(r.message)})</span></li>'
            )
    extra = ' · <a href="headlines.csv">headlines.csv</a>' if (out_dir / "headlines.csv").exists() else ""
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SEND report, {month}</title>
<style>body{{font-family:Arial,"Liberation Sans",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#0b0c0c;line-height:1.5}}h1{{color:#12436D}}a{{color:#12436D}}.muted{{color:#505a5f}}
li{{margin:.4rem 0}}</style></head>
<body><h1>SEND report, {month}</h1>
<h2>Headlines</h2>{para}
<h2>Reports</h2><ul>{"".join(items)}</ul>
<p class="muted"><a href="headlines.md">headlines.md</a>{extra}</p>
</body></html>
"""
    (out_dir / "index.html").write_text(page, encoding="utf-8")


# ---------------------------------------------------------------------------------------------------
# The refresh
# ---------------------------------------------------------------------------------------------------


def _swap_in(tmp: Path, target: Path) -> None:
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


def refresh(
    data_dir: str | os.PathLike | None = None,
    period: str | None = None,
    out_dir: str | os.PathLike | None = None,
    jobs: int | None = None,
    dfe_dir: str | os.PathLike | None = None,
    only: Iterable[str] | None = None,
    *,
    mapping: str | os.PathLike | None = None,
    notebooks_dir: str | os.PathLike | None = None,
    suppress_below: int = 5,
    stream: TextIO | None | str = "stdout",
    on_progress: Callable[[NotebookRun, int, int], None] | None = None,
) -> RefreshResult:
    """Run the monthly refresh into ``<out_dir>/<period>/`` (default ``reports/``); see module doc.

    ``data_dir`` (default ``data/sample``) and ``mapping`` (a TOML mapping file, default none) are read
    by the command line's rule (:func:`sendlib.cli.input_path`): a relative path from the current folder
    when it exists there, else from the project root; ``out_dir`` (default ``reports/``) relative to the
    project root. The notebooks get the extract loaded with the mapping (:func:`load_for_report`).
    ``period`` defaults to the extract's last full month. ``notebooks_dir``: where the notebooks are
    (default ``notebooks/``; tests pass a throwaway folder). ``stream``: where progress and the summary
    go (default standard output; None for silence). ``on_progress(run, done, total)`` is called as each
    notebook finishes. Raises :class:`DataError` for bad input (before any notebook runs),
    :class:`~sendlib.errors.UsageError` for a bad period, folder or ``only``, and :class:`RefreshError`
    if a notebook fails (the previous report stays).
    """
    from sendlib import cli

    t0 = time.perf_counter()
    data = cli.data_folder(data_dir)
    mapping_path = cli.mapping_file(mapping)
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
    extract = load_and_validate(data, mapping_path)
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
    tmp = reports / f".{period}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()

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
        + f", {jobs} job(s)"
    )
    for r in runs.values():
        say(f"  skipped {r.name}: {r.message}")

    logging.getLogger("papermill").setLevel(logging.WARNING)
    done = 0
    cache = reports / f".{period}.extract-{os.getpid()}.pkl"
    with open(cache, "wb") as f:
        pickle.dump((_cache_key(data, mapping_path), extract), f, protocol=pickle.HIGHEST_PROTOCOL)
    saved_env = {k: os.environ.get(k) for k in (CACHE_ENV, MAPPING_ENV, "JUPYTER_PATH")}
    os.environ[CACHE_ENV] = str(cache)
    if mapping_path:  # the kernels inherit it: a notebook that reloads uses the same mapping
        os.environ[MAPPING_ENV] = str(mapping_path)
    else:
        os.environ.pop(MAPPING_ENV, None)
    # this Python's own kernelspec first (ahead of a user-wide "python3"), so kernels run sendlib's venv
    own = Path(sys.prefix) / "share" / "jupyter"
    if (own / "kernels" / KERNEL_NAME).is_dir():
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(own), saved_env["JUPYTER_PATH"]) if p)
    try:
        with ThreadPoolExecutor(max_workers=min(jobs, max(1, len(todo)))) as pool:
            futures = {
                pool.submit(run_and_publish, p, tmp, _parameters_for(p, available), nb_dir): p for p in todo
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
            if failed_dir.exists():
                shutil.rmtree(failed_dir)
            failed_dir.mkdir()
            for r in failures:
                src = tmp / f"{r.name}.ipynb"
                if src.exists():
                    shutil.copy2(src, failed_dir / src.name)
            result.out_dir = failed_dir
            result.seconds = time.perf_counter() - t0
            say(result.summary())
            names = "; ".join(f"{r.name}: {r.message}" for r in failures)
            kept = (
                f"the previous report in {target} is unchanged"
                if target.exists()
                else "no report was published"
            )
            raise RefreshError(
                f"{len(failures)} notebook(s) failed ({names}); {kept}; "
                f"the executed notebook(s) with the error marked are in {failed_dir}"
            )

        if headline_error:
            raise RefreshError(
                f"the headline figures could not be computed ({headline_error}); "
                f"the previous report in {target} is unchanged"
            )
        titles = {r.name: r.title or r.name for r in ordered}
        write_index(tmp, period, ordered, titles)
        _swap_in(tmp, target)
        if failed_dir.exists():
            shutil.rmtree(failed_dir)
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        cache.unlink(missing_ok=True)
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    result.seconds = time.perf_counter() - t0
    say(result.summary())
    say(f"report: {target / 'index.html'}")
    return result
