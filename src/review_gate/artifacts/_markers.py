"""Artifact markers in markdown-it's token stream -- and everything that only looks
like one.

A marker is exactly ``<!-- NAME -->`` (what ``gate new`` prints), written where
markdown sees a real HTML comment (an ``html_block`` or ``html_inline`` token): never
inside fenced, indented or inline code, never inside a quote -- ``>`` or an HTML
``<blockquote>`` (replies quote reviews; a quote is not the author's artifact).

Text that normalises to a marker but is not exactly one -- another case, other or
invisible spacing, full-width or look-alike letters, other dashes or colons, an
escaped or entity-encoded ``<`` -- is a *malformed marker*: an error with its line,
never "some other comment" that is silently ignored. It is found in one pass over
the folded text (:func:`fold`) with one pattern (``_LOOSE``); inside code or quotes
it is left alone like a real marker would be.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from typing import NamedTuple

from markdown_it.token import Token

from review_gate.artifacts._markdown import inline_children

# name -> (kind, opens)
MARKERS: dict[str, tuple[str, bool]] = {
    "REVIEW:START": ("review", True),
    "REVIEW:END": ("review", False),
    "HANDOVER:START": ("handover", True),
    "HANDOVER:END": ("handover", False),
    "WORKER:ASSIGNED": ("worker", True),
    "/WORKER:ASSIGNED": ("worker", False),
    "REPORT:START": ("report", True),
    "REPORT:END": ("report", False),
}
# kind -> its opening / closing marker (each kind has exactly one of each)
OPENER = {kind: name for name, (kind, opens) in MARKERS.items() if opens}
CLOSER = {kind: name for name, (kind, opens) in MARKERS.items() if not opens}
# The one spelling of each marker.
EXACT: dict[str, str] = {f"<!-- {name} -->": name for name in MARKERS}
_EXACT_RE = re.compile("|".join(map(re.escape, EXACT)))

# -- folding: what a marker look-alike reduces to ------------------------------------

# Invisible or overlaid characters: format characters (zero-width space / joiners, word
# joiner, soft hyphen, BOM, bidi controls, tag characters), combining marks and
# variation selectors, Hangul fillers.
_DROP = re.compile(
    "[\u00ad\u0300-\u036f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u1ab0-\u1aff"
    "\u1dc0-\u1dff\u200b-\u200f\u202a-\u202e\u2060-\u206f\u20d0-\u20ff\u3164"
    "\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\uffa0\ufff9-\ufffb"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# Look-alikes NFKC leaves alone: Greek and Cyrillic capitals (before case folding,
# Greek Ν is an N but its small ν a v) ...
_UPPER = dict(
    zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧАВЕКМНОРСТХЅІЈԀԌԜҮӀ", "ABEZHIKMNOPTYXABEKMHOPCTXSIJDGWYI", strict=True)
)
# ... then small letters, small capitals and punctuation.
_LOWER = {
    **dict(zip("аеорсухѕіјԁһԝѵԛɑɡıɩοαικνυτρѡ", "aeopcyxsijdhwvqagiioaikvutpw", strict=True)),
    **dict(zip("ʀᴅᴇᴋɴᴏᴛᴠᴡꜱʜɪᴀɢʙᴄꜰᴊʟᴍᴘᴜʏᴢ", "rdeknotvwshiagbcfjlmpuyz", strict=True)),
    **dict.fromkeys("‹〈⟨❮❰˂ᐸ", "<"),
    **dict.fromkeys("›〉⟩❯❱˃ᐳ", ">"),
    **dict.fromkeys("ǃ¡❗❕ⵑ", "!"),
    **dict.fromkeys("ːˑ˸꞉∶׃ꓽ։᛬⁚", ":"),
    **dict.fromkeys("∕⁄⧸⟋ᐟ〳", "/"),
    **dict.fromkeys("’‘ʼʹ′`´", "'"),
    **dict.fromkeys(
        "\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212"
        "\u2500\u2796\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u301c\u3030\u30a0\u30fc\uff70"
        "\u02d7\ufe31\ufe32\ufe58\ufe63",
        "-",
    ),
    "\u2800": " ",
}
# str.translate with a dict costs ~75 ns a character; a substitution only where a
# look-alike is (usually nowhere) costs next to nothing.
_UPPER_RE = re.compile("[" + re.escape("".join(_UPPER)) + "]")
_LOWER_RE = re.compile("[" + re.escape("".join(_LOWER)) + "]")
# Characters whose fold is `<` (tests check the list against fold() itself).
LT_LIKE = "<\uff1c\ufe64\u2039\u2329\u3008\ufe3f\u27e8\u276e\u2770\u02c2\u1438"
_LT_LIKE = re.compile(f"[{LT_LIKE}]")


def _other_lt(text: str) -> bool:
    """Whether ``text`` holds a character other than `<` that folds to `<`."""
    # Ten substring scans beat one regex character class here (~2 µs against ~3 µs).
    return not text.isascii() and any(ch in text for ch in LT_LIKE[1:])


def may_hold_marker(text: str) -> bool:
    """Whether ``text`` may hold a marker, a look-alike or an HTML quote: a `<`, an
    entity or a character that folds to `<` (find_markers looks at nothing else)."""
    return "<" in text or "&" in text or _other_lt(text)


def fold(text: str) -> str:
    """``text`` reduced for comparing with a marker: invisible characters dropped,
    NFKC, look-alike letters and punctuation mapped to ASCII, case folded. Newlines are
    kept, one for one."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", _DROP.sub("", text))
    text = _UPPER_RE.sub(lambda m: _UPPER[m.group()], text).casefold()
    return _DROP.sub("", _LOWER_RE.sub(lambda m: _LOWER[m.group()], text))


def _unescape(text: str) -> str:
    # Entities render as the characters they name (`&lt;!-- ...`); line by line, so
    # that `&#10;` cannot shift the line numbers of what follows.
    if "&" not in text:
        return text
    return "\n".join(html.unescape(line).replace("\n", " ") for line in text.split("\n"))


# `<`, a `!`, then the marker name and kind with a colon between, anything but letters
# and digits around them (dashes, spaces, `/`, backslashes, emphasis): on folded text.
_LOOSE = re.compile(
    r"<[^a-z0-9<>!]*![^a-z0-9<>]*(review|handover|worker|report)[^a-z0-9<>:]*:[^a-z0-9<>]*"
    r"(start|end|assigned)"
)


def kinds_mentioned(text: str) -> list[str]:
    """The kinds of every marker or marker look-alike in ``text``, first seen first."""
    found = dict.fromkeys(m.group(1) for m in _LOOSE.finditer(fold(_unescape(text))))
    return list(found)


def maybe_has_markers(text: str) -> bool:
    """False when ``text`` certainly holds no marker and nothing that looks like one."""
    # Every marker and look-alike starts with a `<` once folded, and only the
    # characters of LT_LIKE (or an entity) fold to one.
    if "&" not in text:
        if text.isascii():
            return "<" in text and _LOOSE.search(text.lower()) is not None
        other = _other_lt(text)
        if not other and "<" not in text:
            return False
        # The usual artifact: its only `<` are those of its exact markers.
        count = text.count("<")
        if count and not other and count == len(_EXACT_RE.findall(text)):
            return True
    return _LOOSE.search(fold(_unescape(text))) is not None


# -- finding markers in tokens ------------------------------------------------------


class Marker(NamedTuple):
    """A marker, or (``real`` false) a look-alike of one, with what is wrong with it."""

    name: str  # canonical name: REVIEW:START, /WORKER:ASSIGNED, ...
    kind: str
    opens: bool
    line: int  # 1-based line in the body
    token: int  # index of the html_block token, or of the inline token holding it
    inline: bool
    start: int  # offset of the marker in the token's content
    end: int  # offset just past it
    real: bool = True
    problem: str = ""  # why this marker is an error ("" when it is not)


class _Piece(NamedTuple):
    kind: str  # "text", "code" or "marker" (an exact marker comment)
    text: str
    quoted: bool
    offset: int  # in the token content (markers only)


_TAG = re.compile(r"<(/?)blockquote(?=[\s/>])[^>]*>", re.I)
_CELL_OPENS = frozenset({"th_open", "td_open"})


class _Scanner:
    """Walks the tokens once, keeping the quote depth (``>`` and ``<blockquote>``)."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.quotes = 0  # markdown `>` blockquotes open
        self.html_quotes = 0  # HTML <blockquote> elements open
        self.found: list[Marker] = []

    @property
    def quoted(self) -> bool:
        return self.quotes > 0 or self.html_quotes > 0

    def html_pieces(self, content: str) -> list[_Piece]:
        pieces: list[_Piece] = []
        pos = 0
        while pos < len(content):
            start = content.find("<!--", pos)
            stop = len(content) if start < 0 else start
            for tag in _TAG.finditer(content, pos, stop):
                pieces.append(_Piece("text", _unescape(content[pos : tag.start()]), self.quoted, 0))
                self.html_quotes = max(0, self.html_quotes + (-1 if tag.group(1) else 1))
                pieces.append(_Piece("text", tag.group(0), self.quoted, 0))
                pos = tag.end()
            pieces.append(_Piece("text", _unescape(content[pos:stop]), self.quoted, 0))
            if start < 0:
                break
            end = content.find("-->", start + 4)
            if end < 0:  # an unclosed comment hides the rest
                pieces.append(_Piece("text", content[start:], self.quoted, 0))
                break
            comment = content[start : end + 3]
            kind = "marker" if comment in EXACT else "text"
            pieces.append(_Piece(kind, comment, self.quoted, start))
            pos = end + 3
        return pieces

    def inline_pieces(self, content: str) -> list[_Piece]:
        pieces: list[_Piece] = []
        for child in inline_children(content):
            kind, text = child.type, child.content
            if kind == "text":
                pieces.append(_Piece("text", text, self.quoted, 0))
            elif kind in ("softbreak", "hardbreak"):
                pieces.append(_Piece("text", "\n", self.quoted, 0))
            elif kind == "code_inline":
                pieces.append(_Piece("code", text, self.quoted, 0))
            elif kind == "html_inline":
                tag = _TAG.fullmatch(text)
                if tag is not None:
                    self.html_quotes = max(0, self.html_quotes + (-1 if tag.group(1) else 1))
                kind = "marker" if text in EXACT else "text"
                pieces.append(_Piece(kind, text, self.quoted, int(child.meta.get("offset", 0))))
            elif kind == "image":
                # Alt text is an attribute: nothing in it is a marker, a look-alike is.
                alt = "".join(grand.content for grand in child.children or ())
                pieces.append(_Piece("text", alt, self.quoted, 0))
        return pieces

    def scan(self, index: int, pieces: list[_Piece], inline: bool) -> None:
        token = self.tokens[index]
        first_line = token.map[0] + 1 if token.map else 1
        content = token.content
        if not inline and len(pieces) == 1 and pieces[0].kind == "marker":
            # The usual marker line: a marker block holding nothing else to look at.
            if not pieces[0].quoted:
                name = EXACT[pieces[0].text]
                kind, opens = MARKERS[name]
                end = len(pieces[0].text)
                self.found.append(Marker(name, kind, opens, first_line, index, False, 0, end))
            return
        in_cell = inline and index > 0 and self.tokens[index - 1].type in _CELL_OPENS
        folded: list[str] = []
        bounds: list[int] = []  # start of each piece in the folded text
        size = 0
        for piece in pieces:
            bounds.append(size)
            text = fold(piece.text)
            folded.append(text)
            size += len(text)
            if piece.kind == "marker" and not piece.quoted:
                name = EXACT[piece.text]
                kind, opens = MARKERS[name]
                line = first_line + content.count("\n", 0, piece.offset)
                problem = ""
                if in_cell:
                    problem = (
                        f"the marker <!-- {name} --> is inside a table cell, which would "
                        "split the table between the block and the text around it"
                    )
                end = piece.offset + len(piece.text)
                self.found.append(
                    Marker(name, kind, opens, line, index, inline, piece.offset, end, True, problem)
                )
        whole = "".join(folded)
        for match in _LOOSE.finditer(whole):
            at = bisect.bisect_right(bounds, match.start()) - 1
            piece = pieces[at]
            starts_piece = match.start() == bounds[at]
            within = match.end() <= bounds[at] + len(folded[at])
            if (
                piece.quoted
                or (piece.kind == "marker" and starts_piece)
                or (piece.kind == "code" and within)
            ):
                continue
            self.found.append(self._lookalike(match, whole, first_line, index, inline))

    def _lookalike(
        self, match: re.Match[str], whole: str, first_line: int, index: int, inline: bool
    ) -> Marker:
        word, verb = match.group(1), match.group(2)
        slash = "/" in whole[match.start() : match.start(1)]
        name = f"{'/' if slash else ''}{word.upper()}:{verb.upper()}"
        if name not in MARKERS:
            name = OPENER[word] if verb in ("start", "assigned") and not slash else CLOSER[word]
        kind, opens = MARKERS[name]
        line = first_line + whole.count("\n", 0, match.start())
        problem = (
            f"malformed marker at line {line}: text that reads as <!-- {name} --> but is "
            "not exactly it (other case, spacing, invisible, full-width or look-alike "
            "characters, or not a real HTML comment), so it neither opens nor closes a block"
        )
        return Marker(name, kind, opens, line, index, inline, 0, 0, False, problem)


def find_markers(tokens: list[Token], text: str | None = None) -> list[Marker]:
    """Every marker and marker look-alike outside code and quotes, in document order
    (``text``, the body parsed, only lets the search skip more tokens)."""
    scanner = _Scanner(tokens)
    # A REVIEW is ~350 tokens, mostly table cells: pick the few that can matter first.
    # An inline token matters only if it holds a `<`, or (when the body has one) a
    # character that folds to `<` or an entity that could be one.
    if text is not None and "&" not in text and not _other_lt(text):
        candidates = [
            (index, token)
            for index, token in enumerate(tokens)
            if token.type in _QUOTE_OR_HTML or (token.type == "inline" and "<" in token.content)
        ]
    else:
        candidates = [
            (index, token)
            for index, token in enumerate(tokens)
            if token.type in _QUOTE_OR_HTML
            or (
                token.type == "inline"
                and ("<" in token.content or "&" in token.content or not token.content.isascii())
            )
        ]
    for index, token in candidates:
        kind = token.type
        if kind == "blockquote_open":
            scanner.quotes += 1
        elif kind == "blockquote_close":
            scanner.quotes -= 1
        elif kind == "html_block":
            content = token.content
            if content.rstrip("\n") in EXACT:  # the usual marker line: nothing else to see
                content = content.rstrip("\n")
                pieces = [_Piece("marker", content, scanner.quoted, 0)]
            else:
                pieces = scanner.html_pieces(content)
            scanner.scan(index, pieces, False)
        elif token.map is not None and _worth_parsing(token.content):
            scanner.scan(index, scanner.inline_pieces(token.content), True)
    return scanner.found


_QUOTE_OR_HTML = frozenset({"html_block", "blockquote_open", "blockquote_close"})


def _worth_parsing(content: str) -> bool:
    # Inline parsing costs more than all the rest: only for text that may hold a
    # comment, a <blockquote> tag or a marker look-alike.
    if "<" not in content and "&" not in content and not _LT_LIKE.search(content):
        return False
    return (
        "<!--" in content
        or _TAG.search(content) is not None
        or _LOOSE.search(fold(_unescape(content))) is not None
    )
