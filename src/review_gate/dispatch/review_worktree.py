"""The worktree of a review or research worker: ``../<repo>-<role>-<N>``, detached.

A review worker's is detached at the commit under review, a research worker's at the
base branch. Detached, so that the implementer's branch stays checked out where it is
(git allows a branch in one worktree only) and nothing the worker does can move it:
there is no branch here to commit to, the worktree's pre-push hook refuses every push
(:func:`.roles.wire`), and the worker's PreToolUse hook denies edits and commits. Never
the implementer's worktree: its hooks must stay the implementer's. The main checkout is
never touched.
"""

from __future__ import annotations

from pathlib import Path

from review_gate.dispatch import worktree as wt
from review_gate.errors import GateError, Refused
from review_gate.proc import run


def role_path(main: Path, issue: int, role: str) -> Path:
    """``../<repo>-review-<N>`` / ``../<repo>-research-<N>`` beside the main checkout."""
    return main.parent / f"{main.name}-{role}-{issue}"


def base_commit(main: Path, base: str) -> str:
    """The commit a research worker reads: ``origin/<base>`` after a fetch, else ``<base>``."""
    _, sha, _ = wt.start_point(main, base)
    return sha


def _git(cwd: Path, *args: str) -> tuple[int, str, str]:
    return run("git", *args, cwd=cwd, check=False, timeout=300)


def ensure_detached(main: Path, path: Path, head: str, branch: str) -> wt.Prepared:
    """Create ``path`` detached at ``head``, or move an earlier review's clean worktree
    there. ``branch`` is the branch under review (recorded, never checked out)."""
    entry = wt.find_worktree(main, path)
    if entry is not None:
        if entry.branch is not None:
            raise Refused(
                f"{path} has branch {entry.branch} checked out; a reviewer's worktree is detached",
                hint="retire it first: gate dispatch cleanup",
            )
        if wt.uncommitted(entry.path):
            raise Refused(
                f"{path} holds uncommitted changes from an earlier review; it is left alone",
                hint="look at them, then gate dispatch cleanup --issue N --force",
            )
        rc, _, err = _git(entry.path, "checkout", "-q", "--detach", head)
        if rc != 0:
            raise GateError(f"cannot move {path} to {head[:12]}: {err.strip()[:200]}")
        note = f"reusing {path}, now detached at {head[:12]} ({branch})"
        return wt.Prepared(entry.path, branch, False, (note,), False, head)
    if path.exists():
        raise GateError(
            f"{path} exists but is not a worktree of this repository",
            hint="move it away, or remove it if it holds nothing you need",
        )
    rc, _, err = _git(main, "worktree", "add", "-q", "--detach", str(path), head)
    if rc != 0:
        raise GateError(f"cannot add the worktree {path}: {err.strip()[:200]}")
    note = f"worktree detached at {head[:12]} ({branch}): read-only for this role"
    return wt.Prepared(path, branch, True, (note,), False, head)
