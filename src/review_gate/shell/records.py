"""Result records of the shell analysis (re-exported by :mod:`review_gate.shell`).

NamedTuples, not dataclasses: ``dataclasses`` pulls in ``inspect`` and ``ast`` (~10 ms),
a third of the hook's whole budget on the path where a command needed the parser.
"""

from __future__ import annotations

from typing import NamedTuple


class PrCreation(NamedTuple):
    """A simple command that creates a pull request."""

    via: str  # "gh pr create" | "gh api" | "gh api graphql" | "curl" | "wget" | "httpie" | "hub"
    command: str  # source text of the simple command (for messages)
    body: str | None = None  # literal --body/-b value (or JSON/GraphQL body field) when known
    body_file: str | None = None  # --body-file/-F path ("-" = stdin) when given
    head: str | None = None  # --head/-H branch when given
    repo: str | None = None  # --repo/-R (or OWNER/REPO of the API path) when given


class Tampering(NamedTuple):
    """A command that would switch off or walk around the git hooks of the review gate."""

    command: str
    reason: str  # one sentence


class Analysis(NamedTuple):
    """What a shell command would do that the review gate cares about."""

    pr_creations: tuple[PrCreation, ...] = ()
    tampering: tuple[Tampering, ...] = ()
    undecidable: tuple[str, ...] = ()  # reasons a PR creation could not be ruled out

    @property
    def matters(self) -> bool:
        return bool(self.pr_creations or self.tampering or self.undecidable)


class Findings:
    """Mutable accumulator the analysers write into; de-duplicates in order."""

    def __init__(self) -> None:
        self.pr_creations: list[PrCreation] = []
        self.tampering: list[Tampering] = []
        self.undecidable: list[str] = []

    def pr(self, creation: PrCreation) -> None:
        if creation not in self.pr_creations:
            self.pr_creations.append(creation)

    def tamper(self, command: str, reason: str) -> None:
        record = Tampering(_short(command), reason)
        if record not in self.tampering:
            self.tampering.append(record)

    def undecided(self, command: str, reason: str) -> None:
        message = f"{reason}: {_short(command)}"
        if message not in self.undecidable:
            self.undecidable.append(message)

    def freeze(self) -> Analysis:
        return Analysis(tuple(self.pr_creations), tuple(self.tampering), tuple(self.undecidable))


def _short(command: str, limit: int = 200) -> str:
    """One line, at most ``limit`` characters, for messages."""
    flat = " ".join(command.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
