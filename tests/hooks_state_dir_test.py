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
#: A worker's budget counter as the dispatcher keeps it: removing one resets the count.
BUDGET_FILES = [
    "budgets/worker-1-7-abc123/calls.s1",
    "budgets/worker-1-7-abc123/high-water",
    "budgets/worker-1-7-abc123/limits.json",
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
        for rel in [*TARGETS, *BUDGET_FILES]:
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


# --- programs the shell analysis does not know, and `find` ---------------------------------

#: Programs not known as writers or readers: given a path in the state they may change it.
UNKNOWN_WRITES = [
    "sqlite3 {p} \"update comments set author='reviewer'\"",
    "sqlite3 -batch {p} .dump",
    'python3 -m sqlite3 {p} "delete from comments"',
    "sort -o {p} /tmp/y",
    "sort --output={p} /tmp/y",
    "mytool --db={p}",
    "./scripts/fix.sh {p}",
    "awk '{{print > FILENAME}}' {p}",
    "env sqlite3 {p} vacuum",
]
KNOWN_READS = ["jq . {p}", "sort {p}", "stat {p}", "file {p}", "md5sum {p}", "tail -n 2 {p}"]


@settings(max_examples=80, deadline=None, suppress_health_check=[_FIXTURE])
@given(
    st.sampled_from([t for t in TARGETS if t] + BUDGET_FILES),
    st.sampled_from(UNKNOWN_WRITES),
    st.sampled_from(["relative", "absolute"]),
)
def test_unknown_programs_given_the_state_are_denied(
    checkout: tuple[Path, dict[str, str]], rel: str, write: str, style: str
) -> None:
    repo, environ = checkout
    command = write.format(p=_spelled(repo, rel, style))
    reason = hook_reason(command, repo, environ)
    assert reason is not None and "state" in reason, (command, reason)


@pytest.mark.parametrize(
    "command",
    [
        "cd .git/review-gate && sqlite3 tracker.sqlite3 .dump",
        'sqlite3 "$(git rev-parse --git-path review-gate)/tracker.sqlite3" .dump',
        "sqlite3 .git/review-*/tracker.sqlite3 .dump",
        "ls .git/review-gate/budgets/*/* | xargs unknown-tool",
        "timeout 5 sqlite3 .git/review-gate/tracker.sqlite3 vacuum",
    ],
)
def test_unknown_programs_reaching_the_state_otherwise_are_denied(
    checkout: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, environ = checkout
    reason = hook_reason(command, repo, environ)
    assert reason is not None and "state" in reason, (command, reason)


@settings(max_examples=40, deadline=None, suppress_health_check=[_FIXTURE])
@given(st.sampled_from([t for t in TARGETS if t] + BUDGET_FILES), st.sampled_from(KNOWN_READS))
def test_known_readers_of_the_state_are_left_alone(
    checkout: tuple[Path, dict[str, str]], rel: str, read: str
) -> None:
    repo, environ = checkout
    command = read.format(p=_spelled(repo, rel, "relative"))
    assert hook_reason(command, repo, environ) is None, command


@pytest.mark.parametrize(
    "command",
    ["sqlite3 /tmp/other.db .dump", "python3 tools/check.py src/app.py", "sort -o /tmp/x y"],
)
def test_unknown_programs_elsewhere_are_left_alone(
    checkout: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, environ = checkout
    assert hook_reason(command, repo, environ) is None


FIND_STARTS = [".", ".git", "$PWD/.git", ".git/review-gate", ".git/review-gate/budgets", ".."]
#: Tests that let one of the budget files through (or that cannot be read).
FIND_FILTERS = [
    "-name 'calls.*'",
    "-name high-water",
    "-name limits.json",
    "-iname 'HIGH-*'",
    "-type f -name 'calls.s*'",
    "-path '*budgets*'",
    "-regex '.*water'",
    '-name "$N"',
    "-maxdepth 9",
    "-name x -o -name y",
    "",
]
FIND_ACTIONS = [
    "-delete",
    "-print -delete",
    "-exec rm {{}} +",
    "-execdir rm -f {{}} \\;",
    "-ok rm {{}} \\;",
    "-exec truncate -s 0 {{}} +",
    "-exec mv {{}} /tmp \\;",
    "-exec python3 -c 'import os,sys; os.remove(sys.argv[1])' {{}} \\;",
    "-execdir sh -c ': > high-water' \\;",
    "-exec unknown-tool {{}} +",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[_FIXTURE])
@given(st.sampled_from(FIND_STARTS), st.sampled_from(FIND_FILTERS), st.sampled_from(FIND_ACTIONS))
def test_find_that_deletes_or_runs_on_the_budget_files_is_denied(
    checkout: tuple[Path, dict[str, str]], start: str, test: str, action: str
) -> None:
    """The budget counter's files are really there: `find .git -name 'calls.*' -delete`
    would reset a worker's budget."""
    repo, environ = checkout
    command = f"find {start} {test} {action.format()}"
    assert hook_reason(command, repo, environ) is not None, command


@pytest.mark.parametrize(
    "command",
    [
        "find . -name '*.orig' -delete",
        "find .git -name '*.orig' -exec sh -c 'echo $1' _ {} \\;",
        "find .git -name 'calls.*' -exec cat {} +",
        "find .git/review-gate -name high-water -print",
        "find . -name '*.py' -exec python3 -m py_compile {} \\;",
    ],
)
def test_find_that_spares_the_state_is_left_alone(
    checkout: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, environ = checkout
    assert hook_reason(command, repo, environ) is None, command


def test_find_printing_into_the_state_is_denied(checkout: tuple[Path, dict[str, str]]) -> None:
    repo, environ = checkout
    command = "find /tmp -maxdepth 0 -fprint .git/review-gate/budgets/worker-1-7-abc123/high-water"
    assert hook_reason(command, repo, environ) is not None
