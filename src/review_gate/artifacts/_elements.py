"""Flatten a block's markdown-it tokens into the few shapes artifact parsers read."""

from __future__ import annotations

from typing import NamedTuple

from markdown_it.token import Token

from review_gate.artifacts._block_rules import SHAPE, TableShape


class Heading(NamedTuple):
    level: int
    text: str
    line: int


class Row(NamedTuple):
    line: int
    cells: list[str]


class Table(NamedTuple):
    header: list[str]
    rows: list[Row]
    line: int


class Text(NamedTuple):
    """One line of a paragraph outside lists."""

    text: str
    line: int


class Item(NamedTuple):
    """The first paragraph of a list item (lines joined with spaces)."""

    text: str
    line: int
    depth: int
    ordered: bool


class Fence(NamedTuple):
    info: str
    content: str
    line: int  # line of the opening ``` fence


Element = Heading | Table | Text | Item | Fence


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


def elements(tokens: list[Token], first: int, last: int) -> list[Element]:
    """Headings, tables, paragraph lines, list items and fences of ``tokens`` whose
    lines fall in ``first..last`` (1-based, inclusive), in document order."""
    out: list[Element] = []
    lists: list[bool] = []  # ordered? for each open list
    item_fresh = False  # the next paragraph is the first one of a list item
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i]
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(kind == "ordered_list_open")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            if lists:
                lists.pop()
        elif kind == "list_item_open":
            item_fresh = True
        elif kind == "heading_open" and i + 1 < n:
            line = _line(token)
            if first <= line <= last:
                out.append(Heading(int(token.tag[1:] or 0), tokens[i + 1].content.strip(), line))
            i += 2
            continue
        elif kind == "table_open":
            shape = token.meta.get(SHAPE)
            if isinstance(shape, TableShape):  # a compact table, then its table_close
                _shaped_table(shape, _line(token), first, last, out)
                i += 2
            else:
                i = _table(tokens, i, first, last, out)
            continue
        elif kind == "fence":
            line = _line(token)
            if first <= line <= last:
                out.append(Fence(token.info.strip(), token.content, line))
        elif kind == "inline" and token.map is not None:
            start = token.map[0] + 1
            lines = token.content.split("\n")
            if lists and item_fresh:
                kept = [t for k, t in enumerate(lines) if first <= start + k <= last]
                if kept and first <= start <= last:
                    out.append(
                        Item(" ".join(t.strip() for t in kept), start, len(lists), lists[-1])
                    )
            else:
                out.extend(
                    Text(t, start + k) for k, t in enumerate(lines) if first <= start + k <= last
                )
            item_fresh = False
        i += 1
    return out


def _shaped_table(
    shape: TableShape, table_line: int, first: int, last: int, out: list[Element]
) -> None:
    """What _table reads from markdown-it's tokens of the same table."""
    if first <= table_line <= last:
        rows = [
            Row(line + 1, [cell.strip() for cell in cells])
            for line, cells in shape.rows
            if first <= line + 1 <= last
        ]
        out.append(Table([cell.strip() for cell in shape.header], rows, table_line))


_CELL_EDGES = frozenset({"td_open", "td_close", "th_open", "th_close"})


def _table(tokens: list[Token], i: int, first: int, last: int, out: list[Element]) -> int:
    table_line = _line(tokens[i])
    header: list[str] = []
    rows: list[Row] = []
    cells: list[str] = []
    row_line = table_line
    in_head = True
    n = len(tokens)
    i += 1
    # Hot loop (a REVIEW has ~250 table tokens). markdown-it lays out a row as tr_open,
    # then (th|td)_open, inline, (th|td)_close per cell, then tr_close: a row in that
    # shape is read in one step; anything else goes through the general branches below,
    # which give the same result token by token.
    while i < n:
        token = tokens[i]
        kind = token.type
        i += 1
        if kind == "tr_open":
            cells = []
            row_line = token.map[0] + 1 if token.map else 0
            while (
                i + 2 < n
                and tokens[i + 1].type == "inline"
                and tokens[i].type in _CELL_EDGES
                and tokens[i + 2].type in _CELL_EDGES
            ):
                cells.append(tokens[i + 1].content.strip())
                i += 3
            if i < n and tokens[i].type == "tr_close":
                i += 1
                if in_head:
                    header = cells
                elif first <= row_line <= last:
                    rows.append(Row(row_line, cells))
        elif kind in _CELL_EDGES:
            continue
        elif kind == "inline":
            cells.append(token.content.strip())
        elif kind == "tr_close":
            if in_head:
                header = cells
            elif first <= row_line <= last:
                rows.append(Row(row_line, cells))
        elif kind == "tbody_open":
            in_head = False
        elif kind == "table_close":
            break
    if first <= table_line <= last:
        out.append(Table(header, rows, table_line))
    return i
