"""Codex hook trust: the ``trusted_hash`` of a hook handler and where it is recorded.

Codex runs a discovered hook only once it is trusted (docs/agent-hooks.md, "Wire
protocol"). The hash is SHA-256 of the compact, key-sorted JSON of
``{"event_name": <snake_case event>, "matcher": ..., "hooks": [<handler>]}`` where the
handler has ``timeout`` (default 600) and ``async`` (default false) filled in,
``statusMessage`` only when set, and ``matcher`` is left out for events that ignore
it. Trust is keyed ``"<abs hooks file>:<event>:<group index>:<handler index>"``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from review_gate.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

# Events whose matcher Codex ignores (the matcher is then left out of the hash).
_NO_MATCHER = frozenset({"stop", "user_prompt_submit"})


def snake_event(event: str) -> str:
    """``PreToolUse`` -> ``pre_tool_use``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", event).lower()


def handler_hash(event: str, matcher: str | None, handler: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of one handler, by Codex's recipe."""
    name = snake_event(event)
    normalized: dict[str, Any] = {
        "type": handler.get("type", "command"),
        "command": handler.get("command"),
        "timeout": handler.get("timeout", 600),
        "async": handler.get("async", False),
    }
    if handler.get("statusMessage") is not None:
        normalized["statusMessage"] = handler["statusMessage"]
    identity: dict[str, Any] = {"event_name": name, "hooks": [normalized]}
    if name not in _NO_MATCHER:
        identity["matcher"] = matcher
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def trust_entries(hooks_file: Path, hooks: Mapping[str, Any], only: Any = None) -> dict[str, str]:
    """``{trust key: trusted_hash}`` for the handlers in a hooks.json ``hooks`` table.

    ``only`` is a predicate on a handler; None takes every handler.
    """
    source = str(hooks_file.absolute())
    entries: dict[str, str] = {}
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            continue
        for gi, group in enumerate(groups):
            handlers = group.get("hooks") if isinstance(group, dict) else None
            if not isinstance(handlers, list):
                continue
            matcher = group.get("matcher")
            for hi, handler in enumerate(handlers):
                if not isinstance(handler, dict) or (only is not None and not only(handler)):
                    continue
                key = f"{source}:{snake_event(event)}:{gi}:{hi}"
                entries[key] = handler_hash(event, matcher, handler)
    return entries


def toml_str(text: str) -> str:
    # JSON string escapes (\", \\, \n, \uXXXX) are valid TOML basic-string escapes.
    return json.dumps(text, ensure_ascii=True)


def cli_override(entries: Mapping[str, str]) -> list[str]:
    """``codex`` arguments that trust ``entries`` for one run, saving nothing."""
    inner = ",".join(f"{toml_str(k)}={{trusted_hash={toml_str(v)}}}" for k, v in entries.items())
    return ["-c", f"hooks.state={{{inner}}}"]


def codex_home(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    home = env.get("CODEX_HOME")
    return Path(home) if home else Path(env.get("HOME") or Path.home()) / ".codex"


def _load_toml(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        # Bytes, not read_text(): keep CRLF line ends as they are when the file is edited.
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return "", {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8; left untouched") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML ({exc}); left untouched", hint="fix the file and retry"
        ) from None


def saved_state(config_toml: Path) -> dict[str, str]:
    """``{trust key: trusted_hash}`` saved in a Codex config.toml."""
    _, data = _load_toml(config_toml)
    hooks = data.get("hooks")
    state = hooks.get("state") if isinstance(hooks, dict) else None
    if not isinstance(state, dict):
        return {}
    return {
        k: v["trusted_hash"]
        for k, v in state.items()
        if isinstance(v, dict) and isinstance(v.get("trusted_hash"), str)
    }


def project_trusted(config_toml: Path, project: Path) -> bool:
    """Whether Codex loads the project's own layer (``trust_level = "trusted"``)."""
    _, data = _load_toml(config_toml)
    projects = data.get("projects")
    entry = projects.get(str(project)) if isinstance(projects, dict) else None
    return isinstance(entry, dict) and entry.get("trust_level") == "trusted"


def save_trust(config_toml: Path, entries: Mapping[str, str]) -> list[str]:
    """Record ``entries`` in ``config_toml``; returns the keys written or changed.

    Edits the text (tomllib cannot write): appends one ``[hooks.state."<key>"]`` table
    per new key, or rewrites the ``trusted_hash`` line of a table written that way.
    The result is parsed again before it replaces the file, which is otherwise untouched.
    """
    text, _ = _load_toml(config_toml)
    current = saved_state(config_toml)
    nl = "\r\n" if "\r\n" in text else "\n"
    changed: list[str] = []
    for key, value in entries.items():
        if current.get(key) == value:
            continue
        header = f"[hooks.state.{toml_str(key)}]"
        line = f"trusted_hash = {toml_str(value)}"
        if key in current:
            pattern = re.compile(
                re.escape(header) + r"[ \t]*\r?\n[ \t]*trusted_hash[ \t]*=[^\r\n]*", re.MULTILINE
            )
            replacement = f"{header}{nl}{line}".replace("\\", "\\\\")
            text, count = pattern.subn(replacement, text)
            if count != 1:
                raise ConfigError(
                    f"{config_toml}: cannot update the trust entry for {key}; edit it by hand",
                    hint=f"set its trusted_hash to {value}",
                )
        else:
            if text and not text.endswith("\n"):
                text += nl
            text += f"{nl}{header}{nl}{line}{nl}"
        changed.append(key)
    if not changed:
        return []
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{config_toml}: adding the trust entries would make it invalid TOML ({exc}); "
            "left untouched",
            hint='move any inline `hooks.state = {...}` into [hooks.state."..."] tables',
        ) from None
    state = parsed.get("hooks", {}).get("state", {})
    if any(state.get(k, {}).get("trusted_hash") != v for k, v in entries.items()):
        raise ConfigError(f"{config_toml}: the trust entries did not take; left untouched")
    from review_gate.install.settings_file import atomic_write

    atomic_write(config_toml, text)
    return changed


# A ``[hooks.state."<key>"]`` header (basic or literal string key, optional comment).
_STATE_HEADER = re.compile(
    r"""^[ \t]*\[[ \t]*hooks[ \t]*\.[ \t]*state[ \t]*\.[ \t]*"""
    r"""("(?:[^"\\\n]|\\.)*"|'[^'\n]*')[ \t]*\][ \t]*(?:#.*)?$"""
)
_ANY_HEADER = re.compile(r"^[ \t]*\[")
_BLANK_OR_COMMENT = re.compile(r"^[ \t]*(?:#.*)?$")


def _header_key(line: str) -> str | None:
    match = _STATE_HEADER.match(line)
    if not match:
        return None
    try:
        key = tomllib.loads(f"k = {match.group(1)}")["k"]
    except tomllib.TOMLDecodeError:
        return None
    return key if isinstance(key, str) else None


def _drop_table(lines: list[str], key: str) -> bool:
    """Remove the ``[hooks.state."<key>"]`` table from ``lines``; False if not found.

    The table runs to its last key line before the next header: comments and blank
    lines just above the next header stay with it. One blank separator line goes too,
    so that undoing ``save_trust``'s append gives back the file as it was.
    """
    start = next((i for i, line in enumerate(lines) if _header_key(line) == key), None)
    if start is None:
        return False
    end = start + 1
    while end < len(lines) and not _ANY_HEADER.match(lines[end]):
        end += 1
    while end > start + 1 and _BLANK_OR_COMMENT.match(lines[end - 1]):
        end -= 1
    del lines[start:end]
    if (
        start > 0
        and not lines[start - 1].strip()
        and (start == len(lines) or not lines[start].strip())
    ):
        del lines[start - 1]
    return True


def _without(data: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    """``data`` with ``hooks.state`` entries ``keys`` removed, empty tables pruned."""
    result: dict[str, Any] = json.loads(json.dumps(data, default=str))
    state = result.get("hooks", {}).get("state")
    if isinstance(state, dict):
        for key in keys:
            state.pop(key, None)
    return _prune(result)


def _prune(value: dict[str, Any]) -> dict[str, Any]:
    pruned: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = _prune(item)
            if not item:
                continue
        pruned[key] = item
    return pruned


def remove_trust(config_toml: Path, keys: set[str]) -> list[str]:
    """Remove the ``[hooks.state."<key>"]`` entries ``keys`` from ``config_toml``;
    returns the keys removed (sorted). Everything else in the file is kept as it was.

    Invalid TOML, or an entry written in a form this text edit does not handle (an
    inline table, dotted keys), is a ConfigError and the file is left untouched.
    """
    text, data = _load_toml(config_toml)
    present = sorted(k for k in keys if k in saved_state(config_toml))
    if not present:
        return []
    lines = text.splitlines()
    missing = [k for k in present if not _drop_table(lines, k)]
    newline = "\r\n" if "\r\n" in text else "\n"
    new_text = newline.join(lines) + (newline if lines else "")
    try:
        ok = not missing and _prune(
            json.loads(json.dumps(tomllib.loads(new_text), default=str))
        ) == _without(data, set(present))
    except tomllib.TOMLDecodeError:
        ok = False
    if not ok:
        raise ConfigError(
            f"{config_toml}: cannot remove review-gate's hook trust entries (not written "
            'as [hooks.state."..."] tables); left untouched',
            hint="delete these hooks.state entries by hand, then rerun: " + ", ".join(present),
        )
    if new_text.strip():
        from review_gate.install.settings_file import atomic_write

        atomic_write(config_toml, new_text)
    else:
        config_toml.unlink()  # nothing left but what `--trust` wrote
    return present
