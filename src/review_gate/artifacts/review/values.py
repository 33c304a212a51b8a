"""Enumerated REVIEW values: each cell or line means exactly one value, or is invalid.

Review Status, criterion statuses and Security-Sensitive tolerate decoration (emoji,
a ``:shortcode:``, emphasis, case), never a second meaning: two values
(``COMPLETE / IN_PROGRESS``), a negation (``not COMPLETE``, ``COMPLETE? no``,
``~~COMPLETE~~``, ``❌ PASS``) or a remark that names another status or takes the
value back (``COMPLETE (not really: BLOCKED_ON_DEPENDENCIES)``) leave the value
invalid -- a string the schema rejects, with the text in the error.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from review_gate.artifacts._common import clean
from review_gate.artifacts._markers import fold

_REVIEW_STATUS = re.compile(
    r"(BLOCKED[ _-]+ON[ _-]+DEPENDENCIES|IN[ _-]+PROGRESS|COMPLETE)(?:\s*$|\s*[(\-—–:.,])", re.I
)
_SHORTCODE = re.compile(r":([a-z0-9_+-]{1,40}):")
_TRAILING_SHORTCODE = re.compile(r":([a-z0-9_+-]{1,40}):$")
# What may stand around a value: spaces, emphasis and (for the status, before it) a
# colon or a dash -- not text, tags, brackets, `~` (strike-through, "about") or `?`.
_DECORATION_CHARS = frozenset(" \t*_`-:.")
_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Zs"})  # not Cf: bidi controls stay
# Emoji that say "yes, done" -- the only ones allowed before COMPLETE ...
_POSITIVE = frozenset("✅✔☑✓🟢🎉👍✨💯🚀🆗🎊🏁")
_POSITIVE_CODES = frozenset(
    {
        "white_check_mark", "heavy_check_mark", "ballot_box_with_check", "check",
        "green_circle", "tada", "+1", "thumbsup", "sparkles", "100", "rocket", "ok",
        "confetti_ball", "checkered_flag",
    }
)  # fmt: skip
# ... and those that say "no": never before a positive value (PASS, FIXED, YES).
_NEGATIVE = frozenset("❌✖✗✘⛔🚫❎🛑👎🔴⭕❗❓❔⁉‼⚠🟥🟠🟡⏸⏳⌛🔄🚧")
_NEGATIVE_CODES = frozenset(
    {
        "x", "heavy_multiplication_x", "no_entry", "no_entry_sign", "negative_squared_cross_mark",
        "stop_sign", "-1", "thumbsdown", "red_circle", "o", "exclamation", "question",
        "grey_question", "interrobang", "bangbang", "warning", "construction", "hourglass",
        "hourglass_flowing_sand", "arrows_counterclockwise", "pause_button", "red_square",
    }
)  # fmt: skip
# A remark after the status (`COMPLETE (all findings handled)`) may explain it, not
# contradict or hedge it: no other status, no negation, no doubt.
# Words that name a status (any remark naming another status than its own is refused;
# "complet" also catches "incomplete") and, after COMPLETE, words of work not done.
_NAMES = {
    "COMPLETE": ("complet",),
    "BLOCKED_ON_DEPENDENCIES": ("complet", "progress"),
    "IN_PROGRESS": ("complet", "block", "depend"),
}
_NOT_DONE = (
    "complet", "progress", "block", "depend", "pending", "wip", "todo", "tbd", "fail",
    "unfinish", "partial", "draft", "hold", "paus", "stuck", "waiting", "unaddress",
)  # fmt: skip
_NEGATIONS = frozenset(
    {
        "not", "no", "non", "none", "nope", "nah", "never", "neither", "nor", "nothing",
        "without", "cannot", "cant", "isnt", "arent", "wasnt", "werent", "dont", "doesnt",
        "didnt", "wont", "hasnt", "havent", "hadnt", "shouldnt", "wouldnt", "couldnt",
        "aint", "false", "fake", "untrue", "lie", "joke", "joking", "kidding", "jk",
        "sarcasm", "almost", "nearly", "mostly", "partly", "except", "but", "however",
        "although", "though", "unless", "until", "yet", "maybe", "perhaps", "possibly",
        "probably", "supposedly", "allegedly", "pretend", "pretending", "ish", "sort",
        "kinda", "sorta", "wrong", "missing", "skipped", "ignored", "revoked", "retracted",
        "withdrawn", "invalid", "void", "undone", "reverted", "hardly", "barely", "scarcely",
        "nicht", "kein", "pas", "nein",
    }
)  # fmt: skip
_DOUBT = frozenset("?¿‽~<>")
# Words with their inner hyphens and apostrophes (`in-complete`, `isn't`).
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
_CRITERION_STATUS = {
    "PASS": "PASS",
    "PASSED": "PASS",
    "FIXED": "FIXED",
    "DEFERRED": "DEFERRED",
    "N/A": "N/A",
    "NA": "N/A",
    "N A": "N/A",
    "NOT APPLICABLE": "N/A",
}
_YES_NO = {"YES": True, "Y": True, "TRUE": True, "NO": False, "N": False, "FALSE": False}


def _decoration(ch: str) -> bool:
    if ch.isascii():
        return ch in _DECORATION_CHARS
    return unicodedata.category(ch) in _EMOJI_CATEGORIES


def _symbol(ch: str) -> bool:
    """An emoji or other symbol (not a space, mark or piece of markup)."""
    return not ch.isascii() and unicodedata.category(ch) == "So"


def _split_decoration(text: str) -> tuple[list[str], str]:
    """(emoji and shortcodes before the first letter or digit, the rest); the rest is
    all of ``text`` when something other than decoration comes first."""
    emoji: list[str] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch.isalnum():
            return emoji, text[pos:]
        code = _SHORTCODE.match(text, pos) if ch == ":" else None
        if code is not None:
            emoji.append(code.group(1).lower())
            pos = code.end()
            continue
        if not _decoration(ch):
            return [], text
        if _symbol(ch):
            emoji.append(ch)
        pos += 1
    return emoji, ""


def _split_trailing(text: str) -> tuple[list[str], str]:
    """(emoji and shortcodes after the last letter or digit, the text before them)."""
    emoji: list[str] = []
    end = len(text)
    while end > 0:
        ch = text[end - 1]
        if ch.isalnum():
            break
        code = _TRAILING_SHORTCODE.search(text, 0, end) if ch == ":" else None
        if code is not None:
            emoji.append(code.group(1).lower())
            end = code.start()
            continue
        if not _decoration(ch):
            return [], text
        if _symbol(ch):
            emoji.append(ch)
        end -= 1
    return emoji, text[:end]


def _negative(emoji: list[str]) -> bool:
    return any(e in _NEGATIVE or e in _NEGATIVE_CODES for e in emoji)


def contradiction(remark: str, status: str = "COMPLETE") -> str | None:
    """The word, emoji or character of ``remark`` (after ``status``) that names another
    status, negates or doubts it -- or, after COMPLETE, speaks of work not done; None
    when the remark only explains the status."""
    text = fold(remark)
    for ch in text:
        if ch in _DOUBT or ch in _NEGATIVE:
            return ch
    for code in _SHORTCODE.finditer(text):
        if code.group(1) in _NEGATIVE_CODES:
            return code.group()
    stems = _NOT_DONE if status == "COMPLETE" else _NAMES.get(status, _NOT_DONE)
    for match in _WORD.finditer(text):
        word = match.group()
        bare = word.replace("'", "").replace("-", "")
        if bare in _NEGATIONS or word.endswith("n't") or any(s in bare for s in stems):
            return word
    return None


@functools.lru_cache(maxsize=1024)
def review_status(text: str) -> str:
    """COMPLETE / BLOCKED_ON_DEPENDENCIES / IN_PROGRESS, else the text as written."""
    value = clean(text.strip().lstrip("*_ ")).strip("*_ ")
    emoji, body = _split_decoration(value)
    match = _REVIEW_STATUS.match(body)
    if not body or match is None:
        return value
    status = re.sub(r"[ _-]+", "_", match.group(1).upper())
    if status == "COMPLETE" and not all(e in _POSITIVE or e in _POSITIVE_CODES for e in emoji):
        return value
    if contradiction(body[match.end(1) :], status) is not None:
        return value
    return status


def _single(text: str) -> tuple[list[str], str, str]:
    """(emoji around the value, the value's words upper-cased, the cell as written);
    the words are "" when anything but decoration surrounds them."""
    value = clean(text)
    before, rest = _split_decoration(value)
    after, words = _split_trailing(rest)
    words = " ".join(words.split()).upper()
    if not words or any(ch in _DOUBT for ch in words):
        return [], "", value
    return before + after, words, value


@functools.lru_cache(maxsize=1024)
def criterion_status(text: str) -> str:
    """PASS / FIXED / DEFERRED / N/A, else the text as written."""
    emoji, words, value = _single(text)
    status = _CRITERION_STATUS.get(words)
    if status is None or (status in ("PASS", "FIXED") and _negative(emoji)):
        return value
    return status


@functools.lru_cache(maxsize=1024)
def yes_no(text: str) -> bool | str | None:
    """True for YES, False for NO, None for an empty cell, else the text as written."""
    emoji, words, value = _single(text)
    answer = _YES_NO.get(words)
    if answer is None or (answer and _negative(emoji)):
        return value or None
    return answer
