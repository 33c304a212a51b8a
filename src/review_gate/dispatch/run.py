"""``gate dispatch run``: keep up to N workers busy on a queue of issues until it is done.

Every poll reads the state afresh from the tracker, the pid records and the process
table — the loop keeps nothing of its own that matters — so a ``run`` killed with
``kill -9`` and started again picks up exactly where things stand: live workers are
recognised (no second spawn), finished ones are handled, nothing is lost.

Several loops may share a queue (:mod:`.fleet`): each poll is one *turn* under the
repository's dispatch lock; a loop acts only on the claims it owns (its own, hand-started
ones, and those of a loop that is gone, which it adopts); slots are counted from the
tracker's live leases for the queue, whoever holds them, so the loops together never
exceed ``--max-workers``.

Per poll, first every issue is looked at and handled:

- a live worker: its lease is refreshed (heartbeat); if its log has been silent for
  ``hang_after`` it is stopped and counted as a failure (the hang policy of docs/dispatch.md);
- a finished worker: ``completed`` and ``blocked`` release the claim (worktree kept)
  and the issue is done; ``handover`` releases it for the next attempt, which gets the
  HANDOVER; ``failed`` releases it for a retry with the failure context, until
  ``max_attempts`` failures; an ``orphaned`` claim is released once its lease has expired,
  and withdrawn at once when it never started;
- a peer's worker: left to the peer.

Then the issues that need a worker get one, in queue order, while slots are free.

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

from review_gate.dispatch import fleet, procs
from review_gate.dispatch.claim import release, withdraw
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot, lease_holds, liveness, scope_of
from review_gate.dispatch.registry import (
    Claim,
    IssueClaims,
    heartbeat,
    load_record,
    now,
    read_claims,
    rfc3339,
    save_record,
)
from review_gate.dispatch.run_records import DONE, Event, IssueState, RunOptions, RunSummary
from review_gate.dispatch.spawn import (
    SpawnRequest,
    StartFailed,
    preflight,
    reap_children,
    spawn,
)
from review_gate.dispatch.status import WorkerStatus, failure_context, worker_status
from review_gate.errors import GateError, IssueNotFound, Refused, TrackerUnavailable, UsageError
from review_gate.gates.common import comment_order
from review_gate.records import Comment


class _View(NamedTuple):
    """One issue as this turn sees it."""

    issue: int
    state: str  # the issue's state: open, closed
    comments: list[Comment]
    claims: IssueClaims
    holding: frozenset[int]  # comment ids of the active claims whose lease holds


class _Want(NamedTuple):
    """An issue that needs a new worker, if a slot is free."""

    issue: int
    changes: dict[str, Any]
    worker: WorkerStatus | None
    note: str  # when no slot is free


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
        orchestration: str | None = None,
    ) -> None:
        self.ctx = ctx
        self.options = options
        self.emit = emit
        self.show = show
        self.orchestration = orchestration or fleet.new_id()
        self.stop = _Stop()
        self.spawn_failures: dict[int, int] = {}  # this run's failed starts, per issue

    def _event(self, issue: int | None, kind: str, message: str) -> None:
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
        base = SpawnRequest(
            issue, o.agent, o.agent_cmd, o.base, None, o.prompt_template,
            orchestration=self.orchestration,
        )  # fmt: skip
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

    def look(self, issue: int, snapshot: Snapshot) -> _View:
        ctx = self.ctx
        state = ctx.tracker.get_issue(issue).state
        if state != "open":
            return _View(issue, state, [], read_claims([], None), frozenset())
        comments = ctx.tracker.list_comments(issue)
        claims = read_claims(comments, ctx.trusted)
        holding = frozenset(c.comment.id for c in claims.active if lease_holds(ctx, c, snapshot)[0])
        return _View(issue, state, comments, claims, holding)

    def owner(self, claim: Claim) -> str | None:
        """None when this loop may manage ``claim``; else whose it is."""
        ctx = self.ctx
        if claim.host is not None and claim.host != ctx.host:
            return f"held by {claim.worker_id} on host {claim.host}"
        orchestration = claim.orchestration
        if orchestration is None or orchestration == self.orchestration:
            return None  # ours, or started by hand: no loop owns it
        peer = fleet.running(ctx.state, orchestration)
        if peer is None:
            return None  # its loop is gone: adopted
        return f"held by {claim.worker_id} of the peer loop {orchestration} (pid {peer.pid})"

    def _stop(self, claim: Claim) -> None:
        record = load_record(self.ctx.state, claim.worker_id)
        signalled, _ = procs.terminate(scope_of(claim, record), grace=self.options.grace)
        if record is not None and signalled:
            stopped = dataclasses.replace(record, stopped_at=rfc3339(now()))
            save_record(self.ctx.state, stopped)

    def step(self, view: _View, snapshot: Snapshot) -> tuple[IssueState | _Want, int]:
        """Handle one issue; returns what it needs and the slots it freed."""
        ctx, o, issue = self.ctx, self.options, view.issue
        if view.state != "open":
            return IssueState(issue, "closed", None), 0
        claims = view.claims
        holder = claims.holder
        if holder is None:
            last = claims.releases[-1].reason if claims.releases else None
            if last in ("completed", "blocked"):
                return IssueState(issue, last, None), 0
            if claims.failures() >= o.max_attempts:
                note = f"{claims.failures()} failed attempts"
                return IssueState(issue, "gave-up", None, note), 0
            if claims.handovers() > o.max_handovers:
                return IssueState(issue, "gave-up", None, f"{claims.handovers()} handovers"), 0
            return _Want(issue, {}, None, "waiting for a slot"), 0
        worker = worker_status(
            ctx, issue, holder, claims, view.comments, snapshot, hang_after=o.hang_after
        )
        whose = self.owner(holder)
        if whose is not None:
            phase = "running" if worker.state in ("running", "hung") else "waiting"
            return IssueState(issue, phase, worker, whose), 0
        freed = 1 if holder.comment.id in view.holding else 0
        state = worker.state
        if state == "running":
            if worker.pids and holder.host == ctx.host:
                # Refreshing the lease is owning it: a claim of a loop that is gone is
                # adopted here, so its peers leave it to this loop from now on.
                heartbeat(ctx.tracker, holder, orchestration=self.orchestration)
            return IssueState(issue, "running", worker), 0
        if state == "orphaned":
            live = liveness(ctx, holder, snapshot)
            if live.never_started:
                withdraw(ctx, holder, live.detail)
                self._event(issue, "withdrawn", f"{holder.worker_id} {live.detail}")
                return _Want(issue, {}, None, "waiting for a slot"), freed
            holds, why = lease_holds(ctx, holder, snapshot, live)
            if holds:
                return IssueState(issue, "waiting", worker, why), 0
        if state == "hung":
            self._event(issue, "hung", f"{worker.worker_id}: {worker.detail}; stopping it")
            self._stop(holder)
            snapshot = Snapshot()
            if liveness(ctx, holder, snapshot).alive:
                return IssueState(issue, "hung", worker, "could not stop it yet"), 0
        if state in ("completed", "blocked"):
            release(ctx, issue, holder, state, snapshot)
            self._event(issue, state, f"{worker.worker_id} {worker.detail}")
            return IssueState(issue, state, worker), freed
        if state == "handover":
            release(ctx, issue, holder, "handover", snapshot)
            if claims.handovers() >= o.max_handovers:
                note = f"{claims.handovers() + 1} handovers: limit reached"
                self._event(issue, "gave-up", note)
                return IssueState(issue, "gave-up", worker, note), freed
            self._event(issue, "handover", f"{worker.worker_id} handed over; replacing it")
            return _Want(issue, {}, worker, "handover waits for a slot"), freed
        # failed, orphaned (lease expired) or hung
        context = failure_context(worker, view.comments, ctx)
        release(ctx, issue, holder, "failed", snapshot)
        failures = claims.failures() + 1
        self._event(issue, "failed", f"{worker.worker_id} {worker.state}: {worker.detail}")
        if failures >= o.max_attempts:
            note = f"{failures} failed attempt(s): limit {o.max_attempts} reached"
            self._event(issue, "gave-up", note)
            return IssueState(issue, "gave-up", worker, note), freed
        return _Want(issue, {"failure": context}, worker, "retry waits for a slot"), freed

    def poll(self) -> list[IssueState]:
        with fleet.turn(self.ctx.state):
            return self._turn()

    def _turn(self) -> list[IssueState]:
        snapshot = Snapshot()
        views: list[_View] = []
        for issue in self.queue():
            if self.stop.requested:
                break
            views.append(self.look(issue, snapshot))
        # The tracker's live leases for the queue, whoever holds them.
        slots = self.options.max_workers - sum(len(v.holding) for v in views)
        handled: list[IssueState | _Want] = []
        for view in views:
            if self.stop.requested:
                break
            try:
                result, freed = self.step(view, snapshot)
            except Refused as exc:  # e.g. a worker came back to life: its claim stays
                self._event(view.issue, "waiting", str(exc))
                result, freed = IssueState(view.issue, "waiting", None, str(exc)), 0
            slots += freed
            handled.append(result)
        admit = self._admission([v.issue for v in views], views)
        states: list[IssueState] = []
        for item in handled:
            if isinstance(item, IssueState):
                states.append(item)
            elif slots <= 0 or self.stop.requested:
                states.append(IssueState(item.issue, "pending", item.worker, item.note))
            else:
                state = self._spawn(item.issue, admit=admit, **item.changes)
                slots -= state.phase == "running"
                states.append(state)
        return states

    def _admission(
        self, queue: list[int], views: list[_View]
    ) -> Callable[[Comment], str | None] | None:
        """The second count, after a claim won its issue, for loops this host's turns do
        not cover: another host's loops (a tracker that is not local, or claims from
        another host in the queue). A claim starts only while fewer than
        ``--max-workers`` live claims of the queue came before it; every loop applies
        the same rule to the same order, so together they stay within the limit."""
        ctx = self.ctx
        remote = any(c.host not in (None, ctx.host) for v in views for c in v.claims.active)
        if ctx.tracker.name == "local" and not remote:
            return None
        most = self.options.max_workers

        def admit(mine: Comment) -> str | None:
            snapshot = Snapshot()
            mark = comment_order(mine)
            before = 0
            for issue in queue:
                claims = read_claims(ctx.tracker.list_comments(issue), ctx.trusted)
                before += sum(
                    1
                    for c in claims.active
                    if c.comment.id != mine.id
                    and comment_order(c.comment) < mark
                    and lease_holds(ctx, c, snapshot)[0]
                )
            if before < most:
                return None
            return f"the queue's {most} slot(s) are taken by {before} earlier claim(s)"

        return admit

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


def check_queue(ctx: Context, issues: Sequence[int]) -> None:
    """Every issue of an ``--issues`` queue exists, before anything is claimed."""
    missing: list[int] = []
    for number in issues:
        try:
            ctx.tracker.get_issue(number)
        except IssueNotFound:
            missing.append(number)
    if missing:
        names = ", ".join(f"#{n}" for n in missing)
        raise UsageError(
            f"--issues: no issue {names} in the {ctx.tracker.name} tracker; nothing was started",
            hint="check the numbers (`gate issue list` for the local tracker)",
        )


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
    preflight(
        SpawnRequest(
            0, options.agent, options.agent_cmd, options.base, None, options.prompt_template
        )
    )  # a wrong agent: exit 2 before any claim
    if options.issues is not None:
        check_queue(ctx, options.issues)
    me = fleet.register(ctx.state, ctx.host, options.describe_queue(), options.max_workers)
    try:
        loop = Loop(ctx, options, emit, show, me.id)
        for peer in fleet.peers(ctx.state, me):
            loop._event(
                None, "peer", f"{me.id} joins {peer.describe()} as a peer: slots are shared "
                f"through the tracker, each loop handles its own workers",
            )  # fmt: skip
        return loop.run()
    finally:
        fleet.unregister(ctx.state, me)
