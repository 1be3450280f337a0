"""The two ways to install sendlib must agree: pyproject.toml (pip) and environment.yml (conda)."""

from __future__ import annotations

import re
import tomllib

from sendlib import config

# PyPI name -> conda-forge name where they differ.
CONDA_NAMES = {"duckdb": "python-duckdb"}


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text())
    reqs = list(data["project"]["dependencies"]) + list(data["project"]["optional-dependencies"]["dev"])
    return dict(_split(r) for r in reqs)


def _environment() -> dict[str, str]:
    out: dict[str, str] = {}
    in_deps = False
    for line in (config.PROJECT_ROOT / "environment.yml").read_text().splitlines():
        stripped = line.split("#", 1)[0].rstrip()
        if stripped.startswith("dependencies:"):
            in_deps = True
            continue
        if not in_deps or not stripped.strip():
            continue
        m = re.match(r"^  - ([^:]+)$", stripped)  # top-level list items only (not the pip: block)
        if m:
            name, spec = _split(m.group(1))
            if name not in {"python", "pip"}:
                out[name] = spec
    return out


def test_environment_yml_matches_pyproject():
    pip = _pyproject()
    conda = _environment()
    expected = {CONDA_NAMES.get(k, k): v for k, v in pip.items()}
    missing = sorted(set(expected) - set(conda))
    extra = sorted(set(conda) - set(expected))
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    assert not extra, f"in environment.yml but not pyproject.toml: {extra}"
    differ = {k: (expected[k], conda[k]) for k in expected if expected[k] != conda[k]}
    assert not differ, f"version bounds differ (pyproject, environment.yml): {differ}"


def test_environment_yml_installs_project_in_editable_mode():
    text = (config.PROJECT_ROOT / "environment.yml").read_text()
    assert "conda-forge" in text
    assert re.search(r"pip:\s*\n\s*- -e \.", text)


def test_every_dependency_has_a_lower_bound():
    for name, spec in _pyproject().items():
        assert spec.startswith((">=", "~=")), f"{name} needs a tested lower bound, got {spec!r}"
