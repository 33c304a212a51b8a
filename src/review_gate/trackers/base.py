"""The tracker protocol and the records every tracker returns.

Trackers are plain classes satisfying :class:`Tracker`; they return these records
and raise only :class:`~review_gate.errors.GateError` subclasses
(:class:`IssueNotFound`, :class:`TrackerError`, :class:`TrackerUnavailable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from review_gate.records import Comment, Issue, PullRequest


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
