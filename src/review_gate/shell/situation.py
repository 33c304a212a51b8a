"""Where a PR-creating command runs: the directory and branch earlier commands moved to.

``cd ../other && gh pr create`` creates the pull request of another checkout, and
``git switch feature/9-x && gh pr create`` the one of another branch: the hook must gate
that checkout and branch, not the tool call's. A :class:`Move` is one such change
(``cd``/``pushd``/``popd``, ``git [-C DIR] switch|checkout``); :func:`situation` works out
which moves certainly took effect when a later command runs, from the syntax tree:

- a move inside a subshell, pipeline or command substitution the later command is not in
  stays there (bash runs those in a child process);
- a move in the left operand of ``&&`` or before it in a sequence applies;
- anything else (``||``, ``if``, loops, functions, code in another shell) may or may not
  take effect: the situation is *uncertain* and the PR creation undecidable.

A directory that turns out not to exist when the hook looks makes ``cd`` fail, and the
hook denies; it never guesses the original directory instead.
"""

from __future__ import annotations

import posixpath

from review_gate.shell import options as opts
from review_gate.shell.named_tuple import NamedTuple
from review_gate.shell.words import Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

if TYPE_CHECKING:
    Node = Any  # tree_sitter.Node
else:
    Node = object

#: Nodes whose children run in a child process: a move inside does not leak out.
_SCOPED = frozenset(
    {"subshell", "pipeline", "command_substitution", "process_substitution", "negated_command"}
)
#: Nodes a move passes through unchanged on its way up to the later command.
_TRANSPARENT = frozenset({"redirected_statement", "compound_statement", "program"})


class Move(NamedTuple):
    """``cd DIR`` (``branch`` is None) or a branch switch in ``directory``."""

    node: Node  # the simple command that moves (None: a move of unknown place and effect)
    directory: str | None  # cd: the new directory, joined to the old; None = computed
    branch: str | None = None  # git switch: the branch ("" = detached or unknown)
    switch: bool = False  # a branch switch (in ``directory``) rather than a cd


class Situation(NamedTuple):
    """Where a command runs: ``cwd`` ("" = the tool call's), ``branch`` switched to."""

    cwd: str = ""
    branch: str | None = None
    uncertain: str = ""  # why the place cannot be told ("" = it can)


def _key(node: Node) -> tuple[int, int, str]:
    return (node.start_byte, node.end_byte, node.type)


def _chain(node: Node) -> list[Node]:
    chain = []
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain


def _operator(list_node: Node) -> str:
    ops = [c for c in list_node.children if not c.is_named]
    raw: bytes = ops[0].text if ops else b""
    return raw.decode("utf-8", "replace").strip()


def effect(move: Node, later: Node) -> str:
    """Whether the move at ``move`` is in effect when ``later`` runs: applies | none | unsure."""
    later_keys = {_key(n) for n in _chain(later)}
    child = move
    needs_success = False  # the move ran only if what came before it succeeded
    for parent in _chain(move)[1:]:
        if _key(parent) in later_keys:  # the lowest common ancestor
            if parent.type == "list":
                left = _key(parent.children[0]) == _key(child)
                if left and _operator(parent) == "&&":
                    return "applies"
                return "unsure"
            if parent.type in _TRANSPARENT and not needs_success:
                return "applies"
            return "unsure"
        if parent.type in _SCOPED:
            return "none"
        if parent.type == "list":
            if _key(parent.children[0]) != _key(child):
                if _operator(parent) != "&&":
                    return "unsure"
                needs_success = True
        elif parent.type not in _TRANSPARENT:
            return "unsure"
        child = parent
    return "unsure"  # different trees


def situation(base: Situation, moves: Sequence[Move], later: Node) -> Situation:
    """Where ``later`` runs, given the ``moves`` of its tree before it and the ``base``."""
    cwd = base.cwd
    branches: dict[str, str | None] = {}
    if base.branch is not None:
        branches[posixpath.normpath(cwd or ".")] = base.branch
    uncertain = base.uncertain
    for move in moves:
        how = "unsure" if move.node is None else effect(move.node, later)
        if how == "none":
            continue
        if how == "unsure":
            uncertain = uncertain or "an earlier `cd` or `git switch` may or may not take effect"
            continue
        if move.switch:
            where = _join(cwd, move.directory or "")
            branches[posixpath.normpath(where or ".")] = move.branch
        elif move.directory is None:
            uncertain = (
                uncertain
                or "an earlier command goes to a directory computed at run time "
                "(`cd $X`, a sourced file)"
            )
        else:
            cwd = _join(cwd, move.directory)
    here = posixpath.normpath(cwd or ".")
    branch = branches.pop(here, None)
    if branches:
        # a switch in another directory: which checkout it is cannot be told from the text
        uncertain = uncertain or "a `git switch` ran in another directory than the PR command"
    if branch == "":
        uncertain = uncertain or "an earlier `git switch`/`checkout` leaves no known branch"
    return Situation(cwd, branch, uncertain)


def _join(cwd: str, target: str) -> str:
    if not target:
        return cwd
    if target.startswith(("/", "~")) or not cwd:
        return target
    return cwd.rstrip("/") + "/" + target


def cd_target(name: str, args: Sequence[Word]) -> str | None:
    """The directory of ``cd``/``pushd`` ``args``, or None when computed or relative to
    the directory stack (``cd -``, ``popd``, ``pushd +1``)."""
    if name == "popd":
        return None
    words = [w for w in args if w.value not in ("-L", "-P", "-e", "-@", "--")]
    if not words:
        return "~" if name == "cd" else None
    value = words[-1].exact
    if value is None or value == "-" or value[:1] in "+-":
        return None
    return value


_GIT_GLOBAL = ("Cc", ("--git-dir", "--work-tree", "--namespace", "--config-env"))
_SWITCH = ("cC", ("--create", "--force-create", "--orphan", "--conflict"))
_CHECKOUT = ("bB", ("--orphan", "--conflict", "--pathspec-from-file"))


def git_switch(args: Sequence[Word]) -> tuple[str, str] | None:
    """``(directory, branch)`` when ``git ARGS`` switches branch ("" = unknown), else None.

    ``directory`` is the ``-C`` directory ("" = where git runs).
    """
    parsed = opts.parse(args, _GIT_GLOBAL, stop_at_positional=True)
    pos = opts.positionals(parsed)
    if not pos or pos[0].value is None:
        return None
    sub = pos[0].value.exact
    directory = ""
    for o in parsed:
        if o.at >= pos[0].at:
            break
        if o.name == "-C":
            value = o.value.exact if o.value is not None else None
            if value is None:
                return ("", "")
            directory = _join(directory, value)
        elif o.name in ("--git-dir", "--work-tree"):
            return ("", "")  # another repository: unknown
    if sub not in ("switch", "checkout"):
        return None if sub is not None else ("", "")
    rest = list(args[pos[0].at + 1 :])
    if any(w.value == "--" for w in rest) and sub == "checkout":
        return None  # `git checkout [REF] -- PATHS` restores files
    sub_opts = opts.parse(rest, _SWITCH if sub == "switch" else _CHECKOUT)
    named = [o for o in sub_opts if o.name in ("-c", "-C", "-b", "-B", "--create", "--orphan")]
    named += [o for o in sub_opts if o.name == "--force-create"]
    if named:
        created = named[-1].value
        return (directory, created.exact or "" if created is not None else "")
    if any(o.name in ("--detach", "-d", "-p", "--patch") for o in sub_opts):
        return None if any(o.name in ("-p", "--patch") for o in sub_opts) else (directory, "")
    pos_words = [o.value for o in opts.positionals(sub_opts) if o.value is not None]
    if sub == "checkout" and len(pos_words) != 1:
        return None if pos_words else (directory, "")  # several paths, or nothing changes
    if not pos_words:
        return None
    branch = pos_words[0].exact
    if branch in (None, "-"):
        return (directory, "")
    if sub == "checkout" and branch.startswith("."):
        return None  # a path (`git checkout .`), not a branch
    return (directory, branch)
