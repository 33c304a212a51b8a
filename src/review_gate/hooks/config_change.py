"""Claude Code's ConfigChange hook: keep a running session's gate switched on.

Claude Code (2.1.x) fires ``ConfigChange`` when one of its settings files changes during a
session, after the file has changed on disk and before it loads it; a block keeps the
settings it has loaded. The input (recorded in tests/e2e/recordings/) is the usual
``session_id``/``transcript_path``/``cwd`` plus ``hook_event_name: "ConfigChange"``,
``source`` (``user_settings``, ``project_settings``, ``local_settings``,
``policy_settings``, ``skills``) and ``file_path`` (the changed file, or the proposed
content Claude Code shows its hooks before writing a settings file of its own).

A change is blocked when, with it, Claude Code would run review-gate's hooks no more:
``disableAllHooks`` (or ``allowManagedHooksOnly``) set in any layer, or no layer left
holding our PreToolUse entry (with a matcher that selects every tool the hook checks), our
Stop entry or this ConfigChange entry. The hook runs only because our entry is loaded, so
the session was gated when it started; ``protect = false`` in the trusted configuration
turns the check off. A blocked change stays on disk and is read by the next session: the
file tools and shell checks are what keep an agent from writing it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from review_gate.errors import GateError
from review_gate.hooks import checkout as ctx
from review_gate.install.hook_files import COVERED_TOOLS, events, is_ours, matcher_covers
from review_gate.install.settings_file import settings_path
from review_gate.target import Repository, checkout_policy

#: ConfigChange ``source`` -> the scope of `gate install claude` whose file it is.
SOURCES = {"user_settings": "user", "project_settings": "project", "local_settings": "local"}
_SWITCHES = ("disableAllHooks", "allowManagedHooksOnly")


def _load(path: Path) -> dict[str, Any]:
    """A settings file's object; {} when it is missing or unreadable (Claude Code then
    has no hooks from it either)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _groups(layer: Mapping[str, Any], event: str) -> list[dict[str, Any]]:
    hooks = layer.get("hooks")
    groups = hooks.get(event) if isinstance(hooks, dict) else None
    return [g for g in groups if isinstance(g, dict)] if isinstance(groups, list) else []


def _ours(group: Mapping[str, Any]) -> bool:
    handlers = group.get("hooks")
    return isinstance(handlers, list) and any(is_ours(h) for h in handlers)


def problems(layers: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """What, in these settings layers (scope -> object), switches review-gate off."""
    found = [
        f"it sets {switch} (in the {scope} settings)"
        for scope, layer in layers.items()
        for switch in _SWITCHES
        if layer.get(switch)
    ]
    for event, _, _ in events("claude"):
        groups = [g for layer in layers.values() for g in _groups(layer, event) if _ours(g)]
        if event == "PreToolUse":
            tools = COVERED_TOOLS["claude"]
            if groups and not all(
                any(matcher_covers(g.get("matcher"), t) for g in groups) for t in tools
            ):
                found.append(
                    f"review-gate's PreToolUse hook would no longer select {', '.join(tools)}"
                )
                continue
        if not groups:
            found.append(f"it removes review-gate's {event} hook")
    return found


def decide(data: Mapping[str, Any], environ: Mapping[str, str]) -> str | None:
    """The block reason for one ConfigChange input, or None to let the change load."""
    source = data.get("source")
    if not isinstance(source, str) or source not in SOURCES:
        return None  # policy settings win anyway; skills are not hooks
    cwd = ctx.hook_cwd(data)
    base = cwd if cwd.is_dir() else Path(os.getcwd())
    try:
        if not checkout_policy(Repository(base), environ)[0].protect:
            return None
    except GateError:
        pass  # protect is on by default: a broken configuration must not switch it off
    layers = {
        scope: _load(settings_path("claude", scope, base, environ)) for scope in SOURCES.values()
    }
    changed = data.get("file_path")
    if isinstance(changed, str) and changed and "\0" not in changed:
        layers[SOURCES[source]] = _load(base / changed)
    found = problems(layers)
    if not found:
        return None
    shown = changed if isinstance(changed, str) and changed else f"the {SOURCES[source]} settings"
    return (
        f"review-gate: this change to Claude Code's settings ({shown}) would switch the "
        f"review gate off: {'; '.join(found)}. It is not loaded: the gate's own settings "
        "cannot be changed by the agent it gates. Ask the human operator; a change they "
        "make on purpose takes effect in the next session."
    )
