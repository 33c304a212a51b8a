"""Shared pieces of the artifact parsers: the error collector, cell normalisers,
the placeholder scan and the mapping of JSON Schema errors to pointers and lines."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from typing import Any

from review_gate.artifacts._text import describe_chars, drop_html_comments, visible
from review_gate.artifacts.model import ArtifactError


class Collector:
    """Data being built for one block, the line of every JSON pointer, and errors."""

    def __init__(self, kind: str, line: int) -> None:
        self.kind = kind
        self.line = line
        self.data: dict[str, Any] = {}
        self.lines: dict[str, int] = {"": line}
        self.errors: list[ArtifactError] = []
        self.notes: set[str] = set()  # parser facts for the cross-field checks

    def at(self, pointer: str, line: int) -> None:
        """Remember that ``pointer`` comes from ``line`` (first mention wins)."""
        self.lines.setdefault(pointer, line)

    def line_for(self, pointer: str) -> int:
        """The line of ``pointer`` or of its nearest ancestor that has one."""
        while pointer not in self.lines:
            pointer = pointer.rpartition("/")[0]
        return self.lines[pointer]

    def error(self, pointer: str, message: str, hint: str, line: int | None = None) -> None:
        self.errors.append(
            ArtifactError(
                kind=self.kind,
                pointer=pointer,
                line=self.line_for(pointer) if line is None else line,
                message=message,
                hint=hint,
            )
        )


# -- cell normalisers ---------------------------------------------------------------

_WRAPPERS = ("**", "__", "``", "`", "*", "_")
_WRAPPER_CHARS = ("*", "_", "`")
# ASCII digits only, no leading zero: `\d` also takes Arabic-Indic and other scripts'
# digits, and NFKC would turn full-width `０`, superscript `⁰` or circled `⓪` into 0; a
# count is what every reader and tool reads as one number (`00`, `0.0`, `-0` are not).
_INT = re.compile(r"#?\s*(0|[1-9][0-9]{0,17})")
_EMPTY = {"", "-", "—", "–", "none", "n/a", "na", "tbd", "todo", "?"}


def clean(text: str, *, fold: bool = True) -> str:
    """A cell as rendered (see :func:`visible`; ``fold=False`` keeps compatibility
    characters), without surrounding bold/italic/code markup (in pairs) or whitespace:
    ```**`x`**``` -> ``x``, but ``worker_`` keeps its underscore."""
    # visible() of a plain ASCII cell is the cell: skip the call (hot: ~30 cells a REVIEW).
    if not text.isascii() or "<!--" in text or "&" in text or "\\" in text:
        text = visible(text, fold=fold)
    text = text.strip()
    if text[:1] not in _WRAPPER_CHARS:
        return text
    while len(text) >= 2:
        for wrapper in _WRAPPERS:
            size = len(wrapper)
            if len(text) >= 2 * size and text.startswith(wrapper) and text.endswith(wrapper):
                text = text[size:-size].strip()
                break
        else:
            return text
    return text


def to_int(text: str) -> int | str | None:
    """``"#7"``/``"7"`` -> 7; empty -> None; anything else stays a string (the schema
    then names the bad value, and the character that is not an ASCII digit)."""
    value = clean(text, fold=False)
    if value.lower() in _EMPTY:
        return None
    match = _INT.fullmatch(value)
    return int(match.group(1)) if match else value


@functools.lru_cache(maxsize=4096)
def words(text: str) -> str:
    """Lower-case words of a header or label: ``"Tracking Issue"`` -> ``"tracking issue"``."""
    return " ".join(re.findall(r"[a-z0-9#/]+", visible(text).lower()))


def real_timestamp(value: object) -> bool:
    """True unless ``value`` is a string that looks RFC 3339 but is no real date."""
    if not isinstance(value, str):
        return True
    text = value.strip().replace("z", "Z").replace("Z", "+00:00")
    # Python 3.10's fromisoformat accepts at most 6 fraction digits.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError:
        return not re.match(r"^\d{4}-\d{2}-\d{2}", text)
    return True


# -- placeholders -------------------------------------------------------------------

# [WORKER_ID], [N], [ISO_TIMESTAMP], [ISSUE NUMBER] ... but not links ([API](url)),
# reference definitions ([API]: url) or the X of a `- [X]` checklist item.
_CAPS = re.compile(r"\[([A-Z][A-Z0-9_]*(?: [A-Z0-9_]+)*)\](?![(\[:])")
# [✅ PASS|✅ FIXED|⚠️ DEFERRED], [MINOR|MAJOR]: template alternatives.
_ALTERNATIVES = re.compile(r"\[[^\[\]\n|]*\|[^\[\]\n]*\]")
_CHECKBOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]")


def placeholders(line: str) -> list[str]:
    """Unfilled template placeholders on one line of markdown (not inside an HTML
    comment: nobody sees those, so they are notes, not blanks)."""
    if "<!--" in line:
        line = drop_html_comments(line)
    box = _CHECKBOX.match(line)
    if box:
        line = line[box.end() :]
    found = [m.group(0) for m in _ALTERNATIVES.finditer(line)]
    found += [m.group(0) for m in _CAPS.finditer(line) if m.group(0) not in found]
    return found


def scan_placeholders(
    c: Collector,
    lines: list[str],
    first: int,
    last: int,
    skip: set[int],
    edges: dict[int, str] | None = None,
) -> set[int]:
    """Report every unfilled placeholder in lines ``first..last``; returns their lines.

    ``edges`` replaces the text of a line (the part of a marker's line that is inside
    the block)."""
    hit: set[int] = set()
    for number in range(first, min(last, len(lines)) + 1):
        if number in skip:
            continue
        text = lines[number - 1]
        if "[" not in text:
            continue
        if edges and number in edges:
            text = edges[number]
        for placeholder in placeholders(text):
            hit.add(number)
            c.error(
                "",
                f"unfilled template placeholder {placeholder}",
                "replace it with the real value (gate new prints a skeleton with the known "
                "values filled in)",
                line=number,
            )
    return hit


# -- schema errors ------------------------------------------------------------------


def pointer(path: list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def generic_pattern(ptr: str) -> str:
    """``/criteria/3/status`` -> ``/criteria/*/status`` (for hint lookup)."""
    return re.sub(r"/\d+(?=/|$)", "/*", ptr)


def schema_errors(
    c: Collector,
    errors: Iterable[tuple[tuple[str | int, ...], Any]],
    messages: dict[str, tuple[str, str]],
    quiet_lines: set[int],
) -> None:
    """Validate ``c.data``; report each error at its pointer and line.

    ``messages`` maps a generic pointer (``/deferred/*/tracking_issue``) to a
    (message, hint) pair used for missing or invalid values there; ``{value}`` in the
    message is the offending value. Errors on ``quiet_lines`` (already reported as
    placeholders) are not repeated.
    """
    seen: set[str] = set()
    for path_tuple, err in sorted(errors, key=lambda pe: [str(p) for p in pe[0]]):
        path = list(path_tuple)
        if err.validator == "required":
            missing = [p for p in err.validator_value if p not in err.instance]
            targets = [(pointer([*path, name]), None) for name in missing]
        elif err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = err.schema.get("properties", {})
            for name in err.instance:
                if name not in allowed:
                    ptr = pointer([*path, name])
                    seen.add(ptr)
                    c.error(
                        ptr,
                        f"unexpected field {name!r}",
                        f"remove it; allowed here: {', '.join(allowed)}",
                        line=c.line_for(ptr),
                    )
            continue
        else:
            targets = [(pointer(path), err)]
        for ptr, detail in targets:
            # jsonschema reports `required` once per missing name, each listing them all.
            if ptr in seen:
                continue
            seen.add(ptr)
            line = c.line_for(ptr)
            if line in quiet_lines and line != c.line:
                continue
            known = messages.get(generic_pattern(ptr))
            if detail is None:
                name = ptr.rsplit("/", 1)[-1]
                message, hint = known or (
                    f"missing {name}",
                    f"add {name}; see `gate schema {c.kind}`",
                )
                if known:
                    message = message.replace("{value}", "nothing")
            else:
                value = detail.instance
                base = known or (
                    f"{describe_value(value)}: {detail.message}"[:200],
                    f"see `gate schema {c.kind}` for the allowed values",
                )
                message = base[0].replace("{value}", describe_value(value))
                bound = _BOUNDS.get(str(detail.validator))
                if known and bound:
                    message = f"{message} (must be {bound} {detail.validator_value})"
                hint = base[1]
            c.error(ptr, message, hint, line=line)


_BOUNDS = {
    "minimum": ">=",
    "maximum": "<=",
    "exclusiveMinimum": ">",
    "exclusiveMaximum": "<",
}


def describe_value(value: object) -> str:
    if isinstance(value, list):
        return f"{len(value)} row(s)" if value else "none"
    if isinstance(value, dict):
        return "an object"
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return text + describe_chars(value) if isinstance(value, str) else text
