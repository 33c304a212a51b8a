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
  and the issue is done — with reviewers or phases once it passed the completion
  checkpoint (:mod:`.review_loop`); ``handover`` releases it for the next attempt;
  ``failed`` for a retry with the failure context, until ``max_attempts`` failures;
  stopped by hand (``gate dispatch stop``) as ``stopped``, not retried; an ``orphaned``
  claim once its lease has expired, withdrawn at once when it never started;
- a peer's worker: left to the peer.

Then the issues that need a worker get one, in queue order, while slots are free —
except one that waits for another phase (:mod:`.phases`). Every event goes to the
audit log (:mod:`.audit`) with the loop's orchestration id and the worker's id.

The loop is the same for every backend (:mod:`.backends`): where a worker runs —
a local process, a GitHub Actions run — it learns and acts only through the backend
(start, a claim's worker, keeping a lease, halting, ending a claim).

Ctrl-C (SIGINT) lets the current step finish, then stops the loop; workers keep
running in their own sessions, and running ``gate dispatch run`` again resumes. A
tracker (or GitHub) that does not answer costs one ``error`` event and the poll.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from review_gate.dispatch import audit, fleet, phases
from review_gate.dispatch.admission import admission
from review_gate.dispatch.backends.base import Backend, Started
from review_gate.dispatch.backends.local import LocalBackend
from review_gate.dispatch.budget import handed_over_spent
from review_gate.dispatch.claim import withdraw
from review_gate.dispatch.context import Context
from review_gate.dispatch.lease import Snapshot, lease_holds
from review_gate.dispatch.registry import Claim, now, read_claims, rfc3339
from review_gate.dispatch.review_loop import (
    Completion,
    ready_for_review,
    reviewed,
    role_of,
    start_reviewer,
)
from review_gate.dispatch.run_activity import ActivityReport
from review_gate.dispatch.run_plan import busy_slots, check_run, label_waits, queue_of, why_empty
from review_gate.dispatch.run_records import (
    DONE,
    Event,
    IssueState,
    RunOptions,
    RunSummary,
    View,
    Want,
)
from review_gate.dispatch.spawn import SpawnRequest, StartFailed, reap_children
from review_gate.dispatch.status import WorkerStatus, failure_context
from review_gate.errors import GateError, Refused, TrackerUnavailable
from review_gate.records import Comment


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
        waits: phases.Dependencies | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.ctx = ctx
        self.backend: Backend = backend or LocalBackend(ctx)
        self.options = options
        self.emit = emit
        self.show = show
        self.orchestration = orchestration or fleet.new_id(ctx.state)
        self.stop = _Stop()
        self.spawn_failures: dict[int, int] = {}  # this run's failed starts, per issue
        self.waits: phases.Dependencies = waits or {}
        self.completion = Completion(ctx, options, self._event)
        self.stopped_here: set[str] = set()  # workers this loop stopped (hung)
        self.told: set[tuple[int, str]] = set()  # (issue, note) of waits shown
        self.seen: set[int] = set()  # a board queue's issues, kept once they left the column
        self.activity = (
            ActivityReport(ctx, options.activity_issue, self.orchestration)
            if options.activity_issue is not None
            else None
        )

    @property
    def checkpoints(self) -> bool:
        """Whether a completed issue passes the completion checkpoint (review, gate)."""
        return self.options.review_loop or bool(self.waits) or self.options.sequential

    def _event(
        self, issue: int | None, kind: str, message: str, *, worker_id: str | None = None
    ) -> None:
        self.emit(Event(rfc3339(now()), issue, kind, message, worker_id))
        if kind != "spawned":  # spawn itself logs its "spawn" (with attempt, pid, role)
            audit.record(
                self.ctx.state, kind, issue=issue, worker_id=worker_id,
                orchestration=self.orchestration, message=message,
            )  # fmt: skip

    def queue(self) -> list[int]:
        found = queue_of(self.ctx, self.options)
        if self.options.from_status is None:
            return found
        self.seen.update(found)  # a spawn moves its item on: the loop still follows it
        return sorted(self.seen)

    def request(self, issue: int, **changes: Any) -> SpawnRequest:
        o = self.options
        base = SpawnRequest(
            issue, o.agent, o.agent_cmd, o.base, None, o.prompt_template,
            orchestration=self.orchestration,
        )  # fmt: skip
        return base._replace(**changes)

    def _spawn(self, issue: int, **changes: Any) -> IssueState:
        result: Started
        try:
            if changes.get("role") == "review":
                result = start_reviewer(self.ctx, issue, self.options, self.orchestration)
            else:
                result = self.backend.start(self.request(issue, **changes))
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
        role = changes.get("role") or "implement"
        data = result.to_json()
        where = f"pid {data['pid']}" if data.get("pid") else data.get("run_url") or "run pending"
        self._event(
            issue, "spawned", f"{result.worker_id} (attempt {result.attempt}, {where}"
            f"{', ' + role if role != 'implement' else ''})", worker_id=result.worker_id,
        )  # fmt: skip
        return IssueState(issue, "running", None, result.worker_id)

    def look(self, issue: int, snapshot: Snapshot) -> View:
        ctx = self.ctx
        found = self.backend.issue(issue)
        if found.state != "open":
            return View(issue, found.state, [], read_claims([], None), frozenset(), found.body)
        comments = self.backend.comments(issue)
        claims = read_claims(comments, ctx.trusted)
        holding = frozenset(c.comment.id for c in claims.active if lease_holds(ctx, c, snapshot)[0])
        return View(issue, found.state, comments, claims, holding, found.body)

    def owner(self, claim: Claim) -> str | None:
        """None when this loop may manage ``claim``; else whose it is."""
        ctx = self.ctx
        whose = self.backend.foreign(claim)
        if whose is not None:
            return whose
        orchestration = claim.orchestration
        if orchestration is None or orchestration == self.orchestration:
            return None  # ours, or started by hand: no loop owns it
        peer = fleet.running(ctx.state, orchestration)
        if peer is None:
            return None  # its loop is gone: adopted
        return f"held by {claim.worker_id} of the peer loop {orchestration} (pid {peer.pid})"

    def _stop(self, issue: int, claim: Claim) -> bool:
        """Stop a worker (hung, or its budget spent); True once nothing of it runs."""
        self.stopped_here.add(claim.worker_id)
        return self.backend.halt(issue, claim, self.options.grace)

    def idle(self, view: View) -> IssueState | Want:
        """An issue nobody holds: done, given up, or wanting a worker (which kind)."""
        o, issue, claims = self.options, view.issue, view.claims
        last = claims.releases[-1] if claims.releases else None
        reason = last.reason if last else None
        if reason == "completed" and self.checkpoints:
            return self.completion.settle(view)
        if reason in ("completed", "blocked"):
            return IssueState(issue, str(reason), None)
        if reason == "stopped":
            return IssueState(issue, "stopped", None, _STOPPED)
        if claims.failures() >= o.max_attempts:
            note = f"{claims.failures()} failed attempts"
            return IssueState(issue, "gave-up", None, note)
        if claims.handovers() > o.max_handovers:
            return IssueState(issue, "gave-up", None, f"{claims.handovers()} handovers")
        ended = claims.claim_of(last.worker_id) if last and last.worker_id else None
        return Want(issue, self._role(ended), None, "waiting for a slot")

    def _role(self, claim: Claim | None) -> dict[str, Any]:
        """A replacement's role: a reviewer's is a reviewer (in the review loop)."""
        review = self.options.review_loop and role_of(claim) == "review"
        return {"role": "review"} if review else {}

    def step(self, view: View, snapshot: Snapshot) -> tuple[IssueState | Want, int]:
        """Handle one issue; returns what it needs and the slots it freed."""
        ctx, o, issue = self.ctx, self.options, view.issue
        if view.state != "open":
            return IssueState(issue, "closed", None), 0
        claims = view.claims
        holder = claims.holder
        if holder is None:
            return self.idle(view), 0
        worker = self.backend.worker(issue, holder, claims, view.comments, snapshot, o.hang_after)
        whose = self.owner(holder)
        if whose is not None:
            phase = "running" if worker.state in ("running", "hung") else "waiting"
            return IssueState(issue, phase, worker, whose), 0
        freed = 1 if holder.comment.id in view.holding else 0
        state = worker.state
        if state == "running":
            if handed_over_spent(ctx, issue, holder, view.comments, worker.budget):
                self._event(issue, "budget", f"{worker.worker_id}: budget spent, HANDOVER posted; "
                            "stopping it to replace it")  # fmt: skip
                self._stop(issue, holder)
                return IssueState(issue, "running", worker, "budget spent: stopping it"), 0
            self.backend.keep_alive(holder, worker, self.orchestration)
            return IssueState(issue, "running", worker), 0
        if state == "orphaned":
            orphan = self.backend.orphan(holder, snapshot)
            if orphan.never_started:
                withdraw(ctx, holder, orphan.why)
                self._event(issue, "withdrawn", f"{holder.worker_id} {orphan.why}",
                            worker_id=holder.worker_id)  # fmt: skip
                return Want(issue, self._role(holder), None, "waiting for a slot"), freed
            if orphan.holds:
                return IssueState(issue, "waiting", worker, orphan.why), 0
        wid = worker.worker_id
        if state == "hung":
            self._event(issue, "hung", f"{wid}: {worker.detail}; stopping it", worker_id=wid)
            if not self._stop(issue, holder):
                return IssueState(issue, "hung", worker, "could not stop it yet"), 0
            snapshot = Snapshot()
            self._event(issue, "stopped", f"{wid} stopped (hung)", worker_id=wid)
        if state in ("completed", "failed") and reviewed(ctx, o, view, holder, snapshot):
            self._event(issue, "reviewed", f"{wid} posted its REVIEW", worker_id=wid)
            return self._settle(issue, worker), freed
        if state == "failed" and ready_for_review(o, holder, worker):
            state, worker = "completed", worker._replace(detail="exited 0: ready for review")
        if state in ("completed", "blocked"):
            saved = self._end(issue, holder, state, snapshot)
            self._event(issue, state, f"{wid} {worker.detail}{saved}", worker_id=wid)
            if state == "completed" and self.checkpoints:
                return self._settle(issue, worker), freed
            return IssueState(issue, state, worker), freed
        if state == "failed" and self._stopped_by_hand(holder, worker):
            saved = self._end(issue, holder, "stopped", snapshot)
            self._event(issue, "stopped", f"{wid} was stopped by hand; not retried{saved}",
                        worker_id=wid)  # fmt: skip
            return IssueState(issue, "stopped", worker, _STOPPED), freed
        role = self._role(holder)
        if state == "handover":
            saved = self._end(issue, holder, "handover", snapshot)
            if claims.handovers() >= o.max_handovers:
                note = f"{claims.handovers() + 1} handovers: limit reached"
                self._event(issue, "gave-up", note, worker_id=wid)
                return IssueState(issue, "gave-up", worker, note), freed
            self._event(issue, "handover", f"{wid} handed over; replacing it{saved}",
                        worker_id=wid)  # fmt: skip
            return Want(issue, role, worker, "handover waits for a slot"), freed
        # failed, orphaned (lease expired) or hung
        context = failure_context(worker, view.comments, ctx)
        saved = self._end(issue, holder, "failed", snapshot)
        failures = claims.failures() + 1
        self._event(issue, "failed", f"{wid} {worker.state}: {worker.detail}{saved}",
                    worker_id=wid)  # fmt: skip
        if failures >= o.max_attempts:
            note = f"{failures} failed attempt(s): limit {o.max_attempts} reached"
            self._event(issue, "gave-up", note, worker_id=wid)
            return IssueState(issue, "gave-up", worker, note), freed
        self._event(issue, "retry", f"attempt {claims.attempts + 1} gets the failure context")
        return Want(issue, {"failure": context, **role}, worker, "retry waits for a slot"), freed

    def _settle(self, issue: int, worker: WorkerStatus) -> IssueState | Want:
        """After a release: what the issue needs now (its claims read again)."""
        settled = self.idle(self.look(issue, Snapshot()))
        return settled if isinstance(settled, Want) else settled._replace(worker=worker)

    def _end(self, issue: int, holder: Claim, reason: str, snapshot: Snapshot) -> str:
        """Release ``holder`` with ``reason`` once what its worker left is saved; returns
        the backend's note for the event ("; saved in ...")."""
        note = self.backend.end(issue, holder, reason, snapshot)
        return f"; {note}" if note else ""

    def _stopped_by_hand(self, holder: Claim, worker: WorkerStatus) -> bool:
        """Its agent was stopped by someone (`gate dispatch stop`), not by this loop."""
        if holder.worker_id in self.stopped_here:
            return False
        return self.backend.stopped_by_hand(holder, worker)

    def poll(self) -> list[IssueState]:
        with fleet.turn(self.ctx.state):
            return self._turn()

    def _turn(self) -> list[IssueState]:
        snapshot = Snapshot()
        views: list[View] = []
        queue = self.queue()
        self.backend.refresh(queue)
        for issue in queue:
            if self.stop.requested:
                break
            views.append(self.look(issue, snapshot))
        if self.options.issues is None:  # a label queue: its bodies may change
            self.waits = label_waits(self.ctx, self.options, views)
        # The tracker's live leases for the queue, whoever holds them.
        slots = self.options.max_workers - busy_slots(self.ctx, self.options, views)
        handled: list[IssueState | Want] = []
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
        phase_of = {i.issue: i.phase if isinstance(i, IssueState) else "want" for i in handled}
        states: list[IssueState] = []
        for item in handled:
            held = None
            if isinstance(item, Want):
                failing = self.completion.failing
                held = phases.hold_back(item.issue, self.waits, phase_of, failing)
            if isinstance(item, IssueState):
                states.append(item)
            elif held is not None:
                phase, note = held
                if (item.issue, note) not in self.told:  # each change of what it waits for
                    self.told.add((item.issue, note))
                    self._event(item.issue, phase, note)
                states.append(IssueState(item.issue, phase, item.worker, note))
            elif slots <= 0 or self.stop.requested:
                states.append(IssueState(item.issue, "pending", item.worker, item.note))
            else:
                state = self._spawn(item.issue, admit=admit, **item.changes)
                slots -= state.phase == "running"
                states.append(state)
        return states

    def _admission(
        self, queue: list[int], views: list[View]
    ) -> Callable[[Comment], str | None] | None:
        return admission(self.ctx, queue, views, self.options.max_workers)

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
                try:
                    states = self.poll()
                except TrackerUnavailable as exc:  # down for now: try again next poll
                    self._event(None, "error", f"{exc}; trying again in {self.options.poll:g}s")
                    self.sleep(self.options.poll)
                    if self.stop.requested:
                        return RunSummary((), True)
                    continue
                if self.activity is not None:
                    self.activity.update()
                if self.show is not None:
                    self.show(states)
                if self.stop.requested:
                    return RunSummary(tuple(states), True)
                if not states:
                    return RunSummary((), False, why_empty(self.ctx, self.options))
                if all(s.phase in DONE for s in states):
                    return RunSummary(tuple(states), False)
                self.sleep(self.options.poll)
                if self.stop.requested:
                    return RunSummary(tuple(states), True)
        finally:
            signal.signal(signal.SIGINT, previous)


_STOPPED = "its worker was stopped by hand; `gate dispatch spawn --issue N` restarts it"


def run(
    ctx: Context,
    options: RunOptions,
    emit: Callable[[Event], None],
    show: Callable[[Sequence[IssueState]], None] | None = None,
    backend: Backend | None = None,
) -> RunSummary:
    """Run the loop until every queued issue is done (or SIGINT), its workers started
    by ``backend`` (default: local processes)."""
    backend = backend or LocalBackend(ctx)
    waits = check_run(ctx, options, backend.preflight)  # anything wrong: exit 2 before any claim
    me = fleet.register(ctx.state, ctx.host, options.describe_queue(), options.max_workers)
    try:
        loop = Loop(ctx, options, emit, show, me.id, waits, backend)
        for peer in fleet.peers(ctx.state, me):
            loop._event(
                None, "peer", f"{me.id} joins {peer.describe()} as a peer: slots are shared "
                f"through the tracker, each loop handles its own workers",
            )  # fmt: skip
        return loop.run()
    finally:
        fleet.unregister(ctx.state, me)
