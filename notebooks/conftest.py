"""nbval collects only the report notebooks listed in ``report.toml`` (never ``explore/`` or a stray
``Untitled.ipynb``); the paired ``.py`` scripts are not test files."""

from __future__ import annotations

from pathlib import Path

from sendlib.notebook_list import listed_names

HERE = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path: Path, config):
    path = Path(collection_path).resolve()
    if path == HERE / "explore" or HERE / "explore" in path.parents:
        return True
    if path.suffix == ".ipynb":
        return not (path.parent == HERE and path.stem in listed_names(HERE))
    return None
