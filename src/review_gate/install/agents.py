"""``gate install|uninstall claude|codex``: merge review-gate's hook entries into the
agents' settings files, idempotently, and ``gate doctor``'s checks of that wiring.

Which file a scope means is in :mod:`.settings_file`; "local" means this checkout only,
never committed: the file is added to the repository's ``info/exclude`` (Codex has no
per-checkout layer of its own). Entries are ours when their command runs ``gate hook
pre-tool-use|stop`` (:mod:`.hook_files`); everything else in the file is kept as it was.
Codex's extra steps (trust, trusted project, linked worktrees) are in :mod:`.codex`.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from review_gate.errors import GateError
from review_gate.install import bytecode, codex
from review_gate.install import codex_trust as trust
from review_gate.install.codex import codex_trust_args, main_checkout
from review_gate.install.hook_files import MATCHER, merge_hooks, resolve_gate
from review_gate.install.settings_file import (
    AGENT_NAMES,
    AGENTS,
    SCOPES,
    checkout_top,
    read_settings,
    settings_path,
    write_settings,
)
from review_gate.proc import run

if TYPE_CHECKING:
    from review_gate.doctor import Finding

# The names callers have always taken from here (the CLI, the dispatcher, the tests).
__all__ = [
    "AGENTS",
    "AGENT_NAMES",
    "MATCHER",
    "SCOPES",
    "InstallResult",
    "codex_trust_args",
    "doctor_checks",
    "install",
    "main_checkout",
    "merge_hooks",
    "resolve_gate",
    "settings_path",
    "uninstall",
]


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
    merged = merge_hooks(data, gate_path, agent)
    changed = merged != data or text is None
    config_toml = trust.codex_home(env) / "config.toml"
    if agent == "codex":
        trust.saved_state(config_toml)  # invalid TOML: exit 2 before anything is written
    if changed:
        write_settings(path, merged, like=text)
    notes: list[str] = []
    compiled = bytecode.compile_package()
    if compiled:
        notes.append(compiled)
    if scope == "local":
        note = _exclude_locally(path, checkout_top(cwd))
        if note:
            notes.append(note)
    trusted: list[str] = []
    if agent == "codex":
        trusted, codex_notes = codex.install_notes(
            path, merged.get("hooks", {}), config_toml, scope=scope, cwd=cwd,
            trust_hooks=trust_hooks,
        )  # fmt: skip
        notes += codex_notes
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
        untrusted, notes = codex.remove_our_trust(path, data, trust.codex_home(env) / "config.toml")
    if text is None:
        notes += _cleanup(path, scope, cwd)  # leftovers of an earlier uninstall
        return InstallResult(agent, scope, path, False, None, (), tuple(notes), tuple(untrusted))
    merged = merge_hooks(data, None)
    changed = merged != data
    if changed:
        if not merged:
            path.unlink()  # nothing left but what we wrote
        else:
            write_settings(path, merged, like=text)
    notes += _cleanup(path, scope, cwd)
    return InstallResult(agent, scope, path, changed, None, (), tuple(notes), tuple(untrusted))


def _cleanup(path: Path, scope: str, cwd: Path) -> list[str]:
    """The directories and info/exclude lines the install added, once unused."""
    if scope == "user":
        return []
    from review_gate.install import cleanup

    try:
        return cleanup.remove_if_unused(path, checkout_top(cwd))
    except GateError:
        return []


def doctor_checks(cwd: Path) -> list[Finding]:
    """``gate doctor``: for each agent, are our hooks configured, and is their command
    an executable that exists (a hook exiting 127 blocks nothing)?"""
    from review_gate.install.doctor import checks

    return checks(cwd)
