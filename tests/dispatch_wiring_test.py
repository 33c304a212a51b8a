"""The Codex arguments of a dispatched worker (review_gate/dispatch/wiring.py).

The real client runs them in tests/e2e/dispatch_codex_test.py; these check, without
it, that every ``-c`` value is TOML Codex can parse back to exactly our hooks, that the
trust hashes are those of the hooks given, and which directories the sandbox gets.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch import wiring
from review_gate.install import agents as agent_install
from review_gate.install import codex_trust as trust
from tests.helpers import git, init_repo

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def _parse(args: list[str]) -> tuple[dict[str, Any], list[str]]:
    """(merged ``-c`` settings, ``--add-dir`` values)."""
    merged: dict[str, Any] = {}
    dirs: list[str] = []
    assert len(args) % 2 == 0, args
    for flag, value in zip(args[::2], args[1::2], strict=True):
        if flag == "--add-dir":
            dirs.append(value)
            continue
        assert flag == "-c", args
        for key, item in tomllib.loads(value).items():
            if isinstance(item, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **item}
            else:
                merged[key] = item
    return merged, dirs


@pytest.mark.parametrize(
    "gate",
    [
        "/opt/review gate/bin/gate",
        "/opt/it's/gate",
        '/opt/say "hi"/gate',
        "/opt/back\\slash/gate",
        "/opt/ünï/gate",
    ],
)
def test_codex_args_round_trip(tmp_path: Path, gate: str) -> None:
    repo = init_repo(tmp_path / "project")
    worktree = tmp_path / "project-worker-7"
    git(repo, "worktree", "add", "-q", "-b", "feature/7-x", str(worktree))
    args = wiring.codex_args(worktree, gate)
    settings, dirs = _parse(args)
    expected = agent_install.merge_hooks({}, gate)["hooks"]
    assert {k: v for k, v in settings["hooks"].items() if k != "state"} == expected
    state = {k: v["trusted_hash"] for k, v in settings["hooks"]["state"].items()}
    assert state == trust.trust_entries(wiring.CODEX_SESSION_SOURCE, expected)
    assert set(state) == {
        "/<session-flags>/config.toml:pre_tool_use:0:0",
        "/<session-flags>/config.toml:stop:0:0",
    }
    assert settings["projects"] == {str(worktree.resolve()): {"trust_level": "trusted"}}
    assert settings["allow_login_shell"] is False
    assert settings["sandbox_workspace_write"] == {"network_access": True}
    common = (repo / ".git").resolve()
    assert dirs == [str(common), str(common / "worktrees" / worktree.name)]


def test_codex_args_in_a_main_checkout_add_one_dir(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "project")
    _, dirs = _parse(wiring.codex_args(repo, "/usr/bin/gate"))
    assert dirs == [str((repo / ".git").resolve())]


def test_wire_writes_no_codex_files(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "project")
    worktree = tmp_path / "project-worker-7"
    git(repo, "worktree", "add", "-q", "-b", "feature/7-x", str(worktree))
    wired = wiring.wire(worktree, tmp_path / "state")
    assert not (worktree / ".codex").exists()
    assert (worktree / ".claude" / "settings.local.json").is_file()
    assert wired.agent_args == tuple(wiring.codex_args(worktree, agent_install.resolve_gate()))
    assert git(worktree, "status", "--porcelain") == ""
