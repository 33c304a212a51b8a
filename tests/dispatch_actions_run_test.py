"""`gate dispatch run --backend github-actions`: the one loop of `gate dispatch run`
(src/review_gate/dispatch/run.py) driving workflow runs through the backend, against
the GitHub stand-in — slots, completion, handover to a new run, retry after a failed
run, a hung run cancelled, a loop killed with SIGKILL then run again (no second run,
nothing lost), GitHub down for a poll, and the orchestration id on every claim."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.artifacts.report_templates import ReportFacts, report
from review_gate.dispatch import audit
from review_gate.dispatch.backends.actions import ActionsBackend
from review_gate.dispatch.run import Loop
from review_gate.dispatch.run_plan import check_run
from review_gate.dispatch.run_records import Event, RunOptions
from tests import artifact_samples as samples
from tests.dispatch_actions_backend_test import World
from tests.fake_agents.harness import wait_for
from tests.github_standin import GitHubStandIn
from tests.helpers import GATE


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with GitHubStandIn() as gh:
        monkeypatch.setenv("GH_TOKEN", gh.token)
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
        yield World(tmp_path, gh)


def _run_of(world: World, issue: int) -> Any:
    return max(
        (r for r in world.runs.runs.values() if r.inputs["issue"] == str(issue)),
        key=lambda r: r.data["id"],
    )


def _post(world: World, issue: int, body: str) -> None:
    from review_gate.dispatch.registry import now, rfc3339

    world.gh.add_comment(issue, body, created_at=rfc3339(now()))


def _loop(backend: ActionsBackend, options: RunOptions, events: list[Event]) -> Loop:
    return Loop(backend.ctx, options, events.append, backend=backend)


def _phases(loop: Loop) -> dict[int, str]:
    return {s.issue: s.phase for s in loop.poll()}


def test_loop_fills_slots_hands_over_and_retries(world: World) -> None:
    for issue in (8, 9):
        world.gh.add_issue(issue, f"Issue {issue}")
    events: list[Event] = []
    options = RunOptions(issues=(7, 8, 9), max_workers=2, poll=0)
    backend = world.backend()
    loop = _loop(backend, options, events)
    loop.poll()
    assert sorted(int(r.inputs["issue"]) for r in world.runs.runs.values()) == [7, 8]
    # 7 completes; 8 hands over
    run7, run8 = _run_of(world, 7), _run_of(world, 8)
    _post(world, 7, samples.review(7))
    world.runs.set(run7.data["id"], "completed", "success")
    _post(world, 8, samples.handover(8, worker=run8.inputs["worker_id"]))
    world.runs.set(run8.data["id"], "completed", "success")
    phases = _phases(loop)
    assert phases[7] == "completed"
    second8 = _run_of(world, 8)
    assert second8.data["id"] != run8.data["id"] and second8.inputs["attempt"] == "2"
    assert _run_of(world, 9).inputs["attempt"] == "1"
    # 8's second run fails without an outcome (and without an artifact): retried
    world.runs.set(second8.data["id"], "completed", "failure")
    _post(world, 9, samples.review(9))
    world.runs.set(_run_of(world, 9).data["id"], "completed", "success")
    loop.poll()
    third8 = _run_of(world, 8)
    assert third8.inputs["attempt"] == "3"
    _post(world, 8, samples.review(8))
    world.runs.set(third8.data["id"], "completed", "success")
    assert _phases(loop) == {7: "completed", 8: "completed", 9: "completed"}
    assert loop.run().done  # nothing left to do: the loop ends at once
    assert len(world.runs.runs) == 5  # 7, 8 x3, 9: never two runs for one claim
    kinds = [e.kind for e in events]
    assert kinds.count("spawned") == 5
    assert kinds.count("completed") == 3 and "handover" in kinds and "retry" in kinds
    # one orchestration: in every claim, and on every event of the audit trail
    claims = [c for i in (7, 8, 9) for c in world.claims(i).claims]
    assert {c.orchestration for c in claims} == {loop.orchestration}
    spawns = [e for e in audit.read(backend.ctx.state) if e.get("event") == "spawn"]
    assert len(spawns) == 5 and {e["orchestration"] for e in spawns} == {loop.orchestration}


@pytest.mark.parametrize("stuck", [False, True], ids=["cancel", "force-cancel"])
def test_loop_stops_a_hung_run_and_gives_up_after_max_attempts(world: World, stuck: bool) -> None:
    options = RunOptions(issues=(7,), max_workers=1, poll=0, max_attempts=1,
                               hang_after=60)  # fmt: skip
    events: list[Event] = []
    backend = world.backend()
    loop = _loop(backend, options, events)
    loop.poll()
    run = _run_of(world, 7)
    world.runs.set(run.data["id"], "in_progress")
    world.runs.stuck_on_cancel = stuck  # cancel accepted, the run goes on: force-cancel
    world.age_claim(seconds=600)
    run_path = f"/actions/runs/{run.data['id']}"
    if stuck:
        # cancelled; the job gets cancel_grace to save the work before a force-cancel
        assert _phases(loop) == {7: "hung"}
        assert _phases(loop) == {7: "hung"}
        assert world.gh.count("POST", f"{run_path}/cancel") == 1
        assert world.gh.count("POST", f"{run_path}/force-cancel") == 0
        later = time.monotonic() + backend.cancel_grace  # the grace is over
        backend.clock = lambda: later
    assert _phases(loop) == {7: "gave-up"}  # stopped, its claim ended as failed
    assert world.gh.count("POST", f"{run_path}/cancel") == 1
    assert world.gh.count("POST", f"{run_path}/force-cancel") == (1 if stuck else 0)
    assert len(world.runs.runs) == 1
    kinds = [e.kind for e in events if e.issue == 7]
    assert kinds[-4:] == ["hung", "stopped", "failed", "gave-up"], kinds
    assert world.claims().releases[-1].reason == "failed"


def test_a_hung_run_the_claim_never_recorded_is_found_and_cancelled(world: World) -> None:
    from review_gate.dispatch.backends.remote_claim import pending_location
    from review_gate.dispatch.registry import assignment_body

    options = RunOptions(issues=(7,), max_workers=1, poll=0, hang_after=60)
    loop = _loop(world.backend(), options, [])
    loop.poll()
    run = _run_of(world, 7)
    world.age_claim(seconds=600)  # queued for ten minutes: a run that never starts
    claim = world.claims().latest  # as if the dispatch's answer carried no run
    data = {**claim.data, "worktree": pending_location("review-gate-worker.yml")}
    world.gh.comments[claim.comment.id]["body"] = assignment_body(data)
    assert _phases(loop)[7] == "running"  # cancelled, found by its run-name; retried
    assert world.gh.count("POST", f"/actions/runs/{run.data['id']}/cancel") == 1
    assert world.claims().releases[-1].reason == "failed"
    retry = _run_of(world, 7)
    assert retry.data["id"] != run.data["id"] and retry.inputs["attempt"] == "2"


def test_a_run_stopped_by_hand_is_not_retried(world: World) -> None:
    backend = world.backend()
    events: list[Event] = []
    loop = _loop(backend, RunOptions(issues=(7,), max_workers=1, poll=0), events)
    loop.poll()
    run = _run_of(world, 7)
    world.runs.set(run.data["id"], "in_progress")
    [stopped] = backend.stop(7, grace=0)  # gate dispatch stop --backend github-actions
    assert stopped.signalled
    assert _phases(loop) == {7: "stopped"}
    assert len(world.runs.runs) == 1 and world.claims().releases[-1].reason == "stopped"
    assert loop.run().interrupted is False  # stopped is done: the loop ends


def test_a_retry_on_a_runner_learns_how_the_attempt_before_failed(world: World) -> None:
    from review_gate.dispatch.backends.actions_job import previous_failure

    backend = world.backend()
    loop = _loop(backend, RunOptions(issues=(7,), max_workers=1, poll=0), [])
    loop.poll()
    first = _run_of(world, 7)
    failed = report("failed", ReportFacts(first.inputs["worker_id"], 7, 1))
    _post(world, 7, failed.replace("[WHAT_FAILED]", "the build needs a newer compiler"))
    world.runs.set(first.data["id"], "completed", "failure")
    loop.poll()
    second = _run_of(world, 7)
    assert second.inputs["attempt"] == "2"
    comments = backend.ctx.tracker.list_comments(7)
    context = previous_failure(comments, backend.ctx, 2)
    assert context is not None
    assert f"Attempt 1 ({first.inputs['worker_id']}) ended as **failed**" in context
    assert f"/actions/runs/{first.data['id']}" in context
    assert "the build needs a newer compiler" in context  # its Failed report
    assert previous_failure(comments, backend.ctx, 1) is None  # nothing before attempt 1


def test_ctrl_c_while_github_is_down_ends_the_loop(world: World) -> None:
    events: list[Event] = []
    loop = _loop(world.backend(), RunOptions(issues=(7,), max_workers=1, poll=0), events)
    world.gh.fail_next(50, 502)
    loop.stop.requested = True  # Ctrl-C came during the outage
    summary = loop.run()
    assert summary.interrupted and summary.issues == ()
    # one failed poll, then the loop ended: it did not poll on until GitHub answered
    assert [e.kind for e in events] == ["error"] and world.gh.faults
    assert world.runs.runs == {}
    world.gh.faults.clear()


def test_killed_loop_then_rerun_dispatches_nothing_twice(world: World) -> None:
    env = {**os.environ, "GH_TOKEN": world.gh.token}
    argv = [GATE, "dispatch", "run", "--backend", "github-actions", "--issues", "7",
            "--poll", "0.2", "--format", "json"]  # fmt: skip
    first = subprocess.Popen(argv, cwd=world.repo, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        wait_for(lambda: len(world.runs.runs) == 1, 60, "the first dispatch")
        wait_for(lambda: world.claims().latest.worktree.startswith("https://"), 60, "recorded")
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    run = next(iter(world.runs.runs.values()))
    world.runs.set(run.data["id"], "in_progress")
    second = subprocess.Popen(argv, cwd=world.repo, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        runs = "/actions/workflows/review-gate-worker.yml/runs"
        before = world.gh.count("GET", runs)
        wait_for(lambda: world.gh.count("GET", runs) > before + 1, 60, "two passes of the rerun")
        assert len(world.runs.runs) == 1  # it saw the live run: no second dispatch
        _post(world, 7, samples.review(7))
        world.runs.add_artifact(run.data["id"], f"review-gate-{run.inputs['worker_id']}",
                                {"worker.log": "all done\n"})  # fmt: skip
        world.runs.set(run.data["id"], "completed", "success")
        out, err = second.communicate(timeout=60)
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])["summary"]
    assert summary["issues"][0]["phase"] == "completed"
    assert len(world.runs.runs) == 1 and len(world.runs.dispatches) == 1
    rescued = Path(world.repo, ".git", "review-gate", "rescue", run.inputs["worker_id"])
    assert (rescued / "worker.log").read_text() == "all done\n"  # nothing lost


def test_idle_turn_costs_no_rate_limit_and_github_down_costs_one_turn(world: World) -> None:
    world.gh.add_issue(8, "Issue 8")
    events: list[Event] = []
    loop = _loop(world.backend(), RunOptions(issues=(7, 8), max_workers=2, poll=0), events)
    loop.poll()
    runs = {i: _run_of(world, i) for i in (7, 8)}
    for run in runs.values():
        world.runs.set(run.data["id"], "in_progress")
    for _ in range(3):  # the first turns read everything; then nothing changes
        assert _phases(loop) == {7: "running", 8: "running"}
    requests, remaining = world.gh.count(), world.gh.rate_remaining
    assert _phases(loop) == {7: "running", 8: "running"}
    assert world.gh.rate_remaining == remaining  # 304s only
    assert world.gh.count() - requests <= 2 + 2  # an issue each, runs page, comments
    # GitHub answers 502 to the reads of the runs for a while: one turn is lost
    world.gh.fail_next(4, 502, path="/actions/workflows/review-gate-worker.yml/runs")
    for issue, run in runs.items():
        _post(world, issue, samples.review(issue))
        world.runs.set(run.data["id"], "completed", "success")
    summary = loop.run()
    assert summary.done and {s.phase for s in summary.issues} == {"completed"}
    errors = [e for e in events if e.kind == "error"]
    assert errors and "trying again" in errors[0].message
    assert len(world.runs.runs) == 2


def _runner_pushes(world: World, tmp: Path, branch: str) -> str:
    """What the job does at the end of a run: the worker's commit pushed to ``branch``."""
    from tests.helpers import commit_file, git

    origin = git(world.repo, "remote", "get-url", "origin").strip()
    runner = tmp / f"runner-{branch.replace('/', '-')}"
    git(tmp, "clone", "-q", origin, str(runner))
    git(runner, "checkout", "-q", "-b", branch)
    sha = commit_file(runner, "thing.txt", f"{branch}\n", "feat: the thing")
    git(runner, "push", "-q", "origin", branch)
    return sha


def test_phases_on_runners_gate_the_pushed_branch(world: World, tmp_path: Path) -> None:
    """--sequential with --backend github-actions: #8 starts once #7's worker pushed its
    branch and a REVIEW of that branch's tip passes #7's gate; --activity-issue keeps one
    summary comment of the run."""
    for issue in (8, 9):
        world.gh.add_issue(issue, f"Issue {issue}")
    events: list[Event] = []
    options = RunOptions(issues=(7, 8), max_workers=2, poll=0, sequential=True,
                         activity_issue=9)  # fmt: skip
    backend = world.backend()
    waits = check_run(backend.ctx, options, backend.preflight)  # as `run` plans them
    assert waits == {8: frozenset({7})}
    loop = Loop(backend.ctx, options, events.append, waits=waits, backend=backend)
    assert _phases(loop) == {7: "running", 8: "waiting"}
    assert [r.inputs["issue"] for r in world.runs.runs.values()] == ["7"]
    run7 = _run_of(world, 7)
    # a REVIEW of a commit that is not the branch's tip does not pass: #8 still waits
    _post(world, 7, samples.review(7, commit="0" * 40))
    sha = _runner_pushes(world, tmp_path, run7.inputs["branch"])
    world.runs.set(run7.data["id"], "completed", "success")
    assert _phases(loop)[8] != "running"
    assert [r.inputs["issue"] for r in world.runs.runs.values()].count("8") == 0
    # the remediation attempt reviews the tip: the gate passes, #8 starts
    remedy = _run_of(world, 7)
    assert remedy.data["id"] != run7.data["id"] and remedy.inputs["attempt"] == "2"
    _post(world, 7, samples.review(7, commit=sha))
    world.runs.set(remedy.data["id"], "completed", "success")
    phases = _phases(loop)
    assert phases[7] == "completed" and phases[8] == "running"
    assert loop.activity is not None
    loop.activity.update()
    summary = [c for c in world.gh.comments.values() if c["_issue"] == 9]
    assert len(summary) == 1 and loop.orchestration in summary[0]["body"]


def test_board_queue_on_runners(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """--from-status Todo with --backend github-actions: the queue is the board column,
    a dispatch moves the item to In Progress, a completed run's release to In Review, and
    the item is followed after it left the column."""
    from tests.github_standin_projects import projects as boards

    stand_in = boards(world.gh)
    project = stand_in.add_project("octo", 3)
    monkeypatch.setenv("REVIEW_GATE_DISPATCH_PROJECT", "octo/3")
    world.gh.add_issue(8, "Issue 8")
    for issue in (7, 8):
        stand_in.add_item(project, issue, "Todo")
    events: list[Event] = []
    loop = _loop(world.backend(), RunOptions(from_status="Todo", max_workers=1, poll=0), events)
    assert _phases(loop) == {7: "running", 8: "pending"}
    assert stand_in.status(project, 7) == "In Progress"
    run7 = _run_of(world, 7)
    _post(world, 7, samples.review(7))
    world.runs.set(run7.data["id"], "completed", "success")
    assert _phases(loop) == {7: "completed", 8: "running"}
    assert stand_in.status(project, 7) == "In Review"
    assert stand_in.status(project, 8) == "In Progress"
    moved = [e for e in audit.read(loop.ctx.state, 7) if e["event"] == "board-moved"]
    assert len(moved) == 2


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"agent_cmd": "my-agent {prompt_file}"}, "--agent-cmd"),
        ({"prompt_template": Path("prompt.md")}, "--prompt-template"),
        ({"role": "review"}, "implementers"),
        ({"budget": {"turns": 5}}, "implementers"),
    ],
)
def test_what_a_runner_cannot_carry_is_refused_before_any_claim(
    world: World, changes: dict[str, Any], says: str
) -> None:
    from review_gate.dispatch.spawn import SpawnRequest
    from review_gate.errors import UsageError

    backend = world.backend()
    with pytest.raises(UsageError, match=says):
        backend.start(SpawnRequest(7)._replace(**changes))
    assert world.runs.runs == {} and world.gh.count("POST") == 0
