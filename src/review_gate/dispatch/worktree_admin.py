"""What a worker worktree's administrative files say, read without starting git.

``git worktree list`` reads every worktree of the repository to answer for one; a spawn
asks only about its own worktree, so these read that worktree's files (the ``.git``
file of a linked worktree, ``<common dir>/worktrees/<id>/{gitdir,HEAD,locked}``, see
gitrepository-layout(5)) and answer only when they plainly say; otherwise the caller
asks git as before (:mod:`.worktree`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from review_gate import git, git_memo
from review_gate.errors import GateError

if TYPE_CHECKING:
    from review_gate.dispatch.worktree import WorktreeEntry


def linked_at(main: Path, path: Path) -> WorktreeEntry | None:
    """The linked worktree at ``path`` from its ``.git`` file and administrative directory
    (no git process), or None when they do not plainly say it is one of ``main``'s."""
    try:
        pointer = (path / ".git").read_text(encoding="utf-8").strip()
        if not pointer.startswith("gitdir: "):
            return None
        admin = Path(pointer.removeprefix("gitdir: "))
        if not admin.is_absolute():
            return None
        recorded = (admin / "gitdir").read_text(encoding="utf-8").strip()
        head = (admin / "HEAD").read_text(encoding="utf-8").strip()
        common = git.common_dir(main)
    except (OSError, UnicodeDecodeError, GateError):
        return None
    if (
        not os.path.isabs(recorded)
        or os.path.realpath(admin.parent) != os.path.realpath(common / "worktrees")
        or os.path.realpath(recorded) != os.path.realpath(path / ".git")
    ):
        return None
    try:
        locked: str | None = (admin / "locked").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        locked = None
    except (OSError, UnicodeDecodeError):
        return None
    branch: str | None = None
    sha: str | None = None
    if head.startswith("ref: "):
        branch = head.removeprefix("ref: ").strip().removeprefix("refs/heads/")
    elif re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", head):
        sha = head
    else:
        return None
    from review_gate.dispatch.worktree import WorktreeEntry

    return WorktreeEntry(Path(recorded.removesuffix("/.git")), sha, branch, locked)


def registered_at(main: Path, path: Path) -> bool | None:
    """Whether a worktree is registered at ``path`` (whose directory does not exist), from
    the administrative directories (``<common dir>/worktrees/*/gitdir``); None when they
    do not plainly say (then ask ``git worktree list``). A registration whose recorded
    directory exists cannot be ``path``'s, so only missing ones are compared by real
    path, as git compares them."""
    try:
        folder = git.common_dir(main) / "worktrees"
        admins = list(os.scandir(folder))
    except FileNotFoundError:
        return False  # no linked worktree at all
    except (OSError, GateError):
        return None
    target = os.path.realpath(path)
    for admin in admins:
        try:
            with open(os.path.join(admin.path, "gitdir"), "rb") as f:
                recorded = os.fsdecode(f.read()).strip()
        except FileNotFoundError:
            continue  # not a worktree git lists either
        except OSError:
            return None
        if not os.path.isabs(recorded):
            return None
        where = recorded.removesuffix("/.git")
        if where == target:
            return True
        if not os.path.lexists(where) and os.path.realpath(where) == target:
            return True
    return False


def remember_added(main: Path, path: Path) -> None:
    """Tell :func:`review_gate.git.locate` where the worktree just added at ``path`` is
    (its ``.git`` file names its git directory), so the hook installers that ask next
    start no git process. Skipped when the environment steers git's discovery."""
    if any(os.environ.get(key) for key in git_memo.DISCOVERY_ENV):
        return
    try:
        pointer = (path / ".git").read_text(encoding="utf-8").strip()
        common = git.common_dir(main)
    except (OSError, UnicodeDecodeError, GateError):
        return
    if pointer.startswith("gitdir: "):
        own = Path(os.path.normpath(path / pointer.removeprefix("gitdir: ")))
        git_memo.remember_location(path, git_memo.Location(path, own, common))
