"""The repository's shape: no module grows past about 500 lines, and no text points to a document
outside the repository or speaks of the people or roles who wrote it.

Each check is a small function, first tested on a hand-made folder (so it is known to catch what it
should, and to let pass what it should), then run over the repository, listing every offender.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sendlib import config

ROOT = config.PROJECT_ROOT

MAX_MODULE_LINES = 520
"""Longest module allowed under src/sendlib (lines): "about 500", with a little room."""

# Written so that this file does not match its own patterns (it is checked too): "DOMAIN\.md" and
# "eng[i]neer" are not the texts they match, and the fixtures below build those texts from pieces.
OUTSIDE_DOCUMENT = re.compile(r"\bDOMAIN\.md\b", re.IGNORECASE)
AUTHOR_WORD = re.compile(r"\beng[i]neers?\b", re.IGNORECASE)

SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints", "_data"}


def long_modules(package_dir: Path, limit: int = MAX_MODULE_LINES) -> list[str]:
    """``"path: N lines"`` for every ``.py`` file under ``package_dir`` longer than ``limit`` lines."""
    out = []
    for path in sorted(package_dir.rglob("*.py")):
        if SKIP_DIRS.intersection(path.parts):
            continue
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            out.append(f"{path.relative_to(package_dir.parent)}: {n} lines")
    return out


def text_offences(files: list[Path], root: Path) -> list[str]:
    """``"path:line: text"`` for every line naming the domain brief's file (a document outside the
    repository, :data:`OUTSIDE_DOCUMENT`) or using the word for the people who wrote the code
    (:data:`AUTHOR_WORD`: whole word, singular or plural, any case).
    Files that are not UTF-8 text are skipped."""
    out = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for i, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE_DOCUMENT.search(line) or AUTHOR_WORD.search(line):
                out.append(f"{path.relative_to(root)}:{i}: {line.strip()[:100]}")
    return out


def _files_under(folder: Path) -> list[Path]:
    """Files under ``folder``, without caches and build metadata (``*.egg-info``, written by the install)."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not SKIP_DIRS.intersection(p.parts) and not any(x.endswith(".egg-info") for x in p.parts)
    )


def checked_files(root: Path) -> list[Path]:
    """The texts people read: everything under src/, tests/ and benchmarks/; the notebooks' paired
    ``.py`` scripts and markdown (not the ``.ipynb`` outputs; in notebooks/explore only the shared
    guide and starter, not an analyst's own notebooks); README.md; data/**/README.md."""
    files = []
    for name in ("src", "tests", "benchmarks"):
        if (root / name).is_dir():
            files += _files_under(root / name)
    nb = root / "notebooks"
    files += sorted(nb.glob("*.py")) + sorted(nb.glob("*.md"))
    files += [p for p in (nb / "explore" / "README.md", nb / "explore" / "starter.py") if p.is_file()]
    if (root / "README.md").is_file():
        files.append(root / "README.md")
    if (root / "data").is_dir():
        files += sorted((root / "data").rglob("README.md"))
    return files


# ---------------------------------------------------------------------------------------------------
# The checks on hand-made folders
# ---------------------------------------------------------------------------------------------------


def test_long_modules_on_a_hand_made_package(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "ok.py").write_text("x = 1\n" * 520)  # exactly the limit: allowed
    (pkg / "long.py").write_text("x = 1\n" * 521)  # one over
    (pkg / "sub" / "deep.py").write_text("x = 1\n" * 600)  # nested modules count too
    (pkg / "notes.txt").write_text("x\n" * 900)  # not a module
    assert long_modules(pkg) == ["pkg/long.py: 521 lines", "pkg/sub/deep.py: 600 lines"]


def test_text_offences_on_hand_made_files(tmp_path):
    doc, word = "DOMAIN" + ".md", "eng" + "ineer"
    bad = tmp_path / "bad.md"
    bad.write_text(
        "# Title\n"
        f"See {doc} section 2.\n"  # line 2: outside document
        f"Written by the backlog {word}.\n"  # line 3: author, singular
        f"Other {word.upper()}S' jobs were running.\n"  # line 4: plural, any case
        f"A well-{word}ed module; re-{word}ing it; {word}ing.\n"  # line 5: other words: allowed
        f"{doc.lower()} in lower case\n"  # line 6: any case
    )
    good = tmp_path / "good.py"
    good.write_text('"""Overdue: no official statistic exists; sendlib defines it."""\n')
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe " + doc.encode())
    got = text_offences([bad, good, binary], tmp_path)
    assert [g.split(": ", 1)[0] for g in got] == ["bad.md:2", "bad.md:3", "bad.md:4", "bad.md:6"]


def test_checked_files_cover_the_named_places_only(tmp_path):
    for rel in (
        "src/pkg/a.py",
        "src/pkg/__pycache__/a.cpython-311.pyc",
        "tests/test_a.py",
        "tests/fixture.cfg",
        "benchmarks/README.md",
        "benchmarks/_data/national/plans.csv",
        "notebooks/01_x.py",
        "notebooks/01_x.ipynb",
        "notebooks/README.md",
        "notebooks/explore/README.md",
        "notebooks/explore/starter.py",
        "notebooks/explore/my_own.py",
        "README.md",
        "data/sample/README.md",
        "data/sample/plans.csv",
        "docs/other.md",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n")
    got = sorted(str(p.relative_to(tmp_path)) for p in checked_files(tmp_path))
    assert got == sorted(
        [
            "src/pkg/a.py",
            "tests/test_a.py",
            "tests/fixture.cfg",
            "benchmarks/README.md",
            "notebooks/01_x.py",
            "notebooks/README.md",
            "notebooks/explore/README.md",
            "notebooks/explore/starter.py",
            "README.md",
            "data/sample/README.md",
        ]
    )


# ---------------------------------------------------------------------------------------------------
# The repository
# ---------------------------------------------------------------------------------------------------


def test_no_module_is_longer_than_the_limit():
    offenders = long_modules(ROOT / "src" / "sendlib")
    assert not offenders, (
        f"modules longer than {MAX_MODULE_LINES} lines (split them by job into a package or smaller "
        "modules): " + "; ".join(offenders)
    )


@pytest.mark.parametrize("place", ["src", "tests", "benchmarks", "notebooks", "README.md", "data"])
def test_no_text_points_outside_the_repository_or_to_its_authors(place):
    files = [p for p in checked_files(ROOT) if p.relative_to(ROOT).parts[0] == place]
    assert files, f"nothing found to check under {place}"
    offenders = text_offences(files, ROOT)
    assert not offenders, (
        "state the definition instead of pointing to the domain brief (not in this repository), and "
        "describe the module, the job or the machine load instead of who wrote it:\n" + "\n".join(offenders)
    )


def test_tests_import_their_helpers_through_the_tests_package():
    """tests/ is a package: a helper module is imported as ``tests.<name>``, never by its bare name
    (which only works when pytest happens to put tests/ on sys.path)."""
    import ast

    tests_dir = Path(__file__).resolve().parent
    local = {p.stem for p in tests_dir.glob("*.py")} - {"__init__", "conftest"}
    bare = []
    for path in sorted(tests_dir.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            bare += [f"{path.name}:{node.lineno}: {n}" for n in names if n.split(".")[0] in local]
    assert not bare, "import test helpers as tests.<module>:\n" + "\n".join(bare)
