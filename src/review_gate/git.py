"""Every git question review-gate asks, in one place.

Rules that hold for every caller:

- refs are handled fully qualified (``refs/remotes/origin/main``, ``refs/heads/main``):
  git resolves a short name such as ``origin/main`` by looking in ``refs/tags/`` before
  ``refs/remotes/``, so a worker able to push a tag could shadow the base branch. A short
  name is resolved here only through :func:`resolve_name`, which refuses an ambiguous one;
- paths come from ``-z`` output, and a rename is reported as both of its paths;
- review-gate's own queries ignore replacement objects (``refs/replace/``, which make a
  commit read as another one) and configuration injected through the environment
  (``GIT_CONFIG_PARAMETERS``, ``GIT_CONFIG_COUNT``...): neither can change what is gated.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from review_gate import git_memo
from review_gate.errors import ConfigError, GateError, NotAGitRepository, UsageError
from review_gate.git_memo import Location
from review_gate.proc import run, run_bytes

_WORKER_BRANCH = re.compile(r"^feature/(\d+)(?:-|$)")
FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_DROPPED_ENV = ("GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_REPLACE_REF_BASE")


def _environment() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _DROPPED_ENV and not key.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))
    }
    env["GIT_NO_REPLACE_OBJECTS"] = "1"
    # Grafts (.git/info/grafts, GIT_GRAFT_FILE) rewrite history like replacements do.
    env["GIT_GRAFT_FILE"] = os.devnull
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env["GIT_TERMINAL_PROMPT"] = "0"
    # A planted core.fsmonitor is a program git would run for the gate (`git status`):
    # never, in any checkout the gate reads (the only setting passed this way).
    env["GIT_CONFIG_COUNT"] = "1"
    env["GIT_CONFIG_KEY_0"] = "core.fsmonitor"
    env["GIT_CONFIG_VALUE_0"] = "false"
    return env


def run_git(
    cwd: str | Path, *args: str, check: bool = True, stdin: str | None = None
) -> tuple[int, str, str]:
    """``git ARGS`` in ``cwd``: ``(rc, stdout, stderr)``; with ``check`` a failure raises."""
    return run("git", *args, cwd=cwd, check=check, stdin=stdin, env=_environment())


# ----------------------------------------------------------------------------- checkout


class Checkout(NamedTuple):
    """The facts about one checkout that every gate surface needs, read in one call."""

    top: Path  # work tree root
    git_dir: Path  # this worktree's git dir
    common_dir: Path  # shared by every worktree of the repository
    shallow: bool
    head: str | None  # the commit HEAD points at; None in a repository with no commit
    head_ref: str | None  # "refs/heads/<branch>"; None on a detached HEAD

    @property
    def branch(self) -> str | None:
        """The checked-out branch's short name, or None on a detached HEAD."""
        return self.head_ref.removeprefix("refs/heads/") if self.head_ref else None


_CHECKOUT_ARGS = (
    "rev-parse",
    "--path-format=absolute",
    "--show-toplevel",
    "--git-dir",
    "--git-common-dir",
    "--is-shallow-repository",
)


def read_checkout(cwd: str | Path) -> Checkout | None:
    """The :class:`Checkout` containing ``cwd``, or None when it is not in a work tree."""
    if not Path(cwd).is_dir():
        return None
    rc, out, _ = run_git(cwd, *_CHECKOUT_ARGS, "HEAD", "--symbolic-full-name", "HEAD", check=False)
    lines = out.splitlines()
    if rc != 0 or len(lines) != 6:
        # No commit yet (HEAD names nothing), or not a work tree at all.
        rc, out, _ = run_git(cwd, *_CHECKOUT_ARGS, check=False)
        lines = out.splitlines()
        if rc != 0 or len(lines) != 4:
            return None
        rc, ref, _ = run_git(cwd, "symbolic-ref", "-q", "HEAD", check=False)
        lines += ["", ref.strip() if rc == 0 else "HEAD"]
    top, git_dir, common, shallow, head, ref = lines
    return Checkout(
        top=Path(top),
        git_dir=Path(git_dir),
        common_dir=Path(common),
        shallow=shallow.strip() == "true",
        head=head.strip() if FULL_SHA.fullmatch(head.strip()) else None,
        head_ref=ref.strip() if ref.startswith("refs/heads/") else None,
    )


def require_checkout(cwd: str | Path) -> Checkout:
    found = read_checkout(cwd)
    if found is None:
        raise NotAGitRepository(
            f"{Path(cwd).resolve()} is not inside a git repository",
            hint="run the command inside a git checkout (or pass -C DIR)",
        )
    return found


# ----------------------------------------------------------------------------- refs


class Ref(NamedTuple):
    name: str  # fully qualified: refs/heads/x, refs/remotes/origin/x, refs/tags/x
    sha: str  # what it points at (for a symbolic ref: its target's commit)
    target: str  # for a symbolic ref (refs/remotes/origin/HEAD): the ref it points at


def read_refs(cwd: str | Path) -> dict[str, Ref]:
    """Every ref of the repository, by full name, peeled to the commit for annotated tags."""
    fmt = "%(refname)%00%(objectname)%00%(symref)%00%(*objectname)"
    rc, out, _ = run_git(cwd, "for-each-ref", f"--format={fmt}", check=False)
    refs: dict[str, Ref] = {}
    if rc != 0:
        return refs
    for line in out.splitlines():
        parts = line.split("\0")
        if len(parts) != 4:
            continue
        name, sha, target, peeled = parts
        refs[name] = Ref(name, peeled or sha, target)
    return refs


def resolve_name(refs: Mapping[str, Ref], name: str) -> Ref | None:
    """The ref a name given by a person means, by git's own lookup order
    (``refs/NAME``, ``refs/tags/NAME``, ``refs/heads/NAME``, ``refs/remotes/NAME``,
    ``refs/remotes/NAME/HEAD``). More than one match is ambiguous: refused (exit 2),
    since that is how a pushed tag would shadow a branch. No match: None."""
    name = name.strip()
    if name.startswith("refs/"):
        return refs.get(name)
    tried = (
        f"refs/{name}",
        f"refs/tags/{name}",
        f"refs/heads/{name}",
        f"refs/remotes/{name}",
        f"refs/remotes/{name}/HEAD",
    )
    found = [refs[n] for n in tried if n in refs]
    if len(found) > 1:
        names = ", ".join(r.name for r in found)
        raise UsageError(
            f"the name {name!r} is ambiguous in this repository ({names})",
            hint="pass the full ref (e.g. refs/remotes/origin/main), and delete the tag or "
            "branch that shadows it",
        )
    return found[0] if found else None


def resolve_commit(cwd: str | Path, refs: Mapping[str, Ref], rev: str) -> str | None:
    """A full sha for ``rev``: a full sha as given, ``HEAD``, or a ref name resolved by
    :func:`resolve_name` (ambiguous names refused). Expressions (``x~1``, ``x^{tree}``)
    are refused: a gate names exactly one commit."""
    rev = rev.strip()
    if FULL_SHA.fullmatch(rev.lower()):
        return rev.lower()
    if rev == "HEAD":
        found = read_checkout(cwd)
        return found.head if found else None
    if not rev or rev.startswith("-") or re.search(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{", rev):
        raise UsageError(
            f"{rev!r} is not a branch, a tag or a full commit sha",
            hint="name the commit by its full 40-character sha or by a branch",
        )
    ref = resolve_name(refs, rev)
    return ref.sha if ref else None


# ----------------------------------------------------------------------------- objects


def _tree_modes(tree: bytes, id_bytes: int) -> dict[str, str]:
    """``{name: mode}`` of a raw tree object (``<mode> <name>\\0<binary id>`` entries)."""
    modes: dict[str, str] = {}
    pos = 0
    while pos < len(tree):
        space = tree.index(b" ", pos)
        nul = tree.index(b"\0", space)
        name = tree[space + 1 : nul].decode("utf-8", "surrogateescape")
        modes[name] = tree[pos:space].decode("ascii", "replace")
        pos = nul + 1 + id_bytes
    return modes


def read_root_files(cwd: str | Path, commit: str, names: Sequence[str]) -> dict[str, str | None]:
    """The text of each file ``names`` at the root of ``commit`` (None when absent or not
    a regular file: a directory or submodule of that name), in one ``git cat-file
    --batch``. A symbolic link, or a file that is not UTF-8, is refused (ConfigError
    naming it): a gate's configuration is a text file committed as itself."""
    if not FULL_SHA.fullmatch(commit):
        raise UsageError(f"read_root_files needs a full commit sha, got {commit!r}")
    specs = [f"{commit}^{{tree}}", *(f"{commit}:{name}" for name in names)]
    request = "".join(f"{spec}\n" for spec in specs).encode("utf-8", "surrogateescape")
    rc, out, err = run_bytes(
        "git", "cat-file", "--batch", cwd=cwd, env=_environment(), stdin=request
    )
    if rc != 0:
        detail = err.decode("utf-8", "replace").strip() or f"git exited {rc}"
        raise GateError(f"cannot read {commit}: {detail}")
    bodies: list[tuple[str, bytes] | None] = []
    pos = 0
    for _ in specs:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode("ascii", "replace").split()
        pos = end + 1
        if len(header) != 3 or header[1] not in ("blob", "tree", "commit", "tag"):
            bodies.append(None)  # "<spec> missing" / "ambiguous"
            continue
        size = int(header[2])
        bodies.append((header[1], out[pos : pos + size]))
        pos += size + 1
    root = bodies[0]
    if root is None:
        raise ConfigError(f"{commit} is not a commit in this checkout")
    modes = _tree_modes(root[1], len(commit) // 2)
    files: dict[str, str | None] = {}
    for name, found in zip(names, bodies[1 : 1 + len(names)], strict=True):
        where = f"{commit[:12]}:{name}"
        if found is None or found[0] != "blob":
            files[name] = None
            continue
        if modes.get(name) == "120000":
            raise ConfigError(f"{where} is a symbolic link; commit the configuration file itself")
        try:
            files[name] = found[1].decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: not valid TOML: not UTF-8") from None
    return files


def changed_files(cwd: str | Path, base: str, head: str) -> list[str] | None:
    """Paths changed between the merge base of ``base`` and ``head`` (both shas): both
    sides of a rename or copy. None when git cannot tell (a commit is not in the clone)."""
    rc, out, _ = run_git(
        cwd,
        "diff",
        "--no-renames",
        "--no-ext-diff",
        "--ignore-submodules=none",  # a gitlink bump is a change, whatever .gitmodules says
        "--name-only",
        "-z",
        f"{base}...{head}",
        check=False,
    )
    if rc != 0:
        return None
    return [p for p in out.split("\0") if p]


def commit_messages(cwd: str | Path, base: str, head: str) -> list[str] | None:
    """The full messages of the commits on ``head`` and not on ``base`` (what
    ``gh pr create --fill`` makes a PR body from); None when git cannot tell."""
    rc, out, _ = run_git(
        cwd, "log", "--no-show-signature", "--format=%B%x00", f"{base}..{head}", check=False
    )
    if rc != 0:
        return None
    return [m.strip() for m in out.split("\0") if m.strip()]


# ----------------------------------------------------------------------------- small helpers


def toplevel(cwd: str | Path = ".") -> Path:
    """The work tree root of the checkout containing ``cwd``."""
    return locate(cwd).top


def locate(cwd: str | Path = ".") -> Location:
    """Where the checkout containing ``cwd`` is: work tree root, git dir, common dir (one
    ``git rev-parse``, remembered for the process: see :mod:`review_gate.git_memo`)."""
    found = git_memo.location(cwd)
    if found is not None:
        return found
    rc, out, _ = run_git(
        cwd,
        "rev-parse",
        "--path-format=absolute",
        "--show-toplevel",
        "--git-dir",
        "--git-common-dir",
        check=False,
    )
    lines = out.splitlines()
    if rc != 0 or len(lines) != 3:
        raise NotAGitRepository(
            f"{Path(cwd).resolve()} is not inside a git repository",
            hint="run the command inside a git checkout (or pass -C DIR)",
        )
    found = Location(Path(lines[0]), Path(lines[1]), Path(lines[2]))
    git_memo.remember_location(cwd, found)
    git_memo.remember_location(found.top, found)  # the same answer from the top level
    return found


def common_dir(cwd: str | Path = ".") -> Path:
    """``git rev-parse --git-common-dir`` as an absolute path: shared by every worktree."""
    known = git_memo.common_dir(cwd)
    if known is not None:
        return known
    rc, out, _ = run_git(
        cwd, "rev-parse", "--path-format=absolute", "--git-common-dir", check=False
    )
    if rc != 0:
        raise NotAGitRepository(
            f"{Path(cwd).resolve()} is not inside a git repository",
            hint="run the command inside a git checkout (or pass -C DIR)",
        )
    found = Path(out.strip())
    git_memo.remember_common_dir(cwd, found)
    return found


def state_dir(cwd: str | Path = ".") -> Path:
    """``<git-common-dir>/review-gate``: where the local tracker, logs and pid records live."""
    path = common_dir(cwd) / "review-gate"
    path.mkdir(parents=True, exist_ok=True)
    return path


def head_sha(cwd: str | Path = ".") -> str | None:
    """The commit HEAD points at, or None in a repository with no commits."""
    rc, out, _ = run_git(cwd, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False)
    return out.strip() if rc == 0 and out.strip() else None


def current_branch(cwd: str | Path = ".") -> str | None:
    """The checked-out branch name, or None on a detached HEAD."""
    rc, out, _ = run_git(cwd, "symbolic-ref", "-q", "HEAD", check=False)
    ref = out.strip()
    return ref.removeprefix("refs/heads/") if rc == 0 and ref.startswith("refs/heads/") else None


def issue_from_branch(branch: str | None, pattern: str | None = None) -> int | None:
    """The issue number of a worker branch (``feature/<N>-slug`` by default), else None."""
    if not branch:
        return None
    regex = re.compile(pattern) if pattern else _WORKER_BRANCH
    match = regex.search(branch)
    if not match:
        return None
    try:
        number = int(match.group(1))
    except (IndexError, ValueError, TypeError):
        return None
    return number if number > 0 else None


def remote_url(name: str = "origin", cwd: str | Path = ".") -> str | None:
    """The remote's URL (``git remote get-url``), None when there is no such remote.
    Remembered while the configuration files it could come from are unchanged."""
    known = git_memo.remote_url(cwd, name)
    if known is not None:
        return known[0]
    rc, out, _ = run_git(cwd, "remote", "get-url", name, check=False)
    url = out.strip() if rc == 0 and out.strip() else None
    git_memo.remember_remote_url(cwd, name, url)
    return url


def repo_from_remote_url(url: str | None) -> str | None:
    """``owner/name`` from a GitHub-style remote URL (https, ssh or scp-like), else None."""
    if not url:
        return None
    match = re.search(r"[:/]([^/:]+)/([^/]+?)(?:\.git)?/?$", url.strip())
    if not match:
        return None
    return f"{match.group(1)}/{match.group(2)}"


def remote_urls(refs_cwd: str | Path, names: Iterable[str] = ("origin",)) -> dict[str, str]:
    """``{remote: url}`` for the named remotes that exist (one ``git config`` call)."""
    rc, out, _ = run_git(
        refs_cwd, "config", "-z", "--get-regexp", r"^remote\..*\.url$", check=False
    )
    wanted = set(names)
    urls: dict[str, str] = {}
    for record in out.split("\0") if rc == 0 else []:
        key, _, value = record.partition("\n")
        remote = key.removeprefix("remote.").removesuffix(".url")
        if remote in wanted and value:
            urls[remote] = value
    return urls
