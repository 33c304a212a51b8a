"""The pre-push hook reads the local tracker's stored parse of a REVIEW instead of parsing
it (review_gate/trackers/local_parsed.py): on a match it never imports markdown-it; a
damaged or borrowed row is parsed again, and decides as the comment says. Real pushes to
a local bare remote through the hook ``gate install git`` writes; what the hook imported
is read from Python's own import log (``PYTHONPROFILEIMPORTTIME``), never from a clock."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from review_gate.trackers.local import LocalTracker
from tests import artifact_samples
from tests.helpers import commit_file, git, init_repo_with_remote, run_gate


def _push(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ("git", "push", "--dry-run", "origin", "feature/7-x"),
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
        timeout=120,
        check=False,
    )


def _imported(proc: subprocess.CompletedProcess[str]) -> set[str]:
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "review_gate.hooks.pre_push" in names, proc.stderr  # the log is there
    return names


def _worker(tmp_path: Path) -> tuple[Path, str, LocalTracker]:
    repo, _ = init_repo_with_remote(tmp_path)
    assert run_gate("install", "git", "--mode", "direct", cwd=repo).returncode == 0
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    sha = commit_file(repo, "app.py", "x = 1\n", "feat: add app (#7)")
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("app", number=7)
    return repo, sha, tracker


def test_a_stored_parse_spares_the_parser(tmp_path: Path) -> None:
    repo, sha, tracker = _worker(tmp_path)
    tracker.post_comment(7, artifact_samples.review(7, commit=sha))
    proc = _push(repo)
    assert proc.returncode == 0, proc.stderr
    assert "review gate passed for issue #7" in proc.stderr
    imported = _imported(proc)
    assert not {"markdown_it", "review_gate.artifacts.extract"} & imported


def test_a_damaged_row_is_parsed_again(tmp_path: Path) -> None:
    repo, sha, tracker = _worker(tmp_path)
    tracker.post_comment(7, artifact_samples.review(7, commit=sha))
    with sqlite3.connect(tracker.path, isolation_level=None) as db:
        db.execute("UPDATE parsed_artifacts SET artifacts = '[{'")
    proc = _push(repo)
    assert proc.returncode == 0, proc.stderr
    assert "markdown_it" in _imported(proc)


def test_a_borrowed_passing_parse_is_refused(tmp_path: Path) -> None:
    """The latest REVIEW is of another commit; the stored parse of an earlier passing
    REVIEW copied onto it does not match its body, so the push is refused."""
    repo, sha, tracker = _worker(tmp_path)
    passing = tracker.post_comment(7, artifact_samples.review(7, commit=sha))
    stale = tracker.post_comment(7, artifact_samples.review(7, commit="c" * 40))
    with sqlite3.connect(tracker.path, isolation_level=None) as db:
        db.execute(
            "UPDATE parsed_artifacts SET (body_digest, artifacts) = "
            "(SELECT body_digest, artifacts FROM parsed_artifacts WHERE comment_id = ?) "
            "WHERE comment_id = ?",
            (passing.id, stale.id),
        )
    proc = _push(repo)
    assert proc.returncode == 1, proc.stderr
    assert "stale-review" in proc.stderr
    assert "markdown_it" in _imported(proc)
