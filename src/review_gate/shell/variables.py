"""Variables a command sets for itself: ``A=g; B=h; $A$B pr create`` is ``gh pr create``.

Only values that are certain are used: a name assigned exactly once, to a literal, and
never touched any other way (``read X``, ``for X in``, ``printf -v X``, ``(( X++ ))``,
``declare -n``). Everything else stays unknown, which the analyser treats as computed at
run time. Assignments are taken regardless of where they sit (a subshell, a branch not
taken): that can only make the analysis see more, never less.
"""

from __future__ import annotations

from review_gate.shell import syntax as tree
from review_gate.shell.patterns import lazy

_BARE = lazy(r"(?<![\w$!#{])[A-Za-z_]\w*(?!\w)")
#: name -> value, or None when the name is set in a way whose value is not certain.
Vars = dict[str, "str | None"]


def scan(root: tree.Node, source: str, into: Vars) -> None:
    """Add the assignments in the syntax tree ``root`` (of ``source``) to ``into``."""
    found: dict[str, list[str | None]] = {}
    positional: list[list[str | None]] = []
    for node in tree.walk(root):
        if node.type == "variable_assignment":
            parent = node.parent
            if parent is not None and parent.type == "command":
                continue  # a prefix (`X=1 cmd`) is in cmd's environment, not the shell's
            raw = tree.text(node)
            name, word = tree.assignment(node)
            certain = "+=" not in raw.partition("=")[0] + "=" and not (
                parent is not None
                and parent.type == "declaration_command"
                and any(tree.text(c).startswith(("-", "+")) for c in parent.children)
            )
            found.setdefault(name, []).append(word.value if certain else None)
        elif node.type == "command":
            words = [tree.text(c) for c in node.children if c.type in ("command_name", "word")]
            if words[:2] == ["set", "--"]:
                positional.append([w if w.replace("_", "a").isalnum() else None for w in words[2:]])
            elif words[:1] == ["shift"]:
                positional.append([None])
    # How often each name appears other than as $NAME / ${NAME}: once means only where it
    # is assigned (no `read X`, `for X in`, `printf -v X`, `(( X++ ))`).
    bare: dict[str, int] = {}
    if found:  # only then: the pattern costs the hook `re`'s import
        for word in _BARE.findall(source):
            bare[word] = bare.get(word, 0) + 1
    for name, values in found.items():
        value = values[0] if len(values) == 1 else None
        if bare.get(name, 0) != 1 or (name in into and into[name] != value):
            value = None
        into[name] = value
    if len(positional) == 1:
        for i, value in enumerate(positional[0][:9], start=1):
            into[str(i)] = value
    elif positional:
        for i in range(1, 10):
            into[str(i)] = None
    if "IFS" in found or "IFS" in source:
        into["IFS"] = None
