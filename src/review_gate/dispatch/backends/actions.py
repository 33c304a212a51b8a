"""The ``github-actions`` backend: one workflow run per worker.

The contract is the local one (docs/dispatch.md): the WORKER claim is posted *before*
anything starts (:func:`review_gate.dispatch.claim.claim_issue`: the earliest active
claim wins a race), the run is then dispatched (``review-gate-worker.yml``, written by
``gate install actions``) and recorded in the claim once known. Never two runs for one
claim: a dispatch is sent without blind retries; when its answer is lost (5xx, timeout)
or carries no run details (204), the run is looked for by its ``run-name`` — which
carries the worker id — before anything is sent again; and a run whose claim records
another run stops at once (:mod:`.actions_job`). A dispatch GitHub refuses outright
(no workflow, bad inputs) withdraws the claim: no attempt is counted.

State (:mod:`.actions_state`) comes from the issue's records plus the run; ``stop``
cancels the run, then force-cancels it after the grace period; ``log`` fetches the run's
log archive; ``collect`` downloads the run's artifact (log, git bundle and patch of
unpushed work) into the rescue folder before it releases the claim.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from review_gate import __version__
from review_gate.dispatch import audit, board, fleet
from review_gate.dispatch import worktree as wt
from review_gate.dispatch.backends import actions_state
from review_gate.dispatch.backends.actions_client import ActionsClient
from review_gate.dispatch.backends.actions_poll import PollCache
from review_gate.dispatch.backends.actions_run_side import ActionsRunSide
from review_gate.dispatch.backends.base import WorkerLog
from review_gate.dispatch.backends.remote_claim import REMOTE_HOST, is_remote, pending_location
from review_gate.dispatch.claim import Progress, claim_issue, never_started, new_worker_id
from review_gate.dispatch.cleanup import CleanupResult, StopResult
from review_gate.dispatch.context import Context
from review_gate.dispatch.registry import (
    Claim,
    heartbeat,
    now,
    post_release,
    read_claims,
    rfc3339,
)
from review_gate.dispatch.spawn import SpawnRequest
from review_gate.dispatch.status import WorkerStatus
from review_gate.errors import (
    GateError,
    IssueNotFound,
    Refused,
    TrackerUnavailable,
    UsageError,
)
from review_gate.records import Comment

# The loop's wait between cancel and force-cancel of a hung run: the job's `if:
# cancelled()` steps bundle and upload the worker's unpushed work, which force-cancel
# would skip.
CANCEL_GRACE = 300.0
HAND_STOP = "stop-by-hand"  # the audit event of `gate dispatch stop --backend github-actions`
DISPATCH_TRIES = 3  # dispatches sent at most for one claim, each after looking first
LOOKS = (0.0, 1.0, 2.0, 4.0, 8.0)  # seconds before each look for a run after a 204


class Dispatched(NamedTuple):
    issue: int
    worker_id: str
    attempt: int
    branch: str
    base: str
    run_id: int | None  # None: dispatched, the run not found yet (the job records it)
    run_url: str | None
    released: tuple[str, ...]
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        data = self._asdict()
        data["released"] = list(self.released)
        data["notes"] = list(self.notes)
        return data


class ActionsBackend(ActionsRunSide):
    name = "github-actions"

    def __init__(
        self,
        ctx: Context,
        client: ActionsClient | None = None,
        *,
        deadline_minutes: int = 300,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ctx.tracker.name != "github":
            raise UsageError(
                "the github-actions backend needs the github tracker (its runners read "
                f"and post the WORKER records on GitHub), not {ctx.tracker.name!r}",
                hint='set tracker = "github" in .review-gate.toml, or use --backend local',
            )
        self.ctx = ctx
        self.client = client or ActionsClient.from_config(ctx.config, cwd=str(ctx.main))
        self.deadline_minutes = deadline_minutes
        self.sleep = sleep
        # what status polls read, kept between them (one backend, many polls: `run`)
        self.poll = PollCache(ctx.tracker, self.client)
        self._unread: set[int] = set()  # `gate dispatch run`: see ActionsRunSide.comments
        self.clock = clock
        self.cancel_grace = CANCEL_GRACE
        self._cancelled: dict[int, float] = {}  # run id -> when the loop asked to cancel it

    # -- start ------------------------------------------------------------------------------

    def start(self, request: SpawnRequest) -> Dispatched:
        ctx, issue_no = self.ctx, request.issue
        self.preflight(request)
        orchestration = request.orchestration or fleet.new_id(ctx.state)
        issue = ctx.tracker.get_issue(issue_no)
        if issue.state != "open":
            raise Refused(f"issue #{issue_no} is {issue.state}; only open issues get workers")
        released, comments = self._release_finished(issue_no)
        if released:
            comments = ctx.tracker.list_comments(issue_no)
        claims = read_claims(comments, ctx.trusted)
        attempt = request.attempt or claims.attempts + 1
        worker_id = new_worker_id(ctx, issue_no, claims)
        latest = claims.latest
        branch = (latest.branch if latest else None) or wt.branch_name(issue_no, issue.title)
        base = wt.default_base(ctx.main, request.base or ctx.config.base_branch)
        stamp = rfc3339(now())
        data: dict[str, Any] = {
            "assigned": True, "worker_id": worker_id, "assigned_at": stamp,
            "worktree": pending_location(self.client.workflow), "issue": issue_no,
            "attempt": attempt, "branch": branch, "agent": request.agent,
            "host": REMOTE_HOST, "heartbeat_at": stamp, "orchestration": orchestration,
        }  # fmt: skip
        # created >= a little before the claim: the run is looked for from there on
        since = rfc3339(now() - datetime.timedelta(minutes=2))
        mine, superseded = claim_issue(ctx, issue_no, data, admit=request.admit)
        claim = Claim(mine, data)
        attempt = claim.attempt  # the tracker's word: one more than the last attempt
        inputs = {
            "issue": str(issue_no), "worker_id": worker_id, "attempt": str(attempt),
            "agent": request.agent, "base": base, "branch": branch,
            "deadline_minutes": str(self.deadline_minutes),
            "token_secret": ctx.config.actions_token_secret,
            "review_gate_version": f"v{__version__}",  # the runner runs what we run
        }  # fmt: skip
        try:
            run = self._dispatch(worker_id, base, inputs, since)
        except IssueNotFound as exc:
            never_started(ctx, claim, Progress(), str(exc))
            raise UsageError(
                f"GitHub has no workflow {self.client.workflow} on {base} of "
                f"{self.client.repo}; the claim was withdrawn",
                hint="run `gate install actions`, commit the file and push it to " + base,
            ) from None
        except BaseException as exc:
            why = str(exc) if isinstance(exc, GateError) else "dispatch interrupted"
            if isinstance(exc, TrackerUnavailable | KeyboardInterrupt):
                # A lost answer may still have started a run: that run finds its claim
                # withdrawn and stops (actions_job), so withdrawing stays safe.
                why = f"no run could be confirmed: {why}"
            never_started(ctx, claim, Progress(), why)
            raise
        notes: list[str] = []
        run_id = run.get("id") if run else None
        run_url = run.get("html_url") if run else None
        if isinstance(run_id, int) and isinstance(run_url, str):
            heartbeat(ctx.tracker, claim, worktree=run_url)
        else:
            run_id, run_url = None, None
            notes.append(
                "dispatched; the run did not show up yet (the job records itself in the "
                f"claim when it starts): gate dispatch status --issue {issue_no} "
                "--backend github-actions"
            )
        audit.record(
            ctx.state, "spawn", issue=issue_no, worker_id=worker_id,
            orchestration=orchestration, attempt=attempt, agent=request.agent,
            role=request.role, run=run_url,
            message=f"attempt {attempt}, {run_url or 'run not known yet'}, branch {branch}",
        )  # fmt: skip
        board.move(  # bookkeeping: never raises
            ctx, issue_no, board.IN_PROGRESS, f"{worker_id} dispatched (attempt {attempt})",
            worker_id=worker_id, orchestration=orchestration,
        )  # fmt: skip
        return Dispatched(
            issue_no, worker_id, attempt, branch, base, run_id, run_url,
            (*released, *superseded), tuple(notes),
        )  # fmt: skip

    def _dispatch(
        self, worker_id: str, ref: str, inputs: dict[str, str], since: str
    ) -> dict[str, Any] | None:
        """Dispatch once; after a lost answer look for the run before sending again."""
        last: GateError | None = None
        for tries in range(DISPATCH_TRIES):
            if last is not None:
                found = self.client.find_run(worker_id, since)
                if found is not None:
                    return found
            try:
                answer = self.client.dispatch(ref, inputs)
            except TrackerUnavailable as exc:  # 5xx, timeout, rate limit: did it start a run?
                last = exc
                self.sleep(2.0**tries)
                continue
            if answer.run_id is not None:
                return {"id": answer.run_id, "html_url": answer.html_url}
            for wait in LOOKS:  # 204: the run shows up in the list shortly
                self.sleep(wait)
                found = self.client.find_run(worker_id, since)
                if found is not None:
                    return found
            return None
        found = self.client.find_run(worker_id, since)
        if found is not None:
            return found
        assert last is not None
        raise last

    def _release_finished(self, issue: int) -> tuple[list[str], list[Comment]]:
        """Release remote claims whose run has ended (or is gone) and whose lease is
        stale: what `claim_issue` cannot check from here (it never takes over a claim
        of another host on missing data)."""
        ctx = self.ctx
        comments = ctx.tracker.list_comments(issue)
        claims = read_claims(comments, ctx.trusted)
        released: list[str] = []
        for claim in claims.active:
            if not is_remote(claim.data):
                continue
            worker = actions_state.remote_status(ctx, self.client, issue, claim, claims, comments)
            if worker.state in ("starting", "running", "hung"):
                continue
            age = actions_state.heartbeat_seconds(claim)
            if worker.state == "orphaned" or age is None or age >= ctx.config.lease_ttl:
                reason = actions_state.release_reason(worker.state)
                post_release(ctx.tracker, issue, claim.worker_id, reason, worker.detail[:300])
                released.append(claim.worker_id)
        return released, comments

    # -- state, stop, log, collect ----------------------------------------------------------

    def state(
        self, issues: Iterable[int] | None = None, *, hang_after: float | None = None
    ) -> list[WorkerStatus]:
        if issues is None:
            raise UsageError(
                "name the issues: workers in GitHub Actions are found through their issues",
                hint="gate dispatch status --issue N [--issue M ...] --backend github-actions",
            )
        return actions_state.status(
            self.ctx, self.client, issues, hang_after=hang_after, cache=self.poll
        )

    def stop(self, issue: int, *, grace: float = 10.0) -> list[StopResult]:
        """`gate dispatch stop`: cancel (force-cancel after ``grace``); the audit log
        keeps who stopped it, so a `run` loop does not retry it (``stopped_by_hand``)."""
        from review_gate.dispatch.backends import actions_stop

        results = actions_stop.stop(self.ctx, self.client, issue, grace=grace, sleep=self.sleep)
        for result in results:
            if result.signalled:
                audit.record(
                    self.ctx.state, HAND_STOP, issue=issue, worker_id=result.worker_id,
                    message="its run was cancelled with gate dispatch stop",
                )  # fmt: skip
        return results

    def log(self, issue: int) -> WorkerLog:
        from review_gate.dispatch.backends import actions_stop

        return actions_stop.log(self.ctx, self.client, issue)

    def collect(
        self, issue: int, *, keep_worktree: bool = False, force: bool = False
    ) -> CleanupResult:
        from review_gate.dispatch.backends import actions_stop

        return actions_stop.collect(self.ctx, self.client, issue, force=force)
