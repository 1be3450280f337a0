"""Shared fixtures. Session-scoped where loading is costly (the sample extract, DfE files)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from sendlib import config

ROOT = config.PROJECT_ROOT


def running_in_ci() -> bool:
    """True under CI (CI=true), where missing data must fail rather than skip."""
    return os.environ.get("CI", "").lower() == "true"


# Hypothesis under CI: the same examples every run (derandomized, so a red build can be reproduced and is
# never a lucky draw), no example database, the failing example printed as a blob. No deadline: shared
# runners' timing noise would otherwise fail a test that is merely slow once (every property test in
# tests/ sets deadline=None already); the too_slow health check is off for the same reason.
# (Hypothesis ships a built-in "ci" profile and loads it when a CI variable is set; registering ours
# pins these settings whatever Hypothesis version is installed.)
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
if running_in_ci():
    settings.load_profile("ci")


def skip_or_fail(reason: str) -> None:
    """Skip locally when public data is missing; fail under CI (CI=true) so a missing file cannot hide a
    failing test."""
    if running_in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


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
        skip_or_fail(reason)
    return path


@pytest.fixture(scope="session")
def dfe_file(dfe_dir):
    """``dfe_file(name)``: the newest file called ``name`` under the DfE folder (by path, e.g. the 2025
    release after the 2022 one). Skipped with a reason when there is none, except under CI (fails)."""

    def find(name: str) -> Path:
        files = sorted(dfe_dir.rglob(name))
        if not files:
            skip_or_fail(f"no {name} under {dfe_dir}: the public DfE data folder is incomplete "
                         f"(see README, `sendlib fetch-dfe`)")
        return files[-1]

    return find


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
