"""The few ``os.path`` answers the agent hook's fast path needs, computed without ``os``.

The installed hook starts without ``site`` (``hooks/run_hook.py``), so nothing has
imported ``os`` yet; importing it (``_collections_abc``, ``posixpath``, ``stat``...) costs
about 1 ms, as much as the rest of the path check on a Write of an ordinary file. These
functions use the built-in ``posix`` module instead, and answer exactly as their
``os.path`` counterpart does, or None where that would take more than a string operation
and one ``lstat`` per component: a symbolic link, a relative path, a system without
``posix``. The caller then asks ``os.path`` (:mod:`review_gate.hooks.file_targets`).
``tests/posix_paths_test.py`` compares them with ``os.path`` on generated trees.

No ``from __future__ import annotations``, and only built-in modules, for the same reason.
"""

import sys

try:
    import posix as _posix
except ImportError:  # not a POSIX system: every answer is None, os.path answers
    _posix = None  # type: ignore[assignment]

#: ``os.sep`` on a POSIX system, else None.
SEP = None if _posix is None else "/"
_S_IFMT = 0o170000
_S_IFLNK = 0o120000
_S_IFREG = 0o100000


def join(base: str, name: str) -> "str | None":
    """``os.path.join(base, name)`` on a POSIX system, else None."""
    if _posix is None:
        return None
    if name.startswith("/"):
        return name
    if not base or base.endswith("/"):
        return base + name
    return base + "/" + name


def dirname(path: str) -> "str | None":
    """``os.path.dirname(path)`` on a POSIX system, else None."""
    if _posix is None:
        return None
    head = path[: path.rfind("/") + 1]
    if head and head != "/" * len(head):
        head = head.rstrip("/")
    return head


def getcwd() -> "str | None":
    """``os.getcwd()`` on a POSIX system, else None."""
    return None if _posix is None else _posix.getcwd()


def realpath(path: str) -> "str | None":
    """``os.path.realpath(path)`` for an absolute ``path`` none of whose components is a
    symbolic link; None otherwise (a link, a relative path, a NUL, no ``posix``)."""
    if _posix is None or not path.startswith("/") or "\0" in path:
        return None
    resolved: list[str] = []
    for name in path.split("/"):
        if not name or name == ".":
            continue
        if name == "..":
            if resolved:
                resolved.pop()
            continue
        resolved.append(name)
        try:
            mode = _posix.lstat("/" + "/".join(resolved)).st_mode
        except OSError:
            continue  # missing (or unreadable): os.path.realpath keeps the name as it is
        if mode & _S_IFMT == _S_IFLNK:
            return None
    return "/" + "/".join(resolved)


def _isfile(path: str) -> bool:
    try:
        return _posix.stat(path).st_mode & _S_IFMT == _S_IFREG
    except (OSError, ValueError):
        return False


def environment_prefix() -> "tuple[bool, str | None]":
    """``(True, review_gate.protected.environment_prefix())``, or ``(False, None)`` when
    that cannot be told without ``os`` (a path ``os.path.abspath`` would normalise)."""
    if sys.prefix != sys.base_prefix:
        return True, sys.prefix
    executable = sys.executable
    names = executable.split("/")
    if _posix is None or not executable.startswith("/") or "" in names[1:]:
        return False, None
    if "." in names or ".." in names:
        return False, None
    root = "/".join(names[:-2]) or "/"  # dirname(dirname(executable))
    return True, (root if _isfile(root.rstrip("/") + "/pyvenv.cfg") else None)
