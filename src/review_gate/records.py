"""The records the pure core (artifacts, gates) and the I/O edges (trackers, surfaces)
share. Plain data only: importing this module loads nothing else of review-gate."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, NamedTuple

DEFAULT_SENSITIVE_PATTERNS = (
    "**/auth/**",
    "**/api/**",
    "**/middleware/**",
    "*password*",
    "*token*",
    "*secret*",
)

TRUSTED_ASSOCIATIONS = ("OWNER", "MEMBER", "COLLABORATOR")
# Every value GitHub documents for ``author_association``.
ASSOCIATIONS = (
    "OWNER",
    "MEMBER",
    "COLLABORATOR",
    "CONTRIBUTOR",
    "FIRST_TIME_CONTRIBUTOR",
    "FIRST_TIMER",
    "MANNEQUIN",
    "NONE",
)
# The kinds of artifact, each with its own list of who may author it (``[trust]``).
ARTIFACT_KINDS = ("review", "worker", "handover")


class Comment(NamedTuple):
    """One issue comment, as GitHub describes it (times are RFC 3339 UTC, ``...Z``)."""

    id: int
    author: str  # user.login
    association: str  # author_association: OWNER|MEMBER|COLLABORATOR|CONTRIBUTOR|...|NONE
    created_at: str
    updated_at: str
    body: str
    url: str  # html_url

    def to_github(self) -> dict[str, Any]:
        """The comment in the shape of GitHub's ``issue-comment`` (the fields we keep)."""
        return {
            "id": self.id,
            "html_url": self.url,
            "body": self.body,
            "user": {"login": self.author},
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "author_association": self.association,
        }


class Issue(NamedTuple):
    number: int
    title: str
    body: str
    state: str  # "open" | "closed"
    labels: tuple[str, ...]
    url: str


class PullRequest(NamedTuple):
    number: int
    title: str
    body: str
    head_ref: str
    head_sha: str
    base_ref: str
    url: str


@dataclasses.dataclass(frozen=True)
class Authors:
    """Who may author one kind of artifact: a comment counts when its author_association
    is one of ``associations`` or its login is one of ``logins``.

    Callable, so it is also the ``TrustPolicy`` predicate the gates take (a frozen
    dataclass, not a NamedTuple: mypy does not see a NamedTuple's ``__call__``). Build it
    with :meth:`of` or :meth:`from_entries`, which normalise case (logins compare
    case-insensitively on GitHub; associations are upper case there).
    """

    associations: frozenset[str] = frozenset(TRUSTED_ASSOCIATIONS)
    logins: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, associations: Iterable[str] = TRUSTED_ASSOCIATIONS, logins: Iterable[str] = ()
    ) -> Authors:
        return cls(
            frozenset(a.strip().upper() for a in associations),
            frozenset(login.strip().lstrip("@").lower() for login in logins),
        )

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> Authors:
        """One ``[trust]`` list: an upper-case entry naming an author association
        (``OWNER``) is that association, anything else a login (``alice``, ``@alice``)."""
        associations: list[str] = []
        logins: list[str] = []
        for entry in entries:
            entry = entry.strip()
            if entry in ASSOCIATIONS:
                associations.append(entry)
            else:
                logins.append(entry)
        return cls.of(associations, logins)

    def __call__(self, comment: Comment) -> bool:
        return (
            comment.association.upper() in self.associations
            or comment.author.lower() in self.logins
        )

    def describe(self) -> str:
        """``OWNER, MEMBER, @review-bot`` (sorted), or ``nobody``."""
        names = [*sorted(self.associations), *(f"@{n}" for n in sorted(self.logins))]
        return ", ".join(names) if names else "nobody"


class Trust(NamedTuple):
    """Who may author each kind of artifact (``[trust]`` in the configuration)."""

    review: Authors = Authors()
    worker: Authors = Authors()
    handover: Authors = Authors()

    def of(self, kind: str) -> Authors:
        """The authors trusted for ``kind`` (``review``, ``worker`` or ``handover``)."""
        if kind not in ARTIFACT_KINDS:
            raise ValueError(f"unknown artifact kind {kind!r}")
        authors: Authors = getattr(self, kind)
        return authors
