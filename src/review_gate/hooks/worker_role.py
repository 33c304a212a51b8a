"""A dispatched worker's role, for the PreToolUse hook: a ``review`` or ``research``
worker may not edit files, and its shell commands must all be on the read-only allowlist
of hooks/read_only_shell.py, decided on a full parse (dispatch/roles.py has the whole
scope). A review worker's record also names its test and lint commands
(``review_commands``), which the allowlist lets it run.

**Where the role comes from.** Today the hooks know a dispatched worker by
``REVIEW_GATE_WORKER_ID`` in their environment. The dispatcher sets it, with
``REVIEW_GATE_STATE_DIR`` (its state directory, ``<git-common-dir>/review-gate``), on
the agent client it starts, and the client passes its own environment to the hooks it
runs: a tool call changes the environment of the commands it starts, never that of its
client or of the client's hooks. The *role* is not taken from that environment, nor from
the worktree (which the agent reads and, for Codex, may write), but from the
dispatcher's pid record ``<state>/workers/<worker id>.json``, written by the dispatcher
for this worker id and naming its worktree: a review or research worker has no tool that
writes there (Claude Code's Bash is limited to read-only commands, the Codex sandbox
adds that directory only for the local tracker, see dispatch/roles.py). Not the WORKER
claim on the tracker: it holds the same role, written from the same request, but
reading it would cost a tracker round trip on every tool call, and this is one local
file read.

A worker whose record cannot be read is denied edits and any command off the research
allowlist (fail closed): the dispatcher writes the record right after the agent starts,
long before its first tool call, and removes it only once the worker's processes are
gone. A session without
``REVIEW_GATE_WORKER_ID`` and ``REVIEW_GATE_STATE_DIR`` (any non-worker session, or a
worker on a GitHub Actions runner, which has no local record) never gets here: the hook's
fast path is one environment lookup longer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

WORKER_VAR = "REVIEW_GATE_WORKER_ID"
STATE_VAR = "REVIEW_GATE_STATE_DIR"
_READ_ONLY = ("review", "research")
_ROLES = ("implement", *_READ_ONLY)
# Words in an MCP tool's name that say it changes files (mcp__fs__write_file, ...).
_MCP_WRITES = ("write", "edit", "create", "delete", "remove", "move", "rename", "patch")


def _record(environ: Mapping[str, str]) -> tuple[str, str, tuple[str, ...]] | None:
    """``(worker id, role, review commands)`` from the dispatcher's pid record; None
    outside a dispatched worker; role ``"unknown"`` when the record cannot be read."""
    worker = environ.get(WORKER_VAR)
    state = environ.get(STATE_VAR)
    if not worker or not state:
        return None
    path = Path(state) / "workers" / f"{worker}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return worker, "unknown", ()
    if not isinstance(data, dict) or data.get("worker_id") != worker:
        return worker, "unknown", ()
    role = data.get("role", "implement")  # records of older dispatchers name none
    commands = data.get("review_commands")
    if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
        commands = []
    return worker, role if role in _ROLES else "unknown", tuple(commands)


def worker_role(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """``(worker id, role)`` of the dispatched worker this hook serves; None outside one.
    The role is ``"unknown"`` when the dispatcher's record cannot be read."""
    known = _record(environ)
    return None if known is None else known[:2]


def role_denial(
    tool: str, file_tool: bool, command: str | None, environ: Mapping[str, str]
) -> str | None:
    """The deny reason for a review or research worker's edit (a client's file tool, or
    an MCP tool whose name says it writes) or shell command off the read-only allowlist;
    None for any other call, and for every call of an implementing worker. ``tool`` is
    the tool name in lower case."""
    known = _record(environ)
    if known is None:
        return None
    worker, role, commands = known
    if role == "implement":
        return None
    if tool.startswith("mcp__") and any(word in tool for word in _MCP_WRITES):
        file_tool = True
    if file_tool or (command is not None and "*** Begin Patch" in command):
        what = "editing files is not allowed"
    elif command is not None:
        from review_gate.hooks.hook_input import enable_site
        from review_gate.hooks.isolated import in_child

        enable_site()  # tree-sitter lives in site-packages; the hook starts without them

        def check() -> object:
            from review_gate.hooks.read_only_shell import denial

            return denial(command, worker, commands if role == "review" else ())

        # tree-sitter is C: parsed in a forked child, so a crash is a deny, never a pass
        done, problem = in_child(check)
        if done and problem is None:
            return None
        what = str(problem) if done else f"the read-only check crashed ({problem})"
    else:
        return None
    return _reason(worker, role, what, commands, environ)


def _reason(
    worker: str, role: str, what: str, commands: Sequence[str], environ: Mapping[str, str]
) -> str:
    from review_gate.hooks.read_only_shell import PROGRAMS_HINT

    if role == "unknown":
        state = environ.get(STATE_VAR, "")
        return (
            f"review-gate: cannot read the role of worker {worker} from "
            f"{Path(state) / 'workers' / (worker + '.json')}, so only read-only commands "
            f"run: {what}. `gate dispatch status` shows the worker."
        )
    if role == "review":
        tests = ", ".join(commands) or "none configured"
        job = (
            f"A review worker reads, runs the configured review commands ({tests}) and "
            "posts its REVIEW"
        )
    else:
        job = "A research worker reads and posts its findings as a comment"
    return (
        f"review-gate: {worker} is a {role} worker (no edits, commits or pushes): {what}. "
        f"{job}; run one read-only command at a time with literal words ({PROGRAMS_HINT})."
    )
