"""The committed notebooks: hygiene (no papermill metadata, tags, execution counts, no errors), drift
from their generator, and Papermill runs with non-default parameters.

``make test`` also runs nbval over ``notebooks/`` (see ``[tool.pytest.ini_options]``), which re-executes
each notebook with its defaults and compares the outputs with the committed ones.
"""

from __future__ import annotations

import importlib.util
import os
import re
from concurrent.futures import ThreadPoolExecutor

import nbformat
import papermill
import pytest

from sendlib import config
from sendlib.notebook_hygiene import normalise_notebook, notebook_problems
from sendlib.report.run import run_notebook

pytestmark = pytest.mark.notebooks

NB_DIR = config.NOTEBOOKS_DIR
NOTEBOOKS = sorted(p for p in NB_DIR.glob("[0-9][0-9]_*.ipynb"))
EXPECTED = [
    "00_data_quality",
    "01_average_cost",
    "02_independent_sector",
    "03_backlog",
    "04_caseload_and_budget",
    "05_benchmarking",
]


def _builder():
    spec = importlib.util.spec_from_file_location("_build", NB_DIR / "_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_report_notebooks_are_all_there():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_clean(path):
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert notebook_problems(nb) == []
    # normalised already: running the hygiene tool would not change the file
    assert nbformat.writes(normalise_notebook(nb)) + "\n" == text
    assert '"papermill"' not in text
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_has_literal_defaults_for_the_sample(path):
    params = papermill.inspect_notebook(str(path))
    defaults = {k: v["default"] for k, v in params.items()}
    assert defaults["data_dir"] == '"data/sample"'
    assert defaults["period"] == '"2024-11"'
    assert defaults["suppress_below"] == "5"
    if path.stem == "05_benchmarking":
        assert defaults["la_code"] == '"878"' and defaults["dfe_dir"] == '""'


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_sources_match_their_generator_and_stay_thin(path):
    built = _builder().build(path.stem)
    nb = nbformat.read(path, as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in built.cells], (
        "the committed notebook drifted from notebooks/_build.py: run `.venv/bin/python notebooks/_build.py "
        "--execute` (with SENDLIB_DFE_DIR for 05)"
    )
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    # thin: no reading files, no identifiers, no per-row loops in notebooks
    for banned in ("read_csv", "read_excel", "plan_id", "child_id", "date_of_birth", "iterrows"):
        assert banned not in code, banned


# ---------------------------------------------------------------------------------------------------
# Papermill with non-default parameters
# ---------------------------------------------------------------------------------------------------

RUNS = [
    # another data folder (the hand-built example extract) and another month
    *[(p, {"data_dir": "data/example", "period": "2024-06"}) for p in NOTEBOOKS],
    # the sample for an earlier month with a stricter threshold
    *[
        (p, {"data_dir": "data/sample", "period": "2023-09", "suppress_below": 10})
        for p in NOTEBOOKS
        if p.stem in ("01_average_cost", "03_backlog")
    ],
    # another local authority for the benchmarking notebook (Kent)
    *[(p, {"la_code": "886", "period": "2024-11"}) for p in NOTEBOOKS if p.stem == "05_benchmarking"],
]


@pytest.fixture(scope="module")
def papermill_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("papermill")

    def one(i_run):
        i, (path, params) = i_run
        target = out / f"{i:02d}_{path.name}"
        return path, params, target, run_notebook(path, target, params, NB_DIR)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, enumerate(RUNS)))


def test_notebooks_run_with_other_parameters(papermill_runs):
    failures = [
        f"{p.stem} {params}: {run.message}" for p, params, _, run in papermill_runs if run.status != "ok"
    ]
    assert not failures
    for path, params, target, _ in papermill_runs:
        nb = nbformat.read(target, as_version=4)
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert injected and params["period"] in injected[0].source
        text = "\n".join(
            str(o.get("data", {}).get("text/markdown", "")) + str(o.get("data", {}).get("text/html", ""))
            for c in nb.cells
            for o in c.get("outputs", [])
        )
        month = {"2024-06": "June 2024", "2023-09": "September 2023", "2024-11": "November 2024"}[
            params["period"]
        ]
        if params.get("la_code") == "886" and os.environ.get("SENDLIB_DFE_DIR"):
            assert "Kent" in text, "05_benchmarking did not report on Kent"
        if path.stem != "05_benchmarking":
            assert month in text, f"{path.stem} does not report on {month}"
        if params.get("suppress_below") == 10:
            # threshold 10: no count from 1 to 9 left in a table cell
            cells = re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", text)
            assert not [c for c in cells if re.fullmatch(r"[1-9]", c)], path.stem


def _markdown_by_notebook(papermill_runs, params: dict) -> dict[str, str]:
    out = {}
    for path, p, target, _ in papermill_runs:
        if p == params:
            nb = nbformat.read(target, as_version=4)
            out[path.stem] = "\n".join(
                str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells for o in c.get("outputs", [])
            )
    return out


def test_narrative_on_the_example_says_fewer_than_5(papermill_runs):
    """data/example, June 2024 (data/example/README.md): 8 plans (7 at 31 May + 1 issued, P012 - 0
    ceased); INMSS P001 and P007 = 2 of 8; every count in the sentences below is from 0 to 4."""
    text = _markdown_by_notebook(papermill_runs, {"data_dir": "data/example", "period": "2024-06"})
    everything = "\n".join(text.values())
    # no count from 1 to 4 of children, plans, placements or requests in the prose
    nouns = r"(children|plans? were|ceased|assessments were|open requests|placements)"
    assert not re.findall(rf"(?<![\d,.£])[1-4] {nouns}", everything)
    # 02: 2 placements, 25% of 8 plans would give the 2 back; the change over the year too
    assert "**Fewer than 5 children and young people were placed" in text["02_independent_sector"]
    assert "of all plans" not in text["02_independent_sector"]
    assert "over the year" not in text["02_independent_sector"]
    # 04: 7 + 1 issued - 0 ceased = 8: the 0 is hidden too, or it gives the 1 back
    assert "In June 2024 the number rose by 1: fewer than 5 plans were issued and [c] ceased." in text[
        "04_caseload_and_budget"
    ]


def test_shift_share_table_hides_effects_when_either_count_is_hidden(papermill_runs):
    # data/example, June 2024: 7 plans at 31 May, so every setting held 1 to 4 of them (hidden, or 0
    # with the count now hidden); a row's effects give either count back, so no pound figure is left
    for path, params, target, _ in papermill_runs:
        if path.stem == "01_average_cost" and params.get("data_dir") == "data/example":
            nb = nbformat.read(target, as_version=4)
            cell = next(c for c in nb.cells if "sums_shown" in c.source)
            html = "".join(str(o.get("data", {}).get("text/html", "")) for o in cell.outputs)
            cells = re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", html)
            assert len(cells) == 7 * 6 and not [c for c in cells if "£" in c]
            return
    raise AssertionError("no run of 01_average_cost on data/example")


def test_hygiene_check_catches_each_problem():
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    params = new_code_cell('period = "2024-11"', execution_count=1)
    params.metadata["tags"] = ["parameters"]
    good = new_notebook(cells=[params])
    assert notebook_problems(good) == []

    bad = normalise_notebook(good)
    bad.metadata["papermill"] = {"start_time": "2026-01-01T00:00:00"}
    bad.cells[0].metadata["papermill"] = {"duration": 1.0}
    bad.cells[0].metadata["tags"] = []
    result = new_output("execute_result", data={"text/plain": "1"})
    result["execution_count"] = None
    err = new_output("error", ename="ValueError", evalue="boom", traceback=[])
    bad.cells.append(new_code_cell("1", outputs=[result, err]))
    problems = "\n".join(notebook_problems(bad))
    for expected in (
        "papermill run information",
        "exactly one cell tagged 'parameters', found 0",
        "cell 0 metadata holds 'papermill'",
        "error output (ValueError: boom)",
        "result without an execution count",
        "has outputs but no execution count",
    ):
        assert expected in problems
    # normalising removes the volatile parts but keeps outputs and execution counts
    cleaned = normalise_notebook(bad)
    assert "papermill" not in cleaned.metadata and "papermill" not in cleaned.cells[0].metadata
    assert cleaned.cells[1].outputs == bad.cells[1].outputs
    assert [c["id"] for c in cleaned.cells] == ["cell-00", "cell-01"]
