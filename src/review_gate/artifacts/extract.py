"""``extract(body)``: every artifact block of a comment body, parsed and validated.

Pure (no I/O) and total: any ``str`` gives a list of Artifacts; a block that is
broken (unterminated, nested, crossed, unparseable, over the size limit), a marker
look-alike and a comment markdown could not read to its end are Artifacts carrying
errors, never an exception and never silently dropped.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any

from markdown_it.token import Token

from review_gate.artifacts._blocks import Block, pair_markers
from review_gate.artifacts._common import Collector, scan_placeholders, schema_errors
from review_gate.artifacts._markdown import read
from review_gate.artifacts._markers import (
    CLOSER,
    OPENER,
    find_markers,
    kinds_mentioned,
    maybe_has_markers,
)
from review_gate.artifacts._schema_check import is_valid
from review_gate.artifacts.model import Artifact, ArtifactError

# GitHub refuses comment bodies over 65,536 characters; four times that is no
# comment anyone posted by hand, and parsing it could only cost time.
MAX_BODY = 262_144

_Parser = Callable[[list[Token], int, int, Collector], None]
# The parser of each kind: review_gate.artifacts.<kind>, imported when a block of that
# kind is first seen (a push gated on a REVIEW never loads the other two).
_PARSERS: dict[str, Any] = {}


def _parser(
    kind: str,
) -> tuple[_Parser, Callable[[Collector], None], dict[str, tuple[str, str]]]:
    module = _PARSERS.get(kind)
    if module is None:
        module = _PARSERS[kind] = importlib.import_module(f"review_gate.artifacts.{kind}")
    return module.parse, module.cross_check, module.MESSAGES


def extract(body: str) -> list[Artifact]:
    """Every REVIEW / HANDOVER / WORKER block in ``body``, in document order."""
    try:
        return _extract(body)
    except Exception as exc:  # never let a parser bug escape as a traceback or a pass
        return _whole_body_errors(body, 1, f"could not parse the comment ({type(exc).__name__})")


def _kinds(body: str) -> list[str]:
    try:
        return kinds_mentioned(body) or ["review"]
    except Exception:  # only ever called to report another failure
        return ["review"]


def _whole_body_errors(
    body: str,
    line: int,
    message: str,
    hint: str = "post the artifact in a comment of its own, as `gate new` prints it",
) -> list[Artifact]:
    """One error artifact per kind the body mentions, so that every gate sees it."""
    found = []
    for kind in _kinds(body) if isinstance(body, str) else ["review"]:
        error = ArtifactError(kind=kind, pointer="", line=line, message=message, hint=hint)
        found.append(Artifact(kind=kind, data={}, line=line, end_line=line, errors=(error,)))
    return found


def _extract(body: str) -> list[Artifact]:
    if not isinstance(body, str):
        return []
    # GitHub returns \r\n for bodies edited on the web; markdown-it would normalise
    # them anyway, and doing it first keeps our line numbers equal to its own.
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    if not maybe_has_markers(text):
        return []
    if len(text) > MAX_BODY:
        message = f"comment body is {len(text):,} characters; the limit is {MAX_BODY:,}"
        return _whole_body_errors(text, 1, message)
    lines = text.split("\n")
    last_line = len(lines) - 1 if text.endswith("\n") else len(lines)
    reading = read(text, lines)
    artifacts = [
        _artifact(block, lines)
        for block in pair_markers(reading.tokens, find_markers(reading.tokens, text), last_line)
    ]
    if reading.stopped is not None:
        # What markdown-it did not read may hold markers (a newer, failing artifact):
        # the comment fails for every kind it mentions, after any block read before.
        message = f"the comment could not be read to its end (line {reading.stopped}): "
        hint = "flatten the nested lists or quotes, or post the artifact in a comment of its own"
        artifacts += _whole_body_errors(text, reading.stopped, message + reading.reason, hint)
    return artifacts


def _artifact(block: Block, lines: list[str]) -> Artifact:
    c = Collector(block.kind, block.line)
    c.errors.extend(block.errors)
    try:
        _parse_block(block, lines, c)
    except Exception as exc:  # a bug in one parser must not hide the other blocks
        c.error("", f"could not parse the block ({type(exc).__name__}: {exc})", "report it")
    # Every error points into the block (a truncated fence must not point past it).
    errors = sorted(
        (
            e
            if block.line <= e.line <= block.end_line
            else dataclasses.replace(e, line=min(max(e.line, block.line), block.end_line))
            for e in c.errors
        ),
        key=lambda e: e.line,
    )
    return Artifact(
        kind=block.kind,
        data=c.data,
        line=block.line,
        end_line=block.end_line,
        errors=tuple(errors),
    )


def _is_comment(html: str) -> bool:
    text = html.strip()
    return text.startswith("<!--") and text.endswith("-->") and text.count("-->") == 1


def _edges(block: Block, lines: list[str]) -> dict[int, str]:
    """The parts of the marker lines that are inside the block: after the opening
    marker, before the closing one (on a line with several copies of a marker, the
    widest span, so that nothing inside is left unchecked)."""
    edges: dict[int, str] = {}
    if block.opener is not None and block.line <= len(lines):
        text = lines[block.line - 1]
        mark = f"<!-- {OPENER[block.kind]} -->"
        at = text.find(mark)
        edges[block.line] = text[at + len(mark) :] if at >= 0 else text
    if block.closer is not None and block.end_line <= len(lines):
        text = edges.get(block.end_line, lines[block.end_line - 1])
        at = text.rfind(f"<!-- {CLOSER[block.kind]} -->")
        edges[block.end_line] = text[:at] if at >= 0 else text
    return edges


def _parse_block(block: Block, lines: list[str], c: Collector) -> None:
    parse, cross_check, messages = _parser(block.kind)
    if not block.tokens and not block.closed:
        return
    parse(block.tokens, block.line, block.end_line, c)
    # Text inside code fences may legitimately hold brackets (logs, [DEBUG]); the
    # WORKER record is itself a fence, so there everything is scanned. A placeholder
    # needs a `[`: most blocks have none, and then there is nothing to skip.
    skip: set[int] = set()
    if block.kind != "worker" and "[" in "\n".join(lines[block.line - 1 : block.end_line]):
        for token in block.tokens:
            if token.type in ("fence", "code_block") and token.map:
                skip.update(range(token.map[0] + 1, token.map[1] + 1))
            elif token.type == "html_block" and token.map and _is_comment(token.content):
                skip.update(range(token.map[0] + 1, token.map[1] + 1))  # invisible
    quiet = scan_placeholders(c, lines, block.line, block.end_line, skip, _edges(block, lines))
    if not block.closed or "unparsed" in c.notes:
        return
    before = len(c.errors)
    if is_valid(block.kind, c.data) is not True:
        # Imported here: jsonschema is only needed to say what is wrong (see
        # _schema_check), and importing it costs more than a passing push does.
        from review_gate import schemas

        schema_errors(c, schemas.iter_errors(block.kind, c.data), messages, quiet)
    if len(c.errors) == before or block.kind == "review":
        cross_check(c)
