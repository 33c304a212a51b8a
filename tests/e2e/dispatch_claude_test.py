"""`gate dispatch spawn --agent claude`: the real Claude Code CLI as a worker, against a
scripted API. Its first `gh pr create` is denied by the gate wired into the worktree,
it posts a REVIEW with `gate issue comment`, and its second `gh pr create` goes through
— workers come wired to the gates."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from review_gate.trackers.local import LocalTracker
from tests.artifact_samples import review
from tests.e2e.conftest import RUN_TIMEOUT
from tests.e2e.standins import AnthropicStandin
from tests.fake_agents.harness import alive, wait_for
from tests.helpers import init_repo_with_remote, run_gate

pytestmark = pytest.mark.e2e

PR_COMMAND = 'gh pr create --title "feat: add the app (#7)" --body "Closes #7"'


def test_spawned_claude_worker_is_gated(
    claude_bin: Path, gh_stub: tuple[Path, Path], tmp_path: Path
) -> None:
    stub_dir, gh_log = gh_stub
    repo, _ = init_repo_with_remote(tmp_path)
    LocalTracker.for_checkout(repo).create_issue("Add the app", "Print hi.", number=7)
    body = tmp_path / "review.md"
    body.write_text(review(7))
    script = [PR_COMMAND, f"gate issue comment 7 --body-file {body}", PR_COMMAND]
    with AnthropicStandin(script) as api:
        env = {
            "PATH": f"{stub_dir}{os.pathsep}{os.environ['PATH']}",
            "REVIEW_GATE_CLAUDE": str(claude_bin),
            "ANTHROPIC_BASE_URL": api.url,
            "ANTHROPIC_API_KEY": "standin-key",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
        }
        proc = run_gate(
            "dispatch", "spawn", "--issue", "7", "--agent", "claude", "--format", "json",
            cwd=repo, env=env,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        spawned = json.loads(proc.stdout)
        assert spawned["argv"][0] == str(claude_bin) and spawned["argv"][1] == "-p"
        wait_for(lambda: not alive(spawned["pid"]), timeout=RUN_TIMEOUT, what="claude to exit")
        requests = list(api.texts())
    events = [
        json.loads(line)
        for line in Path(spawned["log"]).read_text().splitlines()
        if line.startswith("{")
    ]
    results = [
        block
        for event in events
        if event.get("type") == "user"
        for block in event["message"]["content"]
        if isinstance(block, dict) and block.get("type") == "tool_result"
    ]
    assert len(results) == 3, results
    denied, posted, created = results
    assert denied["is_error"] is True and "issue #7 has no valid review" in json.dumps(denied)
    assert posted["is_error"] is False
    assert created["is_error"] is False
    # gh ran once: the second call, after the review; it ran inside the worktree
    assert gh_log.read_text().splitlines() == [
        "pr create --title feat: add the app (#7) --body Closes #7"
    ]
    assert any("no valid review" in r for r in requests)
    status = run_gate("dispatch", "status", "--issue", "7", "--format", "json", cwd=repo)
    [worker] = json.loads(status.stdout)["workers"]
    assert worker["state"] == "completed" and worker["worker_id"] == spawned["worker_id"]
