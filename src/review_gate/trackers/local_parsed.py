"""The local tracker's stored parses: each comment's artifacts, kept beside the comment.

Parsing a REVIEW needs markdown-it and the artifact parser, most of what the pre-push
hook would cost. So when the local tracker stores a comment (post, edit, import) it also
stores the parse of its body, in a table of the same database, ``parsed_artifacts``:
one row per comment id holding ``updated_at``, a BLAKE2b digest of the body, the parser's
fingerprint (:func:`parser_fingerprint`) and the artifacts as JSON. A reader takes a
row only when all four match the comment it just read; anything else (another body,
an edit, another review-gate, a row that does not decode into the exact records the
parser makes) is a miss, and the body is parsed as usual. A miss never passes anything.

Why this is no new way to forge a verdict: the rows live in
``<git common dir>/review-gate/tracker.sqlite3``, the file that already holds the
comments (a protected file: ``review_gate/protected.py``). Whoever can write a row of
this table can write the comment itself, a passing REVIEW by any author; authors and
times still come from the comment row, never from here. The rows are only ever filled
from this package's own parse of the body, never from input.

Only for the local tracker. The GitHub tracker's comments live on GitHub: a parse stored
in a local file would be something an agent could write that GitHub never said, so
nothing like this exists for it (nor for comment exports).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from review_gate import __version__
from review_gate.artifacts.model import Artifact, ArtifactError
from review_gate.records import Comment

try:  # hashlib's own BLAKE2, without the ~2 ms of loading OpenSSL that importing hashlib costs
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

TABLE = "parsed_artifacts"
_CREATE = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    comment_id INTEGER PRIMARY KEY,
    updated_at TEXT NOT NULL,
    body_digest TEXT NOT NULL,
    parser TEXT NOT NULL,
    artifacts TEXT NOT NULL
)"""
_LOAD = (
    f"SELECT p.comment_id, p.updated_at, p.body_digest, p.artifacts FROM {TABLE} p "
    "JOIN comments c ON c.id = p.comment_id WHERE c.issue = ? AND p.parser = ?"
)
# What a parse depends on besides the body: this package's parser and schemas, and the
# third-party distributions it calls (markdown-it tokens, jsonschema messages).
_SOURCES = ("artifacts", "schemas")
_DISTRIBUTIONS = {"markdown_it": "markdown_it_py", "mdurl": "mdurl", "jsonschema": "jsonschema"}
_FINGERPRINT: list[str | None] = []  # computed once per process


def body_digest(body: str) -> str:
    """A 256-bit BLAKE2b digest of a comment body (lone surrogates, which JSON can carry,
    included)."""
    return blake2b(body.encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()


def parser_fingerprint() -> str | None:
    """What a stored parse must have been made by: this Python, this review-gate version,
    its parser's files (each one's path, size and modification time: an edited or
    reinstalled parser is another one), its schemas' content, and the versions of the
    distributions it uses. None when the files cannot be listed (nothing is stored or
    taken then)."""
    if not _FINGERPRINT:
        _FINGERPRINT.append(_fingerprint())
    return _FINGERPRINT[0]


def _fingerprint() -> str | None:
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digest = blake2b(f"{sys.version}\0{__version__}\0".encode(), digest_size=32)
    try:
        files = _source_files(package)
        for path, size, mtime in files:
            digest.update(f"{os.path.relpath(path, package)}\0{size}\0{mtime}\0".encode())
            if path.endswith(".json"):  # the schemas are small: their content itself
                with open(path, "rb") as f:
                    digest.update(f.read())
    except OSError:
        return None
    if not files:
        return None
    for name in _distributions():
        digest.update(f"{name}\0".encode())
    return f"{__version__}:{digest.hexdigest()}"


def _source_files(folder: str) -> list[tuple[str, int, int]]:
    """``(path, size, mtime_ns)`` of the parser's and the schemas' files, in a fixed
    order (reading them all would cost the pre-push hook most of a millisecond)."""
    found = []
    for sub in _SOURCES:
        found += _walk(os.path.join(folder, sub))
    return found


def _walk(folder: str) -> list[tuple[str, int, int]]:
    found = []
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    found += _walk(entry.path)
            elif entry.name.endswith((".py", ".json")):
                stat = entry.stat()
                found.append((entry.path, stat.st_size, stat.st_mtime_ns))
    return found


def _distributions() -> list[str]:
    """The ``*.dist-info`` names (which carry the versions) of the parser's third-party
    distributions, from the first ``sys.path`` entry holding each package."""
    found = []
    listed: dict[str, list[str]] = {}
    for package, dist in _DISTRIBUTIONS.items():
        for entry in sys.path:
            if entry and os.path.isdir(os.path.join(entry, package)):
                if entry not in listed:
                    try:
                        listed[entry] = sorted(os.listdir(entry))
                    except OSError:
                        listed[entry] = []
                found += [n for n in listed[entry] if n.startswith(f"{dist}-") and "-info" in n]
                found.append(f"{package}@{entry}")
                break
    return found


# -- encoding ---------------------------------------------------------------------------------


def encode(artifacts: Sequence[Artifact]) -> str | None:
    """``artifacts`` as JSON, or None when the JSON would not decode into exactly the same
    records (a value JSON cannot carry: a tuple, a NaN, a key that is not a string)."""
    try:
        text = json.dumps(
            [
                [a.kind, a.data, a.line, a.end_line, [_error_row(e) for e in a.errors]]
                for a in artifacts
            ],
            ensure_ascii=True,
            allow_nan=False,
            check_circular=True,
        )
    except (TypeError, ValueError):
        return None
    back = decode(text)
    if back is None or not _same(back, tuple(artifacts)):
        return None
    return text


def _error_row(error: ArtifactError) -> list[Any]:
    return [error.kind, error.pointer, error.line, error.message, error.hint]


def decode(text: str) -> tuple[Artifact, ...] | None:
    """The artifacts :func:`encode` stored, or None for anything that is not exactly such
    a value (a damaged or foreign row reads as a miss)."""
    try:
        rows = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if type(rows) is not list:
        return None
    artifacts = []
    for row in rows:
        if not (type(row) is list and len(row) == 5):
            return None
        kind, data, line, end_line, errors = row
        if not (
            type(kind) is str
            and type(data) is dict
            and type(line) is int
            and type(end_line) is int
            and type(errors) is list
        ):
            return None
        parsed_errors = []
        for error in errors:
            if not (
                type(error) is list
                and len(error) == 5
                and all(type(v) is str for v in (*error[:2], *error[3:]))
                and type(error[2]) is int
            ):
                return None
            parsed_errors.append(ArtifactError(*error))
        artifacts.append(Artifact(kind, data, line, end_line, tuple(parsed_errors)))
    return tuple(artifacts)


def _same(a: object, b: object) -> bool:
    """Equal, and of the same types all the way down (``1`` is not ``1.0`` nor ``True``,
    a tuple is not a list), dictionaries in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Artifact) and isinstance(b, Artifact):
        return _same(
            (a.kind, a.data, a.line, a.end_line, a.errors),
            (b.kind, b.data, b.line, b.end_line, b.errors),
        )
    if isinstance(a, ArtifactError) and isinstance(b, ArtifactError):
        return _same(_error_row(a), _error_row(b))
    return a == b


# -- the table --------------------------------------------------------------------------------


def parse(body: str) -> tuple[Artifact, ...] | None:
    """The parse of ``body`` to store (what the gates' own parse gives), or None when it
    cannot be stored. Storing is an optimisation: it never makes a write fail."""
    try:
        from review_gate.artifacts.extract import extract

        return tuple(extract(body))
    except Exception:  # extract is total; an import failure only means no stored parse
        return None


def parse_comment(comment: Comment) -> tuple[Artifact, ...] | None:
    """:func:`parse` through the gates' per-process cache (a comment already parsed in
    this process is not parsed again)."""
    try:
        from review_gate.gates.common import parsed_artifacts

        return parsed_artifacts(comment)
    except Exception:  # as in parse: storing is an optimisation
        return None


def store(
    conn: sqlite3.Connection, parsed: Iterable[tuple[Comment, tuple[Artifact, ...] | None]]
) -> None:
    """Store the parse of each comment version, inside the caller's write transaction (so
    a row always describes a comment version that was committed with it). A comment whose
    parse is None or cannot be encoded loses any older row: it is parsed when read."""
    fingerprint = parser_fingerprint()
    try:
        conn.execute(_CREATE)
        for comment, artifacts in parsed:
            text = encode(artifacts) if artifacts is not None and fingerprint else None
            if text is None:
                conn.execute(f"DELETE FROM {TABLE} WHERE comment_id = ?", (comment.id,))
                continue
            conn.execute(
                f"INSERT OR REPLACE INTO {TABLE} "
                "(comment_id, updated_at, body_digest, parser, artifacts) VALUES (?, ?, ?, ?, ?)",
                (comment.id, comment.updated_at, body_digest(comment.body), fingerprint, text),
            )
    except (sqlite3.OperationalError, sqlite3.IntegrityError):
        if not conn.in_transaction:
            raise  # SQLite undid the whole write (a full disk, an I/O error): say so
        # A table of another shape (another review-gate's): left as it is. The failed
        # statement alone is undone; the comment's write goes on, and a reader that finds
        # no row of its own parses the body.
        return


def load(
    conn: sqlite3.Connection, issue: int, comments: Sequence[Comment]
) -> dict[int, tuple[Artifact, ...]]:
    """The stored parses of ``comments`` (issue ``issue``) that match them exactly, by
    comment id. Anything unreadable is left out: the caller parses those bodies."""
    fingerprint = parser_fingerprint()
    if fingerprint is None or not comments:
        return {}
    try:
        rows = conn.execute(_LOAD, (issue, fingerprint)).fetchall()
    except sqlite3.Error:  # no table yet (an older database), or a damaged one
        return {}
    stored = {row[0]: row[1:] for row in rows if type(row[0]) is int}
    found: dict[int, tuple[Artifact, ...]] = {}
    for comment in comments:
        row = stored.get(comment.id)
        if row is None:
            continue
        updated_at, digest, text = row
        if updated_at != comment.updated_at or type(text) is not str:
            continue
        if digest != body_digest(comment.body):
            continue
        artifacts = decode(text)
        if artifacts is not None:
            found[comment.id] = artifacts
    return found
