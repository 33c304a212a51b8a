"""The local tracker's SQLite file: opening it, creating its schema, writing to it.

:class:`LocalDatabase` owns the connection life-cycle for one database file; the
tracker operations (issues, comments) live in :mod:`review_gate.trackers.local`, which
holds one of these. The database runs in WAL mode with a busy timeout and every write
is one short ``BEGIN IMMEDIATE`` transaction: writers queue, none is lost. A file at
the path that is not our database is reported and never touched.

Reading never creates anything: without a database (or its directory) :meth:`reader`
returns None. Only :meth:`connect` and :meth:`write` create the directory and the
database.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from review_gate.errors import TrackerError, TrackerUnavailable

APPLICATION_ID = 0x72677472  # "rgtr": marks the file as ours, so we never adopt another DB
SCHEMA_VERSION = 1
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another one before giving up

_SCHEMA = """
CREATE TABLE IF NOT EXISTS issues (
    number INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    labels TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY,
    issue INTEGER NOT NULL REFERENCES issues(number),
    created_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_by_issue ON comments(issue, created_at, id);
"""


class LocalDatabase:
    """One tracker database file and its (lazily opened) connection."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._conn: sqlite3.Connection | None = None
        self._writable = False  # the connection has been set up for writing (WAL, schema)

    def broken(self, exc: BaseException) -> TrackerError:
        """The error for a file that is not a usable tracker database."""
        return TrackerError(
            f"{self.path}: not a usable review-gate tracker database ({exc}); left untouched",
            hint=f"move it aside (mv {self.path} {self.path}.broken) and run again; "
            "`gate issue import` restores comments from an export",
        )

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turn SQLite failures into one-line errors naming the file."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise TrackerUnavailable(
                    f"{self.path}: still locked by another writer after {BUSY_TIMEOUT:.0f}s",
                    hint="another gate process holds the tracker; try again",
                ) from None
            raise self.broken(exc) from None
        except sqlite3.DatabaseError as exc:
            raise self.broken(exc) from None

    def connect(self) -> sqlite3.Connection:
        """The connection for writing: creates the directory and the database if needed."""
        conn = self._open(create=True)
        if conn is None:  # pragma: no cover - _open(create=True) returns a connection
            raise self.broken(RuntimeError("could not open the database"))
        return conn

    def reader(self) -> sqlite3.Connection | None:
        """The connection for a read; None when there is no database (reads as empty)."""
        return self._open(create=False)

    def _open(self, *, create: bool) -> sqlite3.Connection | None:
        """The connection; None when ``create`` is false and there is no database yet
        (nothing is created then, not even an empty file)."""
        if self._conn is not None and (self._writable or not create):
            return self._conn
        if create and self.read_only:
            raise TrackerError(
                f"{self.path}: opened read-only",
                hint="this command only reads the local tracker",
            )
        self.close()  # a read connection is reopened for writing
        if self.path.exists() and not self.path.is_file():
            raise TrackerError(f"{self.path}: not a file; left untouched")
        if not create and not self.path.exists():
            return None
        if create:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise TrackerError(
                    f"{self.path.parent}: cannot create the tracker directory: {exc.strerror}"
                ) from None
        # mode=rw never creates the file: a database removed since the test above is absent.
        uri = f"{self.path.absolute().as_uri()}?mode={'rwc' if create else 'rw'}"
        with self.errors():
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
            except sqlite3.OperationalError:
                if not create and not self.path.exists():
                    return None
                raise
            try:
                # Read-only probes first: a file that is not ours fails here, unmodified.
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
                tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if app_id != APPLICATION_ID and (app_id != 0 or tables):
                    raise TrackerError(
                        f"{self.path}: an SQLite database that is not a review-gate tracker; "
                        "left untouched",
                        hint="move it aside and run again",
                    )
                conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
                if not create:
                    if app_id == 0:  # an empty file: nothing to read, and nothing to write
                        conn.close()
                        return None
                    self._conn = conn
                    return conn
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                if app_id == 0:
                    self._initialise(conn)
            except BaseException:
                conn.close()
                raise
        self._conn, self._writable = conn, True
        return conn

    def _initialise(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have won the race to create the schema.
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                # One statement at a time: executescript() would commit our transaction.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; writers wait for each other (busy timeout)."""
        conn = self.connect()
        with self.errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._writable = False
