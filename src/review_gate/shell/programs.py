"""The programs the analyser has a model of, and the tampering checks run on every command.

:func:`dispatch` hands a simple command (wrappers already removed) to its model: the PR
clients (:mod:`.pr_commands`, :mod:`.http_commands`), git (:mod:`.git_commands`), code runners
(:mod:`.runners`), or, for a program it does not know, :func:`.foreign.program`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from review_gate.shell import (
    foreign,
    git_commands,
    http_commands,
    paths,
    pr_commands,
    runners,
    writers,
)
from review_gate.shell import options as opts
from review_gate.shell import syntax as tree
from review_gate.shell.prefilter import words
from review_gate.shell.words import DYN, Word, joined, literal

if TYPE_CHECKING:
    from review_gate.shell.walker import Analyser

_SHELLS = words("sh bash zsh dash ksh mksh ash yash posh rbash fish")
_PR_TOOLS = words("gh hub curl wget http https xh xhs git")
_CONTAINER_VALUES = words("--env --user --workdir --env-file --container --namespace --detach-keys")
_TASK_RUNNERS = words("make gmake just task rake invoke")
_NODE_RUNNERS = words("npm pnpm yarn bun")


def program_name(value: str) -> str:
    """The name a command word runs, as the models know it: ``/usr/bin/GH/`` -> ``gh``."""
    return os.path.basename(value.rstrip("/")).lower()


def dispatch(
    a: Analyser, cmd: tree.Cmd, src: bytes, depth: int, name: str, args: list[Word], *, stdin: bool
) -> None:
    """Analyse the simple command ``name args`` of ``cmd`` with the model of ``name``."""
    text = cmd.text
    out = a.out
    if name == "gh":
        pr_commands.gh(text, args, out, loose=a.full_prish)
    elif name == "hub":
        pr_commands.hub(text, args, out)
    elif name == "curl":
        http_commands.curl(text, args, out)
    elif name == "wget":
        http_commands.wget(text, args, out)
    elif name in ("http", "https", "xh", "xhs"):
        reads = stdin and tree.stdin_of(cmd, src) is not None
        http_commands.httpie(text, args, out, reads_stdin=reads)
    elif name == "git" or (name.startswith("git-") and len(name) > 4):
        git_commands.git(
            text,
            args if name == "git" else [literal(name[4:]), *args],  # git-push = git push
            out,
            code=lambda value: a.embedded_code(value, depth),
            run=lambda words: a.argv(cmd, src, depth + 1, words, [], stdin=False),
            include=a.include,
        )
    elif name == "eval":
        a.shell_code(text, joined(args), depth, "eval of text computed at run time")
    elif name in ("source", "."):
        runners.script(a, cmd, src, depth, args, 0, "sources a file")
    elif name in ("trap",):
        if args and args[0].value not in (None, "-p", "-l", "--"):
            a.shell_code(text, args[0], depth, "trap code computed at run time")
    elif name == "alias":
        _alias(a, text, args, depth)
    elif name in _SHELLS:
        runners.shell(a, cmd, src, depth, args, stdin=stdin)
    elif name in ("watch",):
        _watch(a, cmd, depth, args)
    elif name in ("ssh",):
        parsed = opts.parse(args, ("BbcDEeFIiJLlmOoPpQRSWw", ()), stop_at_positional=True)
        pos = opts.positionals(parsed)
        if len(pos) >= 2 and pos[1].value is not None and pos[1].value.value == "--":
            pos = pos[1:]  # ssh host -- cmd
        if len(pos) >= 2:
            _joined_code(a, text, args[pos[1].at :], depth, "ssh remote command")
    elif name in ("su", "script", "flock", "runuser"):
        parsed = opts.parse(args, ("cswgGEo", ("--command", "--shell", "--group")))
        codes = opts.values(parsed, "-c", "--command")
        for code in codes:
            a.shell_code(text, code, depth, f"{name} -c code computed at run time")
        if not codes:  # `flock LOCK cmd`, `runuser -u me -- cmd`
            foreign.program(a, cmd, src, depth, name, args, stdin=stdin)
    elif name in ("awk", "gawk", "mawk", "nawk"):
        parsed = opts.parse(args, ("fvF", ()), stop_at_positional=True)
        program = opts.positionals(parsed)[:1]
        if program and program[0].value is not None and not opts.values(parsed, "-f"):
            runners.interpreted(a, text, name, [program[0].value.value or ""])
    elif name in ("docker", "podman", "nerdctl", "kubectl", "oc") and args:
        rest: list[Word] = []
        if args[0].value == "exec":
            parsed = opts.parse(args[1:], ("eucwi", _CONTAINER_VALUES), stop_at_positional=True)
            rest = opts.after_options(parsed, args[1:], 1)
            if name in ("kubectl", "oc"):  # kubectl exec POD -- CMD...
                dashes = [i for i, w in enumerate(args) if w.value == "--"]
                rest = args[dashes[0] + 1 :] if dashes else []
        if rest:
            a.argv(cmd, src, depth, rest, [], stdin=stdin)
        else:  # `docker run IMAGE gh pr create`
            foreign.program(a, cmd, src, depth, name, args, stdin=stdin)
    elif runners.INTERPRETER.fullmatch(name):
        runners.interpreter(a, cmd, src, depth, name, args, stdin=stdin)
    elif (
        name in _TASK_RUNNERS
        or (name in _NODE_RUNNERS and args and args[0].value in ("run", "run-script", "exec", "x"))
        or name in ("npx", "bunx", "pnpx")
    ):
        a.unknown_code(text, text, f"{name} runs commands this hook cannot see")
        foreign.program(a, cmd, src, depth, name, args, stdin=stdin)
    else:
        head = cmd.words[0].value or ""
        if "/" in head and name not in _PR_TOOLS and name == program_name(head):
            a.unknown_code(text, text, "runs a script this hook cannot see")
        if name in ("cd", "pushd") and (not args or args[-1].value is not None):
            a.cwd = paths.join_dir(a.cwd, args[-1].value or "~" if args else "~")
        foreign.program(a, cmd, src, depth, name, args, stdin=stdin)
    _tampering(a, text, name, args, cmd.redirect_targets)


def _tampering(
    a: Analyser, text: str, name: str, args: list[Word], targets: Sequence[Word]
) -> None:
    """Whatever the program, the files it changes (redirections are the walker's)."""
    touched = writers.touches(name, args)
    for touch in touched:
        a.touch(text, touch)
    if a.full_hookspath and any(
        _git_config_file(w) for w in [*targets, *(t.word for t in touched)]
    ):
        a.out.tamper(text, "edits core.hooksPath in a git config file", "hooks-path")


def _git_config_file(word: Word) -> bool:
    low = word.template.lower()
    return low.endswith(("config", "gitconfig")) or "/config" in low


def _alias(a: Analyser, text: str, args: list[Word], depth: int) -> None:
    for word in args:
        if "=" in word.template:
            name, _, value = word.template.partition("=")
            if DYN not in value and DYN not in name:
                a.aliases[name] = value
            a.shell_code(
                text,
                Word(value, None if DYN in value else value, value),
                depth,
                "alias computed at run time",
            )


def _joined_code(a: Analyser, text: str, words: Sequence[Word], depth: int, what: str) -> None:
    a.shell_code(text, joined(words), depth, f"{what} computed at run time")


def _watch(a: Analyser, cmd: tree.Cmd, depth: int, args: list[Word]) -> None:
    parsed = opts.parse(args, ("nq", ("--interval", "--equexit")), stop_at_positional=True)
    rest = opts.after_options(parsed, args, 0)
    if rest:
        _joined_code(a, cmd.text, rest, depth, "watch command")
