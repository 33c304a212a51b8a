"""Wrappers: programs that run the command line they are given (``sudo gh pr create``).

:func:`unwrap` turns ``sudo -u me timeout 5 gh pr create`` into ``gh pr create`` one
wrapper at a time, and handles the wrappers that run a command per input item or found
file (``xargs``, ``find -exec``, ``parallel``) itself.
"""

from __future__ import annotations

from review_gate.shell import foreign, paths, writers
from review_gate.shell import options as opts
from review_gate.shell import syntax as tree
from review_gate.shell.paths import FIND_ITEM
from review_gate.shell.prefilter import words as _words
from review_gate.shell.words import DYN, Word, joined, literal

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from review_gate.shell.walker import Analyser

#: name -> (short options with a value, long options with a value, positionals before the
#: command, options meaning "no command runs")
_WRAPPERS: dict[str, tuple[str, frozenset[str], int, frozenset[str]]] = {}


def _wrapper(names: str, shorts: str = "", longs: str = "", skip: int = 0, stop: str = "") -> None:
    for name in names.split():
        _WRAPPERS[name] = (shorts, frozenset(longs.split()), skip, frozenset(stop.split()))


_wrapper("command", stop="-v -V")
_wrapper("builtin coproc nohup catchsegv setsid busybox")
_wrapper("unbuffer chronic")
_wrapper("time", "fo", "--format --output")
_wrapper("timeout", "sk", "--signal --kill-after", skip=1)
_wrapper("nice", "n", "--adjustment")
_wrapper("exec", "a")
_wrapper("stdbuf", "ioe", "--input --output --error")
_wrapper("ionice", "cn", "--class --classdata", stop="-p --pid -P --pgid -u --uid")
_wrapper("chrt", "TPD", "--sched-runtime --sched-period --sched-deadline", 1, stop="-p --pid")
_wrapper("taskset", "", "", 1, stop="-p --pid")
_wrapper("caffeinate", "tw")
_wrapper("doas", "uC")
_wrapper("strace ltrace", "abeEIoOpPSsuUX", "--output --trace --signal --user")
_wrapper("unshare firejail nsenter")
_wrapper(
    "sudo",
    "ugpCDrtUTR",
    "--user --group --prompt --close-from --chdir --role --type --other-user "
    "--command-timeout --chroot",
    stop="-l --list -v --validate -e --edit -V --version -h --help -K --remove-timestamp",
)

_RUNNERS = {
    "uv": ("run",),
    "poetry": ("run",),
    "pipenv": ("run",),
    "pdm": ("run",),
    "hatch": ("run",),
    "rye": ("run",),
    "pixi": ("run",),
    "conda": ("run",),
    "mamba": ("run",),
    "micromamba": ("run",),
    "mise": ("exec", "x"),
    "rtx": ("exec", "x"),
    "asdf": ("exec",),
    "devbox": ("run",),
    "direnv": ("exec",),
}
_RUNNER_VALUES = _words(
    "--with --python -p --project --directory --env-file --extra --group --package "
    "--index --from -n --name --prefix -e --env"
)


def unwrap(
    a: Analyser,
    cmd: tree.Cmd,
    src: bytes,
    depth: int,
    name: str,
    args: list[Word],
    assigns: list[tuple[str, Word]],
    *,
    stdin: bool,
) -> list[Word] | bool | None:
    """The wrapped command's words; None if ``name`` is no wrapper; False if handled."""
    if name in _WRAPPERS:
        shorts, longs, skip, stop = _WRAPPERS[name]
        parsed = opts.parse(args, (shorts, longs), stop_at_positional=True)
        if any(o.name in stop for o in parsed):
            return False
        rest = opts.after_options(parsed, args, skip)
        if name == "sudo":
            while rest and _assignment(rest[0]):
                assigns.append(_split_assignment(rest[0]))
                rest = rest[1:]
            if not rest and any(o.name in ("-s", "-i", "--shell", "--login") for o in parsed):
                rest = [literal("sh")]
        return rest
    if name == "env":
        return _env(a, cmd, src, depth, args, assigns, stdin=stdin)
    if name in _RUNNERS:
        if not args or args[0].value not in _RUNNERS[name]:
            return False
        rest = args[1:]
        if name == "direnv" and rest:
            rest = rest[1:]  # direnv exec DIR cmd
        while rest and rest[0].template.startswith("-"):
            flag = rest.pop(0).template
            if flag == "--":
                break
            if flag in _RUNNER_VALUES and rest:
                rest.pop(0)
        return rest
    if name == "xargs":
        foreign.xargs(a, cmd, src, depth, args, assigns, stdin=stdin)
        return False
    if name == "find":
        groups = _find_exec(args)
        for group in groups:
            a.argv(cmd, src, depth, group, list(assigns), stdin=False)
        for touch in writers.find_touches(args, groups):
            a.touch(cmd.text, touch)
        return False
    if name == "parallel":
        foreign.parallel(a, cmd, src, depth, args, stdin=stdin)
        return False
    return None


def _env(
    a: Analyser,
    cmd: tree.Cmd,
    src: bytes,
    depth: int,
    args: list[Word],
    assigns: list[tuple[str, Word]],
    *,
    stdin: bool,
) -> list[Word] | bool:
    parsed = opts.parse(
        args, ("uCSP", ("--unset", "--chdir", "--split-string")), stop_at_positional=True
    )
    split = opts.values(parsed, "-S", "--split-string")
    rest = opts.after_options(parsed, args, 0)
    while rest and _assignment(rest[0]):
        assigns.append(_split_assignment(rest[0]))
        rest = rest[1:]
    if split:
        a.shell_code(cmd.text, joined(split + rest), depth, "env -S string")
        return False
    chdir = opts.values(parsed, "-C", "--chdir")
    if chdir and chdir[-1].value is not None and rest:
        in_dir(a, chdir[-1].value, lambda: a.argv(cmd, src, depth, rest, assigns, stdin=stdin))
        return False
    return rest


def in_dir(a: Analyser, directory: str, run: Callable[[], None]) -> None:
    """``run()`` with relative paths taken from ``directory`` (``env -C DIR cmd``)."""
    before = a.cwd
    a.cwd = paths.join_dir(before, directory)
    a.in_dirs.append(directory)
    try:
        run()
    finally:
        a.cwd = before
        a.in_dirs.pop()


def _assignment(word: Word) -> bool:
    name, eq, _ = word.template.partition("=")
    return bool(eq) and name.replace("_", "a").isalnum() and not name[:1].isdigit()


def _split_assignment(word: Word) -> tuple[str, Word]:
    name, _, value = word.template.partition("=")
    return name, Word(value, None if DYN in value else value, value)


def _find_exec(args: Sequence[Word]) -> list[list[Word]]:
    groups: list[list[Word]] = []
    current: list[Word] | None = None
    for word in args:
        if current is None:
            if word.value in ("-exec", "-execdir", "-ok", "-okdir"):
                current = []
            continue
        if word.value in (";", "+"):
            groups.append(current)
            current = None
        elif word.value == "{}":
            current.append(FIND_ITEM)
        else:
            current.append(word)
    if current:
        groups.append(current)
    return groups
