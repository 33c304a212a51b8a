"""The gates' total tracker deadline (review_gate.trackers.deadline, ``tracker_deadline``).

The slow tracker is the GitHub stand-in trickling its answer one byte at a time: no read
ever waits long enough for the per-request timeout, so only a deadline ends the call.
The budgets are short (2 s or less) and the bounds asserted generous: the point is that
the gate ends at all, where without a deadline it would wait for hours.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate.config import Config
from review_gate.config import load as load_config
from review_gate.errors import EXIT_UNREACHABLE, ConfigError, TrackerDeadline
from review_gate.target.tracker import open_tracker
from review_gate.trackers.deadline import DeadlineTracker
from review_gate.trackers.github import GitHubTracker
from review_gate.trackers.local import LocalTracker
from tests import artifact_samples
from tests.github_standin import Fault, GitHubStandIn
from tests.helpers import commit_file, git, init_repo_with_remote, run_gate

TRICKLE = 0.2  # seconds between bytes: ~50 s for the smallest page of comments below
DEADLINE = 2.0
BOUND = 30.0  # the gate must end well before this (a trickled page takes far longer)


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as server:
        server.add_issue(7, "Seven")
        server.add_comments(7, ["a comment long enough to trickle for minutes " * 5] * 3)
        yield server


def _gated_clone(tmp_path: Path, gh: GitHubStandIn, extra: str = "") -> Path:
    """A clone whose base branch configures the stand-in and a 2 s deadline, on a worker
    branch of issue 7 with one commit, and the git hooks installed."""
    repo, _ = init_repo_with_remote(tmp_path)
    config = (
        f"tracker = 'github'\nrepo = '{gh.full_name}'\napi_url = '{gh.url}'\n"
        f"tracker_deadline = {DEADLINE}\n{extra}"
    )
    commit_file(repo, ".review-gate.toml", config, "chore: review-gate configuration")
    git(repo, "push", "-q", "origin", "main")
    assert run_gate("install", "git", cwd=repo).returncode == 0
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    commit_file(repo, "app.py", "x = 1\n", "feat: app (#7)")
    return repo


def _push(repo: Path, gh: GitHubStandIn) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = subprocess.run(
        ("git", "push", "origin", "feature/7-x"),
        cwd=repo,
        env={**os.environ, "GH_TOKEN": gh.token},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc, time.monotonic() - started


def test_pre_push_against_a_trickling_server_is_refused_within_the_deadline(
    tmp_path: Path, gh: GitHubStandIn
) -> None:
    repo = _gated_clone(tmp_path, gh)
    head = git(repo, "rev-parse", "HEAD").strip()
    gh.add_comment(7, artifact_samples.review(7, commit=head), association="MEMBER")
    gh.fail(Fault(status=0, trickle=TRICKLE, path="/issues/7/comments"))

    proc, took = _push(repo, gh)
    assert proc.returncode != 0 and took < BOUND, (took, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert (
        f"the github tracker did not answer within the gate's deadline of {DEADLINE:g}s "
        "(tracker_deadline), reading the comments of issue #7; the gate stays closed"
    ) in proc.stderr
    assert "push refused" in proc.stderr
    assert gh.count(path="/issues/7/comments") == 1  # the trickled request, then nothing
    bare = tmp_path / "project.git"
    assert git(bare, "branch", "--list", "feature/7-x") == ""

    # The same push with the server answering normally goes through (the review passes).
    ok, _ = _push(repo, gh)
    assert ok.returncode == 0, ok.stderr
    assert git(bare, "rev-parse", "feature/7-x").strip() == head


def test_gate_check_exits_3_within_the_deadline(tmp_path: Path, gh: GitHubStandIn) -> None:
    repo = _gated_clone(tmp_path, gh)
    gh.fail(Fault(status=0, trickle=TRICKLE, path="/issues/7/comments"))
    started = time.monotonic()
    proc = run_gate("check", "--issue", "7", cwd=repo, env={"GH_TOKEN": gh.token}, timeout=120)
    assert time.monotonic() - started < BOUND
    assert proc.returncode == EXIT_UNREACHABLE, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("gate: error: the github tracker did not answer within")
    assert lines[1].startswith("gate: hint: ") and "raise tracker_deadline" in lines[1]


def test_a_stalled_tracker_is_refused_even_with_on_unreachable_allow(
    tmp_path: Path, gh: GitHubStandIn
) -> None:
    # `allow` is for a tracker that is down; one that trickles past the deadline is refused
    # (fail closed), so a slow answer can never stand in for a review.
    repo = _gated_clone(tmp_path, gh, extra="on_unreachable = 'allow'\n")
    gh.fail(Fault(status=0, trickle=TRICKLE, path="/issues/7/comments"))
    proc, took = _push(repo, gh)
    assert proc.returncode != 0 and took < BOUND, proc.stderr
    assert "did not answer within" in proc.stderr and "warning" not in proc.stderr
    assert "on_unreachable = 'allow'" not in proc.stderr  # not offered as the way out


# --------------------------------------------------------------------------- the wrapper


def _bounded(gh: GitHubStandIn, seconds: float) -> DeadlineTracker:
    inner = GitHubTracker(gh.full_name, token=gh.token, api_url=gh.url, timeout=10.0)
    return DeadlineTracker(inner, seconds)


def test_after_the_deadline_every_call_fails_at_once(gh: GitHubStandIn) -> None:
    tracker = _bounded(gh, 1.0)
    gh.fail(Fault(status=0, trickle=TRICKLE, path="/issues/7/comments"))
    with pytest.raises(TrackerDeadline, match=r"deadline of 1s .*comments of issue #7"):
        tracker.list_comments(7)
    with pytest.raises(TrackerDeadline, match="issue #7"):
        tracker.get_issue(7)  # refused without asking the server
    assert gh.count() == 1


def test_the_budget_is_shared_by_all_calls(gh: GitHubStandIn) -> None:
    # A budget of 4 s: the first answer waits 1 s and fits with room to spare; the second
    # waits 3.5 s, which a budget of its own would allow, but only 3 s or less are left.
    gh.fail(Fault(status=0, delay=1.0), Fault(status=0, delay=3.5))
    tracker = _bounded(gh, 4.0)
    assert tracker.get_issue(7).title == "Seven"
    with pytest.raises(TrackerDeadline, match="comments of issue #7"):
        tracker.list_comments(7)


def test_errors_and_attributes_pass_through(gh: GitHubStandIn) -> None:
    tracker = _bounded(gh, 5.0)
    assert tracker.name == "github" and tracker.repo == gh.full_name
    assert tracker.issue_exists(7) is True and tracker.issue_exists(70) is False
    assert next(c.body for c in tracker.list_comments(7)).startswith("a comment long")
    tracker.close()


def test_the_local_tracker_works_on_its_worker_thread(repo: Path) -> None:
    # SQLite connections belong to their thread: every call runs on the same one.
    LocalTracker.for_checkout(repo).create_issue("Local", number=3)
    config = load_config(repo, environ={})
    tracker = open_tracker(config, cwd=repo, read_only=True)
    assert isinstance(tracker, DeadlineTracker) and tracker.seconds == 20.0
    assert tracker.path == LocalTracker.for_checkout(repo).path
    LocalTracker.for_checkout(repo).post_comment(3, "hello")
    assert [c.body for c in tracker.list_comments(3)] == ["hello"]
    tracker.close()
    assert tracker.get_issue(3).title == "Local"  # reopened after close
    tracker.close()


def test_writers_are_not_bounded(repo: Path) -> None:
    # Only gates (read_only) get a deadline; the dispatcher's and `gate issue`'s writes
    # must never be abandoned halfway.
    tracker = open_tracker(Config(tracker="local"), cwd=repo)
    assert isinstance(tracker, LocalTracker)


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_the_deadline_must_be_positive(repo: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="tracker_deadline"):
        load_config(repo, environ={"REVIEW_GATE_TRACKER_DEADLINE": value})
