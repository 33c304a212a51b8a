"""`gate dispatch review`: a review worker on the implementer's head, in a detached
worktree of its own, that can read and post but never edit, commit or push.

Real git, real worktrees, the local tracker, the installed `gate`, fake agents."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch.context import open_context
from review_gate.dispatch.registry import read_claims
from review_gate.dispatch.review_worker import start_review
from review_gate.gates.common import trust_policy
from tests.fake_agents.harness import Project, agent, projects, wait_for
from tests.helpers import git

SPAWN_KEYS = {
    "issue", "worker_id", "attempt", "pid", "worktree", "branch", "log", "record",
    "prompt_file", "argv", "released", "notes",
}  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _implemented(project: Project, issue: int) -> tuple[str, str]:
    """An implementer commits on its branch and exits; its claim is released. Returns
    (branch, head)."""
    result = project.spawn(issue, "commit_and_exit")
    wait_for(lambda: project.state_of(issue) != "running", what="implementer exit")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--keep-worktree")
    assert proc.returncode == 0, proc.stderr
    branch = str(result["branch"])
    return branch, git(project.repo, "rev-parse", f"refs/heads/{branch}").strip()


def _review(project: Project, issue: int, name: str, *args: str) -> dict[str, Any]:
    proc = project.gate(
        "dispatch", "review", "--issue", str(issue), "--agent-cmd", agent(name, *args),
        "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return dict(json.loads(proc.stdout))


def _denied(answer: str) -> str:
    data = json.loads(answer)["hookSpecificOutput"]
    assert data["permissionDecision"] == "deny"
    return str(data["permissionDecisionReason"])


def test_review_starts_detached_at_the_head_and_cannot_change_anything(
    project: Project, tmp_path: Path
) -> None:
    issue = project.issue()
    branch, head = _implemented(project, issue)
    out = tmp_path / "probe.json"
    result = _review(project, issue, "hook_probe", str(out))
    assert set(result) == SPAWN_KEYS | {"head"}
    assert result["head"] == head and result["branch"] == branch
    worktree = project.repo.parent / "project-review-1"
    assert result["worktree"] == str(worktree)
    seen = json.loads(wait_for(lambda: out.exists() and out.read_text(), what="probe"))
    # detached at the implementer's head: no branch to commit to
    assert seen["head"] == head and seen["branch"] == ""
    assert "review worker" in _denied(seen["write"]) and "no edits" in _denied(seen["edit"])
    assert "git commit" in _denied(seen["commit"]) and "git push" in _denied(seen["push"])
    assert seen["read"] == seen["log"] == seen["post"] == ""
    code, stderr = json.loads(seen["real_push"])
    assert code != 0 and "review worker" in stderr and "never pushes" in stderr
    assert "probe" not in git(project.bare, "branch", "--list")
    # the implementer's branch and worktree are as they were
    assert git(project.repo, "rev-parse", f"refs/heads/{branch}").strip() == head
    implementer = project.repo.parent / "project-worker-1"
    assert git(implementer, "branch", "--show-current").strip() == branch
    hooks = Path(git(implementer, "rev-parse", "--git-path", "hooks").strip())
    assert "never pushes" not in (hooks / "pre-push").read_text()
    # the claim: role review, on the branch under review, a valid WORKER record
    claims = read_claims(project.tracker.list_comments(issue), trust_policy())
    mine = claims.claim_of(result["worker_id"])
    assert mine is not None and mine.role == "review" and mine.branch == branch
    assert mine.attempt == 2  # one more than the implementer's
    assert project.status(issue)[-1]["role"] == "review"


def test_the_review_is_posted_for_the_head_by_the_review_worker(project: Project) -> None:
    issue = project.issue()
    _, head = _implemented(project, issue)
    result = _review(project, issue, "review_at_head")
    wait_for(lambda: project.state_of(issue) == "completed", what="review posted")
    review = project.comments(issue)[-1]
    assert f"| Commit | `{head}` |" in review
    assert f"| Worker | `{result['worker_id']}` |" in review
    worker = project.status(issue)[-1]
    assert worker["worker_id"] == result["worker_id"] and worker["role"] == "review"


def test_review_refuses_while_the_implementer_holds_the_issue(project: Project) -> None:
    issue = project.issue()
    holder = project.spawn(issue, "hang")
    proc = project.gate(
        "dispatch", "review", "--issue", str(issue), "--agent-cmd", agent("review_at_head")
    )
    assert proc.returncode == 1 and holder["worker_id"] in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (project.repo.parent / "project-review-1").exists()


def test_review_needs_a_branch(project: Project) -> None:
    issue = project.issue()
    proc = project.gate(
        "dispatch", "review", "--issue", str(issue), "--agent-cmd", agent("review_at_head")
    )
    assert proc.returncode == 1 and "--branch" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 2 and project.comments(issue) == []
    proc = project.gate(
        "dispatch", "review", "--issue", str(issue), "--branch", "no-such-branch",
        "--agent-cmd", agent("review_at_head"),
    )  # fmt: skip
    assert proc.returncode == 1 and "no-such-branch" in proc.stderr
    assert project.comments(issue) == []


def test_review_of_a_branch_only_origin_has(project: Project) -> None:
    issue = project.issue()
    elsewhere = project.repo.parent / "elsewhere"
    git(project.repo.parent, "clone", "-q", str(project.bare), str(elsewhere))
    (elsewhere / "x.txt").write_text("x\n")
    git(elsewhere, "add", "x.txt")
    git(elsewhere, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "feat: x (#1)")
    git(
        elsewhere, "-c", "core.hooksPath=/dev/null", "push", "-q", "origin", "HEAD:refs/heads/topic"
    )
    head = git(elsewhere, "rev-parse", "HEAD").strip()
    proc = project.gate(
        "dispatch", "spawn", "--role", "review", "--issue", str(issue),
        "--agent-cmd", agent("review_at_head"), "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 1 and "--branch" in proc.stderr  # no implementer to follow
    proc = project.gate(
        "dispatch", "review", "--issue", str(issue), "--branch", "topic",
        "--agent-cmd", agent("review_at_head"), "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["head"] == head and result["branch"] == "topic"
    assert git(Path(result["worktree"]), "rev-parse", "HEAD").strip() == head


def test_start_review_from_python_and_spawn_role_review(project: Project) -> None:
    """The function the run loop calls, and `spawn --role review`, do what the command does."""
    first, second = project.issue("one"), project.issue("two")
    _, head = _implemented(project, first)
    ctx = open_context(project.repo)
    started = start_review(ctx, first, agent_cmd=agent("review_at_head"), orchestration=None)
    assert Path(started.worktree) == project.repo.parent / "project-review-1"
    wait_for(lambda: project.state_of(first) == "completed", what="review posted")
    assert f"| Commit | `{head}` |" in project.comments(first)[-1]
    _, head2 = _implemented(project, second)
    proc = project.gate(
        "dispatch", "spawn", "--role", "review", "--issue", str(second),
        "--agent-cmd", agent("review_at_head"), "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["head"] == head2
    detached = subprocess.run(
        ["git", "symbolic-ref", "-q", "HEAD"], cwd=project.repo.parent / "project-review-2",
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert detached.returncode == 1  # HEAD is detached


def test_cleanup_removes_a_finished_review_worker(project: Project) -> None:
    issue = project.issue()
    branch, head = _implemented(project, issue)
    result = _review(project, issue, "review_at_head")
    wait_for(lambda: project.state_of(issue) == "completed", what="review posted")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    cleaned = json.loads(proc.stdout)
    assert cleaned["worker_id"] == result["worker_id"] and cleaned["removed"] is True
    assert not Path(result["worktree"]).exists()
    # the implementer's branch (unpushed) is untouched
    assert git(project.repo, "rev-parse", f"refs/heads/{branch}").strip() == head
