"""The export-file tracker: a JSON array exactly as ``GET /repos/{o}/{r}/issues/{n}/comments``
returns it (all pages joined), read-only. Also the one parser that turns a GitHub comment
object into a :class:`Comment`, shared by every tracker.

An export is checked like GitHub's schema says (field types, see
:mod:`review_gate.trackers.comment_shape`), and it must be the export of the issue being
checked: a comment whose ``issue_url`` or ``html_url`` names another issue, or another
repository, is refused. Whatever is wrong is one line (exit 2), never a traceback.
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
from review_gate.trackers.comment_shape import json_type, shape_error

# GitHub shows comments of deleted accounts as this user (the API sends ``"user": null``).
GHOST = "ghost"
# GitHub refuses bodies over 65536 characters; allow for counting differences (UTF-16 units,
# CRLF), but a body far beyond that is no GitHub comment.
MAX_BODY = 4 * 65536
_MAX_ID = 2**63 - 1  # int64, as GitHub documents comment ids
# Where a comment is: its issue_url (the API's ``.../repos/o/r/issues/7``, GitHub Enterprise's
# ``.../api/v3/repos/...``) and its html_url (``https://host/o/r/issues/7#issuecomment-1``,
# ``/pull/7`` for a pull request's conversation); the local tracker's ``local:issues/7``.
_API_ISSUE_URL = re.compile(
    r"https?://[^\s/]+(?:/[^\s/]+)*?/repos/([^\s/]+/[^\s/]+)/issues/([0-9]{1,18})/?"
)
_HTML_ISSUE_URL = re.compile(
    r"https?://[^\s/]+/([^\s/]+/[^\s/]+)/(?:issues|pull)/([0-9]{1,18})/?(?:#\S*)?"
)
_LOCAL_ISSUE_URL = re.compile(r"local:issues/([0-9]{1,18})(?:#\S*)?")
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


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
        raise CommentFormatError(f"is {_a(_kind(item))}, not a comment object")
    if "id" not in item:
        raise CommentFormatError("has no id")
    cid = item["id"]
    if isinstance(cid, bool) or not isinstance(cid, int) or not 1 <= cid <= _MAX_ID:
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
        raise CommentFormatError(f"has a body of type {json_type(body)}, expected a string")
    if len(body) > MAX_BODY:
        raise CommentFormatError(
            f"has a body of {len(body)} characters; no GitHub comment is that long"
        )
    problem = shape_error(item)
    if problem is not None:
        raise CommentFormatError(problem)
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


def _check_repo(repo: str | None) -> str | None:
    if repo is None:
        return None
    text = repo.strip().lower()
    if not _REPO.fullmatch(text):
        raise UsageError(f"repository {repo!r} does not look like owner/name")
    return text


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def issue_of(item: Mapping[str, Any]) -> int | None:
    """The issue number an exported comment names in ``issue_url``, if it names one."""
    ref = _url_issue(item.get("issue_url"), "issue_url")
    return ref[1] if ref else None


def _url_issue(url: object, field: str) -> tuple[str | None, int] | None:
    """``(repository or None, number)`` a comment URL names; None for an absent or empty
    one; CommentFormatError for one that names no issue."""
    if url is None or url == "":
        return None
    if not isinstance(url, str):
        raise CommentFormatError(f"has {field} of type {json_type(url)}, expected string")
    text = url.strip()
    local = _LOCAL_ISSUE_URL.fullmatch(text)
    if local:
        return None, int(local.group(1))
    pattern = _API_ISSUE_URL if field == "issue_url" else _HTML_ISSUE_URL
    match = pattern.fullmatch(text)
    if not match:
        raise CommentFormatError(f"has {field} {url!r}, which names no issue")
    return match.group(1).lower(), int(match.group(2))


def comment_issues(item: Mapping[str, Any]) -> list[tuple[str, str | None, int]]:
    """``[(field, repository or None, number)]``: every issue a comment object's
    ``issue_url`` and ``html_url`` name. Raises CommentFormatError for a URL naming none."""
    found: list[tuple[str, str | None, int]] = []
    for field in ("issue_url", "html_url"):
        ref = _url_issue(item.get(field), field)
        if ref is not None:
            found.append((field, *ref))
    return found


def load_items(text: str) -> list[Any]:
    """The comment objects of an export: one JSON array, or the arrays ``gh api --paginate``
    prints back to back, or the array of pages ``--slurp`` makes. Raises ValueError."""
    decoder = json.JSONDecoder(parse_constant=_no_constant)
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
        except RecursionError:
            # The C decoder counts its depth and stops; nothing to clean up.
            raise ValueError("nests arrays or objects too deeply to be a comments export") from None
        values.append(value)
    if not values:
        raise ValueError("is empty, expected a JSON array of comments")
    items: list[Any] = []
    for value in values:
        if not isinstance(value, list):
            raise ValueError(f"holds a JSON {_kind(value)}, expected an array of comments")
        if value and all(isinstance(page, list) for page in value):
            for page in value:  # gh api --paginate --slurp: an array of pages
                items.extend(page)
        else:
            items.extend(value)
    return items


def _no_constant(name: str) -> Any:
    raise ValueError(f"not valid JSON: {name} is not a JSON number")


def _kind(value: object) -> str:
    # "holds a JSON object / array / number" as the existing messages say it
    kind = json_type(value)
    return "number" if kind == "integer" else kind


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
    """Comments from an export file; read-only, and it cannot tell whether other issues exist.

    ``repo`` (``owner/name``) is the repository being checked, when the caller knows it:
    a comment of another repository is then refused. Without it, the comments of one
    export must still all be of one repository.
    """

    name = "export"

    def __init__(self, path: str | Path, *, repo: str | None = None) -> None:
        self.path = Path(path)
        self.repo = _check_repo(repo)
        self._items: list[dict[str, Any]] | None = None
        self._comments: list[Comment] | None = None

    @classmethod
    def from_text(
        cls, text: str, name: str = "<stdin>", *, repo: str | None = None
    ) -> ExportTracker:
        """An export already read (``gate check --comments -``); errors name ``name``."""
        tracker = cls(name, repo=repo)
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
        """Every comment in the file, oldest first. Refuses (UsageError, exit 2) a file with
        a comment of another issue, or of another repository (``self.repo``, or another
        comment's), as its ``issue_url`` or ``html_url`` says, and a comment with neither."""
        items, comments = self._load()
        seen: tuple[str, int] | None = None  # (repository, comment id) of the first named
        for index, (item, comment) in enumerate(zip(items, comments, strict=True)):
            which = f"{self.path}: comment {comment.id} (item {index})"
            try:
                refs = comment_issues(item)
            except CommentFormatError as exc:
                raise UsageError(
                    f"{which} {exc}",
                    hint="issue_url and html_url must be the URLs GitHub gives the comment",
                ) from None
            if not refs:
                # GitHub sends both; without either, nothing says which issue it is on.
                raise UsageError(
                    f"{which} has neither issue_url nor html_url, so its issue is unknown",
                    hint="export the comments with `gh api --paginate "
                    f"repos/OWNER/REPO/issues/{number}/comments` (or `gate issue export "
                    f"{number}`), which keeps both",
                )
            for field, repo, other in refs:
                where = f"{repo}#{other}" if repo else f"issue #{other}"
                if other != number:
                    raise UsageError(
                        f"{which} is on {where} ({field}), not on issue #{number}",
                        hint=f"export the comments of issue #{number}, or check issue #{other}",
                    )
                if repo is None:
                    continue
                if self.repo is not None and repo != self.repo:
                    raise UsageError(
                        f"{which} is on {where} ({field}), not on {self.repo}#{number}",
                        hint=f"export the comments of {self.repo}#{number}",
                    )
                if seen is not None and repo != seen[0]:
                    raise UsageError(
                        f"{which} is on {where} ({field}), but comment {seen[1]} is on "
                        f"{seen[0]}#{number}: an export holds the comments of one issue",
                        hint=f"export the comments of issue #{number} of one repository",
                    )
                seen = seen or (repo, comment.id)
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
