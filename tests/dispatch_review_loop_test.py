"""`gate dispatch run --review-with`: implement, review, remediate, review again, until the
gate passes — real git, real processes, fake agents, short polls."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch import audit
from review_gate.dispatch.registry import read_claims
from review_gate.gates.common import trust_policy
from tests.fake_agents.harness import Project, agent, projects, wait_for
from tests.helpers import run_gate


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _claims(project: Project, issue: int) -> Any:
    return read_claims(project.tracker.list_comments(issue), trust_policy())


def _run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return project.gate("dispatch", "run", "--poll", "0.3", "--format", "json", *args, timeout=180)


def _output(proc: subprocess.CompletedProcess[str]) -> tuple[list[dict[str, Any]], Any]:
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    return [ln["event"] for ln in lines if "event" in ln], lines[-1]["summary"]


def test_review_loop_implements_reviews_remediates_until_the_gate_passes(
    project: Project, tmp_path: Path
) -> None:
    issue = project.issue()
    marker = tmp_path / "reviewed-once"
    proc = _run(
        project, "--issues", str(issue), "--agent-cmd", agent("fix_and_review"),
        "--review-cmd", agent("reviewer", str(marker)),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    events, summary = _output(proc)
    assert summary["issues"][0]["phase"] == "completed"
    kinds = [e["kind"] for e in events]
    assert kinds == [
        "spawned", "completed", "review-needed", "spawned", "reviewed", "gate-failed",
        "remediation", "spawned", "completed", "review-needed", "spawned", "reviewed",
        "gate-passed",
    ]  # fmt: skip
    claims = _claims(project, issue)
    assert [c.role for c in claims.claims] == ["implement", "review", "implement", "review"]
    assert [r.reason for r in claims.releases] == ["completed"] * 4
    # the second implementer got the reviewer's REVIEW and the gate's reasons
    second = claims.claims[2].worker_id
    prompt = (project.state / "workers" / f"{second}.prompt.md").read_text()
    assert "The parser drops the last line" in prompt
    assert "unaddressed" in prompt
    # the reviewers reviewed the implementer's head, and `gate check` agrees it passes
    worktree = claims.claims[2].worktree
    check = run_gate("check", "--issue", str(issue), cwd=worktree)
    assert check.returncode == 0, check.stdout + check.stderr
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=worktree, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert head in project.comments(issue)[-2]  # the clean REVIEW (before the release)


def test_an_implementer_that_exits_0_without_a_review_goes_to_review(
    project: Project, tmp_path: Path
) -> None:
    # where REVIEWs need the review identity, an implementer's own REVIEW would not
    # count: exiting 0 is what hands its work to the reviewer
    issue = project.issue()
    proc = _run(
        project, "--issues", str(issue), "--agent-cmd", agent("fix_and_review", "--no-review"),
        "--review-cmd", agent("reviewer", str(tmp_path / "reviewed-once")),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    events, summary = _output(proc)
    assert summary["issues"][0]["phase"] == "completed"
    completed = [e for e in events if e["kind"] == "completed"]
    assert len(completed) == 2 and all("ready for review" in e["message"] for e in completed)
    assert [c.role for c in _claims(project, issue).claims] == ["implement", "review"] * 2


def test_the_loop_gives_up_when_attempts_run_out(project: Project, tmp_path: Path) -> None:
    issue = project.issue()
    proc = _run(
        project, "--issues", str(issue), "--max-attempts", "1",
        "--agent-cmd", agent("fix_and_review"),
        "--review-cmd", agent("reviewer", str(tmp_path / "reviewed-once")),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    events, summary = _output(proc)
    state = summary["issues"][0]
    assert state["phase"] == "gave-up"
    assert "the review gate still fails after 1 attempt(s)" in state["note"]
    assert [e["kind"] for e in events][-2:] == ["gate-failed", "gave-up"]
    assert [c.role for c in _claims(project, issue).claims] == ["implement", "review"]


def test_the_loop_writes_its_events_to_the_audit_log(project: Project, tmp_path: Path) -> None:
    issue = project.issue()
    proc = _run(
        project, "--issues", str(issue), "--agent-cmd", agent("fix_and_review"),
        "--review-cmd", agent("reviewer", str(tmp_path / "reviewed-once")),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = list(audit.read(project.state, issue=issue))
    ours = ("spawn", "completed", "review-needed", "reviewed", "gate-failed", "remediation",
            "gate-passed")  # fmt: skip
    kinds = [ln["event"] for ln in lines]
    for kind in ours:
        assert kind in kinds, kinds
    orchestrations = {ln["orchestration"] for ln in lines if ln["event"] in ours}
    assert len(orchestrations) == 1 and None not in orchestrations, orchestrations
    assert all(ln["worker_id"] for ln in lines if ln["event"] in ours)
    claims = _claims(project, issue)
    reviewers = {c.worker_id for c in claims.claims if c.role == "review"}
    reviewed = [ln for ln in lines if ln["event"] == "reviewed"]
    assert {ln["worker_id"] for ln in reviewed} == reviewers
    spawns = [ln for ln in lines if ln["event"] == "spawn"]
    assert [ln["role"] for ln in spawns] == ["implement", "review", "implement", "review"]


def test_the_review_agent_is_checked_before_claiming(project: Project) -> None:
    issue = project.issue()
    proc = project.gate(
        "dispatch", "run", "--issues", str(issue), "--agent-cmd", agent("complete"),
        "--review-cmd", "no-such-reviewer {prompt_file}",
    )  # fmt: skip
    assert proc.returncode == 2 and "no-such-reviewer" in proc.stderr, proc.stderr
    assert project.comments(issue) == []


def test_activity_issue_gets_one_summary_comment(project: Project, tmp_path: Path) -> None:
    issue = project.issue()
    tracking = project.issue("Fleet activity")
    proc = _run(
        project, "--issues", str(issue), "--agent-cmd", agent("fix_and_review"),
        "--review-cmd", agent("reviewer", str(tmp_path / "reviewed-once")),
        "--activity-issue", str(tracking),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    bodies = project.comments(tracking)
    assert len(bodies) == 1, bodies
    assert "gate-passed" in bodies[0] and "remediation" in bodies[0]


def test_a_fresh_loop_each_poll_continues_the_review_loop(project: Project, tmp_path: Path) -> None:
    """Nothing of the review loop is kept in memory: a loop that is killed and started
    again between any two polls (here, a new loop for every poll) ends the same way."""
    from review_gate.dispatch.context import open_context
    from review_gate.dispatch.run import Loop
    from review_gate.dispatch.run_records import DONE, RunOptions

    issue = project.issue()
    options = RunOptions(
        issues=(issue,), max_workers=1, agent_cmd=agent("fix_and_review"),
        review_cmd=agent("reviewer", str(tmp_path / "reviewed-once")),
    )  # fmt: skip
    ctx = open_context(project.repo)

    def ended() -> bool:
        folder = project.state / "workers"
        return all((folder / f"{r['worker_id']}.exit").exists() for r in project.records())

    phase = None
    for _ in range(20):
        states = Loop(ctx, options, lambda event: None).poll()
        phase = states[0].phase
        if phase in DONE:
            break
        wait_for(ended, what="the worker to end")
    assert phase == "completed"
    claims = _claims(project, issue)
    assert [c.role for c in claims.claims] == ["implement", "review", "implement", "review"]
