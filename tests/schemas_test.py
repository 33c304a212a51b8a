"""The published schemas: well-formed draft 2020-12, versioned, and equivalent to the
compiled (reference-inlined) validators used for speed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from review_gate import schemas
from review_gate.artifacts.extract import extract
from review_gate.errors import UsageError
from tests.artifact_samples import handover, review, worker_assignment


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_schema_metadata(kind: str) -> None:
    schema = schemas.load(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"/{kind}/{schemas.version(kind)}/{kind}.schema.json")
    assert schema["title"] and schema["description"]
    assert (
        schemas.version(kind)
        == {"review": "1.1.0", "handover": "1.0.0", "worker": "1.1.0", "report": "1.0.0"}[kind]
    )
    closed = [schema] if kind != "worker" else [schema["then"], schema["else"]]
    assert all(s["additionalProperties"] is False for s in closed)
    assert json.loads(schemas.schema_text(kind)) == schema


def test_validator_is_cached() -> None:
    assert schemas.validator("review") is schemas.validator("review")


def test_unknown_kind() -> None:
    with pytest.raises(UsageError, match="unknown artifact kind"):
        schemas.load("bogus")


def _mutations(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = [data]
    for key in list(data):
        out.append({k: v for k, v in data.items() if k != key})
        out.append({**data, key: "x"})
        out.append({**data, key: None})
    out.append({**data, "extra": 1})
    for key in ("criteria", "fixed", "deferred"):
        rows = data.get(key)
        if not rows:
            continue
        for field in list(rows[0]):
            for bad in ("x", None, True, 0, -1, 1.5, ""):
                row = {**rows[0], field: bad}
                out.append({**data, key: [row, *rows[1:]]})
            row = {k: v for k, v in rows[0].items() if k != field}
            out.append({**data, key: [row, *rows[1:]]})
        out.append({**data, key: [{**rows[0], "extra": 1}]})
        out.append({**data, key: ["row"]})
    return out


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("review", review(7, deferred=(("Low", "x", "#8", "later"),), commit="abcdef1")),
        ("handover", handover(7)),
        ("worker", worker_assignment(extra={"pid": 3})),
        ("worker", worker_assignment(assigned=False)),
    ],
)
def test_compiled_validator_agrees_with_published_schema(kind: str, body: str) -> None:
    (art,) = extract(body)
    assert art.valid
    published = Draft202012Validator(schemas.load(kind))
    for doc in _mutations(art.data):
        expected = sorted(
            (tuple(map(str, e.absolute_path)), e.message) for e in published.iter_errors(doc)
        )
        for _ in range(2):  # the second time from the row memo
            got = sorted((tuple(map(str, p)), e.message) for p, e in schemas.iter_errors(kind, doc))
            assert got == expected, doc
        assert schemas.validator(kind).is_valid(doc) == (not expected)


def _variants(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Mutations that reach every split node: rows with extra or missing names in both
    orders, wrong types at each level, floats that compare equal but print apart."""
    out = _mutations(data)
    for key, rows in data.items():
        if isinstance(rows, list) and rows and isinstance(rows[0], dict):
            first = rows[0]
            out.append({**data, key: [{**first, "b": 2, "a": 1}, *rows[1:]]})
            out.append({**data, key: [{"a": 1, **first, "b": 2}, *rows[1:]]})
            out.append({**data, key: [{**first, "number": -0.0}, {**first, "number": 0.0}]})
            out.append({**data, key: rows * 2})
        elif isinstance(rows, dict):
            out.append({**data, key: {**rows, "b": 2, "a": 1}})
            out.append({**data, key: {"a": 1, **rows}})
            for name in rows:
                out.append({**data, key: {**rows, name: -0.0}})
                out.append({**data, key: {**rows, name: [1]}})
    out.append({"b": 1, **data, "a": 2})
    out.append(dict(reversed(list(data.items()))))
    return out


def _details(errors: Any) -> list[tuple[Any, ...]]:
    found = [
        (tuple(path), e.message, e.validator, repr(e.validator_value), repr(e.instance))
        for path, e in errors
    ]
    # Errors are reported in path order; within a path, in jsonschema's order.
    return sorted(found, key=lambda f: [str(p) for p in f[0]])


@pytest.mark.parametrize(
    ("kind", "bodies"),
    [
        (
            "review",
            [
                review(7),
                review(8, commit="abcdef1", deferred=(("Low", "x", "#9", "later"),)),
                review(9, fixed=(), status="IN PROGRESS", unaddressed=2),
                review(10, fixed=(("High", "f1", "r1"), ("Low", "f2", "r2"))),
            ],
        ),
        ("handover", [handover(7), handover(8)]),
        ("worker", [worker_assignment(extra={"pid": 3}), worker_assignment(assigned=False)]),
    ],
)
def test_remembered_errors_are_jsonschemas_errors(kind: str, bodies: list[str]) -> None:
    """The split, remembering validation gives every detail the published schema gives
    (message, keyword, value, instance), whatever was validated before it."""
    published = Draft202012Validator(schemas.load(kind))
    docs = [d for body in bodies for art in extract(body) for d in _variants(art.data)]
    for doc in docs + docs[::-1]:
        expected = _details((e.absolute_path, e) for e in published.iter_errors(doc))
        assert _details(schemas.iter_errors(kind, doc)) == expected, doc
