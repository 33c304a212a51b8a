"""Wire the gates into a worker worktree, and the worker's environment.

- Claude Code and Codex hooks: ``gate install claude|codex --scope local`` run inside
  the worktree (``.claude/settings.local.json``, ``.codex/hooks.json``), both added to
  the repository's ``info/exclude`` so they are never committed. Codex gets the hook
  trust (and project trust) per run, on its command line: nothing is saved for the user.
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

from review_gate._proc import run
from review_gate.errors import GateError

_IDENTITY = (
    "REVIEW_GATE_ISSUE",
    "REVIEW_GATE_WORKER_ID",
    "REVIEW_GATE_REPO",
    "REVIEW_GATE_TRACKER",
    "REVIEW_GATE_BASE_BRANCH",
)


class Wiring(NamedTuple):
    agent_args: tuple[str, ...]  # extra arguments for the agent (Codex trust)
    hooks_dir: Path  # where git runs this worktree's hooks from
    notes: tuple[str, ...]


def _ours_everywhere(worktree: Path) -> bool:
    from review_gate.hooks import git_install

    findings = git_install.doctor_checks(worktree)
    return bool(findings) and all(f.ok for f in findings)


def _git_hooks(worktree: Path, state: Path) -> tuple[Path, list[str]]:
    from review_gate.hooks import git_install

    notes: list[str] = []
    if _ours_everywhere(worktree):
        return git_install.hooks_dir(worktree), notes
    shared = git_install.hooks_dir(worktree)
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
    result = git_install.install(worktree, mode="direct", chain=True)
    notes.append(f"git hooks for this worktree in {result.hooks_dir}")
    return result.hooks_dir, notes


def wire(worktree: Path, state: Path, environ: Mapping[str, str] | None = None) -> Wiring:
    """Install the agent and git hooks for ``worktree`` (idempotent)."""
    from review_gate.hooks import install as agent_install

    env = os.environ if environ is None else environ
    notes: list[str] = []
    agent_install.install("claude", scope="local", cwd=worktree, environ=env)
    codex = agent_install.install("codex", scope="local", cwd=worktree, environ=env)
    args = list(agent_install.codex_trust_args(codex.path))
    # Codex loads a project's .codex/ layer only for trusted projects; trust this
    # worktree for this run only.
    projects = json.dumps(str(worktree))
    args += ["-c", f'projects={{{projects}={{trust_level="trusted"}}}}']
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
) -> dict[str, str]:
    """The worker's environment: ours on top of the dispatcher's, ``gate`` on PATH."""
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
    gate_dir = str(Path(gate).parent)
    path = env.get("PATH", os.defpath)
    if gate_dir not in path.split(os.pathsep):
        env["PATH"] = gate_dir + os.pathsep + path
    return env
