"""The export-file tracker: a JSON array exactly as ``GET /repos/{o}/{r}/issues/{n}/comments``
returns it (all pages joined), read-only. Also the one parser that turns a GitHub comment
object into a :class:`Comment`, shared by every tracker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from review_gate.errors import IssueNotFound, TrackerError, UsageError
from review_gate.records import ASSOCIATIONS, Comment, Issue, PullRequest

# GitHub shows comments of deleted accounts as this user (the API sends ``"user": null``).
GHOST = "ghost"
_ISSUE_URL = re.compile(r"/issues/(\d+)/?$")


class CommentFormatError(ValueError):
    """A comment object lacks something a gate needs; the message says what."""


def rfc3339(value: object) -> str | None:
    """``value`` as second-resolution RFC 3339 UTC (``...Z``), or None if it is not a timestamp
    with a zone. One format everywhere makes (created_at, id) ordering a plain comparison."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_comment(item: object) -> Comment:
    """One GitHub ``issue-comment`` object as a :class:`Comment`; raises CommentFormatError."""
    if not isinstance(item, Mapping):
        raise CommentFormatError(f"is a {_json_type(item)}, not a comment object")
    if "id" not in item:
        raise CommentFormatError("has no id")
    cid = item["id"]
    if isinstance(cid, bool) or not isinstance(cid, int) or cid < 1:
        raise CommentFormatError(f"has id {cid!r}, expected a positive integer")
    if "author_association" not in item:
        raise CommentFormatError("has no author_association")
    association = item["author_association"]
    if association not in ASSOCIATIONS:
        raise CommentFormatError(
            f"has author_association {association!r}, expected one of {', '.join(ASSOCIATIONS)}"
        )
    if "user" not in item:
        raise CommentFormatError("has no user")
    user = item["user"]
    if user is None:
        author = GHOST
    elif isinstance(user, Mapping) and isinstance(user.get("login"), str) and user["login"]:
        author = user["login"]
    else:
        raise CommentFormatError("has no user.login")
    if "created_at" not in item:
        raise CommentFormatError("has no created_at")
    created = rfc3339(item["created_at"])
    if created is None:
        raise CommentFormatError(
            f"has created_at {item['created_at']!r}, expected an RFC 3339 time like "
            "2026-01-31T12:00:00Z"
        )
    updated = rfc3339(item.get("updated_at")) or created
    if "body" not in item:
        raise CommentFormatError("has no body")
    body = item["body"]
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise CommentFormatError(f"has a {_json_type(body)} body, expected a string")
    url = item.get("html_url")
    return Comment(
        id=cid,
        author=author,
        association=association,
        created_at=created,
        updated_at=updated,
        body=body,
        url=url if isinstance(url, str) else "",
    )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def issue_of(item: Mapping[str, Any]) -> int | None:
    """The issue number an exported comment names in ``issue_url``, if it names one."""
    url = item.get("issue_url")
    match = _ISSUE_URL.search(url) if isinstance(url, str) else None
    return int(match.group(1)) if match else None


def load_items(text: str) -> list[Any]:
    """The comment objects of an export: one JSON array, or the arrays ``gh api --paginate``
    prints back to back, or the array of pages ``--slurp`` makes. Raises ValueError."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    pos = 0
    text = text.lstrip("\ufeff")
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
        values.append(value)
    if not values:
        raise ValueError("is empty, expected a JSON array of comments")
    items: list[Any] = []
    for value in values:
        if not isinstance(value, list):
            raise ValueError(f"holds a JSON {_json_type(value)}, expected an array of comments")
        if value and all(isinstance(page, list) for page in value):
            for page in value:  # gh api --paginate --slurp: an array of pages
                items.extend(page)
        else:
            items.extend(value)
    return items


def parse_comments(items: Sequence[Any]) -> list[Comment]:
    """Parse an export's items; raises CommentFormatError naming the item (0-based, as jq)."""
    comments: list[Comment] = []
    seen: set[int] = set()
    for index, item in enumerate(items):
        try:
            comment = parse_comment(item)
        except CommentFormatError as exc:
            raise CommentFormatError(f"item {index} {exc}") from None
        if comment.id in seen:
            raise CommentFormatError(f"item {index} repeats comment id {comment.id}")
        seen.add(comment.id)
        comments.append(comment)
    return comments


class ExportTracker:
    """Comments from an export file; read-only, and it cannot tell whether other issues exist."""

    name = "export"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._items: list[dict[str, Any]] | None = None
        self._comments: list[Comment] | None = None

    @classmethod
    def from_text(cls, text: str, name: str = "<stdin>") -> ExportTracker:
        """An export already read (``gate check --comments -``); errors name ``name``."""
        tracker = cls(name)
        try:
            items = load_items(text)
            comments = parse_comments(items)
        except ValueError as exc:
            hint = (
                "the input must be what `gh api --paginate repos/OWNER/REPO/issues/N/comments` "
                "prints"
            )
            raise UsageError(f"{name}: {exc}", hint=hint) from None
        tracker._items, tracker._comments = items, comments
        return tracker

    def _load(self) -> tuple[list[dict[str, Any]], list[Comment]]:
        if self._items is None or self._comments is None:
            hint = (
                "the file must be what `gh api --paginate repos/OWNER/REPO/issues/N/comments` "
                f"prints; look at an item with `jq '.[0]' {self.path}`"
            )
            try:
                text = self.path.read_bytes().decode("utf-8")
            except FileNotFoundError:
                raise UsageError(f"{self.path}: no such file") from None
            except IsADirectoryError:
                raise UsageError(f"{self.path}: is a directory, expected a JSON file") from None
            except OSError as exc:
                raise UsageError(f"{self.path}: cannot read: {exc.strerror}") from None
            except UnicodeDecodeError:
                raise UsageError(f"{self.path}: not UTF-8 text, expected JSON", hint=hint) from None
            try:
                items = load_items(text)
                comments = parse_comments(items)
            except ValueError as exc:
                raise UsageError(f"{self.path}: {exc}", hint=hint) from None
            self._items, self._comments = items, comments
        return self._items, self._comments

    def list_comments(self, number: int) -> list[Comment]:
        """Every comment in the file, oldest first; refuses a file exported from another issue."""
        items, comments = self._load()
        for index, item in enumerate(items):
            other = issue_of(item)
            if other is not None and other != number:
                raise UsageError(
                    f"{self.path}: item {index} is a comment on issue #{other}, not #{number}",
                    hint=f"export the comments of issue #{number}, or check issue #{other}",
                )
        return sorted(comments, key=lambda c: (c.created_at, c.id))

    def export_comments(self, number: int) -> list[dict[str, Any]]:
        self.list_comments(number)
        items, _ = self._load()
        return list(items)

    def get_issue(self, number: int) -> Issue:
        # An export holds comments only: the issue's details are unknown ("unknown" state).
        return Issue(number=number, title="", body="", state="unknown", labels=(), url="")

    def issue_exists(self, number: int) -> bool | None:
        return None

    def list_issues(self, *, labels: Sequence[str] = (), state: str = "open") -> list[Issue]:
        return []

    def post_comment(self, number: int, body: str) -> Comment:
        raise TrackerError(f"{self.path} is an export file: it is read-only")

    def edit_comment(self, comment_id: int, body: str) -> Comment:
        raise TrackerError(f"{self.path} is an export file: it is read-only")

    def get_pull(self, number: int) -> PullRequest:
        raise IssueNotFound(
            f"{self.path} is an export of issue comments: it has no pull request #{number}",
            hint="pass --issue N instead of --pr",
        )

    def permission(self, login: str) -> str | None:
        return None
