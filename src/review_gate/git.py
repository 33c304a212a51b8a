"""Small, typed helpers over the git command line (output parsed with -z where it lists paths)."""

from __future__ import annotations

import re
from pathlib import Path

from review_gate.errors import NotAGitRepository
from review_gate.proc import run

_WORKER_BRANCH = re.compile(r"^feature/(\d+)(?:-|$)")


def _git(cwd: str | Path, *args: str, check: bool = True) -> tuple[int, str, str]:
    return run("git", *args, cwd=cwd, check=check)


def toplevel(cwd: str | Path = ".") -> Path:
    """The work tree root of the checkout containing ``cwd``."""
    rc, out, _ = _git(cwd, "rev-parse", "--show-toplevel", check=False)
    if rc != 0:
        raise NotAGitRepository(
            f"{Path(cwd).resolve()} is not inside a git repository",
            hint="run the command inside a git checkout (or pass -C DIR)",
        )
    return Path(out.strip())


def common_dir(cwd: str | Path = ".") -> Path:
    """``git rev-parse --git-common-dir`` as an absolute path: shared by every worktree."""
    rc, out, _ = _git(cwd, "rev-parse", "--path-format=absolute", "--git-common-dir", check=False)
    if rc != 0:
        raise NotAGitRepository(
            f"{Path(cwd).resolve()} is not inside a git repository",
            hint="run the command inside a git checkout (or pass -C DIR)",
        )
    return Path(out.strip())


def state_dir(cwd: str | Path = ".") -> Path:
    """``<git-common-dir>/review-gate``: where the local tracker, logs and pid records live."""
    path = common_dir(cwd) / "review-gate"
    path.mkdir(parents=True, exist_ok=True)
    return path


def head_sha(cwd: str | Path = ".") -> str | None:
    """The commit HEAD points at, or None in a repository with no commits."""
    rc, out, _ = _git(cwd, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
    return out.strip() if rc == 0 and out.strip() else None


def current_branch(cwd: str | Path = ".") -> str | None:
    """The checked-out branch name, or None on a detached HEAD."""
    rc, out, _ = _git(cwd, "symbolic-ref", "-q", "--short", "HEAD", check=False)
    return out.strip() if rc == 0 and out.strip() else None


def issue_from_branch(branch: str | None, pattern: str | None = None) -> int | None:
    """The issue number of a worker branch (``feature/<N>-slug`` by default), else None."""
    if not branch:
        return None
    regex = re.compile(pattern) if pattern else _WORKER_BRANCH
    match = regex.search(branch)
    if not match:
        return None
    try:
        return int(match.group(1))
    except (IndexError, ValueError):
        return None


def changed_files(base: str, head: str = "HEAD", cwd: str | Path = ".") -> list[str]:
    """Paths changed between the merge base of ``base`` and ``head`` (NUL-separated parse)."""
    _, out, _ = _git(cwd, "diff", "--name-only", "-z", f"{base}...{head}")
    return [p for p in out.split("\0") if p]


def remote_url(name: str = "origin", cwd: str | Path = ".") -> str | None:
    rc, out, _ = _git(cwd, "remote", "get-url", name, check=False)
    return out.strip() if rc == 0 and out.strip() else None


def repo_from_remote_url(url: str | None) -> str | None:
    """``owner/name`` from a GitHub-style remote URL (https, ssh or scp-like), else None."""
    if not url:
        return None
    match = re.search(r"[:/]([^/:]+)/([^/]+?)(?:\.git)?/?$", url.strip())
    if not match:
        return None
    return f"{match.group(1)}/{match.group(2)}"
