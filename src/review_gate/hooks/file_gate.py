"""The slow half of the file-tool check: deny a write to one of the gate's own files.

Reached only for a path that :mod:`.file_targets` could not rule out by its name. Which
files are the gate's own is :mod:`review_gate.protected`'s rule; this module supplies the
facts it needs (the checkout the path is in, the home directories, review-gate's
installation) and the policy: a write is denied when the checkout is gated and
``protect`` is on, as the shell tamper checks do (:mod:`.pr_gate`). A configuration that
cannot be read counts as gated: ``protect`` is on by default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from review_gate.errors import GateError
from review_gate.hooks import checkout as ctx
from review_gate.protected import own_installs, protected_reason
from review_gate.target import Repository, checkout_policy

_PREFIX = "review-gate: "
# What a directory that a move or removal takes away may hold (relative to it): probed
# with the same rule, so that moving `.claude/` away counts as removing its settings.
_HELD = (
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".codex/hooks.json",
    ".codex/config.toml",
    "settings.json",
    "settings.local.json",
    "hooks.json",
    "config.toml",
    ".review-gate.toml",
    ".pre-commit-config.yaml",
    "pyproject.toml",
)


class _Checkout(NamedTuple):
    """One checkout's facts and whether the gate is in charge of it (None: it is not)."""

    top: str | None
    git_dir: str | None
    common_dir: str | None
    gated: str | None


def _checkout(directory: Path, environ: Mapping[str, str]) -> _Checkout:
    try:
        repo = Repository(directory)
    except GateError as exc:  # git failed: nothing is known, so the gate is in charge
        return _Checkout(None, None, None, f"the checkout could not be read ({exc})")
    facts = repo.checkout
    top, git_dir, common = (
        (str(facts.top), str(facts.git_dir), str(facts.common_dir)) if facts else (None,) * 3
    )
    try:
        config = checkout_policy(repo, environ)[0]
        if not config.protect:
            return _Checkout(top, git_dir, common, None)
        gated = ctx.gated_reason(repo, config)
    except GateError as exc:
        gated = f"its configuration could not be read ({exc})"
    return _Checkout(top, git_dir, common, gated)


def _home_expanded(path: str, environ: Mapping[str, str]) -> str:
    """``path`` with a leading ``~`` expanded as a tool may (the protected-file rule in
    review_gate/protected.py does the same), so both judge one file."""
    if not path.startswith("~"):
        return path
    if path == "~" or path.startswith("~/"):
        return (environ.get("HOME") or os.path.expanduser("~")) + path[1:]
    return os.path.expanduser(path)


def _target_dir(full: str) -> Path:
    """The directory whose checkout holds ``full``: the work tree above a ``.git``
    component (git answers nothing inside the git directory), else the nearest existing
    directory."""
    if ".git" in full.split(os.sep):
        return ctx.holding_checkout(Path(full))
    path = Path(full)
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


def _what(
    path: str, away: bool, cwd: str, facts: _Checkout, environ: Mapping[str, str]
) -> str | None:
    """Why ``path`` is one of the gate's own files in the checkout ``facts``, or None."""
    home = environ.get("HOME") or os.path.expanduser("~")
    kwargs: dict[str, Any] = {
        "cwd": cwd,
        "top": facts.top,
        "git_dir": facts.git_dir,
        "common_dir": facts.common_dir,
        "home": home,
        "codex_home": environ.get("CODEX_HOME") or None,
        "installs": own_installs(),
    }
    full = os.path.realpath(os.path.join(cwd, path))
    # The resolved path too: a link named like an ordinary file may point at a protected one.
    found = protected_reason(path, **kwargs) or protected_reason(full, **kwargs)
    if found:
        return found
    config_dir = environ.get("CLAUDE_CONFIG_DIR")
    if config_dir:  # Claude Code's user settings live there instead of ~/.claude
        for name in ("settings.json", "settings.local.json"):
            if full == os.path.realpath(os.path.join(config_dir, name)):
                return f"$CLAUDE_CONFIG_DIR/{name} (the gate's own settings)"
    if away and os.path.isdir(full):
        for held in _HELD:
            inner = protected_reason(os.path.join(full, held), **kwargs)
            if inner:
                return f"a directory holding {inner}"
    return None


def gate_file_write(
    tool: str,
    paths: Sequence[str],
    away: bool,
    data: Mapping[str, Any],
    environ: Mapping[str, str],
) -> str | None:
    """The deny reason for a file tool call that writes (``away``: moves or removes) one
    of the gate's own files in a gated checkout, or None."""
    base = ctx.hook_cwd(data)  # paths are relative to it, even when it does not exist
    checkouts: dict[str, _Checkout] = {}

    def checkout_at(directory: Path) -> _Checkout:
        key = str(directory)
        if key not in checkouts:
            checkouts[key] = _checkout(directory, environ)
        return checkouts[key]

    session = checkout_at(_target_dir(str(base)))
    denied: list[str] = []
    why: str | None = None
    for given in dict.fromkeys(p for p in paths if p and "\0" not in p):
        path = _home_expanded(given, environ)
        full = os.path.realpath(os.path.join(base, path))
        found = [(session, _what(path, away, str(base), session, environ))]
        target_dir = _target_dir(full)
        if session.top is None or not (str(target_dir) + os.sep).startswith(
            os.path.realpath(session.top) + os.sep
        ):
            other = checkout_at(target_dir)
            if other.top != session.top:
                found.append((other, _what(path, away, str(base), other, environ)))
        for facts, what in found:
            gated = facts.gated or session.gated
            if what and gated:
                denied.append(f"{given}: {what}")
                why = why or gated
                break
    if not denied:
        return None
    return (
        f"{_PREFIX}this {tool} call would change {'; '.join(denied)}, and review-gate is "
        f"in charge of this checkout ({why}). The gate's own settings, hooks and "
        "configuration cannot be changed by the agent it gates: ask the human operator to "
        "make this change."
    )
