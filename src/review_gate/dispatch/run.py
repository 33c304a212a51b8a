"""``gate dispatch run``: keep up to N workers busy on a queue of issues until it is done.

Every poll reads the state afresh from the tracker, the pid records and the process
table — the loop keeps nothing of its own that matters — so a ``run`` killed with
``kill -9`` and started again picks up exactly where things stand: live workers are
recognised (no second spawn), finished ones are handled, nothing is lost.

Per issue and poll:

- a live worker: its lease is refreshed (heartbeat); if its log has been silent for
  ``hang_after`` it is stopped and counted as a failure (the hang policy of docs/dispatch.md);
- a finished worker: ``completed`` and ``blocked`` release the claim (worktree kept)
  and the issue is done; ``handover`` spawns the next attempt with the HANDOVER
  (``replace``); ``failed`` retries with the failure context until ``max_attempts``
  failures; an ``orphaned`` claim is retried only once its lease has expired;
- no worker and not done: spawned when a slot is free.

Ctrl-C (SIGINT) lets the current step finish, then stops the loop; workers keep
running in their own sessions, and running ``gate dispatch run`` again resumes.
"""

from __future__ import annotations

import dataclasses
import signal
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any, NamedTuple

from review_gate.dispatch import cleanup as lifecycle
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot, lease_holds
from review_gate.dispatch.registry import heartbeat, now, read_claims, rfc3339
from review_gate.dispatch.spawn import (
    SpawnRequest,
    StartFailed,
    preflight,
    reap_children,
    spawn,
)
from review_gate.dispatch.status import WorkerStatus, failure_context, worker_status
from review_gate.errors import GateError, Refused, TrackerUnavailable

DONE = ("completed", "blocked", "gave-up", "closed")


@dataclasses.dataclass(frozen=True)
class RunOptions:
    issues: tuple[int, ...] | None = None
    label: str | None = None
    max_workers: int = 5
    poll: float = 300.0
    max_attempts: int = 3
    max_handovers: int = 5
    hang_after: float | None = None
    grace: float = 10.0
    agent: str = "claude"
    agent_cmd: str | None = None
    base: str | None = None
    prompt_template: Any = None


class Event(NamedTuple):
    at: str
    issue: int
    kind: str  # spawned | completed | blocked | handover | failed | hung | gave-up | ...
    message: str

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


class IssueState(NamedTuple):
    issue: int
    phase: str  # pending | running | hung | waiting | completed | blocked | gave-up | closed
    worker: WorkerStatus | None
    note: str = ""


class RunSummary(NamedTuple):
    issues: tuple[IssueState, ...]
    interrupted: bool
    note: str = ""  # e.g. why the queue was empty

    @property
    def done(self) -> bool:
        return all(s.phase in DONE for s in self.issues)

    def to_json(self) -> dict[str, Any]:
        return {
            "interrupted": self.interrupted,
            "done": self.done,
            "note": self.note,
            "issues": [
                {
                    "issue": s.issue,
                    "phase": s.phase,
                    "note": s.note,
                    "worker": s.worker.to_json() if s.worker else None,
                }
                for s in self.issues
            ],
        }


class _Stop:
    """SIGINT: the first one asks the loop to stop after the current step."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True


class Loop:
    def __init__(
        self,
        ctx: Context,
        options: RunOptions,
        emit: Callable[[Event], None],
        show: Callable[[Sequence[IssueState]], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.options = options
        self.emit = emit
        self.show = show
        self.stop = _Stop()
        self.spawn_failures: dict[int, int] = {}  # this run's failed starts, per issue

    def _event(self, issue: int, kind: str, message: str) -> None:
        self.emit(Event(rfc3339(now()), issue, kind, message))

    def queue(self) -> list[int]:
        if self.options.issues is not None:
            return list(self.options.issues)
        labels = [self.options.label] if self.options.label else []
        return sorted(i.number for i in self.ctx.tracker.list_issues(labels=labels))

    def empty_queue(self) -> str:
        """Why there is nothing to do (only a label queue can be empty)."""
        label = self.options.label
        if label is None:
            return "the queue is empty"
        anywhere = len(self.ctx.tracker.list_issues(labels=[label], state="all"))
        if anywhere:
            closed = f"{anywhere} closed issue{'s' if anywhere > 1 else ''}"
            return f"no open issue has the label {label!r} ({closed} with it)"
        return f"no issue has the label {label!r} (is it spelled right?)"

    def request(self, issue: int, **changes: Any) -> SpawnRequest:
        o = self.options
        base = SpawnRequest(issue, o.agent, o.agent_cmd, o.base, None, o.prompt_template)
        return base._replace(**changes)

    def _spawn(self, issue: int, **changes: Any) -> IssueState:
        try:
            result = spawn(self.ctx, self.request(issue, **changes))
        except Refused as exc:
            self._event(issue, "waiting", str(exc))
            return IssueState(issue, "waiting", None, str(exc))
        except (TrackerUnavailable, StartFailed):
            raise  # the tracker is gone, or the agent cannot start for any issue
        except GateError as exc:
            # A start that failed is no attempt (its claim was withdrawn), so count here
            # to give up on an issue that can never start.
            self.spawn_failures[issue] = self.spawn_failures.get(issue, 0) + 1
            self._event(issue, "spawn-failed", str(exc))
            if self.spawn_failures[issue] >= self.options.max_attempts:
                note = f"could not start a worker {self.spawn_failures[issue]} time(s): {exc}"
                self._event(issue, "gave-up", note)
                return IssueState(issue, "gave-up", None, note)
            return IssueState(issue, "pending", None, f"spawn failed: {exc}")
        self._event(
            issue, "spawned", f"{result.worker_id} (attempt {result.attempt}, pid {result.pid})"
        )
        return IssueState(issue, "running", None, result.worker_id)

    def step(self, issue: int, slots: list[int], snapshot: Snapshot) -> IssueState:
        """Look at one issue and do what it needs; ``slots[0]`` is the free slot count."""
        ctx, o = self.ctx, self.options
        tracker_issue = ctx.tracker.get_issue(issue)
        if tracker_issue.state != "open":
            return IssueState(issue, "closed", None)
        comments = ctx.tracker.list_comments(issue)
        claims = read_claims(comments, ctx.trusted)
        holder = claims.holder
        if holder is not None:
            worker = worker_status(
                ctx, issue, holder, claims, comments, snapshot, hang_after=o.hang_after
            )
            state = worker.state
            if state == "running":
                if holder.host == ctx.host:
                    heartbeat(ctx.tracker, holder)
                return IssueState(issue, "running", worker)
            if state == "orphaned":
                holds, why = lease_holds(ctx, holder, snapshot)
                if holds:
                    return IssueState(issue, "waiting", worker, why)
            if state == "hung":
                self._event(issue, "hung", f"{worker.worker_id}: {worker.detail}; stopping it")
                lifecycle.stop(ctx, issue, grace=o.grace)
                worker = worker._replace(state="hung")
            failures = claims.failures()
            if state in ("completed", "blocked"):
                lifecycle.cleanup(ctx, issue, keep_worktree=True, reason=state)
                self._event(issue, state, f"{worker.worker_id} {worker.detail}")
                return IssueState(issue, state, worker)
            if state == "handover":
                if claims.handovers() >= o.max_handovers:
                    lifecycle.cleanup(ctx, issue, keep_worktree=True, reason="handover")
                    note = f"{claims.handovers() + 1} handovers: limit reached"
                    self._event(issue, "gave-up", note)
                    return IssueState(issue, "gave-up", worker, note)
                if slots[0] <= 0:
                    return IssueState(issue, "waiting", worker, "handover waits for a slot")
                self._event(issue, "handover", f"{worker.worker_id} handed over; replacing it")
                lifecycle.cleanup(ctx, issue, keep_worktree=True, reason="handover")
                slots[0] -= 1
                return self._spawn(issue, attempt=holder.attempt + 1)
            # failed, orphaned (lease expired) or hung
            context = failure_context(worker, comments, ctx)
            lifecycle.cleanup(ctx, issue, keep_worktree=True, reason="failed")
            failures += 1
            self._event(issue, "failed", f"{worker.worker_id} {worker.state}: {worker.detail}")
            if failures >= o.max_attempts:
                note = f"{failures} failed attempt(s): limit {o.max_attempts} reached"
                self._event(issue, "gave-up", note)
                return IssueState(issue, "gave-up", worker, note)
            if slots[0] <= 0:
                return IssueState(issue, "pending", worker, "retry waits for a slot")
            slots[0] -= 1
            return self._spawn(issue, attempt=holder.attempt + 1, failure=context)
        # Nobody holds the issue.
        last = claims.releases[-1].reason if claims.releases else None
        if last in ("completed", "blocked"):
            return IssueState(issue, last, None)
        if claims.failures() >= o.max_attempts:
            return IssueState(issue, "gave-up", None, f"{claims.failures()} failed attempts")
        if claims.handovers() > o.max_handovers:
            return IssueState(issue, "gave-up", None, f"{claims.handovers()} handovers")
        if slots[0] <= 0:
            return IssueState(issue, "pending", None, "waiting for a slot")
        slots[0] -= 1
        return self._spawn(issue, attempt=claims.attempts + 1)

    def live_workers(self, snapshot: Snapshot) -> int:
        """Workers of this repository alive on this host (they all take slots)."""
        from review_gate.dispatch.registry import list_records

        return sum(1 for r in list_records(self.ctx.state) if snapshot.alive(r.worker_id, r)[0])

    def poll(self) -> list[IssueState]:
        snapshot = Snapshot()
        slots = [self.options.max_workers - self.live_workers(snapshot)]
        states = []
        for issue in self.queue():
            if self.stop.requested:
                break
            states.append(self.step(issue, slots, snapshot))
        return states

    def sleep(self, seconds: float) -> None:
        """Sleep until the next poll, waking early when one of our workers exits."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.stop.requested:
            if reap_children():
                return
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def run(self) -> RunSummary:
        previous = signal.signal(signal.SIGINT, self.stop)
        try:
            while True:
                states = self.poll()
                if self.show is not None:
                    self.show(states)
                if self.stop.requested:
                    return RunSummary(tuple(states), True)
                if not states:
                    return RunSummary((), False, self.empty_queue())
                if all(s.phase in DONE for s in states):
                    return RunSummary(tuple(states), False)
                self.sleep(self.options.poll)
                if self.stop.requested:
                    return RunSummary(tuple(states), True)
        finally:
            signal.signal(signal.SIGINT, previous)


def run(
    ctx: Context,
    options: RunOptions,
    emit: Callable[[Event], None],
    show: Callable[[Sequence[IssueState]], None] | None = None,
) -> RunSummary:
    """Run the loop until every queued issue is done (or SIGINT)."""
    if options.max_workers < 1:
        raise GateError("--max-workers must be at least 1")
    if options.max_attempts < 1:
        raise GateError("--max-attempts must be at least 1")
    if options.issues is None and options.label is None:
        raise GateError("give the queue: --issues 1,2,3 or --label LABEL")
    loop = Loop(ctx, options, emit, show)
    preflight(loop.request(0))  # a wrong agent command is a usage error before any claim
    return loop.run()
