"""markdown-it's block tokenizer with the same tokens for less work: each line is
offered only to the rules that can start on its first character, and the GFM
table rule is markdown-it-py's own, without its per-character and per-token costs.

Every block rule of markdown-it begins with the same kind of test: a fence needs a
`` ` `` or ``~``, a heading a ``#``, a quote a ``>``... and returns False, having
done nothing, when the line's first character is another one. markdown-it still
calls all eleven rules (each logging a debug line) at the start of every block and,
as terminators, on every table row: that was most of the time spent reading a
REVIEW. Here those calls are skipped -- only those, so the token stream is
identical (tests compare it with markdown-it's own on corpora and generated text).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple

from markdown_it.common.utils import MD_TRIM_CHARS
from markdown_it.parser_block import ParserBlock
from markdown_it.ruler import Ruler
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import headerLineRe
from markdown_it.token import Token

Rule = Callable[[StateBlock, int, int, bool], bool]
Nesting = Literal[-1, 0, 1]

# The characters a rule can start on, by rule name (commonmark's rules). A rule not
# listed here (paragraph, lheading, any plug-in) is offered every line; "table" needs
# a `|` on the line; on a line indented as code every rule is offered.
_STARTS: dict[str, str] = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}
_CODE_ONLY = "code"  # matches only on a line indented as code
_ALL_CHARS = frozenset("".join(_STARTS.values()))


class _Dispatch:
    """The rules of one chain ("" for block starts, "blockquote" for the rules that
    end a table), by the first character of a line and whether it holds a `|`."""

    def __init__(self, ruler: Ruler[Rule], chain: str) -> None:
        self.source = ruler.getRules(chain)
        names = {id(rule.fn): rule.name for rule in ruler.__rules__}
        named = [(names.get(id(fn), ""), fn) for fn in self.source]
        self.every: tuple[Rule, ...] = tuple(self.source)

        def offered(ch: str | None, pipe: bool) -> tuple[Rule, ...]:
            # ch None: a character no listed rule starts on.
            return tuple(
                fn
                for name, fn in named
                if name != _CODE_ONLY
                and (name != "table" or pipe)
                and (name not in _STARTS or (ch is not None and ch in _STARTS[name]))
            )

        self.by_char = {
            (ch, pipe): offered(ch, pipe) for ch in _ALL_CHARS for pipe in (False, True)
        }
        self.other = {pipe: offered(None, pipe) for pipe in (False, True)}

    def rules(self, state: StateBlock, line: int) -> Sequence[Rule]:
        """The rules that can match at ``line`` (in the chain's order)."""
        pos = state.bMarks[line] + state.tShift[line]
        end = state.eMarks[line]
        if pos >= end or state.is_code_block(line):
            return self.every
        pipe = state.src.find("|", pos, end) >= 0
        ch = state.src[pos]
        found = self.by_char.get((ch, pipe))
        return self.other[pipe] if found is None else found


def dispatch(ruler: Ruler[Rule], chain: str, cache: dict[str, _Dispatch]) -> _Dispatch:
    """The dispatch of ``chain``, rebuilt whenever the ruler's rules change (markdown-it
    then builds new lists of rules)."""
    found = cache.get(chain)
    if found is None or found.source is not ruler.getRules(chain):
        found = cache[chain] = _Dispatch(ruler, chain)
    return found


class DispatchingBlockParser(ParserBlock):
    """``ParserBlock.tokenize`` (markdown-it-py 4), offering each line only the rules
    that can start on it."""

    def __init__(self) -> None:
        super().__init__()
        self.dispatches: dict[str, _Dispatch] = {}

    def tokenize(self, state: StateBlock, startLine: int, endLine: int) -> None:
        starts = dispatch(self.ruler, "", self.dispatches)
        line = startLine
        maxNesting = state.md.options.maxNesting
        hasEmptyLines = False
        while line < endLine:
            state.line = line = state.skipEmptyLines(line)
            if line >= endLine:
                break
            if state.sCount[line] < state.blkIndent:
                break
            if state.level >= maxNesting:
                state.line = endLine
                break
            ok = False
            for rule in starts.rules(state, line):
                ok = rule(state, line, endLine, False)
                if ok:
                    if state.line <= line:
                        raise RuntimeError("block rule didn't increment state.line")
                    break
            if not ok:
                raise RuntimeError("none of the block rules matched")
            state.tight = not hasEmptyLines
            line = state.line
            if (line - 1) < endLine and state.isEmpty(line - 1):
                hasEmptyLines = True
            if line < endLine and state.isEmpty(line):
                hasEmptyLines = True
                line += 1
                state.line = line


# -- the GFM table rule -------------------------------------------------------------
#
# markdown-it-py 4's rules_block/table.py (MIT licence): the same tests in the same
# order, except that cells are split with str.split when the row has no backslash
# (the same cells as its escapedSplit) and a row is offered only the terminators that
# can start on it. A table is read first, then turned into tokens: markdown-it's
# (three per cell) when a cell may hold a marker, else one compact pair.

_MD_TRIM = MD_TRIM_CHARS  # what markdown-it's mdTrim strips
_MAX_AUTOCOMPLETED_CELLS = 0x10000
SHAPE = "review_gate:table"  # meta key of a compact table_open


class TableShape(NamedTuple):
    """A table as markdown-it reads it: header cells, then each body row's 0-based
    line and cells (mdTrim'd, padded to the header's width), and the alignments."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    aligns: list[str]


def _escaped_split(text: str) -> list[str]:
    if "\\" not in text:
        return text.split("|")
    result: list[str] = []
    current = ""
    last = 0
    escaped = False
    for pos, ch in enumerate(text):
        if ch == "|":
            if not escaped:
                result.append(current + text[last:pos])
                current = ""
                last = pos + 1
            else:
                current += text[last : pos - 1]
                last = pos
        escaped = ch == "\\"
    result.append(current + text[last:])
    return result


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _aligns(state: StateBlock, line: int) -> list[str] | None:
    """The alignments of a delimiter row, or None when ``line`` is not one."""
    pos = state.bMarks[line] + state.tShift[line]
    end = state.eMarks[line]
    if pos + 1 >= end:
        return None
    first, second = state.src[pos], state.src[pos + 1]
    if first not in "|-:" or (second not in "|-:" and second not in " \t"):
        return None
    if first == "-" and second in " \t":  # a list item, not a table
        return None
    text = state.src[pos:end]
    if text.strip("|-: \t"):
        return None
    columns = text.split("|")
    aligns: list[str] = []
    for i, column in enumerate(columns):
        t = column.strip(_MD_TRIM)
        if not t:
            if i == 0 or i == len(columns) - 1:
                continue
            return None
        if not headerLineRe.search(t):
            return None
        if t[-1] == ":":
            aligns.append("center" if t[0] == ":" else "right")
        elif t[0] == ":":
            aligns.append("left")
        else:
            aligns.append("")
    return aligns


def _cells(text: str) -> list[str]:
    columns = _escaped_split(text)
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    return columns


def make_table_rule(keep_cells: Callable[[str], bool]) -> Rule:
    """The table rule; a table whose text ``keep_cells`` is true for gets markdown-it's
    own tokens, any other one a compact ``table_open`` (its :class:`TableShape` in
    ``meta[SHAPE]``) and ``table_close``."""

    def table(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
        if startLine + 2 > endLine:
            return False
        nextLine = startLine + 1
        if state.sCount[nextLine] < state.blkIndent or state.is_code_block(nextLine):
            return False
        aligns = _aligns(state, nextLine)
        if aligns is None:
            return False
        lineText = _line(state, startLine).strip(_MD_TRIM)
        if "|" not in lineText or state.is_code_block(startLine):
            return False
        columns = _cells(lineText)
        width = len(columns)
        if width == 0 or width != len(aligns):
            return False
        if silent:
            return True

        oldParentType = state.parentType
        state.parentType = "table"
        parser = state.md.block
        cache = getattr(parser, "dispatches", None)
        ends = dispatch(parser.ruler, "blockquote", cache) if isinstance(cache, dict) else None
        terminators = parser.ruler.getRules("blockquote")
        rows: list[tuple[int, list[str]]] = []
        autocompleted = 0
        nextLine = startLine + 2
        src, sCount, blkIndent = state.src, state.sCount, state.blkIndent
        bMarks, tShift, eMarks = state.bMarks, state.tShift, state.eMarks
        # The usual row starts with `|`, where no terminator can start (when none is a
        # plug-in that the dispatch does not know).
        pipe_rows_end = ends is None or bool(ends.other[True])
        while nextLine < endLine:
            indent = sCount[nextLine] - blkIndent
            if indent < 0:
                break
            pos = bMarks[nextLine] + tShift[nextLine]
            if pipe_rows_end or indent >= 4 or src[pos : pos + 1] != "|":
                offered = terminators if ends is None else ends.rules(state, nextLine)
                if any(rule(state, nextLine, endLine, True) for rule in offered):
                    break
            lineText = src[pos : eMarks[nextLine]].strip(_MD_TRIM)
            if not lineText or (indent >= 4 and state.is_code_block(nextLine)):
                break
            cells = _cells(lineText)
            autocompleted += width - len(cells)
            if autocompleted > _MAX_AUTOCOMPLETED_CELLS:
                break
            if len(cells) >= width:
                cells = [cell.strip(_MD_TRIM) for cell in cells[:width]]
            else:
                cells = [cell.strip(_MD_TRIM) for cell in cells] + [""] * (width - len(cells))
            rows.append((nextLine, cells))
            nextLine += 1
        state.parentType = oldParentType
        state.line = nextLine

        header = [cell.strip(_MD_TRIM) for cell in columns]
        shape = TableShape(header, rows, aligns)
        text = state.src[state.bMarks[startLine] : state.eMarks[nextLine - 1]]
        if keep_cells(text):
            state.tokens.extend(table_tokens(shape, startLine, nextLine, state.level))
        else:
            opening = Token("table_open", "table", 1, map=[startLine, nextLine], level=state.level)
            opening.block = True
            opening.meta[SHAPE] = shape
            closing = Token("table_close", "table", -1, level=state.level, block=True)
            state.tokens += (opening, closing)
        return True

    return table


def _token(kind: str, tag: str, nesting: Nesting, level: int, where: list[int] | None) -> Token:
    return Token(kind, tag, nesting, map=where, level=level, block=True)


def table_tokens(shape: TableShape, start: int, end: int, level: int) -> list[Token]:
    """markdown-it's tokens of the table read from lines ``start..end`` (0-based,
    end exclusive) at nesting ``level``."""
    styles = [{"style": "text-align:" + a} if a else None for a in shape.aligns]
    table = [start, end]
    out = [
        _token("table_open", "table", 1, level, table),
        _token("thead_open", "thead", 1, level + 1, [start, start + 1]),
        _token("tr_open", "tr", 1, level + 2, [start, start + 1]),
    ]
    for kind, line, cells in (("th", start, shape.header), *(("td", *row) for row in shape.rows)):
        if kind == "td":
            if line == start + 2:
                out.append(_token("tbody_open", "tbody", 1, level + 1, [start + 2, end]))
            out.append(_token("tr_open", "tr", 1, level + 2, [line, line + 1]))
        for style, content in zip(styles, cells, strict=True):
            cell = _token(f"{kind}_open", kind, 1, level + 3, None)
            if style:
                cell.attrs = dict(style)
            inline = _token("inline", "", 0, level + 4, [line, line + 1])
            inline.content = content
            inline.children = []
            out += (cell, inline, _token(f"{kind}_close", kind, -1, level + 3, None))
        out.append(_token("tr_close", "tr", -1, level + 2, None))
        if kind == "th":
            out.append(_token("thead_close", "thead", -1, level + 1, None))
    if shape.rows:
        out.append(_token("tbody_close", "tbody", -1, level + 1, None))
    out.append(_token("table_close", "table", -1, level, None))
    return out


def expand_tables(tokens: list[Token]) -> list[Token]:
    """``tokens`` with every compact table replaced by markdown-it's own tokens."""
    out: list[Token] = []
    skip = False
    for token in tokens:
        if skip:  # the table_close of a compact table
            skip = False
            continue
        shape = token.meta.get(SHAPE) if token.type == "table_open" else None
        if isinstance(shape, TableShape) and token.map:
            out += table_tokens(shape, token.map[0], token.map[1], token.level)
            skip = True
        else:
            out.append(token)
    return out
