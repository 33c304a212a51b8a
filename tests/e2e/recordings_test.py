"""The recordings in tests/e2e/recordings/ still describe what the clients send: capture
again with the pinned CLIs and compare what the hook relies on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.record_inputs import RECORDINGS, capture_all, name

pytestmark = pytest.mark.e2e


def shape(recorded: dict[str, Any]) -> dict[str, Any]:
    tool_input = recorded.get("tool_input")
    return {
        "keys": sorted(recorded),
        "event": recorded.get("hook_event_name"),
        "tool": recorded.get("tool_name"),
        "input": sorted(tool_input) if isinstance(tool_input, dict) else None,
        "source": recorded.get("source"),
        "cwd": recorded.get("cwd"),
    }


def test_recordings_match_the_clients(claude_bin: Path, codex_bin: Path, tmp_path: Path) -> None:
    fresh = {name(r): r for r in capture_all(tmp_path)}
    stored = {p.name: json.loads(p.read_text()) for p in RECORDINGS.glob("*.json")}
    assert stored, "no recordings"
    for file, recorded in stored.items():
        assert file in fresh, f"the clients no longer send {file}"
        assert shape(fresh[file]) == shape(recorded), file
        if recorded.get("tool_name") in ("apply_patch", "Bash", "Write", "Edit"):
            assert fresh[file]["tool_input"] == recorded["tool_input"], file
