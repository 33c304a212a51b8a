"""review-gate's state under ``<git common dir>/review-gate/`` — the local tracker's
database, the dispatcher's worker records (a worker's role), budgets and audit log — is
one of the gate's own files: in a gated checkout an agent's write to it, by any route the
hook can see, is denied (a row written into the tracker would be a REVIEW nobody posted),
while reading it and `gate` commands that write it are left alone. Generated as
targets x routes, in a real worker checkout and a real linked worktree of it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.hooks.agent import decide_pre_tool_use
from tests.helpers import GIT_ENV, git
from tests.shell_cases import hook_reason, protected_checkout

TARGETS = [
    "tracker.sqlite3",
    "tracker.sqlite3-journal",
    "workers/worker-1-7-abc123.json",
    "budgets/worker-1-7-abc123/calls.s1",
    "audit.jsonl",
    "orchestrators/orch-20261203-1-ab12.json",
    "",  # the directory itself
]
WRITES = [
    "echo x > {p}",
    "printf '%s' x >> {p}",
    "cp /tmp/forged.sqlite3 {p}",
    "mv {p} /tmp/gone",
    "rm -f {p}",
    "rm -rf {p}",
    "tee -a {p} < /dev/null",
    "sed -i 's/role/x/' {p}",
    "truncate -s 0 {p}",
    "python3 -c \"open('{p}', 'w').write('x')\"",
    "ln -sf /tmp/other {p}",
    "chmod 000 {p}",
]
_FIXTURE = HealthCheck.function_scoped_fixture
READS = ["cat {p}", "ls -la {p}", "grep -c x {p}", "wc -l {p}", "head -n 3 {p}"]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("state")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        repo, environ = protected_checkout(root)
        state = repo / ".git" / "review-gate"
        for rel in TARGETS:
            if rel:
                (state / rel).parent.mkdir(parents=True, exist_ok=True)
                (state / rel).write_text("{}\n")
        yield repo, environ


def _spelled(repo: Path, rel: str, style: str) -> str:
    state = repo / ".git" / "review-gate"
    full = state / rel if rel else state
    if style == "relative":
        return str(full.relative_to(repo))
    if style == "absolute":
        return str(full)
    return f"$(git rev-parse --git-common-dir)/review-gate/{rel}"


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(TARGETS),
    st.sampled_from(WRITES),
    st.sampled_from(["relative", "absolute", "computed"]),
)
def test_writes_to_the_state_are_denied(
    checkout: tuple[Path, dict[str, str]], rel: str, write: str, style: str
) -> None:
    repo, environ = checkout
    command = write.format(p=_spelled(repo, rel, style))
    reason = hook_reason(command, repo, environ)
    assert reason is not None, command
    assert "state" in reason or "computed at run time" in reason or "git directory" in reason


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from([t for t in TARGETS if t]), st.sampled_from(READS))
def test_reading_the_state_is_left_alone(
    checkout: tuple[Path, dict[str, str]], rel: str, read: str
) -> None:
    repo, environ = checkout
    command = read.format(p=_spelled(repo, rel, "relative"))
    assert hook_reason(command, repo, environ) is None, command


@pytest.mark.parametrize(
    "command",
    [
        "gate issue comment 7 --body-file /tmp/review.md",
        "gate dispatch status --issue 7",
        "gate new review --issue 7 > /tmp/review.md",
    ],
)
def test_gate_commands_that_write_the_state_are_left_alone(
    checkout: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, environ = checkout
    assert hook_reason(command, repo, environ) is None


@pytest.mark.parametrize("tool", ["Write", "Edit"])
@pytest.mark.parametrize("rel", ["tracker.sqlite3", "workers/worker-1-7-abc123.json"])
def test_file_tools_on_the_state_from_a_linked_worktree_are_denied(
    checkout: tuple[Path, dict[str, str]], tmp_path: Path, tool: str, rel: str
) -> None:
    """From a worker's worktree the state is in the main checkout's git directory (the
    common dir), which is where the dispatcher keeps it."""
    repo, environ = checkout
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-B", "feature/8-other", str(worktree))
    try:
        target = repo / ".git" / "review-gate" / rel
        tool_input = {"file_path": str(target), "content": "x"}
        if tool == "Edit":
            tool_input = {"file_path": str(target), "old_string": "{}", "new_string": "x"}
        payload = {"hook_event_name": "PreToolUse", "cwd": str(worktree),
                   "tool_name": tool, "tool_input": tool_input}  # fmt: skip
        reason = decide_pre_tool_use(json.dumps(payload).encode(), environ)
        assert reason is not None and "state" in reason, reason
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=repo,
                       check=False, capture_output=True)  # fmt: skip
