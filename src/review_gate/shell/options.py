"""getopt-style parsing of resolved words, tolerant of words whose value is unknown."""

from __future__ import annotations

from review_gate.shell.named_tuple import NamedTuple
from review_gate.shell.words import DYN, Word, literal

TYPE_CHECKING = False  # keeps `typing` and `collections` out of the hook's imports
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence

    # (short options taking a value, long options taking one)
    Table = tuple[str, Collection[str]]

#: ``Opt.name`` of a positional argument.
POSITIONAL = ""
#: ``Opt.name`` of a dynamic word that may be an option or a positional argument.
UNKNOWN = "?"


class Opt(NamedTuple):
    name: str  # "-X", "--method", POSITIONAL or UNKNOWN
    value: Word | None  # the option's value, or the word itself for POSITIONAL/UNKNOWN
    at: int  # index of the (first) word in the argument list


def _dyn_value(template: str) -> Word:
    return Word(template, None if DYN in template else template, template)


def parse(
    args: Sequence[Word],
    table: Table | Callable[[list[str | None]], Table],
    *,
    stop_at_positional: bool = False,
    attached: str = "",
) -> list[Opt]:
    """Split ``args`` into options (with values) and positional arguments.

    ``table`` gives the options that take a value; it may depend on the positional
    arguments seen so far (``gh pr create`` knows different options from ``gh api``).
    ``attached`` lists short options whose value is optional and only ever attached
    (``git commit -S[keyid]``): they end the cluster but never take the next word.
    ``--`` and, with ``stop_at_positional``, the first positional end option parsing.
    """
    out: list[Opt] = []
    positionals: list[str | None] = []
    i = 0
    only_positionals = False
    while i < len(args):
        word = args[i]
        tpl = word.template
        shorts, longs = table(positionals) if callable(table) else table
        if only_positionals or not tpl.startswith("-") or tpl == "-":
            if tpl.startswith(DYN) and not only_positionals:
                out.append(Opt(UNKNOWN, word, i))
                positionals.append(None)
            else:
                out.append(Opt(POSITIONAL, word, i))
                positionals.append(word.value)
                only_positionals = only_positionals or stop_at_positional
            i += 1
            continue
        if tpl == "--":
            only_positionals = True
            i += 1
            continue
        if tpl.startswith("--"):
            name, eq, rest = tpl.partition("=")
            if DYN in name:
                out.append(Opt(UNKNOWN, word, i))
            elif eq:
                out.append(Opt(name, _dyn_value(rest), i))
            elif name in longs:
                out.append(Opt(name, args[i + 1] if i + 1 < len(args) else None, i))
                i += 1
            else:
                out.append(Opt(name, None, i))
            i += 1
            continue
        # a cluster of short options: -abc, -XPOST, -nm msg
        j = 1
        while j < len(tpl):
            char = tpl[j]
            if char == DYN:
                out.append(Opt(UNKNOWN, word, i))
                break
            if char in attached:
                out.append(Opt("-" + char, _dyn_value(tpl[j + 1 :]), i))
                break
            if char in shorts:
                rest = tpl[j + 1 :]
                if rest:
                    out.append(Opt("-" + char, _dyn_value(rest), i))
                else:
                    out.append(Opt("-" + char, args[i + 1] if i + 1 < len(args) else None, i))
                    i += 1
                break
            out.append(Opt("-" + char, None, i))
            j += 1
        i += 1
    return out


def values(opts: Sequence[Opt], *names: str) -> list[Word]:
    """The values given to any of the options ``names``, in order."""
    return [o.value if o.value is not None else literal("") for o in opts if o.name in names]


def positionals(opts: Sequence[Opt]) -> list[Opt]:
    return [o for o in opts if o.name in (POSITIONAL, UNKNOWN)]


def after_options(parsed: Sequence[Opt], args: Sequence[Word], skip: int) -> list[Word]:
    """The words from the first positional on, after skipping ``skip`` positionals."""
    pos = positionals(parsed)
    if len(pos) <= skip:
        return []
    return list(args[pos[skip].at :])
