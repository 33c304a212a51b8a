"""Ordered phases of `gate dispatch run`: --sequential, --after, `depends on #N` — a phase
starts only when the one it waits for is done and its gate passes; a failed gate gets a
remediation attempt first. Real git, real processes, fake agents, short polls."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch import phases
from review_gate.dispatch.registry import read_claims
from review_gate.errors import UsageError
from review_gate.gates.common import comment_order, trust_policy
from tests.fake_agents.harness import Project, agent, projects, wait_for


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _claims(project: Project, issue: int) -> Any:
    return read_claims(project.tracker.list_comments(issue), trust_policy())


def _run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return project.gate("dispatch", "run", "--poll", "0.3", "--format", "json", *args, timeout=180)


def _events(proc: subprocess.CompletedProcess[str]) -> list[tuple[int | None, str]]:
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    return [(ln["event"]["issue"], ln["event"]["kind"]) for ln in lines if "event" in ln]


# ------------------------------------------------------------------------------ planning


def test_plan_orders_the_phases() -> None:
    assert phases.plan([1, 2, 3], sequential=True) == {2: {1}, 3: {2}}
    assert phases.plan([1, 2, 3], after=[(3, 1), (3, 2)]) == {3: {1, 2}}
    bodies = {1: "", 2: "Blocked by #1.", 3: "This depends on #1, #2 and is big."}
    assert phases.plan([1, 2, 3], bodies=bodies) == {2: {1}, 3: {1, 2}}
    assert phases.plan([1, 2], bodies={2: "see #1; blocks nothing"}) == {}
    assert phases.plan([1, 2], bodies={2: "depends on #7"}, closed={7}) == {}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"after": [(1, 2), (2, 1)]}, "the phases wait in a cycle: #1 -> #2 -> #1"),
        ({"after": [(1, 1)]}, "#1 cannot wait for itself"),
        ({"after": [(1, 9)]}, "#1 waits for #9, which is not in the queue"),
        ({"after": [(9, 1)]}, "#9 is not in the queue"),
        ({"bodies": {2: "depends on #7"}}, "#2 waits for #7, which is not in the queue"),
        ({"sequential": True, "bodies": {1: "blocked by #3"}}, "cycle: #1 -> #3 -> #2 -> #1"),
    ],
)
def test_plan_refuses_cycles_and_waits_outside_the_queue(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match="nothing was started") as caught:
        phases.plan([1, 2, 3], **kwargs)
    assert message in caught.value.message


def test_parse_after_takes_pairs_and_lists() -> None:
    assert phases.parse_after(["11:10", "#12:#11,13:12"]) == [(11, 10), (12, 11), (13, 12)]
    for bad in ("11", "11:x", "0:1", "1:2:3"):
        with pytest.raises(UsageError, match="--after takes ISSUE:WAITS_FOR"):
            phases.parse_after([bad])


def test_hold_back_says_what_an_issue_waits_for() -> None:
    waits = {3: frozenset({1, 2})}
    assert phases.hold_back(1, waits, {}) is None
    assert phases.hold_back(3, waits, {1: "completed", 2: "closed"}) is None
    held = phases.hold_back(3, waits, {1: "completed", 2: "want"}, failing={2})
    assert held == ("waiting", "waiting for #2 (gate not passed)")
    held = phases.hold_back(3, waits, {1: "running", 2: "want"})
    assert held == ("waiting", "waiting for #1 (running), #2 (needs a worker)")
    assert phases.hold_back(3, waits, {1: "gave-up"}) == (
        "skipped",
        "not started: #1, which it waits for, ended gave-up",
    )


# ------------------------------------------------------------------------------ the loop


def test_usage_errors_before_anything_is_claimed(project: Project) -> None:
    a, b = project.issue("one"), project.issue("two")
    c = project.tracker.create_issue("three", f"Depends on #{a}.").number
    cases = [
        (("--issues", f"{a},{b}", "--after", f"{a}:{b}", "--after", f"{b}:{a}"), "cycle"),
        (("--issues", f"{b},{c}"), f"#{c} waits for #{a}, which is not in the queue"),
        (("--label", "x", "--sequential"), "--sequential needs --issues"),
        (("--issues", f"{a},{b}", "--after", "1-2"), "--after takes ISSUE:WAITS_FOR"),
    ]
    for args, message in cases:
        proc = project.gate("dispatch", "run", *args, "--agent-cmd", agent("complete"))
        assert proc.returncode == 2 and message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    for n in (a, b, c):
        assert project.comments(n) == []


def test_sequential_phase_2_starts_only_after_phase_1s_gate_passes(project: Project) -> None:
    a, b = project.issue("phase one"), project.issue("phase two")
    proc = _run(project, "--issues", f"{a},{b}", "--sequential", "--agent-cmd",
                agent("fix_and_review"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    events = _events(proc)
    assert events.index((a, "gate-passed")) < events.index((b, "spawned"))
    first = _claims(project, a)
    second = _claims(project, b)
    # b's claim came after a's worker was released
    assert comment_order(second.claims[0].comment) > comment_order(first.releases[-1].comment)


def test_body_dependency_orders_issues_of_a_label_queue(project: Project) -> None:
    late = project.tracker.create_issue("second", "Depends on #2.", labels=("ready",)).number
    early = project.issue("first", labels=("ready",))
    assert (late, early) == (1, 2)
    proc = _run(project, "--label", "ready", "--agent-cmd", agent("fix_and_review"))
    assert proc.returncode == 0, proc.stderr
    events = _events(proc)
    assert events.index((early, "gate-passed")) < events.index((late, "spawned"))


def test_a_failed_gate_gets_a_remediation_attempt_before_the_next_phase(
    project: Project, tmp_path: Path
) -> None:
    a, b = project.issue("phase one"), project.issue("phase two")
    marker = tmp_path / "reviewed-stale-once"
    proc = _run(project, "--issues", f"{a},{b}", "--after", f"{b}:{a}", "--agent-cmd",
                agent("stale_review_once", str(marker)))  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    events = _events(proc)
    about_a = [kind for issue, kind in events if issue == a]
    assert about_a == [
        "spawned", "completed", "gate-failed", "remediation", "spawned", "completed",
        "gate-passed",
    ]  # fmt: skip
    assert events.index((a, "gate-passed")) < events.index((b, "spawned"))
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    waits = [ln["event"]["message"] for ln in lines if ln.get("event", {}).get("issue") == b
             and ln["event"]["kind"] == "waiting"]  # fmt: skip
    assert f"waiting for #{a} (gate not passed)" in waits, waits
    claims = _claims(project, a)
    assert len(claims.claims) == 2
    prompt = (project.state / "workers" / f"{claims.claims[1].worker_id}.prompt.md").read_text()
    assert "stale" in prompt or "the head being gated is" in prompt, prompt


def test_summary_shows_a_phase_waiting_for_a_failed_gate(project: Project, tmp_path: Path) -> None:
    from review_gate.dispatch.context import open_context
    from review_gate.dispatch.run import Loop
    from review_gate.dispatch.run_plan import plan_waits
    from review_gate.dispatch.run_records import RunOptions

    a, b = project.issue("phase one"), project.issue("phase two")
    ctx = open_context(project.repo)
    options = RunOptions(
        issues=(a, b), sequential=True, max_workers=1,
        agent_cmd=agent("stale_review_once", str(tmp_path / "marker")),
    )  # fmt: skip
    loop = Loop(ctx, options, lambda event: None, None, None, plan_waits(ctx, options))
    states = loop.poll()
    assert [s.phase for s in states] == ["running", "waiting"]
    assert states[1].note == f"waiting for #{a} (needs a worker)"
    record = project.records()[0]
    exit_file = project.state / "workers" / f"{record['worker_id']}.exit"
    wait_for(exit_file.exists, what="the first attempt to end")
    states = loop.poll()  # a's gate fails: its remediation takes the one slot
    assert states[0].phase == "running"
    assert states[1].phase == "waiting"
    assert states[1].note == f"waiting for #{a} (gate not passed)"


def test_a_phase_that_gives_up_skips_the_ones_waiting_for_it(project: Project) -> None:
    a, b = project.issue("phase one"), project.issue("phase two")
    proc = _run(project, "--issues", f"{a},{b}", "--sequential", "--max-attempts", "1",
                "--agent-cmd", agent("crash"))  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    summary = json.loads(proc.stdout.splitlines()[-1])["summary"]
    assert [s["phase"] for s in summary["issues"]] == ["gave-up", "skipped"]
    assert summary["issues"][1]["note"] == f"not started: #{a}, which it waits for, ended gave-up"
    assert _claims(project, b).claims == ()


def test_phases_with_the_review_loop_wait_for_the_reviewed_gate(
    project: Project, tmp_path: Path
) -> None:
    a, b = project.issue("phase one"), project.issue("phase two")
    proc = _run(
        project, "--issues", f"{a},{b}", "--sequential", "--agent-cmd", agent("fix_and_review"),
        "--review-cmd", agent("reviewer", str(tmp_path / "reviewed-once")),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr + proc.stdout
    events = _events(proc)
    # a's first review has findings: remediation and a second review before b starts
    assert [kind for issue, kind in events if issue == a].count("reviewed") == 2
    assert events.index((a, "gate-passed")) < events.index((b, "spawned"))
    assert [c.role for c in _claims(project, b).claims] == ["implement", "review"]
