"""review-gate's entries in the agents' hook files: what they run, how they look, which are ours.

An entry is ours when its command runs ``gate hook pre-tool-use|stop``
(:func:`is_our_command`); :func:`merge_hooks` sets or removes exactly those entries and
keeps everything else in the file as it was. Claude Code and Codex read the same JSON
shape (docs/agent-hooks.md).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

from review_gate.errors import UsageError

# Hook files `gate install` writes inside a checkout (relative to its top level).
PROJECT_HOOK_FILES = (".claude/settings.json", ".claude/settings.local.json", ".codex/hooks.json")
#: Finds our hook command in a handler's command line (or anywhere in a hook file's text).
OUR_COMMAND = re.compile(r"""(?:^|[/\\\s"'])gate(?:\.exe)?["']?\s+hook\s+(?:pre-tool-use|stop)\b""")

# Shell commands, plus every MCP tool: the hook itself decides by name which MCP tools
# create a pull request (see agent.is_pr_tool), so a server naming its tool
# differently is still gated. Anchored regex: valid for Claude Code (JS) and Codex (Rust).
MATCHER = "^(Bash|mcp__.*)$"
TIMEOUT = 30
#: (client event, ``gate hook`` argument, matcher or None)
EVENTS = (("PreToolUse", "pre-tool-use", MATCHER), ("Stop", "stop", None))


def is_our_command(command: object) -> bool:
    """Whether a hook handler's command line runs ``gate hook pre-tool-use|stop``."""
    return isinstance(command, str) and bool(OUR_COMMAND.search(command))


def is_ours(handler: object) -> bool:
    """Whether a hook handler (one object of a group's ``hooks`` list) is ours."""
    return isinstance(handler, dict) and is_our_command(handler.get("command"))


def resolve_gate(explicit: str | None = None) -> str:
    """Absolute path of an executable ``gate``, so the hook never dies with 127.

    Tries ``explicit``, the running ``gate`` (``sys.argv[0]``), the one beside this
    interpreter, then ``$PATH``.
    """
    candidates: list[str] = []
    if explicit:
        candidates.append(explicit)
    else:
        if Path(sys.argv[0]).name == "gate":
            candidates.append(sys.argv[0])
        candidates.append(str(Path(sys.executable).with_name("gate")))
        found = shutil.which("gate")
        if found:
            candidates.append(found)
    for candidate in candidates:
        path = os.path.abspath(candidate)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise UsageError(
        f"cannot find an executable `gate` ({', '.join(candidates) or 'nothing on PATH'})",
        hint="install review-gate (pip install review-gate) or pass --gate /path/to/gate",
    )


def hook_command(gate: str, event: str) -> str:
    return f"{shlex.quote(gate)} hook {event}"


def handler(gate: str, arg: str) -> dict[str, Any]:
    """Our handler object for ``gate hook ARG``."""
    return {"type": "command", "command": hook_command(gate, arg), "timeout": TIMEOUT}


def merge_hooks(data: dict[str, Any], gate: str | None) -> dict[str, Any]:
    """A copy of ``data`` with our entries set (``gate``) or removed (``gate=None``).

    An existing group holding only our handler is replaced in place (so Codex trust
    indexes stay put); our handlers elsewhere are removed; other handlers, groups,
    events and keys are kept in order.
    """
    result: dict[str, Any] = json.loads(json.dumps(data))
    hooks: dict[str, Any] = result.setdefault("hooks", {})
    for event, arg, matcher in EVENTS:
        wanted: dict[str, Any] | None = None
        if gate is not None:
            ours = handler(gate, arg)
            wanted = {"matcher": matcher, "hooks": [ours]} if matcher else {"hooks": [ours]}
        groups = hooks.get(event, [])
        kept: list[dict[str, Any]] = []
        placed = False
        for group in groups:
            handlers = group.get("hooks")
            if not isinstance(handlers, list) or not any(is_ours(h) for h in handlers):
                kept.append(group)
                continue
            others = [h for h in handlers if not is_ours(h)]
            if others:
                kept.append({**group, "hooks": others})
            elif wanted is not None and not placed:
                kept.append(wanted)
                placed = True
        if wanted is not None and not placed:
            kept.append(wanted)
        if kept:
            hooks[event] = kept
        else:
            hooks.pop(event, None)
    if not hooks:
        result.pop("hooks")
    return result
