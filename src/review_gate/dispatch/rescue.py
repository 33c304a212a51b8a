"""What removing a worker worktree would lose, and saving it first.

At risk in a worktree (:func:`at_risk`):

- commits no remote-tracking branch has (without any remote: not on the local base),
  counted from the commit the work sits on — its HEAD, or, when its branch was deleted,
  the last commit its HEAD reflog names (still in the object store);
- uncommitted changes, untracked files included;
- ignored files, unless they match the disposable paths (``disposable_paths``: build
  outputs and caches such as ``node_modules/``, ``.venv/``, ``__pycache__/``) or are the
  dispatcher's own wiring (``.claude/settings.local.json``).

A worktree whose directory is missing (moved by hand, a disk that is not mounted) is
read through its own git directory: its commits can still be saved, its files cannot
be seen.

:func:`save` writes ``commits.bundle``, ``worktree.patch`` (built in a temporary index)
and ``ignored.tar`` (ignored files, and untracked directories that are repositories of
their own, which a patch would flatten to a commit id), plus ``restore.txt``: shell
commands that bring all of it back into a new worktree beside the repository.
"""

from __future__ import annotations

import fnmatch
import os
import shlex
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from review_gate.config_values import DEFAULT_DISPOSABLE_PATHS
from review_gate.dispatch import worktree as wt
from review_gate.proc import run

DEFAULT_DISPOSABLE = DEFAULT_DISPOSABLE_PATHS
# Ignored files the dispatcher itself writes into a worktree (dispatch/wiring.py).
OURS = frozenset({".claude/settings.local.json"})
# The per-worktree ref a bundle names when the worktree's branch no longer exists.
RESCUE_REF = "refs/worktree/rescued"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def _git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, **env} if env else None
    _, out, _ = run("git", *args, cwd=cwd, env=full_env, timeout=300)
    return out


def disposable(rel: str, is_dir: bool, patterns: Sequence[str]) -> bool:
    """Whether the worktree-relative path ``rel`` matches a disposable pattern.

    ``NAME/`` matches a directory called NAME at any depth (and all inside it); ``NAME``
    a file or directory of that name at any depth; a pattern with a ``/`` inside (or a
    leading ``/``) is matched from the worktree's root. ``*``, ``?`` and ``[...]`` are
    globs.
    """
    parts = rel.strip("/").split("/")
    for pattern in patterns:
        dir_only = pattern.endswith("/")
        body = pattern.strip("/")
        if not body:
            continue
        if pattern.startswith("/") or "/" in body:
            n = body.count("/") + 1
            if len(parts) < n or (dir_only and not (is_dir or len(parts) > n)):
                continue
            if fnmatch.fnmatchcase("/".join(parts[:n]), body):
                return True
            continue
        for i, part in enumerate(parts):
            if dir_only and not (is_dir or i < len(parts) - 1):
                continue
            if fnmatch.fnmatchcase(part, body):
                return True
    return False


def ignored_work(path: Path, patterns: Sequence[str]) -> list[str]:
    """Ignored files of the worktree at ``path`` that count as work: not disposable, not
    the dispatcher's own. Worktree-relative, sorted; a symbolic link is one entry."""
    out = _git(path, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory")
    found: set[str] = set()

    def keep(rel: str, is_dir: bool) -> bool:
        return rel not in OURS and not disposable(rel, is_dir, patterns)

    for entry in filter(None, out.split("\0")):
        rel = entry.rstrip("/")
        full = path / rel
        if not entry.endswith("/") or full.is_symlink() or not full.is_dir():
            if keep(rel, False):
                found.add(rel)
            continue
        if not keep(rel, True):
            continue
        for root, dirs, names in os.walk(full):
            here = Path(root).relative_to(path).as_posix()
            walk = []
            for name in dirs:
                child = f"{here}/{name}"
                if Path(root, name).is_symlink():
                    names.append(name)
                elif keep(child, True):
                    walk.append(name)
            dirs[:] = walk
            found.update(f"{here}/{n}" for n in names if keep(f"{here}/{n}", False))
    return sorted(found)


class AtRisk(NamedTuple):
    """What removing one worktree would lose."""

    path: Path
    present: bool  # False: its directory is missing (files unknown, commits readable)
    admin: Path | None  # its own git directory
    tip: str | None  # the commit the work sits on
    ref: str | None  # what the bundle names: refs/heads/<branch>, HEAD, or RESCUE_REF
    branch_gone: str | None  # its branch, when that branch no longer exists
    commits: tuple[str, ...]  # no remote has them
    changes: tuple[str, ...]  # uncommitted paths (an own repository ends in /)
    ignored: tuple[str, ...]  # ignored files that count as work
    saved: tuple[str, ...] = ("--not", "--remotes")  # rev-list arguments: what is safe

    @property
    def empty(self) -> bool:
        return not (self.commits or self.changes or self.ignored)

    def describe(self) -> str:
        """One line: what is there, e.g. ``2 uncommitted file(s) (e.g. a.txt) and 1
        commit(s) no remote has``."""
        what = []
        if self.changes:
            what.append(f"{len(self.changes)} uncommitted file(s) (e.g. {self.changes[0]})")
        if self.ignored:
            what.append(
                f"{len(self.ignored)} ignored file(s) that are not disposable "
                f"(e.g. {self.ignored[0]})"
            )
        if self.commits:
            what.append(f"{len(self.commits)} commit(s) no remote has")
        text = (
            ", ".join(what[:-1]) + (" and " if len(what) > 1 else "") + what[-1]
            if what
            else "nothing unsaved"
        )
        if self.branch_gone:
            text += (
                f"; its branch {self.branch_gone} no longer exists (its last commit "
                f"{(self.tip or '?')[:12]} is only in the worktree's reflog)"
            )
        return text


def _negatives(main: Path, base: str | None) -> list[str]:
    """What counts as saved: every remote-tracking branch; without any remote, the local
    base branch too."""
    out = ["--not", "--remotes"]
    if not _git(main, "remote").strip() and base:
        rc, _, _ = run("git", "rev-parse", "-q", "--verify", f"refs/heads/{base}", cwd=main,
                       check=False)  # fmt: skip
        if rc == 0:
            out.append(f"refs/heads/{base}")
    return out


def at_risk(
    main: Path, entry: wt.WorktreeEntry, base: str | None, patterns: Sequence[str]
) -> AtRisk:
    """What removing the worktree ``entry`` would lose (see the module docstring)."""
    present = entry.present
    admin = wt.admin_dir(main, entry.path)
    tip = wt.head_commit(main, entry)
    gone = entry.branch if entry.branch and entry.head == wt.NULL_SHA else None
    if gone:
        ref: str | None = RESCUE_REF
    elif entry.branch:
        ref = f"refs/heads/{entry.branch}"
    else:
        ref = "HEAD"
    saved = _negatives(main, base)
    commits: list[str] = []
    if tip is not None:
        commits = [c for c in _git(main, "rev-list", tip, *saved).split() if c]
        if commits and ref == "HEAD" and not _git(main, "rev-list", tip, *saved, "--branches"):
            # A detached worktree (a review or research worker's) whose commits a local
            # branch holds (the implementer's, under review) has none of its own.
            commits = []
    changes: list[str] = []
    ignored: list[str] = []
    if present:
        changes = wt.uncommitted(entry.path) if not gone else _changes_against(entry.path, tip)
        ignored = ignored_work(entry.path, patterns)
    return AtRisk(
        entry.path, present, admin, tip, ref if tip else None, gone,
        tuple(commits), tuple(changes), tuple(ignored), tuple(saved),
    )  # fmt: skip


def _changes_against(path: Path, tip: str | None) -> list[str]:
    """Uncommitted paths measured against ``tip`` (the worktree's branch is gone, so git
    status would call every file new)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = _temp_index(path, tip, Path(tmp))
        out = _git(path, "diff", "--cached", "--name-only", "-z", tip or EMPTY_TREE, env=env)
    return [name for name in out.split("\0") if name]


def _temp_index(path: Path, tip: str | None, tmp: Path, skip: Sequence[str] = ()) -> dict[str, str]:
    """A temporary index holding the whole working tree (never the worktree's own)."""
    env = {"GIT_INDEX_FILE": str(tmp / "index")}
    if tip:
        _git(path, "read-tree", tip, env=env)
    else:
        _git(path, "read-tree", "--empty", env=env)
    excludes = [f":(exclude,top){s.rstrip('/')}" for s in skip]
    _git(path, "add", "-A", "--", ":(top)", *excludes, env=env)
    return env


class Rescue(NamedTuple):
    directory: Path
    bundle: Path | None  # the unpushed commits
    patch: Path | None  # the working tree against the tip, untracked files included
    tarball: Path | None  # ignored files that are work, and untracked own repositories
    commits: int
    files: int
    ignored: int
    restore: tuple[str, ...]  # shell commands, in order, that bring it all back


def _fresh(dest: Path) -> Path:
    """``dest``, or ``dest-2``, ``-3``... when an earlier rescue already used it."""
    candidate, n = dest, 1
    while candidate.exists() and any(candidate.iterdir()):
        n += 1
        candidate = dest.with_name(f"{dest.name}-{n}")
    candidate.mkdir(parents=True, exist_ok=True)
    return candidate


def save(main: Path, risk: AtRisk, dest: Path) -> Rescue:
    """Save everything :func:`at_risk` found under ``dest`` (see the module docstring)
    without touching the worktree, its index or any ref of the repository."""
    dest = _fresh(dest)
    bundle = _bundle(main, risk, dest) if risk.commits else None
    patch: Path | None = None
    files = 0
    own_repos = [c for c in risk.changes if c.endswith("/")]
    if risk.present and len(own_repos) < len(risk.changes):
        patch, files = _patch(risk, dest, own_repos)
    tarball: Path | None = None
    if risk.present and (risk.ignored or own_repos):
        tarball = dest / "ignored.tar"
        with tarfile.open(tarball, "w") as tar:
            for rel in own_repos:
                tar.add(risk.path / rel.rstrip("/"), arcname=rel.rstrip("/"))
            for rel in risk.ignored:
                tar.add(risk.path / rel, arcname=rel, recursive=False)
    commands = restore_commands(main, risk, dest, bundle, patch, tarball)
    (dest / "restore.txt").write_text(
        "# Run in order to bring the saved work back into a new worktree:\n"
        + "".join(f"{c}\n" for c in commands)
    )
    return Rescue(
        dest, bundle, patch, tarball, len(risk.commits), files,
        len(risk.ignored) + len(own_repos), tuple(commands),
    )  # fmt: skip


def _bundle(main: Path, risk: AtRisk, dest: Path) -> Path:
    bundle = dest / "commits.bundle"
    assert risk.tip is not None and risk.ref is not None
    # Through the worktree's own git directory, so HEAD and its per-worktree refs are
    # the worktree's — readable even when its directory is missing.
    git_dir = ["--git-dir", str(risk.admin)] if risk.admin else []
    if risk.ref == RESCUE_REF:
        _git(main, *git_dir, "update-ref", RESCUE_REF, risk.tip)
    try:
        _git(main, *git_dir, "bundle", "create", "-q", str(bundle), risk.ref, *risk.saved)
    finally:
        if risk.ref == RESCUE_REF:
            _git(main, *git_dir, "update-ref", "-d", RESCUE_REF)
    _git(main, "bundle", "verify", "-q", str(bundle))
    return bundle


def _patch(risk: AtRisk, dest: Path, skip: Sequence[str]) -> tuple[Path | None, int]:
    """A binary patch of the working tree against the tip (staged, unstaged and
    untracked), built in a temporary index; None when it holds no change."""
    patch = dest / "worktree.patch"
    against = risk.tip or EMPTY_TREE
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        env = _temp_index(risk.path, risk.tip, Path(tmp), skip)
        names = _git(risk.path, "diff", "--cached", "--name-only", "-z", against, env=env)
        # --output writes the bytes as git produced them (contents need not be UTF-8).
        _git(risk.path, "diff", "--cached", "--binary", "--full-index", f"--output={patch}",
             against, env=env)  # fmt: skip
    files = len([n for n in names.split("\0") if n])
    if not files:
        patch.unlink(missing_ok=True)
        return None, 0
    return patch, files


def restore_commands(
    main: Path,
    risk: AtRisk,
    dest: Path,
    bundle: Path | None,
    patch: Path | None,
    tarball: Path | None,
) -> list[str]:
    """Shell commands that bring the saved work back: the commits onto a new branch
    ``rescued/<name>``, the files into a new worktree ``../<repo>-rescued-<name>``."""
    q = shlex.quote
    name = dest.name
    branch = f"rescued/{name}"
    commands: list[str] = []
    if bundle is not None:
        commands.append(
            f"git -C {q(str(main))} fetch {q(str(bundle))} {risk.ref}:refs/heads/{branch}"
        )
    if patch is None and tarball is None:
        return commands
    target = q(str(main.parent / f"{main.name}-rescued-{name}"))
    if bundle is not None:
        commands.append(f"git -C {q(str(main))} worktree add {target} {branch}")
    elif risk.tip is not None:
        commands.append(f"git -C {q(str(main))} worktree add --detach {target} {risk.tip}")
    else:
        commands.append(f"git init -q {target}")
    if patch is not None:
        commands.append(f"git -C {target} apply {q(str(patch))}")
    if tarball is not None:
        commands.append(f"tar -xf {q(str(tarball))} -C {target}")
    return commands
