"""The one normalisation of comment text: values are read as a reader sees them."""

from __future__ import annotations

import unicodedata

import pytest

from review_gate.artifacts._text import (
    BIDI_CONTROLS,
    INVISIBLE,
    commit_reference,
    describe_chars,
    issue_reference,
    visible,
)

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("a <!-- hidden --> b", "a  b"),
        ("<!-- a --><!-- b -->x", "x"),
        ("<!-- never closed x", "<!-- never closed x"),
        ("x <!-- 1 --> y <!-- 2", "x  y <!-- 2"),
        ("&#48; &amp; &lt;b&gt;", "0 & <b>"),
        ("&lt;!-- shown --&gt;", "<!-- shown -->"),  # an escaped comment is visible text
        ("\\#7 \\*x\\*", "#7 *x*"),
        ("C\u200bO\u200cM\u200dP\u2060L\ufeffE\u00adT\u180eE", "COMPLETE"),
        ("\U000e0041hidden tag", "hidden tag"),
        ("ＣＯＭＰＬＥＴＥ ０ ＃７", "COMPLETE 0 #7"),
        ("a\u00a0b\u2003c", "a b c"),
        ("\u202eETELPMOC", "\u202eETELPMOC"),  # bidi controls stay: the value is then invalid
        ("\u0421OMPLETE", "\u0421OMPLETE"),  # homoglyphs are not folded
    ],
)
def test_visible(text: str, expected: str) -> None:
    assert visible(text) == expected


def test_invisible_set_is_format_characters_without_bidi_controls() -> None:
    invisible = [chr(c) for c in range(0x110000) if INVISIBLE.fullmatch(chr(c))]
    assert invisible and all(unicodedata.category(ch) == "Cf" for ch in invisible)
    assert not any(BIDI_CONTROLS.fullmatch(ch) for ch in invisible)
    assert all(unicodedata.category(chr(c)) == "Cf" for c in (0x202A, 0x202E, 0x2066, 0x2069))


def test_many_unclosed_comments_are_linear() -> None:
    text = "<!-- x " * 50_000 + "-->" + "<!--" * 50_000
    assert visible(text) == "<!--" * 50_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#7", (7, None)),
        ("7", (7, None)),
        ("#07", ("#07", None)),  # a leading zero is not plainly 7
        ("＃７", ("＃７", None)),  # neither are full-width forms (NFKC would make them 7)
        ("#7.0", ("#7.0", None)),
        ("https://github.com/o/r/issues/07", ("https://github.com/o/r/issues/07", None)),
        ("`#7`", (7, None)),
        ("o/r#7", (7, "o/r")),
        ("https://github.com/o/r/issues/7", (7, "o/r")),
        ("https://github.com/o/r/pull/7/", (7, "o/r")),
        ("https://ghe.example.com:8443/o/r.js/issues/7#issuecomment-1", (7, "o/r.js")),
        ("[#7](https://github.com/o/r/issues/7)", (7, "o/r")),
        ("[#7](#anchor)", (7, None)),
        ("[o/r#7](https://github.com/o/r/issues/7)", (7, "o/r")),
        ("[#7](https://github.com/o/r/issues/8)", ("[#7](https://github.com/o/r/issues/8)", None)),
        (
            "[a/b#7](https://github.com/c/d/issues/7)",
            ("[a/b#7](https://github.com/c/d/issues/7)", None),
        ),
        (
            "[see](https://github.com/o/r/issues/7)",
            ("[see](https://github.com/o/r/issues/7)", None),
        ),
        ("/issues/7", ("/issues/7", None)),
        ("#7, #8", ("#7, #8", None)),
        ("#-1", ("#-1", None)),
        ("#" + "9" * 19, ("#" + "9" * 19, None)),
        ("٧", ("٧", None)),
        ("", (None, None)),
    ],
)
def test_issue_reference(text: str, expected: tuple[object, object]) -> None:
    assert issue_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SHA.upper(), SHA),
        ("`0123456`", "0123456"),
        (f"https://github.com/o/r/commit/{SHA}", SHA),
        (f"[`0123456`](https://github.com/o/r/commit/{SHA})", SHA),
        ("[0123456](https://example.com/x)", "0123456"),
        (f"[`fffffff`](https://github.com/o/r/commit/{SHA})", None),
        ("HEAD", "HEAD"),
        ("", None),
    ],
)
def test_commit_reference(text: str, expected: str | None) -> None:
    got = commit_reference(text)
    assert got == (text if expected is None and text else expected)


def test_describe_chars_names_lookalikes() -> None:
    assert describe_chars("COMPLETE") == ""
    assert describe_chars("✅ COMPLETE") == ""
    assert "CYRILLIC CAPITAL LETTER ES" in describe_chars("\u0421OMPLETE")
    assert "U+202E" in describe_chars("\u202eX")
