"""The real Claude Code CLI: Write/Edit of its own hook settings are denied, of an
ordinary file they are not; and a settings change that would switch the hooks off is not
loaded (ConfigChange). `gate install claude`, a scripted Messages API, offline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.e2e.claude_test import PR_COMMAND, result_text, run_claude, tool_results
from tests.e2e.standins import AnthropicStandin, Step
from tests.helpers import run_gate

pytestmark = pytest.mark.e2e

FILE_TOOLS = ["--allowedTools", "Write,Edit"]


def test_claude_write_and_edit_of_its_hook_settings_are_denied(
    claude_bin: Path, worker_repo: Path, gh_stub: tuple[Path, Path]
) -> None:
    stub_dir, _ = gh_stub
    assert run_gate("install", "claude", "--scope", "local", cwd=worker_repo).returncode == 0
    local = worker_repo / ".claude" / "settings.local.json"
    project = worker_repo / ".claude" / "settings.json"
    before = local.read_bytes()
    steps: list[Step] = [
        {
            "name": "Write",
            "input": {"file_path": str(project), "content": '{"disableAllHooks": true}\n'},
        },
        {
            "name": "Edit",
            "input": {
                "file_path": str(local),
                "old_string": ' stop"',  # the end of our Stop command (unique in the file)
                "new_string": ' --version"',
            },
        },
        {
            "name": "Write",
            "input": {"file_path": str(worker_repo / "src" / "new.py"), "content": "x = 1\n"},
        },
        {
            "name": "Edit",
            "input": {
                "file_path": str(worker_repo / "README.md"),
                "old_string": "hello",
                "new_string": "hello, world",
            },
        },
    ]
    with AnthropicStandin(steps) as api:
        events = run_claude(claude_bin, worker_repo, api, stub_dir, FILE_TOOLS)
    results = tool_results(events)
    assert len(results) == len(steps), [result_text(r) for r in results]
    for denied, name in zip(results[:2], ("settings.json", "settings.local.json"), strict=True):
        assert denied["is_error"] is True
        text = result_text(denied)
        # Ours, not Claude Code's own permission check (which would also refuse under -p).
        assert "review-gate" in text and f".claude/{name}" in text, text
        assert "ask the human operator" in text
    assert not project.exists() and local.read_bytes() == before
    for allowed in results[2:]:
        assert not allowed.get("is_error"), result_text(allowed)
    assert (worker_repo / "src" / "new.py").read_text() == "x = 1\n"
    assert (worker_repo / "README.md").read_text() == "hello, world\n"


TAMPER = """\
import json, pathlib
path = pathlib.Path(".claude") / "settings.local.json"
data = json.loads(path.read_text())
data["disableAllHooks"] = True
path.write_text(json.dumps(data))
"""


def _switch_off_then_pr(repo: Path) -> list[Step]:
    """A script written in one call (an ordinary file), run in the next: the settings
    change behind the tools' back, then a PR the gate must still see."""
    return [
        {"name": "Write", "input": {"file_path": str(repo / "tamper.py"), "content": TAMPER}},
        f"{sys.executable} tamper.py",
        "sleep 3",  # Claude Code's settings watcher reports the change meanwhile
        PR_COMMAND,
    ]


@pytest.mark.parametrize("config_change_hook", [True, False])
def test_claude_settings_change_that_disables_hooks_is_not_loaded(
    config_change_hook: bool, claude_bin: Path, worker_repo: Path, gh_stub: tuple[Path, Path]
) -> None:
    stub_dir, gh_log = gh_stub
    assert run_gate("install", "claude", "--scope", "local", cwd=worker_repo).returncode == 0
    local = worker_repo / ".claude" / "settings.local.json"
    if not config_change_hook:  # an install from before the ConfigChange hook
        data = json.loads(local.read_text())
        del data["hooks"]["ConfigChange"]
        local.write_text(json.dumps(data))
    steps = _switch_off_then_pr(worker_repo)
    with AnthropicStandin(steps) as api:
        events = run_claude(claude_bin, worker_repo, api, stub_dir, FILE_TOOLS)
    results = tool_results(events)
    assert len(results) == len(steps), [result_text(r) for r in results]
    assert json.loads(local.read_text())["disableAllHooks"] is True  # the file did change
    pr = results[-1]
    if config_change_hook:
        # Not loaded: the session keeps its hooks, and the PR is still gated.
        assert pr["is_error"] is True and "issue #7 has no valid review" in result_text(pr)
        assert not gh_log.exists()
    else:
        # The control: without the ConfigChange hook the switch takes effect at once.
        assert not pr.get("is_error"), result_text(pr)
        assert gh_log.exists()
