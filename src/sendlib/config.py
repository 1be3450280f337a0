"""Project paths and environment settings, resolved in one place.

No other module builds a path from the working directory: notebooks, the CLI and tests all ask here,
so a notebook runs the same from JupyterLab, Papermill or nbval wherever it is started.

Environment variables
---------------------
``SENDLIB_DFE_DIR``   folder holding DfE's public release files (see :mod:`sendlib.dfe`).
``SENDLIB_ROOT``      override the project root (useful when sendlib is installed, not checked out).
``SENDLIB_EXTRACT_MAPPING``  mapping file notebooks load the extract with (set by ``sendlib refresh
                      --mapping``; set it yourself to open a mapped extract in JupyterLab).
``SENDLIB_EXTRACT_AS_OF``  extract date notebooks load the extract with (set by ``sendlib refresh
                      --as-of``).
``SENDLIB_HANDOVER``  set by ``sendlib refresh`` only: the private folder holding the extract it
                      loaded, reused by notebooks (:func:`sendlib.report.load_for_report`).
``SENDLIB_REPORT_ARTIFACTS``  set by ``sendlib refresh`` only: where notebooks write their tables and
                      charts (:mod:`sendlib.report.tables`, :mod:`sendlib.report.charts`).

Input paths (the one rule, for every command and :func:`sendlib.report.refresh`): an input
(``--data DIR``, ``--mapping FILE``) given as a relative path is read from the current folder when it
exists there, else from the project root; :func:`input_path` applies it, :func:`data_folder` and
:func:`mapping_file` for the extract folder and the mapping file.
"""

from __future__ import annotations

import os
from pathlib import Path

from sendlib.errors import DataError, UsageError

PACKAGE_DIR = Path(__file__).resolve().parent


def _find_root() -> Path:
    env = os.environ.get("SENDLIB_ROOT")
    if env:
        return Path(env).resolve()
    # src/sendlib/config.py -> project root two levels above src/
    for parent in PACKAGE_DIR.parents:
        if (parent / "pyproject.toml").exists() and (parent / "src" / "sendlib").is_dir():
            return parent
    return Path.cwd().resolve()


PROJECT_ROOT: Path = _find_root()
DATA_DIR: Path = PROJECT_ROOT / "data"
SAMPLE_DIR: Path = DATA_DIR / "sample"
EXAMPLE_DIR: Path = DATA_DIR / "example"
PUBLIC_DATA_DIR: Path = DATA_DIR / "public"  # git-ignored; where `sendlib fetch-dfe` downloads to
NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
REPORTS_DIR: Path = PROJECT_ROOT / "reports"
VALIDATION_DIR: Path = REPORTS_DIR / "validation"

#: Default random seed: every random draw in sendlib goes through :func:`sendlib.config.rng`.
DEFAULT_SEED = 20241130


def resolve_path(path: str | os.PathLike[str] | None, default: Path | None = None) -> Path | None:
    """Resolve ``path`` against the project root (not the working directory) when it is relative."""
    if path is None or str(path) == "":
        return default
    p = Path(path).expanduser()
    return p if p.is_absolute() else (PROJECT_ROOT / p).resolve()


def dfe_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The folder of DfE public data: ``explicit``, else ``$SENDLIB_DFE_DIR``, else ``data/public``.

    Returns None when none of them exists, so callers can skip public-data work with a clear line.
    """
    for candidate in (explicit, os.environ.get("SENDLIB_DFE_DIR"), PUBLIC_DATA_DIR):
        p = resolve_path(candidate) if candidate else None
        if p is not None and p.is_dir() and any(p.iterdir()):
            return p
    return None


def rng(seed: int | None = None):
    """The one place sendlib makes a random generator: ``numpy.random.default_rng(seed)``."""
    import numpy as np

    return np.random.default_rng(DEFAULT_SEED if seed is None else seed)


def rng_streams(seed: int | None = None, n: int = 2) -> list:
    """``n`` statistically independent generators from one seed (``numpy.random.SeedSequence.spawn``),
    for draws that must not share a stream: generators made from the same seed, or from seed and seed+1,
    can give correlated draws."""
    import numpy as np

    children = np.random.SeedSequence(DEFAULT_SEED if seed is None else seed).spawn(n)
    return [np.random.default_rng(c) for c in children]


# ---------------------------------------------------------------------------------------------------
# Input paths: the one rule for relative inputs
# ---------------------------------------------------------------------------------------------------

#: How a relative input path is read, as ``--help`` says it.
RELATIVE_INPUT_HELP = "a relative path is read from the current folder, else from the project root"


def input_path(value: str | os.PathLike[str], option: str) -> Path:
    """The input file or folder ``value`` given to ``option``, resolved by the one rule.

    Absolute: as given. Relative: from the current folder when it exists there, else from the project
    root. :class:`UsageError` (exit 2) naming every place looked in when it exists in neither.
    """
    given = Path(value).expanduser()
    if given.is_absolute():
        if not given.exists():
            raise UsageError(f"{option} {value}: {given} does not exist")
        return given
    here = Path.cwd() / given
    if here.exists():
        return here.resolve()
    root = resolve_path(given)
    if root is not None and root.exists():
        return root
    raise UsageError(
        f"{option} {value}: does not exist in the current folder ({here}) nor in the project root ({root})"
    )


def data_folder(value: str | os.PathLike[str] | None) -> Path:
    """The extract folder named by ``--data`` (default :data:`SAMPLE_DIR`), absolute.

    A relative path is read from the current folder, else from the project root (:func:`input_path`).
    A ``--data`` folder that does not exist (or is a file) is a usage error (exit 2); a missing default
    folder is a data problem (exit 1).
    """
    if value is None or str(value) == "":
        if not SAMPLE_DIR.is_dir():
            raise DataError(f"the default data folder {SAMPLE_DIR} does not exist; give --data DIR")
        return SAMPLE_DIR
    try:
        p = input_path(value, "--data")
    except UsageError as exc:
        raise UsageError(f"{exc}; give the folder holding the extract files") from None
    if not p.is_dir():
        raise UsageError(f"--data {value}: {p} is a file; give the folder holding the extract files")
    return p.resolve()


def mapping_file(value: str | os.PathLike[str] | None) -> Path | None:
    """The mapping file named by ``--mapping`` (None when not given), absolute, read like ``--data``.

    Missing, or a folder: :class:`UsageError` (exit 2). Its content is checked when the extract is
    loaded (:func:`sendlib.mapping.load_mapping`, also a usage error naming the file and the line's
    section).
    """
    if value is None or str(value) == "":
        return None
    try:
        p = input_path(value, "--mapping")
    except UsageError as exc:
        raise UsageError(f"{exc}; give the TOML mapping file (see `help(sendlib.mapping)`)") from None
    if not p.is_file():
        raise UsageError(f"--mapping {value}: {p} is a folder; give the TOML mapping file")
    return p.resolve()


def validate_hint(data_dir: Path, mapping: Path | None = None) -> str:
    """The ``sendlib validate`` command that gives the full report on this extract."""
    return f"sendlib validate --data {data_dir}" + (f" --mapping {mapping}" if mapping else "")
