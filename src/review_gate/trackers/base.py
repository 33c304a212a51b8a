"""The tracker protocol and the records every tracker returns.

Trackers are plain classes satisfying :class:`Tracker`; they return these records
and raise only :class:`~review_gate.errors.GateError` subclasses
(:class:`IssueNotFound`, :class:`TrackerError`, :class:`TrackerUnavailable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

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


class Tracker(Protocol):
    """What gates, hooks and the dispatcher need from an issue tracker."""

    name: str  # "github" | "local" | "export"

    def get_issue(self, number: int) -> Issue:
        """The issue; raises IssueNotFound."""
        ...

    def issue_exists(self, number: int) -> bool | None:
        """True/False where the tracker can tell, None where it cannot (an export file)."""
        ...

    def list_issues(self, *, labels: Sequence[str] = (), state: str = "open") -> list[Issue]:
        """Issues carrying all ``labels`` in ``state`` ("open", "closed" or "all")."""
        ...

    def list_comments(self, number: int) -> list[Comment]:
        """Every comment of the issue, oldest first (all pages)."""
        ...

    def post_comment(self, number: int, body: str) -> Comment:
        """Add a comment; raises TrackerError where the tracker is read-only."""
        ...

    def edit_comment(self, comment_id: int, body: str) -> Comment: ...

    def get_pull(self, number: int) -> PullRequest:
        """The pull request; raises IssueNotFound."""
        ...

    def permission(self, login: str) -> str | None:
        """``admin``/``maintain``/``write``/``triage``/``read``/``none``, or None if unknown."""
        ...
