"""The committed notebooks: hygiene (no papermill metadata, tags, execution counts, no errors), each
``.ipynb`` in sync with its jupytext ``.py``, only listed notebooks run, and Papermill runs with
non-default parameters.

``make test`` also runs nbval over ``notebooks/`` (see ``[tool.pytest.ini_options]``), which re-executes
each notebook with its defaults and compares the outputs with the committed ones.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor

import jupytext
import nbformat
import papermill
import pytest

from sendlib import config
from sendlib.notebook import cell_value
from sendlib.notebook_build import new_notebook, pair_differences
from sendlib.notebook_hygiene import normalise_notebook, notebook_problems
from sendlib.notebook_list import report_notebooks
from sendlib.report.run import list_notebooks, run_notebook

pytestmark = pytest.mark.notebooks

NB_DIR = config.NOTEBOOKS_DIR
NOTEBOOKS = report_notebooks(NB_DIR)
EXPECTED = [
    "00_data_quality",
    "01_average_cost",
    "02_independent_sector",
    "03_backlog",
    "04_caseload_and_budget",
    "05_benchmarking",
    "06_safety_valve_outlook",
]


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
def test_notebook_is_in_sync_with_its_py_and_stays_thin(path):
    assert pair_differences(path) == [], (
        f"{path.name} and {path.stem}.py differ: run `jupytext --sync {path}` (or save in JupyterLab), "
        "then `make notebooks`"
    )
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    # thin: no reading files, no identifiers, no per-row loops, no helpers defined in notebooks
    for banned in ("read_csv", "read_excel", "plan_id", "child_id", "date_of_birth", "iterrows", "\ndef "):
        assert banned not in code, banned
    # the setup cell names its own notebook (the committee-pack artifacts are named after it)
    assert f'notebook.setup("{path.stem}"' in code
    # the shared code lives in sendlib.notebook, the only place that reaches the report package
    assert "sendlib.report" not in code


def _pair_copy(tmp_path, name="03_backlog"):
    for suffix in (".ipynb", ".py"):
        shutil.copy(NB_DIR / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    shutil.copy(NB_DIR / "jupytext.toml", tmp_path / "jupytext.toml")
    return tmp_path / f"{name}.ipynb"


def test_sync_check_fails_when_one_side_is_edited_alone(tmp_path):
    ipynb = _pair_copy(tmp_path)
    assert pair_differences(ipynb) == []
    script = ipynb.with_suffix(".py")
    text = script.read_text(encoding="utf-8")
    script.write_text(text.replace("## Trend", "## Trend over two years", 1), encoding="utf-8")
    problems = pair_differences(ipynb)
    assert len(problems) == 1 and "source differs" in problems[0]
    script.write_text(text, encoding="utf-8")  # and the other side: a tag removed in the .ipynb
    nb = nbformat.read(ipynb, as_version=4)
    del nb.cells[1].metadata["tags"]
    nbformat.write(nb, ipynb)
    assert pair_differences(ipynb) == ["cell 1 (code): the tags differs between 03_backlog.ipynb and 03_backlog.py"]


def test_jupytext_sync_carries_an_edit_of_the_py_into_the_ipynb(tmp_path):
    ipynb = _pair_copy(tmp_path)
    script = ipynb.with_suffix(".py")
    text = script.read_text(encoding="utf-8")
    script.write_text(text.replace("## Trend", "## Trend over two years", 1), encoding="utf-8")
    os.utime(ipynb, (1_000_000_000, 1_000_000_000))  # the .py is the newer side
    jupytext_bin = [sys.executable, "-m", "jupytext"]
    subprocess.run([*jupytext_bin, "--sync", str(ipynb)], check=True, capture_output=True, cwd=tmp_path)
    nb = nbformat.read(ipynb, as_version=4)
    assert any(c.source == "## Trend over two years" for c in nb.cells)
    assert pair_differences(ipynb) == []
    # the outputs of the cells that did not change are kept
    before = nbformat.read(NB_DIR / ipynb.name, as_version=4)
    assert [c.get("outputs") for c in nb.cells if c.cell_type == "code"] == [
        c.get("outputs") for c in before.cells if c.cell_type == "code"
    ]


def test_jupytext_settings_agree_between_pyproject_and_the_notebooks_folder():
    project = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["jupytext"]
    folder = tomllib.loads((NB_DIR / "jupytext.toml").read_text())
    assert project == folder
    assert project["formats"] == "ipynb,py:percent"
    # the parameters cell is tagged in the script, as papermill needs
    for path in NOTEBOOKS:
        assert '# %% tags=["parameters"]' in path.with_suffix(".py").read_text(encoding="utf-8")


def test_only_listed_notebooks_are_report_notebooks(tmp_path):
    listed = tomllib.loads((NB_DIR / "report.toml").read_text())["notebooks"]
    assert [p.stem for p in NOTEBOOKS] == listed
    # the refresh (make report) runs the list, not the folder
    assert list_notebooks(NB_DIR) == NOTEBOOKS
    # nbval: notebooks/conftest.py leaves out anything unlisted or under explore/
    spec = importlib.util.spec_from_file_location("nb_conftest", NB_DIR / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    ignored = lambda p: conftest.pytest_ignore_collect(p, None)  # noqa: E731
    assert not any(ignored(p) for p in NOTEBOOKS)
    assert ignored(NB_DIR / "Untitled.ipynb")
    assert ignored(NB_DIR / "explore") and ignored(NB_DIR / "explore" / "my_question.ipynb")
    assert ignored(NB_DIR / "explore" / "starter.ipynb")


def test_new_exploration_notebook_from_the_starter(tmp_path):
    explore = tmp_path / "explore"
    explore.mkdir()
    for suffix in (".ipynb", ".py"):
        shutil.copy(NB_DIR / "explore" / f"starter{suffix}", explore / f"starter{suffix}")
    made = new_notebook("my_question", tmp_path)
    assert made == explore / "my_question.ipynb"
    nb = jupytext.read(made)
    assert [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert any('notebook.setup("my_question"' in c.source for c in nb.cells)
    assert pair_differences(made) == []
    with pytest.raises(Exception, match="already exists"):
        new_notebook("my_question", tmp_path)
    with pytest.raises(Exception, match="letters, digits"):
        new_notebook("../escape", tmp_path)


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


def test_one_cleaner_for_the_hook_and_the_tests():
    """The pre-commit hook runs sendlib.notebook_hygiene, whose normalise_notebook the tests above use."""
    hooks = (config.PROJECT_ROOT / ".pre-commit-config.yaml").read_text()
    assert "-m sendlib.notebook_hygiene" in hooks
    assert "nbstripout" not in hooks
    assert "nbstripout" not in (config.PROJECT_ROOT / "pyproject.toml").read_text()


def test_report_run_writes_the_committee_pack_artifacts(tmp_path, monkeypatch):
    """With SENDLIB_REPORT_ARTIFACTS set (as the refresh sets it), 03_backlog writes its three tables
    and three charts (the notebook shows three tables and three charts)."""
    art = tmp_path / "artifacts"
    monkeypatch.setenv("SENDLIB_REPORT_ARTIFACTS", str(art))
    path = NB_DIR / "03_backlog.ipynb"
    run = run_notebook(path, tmp_path / "03.ipynb", {}, NB_DIR)
    assert run.status == "ok", run.message
    tables = sorted(p.name for p in (art / "tables").iterdir())
    assert tables == ["03_backlog--01.json", "03_backlog--02.json", "03_backlog--03.json"]
    stage = json.loads((art / "tables" / "03_backlog--02.json").read_text())
    assert stage["title"] == "Overdue requests by stage, November 2024"
    assert stage["columns"] == ["Stage", "Overdue requests"]
    # the same cells as the table displayed under that title in the committed notebook
    nb = nbformat.read(path, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    at = next(i for i, o in enumerate(outputs) if stage["title"] in str(o.get("data", {}).get("text/markdown")))
    html = outputs[at + 1]["data"]["text/html"]
    shown = re.findall(r"<tr>\s*<th>([^<]*)</th>\s*<td>([^<]*)</td>", html)
    assert stage["data"] == [[label, cell_value(value)] for label, value in shown]
    assert ["Total", 620] in stage["data"]  # 620 overdue at the end of November 2024 (the README headline)
    assert any(v == "[c]" for _, v in stage["data"])
    charts = sorted(p.name for p in (art / "charts").iterdir())
    assert charts == [
        f"03_backlog--{s}.{ext}"
        for s in ("overdue-assessments-at-each-month-end", "projected-overdue-assessments",
                  "requests-received-and-assessments-completed-each-month")
        for ext in ("png", "svg")
    ]
    text = " ".join(p.read_text() for p in (art / "tables").iterdir())
    for banned in ("plan_id", "child_id", "request_id", "date_of_birth"):
        assert banned not in text


def test_pair_check_command_reports_the_committed_pairs_in_sync(capsys):
    from sendlib.notebook_build import main

    assert main(["check"]) == 0
    assert f"{len(NOTEBOOKS)} notebook pairs in sync" in capsys.readouterr().out
