"""What ``gate dispatch run`` takes and reports: its options, events and summary."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

from review_gate.dispatch.status import WorkerStatus

__all__ = ["DONE", "Event", "IssueState", "RunOptions", "RunSummary"]

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

    def describe_queue(self) -> str:
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
