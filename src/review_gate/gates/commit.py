"""Rule 6: whether a review's Commit names exactly the head being gated (pure).

A short prefix can be ground: anyone can make a commit whose sha starts with the same 7
characters as the head. So an abbreviation binds a review to the head only when the
checkout proves it unique (``head_unique_prefix``, the length of the shortest prefix no
other object shares); otherwise only the full sha does.
"""

from __future__ import annotations

import re

__all__ = ["FULL_SHA_LENGTHS", "MIN_ABBREV", "commit_binding", "unique_prefix_length"]

_HEX = re.compile(r"[0-9a-f]{7,64}")  # sha-1 or sha-256 object names (abbreviated or not)
FULL_SHA_LENGTHS = (40, 64)  # a full sha-1 / sha-256 object name
MIN_ABBREV = 7  # git's shortest abbreviation


def unique_prefix_length(value: object) -> int | None:
    """``head_unique_prefix`` when it is a usable length, else None (cannot tell)."""
    return value if type(value) is int and value > 0 else None


def commit_binding(commit: str, head: str, unique_prefix: int | None) -> str:
    """``"ok"`` when the review's Commit names exactly the head: the full sha, or an
    abbreviation at least as long as the shortest one the checkout proves unique (and never
    shorter than git's 7); ``"ambiguous"`` when it is a prefix of the head (or the head of
    it) that cannot be proven to name only the head; else ``"stale"``."""
    commit, head = commit.strip().lower(), head.strip().lower()
    if not (_HEX.fullmatch(commit) and _HEX.fullmatch(head)):
        return "stale"
    full_head = len(head) in FULL_SHA_LENGTHS
    if full_head and commit == head:
        return "ok"
    prefix = unique_prefix_length(unique_prefix)
    if head.startswith(commit):
        if full_head and prefix is not None and len(commit) >= max(MIN_ABBREV, prefix):
            return "ok"
        return "ambiguous"
    if commit.startswith(head):
        return "ambiguous"  # the head itself is abbreviated: it cannot vouch for one commit
    return "stale"
