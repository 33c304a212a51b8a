"""Pair markers into blocks, and cut each block's tokens out of the comment.

A block is exactly what lies between its markers: on the opening marker's line only
the text after it, on the closing marker's line only the text before it. Nested,
crossed, stray and unterminated markers, and marker look-alikes, become Blocks
carrying errors (never dropped), so a broken artifact cannot pass.
"""

from __future__ import annotations

import dataclasses

from markdown_it.token import Token

from review_gate.artifacts._markers import CLOSER, OPENER, Marker
from review_gate.artifacts.model import ArtifactError


@dataclasses.dataclass
class Block:
    """One marker-delimited block: its kind, span, content tokens and structural errors."""

    kind: str
    line: int
    end_line: int
    tokens: list[Token]
    errors: list[ArtifactError]
    closed: bool
    opener: Marker | None = None
    closer: Marker | None = None


def _error(kind: str, line: int, message: str, hint: str) -> ArtifactError:
    return ArtifactError(kind=kind, pointer="", line=line, message=message, hint=hint)


def _cut(token: Token, start: int, end: int | None) -> Token:
    """``token`` (an inline token) holding only ``content[start:end]``."""
    content = token.content
    first = (token.map[0] if token.map else 0) + content.count("\n", 0, start)
    last = token.map[1] if token.map else first + 1
    if end is not None:
        last = first + content.count("\n", start, end) + 1
    return token.copy(content=content[start:end], map=[first, last], children=None)


def _content(tokens: list[Token], start: Marker, end: Marker | None) -> list[Token]:
    """The tokens strictly between two markers (an inline marker's token is cut)."""
    same = end is not None and end.inline and start.inline and end.token == start.token
    head: list[Token] = []
    if start.inline:
        head = [_cut(tokens[start.token], start.end, end.start if same and end else None)]
        if same:
            return head
    first = start.token + 1
    if end is None:
        return head + tokens[first:]
    if end.inline:
        return [*head, *tokens[first : end.token], _cut(tokens[end.token], 0, end.start)]
    return head + tokens[first : end.token]


_MALFORMED_HINT = (
    "write markers exactly as `gate new` prints them, e.g. <!-- REVIEW:START --> (ASCII, "
    "upper case, one space inside each end), or put text about markers in `code`"
)


def _problem(marker: Marker, kind: str) -> ArtifactError:
    """The error of ``marker``, reported on a block of ``kind``."""
    hint = _MALFORMED_HINT if not marker.real else "put the marker on a line of its own"
    return _error(kind, marker.line, marker.problem, hint)


class _Pairing:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.blocks: list[Block] = []
        self.current: Marker | None = None
        self.pending: list[ArtifactError] = []  # errors of the block being read

    def broken(self, kind: str, line: int, end_line: int, errors: list[ArtifactError]) -> None:
        self.blocks.append(Block(kind, line, end_line, [], errors, False))

    def opener(self, marker: Marker) -> None:
        current = self.current
        if current is not None:
            message = (
                f"<!-- {OPENER[current.kind]} --> at line {current.line} is not closed before "
                f"<!-- {marker.name} --> at line {marker.line}"
            )
            hint = (
                f"close the block with <!-- {CLOSER[current.kind]} --> before starting "
                "another one (blocks cannot nest)"
            )
            errors = [*self.pending, _error(current.kind, current.line, message, hint)]
            self.broken(current.kind, current.line, max(current.line, marker.line - 1), errors)
            self.pending = [
                _error(
                    marker.kind,
                    marker.line,
                    f"<!-- {marker.name} --> opened inside the {current.kind} block that "
                    f"starts at line {current.line} (blocks cannot nest)",
                    f"close the {current.kind} block first, or remove the extra marker",
                )
            ]
        else:
            self.pending = []
        self.current = marker

    def closer(self, marker: Marker) -> None:
        current = self.current
        if current is None:
            message = (
                f"closing marker <!-- {marker.name} --> without an opening "
                f"<!-- {OPENER[marker.kind]} -->"
            )
            hint = f"add <!-- {OPENER[marker.kind]} --> where the block starts"
            self.broken(
                marker.kind,
                marker.line,
                marker.line,
                [_error(marker.kind, marker.line, message, hint)],
            )
            return
        if marker.kind != current.kind:
            message = (
                f"<!-- {OPENER[current.kind]} --> at line {current.line} is closed by "
                f"<!-- {marker.name} --> (crossed markers)"
            )
            hint = f"close it with <!-- {CLOSER[current.kind]} -->"
            errors = [*self.pending, _error(current.kind, marker.line, message, hint)]
            self.broken(current.kind, current.line, marker.line, errors)
        else:
            block = Block(
                current.kind,
                current.line,
                marker.line,
                _content(self.tokens, current, marker),
                self.pending,
                True,
                current,
                marker,
            )
            self.blocks.append(block)
        self.current, self.pending = None, []

    def finish(self, last_line: int) -> list[Block]:
        current = self.current
        if current is not None:
            message = (
                f"<!-- {OPENER[current.kind]} --> at line {current.line} is never closed "
                "(unterminated block)"
            )
            hint = f"end the block with <!-- {CLOSER[current.kind]} -->"
            block = Block(
                current.kind,
                current.line,
                max(current.line, last_line),
                _content(self.tokens, current, None),
                [*self.pending, _error(current.kind, current.line, message, hint)],
                False,
                current,
            )
            self.blocks.append(block)
        return self.blocks


def pair_markers(tokens: list[Token], markers: list[Marker], last_line: int) -> list[Block]:
    """Pair openers with closers, in document order."""
    pairing = _Pairing(tokens)
    for marker in markers:
        if not marker.real:
            # A look-alike inside a block spoils that block; elsewhere it stands alone.
            if pairing.current is not None:
                pairing.pending.append(_problem(marker, pairing.current.kind))
            else:
                pairing.broken(
                    marker.kind, marker.line, marker.line, [_problem(marker, marker.kind)]
                )
            continue
        if marker.opens:
            pairing.opener(marker)
            if marker.problem:
                pairing.pending.append(_problem(marker, marker.kind))
        else:
            pairing.closer(marker)  # always ends with a block, broken or not
            if marker.problem:
                block = pairing.blocks[-1]
                block.errors.append(_problem(marker, block.kind))
    return pairing.finish(last_line)
