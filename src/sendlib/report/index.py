"""``index.html``: the headline paragraph, a link to each notebook's HTML and ipynb, ``tables.xlsx``
and each chart grouped by notebook. The page is the Jinja2 template ``templates/index.html`` (shipped
with the package)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sendlib import formatting, periods
from sendlib.report.charts import FORMATS, Chart
from sendlib.report.run import NotebookRun

TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_index(
    out_dir: Path,
    period: str,
    runs: list[NotebookRun],
    titles: Mapping[str, str],
    *,
    charts: Mapping[str, list[Chart]] | None = None,
    tables_file: str | None = None,
    n_tables: int = 0,
) -> str:
    """The page's HTML (values escaped by the template engine)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    md = out_dir / "headlines.md"
    paragraph = []
    if md.exists():
        paragraph = [ln for ln in md.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    rows = [{"name": r.name, "status": r.status, "message": r.message, "title": titles.get(r.name, r.name)}
            for r in runs]
    return env.get_template("index.html").render(
        month=formatting.month(periods.parse_period(period)),
        paragraph=paragraph,
        runs=rows,
        titles=titles,
        charts=dict(charts or {}),
        formats=FORMATS,
        tables_file=tables_file,
        n_tables=n_tables,
        headlines_csv=(out_dir / "headlines.csv").exists(),
    )


def write_index(out_dir: Path, period: str, runs: list[NotebookRun], titles: Mapping[str, str], **kw) -> None:
    """Write ``index.html`` into ``out_dir`` (see :func:`render_index`)."""
    (out_dir / "index.html").write_text(render_index(out_dir, period, runs, titles, **kw), encoding="utf-8")
