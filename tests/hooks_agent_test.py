"""``gate hook pre-tool-use`` at the hook level: real git checkouts, the real local
tracker, ``main()`` in-process with the hook JSON on stdin (plus a few runs of the
installed ``gate``), every answer validated against Codex's published output schema."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.hooks import agent
from review_gate.trackers.local import LocalTracker
from tests import shell_cases
from tests.artifact_samples import review
from tests.helpers import (
    GATE,
    GIT_ENV,
    commit_file,
    git,
    init_repo_with_remote,
    run_gate,
    set_base_config,
)

FIXTURES = Path(__file__).parent / "fixtures" / "codex_hook_schemas"
PRE_SCHEMA = json.loads((FIXTURES / "pre-tool-use.command.output.schema.json").read_text())
STOP_SCHEMA = json.loads((FIXTURES / "stop.command.output.schema.json").read_text())


def check_output(event: str, out: str) -> dict[str, Any] | None:
    """The parsed answer (None for silence), after checking it against the schema."""
    if not out.strip():
        return None
    assert out.count("\n") == 1, out  # exactly one JSON document
    answer = json.loads(out)
    jsonschema.Draft7Validator(PRE_SCHEMA if event == "pre-tool-use" else STOP_SCHEMA).validate(
        answer
    )
    assert "allow" not in json.dumps(answer.get("hookSpecificOutput", {}))
    return answer


def hook(
    event: str,
    stdin: bytes | str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, Any] | None:
    """Run ``main([event])`` in-process; returns the validated answer."""
    raw = stdin.encode("utf-8", "surrogatepass") if isinstance(stdin, str) else stdin
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    capsys.readouterr()
    rc = agent.main([event])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Traceback" not in err
    return check_output(event, out)


def deny_reason(answer: dict[str, Any] | None) -> str:
    assert answer is not None, "expected a deny, got silence"
    specific = answer["hookSpecificOutput"]
    assert specific["permissionDecision"] == "deny"
    assert specific["hookEventName"] == "PreToolUse"
    reason: str = specific["permissionDecisionReason"]
    return reason


def bash(command: object, cwd: Path | str, **extra: Any) -> str:
    """A PreToolUse input as Claude Code sends it (captured sample shape)."""
    payload = {
        "session_id": "8248e526-4955-4b6b-9db5-fa3e1aee0bce",
        "transcript_path": "/nonexistent/transcript.jsonl",
        "cwd": str(cwd),
        "prompt_id": "e7657321",
        "permission_mode": "default",
        "effort": {"level": "high"},
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command, "description": "run"},
        "tool_use_id": "toolu_2",
        **extra,
    }
    return json.dumps(payload)


def tool(name: str, tool_input: dict[str, Any], cwd: Path) -> str:
    return json.dumps(
        {
            "session_id": "s",
            "cwd": str(cwd),
            "hook_event_name": "PreToolUse",
            "tool_name": name,
            "tool_input": tool_input,
            "tool_use_id": "toolu_9",
        }
    )


@pytest.fixture
def worker(tmp_path: Path) -> Path:
    """A clone on feature/7-x with one commit ahead of main; issue 7 in the local tracker."""
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    commit_file(repo, "src/app.py", "print('hi')\n")
    LocalTracker.for_checkout(repo).create_issue("Add the app", number=7)
    (repo / "body.md").write_text("Adds the app.\n\nCloses #7\n")
    return repo


def post_review(repo: Path, issue: int = 7, **kwargs: Any) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    LocalTracker.for_checkout(repo).post_comment(
        issue, review(issue, commit=head, **kwargs), author="reviewer", association="OWNER"
    )


# Every form of PR creation the issue lists; on feature/7-x each one is about issue 7
# (from the body, the body file or the branch name).
PR_CREATING = [
    'gh pr create --title x --body "Closes #7"',
    "gh pr new --title x --body 'Fixes #7'",
    "gh pr create --fill",
    "gh pr create -t x -b 'Resolves #7'",
    "gh pr create --title x --body-file body.md",
    "gh pr create -t x -F body.md",
    "/usr/bin/gh pr create --fill",
    "./bin/gh pr create --fill",
    "\\gh pr create --fill",
    '"gh" pr create --fill',
    "g\\h pr create --fill",
    "'gh' 'pr' 'create' --fill",
    "command gh pr create --fill",
    "env GH_TOKEN=x gh pr create --fill",
    "GH_TOKEN=x gh pr create --fill",
    "sudo gh pr create --fill",
    "time gh pr create --fill",
    "timeout 30 gh pr create --fill",
    "nice -n 5 gh pr create --fill",
    "nohup gh pr create --fill",
    "exec gh pr create --fill",
    "echo --fill | xargs gh pr create",
    "git push -u origin HEAD && gh pr create --fill",
    "git push || gh pr create --fill",
    "git status; gh pr create --fill",
    "(gh pr create --fill)",
    "{ gh pr create --fill; }",
    "if true; then gh pr create --fill; fi",
    "for i in 1; do gh pr create --fill; done",
    "while true; do gh pr create --fill; break; done",
    "echo $(gh pr create --fill)",
    "echo `gh pr create --fill`",
    'bash -c "gh pr create --fill"',
    "sh -c 'gh pr create --fill'",
    'bash -lc "gh pr create --fill"',
    "bash -c 'bash -c \"gh pr create --fill\"'",
    'eval "gh pr create --fill"',
    "gh pr create --fill | cat",
    "gh pr create --fill > /dev/null 2>&1",
    "gh -R o/r pr create --fill",
    "gh api repos/o/r/pulls -f title=x -f head=feature/7-x -f base=main",
    "gh api -X POST repos/o/r/pulls --input pr.json",
    "gh api --method POST /repos/o/r/pulls",
    "gh api repos/o/r/pulls -F title=x",
    "gh api graphql -f query='mutation { createPullRequest(input: {}) { pullRequest { id } } }'",
    'curl -X POST https://api.github.com/repos/o/r/pulls -d \'{"title":"x"}\'',
    'curl -d \'{"title":"x"}\' https://api.github.com/repos/o/r/pulls',
    'wget --post-data=\'{"title":"x"}\' https://api.github.com/repos/o/r/pulls',
    "http POST https://api.github.com/repos/o/r/pulls title=x",
    "hub pull-request -m x",
    "cd . && gh pr new --fill",
    "gh pr create --fill <<'EOF'\nbody\nEOF",
]

# Commands that mention PR creation without doing it: never denied, even gated.
LOOKALIKES = [
    "echo gh pr create",
    "echo 'gh pr create --title x'",
    'grep -rn "gh pr create" .',
    "git commit --allow-empty -m 'next: gh pr create'",
    "gh pr list",
    "gh pr view 7",
    "gh pr checks 7",
    "gh pr status",
    "gh pr diff 7",
    "gh pr create --help",
    "gh api repos/o/r/pulls",
    "gh api repos/o/r/pulls/1",
    "curl https://api.github.com/repos/o/r/pulls",
    "wget -qO- https://api.github.com/repos/o/r/pulls",
    "cat <<'EOF'\ngh pr create --fill\nEOF",
    "ls  # gh pr create",
    "printf '%s\\n' 'gh pr create'",
    "gh issue create --title x --body y",
    "git push origin feature/7-x",
    "which gh",
    "man gh",
    "gh repo view",
    'echo "curl -X POST https://api.github.com/repos/o/r/pulls"',
    "git push -n origin feature/7-x",
]

# The plain forms an agent uses: allowed (silence) once issue 7 has a valid review.
DIRECT = [
    'gh pr create --title x --body "Closes #7"',
    "gh pr create --fill",
    "gh pr new --fill",
    "gh pr create --title x --body-file body.md",
    "/usr/bin/gh pr create --fill",
    "git push -u origin HEAD && gh pr create --fill",
    "gh api repos/o/r/pulls -f title=x -f head=feature/7-x -f base=main",
    "curl -X POST https://api.github.com/repos/o/r/pulls -d '{}'",
    "hub pull-request -m x",
]


def test_tables_are_big_enough() -> None:
    assert len(PR_CREATING) >= 40 and len(LOOKALIKES) >= 20


@pytest.mark.parametrize("command", PR_CREATING)
def test_pr_creation_denied_without_review(
    command: str, worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = deny_reason(hook("pre-tool-use", bash(command, worker), monkeypatch, capsys))
    assert reason.startswith("review-gate: ")
    assert "#7" in reason or "cannot tell whether" in reason


@pytest.mark.parametrize("command", LOOKALIKES)
def test_lookalikes_not_denied(
    command: str, worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hook("pre-tool-use", bash(command, worker), monkeypatch, capsys) is None


@pytest.mark.parametrize("command", DIRECT)
def test_direct_forms_allowed_with_valid_review(
    command: str, worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    post_review(worker)
    assert hook("pre-tool-use", bash(command, worker), monkeypatch, capsys) is None


def test_deny_names_reasons_and_next_step(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = deny_reason(
        hook("pre-tool-use", bash("gh pr create --fill", worker), monkeypatch, capsys)
    )
    assert "issue #7 has no valid review" in reason
    assert "gate new review --issue 7" in reason
    assert "gate issue comment 7" in reason


def test_review_of_an_older_commit_does_not_open_the_gate(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    post_review(worker)
    commit_file(worker, "src/more.py", "x = 1\n")
    reason = deny_reason(
        hook("pre-tool-use", bash("gh pr create --fill", worker), monkeypatch, capsys)
    )
    assert "#7" in reason


def test_untrusted_review_does_not_open_the_gate(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    head = git(worker, "rev-parse", "HEAD").strip()
    LocalTracker.for_checkout(worker).post_comment(
        7, review(7, commit=head), author="drive-by", association="NONE"
    )
    deny_reason(hook("pre-tool-use", bash("gh pr create --fill", worker), monkeypatch, capsys))


# -- the shell-analysis tables (tests/shell_cases.py), at the hook level ---------------------


@pytest.fixture(scope="module")
def shared_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One worker checkout for the read-only table tests (a repo per case is slow)."""
    root = tmp_path_factory.mktemp("shared")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root))
        repo, _ = init_repo_with_remote(root)
        git(repo, "checkout", "-q", "-b", "feature/7-x")
        commit_file(repo, "src/app.py", "print('hi')\n")
        LocalTracker.for_checkout(repo).create_issue("Add the app", number=7)
    yield repo


@pytest.fixture(scope="module")
def reviewed_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Like ``shared_worker``, with a valid review of HEAD posted on issue 7."""
    root = tmp_path_factory.mktemp("reviewed")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root))
        repo, _ = init_repo_with_remote(root)
        git(repo, "checkout", "-q", "-b", "feature/7-x")
        commit_file(repo, "src/app.py", "print('hi')\n")
        LocalTracker.for_checkout(repo).create_issue("Add the app", number=7)
        post_review(repo)
    yield repo


@pytest.mark.parametrize("command", shell_cases.DENIED_WITHOUT_REVIEW)
def test_shell_table_denied_without_review(
    command: str,
    shared_worker: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reason = deny_reason(hook("pre-tool-use", bash(command, shared_worker), monkeypatch, capsys))
    assert reason.startswith("review-gate: ")


@pytest.mark.parametrize("command", shell_cases.LOOKALIKES + shell_cases.NOT_TAMPERING)
def test_shell_table_not_denied(
    command: str,
    shared_worker: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert hook("pre-tool-use", bash(command, shared_worker), monkeypatch, capsys) is None


@pytest.mark.parametrize("command", shell_cases.PR_DIRECT)
def test_shell_table_direct_allowed_with_review(
    command: str,
    reviewed_worker: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert hook("pre-tool-use", bash(command, reviewed_worker), monkeypatch, capsys) is None


@pytest.mark.parametrize("command", shell_cases.UNDECIDABLE)
def test_shell_table_undecidable_denied_even_with_review(
    command: str,
    reviewed_worker: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reason = deny_reason(hook("pre-tool-use", bash(command, reviewed_worker), monkeypatch, capsys))
    assert "cannot tell whether this command creates a pull request" in reason


@pytest.mark.parametrize("command", shell_cases.TAMPERING)
def test_shell_table_tampering_denied_when_gated(
    command: str,
    shared_worker: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reason = deny_reason(hook("pre-tool-use", bash(command, shared_worker), monkeypatch, capsys))
    assert "this checkout is gated" in reason


# -- which issue ------------------------------------------------------------------------


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    """A clone on an ordinary branch (no issue in its name), issues 7 and 8 exist."""
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "topic")
    commit_file(repo, "a.txt")
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("seven", number=7)
    tracker.create_issue("eight", number=8)
    return repo


@pytest.mark.parametrize(
    ("command", "issue"),
    [
        ('gh pr create -t x -b "Closes #8"', 8),
        ("gh pr create -t x -b 'fixes: #8'", 8),
        ("gh pr create -t x -b 'Resolved o/r#8'", 8),
        ("gh pr create -t x -b 'Closes https://github.com/o/r/issues/8'", 8),
        ("gh pr create -t x -F sub/body.md", 8),
    ],
)
def test_issue_from_body(
    command: str,
    issue: int,
    plain: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (plain / "sub").mkdir()
    (plain / "sub" / "body.md").write_text("Closes #8\n")
    reason = deny_reason(hook("pre-tool-use", bash(command, plain), monkeypatch, capsys))
    assert f"issue #{issue} has no valid review" in reason
    post_review(plain, issue)
    assert hook("pre-tool-use", bash(command, plain), monkeypatch, capsys) is None


def test_body_wins_over_environment_and_environment_over_nothing(
    plain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = deny_reason(
        hook("pre-tool-use", bash("gh pr create --fill", plain), monkeypatch, capsys)
    )
    assert "cannot tell which issue" in reason
    assert "REVIEW_GATE_ISSUE" in reason
    monkeypatch.setenv("REVIEW_GATE_ISSUE", "7")
    reason = deny_reason(
        hook("pre-tool-use", bash("gh pr create --fill", plain), monkeypatch, capsys)
    )
    assert "issue #7" in reason
    post_review(plain, 7)
    assert hook("pre-tool-use", bash("gh pr create --fill", plain), monkeypatch, capsys) is None
    reason = deny_reason(
        hook("pre-tool-use", bash("gh pr create -b 'Closes #8'", plain), monkeypatch, capsys)
    )
    assert "issue #8" in reason


def test_missing_body_file_falls_back_to_the_branch(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = deny_reason(
        hook("pre-tool-use", bash("gh pr create -F nowhere.md", worker), monkeypatch, capsys)
    )
    assert "issue #7" in reason


def test_every_closed_issue_must_be_reviewed(
    plain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    post_review(plain, 7)
    command = "gh pr create -t x -b 'Closes #7, closes #8'"
    reason = deny_reason(hook("pre-tool-use", bash(command, plain), monkeypatch, capsys))
    assert "issue #8" in reason and "issue #7 has" not in reason


# -- MCP tools ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "creates"),
    [
        ("mcp__github__create_pull_request", True),
        ("mcp__github_enterprise__create_pull_request", True),
        ("mcp__gh__createPullRequest", True),
        ("mcp__git-hub__CreatePullRequest", True),
        ("mcp__github__pull_request_create", True),
        ("mcp__forge__create_pr", True),
        ("mcp__gitlab__create_merge_request", True),
        ("mcp__github__create_pull_request_with_copilot", True),
        ("mcp__x__open_pull_request", True),
        ("create_pull_request", True),
        ("mcp__github__create_pull_request_review", False),
        ("mcp__github__create_pending_pull_request_review", False),
        ("mcp__github__list_pull_requests", False),
        ("mcp__github__merge_pull_request", False),
        ("mcp__github__get_pull_request", False),
        ("mcp__github__update_pull_request", False),
        ("mcp__github__create_issue", False),
        ("mcp__github__create_branch", False),
        ("mcp__notes__create_prompt", False),
        ("mcp__pr__create_issue", False),
        ("Read", False),
        ("Bash", False),
    ],
)
def test_pr_tool_names(name: str, creates: bool) -> None:
    assert agent.is_pr_tool(name) is creates


def test_mcp_create_pull_request_gated(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    call = tool(
        "mcp__github__create_pull_request",
        {
            "owner": "o",
            "repo": "r",
            "title": "x",
            "head": "feature/7-x",
            "base": "main",
            "body": "Closes #7",
        },
        worker,
    )
    assert "issue #7" in deny_reason(hook("pre-tool-use", call, monkeypatch, capsys))
    post_review(worker)
    assert hook("pre-tool-use", call, monkeypatch, capsys) is None


def test_mcp_issue_from_head_branch(
    plain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    git(plain, "branch", "feature/8-y")
    call = tool("mcp__github__create_pull_request", {"title": "x", "head": "o:feature/8-y"}, plain)
    assert "issue #8" in deny_reason(hook("pre-tool-use", call, monkeypatch, capsys))


def test_other_tools_silent(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, tool_input in [
        ("Read", {"file_path": "x"}),
        ("mcp__github__list_issues", {}),
        ("Edit", None),
        ("WebFetch", "junk"),
    ]:
        assert hook("pre-tool-use", tool(name, tool_input, worker), monkeypatch, capsys) is None


@pytest.mark.parametrize(
    "name",
    [
        "BASH",
        "Bash ",
        "run_shell_command",
        "shell_command",
        "unified_exec",
        "execute_command",
        "mcp__shell__run",
        "mcp__desktop-commander__execute_command",
    ],
)
def test_any_tool_carrying_a_shell_command_is_analysed(
    name: str, worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Red team: an MCP shell server (or another client's shell tool) must not be a way round.
    call = tool(name, {"command": "gh pr create --fill"}, worker)
    assert "issue #7" in deny_reason(hook("pre-tool-use", call, monkeypatch, capsys))
    quiet = tool(name, {"command": "ls -la"}, worker)
    assert hook("pre-tool-use", quiet, monkeypatch, capsys) is None


@pytest.mark.parametrize(
    ("name", "tool_input"),
    [
        ("mcp__github__api_request", {"method": "POST", "path": "/repos/o/r/pulls"}),
        ("mcp__gh__rest", {"url": "https://api.github.com/repos/o/r/pulls", "body": {"t": 1}}),
        ("mcp__github__graphql", {"query": "mutation { createPullRequest(input: {}) { x } }"}),
        ("mcp__x__createpullrequest", {"title": "t"}),
        ("mcp__x__OPENMERGEREQUEST", {"title": "t"}),
    ],
)
def test_generic_mcp_api_tools_creating_a_pr_are_gated(
    name: str,
    tool_input: dict[str, Any],
    worker: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    call = tool(name, tool_input, worker)
    assert "issue #7" in deny_reason(hook("pre-tool-use", call, monkeypatch, capsys))
    post_review(worker)
    assert hook("pre-tool-use", call, monkeypatch, capsys) is None


@pytest.mark.parametrize(
    ("name", "tool_input"),
    [
        ("mcp__github__api_request", {"method": "GET", "path": "/repos/o/r/pulls"}),
        ("mcp__github__api_request", {"path": "/repos/o/r/pulls"}),
        ("mcp__github__api_request", {"method": "POST", "path": "/repos/o/r/pulls/1/comments"}),
        ("mcp__github__graphql", {"query": "query { viewer { login } }"}),
        ("mcp__github__add_issue_comment", {"body": "next: createPullRequest via gh pr create"}),
        ("mcp__github__create_pull_request_review", {"body": "x"}),
    ],
)
def test_generic_mcp_tools_that_create_no_pr_are_silent(
    name: str,
    tool_input: dict[str, Any],
    worker: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert hook("pre-tool-use", tool(name, tool_input, worker), monkeypatch, capsys) is None


# -- malformed input, failures ------------------------------------------------------------


@pytest.mark.parametrize(
    ("stdin", "why"),
    [
        (b"", "no input"),
        (b"   \n", "no input"),
        (b"not json", "not JSON"),
        (b'{"tool_name": "Bash", "tool_input": {"command": "gh pr cr', "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b"[1, 2]", "not an object"),
        (b'"Bash"', "not an object"),
        (b"{}", "no tool_name"),
        (b'{"tool_name": 7}', "no tool_name"),
        (b'{"tool_name": "Bash"}', "without a tool_input.command"),
        (b'{"tool_name": "Bash", "tool_input": "gh pr create"}', "without a tool_input.command"),
        (b'{"tool_name": "Bash", "tool_input": {"command": 7}}', "without a tool_input.command"),
        (b'{"tool_name": "Bash", "tool_input": {"command": null}}', "without a tool_input.command"),
        (
            b'{"tool_name": "mcp__github__create_pull_request", "tool_input": []}',
            "without a tool_input",
        ),
    ],
)
def test_malformed_input_denied(
    stdin: bytes,
    why: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    reason = deny_reason(hook("pre-tool-use", stdin, monkeypatch, capsys))
    assert why in reason and "denied" in reason


def test_unknown_fields_and_argv_commands_are_normal(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = {"model": "m", "turn_id": "t", "something_new": {"a": [1]}}
    assert hook("pre-tool-use", bash("ls -la", worker, **extra), monkeypatch, capsys) is None
    argv = ["gh", "pr", "create", "--fill"]
    deny_reason(hook("pre-tool-use", bash(argv, worker, **extra), monkeypatch, capsys))


def test_tracker_unreachable_denies(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REVIEW_GATE_TRACKER", "github")
    monkeypatch.setenv("REVIEW_GATE_REPO", "o/r")
    monkeypatch.setenv("REVIEW_GATE_RETRIES", "0")
    monkeypatch.setenv("REVIEW_GATE_REQUEST_TIMEOUT", "2")
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("GH_TOKEN", "x")
    reason = deny_reason(
        hook("pre-tool-use", bash("gh pr create --fill", worker), monkeypatch, capsys)
    )
    assert "unreachable" in reason or "cannot verify" in reason


def test_bad_configuration_denies(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    set_base_config(worker, "this is = = not toml\n")
    reason = deny_reason(
        hook("pre-tool-use", bash("gh pr create --fill", worker), monkeypatch, capsys)
    )
    assert "origin/main:.review-gate.toml" in reason


def test_missing_cwd_denies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = deny_reason(
        hook("pre-tool-use", bash("gh pr create --fill", tmp_path / "gone"), monkeypatch, capsys)
    )
    assert "does not exist" in reason


def test_internal_error_denies(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Failure injection: nothing in the real code path can be made to crash on purpose.
    import review_gate.check

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(review_gate.check, "evaluate", boom)
    reason = deny_reason(
        hook("pre-tool-use", bash("gh pr create --fill", worker), monkeypatch, capsys)
    )
    assert "internal error" in reason and "kaboom" in reason


def test_library_output_cannot_corrupt_the_answer(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import review_gate.check

    real = review_gate.check.evaluate

    def chatty(*args: Any, **kwargs: Any) -> Any:
        print("noise on stdout")
        return real(*args, **kwargs)

    monkeypatch.setattr(review_gate.check, "evaluate", chatty)
    deny_reason(hook("pre-tool-use", bash("gh pr create --fill", worker), monkeypatch, capsys))


# -- tampering ---------------------------------------------------------------------------

TAMPERING = [
    "git push --no-verify",
    "git push --no-verify origin feature/7-x",
    "git commit --no-verify -m x",
    "git commit -n -m x",
    "git commit -am x -n",
    "git -c core.hooksPath=/dev/null push",
    "git -c core.hooksPath=/dev/null commit -m x",
    "cd . && git push --no-verify",
]
NOT_TAMPERING = [
    "git push -n",
    "git push --dry-run origin feature/7-x",
    "git commit -m 'mention --no-verify in text'",
    "git log -n 3",
    "echo git push --no-verify",
    "git -c user.name=x commit -m x",
]


@pytest.mark.parametrize("command", TAMPERING)
def test_tampering_denied_in_gated_checkout(
    command: str, worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = deny_reason(hook("pre-tool-use", bash(command, worker), monkeypatch, capsys))
    assert "gated" in reason and "worker branch" in reason


@pytest.mark.parametrize("command", NOT_TAMPERING)
def test_not_tampering_allowed(
    command: str, worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hook("pre-tool-use", bash(command, worker), monkeypatch, capsys) is None


def test_tampering_allowed_outside_gated_checkouts(
    plain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hook("pre-tool-use", bash("git push --no-verify", plain), monkeypatch, capsys) is None


def test_codex_workdir_is_where_the_command_runs(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Red team: the session's cwd is not gated, the shell tool's workdir is.
    elsewhere = worker.parent / "elsewhere"
    elsewhere.mkdir()
    call = json.dumps(
        {
            "cwd": str(elsewhere),
            "hook_event_name": "PreToolUse",
            "tool_name": "shell",
            "tool_input": {"command": ["git", "push", "--no-verify"], "workdir": str(worker)},
        }
    )
    assert "bypass" in deny_reason(hook("pre-tool-use", call, monkeypatch, capsys))


@pytest.mark.parametrize(
    "setup",
    ["env-issue", "env-worker", "config-file", "pyproject", "project-hooks"],
)
def test_what_makes_a_checkout_gated(
    setup: str, plain: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if setup == "env-issue":
        monkeypatch.setenv("REVIEW_GATE_ISSUE", "7")
    elif setup == "env-worker":
        monkeypatch.setenv("REVIEW_GATE_WORKER_ID", "worker-1-7")
    elif setup == "config-file":
        (plain / ".review-gate.toml").write_text("")
    elif setup == "pyproject":
        (plain / "pyproject.toml").write_text("[tool.review-gate]\nmax_stop_blocks = 2\n")
    else:
        (plain / ".claude").mkdir()
        (plain / ".claude" / "settings.local.json").write_text(
            json.dumps(
                {
                    "hooks": {
                        "Stop": [{"hooks": [{"type": "command", "command": "/x/gate hook stop"}]}]
                    }
                }
            )
        )
    deny_reason(hook("pre-tool-use", bash("git commit -n -m x", plain), monkeypatch, capsys))


def test_protect_false_allows_tampering(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In the checkout, protect = false is the agent's own word: it changes nothing.
    (worker / ".review-gate.toml").write_text("protect = false\n")
    call = bash("git push --no-verify", worker)
    assert "bypass" in deny_reason(hook("pre-tool-use", call, monkeypatch, capsys))
    # Committed on the base branch, it is the policy.
    set_base_config(worker, "protect = false\n")
    assert hook("pre-tool-use", bash("git push --no-verify", worker), monkeypatch, capsys) is None


# -- the installed console script ---------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        'gh pr create --title x --body "Closes #7"',
        "bash -c 'gh pr new --fill'",
        "gh api repos/o/r/pulls -f title=x",
    ],
)
def test_installed_gate_denies(command: str, worker: Path) -> None:
    proc = run_gate("hook", "pre-tool-use", cwd=worker, stdin=bash(command, worker))
    assert proc.returncode == 0, proc.stderr
    assert "#7" in deny_reason(check_output("pre-tool-use", proc.stdout))


def test_installed_gate_silent_for_plain_commands(worker: Path) -> None:
    proc = run_gate("hook", "pre-tool-use", cwd=worker, stdin=bash("ls -la", worker))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


@pytest.mark.parametrize("args", [["hook", "pre-tool-use", "--help"], ["hook", "stop", "-h"]])
def test_help_without_click(args: list[str], tmp_path: Path) -> None:
    proc = run_gate(*args, cwd=tmp_path)
    assert proc.returncode == 0 and "usage: gate hook" in proc.stdout


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    proc = run_gate("hook", "pre-tool-use", "--bogus", cwd=tmp_path, stdin="{}")
    assert proc.returncode == 2 and "unexpected arguments" in proc.stderr


def test_click_group_lists_hooks(tmp_path: Path) -> None:
    proc = run_gate("hook", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert "pre-tool-use" in proc.stdout and "stop" in proc.stdout


HEAVY = (
    "click",
    "jsonschema",
    "markdown_it",
    "github",
    "sqlite3",
    "subprocess",
    "review_gate.config",
)


@pytest.mark.parametrize(
    ("command", "heavy"),
    [
        # Not even worth parsing: json + the text pre-filter only.
        ("ls -la | grep -v foo && cat README.md", (*HEAVY, "tree_sitter")),
        # Parsed (the pre-filter sees "git"), found harmless: no config, git or tracker.
        ("git status && git log --oneline -5", HEAVY),
    ],
)
def test_fast_path_imports_nothing_heavy(
    command: str, heavy: tuple[str, ...], worker: Path
) -> None:
    code = (
        "import sys, io\n"
        "from review_gate._entry import main\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO({bash(command, worker).encode()!r}))\n"
        "sys.argv = ['gate', 'hook', 'pre-tool-use']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        f"heavy = {set(heavy)!r}\n"
        "print(sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy))\n"
    )
    proc = subprocess.run(
        [str(Path(GATE).with_name("python")), "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# -- fuzzing ---------------------------------------------------------------------------

SHELLISH = st.sampled_from(
    [
        "gh",
        "pr",
        "create",
        "new",
        "api",
        "-X",
        "POST",
        "repos/o/r/pulls",
        "graphql",
        "curl",
        "wget",
        "hub",
        "pull-request",
        "bash",
        "-c",
        "sh",
        "-lc",
        "'",
        '"',
        "$(",
        ")",
        "`",
        ";",
        "&&",
        "||",
        "|",
        "\\",
        "eval",
        "git",
        "push",
        "--no-verify",
        "-n",
        "commit",
        "<<EOF",
        "\n",
        "EOF",
        "{",
        "}",
        "(",
        "-f",
        "title=x",
        "sudo",
        "env",
        "A=1",
        "#",
        "Closes #7",
        "--body",
        "-F",
        "body.md",
        "xargs",
        "command",
        "exec",
        "-c",
        "core.hooksPath=x",
        "$x",
        "${X}h",
        "p$Y",
        "A=g",
        "$A$B",
        "xvfb-run",
        "tmux",
        "parallel",
        ":::",
        "-0",
        "alias",
        "g=gh",
        "\x00",
        "{a,b}",
        "--next",
        "-K",
        "rebase",
        "-x",
        ".git/hooks",
        "cd",
    ]
)
SHELL_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(SHELLISH, max_size=30).map(" ".join),
    st.lists(st.one_of(SHELLISH, st.text(max_size=8)), max_size=20).map("".join),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
TOOL_CALL = st.fixed_dictionaries(
    {
        "tool_name": st.one_of(
            st.sampled_from(
                ["Bash", "mcp__github__create_pull_request", "Read", "shell", "mcp__x__run"]
            ),
            JSON,
        ),
        "tool_input": st.one_of(st.fixed_dictionaries({"command": SHELL_TEXT}), JSON),
    },
    optional={
        "cwd": st.one_of(st.text(max_size=10), JSON),
        "session_id": JSON,
        "stop_hook_active": JSON,
        "hook_event_name": JSON,
    },
)


def run_main(event: str, raw: bytes) -> str:
    """``main([event])`` with ``raw`` on stdin; returns stdout after checking exit 0."""
    old_in, old_out = sys.stdin, sys.stdout
    sys.stdin, sys.stdout = io.TextIOWrapper(io.BytesIO(raw)), io.StringIO()
    try:
        rc = agent.main([event])
        out = sys.stdout.getvalue()
    finally:
        sys.stdin, sys.stdout = old_in, old_out
    assert rc == 0
    return out


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(command=SHELL_TEXT)
def test_fuzz_shell_text(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # not a git checkout: nothing can be written anywhere real
    out = run_main("pre-tool-use", bash(command, tmp_path).encode("utf-8", "surrogatepass"))
    check_output("pre-tool-use", out)


@FUZZ
@given(command=SHELL_TEXT)
def test_fuzz_shell_text_in_a_worker_checkout(
    command: str, shared_worker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random commands where PR creation and tampering are gated for real."""
    monkeypatch.chdir(shared_worker)
    out = run_main("pre-tool-use", bash(command, shared_worker).encode("utf-8", "surrogatepass"))
    check_output("pre-tool-use", out)


@FUZZ
@given(payload=st.one_of(JSON, TOOL_CALL))
def test_fuzz_json(payload: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    raw = json.dumps(payload).encode("utf-8", "surrogatepass")
    check_output("pre-tool-use", run_main("pre-tool-use", raw))
    check_output("stop", run_main("stop", raw))


@FUZZ
@given(raw=st.binary(max_size=300))
def test_fuzz_bytes(raw: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert check_output("pre-tool-use", run_main("pre-tool-use", raw)) is not None  # fail closed
    check_output("stop", run_main("stop", raw))


@pytest.mark.parametrize(
    "stdin",
    [
        b"",
        b"\x00\xff",
        b'{"tool_name": "Bash", "tool_input": {"command": "gh pr create \\u0000"}}',
        json.dumps(
            {"tool_name": "Bash", "tool_input": {"command": "(" * 5000 + "gh pr create"}}
        ).encode(),
        json.dumps({"tool_name": "Bash", "tool_input": {"command": "x" * 2_000_000}}).encode(),
        b"[" * 100_000,
    ],
)
def test_installed_gate_never_tracebacks(stdin: bytes, tmp_path: Path) -> None:
    for event in ("pre-tool-use", "stop"):
        proc = subprocess.run(
            [GATE, "hook", event],
            input=stdin,
            cwd=tmp_path,
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert b"Traceback" not in proc.stderr
        check_output(event, proc.stdout.decode())


# -- unexpected arguments: one usage line by hand, fail closed under a client ------------------


def _stop_input(cwd: Path) -> str:
    return json.dumps(
        {
            "session_id": "s-1",
            "transcript_path": "/nonexistent/transcript.jsonl",
            "cwd": str(cwd),
            "hook_event_name": "Stop",
            "stop_hook_active": False,
        }
    )


def _by_hand(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``gate ARGS`` with a terminal on stdin, as a person runs it."""
    import pty

    primary, secondary = pty.openpty()
    try:
        return subprocess.run(
            [GATE, *args],
            cwd=cwd,
            stdin=secondary,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(primary)
        os.close(secondary)


@pytest.mark.parametrize("event", ["pre-tool-use", "stop"])
@pytest.mark.parametrize("extra", [["--bogus"], ["--bogus", "x"], ["-v"], ["--help", "--bogus"]])
@pytest.mark.parametrize("terminal", [True, False])
def test_bad_arguments_by_hand_are_one_error_and_one_hint(
    event: str, extra: list[str], terminal: bool, tmp_path: Path
) -> None:
    args = ["hook", event, *extra]
    proc = _by_hand(args, tmp_path) if terminal else run_gate(*args, cwd=tmp_path, stdin="")
    assert proc.returncode == 2 and proc.stdout == ""
    error, hint = proc.stderr.splitlines()
    assert error == (
        f"gate: error: unexpected arguments for `gate hook {event}`: {' '.join(extra)} "
        "(it takes none)"
    )
    assert hint.startswith(f"gate: hint: see `gate hook {event} --help`")


def test_bad_arguments_under_a_client_still_deny(worker: Path) -> None:
    # Exit 2 with the reason on stderr is a deny for Claude Code and Codex alike.
    for stdin in (bash("gh pr create --fill", worker), bash("ls", worker), "{}", "junk"):
        proc = run_gate("hook", "pre-tool-use", "--bogus", cwd=worker, stdin=stdin)
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.startswith("gate: error: unexpected arguments")


def test_bad_arguments_under_a_client_let_the_agent_stop(worker: Path) -> None:
    # A block here would be one no counter sees: a Codex agent would loop forever.
    proc = run_gate("hook", "stop", "--bogus", cwd=worker, stdin=_stop_input(worker))
    assert proc.returncode == 0, proc.stderr
    answer = check_output("stop", proc.stdout)
    assert answer is not None and "decision" not in answer
    assert "unexpected arguments" in answer["systemMessage"]
    assert "not blocking" in answer["systemMessage"]


def test_unknown_hook_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert agent.main(["post-tool-use"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("gate: error: unknown hook 'post-tool-use'\n")
    assert len(err.splitlines()) == 2


def test_a_pr_of_a_branch_that_exists_nowhere_is_denied(
    worker: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    post_review(worker)
    call = bash('gh pr create --head feature/7-elsewhere --title t --body "Closes #7"', worker)
    reason = deny_reason(hook("pre-tool-use", call, monkeypatch, capsys))
    assert "cannot tell which commit" in reason and "git push" in reason
