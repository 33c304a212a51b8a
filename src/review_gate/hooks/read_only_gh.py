"""The ``gh`` and ``gate`` commands a review or research worker may run
(hooks/read_only_shell.py): listed subcommands that read, or post the worker's own
comment, with every option checked, not only the first words (``gh pr view --web`` opens a
browser, ``gh issue comment --delete-last`` changes a posted comment, ``gate check
--report`` posts a verdict)."""

from __future__ import annotations

from review_gate.hooks.read_only_git import matches

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_GH = {
    "issue": frozenset({"view", "list", "comment"}),
    "pr": frozenset({"view", "diff", "list", "checks"}),
    "run": frozenset({"view", "list"}),
    "workflow": frozenset({"list"}),
}
# gh options, anywhere in the command, that open a browser or an editor (a program the
# worker chooses) or change a posted comment: the rest of a listed gh command only reads.
_GH_DENIED = ("--web", "--editor", "--edit-last", "--delete-last", "--edit", "--yes")
_GH_SHORT_DENIED = "we"  # -w/--web, -e/--editor (gh run list's -w, -e take values)
_GATE = {
    "new": None, "validate": None, "check": None, "issue": frozenset({"show", "comment", "list"}),
    "dispatch": frozenset({"status"}), "config": frozenset({"show"}),
}  # fmt: skip
# gate options that post or speak for someone else (``--author``), anywhere in the command.
_GATE_DENIED = ("--report", "--author", "--association")


def gh_problem(args: Sequence[str]) -> str | None:
    """What makes ``gh ARGS`` more than reading or commenting, else None."""
    rest = list(args)
    while len(rest) >= 2 and rest[0] in ("-R", "--repo"):
        rest = rest[2:]
    if not rest:
        return "`gh` alone is not a read-only command"
    if rest[0] == "api":
        return _gh_api(rest[1:])
    group = _GH.get(rest[0])
    if group is None or len(rest) < 2 or rest[1] not in group:
        shown = " ".join(rest[:2])
        return (
            f"`gh {shown}` is not one of gh issue view|list|comment, "
            "gh pr view|diff|list|checks, gh run view|list, gh workflow list"
        )
    letters = "" if rest[0] in ("run", "workflow") and rest[1] == "list" else _GH_SHORT_DENIED
    for arg in rest[2:]:
        short = arg.startswith("-") and not arg.startswith("--")
        long = arg.startswith("--") and matches(arg, _GH_DENIED)
        if long or (short and any(c in letters for c in arg[1:])):
            return f"`gh {rest[0]} {rest[1]} {arg}` opens a browser or editor or changes a comment"
    return None


def _value(args: Sequence[str], i: int, short: str) -> str:
    """The value of option ``args[i]``: after ``=``, glued to a short option, or next."""
    arg = args[i]
    if arg.startswith("--") and "=" in arg:
        return arg.split("=", 1)[1]
    if short and arg.startswith(short) and len(arg) > len(short):
        return arg[len(short) :]
    return args[i + 1] if i + 1 < len(args) else ""


def _gh_api(given: Sequence[str]) -> str | None:
    # `-i` (include headers) is gh api's only short flag without a value: `-iXPOST`
    args = ["-" + a[1:].lstrip("i") if a[:2] == "-i" else a for a in given]
    for i, arg in enumerate(args):
        name = arg.split("=", 1)[0]
        if name == "--method" or arg.startswith("-X"):
            if _value(args, i, "-X").upper() != "GET":
                return f"`gh api {arg}` sends a request that changes something (GET only)"
        elif name in ("--field", "--raw-field", "--input") or arg[:2] in ("-f", "-F"):
            return f"`gh api {arg}` sends fields (read with GET and no fields)"
        elif (name == "--header" or arg.startswith("-H")) and "method" in _value(
            args, i, "-H"
        ).lower():
            return "`gh api -H` may not override the method"
    return None


def gate_problem(args: Sequence[str]) -> str | None:
    """What makes ``gate ARGS`` more than reading or commenting, else None."""
    if not args or args[0] not in _GATE:
        shown = args[0] if args else ""
        return (
            f"`gate {shown}` is not one of gate new|validate|check|issue|dispatch status|"
            "config show"
        )
    group = _GATE[args[0]]
    if group is not None and (len(args) < 2 or args[1] not in group):
        shown = " ".join(args[:2])
        return f"`gate {shown}` is not a read-only gate command"
    hit = next((a for a in args if a.startswith("--") and matches(a, _GATE_DENIED)), None)
    if hit is not None:
        return f"`gate {args[0]} {hit}` posts a verdict or speaks for someone else"
    return None
