"""The names of the gate's own files, and the string test on a path that rules most paths
out: :func:`might_be_protected`, the file tools' fast path (``hooks/file_targets.py``).

:mod:`review_gate.protected` holds the rule itself (which files, and why); this part is
apart so that the agent hook's fast path loads it without ``os`` (see
:mod:`review_gate.posix_paths`). No ``from __future__ import annotations``, for the same
reason.
"""

# The last component of every protected file. A path whose base name is not here (and that
# has no ``hooks`` directory component) cannot be protected: the fast path stops there.
NAMES = frozenset(
    {
        ".review-gate.toml",
        "pyproject.toml",
        ".pre-commit-config.yaml",
        "settings.json",
        "settings.local.json",
        "hooks.json",
        "config.toml",
        "config",
        "exclude",
        ".claude",
        ".codex",
        ".git",
        "review-gate",
        ".gitconfig",
    }
)


def might_be_protected(path: str) -> bool:
    """False only when ``path`` certainly names no protected file (fast, no I/O)."""
    if not path:
        return False
    parts = path.replace("\\", "/").rstrip("/").split("/")
    if parts[-1] in NAMES or "hooks" in parts[:-1] or ".git" in parts or "review-gate" in parts:
        return True
    # Globs, variables and other shell magic could name anything.
    return any(c in path for c in "*?[{$~`")
