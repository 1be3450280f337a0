"""What every report notebook shares: the setup, tables, charts and phrases for the narrative.

A notebook's setup cell is::

    nb = notebook.setup("01_average_cost", data_dir=data_dir, period=period, suppress_below=suppress_below)

which applies the chart theme, loads the extract (inside a refresh, the copy the refresh has already
loaded and validated; anywhere else :func:`sendlib.load`), and returns a :class:`ReportNotebook` holding
the extract, the month reported on and the helpers that display its tables and charts.

Committee-pack artifacts: when the environment variable ``SENDLIB_REPORT_ARTIFACTS`` names a folder
(the refresh sets it while the notebooks run; it is unset in JupyterLab and nbval, where nothing is
written), every table shown through :meth:`ReportNotebook.show` is also written as
``<dir>/tables/<notebook>--<NN>.json`` (NN = 01, 02, ... in the order shown) and every chart shown
through :meth:`ReportNotebook.chart` as ``<dir>/charts/<notebook>--<slug>.png`` (200 dpi) and ``.svg``
(byte-for-byte reproducible).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd

from sendlib import disclosure, formatting, periods, plots

#: Environment variable naming the folder the committee-pack tables and charts are written to.
ARTIFACTS_ENV = "SENDLIB_REPORT_ARTIFACTS"
#: Source line under the charts built from the local extract.
SOURCE = "local authority case-management extract (management information)"
#: Resolution of the saved PNG charts (dots per inch).
CHART_DPI = 200

_COUNT_TEXT = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?|-?\d+(\.\d+)?")


def _report_functions():
    """The refresh's loader and headline suppression (the one place notebooks reach the refresh):
    ``load_for_report`` reuses the extract a running refresh has loaded and validated, else
    :func:`sendlib.load`; ``suppressed_headlines`` says which headline figures are hidden."""
    from sendlib.headlines import suppressed_headlines
    from sendlib.report import load_for_report

    return load_for_report, suppressed_headlines


def spend_sentence(spend) -> str:
    """The financial year's spend sentence for a :class:`sendlib.forecast.SpendForecast`, worded exactly
    as the drafted committee paragraph words it (:func:`sendlib.report.paragraph.spend_sentence`)."""
    from sendlib.report.paragraph import spend_sentence as sentence

    return sentence(
        spend.financial_year, spend.outturn, placements=spend.placement_outturn, other=spend.other_spend,
        budget=spend.budget, overspend=spend.overspend, beyond_cap=spend.overspend_vs_cap,
    )


def new_plans_sentence(fc, extract, suppress_below: int = disclosure.DEFAULT_THRESHOLD) -> str:
    """What drives a caseload forecast's new plans, in one sentence of Markdown, from
    :func:`sendlib.forecast.new_plan_views` (plans a month over the next 12 months, whole plans).

    Empty (nothing said) when any figure it would state rounds to 1 to ``suppress_below - 1`` plans a
    month (it reads as a small count), or when the recent issue rate stands on a month whose plans
    issued (in ``extract``) were that few: the rate would narrow a suppressed count down."""
    from sendlib import caseload, forecast

    v = forecast.new_plan_views(fc)
    m = fc.model
    capacity = v["capacity"] == v["capacity"]  # NaN for the demand view alone
    stated = [v["demand"], v["new_plans"], *([m.issue_rate] if capacity else [])]
    if disclosure.any_small_count(*(round(x) for x in stated), threshold=suppress_below):
        return ""
    if m.new_plans in ("issue_rate", "combined"):
        months = periods.month_ends(m.as_of - pd.DateOffset(months=v["recent_months"] - 1), m.as_of)
        issued = caseload.plans_issued_by_month(extract.plans, months)
        if disclosure.any_small_count(*issued.tolist(), threshold=suppress_below):
            return ""
    demand = (
        f"The requests received imply about {formatting.count(v['demand'])} new plans a month over the next "
        f"{v['months']} months ({v['conversion']:.2f} plans per request, issued about {v['lag_months']} months "
        f"after the request)"
    )
    if m.new_plans == "issue_rate":
        return (
            f"**What drives new plans.** The service issued {formatting.count(v['new_plans'])} plans a month over "
            f"the last {v['recent_months']} months, and the forecast carries that rate forward."
        )
    if not capacity:  # the demand view alone (new_plans="requests")
        return f"**What drives new plans.** {demand}, and the forecast follows them."
    w = m.capacity_weight
    weights = "equal weight" if w == 0.5 else f"weights of {1 - w:.2f} and {w:.2f}"
    return (
        f"**What drives new plans.** {demand}; the service issued {formatting.count(m.issue_rate)} a month over "
        f"the last {v['recent_months']} months. The forecast gives the two views {weights}: "
        f"{formatting.count(v['new_plans'])} new plans a month. A backlog moves the issue rate for months, not "
        f"years, so its weight fades to nothing between one and two years ahead."
    )


def _and(items: Sequence[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def forecast_track_record(extract, period_end, n_sims: int | None = None) -> tuple[str, pd.DataFrame | None]:
    """The caseload forecast's backtest on this extract, as a sentence of Markdown and a table: the
    scores ``sendlib forecast-backtest`` prints, from :func:`sendlib.forecast.default_backtest_origins`
    with outcomes up to ``period_end`` (no later data), ``n_sims`` paths (default
    :data:`sendlib.forecast.BACKTEST_SIMS`, as the command).

    Table (one row per months ahead): origins scored, the forecast's mean absolute % error, the best
    naive method and its error, the share of outcomes inside the forecast's 80% interval (%), and
    ``z_rms`` (1 when the intervals are as wide as the errors). Table None, and the sentence says why,
    when the extract is too short to backtest."""
    from sendlib import config, forecast

    origins = forecast.default_backtest_origins(extract, through=period_end)
    if not len(origins):
        return (
            "**Track record.** The extract is too short to backtest the forecast: an origin needs about 4-5 "
            "years of requests before it (36 months of out-of-sample errors, each with a full year of "
            "requests behind its conversion).",
            None,
        )
    sims = forecast.BACKTEST_SIMS if n_sims is None else n_sims
    model = forecast.backtest_flow_forecast(
        extract, origins, horizons=forecast.BACKTEST_HORIZONS, n_sims=sims, seed=config.DEFAULT_SEED,
        through=period_end,
    )
    base = forecast.backtest_baselines(extract, origins, horizons=forecast.BACKTEST_HORIZONS, through=period_end)
    card = forecast.flow_forecast_scorecard(model, base)
    own = card.xs(forecast.FLOW_MODEL, level="method")
    naive = card.drop(forecast.FLOW_MODEL, level="method")["mape_pct"].unstack("method")
    best = naive.idxmin(axis=1)
    table = pd.DataFrame(
        {
            "Origins": own["n"].astype(int),
            "Forecast error (MAPE)": [f"{v:.2f}%" for v in own["mape_pct"]],
            "Best naive method": [forecast.METHOD_LABELS[m] for m in best],
            "Its error (MAPE)": [f"{naive.loc[h, m]:.2f}%" for h, m in best.items()],
            "80% interval held the outcome": [f"{v:.1f}%" for v in own["coverage80_pct"]],
            "z_rms": [f"{v:.2f}" for v in own["z_rms"]],
        },
        index=pd.Index(own.index.astype(int), name="Months ahead"),
    )
    first, last = origins[0].strftime("%B %Y"), origins[-1].strftime("%B %Y")
    errors = " and ".join(f"{own.loc[h, 'mape_pct']:.2f}% {h} months ahead" for h in own.index if h >= 6)
    naive_errors = " and ".join(f"{naive.loc[h].min():.2f}%" for h in own.index if h >= 6)
    held = _and([f"{own.loc[h, 'coverage80_pct']:.1f}%" for h in own.index])
    months = _and([str(int(h)) for h in own.index])
    versus = f", against {naive_errors} for the best naive method" if errors else ""
    sentence = (
        f"**Track record.** Forecast from each of the {len(origins)} month ends from {first} to {last} with only "
        f"the data to that month, the caseload was off by {errors or 'the error in the table'} on average"
        f"{versus}. The 80% interval held the outcome {held} of the time at {months} months ahead "
        "(80% is the aim)."
    )
    return sentence, table


def _display(obj) -> None:
    from IPython.display import display

    display(obj)


def markdown(text: str) -> None:
    """Display ``text`` as Markdown (a sentence of the narrative)."""
    from IPython.display import Markdown

    _display(Markdown(text))


def artifacts_dir() -> Path | None:
    """The folder named by ``SENDLIB_REPORT_ARTIFACTS``, or None when unset or empty."""
    value = os.environ.get(ARTIFACTS_ENV, "").strip()
    return Path(value) if value else None


def slug(title: str, limit: int = 60) -> str:
    """File-name form of a title: lower case, runs of other characters as ``-``, at most 60 characters.

    ``"Active EHCPs at each month end"`` -> ``"active-ehcps-at-each-month-end"``.
    """
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return text[:limit].rstrip("-") or "chart"


def cell_value(text):
    """A displayed table cell as a JSON value: ``"1,234"`` -> 1234, ``"£16,965"`` -> 16965,
    ``"12.3%"`` -> 12.3, ``""`` or a missing value -> None; anything else (``"[c]"``, labels) stays text."""
    if formatting.is_missing(text):
        return None
    if not isinstance(text, str):
        value = text.item() if hasattr(text, "item") else text
        return value if isinstance(value, int | float | str | bool) else str(value)
    stripped = text.strip()
    if not stripped:
        return None
    number = stripped.replace("£", "", 1).removesuffix("%")
    if number.startswith("+"):
        number = number[1:]
    if _COUNT_TEXT.fullmatch(number):
        plain = number.replace(",", "")
        return float(plain) if "." in plain else int(plain)
    return text


def table_record(name: str, order: int, table: pd.DataFrame, title: str, notes: Sequence[str] = ()) -> dict:
    """The JSON object written for one displayed table (see the module docstring).

    The index becomes the first column(s) when it carries labels (it is named, or not a default
    0, 1, 2... index); cells go through :func:`cell_value`.
    """
    frame = table
    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 and index.name is None
    if not plain:
        names = [n if n is not None else "" for n in frame.index.names]  # unnamed: an empty heading
        frame = frame.rename_axis(names).reset_index()
    columns = [str(c) for c in frame.columns]
    data = [[cell_value(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return {
        "notebook": name,
        "order": order,
        "title": title,
        "notes": [str(n) for n in notes],
        "columns": columns,
        "data": data,
    }


def save_chart(fig: plt.Figure, path_stem: Path) -> list[Path]:
    """Write ``fig`` as ``<stem>.png`` (200 dpi) and ``<stem>.svg``; the SVG is byte-for-byte the same
    on every run (fixed hash salt, no date)."""
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = path_stem.with_suffix(".png"), path_stem.with_suffix(".svg")
    with mpl.rc_context({"svg.hashsalt": "sendlib", "svg.fonttype": "none"}):
        fig.savefig(png, dpi=CHART_DPI, bbox_inches="tight", metadata={"Software": None})
        fig.savefig(svg, bbox_inches="tight", metadata={"Date": None, "Creator": None})
    return [png, svg]


@dataclass
class ReportNotebook:
    """One running report notebook: its name, parameters, extract and display helpers.

    ``extract``: the loaded extract; ``period_end``: the month end reported on (a Timestamp);
    ``month``: that month in words (``"November 2024"``); ``suppress_below``: counts from 1 to
    ``suppress_below - 1`` are shown as ``[c]``.
    """

    name: str
    extract: object
    period_end: pd.Timestamp
    suppress_below: int = disclosure.DEFAULT_THRESHOLD
    source: str = SOURCE
    tables_shown: int = field(default=0, init=False)
    charts_shown: list[str] = field(default_factory=list, init=False)

    @property
    def month(self) -> str:
        """The month reported on, in words: ``"November 2024"``."""
        return formatting.month(self.period_end)

    # -- tables ------------------------------------------------------------------------------------

    def safe(self, table: pd.DataFrame, **kwargs) -> pd.DataFrame:
        """:func:`sendlib.disclosure.safe_table` at this notebook's threshold (identifiers refused,
        counts from 1 to ``suppress_below - 1`` shown as ``[c]``, with what would reveal them)."""
        return disclosure.safe_table(table, threshold=self.suppress_below, **kwargs)

    def show(self, table: pd.DataFrame, *, title: str, notes: Sequence[str] = (), **kwargs) -> None:
        """Display a disclosure-controlled table under its ``title`` (what a committee reader would call
        it), with ``notes`` under it; ``kwargs`` go to :func:`sendlib.disclosure.safe_table`.

        With ``SENDLIB_REPORT_ARTIFACTS`` set the shown table is also written as
        ``tables/<notebook>--<NN>.json``. Returns nothing (so the table is not shown twice as a cell's
        result); :meth:`safe` gives the table as shown.
        """
        shown = self.safe(table, **kwargs)
        self.tables_shown += 1
        markdown(f"**{title}**")
        _display(shown)
        if notes:
            markdown("\n".join(f"- {n}" for n in notes))
        folder = artifacts_dir()
        if folder is not None:
            record = table_record(self.name, self.tables_shown, shown, title, notes)
            target = folder / "tables" / f"{self.name}--{self.tables_shown:02d}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def show_cost_table(self, table: pd.DataFrame, *, title: str, notes: Sequence[str] = ()) -> None:
        """A cost-per-place table with the columns ``Placements``, ``With a recorded cost`` (counts),
        ``Mean cost per place`` and ``Committed cost`` (pounds a year). The money is about the placements
        with a recorded cost, so it is hidden when either count is small; the "With a recorded cost"
        column is shown only when some cost is blank."""
        counts = ["Placements", "With a recorded cost"]
        if (table["Placements"] == table["With a recorded cost"]).all():
            table, counts = table.drop(columns="With a recorded cost"), counts[:1]
        money = ["Mean cost per place", "Committed cost"]
        self.show(
            table, title=title, notes=notes, counts=counts, money=money, dependents=dict.fromkeys(money, counts)
        )

    # -- charts ------------------------------------------------------------------------------------

    def chart(self, fig: plt.Figure, title: str) -> None:
        """Show ``fig`` inline (PNG) and close it; ``title`` names the chart in the committee pack.

        With ``SENDLIB_REPORT_ARTIFACTS`` set it is also saved as ``charts/<notebook>--<slug>.png``
        (200 dpi) and ``.svg``, slug = :func:`slug` of ``title``.
        """
        name = slug(title)  # re-running a cell (in JupyterLab) shows the chart again under the same name
        self.charts_shown.append(name)
        folder = artifacts_dir()
        if folder is not None:
            save_chart(fig, folder / "charts" / f"{self.name}--{name}")
        _display(fig)
        plt.close(fig)

    # -- phrases -----------------------------------------------------------------------------------

    def count_phrase(self, n, *, hidden: bool = False) -> str:
        """A count for a sentence: ``"1,234"``; ``"fewer than 5"`` when it is from 1 to
        ``suppress_below - 1``; ``"[c]"`` when ``hidden`` to protect another count."""
        return disclosure.count_phrase(n, self.suppress_below, hidden=hidden)

    def hidden(self, figures: Mapping[str, float]) -> set[str]:
        """Which headline figures are hidden at this threshold, as in ``headlines.csv`` (small counts and
        the figures that would give them back)."""
        suppressed_headlines = _report_functions()[1]
        return set(suppressed_headlines(dict(figures), self.suppress_below))


def setup(name: str, *, data_dir, period: str, suppress_below: int = disclosure.DEFAULT_THRESHOLD) -> ReportNotebook:
    """Start report notebook ``name`` (its file name without ``.ipynb``): set the chart theme, load the
    extract in ``data_dir`` (from the project root when relative) and parse ``period`` (``YYYY-MM``,
    the month reported on)."""
    load_for_report = _report_functions()[0]
    plots.apply_theme()
    extract = load_for_report(data_dir)
    return ReportNotebook(
        name=name, extract=extract, period_end=periods.parse_period(period), suppress_below=int(suppress_below)
    )


# ---------------------------------------------------------------------------------------------------
# Phrases for the narrative (numbers through sendlib.formatting)
# ---------------------------------------------------------------------------------------------------

def change_phrase(
    value: float, kind: str = "count", up: str = "rose", down: str = "fell", unchanged: str = "was unchanged"
) -> str:
    """A change in words: ``-80`` pounds -> ``"fell by £80"``, ``12`` -> ``"rose by 12"``, a change that
    rounds to nothing -> ``unchanged``; ``percent`` changes read as percentage points
    (``"rose by 1.2 percentage points"``). Missing -> ``"is not available"``."""
    return plots.change_phrase(value, kind, up=up, down=down, unchanged=unchanged)

