"""The artifact parser's block tokenizer (rules offered by first character, the table
rule, compact tables) gives markdown-it's own tokens: compared token for token with
an unmodified markdown-it on hand-made edge cases, real samples and generated text."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from review_gate.artifacts._block_rules import SHAPE, expand_tables
from review_gate.artifacts._elements import elements
from review_gate.artifacts._markdown import MAX_NESTING, block_parser
from tests.artifact_samples import handover, review, worker_assignment


def _stock() -> MarkdownIt:
    return (
        MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
        .enable("table")
        .disable(["inline", "text_join"])
    )


STOCK = _stock()


def _ours(text: str) -> list[Token]:
    env: dict[str, Any] = {}
    return block_parser().parse(text, env)


def _same_as_markdown_it(text: str) -> None:
    ours = _ours(text)
    assert expand_tables(ours) == STOCK.parse(text, {})
    # What the artifact parsers read is the same from either form.
    last = text.count("\n") + 1
    assert elements(ours, 1, last) == elements(STOCK.parse(text, {}), 1, last)


EDGE_CASES = [
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "| a | b |\n|:--|--:|\n| 1 | 2 |\n| 3 |\n| 4 | 5 | 6 |\n",
    "| a | b |\n|:-:|---|\n",  # a header only
    "a | b\n--- | ---\nc | d\n",
    "| a \\| b | c |\n|---|---|\n| x \\\\| y | z |\n",  # escaped pipes
    "|a|\n|-|\n|b|\n# heading ends it\n",
    "| a |\n|---|\n| b |\n```\ncode\n```\n",
    "| a |\n|---|\n| b |\n> quote ends it\n",
    "| a |\n|---|\n| b |\n- list ends it\n",
    "| a |\n|---|\n| b |\n1. list\n",
    "| a |\n|---|\n| b |\n<div>html ends it</div>\n",
    "| a |\n|---|\n| b |\n***\n",
    "| a |\n|---|\n| b |\n    | indented as code |\n",
    "| a |\n|---|\n| b |\n\n| c |\n",
    "paragraph\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "> | a | b |\n> |---|---|\n> | 1 | 2 |\n> | 3 | 4 |\n",
    "- | a | b |\n  |---|---|\n  | 1 | 2 |\n- next\n",
    "| a |\n| - |\n| b |\n",
    "- |\n|---|\n",
    "|---|\n|---|\n",
    "| a | b |\n|---||---|\n",
    "| a |\n|---|---|\n",
    "\t| a |\n\t|---|\n",
    "   | a |\n   |---|\n   | b |\n",
    "| a\u00a0|\u3000b |\n|---|---|\n|\u2003c | d\u2002|\n",
    "| <!-- REVIEW:START --> |\n|---|\n| x |\n",  # may hold a marker: markdown-it's tokens
    "| a |\n|---|\n| &lt;!-- x |\n",
    "| a |\n|---|\n| \uff1c!-- x |\n",
    "| a |\n|---|\n| b |\n[ref]: https://example.com\n",
    "# one\n## two\n\n~~~\nfence\n~~~\n\n+ item\n\n10) item\n\n<!-- c -->\n\n[x]: /u\n",
    "    code\n\n- a\n\n  b\n",
    "|\n|\n",
    "| a |\n|:|\n",
    "",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_give_markdown_its_tokens(text: str) -> None:
    _same_as_markdown_it(text)


@pytest.mark.parametrize(
    "text",
    [
        review(7),
        review(7, commit="abcdef1", deferred=(("Low", "x", "#8", "later"),)),
        handover(7),
        worker_assignment(),
        "> " + review(7).replace("\n", "\n> "),
        "- " + review(7).replace("\n", "\n  "),
    ],
)
def test_samples_give_markdown_its_tokens(text: str) -> None:
    _same_as_markdown_it(text)


def test_a_table_that_cannot_hold_a_marker_is_compact() -> None:
    """The fast form is really used (and only where no marker can be)."""
    plain = _ours("| a |\n|---|\n| b |\n")
    assert [t.type for t in plain] == ["table_open", "table_close"]
    assert SHAPE in plain[0].meta
    marked = _ours("| a |\n|---|\n| <!-- b --> |\n")
    assert "inline" in [t.type for t in marked]
    assert all(SHAPE not in t.meta for t in marked)


LINES = [
    "| a | b |",
    "|---|---|",
    "|:-|-:|",
    "| 1 | 2 | 3 |",
    "a | b",
    "--- | ---",
    "| x \\| y |",
    "",
    "> | q |",
    "> |---|",
    "- | l |",
    "  |---|",
    "    | code |",
    "```",
    "~~~",
    "# h",
    "<div>",
    "<!-- REVIEW:START -->",
    "***",
    "1. |",
    "[r]: /u",
    "text",
    "\t|\t|",
    "| \u00a0 |",
    "===",
    "---",
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=14))
def test_generated_text_gives_markdown_its_tokens(lines: list[str]) -> None:
    _same_as_markdown_it("\n".join(lines))
