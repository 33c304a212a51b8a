"""Fake agent that asks its own PreToolUse hook, as Claude Code would, about an edit, a
commit, a push and a read, then tries a real commit and push. Writes the answers to its
last argument as JSON. Argv: WORKTREE ISSUE OUT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def ask(command: str, worktree: str, tool: str, tool_input: dict[str, object]) -> str:
    """The hook's stdout for one tool call (empty: no objection)."""
    data = {
        "session_id": "probe",
        "hook_event_name": "PreToolUse",
        "cwd": worktree,
        "tool_name": tool,
        "tool_input": tool_input,
    }
    proc = subprocess.run(
        ["sh", "-c", command], input=json.dumps(data), capture_output=True, text=True,
        cwd=worktree, check=False,
    )  # fmt: skip
    return proc.stdout


if __name__ == "__main__":
    worktree, out = sys.argv[1], Path(sys.argv[-1])
    settings = json.loads((Path(worktree) / ".claude/settings.local.json").read_text())
    command = settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    answers = {
        "write": ask(command, worktree, "Write",
                     {"file_path": f"{worktree}/notes.py", "content": "x = 1\n"}),
        "edit": ask(command, worktree, "Edit",
                    {"file_path": f"{worktree}/README.md", "old_string": "a", "new_string": "b"}),
        "commit": ask(command, worktree, "Bash", {"command": "git commit -am wip"}),
        "push": ask(command, worktree, "Bash", {"command": "git -C . push origin HEAD"}),
        "read": ask(command, worktree, "Read", {"file_path": f"{worktree}/README.md"}),
        "log": ask(command, worktree, "Bash", {"command": "git log --oneline -3"}),
        "post": ask(command, worktree, "Bash", {
            "command": "gate issue comment 1 --body-file - <<'EOF'\nplease git push\nEOF"}),
    }  # fmt: skip
    push = subprocess.run(
        ["git", "push", "origin", "HEAD:refs/heads/probe"], cwd=worktree, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    answers["real_push"] = json.dumps([push.returncode, push.stderr])
    answers["head"] = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=worktree, capture_output=True, text=True, check=True
    ).stdout.strip()
    answers["branch"] = subprocess.run(
        ["git", "branch", "--show-current"], cwd=worktree, capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    answers["role_env"] = os.environ.get("REVIEW_GATE_STATE_DIR", "")
    out.write_text(json.dumps(answers))
