"""sendlib.notebook: the committee-pack artifacts (tables as JSON, charts as PNG and SVG) written only
when SENDLIB_REPORT_ARTIFACTS is set; and sendlib.notebook_list, the list of report notebooks."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sendlib import notebook, plots
from sendlib.errors import UsageError
from sendlib.notebook_list import REPORT_LIST, report_notebooks


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    shown = []
    monkeypatch.setattr(notebook, "_display", shown.append)
    monkeypatch.delenv(notebook.ARTIFACTS_ENV, raising=False)
    yield shown
    plt.close("all")


def _nb(name="01_average_cost", threshold=5):
    return notebook.ReportNotebook(name=name, extract=None, period_end=pd.Timestamp("2024-11-30"),
                                   suppress_below=threshold)


def _by_setting():
    # counts by hand: 12 placements (all costed), 3 (fewer than 5: hidden, with its money)
    return pd.DataFrame(
        {
            "Placements": [12, 3],
            "With a recorded cost": [12, 3],
            "Mean cost per place": [20_500.0, 41_000.0],
            "Committed cost": [246_000.0, 123_000.0],
        },
        index=pd.Index(["Mainstream school", "Special school"], name="Type of setting"),
    )


def test_tables_are_written_in_order_with_titles_and_suppressed_cells(tmp_path, monkeypatch):
    monkeypatch.setenv(notebook.ARTIFACTS_ENV, str(tmp_path))
    nb = _nb()
    nb.show_cost_table(_by_setting(), title="Cost per place by type of setting", notes=["Pounds a year."])
    plain = pd.DataFrame({"Measure": ["Plans"], "Count": [1_234]})  # default index: not written
    nb.show(plain, counts=["Count"], title="Second table")
    first = json.loads((tmp_path / "tables" / "01_average_cost--01.json").read_text())
    assert first == {
        "notebook": "01_average_cost",
        "order": 1,
        "title": "Cost per place by type of setting",
        "notes": ["Pounds a year."],
        # the recorded-cost column equals Placements, so it is not shown; the index is a column
        "columns": ["Type of setting", "Placements", "Mean cost per place", "Committed cost"],
        "data": [["Mainstream school", 12, 20500, 246000], ["Special school", "[c]", "[c]", "[c]"]],
    }
    second = json.loads((tmp_path / "tables" / "01_average_cost--02.json").read_text())
    assert second["order"] == 2 and second["columns"] == ["Measure", "Count"]
    assert second["data"] == [["Plans", 1234]]
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == [
        "01_average_cost--01.json", "01_average_cost--02.json"
    ]


def test_shown_table_has_its_title_and_refuses_identifiers(_quiet):
    nb = _nb()
    nb.show(_by_setting()[["Placements"]], counts=["Placements"], title="Placements by setting")
    assert "Placements by setting" in _quiet[0].data  # the title is displayed above the table
    assert list(_quiet[1]["Placements"]) == ["12", "[c]"]
    with pytest.raises(Exception, match="plan_id"):
        nb.show(pd.DataFrame({"plan_id": ["P1"], "n": [7]}), counts=["n"], title="t")


def test_cell_values_as_json():
    assert [notebook.cell_value(v) for v in ("1,234", "£16,965", "-£80", "12.3%", "+43", "[c]", "", None)] == [
        1234, 16965, -80, 12.3, 43, "[c]", None, None
    ]
    assert notebook.cell_value("Special school") == "Special school"


def _figure():
    s = pd.Series([1.0, 3.0, 2.0], index=pd.date_range("2024-01-31", periods=3, freq="ME"), name="EHCPs")
    return plots.trend_chart(s, title="Active EHCPs rose", ylabel="Plans", source="s", period="p")


def test_charts_saved_as_png_and_reproducible_svg(tmp_path, monkeypatch, _quiet):
    monkeypatch.setenv(notebook.ARTIFACTS_ENV, str(tmp_path / "a"))
    _nb("04_caseload_and_budget").chart(_figure(), "Active EHCPs at each month end!")
    monkeypatch.setenv(notebook.ARTIFACTS_ENV, str(tmp_path / "b"))
    _nb("04_caseload_and_budget").chart(_figure(), "Active EHCPs at each month end!")
    stem = "charts/04_caseload_and_budget--active-ehcps-at-each-month-end"
    png = (tmp_path / "a" / f"{stem}.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    svg_a = (tmp_path / "a" / f"{stem}.svg").read_bytes()
    assert svg_a == (tmp_path / "b" / f"{stem}.svg").read_bytes()
    assert b"<dc:date>" not in svg_a
    assert len(_quiet) == 2  # displayed inline each time


def test_nothing_written_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nb = _nb()
    nb.show_cost_table(_by_setting(), title="t")
    nb.chart(_figure(), "A chart")
    assert list(tmp_path.iterdir()) == []


def test_slug():
    assert notebook.slug("Active EHCPs at each month end") == "active-ehcps-at-each-month-end"
    assert notebook.slug("  Spend: £ vs. budget (2024-25)  ") == "spend-vs-budget-2024-25"
    assert len(notebook.slug("x" * 100)) == 60


# ---------------------------------------------------------------------------------------------------
# the report list
# ---------------------------------------------------------------------------------------------------


def _folder(tmp_path, names, listed):
    for n in names:
        (tmp_path / f"{n}.ipynb").write_text("{}")
    (tmp_path / REPORT_LIST).write_text("notebooks = [" + ", ".join(f'"{n}"' for n in listed) + "]\n")
    return tmp_path


def test_report_notebooks_follow_the_list_not_the_folder(tmp_path):
    folder = _folder(tmp_path, ["b_second", "a_first", "Untitled"], ["b_second", "a_first"])
    assert [p.name for p in report_notebooks(folder)] == ["b_second.ipynb", "a_first.ipynb"]
    assert [p.stem for p in report_notebooks(folder, ["a", "b_second.ipynb"])] == ["b_second", "a_first"]


@pytest.mark.parametrize(
    ("text", "only", "message"),
    [
        ('notebooks = ["a_first", "missing"]\n', None, "missing.ipynb, not found"),
        ("notebooks = \n", None, "not valid TOML"),
        ("pages = []\n", None, "expected a non-empty list"),
        ('notebooks = ["a_first", 3]\n', None, "entry 2"),
        ('notebooks = ["a_first", "a_first"]\n', None, "listed twice"),
        ('notebooks = ["a_first"]\n', ["zz"], "'zz' matches 0"),
    ],
)
def test_report_list_errors_say_what_to_fix(tmp_path, text, only, message):
    _folder(tmp_path, ["a_first"], ["a_first"])
    (tmp_path / REPORT_LIST).write_text(text)
    with pytest.raises(UsageError, match=message):
        report_notebooks(tmp_path, only)


def test_missing_list_is_an_error(tmp_path):
    with pytest.raises(UsageError, match="report.toml is missing"):
        report_notebooks(tmp_path)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (-80, "pounds", "fell by £80"),
        (12, "count", "rose by 12"),
        (0.3, "count", "was unchanged"),  # rounds to 0 plans
        (1.24, "percent", "rose by 1.2 percentage points"),
        (float("nan"), "count", "is not available"),
        (1_234_567.5, "pounds", "rose by £1,234,568"),
    ],
)
def test_change_phrase_by_hand(value, kind, expected):
    assert notebook.change_phrase(value, kind) == expected


def test_count_phrase_hides_small_counts():
    nb = _nb(threshold=5)
    assert [nb.count_phrase(n) for n in (0, 3, 5, 1234)] == ["0", "fewer than 5", "5", "1,234"]
    assert nb.count_phrase(1234, hidden=True) == "[c]"  # hidden to protect another count


def test_spend_sentence_is_the_paragraphs_wording():
    """The notebook's spend sentence is the drafted paragraph's, worked by hand on round figures."""
    from types import SimpleNamespace

    from sendlib import notebook

    spend = SimpleNamespace(financial_year="2024-25", outturn=206_900_000, placement_outturn=159_500_000,
                            other_spend=47_400_000, budget=155_400_000, overspend=51_500_000,
                            overspend_vs_cap=20_300_000)
    assert notebook.spend_sentence(spend) == (
        "High-needs spend for 2024-25 is forecast at £206.9m (placements £159.5m, other high-needs spend "
        "£47.4m) against a budget of £155.4m, an overspend of £51.5m, £20.3m beyond the Safety Valve cap."
    )
    within = SimpleNamespace(financial_year="2025-26", outturn=900_000, placement_outturn=900_000,
                             other_spend=0.0, budget=1_000_000, overspend=-100_000, overspend_vs_cap=-150_000)
    assert notebook.spend_sentence(within) == (
        "Placement spend for 2025-26 is forecast at £900,000 against a budget of £1.0m, an underspend of "
        "£100,000, within the Safety Valve cap by £150,000."
    )
