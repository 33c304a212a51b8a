"""Shell words: bash's quote removal and escapes, done exactly, in pure Python."""

from __future__ import annotations

from review_gate.shell.named_tuple import NamedTuple

TYPE_CHECKING = False  # keeps `typing` and `collections` out of the hook's imports
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

#: Stands for the unknown value of an expansion inside :attr:`Word.template`.
DYN = "\x00"

_SPECIAL_PARAMS = "@*#?$!-0123456789"
_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}


class Word(NamedTuple):
    """One shell word after quote removal."""

    text: str  # source text
    value: str | None  # what bash passes, when no expansion is involved
    template: str  # the value with each expansion replaced by DYN
    glob: bool = False  # unquoted glob or brace-expansion characters (value is the literal text)

    @property
    def exact(self) -> str | None:
        """The value when it is certain: static and not subject to globbing."""
        return None if self.glob else self.value


def literal(value: str) -> Word:
    return Word(value, value, value)


def joined(words: Sequence[Word]) -> Word:
    """Words joined by spaces, as eval, ssh and watch hand them to a shell."""
    template = " ".join(w.template for w in words)
    source = " ".join(w.text for w in words)
    return Word(source, None if DYN in template else template, template)


def _match_close(src: str, i: int, open_: str, close: str) -> int:
    """Index just after the ``close`` matching the ``open_`` at ``src[i]`` (quote aware)."""
    depth = 0
    n = len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and open_ != "{":
            j = src.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _skip_expansion(src: str, i: int) -> int:
    """``src[i]`` is a ``$`` that starts an expansion: index just after it."""
    d = src[i + 1]
    if d == "(":
        return _match_close(src, i + 1, "(", ")")
    if d == "{":
        return _match_close(src, i + 1, "{", "}")
    if d == "[":
        return _match_close(src, i + 1, "[", "]")
    if d in _SPECIAL_PARAMS:
        return i + 2
    j = i + 1
    while j < len(src) and (src[j].isalnum() or src[j] == "_"):
        j += 1
    return j


def _starts_expansion(src: str, i: int) -> bool:
    if i + 1 >= len(src):
        return False
    d = src[i + 1]
    return d in "({[_" or d in _SPECIAL_PARAMS or d.isalpha()


def _skip_backtick(src: str, i: int) -> int:
    j = i + 1
    while j < len(src) and src[j] != "`":
        j += 2 if src[j] == "\\" else 1
    return min(j + 1, len(src))


def printf_text(fmt: str) -> str:
    """What ``printf FMT`` prints for a format without ``%`` directives."""
    return _ansi_c(fmt, 0, stop="")[0]


def _ansi_c(src: str, i: int, stop: str = "'") -> tuple[str, int]:
    """Decode a ``$'...'`` body starting at ``src[i]``; returns (value, index after the quote)."""
    out: list[str] = []
    n = len(src)
    while i < n and (not stop or src[i] != stop):
        c = src[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = src[i + 1]
        i += 2
        if e in _ANSI_SIMPLE:
            out.append(_ANSI_SIMPLE[e])
        elif e in "01234567":
            j = i - 1
            while j < n and j < i + 2 and src[j] in "01234567":
                j += 1
            out.append(chr(int(src[i - 1 : j], 8) & 0xFF))
            i = j
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            j = i
            while j < n and j < i + width and src[j] in "0123456789abcdefABCDEF":
                j += 1
            if j == i:
                out.append("\\" + e)
            else:
                try:
                    out.append(chr(int(src[i:j], 16)))
                except (ValueError, OverflowError):
                    out.append("\ufffd")
                i = j
        elif e == "c" and i < n:
            out.append(chr(ord(src[i]) & 0x1F))
            i += 1
        else:
            out.append("\\" + e)
    text = "".join(out)
    # bash ends a $'...' string at a NUL: $'gh\0x' is "gh" (printf does print the NUL)
    return (text.split("\0", 1)[0] if stop else text), i + 1


def _brace_expansion_at(src: str, i: int) -> bool:
    """True if the unquoted ``{`` at ``src[i]`` starts a brace expansion (``{a,b}``, ``{1..3}``)."""
    j = src.find("}", i + 1)
    if j < 0:
        return False
    inner = src[i + 1 : j]
    return "," in inner or ".." in inner


def _brace_end(src: str, i: int) -> tuple[int, list[str]] | None:
    """For the unquoted ``{`` at ``src[i]``: (index after the matching ``}``, alternatives)."""
    depth = 0
    parts: list[str] = []
    start = i + 1
    j = i
    n = len(src)
    while j < n:
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c in "'\"" or (c == "$" and j + 1 < n and src[j + 1] in "({'\""):
            j = _skip_quoted(src, j)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                parts.append(src[start:j])
                return j + 1, parts
        elif c == "," and depth == 1:
            parts.append(src[start:j])
            start = j + 1
        j += 1
    return None


def _skip_quoted(src: str, j: int) -> int:
    """Index after the quoted string or ``$(``/``${`` expansion starting at ``src[j]``."""
    c = src[j]
    if c == "'":
        k = src.find("'", j + 1)
        return len(src) if k < 0 else k + 1
    if c == '"':
        k = j + 1
        while k < len(src) and src[k] != '"':
            k += 2 if src[k] == "\\" else 1
        return k + 1
    if src[j + 1] == "'":
        return _ansi_c(src, j + 2)[1]
    if src[j + 1] == '"':
        return _skip_quoted(src, j + 1)
    return _skip_expansion(src, j)


def _sequence(body: str) -> list[str] | None:
    """``{a..e}`` / ``{1..3}`` (bash sequence expressions; no step), else None."""
    first, sep, last = body.partition("..")
    if not sep or ".." in last:
        return None
    if len(first) == 1 and len(last) == 1 and first.isalpha() and last.isalpha():
        lo, hi = ord(first), ord(last)
        step = 1 if hi >= lo else -1
        return [chr(c) for c in range(lo, hi + step, step)][:64]
    try:
        a, b = int(first), int(last)
    except ValueError:
        return None
    step = 1 if b >= a else -1
    return [str(v) for v in range(a, b + step, step)][:64]


def expand_braces(src: str, limit: int = 64) -> list[str]:
    """Brace expansion of one word's source text: ``{gh,x}`` -> ``gh``, ``x``; ``c{r,}eate``.

    Quote aware (quoted braces are literal); at most ``limit`` results. A word with very
    many braces is left as it is (the caller treats it as a glob, computed at run time).
    """
    if src.count("{") > 32:
        return [src]
    i = 0
    n = len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c in "'\"" or (c == "$" and i + 1 < n and src[i + 1] in "({'\""):
            i = _skip_quoted(src, i)
            continue
        if c == "{":
            found = _brace_end(src, i)
            if found is not None:
                end, parts = found
                alternatives = parts if len(parts) > 1 else _sequence(parts[0])
                if alternatives is not None:
                    out: list[str] = []
                    for alt in alternatives:
                        for word in expand_braces(src[:i] + alt + src[end:], limit):
                            out.append(word)
                            if len(out) >= limit:
                                return out
                    return out
        i += 1
    return [src]


_SAFE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-")


def _lookup(expr: str, env: Mapping[str, str | None] | None, *, quoted: bool) -> str | None:
    """The certain value of ``$NAME`` / ``${NAME}`` / ``$1`` from ``env``, else None."""
    if not env:
        return None
    name = expr[2:-1] if expr.startswith("${") and expr.endswith("}") else expr[1:]
    if not (name.isidentifier() or name.isdigit()):
        return None
    value = env.get(name)
    if value is None:
        return None
    # Unquoted, bash splits and globs the value: only plain words are taken as they are.
    if not quoted and ("IFS" in env or not value or not _SAFE_CHARS.issuperset(value)):
        return None
    return value


def resolve(src: str, env: Mapping[str, str | None] | None = None) -> Word:
    """Resolve one word's source text as bash would (quote removal, escapes, ANSI-C strings).

    Any parameter, command or arithmetic expansion makes the value unknown (``None``),
    except variables whose value ``env`` knows for certain; the template keeps the
    literal parts around ``DYN`` markers.
    """
    val: list[str] = []
    dynamic = False
    glob = False
    i = 0
    n = len(src)

    def dyn(end: int) -> int:
        nonlocal dynamic
        dynamic = True
        val.append(DYN)
        return end

    while i < n:
        c = src[i]
        if c == "\\":
            if i + 1 < n:
                if src[i + 1] != "\n":
                    val.append(src[i + 1])
                i += 2
            else:
                val.append("\\")
                i += 1
        elif c == "'":
            j = src.find("'", i + 1)
            j = n if j < 0 else j
            val.append(src[i + 1 : j])
            i = j + 1
        elif c == "$" and i + 1 < n and src[i + 1] == "'":
            decoded, i = _ansi_c(src, i + 2)
            val.append(decoded)
        elif c == "$" and i + 1 < n and src[i + 1] == '"':
            i += 1  # $"..." is a translatable "..." string
        elif c == "$" and _starts_expansion(src, i):
            end = _skip_expansion(src, i)
            known = _lookup(src[i:end], env, quoted=False)
            if known is None:
                i = dyn(end)
            else:
                val.append(known)
                i = end
        elif c == "`":
            i = dyn(_skip_backtick(src, i))
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                ch = src[j]
                if ch == "\\" and j + 1 < n:
                    nxt = src[j + 1]
                    if nxt == "\n":
                        j += 2
                    elif nxt in '$`"\\':
                        val.append(nxt)
                        j += 2
                    else:
                        val.append("\\")
                        j += 1
                elif ch == "$" and _starts_expansion(src, j):
                    end = _skip_expansion(src, j)
                    known = _lookup(src[j:end], env, quoted=True)
                    if known is None:
                        j = dyn(end)
                    else:
                        val.append(known)
                        j = end
                elif ch == "`":
                    j = dyn(_skip_backtick(src, j))
                else:
                    val.append(ch)
                    j += 1
            i = j + 1
        else:
            if c in "*?[" or (c == "{" and _brace_expansion_at(src, i)):
                glob = True
            val.append(c)
            i += 1
    template = "".join(val)
    return Word(src, None if dynamic else template, template, glob)
