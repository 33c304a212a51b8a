"""What a process already learned from git about where a checkout is and its remotes.

One ``gate dispatch spawn`` asks for the same checkout's top level, git directory and
common directory, and for ``origin``'s URL, from half a dozen modules (configuration,
tracker, state directory, hook installers, the worker's environment); ``status``
asks for the URL once per completed worker. Each answer costs a git process. They are
remembered here for the life of the process, and every hit is checked first:

- a location is used only while its directories still exist and no ``.git`` has
  appeared between the directory asked about and the remembered top level (a
  repository created inside another one); the environment variables that steer git's
  discovery (``GIT_DIR``, ``GIT_WORK_TREE``, ...) are part of the key;
- a remote URL is used only while the configuration files it can come from (the
  repository's ``config`` and ``config.worktree``, the global and system files) hold
  the same bytes (compared, not their times: ``git config`` rewrites the whole file
  even when it sets a value again). A file pulled in by an ``[include]`` is not
  watched: a process that edits one and asks again in the same process would get the
  old URL.

Failures are never remembered: the next question runs git again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

# What steers git's repository discovery (git(1), "ENVIRONMENT").
DISCOVERY_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
)
# What steers which configuration files git reads (git-config(1), "FILES").
_CONFIG_ENV = ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "HOME")


class Location(NamedTuple):
    """Where a checkout is (all absolute)."""

    top: Path  # work tree root
    git_dir: Path  # this worktree's git dir
    common_dir: Path  # shared by every worktree of the repository


_locations: dict[tuple[str, ...], Location] = {}
_common_dirs: dict[tuple[str, ...], Path] = {}
_remote_urls: dict[tuple[str, ...], tuple[_Stamp, str | None]] = {}


def _key(cwd: str | Path, *extra: str) -> tuple[str, ...]:
    where = os.fspath(cwd)
    if not os.path.isabs(where) or "/." in where or where.endswith("/"):
        where = os.path.abspath(where)
    return (where, *extra, *(os.environ.get(k, "") for k in DISCOVERY_ENV))


def _nested(cwd: str | Path, top: Path) -> bool:
    """Whether a ``.git`` sits between ``cwd`` and ``top`` (``top`` itself excluded)."""
    if os.fspath(cwd) == os.fspath(top):
        return False
    here = Path(os.path.realpath(cwd))
    root = Path(os.path.realpath(top))
    if here != root and root not in here.parents:
        return True  # not below the top level any more: ask git
    while here != root:
        if os.path.lexists(here / ".git"):
            return True
        here = here.parent
    return False


def location(cwd: str | Path) -> Location | None:
    key = _key(cwd)
    found = _locations.get(key)
    if found is None:
        return None
    if (
        not os.path.isdir(found.top)
        or not os.path.exists(found.git_dir)
        or not os.path.isdir(found.common_dir)
        or _nested(cwd, found.top)
    ):
        del _locations[key]
        return None
    return found


def remember_location(cwd: str | Path, found: Location) -> None:
    _locations[_key(cwd)] = found


def common_dir(cwd: str | Path) -> Path | None:
    found = location(cwd)
    if found is not None:
        return found.common_dir
    known = _common_dirs.get(_key(cwd))
    if known is not None and not known.is_dir():
        del _common_dirs[_key(cwd)]
        return None
    return known


def remember_common_dir(cwd: str | Path, path: Path) -> None:
    _common_dirs[_key(cwd)] = path


def _content(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _stat(path: str) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


class _Stamp(NamedTuple):
    """The state of every configuration file a remote's URL can come from."""

    env: tuple[str, ...]
    files: tuple[str, ...]
    stats: list[tuple[int, int, int, int] | None]  # refreshed when only these changed
    contents: tuple[bytes | None, ...]


def _config_files(found: Location) -> tuple[str, ...]:
    env = os.environ
    home = env.get("HOME", "")
    xdg = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    return (
        os.path.join(found.common_dir, "config"),
        os.path.join(found.git_dir, "config.worktree"),
        env.get("GIT_CONFIG_GLOBAL") or os.path.join(home, ".gitconfig"),
        os.path.join(xdg, "git", "config"),
        env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig",
    )


def _stamp(found: Location) -> _Stamp:
    files = _config_files(found)
    stats = [_stat(f) for f in files]
    env = tuple(os.environ.get(k, "") for k in _CONFIG_ENV)
    return _Stamp(env, files, stats, tuple(_content(f) for f in files))


def _unchanged(stamp: _Stamp, found: Location) -> bool:
    """Whether every file still holds what it held (a file whose status is the same is
    not read again; one whose status changed is compared byte for byte)."""
    env = tuple(os.environ.get(k, "") for k in _CONFIG_ENV)
    if env != stamp.env or _config_files(found) != stamp.files:
        return False
    for i, path in enumerate(stamp.files):
        now = _stat(path)
        if now == stamp.stats[i]:
            continue
        if _content(path) != stamp.contents[i]:
            return False
        stamp.stats[i] = now
    return True


def remote_url(cwd: str | Path, name: str) -> tuple[str | None] | None:
    """``(url,)`` as remembered for ``cwd``'s remote ``name``; None when not known."""
    found = location(cwd)
    known = _remote_urls.get(_key(cwd, name))
    if found is None or known is None:
        return None
    stamp, url = known
    if not _unchanged(stamp, found):
        del _remote_urls[_key(cwd, name)]
        return None
    return (url,)


def remember_remote_url(cwd: str | Path, name: str, url: str | None) -> None:
    """Remember ``url`` (None: no such remote), when ``cwd``'s location is known."""
    found = location(cwd)
    if found is not None:
        _remote_urls[_key(cwd, name)] = (_stamp(found), url)
