"""Fake agent: commit one file in the worktree and exit 0 (posts no outcome)."""

from __future__ import annotations

import sys

from _common import commit

if __name__ == "__main__":
    print("fake agent: committing", flush=True)
    commit(sys.argv[1])
    print("fake agent: done", flush=True)
