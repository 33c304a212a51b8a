"""``gate install|uninstall claude|codex``: merge review-gate's hook entries into the
agents' settings files, idempotently, and ``gate doctor``'s checks of that wiring.

Files (``scope``):

=========  ===============================  ==========================================
scope      Claude Code                      Codex CLI
=========  ===============================  ==========================================
project    <top>/.claude/settings.json      <top>/.codex/hooks.json
local      <top>/.claude/settings.local.json <top>/.codex/hooks.json, git-excluded
user       ~/.claude/settings.json          $CODEX_HOME/hooks.json (~/.codex)
=========  ===============================  ==========================================

"local" means this checkout only, never committed: the file is added to the
repository's ``info/exclude`` (Codex has no per-checkout layer of its own).
Entries are ours when their command runs ``gate hook pre-tool-use|stop``; everything
else in the file is kept as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from review_gate import git
from review_gate.errors import GateError, UsageError
from review_gate.hooks.checkout import is_our_command
from review_gate.install import codex_trust as trust
from review_gate.proc import run

if TYPE_CHECKING:
    from review_gate.doctor import Finding

AGENTS = ("claude", "codex")
SCOPES = ("project", "local", "user")
AGENT_NAMES = {"claude": "Claude Code", "codex": "Codex"}
# Shell commands, plus every MCP tool: the hook itself decides by name which MCP tools
# create a pull request (see agent.is_pr_tool), so a server naming its tool
# differently is still gated. Anchored regex: valid for Claude Code (JS) and Codex (Rust).
MATCHER = "^(Bash|mcp__.*)$"
TIMEOUT = 30
EVENTS = (("PreToolUse", "pre-tool-use", MATCHER), ("Stop", "stop", None))


class InstallResult(NamedTuple):
    agent: str
    scope: str
    path: Path
    changed: bool
    command: str | None  # the hook command line prefix (without the event)
    trusted: tuple[str, ...] = ()  # Codex trust keys written to config.toml
    notes: tuple[str, ...] = ()
    untrusted: tuple[str, ...] = ()  # Codex trust keys removed from config.toml

    def to_json(self) -> dict[str, Any]:
        return {
            **self._asdict(),
            "path": str(self.path),
            "trusted": list(self.trusted),
            "notes": list(self.notes),
            "untrusted": list(self.untrusted),
        }


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


def _top(cwd: Path) -> Path:
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
        return _top(cwd) / ".claude" / name
    if scope == "user":
        return trust.codex_home(env) / "hooks.json"
    return _top(cwd) / ".codex" / "hooks.json"


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


def _ours(handler: object) -> bool:
    return isinstance(handler, dict) and is_our_command(handler.get("command"))


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
            handler = _handler(gate, arg)
            wanted = {"matcher": matcher, "hooks": [handler]} if matcher else {"hooks": [handler]}
        groups = hooks.get(event, [])
        kept: list[dict[str, Any]] = []
        placed = False
        for group in groups:
            handlers = group.get("hooks")
            if not isinstance(handlers, list) or not any(_ours(h) for h in handlers):
                kept.append(group)
                continue
            others = [h for h in handlers if not _ours(h)]
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


def _exclude_locally(path: Path, top: Path) -> str | None:
    """Add ``path`` to the repository's info/exclude unless tracked; returns a note."""
    rel = path.relative_to(top).as_posix()
    rc, _, _ = run("git", "ls-files", "--error-unmatch", rel, cwd=top, check=False)
    if rc == 0:
        return f"{rel} is tracked by git: changes to it will show in `git status`"
    _, out, _ = run("git", "rev-parse", "--git-path", "info/exclude", cwd=top)
    exclude = Path(out.strip())
    exclude = exclude if exclude.is_absolute() else top / exclude
    line = f"/{rel}"
    existing = exclude.read_text(encoding="utf-8") if exclude.exists() else ""
    if line not in existing.splitlines():
        sep = "" if not existing or existing.endswith("\n") else "\n"
        exclude.parent.mkdir(parents=True, exist_ok=True)
        exclude.write_text(f"{existing}{sep}{line}\n", encoding="utf-8")
    return None


def install(
    agent: str,
    *,
    scope: str = "local",
    cwd: Path = Path("."),
    gate: str | None = None,
    trust_hooks: bool = False,
    environ: Mapping[str, str] | None = None,
) -> InstallResult:
    """Merge our PreToolUse and Stop entries into ``agent``'s settings for ``scope``."""
    env = os.environ if environ is None else environ
    path = settings_path(agent, scope, cwd, env)
    data, text = read_settings(path)
    gate_path = resolve_gate(gate)
    merged = merge_hooks(data, gate_path)
    changed = merged != data or text is None
    config_toml = trust.codex_home(env) / "config.toml"
    if agent == "codex":
        trust.saved_state(config_toml)  # invalid TOML: exit 2 before anything is written
    if changed:
        atomic_write(path, json.dumps(merged, indent=_indent(text), ensure_ascii=False) + "\n")
    notes: list[str] = []
    if scope == "local":
        note = _exclude_locally(path, _top(cwd))
        if note:
            notes.append(note)
    trusted: list[str] = []
    if agent == "codex":
        entries = trust.trust_entries(path, merged.get("hooks", {}), only=_ours)
        if trust_hooks:
            trusted = trust.save_trust(config_toml, entries)
        elif any(trust.saved_state(config_toml).get(k) != v for k, v in entries.items()):
            notes.append(
                "Codex runs a hook only once it is trusted: rerun with --trust to record "
                f"the hashes in {config_toml}, or trust them for one run with `codex -c "
                'hooks.state={...}` (see "Codex runs a hook only once it is trusted" in '
                "docs/agent-hooks.md)"
            )
        main = main_checkout(cwd) if scope != "user" else None
        if main is not None:
            notes.append(linked_worktree_note(path, main))
        elif scope != "user" and not trust.project_trusted(config_toml, _top(cwd)):
            notes.append(
                f"Codex loads {path} only for a trusted project: add "
                f'[projects."{_top(cwd)}"] trust_level = "trusted" to {config_toml}'
            )
    return InstallResult(
        agent, scope, path, changed, shlex.quote(gate_path) + " hook", tuple(trusted), tuple(notes)
    )


def uninstall(
    agent: str,
    *,
    scope: str = "local",
    cwd: Path = Path("."),
    environ: Mapping[str, str] | None = None,
) -> InstallResult:
    """Remove exactly our entries from ``agent``'s settings for ``scope`` and, for
    Codex, the ``trusted_hash`` entries that ``--trust`` recorded for them."""
    env = os.environ if environ is None else environ
    path = settings_path(agent, scope, cwd, env)
    data, text = read_settings(path)
    untrusted: list[str] = []
    notes: list[str] = []
    if agent == "codex":
        # config.toml first: once our entries are gone from hooks.json, nothing says
        # which trust keys were theirs, so a failure here must leave both files as they were.
        config_toml = trust.codex_home(env) / "config.toml"
        untrusted = trust.remove_trust(config_toml, _our_trust_keys(path, data, config_toml))
        if untrusted:
            notes.append(
                f"removed {len(untrusted)} trust entr{'y' if len(untrusted) == 1 else 'ies'} "
                f"for review-gate's hooks from {config_toml}"
            )
    if text is None:
        return InstallResult(agent, scope, path, False, None, (), tuple(notes), tuple(untrusted))
    merged = merge_hooks(data, None)
    changed = merged != data
    if changed:
        if not merged:
            path.unlink()  # nothing left but what we wrote
        else:
            atomic_write(path, json.dumps(merged, indent=_indent(text), ensure_ascii=False) + "\n")
    return InstallResult(agent, scope, path, changed, None, (), tuple(notes), tuple(untrusted))


def _our_trust_keys(path: Path, data: Mapping[str, Any], config_toml: Path) -> set[str]:
    """The trust keys in ``config_toml`` that belong to review-gate's hooks in ``path``:
    the keys of our handlers' positions, and any key of this file whose hash is that of
    one of our handlers (an entry left behind when our group moved, or the file went)."""
    hooks = data.get("hooks", {})
    keys = set(trust.trust_entries(path, hooks, only=_ours))
    commands = {
        h.get("command")
        for groups in hooks.values()
        for group in groups
        if isinstance(group.get("hooks"), list)
        for h in group["hooks"]
        if _ours(h)
    }
    gates = {shlex.split(c)[0] for c in commands if isinstance(c, str) and _splits(c)}
    with contextlib.suppress(GateError):  # the gate a new install would write
        gates.add(resolve_gate())
    ours = {
        trust.handler_hash(event, matcher, _handler(gate_path, arg))
        for gate_path in gates
        for event, arg, matcher in EVENTS
    }
    prefix = f"{path.absolute()}:"
    keys.update(
        k for k, v in trust.saved_state(config_toml).items() if k.startswith(prefix) and v in ours
    )
    return keys


def _splits(command: str) -> bool:
    try:
        return bool(shlex.split(command))
    except ValueError:
        return False


def _handler(gate: str, arg: str) -> dict[str, Any]:
    return {"type": "command", "command": hook_command(gate, arg), "timeout": TIMEOUT}


def main_checkout(cwd: Path) -> Path | None:
    """The repository's main working tree when ``cwd`` is in a linked worktree
    (``git worktree add``; its ``.git`` is a file), else None."""
    rc, out, _ = run(
        "git",
        "rev-parse",
        "--path-format=absolute",
        "--git-dir",
        "--git-common-dir",
        cwd=cwd,
        check=False,
    )
    dirs = out.split("\n")
    if rc != 0 or len(dirs) < 2 or Path(dirs[0]).resolve() == Path(dirs[1]).resolve():
        return None  # not a repository, the main checkout, or a submodule
    rc, out, _ = run("git", "worktree", "list", "--porcelain", cwd=cwd, check=False)
    first = out.split("\n", 1)[0]
    if rc == 0 and first.startswith("worktree "):
        return Path(first[len("worktree ") :])
    return Path(dirs[1]).parent


def linked_worktree_note(path: Path, main: Path) -> str:
    """Why a worktree's own ``.codex/hooks.json`` does nothing, and what to do instead."""
    return (
        f"this is a linked git worktree, and Codex does not read {path} here (it reads "
        f"the main checkout's {main / '.codex' / 'hooks.json'}): Codex runs none of these "
        f"hooks in this worktree. Install them in the main checkout (`gate install codex "
        f"-C {shlex.quote(str(main))} --trust`) or for the user (`gate install codex --scope "
        "user --trust`), or start Codex here with `gate dispatch`, which passes the hooks "
        "per run"
    )


def codex_trust_args(hooks_file: Path) -> list[str]:
    """``codex`` arguments that trust our entries in ``hooks_file`` for one run
    (``-c hooks.state={...}``), saving nothing: for workers the dispatcher starts."""
    data, _ = read_settings(hooks_file)
    return trust.cli_override(trust.trust_entries(hooks_file, data.get("hooks", {}), only=_ours))


def doctor_checks(cwd: Path) -> list[Finding]:
    """``gate doctor``: for each agent, are our hooks configured, and is their command
    an executable that exists (a hook exiting 127 blocks nothing)?"""
    from review_gate.install.doctor import checks

    return checks(cwd)
