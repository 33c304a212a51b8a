"""WORKER records: one ```json fence between the WORKER:ASSIGNED markers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from review_gate.artifacts.extract import extract
from tests.artifact_samples import worker_assignment

EXTRA = {
    "issue": 7,
    "attempt": 2,
    "branch": "feature/7-x",
    "agent": "codex",
    "host": "build-1",
    "pid": 4242,
    "heartbeat_at": "2026-11-21T09:05:00Z",
    "orchestration": "orch-1",
}


@pytest.mark.parametrize(
    ("body", "data"),
    [
        pytest.param(
            worker_assignment(),
            {
                "assigned": True,
                "worker_id": "worker-1701523200-7",
                "assigned_at": "2026-11-21T09:00:00Z",
                "worktree": "../project-worker-7",
            },
            id="assignment",
        ),
        pytest.param(
            worker_assignment(assigned=False),
            {"assigned": False, "cleared_at": "2026-11-21T09:00:00Z"},
            id="release",
        ),
        pytest.param(
            worker_assignment(assigned=False, extra={"worker_id": "w-1", "reason": "completed"}),
            {
                "assigned": False,
                "cleared_at": "2026-11-21T09:00:00Z",
                "worker_id": "w-1",
                "reason": "completed",
            },
            id="release with reason",
        ),
        pytest.param(
            worker_assignment(extra=EXTRA),
            {
                "assigned": True,
                "worker_id": "worker-1701523200-7",
                "assigned_at": "2026-11-21T09:00:00Z",
                "worktree": "../project-worker-7",
                **EXTRA,
            },
            id="dispatcher fields",
        ),
        pytest.param(
            "<!-- WORKER:ASSIGNED -->\n```\n"
            '{"assigned": false, "cleared_at": "2026-11-21T09:00:00Z"}'
            "\n```\n<!-- /WORKER:ASSIGNED -->",
            {"assigned": False, "cleared_at": "2026-11-21T09:00:00Z"},
            id="fence without info string",
        ),
    ],
)
def test_valid_records(body: str, data: dict[str, Any]) -> None:
    (art,) = extract(body)
    assert art.valid, art.errors
    assert art.data == data


def _body(json_text: str, info: str = "json") -> str:
    return f"<!-- WORKER:ASSIGNED -->\n```{info}\n{json_text}\n```\n<!-- /WORKER:ASSIGNED -->\n"


@pytest.mark.parametrize(
    ("body", "line", "pointer", "fragment"),
    [
        pytest.param(
            _body('{\n  "assigned": true\n  "worker_id": "w"\n}'),
            5,
            "",
            "invalid JSON",
            id="bad json line",
        ),
        pytest.param(
            _body('{"assigned": false, "assigned": true}'),
            3,
            "",
            "duplicate key",
            id="duplicate key",
        ),
        pytest.param(_body('{"assigned": true, "n": NaN}'), 3, "", "NaN", id="NaN"),
        pytest.param(_body("[1, 2]"), 3, "", "not an object", id="array"),
        pytest.param(_body("[" * 5000 + "]" * 5000), 3, "", "invalid JSON", id="deep nesting"),
        pytest.param(_body('{"assigned": true}', info="yaml"), 2, "", "not json", id="wrong info"),
        pytest.param(
            "<!-- WORKER:ASSIGNED -->\nassigned\n<!-- /WORKER:ASSIGNED -->",
            1,
            "",
            "no ```json",
            id="no fence",
        ),
        pytest.param(_body("{}") + "x", 1, "/assigned", "assigned", id="empty object"),
        pytest.param(
            _body('{"assigned": true, "worker_id": "w-1", "assigned_at": "2026-11-21T09:00:00Z"}'),
            1,
            "/worktree",
            "worktree",
            id="missing worktree",
        ),
        pytest.param(
            _body('{"assigned": true, "worker_id": "w-1", "assigned_at": "now", "worktree": "x"}'),
            3,
            "/assigned_at",
            "RFC 3339",
            id="bad time",
        ),
        pytest.param(
            _body(
                '{"assigned": true, "worker_id": "[WORKER_ID]",\n'
                '"assigned_at": "2026-11-21T09:00:00Z", "worktree": "x"}'
            ),
            3,
            "",
            "placeholder",
            id="placeholder",
        ),
        pytest.param(
            _body('{"assigned": false, "cleared_at": "2026-11-21T09:00:00Z", "worktree": "x"}'),
            3,
            "/worktree",
            "unexpected",
            id="release with extra field",
        ),
        pytest.param(
            _body('{"assigned": "yes", "cleared_at": "2026-11-21T09:00:00Z"}'),
            3,
            "/assigned",
            "'yes'",
            id="assigned not boolean",
        ),
        pytest.param(
            _body(
                '{"assigned": true, "worker_id": "w", "assigned_at": "2026-11-21T09:00:00Z", '
                '"worktree": "x", "pid": 0}'
            ),
            3,
            "/pid",
            "0",
            id="pid 0",
        ),
        pytest.param(
            _body('{"assigned": true, "worker_id": "w", "pid": 1e999}'),
            3,
            "",
            "out of range",
            id="infinite number",
        ),
        pytest.param(
            _body(
                '{"assigned": true, "worker_id": "w", "assigned_at": "2026-11-21T09:00:00Z", '
                '"worktree": "x", "pid": 100000000000000000000}'
            ),
            3,
            "/pid",
            "greater",
            id="pid beyond any pid",
        ),
        pytest.param(
            "<!-- WORKER:ASSIGNED -->\n```json\n{}\n```\n```json\n{}\n```\n"
            "<!-- /WORKER:ASSIGNED -->",
            5,
            "",
            "2 fenced blocks",
            id="two fences",
        ),
    ],
)
def test_invalid_records(body: str, line: int, pointer: str, fragment: str) -> None:
    (art,) = extract(body)
    assert not art.valid
    hits = [e for e in art.errors if e.pointer == pointer and fragment in e.message]
    assert hits, [str(e) for e in art.errors]
    assert hits[0].line == line, [str(e) for e in art.errors]
    assert hits[0].kind == "worker" and hits[0].hint


def test_assigned_not_boolean_is_the_only_error() -> None:
    # Without a boolean `assigned`, the schema's if/then/else would also complain about
    # cleared_at and every assignment field: noise that hides the one real mistake.
    (art,) = extract(
        _body('{"assigned": 1, "worker_id": "w", "assigned_at": "2026-11-21T09:00:00Z"}')
    )
    assert [(e.pointer, e.message) for e in art.errors] == [
        ("/assigned", "assigned must be true (an assignment) or false (a release), got 1")
    ]


def test_error_lines_of_keys_on_one_line_and_many_keys() -> None:
    record = {"assigned": True, "worker_id": "w", "assigned_at": "x", "worktree": "y"}
    body = _body(json.dumps(record) + "\n")
    (art,) = extract(body)
    assert {e.pointer: e.line for e in art.errors}["/assigned_at"] == 3
    many = {"assigned": False, "cleared_at": "2026-11-21T09:00:00Z"}
    many.update({f"k{i}": i for i in range(3000)})
    (art,) = extract(_body(json.dumps(many, indent=0)))
    lines = {e.pointer: e.line for e in art.errors}
    assert len(lines) == 3000 and lines["/k0"] == 6 and lines["/k2999"] == 3005
