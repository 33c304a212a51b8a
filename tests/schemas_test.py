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
        schemas.version(kind) == {"review": "1.1.0", "handover": "1.0.0", "worker": "1.1.0"}[kind]
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
