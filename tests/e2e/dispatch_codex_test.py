"""`gate dispatch spawn --agent codex`: the real Codex CLI as a worker, against a scripted
Responses API. It commits in its worktree, its first `gh pr create` is denied by the
gate, it posts a REVIEW with `gate issue comment`, and its second `gh pr create` goes
through; `gate dispatch status` then reports the worker completed.

What the dispatcher's wiring must get right here, and what each failure looked like:
- Codex 0.169 ignores `.codex/hooks.json` in a linked worktree, and runs a hook only
  once trusted: the hooks come as session flags with their per-run `hooks.state` hash
  (a wrong hash = a first `gh pr create` that goes through). The CODEX_HOME here trusts
  nothing, no hook and no project.
- Codex runs commands in a sandbox that protects a linked worktree's git directory, and
  that leaves only the worktree and /tmp writable: the repository lives outside /tmp so
  that the commit and the local tracker's writes prove the `--add-dir` wiring.
- A login shell's /etc/profile resets PATH: `gate` and the `gh` stub are found only
  because the worker's shell is not a login shell.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.trackers.local import LocalTracker
from tests.artifact_samples import review
from tests.e2e.conftest import RUN_TIMEOUT
from tests.e2e.standins import ResponsesStandin
from tests.fake_agents.harness import alive, wait_for
from tests.helpers import git, init_repo_with_remote, run_gate

pytestmark = pytest.mark.e2e

PR_COMMAND = 'gh pr create --title "feat: add the app (#7)" --body "Closes #7"'
COMMIT_COMMAND = (
    "printf 'print(\"hi\")\\n' > app.py && git add app.py"
    " && git commit -q -m 'feat: add the app (#7)' && git log -1 --format=%s"
)
# Outside /tmp (and outside pytest's basetemp), where Codex's sandbox may not write
# unless the dispatcher says so.
OUTSIDE_TMP = Path("/var/tmp")


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="rg-dispatch-codex-", dir=OUTSIDE_TMP)).resolve()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def gh_recorder(bin_dir: Path, log: Path) -> None:
    """A `gh` that records where it ran, for which worker, with which arguments."""
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(
        "#!/bin/sh\n"
        f'printf "%s|%s|%s\\n" "$PWD" "$REVIEW_GATE_WORKER_ID" "$*" >> "{log}"\n'
        "echo https://example.test/pull/1\n"
    )
    gh.chmod(gh.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def codex_home(tmp_path: Path, api: ResponsesStandin) -> Path:
    """A CODEX_HOME with the stand-in as provider, and no trust of any kind."""
    home = tmp_path / "codex-home"
    home.mkdir()
    (home / "config.toml").write_text(
        'model = "mock-model"\n'
        'model_provider = "mock"\n'
        "[model_providers.mock]\n"
        'name = "mock"\n'
        f'base_url = "{api.url}/v1"\n'
        'wire_api = "responses"\n'
        'env_key = "MOCK_KEY"\n'
    )
    return home


def executed(log: Path) -> list[dict[str, Any]]:
    """The commands Codex ran (a command denied by a hook never shows up)."""
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [
        e["item"]
        for e in events
        if e.get("type") == "item.completed" and e["item"].get("type") == "command_execution"
    ]


def test_spawned_codex_worker_is_gated(codex_bin: Path, workdir: Path, tmp_path: Path) -> None:
    repo, _ = init_repo_with_remote(workdir)
    LocalTracker.for_checkout(repo).create_issue("Add the app", "Print hi.", number=7)
    stub_dir, gh_log = tmp_path / "stub-bin", tmp_path / "gh-calls.log"
    gh_recorder(stub_dir, gh_log)
    body = tmp_path / "review.md"
    body.write_text(review(7))
    comment = f"gate issue comment 7 --body-file {body}"
    script = [COMMIT_COMMAND, PR_COMMAND, comment, PR_COMMAND]
    with ResponsesStandin(script) as api:
        env = {
            "PATH": f"{stub_dir}{os.pathsep}{os.environ['PATH']}",
            "REVIEW_GATE_CODEX": str(codex_bin),
            "CODEX_HOME": str(codex_home(tmp_path, api)),
            "MOCK_KEY": "standin-key",
        }
        proc = run_gate(
            "dispatch", "spawn", "--issue", "7", "--agent", "codex", "--format", "json",
            cwd=repo, env=env,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        spawned = json.loads(proc.stdout)
        try:
            assert spawned["argv"][:3] == [str(codex_bin), "exec", "--json"]
            wait_for(lambda: not alive(spawned["pid"]), timeout=RUN_TIMEOUT, what="codex to exit")
        finally:
            if alive(spawned["pid"]):
                run_gate("dispatch", "stop", "--issue", "7", "--grace", "2", cwd=repo)
        requests = list(api.texts())
        steps_used = api.steps_used
    log = Path(spawned["log"])
    worktree = Path(spawned["worktree"])
    ran = executed(log)
    tail = log.read_text()[-3000:]
    # The commit, the review and the second PR ran, each with success; the first PR
    # was denied before it ran.
    assert steps_used == len(script), tail
    assert len(ran) == 3, (ran, tail)
    assert [item["exit_code"] for item in ran] == [0, 0, 0], (ran, tail)
    assert (
        "git commit" in ran[0]["command"]
        and "feat: add the app (#7)" in ran[0]["aggregated_output"]
    )
    assert comment in ran[1]["command"] and "gh pr create" in ran[2]["command"]
    assert git(worktree, "log", "-1", "--format=%s").strip() == "feat: add the app (#7)"
    blocked = [r for r in requests if "Command blocked by PreToolUse hook" in r]
    assert len(blocked) >= 1 and "issue #7 has no valid review" in blocked[0]
    # gh ran once, after the review: in the worktree, as the worker, with the argv intact
    argv = "pr create --title feat: add the app (#7) --body Closes #7"
    assert gh_log.read_text().splitlines() == [f"{worktree}|{spawned['worker_id']}|{argv}"]
    # nothing of Codex's wiring was left in the worktree: it all came on the command line
    assert not (worktree / ".codex").exists()
    assert git(worktree, "status", "--porcelain") == ""
    status = run_gate("dispatch", "status", "--issue", "7", "--format", "json", cwd=repo)
    assert status.returncode == 0, status.stderr
    [worker] = json.loads(status.stdout)["workers"]
    assert worker["state"] == "completed" and worker["worker_id"] == spawned["worker_id"]
