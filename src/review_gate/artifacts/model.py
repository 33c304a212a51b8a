"""Records for artifacts and their errors (no parsing here)."""

from __future__ import annotations

import dataclasses
from typing import Any

KINDS = ("review", "handover", "worker", "report")
# The kinds of worker report a REPORT block holds (its data's `kind`).
REPORT_KINDS = ("started", "progress", "complete", "blocked", "failed")


@dataclasses.dataclass(frozen=True)
class ArtifactError:
    kind: str  # "review" | "handover" | "worker" | "report"
    pointer: str  # JSON pointer into the artifact data ("" for the whole block)
    line: int  # 1-based line within the comment body
    message: str
    hint: str  # how to fix it

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def __str__(self) -> str:
        where = f" at {self.pointer}" if self.pointer else ""
        return f"line {self.line}: {self.kind}{where}: {self.message} (fix: {self.hint})"


@dataclasses.dataclass(frozen=True)
class Artifact:
    """One marker block. ``data`` is the normalised, schema-shaped content (possibly
    partial when invalid); a broken block (unterminated, nested, crossed) is an
    Artifact whose ``errors`` say so."""

    kind: str
    data: dict[str, Any]
    line: int  # 1-based line of the opening marker within the comment body
    end_line: int  # 1-based line of the closing marker (or of the last line when unterminated)
    errors: tuple[ArtifactError, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "valid": self.valid,
            "line": self.line,
            "end_line": self.end_line,
            "data": self.data,
            "errors": [e.to_json() for e in self.errors],
        }
