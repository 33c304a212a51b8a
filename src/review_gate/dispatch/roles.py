"""Worker roles: what an ``implement``, ``review`` or ``research`` worker may do.

A role scopes a worker three times over, so that no single layer has to hold:

1. **The agent's own tool list** (:func:`claude_args`, :func:`codex_args`): Claude Code's
   ``--allowedTools`` / ``--disallowedTools``, Codex's sandbox.
2. **Our PreToolUse hook** (``hooks/worker_role.py``): a review or research worker's file
   edits (Write, Edit, MultiEdit, NotebookEdit, apply_patch) are denied, and its shell
   commands pass only when every simple command of the parsed line is on a read-only
   allowlist with literal words (``hooks/read_only_shell.py``, ``hooks/read_only_git.py``),
   whatever the agent's tool list says.
3. **The worktree's pre-push hook** (:func:`wire`): a review or research worktree gets
   its own hooks directory whose ``pre-push`` refuses every push.

The role is recorded in the WORKER claim and in the dispatcher's pid record
(``<git-common-dir>/review-gate/workers/<worker id>.json``), which the hook reads.

Claude Code's research scope: reading and searching (Read, Grep, Glob, WebFetch,
WebSearch) and Bash only for read-only git (``git log``, ``git show``, ``git diff``,
``git status``, ``git rev-parse``, ``git branch --show-current``), reading issues and pull requests
(``gh issue view``, ``gh pr view``, ``gh pr diff``, ``gate issue show``) and posting
the findings (``gh issue comment``, ``gate issue comment``, with ``gate new`` and
``gate validate`` to draft and check them). ``gh api`` is left out on purpose: it takes
any method (``-X POST``, ``-f``) on any endpoint, so a prefix rule cannot keep it
read-only; ``gh issue view`` / ``gh pr view`` cover what a researcher reads.
A review worker has the same, plus the project's test and lint commands
(configuration key ``review_commands``, :data:`DEFAULT_REVIEW_COMMANDS`).
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from pathlib import Path

from review_gate import config_values
from review_gate.dispatch import wiring
from review_gate.errors import UsageError
from review_gate.proc import run

ROLES = ("implement", "review", "research")
#: Roles that may not change the branch: no edits, no commits, no pushes.
READ_ONLY_ROLES = frozenset({"review", "research"})

# Tools of an implementing worker (the standard worker of docs/dispatch.md).
IMPLEMENT_TOOLS = ("Bash", "Read", "Edit", "Write", "Grep", "Glob", "WebFetch", "WebSearch")
# Tools no review or research worker gets, whatever else is allowed.
EDIT_TOOLS = ("Edit", "Write", "MultiEdit", "NotebookEdit")
READ_TOOLS = ("Read", "Grep", "Glob", "WebFetch", "WebSearch")
# Read-only shell commands, as Claude Code `Bash(<prefix>:*)` rules.
READ_COMMANDS = (
    "git log",
    "git show",
    "git diff",
    "git status",
    "git rev-parse",
    "git branch --show-current",
    "git ls-files",
    "gh issue view",
    "gh issue comment",
    "gh pr view",
    "gh pr diff",
    "gate issue show",
    "gate issue comment",
    "gate new",
    "gate validate",
)
#: The project's test and lint commands a review worker may run (``review_commands``).
DEFAULT_REVIEW_COMMANDS = config_values.DEFAULT_REVIEW_COMMANDS


def check_role(role: str) -> str:
    """``role`` when it is one of :data:`ROLES`, else a usage error."""
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    return role


def _bash(prefixes: Sequence[str]) -> list[str]:
    return [f"Bash({prefix}:*)" for prefix in prefixes]


def claude_tools(role: str, review_commands: Sequence[str] = DEFAULT_REVIEW_COMMANDS) -> str:
    """The ``--allowedTools`` value for a Claude Code worker of ``role``."""
    if role == "implement":
        return ",".join(IMPLEMENT_TOOLS)
    commands = list(READ_COMMANDS)
    if role == "review":
        commands += [c for c in review_commands if c not in commands]
    return ",".join([*READ_TOOLS, *_bash(commands)])


def claude_args(role: str, review_commands: Sequence[str] = DEFAULT_REVIEW_COMMANDS) -> list[str]:
    """Claude Code's tool-scope arguments for ``role``."""
    args = ["--allowedTools", claude_tools(role, review_commands)]
    if role in READ_ONLY_ROLES:
        args += ["--disallowedTools", ",".join(EDIT_TOOLS)]
    return args


def codex_args(
    role: str, worktree: Path, gate: str, *, state: Path, local_tracker: bool
) -> list[str]:
    """``codex exec`` arguments for a worker of ``role`` in ``worktree``.

    An implementer gets :func:`.wiring.codex_args` (the worktree's sandbox may write its
    git directories). A review or research worker runs in the ``workspace-write``
    sandbox *without* those: the worktree's git directory stays read-only, so ``git
    commit`` fails in the sandbox itself (``index.lock``) as well as in our hook. Not
    ``--sandbox read-only``: it also blocks the network and every write outside the
    worktree, so the worker could neither post its REVIEW or findings (``gh`` needs the
    network, the local tracker writes ``<git-common-dir>/review-gate``) nor run a test
    suite that writes a cache. With the local tracker that directory is added, and with
    it the worker's pid record: locally the sandbox guards against accidents, not
    against a determined process (docs/dispatch.md, "Roles").
    """
    args = wiring.codex_args(worktree, gate)
    if role not in READ_ONLY_ROLES:
        return args
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--add-dir":
            skip = True
            continue
        kept.append(arg)
    kept += ["--sandbox", "workspace-write"]
    if local_tracker:
        kept += ["--add-dir", str(state)]
    return kept


_REFUSING_PRE_PUSH = """#!/bin/sh
# review-gate: the pre-push hook of a {role} worker's worktree (gate dispatch)
echo "review-gate: this worktree belongs to a {role} worker ({worker_id}); it never pushes" >&2
echo "  hint: a {role} worker reports in an issue comment; an implement worker pushes" >&2
exit 1
"""


def wire(
    worktree: Path, state: Path, role: str, worker_id: str, *, local_tracker: bool
) -> wiring.Wiring:
    """Wire the gates into ``worktree`` as :func:`.wiring.wire` does; for a review or
    research worker, also give the worktree its own hooks directory whose pre-push
    refuses every push (the repository's other hooks are copied, the main checkout and
    other worktrees keep theirs)."""
    from review_gate.install.hook_files import resolve_gate

    wired = wiring.wire(worktree, state)
    if role not in READ_ONLY_ROLES:
        return wired
    agent_args = codex_args(
        role, worktree, resolve_gate(), state=state, local_tracker=local_tracker
    )
    own = state / "hooks" / worktree.name
    own.mkdir(parents=True, exist_ok=True)
    if wired.hooks_dir.resolve() != own.resolve():
        for src in wired.hooks_dir.iterdir() if wired.hooks_dir.is_dir() else ():
            dest = own / src.name
            if src.is_file() and not src.name.endswith(".sample") and not dest.exists():
                dest.write_bytes(src.read_bytes())
                dest.chmod(src.stat().st_mode)
        run("git", "config", "extensions.worktreeConfig", "true", cwd=worktree)
        run("git", "config", "--worktree", "core.hooksPath", str(own), cwd=worktree)
    hook = own / "pre-push"
    hook.write_text(_REFUSING_PRE_PUSH.format(role=role, worker_id=worker_id), encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    note = f"{role} worker: {hook} refuses every push"
    return wiring.Wiring(tuple(agent_args), own, (*wired.notes, note))


def is_read_only(role: str | None) -> bool:
    return role in READ_ONLY_ROLES
