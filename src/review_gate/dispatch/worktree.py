"""Worker worktrees: ``../<repo>-worker-<N>`` on ``feature/<N>-<slug>``, and the checks
that keep cleanup from ever losing work.

The main checkout is never touched: every command here runs with ``-C`` on the worker
worktree or only reads/updates refs and the worktree list of the shared repository.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import NamedTuple

from review_gate.errors import GateError
from review_gate.proc import run

SLUG_MAX = 40


def _git(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, **env} if env else None
    _, out, _ = run("git", *args, cwd=cwd, check=check, env=full_env, timeout=300)
    return out


def _git_rc(cwd: Path, *args: str) -> tuple[int, str]:
    rc, out, err = run("git", *args, cwd=cwd, check=False, timeout=300)
    return rc, out if rc == 0 else err


def slug(title: str) -> str:
    """The seed's slug: lower-case, every non-alphanumeric run one '-', at most 40 chars."""
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    text = text[:SLUG_MAX].rstrip("-")
    return text or "issue"


def branch_name(issue: int, title: str) -> str:
    return f"feature/{issue}-{slug(title)}"


class WorktreeEntry(NamedTuple):
    path: Path
    head: str | None
    branch: str | None  # short name, None when detached


def list_worktrees(cwd: Path) -> list[WorktreeEntry]:
    """``git worktree list --porcelain -z``: the main worktree first."""
    out = _git(cwd, "worktree", "list", "--porcelain", "-z")
    entries: list[WorktreeEntry] = []
    path: Path | None = None
    head: str | None = None
    branch: str | None = None
    for field in [*out.split("\0"), ""]:
        if not field:
            if path is not None:
                entries.append(WorktreeEntry(path, head, branch))
            path, head, branch = None, None, None
            continue
        key, _, value = field.partition(" ")
        if key == "worktree":
            path = Path(value)
        elif key == "HEAD":
            head = value
        elif key == "branch":
            branch = value.removeprefix("refs/heads/")
    return entries


def main_worktree(cwd: Path) -> Path:
    """The repository's main checkout, even when called from inside a worker worktree."""
    entries = list_worktrees(cwd)
    if not entries:
        raise GateError(f"{cwd} has no worktrees")
    rc, out = _git_rc(entries[0].path, "rev-parse", "--is-bare-repository")
    if rc == 0 and out.strip() == "true":
        raise GateError(
            "the dispatcher needs a repository with a main checkout, not a bare repository"
        )
    return entries[0].path


def worktree_path(main: Path, issue: int) -> Path:
    """``../<repo>-worker-<N>`` beside the main checkout."""
    return main.parent / f"{main.name}-worker-{issue}"


def find_worktree(cwd: Path, path: Path) -> WorktreeEntry | None:
    """The registered worktree at ``path``; None when there is none or its directory is
    gone (git lists it as prunable until ``git worktree prune``)."""
    target = os.path.realpath(path)
    for entry in list_worktrees(cwd):
        if os.path.realpath(entry.path) == target and entry.path.is_dir():
            return entry
    return None


def has_remote(cwd: Path, remote: str = "origin") -> bool:
    rc, _ = _git_rc(cwd, "remote", "get-url", remote)
    return rc == 0


def _ref_exists(cwd: Path, ref: str) -> bool:
    rc, _ = _git_rc(cwd, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}")
    return rc == 0


def default_base(cwd: Path, configured: str | None) -> str:
    """The base branch: configured, else origin/HEAD, else main, else master."""
    if configured:
        return configured
    rc, out = _git_rc(cwd, "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD")
    if rc == 0 and out.strip().startswith("origin/"):
        return out.strip().removeprefix("origin/")
    for name in ("main", "master"):
        if _ref_exists(cwd, f"refs/heads/{name}") or _ref_exists(
            cwd, f"refs/remotes/origin/{name}"
        ):
            return name
    raise GateError(
        "cannot tell the base branch", hint="pass --base BRANCH or set base_branch in config"
    )


def start_point(main: Path, base: str) -> tuple[str, list[str]]:
    """The commit a new worker branch starts from, and notes: ``origin/<base>`` after a
    fetch when there is a remote, else the local ``<base>``."""
    notes: list[str] = []
    if has_remote(main):
        rc, err = _git_rc(main, "fetch", "-q", "origin", base)
        remote_ref = f"refs/remotes/origin/{base}"
        if rc == 0 and not _ref_exists(main, remote_ref):
            # A fetch by refspec-less name only fills FETCH_HEAD on some setups.
            _git_rc(main, "fetch", "-q", "origin", f"+refs/heads/{base}:{remote_ref}")
        if rc != 0:
            notes.append(
                f"git fetch origin {base} failed ({err.strip()[:120]}); "
                "using the last fetched state"
            )
        if _ref_exists(main, remote_ref):
            return f"origin/{base}", notes
        notes.append(f"origin has no branch {base}; starting from the local {base}")
    if _ref_exists(main, f"refs/heads/{base}"):
        return base, notes
    raise GateError(f"base branch {base!r} does not exist", hint="pass --base BRANCH")


class Prepared(NamedTuple):
    path: Path
    branch: str
    created: bool  # the worktree was added now (not an earlier attempt's)
    notes: tuple[str, ...]
    new_branch: bool = False  # the branch was created now
    start: str | None = None  # the commit the new worktree starts at


def ensure_worktree(main: Path, path: Path, branch: str, base: str) -> Prepared:
    """Create the worker worktree, or reuse it when it is already one of ours."""
    entry = find_worktree(main, path)
    if entry is not None:
        current = entry.branch or branch
        return Prepared(entry.path, current, False, ("reusing the existing worktree",))
    if path.exists():
        raise GateError(
            f"{path} exists but is not a worktree of this repository",
            hint="move it away, or remove it if it holds nothing you need",
        )
    _git(main, "worktree", "prune")
    if _ref_exists(main, f"refs/heads/{branch}"):
        # An earlier attempt's branch: keep its commits.
        _git(main, "worktree", "add", "-q", str(path), branch)
        head = _git(path, "rev-parse", "HEAD").strip()
        return Prepared(
            path, branch, True, (f"checked out the existing branch {branch}",), False, head
        )
    start, notes = start_point(main, base)
    if _ref_exists(main, f"refs/remotes/origin/{branch}"):
        # Pushed by an earlier worker from elsewhere: continue from its commits.
        start = f"origin/{branch}"
    _git(main, "worktree", "add", "-q", "--no-track", "-b", branch, str(path), start)
    head = _git(path, "rev-parse", "HEAD").strip()
    return Prepared(path, branch, True, (*notes, f"new branch {branch} from {start}"), True, head)


def undo(main: Path, prepared: Prepared) -> list[str]:
    """Take back a worktree (and branch) :func:`ensure_worktree` just created, when no
    work can be in it: still at its start commit, nothing uncommitted. A reused
    worktree, or one that holds anything, is left alone. Returns what was left, why."""
    if not prepared.created or prepared.start is None:
        return []
    path = prepared.path
    try:
        head = _git(path, "rev-parse", "HEAD").strip()
        changes = uncommitted(path)
    except GateError as exc:
        return [f"left {path}: cannot inspect it ({exc.message})"]
    if head != prepared.start or changes:
        return [f"left {path}: it holds work"]
    _git(main, "worktree", "remove", "--force", str(path))
    _git(main, "worktree", "prune")
    if prepared.new_branch:
        # Compare-and-delete: only while the branch still points at its start commit.
        _git_rc(main, "update-ref", "-d", f"refs/heads/{prepared.branch}", prepared.start)
    return []


def uncommitted(path: Path) -> list[str]:
    """Paths with uncommitted changes, untracked files included (ignored ones are not)."""
    out = _git(path, "status", "--porcelain", "-z", "--untracked-files=all")
    entries: list[str] = []
    fields = out.split("\0")
    i = 0
    while i < len(fields):
        field = fields[i]
        if field:
            entries.append(field[3:])
            if field[0] in "RC":  # a rename/copy carries its source as the next field
                i += 1
        i += 1
    return entries


def unpushed(path: Path, base: str | None = None) -> list[str]:
    """Commits of the worktree's HEAD that no remote-tracking branch has.

    Without any remote, commits already on the local base branch count as safe.
    """
    args = ["rev-list", "HEAD", "--not", "--remotes"]
    if not _git(path, "remote").strip() and base and _ref_exists(path, f"refs/heads/{base}"):
        args.append(f"refs/heads/{base}")
    return [line for line in _git(path, *args).splitlines() if line]


class Rescue(NamedTuple):
    directory: Path
    bundle: Path | None  # unpushed commits (restore: git fetch <bundle> <branch>)
    patch: Path | None  # the working tree against HEAD, untracked files included
    commits: int
    files: int


def rescue(path: Path, dest: Path, branch: str | None, base: str | None = None) -> Rescue:
    """Save what a removal would lose: a bundle of unpushed commits and a binary patch
    of the working tree (staged, unstaged and untracked) — without touching the
    worktree's own index (a temporary index file is used)."""
    dest.mkdir(parents=True, exist_ok=True)
    commits = unpushed(path, base)
    bundle: Path | None = None
    if commits:
        bundle = dest / "commits.bundle"
        ref = (
            f"refs/heads/{branch}"
            if branch and _ref_exists(path, f"refs/heads/{branch}")
            else "HEAD"
        )
        negatives = ["--not", "--remotes"]
        if not _git(path, "remote").strip() and base and _ref_exists(path, f"refs/heads/{base}"):
            negatives.append(f"refs/heads/{base}")
        _git(path, "bundle", "create", "-q", str(bundle), ref, *negatives)
        _git(path, "bundle", "verify", "-q", str(bundle))
    changed = uncommitted(path)
    patch: Path | None = None
    if changed:
        patch = dest / "worktree.patch"
        with tempfile.TemporaryDirectory(dir=dest) as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            _git(path, "read-tree", "HEAD", env=env)
            _git(path, "add", "-A", "--", ".", env=env)
            # --output writes the bytes as git produced them (file contents need not be UTF-8).
            _git(
                path,
                "diff",
                "--cached",
                "--binary",
                "--full-index",
                f"--output={patch}",
                "HEAD",
                env=env,
            )
    return Rescue(dest, bundle, patch, len(commits), len(changed))


def remove_worktree(main: Path, path: Path) -> None:
    """Remove the worktree (after the caller made sure nothing would be lost) and prune."""
    if find_worktree(main, path) is not None:
        _git(main, "worktree", "remove", "--force", str(path))
    _git(main, "worktree", "prune")


def prune(main: Path) -> None:
    """``git worktree prune``: forget worktrees whose directories are gone."""
    _git(main, "worktree", "prune")
