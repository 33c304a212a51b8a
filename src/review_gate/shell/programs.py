"""The programs the analyser has a model of, and the tampering checks run on every command.

:func:`dispatch` hands a simple command (wrappers already removed) to its model: the PR
clients (:mod:`.pr_commands`, :mod:`.http_commands`), git (:mod:`.git_commands`), code runners
(:mod:`.runners`), or, for a program it does not know, :func:`.foreign.program`.
"""

from __future__ import annotations

import os

from review_gate.shell import (
    foreign,
    git_commands,
    http_commands,
    paths,
    pr_commands,
    runners,
    situation,
    writers,
)
from review_gate.shell import options as opts
from review_gate.shell import syntax as tree
from review_gate.shell.prefilter import prish, words
from review_gate.shell.situation import Move
from review_gate.shell.words import DYN, Word, joined, literal

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Sequence

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
        _gh_config(a, text, args, depth)
    elif name == "hub":
        pr_commands.hub(text, args, out)
    elif name == "curl":
        http_commands.curl(text, args, out)
    elif name in ("wget", "wget2"):
        http_commands.wget(text, args, out)
        if name == "wget2":  # options wget does not know
            _generic_http(a, cmd, src, name, args, stdin=stdin)
    elif name in ("http", "https", "xh", "xhs"):
        reads = stdin and tree.stdin_of(cmd, src) is not None
        http_commands.httpie(text, args, out, reads_stdin=reads)
    elif name == "git" or (name.startswith("git-") and len(name) > 4):
        switch = situation.git_switch(args if name == "git" else [literal(name[4:]), *args])
        if switch is not None:
            a.move(Move(None, switch[0], switch[1], switch=True))
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
        a.move(Move(None, None))  # the file runs in this shell: it may `cd` or `git switch`
    elif name in ("trap",):
        if args and args[0].value not in (None, "-p", "-l", "--"):
            a.shell_code(text, args[0], depth, "trap code computed at run time")
    elif name == "alias":
        _alias(a, text, args, depth)
    elif name in _SHELLS:
        runners.shell(a, cmd, src, depth, args, stdin=stdin)
    elif name in ("watch",):
        _watch(a, cmd, depth, args)
    elif name in ("ssh", "scp", "sftp", "slogin"):
        parsed = opts.parse(args, ("BbcDEeFIiJLlmOoPpQRSWwS", ()), stop_at_positional=True)
        _ssh_options(a, text, parsed, depth)
        pos = opts.positionals(parsed) if name in ("ssh", "slogin") else []
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
            if args[0].value in ("run", "create", "container", "compose") and prish(
                " ".join(w.template for w in args)
            ):  # `docker run ghcr.io/cli/cli pr create`: the image's entrypoint may be gh
                out.undecided(text, f"{name} runs a container command that mentions a PR")
            foreign.program(a, cmd, src, depth, name, args, stdin=stdin)
    elif name == "hash":
        _hash(a, text, args)
    elif name == "crontab":
        _crontab(a, cmd, src, depth, args, stdin=stdin)
    elif name in ("at", "batch") and any(w.value is None or w.value.startswith("-f") for w in args):
        _at_file(a, cmd, src, depth, args)
    elif runners.interpreter_family(name):
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
        if name in ("cd", "pushd", "popd"):
            a.move(Move(None, situation.cd_target(name, args)))
        if name not in foreign.DATA:  # `POST URL`, `curlie post URL`, `lwp-request -m POST`
            _generic_http(a, cmd, src, name, args, stdin=stdin)
        foreign.program(a, cmd, src, depth, name, args, stdin=stdin)
    _tampering(a, text, name, args, cmd.redirect_targets)


def _tampering(
    a: Analyser, text: str, name: str, args: list[Word], targets: Sequence[Word]
) -> None:
    """Whatever the program, the files it changes (redirections are the walker's)."""
    touched = writers.touches(name, args)
    for touch in touched:
        a.touch(text, touch)
    for link, target in writers.links(name, args):
        a.link(link, target)
        # A link to one of the gate's files (or a directory holding them) is a way to
        # change it later under a name nothing protects: judged as changing the target.
        named = paths.use(text, paths.Touch(name, paths.LINKS, target, True), a.cwd, a.mentions)
        if named is not None:
            a.out.path(named)
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


def _generic_http(
    a: Analyser, cmd: tree.Cmd, src: bytes, name: str, args: list[Word], *, stdin: bool
) -> None:
    if any("pull" in w.template.lower() or "graphql" in w.template.lower() for w in args):
        reads = stdin and tree.stdin_of(cmd, src) is not None
        http_commands.generic(cmd.text, name, args, a.out, reads_stdin=reads)


#: ssh options (``-o Key=Value``) whose value is a command run by a local shell.
_SSH_CODE = words("proxycommand localcommand knownhostscommand remotecommand")


def _ssh_options(a: Analyser, text: str, parsed: list[opts.Opt], depth: int) -> None:
    """``ssh -o ProxyCommand='...'``: the value is shell code; ``-F FILE`` may hold some."""
    for word in opts.values(parsed, "-o"):
        template = word.template.lstrip()
        cut = min((i for i in (template.find("="), template.find(" ")) if i > 0), default=-1)
        if cut < 0:
            continue
        key = template[:cut].strip().lower()
        value = template[cut + 1 :].lstrip(" =")
        if DYN in key:
            a.unknown_code(text, word.text, "ssh option computed at run time")
        elif key in _SSH_CODE:
            code = Word(value, None if DYN in value else value, value)
            a.shell_code(text, code, depth, f"ssh {key} computed at run time")
    if opts.values(parsed, "-F"):
        a.unknown_code(text, text, "ssh reads a config file (ProxyCommand...) this hook cannot see")


#: gh settings whose value is a program gh runs (``gh browse``, ``gh pr edit``, paging).
_GH_PROGRAMS = words("browser editor pager")


def _gh_config(a: Analyser, text: str, args: list[Word], depth: int) -> None:
    """``gh config set browser CMD``: CMD runs later (``gh browse``): analyse it now."""
    vals = [w.value for w in args]
    if "config" not in vals or "set" not in vals:
        return
    at = vals.index("set")
    if at == 0 or vals[at - 1] != "config":
        return
    rest: list[Word] = []
    i = at + 1
    while i < len(args):
        value = args[i].value
        if value in ("-h", "--host"):
            i += 2
            continue
        if value is not None and value.startswith("--host="):
            i += 1
            continue
        rest.append(args[i])
        i += 1
    if len(rest) < 2:
        return
    key = rest[0].value
    if key is None or key.lower() in _GH_PROGRAMS:
        a.shell_code(text, rest[1], depth, f"gh {key or 'setting'} computed at run time")


def _hash(a: Analyser, text: str, args: list[Word]) -> None:
    """``hash -p /usr/bin/gh ls``: later ``ls`` runs gh (an alias in all but name)."""
    import shlex

    i = 0
    while i < len(args):
        value = args[i].value
        if value == "-p" and i + 1 < len(args):
            path = args[i + 1]
            for word in args[i + 2 :]:
                if word.value is None:
                    a.unknown_code(text, text, "hash -p of a name computed at run time")
                elif path.value is None:
                    a.aliases[word.value] = "$__review_gate_unknown"
                    a.unknown_code(text, text, "hash -p of a path computed at run time")
                elif not word.value.startswith("-"):
                    a.aliases[word.value] = shlex.quote(path.value)
            return
        i += 1


def _cron_commands(table: str) -> list[str]:
    """The commands of a crontab: each line without its schedule (``%`` starts stdin)."""
    found: list[str] = []
    for raw in table.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            parts = line.split(None, 1)
            found.append(parts[1] if len(parts) > 1 else "")
            continue
        first = line.split(None, 1)[0]
        if "=" in first and first.partition("=")[0].replace("_", "").isalnum():
            found.append(line)  # `SHELL=/bin/sh`, `BASH_ENV=...`: analysed as assignments
            continue
        parts = line.split(None, 5)
        found.append(parts[5] if len(parts) > 5 else line)
    return [c.replace("%", "\n") for c in found]


def _crontab(
    a: Analyser, cmd: tree.Cmd, src: bytes, depth: int, args: list[Word], *, stdin: bool
) -> None:
    """``crontab FILE`` / ``crontab -``: the table's commands run later, unattended: a PR
    they create is undecidable (no review of today's commit can vouch for it)."""
    saved = a.out.pr_creations
    a.out.pr_creations = []
    try:
        _crontab_table(a, cmd, src, depth, args, stdin=stdin)
    finally:
        found, a.out.pr_creations = a.out.pr_creations, saved
    if found:
        a.out.undecided(cmd.text, "crontab schedules a PR creation to run later")


def _crontab_table(
    a: Analyser, cmd: tree.Cmd, src: bytes, depth: int, args: list[Word], *, stdin: bool
) -> None:
    parsed = opts.parse(args, ("u", ()))
    names = {o.name for o in parsed}
    if names & {"-l", "-r", "-e", "-h", "-V"}:
        return
    operands = [o for o in opts.positionals(parsed) if o.value is not None]
    if operands and operands[0].value is not None and operands[0].value.value != "-":
        runners.script(a, cmd, src, depth, args, operands[0].at, "crontab installs a file")
        return
    feed = tree.stdin_of(cmd, src) if stdin else None
    if feed is None:
        return
    if feed.code is None:
        a.unknown_code(cmd.text, feed.source, "crontab reads a table computed at run time")
        return
    for code in _cron_commands(feed.code):
        a.code(code, depth + 1)


def _at_file(a: Analyser, cmd: tree.Cmd, src: bytes, depth: int, args: list[Word]) -> None:
    """``at -f FILE now``: the file's commands run later."""
    for i, word in enumerate(args):
        value = word.value
        if value is None:
            a.unknown_code(cmd.text, cmd.text, "at option computed at run time")
        elif value == "-f" and i + 1 < len(args):
            runners.script(a, cmd, src, depth, args, i + 1, "at runs a file")
        elif value.startswith("-f") and len(value) > 2:
            a.unknown_code(cmd.text, cmd.text, "at runs a file this hook cannot see")
