"""Shared fixtures. Session-scoped where loading is costly (the sample extract, DfE files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sendlib import config

ROOT = config.PROJECT_ROOT


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def dfe_dir() -> Path:
    """The public DfE data folder from SENDLIB_DFE_DIR.

    Skipped with a reason when it is not set, except under CI (CI=true), where a missing folder fails.
    """
    value = os.environ.get("SENDLIB_DFE_DIR")
    path = Path(value) if value else None
    if path is None or not path.is_dir():
        reason = (
            f"SENDLIB_DFE_DIR={value!r} is not a folder" if value else "SENDLIB_DFE_DIR is not set"
        ) + ": public DfE data tests need the release files (see README, `sendlib fetch-dfe`)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return config.SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_extract(sample_dir):
    """The shipped synthetic sample, loaded once per test session."""
    from sendlib import load

    return load(sample_dir)


@pytest.fixture(scope="session")
def example_dir() -> Path:
    return config.EXAMPLE_DIR


@pytest.fixture(scope="session")
def sample(sample_extract):
    """Short name for the shipped sample extract (committed, so never skipped)."""
    return sample_extract
