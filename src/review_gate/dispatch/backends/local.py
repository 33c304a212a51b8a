"""The ``local`` backend: a process in a worktree beside the repository.

A thin adapter over the dispatcher's functions (:mod:`..spawn`, :mod:`..status`,
:mod:`..cleanup`, :mod:`..claim`, :mod:`..lease`): behaviour is exactly that of
``gate dispatch spawn|status|stop|cleanup|run`` (docs/dispatch.md).
"""

from __future__ import annotations

import dataclasses
import signal
from collections.abc import Iterable, Sequence
from pathlib import Path

from review_gate.dispatch import claim as claims_of
from review_gate.dispatch import cleanup, procs, spawn, status
from review_gate.dispatch.backends.base import Orphan, WorkerLog
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot, lease_holds, liveness, scope_of
from review_gate.dispatch.registry import (
    Claim,
    IssueClaims,
    heartbeat,
    load_record,
    now,
    rfc3339,
    save_record,
)
from review_gate.errors import UsageError
from review_gate.records import Comment, Issue


class LocalBackend:
    name = "local"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def start(self, request: spawn.SpawnRequest) -> spawn.Spawned:
        return spawn.spawn(self.ctx, request)

    def state(
        self, issues: Iterable[int] | None = None, *, hang_after: float | None = None
    ) -> list[status.WorkerStatus]:
        return status.status(self.ctx, issues, hang_after=hang_after)

    def stop(self, issue: int, *, grace: float = 10.0) -> list[cleanup.StopResult]:
        return cleanup.stop(self.ctx, issue, grace=grace)

    def log(self, issue: int) -> WorkerLog:
        workers = status.issue_workers(self.ctx, issue, Snapshot())
        if not workers:
            raise cleanup.no_worker(issue)  # exit 1, as stop and cleanup
        worker = workers[-1]
        if not worker.log:
            raise UsageError(
                f"{worker.worker_id} has no log on this host ({worker.detail})",
                hint=f"its host is {worker.host or 'unknown'}",
            )
        try:
            text = Path(worker.log).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UsageError(f"cannot read {worker.log}: {exc.strerror}") from None
        return WorkerLog(issue, worker.worker_id, worker.log, text)

    def collect(
        self, issue: int, *, keep_worktree: bool = False, force: bool = False
    ) -> cleanup.CleanupResult:
        return cleanup.cleanup(self.ctx, issue, keep_worktree=keep_worktree, force=force)

    # -- what `gate dispatch run` asks --------------------------------------------------

    def preflight(self, request: spawn.SpawnRequest) -> None:
        spawn.preflight(request)

    def refresh(self, issues: Sequence[int]) -> None:
        pass  # every read below is a fresh one

    def issue(self, number: int) -> Issue:
        return self.ctx.tracker.get_issue(number)

    def comments(self, number: int) -> list[Comment]:
        return self.ctx.tracker.list_comments(number)

    def foreign(self, claim: Claim) -> str | None:
        if claim.host is not None and claim.host != self.ctx.host:
            return f"held by {claim.worker_id} on host {claim.host}"
        return None

    def worker(
        self,
        issue: int,
        claim: Claim,
        claims: IssueClaims,
        comments: Sequence[Comment],
        snapshot: Snapshot,
        hang_after: float | None,
    ) -> status.WorkerStatus:
        return status.worker_status(
            self.ctx, issue, claim, claims, comments, snapshot, hang_after=hang_after
        )

    def keep_alive(self, claim: Claim, worker: status.WorkerStatus, orchestration: str) -> None:
        if worker.pids and claim.host == self.ctx.host:
            # Refreshing the lease is owning it: a claim of a loop that is gone is
            # adopted here, so its peers leave it to this loop from now on.
            heartbeat(self.ctx.tracker, claim, orchestration=orchestration)

    def halt(self, issue: int, claim: Claim, grace: float) -> bool:
        record = load_record(self.ctx.state, claim.worker_id)
        signalled, _ = procs.terminate(scope_of(claim, record), grace=grace)
        if record is not None and signalled:
            save_record(self.ctx.state, dataclasses.replace(record, stopped_at=rfc3339(now())))
        return not liveness(self.ctx, claim, Snapshot()).alive

    def orphan(self, claim: Claim, snapshot: Snapshot) -> Orphan:
        live = liveness(self.ctx, claim, snapshot)
        if live.never_started:
            return Orphan(True, False, live.detail)
        holds, why = lease_holds(self.ctx, claim, snapshot, live)
        return Orphan(False, holds, why)

    def end(self, issue: int, claim: Claim, reason: str, snapshot: Snapshot) -> str:
        claims_of.release(self.ctx, issue, claim, reason, snapshot)
        return ""  # the worktree stays: nothing to save

    def stopped_by_hand(self, claim: Claim, worker: status.WorkerStatus) -> bool:
        """`gate dispatch stop` marks the record once the processes are gone; the
        SIGTERM it sends may be seen first."""
        if worker.exit_code == -signal.SIGTERM:
            return True
        record = load_record(self.ctx.state, claim.worker_id)
        return record is not None and record.stopped_at is not None
