"""Project paths and environment settings, resolved in one place.

No other module builds a path from the working directory: notebooks, the CLI and tests all ask here,
so a notebook runs the same from JupyterLab, Papermill or nbval wherever it is started.

Environment variables
---------------------
``SENDLIB_DFE_DIR``   folder holding DfE's public release files (see :mod:`sendlib.dfe`).
``SENDLIB_ROOT``      override the project root (useful when sendlib is installed, not checked out).
``SENDLIB_EXTRACT_MAPPING``  mapping file notebooks load the extract with (set by ``sendlib refresh
                      --mapping``; set it yourself to open a mapped extract in JupyterLab).
``SENDLIB_EXTRACT_CACHE``    set by ``sendlib refresh`` only: the extract it loaded, reused by notebooks
                      (:func:`sendlib.refresh.load_for_report`).
"""

from __future__ import annotations

import os
from pathlib import Path

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
