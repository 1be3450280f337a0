"""The month's charts as files: ``reports/<period>/charts/<notebook>--<slug>.png`` (for Word) and
``.svg``, copied from what the notebooks wrote under ``<artifacts>/charts/`` during the refresh
(:data:`sendlib.report.tables.ARTIFACTS_ENV`), and linked from each notebook's HTML copy and from
``index.html``.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

#: A chart file name: ``<notebook>--<slug>.<png|svg>`` (letters, digits, ``_``, ``-`` and ``.`` only).
CHART_FILE = re.compile(r"^(?P<notebook>[A-Za-z0-9_.-]+?)--(?P<slug>[A-Za-z0-9_.-]+)\.(?P<ext>png|svg)$")

FORMATS = ("png", "svg")


@dataclass
class Chart:
    """One chart: its notebook, slug and the file names (relative to the report folder) per format."""

    notebook: str
    slug: str
    files: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The slug in words: ``"average-cost-by-setting"`` -> ``"Average cost by setting"``."""
        words = re.sub(r"[-_]+", " ", self.slug).strip()
        return words[:1].upper() + words[1:]


def copy_charts(artifacts_dir: Path | None, out_dir: Path) -> dict[str, list[Chart]]:
    """Copy ``<artifacts_dir>/charts/*.png|svg`` to ``<out_dir>/charts/``; charts by notebook (sorted).

    Files not named ``<notebook>--<slug>.png|svg`` are left out.
    """
    src = None if artifacts_dir is None else Path(artifacts_dir) / "charts"
    if src is None or not src.is_dir():
        return {}
    charts: dict[tuple[str, str], Chart] = {}
    dest = out_dir / "charts"
    for path in sorted(src.iterdir()):
        m = CHART_FILE.match(path.name)
        if not m or not path.is_file() or path.is_symlink():
            continue
        dest.mkdir(exist_ok=True)
        shutil.copyfile(path, dest / path.name)
        chart = charts.setdefault((m["notebook"], m["slug"]), Chart(m["notebook"], m["slug"]))
        chart.files[m["ext"]] = f"charts/{path.name}"
    out: dict[str, list[Chart]] = {}
    for (notebook, _), chart in sorted(charts.items()):
        out.setdefault(notebook, []).append(chart)
    return out


def chart_links(charts: list[Chart], prefix: str = "") -> str:
    """An HTML list linking each chart's PNG and SVG (``prefix`` before each file name)."""
    items = []
    for c in charts:
        links = " · ".join(
            f'<a href="{html.escape(prefix + c.files[f])}">{f.upper()}</a>' for f in FORMATS if f in c.files
        )
        items.append(f"<li>{html.escape(c.title)}: {links}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def link_charts_in_html(html_path: Path, charts: list[Chart]) -> None:
    """Append a short list of the notebook's chart files (PNG for Word, SVG) to its HTML copy."""
    if not charts or not html_path.is_file():
        return
    page = html_path.read_text(encoding="utf-8")
    section = (
        '<section id="sendlib-chart-files" style="max-width:60rem;margin:2rem auto;padding:0 1rem">'
        "<h2>Chart files</h2><p>Each chart of this page as a picture for Word (PNG) and as SVG.</p>"
        f"{chart_links(charts)}</section>\n"
    )
    at = page.rfind("</body>")
    page = page[:at] + section + page[at:] if at >= 0 else page + section
    html_path.write_text(page, encoding="utf-8")
