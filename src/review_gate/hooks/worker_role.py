"""A dispatched worker's role, for the PreToolUse hook: a ``review`` or ``research``
worker may not edit files, commit or push (dispatch/roles.py has the whole scope).

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

A worker whose record cannot be read is denied edits, commits and pushes (fail closed):
the dispatcher writes the record right after the agent starts, long before its first
tool call, and removes it only once the worker's processes are gone. A session without
``REVIEW_GATE_WORKER_ID`` and ``REVIEW_GATE_STATE_DIR`` (any non-worker session, or a
worker on a GitHub Actions runner, which has no local record) never gets here: the hook's
fast path is one environment lookup longer.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path

WORKER_VAR = "REVIEW_GATE_WORKER_ID"
STATE_VAR = "REVIEW_GATE_STATE_DIR"
_READ_ONLY = ("review", "research")
_ROLES = ("implement", *_READ_ONLY)
#: git subcommands a review or research worker may not run.
DENIED_GIT = frozenset({"commit", "push"})
# git's global options that take a value as the next word.
_GIT_VALUE_OPTIONS = frozenset(
    {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"}
)
_FALLBACK = re.compile(r"\bgit\b[^\n;&|]*\b(commit|push)\b")
# Words in an MCP tool's name that say it changes files (mcp__fs__write_file, ...).
_MCP_WRITES = ("write", "edit", "create", "delete", "remove", "move", "rename", "patch")
_HEREDOC = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")


def _without_heredocs(command: str) -> str:
    """``command`` without the bodies of its here-documents: a REVIEW posted on stdin
    may well mention ``git push``, which runs nothing."""
    kept: list[str] = []
    pending: list[tuple[bool, str]] = []
    for line in command.split("\n"):
        if pending:
            tabs, word = pending[0]
            if (line.lstrip("\t") if tabs else line) == word:
                pending.pop(0)
            continue
        kept.append(line)
        pending = [(m.group(1) == "-", m.group(3)) for m in _HEREDOC.finditer(line)]
    return "\n".join(kept)


def worker_role(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """``(worker id, role)`` of the dispatched worker this hook serves; None outside one.
    The role is ``"unknown"`` when the dispatcher's record cannot be read."""
    worker = environ.get(WORKER_VAR)
    state = environ.get(STATE_VAR)
    if not worker or not state:
        return None
    path = Path(state) / "workers" / f"{worker}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return worker, "unknown"
    if not isinstance(data, dict) or data.get("worker_id") != worker:
        return worker, "unknown"
    role = data.get("role", "implement")  # records of older dispatchers name none
    return worker, role if role in _ROLES else "unknown"


def git_subcommands(command: str) -> list[str]:
    """The git subcommands ``command`` runs (``git -C x commit`` -> ``commit``), by its
    words; a command that cannot be split is read with a looser pattern."""
    command = _without_heredocs(command)
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
    except ValueError:
        return [m.group(1) for m in _FALLBACK.finditer(command)]
    found: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if os.path.basename(word) != "git":
            continue
        while i < len(words):
            option = words[i]
            if option in _GIT_VALUE_OPTIONS:
                i += 2
            elif option.startswith("-"):
                i += 1
            else:
                found.append(option)
                i += 1
                break
    return found


def role_denial(
    tool: str, file_tool: bool, command: str | None, environ: Mapping[str, str]
) -> str | None:
    """The deny reason for a review or research worker's edit (a client's file tool, or
    an MCP tool whose name says it writes), commit or push; None for any other call, and
    for every call of an implementing worker. ``tool`` is the tool name in lower case."""
    known = worker_role(environ)
    if known is None:
        return None
    worker, role = known
    if role == "implement":
        return None
    if tool.startswith("mcp__") and any(word in tool for word in _MCP_WRITES):
        file_tool = True
    patch = command is not None and "*** Begin Patch" in command
    denied = sorted(DENIED_GIT.intersection(git_subcommands(command or "")))
    if not (file_tool or patch or denied):
        return None
    what = f"git {denied[0]}" if denied and not (file_tool or patch) else "editing files"
    if role == "unknown":
        state = environ.get(STATE_VAR, "")
        return (
            f"review-gate: cannot read the role of worker {worker} from "
            f"{Path(state) / 'workers' / (worker + '.json')}; {what} is denied to be safe. "
            "`gate dispatch status` shows the worker."
        )
    job = "posts one REVIEW" if role == "review" else "posts its findings as a comment"
    return (
        f"review-gate: {worker} is a {role} worker: {what} is not allowed (no edits, "
        f"commits or pushes). A {role} worker reads, runs the checks it is allowed and "
        f"{job} on the issue."
    )
