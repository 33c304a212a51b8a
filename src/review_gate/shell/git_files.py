"""Which files git's own subcommands change: ``git rm``, ``git mv``, ``git clean -x``,
``git checkout REF -- PATH``, ``git restore``, ``git config -f FILE`` (see :mod:`.writers`)."""

from __future__ import annotations

from review_gate.shell import options as opts
from review_gate.shell.git_commands import _CONFIG_READ
from review_gate.shell.paths import REMOVES, WRITES, Touch, child
from review_gate.shell.prefilter import words
from review_gate.shell.words import Word

TYPE_CHECKING = False  # keeps `typing` and `collections` out of the hook's imports
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


def _positionals(parsed: Sequence[opts.Opt]) -> list[Word]:
    return [o.value for o in opts.positionals(parsed) if o.value is not None]


def _flags(parsed: Sequence[opts.Opt]) -> set[str]:
    return {o.name for o in parsed}


def touches(args: list[Word], copy: Callable[[str, list[Word]], list[Touch]]) -> list[Touch]:
    """``git rm``, ``git mv``, ``git clean -x`` (it removes ignored files: the local agent
    settings the installer hid in info/exclude, an in-tree virtual environment)."""
    parsed = opts.parse(
        args,
        ("Cc", ("--git-dir", "--work-tree", "--namespace", "--config-env")),
        stop_at_positional=True,
    )
    pos = opts.positionals(parsed)
    subs = ("rm", "mv", "clean", "config", "checkout", "restore")
    if not pos or pos[0].value is None or pos[0].value.value not in subs:
        return []
    sub = pos[0].value.value
    rest = list(args[pos[0].at + 1 :])
    if sub == "config":
        return _git_config_file(rest)
    dirs = opts.values(parsed, "-C")
    if dirs and dirs[-1].value is not None:
        rest = [
            w if w.template.startswith(("-", "/")) else child(dirs[-1], w.template) for w in rest
        ]
    if sub in ("checkout", "restore"):
        # `git checkout REF -- PATH`, `git restore --source REF PATH`: PATH is rewritten
        values = [w.value for w in rest]
        if sub == "checkout" and "--" not in values:
            return []
        given = rest[values.index("--") + 1 :] if "--" in values else rest
        parsed = opts.parse(given, ("s", ("--source", "--pathspec-from-file")))
        flags = _flags(parsed)
        if flags & {"--staged", "-S"} and not flags & {"--worktree", "-W"}:
            return []  # only the index
        return [Touch(f"git {sub}", WRITES, w) for w in _positionals(parsed)]
    if sub == "mv":
        return [t._replace(route="git mv") for t in copy("mv", rest)]
    sub_parsed = opts.parse(
        rest, ("eq" if sub == "clean" else "", ("--exclude", "--pathspec-from-file"))
    )
    flags = _flags(sub_parsed)
    operands = _positionals(sub_parsed)
    if sub == "rm":
        if "--cached" in flags:
            return []  # only the index changes
        return [Touch("git rm", REMOVES, w, "-r" in flags) for w in operands]
    if not flags & {"-x", "-X"} or flags & {"-n", "--dry-run"}:
        return []
    here = dirs[-1] if dirs else Word(".", ".", ".")
    return [Touch("git clean -x", REMOVES, w, True, ("!gitdir",)) for w in operands or [here]]


_READ_VERBS = words("get list get-regexp get-all get-urlmatch")
_CONFIG_WRITES = words("--unset --unset-all --add --replace-all --remove-section --rename-section")


def _git_config_file(rest: list[Word]) -> list[Touch]:
    """``git config -f FILE KEY VALUE`` writes FILE (``git -c include.path=FILE`` reads it)."""
    parsed = opts.parse(rest, ("f", ("--file", "--blob", "--type", "--default", "--comment")))
    files = opts.values(parsed, "-f", "--file")
    values = [w.value for w in _positionals(parsed)]
    flags = _flags(parsed)
    reads = bool(flags & _CONFIG_READ) or (bool(values) and values[0] in _READ_VERBS)
    writes = len(values) >= 2 or values[:1] in (["set"], ["unset"]) or bool(flags & _CONFIG_WRITES)
    if not files or reads or not writes:
        return []
    return [Touch("git config -f", WRITES, files[-1])]
