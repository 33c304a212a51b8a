"""Shared bits of the fake agents: post a comment through the installed `gate`, commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def post(issue: str, body: str) -> None:
    """Post ``body`` on ``issue`` with `gate issue comment` (found on the worker's PATH)."""
    subprocess.run(
        ["gate", "issue", "comment", issue, "--body-file", "-"],
        input=body,
        text=True,
        check=True,
    )


def commit(worktree: str, name: str = "work.txt", content: str = "work\n") -> str:
    path = Path(worktree) / name
    path.write_text(content)
    subprocess.run(["git", "add", name], cwd=worktree, check=True)
    issue = os.environ.get("REVIEW_GATE_ISSUE", "0")
    subprocess.run(
        ["git", "commit", "-q", "--no-verify", "-m", f"feat: fake work (#{issue})"],
        cwd=worktree,
        check=True,
    )
    out = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=worktree, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()
