"""Worker worktrees: ``../<repo>-worker-<N>`` on ``feature/<N>-<slug>``: create, reuse,
take back, remove.

The main checkout is never touched: every command here runs with ``-C`` on the worker
worktree or only reads/updates refs and the worktree list of the shared repository.
Only the one worktree a command manages is ever removed or unregistered — never a
repository-wide ``git worktree prune``, which would also drop a worktree someone moved
by hand or one on a disk that is not mounted (and with it any commits only its HEAD
holds). What removal would lose, and saving it first, is :mod:`.rescue`'s job.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from review_gate import git
from review_gate.dispatch import worktree_admin as admin_files
from review_gate.errors import GateError, Refused
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


NULL_SHA = "0" * 40


class WorktreeEntry(NamedTuple):
    path: Path
    head: str | None  # NULL_SHA when its branch does not exist (deleted, or never committed)
    branch: str | None  # short name, None when detached
    locked: str | None = None  # the lock's reason ("" without one); None when not locked

    @property
    def present(self) -> bool:
        return self.path.is_dir()


def list_worktrees(cwd: Path) -> list[WorktreeEntry]:
    """``git worktree list --porcelain -z``: the main worktree first; registered
    worktrees whose directory is gone are listed too (``present`` is False)."""
    out = _git(cwd, "worktree", "list", "--porcelain", "-z")
    entries: list[WorktreeEntry] = []
    fields: dict[str, str] = {}
    for field in [*out.split("\0"), ""]:
        if not field:
            if "worktree" in fields:
                branch = fields.get("branch")
                entries.append(
                    WorktreeEntry(
                        Path(fields["worktree"]),
                        fields.get("HEAD"),
                        branch.removeprefix("refs/heads/") if branch is not None else None,
                        fields.get("locked"),
                    )
                )
            fields = {}
            continue
        key, _, value = field.partition(" ")
        fields[key] = value
    return entries


def main_worktree(cwd: Path) -> Path:
    """The repository's main checkout, even when called from inside a worker worktree."""
    try:
        where = git.locate(cwd)
    except GateError:
        where = None
    if where is not None and os.path.realpath(where.top / ".git") == os.path.realpath(
        where.common_dir
    ):
        # In the main checkout itself (its .git is the common dir): no list needed.
        return where.top
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


def find_entry(cwd: Path, path: Path) -> WorktreeEntry | None:
    """The worktree registered at ``path``, whether or not its directory is there."""
    target = os.path.realpath(path)
    for entry in list_worktrees(cwd)[1:]:
        if os.path.realpath(entry.path) == target:
            return entry
    return None


def find_worktree(cwd: Path, path: Path) -> WorktreeEntry | None:
    """The registered worktree at ``path``; None when there is none or its directory is
    gone (see :func:`find_entry` for those).

    Read from the worktree's own files when they tell (its ``.git`` file names an
    administrative directory of this repository that names it back), else from
    ``git worktree list``; then the entry's ``head`` is left unread (None) unless HEAD
    is detached: callers here need the path, branch and lock."""
    if not path.is_dir():
        return None
    entry = admin_files.linked_at(cwd, path)
    if entry is None:
        entry = find_entry(cwd, path)
    return entry if entry is not None and entry.present else None


def find_branch(
    cwd: Path, branch: str, entries: list[WorktreeEntry] | None = None
) -> WorktreeEntry | None:
    """The linked worktree that has ``branch`` checked out, if any (among ``entries``,
    the linked worktrees, when the caller already listed them)."""
    for entry in list_worktrees(cwd)[1:] if entries is None else entries:
        if entry.branch == branch:
            return entry
    return None


def admin_dir(main: Path, path: Path) -> Path | None:
    """The worktree's own git directory (``<common dir>/worktrees/<id>``), found by the
    path it records, so it can be read even when the worktree's directory is gone."""
    common = git.common_dir(main)  # remembered for the process (git_memo)
    target = os.path.realpath(path / ".git")
    folder = common / "worktrees"
    if not folder.is_dir():
        return None
    for admin in sorted(folder.iterdir()):
        try:
            recorded = (admin / "gitdir").read_text().strip()
        except OSError:
            continue
        if os.path.realpath(recorded) == target:
            return admin
    return None


def locked_refusal(entry: WorktreeEntry, issue: int | None = None) -> GateError:
    """The one-line refusal for a locked worktree, with the next step."""
    why = f" ({entry.locked})" if entry.locked else ""
    keep = (
        f", or release the claim and keep it: gate dispatch cleanup --issue {issue} --keep-worktree"
        if issue is not None
        else ""
    )
    return Refused(
        f"worktree {entry.path} is locked{why}; it is left alone",
        hint=f"unlock it when it may go: git worktree unlock {entry.path}{keep}",
    )


def has_remote(cwd: Path, remote: str = "origin") -> bool:
    return git.remote_url(remote, cwd) is not None


def _ref_exists(cwd: Path, ref: str) -> bool:
    rc, _ = _git_rc(cwd, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}")
    return rc == 0


def commits(cwd: Path, *refs: str) -> dict[str, str | None]:
    """``{ref: the commit it names, or None}`` for every ref, in one ``git cat-file
    --batch-check`` (the same lookup as ``git rev-parse --verify REF^{commit}``)."""
    if any("\n" in ref for ref in refs):
        raise GateError(f"a ref name holds a newline: {refs!r}")
    request = "".join(f"{ref}^{{commit}}\n" for ref in refs)
    _, out, _ = run(
        "git", "cat-file", "--batch-check", cwd=cwd, stdin=request, check=True, timeout=300
    )
    found: dict[str, str | None] = {}
    for ref, line in zip(refs, out.splitlines(), strict=True):
        parts = line.split()
        commit = len(parts) == 3 and parts[1] == "commit"
        found[ref] = parts[0] if commit else None
    return found


def default_base(cwd: Path, configured: str | None) -> str:
    """The base branch: configured, else origin/HEAD, else main, else master."""
    if configured:
        return configured
    rc, out = _git_rc(cwd, "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD")
    if rc == 0 and out.strip().startswith("origin/"):
        return out.strip().removeprefix("origin/")
    names = ("main", "master")
    found = commits(
        cwd, *(f"refs/{kind}/{n}" for n in names for kind in ("heads", "remotes/origin"))
    )
    for name in names:
        if found[f"refs/heads/{name}"] or found[f"refs/remotes/origin/{name}"]:
            return name
    raise GateError(
        "cannot tell the base branch", hint="pass --base BRANCH or set base_branch in config"
    )


def start_point(main: Path, base: str) -> tuple[str, str, list[str]]:
    """The commit a new worker branch starts from (its name and sha), and notes:
    ``origin/<base>`` after a fetch when there is a remote, else the local ``<base>``."""
    notes: list[str] = []
    local_ref = f"refs/heads/{base}"
    if has_remote(main):
        rc, err = _git_rc(main, "fetch", "-q", "origin", base)
        remote_ref = f"refs/remotes/origin/{base}"
        found = commits(main, remote_ref, local_ref)
        if rc == 0 and found[remote_ref] is None:
            # A fetch by refspec-less name only fills FETCH_HEAD on some setups.
            _git_rc(main, "fetch", "-q", "origin", f"+refs/heads/{base}:{remote_ref}")
            found = commits(main, remote_ref, local_ref)
        if rc != 0:
            notes.append(
                f"git fetch origin {base} failed ({err.strip()[:120]}); "
                "using the last fetched state"
            )
        remote = found[remote_ref]
        if remote is not None:
            return f"origin/{base}", remote, notes
        notes.append(f"origin has no branch {base}; starting from the local {base}")
    else:
        found = commits(main, local_ref)
    local = found[local_ref]
    if local is not None:
        return base, local, notes
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
    # Only a registration left at `path` needs the worktree list (git reads every
    # worktree for it); the administrative directories tell whether there is one.
    linked = (
        _forget_missing(main, path) if admin_files.registered_at(main, path) is not False else None
    )
    local_ref, pushed_ref = f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"
    known = commits(main, local_ref, pushed_ref)
    existing = known[local_ref]
    if existing is not None:
        # An earlier attempt's branch: keep its commits.
        other = find_branch(main, branch, linked)
        if other is not None:
            gone = "" if other.present else " (its directory is missing)"
            raise GateError(
                f"branch {branch} is checked out in another worktree, {other.path}{gone}",
                hint="work there, or retire that worktree first (gate dispatch cleanup, "
                "or git worktree repair NEW-PATH if you moved it by hand)",
            )
        _git(main, "worktree", "add", "-q", str(path), branch)
        admin_files.remember_added(main, path)
        # The branch's commit as read just before (no second look at HEAD).
        return Prepared(
            path, branch, True, (f"checked out the existing branch {branch}",), False, existing
        )
    start, head, notes = start_point(main, base)
    pushed = known[pushed_ref]
    if pushed is not None:
        # Pushed by an earlier worker from elsewhere: continue from its commits.
        start, head = f"origin/{branch}", pushed
    # From the commit read by its full ref name: a tag named like the start cannot stand
    # in for it, and the new worktree starts exactly at `head`.
    _git(main, "worktree", "add", "-q", "--no-track", "-b", branch, str(path), head)
    admin_files.remember_added(main, path)
    return Prepared(path, branch, True, (*notes, f"new branch {branch} from {start}"), True, head)


def _forget_missing(main: Path, path: Path) -> list[WorktreeEntry]:
    """Unregister the missing worktree recorded at ``path`` (only that one), so a new one
    can be added there — unless it is locked or its HEAD holds commits no branch, tag or
    remote-tracking branch has: then it is a refusal naming the next step. Returns the
    linked worktrees left (one ``git worktree list``)."""
    linked = list_worktrees(main)[1:]
    target = os.path.realpath(path)
    entry = next((e for e in linked if os.path.realpath(e.path) == target), None)
    if entry is None or entry.present:
        return linked
    if entry.locked is not None:
        raise locked_refusal(entry)
    tip = head_commit(main, entry)
    lost = unreferenced(main, tip) if tip else []
    if lost:
        raise Refused(
            f"{path} is registered as a worktree but its directory is missing, and its "
            f"HEAD holds {len(lost)} commit(s) no branch has",
            hint="moved it by hand? git worktree repair NEW-PATH; gone for good? "
            "gate dispatch cleanup --force (saves them in a bundle first)",
        )
    _git(main, "worktree", "remove", "--force", str(path))
    return [e for e in linked if e is not entry]


def head_commit(main: Path, entry: WorktreeEntry) -> str | None:
    """The commit the worktree's work sits on: its HEAD, or — when its branch no longer
    exists — the last commit its HEAD reflog names (still in the object store). None
    when there is none (a branch never committed to, or the objects are gone)."""
    if entry.head and entry.head != NULL_SHA:
        return entry.head
    admin = admin_dir(main, entry.path)
    if admin is None:
        return None
    try:
        lines = (admin / "logs" / "HEAD").read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        new = line.split(" ", 2)[1] if line.count(" ") >= 2 else ""
        if re.fullmatch(r"[0-9a-f]{40}", new) and new != NULL_SHA and _ref_exists(main, new):
            return new
    return None


def unreferenced(main: Path, tip: str) -> list[str]:
    """Commits of ``tip`` that no branch, tag or remote-tracking branch reaches: what
    dropping a worktree whose HEAD is ``tip`` would make unreachable."""
    out = _git(main, "rev-list", tip, "--not", "--branches", "--tags", "--remotes")
    return [line for line in out.splitlines() if line]


def undo(main: Path, prepared: Prepared) -> list[str]:
    """Take back a worktree (and branch) :func:`ensure_worktree` just created, when no
    work can be in it: still at its start commit, nothing uncommitted, no ignored file.
    A reused worktree, or one that holds anything, is left alone. Returns what was
    left, why."""
    if not prepared.created or prepared.start is None:
        return []
    from review_gate.dispatch import rescue

    path = prepared.path
    try:
        head = _git(path, "rev-parse", "HEAD").strip()
        changes = uncommitted(path)
        ignored = rescue.ignored_work(path, rescue.DEFAULT_DISPOSABLE)
    except GateError as exc:
        return [f"left {path}: cannot inspect it ({exc.message})"]
    if head != prepared.start or changes or ignored:
        return [f"left {path}: it holds work"]
    remove_worktree(main, path)
    if prepared.new_branch:
        # Compare-and-delete: only while the branch still points at its start commit.
        _git_rc(main, "update-ref", "-d", f"refs/heads/{prepared.branch}", prepared.start)
    return []


def uncommitted(path: Path) -> list[str]:
    """Paths with uncommitted changes, untracked files included (ignored ones are not).
    An untracked directory that is a repository of its own is one entry ending in /."""
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


def remove_worktree(main: Path, path: Path) -> None:
    """Remove the one worktree at ``path`` — its directory (untracked and ignored files
    included: the caller saved what mattered) and its registration, also when the
    directory is already gone. A locked worktree is a refusal; nothing else is pruned."""
    entry = find_entry(main, path)
    if entry is None:
        return
    if entry.locked is not None:
        raise locked_refusal(entry)
    rc, err = _git_rc(main, "worktree", "remove", "--force", str(entry.path))
    if rc != 0:
        first = next((line for line in err.splitlines() if line.strip()), "git failed")
        raise GateError(
            f"could not remove worktree {entry.path}: {first.removeprefix('fatal: ')}",
            hint="fix the cause (permissions, a busy mount) and run cleanup again",
        )
