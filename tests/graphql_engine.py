"""A small GraphQL engine for the GitHub stand-in: parse one operation, check it against
GitHub's documented types (``tests/github_api_graphql.json``), and resolve it against
plain dicts of the stand-in's state.

Objects are dicts with ``__typename`` whose fields are values or resolvers
``f(args) -> value``. :func:`validate` refuses what GitHub refuses before anything runs
(an undocumented field or argument, a fragment on a type that cannot be there, a missing
or extra selection), with GitHub's messages; :class:`Executor` checks every value it
answers against the field's documented type (non-null, list, scalar, enum) and raises
AssertionError for a value that is not, so the stand-in cannot drift from GitHub's shapes.
A resolver raising :class:`GraphQLError` with a kind (``NOT_FOUND``) makes the field
null and adds the error, as GitHub does.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

GRAPHQL_API = json.loads(
    Path(__file__).with_name("github_api_graphql.json").read_text(encoding="utf-8")
)
TYPES: dict[str, Any] = GRAPHQL_API["types"]
_TOKEN = re.compile(
    r"(?P<skip>[\s,]+|#[^\n]*)|(?P<tok>\.\.\.|[{}():!$\[\]=@]|[_A-Za-z][_0-9A-Za-z]*"
    r'|-?\d+(?:\.\d+)?|"(?:\\.|[^"\\])*")'
)
_SCALARS: dict[str, tuple[type, ...]] = {
    "ID": (str,), "String": (str,), "Int": (int,), "Float": (int, float), "Boolean": (bool,),
}  # fmt: skip


class GraphQLError(Exception):
    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind


# -- parsing ----------------------------------------------------------------------------


@dataclasses.dataclass
class Field:
    name: str
    args: dict[str, Any]
    selection: list[Field | Fragment] | None


@dataclasses.dataclass
class Fragment:
    on: str
    selection: list[Field | Fragment]


class Parser:
    def __init__(self, text: str, variables: dict[str, Any]) -> None:
        self.tokens = [m["tok"] for m in _TOKEN.finditer(text) if m["tok"]]
        self.pos = 0
        self.variables = variables

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise GraphQLError(f"Parse error on {token!r} (expected {expected!r})")
        self.pos += 1
        return token

    def document(self) -> tuple[str, list[Field | Fragment]]:
        operation = "query"
        if self.peek() in ("query", "mutation"):
            operation = self.take()
            if self.peek() not in ("(", "{"):
                self.take()  # the operation's name
            if self.peek() == "(":  # variable definitions: checked by use, not here
                depth = 0
                while True:
                    token = self.take()
                    depth += {"(": 1, ")": -1}.get(token, 0)
                    if depth == 0:
                        break
        selection = self.selection()
        if self.peek() is not None:
            raise GraphQLError(f"Parse error on {self.peek()!r} (one operation only)")
        return operation, selection

    def selection(self) -> list[Field | Fragment]:
        self.take("{")
        out: list[Field | Fragment] = []
        while self.peek() != "}":
            if self.peek() == "...":
                self.take()
                self.take("on")
                out.append(Fragment(self.take(), self.selection()))
                continue
            name = self.take()
            args = self.arguments() if self.peek() == "(" else {}
            sub = self.selection() if self.peek() == "{" else None
            out.append(Field(name, args, sub))
        self.take("}")
        return out

    def arguments(self) -> dict[str, Any]:
        self.take("(")
        args: dict[str, Any] = {}
        while self.peek() != ")":
            name = self.take()
            self.take(":")
            args[name] = self.value()
        self.take(")")
        return args

    def value(self) -> Any:
        token = self.take()
        if token == "$":
            name = self.take()
            return self.variables.get(name)
        if token == "{":
            obj: dict[str, Any] = {}
            while self.peek() != "}":
                key = self.take()
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        if token == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
            self.take("]")
            return items
        if token.startswith('"'):
            return json.loads(token)
        if token in ("true", "false"):
            return token == "true"
        if token == "null":
            return None
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        if re.fullmatch(r"-?\d+\.\d+", token):
            return float(token)
        return token  # an enum value


# -- executing --------------------------------------------------------------------------


def _base(type_name: str) -> str:
    return type_name.strip("[]!")


def _implements(concrete: str, wanted: str) -> bool:
    if concrete == wanted:
        return True
    info = TYPES.get(wanted, {})
    return concrete in info.get("possibleTypes", ())


def _possible(type_name: str) -> set[str]:
    info = TYPES.get(type_name, {})
    return set(info.get("possibleTypes") or ()) if "possibleTypes" in info else {type_name}


def validate(selection: list[Field | Fragment], type_name: str) -> None:
    """Check a selection against the documented types before anything runs, as GitHub
    does: every field, argument and fragment condition must exist, and objects need a
    selection while scalars take none."""
    for item in selection:
        if isinstance(item, Fragment):
            if item.on not in TYPES:
                raise GraphQLError(f"No such type {item.on}, so it can't be a fragment condition")
            if not _possible(item.on) & _possible(type_name):
                raise GraphQLError(f"Fragment on {item.on} can't be spread inside {type_name}")
            validate(item.selection, item.on)
            continue
        if item.name == "__typename":
            continue
        spec = TYPES[type_name].get("fields", {}).get(item.name)
        if spec is None:
            raise GraphQLError(f"Field '{item.name}' doesn't exist on type '{type_name}'")
        for arg in item.args:
            if arg not in spec["args"]:
                raise GraphQLError(f"Field '{item.name}' doesn't accept argument '{arg}'")
        target = _base(spec["type"])
        composite = TYPES.get(target, {}).get("kind") in ("OBJECT", "INTERFACE", "UNION")
        if composite and item.selection is None:
            raise GraphQLError(
                f"Field must have selections (field '{item.name}' returns {target} but "
                "has no selections)"
            )
        if not composite and item.selection is not None:
            raise GraphQLError(f"Selections can't be made on scalars (field '{item.name}')")
        if item.selection is not None:
            validate(item.selection, target)


class Executor:
    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def run(self, selection: list[Field | Fragment], obj: dict[str, Any], path: list[Any]) -> Any:
        concrete = obj["__typename"]
        documented = TYPES.get(concrete)
        if documented is None:
            raise GraphQLError(f"the stand-in has no documented type {concrete!r}")
        out: dict[str, Any] = {}
        for item in selection:
            if isinstance(item, Fragment):
                if item.on not in TYPES:
                    raise GraphQLError(
                        f"No such type {item.on}, so it can't be a fragment condition"
                    )
                if _implements(concrete, item.on):
                    out.update(self.run(item.selection, obj, path))
                continue
            if item.name == "__typename":
                out["__typename"] = concrete
                continue
            spec = documented["fields"].get(item.name)
            if spec is None:
                raise GraphQLError(f"Field '{item.name}' doesn't exist on type '{concrete}'")
            for arg in item.args:
                if arg not in spec["args"]:
                    raise GraphQLError(f"Field '{item.name}' doesn't accept argument '{arg}'")
            resolver = obj.get(item.name)
            if resolver is None and item.name not in obj:
                raise GraphQLError(f"the stand-in does not resolve {concrete}.{item.name}")
            where = [*path, item.name]
            try:
                value = resolver(item.args) if callable(resolver) else resolver
            except GraphQLError as exc:
                if exc.kind is None:
                    raise
                self.errors.append({"type": exc.kind, "path": where, "message": str(exc),
                                    "locations": [{"line": 1, "column": 1}]})  # fmt: skip
                value = None
            out[item.name] = self.value(value, spec["type"], item, where)
        return out

    def value(self, value: Any, type_name: str, field: Field, path: list[Any]) -> Any:
        if type_name.endswith("!"):
            if value is None:
                raise AssertionError(f"{'.'.join(map(str, path))} is non-null ({type_name})")
            type_name = type_name[:-1]
        if value is None:
            return None
        if type_name.startswith("["):
            assert isinstance(value, list), f"{path}: a list ({type_name})"
            inner = type_name[1:-1]
            return [self.value(v, inner, field, [*path, i]) for i, v in enumerate(value)]
        info = TYPES.get(type_name, {})
        kind = info.get("kind")
        if kind in ("OBJECT", "INTERFACE", "UNION"):
            if field.selection is None:
                raise GraphQLError(f"Field must have selections ({type_name} returned)")
            assert _implements(value["__typename"], type_name), (path, value["__typename"])
            return self.run(field.selection, value, path)
        if kind == "ENUM":
            assert value in info["enumValues"], f"{path}: {value!r} not in {type_name}"
            return value
        wanted = _SCALARS.get(type_name, (str,))
        ok = isinstance(value, wanted) and not (bool not in wanted and isinstance(value, bool))
        assert ok, f"{path}: {value!r} is not a {type_name}"
        return value
