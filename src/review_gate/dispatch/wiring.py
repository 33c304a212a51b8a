"""Wire the gates into a worker worktree, and the worker's environment.

- Claude Code hooks: ``gate install claude --scope local`` run inside the worktree
  (``.claude/settings.local.json``, added to the repository's ``info/exclude`` so it is
  never committed).
- Codex hooks go on the worker's command line, nothing is written (:func:`codex_args`):
  Codex 0.169 never reads ``.codex/hooks.json`` of a *linked* worktree (it looks at the
  main checkout's), so a file there would be silently ignored. Session-flag hooks are
  trusted per run with their ``hooks.state`` hash, like any other hook source.
- Git hooks: when the repository's shared hooks directory already runs review-gate's
  pre-push and commit-msg hooks, worktrees inherit them. Otherwise the worktree gets
  its own ``core.hooksPath`` (``extensions.worktreeConfig`` + ``git config
  --worktree``) pointing at ``<state>/hooks/<worktree name>``, holding copies of the
  repository's hooks with review-gate's chained in front. The main checkout's hooks and
  behaviour stay exactly as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from review_gate.errors import GateError, NotAGitRepository
from review_gate.proc import run

_IDENTITY = (
    "REVIEW_GATE_ISSUE",
    "REVIEW_GATE_WORKER_ID",
    "REVIEW_GATE_REPO",
    "REVIEW_GATE_TRACKER",
    "REVIEW_GATE_BASE_BRANCH",
    "REVIEW_GATE_ORCHESTRATION",
)


# Where Codex files hooks given with `-c hooks.<Event>=...`: the trust key's source
# ("<session-flags>/config.toml" resolved against "/", codex-rs hooks discovery).
CODEX_SESSION_SOURCE = Path("/<session-flags>/config.toml")


class Wiring(NamedTuple):
    agent_args: tuple[str, ...]  # extra arguments for the agent (Codex hooks and sandbox)
    hooks_dir: Path  # where git runs this worktree's hooks from
    notes: tuple[str, ...]


def _ours_everywhere(worktree: Path, shared: Path) -> bool:
    from review_gate.install import git as git_install

    findings = git_install.doctor_checks(worktree, shared)
    return bool(findings) and all(f.ok for f in findings)


def _git_hooks(worktree: Path, state: Path) -> tuple[Path, list[str]]:
    from review_gate.install import git as git_install

    notes: list[str] = []
    shared = git_install.hooks_dir(worktree)
    if _ours_everywhere(worktree, shared):
        return shared, notes
    own = state / "hooks" / worktree.name
    own.mkdir(parents=True, exist_ok=True)
    # Keep the repository's own hooks (linters, pre-commit) running in the worktree.
    if shared.is_dir() and shared.resolve() != own.resolve():
        for src in shared.iterdir():
            dest = own / src.name
            if src.name.endswith(".sample") or not src.is_file() or dest.exists():
                continue
            if src.name in git_install.HOOK_TYPES and git_install.is_ours(src):
                continue
            shutil.copy2(src, dest)
    run("git", "config", "extensions.worktreeConfig", "true", cwd=worktree)
    run("git", "config", "--worktree", "core.hooksPath", str(own), cwd=worktree)
    # Where git now runs the worktree's hooks from: `own`, just configured.
    result = git_install.install(worktree, mode="direct", chain=True, directory=own)
    notes.append(f"git hooks for this worktree in {result.hooks_dir}")
    return result.hooks_dir, notes


def _toml(value: object) -> str:
    """``value`` (JSON-like) as a TOML inline value, for Codex's ``-c key=value``."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_toml(str(k))}={_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # JSON string escapes (\", \\, \uXXXX) are valid TOML basic-string escapes.
    return json.dumps(str(value), ensure_ascii=True)


def _git_dirs(worktree: Path) -> tuple[Path, Path]:
    """The worktree's common git directory and its own git directory."""
    from review_gate import git

    try:
        where = git.locate(worktree)
    except GateError:
        raise NotAGitRepository(f"{worktree} is not a git worktree") from None
    return where.common_dir, where.git_dir


def codex_args(worktree: Path, gate: str) -> list[str]:
    """``codex exec`` arguments that wire the gates into a worker in ``worktree``.

    - our PreToolUse and Stop hooks as session flags, trusted for this run only;
    - the worktree trusted as a project for this run, so Codex's default sandbox there is
      workspace-write (read-only otherwise) and the user's own sandbox settings apply;
    - commands run in a plain (non-login) shell: a login shell's /etc/profile resets
      PATH, and the worker would lose ``gate`` (first on the PATH we give it);
    - the sandbox may write the git common directory and this worktree's git directory
      (Codex protects a linked worktree's git directory, so commits would fail, and the
      local tracker lives there) and use the network (push, ``gh``, the GitHub tracker).
    """
    from review_gate.install import agents as agent_install
    from review_gate.install import codex_trust as trust

    hooks: dict[str, list[dict[str, object]]] = agent_install.merge_hooks({}, gate)["hooks"]
    args: list[str] = []
    for event, groups in hooks.items():
        args += ["-c", f"hooks.{event}={_toml(groups)}"]
    args += trust.cli_override(trust.trust_entries(CODEX_SESSION_SOURCE, hooks))
    project = _toml(str(worktree.resolve()))
    args += ["-c", f'projects={{{project}={{trust_level="trusted"}}}}']
    args += ["-c", "allow_login_shell=false"]
    args += ["-c", "sandbox_workspace_write.network_access=true"]
    for directory in _git_dirs(worktree):
        path = str(directory)
        if path not in args:
            args += ["--add-dir", path]
    return args


def wire(worktree: Path, state: Path, environ: Mapping[str, str] | None = None) -> Wiring:
    """Install the agent and git hooks for ``worktree`` (idempotent)."""
    from review_gate.install import agents as agent_install

    env = os.environ if environ is None else environ
    notes: list[str] = []
    agent_install.install("claude", scope="local", cwd=worktree, environ=env)
    args = codex_args(worktree, agent_install.resolve_gate())
    hooks_dir, git_notes = _git_hooks(worktree, state)
    notes += git_notes
    for hook in ("pre-push", "commit-msg"):
        path = hooks_dir / hook
        if not path.is_file() or not os.stat(path).st_mode & stat.S_IXUSR:
            raise GateError(f"the {hook} hook of {worktree} is missing after wiring: {path}")
    return Wiring(tuple(args), hooks_dir, tuple(notes))


def forget_hooks(state: Path, worktree: Path) -> None:
    """Remove the worktree's own hooks directory (after the worktree is gone)."""
    own = state / "hooks" / worktree.name
    if own.is_dir():
        shutil.rmtree(own, ignore_errors=True)


def worker_env(
    *,
    issue: int,
    worker_id: str,
    tracker: str,
    repo: str | None,
    base: str | None,
    gate: str,
    environ: Mapping[str, str] | None = None,
    orchestration: str | None = None,
) -> dict[str, str]:
    """The worker's environment: ours on top of the dispatcher's, ``gate`` on PATH.
    ``REVIEW_GATE_ORCHESTRATION`` names the run that started it (the commit-msg hook's
    ``Orchestration:`` trailer, ``gate new handover``)."""
    env = dict(os.environ if environ is None else environ)
    # The identity of another worker (a dispatcher started from inside a worker) must not leak.
    for key in _IDENTITY:
        env.pop(key, None)
    env["REVIEW_GATE_ISSUE"] = str(issue)
    env["REVIEW_GATE_WORKER_ID"] = worker_id
    env["REVIEW_GATE_TRACKER"] = tracker
    if repo:
        env["REVIEW_GATE_REPO"] = repo
    if base:
        env["REVIEW_GATE_BASE_BRANCH"] = base
    if orchestration:
        env["REVIEW_GATE_ORCHESTRATION"] = orchestration
    env["PATH"] = worker_path(gate, env)
    return env


def worker_path(gate: str, environ: Mapping[str, str] | None = None) -> str:
    """The worker's ``PATH``: ``gate``'s directory first, then the dispatcher's."""
    env = os.environ if environ is None else environ
    gate_dir = str(Path(gate).parent)
    path = env.get("PATH", os.defpath)
    if gate_dir in path.split(os.pathsep):
        return path
    return gate_dir + os.pathsep + path
