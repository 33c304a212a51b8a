"""``gate dispatch run --backend github-actions``: keep up to ``max_workers`` workflow
runs busy on a queue of issues until it is done.

Each pass re-reads everything from the tracker and the runs (kill -9 safe: a rerun
sees the runs already dispatched and dispatches none twice) and, per issue, from the
worker's state:

- no worker, or an ``orphaned`` claim: spawn (``start`` releases a dead claim first);
- ``starting`` / ``running``: counts towards ``max_workers``;
- ``hung`` (a silent heartbeat, or a run that never started): stop (cancel, then
  force-cancel); the next pass finds it ``failed``;
- ``completed`` / ``blocked``: collect (the artifact into the rescue folder, the claim
  released); the issue is done;
- ``handover``: collect, then the next attempt in a new run (``max_handovers``);
- ``failed``: collect — saving its artifact; a run that left none is released with a
  note — then retry until ``max_attempts`` failures.

A closed issue is done. The loop ends when every issue is done or given up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from review_gate.dispatch.backends.actions import ActionsBackend
from review_gate.dispatch.registry import read_claims
from review_gate.dispatch.run_records import RunOptions
from review_gate.dispatch.spawn import SpawnRequest
from review_gate.dispatch.status import WorkerStatus
from review_gate.errors import GateError, Refused, UsageError

LIVE = ("starting", "running", "hung")


class Phase(NamedTuple):
    issue: int
    phase: str  # queued | running | completed | blocked | closed | given-up
    worker: str | None
    note: str

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


Emit = Callable[[int | None, str, str], None]


class RemoteLoop:
    def __init__(
        self,
        backend: ActionsBackend,
        options: RunOptions,
        emit: Emit,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.backend, self.options, self.emit, self.sleep = backend, options, emit, sleep
        self.done: dict[int, Phase] = {}

    def queue(self) -> list[int]:
        tracker = self.backend.ctx.tracker
        if self.options.issues is not None:
            return list(self.options.issues)
        if self.options.label is None:
            raise UsageError("give exactly one queue: --issues 1,2,3 or --label LABEL")
        return sorted(i.number for i in tracker.list_issues(labels=[self.options.label]))

    def _counts(self, issue: int) -> tuple[int, int]:
        ctx = self.backend.ctx
        claims = read_claims(ctx.tracker.list_comments(issue), ctx.trusted)
        return claims.failures(), claims.handovers()

    def _collect(self, issue: int, worker: WorkerStatus) -> None:
        try:
            cleaned = self.backend.collect(issue)
        except Refused as exc:
            if "has no artifact" not in str(exc):
                raise
            cleaned = self.backend.collect(issue, force=True)
        where = f"; saved in {cleaned.rescue_dir}" if cleaned.rescue_dir else ""
        self.emit(issue, "released", f"{worker.worker_id} ({worker.state}){where}")

    def _spawn(self, issue: int) -> None:
        request = SpawnRequest(issue, self.options.agent, None, self.options.base)
        try:
            started = self.backend.start(request)
        except Refused as exc:
            self.emit(issue, "waiting", str(exc))
            return
        where = started.run_url or "run not known yet"
        self.emit(issue, "spawned", f"{started.worker_id} attempt {started.attempt}: {where}")

    def step(self) -> list[Phase]:
        """One pass over the queue; returns every issue's phase. The workers of the
        whole queue are read in one poll (:mod:`.actions_poll`)."""
        options = self.options
        phases: list[Phase] = []
        wanted: list[int] = []
        live = 0
        queue = self.queue()
        latest: dict[int, WorkerStatus] = {}
        pending = [issue for issue in queue if issue not in self.done]
        for seen in self.backend.state(pending, hang_after=options.hang_after):
            latest[seen.issue] = seen  # oldest first: the last one is the current
        for issue in queue:
            if issue in self.done:
                phases.append(self.done[issue])
                continue
            worker = latest.get(issue)
            state = worker.state if worker else None
            if worker is not None and worker.active and state in LIVE:
                live += 1
                if state == "hung":
                    self.emit(issue, "hung", f"{worker.worker_id}: {worker.detail}; stopping it")
                    self.backend.stop(issue, grace=options.grace)
                phases.append(Phase(issue, "running", worker.worker_id, worker.detail))
                continue
            if self.backend.ctx.tracker.get_issue(issue).state != "open":
                self.done[issue] = Phase(issue, "closed", None, "the issue is closed")
                phases.append(self.done[issue])
                continue
            if worker is not None and worker.active and state != "orphaned":
                self._collect(issue, worker)
            if state in ("completed", "blocked"):
                self.done[issue] = Phase(issue, str(state), worker and worker.worker_id, "")
                phases.append(self.done[issue])
                continue
            failures, handovers = self._counts(issue)
            if failures >= options.max_attempts or handovers > options.max_handovers:
                why = f"{failures} failed attempt(s), {handovers} handover(s)"
                self.emit(issue, "given-up", why)
                self.done[issue] = Phase(issue, "given-up", worker and worker.worker_id, why)
                phases.append(self.done[issue])
                continue
            wanted.append(issue)
            phases.append(Phase(issue, "queued", None, state or "no worker yet"))
        for issue in wanted:
            if live >= options.max_workers:
                break
            self._spawn(issue)
            live += 1
        return phases

    def run(self, passes: int | None = None) -> list[Phase]:
        count = 0
        while True:
            try:
                phases = self.step()
            except GateError as exc:  # the tracker or GitHub is down: try again next poll
                self.emit(None, "error", str(exc))
                phases = None
            count += 1
            finished = phases is not None and all(
                p.phase in ("completed", "blocked", "closed", "given-up") for p in phases
            )
            if phases is not None and finished:
                return phases
            if passes is not None and count >= passes:
                return phases or []
            self.sleep(self.options.poll)


def run_remote(backend: ActionsBackend, options: RunOptions, emit: Emit, **kw: Any) -> list[Phase]:
    return RemoteLoop(backend, options, emit, **kw).run()


def exit_code(phases: Sequence[Phase]) -> int:
    return 0 if all(p.phase in ("completed", "closed") for p in phases) else 1
