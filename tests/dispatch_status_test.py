"""`gate dispatch status|list`: every state reached with real processes and reported."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate.dispatch.registry import assignment_body
from tests.fake_agents.harness import Project, alive, projects, wait_for


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


@pytest.mark.parametrize(
    ("agent", "state"),
    [
        ("complete", "completed"),
        ("handover", "handover"),
        ("blocked", "blocked"),
        ("crash", "failed"),
        ("commit_and_exit", "failed"),  # exited without posting an outcome
    ],
)
def test_finished_worker_states(project: Project, agent: str, state: str) -> None:
    issue = project.issue()
    result = project.spawn(issue, agent)
    wait_for(lambda: not alive(result["pid"]), what="agent exit")
    workers = project.status(issue)
    assert [(w["worker_id"], w["state"]) for w in workers] == [(result["worker_id"], state)]
    worker = workers[0]
    assert worker["active"] is True and worker["attempt"] == 1 and worker["pids"] == []
    assert worker["runtime"] is not None and worker["last_activity"] is not None
    if state in ("completed", "handover", "blocked"):
        assert worker["outcome_url"]


def test_running_then_hung(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "hang")
    wait_for(lambda: Path(result["log"]).read_text(), what="first log line")
    worker = project.status(issue)[0]
    assert worker["state"] == "running" and worker["pids"] == [result["pid"]]
    time.sleep(1.2)
    hung = project.status(issue, extra=("--hang-after", "1"))[0]
    assert hung["state"] == "hung" and hung["idle"] >= 1
    # the same through configuration
    via_config = project.status(issue, env={"REVIEW_GATE_HANG_AFTER": "1"})[0]
    assert via_config["state"] == "hung"
    assert project.status(issue)[0]["state"] == "running"  # default: 30 minutes


def test_outcome_must_come_after_the_assignment(project: Project) -> None:
    from tests.artifact_samples import review

    issue = project.issue()
    project.tracker.post_comment(issue, review(issue))  # an old complete review
    result = project.spawn(issue, "crash")
    wait_for(lambda: not alive(result["pid"]), what="crash")
    assert project.state_of(issue) == "failed"


def test_untrusted_outcome_does_not_count(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "crash")
    wait_for(lambda: not alive(result["pid"]), what="crash")
    project.tracker.post_comment(
        issue, "🤖 **Worker Blocked**\nno", author="mallory", association="NONE"
    )
    assert project.state_of(issue) == "failed"


def _claim(project: Project, issue: int, host: str, heartbeat: str) -> str:
    worker_id = f"worker-1700000000-{issue}"
    data = {
        "assigned": True, "worker_id": worker_id, "assigned_at": heartbeat,
        "worktree": str(project.repo.parent / f"project-worker-{issue}"), "issue": issue,
        "attempt": 1, "host": host, "heartbeat_at": heartbeat,
    }  # fmt: skip
    project.tracker.post_comment(issue, assignment_body(data))
    return worker_id


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@pytest.mark.parametrize(
    ("host", "heartbeat", "state"),
    [
        (socket.gethostname(), "now", "orphaned"),  # dispatcher died before the start
        (socket.gethostname(), "2020-01-01T00:00:00Z", "orphaned"),
        ("elsewhere", "now", "running"),  # cannot check: the fresh lease counts
        ("elsewhere", "2020-01-01T00:00:00Z", "orphaned"),
    ],
)
def test_orphaned_claims(project: Project, host: str, heartbeat: str, state: str) -> None:
    issue = project.issue()
    worker_id = _claim(project, issue, host, _now() if heartbeat == "now" else heartbeat)
    workers = project.status(issue)
    assert [(w["worker_id"], w["state"]) for w in workers] == [(worker_id, state)]


def test_orphan_with_fresh_lease_blocks_spawn_until_it_expires(project: Project) -> None:
    issue = project.issue()
    worker_id = _claim(project, issue, socket.gethostname(), _now())
    proc = project.gate("dispatch", "spawn", "--issue", str(issue), "--agent-cmd", "true")
    assert proc.returncode == 1 and worker_id in proc.stderr
    time.sleep(1.1)
    env = {"REVIEW_GATE_LEASE_TTL": "1"}
    result = project.spawn(issue, "crash", env=env)
    assert result["released"] == [worker_id]


def test_list_and_status_text_and_json(project: Project) -> None:
    a, b = project.issue("first"), project.issue("second")
    ra = project.spawn(a, "hang")
    rb = project.spawn(b, "crash")
    wait_for(lambda: not alive(rb["pid"]), what="crash")
    listing = project.gate("dispatch", "list")
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert lines[0].split()[:4] == ["ISSUE", "WORKER", "ATT", "STATE"]
    assert any(ra["worker_id"] in ln and "running" in ln for ln in lines)
    assert any(rb["worker_id"] in ln and "failed" in ln for ln in lines)
    text = project.gate("dispatch", "status", "--issue", str(a))
    assert f"#{a} {ra['worker_id']} (attempt 1): running" in text.stdout
    data = json.loads(project.gate("dispatch", "list", "--format", "json").stdout)
    keys = {"issue", "worker_id", "attempt", "state", "runtime", "last_activity", "pids", "log"}
    assert keys <= set(data["workers"][0])
    empty = project.gate("dispatch", "status", "--issue", "77")
    assert empty.returncode == 2 or "no workers" in empty.stdout


def test_status_outside_a_repository(tmp_path: Path) -> None:
    from tests.helpers import run_gate

    proc = run_gate("dispatch", "status", cwd=tmp_path)
    assert proc.returncode == 2 and "not inside a git repository" in proc.stderr


def _spawn_cmd(project: Project, issue: int, command: str) -> dict[str, object]:
    proc = project.gate(
        "dispatch", "spawn", "--issue", str(issue), "--agent-cmd", command, "--format", "json"
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_runtime_runs_from_start_to_exit_and_cleanup_shows_the_worktree_removed(
    project: Project,
) -> None:
    issue = project.issue()
    # a quiet agent: its log never grows, so the log's mtime says nothing of its end
    result = _spawn_cmd(project, issue, "sleep 1.5")
    pid = result["pid"]
    assert isinstance(pid, int)
    wait_for(lambda: not alive(pid), what="agent exit")
    wait_for(lambda: project.status(issue)[0]["exit_code"] is not None, what="exit record")
    worker = project.status(issue)[0]
    assert 1.4 <= worker["runtime"] < 10, worker
    assert worker["exit_code"] == 0 and worker["exited_at"]
    assert worker["state"] == "failed" and worker["detail"].startswith("exited with code 0")
    assert worker["worktree_exists"] is True
    text = project.gate("dispatch", "status", "--issue", str(issue)).stdout
    assert "runtime:       1." in text and "(removed)" not in text
    cleaned = project.gate("dispatch", "cleanup", "--issue", str(issue))
    assert cleaned.returncode == 0, cleaned.stderr
    after = project.status(issue)[0]
    assert after["worktree_exists"] is False and after["runtime"] == worker["runtime"]
    text = project.gate("dispatch", "status", "--issue", str(issue)).stdout
    assert f"worktree:      {result['worktree']} (removed)" in text


def test_a_stopped_worker_says_it_was_killed(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "hang")
    wait_for(lambda: Path(result["log"]).read_text(), what="first log line")
    stop = project.gate("dispatch", "stop", "--issue", f"#{issue}", "--grace", "5")
    assert stop.returncode == 0, stop.stderr
    wait_for(lambda: project.status(issue)[0]["exit_code"] is not None, what="exit record")
    worker = project.status(issue)[0]
    assert worker["state"] == "failed" and worker["exit_code"] == -15
    assert worker["detail"].startswith("killed by SIGTERM (stopped at ")
    assert worker["runtime"] is not None and worker["runtime"] > 0
