"""Fake agent: commit once, then leave a modified tracked file and an untracked one."""

from __future__ import annotations

import sys
from pathlib import Path

from _common import commit

if __name__ == "__main__":
    worktree = sys.argv[1]
    commit(worktree, "work.txt", "committed\n")
    Path(worktree, "README.md").write_text("changed, not committed\n")
    Path(worktree, "notes").mkdir(exist_ok=True)
    Path(worktree, "notes", "untracked.txt").write_bytes(b"draft \xff\xfe binary-ish\n")
