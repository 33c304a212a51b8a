"""Rule 5's path globs: which changed files are security-sensitive (pure)."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Sequence

__all__ = ["matches_sensitive"]


@functools.lru_cache(maxsize=256)
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Translate a path glob: ``**/`` is any number of directories (zero included), a
    trailing ``/**`` everything below, ``*`` and ``?`` stay inside one path component."""
    pattern = pattern.strip().lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i : end + 1])[4:-3])
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def matches_sensitive(path: str, patterns: Sequence[str]) -> str | None:
    """The first pattern ``path`` matches, else None.

    A pattern without ``/`` (``*token*``) matches any component of the path, so it
    catches directories and basenames alike; a pattern with ``/`` matches the whole
    path from the repository root (``**/auth/**`` matches ``auth/x.py`` and
    ``src/auth/x.py``). Matching ignores case: ``AuthToken.py`` is as sensitive as
    ``auth_token.py``.
    """
    path = path.replace("\\", "/").lstrip("/")
    parts = [p for p in path.split("/") if p]
    for pattern in patterns:
        regex = _pattern_regex(pattern)
        if "/" in pattern.strip().rstrip("/") or pattern.strip().endswith("/"):
            if regex.fullmatch(path):
                return pattern
        elif any(regex.fullmatch(part) for part in parts):
            return pattern
    return None
