"""What a reader sees in a table cell or a line: the one place where comment text is
normalised before the parsers read values from it.

The gate must read what a human reading the rendered comment reads. So whatever
GitHub does not show is dropped (HTML comments, zero-width and other invisible
format characters), whatever it renders as something else is rendered (HTML
entities, backslash escapes, full-width letters and digits via NFKC), and
bidirectional controls, which make text *display* in another order than it *reads*,
are kept so that the value stays invalid and the error names them.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Invisible format characters (Unicode category Cf) GitHub renders as nothing: soft
# hyphen, Arabic letter mark, Mongolian vowel separator, zero-width space / non-joiner
# / joiner, LRM / RLM, word joiner and invisible operators, deprecated format
# characters, BOM / zero-width no-break space, and the tag characters (used to
# smuggle invisible ASCII). Bidi embeddings, overrides and isolates
# (U+202A-U+202E, U+2066-U+2069) are deliberately NOT here.
INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\u206a-\u206f\ufeff"
    "\U000e0001\U000e0020-\U000e007f]"
)
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# CommonMark: any ASCII punctuation character may be backslash-escaped.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def drop_html_comments(text: str) -> str:
    """``text`` without its (closed) ``<!-- ... -->`` comments."""
    # str.find, not a regex: `<!--(.*?)-->` is quadratic on many `<!--` that never close.
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        end = text.find("-->", start + 4) if start >= 0 else -1
        if end < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:start])
        pos = end + 3


def visible(text: str, *, fold: bool = True) -> str:
    """``text`` as rendered: HTML comments and invisible characters removed, entities
    and backslash escapes resolved, compatibility forms (full-width ``Ｃ``, ``＃``, NBSP)
    folded by NFKC -- unless ``fold`` is false: numbers and references are read
    without it, so that ``７`` or ``＃７`` stay what they are (invalid), not 7."""
    # The common case (a plain ASCII cell) costs four cheap tests.
    if text.isascii() and "<!--" not in text and "&" not in text and "\\" not in text:
        return text
    if "<!--" in text:
        text = drop_html_comments(text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = INVISIBLE.sub("", text)
        if fold:
            text = unicodedata.normalize("NFKC", text)
    return text


def describe_chars(text: str) -> str:
    """`` (contains U+0421 CYRILLIC CAPITAL LETTER ES)`` when ``text`` holds characters
    that look like ASCII but are not (homoglyphs, bidi controls, other digits), so an
    error about a value that *looks* right says why it is not; else ``""``."""
    if text.isascii():
        return ""
    odd: list[str] = []
    for ch in dict.fromkeys(text):
        category = unicodedata.category(ch)
        if ord(ch) > 127 and (category[0] in "LN" or category in ("Cf", "Co", "Cs", "Zs")):
            name = unicodedata.name(ch, "unnamed character")
            odd.append(f"U+{ord(ch):04X} {name}")
    if not odd:
        return ""
    more = f" and {len(odd) - 3} more" if len(odd) > 3 else ""
    return f" (contains {', '.join(odd[:3])}{more})"


# -- references: issues and commits --------------------------------------------------

_REPO = r"([A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})"
# An issue number is ASCII digits without a leading zero: `#07`, `#7.0`, `７` (full-width)
# are not read as 7 -- what is not plainly 7 to every reader and tool is invalid.
_NUMBER = r"(0|[1-9][0-9]{0,17})"
_ISSUE_NUMBER = re.compile(r"#?\s*" + _NUMBER)
_REPO_ISSUE = re.compile(_REPO + "#" + _NUMBER)
_ISSUE_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?/"
    + _REPO
    + r"/(?:issues|pull)/"
    + _NUMBER
    + r"(?:/|[#?]\S*)?"
)
_COMMIT_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?/" + _REPO + r"/"
    r"(?:commit|pull/[0-9]{1,18}/commits)/([0-9A-Fa-f]{7,64})(?:[#?]\S*)?"
)
_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*<?([^()<>\s]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEX = re.compile(r"[0-9A-Fa-f]{7,64}")


def _unwrap(text: str) -> str:
    # Local import: _common imports this module.
    from review_gate.artifacts._common import clean

    return clean(text, fold=False)


def issue_reference(text: str) -> tuple[int | str | None, str | None]:
    """``(number, repository)`` of an issue reference: ``#7``/``7`` (repository None),
    ``owner/repo#7``, an issue or pull URL, or a markdown link to one of them.

    A link whose text and target name different issues is ambiguous (the reader sees
    one, a click opens the other): it is returned unchanged as a string, i.e. invalid.
    Anything else that is not a reference comes back as the string it is.
    """
    value = _unwrap(text)
    if not value:
        return None, None
    link = _LINK.fullmatch(value)
    if link:
        shown = issue_reference(link.group(1))
        target = _ISSUE_URL.fullmatch(link.group(2))
        if not isinstance(shown[0], int):
            return value, None
        if target and (
            int(target.group(2)) != shown[0]
            or (shown[1] is not None and shown[1].lower() != target.group(1).lower())
        ):
            return value, None
        return shown[0], shown[1] or (target.group(1) if target else None)
    match = _ISSUE_NUMBER.fullmatch(value)
    if match:
        return int(match.group(1)), None
    match = _REPO_ISSUE.fullmatch(value) or _ISSUE_URL.fullmatch(value)
    if match:
        return int(match.group(2)), match.group(1)
    return value, None


def commit_reference(text: str) -> str | None:
    """A commit sha (lower-case) from ``abc1234``, a commit URL, or a markdown link to
    one whose text is its sha (or a prefix of it); anything else unchanged."""
    value = _unwrap(text)
    if not value:
        return None
    link = _LINK.fullmatch(value)
    if link:
        shown = _unwrap(link.group(1))
        target = _COMMIT_URL.fullmatch(link.group(2))
        if not _HEX.fullmatch(shown):
            return value
        if target:
            full = target.group(2).lower()
            if not (full.startswith(shown.lower()) or shown.lower().startswith(full)):
                return value
            return full if len(full) > len(shown) else shown.lower()
        return shown.lower()
    url = _COMMIT_URL.fullmatch(value)
    if url:
        return url.group(2).lower()
    return value.lower() if _HEX.fullmatch(value) else value
