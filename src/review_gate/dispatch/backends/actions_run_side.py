"""What ``gate dispatch run`` asks of the ``github-actions`` backend (the second half of
:class:`review_gate.dispatch.backends.base.Backend`).

- A turn reads the queue in one poll (:mod:`.actions_poll`): comments through the
  repository's conditional comment listing, runs through the newest pages of the
  workflow's runs; each issue with a conditional ``GET /issues/{n}``. An idle poll costs
  304s only, which GitHub does not count against the rate limit.
- The loop manages the remote claims; a local worker of the same issue is another
  loop's (``--backend local``).
- The job refreshes its own lease: the loop never edits a remote claim's comment (the
  job edits it too, and two writers of one comment can lose each other's fields).
- A hung run (its id recorded, or found by its run-name) is cancelled; when it has not
  completed ``cancel_grace`` (5 minutes) later — the time its job's ``if: cancelled()``
  steps take to bundle and upload the worker's unpushed work, which force-cancel would
  skip — it is force-cancelled on a later turn. Its claim ends once the run completed.
- A run cancelled with ``gate dispatch stop`` (an audit event of this host) is stopped
  by hand: not retried.
- Ending a claim collects the run's artifact (log, bundle and patch of unpushed work)
  into the rescue folder first (:func:`.actions_stop.collect`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from review_gate.dispatch.backends import actions_state, actions_stop
from review_gate.dispatch.backends.base import Orphan
from review_gate.dispatch.backends.remote_claim import is_remote, run_id_of
from review_gate.dispatch.lease import Snapshot
from review_gate.dispatch.registry import Claim, IssueClaims
from review_gate.dispatch.spawn import SpawnRequest
from review_gate.dispatch.status import WorkerStatus, worker_status
from review_gate.errors import UsageError
from review_gate.records import Comment, Issue

if TYPE_CHECKING:
    from collections.abc import Callable

    from review_gate.dispatch.backends.actions_client import ActionsClient
    from review_gate.dispatch.backends.actions_poll import PollCache
    from review_gate.dispatch.cleanup import StopResult
    from review_gate.dispatch.context import Context


class ActionsRunSide:
    ctx: Context
    client: ActionsClient
    poll: PollCache
    sleep: Callable[[float], None]
    _unread: set[int]  # issues whose comments this turn's poll has read, not yet used
    clock: Callable[[], float]
    cancel_grace: float
    _cancelled: dict[int, float]  # run id -> when this loop asked to cancel it

    if TYPE_CHECKING:

        def stop(self, issue: int, *, grace: float = 10.0) -> list[StopResult]: ...

    def preflight(self, request: SpawnRequest) -> None:
        if request.agent_cmd is not None:
            raise UsageError(
                "--agent-cmd runs a program on this host; a runner installs its agent",
                hint="use --agent claude or --agent codex with --backend github-actions",
            )
        if request.role != "implement" or request.budget:
            raise UsageError(
                "a runner takes implementers with the configured budget only",
                hint="use --backend local for review and research workers or budget flags",
            )
        if request.prompt_template is not None:
            raise UsageError(
                "--prompt-template is a file on this host; a runner renders the prompt "
                "from the packaged template",
                hint="leave --prompt-template out with --backend github-actions",
            )

    def refresh(self, issues: Sequence[int]) -> None:
        self.poll.refresh(list(issues))
        self._unread = set(issues)

    def issue(self, number: int) -> Issue:
        return self.client.issue(number)

    def comments(self, number: int) -> list[Comment]:
        """This turn's poll the first time; afterwards (the loop has posted since) a
        fresh listing."""
        if number in self._unread:
            self._unread.discard(number)
            return self.poll.comments(number)
        return self.ctx.tracker.list_comments(number)

    def foreign(self, claim: Claim) -> str | None:
        if is_remote(claim.data):
            return None
        where = claim.host or "a host it does not name"
        return f"held by {claim.worker_id}, a worker on {where} (`--backend local` runs it)"

    def worker(
        self,
        issue: int,
        claim: Claim,
        claims: IssueClaims,
        comments: Sequence[Comment],
        snapshot: Snapshot,
        hang_after: float | None,
    ) -> WorkerStatus:
        if not is_remote(claim.data):
            return worker_status(
                self.ctx, issue, claim, claims, comments, snapshot, hang_after=hang_after
            )
        worker = actions_state.remote_status(
            self.ctx, self.client, issue, claim, claims, comments,
            hang_after=hang_after, get_run=self.poll.run,
        )  # fmt: skip
        if worker.state == "failed":
            # A run that ended without an outcome: make sure of it on a fresh listing
            # (an outcome posted after the poll read the comments is not a failure).
            fresh = self.ctx.tracker.list_comments(issue)
            worker = actions_state.remote_status(
                self.ctx, self.client, issue, claim, claims, fresh,
                hang_after=hang_after, get_run=self.poll.run,
            )  # fmt: skip
        return worker

    def keep_alive(self, claim: Claim, worker: WorkerStatus, orchestration: str) -> None:
        pass  # the job beats; see the module docstring

    def halt(self, issue: int, claim: Claim, grace: float) -> bool:
        run_id = actions_stop.run_of(self.client, claim)
        if run_id is None:
            return True  # no run was ever started for this claim: nothing runs
        run = self.client.get_run(run_id)
        if run is None or run.get("status") == "completed":
            return True
        asked = self._cancelled.get(run_id)
        if asked is None:
            self._cancelled[run_id] = self.clock()
            self.client.cancel(run_id)
        elif self.clock() - asked >= max(grace, self.cancel_grace):
            self.client.cancel(run_id, force=True)
        run = self.client.get_run(run_id)
        return run is None or run.get("status") == "completed"

    def orphan(self, claim: Claim, snapshot: Snapshot) -> Orphan:
        if run_id_of(claim.data) is None:
            # No run was recorded nor found by its run-name: none started. Should one
            # start after all, its job finds the claim withdrawn and stops.
            return Orphan(True, False, "no run was ever recorded for this claim")
        return Orphan(False, False, f"run {run_id_of(claim.data)} is gone")

    def end(self, issue: int, claim: Claim, reason: str, snapshot: Snapshot) -> str:
        # A run that ended without its artifact has nothing more to give: waiting would
        # not save anything, so the claim is released with a note (force).
        cleaned = actions_stop.collect(
            self.ctx, self.client, issue, force=True, reason=(claim.worker_id, reason)
        )
        if cleaned.rescue_dir:
            return f"saved in {cleaned.rescue_dir}"
        return "; ".join(cleaned.notes)

    def stopped_by_hand(self, claim: Claim, worker: WorkerStatus) -> bool:
        """Cancelled with `gate dispatch stop` on this host (its audit event); a run
        cancelled elsewhere cannot be told from one GitHub cancelled: a failed attempt."""
        from review_gate.dispatch import audit
        from review_gate.dispatch.backends.actions import HAND_STOP

        issue = int(claim.data.get("issue") or 0) or None
        return any(
            e.get("event") == HAND_STOP and e.get("worker_id") == claim.worker_id
            for e in audit.read(self.ctx.state, issue)
        )
