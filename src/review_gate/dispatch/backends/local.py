"""The ``local`` backend: a process in a worktree beside the repository.

A thin adapter over the dispatcher's functions (:mod:`..spawn`, :mod:`..status`,
:mod:`..cleanup`): behaviour is exactly that of ``gate dispatch spawn|status|stop|
cleanup`` (docs/dispatch.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from review_gate.dispatch import cleanup, spawn, status
from review_gate.dispatch.backends.base import WorkerLog
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot
from review_gate.errors import UsageError


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
