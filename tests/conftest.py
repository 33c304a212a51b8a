from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import GIT_ENV, init_repo, init_repo_with_remote


@pytest.fixture(autouse=True)
def _pinned_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Pin git identity, and point HOME at an empty temporary directory so that no
    test writes to (or reads from) the real home directory."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    # A review-gate environment inherited from the caller (e.g. a dispatcher worker
    # running these tests) must not leak into them.
    for key in list(os.environ):
        if key.startswith("REVIEW_GATE_") or key in (
            "GITHUB_REPOSITORY",
            "GITHUB_API_URL",
            "GH_TOKEN",
            "GITHUB_TOKEN",
            "GITHUB_STEP_SUMMARY",
            "GITHUB_OUTPUT",
            "GITHUB_ACTIONS",
        ):
            monkeypatch.delenv(key, raising=False)
    yield


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with one commit on main."""
    return init_repo(tmp_path / "project")


@pytest.fixture
def repo_with_remote(tmp_path: Path) -> tuple[Path, Path]:
    """(clone, bare remote) with main pushed to origin."""
    return init_repo_with_remote(tmp_path)
