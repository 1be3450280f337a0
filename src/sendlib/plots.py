"""One chart style for every sendlib output: a seaborn theme and one function per standard chart.

The style follows the Government Analysis Function's guidance on data visualisation: an accessible
categorical palette used in a fixed order, no chart junk, a title that states the finding (the caller
writes it from the numbers), axes labelled with their units, and a note under every chart giving the
source and the period. Numbers follow :mod:`sendlib.formatting`: money as ``£12,345`` (or ``£1.2m``),
counts with thousands separators; time axes label at most eight months, concisely (``Jan``, ``Jul``,
with the year at its first tick), so the labels never overlap.

Determinism: charts carry no dates or random state. Notebooks embed them as PNG (matplotlib writes no
timestamp into PNG metadata); nbval does not compare image data (see ``tests/nbval_sanitize.cfg``), so
committed notebooks are checked on their text, tables and numbers. :func:`apply_theme` also fixes
``svg.hashsalt`` and drops the SVG date so an SVG export is byte-stable.

Every chart function returns the :class:`matplotlib.figure.Figure` and never calls ``plt.show``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.ticker import FuncFormatter

from sendlib import formatting

#: Analysis Function categorical palette, in the order colours are assigned.
PALETTE: tuple[str, ...] = (
    "#12436D",  # dark blue
    "#28A197",  # turquoise
    "#801650",  # dark pink
    "#F46A25",  # orange
    "#3D3D3D",  # dark grey
    "#A285D1",  # light purple
)
DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE = PALETTE
#: Light grey for gridlines and secondary context.
LIGHT_GREY = "#BFBFBF"
#: Colours for increases and decreases in a waterfall.
UP, DOWN = DARK_PINK, TURQUOISE

FIGSIZE = (8.0, 4.5)


def apply_theme() -> None:
    """Set the sendlib chart theme (seaborn ``whitegrid`` + the Analysis Function palette), idempotent."""
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=list(PALETTE),
        font="sans-serif",
        rc={
            "figure.figsize": FIGSIZE,
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "savefig.bbox": "tight",
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelsize": 11,
            "axes.edgecolor": DARK_GREY,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "grid.color": "#E5E5E5",
            "legend.frameon": False,
            "svg.hashsalt": "sendlib",
            "svg.fonttype": "none",
            "font.sans-serif": ["Arial", "Liberation Sans", "DejaVu Sans"],
        },
    )
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=list(PALETTE))


# ---------------------------------------------------------------------------------------------------
# Number formats
# ---------------------------------------------------------------------------------------------------


def format_pounds(value: float, decimals: int = 0) -> str:
    """``16965.4`` -> ``"£16,965"``; negative as ``"-£80"`` (``-0.3`` -> ``"£0"``): :func:`sendlib.formatting.pounds`."""
    return formatting.pounds(value, decimals)


def format_pounds_short(value: float) -> str:
    """Compact pounds for axes and labels: ``£950``, ``£12.3k``, ``£20.1m``, ``£1.2bn``
    (:func:`sendlib.formatting.pounds_short`)."""
    return formatting.pounds_short(value)


def format_count(value: float) -> str:
    """``9754`` -> ``"9,754"`` (:func:`sendlib.formatting.count`)."""
    return formatting.count(value)


def format_percent(value: float, decimals: int = 1) -> str:
    """Per cent already on a 0-100 scale: ``12.345`` -> ``"12.3%"`` (:func:`sendlib.formatting.percent`)."""
    return formatting.percent(value, decimals)


_FORMATTERS = {
    "count": lambda v, _pos=None: format_count(v),
    "pounds": lambda v, _pos=None: format_pounds(v) if abs(v) < 100_000 else format_pounds_short(v),
    "percent": lambda v, _pos=None: format_percent(v, 0),
}


def format_axis(ax: plt.Axes, kind: str = "count", axis: str = "y") -> plt.Axes:
    """Tick labels as counts (``9,754``), pounds (``£16,900``; ``£20.1m`` from £100,000) or per cent."""
    if kind not in _FORMATTERS:
        raise ValueError(f"kind must be one of {sorted(_FORMATTERS)}, not {kind!r}")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(_FORMATTERS[kind]))
    return ax


#: At most this many labelled ticks on a time axis (month labels never overlap at the chart's width).
MAX_DATE_TICKS = 8


def format_date_axis(ax: plt.Axes, max_ticks: int = MAX_DATE_TICKS) -> plt.Axes:
    """Month labels on a time x-axis that do not overlap: at most ``max_ticks`` ticks chosen by
    matplotlib's :class:`~matplotlib.dates.AutoDateLocator`, labelled concisely (``Jan``, ``Apr``... with
    the year once, e.g. ``2024`` at its first tick)."""
    locator = AutoDateLocator(minticks=min(5, max_ticks), maxticks=max_ticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))
    ax.tick_params(axis="x", labelrotation=0)
    return ax


def add_source_note(fig: plt.Figure, source: str, period: str | None = None, note: str | None = None) -> None:
    """Write "Source: ... Period: ... Note: ..." under the chart, left-aligned, in grey."""
    parts = [f"Source: {source}."]
    if period:
        parts.append(f"Period: {period}.")
    if note:
        parts.append(note if note.endswith(".") else note + ".")
    fig.text(0.01, -0.02, " ".join(parts), ha="left", va="top", fontsize=9, color=DARK_GREY, wrap=True)


def _finish(fig, ax, title, ylabel, xlabel, source, period, note, kind):
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel or "")
    format_axis(ax, kind)
    add_source_note(fig, source, period, note)
    # no fig.tight_layout(): one axes needs none, and saving with bbox_inches="tight" (the notebook
    # inline backend does) crops to the title, labels and note; it would cost a second full layout.
    return fig


# ---------------------------------------------------------------------------------------------------
# Standard charts
# ---------------------------------------------------------------------------------------------------


def trend_chart(
    series: pd.Series | Mapping[str, pd.Series],
    *,
    title: str,
    ylabel: str,
    source: str,
    period: str,
    plan: pd.Series | None = None,
    plan_label: str = "Plan",
    forecast: pd.Series | None = None,
    interval: pd.DataFrame | None = None,
    interval_label: str = "80% interval",
    kind: str = "count",
    note: str | None = None,
    xlabel: str | None = "Month end",
    ymin: float | None = None,
) -> plt.Figure:
    """Line over time (index = dates), optionally against a plan/target line and a forecast with a band.

    ``series``: one Series (named by its ``name``) or a mapping label -> Series for several lines.
    ``plan``: dotted orange target line. ``forecast``: dashed continuation, joined to the last actual
    point. ``interval``: frame with ``lower`` and ``upper`` columns drawn as a ribbon. ``kind``: ``count``/``pounds``/``percent`` ticks.
    """
    apply_theme()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    lines = series if isinstance(series, Mapping) else {series.name or "Actual": series}
    if len(lines) == 1:  # join the forecast (and its band) to the last actual point
        last = next(iter(lines.values())).dropna()
        if len(last) and forecast is not None and len(forecast) and forecast.index[0] > last.index[-1]:
            forecast = pd.concat([pd.Series([last.iloc[-1]], index=last.index[-1:]), forecast]).rename(
                forecast.name
            )
            if interval is not None and len(interval) and interval.index[0] > last.index[-1]:
                joint = pd.DataFrame(
                    {"lower": [last.iloc[-1]], "upper": [last.iloc[-1]]}, index=last.index[-1:]
                )
                interval = pd.concat([joint, interval[["lower", "upper"]]])
    for (label, s), colour in zip(lines.items(), PALETTE, strict=False):
        ax.plot(s.index, s.to_numpy(dtype=float), color=colour, linewidth=2.2, label=str(label))
    if interval is not None and len(interval):
        ax.fill_between(
            interval.index,
            interval["lower"].to_numpy(dtype=float),
            interval["upper"].to_numpy(dtype=float),
            color=TURQUOISE,
            alpha=0.2,
            linewidth=0,
            label=interval_label,
        )
    if forecast is not None and len(forecast):
        ax.plot(
            forecast.index,
            forecast.to_numpy(dtype=float),
            color=TURQUOISE,
            linewidth=2.2,
            linestyle="--",
            label=str(forecast.name or "Forecast"),
        )
    if plan is not None and len(plan):
        ax.plot(
            plan.index,
            plan.to_numpy(dtype=float),
            color=ORANGE,
            linewidth=1.8,
            linestyle=":",
            label=plan_label,
        )
    if ymin is not None:
        ax.set_ylim(bottom=ymin)
    if len(lines) > 1 or plan is not None or forecast is not None or interval is not None:
        ax.legend(loc="best")
    if all(isinstance(s.index, pd.DatetimeIndex) for s in lines.values()):
        format_date_axis(ax)
    return _finish(fig, ax, title, ylabel, xlabel, source, period, note, kind)


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    ylabel: str,
    source: str,
    period: str,
    hue: str | None = None,
    stacked: bool = False,
    horizontal: bool = False,
    kind: str = "count",
    note: str | None = None,
    xlabel: str | None = None,
    order: Sequence | None = None,
) -> plt.Figure:
    """Bars of ``y`` by category ``x`` (e.g. setting), grouped or ``stacked`` by ``hue``.

    Long input: one row per (x, hue). With ``horizontal`` the categories run down the side (better for
    long labels) and the value axis is x.
    """
    apply_theme()
    fig, ax = plt.subplots(figsize=FIGSIZE)
    if hue is None:
        data = frame.set_index(x)[y]
        if order is not None:
            data = data.reindex(order)
        wide = data.to_frame(y)
    else:
        wide = frame.pivot_table(index=x, columns=hue, values=y, aggfunc="sum", sort=False, observed=True)
        if order is not None:
            wide = wide.reindex(order)
    wide = wide.fillna(0.0)
    wide.plot(
        kind="barh" if horizontal else "bar",
        stacked=stacked,
        ax=ax,
        color=list(PALETTE)[: wide.shape[1]],
        width=0.75,
        legend=hue is not None,
    )
    if hue is not None:  # beside the plot, clear of the bars
        ax.legend(title=None, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if horizontal:
        ax.invert_yaxis()
        ax.set_title(title)
        ax.set_xlabel(ylabel)
        ax.set_ylabel(xlabel or "")
        format_axis(ax, kind, axis="x")
        add_source_note(fig, source, period, note)
        return fig
    if len(wide) > MAX_DATE_TICKS:  # many categories (e.g. twelve months): slanted so they do not overlap
        ax.tick_params(axis="x", labelrotation=45)
        for text in ax.get_xticklabels():
            text.set_horizontalalignment("right")
            text.set_rotation_mode("anchor")
        fig.subplots_adjust(bottom=0.25)  # room for the slanted labels above the source note
    else:
        ax.tick_params(axis="x", labelrotation=0)
    return _finish(fig, ax, title, ylabel, xlabel, source, period, note, kind)


def waterfall_chart(
    start: tuple[str, float],
    steps: Mapping[str, float],
    end: tuple[str, float],
    *,
    title: str,
    ylabel: str,
    source: str,
    period: str,
    kind: str = "pounds",
    note: str | None = None,
) -> plt.Figure:
    """Decomposition waterfall: a start bar, one floating bar per step (increase pink, decrease
    turquoise), an end bar. The steps must sum to ``end - start`` (checked to 1e-6 relative)."""
    apply_theme()
    total_steps = float(sum(steps.values()))
    if not np.isclose(start[1] + total_steps, end[1], rtol=1e-6, atol=1e-6):
        raise ValueError(f"steps sum to {total_steps:,.2f} but end - start is {end[1] - start[1]:,.2f}")
    labels = [start[0], *steps.keys(), end[0]]
    bottoms, heights, colours = [0.0], [start[1]], [DARK_BLUE]
    level = start[1]
    for value in steps.values():
        bottoms.append(level if value >= 0 else level + value)
        heights.append(abs(value))
        colours.append(UP if value >= 0 else DOWN)
        level += value
    bottoms.append(0.0)
    heights.append(end[1])
    colours.append(DARK_BLUE)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    xs = np.arange(len(labels))
    ax.bar(xs, heights, bottom=bottoms, color=colours, width=0.6)
    fmt = format_pounds if kind == "pounds" else format_count
    values = [start[1], *steps.values(), end[1]]
    for xpos, b, h, v, is_step in zip(
        xs, bottoms, heights, values, [False, *([True] * len(steps)), False], strict=True
    ):
        txt = (("+" if v >= 0 else "-") + fmt(abs(v))) if is_step else fmt(v)
        ax.text(xpos, b + h, txt, ha="center", va="bottom", fontsize=10, color=DARK_GREY)
    ax.set_xticks(xs, labels)
    lo = min(min(bottoms[1:-1] or [start[1]]), start[1], end[1])
    hi = max(b + h for b, h in zip(bottoms, heights, strict=True))
    span = max(hi - lo, abs(hi) * 0.01, 1.0)
    ax.set_ylim(max(0.0, lo - span * 1.5), hi + span * 0.6)
    ax.grid(axis="x", visible=False)
    return _finish(fig, ax, title, ylabel, None, source, period, note, kind)


def small_multiples(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    panel: str,
    title: str,
    ylabel: str,
    source: str,
    period: str,
    highlight: str | None = None,
    group: str | None = None,
    col_wrap: int = 3,
    kind: str = "count",
    note: str | None = None,
    sharey: bool = False,
) -> plt.Figure:
    """One small panel per value of ``panel`` (e.g. per measure), lines of ``y`` over ``x``.

    With ``group`` (e.g. area) each panel draws one line per group: the ``highlight`` group in dark
    blue and thick, the others in light grey, so the LA stands out against its neighbours.
    """
    apply_theme()
    panels = list(dict.fromkeys(frame[panel]))
    ncols = min(col_wrap, max(1, len(panels)))
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.0 * ncols, 3.0 * nrows), sharey=sharey, squeeze=False)
    for ax, name in zip(axes.flat, panels, strict=False):
        sub = frame[frame[panel] == name]
        if group is None:
            ax.plot(sub[x], sub[y], color=DARK_BLUE, linewidth=2)
        else:
            for g, gsub in sub.groupby(group, sort=True):
                is_hi = highlight is not None and str(g) == str(highlight)
                if not is_hi:
                    ax.plot(gsub[x], gsub[y], color=LIGHT_GREY, linewidth=1)
            if highlight is not None:
                hsub = sub[sub[group].astype(str) == str(highlight)]
                ax.plot(hsub[x], hsub[y], color=DARK_BLUE, linewidth=2.4, label=str(highlight))
        ax.set_title(textwrap.fill(str(name), 38), fontsize=10, loc="left")
        ax.set_xlabel("")
        format_axis(ax, kind)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    axes.flat[0].set_ylabel(ylabel)
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    fig.tight_layout()
    add_source_note(fig, source, period, note)
    return fig


# ---------------------------------------------------------------------------------------------------
# Words for charts and tables
# ---------------------------------------------------------------------------------------------------

#: Display labels for sendlib's codes (sectors, groups, backlog stages and bands, needs fall back to
#: :data:`sendlib.schema.PRIMARY_NEEDS`, settings to their SEN2 labels).
LABELS: dict[str, str] = {
    "maintained": "LA maintained",
    "academy": "Academy and free school",
    "independent": "Independent",
    "non_maintained": "Non-maintained",
    "fe": "Further education",
    "other": "Other arrangements",
    "mainstream": "Mainstream school",
    "special": "Special school",
    "ap": "Alternative provision",
    "elsewhere": "Elsewhere (home, NEET, other)",
    "early_years": "Early years",
    "unknown": "Not known",
    "no_placement": "No current placement",
    "awaiting_decision": "Awaiting decision to assess",
    "assessing": "Assessing",
    "drafting": "Drafting or issuing",
    "20-26": "20 to 26 weeks",
    "26-39": "26 to 39 weeks",
    "39-52": "39 to 52 weeks",
    "over 52": "Over 52 weeks",
    "inmss": "Independent and non-maintained special schools",
}


def label(code) -> str:
    """A reader's label for a sendlib code: setting, need, sector, group, stage or age band."""
    from sendlib import schema

    text = str(code)
    if text in LABELS:
        return LABELS[text]
    if text in schema.SETTINGS:
        return schema.SETTINGS[text].label
    if text in schema.PRIMARY_NEEDS:
        return schema.PRIMARY_NEEDS[text]
    return text.replace("_", " ").capitalize()


def change_phrase(value: float, kind: str = "count", up: str = "rose", down: str = "fell",
                  unchanged: str = "was unchanged") -> str:
    """``-80`` (pounds) -> ``"fell by £80"``; ``0`` -> ``unchanged`` (``"was unchanged"``); counts and per
    cent alike (per cent changes read as percentage points)."""
    if value is None or value != value:
        return "is not available"
    fmt = {
        "pounds": format_pounds,
        "count": format_count,
        "percent": lambda v: f"{formatting.percent(v).removesuffix('%')} percentage points",
    }[kind]
    if kind == "count" and round(value) == 0 or kind != "count" and abs(value) < 0.05:
        return unchanged
    return f"{up if value > 0 else down} by {fmt(abs(value))}"
