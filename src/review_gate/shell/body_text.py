"""The text a PR body will have, when the command spells it out without a literal string.

Claude Code writes every PR body as ``--body "$(cat <<'EOF' ... EOF)"``; others write the
body file first (``cat > body.md <<'EOF' ... EOF && gh pr create -F body.md``). Both are
static: the text is in the command. :func:`substituted` reads the first form,
:func:`written` what a redirection writes. Anything computed at run time (a variable, a
heredoc that expands ``$x``, a file another program writes) is unknown, and the hook
cannot tell which issues such a body closes.
"""

from __future__ import annotations

from review_gate.shell import syntax as tree
from review_gate.shell.named_tuple import NamedTuple
from review_gate.shell.words import Word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

if TYPE_CHECKING:
    Node = Any  # tree_sitter.Node
else:
    Node = object


class Body(NamedTuple):
    """What a ``--body`` word says: its ``text``, or a ``file`` it reads (``$(cat F)``)."""

    text: str | None = None
    file: str | None = None


def _expands(node: Node) -> bool:
    """An unquoted heredoc whose body bash expands (``$x``, backquotes, escapes)."""
    for child in tree.walk(node):
        if child.type != "heredoc_redirect":
            continue
        start = next((c for c in child.children if c.type == "heredoc_start"), None)
        if start is not None and any(q in tree.text(start) for q in "'\"\\"):
            continue  # <<'EOF': the body is literal
        if any(c in tree.heredoc_text(child) for c in "$`\\"):
            return True
    return False


def substituted(word: Word) -> Body | None:
    """The text of a word that is exactly one ``$(...)`` printing literal text, or the file
    of ``$(cat FILE)`` / ``$(< FILE)``; None when it cannot be told."""
    source = word.text.strip()
    if source.startswith('"') and source.endswith('"') and len(source) >= 2:
        source = source[1:-1]
    if not (source.startswith("$(") and source.endswith(")")):
        return None
    code = source[2:-1]
    if tree.unsafe(code):
        return None
    root = tree.parse(code)
    statements = [c for c in root.children if c.is_named and c.type != "comment"]
    if root.has_error or len(statements) != 1 or _expands(root):
        return None
    statement = statements[0]
    src = code.encode("utf-8", "surrogatepass")
    produced = tree.produce(statement, src)
    if produced.code is not None:
        return Body(text=produced.code.rstrip("\n"))  # $(...) drops trailing newlines
    if statement.type == "redirected_statement" and statement.child_by_field_name("body") is None:
        return _read_redirect(statement)  # $(< FILE)
    if statement.type == "command":
        cmd = tree.command(statement, src)
        values = [w.exact for w in cmd.words]
        if len(values) == 2 and values[0] == "cat" and values[1] and values[1] != "-":
            return Body(file=values[1])
    return None


def _read_redirect(statement: Node) -> Body | None:
    redirects = [c for c in statement.children if c.type == "file_redirect"]
    if len(redirects) != 1 or tree.write_redirect(redirects[0]):
        return None
    dest = redirects[0].child_by_field_name("destination")
    if dest is None:
        return None
    from review_gate.shell.words import resolve

    value = resolve(tree.text(dest)).exact
    return Body(file=value) if value else None


def written(redirect: Node, src: bytes) -> str | None:
    """The text a ``> FILE`` redirection writes, when the command prints literal text."""
    op = tree.write_redirect(redirect)
    parent = redirect.parent
    if op not in (">", ">|") or parent is None or parent.type != "redirected_statement":
        return None
    if _expands(parent):
        return None
    return tree.produce(parent, src).code
