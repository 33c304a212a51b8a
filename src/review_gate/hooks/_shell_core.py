"""The analyser: walks every simple command, unwraps wrappers, recurses into nested shell code."""

from __future__ import annotations

import os
from collections.abc import Sequence

from review_gate.hooks import _shell_git, _shell_pr
from review_gate.hooks import _shell_opts as opts
from review_gate.hooks import _shell_tree as tree
from review_gate.hooks._shell_exec import INTERPRETER, Runners
from review_gate.hooks._shell_records import Analysis, Findings
from review_gate.hooks._shell_text import has_decoder, might_matter, normalise, prish, words
from review_gate.hooks._shell_words import DYN, Word, literal, resolve

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

_SHELLS = words("sh bash zsh dash ksh mksh ash yash posh rbash fish")
_PR_TOOLS = words("gh hub curl wget http https xh xhs git")
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
_RUNNER_VALUES = words(
    "--with --python -p --project --directory --env-file --extra --group --package "
    "--index --from -n --name --prefix -e --env"
)
_CONTAINER_VALUES = words("--env --user --workdir --env-file --container --namespace --detach-keys")
_TASK_RUNNERS = words("make gmake just task rake invoke")
_NODE_RUNNERS = words("npm pnpm yarn bun")


def _basename(value: str) -> str:
    return os.path.basename(value.rstrip("/")).lower()


class Analyser(Runners):
    def __init__(self, command: str, max_depth: int) -> None:
        self.out = Findings()
        self.max_depth = max_depth
        self.full_prish = prish(command)

    def result(self) -> Analysis:
        return self.out.freeze()

    # --- code ----------------------------------------------------------------------------

    def code(self, source: str, depth: int) -> None:
        """Analyse ``source`` as bash code run at nesting ``depth``."""
        if depth > self.max_depth:
            if might_matter(source):
                self.out.undecided(source, f"shell code nested more than {self.max_depth} deep")
            return
        root = tree.parse(source)
        src = source.encode("utf-8", "surrogatepass")
        if root.has_error:
            norm = normalise(source)
            if prish(source) or "no-verify" in norm or "hookspath" in norm:
                self.out.undecided(source, "the command could not be parsed")
        for node in tree.walk(root):
            kind = node.type
            if kind == "command":
                self.command(tree.command(node, src), src, depth)
            elif kind == "variable_assignment" and (
                node.parent is None or node.parent.type != "command"
            ):
                name, word = tree.assignment(node)
                _shell_git.assignments(tree.text(node), [(name, word)], self.out, before_git=False)
            elif kind == "file_redirect":
                dest = node.child_by_field_name("destination")
                ops = [c.type for c in node.children if not c.is_named]
                if dest is not None and any(">" in op for op in ops):
                    word = resolve(tree.text(dest))
                    if _shell_git.hook_dir_write("", "", [], [word]):
                        self.out.tamper(tree.text(node), "writes into .git/hooks")

    def unknown_code(self, text: str, source: str, reason: str) -> None:
        """Code that will run but is not in the command (a variable, a file, a download)."""
        if self.full_prish or prish(source) or has_decoder(source):
            self.out.undecided(text, reason)

    def shell_code(self, text: str, word: Word, depth: int, reason: str) -> None:
        if word.value is not None:
            self.code(word.value, depth + 1)
        else:
            self.unknown_code(text, word.text, reason)

    # --- simple commands -----------------------------------------------------------------

    def command(self, cmd: tree.Cmd, src: bytes, depth: int) -> None:
        if cmd.words:
            self.argv(cmd, src, depth, cmd.words, list(cmd.assigns), stdin=True)

    def argv(
        self,
        cmd: tree.Cmd,
        src: bytes,
        depth: int,
        words: Sequence[Word],
        assigns: list[tuple[str, Word]],
        *,
        stdin: bool,
    ) -> None:
        text = cmd.text
        words = list(words)
        while words:
            head = words[0]
            if head.exact is None:
                _shell_git.assignments(text, assigns, self.out, before_git=True)
                self.unknown_code(text, text, "the command name is computed at run time")
                return
            name = _basename(head.exact)
            args = words[1:]
            unwrapped = self.unwrap(cmd, src, depth, name, args, assigns, stdin=stdin)
            if unwrapped is None:
                break
            if isinstance(unwrapped, bool):
                return
            words = unwrapped
        else:
            return
        _shell_git.assignments(text, assigns, self.out, before_git=name == "git")
        self.dispatch(cmd, src, depth, name, args, stdin=stdin)

    def unwrap(
        self,
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
            rest = _after_options(parsed, args, skip)
            if name == "sudo":
                while rest and _assignment(rest[0]):
                    assigns.append(_split_assignment(rest[0]))
                    rest = rest[1:]
                if not rest and any(o.name in ("-s", "-i", "--shell", "--login") for o in parsed):
                    rest = [literal("sh")]
            return rest
        if name == "env":
            return self.env(cmd, src, depth, args, assigns)
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
            self.xargs(cmd, src, depth, args, assigns)
            return False
        if name == "find":
            for group in _find_exec(args):
                self.argv(cmd, src, depth, group, list(assigns), stdin=False)
            return False
        return None

    def env(
        self,
        cmd: tree.Cmd,
        src: bytes,
        depth: int,
        args: list[Word],
        assigns: list[tuple[str, Word]],
    ) -> list[Word] | bool:
        parsed = opts.parse(
            args, ("uCSP", ("--unset", "--chdir", "--split-string")), stop_at_positional=True
        )
        split = opts.values(parsed, "-S", "--split-string")
        rest = _after_options(parsed, args, 0)
        while rest and _assignment(rest[0]):
            assigns.append(_split_assignment(rest[0]))
            rest = rest[1:]
        if split:
            self.shell_code(cmd.text, _joined(split + rest), depth, "env -S string")
            return False
        return rest

    def xargs(
        self,
        cmd: tree.Cmd,
        src: bytes,
        depth: int,
        args: list[Word],
        assigns: list[tuple[str, Word]],
    ) -> None:
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
        words = _after_options(parsed, args, 0) or [literal("echo")]
        replace_opts = [o for o in parsed if o.name in ("-I", "-i", "--replace")]
        feed = None if opts.values(parsed, "-a", "--arg-file") else tree.stdin_of(cmd, src)
        text = feed.code if feed is not None else None
        unknown = Word("<stdin>", None, DYN)
        if replace_opts:
            value = replace_opts[-1].value
            marker = value.value if value is not None and value.value else "{}"
            lines = text.splitlines()[:16] if text is not None else [None]
            for line in lines or [None]:
                variant = [_replace(w, marker, line) if marker in w.template else w for w in words]
                self.argv(cmd, src, depth, variant, list(assigns), stdin=False)
            return
        extra = [literal(t) for t in text.split()] if text is not None else [unknown]
        self.argv(cmd, src, depth, words + extra, list(assigns), stdin=False)

    # --- the commands themselves -----------------------------------------------------------

    def dispatch(
        self, cmd: tree.Cmd, src: bytes, depth: int, name: str, args: list[Word], *, stdin: bool
    ) -> None:
        text = cmd.text
        out = self.out
        if name == "gh":
            _shell_pr.gh(text, args, out)
        elif name == "hub":
            _shell_pr.hub(text, args, out)
        elif name == "curl":
            _shell_pr.curl(text, args, out)
        elif name == "wget":
            _shell_pr.wget(text, args, out)
        elif name in ("http", "https", "xh", "xhs"):
            reads = stdin and tree.stdin_of(cmd, src) is not None
            _shell_pr.httpie(text, args, out, reads_stdin=reads)
        elif name == "git":
            _shell_git.git(text, args, out)
        elif name == "eval":
            self.shell_code(
                text,
                _joined(args),
                depth,
                "eval of text computed at run time",
            )
        elif name in ("source", "."):
            self.script(cmd, src, depth, args, 0, "sources a file")
        elif name in ("trap",):
            if args and args[0].value not in (None, "-p", "-l", "--"):
                self.shell_code(text, args[0], depth, "trap code computed at run time")
        elif name == "alias":
            for word in args:
                if "=" in word.template:
                    _, _, value = word.template.partition("=")
                    self.shell_code(
                        text,
                        Word(value, None if DYN in value else value, value),
                        depth,
                        "alias computed at run time",
                    )
        elif name in _SHELLS:
            self.shell(cmd, src, depth, args, stdin=stdin)
        elif name in ("watch",):
            self.watch(cmd, depth, args)
        elif name in ("ssh",):
            parsed = opts.parse(args, ("BbcDEeFIiJLlmOoPpQRSWw", ()), stop_at_positional=True)
            pos = opts.positionals(parsed)
            if len(pos) >= 2:
                self.joined_code(text, args[pos[1].at :], depth, "ssh remote command")
        elif name in ("su", "script", "flock", "runuser"):
            parsed = opts.parse(args, ("cswgGEo", ("--command", "--shell", "--group")))
            codes = opts.values(parsed, "-c", "--command")
            for code in codes:
                self.shell_code(text, code, depth, f"{name} -c code computed at run time")
            if name == "flock" and not codes:
                parsed = opts.parse(
                    args, ("wE", ("--timeout", "--conflict-exit-code")), stop_at_positional=True
                )
                rest = _after_options(parsed, args, 1)
                if rest:
                    self.argv(cmd, src, depth, rest, [], stdin=stdin)
        elif name in ("awk", "gawk", "mawk", "nawk"):
            parsed = opts.parse(args, ("fvF", ()), stop_at_positional=True)
            program = opts.positionals(parsed)[:1]
            if program and program[0].value is not None and not opts.values(parsed, "-f"):
                self.interpreted(text, name, [program[0].value.value or ""])
        elif name in ("docker", "podman", "nerdctl", "kubectl", "oc") and args:
            if args[0].value == "exec":
                parsed = opts.parse(args[1:], ("eucwi", _CONTAINER_VALUES), stop_at_positional=True)
                rest = _after_options(parsed, args[1:], 1)
                if name in ("kubectl", "oc"):  # kubectl exec POD -- CMD...
                    dashes = [i for i, w in enumerate(args) if w.value == "--"]
                    rest = args[dashes[0] + 1 :] if dashes else []
                if rest:
                    self.argv(cmd, src, depth, rest, [], stdin=stdin)
        elif INTERPRETER.fullmatch(name):
            self.interpreter(cmd, src, depth, name, args, stdin=stdin)
        elif (
            name in _TASK_RUNNERS
            or (
                name in _NODE_RUNNERS
                and args
                and args[0].value in ("run", "run-script", "exec", "x")
            )
            or name in ("npx", "bunx", "pnpx")
        ):
            self.unknown_code(text, text, f"{name} runs commands this hook cannot see")
        elif (
            "/" in (cmd.words[0].value or "")
            and name not in _PR_TOOLS
            and name == _basename(cmd.words[0].value or "")
        ):
            self.unknown_code(text, text, "runs a script this hook cannot see")
        if _shell_git.hook_dir_write(text, name, args, cmd.redirect_targets):
            out.tamper(text, "modifies files in .git/hooks, where the review gate's hooks live")

    def joined_code(self, text: str, words: Sequence[Word], depth: int, what: str) -> None:
        self.shell_code(text, _joined(words), depth, f"{what} computed at run time")

    def watch(self, cmd: tree.Cmd, depth: int, args: list[Word]) -> None:
        parsed = opts.parse(args, ("nq", ("--interval", "--equexit")), stop_at_positional=True)
        rest = _after_options(parsed, args, 0)
        if rest:
            self.joined_code(cmd.text, rest, depth, "watch command")


def _joined(words: Sequence[Word]) -> Word:
    """Words joined by spaces, as eval, ssh and watch hand them to a shell."""
    template = " ".join(w.template for w in words)
    source = " ".join(w.text for w in words)
    return Word(source, None if DYN in template else template, template)


def _after_options(parsed: list[opts.Opt], args: list[Word], skip: int) -> list[Word]:
    """The words from the first positional on, after skipping ``skip`` positionals."""
    pos = opts.positionals(parsed)
    if len(pos) <= skip:
        return []
    return list(args[pos[skip].at :])


def _assignment(word: Word) -> bool:
    name, eq, _ = word.template.partition("=")
    return bool(eq) and name.replace("_", "a").isalnum() and not name[:1].isdigit()


def _split_assignment(word: Word) -> tuple[str, Word]:
    name, _, value = word.template.partition("=")
    return name, Word(value, None if DYN in value else value, value)


def _replace(word: Word, marker: str, line: str | None) -> Word:
    if line is None:
        return Word(word.text, None, word.template.replace(marker, DYN))
    value = word.template.replace(marker, line)
    return Word(value, None if DYN in value else value, value)


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
            current.append(Word("{}", None, DYN))
        else:
            current.append(word)
    if current:
        groups.append(current)
    return groups
