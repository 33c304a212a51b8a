"""``gate validate`` as data: the artifacts of each input and whether it passes."""

from __future__ import annotations

from typing import Any, NamedTuple

from review_gate.artifacts.extract import extract
from review_gate.artifacts.model import Artifact


class FileResult(NamedTuple):
    """The artifacts found in one input (of ``kind`` when one was asked for)."""

    path: str
    kind: str | None
    artifacts: tuple[Artifact, ...]

    @property
    def found(self) -> bool:
        return bool(self.artifacts)

    @property
    def valid(self) -> bool:
        """At least one artifact, and every one valid."""
        return self.found and all(a.valid for a in self.artifacts)

    @property
    def problem(self) -> str | None:
        """Why the file fails as a whole (nothing found), else None."""
        if self.found:
            return None
        what = f"{self.kind} artifact" if self.kind else "artifact"
        return f"no {what} found"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "valid": self.valid,
            "problem": self.problem,
            "artifacts": [a.to_json() for a in self.artifacts],
        }


def validate_text(path: str, text: str, kind: str | None = None) -> FileResult:
    """Every artifact in ``text`` (only those of ``kind`` when given)."""
    found = extract(text)
    if kind is not None:
        found = [a for a in found if a.kind == kind]
    return FileResult(path=path, kind=kind, artifacts=tuple(found))
