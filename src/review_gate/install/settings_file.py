"""The agents' settings files: where they are, and editing them safely.

Files (``scope``):

=========  ===============================  ==========================================
scope      Claude Code                      Codex CLI
=========  ===============================  ==========================================
project    <top>/.claude/settings.json      <top>/.codex/hooks.json
local      <top>/.claude/settings.local.json <top>/.codex/hooks.json, git-excluded
user       ~/.claude/settings.json          $CODEX_HOME/hooks.json (~/.codex)
=========  ===============================  ==========================================

A file that cannot be read as expected is left untouched and reported (exit 2); a file
that is written keeps its indentation and permission bits and is replaced in one step, so
an agent never reads half a file. Used for the JSON hook files and Codex's config.toml.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from review_gate import git
from review_gate.errors import GateError, UsageError
from review_gate.install import codex_trust as trust

AGENTS = ("claude", "codex")
SCOPES = ("project", "local", "user")
AGENT_NAMES = {"claude": "Claude Code", "codex": "Codex"}


def checkout_top(cwd: Path) -> Path:
    """The top level of the checkout at ``cwd``, or ``cwd`` itself outside a checkout."""
    try:
        return git.toplevel(cwd)
    except GateError:
        return cwd.resolve()


def settings_path(
    agent: str, scope: str, cwd: Path, environ: Mapping[str, str] | None = None
) -> Path:
    """The file ``gate install <agent> --scope <scope>`` edits."""
    env = os.environ if environ is None else environ
    if agent not in AGENTS or scope not in SCOPES:
        raise UsageError(f"unknown agent/scope {agent}/{scope}")
    if agent == "claude":
        if scope == "user":
            base = env.get("CLAUDE_CONFIG_DIR")
            return (Path(base) if base else Path(env.get("HOME") or Path.home()) / ".claude") / (
                "settings.json"
            )
        name = "settings.local.json" if scope == "local" else "settings.json"
        return checkout_top(cwd) / ".claude" / name
    if scope == "user":
        return trust.codex_home(env) / "hooks.json"
    return checkout_top(cwd) / ".codex" / "hooks.json"


def read_settings(path: Path) -> tuple[dict[str, Any], str | None]:
    """``(data, original text)``; ``({}, None)`` when the file does not exist.

    A file that is not a JSON object with a well-formed ``hooks`` table raises
    UsageError (exit 2) and is left untouched.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}; left untouched") from None
    if not text.strip():
        return {}, text
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(
            f"{path}: not valid JSON ({exc}); left untouched", hint="fix the file and retry"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a JSON object; left untouched")
    hooks = data.get("hooks", {})
    if not isinstance(hooks, dict) or not all(
        isinstance(groups, list) and all(isinstance(g, dict) for g in groups)
        for groups in hooks.values()
    ):
        raise UsageError(
            f"{path}: `hooks` must map event names to lists of objects; left untouched"
        )
    return data, text


def write_settings(path: Path, data: dict[str, Any], like: str | None) -> None:
    """Write ``data`` as JSON to ``path``, indented as the original text ``like`` was."""
    atomic_write(path, json.dumps(data, indent=_indent(like), ensure_ascii=False) + "\n")


def _indent(text: str | None) -> int | str:
    match = re.search(r"^[{\[]\s*\n([ \t]+)\S", text or "")
    if not match:
        return 2
    ws = match.group(1)
    return ws if "\t" in ws else len(ws)


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, keeping its permission bits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
