"""Budgets and forced handover, end to end: `gate dispatch spawn|status|run` with real
git, the local tracker, the installed hooks and a fake agent that keeps calling tools
through them (tests/fake_agents/budget_tools.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch import audit
from review_gate.dispatch.registry import read_claims
from review_gate.gates.common import trust_policy
from tests.fake_agents.harness import Project, agent, projects, wait_for


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _events(log: str) -> list[dict[str, Any]]:
    """The fake agent's ``{"fake": ...}`` lines in its log."""
    found = []
    for line in Path(log).read_text().splitlines():
        if line.startswith('{"fake"'):
            found.append(json.loads(line)["fake"])
    return found


def _spawn(project: Project, issue: int, mode: str, *flags: str) -> dict[str, Any]:
    proc = project.gate(
        "dispatch", "spawn", "--issue", str(issue), "--agent-cmd", agent("budget_tools", mode),
        *flags, "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return dict(json.loads(proc.stdout))


def test_worker_is_asked_for_a_handover_at_the_soft_threshold_and_held_at_the_hard_limit(
    project: Project,
) -> None:
    issue = project.issue()
    spawned = _spawn(project, issue, "ignore", "--max-turns", "10")
    wait_for(lambda: project.state_of(issue) != "running", timeout=120, what="the worker's end")
    events = _events(spawned["log"])
    kinds = [(e["kind"], e.get("call")) for e in events]
    # 85 % of 10 turns: calls 9 and 10 carry the instruction, call 11 is denied
    assert ("asked", 9) in kinds and ("asked", 10) in kinds and ("asked", 8) not in kinds
    denied = [e for e in events if e["kind"] == "denied"]
    assert denied[0]["call"] == 11 and "budget is spent (turns 11/10)" in denied[0]["reason"]
    assert f"gate new handover --issue {issue}" in denied[0]["reason"]
    # the Stop hook holds it until the HANDOVER is posted (posting it is allowed)
    stops = [e["kind"] for e in events if e["kind"].startswith("stop-")]
    assert stops == ["stop-blocked", "stop-allowed"]
    assert ("handover-posted", 12) in kinds
    [worker] = project.status(issue)
    assert worker["state"] == "handover"
    assert "reason: budget" in worker["detail"]
    budget = worker["budget"]
    assert budget["turns"] == [12, 10] and budget["state"] == "exhausted"
    assert budget["tool_calls"] == 12 and budget["stream_turns"] == 12
    assert budget["tokens"] == [12 * 110, None] and budget["cost_usd"] == [None, None]
    assert budget["minutes"][1] is None and budget["soft"] == 0.85
    text = project.gate("dispatch", "status", "--issue", str(issue)).stdout
    assert "budget:        turns 12/10" in text and "exhausted" in text
    logged = [e for e in audit.read(project.state, issue) if e["event"].startswith("budget-")]
    assert [(e["event"], e["worker_id"], e["used"]) for e in logged] == [
        ("budget-warning", spawned["worker_id"], 9.0),
        ("budget-exhausted", spawned["worker_id"], 11.0),
    ]


def test_budget_from_the_configuration_and_flags(project: Project, tmp_path: Path) -> None:
    """`[dispatch.budget]` sets the limits, a flag overrides one; Claude Code gets
    --max-turns (the limit plus room for the HANDOVER), other agents do not."""
    (project.repo / ".review-gate.toml").write_text(
        "[dispatch.budget]\nturns = 40\nminutes = 30\ntokens = 50000\nsoft = 0.5\n"
    )
    claude = tmp_path / "bin" / "claude"
    claude.parent.mkdir()
    claude.write_text("#!/bin/sh\nexit 0\n")
    claude.chmod(0o755)
    one, two = project.issue("one"), project.issue("two")
    proc = project.gate(
        "dispatch", "spawn", "--issue", str(one), "--agent", "claude", "--max-turns", "20",
        "--format", "json", env={"REVIEW_GATE_CLAUDE": str(claude)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    argv = json.loads(proc.stdout)["argv"]
    assert argv[argv.index("--max-turns") + 1] == "30"
    spawned = _spawn(project, two, "complete")
    assert "--max-turns" not in spawned["argv"]
    wait_for(lambda: project.state_of(two) == "completed", what="the worker's end")
    [worker] = project.status(two)
    limits = {k: worker["budget"][k][1] for k in ("turns", "minutes", "tokens", "cost_usd")}
    assert limits == {"turns": 40, "minutes": 30.0, "tokens": 50000, "cost_usd": None}
    assert worker["budget"]["soft"] == 0.5 and worker["budget"]["state"] == "ok"


def test_bad_budget_flag_and_key_are_one_line_errors(project: Project) -> None:
    issue = project.issue()
    proc = project.gate("dispatch", "spawn", "--issue", str(issue), "--max-turns", "0")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (project.repo / ".review-gate.toml").write_text("[dispatch.budget]\nsoft = 1.5\n")
    proc = project.gate("dispatch", "spawn", "--issue", str(issue), "--agent-cmd", "true")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "dispatch.budget.soft" in proc.stderr and "at most 1" in proc.stderr
    assert not project.tracker.list_comments(issue)  # nothing claimed


def test_run_replaces_a_worker_at_its_hard_limit(project: Project, tmp_path: Path) -> None:
    """A worker past its budget that posted its HANDOVER but keeps running is stopped by
    `run` and replaced by the next attempt (which completes here)."""
    (project.repo / ".review-gate.toml").write_text("[dispatch.budget]\nturns = 6\n")
    issue = project.issue()
    marker = tmp_path / "first-worker"
    command = agent("budget_tools", "ignore-hang", str(marker))
    proc = project.gate(
        "dispatch", "run", "--issues", str(issue), "--poll", "0.3", "--grace", "1",
        "--agent-cmd", command, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "budget spent, HANDOVER posted; stopping it" in proc.stdout
    claims = read_claims(project.tracker.list_comments(issue), trust_policy())
    assert [c.attempt for c in claims.claims] == [1, 2]
    assert [r.reason for r in claims.releases] == ["handover", "completed"]
    first = claims.claims[0].worker_id
    events = [e["event"] for e in audit.read(project.state, issue) if e["worker_id"] == first]
    assert "budget-warning" in events and "budget-exhausted" in events
    prompt = (project.state / "workers" / f"{claims.claims[1].worker_id}.prompt.md").read_text()
    assert "Finish the fake work" in prompt  # the HANDOVER went to the next attempt


def test_status_without_a_budget_record(project: Project) -> None:
    """A worker started before budgets (no budget directory) shows none."""
    issue = project.issue()
    spawned = _spawn(project, issue, "complete")
    wait_for(lambda: project.state_of(issue) == "completed", what="the worker's end")
    directory = project.state / "budgets" / spawned["worker_id"]
    for path in directory.iterdir():
        path.unlink()
    directory.rmdir()
    [worker] = project.status(issue)
    assert worker["budget"] is None
