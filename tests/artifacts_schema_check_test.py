"""The schema check that answers "valid" without jsonschema agrees with jsonschema
whenever it answers, and answers for every valid artifact."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate import schemas
from review_gate.artifacts._schema_check import is_valid
from review_gate.artifacts.extract import extract
from tests.artifact_samples import handover, review, worker_assignment


def _jsonschema_valid(kind: str, data: Any) -> bool:
    return not list(schemas.validator(kind).iter_errors(data))


VALID = [
    ("review", review(7)),
    ("review", review(7, commit="abcdef1", deferred=(("Low", "x", "#8", "later"),))),
    ("review", review(7, security_sensitive=True, fixed=())),
    ("handover", handover(7)),
    ("worker", worker_assignment()),
    ("worker", worker_assignment(assigned=False)),
    ("worker", worker_assignment(extra={"issue": 7, "attempt": 2, "pid": 10, "branch": "b"})),
]


@pytest.mark.parametrize(("kind", "body"), VALID)
def test_every_valid_sample_is_valid_without_jsonschema(kind: str, body: str) -> None:
    (artifact,) = extract(body)
    assert artifact.valid, artifact.errors
    assert is_valid(kind, artifact.data) is True


def _data(kind: str, body: str) -> dict[str, Any]:
    data = extract(body)[0].data
    assert isinstance(data, dict)
    return data


TEXTS = [
    "",
    "x",
    "PASS",
    "N/A",
    "COMPLETE",
    "MINOR",
    "2026-11-21T10:00:00Z",
    "abcdef1",
    "worker-1-7",
    "o/r",
    "7",
    " ",
    "\n",
]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=2**31 + 1),
    st.floats(width=16),
    st.sampled_from([7.0, 0.5, 1.0, 100.0]),
    st.sampled_from(TEXTS),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["number", "status", "x"]), st.integers(0, 8), max_size=2),
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.sampled_from(VALID),
    st.data(),
    st.sampled_from(["replace", "delete", "add"]),
    VALUES,
)
def test_agrees_with_jsonschema_on_changed_data(
    sample: tuple[str, str], data: st.DataObject, change: str, value: Any
) -> None:
    kind, body = sample
    changed = copy.deepcopy(_data(kind, body))
    path = data.draw(st.sampled_from(_paths(changed)[1:]))
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if change == "replace":
        parent[last] = value
    elif change == "delete":
        del parent[last]
    elif isinstance(parent, dict):
        parent[f"extra_{last}"] = value
    else:
        parent.append(value)
    answer = is_valid(kind, changed)
    if answer is not None:
        assert answer == _jsonschema_valid(kind, changed), changed


def test_cannot_tell_is_not_a_yes() -> None:
    data = {**_data("review", review(7)), "scope": 1.0}
    assert is_valid("review", data) is None  # a float in an enum: jsonschema's call
    assert is_valid("worker", {"assigned": 1}) is False  # 1 is not true
    assert is_valid("nonesuch", {}) is None


def test_validating_a_valid_review_does_not_import_jsonschema() -> None:
    code = (
        "import sys\n"
        "from review_gate.artifacts.extract import extract\n"
        "from tests.artifact_samples import review\n"
        "assert extract(review(7))[0].valid\n"
        "print('jsonschema' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
