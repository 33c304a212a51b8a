"""Fake implementer: the first time (no MARKER file yet) review a commit, then commit
again, so its complete REVIEW is stale and the gate fails; after that, commit and review
the head. Argv: WORKTREE ISSUE MARKER."""

from __future__ import annotations

import sys
from pathlib import Path

from _common import commit, post

from tests.artifact_samples import review

if __name__ == "__main__":
    worktree, issue, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    if not marker.exists():
        marker.write_text("1\n")
        post(issue, review(int(issue), commit=commit(worktree)))
        commit(worktree, "late.txt", "committed after the review\n")
    else:
        post(issue, review(int(issue), commit=commit(worktree, "fix.txt", "fixed\n")))
