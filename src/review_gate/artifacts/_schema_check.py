"""Is artifact data valid against its published schema? A yes without jsonschema.

Importing jsonschema (with referencing, attrs, rpds) cost more than everything else a
passing ``git push`` does in the pre-push hook. Valid data needs no error messages,
only a yes: this module answers it for the JSON Schema keywords our three schemas use,
exactly as jsonschema's draft 2020-12 validator (without a format checker, as
``review_gate.schemas`` builds it) would. Anything else -- another keyword, a
reference it cannot resolve, a value of a type it does not compare (a float), a
schema file it cannot read -- is "cannot tell", and so is every invalid artifact:
then jsonschema runs and reports the errors, as before. Tests compare the answers
with jsonschema's on corpora and generated data.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

from review_gate.errors import SchemaCheckUndecided

Check = Callable[[Any], bool]

# Keywords that never make data invalid (format is an annotation without a checker).
_ANNOTATIONS = frozenset(
    {
        "$schema", "$id", "$comment", "$defs", "title", "description", "x-version",
        "examples", "default", "format", "deprecated", "readOnly", "writeOnly",
    }
)  # fmt: skip
# The values enum and const compare: no floats (1 == 1.0 but 1 is not True:
# jsonschema's own rules), nothing that is not JSON.
_SCALARS = (str, int, bool, type(None))
_SCHEMAS: dict[str, Any] = {}
_COMPILED: dict[str, Check | None] = {}
# Plain values remembered per schema node (criteria rows, statuses, counts repeat).
_MEMO_SIZE = 4096
_MEMO_TEXT = 200


_CannotTell = SchemaCheckUndecided


def is_valid(kind: str, data: Any) -> bool | None:
    """True when ``data`` is valid against ``kind``'s schema, False when it is not,
    None when this module cannot tell (then ask jsonschema)."""
    if kind not in _COMPILED:
        schema = _schema(kind)
        try:
            _COMPILED[kind] = None if schema is None else _Compiler(schema).node(schema, 0)
        except (_CannotTell, re.error):
            _COMPILED[kind] = None
    check = _COMPILED[kind]
    if check is None:
        return None
    try:
        return check(data)
    except (_CannotTell, RecursionError):
        return None


def _schema(kind: str) -> Any:
    # The shipped file (review_gate/schemas/<kind>.schema.json), read directly:
    # importing review_gate.schemas would import jsonschema.
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(package, "schemas", f"{kind}.schema.json")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _type_is(value: Any, name: str) -> bool:
    kind = type(value)
    if kind is float:  # jsonschema's number and integer (a float such as 7.0 is one)
        return name == "number" or (name == "integer" and value.is_integer())
    if not (kind in _SCALARS or kind is dict or kind is list):
        raise _CannotTell
    if name == "string":
        return kind is str
    if name == "integer" or name == "number":
        return kind is int
    if name == "boolean":
        return kind is bool
    if name == "object":
        return kind is dict
    if name == "array":
        return kind is list
    if name == "null":
        return value is None
    raise _CannotTell


def _equal(one: Any, two: Any) -> bool:
    if type(one) not in _SCALARS or type(two) not in _SCALARS:
        raise _CannotTell
    return type(one) is type(two) and one == two


def _limit(rule: Any, *kinds: type) -> Any:
    if type(rule) not in kinds:
        raise _CannotTell
    return rule


class _Compiler:
    """Turns a schema into one check per node: a function of a value that says whether
    it is valid, or raises _CannotTell. Anything it does not know fails to compile."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def node(self, schema: Any, depth: int) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict) or depth > 32:
            raise _CannotTell
        found = [self.keyword(key, rule, schema, depth) for key, rule in schema.items()]
        checks: list[Check] = [c for c in found if c is not None]

        def check(value: Any) -> bool:
            # A loop, not all(...): this runs ~40 times a REVIEW.
            for one in checks:  # noqa: SIM110
                if not one(value):
                    return False
            return True

        return _remembered(check)

    def keyword(self, key: str, rule: Any, schema: dict[str, Any], depth: int) -> Check | None:
        if key in _ANNOTATIONS or key in ("then", "else"):
            return None
        if key == "type":
            if isinstance(rule, str) and rule in _FAST_TYPES:
                fast, name = _FAST_TYPES[rule], rule
                return lambda value: type(value) is fast or _type_is(value, name)
            names = tuple(rule) if isinstance(rule, list) else (rule,)
            return lambda value: any(_type_is(value, name) for name in names)
        if key == "enum":
            options = tuple(rule)
            return lambda value: any(_equal(value, option) for option in options)
        if key == "const":
            return lambda value: _equal(value, rule)
        if key == "$ref":
            return self.ref(rule, depth)
        if key == "if":
            test = self.node(rule, depth + 1)
            then = self.node(schema.get("then", True), depth + 1)
            other = self.node(schema.get("else", True), depth + 1)
            return lambda value: then(value) if test(value) else other(value)
        if key == "pattern":
            search = re.compile(rule).search
            return lambda value: type(value) is not str or search(value) is not None
        if key == "minLength":
            low = _limit(rule, int)
            return lambda value: type(value) is not str or not len(value) < low
        if key == "maxLength":
            high = _limit(rule, int)
            return lambda value: type(value) is not str or not len(value) > high
        if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            return _bound(key, _limit(rule, int, float))
        if key in ("required", "properties", "additionalProperties"):
            return self.object(key, rule, schema, depth)
        if key == "items":
            item = self.node(rule, depth + 1)
            return lambda value: type(value) is not list or all(item(v) for v in value)
        if key == "minItems":
            low = _limit(rule, int)
            return lambda value: type(value) is not list or not len(value) < low
        if key == "maxItems":
            high = _limit(rule, int)
            return lambda value: type(value) is not list or not len(value) > high
        raise _CannotTell

    def ref(self, rule: Any, depth: int) -> Check:
        if not (isinstance(rule, str) and rule.startswith("#/$defs/")):
            raise _CannotTell
        if rule not in self.refs:
            target = self.root.get("$defs", {}).get(rule[len("#/$defs/") :])
            if target is None:
                raise _CannotTell
            self.refs[rule] = self.node(target, depth + 1)
        return self.refs[rule]

    def object(self, key: str, rule: Any, schema: dict[str, Any], depth: int) -> Check:
        if "patternProperties" in schema:
            raise _CannotTell
        if key == "required":
            names = frozenset(rule)
            return lambda value: type(value) is not dict or value.keys() >= names
        if key == "properties":
            subs = tuple((name, self.node(sub, depth + 1)) for name, sub in rule.items())

            def properties(value: Any) -> bool:
                if type(value) is dict:
                    for name, sub in subs:
                        if name in value and not sub(value[name]):
                            return False
                return True

            return properties
        known = frozenset(schema.get("properties", {}))
        if rule is False:
            return lambda value: type(value) is not dict or value.keys() <= known
        extra = self.node(rule, depth + 1)
        return lambda value: (
            type(value) is not dict
            or all(extra(value[name]) for name in value if name not in known)
        )


def _bound(key: str, rule: float) -> Check:
    # The same comparisons as jsonschema's (a NaN fails none of them).
    def bound(value: Any) -> bool:
        kind = type(value)
        if kind is not int and kind is not float:
            return True
        if key == "minimum":
            return not value < rule
        if key == "maximum":
            return not value > rule
        if key == "exclusiveMinimum":
            return not value <= rule
        return not value >= rule

    return bound


def _flat(value: dict[Any, Any]) -> Any:
    """A key for an object of plain values (in its order), else None."""
    items: list[Any] = [dict]
    for name, item in value.items():
        kind = type(item)
        if kind not in _SCALARS or (kind is str and len(item) > _MEMO_TEXT):
            return None
        items.append((name, kind, item))
    return tuple(items)


_FAST_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def _remembered(check: Check) -> Check:
    """``check``, remembering its answer for plain values (a str, int, bool or None)."""
    memo: dict[Any, bool] = {}

    def remembered(value: Any) -> bool:
        kind = type(value)
        key: Any
        if kind is dict:
            key = _flat(value)
            if key is None:
                return check(value)
        elif kind is list or kind is float or (kind is str and len(value) > _MEMO_TEXT):
            return check(value)
        else:
            key = (kind, value)
        found = memo.get(key)
        if found is None:
            found = check(value)  # a _CannotTell is not remembered
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = found
        return found

    return remembered
