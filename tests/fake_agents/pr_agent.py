"""Fake agent that calls its PreToolUse hook as Claude Code does: commit (through the
real git hooks), try `gh pr create` (the hook must deny it), post a complete REVIEW,
try again (the hook must let it through), exit 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from _common import post

from tests.artifact_samples import review


def pre_tool_use(worktree: str, command: str) -> str:
    """Run the Bash PreToolUse hook of the worktree's Claude settings; its verdict."""
    settings = json.loads((Path(worktree) / ".claude" / "settings.local.json").read_text())
    hook = settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    call = {
        "session_id": "s",
        "hook_event_name": "PreToolUse",
        "cwd": worktree,
        "tool_name": "Bash",
        "tool_input": {"command": command},
    }
    proc = subprocess.run(
        hook, shell=True, cwd=worktree, input=json.dumps(call), text=True, capture_output=True
    )
    if proc.returncode == 2 or '"deny"' in proc.stdout:
        return "denied"
    return "allowed" if proc.returncode == 0 else f"error {proc.returncode}: {proc.stderr}"


if __name__ == "__main__":
    worktree, issue = sys.argv[1], sys.argv[2]
    Path(worktree, "work.txt").write_text("work\n")
    subprocess.run(["git", "add", "work.txt"], cwd=worktree, check=True)
    subprocess.run(
        ["git", "commit", "-q", "-m", f"feat: work (#{issue})"], cwd=worktree, check=True
    )
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=worktree, check=True, capture_output=True, text=True
    ).stdout.strip()
    create = f'gh pr create --title work --body "Closes #{issue}"'
    print(f"first pr create: {pre_tool_use(worktree, create)}", flush=True)
    post(issue, review(int(issue), commit=sha))
    print(f"second pr create: {pre_tool_use(worktree, create)}", flush=True)
