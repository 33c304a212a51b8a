"""Markers: exactly `<!-- NAME -->`, as a real comment, outside code and quotes.

Anything that reads as a marker but is not exactly one is a malformed-marker error
with its line; a quote (`>` or `<blockquote>`) is not the author's artifact; a block
holds exactly what lies between its markers.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.artifacts import Artifact
from review_gate.artifacts._markers import LT_LIKE, fold
from review_gate.artifacts.extract import extract
from tests.artifact_samples import handover, review, worker_assignment

NAMES = {
    "REVIEW:START": "review",
    "REVIEW:END": "review",
    "HANDOVER:START": "handover",
    "HANDOVER:END": "handover",
    "WORKER:ASSIGNED": "worker",
    "/WORKER:ASSIGNED": "worker",
}
SAMPLES = {"review": review(7), "handover": handover(7), "worker": worker_assignment()}

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\ufeff", "\u2060", "\u202e", "\u2066"]
SPACES = ["", "  ", "\t", "\u00a0", "\u3000", "\u2002"]
DASHES = ["\u2010", "\u2011", "\u2013", "\u2014", "\u2212", "\uff0d", "\ufe63"]
COLONS = ["\uff1a", "\ua789", "\u2236", "\ufe13"]
LOOK_ALIKE_LETTERS = {"E": "\u0415", "A": "\u0410", "O": "\u041e", "K": "\u039a", "T": "\u0422"}


def _errors(arts: list[Artifact]) -> list[tuple[str, int, str]]:
    return [(e.kind, e.line, e.message) for a in arts for e in a.errors]


@st.composite
def lookalikes(draw: st.DrawFn, name: str) -> str:
    """``<!-- name -->`` changed in one or more ways a reader would not notice."""
    prefix, inner, suffix = "<!--", name, "-->"
    for _ in range(draw(st.integers(1, 3))):
        change = draw(
            st.sampled_from(
                ["case", "space", "invisible", "fullwidth", "dash", "colon", "letter", "lt"]
            )
        )
        if change == "case":
            inner = "".join(c.lower() if draw(st.booleans()) else c for c in inner)
            inner = inner if inner != name else inner.lower()
        elif change == "space":
            where = draw(st.sampled_from(["before", "after", "colon"]))
            space = draw(st.sampled_from(SPACES))
            if where == "colon":
                inner = inner.replace(":", f"{space} : {space}".strip(" ") or " :")
            elif where == "before":
                prefix += space
            else:
                suffix = space + suffix
        elif change == "invisible":
            at = draw(st.integers(0, len(inner)))
            inner = inner[:at] + draw(st.sampled_from(INVISIBLE)) + inner[at:]
        elif change == "fullwidth":
            at = draw(st.integers(0, len(inner) - 1))
            ch = inner[at]
            if "!" <= ch <= "~":
                inner = inner[:at] + chr(ord(ch) + 0xFEE0) + inner[at + 1 :]
            else:
                prefix = "\uff1c\uff01\uff0d\uff0d"
        elif change == "dash":
            dash = draw(st.sampled_from(DASHES))
            prefix = "<!" + dash * 2 if draw(st.booleans()) else prefix
            suffix = dash * 2 + ">"
        elif change == "colon":
            inner = inner.replace(":", draw(st.sampled_from(COLONS)))
        elif change == "letter":
            for latin, other in LOOK_ALIKE_LETTERS.items():
                if latin in inner:
                    inner = inner.replace(latin, other, 1)
                    break
        else:
            prefix = draw(st.sampled_from(["&lt;!--", "\\<!--", "\ufe64!--", "\u2039!--"]))
    text = f"{prefix} {inner} {suffix}"
    if text == f"<!-- {name} -->":  # every change happened to cancel out
        text = f"<!--{name}-->"
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(NAMES)).flatmap(lambda n: st.tuples(st.just(n), lookalikes(n))))
def test_a_marker_lookalike_is_an_error_with_its_line(case: tuple[str, str]) -> None:
    name, text = case
    kind = NAMES[name]
    body = f"Intro line.\n\n{text}\n\nSome words after it.\n"
    arts = extract(body)
    assert arts, f"{text!r} was silently ignored"
    assert all(not a.valid for a in arts)
    found = [(k, line) for k, line, message in _errors(arts) if "malformed marker" in message]
    assert (kind, 3) in found, (text, _errors(arts))
    # The same text shown as code is documentation, not an error.
    assert extract(f"Intro line.\n\n``{text}``\n\n```\n{text}\n```\n") == []


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(NAMES)).flatmap(lambda n: st.tuples(st.just(n), lookalikes(n))))
def test_a_lookalike_spoils_the_block_around_it_and_real_markers_still_work(
    case: tuple[str, str],
) -> None:
    name, text = case
    kind = NAMES[name]
    sample = SAMPLES[kind]
    lines = sample.splitlines()
    spoiled = "\n".join([lines[0], "", text, "", *lines[1:]]) + "\n"
    first = [a for a in extract(spoiled) if a.kind == kind]
    assert first and not any(a.valid for a in first), (text, first)
    assert any("malformed marker" in m for _, _, m in _errors(first))
    # The real markers alone: a valid block.
    (art,) = extract(sample)
    assert art.valid and art.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "<!-- review:start -->",
        "<!--REVIEW:START-->",
        "<!--  REVIEW : START -->",
        "<!-- REVIEW:START --->",
        "<!-- REVIEW:START by bot -->",
        "<!-- REVIEW\u200b:START -->",
        "<!-- \ufeffREVIEW:START -->",
        "<!-- REVIEW:ST\u00adART -->",
        "<!-- RE\u2060VIEW:START -->",
        "<!-- \u202eREVIEW:START -->",
        "＜！－－ REVIEW：START －－＞",
        "<!-- REVIEW：START -->",
        "<!-- ＲＥＶＩＥＷ:START -->",
        "<!— REVIEW:START —>",
        "<!-- R\u0415VIEW:START -->",
        "&lt;!-- REVIEW:START --&gt;",
        "\\<!-- REVIEW:START -->",
        "<!--\nREVIEW:START\n-->",
    ],
)
def test_named_lookalikes(text: str) -> None:
    body = "Hello.\n\n" + text + "\n\n" + review(7).split("\n", 1)[1]
    arts = extract(body)
    assert arts and not any(a.valid for a in arts)
    assert ("review", 3) in [(k, n) for k, n, m in _errors(arts) if "malformed" in m]


def test_lt_like_is_every_character_that_folds_to_lt() -> None:
    # maybe_has_markers() skips bodies without these characters (or an entity): the
    # list must hold every character whose fold starts a marker.
    found = set()
    for code in range(0x110000):
        ch = chr(code)
        if unicodedata.category(ch) in ("Cs", "Cn"):
            continue
        if "<" in fold(ch):
            found.add(ch)
    assert found == set(LT_LIKE)


QUOTED = review(7)


@pytest.mark.parametrize(
    "body",
    [
        f"<blockquote>\n\n{QUOTED}\n</blockquote>\n",
        f"<BLOCKQUOTE>\n\n{QUOTED}\n</BLOCKQUOTE>\n",
        f'<blockquote cite="https://example.com" class="x">\n\n{QUOTED}\n</blockquote>\n',
        f"<blockquote><blockquote></blockquote>\n\n{QUOTED}\n</blockquote>\n",
        f"<div><blockquote>\n\n{QUOTED}\n</blockquote></div>\n",
        f"Quoting: <blockquote> the last review\n\n{QUOTED}\n</blockquote>\n",
        f"<blockquote\n  cite='x'>\n\n{QUOTED}\n</blockquote>\n",
        f"<blockquote>\n\n{QUOTED}",  # never closed: quoted to the end
        f"> <blockquote>\n\n{QUOTED}\n</blockquote>\n",
    ],
)
def test_html_blockquote_is_a_quote(body: str) -> None:
    assert [a for a in extract(body) if a.valid] == []
    # After the quote is closed, the author's own review counts.
    own = extract(f"{body}\n</blockquote></blockquote>\n\n{review(8)}")
    assert [(a.kind, a.valid, a.data.get("issue")) for a in own] == [("review", True, 8)]


def test_details_and_comments_mentioning_blockquote_are_not_quotes() -> None:
    for wrapper in (
        "<details><summary>Review</summary>\n\n{}\n</details>\n",
        "<!-- <blockquote> -->\n\n{}",
        "`<blockquote>`\n\n{}",
        "```html\n<blockquote>\n```\n\n{}",
    ):
        (art,) = extract(wrapper.format(review(7)))
        assert art.valid
    # ... while the same review after a real <blockquote> does not count.
    assert extract("<blockquote>\n\n" + review(7)) == []


BODY_LINES = review(7).split("\n")
WITHOUT_STATUS = "\n".join(
    line for line in BODY_LINES[1:] if not line.startswith("**Review Status:**")
)


@pytest.mark.parametrize(
    ("body", "absent"),
    [
        pytest.param(
            "**Review Status:** ✅ COMPLETE <!-- REVIEW:START -->\n" + WITHOUT_STATUS,
            "/status",
            id="status before the start marker",
        ),
        pytest.param(
            "## Review Status: COMPLETE <!-- REVIEW:START -->\n" + WITHOUT_STATUS,
            "/status",
            id="heading before the start marker",
        ),
        pytest.param(
            "<!-- REVIEW:START -->\n"
            + WITHOUT_STATUS.replace(
                "<!-- REVIEW:END -->", "\u200b<!-- REVIEW:END --> **Review Status:** ✅ COMPLETE"
            ),
            "/status",
            id="status after the end marker",
        ),
        pytest.param(
            "- **Review Status:** ✅ COMPLETE <!-- REVIEW:START -->\n\n" + WITHOUT_STATUS,
            "/status",
            id="list item before the start marker",
        ),
    ],
)
def test_a_block_is_only_what_lies_between_its_markers(body: str, absent: str) -> None:
    arts = [a for a in extract(body) if a.kind == "review"]
    assert len(arts) == 1
    assert not arts[0].valid
    assert absent in {e.pointer for e in arts[0].errors}, arts[0].errors


def test_text_around_inline_markers_is_outside_the_block() -> None:
    # Placeholders before the opening and after the closing marker are not the block's.
    body = review(7).replace("<!-- REVIEW:START -->", "Template: [N] <!-- REVIEW:START -->")
    body = body.replace("<!-- REVIEW:END -->", "text <!-- REVIEW:END --> [WORKER_ID]")
    (art,) = extract(body)
    assert art.valid, art.errors
    # Text between two inline markers on one line is the block.
    one_line = "x <!-- REVIEW:START --> **Review Status:** COMPLETE <!-- REVIEW:END --> y"
    (art,) = extract(one_line)
    assert art.data["status"] == "COMPLETE"
    assert "issue" not in art.data


@pytest.mark.parametrize(
    "body",
    [
        "| Commit | abc1234 | <!-- REVIEW:START --> |\n|---|---|---|\n| a | b | c |\n\n"
        + WITHOUT_STATUS,
        review(7).replace(
            "| Unaddressed | 0 |", "| Unaddressed | 0 <!-- REVIEW:END --> |\n| Extra | 3 |"
        ),
    ],
    ids=["start in a table cell", "end in a table cell"],
)
def test_a_marker_inside_a_table_cell_is_an_error(body: str) -> None:
    arts = [a for a in extract(body) if a.kind == "review"]
    assert arts and not any(a.valid for a in arts)
    assert any("table cell" in m for _, _, m in _errors(arts))
