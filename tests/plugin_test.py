"""The agent-client plugin at the repository root: manifests, the shared hooks/hooks.json,
and hooks/gate-hook.sh, which must fail closed when `gate` is not installed."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from review_gate.install.hook_files import MATCHER, TIMEOUT
from tests.e2e.conftest import agent_cli

ROOT = Path(__file__).resolve().parent.parent
HOOK_SCRIPT = ROOT / "hooks" / "gate-hook.sh"


def load(rel: str) -> Any:
    return json.loads((ROOT / rel).read_text())


def test_manifests_agree() -> None:
    claude, codex = load(".claude-plugin/plugin.json"), load(".codex-plugin/plugin.json")
    [entry] = load(".claude-plugin/marketplace.json")["plugins"]
    assert claude["name"] == codex["name"] == entry["name"] == "review-gate"
    assert claude["version"] == codex["version"] == entry["version"]
    assert claude["hooks"] == codex["hooks"] == "./hooks/hooks.json"
    assert (ROOT / "skills" / "review-gate" / "SKILL.md").is_file()


def test_hooks_json_matches_what_gate_install_writes() -> None:
    hooks = load("hooks/hooks.json")["hooks"]
    # PreToolUse and Stop only: Codex rejects a hooks file naming ConfigChange.
    assert set(hooks) == {"PreToolUse", "Stop"}
    [pre] = hooks["PreToolUse"]
    assert pre["matcher"] == MATCHER
    for event, arg in (("PreToolUse", "pre-tool-use"), ("Stop", "stop")):
        [group] = hooks[event]
        [handler] = group["hooks"]
        assert handler["timeout"] == TIMEOUT
        assert handler["command"] == f'sh "${{CLAUDE_PLUGIN_ROOT}}/hooks/gate-hook.sh" {arg}'


def test_skill_names_the_workflow_commands() -> None:
    text = (ROOT / "skills" / "review-gate" / "SKILL.md").read_text()
    front = text.split("---")[1]
    assert "name: review-gate" in front and "description:" in front
    for command in (
        "gate new",
        "gate validate",
        "gate issue comment",
        "gate check",
        "gate dispatch",
    ):
        assert command in text


def test_claude_plugin_validate_passes() -> None:
    claude = agent_cli("claude")
    for target, extra in ((ROOT, ()), (ROOT / ".claude-plugin" / "plugin.json", ("--strict",))):
        proc = subprocess.run(
            [str(claude), "plugin", "validate", "--json", *extra, str(target)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        report = json.loads(proc.stdout[proc.stdout.index("{") :])
        assert report["success"] is True and report["manifest"]["errors"] == []


# -- hooks/gate-hook.sh ------------------------------------------------------------------


def run_hook(event: str, payload: dict[str, Any], path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", str(HOOK_SCRIPT), event],
        input=json.dumps(payload),
        env={"PATH": path},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def bash(command: str) -> dict[str, Any]:
    return {
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command},
    }


NO_GATE = "/usr/bin:/bin"  # sh, sed, tr; no review-gate


@pytest.mark.parametrize(
    "payload",
    [
        bash("gh pr create --title x"),
        bash("ls"),  # only `gate` can tell a harmless command from a PR route
        bash('echo \'"tool_name": "Write"\''),  # a tool name quoted inside the command
        {"tool_name": "mcp__github__create_pull_request", "tool_input": {"title": "x"}},
        {"tool_input": {}},  # no tool name at all
    ],
)
def test_without_gate_pr_routes_are_denied(payload: dict[str, Any]) -> None:
    assert subprocess.run(["sh", "-c", "command -v gate"], env={"PATH": NO_GATE}).returncode != 0
    proc = run_hook("pre-tool-use", payload, NO_GATE)
    assert proc.returncode == 2  # deny, in both clients
    assert "`gate` is not on PATH" in proc.stderr and "fail closed" in proc.stderr


def test_without_gate_file_edits_and_stop_only_warn() -> None:
    edit = {"tool_name": "Write", "tool_input": {"file_path": "a.py", "content": "gh pr create"}}
    proc = run_hook("pre-tool-use", edit, NO_GATE)
    assert proc.returncode == 1 and "was not checked" in proc.stderr
    stop = run_hook("stop", {"hook_event_name": "Stop"}, NO_GATE)
    assert stop.returncode == 1 and "the stop hook did not run" in stop.stderr


def test_with_gate_the_installed_gate_answers(tmp_path: Path) -> None:
    log = tmp_path / "gate.log"
    fake = tmp_path / "gate"
    fake.write_text(f'#!/bin/sh\necho "$@" > "{log}"\ncat >> "{log}"\nexit 0\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    proc = run_hook("pre-tool-use", bash("gh pr create"), f"{tmp_path}{os.pathsep}{NO_GATE}")
    assert proc.returncode == 0, proc.stderr
    args, stdin = log.read_text().split("\n", 1)
    assert args == "hook pre-tool-use"
    assert json.loads(stdin)["tool_input"]["command"] == "gh pr create"
