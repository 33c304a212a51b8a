"""markdown-it, configured for reading artifacts, and the guarantee that it read it all.

markdown-it stops producing tokens where lists and quotes nest deeper than its
``maxNesting`` ("skip tail to the end"): everything after that point -- markers
included -- would silently be missing, and a comment would look like it held no
artifact. So the limit is set far above any real comment (and low enough that the
recursive block parser stays far from Python's recursion limit), and every parse
reports where reading stopped when it did not reach the last line. Extraction turns
that into an error, never into an empty result.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import reference as _reference_rule
from markdown_it.rules_core import StateCore
from markdown_it.rules_core import normalize as _normalize_rule
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import html_inline as _html_inline_rule
from markdown_it.token import Token

from review_gate.artifacts._block_rules import DispatchingBlockParser, make_table_rule

# Real comments nest lists and quotes a few levels deep. markdown-it's block parser
# recurses ~3 Python frames per level: 100 levels stay under ~310 frames.
MAX_NESTING = 100
# A line that opens this many lists or quotes is refused before parsing: markdown-it
# re-scans the rest of such a line once per level (a 260 kB `- - - ...` line took
# seconds), and past MAX_NESTING it could not be read to its end anyway.
_DEEP_LINE = re.compile(
    rf"^(?:[ \t]*(?:>|[-+*](?=[ \t])|[0-9]{{1,9}}[.)](?=[ \t]))){{{MAX_NESTING}}}", re.M
)
_INLINE_NESTING = 20
_STOPPED = "review_gate:stopped"
_REFERENCES_END = "review_gate:references_end"


class Reading(NamedTuple):
    """The block tokens of a comment, and the 1-based line where reading stopped
    early (None when every line was read) with the reason."""

    tokens: list[Token]
    stopped: int | None
    reason: str


class _GuardedBlockParser(DispatchingBlockParser):
    """markdown-it's block parser (rules offered by first character, see _block_rules),
    remembering the first line it skipped for nesting."""

    def tokenize(self, state: StateBlock, startLine: int, endLine: int) -> None:
        # The same tests ParserBlock.tokenize makes before it gives up on a level.
        if state.level >= state.md.options.maxNesting and _STOPPED not in state.env:
            line = state.skipEmptyLines(startLine)
            if line < endLine and state.sCount[line] >= state.blkIndent:
                state.env[_STOPPED] = line
        super().tokenize(state, startLine, endLine)


def _reference(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    # A link reference definition makes no token: remember the lines it covers, so that
    # one at the end of a comment is not taken for text the parser never reached.
    if not _reference_rule(state, startLine, endLine, silent):
        return False
    if not silent:
        state.env[_REFERENCES_END] = max(state.env.get(_REFERENCES_END, 0), state.line)
    return True


def _alt(md: MarkdownIt, name: str) -> list[str]:
    """The rules that block rule ``name`` can interrupt."""
    return next(list(rule.alt) for rule in md.block.ruler.__rules__ if rule.name == name)


def _normalize(state: StateCore) -> None:
    # markdown-it's normalize rule rewrites line breaks and NUL characters: a text
    # with neither (read() has already turned `\r` into `\n`) stays what it is.
    if "\r" in state.src or "\0" in state.src:
        _normalize_rule(state)


@functools.lru_cache(maxsize=1)
def block_parser() -> MarkdownIt:
    # Block-level parsing only: table cells and paragraphs keep their raw inline text,
    # which is all the artifact parsers need; running the inline rules on every cell
    # would double the cost of a REVIEW. Inline HTML is looked for separately.
    md = (
        MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
        .enable("table")
        .disable(["inline", "text_join"])
    )
    guarded = _GuardedBlockParser()
    guarded.ruler = md.block.ruler
    md.block = guarded
    md.block.ruler.at("reference", _reference, {"alt": _alt(md, "reference")})
    md.core.ruler.at("normalize", _normalize)
    # Here, not at the top: _markers reads inline text with this module's parser.
    from review_gate.artifacts._markers import may_hold_marker

    # Ruler.at() forgets which rules a rule can interrupt unless told again.
    md.block.ruler.at("table", make_table_rule(may_hold_marker), {"alt": _alt(md, "table")})
    return md


def _html_inline(state: StateInline, silent: bool) -> bool:
    # markdown-it's html_inline rule, also recording where the tag starts in the
    # inline text: a block opened by an inline marker starts right after it.
    start, count = state.pos, len(state.tokens)
    if not _html_inline_rule(state, silent):
        return False
    if not silent and len(state.tokens) > count:
        state.tokens[-1].meta["offset"] = start
    return True


@functools.lru_cache(maxsize=1)
def _inline_parser() -> MarkdownIt:
    # Inline nesting past the limit is not dropped: markdown-it reads the rest as plain
    # text, where a marker is then a look-alike (an error). Link brackets cost time per
    # level, so this limit stays at markdown-it's own default.
    md = MarkdownIt("commonmark", {"maxNesting": _INLINE_NESTING})
    md.inline.ruler.at("html_inline", _html_inline)
    return md


def inline_children(content: str) -> list[Token]:
    """The inline tokens of one paragraph, heading or cell (``html_inline`` tokens
    carry ``meta["offset"]``, the offset of the tag in ``content``)."""
    return _inline_parser().parseInline(content)[0].children or []


def _covered(tokens: list[Token]) -> int:
    # Top-level tokens come in document order and each one's map spans everything
    # nested in it: the last one that has a map ends where reading ended.
    for token in reversed(tokens):
        if token.level == 0 and token.map is not None:
            return token.map[1]
    return 0


def read(text: str, lines: list[str]) -> Reading:
    """Parse ``text`` (split into ``lines``) into block tokens, saying where reading
    stopped if markdown-it did not reach the last non-blank line."""
    nested = f"nesting too deep (over {MAX_NESTING} levels of lists and quotes)"
    # Short texts cannot cost much; the search is only worth its time on long ones.
    deep = _DEEP_LINE.search(text) if len(text) > 4_000 else None
    if deep is not None:
        return Reading([], text.count("\n", 0, deep.start()) + 1, nested)
    env: dict[str, Any] = {}
    tokens = block_parser().parse(text, env)
    if _STOPPED in env:
        index: int = env[_STOPPED]
        return Reading(tokens, _next_text_line(lines, index) or index + 1, nested)
    covered = max(_covered(tokens), env.get(_REFERENCES_END, 0))
    if covered < len(lines):
        stopped = _next_text_line(lines, covered)
        if stopped is not None:
            return Reading(tokens, stopped, "the markdown parser stopped early")
    return Reading(tokens, None, "")


def _next_text_line(lines: list[str], index: int) -> int | None:
    """1-based number of the first line from ``index`` (0-based) that is not blank to
    markdown (only spaces and tabs), or None."""
    for number in range(index, len(lines)):
        if lines[number].strip(" \t"):
            return number + 1
    return None
