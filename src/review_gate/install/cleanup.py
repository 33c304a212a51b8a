"""After ``gate uninstall claude|codex``: take away what the install added and nothing
now uses — the directories it created (``.claude/``, ``.codex/``) once they are empty, and
the ``/<path>`` lines it added to the repository's ``info/exclude`` (see
:func:`review_gate.install.agents._exclude_locally`) once no checkout of the repository
has that file any more.

Only what the install itself could have made is touched: directories between the
settings file and the top of the checkout, removed only when empty (never a symbolic
link, never the top itself), and exclude lines exactly as the install writes them. The
``info/exclude`` file is shared by every worktree of a repository, so a line stays while
any worktree still has the file it names.
"""

from __future__ import annotations

from pathlib import Path

from review_gate import git


def remove_if_unused(path: Path, top: Path) -> list[str]:
    """Remove what the install of the settings file ``path`` (in the checkout whose top
    level is ``top``) added and is now unused; returns one note per thing removed.

    Call it after the uninstall has written or removed ``path``. A ``path`` outside
    ``top`` (``--scope user``) is left alone: nothing under a home directory is ours to
    remove. A file that still exists keeps its directory and its exclude line."""
    top = Path(top)
    try:
        rel = Path(path).relative_to(top)
    except ValueError:
        return []
    if not rel.parts or rel.parts[0] in ("", ".", "..") or ".." in rel.parts:
        return []
    notes: list[str] = []
    if not (top / rel).exists() and not (top / rel).is_symlink():
        notes += _drop_exclude_line(rel.as_posix(), top)
    notes += _remove_empty_dirs(top, rel.parent)
    return notes


def _remove_empty_dirs(top: Path, rel_dir: Path) -> list[str]:
    """``rmdir`` each directory from ``top/rel_dir`` up to (not including) ``top`` while
    it is empty; stop at the first one that is not (or is a link, or is gone)."""
    notes: list[str] = []
    parts = rel_dir.parts
    for depth in range(len(parts), 0, -1):
        directory = top.joinpath(*parts[:depth])
        if directory.is_symlink() or not directory.is_dir():
            break
        try:
            directory.rmdir()  # fails unless empty: nothing of anyone else's goes
        except OSError:
            break
        notes.append(f"removed the empty directory {Path(*parts[:depth]).as_posix()}/")
    return notes


def _drop_exclude_line(rel: str, top: Path) -> list[str]:
    """Remove ``/<rel>`` from ``info/exclude`` unless a worktree of the repository still
    has ``rel``; every other line is kept byte for byte."""
    rc, out, _ = git.run_git(top, "rev-parse", "--git-path", "info/exclude", check=False)
    if rc != 0 or not out.strip():
        return []  # not a git checkout: the install wrote no exclude line either
    exclude = Path(out.strip())
    exclude = exclude if exclude.is_absolute() else top / exclude
    line = f"/{rel}"
    try:
        text = exclude.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # missing, or not ours to rewrite
    lines = text.splitlines(keepends=True)
    kept = [entry for entry in lines if entry.rstrip("\r\n") != line]
    if len(kept) == len(lines):
        return []
    if any((tree / rel).exists() or (tree / rel).is_symlink() for tree in _worktrees(top)):
        return []
    exclude.write_bytes("".join(kept).encode("utf-8"))
    where = _display(exclude, top)
    return [f"removed {line} from {where}"]


def _worktrees(top: Path) -> list[Path]:
    """The work trees of the repository ``top`` belongs to (``top`` itself at least)."""
    trees = [top]
    rc, out, _ = git.run_git(top, "worktree", "list", "--porcelain", "-z", check=False)
    if rc == 0:
        for record in out.split("\0"):
            if record.startswith("worktree "):
                trees.append(Path(record[len("worktree ") :]))
    return trees


def _display(exclude: Path, top: Path) -> str:
    try:
        return exclude.relative_to(top).as_posix()
    except ValueError:
        return str(exclude)
