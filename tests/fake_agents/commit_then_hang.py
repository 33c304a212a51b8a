"""Fake agent: commit one file, leave another uncommitted, then wait forever (a job that
gets cancelled with unpushed work)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from _common import commit

if __name__ == "__main__":
    worktree = sys.argv[1]
    commit(worktree, "committed.txt", "committed work\n")
    Path(worktree, "draft.txt").write_text("uncommitted work\n")
    print("fake agent: committed, now thinking forever", flush=True)
    while True:
        time.sleep(3600)
