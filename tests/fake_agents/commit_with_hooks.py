"""Fake agent: commit one file *through the worktree's git hooks* (no --no-verify), so
the commit-msg hook runs as it does for a real agent, then exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

if __name__ == "__main__":
    worktree = sys.argv[1]
    Path(worktree, "work.txt").write_text("work\n")
    subprocess.run(["git", "add", "work.txt"], cwd=worktree, check=True)
    issue = os.environ.get("REVIEW_GATE_ISSUE", "0")
    message = (
        f"feat: fake work (#{issue})\n\n🤖 Worker: {os.environ.get('REVIEW_GATE_WORKER_ID')}\n"
    )
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=worktree, check=True)
    print("fake agent: committed through the hooks", flush=True)
