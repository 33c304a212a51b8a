"""Which files git's own subcommands change: ``git rm``, ``git mv``, ``git clean -x``,
``git checkout REF -- PATH``, ``git restore``, ``git config -f FILE``, and the files git
writes where it is told to (``log --output=F``, ``format-patch -o DIR``, ``archive -o F``,
``bundle create F``, ``clone``/``init``/``worktree add DIR``) (see :mod:`.writers`)."""

from __future__ import annotations

from review_gate.shell import options as opts
from review_gate.shell.git_commands import _CONFIG_READ
from review_gate.shell.paths import INTO, REMOVES, WRITES, Touch, child
from review_gate.shell.prefilter import words
from review_gate.shell.words import DYN, Word

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
    if not pos or pos[0].value is None:
        return []
    sub = pos[0].value.value or ""
    rest = list(args[pos[0].at + 1 :])
    dirs = opts.values(parsed, "-C")
    if sub not in subs:
        return [_in(dirs, t) for t in _outputs(sub, rest)]
    if sub == "config":
        return [_in(dirs, t) for t in _git_config_file(rest)]
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


def _in(dirs: Sequence[Word], touch: Touch) -> Touch:
    """``git -C DIR ...``: a relative path is taken from DIR."""
    word = touch.word
    if not dirs or word.template.startswith(("/", "~")):
        return touch
    for directory in reversed(dirs):
        if not directory.template.startswith(("/", "~")):
            word = child(directory, word.template)
        else:
            return touch._replace(word=child(directory, word.template))
    return touch._replace(word=word)


#: Subcommands that take diff options, among them ``--output=FILE`` (the patch goes there).
_DIFFS = words(
    "log show diff whatchanged format-patch diff-tree diff-index diff-files range-diff "
    "reflog stash cherry grep blame shortlog"
)
#: Subcommands that create a repository or checkout at the path they are given.
_CREATES = words("clone init")


def _option_values(rest: Sequence[Word], short: str, longs: Sequence[str]) -> list[Word]:
    """The values of ``-X VALUE``/``-XVALUE``, ``--long VALUE``/``--long=VALUE`` (and the
    abbreviations git accepts) anywhere in ``rest``, without knowing the other options."""
    found: list[Word] = []
    for i, word in enumerate(rest):
        template = word.template
        if template == "--":
            break
        name, eq, value = template.partition("=")
        given = (
            name.startswith("--")
            and len(name) >= 4
            and any(long.startswith(name) for long in longs)
            and not name.startswith("--output-indicator")
        )
        if given and eq:
            found.append(Word(value, None if DYN in value else value, value, word.glob))
        elif given or (short and template == short):
            if i + 1 < len(rest):
                found.append(rest[i + 1])
        elif short and template.startswith(short) and not template.startswith("--"):
            value = template[len(short) :]
            found.append(Word(value, None if DYN in value else value, value, word.glob))
    return [w for w in found if w.template not in ("", "-")]


def _outputs(sub: str, rest: list[Word]) -> list[Touch]:
    """git's own file writers: ``log|show|diff ... --output=F``, ``format-patch -o DIR``,
    ``archive -o F``, ``bundle create F``, ``clone URL DIR``, ``init DIR``,
    ``worktree add DIR``."""
    route = f"git {sub}"
    out: list[Touch] = []
    if sub in _DIFFS:
        out += [
            Touch(f"{route} --output", WRITES, w) for w in _option_values(rest, "", ("--output",))
        ]
    if sub == "format-patch":
        dirs = _option_values(rest, "-o", ("--output-directory",))
        out += [Touch(f"{route} -o", INTO, w) for w in dirs]
    elif sub == "archive":
        out += [Touch(f"{route} -o", WRITES, w) for w in _option_values(rest, "-o", ("--output",))]
    elif sub == "bundle":
        values = [w.value for w in rest]
        if "create" in values:
            after = [
                w for w in rest[values.index("create") + 1 :] if not w.template.startswith("-")
            ]
            out += [Touch(f"{route} create", WRITES, w) for w in after[:1] if w.value != "-"]
    elif sub in _CREATES or (sub == "worktree" and rest and rest[0].value == "add"):
        given = rest[1:] if sub == "worktree" else rest
        table = (
            "boBcujl",
            words(
                "--branch --origin --template --reference --separate-git-dir "
                "--depth --config --upload-pack --shallow-since --object-format"
            ),
        )
        operands = _positionals(opts.parse(given, table))
        target = operands[-1:] if sub != "clone" or len(operands) >= 2 else []
        out += [Touch(route, INTO, w) for w in target]
        out += [Touch(f"{route} --separate-git-dir", INTO, w)
                for w in _option_values(given, "", ("--separate-git-dir",))]  # fmt: skip
    return out


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
