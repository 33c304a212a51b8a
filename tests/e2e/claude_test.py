"""The real Claude Code CLI, wired with `gate install claude`, against a scripted API.

Denied `gh pr create` while issue 7 has no valid review (the model sees our reason as
an error tool result), allowed once a valid review of HEAD is posted (the `gh` stub
records the call), and the Stop hook's block reaches the model as "Stop hook feedback".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import RUN_TIMEOUT, post_review
from tests.e2e.standins import AnthropicStandin
from tests.helpers import run_gate

pytestmark = pytest.mark.e2e

PR_COMMAND = 'gh pr create --title x --body "Closes #7"'


def run_claude(
    claude: Path,
    repo: Path,
    api: AnthropicStandin,
    path_prefix: Path,
    extra: Sequence[str] = (),
) -> list[dict[str, Any]]:
    env = {
        "PATH": f"{path_prefix}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ["HOME"],  # a temporary directory (tests/conftest.py)
        "ANTHROPIC_BASE_URL": api.url,
        "ANTHROPIC_API_KEY": "standin-key",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
    }
    proc = subprocess.run(
        [
            str(claude),
            "-p",
            "open the pull request",
            "--allowedTools",
            "Bash",
            "--output-format",
            "stream-json",
            "--verbose",
            *extra,
        ],
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


def tool_results(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        block
        for event in events
        if event.get("type") == "user"
        for block in event["message"]["content"]
        if isinstance(block, dict) and block.get("type") == "tool_result"
    ]


def result_text(block: dict[str, Any]) -> str:
    content = block["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content)
    return str(content)


def test_claude_pr_gated_by_review(
    claude_bin: Path, worker_repo: Path, gh_stub: tuple[Path, Path], tmp_path: Path
) -> None:
    stub_dir, gh_log = gh_stub
    proc = run_gate("install", "claude", "--scope", "local", cwd=worker_repo)
    assert proc.returncode == 0, proc.stderr

    # 1. No review: the hook denies the call, the model gets our reason, gh never runs.
    with AnthropicStandin([PR_COMMAND]) as api:
        events = run_claude(claude_bin, worker_repo, api, stub_dir)
        requests = list(api.texts())
    [result] = tool_results(events)
    assert result["is_error"] is True
    text = result_text(result)
    assert "review-gate" in text and "issue #7 has no valid review" in text
    assert "gate new review --issue 7" in text
    assert not gh_log.exists()
    # The Stop hook blocked (unreviewed commit ahead of main) and Claude told the model;
    # after max_stop_blocks (3) blocks it let the session end.
    feedback = [r for r in requests if "Stop hook feedback" in r]
    assert feedback and "issue #7" in feedback[0]
    assert len(feedback) == 3

    # 2. A valid review of HEAD: the same call goes through and the stub records it.
    post_review(worker_repo, tmp_path)
    with AnthropicStandin([PR_COMMAND]) as api:
        events = run_claude(claude_bin, worker_repo, api, stub_dir)
        requests = list(api.texts())
    [result] = tool_results(events)
    assert result["is_error"] is False, result_text(result)
    assert gh_log.read_text().splitlines() == ["pr create --title x --body Closes #7"]
    assert not any("Stop hook feedback" in r for r in requests)


def test_claude_mcp_create_pull_request_gated(
    claude_bin: Path, worker_repo: Path, gh_stub: tuple[Path, Path], tmp_path: Path
) -> None:
    """A real MCP server's create_pull_request: matched by the installed matcher, denied
    without a review (the server never sees the call), let through with one."""
    stub_dir, _ = gh_stub
    assert run_gate("install", "claude", "--scope", "local", cwd=worker_repo).returncode == 0
    calls = tmp_path / "mcp-calls.log"
    server = Path(__file__).with_name("mcp_standin.py")
    mcp_config = json.dumps(
        {"mcpServers": {"github": {"command": sys.executable, "args": [str(server), str(calls)]}}}
    )
    tool = "mcp__github__create_pull_request"
    call = {
        "name": tool,
        "input": {
            "owner": "o",
            "repo": "r",
            "title": "x",
            "head": "feature/7-x",
            "base": "main",
            "body": "Closes #7",
        },
    }
    extra = ["--mcp-config", mcp_config, "--strict-mcp-config", "--allowedTools", tool]

    with AnthropicStandin([call]) as api:
        events = run_claude(claude_bin, worker_repo, api, stub_dir, extra)
    [result] = tool_results(events)
    assert result["is_error"] is True
    assert "issue #7 has no valid review" in result_text(result), result_text(result)
    assert not calls.exists()

    post_review(worker_repo, tmp_path)
    with AnthropicStandin([call]) as api:
        events = run_claude(claude_bin, worker_repo, api, stub_dir, extra)
    [result] = tool_results(events)
    assert not result.get("is_error"), result_text(result)
    assert json.loads(calls.read_text())["body"] == "Closes #7"
