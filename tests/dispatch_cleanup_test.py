"""`gate dispatch stop|cleanup|replace`: no orphaned children, no lost work."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate.dispatch.registry import read_claims
from review_gate.gates.common import trust_policy
from tests.fake_agents.harness import Project, alive, projects, wait_for
from tests.helpers import git


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _releases(project: Project, issue: int) -> list[tuple[str | None, str | None]]:
    claims = read_claims(project.tracker.list_comments(issue), trust_policy())
    return [(r.worker_id, r.reason) for r in claims.releases]


def test_stop_kills_the_whole_group(project: Project, tmp_path: Path) -> None:
    issue = project.issue()
    pidfile = tmp_path / "child.pid"
    result = project.spawn(issue, "spawn_child", str(pidfile))
    child = int(wait_for(lambda: pidfile.exists() and pidfile.read_text(), what="child pid"))
    assert alive(child) and alive(result["pid"])
    proc = project.gate("dispatch", "stop", "--issue", str(issue), "--grace", "1")
    assert proc.returncode == 0, proc.stderr
    assert "SIGKILL" in proc.stdout  # the child ignores SIGTERM
    assert not alive(result["pid"]) and not alive(child)
    assert project.state_of(issue) == "failed"
    again = project.gate("dispatch", "stop", "--issue", str(issue), "--format", "json")
    assert json.loads(again.stdout)["stopped"][0]["signalled"] == 0


def test_stop_reaches_a_process_that_left_the_group(project: Project, tmp_path: Path) -> None:
    issue = project.issue()
    pidfile = tmp_path / "escaped.pid"
    script = (
        "import os, subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'],"
        " start_new_session=True)\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(600)\n"
    )
    path = tmp_path / "escape.py"
    path.write_text(script)
    import sys

    proc = project.gate(
        "dispatch", "spawn", "--issue", str(issue), "--agent-cmd", f"{sys.executable} {path}"
    )
    assert proc.returncode == 0, proc.stderr
    escaped = int(wait_for(lambda: pidfile.exists() and pidfile.read_text(), what="pid"))
    project.gate("dispatch", "stop", "--issue", str(issue), "--grace", "2")
    wait_for(lambda: not alive(escaped), timeout=10, what="escaped child to die")


def test_cleanup_refuses_while_running(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "hang")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--force")
    assert proc.returncode == 1 and "stop it first" in proc.stderr
    assert Path(result["worktree"]).is_dir() and alive(result["pid"])


def test_cleanup_of_a_clean_pushed_worktree(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "complete")
    wait_for(lambda: not alive(result["pid"]), what="exit")
    worktree = Path(result["worktree"])
    git(worktree, "push", "-q", "origin", result["branch"])
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue))
    assert proc.returncode == 0, proc.stderr
    assert not worktree.exists()
    assert str(worktree) not in git(project.repo, "worktree", "list")
    assert _releases(project, issue) == [(result["worker_id"], "completed")]
    assert project.records() == []  # the pid record is gone, the log stays
    assert Path(result["log"]).exists()
    # the branch and its commits are still in the repository
    git(project.repo, "rev-parse", "--verify", result["branch"])


@pytest.mark.parametrize("agent", ["commit_and_exit", "dirty"])
def test_cleanup_refuses_unpushed_or_dirty_work(project: Project, agent: str) -> None:
    issue = project.issue()
    result = project.spawn(issue, agent)
    wait_for(lambda: not alive(result["pid"]), what="exit")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue))
    assert proc.returncode == 1
    assert "commit(s) no remote has" in proc.stderr
    if agent == "dirty":
        assert "uncommitted" in proc.stderr
    assert Path(result["worktree"]).is_dir()
    assert _releases(project, issue) == []


def test_force_saves_a_restorable_bundle_and_patch(project: Project, tmp_path: Path) -> None:
    issue = project.issue()
    result = project.spawn(issue, "dirty")
    wait_for(lambda: not alive(result["pid"]), what="exit")
    worktree = Path(result["worktree"])
    head = git(worktree, "rev-parse", "HEAD").strip()
    index_before = git(worktree, "diff", "--cached", "--name-only")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--force", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["removed"] is True and not worktree.exists()
    assert index_before == ""
    bundle, patch = Path(data["bundle"]), Path(data["patch"])
    assert bundle.is_file() and patch.is_file()
    assert Path(data["rescue_dir"]) == project.state / "rescue" / result["worker_id"]
    # Restore into a fresh clone of the remote: the commit comes back from the bundle,
    # and the patch recreates the uncommitted and untracked files.
    restore = tmp_path / "restore"
    git(tmp_path, "clone", "-q", str(project.bare), str(restore))
    git(restore, "fetch", "-q", str(bundle), f"{result['branch']}:restored")
    assert git(restore, "rev-parse", "restored").strip() == head
    git(restore, "checkout", "-q", "restored")
    git(restore, "apply", str(patch))
    assert (restore / "README.md").read_text() == "changed, not committed\n"
    assert (restore / "notes/untracked.txt").read_bytes() == b"draft \xff\xfe binary-ish\n"
    assert _releases(project, issue) == [(result["worker_id"], "failed")]


def test_text_output_prints_the_rescue_paths(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "commit_and_exit")
    wait_for(lambda: not alive(result["pid"]), what="exit")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--force")
    assert proc.returncode == 0, proc.stderr
    assert "bundle:" in proc.stdout and "commits.bundle" in proc.stdout
    assert "patch:" not in proc.stdout  # nothing uncommitted


def test_keep_worktree_releases_only(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "dirty")
    wait_for(lambda: not alive(result["pid"]), what="exit")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--keep-worktree")
    assert proc.returncode == 0, proc.stderr
    assert Path(result["worktree"], "notes/untracked.txt").exists()
    assert _releases(project, issue) == [(result["worker_id"], "failed")]


def test_cleanup_after_stop_says_stopped(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "hang")
    project.gate("dispatch", "stop", "--issue", str(issue), "--grace", "1")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue))
    assert proc.returncode == 0, proc.stderr
    assert _releases(project, issue) == [(result["worker_id"], "stopped")]


def test_cleanup_prunes_a_vanished_worktree(project: Project) -> None:
    import shutil

    issue = project.issue()
    result = project.spawn(issue, "crash")
    wait_for(lambda: not alive(result["pid"]), what="exit")
    shutil.rmtree(result["worktree"])
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue))
    assert proc.returncode == 0, proc.stderr
    assert result["worktree"] not in git(project.repo, "worktree", "list")


def test_cleanup_of_an_issue_without_worker(project: Project) -> None:
    # Refused like `stop` (exit 1): tests/dispatch_exit_codes_test.py, docs/dispatch.md.
    issue = project.issue()
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue))
    assert proc.returncode == 1 and f"issue #{issue} has no worker" in proc.stderr


def test_replace_hands_over(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "handover")
    wait_for(lambda: not alive(first["pid"]), what="exit")
    assert project.state_of(issue) == "handover"
    from tests.fake_agents.harness import agent

    proc = project.gate(
        "dispatch", "replace", "--issue", str(issue), "--agent-cmd", agent("hang"),
        "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    second = data["spawned"]
    assert second["attempt"] == 2 and second["worktree"] == first["worktree"]
    assert _releases(project, issue) == [(first["worker_id"], "handover")]
    prompt = Path(second["prompt_file"]).read_text()
    assert "## Context from the previous worker" in prompt and "Finish the fake work" in prompt
    workers = project.status(issue)
    assert [(w["worker_id"], w["state"]) for w in workers] == [(second["worker_id"], "running")]


def test_replace_with_a_wrong_agent_keeps_the_running_worker(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "hang")
    before = project.comments(issue)
    proc = project.gate(
        "dispatch", "replace", "--issue", str(issue), "--agent-cmd", "no-such-agent {issue}"
    )
    assert proc.returncode == 2 and "agent command not found" in proc.stderr
    assert alive(first["pid"]) and project.comments(issue) == before


def test_retry_prompt_carries_the_failure_context(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "crash")
    wait_for(lambda: not alive(first["pid"]), what="exit")
    from tests.fake_agents.harness import agent

    proc = project.gate(
        "dispatch", "replace", "--issue", str(issue), "--agent-cmd", agent("hang"),
        "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    prompt = Path(json.loads(proc.stdout)["spawned"]["prompt_file"]).read_text()
    assert "## Failure context from the previous attempt" in prompt
    assert "the model provider is unreachable" in prompt  # the end of its log
    assert "Context from the previous worker" not in prompt


def test_cleanup_on_a_dirty_tree_does_not_touch_the_main_checkout(project: Project) -> None:
    (project.repo / "local-notes.txt").write_text("mine\n")
    issue = project.issue()
    result = project.spawn(issue, "crash")
    wait_for(lambda: not alive(result["pid"]), what="exit")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue))
    assert proc.returncode == 0, proc.stderr
    assert (project.repo / "local-notes.txt").read_text() == "mine\n"
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=project.repo, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    assert status == "?? local-notes.txt\n"
