"""The analyser: walks every simple command, unwraps wrappers, recurses into nested shell code."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from review_gate.shell import git_commands, pr_commands, variables
from review_gate.shell import options as opts
from review_gate.shell import syntax as tree
from review_gate.shell.interpreters import Foreign, spells_pr
from review_gate.shell.prefilter import has_decoder, might_matter, normalise, prish, words
from review_gate.shell.records import Analysis, Findings
from review_gate.shell.runners import INTERPRETER
from review_gate.shell.words import DYN, Word, literal, resolve

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


#: Analysis time after which a command is undecidable (the hook timeout is 30 s).
BUDGET_SECONDS = 3.0


class TooComplex(Exception):
    """The analysis ran out of its time budget."""


def _basename(value: str) -> str:
    return os.path.basename(value.rstrip("/")).lower()


class Analyser(Foreign):
    def __init__(self, command: str, max_depth: int) -> None:
        self.out = Findings()
        self.max_depth = max_depth
        self.full_prish = prish(command)
        # A client treats a hook that times out as no objection: a command built to make
        # the analysis slow is denied instead (see shell.analyse).
        self.deadline = time.monotonic() + BUDGET_SECONDS
        self.full_hookspath = "hookspath" in command.lower()
        self.aliases: dict[str, str] = {}  # `alias g=gh` earlier in the command
        self.vars: variables.Vars = {}  # `A=g; B=h; $A$B pr create`
        self.cwd = ""  # the last literal `cd DIR` seen, for paths like `cd .git/hooks && rm x`

    def result(self) -> Analysis:
        return self.out.freeze()

    # --- code ----------------------------------------------------------------------------

    def code(self, source: str, depth: int) -> None:
        """Analyse ``source`` as bash code run at nesting ``depth``."""
        if depth > self.max_depth:
            if might_matter(source):
                self.out.undecided(source, f"shell code nested more than {self.max_depth} deep")
            return
        source = source.replace("\0", "")  # NUL is the DYN marker; bash drops it from input
        root = tree.parse(source)
        src = source.encode("utf-8", "surrogatepass")
        if "=" in source or "set" in source:
            variables.scan(root, source, self.vars)
        if root.has_error:
            norm = normalise(source)
            if prish(source) or "no-verify" in norm or "hookspath" in norm:
                self.out.undecided(source, "the command could not be parsed")
        for node in tree.walk(root):
            if time.monotonic() > self.deadline:
                raise TooComplex
            kind = node.type
            if kind == "command":
                self.command(tree.command(node, src, self.vars), src, depth)
            elif kind == "variable_assignment" and (
                node.parent is None or node.parent.type != "command"
            ):
                name, word = tree.assignment(node)
                git_commands.assignments(
                    tree.text(node), [(name, word)], self.out, before_git=False
                )
            elif kind == "heredoc_redirect":
                self.heredoc_backticks(node, depth)
            elif kind == "file_redirect":
                dest = node.child_by_field_name("destination")
                ops = [c.type for c in node.children if not c.is_named]
                if dest is not None and any(">" in op for op in ops):
                    word = resolve(tree.text(dest))
                    if git_commands.hook_dir_write("", "", [], [word]):
                        self.out.tamper(tree.text(node), "writes into .git/hooks")

    def heredoc_backticks(self, node: tree.Node, depth: int) -> None:
        """`cmd` in an unquoted heredoc runs; tree-sitter only parses $(...) there."""
        start = next((c for c in node.children if c.type == "heredoc_start"), None)
        if start is None or any(q in tree.text(start) for q in "'\"\\"):
            return
        body = tree.heredoc_text(node)
        i = body.find("`")
        while 0 <= i < len(body):
            j = i + 1
            while j < len(body) and body[j] != "`":
                j += 2 if body[j] == "\\" else 1
            self.code(body[i + 1 : j], depth + 1)
            i = body.find("`", j + 1)

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
            tail = head.template.rpartition("/")[2]
            if head.exact is None and "/" in head.template and tail and DYN not in tail:
                # `$(git --exec-path)/git-push`, `${HOME}/bin/gh`: the program is known
                head = literal(tail)
            if head.exact is None:
                git_commands.assignments(text, assigns, self.out, before_git=True)
                if spells_pr(words):
                    self.out.undecided(text, "the command name is computed at run time")
                else:
                    self.unknown_code(text, text, "the command name is computed at run time")
                return
            name = _basename(head.exact)
            args = words[1:]
            if head.exact in self.aliases:
                # `shopt -s expand_aliases; alias g='gh pr'` ... `g create`
                value = self.aliases.pop(head.exact)
                self.code(value + " " + " ".join(w.text for w in args), depth + 1)
                self.aliases[head.exact] = value
                return
            unwrapped = self.unwrap(cmd, src, depth, name, args, assigns, stdin=stdin)
            if unwrapped is None:
                break
            if isinstance(unwrapped, bool):
                return
            words = unwrapped
        else:
            return
        git_commands.assignments(text, assigns, self.out, before_git=name == "git")
        for _, word in assigns:  # GIT_EDITOR='...' git commit, PAGER='...' man x
            self.embedded_code(word.value, depth)
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
            self.xargs(cmd, src, depth, args, assigns, stdin=stdin)
            return False
        if name == "find":
            for group in _find_exec(args):
                self.argv(cmd, src, depth, group, list(assigns), stdin=False)
            if git_commands.find_deletes_hooks(args, self.cwd):
                self.out.tamper(cmd.text, "deletes files in .git/hooks")
            return False
        if name == "parallel":
            self.parallel(cmd, src, depth, args, stdin=stdin)
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

    # --- the commands themselves -----------------------------------------------------------

    def dispatch(
        self, cmd: tree.Cmd, src: bytes, depth: int, name: str, args: list[Word], *, stdin: bool
    ) -> None:
        text = cmd.text
        out = self.out
        if name == "gh":
            pr_commands.gh(text, args, out, loose=self.full_prish)
        elif name == "hub":
            pr_commands.hub(text, args, out)
        elif name == "curl":
            pr_commands.curl(text, args, out)
        elif name == "wget":
            pr_commands.wget(text, args, out)
        elif name in ("http", "https", "xh", "xhs"):
            reads = stdin and tree.stdin_of(cmd, src) is not None
            pr_commands.httpie(text, args, out, reads_stdin=reads)
        elif name == "git" or (name.startswith("git-") and len(name) > 4):
            git_commands.git(
                text,
                args if name == "git" else [literal(name[4:]), *args],  # git-push = git push
                out,
                code=lambda value: self.embedded_code(value, depth),
                run=lambda words: self.argv(cmd, src, depth + 1, words, [], stdin=False),
            )
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
            self.alias(text, args, depth)
        elif name in _SHELLS:
            self.shell(cmd, src, depth, args, stdin=stdin)
        elif name in ("watch",):
            self.watch(cmd, depth, args)
        elif name in ("ssh",):
            parsed = opts.parse(args, ("BbcDEeFIiJLlmOoPpQRSWw", ()), stop_at_positional=True)
            pos = opts.positionals(parsed)
            if len(pos) >= 2 and pos[1].value is not None and pos[1].value.value == "--":
                pos = pos[1:]  # ssh host -- cmd
            if len(pos) >= 2:
                self.joined_code(text, args[pos[1].at :], depth, "ssh remote command")
        elif name in ("su", "script", "flock", "runuser"):
            parsed = opts.parse(args, ("cswgGEo", ("--command", "--shell", "--group")))
            codes = opts.values(parsed, "-c", "--command")
            for code in codes:
                self.shell_code(text, code, depth, f"{name} -c code computed at run time")
            if not codes:  # `flock LOCK cmd`, `runuser -u me -- cmd`
                self.foreign(cmd, src, depth, name, args, stdin=stdin)
        elif name in ("awk", "gawk", "mawk", "nawk"):
            parsed = opts.parse(args, ("fvF", ()), stop_at_positional=True)
            program = opts.positionals(parsed)[:1]
            if program and program[0].value is not None and not opts.values(parsed, "-f"):
                self.interpreted(text, name, [program[0].value.value or ""])
        elif name in ("docker", "podman", "nerdctl", "kubectl", "oc") and args:
            rest: list[Word] = []
            if args[0].value == "exec":
                parsed = opts.parse(args[1:], ("eucwi", _CONTAINER_VALUES), stop_at_positional=True)
                rest = _after_options(parsed, args[1:], 1)
                if name in ("kubectl", "oc"):  # kubectl exec POD -- CMD...
                    dashes = [i for i, w in enumerate(args) if w.value == "--"]
                    rest = args[dashes[0] + 1 :] if dashes else []
            if rest:
                self.argv(cmd, src, depth, rest, [], stdin=stdin)
            else:  # `docker run IMAGE gh pr create`
                self.foreign(cmd, src, depth, name, args, stdin=stdin)
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
            self.foreign(cmd, src, depth, name, args, stdin=stdin)
        else:
            head = cmd.words[0].value or ""
            if "/" in head and name not in _PR_TOOLS and name == _basename(head):
                self.unknown_code(text, text, "runs a script this hook cannot see")
            if name in ("cd", "pushd") and args and args[-1].value is not None:
                self.cwd = git_commands.join_dir(self.cwd, args[-1].value)
            self.foreign(cmd, src, depth, name, args, stdin=stdin)
        if git_commands.hook_dir_write(text, name, args, cmd.redirect_targets, self.cwd):
            out.tamper(text, "modifies files in .git/hooks, where the review gate's hooks live")
        if self.full_hookspath and git_commands.config_file_write(name, args, cmd.redirect_targets):
            out.tamper(text, "edits core.hooksPath in a git config file")
        if git_commands.agent_hooks_write(name, args, cmd.redirect_targets):
            out.tamper(text, "removes or rewrites the agent hook configuration")
        if git_commands.uninstalls_hooks(name, args):
            out.tamper(text, "uninstalls the review gate's hooks")

    def alias(self, text: str, args: list[Word], depth: int) -> None:
        for word in args:
            if "=" in word.template:
                name, _, value = word.template.partition("=")
                if DYN not in value and DYN not in name:
                    self.aliases[name] = value
                self.shell_code(
                    text,
                    Word(value, None if DYN in value else value, value),
                    depth,
                    "alias computed at run time",
                )

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
