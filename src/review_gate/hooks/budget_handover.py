"""Which tool calls write or post a worker's HANDOVER: the only calls a worker past its
hard budget limit may still make (docs/dispatch.md, "Budgets").

Exact forms, no keyword matching (a ``# handover`` comment counts for nothing):

* a ``Write``/``Edit`` call (Codex: an ``apply_patch`` call) whose files are all
  ``handover*.md`` directly in the worker's drafts directory, the ``$drafts`` of
  dispatch/prompt.py (``<tmp>/review-gate-drafts-<worker id>``), and a ``Read`` of such a
  file (Claude Code's Write and Edit refuse a file the session has not read);
* a shell command that parses into nothing but these simple commands, every word
  literal, joined by ``&&``, ``;`` or newlines:

  - ``mkdir -p DRAFTS``
  - ``gate new handover [--issue N] [--worker-id ID] [--orchestration ID]
    [--commit|--no-commit] > FILE``
  - ``gate validate FILE``
  - ``gate issue comment N --body-file FILE`` / ``gh issue comment N --body-file FILE``

  where FILE is an absolute ``DRAFTS/handover*.md`` and N the worker's issue.

Pipelines, ``||``, ``&``, subshells, groups, expansions, substitutions, assignments,
heredocs and every other redirection are refused, as is a FILE that is a symlink or a
drafts directory that is one. Only a worker past its limit gets here, so the parser and
``tempfile`` load only then.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from review_gate.dispatch.budget_files import Budget
    from review_gate.shell.syntax import Node

#: Options of ``gate new handover`` that take a value, and those that take none.
_NEW_VALUES = frozenset({"--issue", "--worker-id", "--orchestration"})
_NEW_FLAGS = frozenset({"--commit", "--no-commit"})
#: Syntax-tree node types a handover command may consist of.
_NAMED = frozenset(
    {"command_name", "word", "number", "raw_string", "string", "string_content", "concatenation"}
)
_TOKENS = frozenset({'"'})


def drafts_dir(worker_id: str) -> str:
    """The worker's drafts directory, as dispatch/prompt.py gives it to the worker."""
    import tempfile

    return os.path.join(tempfile.gettempdir(), f"review-gate-drafts-{worker_id}")


def writes_handover(data: Mapping[str, Any], budget: Budget, command: str | None) -> bool:
    """Whether the tool call ``data`` (its shell ``command``, when it is one) only writes,
    checks or posts the worker's HANDOVER."""
    drafts = os.path.normpath(drafts_dir(budget.worker_id))
    if os.path.islink(drafts):
        return False
    tool = data.get("tool_name")
    tool_input = data.get("tool_input")
    low = tool.strip().lower() if isinstance(tool, str) else ""
    # Read too: Claude Code's Write and Edit refuse a file the session has not read.
    if low in ("write", "edit", "read") and isinstance(tool_input, dict):
        path = tool_input.get("file_path")
        return isinstance(path, str) and _handover_file(path, drafts)
    if low in ("apply_patch", "applypatch") and isinstance(tool_input, dict):
        from review_gate.hooks.file_targets import base_dir, patch_paths

        body = tool_input.get("command", tool_input.get("input", tool_input.get("patch")))
        paths = patch_paths(body) if isinstance(body, str) else []
        base = base_dir(data)
        return bool(paths) and all(_handover_file(os.path.join(base, p), drafts) for p in paths)
    if command is None:
        return False
    return _shell_handover(command, drafts, budget.issue)


def _handover_file(path: str, drafts: str) -> bool:
    """An absolute ``DRAFTS/handover*.md`` that is no symlink (nor resolves elsewhere)."""
    if not os.path.isabs(path):
        return False
    norm = os.path.normpath(path)
    name = os.path.basename(norm)
    if os.path.dirname(norm) != drafts or not (
        name.startswith("handover") and name.endswith(".md")
    ):
        return False
    if os.path.islink(norm):
        return False
    return os.path.realpath(norm) == os.path.join(os.path.realpath(drafts), name)


def _shell_handover(command: str, drafts: str, issue: int) -> bool:
    """:func:`_parsed_handover` in a forked child where the platform can fork: tree-sitter
    is C, and a hook killed by a signal is no objection to the clients (as in
    :mod:`.isolated`). A child that dies or says nothing is a no."""
    if not command.strip() or not command.isascii():
        return False
    from review_gate.hooks.isolated import in_child

    done, value = in_child(lambda: _parsed_handover(command, drafts, issue))
    return done and value is True


def _parsed_handover(command: str, drafts: str, issue: int) -> bool:
    from review_gate.hooks.hook_input import enable_site

    enable_site()  # the installed hook runs without site-packages: tree_sitter is there
    from review_gate.shell import syntax

    if syntax.unsafe(command):
        return False
    root = syntax.parse(command)
    if root.has_error:
        return False
    src = command.encode("utf-8")
    # Codex's form, ["bash", "-lc", CODE] joined into one line, is judged by its CODE;
    # any other shell wrapper is no exact form.
    wrapped = syntax.shell_code(root, src) if command.startswith("bash -lc ") else None
    if wrapped is not None and wrapped[0] == "bash":
        return _parsed_handover(wrapped[1], drafts, issue)
    found: list[tuple[Node, list[Node]]] = []
    if not _statements(root, found):
        return False
    return bool(found) and all(
        _allowed(syntax.command(node, src), redirects, drafts, issue) for node, redirects in found
    )


def _statements(node: Node, found: list[tuple[Node, list[Node]]]) -> bool:
    """Collect ``(command node, its > redirections)``; False for any other construct."""
    if node.type == "program":
        for child in node.children:
            if child.type in ("comment", ";"):
                continue
            if not child.is_named or not _statement(child, found):
                return False
        return True
    return False


def _statement(node: Node, found: list[tuple[Node, list[Node]]]) -> bool:
    if node.type == "command":
        if not all(_plain(child) for child in node.children):
            return False
        found.append((node, []))
        return True
    if node.type == "list":
        for child in node.children:
            if child.type == "comment":
                continue
            if not child.is_named:
                if child.type != "&&":
                    return False
            elif not _statement(child, found):
                return False
        return True
    if node.type == "redirected_statement":
        body = node.child_by_field_name("body")
        redirects = [c for c in node.children if body is None or c.id != body.id]
        if body is None or not redirects or not _statement(body, found):
            return False
        if not all(_stdout_redirect(r) for r in redirects):
            return False
        # bash binds a redirection to the simple command just before it: the list's last.
        found[-1][1].extend(redirects)
        return True
    return False


def _plain(node: Node) -> bool:
    """A word of a command made only of literal text (quotes allowed, no expansion)."""
    if not node.is_named:
        return node.type in _TOKENS
    return node.type in _NAMED and all(_plain(child) for child in node.children)


def _stdout_redirect(node: Node) -> bool:
    """``> FILE`` and nothing else (no ``2>``, ``>>``, ``>|``, ``&>``, no extra words)."""
    if node.type != "file_redirect" or len(node.children) != 2:
        return False
    op, dest = node.children
    return op.type == ">" and dest.is_named and _plain(dest)


def _allowed(cmd: Any, redirects: list[Node], drafts: str, issue: int) -> bool:
    from review_gate.shell import syntax
    from review_gate.shell.words import resolve

    if cmd.assigns or cmd.stdin_redirects:
        return False
    argv = [w.exact for w in cmd.words]
    if not argv or None in argv:
        return False
    words: list[str] = [a for a in argv if a is not None]
    targets = [resolve(syntax.text(r.children[1])).exact for r in redirects]
    if None in targets:
        return False
    files = [t for t in targets if t is not None]
    number = str(issue) if issue > 0 else None
    match words:
        case ["mkdir", "-p", path]:
            return not files and os.path.isabs(path) and os.path.normpath(path) == drafts
        case ["gate", "new", "handover", *options]:
            return (
                len(files) == 1
                and _handover_file(files[0], drafts)
                and _new_options(options, number)
            )
        case ["gate", "validate", path]:
            return not files and _handover_file(path, drafts)
        case ["gate" | "gh", "issue", "comment", n, "--body-file", path]:
            return not files and n == number and _handover_file(path, drafts)
    return False


def _new_options(options: list[str], issue: str | None) -> bool:
    i = 0
    while i < len(options):
        option, eq, value = options[i].partition("=")
        if option in _NEW_FLAGS and not eq:
            i += 1
            continue
        if option not in _NEW_VALUES:
            return False
        if not eq:
            if i + 1 >= len(options):
                return False
            value = options[i + 1]
            i += 1
        if not value or value.startswith("-") or (option == "--issue" and value != issue):
            return False
        i += 1
    return True
