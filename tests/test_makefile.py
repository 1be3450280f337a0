"""The README's two commands: `make` installs only when pyproject.toml changed, and `make help` documents.

Runs `make -n` (print, do not execute) on a copy of the Makefile and pyproject.toml in a temporary
folder, so nothing is installed by the test.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import pytest

from sendlib import config

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _make(cwd, *args) -> str:
    out = subprocess.run(
        ["make", "-n", f"PYTHON_BOOT={sys.executable}", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


@pytest.fixture()
def project_copy(tmp_path):
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(config.PROJECT_ROOT / name, tmp_path / name)
    return tmp_path


def _stamp(folder) -> str:
    digest = hashlib.sha256((folder / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return f".installed-{digest}"


def test_installs_when_no_venv_then_not_again_then_again_after_a_dependency_change(project_copy):
    assert "pip install" in _make(project_copy, "install")  # fresh machine: creates and installs

    venv = project_copy / ".venv"
    venv.mkdir()
    (venv / _stamp(project_copy)).touch()  # what a finished install leaves behind
    assert "pip install" not in _make(project_copy, "install")  # nothing changed: no reinstall

    pyproject = project_copy / "pyproject.toml"
    text = pyproject.read_text()
    assert '"tqdm>=' in text
    pyproject.write_text(text.replace('"tqdm>=', '"tqdm!=0.0.1,>='))  # a new constraint on one package
    assert "pip install" in _make(project_copy, "install")  # a dependency changed: reinstall


def test_report_and_test_targets_install_first(project_copy):
    for target in ("report", "test"):
        assert "pip install" in _make(project_copy, target)


def test_report_and_validate_pass_the_mapping_only_when_given(project_copy):
    venv = project_copy / ".venv"
    venv.mkdir()
    (venv / _stamp(project_copy)).touch()
    commands = [ln for ln in _make(project_copy, "report", "validate").splitlines() if "bin/sendlib" in ln]
    assert len(commands) == 3 and not any("--mapping" in c for c in commands)
    mapped = _make(project_copy, "report", "validate", "DATA=la/extract", "MAPPING=la/names.toml").splitlines()
    mapped = [c for c in mapped if "bin/sendlib" in c]
    assert [c.split()[1] for c in mapped] == ["refresh", "headlines", "validate"]
    for c in mapped:
        assert "--data la/extract --mapping la/names.toml" in " ".join(c.split()), c


def test_make_help_lists_documented_targets():
    out = subprocess.run(
        ["make", "help"], cwd=config.PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    for target in ("report", "test", "lab", "help"):
        assert f"make {target}" in out
    report = next(line for line in out.splitlines() if "make report" in line)
    assert "DATA=" in report and "MAPPING=" in report and "PERIOD=" in report


def test_ci_entry_runs_make_test_with_public_data():
    text = (config.PROJECT_ROOT / ".ci" / "run").read_text()
    assert "make test" in text and "CI=true" in text and "SENDLIB_DFE_DIR" in text


def test_notebooks_and_notebook_targets(project_copy):
    venv = project_copy / ".venv"
    venv.mkdir()
    (venv / _stamp(project_copy)).touch()
    run = [ln for ln in _make(project_copy, "notebooks").splitlines() if "sendlib.notebook_build" in ln]
    assert run == [".venv/bin/python -m sendlib.notebook_build run "]
    one = _make(project_copy, "notebooks", "NB=01")
    assert "sendlib.notebook_build run 01" in one
    new = _make(project_copy, "notebook", "NAME=my_question")
    assert "sendlib.notebook_build new my_question" in new
    # without NAME it stops with the usage line (make -n still prints the guard)
    assert 'make notebook NAME=my_question' in _make(project_copy, "notebook")


def test_make_help_documents_the_notebook_targets():
    out = subprocess.run(
        ["make", "help"], cwd=config.PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    for target in ("notebooks", "notebook"):
        line = next(ln for ln in out.splitlines() if ln.split()[:2] == ["make", target])
        assert len(line.split()) > 3, line
    assert "NAME=" in out and "report.toml" in out
