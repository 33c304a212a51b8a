"""Fake implementer for the review loop: add a line of work, commit it, post a complete
REVIEW of that commit (each attempt makes a new commit in the reused worktree). With a
third argument ``--no-review`` it posts nothing and exits 0 (its REVIEW is the
reviewer's to write)."""

from __future__ import annotations

import sys
from pathlib import Path

from _common import commit, post

from tests.artifact_samples import review

if __name__ == "__main__":
    worktree, issue = sys.argv[1], sys.argv[2]
    done = Path(worktree, "work.txt")
    lines = done.read_text().splitlines() if done.exists() else []
    sha = commit(worktree, content="\n".join([*lines, f"attempt {len(lines) + 1}"]) + "\n")
    if sys.argv[3:] != ["--no-review"]:
        post(issue, review(int(issue), commit=sha))
