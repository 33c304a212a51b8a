"""The state of a worker that runs in GitHub Actions: the issue's records plus its run.

| run | issue | state |
|---|---|---|
| none recorded nor found by run-name | lease fresh | ``starting`` (run not known yet) |
| the same | lease stale | ``orphaned`` |
| ``queued``, ``requested``, ``waiting``, ``pending`` | younger than ``hang_after`` | ``starting`` |
| the same (a run that never starts) | claim older than ``hang_after`` | ``hung`` |
| ``in_progress`` | heartbeat fresh | ``running`` |
| ``in_progress`` | heartbeat older than ``hang_after`` | ``hung`` |
| ``completed`` | an outcome after the claim | the outcome's: ``completed``, ``handover`` ... |
| ``completed`` (any conclusion) | no outcome | ``failed``, saying how the run ended |
| gone (404) | no outcome | ``orphaned`` |

Outcomes are read exactly as for a local worker (:func:`review_gate.dispatch.status.outcome`).
Local claims of the same issues are reported by :mod:`review_gate.dispatch.status`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from review_gate.dispatch.backends.actions_client import ActionsClient
from review_gate.dispatch.backends.actions_poll import PollCache
from review_gate.dispatch.backends.remote_claim import is_remote, run_id_of
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot, heartbeat_age
from review_gate.dispatch.registry import Claim, IssueClaims, now, parse_time, read_claims, rfc3339
from review_gate.dispatch.status import WorkerStatus, outcome, worker_status
from review_gate.gates.common import comment_order
from review_gate.records import Comment

QUEUED = ("queued", "requested", "waiting", "pending")
_REASONS = {"completed": "completed", "handover": "handover", "blocked": "blocked"}


def release_reason(state: str) -> str:
    """The WORKER release reason for a worker last seen in ``state``."""
    return _REASONS.get(state, "failed")


def heartbeat_seconds(claim: Claim) -> float | None:
    return heartbeat_age(claim)


def _ended(run: dict[str, Any]) -> str:
    conclusion = run.get("conclusion")
    if conclusion == "cancelled":
        return "the run was cancelled"
    if conclusion == "timed_out":
        return "the run hit the job time limit (timed_out)"
    return f"the run ended ({conclusion or 'no conclusion'})"


def remote_status(
    ctx: Context,
    client: ActionsClient,
    issue: int,
    claim: Claim,
    claims: IssueClaims,
    comments: Sequence[Comment],
    *,
    hang_after: float | None = None,
    get_run: Callable[[int], dict[str, Any] | None] | None = None,
) -> WorkerStatus:
    """The status of the remote worker behind ``claim`` (see the module docstring)."""
    hang = ctx.config.hang_after if hang_after is None else hang_after
    release = claims.released.get(claim.worker_id)
    run_id = run_id_of(claim.data)
    run = (get_run or client.get_run)(run_id) if run_id is not None else None
    result = outcome(ctx, issue, claim, comments)
    if run_id is None and release is None and result is None:
        # dispatched, the run not recorded (its dispatcher died before it could, or the
        # answer was lost): find it by its run-name, which carries the worker id
        assigned = claim.assigned_at
        since = rfc3339(assigned - datetime.timedelta(minutes=2)) if assigned else None
        run = client.find_run(claim.worker_id, since)
        found = run.get("id") if run else None
        run_id = found if isinstance(found, int) else None
    age = heartbeat_age(claim)
    status = run.get("status") if run else None
    url: str | None = None
    if run_id is None:
        if result is not None:
            state, detail, url = result.state, result.detail, result.comment.url
        elif release is None and (age is None or age < ctx.config.lease_ttl):
            state, detail = "starting", "dispatched; its run is not known yet"
        else:
            state, detail = "orphaned", "no run was ever recorded for this claim"
    elif run is None:
        if result is not None:
            state, detail, url = result.state, result.detail, result.comment.url
        else:
            state, detail = "orphaned", f"run {run_id} is gone"
    elif status in QUEUED:
        if age is not None and age >= hang:
            state, detail = "hung", f"run {run_id} is still {status} after {age:.0f}s"
        else:
            state, detail = "starting", f"run {run_id} is {status}"
    elif status != "completed":
        if age is not None and age >= hang:
            state, detail = "hung", f"run {run_id} is {status}, but no heartbeat for {age:.0f}s"
        else:
            state, detail = "running", f"run {run_id} is {status}"
    elif result is not None:
        state, detail, url = result.state, result.detail, result.comment.url
    else:
        state, detail = "failed", f"{_ended(run)} without posting an outcome"
    started = parse_time(run.get("run_started_at")) if run else None
    ended = parse_time(run.get("updated_at")) if run and status == "completed" else None
    runtime = None
    if started is not None and status not in QUEUED:
        runtime = max(0.0, ((ended or now()) - started).total_seconds())
    beat = claim.heartbeat_at
    return WorkerStatus(
        issue=issue,
        worker_id=claim.worker_id,
        attempt=claim.attempt,
        state=state,
        active=release is None,
        released=release.reason if release else None,
        host=claim.host,
        pids=(),
        agent=claim.agent,
        branch=claim.branch,
        worktree=claim.worktree,
        started_at=rfc3339(started) if started else None,
        runtime=runtime,
        last_activity=rfc3339(beat) if beat else None,
        idle=age,
        log=str(run.get("html_url")) if run else None,
        detail=detail,
        outcome_url=url,
        exited_at=rfc3339(ended) if ended else None,
        exit_code=None,
        worktree_exists=None,
    )


def status(
    ctx: Context,
    client: ActionsClient,
    issues: Iterable[int],
    *,
    hang_after: float | None = None,
    cache: PollCache | None = None,
) -> list[WorkerStatus]:
    """Every current worker of ``issues``, remote or local; with ``cache``, read through
    it (:mod:`.actions_poll`: an idle poll costs only conditional requests)."""
    result: list[WorkerStatus] = []
    snapshot: Snapshot | None = None
    wanted = sorted(set(issues))
    if cache is not None:
        cache.refresh(wanted)
    for issue in wanted:
        comments = cache.comments(issue) if cache else ctx.tracker.list_comments(issue)
        claims = read_claims(comments, ctx.trusted)
        shown: list[Claim] = list(claims.active)
        if claims.latest is not None and claims.latest not in shown:
            shown.append(claims.latest)
        shown.sort(key=lambda c: comment_order(c.comment))
        for claim in shown:
            if is_remote(claim.data):
                result.append(
                    remote_status(
                        ctx,
                        client,
                        issue,
                        claim,
                        claims,
                        comments,
                        hang_after=hang_after,
                        get_run=cache.run if cache else None,
                    )
                )
            else:
                snapshot = snapshot or Snapshot()
                result.append(
                    worker_status(
                        ctx, issue, claim, claims, comments, snapshot, hang_after=hang_after
                    )
                )
    return result
