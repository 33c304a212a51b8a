"""The local tracker's SQLite file: opening it, creating its schema, writing to it.

:class:`LocalDatabase` owns the connection life-cycle for one database file; the
tracker operations (issues, comments) live in :mod:`review_gate.trackers.local`, which
holds one of these. The database runs in WAL mode with a busy timeout and every write
is one short ``BEGIN IMMEDIATE`` transaction: writers queue, none is lost. A file at
the path that is not our database is reported and never touched.

Reading never creates anything: without a database (or its directory) :meth:`reader`
returns None. Only :meth:`connect` and :meth:`write` create the directory and the
database.

Faults are told apart (:mod:`review_gate.trackers.local_faults`): a file on a read-only
file system or directory is still read (opened ``immutable``, since nothing can change
it) and every write says why it cannot; a full disk is exit 3 naming the disk; a damaged
file is refused for reads and writes; a database of a newer schema is read, never
written, and the error names the review-gate that wrote it (``meta.schema_written_by``:
the version that created the database or last raised ``user_version``).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from review_gate import __version__
from review_gate.errors import TrackerError, TrackerNewerSchema
from review_gate.trackers import local_faults

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
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
WRITTEN_BY = "schema_written_by"  # meta key: the review-gate that set the schema version


class LocalDatabase:
    """One tracker database file and its (lazily opened) connection."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._conn: sqlite3.Connection | None = None
        self._writable = False  # the connection has been set up for writing (WAL, schema)
        self._newer: TrackerNewerSchema | None = None  # set when the schema is newer than ours
        self._meta_missing = False  # a schema-1 database of an earlier review-gate

    def broken(self, exc: BaseException) -> TrackerError:
        """The error for a file whose content is damaged (a row that does not parse)."""
        return local_faults.corrupt(self.path, str(exc))

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turn SQLite and file-system failures into one-line errors naming the file, each
        fault its own (see :mod:`review_gate.trackers.local_faults`)."""
        try:
            yield
        except (sqlite3.DatabaseError, OSError) as exc:
            if self._newer is not None and local_faults.schema_mismatch(exc):
                raise self._newer from None  # a query of ours on a schema it does not know
            raise local_faults.classify(self.path, exc, busy_timeout=BUSY_TIMEOUT) from None

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
            self._prepare_to_write()
        with self.errors():
            conn = self._connect(create)
            if conn is None:
                return None
            try:
                if not self._probe(conn, create):
                    conn.close()
                    return None
            except BaseException:
                conn.close()
                raise
        if create:
            self._writable = True
        self._conn = conn
        return conn

    def _prepare_to_write(self) -> None:
        """Refuse a write that cannot happen before SQLite touches anything: the directory
        is created here, and a read-only location is named as such."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise local_faults.classify(self.path, exc, busy_timeout=BUSY_TIMEOUT) from None
        why = local_faults.read_only_why(self.path)
        if why is not None:
            raise local_faults.read_only(self.path, why)

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        """A connection whose first read worked; None when there is no database to read."""
        # mode=rw never creates the file: a database removed since the test above is absent.
        uri = f"{self.path.absolute().as_uri()}?mode={'rwc' if create else 'rw'}"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
            try:
                conn.execute("PRAGMA application_id").fetchone()
            except BaseException:
                conn.close()
                raise
            return conn
        except sqlite3.OperationalError:
            if not create and not self.path.exists():
                return None
            if create or local_faults.read_only_why(self.path) is None:
                raise
        # A reader on a read-only location: SQLite cannot make the -shm file a WAL
        # database needs. Nothing can change the file there, so it is read as immutable,
        # unless a -wal file holds transactions not yet in the file (they would be missed).
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise local_faults.read_only(
                self.path,
                f"{local_faults.read_only_why(self.path)}, and its last writes are still in "
                f"{wal.name}, which only a writer can apply (so it cannot even be read)",
            )
        uri = f"{self.path.absolute().as_uri()}?mode=ro&immutable=1"
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)

    def _probe(self, conn: sqlite3.Connection, create: bool) -> bool:
        """Check that ``conn`` is our database and set it up; False: nothing to read."""
        # Read-only probes first: a file that is not ours fails here, unmodified.
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id != APPLICATION_ID and (app_id != 0 or tables):
            raise TrackerError(
                f"{self.path}: an SQLite database that is not a review-gate tracker (another "
                "program's file at review-gate's path); left untouched",
                hint="find out which program put it there; rename it only if it is not "
                "needed there, and run again",
            )
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id == APPLICATION_ID and version > SCHEMA_VERSION:
            self._newer = self._newer_schema(conn, version)
            if create:
                raise self._newer
        if not create:
            return bool(app_id != 0)  # an empty file: nothing to read, and nothing to write
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if app_id == 0:
            self._initialise(conn)
        self._meta_missing = not self._has_meta(conn)
        return True

    def _has_meta(self, conn: sqlite3.Connection) -> bool:
        row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
        return row is not None

    def _newer_schema(self, conn: sqlite3.Connection, version: int) -> TrackerNewerSchema:
        writer = None
        if self._has_meta(conn):
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (WRITTEN_BY,)).fetchone()
            writer = row[0] if row else None
        by = f"review-gate {writer}" if writer else "a newer review-gate"
        upgrade = "pip install -U " + (f"'review-gate>={writer}'" if writer else "review-gate")
        return TrackerNewerSchema(
            f"{self.path}: written by {by} (tracker schema {version}); this is review-gate "
            f"{__version__}, which knows schema {SCHEMA_VERSION}, so it reads the tracker "
            "but writes nothing to it",
            hint=f"upgrade review-gate ({upgrade}) and run the command again; the tracker "
            "is unchanged",
        )

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        """The tables, and who wrote them; inside the caller's transaction."""
        # One statement at a time: executescript() would commit our transaction.
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (WRITTEN_BY, __version__)
        )

    def _initialise(self, conn: sqlite3.Connection) -> None:
        """Create the schema of a new database; one transaction, whoever wins the race."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have won the race to create the schema.
            if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                self._create_schema(conn)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; writers wait for each other (busy timeout). A
        failure anywhere, COMMIT included, rolls it back: nothing is half-written."""
        conn = self.connect()
        with self.errors():
            conn.execute("BEGIN IMMEDIATE")
            try:
                if self._meta_missing:  # added with the first write, never on its own
                    self._create_schema(conn)
                yield conn
                conn.execute("COMMIT")
                self._meta_missing = False
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._writable = False
