"""The git commands a review or research worker may run (hooks/read_only_shell.py):
the reading subcommands, without the options that write a file (``--output``), run a
program (``--ext-diff``, ``git grep -O``) or change configuration (``git -c``); branches and
tags only listed, configuration only read, remotes, reflogs, stashes and worktrees only
listed or shown.

Configuration the checkout carries (``core.fsmonitor``, ``core.pager``, ``gpg.program``)
could still make a reading command run a program: :data:`NEUTRAL_CONFIG` is set in a
read-only worker's environment by dispatch/spawn.py to put back git's defaults. A
textconv, filter or diff driver and ``diff.external`` have no such switch (a driver's name
is the repository's choice; an empty ``diff.external`` breaks `git diff`): the protected
checkout's own hooks are what refuse to let a worker plant one (shell/git_commands.py)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

_GIT_SUBCOMMANDS = frozenset(
    {
        "log", "show", "diff", "status", "blame", "rev-parse", "ls-files", "ls-tree",
        "cat-file", "grep", "branch", "tag", "describe", "shortlog", "merge-base", "rev-list",
        "config", "show-ref", "range-diff", "cherry", "remote", "reflog", "stash", "worktree",
    }
)  # fmt: skip
# git's global options a read-only command may use (``-c`` sets configuration: denied).
_GIT_GLOBAL = frozenset(
    {"--no-pager", "-P", "--no-optional-locks", "--literal-pathspecs", "--no-replace-objects"}
)
# git options that write a file, run a program or run the repository's filters.
_GIT_DENIED = (
    "--output", "--output-directory", "--ext-diff", "--textconv", "--filters",
    "--open-files-in-pager", "--exec", "--upload-pack", "--receive-pack",
)  # fmt: skip
_LIST_BRANCHES = frozenset(
    {
        "-a", "--all", "-r", "--remotes", "-l", "--list", "-v", "-vv", "--verbose",
        "--show-current", "--color", "--no-color", "--column", "--no-column", "-i",
        "--ignore-case", "--omit-empty", "-n",
    }
)  # fmt: skip
# `git tag -a` annotates (and `-r` is no tag option): listing options of tags only.
_LIST_TAGS = _LIST_BRANCHES - {"-a", "--all", "-r", "--remotes", "-vv", "--show-current"}
_LIST_VALUES = frozenset({"--contains", "--no-contains", "--merged", "--no-merged",
                          "--points-at", "--format", "--sort"})  # fmt: skip
_CONFIG_READS = frozenset({"--get", "--get-all", "--get-regexp", "--list", "-l",
                           "--get-urlmatch", "--get-color", "--get-colorbool"})  # fmt: skip
_CONFIG_FLAGS = frozenset(
    {
        "--show-origin", "--show-scope", "--name-only", "-z", "--null", "--local", "--global",
        "--system", "--worktree", "--bool", "--int", "--bool-or-int", "--path",
        "--expiry-date", "--includes", "--no-includes", "--all",
    }
)  # fmt: skip


# Configuration a read-only worker's git runs with, set through the environment as
# `git -c` would (command-line scope: it overrides the repository's own files).
# Not `diff.external`: an empty value does not unset it, git then fails every `git diff`
# trying to run "" (and any other value is a program run on every diff).
NEUTRAL_CONFIG = (
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("log.showSignature", "false"),
    ("gpg.program", "gpg"),
    ("gpg.ssh.program", "ssh-keygen"),
    ("gpg.x509.program", "gpgsm"),
)


def neutral_config_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n`` variables that
    add :data:`NEUTRAL_CONFIG` after any pairs ``environ`` already holds."""
    try:
        count = int(environ.get("GIT_CONFIG_COUNT", "0") or "0")
    except ValueError:
        count = 0
    out: dict[str, str] = {}
    for key, value in NEUTRAL_CONFIG:
        out[f"GIT_CONFIG_KEY_{count}"] = key
        out[f"GIT_CONFIG_VALUE_{count}"] = value
        count += 1
    out["GIT_CONFIG_COUNT"] = str(count)
    return out


def matches(word: str, denied: Sequence[str]) -> bool:
    """``word`` is one of ``denied`` options, with a value, or abbreviates a long one."""
    name = word.split("=", 1)[0]
    for option in denied:
        if name == option:
            return True
        if option.startswith("--") and name.startswith("--") and len(name) > 2:
            if option.startswith(name):
                return True
        elif not option.startswith("--") and len(option) == 2 and word.startswith(option):
            return True  # `-ofile`, `-Ovim`
    return False


def git_problem(args: Sequence[str]) -> str | None:
    """What makes ``git ARGS`` more than reading (a phrase naming it), else None."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] == "-C" and i + 1 < len(args):
            i += 2
            continue
        if args[i] not in _GIT_GLOBAL:
            return f"`git {args[i]}` is not allowed (git's global options may change what runs)"
        i += 1
    if i >= len(args):
        return None
    sub, rest = args[i], args[i + 1 :]
    if sub not in _GIT_SUBCOMMANDS:
        return f"`git {sub}` changes the repository or is not a read-only git command"
    hit = next((a for a in rest if _git_denied(a)), None)
    if hit is not None:
        return f"`git {sub} {hit}` writes a file or runs a program"
    if sub == "grep":
        hit = next((a for a in rest if a[:1] == "-" and a[1:2] != "-" and "O" in a), None)
        if hit is not None:
            return f"`git grep {hit}` runs a program"
    if sub in ("branch", "tag"):
        return _git_listing(sub, rest)
    if sub == "config":
        return _git_config(rest)
    return _git_subcommand(sub, rest)


# Read-only subcommands of git's commands that also change things, with the options of
# `git remote` that may come before its subcommand (`git remote -v`).
_READ_SUBCOMMANDS = {"stash": ("list", "show"), "worktree": ("list",)}


def _git_subcommand(sub: str, args: Sequence[str]) -> str | None:
    """``git remote``, ``reflog``, ``stash``, ``worktree``: their reading forms only."""
    if sub == "remote":
        rest = [a for a in args if a not in ("-v", "--verbose")]
        getting = rest[:1] == ["get-url"] and all(
            a in ("--push", "--all") or not a.startswith("-") for a in rest[1:]
        )
        if rest and not getting:
            return "`git remote` may only list (`-v`) or `get-url NAME`"
    elif sub == "reflog":
        # `git reflog [show] [log options]`; `expire` and `delete` change the reflog
        if any(a in ("expire", "delete") for a in args):
            return "`git reflog expire|delete` changes the reflog (read with `git reflog`)"
    elif sub in _READ_SUBCOMMANDS:
        allowed = _READ_SUBCOMMANDS[sub]
        if not args or args[0] not in allowed:
            return f"`git {sub}` may only {'|'.join(allowed)}"
    return None


def _git_denied(arg: str) -> bool:
    # `--text` is an option of its own, not an abbreviation of `--textconv`
    return arg.startswith("--") and arg != "--text" and matches(arg, _GIT_DENIED)


def _git_listing(sub: str, args: Sequence[str]) -> str | None:
    listing = False
    positional = False
    i = 0
    while i < len(args):
        arg = args[i]
        name = arg.split("=", 1)[0]
        if arg in ("-l", "--list"):
            listing = True
        if name in _LIST_VALUES:
            i += 1 if "=" in arg or arg in ("--color", "--column") else 2
            continue
        allowed = _LIST_TAGS if sub == "tag" else _LIST_BRANCHES
        if name in allowed or (sub == "tag" and arg.startswith("-n")):
            i += 1
            continue
        if arg.startswith("-"):
            return f"`git {sub} {arg}` is not a listing option"
        positional = True
        i += 1
    if positional and not listing:
        return f"`git {sub} NAME` creates a {sub} (list with `git {sub} --list`)"
    return None


def _git_config(args: Sequence[str]) -> str | None:
    if args and args[0] in ("get", "list"):
        args = args[1:]
        reading = True
    else:
        reading = any(a.split("=", 1)[0] in _CONFIG_READS for a in args)
    for arg in args:
        name = arg.split("=", 1)[0]
        if arg.startswith("-") and name not in _CONFIG_READS | _CONFIG_FLAGS | {
            "--type", "--default", "--file", "-f", "--blob", "--url", "--regexp", "--value",
        }:  # fmt: skip
            return f"`git config {arg}` is not a reading option"
    if not reading:
        return "`git config` may only read (`--get KEY`, `--list`)"
    return None
