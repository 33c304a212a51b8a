"""The repository's plugin installed into the real Claude Code from a local directory.

`claude plugin marketplace add DIR` + `claude plugin install review-gate@review-gate`, as
a user would (no `gate install claude`): the plugin's own hooks/hooks.json runs the
installed `gate`, which denies `gh pr create` while issue 7 has no review. With no `gate`
on PATH the plugin's hook still denies the call (fail closed), naming what to install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.claude_test import PR_COMMAND, result_text, tool_results
from tests.e2e.conftest import RUN_TIMEOUT
from tests.e2e.standins import AnthropicStandin

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
#: What the plugin consists of (the rest of the repository is not needed to run it).
PLUGIN_PARTS = (".claude-plugin", ".codex-plugin", "hooks", "skills", "README.md")


def plugin_copy(tmp_path: Path) -> Path:
    """The plugin's files, as a clone holds them, without the virtualenv or node_modules."""
    target = tmp_path / "review-gate-plugin"
    target.mkdir()
    for part in PLUGIN_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            shutil.copy2(source, target / part)
    return target


def claude_cli(claude: Path, *args: str, cwd: Path) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], "DISABLE_TELEMETRY": "1"}
    env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1"
    proc = subprocess.run(
        [str(claude), "plugin", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def install_plugin(claude: Path, tmp_path: Path, cwd: Path) -> None:
    source = plugin_copy(tmp_path)
    claude_cli(claude, "marketplace", "add", str(source), cwd=cwd)
    claude_cli(claude, "install", "review-gate@review-gate", cwd=cwd)
    assert "review-gate@review-gate" in claude_cli(claude, "list", cwd=cwd)


def run_claude_on_path(
    claude: Path, repo: Path, api: AnthropicStandin, path: str
) -> list[dict[str, Any]]:
    """``claude -p`` with exactly ``path`` as PATH (tests/e2e/claude_test.py's environment)."""
    env = {
        "PATH": path,
        "HOME": os.environ["HOME"],  # a temporary directory (tests/conftest.py)
        "ANTHROPIC_BASE_URL": api.url,
        "ANTHROPIC_API_KEY": "standin-key",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
    }
    args = ["-p", "open the pull request", "--allowedTools", "Bash"]
    proc = subprocess.run(
        [str(claude), *args, "--output-format", "stream-json", "--verbose"],
        cwd=repo,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def test_plugin_hook_denies_gh_pr_create(
    claude_bin: Path, worker_repo: Path, gh_stub: tuple[Path, Path], tmp_path: Path
) -> None:
    stub_dir, gh_log = gh_stub
    install_plugin(claude_bin, tmp_path, worker_repo)
    gate_dir = Path(sys.executable).parent  # where `gate` is installed
    assert (gate_dir / "gate").exists()
    assert not (worker_repo / ".claude").exists()  # no `gate install claude`: the plugin only

    with AnthropicStandin([PR_COMMAND]) as api:
        path = os.pathsep.join([str(stub_dir), str(gate_dir), os.environ["PATH"]])
        events = run_claude_on_path(claude_bin, worker_repo, api, path)
    [result] = tool_results(events)
    assert result["is_error"] is True
    text = result_text(result)
    assert "issue #7 has no valid review" in text and "gate new review --issue 7" in text
    assert not gh_log.exists()


def test_plugin_hook_fails_closed_without_gate(
    claude_bin: Path, worker_repo: Path, gh_stub: tuple[Path, Path], tmp_path: Path
) -> None:
    stub_dir, gh_log = gh_stub
    install_plugin(claude_bin, tmp_path, worker_repo)
    # PATH without review-gate's virtualenv: `gate` cannot be found.
    bare = [p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "gate").exists()]
    env_path = os.pathsep.join([str(stub_dir), *bare])
    assert shutil.which("gate", path=env_path) is None

    with AnthropicStandin([PR_COMMAND]) as api:
        events = run_claude_on_path(claude_bin, worker_repo, api, env_path)
    [result] = tool_results(events)
    assert result["is_error"] is True
    text = result_text(result)
    assert "`gate` is not on PATH" in text and "fail closed" in text
    assert not gh_log.exists()
