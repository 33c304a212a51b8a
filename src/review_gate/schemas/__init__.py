"""The published JSON Schemas of the three artifact kinds (package data), and their
compiled validators.

Loading and compiling a schema costs more than validating one artifact, so both are
cached per process: validating 1,000 REVIEW artifacts compiles the schema once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any, NamedTuple

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

KINDS = ("review", "handover", "worker")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        from review_gate.errors import UsageError

        raise UsageError(f"unknown artifact kind {kind!r}", hint=f"use one of: {', '.join(KINDS)}")


def schema_text(kind: str) -> str:
    """The schema file of ``kind`` exactly as shipped."""
    _check_kind(kind)
    return (resources.files(__package__) / f"{kind}.schema.json").read_text(encoding="utf-8")


@functools.cache
def load(kind: str) -> dict[str, Any]:
    """The parsed schema of ``kind`` (cached; do not mutate)."""
    data: dict[str, Any] = json.loads(schema_text(kind))
    return data


@functools.cache
def validator(kind: str) -> Draft202012Validator:
    """A compiled draft 2020-12 validator for ``kind`` (cached per process)."""
    return Draft202012Validator(_compiled_schema(kind))


@functools.cache
def _compiled_schema(kind: str) -> dict[str, Any]:
    schema = load(kind)
    Draft202012Validator.check_schema(schema)
    compiled: dict[str, Any] = _inline_refs(schema, schema.get("$defs", {}), 0)
    return compiled


def _inline_refs(node: Any, defs: dict[str, Any], depth: int) -> Any:
    """``node`` with every local ``{"$ref": "#/$defs/x"}`` replaced by the definition.

    Same meaning (our definitions are not recursive), but jsonschema resolves each
    ``$ref`` through its registry on every validation, which was ~40% of the time
    spent validating a REVIEW; the published schema keeps its ``$defs``.
    """
    if depth > 32:  # a recursive definition: leave the reference to jsonschema
        return node
    if isinstance(node, list):
        return [_inline_refs(item, defs, depth) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _inline_refs(v, defs, depth) for k, v in node.items() if k != "$defs"}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
        del out["$ref"]
        out = {**_inline_refs(defs[ref[8:]], defs, depth + 1), **out}
    if depth == 0 and "$defs" in node:
        out["$defs"] = node["$defs"]
    return out


# Arrays whose items are validated one by one, with a memo: the criteria rows of
# different reviews are mostly identical ("| 1 | Blindspots | ✅ PASS | 0 |"), and
# jsonschema's per-keyword descent is a third of the cost of checking a REVIEW.
_ROWS = {"review": ("criteria", "fixed", "deferred"), "handover": (), "worker": ()}
_MEMO_SIZE = 4096
Path = tuple["str | int", ...]


class _Split(NamedTuple):
    top: Draft202012Validator
    rows: dict[str, Draft202012Validator]
    memo: dict[tuple[Any, ...], list[ValidationError]]


@functools.cache
def _split(kind: str) -> _Split:
    schema = dict(_compiled_schema(kind))
    properties = dict(schema.get("properties", {}))
    rows = {}
    for key in _ROWS[kind]:
        prop = dict(properties[key])
        rows[key] = Draft202012Validator(prop.pop("items"))
        properties[key] = prop
    schema["properties"] = properties
    return _Split(Draft202012Validator(schema), rows, {})


def _frozen(row: Any) -> tuple[Any, ...] | None:
    # The type is part of the key: True == 1 and hash(True) == hash(1).
    if not isinstance(row, dict):
        return None
    items = []
    for key, value in row.items():
        if not isinstance(value, (str, int, float, bool, type(None))):
            return None
        items.append((key, type(value).__name__, value))
    return tuple(sorted(items))


def iter_errors(kind: str, data: Any) -> Iterator[tuple[Path, ValidationError]]:
    """Every schema error of ``data`` with its absolute path; the same errors as
    ``validator(kind).iter_errors`` (tests compare them), found faster."""
    split = _split(kind)
    for error in split.top.iter_errors(data):
        yield tuple(error.absolute_path), error
    if not isinstance(data, dict):
        return
    for key, row_validator in split.rows.items():
        rows = data.get(key)
        if not isinstance(rows, list):
            continue
        for index, row in enumerate(rows):
            memo_key = _frozen(row)
            found = split.memo.get((key, memo_key)) if memo_key is not None else None
            if found is None:
                found = list(row_validator.iter_errors(row))
                if memo_key is not None:
                    if len(split.memo) >= _MEMO_SIZE:
                        split.memo.clear()
                    split.memo[(key, memo_key)] = found
            for error in found:
                yield (key, index, *error.absolute_path), error


def version(kind: str) -> str:
    """The schema version of ``kind`` (its ``x-version``)."""
    return str(load(kind)["x-version"])
