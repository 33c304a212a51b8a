"""The records the pure core (artifacts, gates) and the I/O edges (trackers, surfaces)
share. Plain data only: importing this module loads nothing else of review-gate."""

from __future__ import annotations

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
