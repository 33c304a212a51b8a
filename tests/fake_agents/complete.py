"""Fake agent: commit, post a complete REVIEW for the issue, exit 0 (-> completed)."""

from __future__ import annotations

import sys
import time

from _common import commit, post

from tests.artifact_samples import review

if __name__ == "__main__":
    worktree, issue = sys.argv[1], sys.argv[2]
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    print("fake agent: working", flush=True)
    time.sleep(delay)
    sha = commit(worktree)
    post(issue, review(int(issue), commit=sha))
    print("fake agent: reviewed", flush=True)
