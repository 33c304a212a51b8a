"""Commands the analyser has no model of, and other ways code hides inside a command.

An unknown program may run what it is given: ``xvfb-run gh pr create``, ``chroot / gh pr
create``, ``tmux new -d 'gh pr create'``, ``at now <<< 'gh pr create'``. Rather than
listing every such program, any command that is not known to treat its arguments as
plain data is searched for an embedded command line (a word naming a runnable program,
analysed with what follows it), for arguments that are themselves shell code, and for
shell code it reads on stdin. ``xargs`` and GNU ``parallel``, which build command lines
from their input, live here too.
"""

from __future__ import annotations

from review_gate.shell import options as opts
from review_gate.shell import syntax as tree
from review_gate.shell.patterns import lazy
from review_gate.shell.prefilter import prish, words
from review_gate.shell.runners import interpreter_family
from review_gate.shell.words import DYN, Word, literal

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Sequence

    from review_gate.shell.walker import Analyser

#: Programs that never run their arguments or stdin as code (the words are data to them).
DATA = words(
    "echo printf print cat tac tee head tail less more most grep egrep fgrep zgrep rg ag ack "
    "ugrep man info tldr help which type whereis whatis apropos hash test [ [[ : true false "
    "read mapfile readarray set unset shift printenv wc sort uniq cut paste column fold fmt "
    "nl diff cmp comm jq yq gojq sponge od hexdump strings file stat ls dir touch mkdir "
    "rmdir cp mv ln rm chmod chown chgrp basename dirname realpath readlink pwd cd pushd popd "
    "sleep date gate patch unalias shopt wait kill exit return break continue let cd"
)
#: Programs that run the command line given after their own options.
RUNNABLE = words(
    "gh hub curl wget http https xh xhs git sh bash zsh dash ksh mksh ash yash fish eval "
    "exec env command builtin sudo doas nohup setsid timeout nice time xargs find source . "
    "claude codex"
)
_SPELLINGS = ("gh pr create", "gh pr new", "hub pull-request", "git pull-request")
_GLOB = lazy(r"([*?]|\[[^\]]*\])")
_SED_E = lazy(r"(?:^|[\s;{}!\d$/])e(?:\s|$)|/[gpiImMw\d]*e[gpiImM\d]*\s*(?:;|$)")


def _glob_piece(piece: str) -> str:
    import re

    if piece == "*":
        return "[^ ]*"
    if piece == "?" or piece.startswith("["):
        return "[^ ]"
    return re.escape(piece)


def _word_pattern(word: Word) -> str:
    """A regex for the values a word may take: run-time parts are anything (spaces too),
    glob characters stay inside the word."""
    import re

    pieces = []
    for part in word.template.lower().split(DYN):
        if word.glob:
            globbed = _GLOB.split(part)
            pieces.append("".join(_glob_piece(g) for g in globbed))
        else:
            pieces.append(re.escape(part))
    return ".*".join(pieces)


def spells_pr(argv: Sequence[Word]) -> bool:
    """Could words with run-time parts (``${X}h p${Y}r cr${Z}eate``) spell a PR creation?

    Each unknown part may be any text, spaces included. The literal parts must match
    ``gh pr create`` (or another spelling) exactly and include a letter of ``gh``, ``pr``
    or ``hub``, so ``$EDITOR notes.txt``, ``$CMD --version`` and ``$X new`` do not match.
    """
    import re

    patterns: list[str] = []
    literal_text = ""
    for word in argv[:4]:
        patterns.append(_word_pattern(word))
        literal_text += word.template.replace(DYN, "")
        if (DYN not in word.template and not word.glob and len(patterns) == 1) or not any(
            c in literal_text.lower() for c in "ghpu"
        ):
            continue
        pattern = " ".join(patterns)
        if any(re.fullmatch(pattern, s, re.DOTALL) for s in _SPELLINGS):
            return True
    return False


def _runnable(word: Word) -> bool:
    value = word.exact
    if value is None:
        return False
    name = value.rstrip("/").rsplit("/", 1)[-1].lower()
    return name in RUNNABLE or interpreter_family(name) is not None


def _sed_runs_code(script: str) -> bool:
    # GNU sed's `e` command and the `e` flag of `s///e` run shell commands.
    return bool(_SED_E.search(script))


def program(
    a: Analyser, cmd: tree.Cmd, src: bytes, depth: int, name: str, args: list[Word], *, stdin: bool
) -> None:
    """A program this analyser has no model of: it may run what it is given."""
    if name in DATA or depth >= 8:
        return
    if name == "sed":
        parsed = opts.parse(args, ("ef", ("--expression", "--file")))
        scripts = opts.values(parsed, "-e", "--expression")
        if not scripts:
            scripts = [o.value for o in opts.positionals(parsed)[:1] if o.value is not None]
        for script in scripts:
            value = script.value
            if value is not None and prish(value) and _sed_runs_code(value):
                a.out.undecided(cmd.text, "sed script runs commands about PRs")
        return
    if [w.value for w in args[:2]] in (["pr", "create"], ["pr", "new"]):
        a.out.undecided(cmd.text, f"`{name} pr create` may be gh under another name")
        return
    # `xvfb-run gh pr create`, `chroot / gh pr create`, `retry 3 "$GH" pr create`
    for k, word in enumerate(args[:32]):
        if _runnable(word):
            a.argv(cmd, src, depth + 1, args[k:], [], stdin=False)
            break
        if word.value is None and spells_pr(args[k:]):  # `retry 3 $G pr cr${X}eate`
            a.out.undecided(cmd.text, "runs a command computed at run time")
            break
    # `tmux new -d 'gh pr create'`, `vim -c '!gh pr create'`, `nix-shell --run '...'`
    for word in args[:32]:
        value = word.value
        if value is not None and value.startswith("!"):
            value = value[1:]
        a.embedded_code(value, depth)
    # `at now <<< 'gh pr create'`, `tclsh <<EOF`
    if stdin:
        feed = tree.stdin_of(cmd, src)
        if feed is not None:
            a.embedded_code(feed.code, depth)


def parallel(
    a: Analyser, cmd: tree.Cmd, src: bytes, depth: int, args: list[Word], *, stdin: bool
) -> None:
    """GNU parallel: ``parallel gh pr ::: create``, ``parallel ::: 'gh pr create'``."""
    seps = [i for i, w in enumerate(args) if w.value in (":::", "::::", ":::+", "::::+")]
    head = args[: seps[0]] if seps else args
    parsed = opts.parse(
        head, ("jIdaS", ("--jobs", "--arg-file", "--delimiter")), stop_at_positional=True
    )
    first = opts.positionals(parsed)[:1]
    template = list(head[first[0].at :]) if first else []
    inputs: list[Word] = []
    for start, end in zip(seps, [*seps[1:], len(args)], strict=False):
        if args[start].value in ("::::", "::::+"):
            inputs.append(Word("<file>", None, DYN))
        else:
            inputs.extend(args[start + 1 : end])
    if not seps:
        feed = tree.stdin_of(cmd, src) if stdin else None
        if feed is not None and feed.code is not None:
            inputs = [literal(line) for line in feed.code.splitlines()[:16]]
        else:
            inputs = [Word("<stdin>", None, DYN)]
    for item in inputs[:16]:
        if any("{}" in w.template for w in template):
            code = " ".join(w.template.replace("{}", item.template) for w in template)
        else:
            code = " ".join([*(w.template for w in template), item.template])
        if DYN in code:
            a.unknown_code(cmd.text, cmd.text, "parallel runs a computed command")
        else:
            a.code(code, depth + 1)


def xargs(
    a: Analyser,
    cmd: tree.Cmd,
    src: bytes,
    depth: int,
    args: list[Word],
    assigns: list[tuple[str, Word]],
    *,
    stdin: bool,
) -> None:
    """``xargs CMD``: ``CMD`` runs with the items read on stdin (``-I {}`` puts them in)."""
    parsed = opts.parse(
        args,
        (
            "IdEaLnPs",
            (
                "--replace",
                "--delimiter",
                "--eof",
                "--arg-file",
                "--max-lines",
                "--max-args",
                "--max-procs",
                "--max-chars",
                "--process-slot-var",
            ),
        ),
        stop_at_positional=True,
    )
    first = opts.positionals(parsed)[:1]
    words = list(args[first[0].at :]) if first else [literal("echo")]
    replace_opts = [o for o in parsed if o.name in ("-I", "-i", "--replace")]
    # Only the first xargs reads the pipe: `xargs xargs <<< xargs` must not loop.
    reads = stdin and not opts.values(parsed, "-a", "--arg-file")
    feed = tree.stdin_of(cmd, src) if reads else None
    text = feed.code if feed is not None else None
    unknown = Word("<stdin>", None, DYN)
    delimiter = _last_value(opts.values(parsed, "-d", "--delimiter"))
    if any(o.name in ("-0", "--null") for o in parsed):
        delimiter = "\0"
    if replace_opts:
        value = replace_opts[-1].value
        marker = value.value if value is not None and value.value else "{}"
        lines: list[str | None] = [None]
        if text is not None:
            split = text.split(delimiter) if delimiter else text.splitlines()
            lines = [*split[:16]]
        for line in lines or [None]:
            variant = [_replace(w, marker, line) if marker in w.template else w for w in words]
            a.argv(cmd, src, depth, variant, list(assigns), stdin=False)
        return
    extra = [unknown]
    if text is not None:
        extra = [literal(t) for t in _xargs_items(text, delimiter)]
    a.argv(cmd, src, depth, words + extra, list(assigns), stdin=False)


def _last_value(values: Sequence[Word]) -> str | None:
    value = values[-1].value if values else None
    if value and value.startswith("\\") and len(value) > 1:
        value = {"n": "\n", "t": "\t", "0": "\0"}.get(value[1], value[1])
    return value or None


def _xargs_items(text: str, delimiter: str | None) -> list[str]:
    """The arguments xargs reads: split at ``delimiter``, else at blanks with quotes honoured."""
    if delimiter:
        items = text.split(delimiter)
        return items[:-1] if items and not items[-1] else items
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _replace(word: Word, marker: str, line: str | None) -> Word:
    if line is None:
        return Word(word.text, None, word.template.replace(marker, DYN))
    value = word.template.replace(marker, line)
    return Word(value, None if DYN in value else value, value)
