"""Fake agent: the first time, post a HANDOVER and exit; the next time (same worktree,
which a replacement reuses) commit, post a complete REVIEW and exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from _common import commit, post

from tests.artifact_samples import handover, review

if __name__ == "__main__":
    worktree, issue = sys.argv[1], sys.argv[2]
    marker = Path(worktree, ".git-handed-over")
    if not marker.exists():
        marker.write_text("1")
        worker = os.environ["REVIEW_GATE_WORKER_ID"]
        post(issue, handover(int(issue), worker=worker, next_steps=("Commit the work",)))
    else:
        post(issue, review(int(issue), commit=commit(worktree)))
