"""What the agent hooks need to know about the checkout a tool call runs in.

Loaded only on the slow path (a command that might matter, or a Stop).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from review_gate import git
from review_gate.config import CONFIG_FILE, Config, find_root
from review_gate.proc import run

# Hook files `gate install` writes inside a checkout (relative to its top level).
PROJECT_HOOK_FILES = (".claude/settings.json", ".claude/settings.local.json", ".codex/hooks.json")
_OUR_COMMAND = re.compile(
    r"""(?:^|[/\\\s"'])gate(?:\.exe)?["']?\s+hook\s+(?:pre-tool-use|stop)\b"""
)


def is_our_command(command: object) -> bool:
    """Whether a hook handler's command line runs ``gate hook pre-tool-use|stop``."""
    return isinstance(command, str) and bool(_OUR_COMMAND.search(command))


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


def gated_reason(cwd: Path, config: Config) -> str | None:
    """Why the checkout at ``cwd`` is *gated* (review-gate is in charge of it), or None.

    A checkout is gated when any of these holds: the environment names the issue or
    the worker (REVIEW_GATE_ISSUE / REVIEW_GATE_WORKER_ID, as the dispatcher sets
    them); the branch is a worker branch (``worker_branch_pattern``); the repository
    has a review-gate configuration (.review-gate.toml or [tool.review-gate]); or
    review-gate's agent hooks are installed in the checkout itself (project or local
    scope). A user-wide install alone does not gate every repository on the machine.
    """
    if config.issue is not None:
        return f"issue #{config.issue} is set ({config.sources.get('issue', 'config')})"
    if config.worker_id:
        return f"worker {config.worker_id} is set ({config.sources.get('worker_id', 'config')})"
    if not in_git_checkout(cwd):
        return None
    branch = git.current_branch(cwd)
    if git.issue_from_branch(branch, config.worker_branch_pattern) is not None:
        return f"branch {branch} is a worker branch"
    root = find_root(cwd)
    if (root / CONFIG_FILE).is_file() or any(
        "[tool.review-gate]" in source for source in config.sources.values()
    ):
        return "the repository has a review-gate configuration"
    top = git.toplevel(cwd)
    if _project_hooks_installed(top):
        return "review-gate's agent hooks are installed in this checkout"
    return None


def issue_for_checkout(cwd: Path, config: Config) -> int | None:
    """The issue this checkout works on: REVIEW_GATE_ISSUE / config, else the branch name."""
    if config.issue is not None:
        return config.issue
    if not in_git_checkout(cwd):
        return None
    return git.issue_from_branch(git.current_branch(cwd), config.worker_branch_pattern)


def resolve_commit(cwd: Path, ref: str) -> str | None:
    """The commit ``ref`` names in the checkout at ``cwd``, or None."""
    rc, out, _ = run(
        "git", "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", cwd=cwd, check=False
    )
    return out.strip() if rc == 0 and out.strip() else None


def base_ref(cwd: Path, config: Config) -> str | None:
    """The base branch to count work against: config, origin/HEAD, main, master."""
    candidates: list[str] = []
    if config.base_branch:
        candidates += [config.base_branch, f"origin/{config.base_branch}"]
    rc, out, _ = run(
        "git", "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD", cwd=cwd, check=False
    )
    if rc == 0 and out.strip():
        candidates.append(out.strip())
    candidates += ["origin/main", "origin/master", "main", "master"]
    for ref in candidates:
        if resolve_commit(cwd, ref):
            return ref
    return None
