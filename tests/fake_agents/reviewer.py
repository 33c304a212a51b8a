"""Fake review worker: review the worktree's head. The first time (no MARKER file yet)
post a REVIEW with an unaddressed finding; after that, a clean one. Argv: WORKTREE
ISSUE MARKER."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from _common import post

from tests.artifact_samples import review

if __name__ == "__main__":
    worktree, issue, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=worktree, check=True, capture_output=True, text=True
    ).stdout.strip()
    worker = os.environ["REVIEW_GATE_WORKER_ID"]
    first = not marker.exists()
    marker.write_text("reviewed\n")
    findings = (("Major", "The parser drops the last line", "Not fixed yet"),) if first else ()
    post(issue, review(int(issue), worker=worker, commit=head, unaddressed=len(findings),
                       fixed=findings or (("Minor", "Unclear name", "Renamed"),)))  # fmt: skip
    print(f"fake reviewer: {'findings' if first else 'clean'} on {head}", flush=True)
