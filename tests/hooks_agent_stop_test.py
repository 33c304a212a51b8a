"""``gate hook stop``: blocks while a gated checkout holds unreviewed work, bounded per session."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from review_gate import git as git_lib
from review_gate.trackers.local import LocalTracker
from tests.artifact_samples import handover
from tests.helpers import commit_file, git, init_repo_with_remote, run_gate, set_base_config
from tests.hooks_agent_test import check_output, hook, post_review


def stop_input(cwd: Path, *, session: str = "sess-1", active: bool = False, **extra: Any) -> str:
    return json.dumps(
        {
            "session_id": session,
            "transcript_path": None,
            "cwd": str(cwd),
            "hook_event_name": "Stop",
            "model": "mock-model",
            "permission_mode": "bypassPermissions",
            "stop_hook_active": active,
            "last_assistant_message": "done",
            "turn_id": "t1",
            **extra,
        }
    )


def run_stop(cwd: Path, mp: pytest.MonkeyPatch, cap: pytest.CaptureFixture[str], **kw: Any) -> Any:
    return hook("stop", stop_input(cwd, **kw), mp, cap)


@pytest.fixture
def worker(tmp_path: Path) -> Path:
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    LocalTracker.for_checkout(repo).create_issue("Add the app", number=7)
    return repo


def commit_at(repo: Path, date: str, rel: str = "src/app.py") -> None:
    """Commit with a fixed committer date (HANDOVERs must be newer than the last commit)."""
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(date + "\n")
    git(repo, "add", rel)
    old = os.environ.get("GIT_COMMITTER_DATE")
    os.environ["GIT_COMMITTER_DATE"] = date
    try:
        git(repo, "commit", "-q", "-m", f"feat: {rel}")
    finally:
        if old is None:
            del os.environ["GIT_COMMITTER_DATE"]
        else:
            os.environ["GIT_COMMITTER_DATE"] = old


def test_clean_tree_nothing_ahead_lets_it_stop(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = run_stop(worker, monkeypatch, capsys)
    assert answer is not None and "decision" not in answer
    assert "nothing to review" in answer["systemMessage"]


@pytest.mark.parametrize("work", ["commit", "dirty", "untracked"])
def test_blocks_unreviewed_work(
    work: str, worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if work == "commit":
        commit_file(worker, "src/app.py")
    elif work == "dirty":
        (worker / "README.md").write_text("changed\n")
    else:
        (worker / "new.txt").write_text("new\n")
    answer = run_stop(worker, monkeypatch, capsys)
    assert answer["decision"] == "block"
    assert "issue #7" in answer["reason"]
    assert "gate new review --issue 7" in answer["reason"]
    assert "block 1 of at most 3" in answer["reason"]


def test_our_own_local_settings_are_not_work(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (worker / ".claude").mkdir()
    (worker / ".claude" / "settings.local.json").write_text("{}\n")
    answer = run_stop(worker, monkeypatch, capsys)
    assert "nothing to review" in answer["systemMessage"]


def test_valid_review_lets_it_stop_silently(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_file(worker, "src/app.py")
    post_review(worker)
    assert run_stop(worker, monkeypatch, capsys) is None


def test_block_limit_per_session(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_file(worker, "src/app.py")
    for n in (1, 2, 3):
        answer = run_stop(worker, monkeypatch, capsys, active=n > 1)
        assert answer["decision"] == "block", n
        assert f"block {n} of at most 3" in answer["reason"]
    answer = run_stop(worker, monkeypatch, capsys, active=True)
    assert "decision" not in answer
    assert "already blocked 3 time(s)" in answer["systemMessage"]
    # The count is per session: another session starts again.
    assert run_stop(worker, monkeypatch, capsys, session="sess-2")["decision"] == "block"
    record = json.loads((git_lib.state_dir(worker) / "stop-blocks" / "sess-1.json").read_text())
    assert record["blocks"] == 3 and record["session_id"] == "sess-1"


def test_stop_hook_active_counts_even_without_a_record(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_file(worker, "src/app.py")
    set_base_config(worker, "max_stop_blocks = 1\n")
    answer = run_stop(worker, monkeypatch, capsys, active=True)
    assert "already blocked 1 time(s)" in answer["systemMessage"]


def test_max_stop_blocks_zero_never_blocks(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_file(worker, "src/app.py")
    set_base_config(worker, "max_stop_blocks = 0\n")
    assert run_stop(worker, monkeypatch, capsys) is None


def test_the_environment_cannot_switch_the_stop_hook_off(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_file(worker, "src/app.py")
    (worker / ".review-gate.toml").write_text("max_stop_blocks = 0\n")  # the agent's edit
    assert run_stop(worker, monkeypatch, capsys)["decision"] == "block"
    monkeypatch.setenv("REVIEW_GATE_MAX_STOP_BLOCKS", "0")
    answer = run_stop(worker, monkeypatch, capsys)
    assert answer["decision"] == "block"
    assert "REVIEW_GATE_MAX_STOP_BLOCKS" in answer["reason"]
    assert "issue #7 has unreviewed work" in answer["reason"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REVIEW_GATE_MAX_STOP_BLOCKS", "0"),
        ("REVIEW_GATE_PROTECT", "false"),
        ("REVIEW_GATE_TRUST_REVIEW", "NONE"),
        ("REVIEW_GATE_WORKER_BRANCH_PATTERN", "^nothing/(\\d+)"),
        ("REVIEW_GATE_BASE_BRANCH", "feature/7-x"),
        ("REVIEW_GATE_ON_UNREACHABLE", "allow"),
    ],
)
def test_a_refused_variable_neither_lets_unreviewed_work_stop_nor_blocks_reviewed_work(
    variable: str,
    value: str,
    worker: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    commit_file(worker, "src/app.py")
    monkeypatch.setenv(variable, value)
    answer = run_stop(worker, monkeypatch, capsys)
    assert answer["decision"] == "block" and variable in answer["reason"], answer
    post_review(worker, 7)
    answer = run_stop(worker, monkeypatch, capsys)
    assert "decision" not in answer and variable in answer["systemMessage"], answer


def test_handover_newer_than_last_commit_lets_it_stop(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_at(worker, "2020-01-01T00:00:00Z")
    LocalTracker.for_checkout(worker).post_comment(7, handover(7), association="OWNER")
    answer = run_stop(worker, monkeypatch, capsys)
    assert "decision" not in answer
    assert "HANDOVER" in answer["systemMessage"]


def test_handover_older_than_last_commit_does_not(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_at(worker, "2020-01-01T00:00:00Z")
    LocalTracker.for_checkout(worker).post_comment(7, handover(7), association="OWNER")
    commit_at(worker, "2099-01-01T00:00:00Z", "src/later.py")  # work after the handover
    assert run_stop(worker, monkeypatch, capsys)["decision"] == "block"


def test_untrusted_handover_does_not_count(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_at(worker, "2020-01-01T00:00:00Z")
    LocalTracker.for_checkout(worker).post_comment(
        7, handover(7), author="drive-by", association="NONE"
    )
    assert run_stop(worker, monkeypatch, capsys)["decision"] == "block"


def test_ungated_checkout_is_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "topic")
    commit_file(repo, "a.txt")
    assert run_stop(repo, monkeypatch, capsys) is None
    assert run_stop(tmp_path, monkeypatch, capsys) is None  # not a git checkout at all


@pytest.mark.parametrize("stdin", [b"", b"nope", b"[]", b"\x00\x01"])
def test_malformed_stop_input_never_blocks(
    stdin: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    answer = hook("stop", stdin, monkeypatch, capsys)
    assert answer is not None and "not blocking" in answer["systemMessage"]


def test_tracker_unreachable_blocks_counted(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    commit_file(worker, "src/app.py")
    set_base_config(worker, "tracker = 'github'\nrepo = 'o/r'\napi_url = 'http://127.0.0.1:9'\n")
    monkeypatch.setenv("REVIEW_GATE_RETRIES", "0")
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("GH_TOKEN", "x")
    answer = run_stop(worker, monkeypatch, capsys)
    assert answer["decision"] == "block" and "cannot be verified" in answer["reason"]


def test_installed_gate_stop(worker: Path) -> None:
    commit_file(worker, "src/app.py")
    proc = run_gate("hook", "stop", cwd=worker, stdin=stop_input(worker))
    assert proc.returncode == 0, proc.stderr
    answer = check_output("stop", proc.stdout)
    assert answer is not None and answer["decision"] == "block"
