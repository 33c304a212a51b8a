"""The published JSON Schemas of the artifact kinds (package data), and their
compiled validators.

Loading and compiling a schema costs more than validating one artifact, so both are
cached per process: validating 1,000 REVIEW artifacts compiles the schema once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

KINDS = ("review", "handover", "worker", "report")


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


# Validation split at `properties` and `items`, with a memo per sub-schema.
#
# jsonschema descends keyword by keyword and builds a new validator object for every
# sub-schema it enters; for a REVIEW that descent was most of the validation time.
# The same work, cheaper: each object (array) sub-schema is validated "shallow" -- its
# own keywords (type, required, additionalProperties, minItems, ...) with every
# property (item) schema replaced by `true` -- and each property (item) present is
# then validated against its own compiled sub-schema, remembering the errors of
# every plain value already seen at that place (criteria rows such as
# `| 1 | Blindspots | ✅ PASS | 0 |`, severities, counts, statuses repeat across
# reviews). Only sub-schemas whose keywords do not look at each other are split
# (tests compare the errors with those of the published schema).
_SPLIT_OBJECT = frozenset(
    {
        "type", "required", "additionalProperties", "properties", "minProperties",
        "maxProperties", "description", "title", "$comment", "$schema", "$id",
        "x-version", "$defs", "examples", "default",
    }
)  # fmt: skip
_SPLIT_ARRAY = frozenset(
    {
        "type", "items", "minItems", "maxItems", "uniqueItems", "description", "title",
        "$comment", "examples", "default",
    }
)  # fmt: skip
# Values remembered by value: float is left out (0.0 == -0.0 but their reprs, which
# error messages show, differ), and so is every subclass (the type is in the key).
_PLAIN = frozenset({str, int, bool, type(None)})
_MEMO_SIZE = 4096
_MEMO_TEXT = 200
Path = tuple["str | int", ...]
_Found = tuple[tuple[Path, ValidationError], ...]


class _Node:
    """One sub-schema: a validator for its own keywords, the nodes of the property
    (or item) schemas split off it, and what it remembers: the errors of every plain
    value seen, and the layouts (names of an object, length of an array) that passed
    its own keywords when those look at nothing else."""

    __slots__ = ("by_keys", "by_length", "items", "memo", "passed", "properties", "validator")

    def __init__(self, schema: Any, *, root: bool = False) -> None:
        self.properties: dict[str, _Node] | None = None
        self.items: _Node | None = None
        self.memo: dict[Any, _Found] = {}
        self.passed: set[Any] = set()
        self.by_keys = self.by_length = False
        shallow = schema
        if isinstance(schema, dict) and not _has_ref(schema, root=root):
            keys = schema.keys()
            properties = schema.get("properties")
            items = schema.get("items")
            if isinstance(properties, dict) and keys <= _SPLIT_OBJECT:
                self.properties = {name: _Node(sub) for name, sub in properties.items()}
                # Keep the names: additionalProperties is judged against them.
                shallow = {**schema, "properties": dict.fromkeys(properties, True)}
                # type, required, additionalProperties true/false, min/maxProperties:
                # the verdict on an object depends on its names (in order) alone.
                self.by_keys = isinstance(schema.get("additionalProperties", True), bool)
            elif isinstance(items, dict) and keys <= _SPLIT_ARRAY:
                # (`items: false` says "no items" itself: not split.)
                self.items = _Node(items)
                shallow = {k: v for k, v in schema.items() if k != "items"}
                # type, minItems, maxItems: the verdict depends on the length alone.
                self.by_length = "uniqueItems" not in schema
        self.validator = Draft202012Validator(shallow)

    def errors(self, instance: Any) -> _Found:
        """Every error of ``instance`` with its path relative to this node."""
        kind = type(instance)
        # Hot path (a REVIEW visits ~40 nodes): plain values keyed inline.
        if kind in _PLAIN:
            key: Any = None if kind is str and len(instance) > _MEMO_TEXT else (kind, instance)
        elif kind is dict:
            key = _frozen(instance)
        else:
            key = None
        if key is not None:
            found = self.memo.get(key)
            if found is not None:
                return found
        found = self._errors(instance, kind)
        if key is not None:
            if len(self.memo) >= _MEMO_SIZE:
                self.memo.clear()
            self.memo[key] = found
        return found

    def _errors(self, instance: Any, kind: type) -> _Found:
        layout: Any = None
        if self.by_keys and kind is dict:
            layout = tuple(instance)
        elif self.by_length and kind is list:
            layout = len(instance)
        errors: list[tuple[Path, ValidationError]] = []
        if layout is None or layout not in self.passed:
            errors = [(tuple(e.absolute_path), e) for e in self.validator.iter_errors(instance)]
            if layout is not None and not errors:  # only a pass is shared between instances
                if len(self.passed) >= _MEMO_SIZE:
                    self.passed.clear()
                self.passed.add(layout)
        # The same type tests as the `properties` and `items` keywords make.
        if self.properties is not None and isinstance(instance, dict):
            for name, node in self.properties.items():
                if name in instance:
                    found = node.errors(instance[name])
                    if found:
                        errors.extend(((name, *path), error) for path, error in found)
        elif self.items is not None and isinstance(instance, list):
            node = self.items
            for index, item in enumerate(instance):
                found = node.errors(item)
                if found:
                    errors.extend(((index, *path), error) for path, error in found)
        return tuple(errors)


def _has_ref(node: Any, *, root: bool) -> bool:
    """True when a reference is left (a recursive definition): a split-off sub-schema
    could not resolve it on its own, so that schema is validated whole."""
    if isinstance(node, list):
        return any(_has_ref(item, root=False) for item in node)
    if not isinstance(node, dict):
        return False
    if "$ref" in node or "$dynamicRef" in node:
        return True
    return any(_has_ref(v, root=False) for k, v in node.items() if not (root and k == "$defs"))


def _frozen(value: dict[Any, Any]) -> Any:
    """A hashable key for a flat object of plain values, else None.

    The key keeps the object's order: error messages list unexpected names in it.
    Long strings are not remembered: they are unique text, and would only hold memory.
    """
    items: list[Any] = [dict]
    for name, item in value.items():
        kind = type(item)
        if kind not in _PLAIN or (kind is str and len(item) > _MEMO_TEXT):
            return None
        items.append((name, kind, item))
    return tuple(items)


@functools.cache
def _tree(kind: str) -> _Node:
    schema = _compiled_schema(kind)
    if _has_ref(schema, root=True):
        node = _Node(True)
        node.validator = validator(kind)
        return node
    return _Node(schema, root=True)


def iter_errors(kind: str, data: Any) -> Iterator[tuple[Path, ValidationError]]:
    """Every schema error of ``data`` with its absolute path; the same errors as
    ``validator(kind).iter_errors`` (tests compare them), found faster."""
    return iter(_tree(kind).errors(data))


def version(kind: str) -> str:
    """The schema version of ``kind`` (its ``x-version``)."""
    return str(load(kind)["x-version"])
