"""Fake review worker: post a clean REVIEW of the worktree's HEAD, as itself, and exit.
Argv: WORKTREE ISSUE."""

from __future__ import annotations

import os
import subprocess
import sys

from _common import post

from tests.artifact_samples import review

if __name__ == "__main__":
    worktree, issue = sys.argv[1], sys.argv[2]
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=worktree, check=True, capture_output=True, text=True
    ).stdout.strip()
    post(issue, review(int(issue), worker=os.environ["REVIEW_GATE_WORKER_ID"], commit=head))
    print(f"fake reviewer: reviewed {head}", flush=True)
