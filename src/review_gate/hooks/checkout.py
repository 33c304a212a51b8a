"""What the agent hooks need to know about the checkout a tool call runs in.

Loaded only on the slow path (a command that might matter, or a Stop).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from review_gate import git
from review_gate.config import CONFIG_FILE, Config
from review_gate.install.hook_files import OUR_COMMAND as _OUR_COMMAND
from review_gate.install.hook_files import PROJECT_HOOK_FILES
from review_gate.proc import run
from review_gate.target import Repository


def hook_cwd(data: Mapping[str, Any]) -> Path:
    """The directory the tool call runs in: the tool's own ``workdir`` (Codex's shell tool
    takes one), relative to the session's ``cwd``; else ``cwd``; else our own."""
    cwd = data.get("cwd")
    base = Path(cwd) if isinstance(cwd, str) and cwd and "\0" not in cwd else Path(os.getcwd())
    tool_input = data.get("tool_input")
    if isinstance(tool_input, dict):
        workdir = tool_input.get("workdir")
        if isinstance(workdir, str) and workdir and "\0" not in workdir:
            return base / workdir
    return base


def holding_checkout(directory: Path) -> Path:
    """The directory to open the checkout that holds ``directory`` from: the work tree
    above a ``.git`` component (inside the git directory git finds no work tree, and
    the checkout would look ungated), else ``directory`` itself. The one rule for the
    file tools' targets and the shell's working directory."""
    parts = directory.parts
    if ".git" not in parts:
        return directory
    at = parts.index(".git")
    return Path(*parts[:at]) if at else Path("." if not directory.is_absolute() else "/")


def from_checkout_top(data: Mapping[str, Any], command: str) -> tuple[dict[str, Any], str] | None:
    """A shell call made inside a git directory (``.git/hooks``), as the same call made
    from the work tree: ``(data, command)`` with ``cwd`` the work tree and the command
    preceded by ``cd .git/hooks``, so that its relative paths (``rm pre-push``) are seen
    for what they are. None for a call made anywhere else."""
    import os
    import shlex

    directory = Path(os.path.realpath(hook_cwd(data)))  # `.git/../../other/.git/hooks`
    top = holding_checkout(directory)
    if top == directory:
        return None
    inner = directory.relative_to(top)
    tool_input = {k: v for k, v in dict(data.get("tool_input") or {}).items() if k != "workdir"}
    moved = {**data, "cwd": str(top), "tool_input": tool_input}
    return moved, f"cd {shlex.quote(str(inner))}\n{command}"


def in_git_checkout(cwd: Path) -> bool:
    if not cwd.is_dir():
        return False
    rc, _, _ = run("git", "rev-parse", "--is-inside-work-tree", cwd=cwd, check=False)
    return rc == 0


def _project_hooks_installed(top: Path) -> bool:
    for rel in PROJECT_HOOK_FILES:
        try:
            text = (top / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if _OUR_COMMAND.search(text):
            return True
    return False


def _pyproject_table(top: Path) -> bool:
    # Reading the checkout here can only add protection, never remove it.
    try:
        text = (top / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "[tool.review-gate" in text


def gated_reason(repo: Repository, config: Config) -> str | None:
    """Why the checkout ``repo`` is *gated* (review-gate is in charge of it), or None.

    A checkout is gated when any of these holds: the environment names the issue or
    the worker (REVIEW_GATE_ISSUE / REVIEW_GATE_WORKER_ID, as the dispatcher sets
    them); the branch is a worker branch (the trusted ``worker_branch_pattern``); the
    repository has a review-gate configuration (committed on the base branch, or a
    .review-gate.toml in the checkout); or review-gate's agent hooks are installed in the
    checkout itself (project or local scope). A user-wide install alone does not gate
    every repository on the machine.
    """
    if config.issue is not None:
        return f"issue #{config.issue} is set ({config.sources.get('issue', 'config')})"
    if config.worker_id:
        return f"worker {config.worker_id} is set ({config.sources.get('worker_id', 'config')})"
    if repo.checkout is None:
        return None
    branch = repo.branch
    if git.issue_from_branch(branch, config.worker_branch_pattern) is not None:
        return f"branch {branch} is a worker branch"
    top = repo.checkout.top
    if config.config_file or (top / CONFIG_FILE).is_file() or _pyproject_table(top):
        return "the repository has a review-gate configuration"
    if _project_hooks_installed(top):
        return "review-gate's agent hooks are installed in this checkout"
    return None
