"""`gate check --comments FILE|-` end to end: an export of another issue, or hostile JSON,
is one line on stderr and exit 2 — never a traceback, never exit 4."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_gate
from tests.trackers_export_test import item


def _one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert lines and lines[0].startswith("gate: error: "), stderr
    assert all(line.startswith("gate: hint: ") for line in lines[1:]), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        ([item(1), item(2, issue_url="https://api.github.com/repos/o/r/issues/8")], "comment 2"),
        ([item(41, html_url="https://github.com/o/r/issues/8#issuecomment-41")], "comment 41"),
        ([item(5, html_url="https://github.com/x/y/issues/7#issuecomment-5"), item(6)], "x/y#7"),
    ],
)
def test_check_refuses_an_export_of_another_issue(
    tmp_path: Path, items: list[dict[str, Any]], fragment: str
) -> None:
    export = tmp_path / "comments.json"
    export.write_text(json.dumps(items))
    proc = run_gate("check", "--issue", "7", "--comments", str(export), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    line = _one_line_error(proc.stderr)
    assert fragment in line and "comments.json" in line
    # the same bytes through stdin
    proc = run_gate(
        "check", "--issue", "7", "--comments", "-", cwd=tmp_path, stdin=json.dumps(items)
    )
    assert proc.returncode == 2 and fragment in _one_line_error(proc.stderr)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "too deeply"),
        (json.dumps([item(1, body="\ud800 <!-- REVIEW:START -->")]), "surrogate"),
        (json.dumps([item(1, user={"login": "a", "id": "1"})]), "user.id"),
        (json.dumps([item(1, body=7)]), "body"),
    ],
    ids=["deep", "surrogate", "user-id-type", "body-type"],
)
def test_hostile_exports_exit_2_with_one_line(tmp_path: Path, content: str, fragment: str) -> None:
    proc = run_gate("check", "--issue", "7", "--comments", "-", cwd=tmp_path, stdin=content)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert fragment in _one_line_error(proc.stderr)
