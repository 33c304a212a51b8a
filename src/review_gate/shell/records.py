"""Result records of the shell analysis (re-exported by :mod:`review_gate.shell`).

NamedTuples, not dataclasses: ``dataclasses`` pulls in ``inspect`` and ``ast`` (~10 ms),
a third of the hook's whole budget on the path where a command needed the parser.
"""

from __future__ import annotations

from review_gate.shell.named_tuple import NamedTuple

TYPE_CHECKING = False  # keeps `typing` and `collections` out of the hook's imports
if TYPE_CHECKING:
    from collections.abc import Callable


class PrCreation(NamedTuple):
    """A simple command that creates a pull request."""

    via: str  # "gh pr create" | "gh api" | "gh api graphql" | "curl" | "wget" | "httpie" | "hub"
    command: str  # source text of the simple command (for messages)
    body: str | None = None  # literal --body/-b value (or JSON/GraphQL body field) when known
    body_file: str | None = None  # --body-file/-F path ("-" = stdin) when given
    head: str | None = None  # --head/-H branch when given
    repo: str | None = None  # --repo/-R (or OWNER/REPO of the API path) when given
    cwd: str = ""  # the directory an earlier `cd`/`env -C` certainly moved to ("" = the call's)
    body_unknown: bool = False  # a body is given whose text is computed at run time
    fill: bool = False  # gh --fill*: the body is made from the branch's commit messages


class Tampering(NamedTuple):
    """A command that would switch off or walk around the review gate's hooks."""

    command: str
    reason: str  # one sentence
    kind: str = ""  # what the next step is about (one of KINDS; see ``hooks.pr_gate``)


#: ``Tampering.kind`` values: skipping the git hooks (``no-verify``), moving them
#: (``hooks-path``), an environment switch (``skip``), a push that runs no hook
#: (``hookless-push``), the gate's own files (``protected``), removing the gate
#: (``uninstall``), an agent started without its hooks (``agent-hooks``), choosing who a
#: local tracker comment is from (``author``).
KINDS = (
    "no-verify",
    "hooks-path",
    "skip",
    "hookless-push",
    "protected",
    "uninstall",
    "agent-hooks",
    "author",
)


class PathUse(NamedTuple):
    """A file the command writes, moves, removes or changes the mode of, whose name may be
    one of the gate's own files. The analysis cannot tell (it knows no checkout): the hook
    decides with :func:`review_gate.protected.protected_reason` (``shell.judge``)."""

    command: str  # source text of the simple command (for messages)
    route: str  # how: "sed -i", "> (redirection)", "cp", "rm", "python code", ...
    action: str  # "writes", "removes", "moves", "changes the mode of", "writes into", ...
    path: str  # the path as bash resolves it; DYN marks parts computed at run time
    source: str  # the path's source text (re-read with $HOME, $CODEX_HOME when they matter)
    cwd: str = ""  # the directory an earlier literal `cd` moved to ("" = the tool call's)
    glob: bool = False  # bash expands the path as a glob
    recursive: bool = False  # everything under the path is affected (rm -r, find -delete)
    names: tuple[str, ...] = ()  # find's filters: ("name:*.pyc", "path:./x/*")
    mentions: tuple[str, ...] = ()  # a run-time path: the command's words that may be protected


class Analysis(NamedTuple):
    """What a shell command would do that the review gate cares about."""

    pr_creations: tuple[PrCreation, ...] = ()
    tampering: tuple[Tampering, ...] = ()
    undecidable: tuple[str, ...] = ()  # reasons a PR creation could not be ruled out
    paths: tuple[PathUse, ...] = ()  # files it changes that may be the gate's own

    @property
    def matters(self) -> bool:
        return bool(self.pr_creations or self.tampering or self.undecidable or self.paths)


class Findings:
    """Mutable accumulator the analysers write into; de-duplicates in order."""

    def __init__(self) -> None:
        self.pr_creations: list[PrCreation] = []
        self.tampering: list[Tampering] = []
        self.undecidable: list[str] = []
        self.paths: list[PathUse] = []
        #: Places a PR creation where earlier parts of the command put it (the walker's);
        #: None when the place cannot be told (the PR creation is then undecidable).
        self.situate: Callable[[PrCreation], PrCreation | None] | None = None

    def pr(self, creation: PrCreation) -> None:
        if self.situate is not None:
            placed = self.situate(creation)
            if placed is None:
                return
            creation = placed
        if creation not in self.pr_creations:
            self.pr_creations.append(creation)

    def tamper(self, command: str, reason: str, kind: str) -> None:
        record = Tampering(_short(command), reason, kind)
        if record not in self.tampering:
            self.tampering.append(record)

    def path(self, use: PathUse) -> None:
        use = use._replace(command=_short(use.command))
        if use not in self.paths:
            self.paths.append(use)

    def undecided(self, command: str, reason: str) -> None:
        message = f"{reason}: {_short(command)}"
        if message not in self.undecidable:
            self.undecidable.append(message)

    def freeze(self) -> Analysis:
        return Analysis(
            tuple(self.pr_creations),
            tuple(self.tampering),
            tuple(self.undecidable),
            tuple(self.paths),
        )


def _short(command: str, limit: int = 200) -> str:
    """One line, at most ``limit`` characters, for messages."""
    flat = " ".join(command.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
