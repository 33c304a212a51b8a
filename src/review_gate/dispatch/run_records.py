"""What ``gate dispatch run`` takes and reports: its options, events and summary."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

from review_gate.dispatch.registry import IssueClaims
from review_gate.dispatch.status import WorkerStatus
from review_gate.records import Comment

__all__ = ["DONE", "Event", "IssueState", "RunOptions", "RunSummary", "View", "Want"]

# stopped: its worker was stopped by hand (`gate dispatch stop`), not by the loop;
# skipped: an issue it waits for ended without passing (docs/dispatch.md, "Phases").
DONE = ("completed", "blocked", "gave-up", "closed", "stopped", "skipped")


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
    sequential: bool = False  # each issue of --issues waits for the one before it
    after: tuple[tuple[int, int], ...] = ()  # (issue, waits for) from --after
    review_with: str | None = None  # the reviewers' agent: the review loop is on
    review_cmd: str | None = None  # ... or their --agent-cmd style template
    activity_issue: int | None = None  # post a summary of the run there
    from_status: str | None = None  # the queue is this board column (--from-status)

    @property
    def review_loop(self) -> bool:
        return self.review_with is not None or self.review_cmd is not None

    def describe_queue(self) -> str:
        if self.from_status is not None:
            label = f" --label {self.label}" if self.label else ""
            return f"--from-status {self.from_status!r}{label}"
        if self.issues is None:
            return f"--label {self.label}"
        shown = ",".join(map(str, self.issues[:5]))
        more = f",... ({len(self.issues)} issues)" if len(self.issues) > 5 else ""
        return f"--issues {shown}{more}"


class Event(NamedTuple):
    at: str
    issue: int | None  # None: about the loop itself
    kind: str  # spawned | completed | blocked | handover | failed | hung | gave-up | peer | ...
    message: str
    worker_id: str | None = None  # the worker it is about, when known

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


class IssueState(NamedTuple):
    issue: int
    phase: str  # pending | running | hung | waiting | completed | blocked | gave-up | closed
    # | stopped | skipped
    worker: WorkerStatus | None
    note: str = ""


class View(NamedTuple):
    """One issue as a turn of the loop sees it."""

    issue: int
    state: str  # the issue's state: open, closed
    comments: list[Comment]
    claims: IssueClaims
    holding: frozenset[int]  # comment ids of the active claims whose lease holds
    body: str = ""


class Want(NamedTuple):
    """An issue that needs a new worker, if a slot is free (``changes`` go into its
    SpawnRequest; ``role: review`` starts a reviewer)."""

    issue: int
    changes: dict[str, Any]
    worker: WorkerStatus | None
    note: str  # when no slot is free


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
