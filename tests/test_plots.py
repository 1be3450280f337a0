"""The chart module: theme, number formats, one function per chart, source notes, determinism."""

from __future__ import annotations

import hashlib
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sendlib import plots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _monthly(values, start="2024-01-31"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="ME"), name="EHCPs")


def test_palette_is_the_analysis_function_categorical_palette():
    assert plots.PALETTE[:6] == ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
    plots.apply_theme()
    colours = [c.upper() for c in matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert colours[:6] == list(plots.PALETTE)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(16965.4, "£16,965"), (-80, "-£80"), (0, "£0")],
)
def test_format_pounds(value, expected):
    assert plots.format_pounds(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (950, "£950"),
        (12_300, "£12.3k"),
        (20_000_000, "£20m"),
        (20_140_000, "£20.1m"),
        (1.2e9, "£1.2bn"),
        (-5_500, "-£5.5k"),
    ],
)
def test_format_pounds_short(value, expected):
    assert plots.format_pounds_short(value) == expected


def test_format_count_and_percent():
    assert plots.format_count(9754) == "9,754"
    assert plots.format_percent(46.44) == "46.4%"


def _texts(fig):
    return [t.get_text() for t in fig.texts]


def test_trend_chart_has_title_units_note_and_plan():
    s = _monthly([100, 110, 120])
    plan = _monthly([95, 105, 115]).rename("plan")
    band = pd.DataFrame(
        {"lower": [118, 119], "upper": [125, 130]}, index=pd.date_range("2024-04-30", periods=2, freq="ME")
    )
    fc = pd.Series([121, 124], index=band.index, name="Forecast")
    fig = plots.trend_chart(
        s,
        title="EHCPs rose by 20",
        ylabel="EHCPs (count)",
        source="LA extract",
        period="Jan-Mar 2024",
        plan=plan,
        forecast=fc,
        interval=band,
    )
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == "EHCPs rose by 20"
    assert ax.get_ylabel() == "EHCPs (count)"
    assert any(t.startswith("Source: LA extract.") and "Period: Jan-Mar 2024." in t for t in _texts(fig))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["EHCPs", "80% interval", "Forecast", "Plan"]
    # thousands formatting on the y axis
    assert ax.yaxis.get_major_formatter()(12345, 0) == "12,345"


def test_bar_chart_grouped_and_stacked():
    frame = pd.DataFrame(
        {"setting": ["A", "A", "B", "B"], "sector": ["x", "y", "x", "y"], "plans": [1, 2, 3, 4]}
    )
    fig = plots.bar_chart(
        frame,
        x="setting",
        y="plans",
        hue="sector",
        stacked=True,
        title="t",
        ylabel="Plans",
        source="s",
        period="p",
    )
    ax = fig.axes[0]
    # stacked: the top of the bars for B is 3 + 4 = 7
    tops = sorted(p.get_y() + p.get_height() for p in ax.patches)
    assert tops[-1] == pytest.approx(7)
    fig2 = plots.bar_chart(
        frame[frame.sector == "x"],
        x="setting",
        y="plans",
        title="t",
        ylabel="Plans",
        source="s",
        period="p",
        horizontal=True,
        kind="pounds",
    )
    assert fig2.axes[0].xaxis.get_major_formatter()(2000, 0) == "£2,000"
    assert fig2.axes[0].xaxis.get_major_formatter()(2_500_000, 0) == "£2.5m"


def test_waterfall_checks_that_steps_add_up():
    # 17,045 - 60 (mix) - 25 (rate) + 5 (interaction) = 16,965
    fig = plots.waterfall_chart(
        ("October", 17045.0),
        {"Mix": -60.0, "Rate": -25.0, "Interaction": 5.0},
        ("November", 16965.0),
        title="t",
        ylabel="£ per EHCP",
        source="s",
        period="p",
    )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "October",
        "Mix",
        "Rate",
        "Interaction",
        "November",
    ]
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["£17,045", "-£60", "-£25", "+£5", "£16,965"]
    with pytest.raises(ValueError, match="sum"):
        plots.waterfall_chart(
            ("a", 10.0), {"x": 1.0}, ("b", 12.0), title="t", ylabel="y", source="s", period="p"
        )


def test_small_multiples_highlights_one_group():
    frame = pd.DataFrame(
        {
            "year": [2022, 2023, 2022, 2023] * 2,
            "value": [1, 2, 3, 4, 5, 6, 7, 8],
            "area": ["878", "878", "X", "X"] * 2,
            "measure": ["EHCPs"] * 4 + ["Timeliness"] * 4,
        }
    )
    fig = plots.small_multiples(
        frame,
        x="year",
        y="value",
        panel="measure",
        group="area",
        highlight="878",
        title="t",
        ylabel="v",
        source="s",
        period="p",
    )
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in visible] == ["EHCPs", "Timeliness"]
    thick = [ln for ln in visible[0].lines if ln.get_label() == "878"]
    assert len(thick) == 1 and thick[0].get_color().upper() == plots.DARK_BLUE


def test_charts_are_deterministic_png():
    def render():
        fig = plots.trend_chart(_monthly([1, 2, 3]), title="t", ylabel="y", source="s", period="p")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        return hashlib.sha256(buf.getvalue()).hexdigest()

    assert render() == render()


def _tick_boxes(fig, ax):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]


@pytest.mark.parametrize("months", [12, 24, 36, 40])
def test_time_axis_month_labels_do_not_overlap(months):
    # the caseload chart: 24 months of actuals and 16 of forecast on one axis
    actual = _monthly(list(range(months)), start="2022-12-31")
    fig = plots.trend_chart(actual, title="t", ylabel="y", source="s", period="p")
    ax = fig.axes[0]
    boxes = _tick_boxes(fig, ax)
    assert 3 <= len(boxes) <= plots.MAX_DATE_TICKS
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left.x1 < right.x0, "two month labels overlap"
    # the year is written at least once, so a reader can place the months
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert any(label.isdigit() and len(label) == 4 for label in labels), labels


def test_old_axis_without_locator_would_overlap_month_labels():
    """The check above can fail: one label per month (what a category axis of 40 months gives) overlaps."""
    actual = _monthly(list(range(40)), start="2022-12-31")
    fig, ax = plt.subplots(figsize=plots.FIGSIZE)
    ax.plot(actual.index, actual.to_numpy())
    ax.set_xticks(actual.index, [f"{d:%b %Y}" for d in actual.index])
    boxes = _tick_boxes(fig, ax)
    assert any(left.x1 >= right.x0 for left, right in zip(boxes, boxes[1:], strict=False))


def test_bar_chart_slants_many_category_labels_so_they_do_not_overlap():
    frame = pd.DataFrame({"month": [f"{m} 24" for m in "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()],
                          "count": range(12)})
    fig = plots.bar_chart(frame, x="month", y="count", title="t", ylabel="y", source="s", period="p")
    ax = fig.axes[0]
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {45.0}
    # slanted text: the horizontal gap between the anchors is wider than each label's height
    boxes = _tick_boxes(fig, ax)
    step = boxes[1].x0 - boxes[0].x0
    height = max(b.height for b in boxes) * 0.71  # the label's thickness across the 45 degree slant
    assert step > height


def test_number_formats_are_sendlib_formatting():
    from sendlib import formatting

    for v in (-0.3, 1_234_567.5, 2.5, 999.96, -5_500):
        assert plots.format_pounds(v) == formatting.pounds(v)
        assert plots.format_pounds_short(v) == formatting.pounds_short(v)
        assert plots.format_count(v) == formatting.count(v)
        assert plots.format_percent(v) == formatting.percent(v)
    assert plots.format_pounds(-0.3) == "£0"  # never "-£0"
