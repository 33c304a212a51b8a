"""The dispatcher's audit trail: one JSON line per event in ``<state>/audit.jsonl``.

Every event the dispatcher acts on (spawn, heartbeat gap, hang, stop, replace, retry,
cleanup, budget warning, ...) is appended here by whichever command acted, so
``gate dispatch log`` can show what happened to an issue and who did it, across loops,
hand-started commands and restarts. Lines are appended with one ``write`` on a file
opened with ``O_APPEND``: concurrent writers of one host never interleave a line.

A line: ``{"at": RFC 3339, "event": str, "issue": int | null, "worker_id": str | null,
"orchestration": str | null, "message": str, ...extra fields}``. A line left torn by a
crash is skipped by readers, and the next append starts on a line of its own.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from review_gate.dispatch.registry import now, rfc3339

__all__ = ["audit_path", "follow", "matches", "read", "record"]


def audit_path(state: Path) -> Path:
    return state / "audit.jsonl"


def record(
    state: Path,
    event: str,
    *,
    issue: int | None = None,
    worker_id: str | None = None,
    orchestration: str | None = None,
    message: str = "",
    **extra: Any,
) -> dict[str, Any]:
    """Append one event; returns the line written. A log that cannot be written is a
    warning on stderr, never a failure of the action it records (the tracker holds
    the state; the log explains it)."""
    line: dict[str, Any] = {
        "at": rfc3339(now()),
        "event": event,
        "issue": issue,
        "worker_id": worker_id,
        "orchestration": orchestration,
        "message": message,
        **extra,
    }
    data = (json.dumps(line, sort_keys=False, ensure_ascii=False) + "\n").encode()
    path = audit_path(state)
    try:
        state.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # a torn last line stays alone (and is skipped)
            os.write(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        print(
            f"review-gate: warning: cannot append to the audit log {path}: {exc.strerror or exc}",
            file=sys.stderr,
        )
    return line


def matches(
    line: dict[str, Any], issue: int | None = None, orchestration: str | None = None
) -> bool:
    """Whether an event is about ``issue`` and of ``orchestration`` (None: any)."""
    if issue is not None and line.get("issue") != issue:
        return False
    return orchestration is None or line.get("orchestration") == orchestration


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        line = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    return line if isinstance(line, dict) else None


def read(
    state: Path, issue: int | None = None, orchestration: str | None = None
) -> Iterator[dict[str, Any]]:
    """The events so far, oldest first (only ``issue``'s, ``orchestration``'s when given).
    A line that is not a JSON object (a torn tail after a crash) is skipped."""
    try:
        handle = audit_path(state).open("rb")
    except FileNotFoundError:
        return
    with handle:
        for raw in handle:
            line = _parse(raw)
            if line is not None and matches(line, issue, orchestration):
                yield line


def follow(
    state: Path,
    issue: int | None = None,
    orchestration: str | None = None,
    *,
    interval: float = 0.5,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[dict[str, Any]]:
    """The events so far, then each one as it is appended, until ``stop()`` (checked
    every ``interval`` seconds while nothing new comes) or the caller stops iterating
    (Ctrl-C). A line is yielded once its newline is written: a line still being
    appended waits, a torn one is skipped. A log truncated or replaced is read again
    from its start."""
    path = audit_path(state)
    offset, pending, identity = 0, b"", None
    while True:
        try:
            with path.open("rb") as handle:
                info = os.fstat(handle.fileno())
                if (info.st_dev, info.st_ino) != identity or info.st_size < offset:
                    offset, pending, identity = 0, b"", (info.st_dev, info.st_ino)
                handle.seek(offset)
                chunk = handle.read()
        except FileNotFoundError:
            chunk = b""
        offset += len(chunk)
        *complete, pending = (pending + chunk).split(b"\n")
        for raw in complete:
            line = _parse(raw)
            if line is not None and matches(line, issue, orchestration):
                yield line
        if not chunk:
            if stop():
                return
            time.sleep(interval)
