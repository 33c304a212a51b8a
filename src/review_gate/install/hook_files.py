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
OUR_COMMAND = re.compile(
    r"""(?:^|[/\\\s"'])(?:gate(?:\.exe)?["']?\s+hook|run_hook\.py["']?)\s+(?:pre-tool-use|stop)\b"""
)

# Shell commands, the file-editing tools (Claude Code's Write, Edit, MultiEdit and
# NotebookEdit; Codex's apply_patch, which reaches PreToolUse as tool_name "apply_patch",
# recorded in tests/e2e/recordings/), plus every MCP tool: the hook itself decides which
# MCP tools create a pull request or write a file (see hooks/tool_names.py and
# hooks/file_targets.py), so a server naming its tool differently is still gated. Anchored
# regex: valid for Claude Code (JS) and Codex (Rust), which match it against tool_name.
MATCHER = "^(Bash|Write|Edit|MultiEdit|NotebookEdit|apply_patch|mcp__.*)$"
#: What earlier releases installed; `gate doctor` asks to re-run the install, and
#: `gate uninstall codex` recognises the trust recorded for it.
LEGACY_MATCHERS = ("^(Bash|mcp__.*)$",)
#: Tool names the PreToolUse matcher must cover, per agent (checked by `gate doctor`).
COVERED_TOOLS = {
    "claude": ("Bash", "Write", "Edit", "MultiEdit", "NotebookEdit", "mcp__server__tool"),
    "codex": ("Bash", "apply_patch", "mcp__server__tool"),
}
# Claude Code's ConfigChange fires when a settings file changes during a session (its
# matcher is the settings `source`); blocking it keeps the loaded settings. The console
# entry sends only `gate hook pre-tool-use|stop` to the fast path, so the same
# `gate hook pre-tool-use` answers it, by the input's hook_event_name. Codex has no such
# event (and would reject a hooks.json naming one), so it is Claude Code's only.
CONFIG_MATCHER = "user_settings|project_settings|local_settings"
TIMEOUT = 30
#: (client event, ``gate hook`` argument, matcher or None): what both clients get.
EVENTS = (("PreToolUse", "pre-tool-use", MATCHER), ("Stop", "stop", None))
_CLAUDE_EVENTS = (*EVENTS, ("ConfigChange", "pre-tool-use", CONFIG_MATCHER))
_ALL_EVENT_NAMES = tuple(event for event, _, _ in _CLAUDE_EVENTS)


def events(agent: str | None) -> tuple[tuple[str, str, str | None], ...]:
    """Our hook entries for ``agent`` (None: those both clients take, as for dispatch)."""
    return _CLAUDE_EVENTS if agent == "claude" else EVENTS


def matcher_covers(matcher: object, tool: str) -> bool:
    """Whether a hook group's ``matcher`` selects ``tool``, as both clients read it: absent,
    empty or ``*`` selects all; letters, digits, ``_`` and ``|`` list exact names; anything
    else is an unanchored regular expression."""
    if matcher is None or matcher in ("", "*"):
        return True
    if not isinstance(matcher, str):
        return False
    if re.fullmatch(r"[A-Za-z0-9_|]+", matcher):
        return tool in matcher.split("|")
    try:
        return re.search(matcher, tool) is not None
    except re.error:
        return False


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
    """The hook's command line: ``PYTHON -I -S .../review_gate/hooks/run_hook.py EVENT`` when
    ``gate`` runs on this interpreter (the fast start, see hooks/run_hook.py), else
    ``gate hook EVENT``."""
    fast = fast_hook_argv(gate)
    if fast is not None:
        return shlex.join([*fast, event])
    return f"{shlex.quote(gate)} hook {event}"


def fast_hook_argv(gate: str) -> list[str] | None:
    """``[PYTHON, -I, -S, RUN_HOOK]`` for a ``gate`` script of this interpreter, else None
    (another installation, or a launcher that is not a Python script)."""
    try:
        with open(gate, "rb") as f:
            first = f.readline(4096)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    interpreter = first[2:].decode("utf-8", "replace").strip()
    if " " in interpreter or not os.path.isabs(interpreter):
        return None
    same_prefix = os.path.dirname(os.path.dirname(interpreter)) == os.path.normpath(sys.prefix)
    if not same_prefix or os.path.realpath(interpreter) != os.path.realpath(sys.executable):
        return None  # another environment: its own package may differ
    run_hook = Path(__file__).resolve().parent.parent / "hooks" / "run_hook.py"
    if not run_hook.is_file():
        return None
    return [interpreter, "-I", "-S", str(run_hook)]


def handler(gate: str, arg: str) -> dict[str, Any]:
    """Our handler object for ``gate hook ARG``."""
    return {"type": "command", "command": hook_command(gate, arg), "timeout": TIMEOUT}


def merge_hooks(data: dict[str, Any], gate: str | None, agent: str | None = None) -> dict[str, Any]:
    """A copy of ``data`` with our entries for ``agent`` set (``gate``) or removed
    (``gate=None``: from every event, whichever agent's).

    An existing group holding only our handler is replaced in place (so Codex trust
    indexes stay put); our handlers elsewhere are removed; other handlers, groups,
    events and keys are kept in order.
    """
    result: dict[str, Any] = json.loads(json.dumps(data))
    hooks: dict[str, Any] = result.setdefault("hooks", {})
    entries = {event: (arg, matcher) for event, arg, matcher in events(agent)}
    for event in _ALL_EVENT_NAMES:
        wanted: dict[str, Any] | None = None
        if gate is not None and event in entries:
            arg, matcher = entries[event]
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
