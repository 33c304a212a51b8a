"""tree-sitter-bash front end: source text -> the simple commands that would run.

Every ``command`` node of the syntax tree is a simple command bash may run: the tree
already nests pipelines, lists, subshells, groups, if/for/while/case, function bodies,
command and process substitutions and the substitutions inside unquoted heredocs. A
command's words are regrouped by byte adjacency (tree-sitter splits some single words,
e.g. ``$"gh"``) and resolved with :func:`_shell_words.resolve`.
"""

from __future__ import annotations

import os
import sys

try:  # importlib.machinery's classes, without importing `importlib` (and `warnings`)
    from _frozen_importlib import ModuleSpec
    from _frozen_importlib_external import ExtensionFileLoader, PathFinder
    from _imp import extension_suffixes
except ImportError:  # another Python implementation
    from importlib.machinery import EXTENSION_SUFFIXES as _SUFFIXES
    from importlib.machinery import ExtensionFileLoader, ModuleSpec, PathFinder

    def extension_suffixes() -> list[str]:
        return list(_SUFFIXES)


from review_gate.shell.named_tuple import NamedTuple
from review_gate.shell.words import Word, expand_braces, printf_text, resolve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

if TYPE_CHECKING:
    Node = Any  # tree_sitter.Node; kept loose so this module imports nothing heavy at load time
else:
    Node = object

_PARSER: Any = None


def _binding(package: str) -> Any:
    """``package._binding``, the compiled module, loaded without running the package's
    ``__init__``: tree_sitter's imports ``typing`` and tree_sitter_bash's
    ``importlib.resources`` (milliseconds the hook pays on every parsed command). Falls back
    to a plain import when the file cannot be loaded that way."""
    name = f"{package}._binding"
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    try:
        spec = PathFinder.find_spec(package)
        locations = list(spec.submodule_search_locations or []) if spec else []
        names = os.listdir(locations[0]) if locations else []
        suffixes = tuple(extension_suffixes())
        for file in names:
            if not (file.startswith("_binding.") and file.endswith(suffixes)):
                continue
            path = os.path.join(locations[0], file)
            loader = ExtensionFileLoader(name, path)
            mspec = ModuleSpec(name, loader, origin=path)
            module = _without_re(loader, mspec) if package == "tree_sitter" else None
            if module is None:
                module = loader.create_module(mspec)
                loader.exec_module(module)
            module.__spec__, module.__file__, module.__loader__ = mspec, path, loader
            sys.modules[name] = module
            return module
    except (ImportError, OSError, AttributeError, IndexError):
        pass
    import importlib

    return importlib.import_module(name)


def _re_compile(*args: Any, **kwargs: Any) -> Any:
    import re  # the real module, once tree_sitter needs it (a Query's #match? predicate)

    return re.compile(*args, **kwargs)


class _Stand:
    """What tree_sitter's binding takes from ``re`` and ``enum`` while it initialises."""

    class Pattern:  # re.Pattern: isinstance checks of Query predicates
        pass

    @staticmethod
    def IntEnum(name: str, members: Mapping[str, int]) -> type:  # enum's name
        return type(name, (), dict(members))  # LogType, for Parser.logger only


def _without_re(loader: Any, mspec: Any) -> Any:
    """tree_sitter's binding, initialised without importing ``re`` and ``enum`` (4 ms of
    the hook's ~20 on every parsed command): while it runs, ``sys.modules`` holds stand-ins
    with the three names it reads (``re.compile``, called lazily; ``re.Pattern``;
    ``enum.IntEnum``, for its ``LogType``). Both are removed at once, so any later
    ``import re`` gets the real module. None when that does not work (another tree_sitter
    version): the caller then loads the binding the ordinary way."""
    if "re" in sys.modules or "enum" in sys.modules:
        return None
    re_stand, enum_stand = type(sys)("re"), type(sys)("enum")
    re_stand.compile, re_stand.Pattern = _re_compile, _Stand.Pattern  # type: ignore[attr-defined]
    enum_stand.IntEnum = _Stand.IntEnum  # type: ignore[attr-defined]
    sys.modules["re"], sys.modules["enum"] = re_stand, enum_stand
    try:
        module = loader.create_module(mspec)
        loader.exec_module(module)
        return module
    except Exception:  # an unexpected binding: the ordinary way instead
        return None
    finally:
        for key, stand in (("re", re_stand), ("enum", enum_stand)):
            if sys.modules.get(key) is stand:
                del sys.modules[key]


def unsafe(source: str) -> bool:
    """Whether tree-sitter-bash may read out of bounds on ``source``: its scanner passes the
    character after ``{`` (and after ``{N..``) to ``isdigit``, which indexes a 384-entry
    table, so a character above U+00FF there reads outside it and may crash the process
    (a crash lets the tool call through). Such text is never parsed (tests/hooks_shell_test.py
    fuzzes this)."""
    brace = source.find("{")
    while brace >= 0:
        i = brace + 1
        for _ in range(2):  # `{DIGITS` then `..DIGITS`
            while i < len(source) and "0" <= source[i] <= "9":
                i += 1
            if i < len(source) and ord(source[i]) > 0xFF:
                return True
            if source[i : i + 2] != "..":
                break
            i += 2
        brace = source.find("{", brace + 1)
    return False


def parse(source: str) -> Node:
    """Root node of ``source`` parsed as bash; the caller checks :func:`unsafe` first."""
    global _PARSER
    if unsafe(source):
        raise ValueError("text tree-sitter-bash cannot read safely")
    if _PARSER is None:
        binding = _binding("tree_sitter")
        _PARSER = binding.Parser(binding.Language(_binding("tree_sitter_bash").language()))
    return _PARSER.parse(source.encode("utf-8", "surrogatepass")).root_node


def text(node: Node) -> str:
    raw: bytes = node.text or b""
    return raw.decode("utf-8", "replace")


def walk(root: Node) -> Iterator[Node]:
    """All nodes, pre-order, without recursion (deeply nested input must not blow the stack)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


class Stdin(NamedTuple):
    """What a command reads on stdin."""

    code: str | None  # the text when known (echo/printf/heredoc/here-string)
    source: str  # the source text that produces it (for the PR-ish and decoder tests)
    node: Node = None  # the producing command, when it is one


class Cmd(NamedTuple):
    """One simple command: argv words, prefix assignments, redirections."""

    node: Node
    text: str
    words: list[Word]
    word_nodes: list[list[Node]]
    assigns: list[tuple[str, Word]]
    redirect_targets: list[Word]  # > and >> destinations
    stdin_redirects: list[Node]


def _adjacent(src: bytes, end: int, start: int) -> bool:
    # A line continuation (backslash-newline) joins words: `gh pr cre\<newline>ate`.
    gap = src[end:start]
    return not gap.replace(b"\\\n", b"")


def _group(nodes: list[Node], src: bytes) -> list[list[Node]]:
    groups: list[list[Node]] = []
    for node in nodes:
        if groups and _adjacent(src, groups[-1][-1].end_byte, node.start_byte):
            groups[-1].append(node)
        else:
            groups.append([node])
    return groups


def _source_of(group: list[Node], src: bytes) -> str:
    return src[group[0].start_byte : group[-1].end_byte].decode("utf-8", "replace")


def assignment(node: Node) -> tuple[str, Word]:
    """(NAME, value word) of a ``variable_assignment`` node."""
    raw = text(node)
    name, _, value = raw.partition("=")
    return name.rstrip("+").strip(), resolve(value)


def command(node: Node, src: bytes, env: Mapping[str, str | None] | None = None) -> Cmd:
    """Build a :class:`Cmd` from a ``command`` node (``env``: variables known for certain)."""
    argv_nodes: list[Node] = []
    assigns: list[tuple[str, Word]] = []
    redirects: list[Node] = []
    for i, child in enumerate(node.children):
        fname = node.field_name_for_child(i)
        if child.type == "variable_assignment" and not argv_nodes:
            assigns.append(assignment(child))
        elif fname in ("name", "argument"):
            argv_nodes.append(child)
        elif fname == "redirect" or child.type.endswith("_redirect"):
            redirects.append(child)
    parent = node.parent
    if parent is not None and parent.type == "redirected_statement":
        body = parent.child_by_field_name("body")
        if body is not None and body.id == node.id:
            redirects.extend(c for c in parent.children if c.type.endswith("_redirect"))
    words: list[Word] = []
    word_nodes: list[list[Node]] = []
    for group in _group(argv_nodes, src):
        source = _source_of(group, src)
        # Brace expansion comes first in bash: `{gh,pr} create` is three words.
        for expanded in expand_braces(source) if "{" in source else [source]:
            if not expanded:
                continue  # `{pr,}` yields "pr" and an empty word, which bash drops
            words.append(resolve(expanded, env))
            word_nodes.append(group)
    cmd = Cmd(
        node=node,
        text=text(node),
        words=words,
        word_nodes=word_nodes,
        assigns=assigns,
        redirect_targets=[],
        stdin_redirects=[],
    )
    for redirect in redirects:
        if redirect.type == "file_redirect":
            ops = [c.type for c in redirect.children if not c.is_named]
            dest = redirect.child_by_field_name("destination")
            if write_redirect(redirect):
                cmd.redirect_targets.append(resolve(text(dest), env))
            elif "<" in ops:
                cmd.stdin_redirects.append(redirect)
        elif redirect.type in ("heredoc_redirect", "herestring_redirect"):
            cmd.stdin_redirects.append(redirect)
    return cmd


#: Node types whose commands read the stdin of the node itself.
_INHERITS_STDIN = frozenset(
    {
        "redirected_statement",
        "subshell",
        "compound_statement",
        "if_statement",
        "elif_clause",
        "else_clause",
        "while_statement",
        "for_statement",
        "c_style_for_statement",
        "do_group",
        "case_statement",
        "case_item",
        "list",
        "negated_command",
    }
)


def write_redirect(redirect: Node) -> str:
    """The operator of a ``file_redirect`` that writes a file (``>``, ``>>``, ``>|``, ``&>``,
    ``&>>``, ``<>``, ``>&FILE``), else "" (``<``, ``2>&1``)."""
    dest = redirect.child_by_field_name("destination")
    if dest is None or dest.type == "number":
        return ""
    ops = "".join(text(c) for c in redirect.children if not c.is_named or c.type == "ERROR")
    op = ops.strip()
    if ">" not in op:
        return ""
    return "<>" if op.startswith("<") else op


def heredoc_text(redirect: Node) -> str:
    body = [c for c in redirect.children if c.type == "heredoc_body"]
    return text(body[0]) if body else ""


def _redirected(redirect: Node) -> Stdin:
    """What a stdin redirection (``<<EOF``, ``<<<``, ``<``) feeds."""
    if redirect.type == "heredoc_redirect":
        body = heredoc_text(redirect)
        return Stdin(body, body)
    if redirect.type == "herestring_redirect":
        words = [c for c in redirect.children if c.is_named]
        word = resolve(text(words[-1])) if words else resolve("")
        return Stdin(None if word.value is None else word.value + "\n", text(redirect))
    return Stdin(None, text(redirect))


def _stdin_redirects(node: Node) -> list[Node]:
    found = []
    for child in node.children:
        heredoc = child.type in ("heredoc_redirect", "herestring_redirect")
        if heredoc or (child.type == "file_redirect" and "<" in [c.type for c in child.children]):
            found.append(child)
    return found


def stdin_of(cmd: Cmd, src: bytes) -> Stdin | None:
    """Where ``cmd`` reads its stdin from, when that is visible in the source."""
    if cmd.stdin_redirects:
        return _redirected(cmd.stdin_redirects[-1])
    node = cmd.node
    # A command inside a group reads the group's stdin: `echo ... | (sh)`, `| { true; sh; }`,
    # `{ sh; } <<< ...`.
    while node.parent is not None and node.parent.type in _INHERITS_STDIN:
        node = node.parent
        if node.type == "redirected_statement" and node.child_by_field_name("body") != cmd.node:
            redirects = _stdin_redirects(node)
            if redirects:
                return _redirected(redirects[-1])
    parent = node.parent
    if parent is None or parent.type != "pipeline":
        return None
    # prev_named_sibling, not a scan of the stages: a 20,000-stage pipeline stays linear.
    previous = node.prev_named_sibling
    if previous is not None:
        return produce(previous, src)
    # `cat <<EOF | bash`: tree-sitter hangs `| bash` under the heredoc redirect of `cat`.
    grand = parent.parent
    if grand is not None and grand.type == "heredoc_redirect" and grand.parent is not None:
        return produce(grand.parent, src)
    return None


def produce(node: Node, src: bytes) -> Stdin:
    """What command ``node`` writes to stdout when it is literal (echo, printf, cat <<EOF)."""
    source = text(node)
    if node.type == "redirected_statement":
        body = node.child_by_field_name("body")
        if body is None or body.type != "command":
            return Stdin(None, source, node)
        node = body
    if node.type != "command":
        return Stdin(None, source, node)
    cmd = command(node, src)
    values = [w.exact for w in cmd.words]
    if not values or values[0] is None:
        return Stdin(None, source, node)
    name = os.path.basename(values[0])
    args = values[1:]
    if name == "echo" and None not in args:
        words = [a for a in args if a is not None]
        flags: set[str] = set()
        while words and words[0] in ("-n", "-e", "-E", "-ne", "-en"):
            flags.update(words.pop(0)[1:])
        if "e" in flags and any("\\" in w for w in words):
            return Stdin(None, source, node)
        return Stdin(" ".join(words) + "\n", source, node)
    if name == "printf" and args and args[0] is not None:
        fmt = args[0]
        if "%" not in fmt:
            return Stdin(printf_text(fmt), source, node)
        return Stdin(None, source, node)
    if name == "cat" and len(args) == 0:
        stdin = stdin_of(cmd, src)
        if stdin is not None:
            return Stdin(stdin.code, source, node)
    return Stdin(None, source, node)


_SHELLS = frozenset(
    {"bash", "sh", "zsh", "/bin/bash", "/bin/sh", "/bin/zsh", "/usr/bin/bash", "/usr/bin/sh",
     "/usr/bin/zsh"}
)  # fmt: skip


def shell_code(root: Node, src: bytes) -> tuple[str, str] | None:
    """``(shell, CODE)`` when the whole line is one ``bash -c CODE`` / ``bash -lc CODE``
    (or sh, zsh) with literal words, else None: how Codex sends every shell command
    (``["bash", "-lc", CODE]``, joined into one line by the hook)."""
    named = [c for c in root.children if c.is_named]
    if len(named) != 1 or named[0].type != "command":
        return None
    words = command(named[0], src).words
    values = [w.exact for w in words]
    if len(values) != 3 or values[0] not in _SHELLS or values[1] not in ("-c", "-lc"):
        return None
    shell, code = values[0], values[2]
    return None if shell is None or code is None else (shell, code)
