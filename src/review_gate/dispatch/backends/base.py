"""The backend protocol: where a worker runs, behind one interface.

A backend starts a worker for an issue, tells its state, stops it, fetches its log and
collects what it produced before its claim is released. Every backend keeps the same
contract (docs/dispatch.md): the WORKER claim is posted in the tracker before anything
starts, state is read from the tracker plus the backend's own view of the worker, and
``collect`` never releases a claim while the worker's work is not saved.

Backends are plain classes satisfying :class:`Backend`, looked up by name in
:mod:`review_gate.dispatch.backends` (``local``: a process in a worktree beside the
repository; ``github-actions``: one workflow run per worker).

``gate dispatch run`` (:mod:`review_gate.dispatch.run`) is one loop for every backend:
it reads the queue, decides, and acts only through the second half of the protocol
(reading an issue, a claim's worker, keeping a lease, halting, ending a claim).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Protocol

from review_gate.dispatch.cleanup import CleanupResult, StopResult
from review_gate.dispatch.lease import Snapshot
from review_gate.dispatch.registry import Claim, IssueClaims
from review_gate.dispatch.spawn import SpawnRequest
from review_gate.dispatch.status import WorkerStatus
from review_gate.records import Comment, Issue


class Started(Protocol):
    """What every backend's ``start`` returns (its own record, with these fields)."""

    @property
    def issue(self) -> int: ...

    @property
    def worker_id(self) -> str: ...

    @property
    def attempt(self) -> int: ...

    def to_json(self) -> dict[str, Any]: ...


class WorkerLog(NamedTuple):
    issue: int
    worker_id: str
    source: str  # a file path, or the URL the log came from
    text: str

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


class Orphan(NamedTuple):
    """What to do with a claim whose worker is gone (``orphaned``)."""

    never_started: bool  # withdraw it: no attempt is counted
    holds: bool  # its lease still holds: wait
    why: str


class Backend(Protocol):
    """Where workers run. Every method raises only GateError subclasses."""

    name: str  # "local" | "github-actions"

    def start(self, request: SpawnRequest) -> Started:
        """Claim ``request.issue`` (claim posted first) and start a worker on it."""
        ...

    def state(
        self, issues: Iterable[int] | None = None, *, hang_after: float | None = None
    ) -> list[WorkerStatus]:
        """The workers of ``issues`` (default: the backend's own known workers)."""
        ...

    def stop(self, issue: int, *, grace: float = 10.0) -> list[StopResult]:
        """Stop ``issue``'s live worker; the claim stays until :meth:`collect`."""
        ...

    def log(self, issue: int) -> WorkerLog:
        """The log of ``issue``'s current worker."""
        ...

    def collect(
        self, issue: int, *, keep_worktree: bool = False, force: bool = False
    ) -> CleanupResult:
        """Save what the worker produced (rescue folder), then release its claim."""
        ...

    # -- what `gate dispatch run` asks (one loop for every backend) ---------------------

    def preflight(self, request: SpawnRequest) -> None:
        """Refuse, before anything is claimed, a request this backend cannot start."""
        ...

    def refresh(self, issues: Sequence[int]) -> None:
        """Read what a turn over ``issues`` needs, at once (a remote backend's one poll)."""
        ...

    def issue(self, number: int) -> Issue:
        """The issue as the tracker has it now (its state and body)."""
        ...

    def comments(self, number: int) -> list[Comment]:
        """The issue's comments as the tracker has them now."""
        ...

    def foreign(self, claim: Claim) -> str | None:
        """None when this backend runs ``claim``'s worker; else whose it is."""
        ...

    def worker(
        self,
        issue: int,
        claim: Claim,
        claims: IssueClaims,
        comments: Sequence[Comment],
        snapshot: Snapshot,
        hang_after: float | None,
    ) -> WorkerStatus:
        """The state of ``claim``'s worker (docs/dispatch.md, "Worker states")."""
        ...

    def keep_alive(self, claim: Claim, worker: WorkerStatus, orchestration: str) -> None:
        """Refresh a running worker's lease where the loop owns that (adopting it)."""
        ...

    def halt(self, issue: int, claim: Claim, grace: float) -> bool:
        """Stop ``claim``'s worker; True once nothing of it runs any more."""
        ...

    def orphan(self, claim: Claim, snapshot: Snapshot) -> Orphan:
        """What an ``orphaned`` claim needs."""
        ...

    def end(self, issue: int, claim: Claim, reason: str, snapshot: Snapshot) -> str:
        """Save what the worker left, then release ``claim`` with ``reason``; returns a
        note for the loop's event ("" when there is nothing to say). Refused while the
        worker runs."""
        ...

    def stopped_by_hand(self, claim: Claim, worker: WorkerStatus) -> bool:
        """Whether a ``failed`` worker was stopped by someone (not retried)."""
        ...
