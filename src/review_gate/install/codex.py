"""What installing the hooks for Codex takes beyond writing hooks.json.

Codex runs a hook only once it is trusted (a hash recorded in ``config.toml``, see
:mod:`.codex_trust`), reads a project's ``.codex/hooks.json`` only for a trusted project,
and in a linked git worktree reads the main checkout's file instead of the worktree's.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from review_gate.errors import GateError
from review_gate.install import codex_appserver as appserver
from review_gate.install import codex_trust as trust
from review_gate.install.hook_files import (
    LEGACY_MATCHERS,
    events,
    handler,
    is_our_command,
    is_ours,
    resolve_gate,
)
from review_gate.install.settings_file import checkout_top, read_settings
from review_gate.proc import run


def install_notes(
    path: Path, hooks: Mapping[str, Any], config_toml: Path, *, scope: str, cwd: Path,
    trust_hooks: bool,
) -> tuple[list[str], list[str]]:  # fmt: skip
    """After our entries are in ``path``: record their trust (``trust_hooks``) and say
    what else Codex needs before it runs them. Returns (trust keys written, notes)."""
    notes: list[str] = []
    trusted: list[str] = []
    entries = trust.trust_entries(path, hooks, only=is_ours)
    if trust_hooks:
        trusted, how = _record_trust(path, entries, config_toml, checkout_top(cwd))
        notes.append(how)
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
    elif scope != "user" and not trust.project_trusted(config_toml, checkout_top(cwd)):
        notes.append(
            f"Codex loads {path} only for a trusted project: add "
            f'[projects."{checkout_top(cwd)}"] trust_level = "trusted" to {config_toml}'
        )
    return trusted, notes


def trust_override(project: Path) -> list[str]:
    """``-c`` arguments under which Codex loads ``project``'s own layer for one run (so
    ``hooks/list`` shows its hooks), trusting nothing for good."""
    key = trust.toml_str(str(project))
    return ["-c", f"projects.{key}.trust_level={trust.toml_str('trusted')}"]


def listed_ours(path: Path, listed: list[appserver.ListedHook]) -> list[appserver.ListedHook]:
    """Our handlers in hooks file ``path`` among the hooks Codex lists."""
    source = path.resolve()
    return [
        h for h in listed if Path(h.source_path).resolve() == source and is_our_command(h.command)
    ]


def _record_trust(
    path: Path, entries: Mapping[str, str], config_toml: Path, project: Path
) -> tuple[list[str], str]:
    """Trust our handlers in ``path``: through Codex's app-server when it offers
    ``hooks/list`` (Codex's own hashes), else by review-gate's copy of the hash recipe.
    Returns (trust keys written or confirmed, a note saying which way it was done)."""
    try:
        codex = [*appserver.codex_command(), *trust_override(project)]
        listed = listed_ours(path, appserver.list_hooks(codex, project))
        if len(listed) != len(entries):
            why = f"hooks/list shows {len(listed)} of review-gate's {len(entries)} hooks in {path}"
            if not listed and not trust.project_trusted(config_toml, project):
                why = "the project is not trusted yet, so Codex does not list its hooks"
            raise appserver.Unavailable(why)
        after = listed_ours(path, appserver.trust_hooks(codex, project, listed, config_toml))
        left = [h.key for h in after if h.trust_status != "trusted"]
        if left:
            raise appserver.Unavailable(f"Codex still lists {', '.join(left)} as not trusted")
    except appserver.Unavailable as exc:
        written = trust.save_trust(config_toml, entries)
        return written, (
            f"trust recorded in {config_toml} with review-gate's own computation of Codex's "
            f"hook hash (fallback: {exc}); `gate doctor` labels it"
        )
    return [h.key for h in listed], (
        f"trust recorded in {config_toml} through Codex's app-server (hooks/list, "
        "config/batchWrite), with the hashes Codex computed"
    )


def remove_our_trust(
    path: Path, data: Mapping[str, Any], config_toml: Path
) -> tuple[list[str], list[str]]:
    """Remove the trust entries of our hooks in ``path`` from ``config_toml``.
    Returns (trust keys removed, notes)."""
    untrusted = trust.remove_trust(config_toml, _our_trust_keys(path, data, config_toml))
    notes: list[str] = []
    if untrusted:
        notes.append(
            f"removed {len(untrusted)} trust entr{'y' if len(untrusted) == 1 else 'ies'} "
            f"for review-gate's hooks from {config_toml}"
        )
    return untrusted, notes


def _our_trust_keys(path: Path, data: Mapping[str, Any], config_toml: Path) -> set[str]:
    """The trust keys in ``config_toml`` that belong to review-gate's hooks in ``path``:
    the keys of our handlers' positions, and any key of this file whose hash is that of
    one of our handlers (an entry left behind when our group moved, or the file went)."""
    hooks = data.get("hooks", {})
    keys = set(trust.trust_entries(path, hooks, only=is_ours))
    commands = {
        h.get("command")
        for groups in hooks.values()
        for group in groups
        if isinstance(group.get("hooks"), list)
        for h in group["hooks"]
        if is_ours(h)
    }
    gates = {shlex.split(c)[0] for c in commands if isinstance(c, str) and _splits(c)}
    with contextlib.suppress(GateError):  # the gate a new install would write
        gates.add(resolve_gate())
    ours = {
        trust.handler_hash(event, variant, handler(gate_path, arg))
        for gate_path in gates
        for event, arg, matcher in events("codex")
        for variant in ((matcher, *LEGACY_MATCHERS) if matcher else (None,))
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
    return trust.cli_override(trust.trust_entries(hooks_file, data.get("hooks", {}), only=is_ours))
