"""The analyser: walks every simple command, unwraps wrappers, recurses into nested shell code.

:class:`Analyser` holds what one analysis knows (its findings, the variables, aliases and
directory earlier commands set, the time budget) and the few operations everything else
calls back into: analyse nested code, report code it cannot see, follow a command line.
The models of particular programs are plain functions taking the analyser, grouped by job:
:mod:`.wrappers` (``sudo``, ``env``, ``uv run``...), :mod:`.programs` (the programs it
knows), :mod:`.runners` (shells and interpreters running code), :mod:`.foreign`
(programs it has no model of, ``xargs``, ``parallel``).
"""

from __future__ import annotations

import posixpath
import time

from review_gate.shell import (
    authors,
    body_text,
    gate_removal,
    git_commands,
    paths,
    programs,
    variables,
    wrappers,
)
from review_gate.shell import syntax as tree
from review_gate.shell.code_text import without_test_selectors
from review_gate.shell.foreign import spells_pr
from review_gate.shell.prefilter import has_decoder, might_matter, normalise, prish
from review_gate.shell.records import Analysis, Findings, PrCreation
from review_gate.shell.situation import Move, Situation, situation
from review_gate.shell.words import DYN, Word, literal, resolve

TYPE_CHECKING = False  # keeps `typing` and `collections` out of the hook's imports
if TYPE_CHECKING:
    from collections.abc import Sequence

#: Analysis time after which a command is undecidable (the hook timeout is 30 s).
BUDGET_SECONDS = 3.0


class TooComplex(Exception):
    """The analysis ran out of :data:`BUDGET_SECONDS`: the shell analysis's private signal,
    turned into an undecidable finding (a deny) by :func:`review_gate.shell.analyse`, so it
    never leaves :mod:`review_gate.shell` (defined here, not in ``review_gate.errors``,
    which the forked analysis would otherwise import for this one class)."""


_CODE_CHARS = frozenset(" \t\n;|&")


#: Variables that make git (and so gh) read another repository than the directory's.
_GIT_PLACE = frozenset({"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE"})


def _git_place(lower: str) -> set[str]:
    """The ones the command's text names at all (``export``, ``env``, a prefix, ``declare``)."""
    return {name for name in _GIT_PLACE if name.lower() in lower}


class Analyser:
    """One analysis of one command line (see the module docstring)."""

    def __init__(self, command: str, max_depth: int) -> None:
        self.out = Findings()
        self.max_depth = max_depth
        self.full_prish = prish(without_test_selectors(command))
        # A client treats a hook that times out as no objection: a command built to make
        # the analysis slow is denied instead (see shell.analyse).
        self.deadline = time.monotonic() + BUDGET_SECONDS
        self.full_lower = command.lower()
        self.full_hookspath = "hookspath" in self.full_lower
        self.full_runs_gate = authors.runs_gate(self.full_lower)
        # `ln -s TARGET LINK` earlier in the command: LINK (normalised) -> what it may point at
        self.links: dict[str, list[tuple[str, str]]] = {}  # (template, source text)
        self.aliases: dict[str, str] = {}  # `alias g=gh` earlier in the command
        self.vars: variables.Vars = {}  # `A=g; B=h; $A$B pr create`
        self.cwd = ""  # the last literal `cd DIR` seen, for paths like `cd .git/hooks && rm x`
        # Paths that may be protected, for writes to paths computed at run time.
        self.mentions = paths.mentions(command)
        self.written: set[str] = set()  # every path the command writes (normalised)
        # `git -c include.path=F`, GIT_CONFIG_GLOBAL=F: (command, F, cwd), judged at the end
        self.includes: list[tuple[str, Word, str]] = []
        # Where a PR creation runs (shell.situation): the moves of the tree being walked,
        # the place that tree started in, the command being analysed, `env -C` dirs.
        self.moves: list[Move] = []
        self.base = Situation()
        self.at: tree.Node = None
        self.in_dirs: list[str] = []
        self.contents: dict[str, str | None] = {}  # files written earlier: their text if known
        self.out.situate = self.situate

    def result(self) -> Analysis:
        for text, word, cwd in self.includes:
            if word.value is None or paths.normal(cwd, word.value) in self.written:
                self.out.tamper(
                    text,
                    f"git reads configuration from {word.text}, which this command writes "
                    "(it can set core.hooksPath)",
                    "hooks-path",
                )
        return self.out.freeze()

    def touch(self, text: str, touch: paths.Touch) -> None:
        """``text`` changes ``touch.word``: remember it, and report it when it may be one of
        the gate's own files."""
        key = paths.normal(self.cwd, touch.word.template)
        self.written.add(key)
        self.contents[key] = None
        use = paths.use(text, touch, self.cwd, self.mentions)
        if use is not None:
            self.out.path(use)
        for link, targets in self.links.items():
            if key == link or key.startswith(link.rstrip("/") + "/"):
                # `ln -s .git/review-gate /tmp/s; rm -rf /tmp/s/budgets`: through the link
                rest = key[len(link) :]
                for target, shown in targets:
                    path = target + rest
                    word = Word(shown + rest, None if DYN in path else path, path, touch.word.glob)
                    through = touch._replace(route=f"{touch.route} (through {link})", word=word)
                    found = paths.use(text, through, "", self.mentions)
                    if found is not None:
                        self.out.path(found)

    def link(self, link: Word, target: Word) -> None:
        """``ln [-s] TARGET LINK``: a later write under LINK writes under TARGET (read
        relative to the directory here and, for a symbolic link, to LINK's directory)."""
        key = paths.normal(self.cwd, link.template)
        if target.template.startswith(("/", "~")) or DYN in target.template[:1]:
            found = [(target.template.rstrip("/"), target.text.rstrip("/"))]
        else:
            found = [
                (p, p)
                for p in (
                    paths.normal(self.cwd, target.template),
                    paths.normal(posixpath.dirname(key), target.template),
                )
            ]
        self.links.setdefault(key, [])
        self.links[key] += [t for t in found if t not in self.links[key]]

    # --- code ----------------------------------------------------------------------------

    def code(self, source: str, depth: int) -> None:
        """Analyse ``source`` as bash code run at nesting ``depth``."""
        if depth > self.max_depth:
            if might_matter(source):
                self.out.undecided(source, f"shell code nested more than {self.max_depth} deep")
            return
        source = source.replace("\0", "")  # NUL is the DYN marker; bash drops it from input
        authors.code(source, self.out)
        if tree.unsafe(source):
            if might_matter(source):
                self.out.undecided(
                    source,
                    "the command has text the shell parser cannot read safely ({ then "
                    "a character above U+00FF)",
                )
            return
        root = tree.parse(source)
        # Code run by another command (bash -c, eval, ssh...) starts where that command runs;
        # a move inside it may or may not reach the commands after it.
        outer = (self.moves, self.base, self.at)
        if self.at is not None:
            self.base = self.place()
        self.moves = []
        try:
            self._walk(root, source, depth)
        finally:
            moved = bool(self.moves)
            self.moves, self.base, self.at = outer
            if moved:
                self.moves.append(Move(None, None))

    def _walk(self, root: tree.Node, source: str, depth: int) -> None:
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
                    tree.text(node),
                    [(name, word)],
                    self.out,
                    before_git=False,
                    include=self.include,
                )
                gate_removal.assignments(tree.text(node), [(name, word)], self.out)
                authors.assigned(self.out, tree.text(node), name, runs_gate=self.full_runs_gate)
                self.startup_file(tree.text(node), name, word)
            elif kind == "heredoc_redirect":
                self._heredoc_backticks(node, depth)
            elif kind == "file_redirect":
                op = tree.write_redirect(node)
                dest = node.child_by_field_name("destination")
                if op and dest is not None:
                    word = resolve(tree.text(dest), self.vars)
                    self.touch(tree.text(node), paths.Touch(op, paths.WRITES, word))
                    key = paths.normal(self.cwd, word.template)
                    self.contents[key] = body_text.written(node, src)

    def _heredoc_backticks(self, node: tree.Node, depth: int) -> None:
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

    # --- where a PR creation runs ----------------------------------------------------------

    def move(self, move: Move) -> None:
        """An earlier command changes directory or branch (see :mod:`.situation`)."""
        self.moves.append(move._replace(node=self.at))

    def place(self) -> Situation:
        """Where the command being analysed runs."""
        here = situation(self.base, self.moves, self.at) if self.at is not None else self.base
        for directory in self.in_dirs:
            here = here._replace(cwd=paths.join_dir(here.cwd, directory))
        return here

    def situate(self, creation: PrCreation) -> PrCreation | None:
        """``creation`` where it runs, with a body file written earlier read as it will be;
        None (and an undecidable) when that cannot be told."""
        here = self.place()
        if not here.uncertain and _GIT_PLACE.intersection(self.vars) | _git_place(self.full_lower):
            # GIT_DIR=... gh pr create: gh asks git, and git reads another repository
            here = here._replace(uncertain="GIT_DIR or GIT_WORK_TREE point git elsewhere")
        if here.uncertain:
            self.out.undecided(
                creation.command, f"cannot tell which checkout or branch: {here.uncertain}"
            )
            return None
        if creation.head is None and here.branch:
            creation = creation._replace(head=here.branch)
        if creation.body_file and creation.body_file != "-":
            key = paths.normal(paths.join_dir(self.cwd, ""), creation.body_file)
            if key in self.contents:
                text = self.contents[key]
                if text is None:
                    creation = creation._replace(body_unknown=True)
                else:
                    body = "\n".join(b for b in (creation.body, text) if b)
                    creation = creation._replace(body=body, body_file=None)
        return creation._replace(cwd=here.cwd)

    def unknown_code(self, text: str, source: str, reason: str) -> None:
        """Code that will run but is not in the command (a variable, a file, a download)."""
        if self.full_prish or prish(without_test_selectors(source)) or has_decoder(source):
            self.out.undecided(text, reason)

    def startup_file(self, text: str, name: str, word: Word) -> None:
        """``BASH_ENV=FILE``/``ENV=FILE``: every shell started later sources FILE first."""
        if name in ("BASH_ENV", "ENV"):
            self.unknown_code(text, word.text, f"{name}: shells source a file this hook cannot see")

    def include(self, text: str, word: Word) -> None:
        """git reads configuration from ``word`` (``-c include.path=``, ``GIT_CONFIG_GLOBAL``)."""
        self.includes.append((text, word, self.cwd))

    def shell_code(self, text: str, word: Word, depth: int, reason: str) -> None:
        """``word`` is shell code (``bash -c WORD``, ``eval WORD``): analyse it if known."""
        if word.value is not None:
            self.code(word.value, depth + 1)
        else:
            self.unknown_code(text, word.text, reason)

    def embedded_code(self, value: str | None, depth: int) -> None:
        """Analyse a string that may be shell code run by the command it is given to."""
        if value and not _CODE_CHARS.isdisjoint(value) and might_matter(value):
            self.code(value, depth + 1)

    # --- simple commands -----------------------------------------------------------------

    def command(self, cmd: tree.Cmd, src: bytes, depth: int) -> None:
        self.at = cmd.node
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
        """The command line ``words`` of ``cmd``: unwrap wrappers, then the program's model."""
        text = cmd.text
        words = list(words)
        while words:
            head = words[0]
            tail = head.template.rpartition("/")[2]
            if head.exact is None and "/" in head.template and tail and DYN not in tail:
                # `$(git --exec-path)/git-push`, `${HOME}/bin/gh`: the program is known
                head = literal(tail)
            if head.exact is None:
                git_commands.assignments(
                    text, assigns, self.out, before_git=True, include=self.include
                )
                gate_removal.assignments(text, assigns, self.out)
                if self.full_runs_gate:  # `$GATE issue comment --author x`
                    authors.check(self.out, text, "gate", words[1:], assigns, computed=True)
                if spells_pr(words):
                    self.out.undecided(text, "the command name is computed at run time")
                else:
                    self.unknown_code(text, text, "the command name is computed at run time")
                return
            name = programs.program_name(head.exact)
            args = words[1:]
            gate_removal.check(self, text, name, args, assigns)
            authors.check(self.out, text, name, args, assigns)
            if head.exact in self.aliases:
                # `shopt -s expand_aliases; alias g='gh pr'` ... `g create`
                value = self.aliases.pop(head.exact)
                self.code(value + " " + " ".join(w.text for w in args), depth + 1)
                self.aliases[head.exact] = value
                return
            unwrapped = wrappers.unwrap(self, cmd, src, depth, name, args, assigns, stdin=stdin)
            if unwrapped is None:
                break
            if isinstance(unwrapped, bool):
                return
            words = unwrapped
        else:
            return
        git_commands.assignments(
            text, assigns, self.out, before_git=name == "git", include=self.include
        )
        for var, word in assigns:  # GIT_EDITOR='...' git commit, PAGER='...' man x
            authors.assigned(self.out, text, var, runs_gate=self.full_runs_gate)
            self.embedded_code(word.value, depth)
            self.startup_file(text, var, word)
        programs.dispatch(self, cmd, src, depth, name, args, stdin=stdin)
