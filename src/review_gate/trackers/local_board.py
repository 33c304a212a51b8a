"""The local tracker's board: one column (a status name) per issue, beside its issues.

The local tracker's equivalent of a Projects v2 ``Status`` field
(:mod:`review_gate.trackers.project_board`): a table ``board`` in the tracker's own SQLite
file, one row per issue that has a column. The table is made by the first write that
needs it, inside that write's transaction (like every write of the local tracker: one
``BEGIN IMMEDIATE`` transaction, read back before it commits). It adds to the schema
without changing what older readers read, so the schema version stays; a tracker without
the table reads as a board with nothing on it. Reading creates nothing.
"""

from __future__ import annotations

import sqlite3

from review_gate.errors import IssueNotFound, UsageError
from review_gate.trackers.export import now_rfc3339
from review_gate.trackers.local import LocalTracker
from review_gate.trackers.local_db import LocalDatabase
from review_gate.trackers.local_faults import corrupt

_TABLE = """
CREATE TABLE IF NOT EXISTS board (
    issue INTEGER PRIMARY KEY REFERENCES issues(number),
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL
)"""
MAX_STATUS = 100


def _has_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'board'")
    return row.fetchone() is not None


class LocalBoard:
    """Columns of the issues of one local tracker (see the module docstring)."""

    name = "local"

    def __init__(self, tracker: LocalTracker) -> None:
        self.tracker = tracker
        self._db = LocalDatabase(tracker.path, read_only=tracker.read_only)

    def close(self) -> None:
        self._db.close()

    def status(self, issue: int) -> str | None:
        conn = self._db.reader()
        if conn is None:
            return None
        with self._db.errors():
            if not _has_table(conn):
                return None
            row = conn.execute("SELECT status FROM board WHERE issue = ?", (issue,)).fetchone()
        return str(row[0]) if row is not None else None

    def set_status(self, issue: int, status: str) -> str | None:
        status = " ".join(status.split())
        if not status or len(status) > MAX_STATUS:
            raise UsageError(f"a board column is a name of 1 to {MAX_STATUS} characters")
        if not self.tracker.issue_exists(issue):
            raise IssueNotFound(f"issue #{issue} does not exist in the local tracker")
        with self._db.write() as conn:
            conn.execute(_TABLE)
            row = conn.execute("SELECT status FROM board WHERE issue = ?", (issue,)).fetchone()
            before = str(row[0]) if row is not None else None
            conn.execute(
                "INSERT INTO board (issue, status, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(issue) DO UPDATE SET status = excluded.status, "
                "updated_at = excluded.updated_at",
                (issue, status, now_rfc3339()),
            )
            row = conn.execute("SELECT status FROM board WHERE issue = ?", (issue,)).fetchone()
            if row is None or row[0] != status:
                raise corrupt(
                    self.tracker.path,
                    "a row missing or different",
                    undone=f"the board column of issue #{issue}",
                )
        return before

    def _rows(self, status: str) -> list[tuple[int, str]]:
        conn = self._db.reader()
        if conn is None:
            return []
        with self._db.errors():
            if not _has_table(conn):
                return []
            rows = conn.execute(
                "SELECT board.issue, issues.state FROM board JOIN issues "
                "ON issues.number = board.issue WHERE board.status = ? ORDER BY board.issue",
                (status,),
            ).fetchall()
        return [(int(number), str(state)) for number, state in rows]

    def issues_in(self, status: str) -> list[int]:
        return [number for number, state in self._rows(status) if state == "open"]

    def count(self, status: str) -> int:
        return len(self._rows(status))
