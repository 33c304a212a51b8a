"""`gate dispatch run`: the orchestration loop with real processes and short polls."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch.registry import read_claims
from review_gate.gates.common import trust_policy
from tests.fake_agents.harness import Project, agent, alive, projects, wait_for
from tests.helpers import GATE


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _claims(project: Project, issue: int) -> Any:
    return read_claims(project.tracker.list_comments(issue), trust_policy())


def _run(project: Project, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return project.gate("dispatch", "run", "--poll", "0.3", *args, timeout=timeout)


def test_run_completes_a_queue_with_limited_slots(project: Project) -> None:
    issues = [project.issue(f"task {i}") for i in range(3)]
    proc = _run(
        project, "--issues", ",".join(map(str, issues)), "--max-workers", "2",
        "--agent-cmd", agent("complete", "0.5"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "queue done: 3 completed" in proc.stdout
    for n in issues:
        claims = _claims(project, n)
        assert len(claims.claims) == 1 and not claims.active
        assert [r.reason for r in claims.releases] == ["completed"]
    # plain lines when not on a terminal
    assert proc.stdout.count(" spawned: ") == 3


def test_run_retries_failures_with_context_up_to_the_limit(project: Project) -> None:
    issue = project.issue()
    proc = _run(
        project, "--issues", str(issue), "--max-attempts", "2", "--agent-cmd", agent("crash"),
        "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = [ln["event"]["kind"] for ln in lines if "event" in ln]
    assert kinds == ["spawned", "failed", "retry", "spawned", "failed", "gave-up"]
    assert lines[-1]["summary"]["issues"][0]["phase"] == "gave-up"
    claims = _claims(project, issue)
    assert [c.attempt for c in claims.claims] == [1, 2]
    assert claims.failures() == 2
    second = claims.claims[1].worker_id
    prompt = (project.state / "workers" / f"{second}.prompt.md").read_text()
    assert "Failure context from the previous attempt" in prompt
    assert "the model provider is unreachable" in prompt
    # a rerun finds the issue done: nothing more is spawned
    again = _run(project, "--issues", str(issue), "--max-attempts", "2",
                 "--agent-cmd", agent("crash"))  # fmt: skip
    assert again.returncode == 1 and "spawned" not in again.stdout
    assert len(_claims(project, issue).claims) == 2


def test_run_replaces_on_handover(project: Project) -> None:
    issue = project.issue()
    proc = _run(project, "--issues", str(issue), "--agent-cmd", agent("handover_once"))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    claims = _claims(project, issue)
    assert [c.attempt for c in claims.claims] == [1, 2]
    assert [r.reason for r in claims.releases] == ["handover", "completed"]
    assert claims.claims[0].worktree == claims.claims[1].worktree
    prompt = (project.state / "workers" / f"{claims.claims[1].worker_id}.prompt.md").read_text()
    assert "Context from the previous worker" in prompt and "Commit the work" in prompt


def test_run_applies_the_hang_policy(project: Project) -> None:
    issue = project.issue()
    proc = _run(
        project, "--issues", str(issue), "--hang-after", "1", "--max-attempts", "1",
        "--grace", "1", "--agent-cmd", agent("hang"),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert " hung: " in proc.stdout and " gave-up: " in proc.stdout
    claims = _claims(project, issue)
    assert [r.reason for r in claims.releases] == ["failed"]
    assert (project.state / "workers" / f"{claims.claims[0].worker_id}.log").exists()
    assert not project.status(issue)[0]["pids"]


def test_run_takes_its_queue_from_a_label(project: Project) -> None:
    a = project.issue("labelled", labels=("ready",))
    b = project.issue("not labelled")
    proc = _run(project, "--label", "ready", "--agent-cmd", agent("complete"))
    assert proc.returncode == 0, proc.stderr
    assert len(_claims(project, a).claims) == 1 and not _claims(project, b).claims


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("nope", "nothing to do: no issue has the label 'nope' (is it spelled right?)"),
        ("done", "nothing to do: no open issue has the label 'done' (1 closed issue with it)"),
    ],
)
def test_an_empty_label_queue_says_why(project: Project, label: str, message: str) -> None:
    closed = project.issue("finished", labels=("done",))
    project.tracker.set_state(closed, "closed")
    project.issue("open, other label", labels=("ready",))
    proc = _run(project, "--label", label, "--agent-cmd", "true")
    assert proc.returncode == 0, proc.stderr  # nothing to do is done (docs/dispatch.md)
    assert proc.stdout.strip() == message
    data = _run(project, "--label", label, "--agent-cmd", "true", "--format", "json")
    summary = json.loads(data.stdout.splitlines()[-1])["summary"]
    assert summary["issues"] == [] and summary["done"] is True
    assert summary["note"] == message.removeprefix("nothing to do: ")


def test_run_checks_the_agent_before_claiming(project: Project) -> None:
    issue = project.issue()
    proc = _run(project, "--issues", str(issue), "--agent-cmd", "no-such-agent {prompt_file}")
    assert proc.returncode == 2 and "agent command not found: no-such-agent" in proc.stderr
    assert project.comments(issue) == []


def test_run_stops_when_the_agent_cannot_be_executed(project: Project) -> None:
    issue = project.issue()
    proc = _run(project, "--issues", str(issue), "--agent-cmd", "{worktree}/no-agent")
    assert proc.returncode == 2 and "cannot start the agent" in proc.stderr, proc.stderr
    claims = _claims(project, issue)
    assert claims.claims == () and claims.attempts == 0
    assert not (project.repo.parent / "project-worker-1").exists()


def test_run_leaves_blocked_issues_alone(project: Project) -> None:
    issue = project.issue()
    proc = _run(project, "--issues", str(issue), "--agent-cmd", agent("blocked"))
    assert proc.returncode == 1
    assert [r.reason for r in _claims(project, issue).releases] == ["blocked"]


def _start_run(project: Project, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [GATE, "dispatch", "run", "--poll", "0.3", *args],
        cwd=project.repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_rerun_after_kill_9_loses_nothing_and_spawns_nothing_twice(project: Project) -> None:
    # It once spawned an issue twice on a loaded machine: worker ids were
    # `worker-<epoch>-<issue>` and processes were matched host-wide by id, so another test
    # run's `stop` (or teardown) of its issue 1 in the same second killed this test's
    # worker of issue 1, which then failed and was retried (issue 15). Ids are unique now,
    # a process must carry the worktree too, and the teardown kills only its own.
    issues = [project.issue(f"task {i}") for i in range(3)]
    args = ("--issues", ",".join(map(str, issues)), "--max-workers", "2",
            "--agent-cmd", agent("complete", "2"))  # fmt: skip
    first = _start_run(project, *args)
    wait_for(lambda: len(project.records()) >= 2, what="two workers")
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    # the workers outlive the killed loop: alive, or ended well on their own since
    for record in project.records():
        pid, ended = record["pid"], project.state / "workers" / f"{record['worker_id']}.exit"
        wait_for(lambda p=pid, e=ended: alive(p) or e.exists(), what="a worker or its end")
        assert alive(pid) or json.loads(ended.read_text())["returncode"] == 0
    second = _start_run(project, *args)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err + out
    for n in issues:
        claims = _claims(project, n)
        assert len(claims.claims) == 1, f"issue {n} was spawned {len(claims.claims)} times"
        assert [r.reason for r in claims.releases] == ["completed"]


def test_ctrl_c_leaves_workers_running_and_state_consistent(project: Project) -> None:
    issue = project.issue()
    loop = _start_run(project, "--issues", str(issue), "--agent-cmd", agent("complete", "3"))
    wait_for(lambda: project.records(), what="a worker")
    loop.send_signal(signal.SIGINT)
    out, err = loop.communicate(timeout=30)
    assert loop.returncode == 130, err
    assert "keep running" in out and "Traceback" not in err
    record = project.records()[0]
    assert alive(record["pid"])
    claims = _claims(project, issue)
    assert [c.worker_id for c in claims.active] == [record["worker_id"]]
    proc = _run(project, "--issues", str(issue), "--agent-cmd", agent("complete"))
    assert proc.returncode == 0, proc.stderr
    assert len(_claims(project, issue).claims) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "--issues"),
        (("--issues", "1", "--label", "x"), "exactly one queue"),
        (("--issues", "1,x"), "comma-separated"),
        (("--issues", "0"), "comma-separated"),
        (("--issues", "1", "--max-workers", "0"), "max-workers"),
    ],
)
def test_run_usage_errors(project: Project, args: tuple[str, ...], message: str) -> None:
    proc = project.gate("dispatch", "run", *args)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_heartbeat_refreshes_the_lease(project: Project) -> None:
    issue = project.issue()
    loop = _start_run(project, "--issues", str(issue), "--agent-cmd", agent("complete", "3"))
    try:
        wait_for(lambda: project.records(), what="a worker")
        first = _claims(project, issue).claims[0].data["heartbeat_at"]
        wait_for(
            lambda: _claims(project, issue).claims[0].data.get("heartbeat_at") != first,
            timeout=10, what="a newer heartbeat",
        )  # fmt: skip
        comment = project.tracker.list_comments(issue)[0]
        assert comment.updated_at > comment.created_at
    finally:
        loop.communicate(timeout=60)
    assert loop.returncode == 0


def test_a_worker_stopped_by_hand_ends_the_run_as_stopped(project: Project) -> None:
    issue = project.issue()
    loop = _start_run(project, "--issues", str(issue), "--agent-cmd", agent("hang"),
                      "--format", "json")  # fmt: skip
    try:
        wait_for(lambda: project.records(), what="a worker")
        stop = project.gate("dispatch", "stop", "--issue", str(issue), "--grace", "1")
        assert stop.returncode == 0, stop.stderr
    finally:
        out, err = loop.communicate(timeout=60)
    assert loop.returncode == 1, err + out
    summary = json.loads(out.splitlines()[-1])["summary"]
    state = summary["issues"][0]
    assert state["phase"] == "stopped" and summary["done"] is True
    assert state["worker"]["state"] == "failed"
    assert "killed by SIGTERM" in state["worker"]["detail"]
    claims = _claims(project, issue)
    assert [r.reason for r in claims.releases] == ["stopped"] and len(claims.claims) == 1
    # a rerun does not restart it either
    again = _run(project, "--issues", str(issue), "--agent-cmd", agent("hang"))
    assert again.returncode == 1 and "spawned" not in again.stdout
    assert "queue done: 1 stopped" in again.stdout
