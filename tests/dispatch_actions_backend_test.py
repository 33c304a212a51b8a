"""The github-actions backend against the GitHub stand-in: dispatch (200 and 204),
never two runs for one claim (lost answers, 5xx, racing dispatchers, a dispatcher killed
between claim and dispatch), state from the run and the issue, stop = cancel then
force-cancel, logs, and collect saving the run's artifact before the claim goes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate import __version__
from review_gate.dispatch.backends.actions import ActionsBackend
from review_gate.dispatch.backends.actions_client import ActionsClient
from review_gate.dispatch.context import open_context
from review_gate.dispatch.registry import read_claims
from review_gate.dispatch.spawn import SpawnRequest
from review_gate.errors import Refused, TrackerUnavailable, UsageError
from tests import artifact_samples as samples
from tests.github_standin import Fault, GitHubStandIn
from tests.github_standin_actions import ActionsStandIn, actions
from tests.helpers import commit_file, git, init_repo_with_remote

ISSUE = 7


class World:
    def __init__(self, tmp: Path, gh: GitHubStandIn) -> None:
        self.gh = gh
        self.repo, _ = init_repo_with_remote(tmp)
        config = f"tracker = 'github'\nrepo = '{gh.full_name}'\napi_url = '{gh.url}'\n"
        commit_file(self.repo, ".review-gate.toml", config, "chore: configuration")
        git(self.repo, "push", "-q", "origin", "main")
        gh.add_issue(ISSUE, "Add the thing")
        self.runs: ActionsStandIn = actions(gh)
        self.slept: list[float] = []

    def backend(self) -> ActionsBackend:
        ctx = open_context(self.repo)
        return ActionsBackend(ctx, ActionsClient.from_config(ctx.config), sleep=self.slept.append)

    def post(self, body: str, issue: int = ISSUE) -> None:
        """A comment by a trusted author, now (after the claim)."""
        from review_gate.dispatch.registry import now, rfc3339

        self.gh.add_comment(issue, body, created_at=rfc3339(now()))

    def bodies(self) -> list[str]:
        return [c["body"] for _, c in sorted(self.gh.comments.items()) if c["_issue"] == ISSUE]

    def claims(self, issue: int = ISSUE) -> Any:
        backend = self.backend()
        return read_claims(backend.ctx.tracker.list_comments(issue), None)

    def age_claim(self, seconds: int = 7200) -> None:
        """Make the latest claim's lease old (its heartbeat ``seconds`` ago)."""
        from review_gate.dispatch.registry import assignment_body, now, rfc3339

        claim = self.claims().latest
        old = rfc3339(now() - __import__("datetime").timedelta(seconds=seconds))
        data = {**claim.data, "heartbeat_at": old, "assigned_at": old}
        self.gh.comments[claim.comment.id]["body"] = assignment_body(data)

    def state(self, **kw: Any) -> tuple[str, str]:
        [worker] = self.backend().state([ISSUE], **kw)[-1:]
        return worker.state, worker.detail


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with GitHubStandIn() as gh:
        monkeypatch.setenv("GH_TOKEN", gh.token)
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
        yield World(tmp_path, gh)


def test_spawn_running_completed(world: World) -> None:
    started = world.backend().start(SpawnRequest(ISSUE))
    [run] = world.runs.runs.values()
    assert started.run_id == run.data["id"] and started.attempt == 1
    assert run.inputs == {
        "issue": "7", "worker_id": started.worker_id, "attempt": "1", "agent": "claude",
        "base": "main", "branch": "feature/7-add-the-thing", "deadline_minutes": "300",
        "token_secret": "REVIEW_GATE_TOKEN", "review_gate_version": f"v{__version__}",
    }  # fmt: skip
    [sent] = world.runs.dispatches
    assert sent["ref"] == "main" and sent["return_run_details"] is True
    claim = world.claims().latest
    assert claim.worker_id == started.worker_id and claim.host == "github-actions"
    assert claim.worktree == run.data["html_url"]
    # the claim came first, then the dispatch
    posts = [r for r in world.gh.requests if r.method == "POST"]
    assert posts[0].path.endswith(f"/issues/{ISSUE}/comments")
    assert posts[1].path.endswith("/actions/workflows/review-gate-worker.yml/dispatches")
    assert world.state()[0] == "starting"
    world.runs.set(started.run_id, "in_progress")
    assert world.state()[0] == "running"
    world.post(samples.review(ISSUE))
    world.runs.set(started.run_id, "completed", "success")
    assert world.state() == ("completed", "a complete REVIEW was posted")
    world.runs.add_artifact(started.run_id, f"review-gate-{started.worker_id}",
                            {"worker.log": "done\n"})  # fmt: skip
    cleaned = world.backend().collect(ISSUE)
    assert cleaned.released == (started.worker_id,) and cleaned.state == "completed"
    assert Path(cleaned.rescue_dir or "", "worker.log").read_text() == "done\n"
    assert '"reason": "completed"' in world.bodies()[-1]


def test_204_falls_back_to_the_run_name(world: World) -> None:
    world.runs.run_details = False
    started = world.backend().start(SpawnRequest(ISSUE))
    [run] = world.runs.runs.values()
    assert started.run_id == run.data["id"]
    assert started.worker_id in run.data["display_title"]
    lookups = [r for r in world.gh.requests if r.path.endswith("/review-gate-worker.yml/runs")]
    assert lookups and lookups[0].query["event"] == ["workflow_dispatch"]
    assert lookups[0].query["created"][0].startswith(">=")
    assert world.claims().latest.worktree == run.data["html_url"]


def test_lost_answer_is_looked_up_not_sent_again(world: World) -> None:
    world.runs.lose_next_dispatch = True  # the run starts, the answer is a 502
    started = world.backend().start(SpawnRequest(ISSUE))
    assert len(world.runs.runs) == 1 and len(world.runs.dispatches) == 1
    assert started.run_id == next(iter(world.runs.runs))


def test_5xx_before_the_run_starts_dispatches_again_once(world: World) -> None:
    world.gh.fail(Fault(502, path="/dispatches"), Fault(503, path="/dispatches"))
    started = world.backend().start(SpawnRequest(ISSUE))
    assert len(world.runs.runs) == 1 and started.run_id in world.runs.runs
    assert world.gh.count("POST", "/dispatches") == 3  # two failed, one started the run
    assert world.slept[:2] == [1.0, 2.0]  # backing off between them


def test_dispatch_that_never_gets_through_withdraws_the_claim(world: World) -> None:
    world.gh.fail(*(Fault(502, path="/dispatches") for _ in range(3)))
    with pytest.raises(TrackerUnavailable):
        world.backend().start(SpawnRequest(ISSUE))
    assert world.runs.runs == {}
    assert (
        "claim withdrawn" in world.bodies()[-1]
        and "no run could be confirmed" in world.bodies()[-1]
    )
    assert world.claims().active == ()  # the issue is free again, no attempt counted


def test_missing_workflow_withdraws_the_claim(world: World) -> None:
    world.runs.workflow_file = "other.yml"
    with pytest.raises(UsageError) as caught:
        world.backend().start(SpawnRequest(ISSUE))
    assert "has no workflow review-gate-worker.yml on main" in str(caught.value)
    assert "gate install actions" in str(caught.value.hint)
    assert world.claims().active == ()


def test_secondary_rate_limit_and_5xx_on_reads_are_retried(world: World) -> None:
    started = world.backend().start(SpawnRequest(ISSUE))
    world.runs.set(started.run_id or 0, "in_progress")
    runs = "/actions/workflows/review-gate-worker.yml/runs"
    world.gh.fail(
        Fault(403, retry_after=1, message="You have exceeded a secondary rate limit", path=runs),
        Fault(502, path=runs),
    )
    assert world.state()[0] == "running"
    statuses = [r.status for r in world.gh.requests if r.path.endswith(runs)]
    assert statuses[-3:] == [403, 502, 200]


def test_two_dispatchers_racing_start_one_run(world: World) -> None:
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def race() -> None:
        backend = world.backend()
        barrier.wait()
        try:
            results.append(backend.start(SpawnRequest(ISSUE)))
        except Refused as exc:
            results.append(exc)

    threads = [threading.Thread(target=race) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    won = [r for r in results if not isinstance(r, Exception)]
    assert len(won) == 1 and len(results) == 2, results
    assert len(world.runs.runs) == 1 and len(world.claims().active) == 1


def test_killed_before_recording_the_run_then_rerun(world: World) -> None:
    # a dispatcher killed after dispatching, before it wrote the run into the claim
    started = world.backend().start(SpawnRequest(ISSUE))
    claim = world.claims().latest
    body = world.gh.comments[claim.comment.id]["body"]
    world.gh.comments[claim.comment.id]["body"] = body.replace(
        started.run_url or "", "github-actions:review-gate-worker.yml"
    )
    world.runs.set(started.run_id or 0, "in_progress")
    assert world.state()[0] == "running"  # found by its run-name
    with pytest.raises(Refused, match="is held by"):
        world.backend().start(SpawnRequest(ISSUE))  # the rerun: no second run
    assert len(world.runs.runs) == 1


def test_killed_between_claim_and_dispatch_then_rerun(world: World) -> None:
    world.runs.workflow_file = "none.yml"  # the claim goes out, the dispatch never happens
    with pytest.raises(UsageError):
        world.backend().start(SpawnRequest(ISSUE))
    # ... as if killed: the claim stays (restore it from the withdrawn one)
    from review_gate.dispatch.registry import assignment_body, now, rfc3339

    stamp = rfc3339(now())
    data = {
        "assigned": True, "worker_id": "worker-1-7", "assigned_at": stamp,
        "worktree": "github-actions:review-gate-worker.yml", "issue": ISSUE, "attempt": 1,
        "branch": "feature/7-add-the-thing", "agent": "claude", "host": "github-actions",
        "heartbeat_at": stamp,
    }  # fmt: skip
    world.gh.add_comment(ISSUE, assignment_body(data))
    world.runs.workflow_file = "review-gate-worker.yml"
    assert world.state()[0] == "starting"
    with pytest.raises(Refused, match="held by worker-1-7"):
        world.backend().start(SpawnRequest(ISSUE))  # lease fresh: hands off
    world.age_claim()
    assert world.state()[0] == "orphaned"
    started = world.backend().start(SpawnRequest(ISSUE))  # lease stale, no run: taken over
    assert len(world.runs.runs) == 1 and started.attempt == 2
    assert any('"reason": "failed"' in b and "worker-1-7" in b for b in world.bodies())


def test_hung_then_stop_cancels_then_force_cancels(world: World) -> None:
    started = world.backend().start(SpawnRequest(ISSUE))
    run_id = started.run_id or 0
    world.runs.set(run_id, "in_progress")
    world.age_claim(seconds=4000)
    assert world.state()[0] == "hung"
    world.runs.stuck_on_cancel = True
    [stopped] = world.backend().stop(ISSUE, grace=2)
    assert stopped.was_running and stopped.killed
    assert world.gh.count("POST", f"/actions/runs/{run_id}/cancel") == 1
    assert world.gh.count("POST", f"/actions/runs/{run_id}/force-cancel") == 1
    assert world.runs.runs[run_id].data["conclusion"] == "cancelled"
    assert world.state() == ("failed", "the run was cancelled without posting an outcome")
    # the claim stays until collect, which wants the saved work first
    assert len(world.claims().active) == 1
    with pytest.raises(Refused, match="has no artifact"):
        world.backend().collect(ISSUE)
    assert len(world.claims().active) == 1


def test_stop_that_the_run_obeys_needs_no_force(world: World) -> None:
    started = world.backend().start(SpawnRequest(ISSUE))
    world.runs.set(started.run_id or 0, "in_progress")
    [stopped] = world.backend().stop(ISSUE, grace=5)
    assert stopped.was_running and not stopped.killed
    assert world.gh.count("POST", "/force-cancel") == 0


def test_a_run_that_never_starts_is_hung(world: World) -> None:
    world.runs.never_start = True
    world.backend().start(SpawnRequest(ISSUE))
    assert world.state()[0] == "starting"
    world.age_claim(seconds=4000)
    state, detail = world.state()
    assert state == "hung" and "still queued" in detail


@pytest.mark.parametrize(
    ("conclusion", "detail"),
    [
        ("timed_out", "the run hit the job time limit (timed_out) without posting an outcome"),
        ("failure", "the run ended (failure) without posting an outcome"),
    ],
)
def test_completed_without_outcome_is_failed(world: World, conclusion: str, detail: str) -> None:
    started = world.backend().start(SpawnRequest(ISSUE))
    world.runs.set(started.run_id or 0, "completed", conclusion)
    assert world.state() == ("failed", detail)


def test_gone_run_is_orphaned(world: World) -> None:
    started = world.backend().start(SpawnRequest(ISSUE))
    world.runs.delete(started.run_id or 0)
    assert world.state() == ("orphaned", f"run {started.run_id} is gone")


def test_handover_then_the_next_attempt_in_a_new_run(world: World, tmp_path: Path) -> None:
    first = world.backend().start(SpawnRequest(ISSUE))
    world.post(samples.handover(ISSUE, worker=first.worker_id))
    world.runs.set(first.run_id or 0, "completed", "success")
    assert world.state()[0] == "handover"
    bundle = _bundle(tmp_path)
    world.runs.add_artifact(first.run_id or 0, f"review-gate-{first.worker_id}",
                            {"worker.log": "x\n", "rescue/commits.bundle": bundle})  # fmt: skip
    cleaned = world.backend().collect(ISSUE)
    assert cleaned.bundle and Path(cleaned.bundle).read_bytes() == bundle
    assert cleaned.restore and "fetch" in cleaned.restore[0]
    second = world.backend().start(SpawnRequest(ISSUE))
    assert second.attempt == 2 and second.run_id != first.run_id
    assert second.branch == first.branch  # the same branch carries on
    assert len(world.runs.runs) == 2


def _bundle(tmp: Path) -> bytes:
    repo = tmp / "bundled"
    git(tmp, "init", "-q", "-b", "main", str(repo))
    commit_file(repo, "a.txt", "a\n")
    git(repo, "bundle", "create", "-q", str(tmp / "b.bundle"), "main")
    return (tmp / "b.bundle").read_bytes()


def test_log_is_the_runs_log_archive(world: World) -> None:
    started = world.backend().start(SpawnRequest(ISSUE))
    world.runs.set_log(started.run_id or 0, {"worker/3_Run the worker.txt": "agent says hi\n"})
    log = world.backend().log(ISSUE)
    assert "==> worker/3_Run the worker.txt <==" in log.text and "agent says hi" in log.text
    assert log.source == started.run_url


def test_backend_needs_the_github_tracker(tmp_path: Path) -> None:
    repo, _ = init_repo_with_remote(tmp_path)
    with pytest.raises(UsageError, match="needs the github tracker"):
        ActionsBackend(open_context(repo, {"tracker": "local"}))


def test_agent_cmd_is_refused_before_any_claim(world: World) -> None:
    with pytest.raises(UsageError, match="--agent-cmd"):
        world.backend().start(SpawnRequest(ISSUE, agent_cmd="my-agent {prompt_file}"))
    assert world.bodies() == []


def test_answers_have_githubs_documented_shapes(world: World) -> None:
    import jsonschema

    from tests.github_standin_actions import ACTIONS_API

    started = world.backend().start(SpawnRequest(ISSUE))
    client = world.backend().client
    shapes = {
        "actions__get-workflow-run": client.get_run(started.run_id or 0),
        "actions__list-workflow-runs": {"total_count": 1, "workflow_runs": list(client.runs())},
    }
    for op, answer in shapes.items():
        jsonschema.validate(answer, ACTIONS_API[op]["responses"]["200"]["schema"])
    world.runs.add_artifact(started.run_id or 0, "x", {"a": "b"})
    arts = client.artifacts(started.run_id or 0)
    schema = ACTIONS_API["actions__list-workflow-run-artifacts"]["responses"]["200"]["schema"]
    jsonschema.validate({"total_count": len(arts), "artifacts": arts}, schema)
    assert json.dumps(arts)  # plain JSON


def test_an_idle_poll_costs_ceil_n_over_100_plus_one_conditional_requests(world: World) -> None:
    backend = world.backend()
    for issue in (8, 9):
        world.gh.add_issue(issue, f"Issue {issue}")
    started = [backend.start(SpawnRequest(issue)) for issue in (7, 8, 9)]
    for s in started:
        world.runs.set(s.run_id or 0, "in_progress")
    assert {w.state for w in backend.state([7, 8, 9])} == {"running"}
    backend.state([7, 8, 9])  # primes the repository-wide comment listing
    before, remaining = len(world.gh.requests), world.gh.rate_remaining
    assert {w.state for w in backend.state([7, 8, 9])} == {"running"}
    assert len(world.gh.requests) - before == 2  # ceil(3/100) + 1
    assert world.gh.rate_remaining == remaining  # both answered 304
    # ... and a change is seen by the next poll of the same backend
    world.post(samples.review(8), 8)
    world.runs.set(started[1].run_id or 0, "completed", "success")
    states = {w.issue: w.state for w in backend.state([7, 8, 9])}
    assert states == {7: "running", 8: "completed", 9: "running"}
