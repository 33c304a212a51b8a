"""Fixtures for the real-client end-to-end tests (tests/e2e/*_test.py).

The agent CLIs come from npm (``npm ci --prefix tests/e2e``, versions pinned in
tests/e2e/package.json). Missing CLIs fail the run under CI (``CI=true``) and skip
it elsewhere, so a developer without node can still run the rest of the suite.
Everything runs offline against the scripted stand-ins in tests/e2e/standins.py.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.helpers import commit_file, git, init_repo_with_remote, run_gate

NODE_BIN = Path(__file__).parent / "node_modules" / ".bin"
RUN_TIMEOUT = 120  # seconds per agent run; a normal run takes a few


def agent_cli(name: str) -> Path:
    path = NODE_BIN / name
    if not (path.exists() and os.access(path, os.X_OK)):
        message = f"{path} is missing: run `npm ci --prefix tests/e2e`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def claude_bin() -> Path:
    return agent_cli("claude")


@pytest.fixture
def codex_bin() -> Path:
    return agent_cli("codex")


@pytest.fixture
def gh_stub(tmp_path: Path) -> tuple[Path, Path]:
    """``(bin_dir, log)``: a ``gh`` on PATH that appends its argv to ``log`` and exits 0."""
    bin_dir = tmp_path / "stub-bin"
    bin_dir.mkdir()
    log = tmp_path / "gh-calls.log"
    gh = bin_dir / "gh"
    gh.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\necho https://example.test/pull/1\n')
    gh.chmod(gh.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bin_dir, log


@pytest.fixture
def worker_repo(tmp_path: Path) -> Path:
    """A clone on ``feature/7-x``, one commit ahead of main; issue 7 in the local tracker."""
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    commit_file(repo, "src/app.py", "print('hi')\n")
    proc = run_gate("issue", "new", "--title", "Add the app", "--number", "7", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    return repo


def post_review(repo: Path, tmp_path: Path) -> None:
    """Post a valid REVIEW of HEAD on issue 7 with `gate issue comment`."""
    from tests.artifact_samples import review

    head = git(repo, "rev-parse", "HEAD").strip()
    body = tmp_path / "review.md"
    body.write_text(review(7, commit=head))
    proc = run_gate("issue", "comment", "7", "--body-file", str(body), cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert run_gate("check", "--issue", "7", cwd=repo).returncode == 0
