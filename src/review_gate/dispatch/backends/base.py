"""The backend protocol: where a worker runs, behind one interface.

A backend starts a worker for an issue, tells its state, stops it, fetches its log and
collects what it produced before its claim is released. Every backend keeps the same
contract (docs/dispatch.md): the WORKER claim is posted in the tracker before anything
starts, state is read from the tracker plus the backend's own view of the worker, and
``collect`` never releases a claim while the worker's work is not saved.

Backends are plain classes satisfying :class:`Backend`, looked up by name in
:mod:`review_gate.dispatch.backends` (``local``: a process in a worktree beside the
repository; ``github-actions``: one workflow run per worker).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol

from review_gate.dispatch.cleanup import CleanupResult, StopResult
from review_gate.dispatch.spawn import SpawnRequest
from review_gate.dispatch.status import WorkerStatus


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
