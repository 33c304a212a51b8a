"""The real Codex CLI, wired with `gate install codex`, against a scripted Responses API.

Codex runs a hook only once it is trusted; these runs trust ours per run with
``-c hooks.state=...`` computed by review-gate (codex_trust_args), so a wrong
trusted_hash would show up here as a hook that never ran and a PR that went through.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from review_gate.install.agents import codex_trust_args
from tests.e2e.conftest import RUN_TIMEOUT, post_review
from tests.e2e.standins import ResponsesStandin
from tests.helpers import run_gate

pytestmark = pytest.mark.e2e

PR_COMMAND = 'gh pr create --title x --body "Closes #7"'


def codex_home(
    tmp_path: Path, api: ResponsesStandin, project: Path, model: str = "mock-model"
) -> Path:
    """A CODEX_HOME whose config points Codex at the stand-in. ``model`` picks the tools
    Codex offers: a model of its catalog (``gpt-5.5``) gets the freeform ``apply_patch``
    tool, an unknown one (``mock-model``) only the shell."""
    home = tmp_path / "codex-home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(
        f'model = "{model}"\n'
        'model_provider = "mock"\n'
        "[model_providers.mock]\n"
        'name = "mock"\n'
        f'base_url = "{api.url}/v1"\n'
        'wire_api = "responses"\n'
        'env_key = "MOCK_KEY"\n'
        f'[projects."{project}"]\n'
        'trust_level = "trusted"\n'
    )
    return home


def run_codex(
    codex: Path,
    repo: Path,
    api: ResponsesStandin,
    home: Path,
    path_prefix: Path,
    trust: list[str],
) -> list[dict[str, Any]]:
    # Codex runs commands with `bash -lc`, and /etc/profile resets PATH: put the gh stub
    # back in front from the (temporary) home's login profile.
    home_dir = Path(os.environ["HOME"])
    (home_dir / ".bash_profile").write_text(f'export PATH="{path_prefix}:$PATH"\n')
    env = {
        "PATH": f"{path_prefix}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ["HOME"],
        "CODEX_HOME": str(home),
        "MOCK_KEY": "standin-key",
    }
    proc = subprocess.run(
        [
            str(codex),
            "exec",
            *trust,
            "--skip-git-repo-check",
            "--dangerously-bypass-approvals-and-sandbox",
            "--json",
            "open the pull request",
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


def executed(events: list[dict[str, Any]]) -> list[str]:
    return [
        e["item"]["command"]
        for e in events
        if e.get("type") == "item.completed" and e["item"].get("type") == "command_execution"
    ]


def test_codex_pr_gated_by_review(
    codex_bin: Path, worker_repo: Path, gh_stub: tuple[Path, Path], tmp_path: Path
) -> None:
    stub_dir, gh_log = gh_stub
    with ResponsesStandin([PR_COMMAND]) as api:
        home = codex_home(tmp_path, api, worker_repo)
        proc = run_gate(
            "install", "codex", "--scope", "local", cwd=worker_repo, env={"CODEX_HOME": str(home)}
        )
        assert proc.returncode == 0, proc.stderr
        trust = codex_trust_args(worker_repo / ".codex" / "hooks.json")
        events = run_codex(codex_bin, worker_repo, api, home, stub_dir, trust)
        requests = list(api.texts())
    # Denied: the command never ran, the model was told why.
    assert executed(events) == []
    assert not gh_log.exists()
    blocked = [r for r in requests if "Command blocked by PreToolUse hook" in r]
    assert blocked and "issue #7 has no valid review" in blocked[0]
    # The Stop hook kept the agent going (Codex has no loop limit of its own: ours ended
    # it after max_stop_blocks = 3), and the model saw the reason each time.
    stop_feedback = [r for r in requests if "do not stop yet" in r]
    assert len(stop_feedback) == 3

    post_review(worker_repo, tmp_path)
    with ResponsesStandin([PR_COMMAND]) as api:
        home = codex_home(tmp_path, api, worker_repo)
        events = run_codex(codex_bin, worker_repo, api, home, stub_dir, trust)
        requests = list(api.texts())
    assert any("gh pr create" in c for c in executed(events))
    assert gh_log.read_text().splitlines() == ["pr create --title x --body Closes #7"]
    assert not any("do not stop yet" in r for r in requests)


def test_codex_skips_untrusted_hooks(
    codex_bin: Path, worker_repo: Path, gh_stub: tuple[Path, Path], tmp_path: Path
) -> None:
    """Why `gate doctor` checks trust: without it Codex silently runs the command."""
    stub_dir, gh_log = gh_stub
    with ResponsesStandin([PR_COMMAND]) as api:
        home = codex_home(tmp_path, api, worker_repo)
        assert (
            run_gate("install", "codex", cwd=worker_repo, env={"CODEX_HOME": str(home)}).returncode
            == 0
        )
        run_codex(codex_bin, worker_repo, api, home, stub_dir, trust=[])
    assert gh_log.exists()
    doctor = run_gate("doctor", "--format", "json", cwd=worker_repo, env={"CODEX_HOME": str(home)})
    codex = [f for f in json.loads(doctor.stdout)["findings"] if f["area"] == "codex"]
    assert any(not f["ok"] and "not trusted" in f["message"] for f in codex)
