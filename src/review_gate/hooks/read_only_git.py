"""The git commands a review or research worker may run (hooks/read_only_shell.py):
the reading subcommands, without the options that write a file (``--output``), run a
program (``--ext-diff``, ``git grep -O``) or change configuration (``git -c``); branches and
tags only listed, configuration only read."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_GIT_SUBCOMMANDS = frozenset(
    {
        "log", "show", "diff", "status", "blame", "rev-parse", "ls-files", "ls-tree",
        "cat-file", "grep", "branch", "tag", "describe", "shortlog", "merge-base", "rev-list",
        "config", "show-ref",
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
