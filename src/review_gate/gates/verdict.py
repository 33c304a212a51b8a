"""The result of a gate: pass/fail, with reasons that each say how to fix them."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Reason:
    """Why a gate failed (or a note on why something was ignored), with the next step."""

    code: str  # stable identifier, e.g. "no-review", "status-not-complete"
    message: str  # one sentence
    fix: str  # what to do, concrete (a command where there is one)
    comment_url: str | None = None  # the comment the reason is about
    line: int | None = None  # line within that comment's body
    pointer: str | None = None  # JSON pointer into the artifact data

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


@dataclasses.dataclass(frozen=True)
class Verdict:
    gate: str  # "review" | "worker" | "handover"
    issue: int
    passed: bool
    reasons: tuple[Reason, ...] = ()  # why it failed; empty when it passed
    notes: tuple[Reason, ...] = ()  # informational: ignored untrusted artifacts, what was used
    artifact_url: str | None = None  # the comment holding the artifact the verdict rests on

    def to_json(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "issue": self.issue,
            "passed": self.passed,
            "reasons": [r.to_json() for r in self.reasons],
            "notes": [n.to_json() for n in self.notes],
            "artifact_url": self.artifact_url,
        }
