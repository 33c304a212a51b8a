"""Fake agent that keeps calling tools through the real installed hooks (budgets).

Usage: ``budget_tools.py WORKTREE ISSUE MODE [MARKER]``. It reads review-gate's hook
commands from the worktree's ``.claude/settings.local.json`` (what the dispatcher
installed) and, like Claude Code, runs the PreToolUse command with each tool call's JSON
on stdin, in its own environment (the one the dispatcher gave the agent). Each call is
also written to stdout as a Claude ``stream-json`` assistant event, so the worker's log
is a stream the dispatcher can count. What happens is printed as ``{"fake": ...}`` lines:

- ``asked`` (call N): the answer carried the HANDOVER instruction (additionalContext);
- ``denied`` (call N): the call was denied;
- ``stop-blocked`` / ``stop-allowed``: what the Stop hook answered.

MODE ``ignore``: call tools until one is denied, try to stop (blocked), post the HANDOVER
through an allowed call, stop, exit 0. ``ignore-hang``: the same, but instead of stopping
it sleeps (``run`` must stop and replace it). ``complete``: commit and post a complete
REVIEW at once. With MARKER (a file path), the first worker to start takes MODE and
creates the file; later workers take ``complete``.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from _common import commit, post

from review_gate.hooks.budget_handover import drafts_dir
from tests.artifact_samples import handover, review

SESSION = f"fake-session-{os.getpid()}"


def _hook(worktree: str, event: str) -> list[str]:
    settings = json.loads((Path(worktree) / ".claude" / "settings.local.json").read_text())
    for group in settings["hooks"][event]:
        for handler in group["hooks"]:
            if "run_hook.py" in handler["command"] or " hook " in handler["command"]:
                return shlex.split(handler["command"])
    raise SystemExit(f"no review-gate {event} hook installed")


def _say(**event: object) -> None:
    print(json.dumps({"fake": event}), flush=True)


def _stream(n: int) -> None:
    message = {"id": f"msg_{SESSION}_{n}", "usage": {"input_tokens": 100, "output_tokens": 10}}
    print(json.dumps({"type": "assistant", "message": message}), flush=True)


def call(worktree: str, n: int, command: str) -> dict[str, object]:
    """One Bash tool call through the PreToolUse hook; returns its answer ({} for none)."""
    _stream(n)
    payload = {
        "session_id": SESSION,
        "cwd": worktree,
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "tool_use_id": f"toolu_{n}",
    }
    proc = subprocess.run(
        _hook(worktree, "PreToolUse"), input=json.dumps(payload), capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    answer: dict[str, object] = json.loads(proc.stdout) if proc.stdout.strip() else {}
    specific = answer.get("hookSpecificOutput")
    if isinstance(specific, dict):
        if specific.get("permissionDecision") == "deny":
            _say(kind="denied", call=n, reason=specific.get("permissionDecisionReason"))
        elif "HANDOVER" in str(specific.get("additionalContext")):
            _say(kind="asked", call=n)
    return answer


def stop(worktree: str) -> bool:
    """Ask the Stop hook; True when it lets the agent stop."""
    payload = {
        "session_id": SESSION,
        "cwd": worktree,
        "hook_event_name": "Stop",
        "stop_hook_active": False,
    }
    proc = subprocess.run(
        _hook(worktree, "Stop"), input=json.dumps(payload), capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    answer = json.loads(proc.stdout) if proc.stdout.strip() else {}
    blocked = answer.get("decision") == "block"
    _say(kind="stop-blocked" if blocked else "stop-allowed", reason=answer.get("reason"))
    return not blocked


def _denied(answer: dict[str, object]) -> bool:
    specific = answer.get("hookSpecificOutput")
    return isinstance(specific, dict) and specific.get("permissionDecision") == "deny"


def run_out(worktree: str, issue: str, *, hang: bool) -> None:
    n = 0
    while True:
        n += 1
        if _denied(call(worktree, n, f"echo step {n}")) or n > 500:
            break
    stop(worktree)
    n += 1
    worker = os.environ["REVIEW_GATE_WORKER_ID"]
    body = handover(int(issue), worker=worker, next_steps=("Finish the fake work",))
    file = f"{drafts_dir(worker)}/handover.md"  # past the limit: only the exact form goes
    answer = call(worktree, n, f"gate issue comment {issue} --body-file {file}")
    if not _denied(answer):
        post(issue, body)
        _say(kind="handover-posted", call=n)
    if hang:
        while True:
            time.sleep(1)
    stop(worktree)


if __name__ == "__main__":
    worktree, issue, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    if len(sys.argv) > 4:
        marker = Path(sys.argv[4])
        if marker.exists():
            mode = "complete"
        else:
            marker.write_text("taken\n")
    if mode == "complete":
        sha = commit(worktree)
        post(issue, review(int(issue), commit=sha))
        _say(kind="reviewed")
    else:
        run_out(worktree, issue, hang=mode == "ignore-hang")
