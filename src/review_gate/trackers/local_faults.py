"""What went wrong with the local tracker's file, told apart, each with its next step.

SQLite reports a full disk, a read-only directory, a damaged file and a lock with
codes that a message alone mixes up ("unable to open database file" is all of a
read-only directory, a full disk and a missing one). This module looks at the code and
at the file system around the file and returns one of the project's errors:

- :class:`TrackerDiskFull` (exit 3): the disk is full; it names the mount point and
  the device, and nothing was written;
- :class:`TrackerReadOnly`: the file system, directory or file cannot be written (reads
  still work);
- :class:`TrackerCorrupt`: the file is damaged; nothing is read from it or written to it;
- :class:`TrackerUnavailable` (exit 3): another writer held the lock too long.

None of them tells the user to move a healthy file aside.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from review_gate.errors import (
    GateError,
    TrackerCorrupt,
    TrackerDiskFull,
    TrackerError,
    TrackerReadOnly,
    TrackerUnavailable,
)

# SQLite's primary result codes (https://sqlite.org/rescode.html), as the low byte of
# ``sqlite3.Error.sqlite_errorcode`` (Python >= 3.11; older ones are told by the text).
_ERROR, _PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = (
    1,
    3,
    5,
    6,
    8,
    10,
    11,
    13,
    14,
    26,
)
_TEXTS = (
    ("locked", _BUSY),
    ("busy", _BUSY),
    ("readonly", _READONLY),
    ("read-only", _READONLY),
    ("disk is full", _FULL),
    ("malformed", _CORRUPT),
    ("not a database", _NOTADB),
    ("disk i/o error", _IOERR),
    ("unable to open", _CANTOPEN),
)
# Below this many free bytes an I/O failure while writing is taken for a full disk: SQLite
# needs at least a page or two (and the -shm file 32 KiB) to write anything.
LOW_SPACE = 256 * 1024


def primary_code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of ``exc``, from its code or else its message."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    return next((c for word, c in _TEXTS if word in text), None)


def schema_mismatch(exc: sqlite3.Error | OSError) -> bool:
    """True for an error that a query on tables it does not know gives (no such table or
    column: SQLite's generic SQLITE_ERROR), rather than a fault of the file or the disk."""
    return isinstance(exc, sqlite3.Error) and primary_code(exc) in (_ERROR, None)


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing parent."""
    path = path.absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _mounts() -> list[tuple[Path, str]]:
    """``(mount point, source)`` of every mount in effect, from /proc/self/mountinfo (empty
    where there is none); a later mount at a point hides an earlier one."""
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    mounts = []
    for line in lines:
        fields = line.split()
        if "-" not in fields[6:]:
            continue
        dash = fields.index("-", 6)
        if len(fields) > dash + 2:
            point = fields[4].replace("\\040", " ").replace("\\011", "\t")
            mounts.append((Path(point), fields[dash + 2]))
    return mounts


def _mount_of(path: Path) -> tuple[Path, str | None]:
    """The mount point of the file system holding ``path`` and its source (``/dev/sda1``,
    ``tmpfs``); bind mounts count, which ``os.path.ismount`` cannot see."""
    here = Path(os.path.realpath(_existing(path)))
    best: tuple[Path, str | None] | None = None
    for point, source in _mounts():
        inside = here == point or point in here.parents
        if inside and (best is None or len(point.parts) >= len(best[0].parts)):
            best = (point, source)
    if best is not None:
        return best
    while not os.path.ismount(here) and here.parent != here:
        here = here.parent
    return here, None


def mount_point(path: Path) -> Path:
    """The mount point of the file system holding ``path`` (or its nearest parent)."""
    return _mount_of(path)[0]


def disk_of(path: Path) -> str:
    """``the file system mounted at /x (tmpfs)``: the disk holding ``path``, in words."""
    mount, device = _mount_of(path)
    return f"the file system mounted at {mount}" + (f" ({device})" if device else "")


def free_bytes(path: Path) -> int | None:
    """Bytes an unprivileged writer may still use on the disk holding ``path``."""
    try:
        st = os.statvfs(_existing(path))
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def read_only_why(path: Path) -> str | None:
    """Why the database at ``path`` cannot be written (SQLite also writes files next to
    it: the ``-wal`` and ``-shm`` files), or None when nothing visible prevents it."""
    folder = _existing(path.parent)
    try:
        st = os.statvfs(folder)
    except OSError:
        st = None
    if st is not None and st.f_flag & os.ST_RDONLY:
        return f"{disk_of(folder)} is read-only"
    if not os.access(folder, os.W_OK):
        return f"the directory {folder} is not writable by this user"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable by this user"
    return None


def disk_full(path: Path, detail: str) -> TrackerDiskFull:
    """The error for a write that found no space: exit 3, naming the disk."""
    free = free_bytes(path)
    left = f", {free} bytes free" if free is not None else ""
    mount = mount_point(path)
    return TrackerDiskFull(
        f"{path}: no space left on {disk_of(path)}{left} ({detail}); nothing was written "
        "and the tracker is intact",
        hint=f"free space on {mount} (`df -h {mount}` shows it), then run the command again",
    )


def read_only(path: Path, why: str) -> TrackerReadOnly:
    """The error for a write to a tracker that can only be read."""
    return TrackerReadOnly(
        f"{path}: cannot write the local tracker: {why}; nothing was written "
        "(reading it still works)",
        hint="make it writable (remount the file system read-write, or give this user "
        f"write access to {path.parent} and the file), then run the command again",
    )


def corrupt(path: Path, detail: str, *, undone: str | None = None) -> TrackerCorrupt:
    """The error for a damaged file: nothing is read from it or written to it. ``undone``
    names a write that was made, could not be read back, and was rolled back."""
    rolled_back = f": {undone} could not be read back, so the write was undone" if undone else ""
    return TrackerCorrupt(
        f"{path}: the local tracker is damaged ({detail}){rolled_back}; nothing is read "
        "from it or written to it, and the file is left as it is",
        hint=f"salvage what SQLite can still read (`sqlite3 {path} .dump`, then the steps "
        "in docs/trackers.md, 'A damaged tracker'), or restore the file from a backup",
    )


def classify(path: Path, exc: sqlite3.Error | OSError, *, busy_timeout: float) -> GateError:
    """The project error for ``exc``, raised while using the database at ``path``."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return disk_full(path, str(exc.strerror))
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return read_only(path, read_only_why(path) or str(exc.strerror))
        return TrackerError(f"{path}: {exc.strerror or exc}")
    code = primary_code(exc)
    if code in (_BUSY, _LOCKED):
        return TrackerUnavailable(
            f"{path}: still locked by another writer after {busy_timeout:.0f}s",
            hint="another gate process holds the tracker; try again",
        )
    if code == _FULL:
        return disk_full(path, f"SQLite: {exc}")
    if code in (_CORRUPT, _NOTADB):
        return corrupt(path, f"SQLite: {exc}")
    if code in (_READONLY, _CANTOPEN, _IOERR, _PERM):
        free = free_bytes(path)
        if free is not None and free < LOW_SPACE:
            return disk_full(path, f"SQLite: {exc}")
        why = read_only_why(path)
        if why is not None:
            return read_only(path, why)
        return TrackerError(
            f"{path}: SQLite could not use the local tracker ({exc}); the file is left as it is",
            hint=f"check that {path.parent} is reachable and its disk healthy (the system "
            "log names I/O errors), then run the command again",
        )
    return corrupt(path, f"SQLite: {exc}")
