"""Find artifact marker blocks in a comment body with markdown-it's token stream.

A marker counts only where markdown-it sees a real HTML comment (an ``html_block``
or an ``html_inline`` token), so markers shown inside fenced, indented or inline
code never open a block. Markers inside a blockquote do not count either: replies
routinely quote a whole review with ``>``, and a quote is not the author's artifact.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.token import Token

from review_gate.artifacts.model import ArtifactError

# name -> (kind, opens)
MARKERS: dict[str, tuple[str, bool]] = {
    "REVIEW:START": ("review", True),
    "REVIEW:END": ("review", False),
    "HANDOVER:START": ("handover", True),
    "HANDOVER:END": ("handover", False),
    "WORKER:ASSIGNED": ("worker", True),
    "/WORKER:ASSIGNED": ("worker", False),
}
OPENER = {"review": "REVIEW:START", "handover": "HANDOVER:START", "worker": "WORKER:ASSIGNED"}
CLOSER = {"review": "REVIEW:END", "handover": "HANDOVER:END", "worker": "/WORKER:ASSIGNED"}

# Cheap pre-filter: a body without anything marker-like needs no markdown parse at all
# (most comments on an issue are prose), which keeps `gate check` on 1,000 comments fast.
_MAYBE_MARKER = re.compile(r"<!--\s*/?(?:REVIEW|HANDOVER|WORKER):")


class Marker(NamedTuple):
    name: str
    kind: str
    opens: bool
    line: int  # 1-based line in the body
    token: int  # index of the html_block token, or of the inline token holding it
    inline: bool


@dataclasses.dataclass
class Block:
    """One marker-delimited block: its kind, span, content tokens and structural errors."""

    kind: str
    line: int
    end_line: int
    tokens: list[Token]
    errors: list[ArtifactError]
    closed: bool


@functools.lru_cache(maxsize=1)
def block_parser() -> MarkdownIt:
    # Block-level parsing only: table cells and paragraphs keep their raw inline text,
    # which is all the artifact parsers need; running the inline rules on every cell
    # would double the cost of a REVIEW. Inline HTML is looked for separately.
    return (
        MarkdownIt("commonmark", {"maxNesting": 20})
        .enable("table")
        .disable(["inline", "text_join"])
    )


@functools.lru_cache(maxsize=1)
def _inline_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"maxNesting": 20})


def maybe_has_markers(body: str) -> bool:
    """False when ``body`` certainly holds no artifact marker."""
    return _MAYBE_MARKER.search(body) is not None


def _comment_markers(text: str) -> list[tuple[str, int]]:
    """(marker name, offset) of every HTML comment in ``text`` that is a marker."""
    # str.find rather than a regex: `<!--(.*?)-->` is quadratic on a body of many
    # `<!--` that never close (a minute for 240 kB).
    found: list[tuple[str, int]] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            return found
        end = text.find("-->", start + 4)
        if end < 0:
            return found
        name = text[start + 4 : end].strip()
        if name in MARKERS:
            found.append((name, start))
        pos = end + 3


def _inline_markers(token: Token, index: int) -> list[Marker]:
    if token.map is None or not _MAYBE_MARKER.search(token.content):
        return []
    markers = []
    line = token.map[0] + 1
    children = _inline_parser().parseInline(token.content)[0].children or []
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "html_inline":
            for name, _ in _comment_markers(child.content):
                kind, opens = MARKERS[name]
                markers.append(Marker(name, kind, opens, line, index, True))
        elif child.type == "text":
            line += child.content.count("\n")
    return markers


def find_markers(tokens: list[Token]) -> list[Marker]:
    """Every marker outside code and blockquotes, in document order."""
    markers: list[Marker] = []
    quoted = 0
    # A REVIEW is ~350 tokens, mostly table cells: pick the few that can matter first.
    candidates = [
        (index, token)
        for index, token in enumerate(tokens)
        if token.type in _QUOTE_OR_HTML or (token.type == "inline" and "<!--" in token.content)
    ]
    for index, token in candidates:
        kind = token.type
        if kind == "blockquote_open":
            quoted += 1
        elif kind == "blockquote_close":
            quoted -= 1
        elif quoted:
            continue
        elif kind == "inline":
            markers.extend(_inline_markers(token, index))
        elif token.map is not None:  # html_block
            for name, offset in _comment_markers(token.content):
                name_kind, opens = MARKERS[name]
                line = token.map[0] + 1 + token.content.count("\n", 0, offset)
                markers.append(Marker(name, name_kind, opens, line, index, False))
    return markers


_QUOTE_OR_HTML = frozenset({"html_block", "blockquote_open", "blockquote_close"})


def _error(kind: str, line: int, message: str, hint: str) -> ArtifactError:
    return ArtifactError(kind=kind, pointer="", line=line, message=message, hint=hint)


def _content(tokens: list[Token], start: Marker, end: Marker | None) -> list[Token]:
    first = start.token if start.inline else start.token + 1
    if end is None:
        return tokens[first:]
    last = end.token + 1 if end.inline else end.token
    return tokens[first:last]


def pair_markers(tokens: list[Token], markers: list[Marker], last_line: int) -> list[Block]:
    """Pair openers with closers; nested, crossed, stray and unterminated markers
    become Blocks carrying errors (never dropped), so a broken artifact can't pass."""
    blocks: list[Block] = []
    current: Marker | None = None
    pending: list[ArtifactError] = []
    for marker in markers:
        if marker.opens:
            if current is not None:
                blocks.append(
                    Block(
                        current.kind,
                        current.line,
                        max(current.line, marker.line - 1),
                        [],
                        [
                            *pending,
                            _error(
                                current.kind,
                                current.line,
                                f"<!-- {OPENER[current.kind]} --> at line {current.line} is not "
                                f"closed before <!-- {marker.name} --> at line {marker.line}",
                                f"close the block with <!-- {CLOSER[current.kind]} --> before "
                                "starting another one (blocks cannot nest)",
                            ),
                        ],
                        False,
                    )
                )
                pending = [
                    _error(
                        marker.kind,
                        marker.line,
                        f"<!-- {marker.name} --> opened inside the {current.kind} block "
                        f"that starts at line {current.line} (blocks cannot nest)",
                        f"close the {current.kind} block first, or remove the extra marker",
                    )
                ]
            else:
                pending = []
            current = marker
            continue
        if current is None:
            blocks.append(
                Block(
                    marker.kind,
                    marker.line,
                    marker.line,
                    [],
                    [
                        _error(
                            marker.kind,
                            marker.line,
                            f"closing marker <!-- {marker.name} --> without an opening "
                            f"<!-- {OPENER[marker.kind]} -->",
                            f"add <!-- {OPENER[marker.kind]} --> where the block starts",
                        )
                    ],
                    False,
                )
            )
        elif marker.kind != current.kind:
            blocks.append(
                Block(
                    current.kind,
                    current.line,
                    marker.line,
                    [],
                    [
                        *pending,
                        _error(
                            current.kind,
                            marker.line,
                            f"<!-- {OPENER[current.kind]} --> at line {current.line} is closed "
                            f"by <!-- {marker.name} --> (crossed markers)",
                            f"close it with <!-- {CLOSER[current.kind]} -->",
                        ),
                    ],
                    False,
                )
            )
            current, pending = None, []
        else:
            blocks.append(
                Block(
                    current.kind,
                    current.line,
                    marker.line,
                    _content(tokens, current, marker),
                    pending,
                    True,
                )
            )
            current, pending = None, []
    if current is not None:
        blocks.append(
            Block(
                current.kind,
                current.line,
                max(current.line, last_line),
                _content(tokens, current, None),
                [
                    *pending,
                    _error(
                        current.kind,
                        current.line,
                        f"<!-- {OPENER[current.kind]} --> at line {current.line} is never "
                        f"closed (unterminated block)",
                        f"end the block with <!-- {CLOSER[current.kind]} -->",
                    ),
                ],
                False,
            )
        )
    return blocks
