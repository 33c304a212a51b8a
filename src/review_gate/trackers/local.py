"""The local tracker: issues and GitHub-shaped comments in SQLite under the git common dir.

Every worktree of a repository shares ``<git-common-dir>/review-gate/tracker.sqlite3``.
Several workers post at once, so the database runs in WAL mode with a busy timeout and
every write is one short ``BEGIN IMMEDIATE`` transaction: writers queue, none is lost.
A file at that path that is not our database is reported and never touched. The file
itself (connections, schema, transactions, SQLite errors) is
:class:`~review_gate.trackers.local_db.LocalDatabase`; this module holds the tracker
operations on top of it.

Every write is read back, inside the transaction that made it, by the same queries the
readers use: a write into a damaged database that could not be read back is rolled back
and refused, never acknowledged.

Reading never creates anything: without a database (or its directory) the tracker reads
as empty — no issues, every issue not found. Only creating an issue or importing
comments creates the directory and the database.

Each stored comment version also gets its parsed artifacts stored beside it, in the same
transaction (:mod:`review_gate.trackers.local_parsed`): reading them back spares a gate
markdown-it and the artifact parser.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from review_gate import git
from review_gate.errors import IssueNotFound, Refused, TrackerError, UsageError
from review_gate.records import ASSOCIATIONS, Comment, Issue, PullRequest
from review_gate.trackers import local_parsed
from review_gate.trackers.export import (
    CommentFormatError,
    now_rfc3339,
    parse_comment,
    parse_comments,
)
from review_gate.trackers.local_db import APPLICATION_ID as APPLICATION_ID
from review_gate.trackers.local_db import BUSY_TIMEOUT as BUSY_TIMEOUT
from review_gate.trackers.local_db import SCHEMA_VERSION as SCHEMA_VERSION
from review_gate.trackers.local_db import LocalDatabase
from review_gate.trackers.local_faults import corrupt

if TYPE_CHECKING:
    from review_gate.artifacts.model import Artifact

STATE_DIR = "review-gate"  # under the git common dir, as git.state_dir
FILENAME = "tracker.sqlite3"
MAX_BODY = 65536  # GitHub's limit for a comment body, in characters
STATES = ("open", "closed")
_ISSUE = "SELECT number, title, body, state, labels FROM issues WHERE number = ?"
_COMMENTS = "SELECT data FROM comments WHERE issue = ? ORDER BY created_at, id"


def default_author() -> str:
    """$REVIEW_GATE_AUTHOR, else $USER, else ``local``."""
    for var in ("REVIEW_GATE_AUTHOR", "USER"):
        value = os.environ.get(var, "").strip()
        if value:
            return value
    return "local"


def _check_author(author: str) -> str:
    author = author.strip()
    if not author or any(ch.isspace() for ch in author) or len(author) > 100:
        raise UsageError(f"author {author!r} is not a login (one word, at most 100 characters)")
    return author


def _check_body(body: str) -> str:
    if not body.strip():
        raise UsageError("the comment body is empty")
    if len(body) > MAX_BODY:
        raise UsageError(
            f"the comment body has {len(body)} characters; GitHub's limit is {MAX_BODY}"
        )
    return body


def _remember(parses: Sequence[tuple[Comment, tuple[Artifact, ...] | None]]) -> None:
    """Hand parses made or read here to the gates' per-process parse cache."""
    from review_gate.gates.common import remember_parsed

    for comment, artifacts in parses:
        if artifacts is not None:
            remember_parsed(comment, artifacts)


class LocalTracker:
    """Issues and comments in one SQLite file (see the module docstring)."""

    name = "local"

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self._db = LocalDatabase(path, read_only=read_only)

    @property
    def path(self) -> Path:
        """The database file."""
        return self._db.path

    @property
    def read_only(self) -> bool:
        """Every write is refused (and nothing is ever created)."""
        return self._db.read_only

    @classmethod
    def for_checkout(cls, cwd: str | Path = ".", *, read_only: bool = False) -> LocalTracker:
        """The tracker shared by every worktree of the repository at ``cwd``.

        Opening creates nothing (``git.state_dir`` would make the directory): the
        database and its directory appear on the first write. With ``read_only`` every
        write is refused too — what ``gate issue list/show``, ``gate check`` and ``gate
        doctor`` want."""
        return cls(git.common_dir(cwd) / STATE_DIR / FILENAME, read_only=read_only)

    def close(self) -> None:
        """Close the connection; the next read or write opens it again."""
        self._db.close()

    # -- records ----------------------------------------------------------------------------

    def _issue(self, row: sqlite3.Row | tuple[Any, ...]) -> Issue:
        number, title, body, state, labels = row[:5]
        return Issue(
            number=number,
            title=title,
            body=body,
            state=state,
            labels=tuple(json.loads(labels)),
            url=f"local:issues/{number}",
        )

    def _comment(self, data: str) -> Comment:
        try:
            return parse_comment(json.loads(data))
        except (ValueError, CommentFormatError) as exc:
            raise self._db.broken(exc) from None

    def _not_found(self, number: int) -> IssueNotFound:
        return IssueNotFound(
            f"issue #{number} does not exist in the local tracker ({self.path})",
            hint="create it with `gate issue new --title TITLE` (or --number N), "
            "or list them with `gate issue list --state all`",
        )

    def _no_comment(self, comment_id: int) -> IssueNotFound:
        return IssueNotFound(f"comment {comment_id} does not exist in the local tracker")

    def _read_back(
        self,
        conn: sqlite3.Connection,
        number: int,
        *,
        state: str | None = None,
        bodies: dict[int, str] | None = None,
    ) -> None:
        """Inside the write's transaction, read issue ``number`` and its comments as the
        readers will; a write that does not read back (a damaged database) is refused,
        and the transaction around it rolled back."""
        try:
            row = conn.execute(_ISSUE, (number,)).fetchone()
            rows = conn.execute(_COMMENTS, (number,)).fetchall()
            problem = None
        except sqlite3.DatabaseError as exc:
            row, rows, problem = None, [], f"SQLite: {exc}"
        issue = self._issue(row) if row is not None else None
        listed = {c.id: c.body for c in (self._comment(data) for (data,) in rows)}
        if (
            issue is None
            or (state is not None and issue.state != state)
            or any(listed.get(cid) != body for cid, body in (bodies or {}).items())
        ):
            raise corrupt(
                self.path,
                problem or "a row missing or different",
                undone=f"what was just written to issue #{number}",
            )

    def _require_issue(self, conn: sqlite3.Connection | None, number: int) -> sqlite3.Connection:
        if conn is None:
            raise self._not_found(number)
        if conn.execute("SELECT 1 FROM issues WHERE number = ?", (number,)).fetchone() is None:
            raise self._not_found(number)
        return conn

    # -- local management -------------------------------------------------------------------

    def create_issue(
        self,
        title: str,
        body: str = "",
        labels: Sequence[str] = (),
        number: int | None = None,
    ) -> Issue:
        """A new open issue; ``number`` defaults to one more than the highest."""
        if not title.strip():
            raise UsageError("the issue title is empty")
        if number is not None and number < 1:
            raise UsageError(f"issue number must be positive, got {number}")
        now = now_rfc3339()
        clean_labels = sorted({label.strip() for label in labels if label.strip()})
        with self._db.write() as conn:
            if number is None:
                number = conn.execute("SELECT coalesce(max(number), 0) + 1 FROM issues").fetchone()[
                    0
                ]
            elif conn.execute("SELECT 1 FROM issues WHERE number = ?", (number,)).fetchone():
                raise TrackerError(f"issue #{number} already exists in the local tracker")
            conn.execute(
                "INSERT INTO issues VALUES (?, ?, ?, 'open', ?, ?, ?)",
                (number, title.strip(), body, json.dumps(clean_labels), now, now),
            )
            self._read_back(conn, number, state="open")
        assert number is not None
        return self.get_issue(number)

    def set_state(self, number: int, state: str) -> Issue:
        """Close or reopen an issue."""
        if state not in STATES:
            raise UsageError(f"state must be one of {', '.join(STATES)}, got {state!r}")
        if self._db.reader() is None:
            raise self._not_found(number)
        with self._db.write() as conn:
            self._require_issue(conn, number)
            conn.execute(
                "UPDATE issues SET state = ?, updated_at = ? WHERE number = ?",
                (state, now_rfc3339(), number),
            )
            self._read_back(conn, number, state=state)
        return self.get_issue(number)

    def post_comment(
        self,
        number: int,
        body: str,
        *,
        author: str | None = None,
        association: str = "OWNER",
    ) -> Comment:
        """Add a comment as ``author`` (default: :func:`default_author`)."""
        login = _check_author(author if author is not None else default_author())
        if association not in ASSOCIATIONS:
            raise UsageError(f"association must be one of {', '.join(ASSOCIATIONS)}")
        _check_body(body)
        if self._db.reader() is None:
            raise self._not_found(number)
        artifacts = local_parsed.parse(body)  # before the transaction: writers wait on it
        with self._db.write() as conn:
            self._require_issue(conn, number)
            # Ids grow strictly; created_at never goes backwards within an issue even if the
            # clock does, so (created_at, id) order is posting order.
            cid = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM comments").fetchone()[0]
            last = conn.execute(
                "SELECT max(created_at) FROM comments WHERE issue = ?", (number,)
            ).fetchone()[0]
            created = max(now_rfc3339(), last or "")
            data = {
                "id": cid,
                "node_id": f"IC_local_{cid}",
                "url": f"local:issues/comments/{cid}",
                "html_url": f"local:issues/{number}#issuecomment-{cid}",
                "issue_url": f"local:issues/{number}",
                "body": body,
                "user": {"login": login, "type": "User"},
                "created_at": created,
                "updated_at": created,
                "author_association": association,
            }
            conn.execute(
                "INSERT INTO comments (id, issue, created_at, data) VALUES (?, ?, ?, ?)",
                (cid, number, created, json.dumps(data)),
            )
            posted = parse_comment(data)
            local_parsed.store(conn, [(posted, artifacts)])
            self._read_back(conn, number, bodies={cid: body})
        _remember([(posted, artifacts)])
        return posted

    def edit_comment(self, comment_id: int, body: str) -> Comment:
        """Replace a comment's body; ``updated_at`` moves, ``created_at`` stays. Only its
        author (:func:`default_author`) edits it, as on GitHub: an edit keeps the author,
        so editing another's comment (a reviewer's REVIEW) would speak in their name."""
        _check_body(body)
        if self._db.reader() is None:
            raise self._no_comment(comment_id)
        artifacts = local_parsed.parse(body)
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT issue, data FROM comments WHERE id = ?", (comment_id,)
            ).fetchone()
            if row is None:
                raise self._no_comment(comment_id)
            number, stored = row
            data = json.loads(stored)
            login = (data.get("user") or {}).get("login")
            if login != default_author():
                raise Refused(
                    f"comment {comment_id} is @{login}'s; only its author edits it",
                    hint="post a new comment instead (`gate issue comment`)",
                )
            data["body"] = body
            data["updated_at"] = max(now_rfc3339(), data.get("created_at") or "")
            conn.execute(
                "UPDATE comments SET data = ? WHERE id = ?", (json.dumps(data), comment_id)
            )
            edited = parse_comment(data)
            local_parsed.store(conn, [(edited, artifacts)])
            self._read_back(conn, number, bodies={comment_id: body})
        _remember([(edited, artifacts)])
        return edited

    def import_comments(self, number: int, comments: list[dict[str, Any]]) -> int:
        """Store a GitHub comments export under issue ``number`` (created if needed), keeping
        ids, authors, associations and times; re-importing the same export is a no-op.
        Returns how many comments were new."""
        try:
            parsed = parse_comments(comments)
        except CommentFormatError as exc:
            raise UsageError(str(exc)) from None
        parses = [(comment, local_parsed.parse_comment(comment)) for comment in parsed]
        added = 0
        now = now_rfc3339()
        with self._db.write() as conn:
            if conn.execute("SELECT 1 FROM issues WHERE number = ?", (number,)).fetchone() is None:
                conn.execute(
                    "INSERT INTO issues VALUES (?, ?, '', 'open', '[]', ?, ?)",
                    (number, f"Imported issue #{number}", now, now),
                )
            for item, comment in zip(comments, parsed, strict=True):
                row = conn.execute(
                    "SELECT issue FROM comments WHERE id = ?", (comment.id,)
                ).fetchone()
                if row is not None and row[0] != number:
                    raise TrackerError(
                        f"comment {comment.id} already belongs to local issue #{row[0]}",
                        hint="each comment id lives in one issue; check the --issue number",
                    )
                data = dict(item)
                data["created_at"], data["updated_at"] = comment.created_at, comment.updated_at
                added += row is None
                conn.execute(
                    "INSERT OR REPLACE INTO comments (id, issue, created_at, data) "
                    "VALUES (?, ?, ?, ?)",
                    (comment.id, number, comment.created_at, json.dumps(data)),
                )
            local_parsed.store(conn, parses)
            self._read_back(conn, number, bodies={c.id: c.body for c in parsed})
        return added

    def export_comments(self, number: int) -> list[dict[str, Any]]:
        """The issue's comments in the shape of GitHub's list-comments answer."""
        with self._db.errors():
            conn = self._require_issue(self._db.reader(), number)
            rows = conn.execute(_COMMENTS, (number,)).fetchall()
        result: list[dict[str, Any]] = []
        for (data,) in rows:
            self._comment(data)  # refuse to hand on a damaged row
            result.append(json.loads(data))
        return result

    # -- Tracker protocol -------------------------------------------------------------------

    def get_issue(self, number: int) -> Issue:
        with self._db.errors():
            conn = self._require_issue(self._db.reader(), number)
            row = conn.execute(_ISSUE, (number,)).fetchone()
        return self._issue(row)

    def issue_exists(self, number: int) -> bool | None:
        conn = self._db.reader()
        if conn is None:
            return False
        with self._db.errors():
            row = conn.execute("SELECT 1 FROM issues WHERE number = ?", (number,)).fetchone()
        return row is not None

    def list_issues(self, *, labels: Sequence[str] = (), state: str = "open") -> list[Issue]:
        if state not in (*STATES, "all"):
            raise UsageError(f"state must be open, closed or all, got {state!r}")
        conn = self._db.reader()
        if conn is None:
            return []
        with self._db.errors():
            rows = conn.execute(
                "SELECT number, title, body, state, labels FROM issues ORDER BY number"
            ).fetchall()
        issues = [self._issue(row) for row in rows]
        wanted = set(labels)
        return [
            issue
            for issue in issues
            if (state == "all" or issue.state == state) and wanted <= set(issue.labels)
        ]

    def list_comments(self, number: int) -> list[Comment]:
        """The issue's comments, oldest first; their stored parses, where they match,
        are handed to the gates' parse cache (:mod:`review_gate.trackers.local_parsed`)."""
        with self._db.errors():
            conn = self._require_issue(self._db.reader(), number)
            rows = conn.execute(_COMMENTS, (number,)).fetchall()
        comments = [self._comment(data) for (data,) in rows]
        stored = local_parsed.load(conn, number, comments)
        _remember([(c, stored.get(c.id)) for c in comments if c.id in stored])
        return comments

    def get_pull(self, number: int) -> PullRequest:
        raise IssueNotFound(
            f"the local tracker has no pull requests (asked for #{number})",
            hint="pass --issue N, or use --tracker github",
        )

    def permission(self, login: str) -> str | None:
        return None
