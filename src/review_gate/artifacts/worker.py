"""WORKER blocks: one fenced JSON document between the WORKER:ASSIGNED markers."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from markdown_it.token import Token

from review_gate.artifacts._common import Collector, describe_value, real_timestamp
from review_gate.artifacts._elements import Fence, elements

MESSAGES: dict[str, tuple[str, str]] = {
    "/assigned": (
        "assigned must be true (an assignment) or false (a release), got {value}",
        'write "assigned": true or "assigned": false',
    ),
    "/worker_id": (
        "worker_id must be a worker id like worker-1701523200-7-3fa9c1, got {value}",
        'set "worker_id" to the worker holding the issue',
    ),
    "/assigned_at": (
        "assigned_at must be an RFC 3339 time like 2026-11-21T09:00:00Z, got {value}",
        'set "assigned_at" (date -u +%Y-%m-%dT%H:%M:%SZ)',
    ),
    "/cleared_at": (
        "cleared_at must be an RFC 3339 time like 2026-11-21T09:00:00Z, got {value}",
        'a release needs "cleared_at" (date -u +%Y-%m-%dT%H:%M:%SZ)',
    ),
    "/heartbeat_at": (
        "heartbeat_at must be an RFC 3339 time, got {value}",
        'set "heartbeat_at" to the time of the last heartbeat',
    ),
    "/worktree": ("worktree must be a path, got {value}", 'set "worktree" to the worktree path'),
    "/issue": (
        "issue must be an issue number (a JSON integer like 7), got {value}",
        'write "issue": <number> (no quotes, no fraction)',
    ),
    "/issue_repo": (
        "issue_repo must name a repository as owner/name, got {value}",
        'write "issue_repo": "<owner>/<name>" or leave it out',
    ),
}


_KEY = re.compile(r'"([^"\\]*)"\s*:')


class _DuplicateKey(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A duplicated key (`"assigned": false, ..., "assigned": true`) reads differently
    # to different JSON parsers; refuse it rather than pick one.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f"duplicate key {key!r}")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _float(text: str) -> float:
    # 1e999 parses as inf, which no JSON output can carry back (NaN is refused above).
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:20]} is out of range for a JSON number")
    return value


def parse(tokens: list[Token], first: int, last: int, c: Collector) -> None:
    """Fill ``c.data`` from the block's ```json fence."""
    fences = [el for el in elements(tokens, first, last) if isinstance(el, Fence)]
    # Until the JSON is read there is nothing for the schema to check.
    c.notes.add("unparsed")
    if not fences:
        c.error(
            "",
            "the WORKER block holds no ```json fenced block",
            "put the record in a ```json fence between the markers",
        )
        return
    if len(fences) > 1:
        c.error(
            "",
            f"the WORKER block holds {len(fences)} fenced blocks (line {fences[1].line} is extra)",
            "keep exactly one ```json fence per WORKER block",
            line=fences[1].line,
        )
        return
    fence = fences[0]
    if fence.info.split(" ")[0].lower() not in ("json", ""):
        c.error(
            "",
            f"the fence is marked {fence.info!r}, not json",
            "open the fence with ```json",
            line=fence.line,
        )
        return
    try:
        data = json.loads(
            fence.content,
            object_pairs_hook=_object,
            parse_constant=_constant,
            parse_float=_float,
        )
    except json.JSONDecodeError as exc:
        c.error(
            "",
            f"invalid JSON: {exc.msg} (column {exc.colno})",
            "fix the JSON (a linter such as `python -m json.tool` shows where)",
            line=fence.line + exc.lineno,
        )
        return
    except (ValueError, RecursionError) as exc:
        c.error("", f"invalid JSON: {exc}", "fix the JSON", line=fence.line + 1)
        return
    if not isinstance(data, dict):
        c.error(
            "",
            f"the JSON is a {type(data).__name__}, not an object",
            'write an object like {"assigned": true, ...}',
            line=fence.line + 1,
        )
        return
    c.data = data
    c.notes.discard("unparsed")
    # One pass over the keys written in the text (testing every key against every
    # line was quadratic: 9 s for a 230 kB record of 15,000 keys).
    for offset, text in enumerate(fence.content.split("\n")):
        if '"' not in text:
            continue
        for match in _KEY.finditer(text):
            if match.group(1) in data:
                c.at(f"/{match.group(1)}", fence.line + 1 + offset)
    _fractions(data, c)
    if not isinstance(data.get("assigned"), bool):
        # Which fields are allowed depends on `assigned`; without a boolean there, the
        # schema's other complaints (cleared_at missing, assigned_at unexpected) are noise.
        c.notes.add("unparsed")
        got = describe_value(data["assigned"]) if "assigned" in data else "nothing"
        c.error(
            "/assigned",
            f"assigned must be true (an assignment) or false (a release), got {got}",
            'write "assigned": true or "assigned": false (JSON booleans, no quotes)',
        )


def _fractions(data: dict[str, Any], c: Collector) -> None:
    # Every number in a WORKER record is an integer (issue, attempt, pid). JSON Schema
    # counts 8.0 and 1e0 as integers and Python compares them equal to 8 and 1; a
    # record that writes one is not plainly about issue 8, so it is invalid.
    for key, value in data.items():
        if isinstance(value, float):
            c.error(
                f"/{key}",
                f"{key} must be an integer written without a fraction or exponent, got {value!r}",
                f'write "{key}": {int(value) if value.is_integer() else "<integer>"}',
            )


def cross_check(c: Collector) -> None:
    """Timestamps must be real dates."""
    for key in ("assigned_at", "cleared_at", "heartbeat_at"):
        if not real_timestamp(c.data.get(key)):
            c.error(f"/{key}", f"{key} {c.data[key]!r} is not a real date and time", "fix it")
