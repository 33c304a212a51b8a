"""Worker roles: the tool scope each role gets on the real CLIs' argv, the role in the
WORKER claim, pid record and status, and the gates that hold a research worker back.

Real git, real worktrees, the local tracker, the installed `gate`; the agents are fake
programs standing in for `claude` / `codex` ($REVIEW_GATE_CLAUDE / $REVIEW_GATE_CODEX).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch.registry import read_claims
from review_gate.gates.common import trust_policy
from review_gate.hooks.agent import decide_pre_tool_use
from tests.fake_agents.harness import HERE, Project, agent, projects, wait_for
from tests.helpers import git, run_gate

EDIT_TOOLS = "Edit,Write,MultiEdit,NotebookEdit"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _fake_cli(tmp_path: Path, name: str) -> Path:
    """An executable named ``name`` that dumps its argv to $FAKE_ARGV_DUMP."""
    program = tmp_path / "bin" / name
    program.parent.mkdir(exist_ok=True)
    program.write_text(f'#!/bin/sh\nexec {sys.executable} {HERE / "argv_dump.py"} "$@"\n')
    program.chmod(0o755)
    return program


def _spawn_cli(
    project: Project, tmp_path: Path, kind: str, *args: str, env: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Spawn with ``--agent kind`` (a fake binary); returns (spawn JSON, the agent's argv)."""
    dump = tmp_path / f"argv-{kind}-{len(list(tmp_path.glob('argv-*')))}.json"
    variable = "REVIEW_GATE_CLAUDE" if kind == "claude" else "REVIEW_GATE_CODEX"
    full_env = {
        variable: str(_fake_cli(tmp_path, kind)),
        "FAKE_ARGV_DUMP": str(dump),
        **(env or {}),
    }
    proc = project.gate(*args, "--agent", kind, "--format", "json", env=full_env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    seen = json.loads(wait_for(lambda: dump.exists() and dump.read_text(), what="argv dump"))
    return json.loads(proc.stdout), seen


def _value(argv: list[str], flag: str) -> str:
    assert argv.count(flag) == 1, argv
    return argv[argv.index(flag) + 1]


def _release(project: Project, issue: int) -> None:
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--keep-worktree")
    assert proc.returncode == 0, proc.stderr


def _implemented(project: Project, issue: int) -> str:
    """An implementer that commits on its branch and exits, its claim then released;
    returns the branch's head."""
    result = project.spawn(issue, "commit_and_exit")
    branch = result["branch"]
    wait_for(lambda: project.state_of(issue) != "running", what="implementer exit")
    _release(project, issue)
    return git(project.repo, "rev-parse", f"refs/heads/{branch}").strip()


def test_claude_argv_for_each_role(project: Project, tmp_path: Path) -> None:
    one, two, three = project.issue("one"), project.issue("two"), project.issue("three")
    spawn = ("dispatch", "spawn", "--issue")
    _, implement = _spawn_cli(project, tmp_path, "claude", *spawn, str(one))
    argv = implement["argv"]
    assert _value(argv, "--allowedTools") == "Bash,Read,Edit,Write,Grep,Glob,WebFetch,WebSearch"
    assert "--disallowedTools" not in argv
    assert argv[-3:] == ["--output-format", "stream-json", "--verbose"]

    _, research = _spawn_cli(project, tmp_path, "claude", *spawn, str(two), "--role", "research")
    argv = research["argv"]
    allowed = _value(argv, "--allowedTools").split(",")
    assert allowed[:5] == ["Read", "Grep", "Glob", "WebFetch", "WebSearch"]
    assert "Bash" not in allowed and not {"Edit", "Write"} & set(allowed)
    for rule in ("Bash(git log:*)", "Bash(git diff:*)", "Bash(gh issue view:*)",
                 "Bash(gh issue comment:*)", "Bash(gate issue comment:*)"):  # fmt: skip
        assert rule in allowed
    assert "Bash(gh api:*)" not in allowed and "Bash(pytest:*)" not in allowed
    assert _value(argv, "--disallowedTools") == EDIT_TOOLS
    assert research["cwd"] == str(project.repo.parent / "project-research-2")

    head = _implemented(project, three)
    env = {"REVIEW_GATE_REVIEW_COMMANDS": "make check, tox -e lint"}
    result, review = _spawn_cli(
        project, tmp_path, "claude", "dispatch", "review", "--issue", str(three), env=env
    )
    argv = review["argv"]
    allowed = _value(argv, "--allowedTools").split(",")
    assert "Bash(make check:*)" in allowed and "Bash(tox -e lint:*)" in allowed
    assert "Bash(pytest:*)" not in allowed and "Bash" not in allowed and "Write" not in allowed
    assert _value(argv, "--disallowedTools") == EDIT_TOOLS
    assert result["head"] == head
    # the default test and lint commands, without the configuration key
    four = project.issue("four")
    _implemented(project, four)
    _, default = _spawn_cli(project, tmp_path, "claude", "dispatch", "review", "--issue", str(four))
    allowed = _value(default["argv"], "--allowedTools").split(",")
    assert {"Bash(pytest:*)", "Bash(ruff check:*)", "Bash(mypy:*)", "Bash(npm test:*)"} <= set(
        allowed
    )


def test_codex_argv_for_each_role(project: Project, tmp_path: Path) -> None:
    one, two, three = project.issue("one"), project.issue("two"), project.issue("three")
    spawn = ("dispatch", "spawn", "--issue")
    _, implement = _spawn_cli(project, tmp_path, "codex", *spawn, str(one))
    argv = implement["argv"]
    assert argv[:2] == ["exec", "--json"] and "--sandbox" not in argv
    added = [argv[i + 1] for i, a in enumerate(argv) if a == "--add-dir"]
    common = Path(git(project.repo, "rev-parse", "--path-format=absolute", "--git-common-dir")
                  .strip())  # fmt: skip
    assert str(common) in added and len(added) == 2  # the git dirs: commits work
    hooks = [a for a in argv if a.startswith("hooks.PreToolUse=")]
    assert len(hooks) == 1

    for issue, args in ((two, (*spawn, str(two), "--role", "research")),
                        (three, ("dispatch", "review", "--issue", str(three)))):  # fmt: skip
        if issue == three:
            _implemented(project, three)
        _, scoped = _spawn_cli(project, tmp_path, "codex", *args)
        argv = scoped["argv"]
        assert argv[:2] == ["exec", "--json"]
        assert _value(argv, "--sandbox") == "workspace-write"
        # only the local tracker's directory: the worktree's git directory stays
        # read-only in the sandbox, so `git commit` fails there too
        assert [argv[i + 1] for i, a in enumerate(argv) if a == "--add-dir"] == [
            str(project.state.resolve())
        ]
        assert [a for a in argv if a.startswith("hooks.PreToolUse=")] == hooks
        assert "sandbox_workspace_write.network_access=true" in argv  # to post the comment


def test_the_role_is_in_the_claim_the_record_and_status(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "hang")  # no --role: an implementer
    claims = read_claims(project.tracker.list_comments(issue), trust_policy())
    assert claims.latest is not None and claims.latest.data["role"] == "implement"
    assert json.loads(Path(result["record"]).read_text())["role"] == "implement"
    assert project.status(issue)[-1]["role"] == "implement"
    other = project.issue("research it")
    proc = project.gate(
        "dispatch", "spawn", "--issue", str(other), "--role", "research",
        "--agent-cmd", agent("hang"), "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    research = json.loads(proc.stdout)
    claims = read_claims(project.tracker.list_comments(other), trust_policy())
    assert claims.latest is not None and claims.latest.role == "research"
    assert json.loads(Path(research["record"]).read_text())["role"] == "research"
    assert project.status(other)[-1]["role"] == "research"
    listed = project.gate("dispatch", "list", "--format", "json")
    roles = {w["issue"]: w["role"] for w in json.loads(listed.stdout)["workers"]}
    assert roles == {issue: "implement", other: "research"}
    # the claim is a valid WORKER record (the schema knows the role)
    body = next(c.body for c in project.tracker.list_comments(other) if "research" in c.body)
    valid = run_gate("validate", "--kind", "worker", "-", cwd=project.repo, stdin=body)
    assert valid.returncode == 0, valid.stdout + valid.stderr


def test_unknown_role_is_a_usage_error(project: Project) -> None:
    issue = project.issue()
    proc = project.gate(
        "dispatch", "spawn", "--issue", str(issue), "--role", "boss", "--agent-cmd", agent("hang")
    )
    assert proc.returncode == 2 and "boss" in proc.stderr and "Traceback" not in proc.stderr
    assert project.comments(issue) == []


def _probe(project: Project, tmp_path: Path, *args: str) -> tuple[dict[str, Any], dict[str, str]]:
    out = tmp_path / f"probe-{len(list(tmp_path.glob('probe-*')))}.json"
    proc = project.gate(*args, "--agent-cmd", agent("hook_probe", str(out)), "--format", "json")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    answers = json.loads(wait_for(lambda: out.exists() and out.read_text(), what="probe"))
    return json.loads(proc.stdout), answers


def _denied(answer: str) -> str:
    data = json.loads(answer)["hookSpecificOutput"]
    assert data["permissionDecision"] == "deny"
    return str(data["permissionDecisionReason"])


def test_research_worker_cannot_edit_commit_or_push(project: Project, tmp_path: Path) -> None:
    issue = project.issue()
    result, seen = _probe(project, tmp_path, "dispatch", "spawn", "--issue", str(issue),
                          "--role", "research")  # fmt: skip
    worktree = project.repo.parent / "project-research-1"
    assert result["worktree"] == str(worktree)
    # detached at the base: no branch to commit to
    assert (
        seen["branch"] == ""
        and seen["head"] == git(project.repo, "rev-parse", "origin/main").strip()
    )
    assert "research worker" in _denied(seen["write"])
    assert "research worker" in _denied(seen["edit"])
    assert "git commit" in _denied(seen["commit"])
    assert "git push" in _denied(seen["push"])
    assert seen["read"] == seen["log"] == seen["post"] == ""  # reading and posting go through
    code, stderr = json.loads(seen["real_push"])
    assert code != 0 and "it never pushes" in stderr and result["worker_id"] in stderr
    assert "probe" not in git(project.bare, "branch", "--list")
    # the main checkout's hooks and config are untouched
    assert not (project.repo / ".git/hooks/pre-push").exists()
    hooks_path = subprocess.run(
        ["git", "config", "--get", "core.hooksPath"], cwd=project.repo, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    assert hooks_path.stdout == ""


def test_implementer_is_not_held_back(project: Project, tmp_path: Path) -> None:
    issue = project.issue()
    _, seen = _probe(project, tmp_path, "dispatch", "spawn", "--issue", str(issue))
    assert seen["write"] == seen["edit"] == seen["read"] == seen["log"] == ""
    assert seen["branch"] == "feature/1-add-the-settings-parser"


def test_a_worker_whose_record_is_missing_is_denied_edits(tmp_path: Path) -> None:
    call = {"hook_event_name": "PreToolUse", "cwd": str(tmp_path), "tool_name": "Write"}
    raw = json.dumps({**call, "tool_input": {"file_path": str(tmp_path / "a.py"), "content": "x"}})
    env = {"REVIEW_GATE_WORKER_ID": "worker-1-1-abcdef", "REVIEW_GATE_STATE_DIR": str(tmp_path)}
    reason = decide_pre_tool_use(raw.encode(), env)
    assert reason is not None and "cannot read the role" in reason
    (tmp_path / "workers").mkdir()
    record = {"worker_id": "worker-1-1-abcdef", "role": "implement"}
    (tmp_path / "workers" / "worker-1-1-abcdef.json").write_text(json.dumps(record))
    assert decide_pre_tool_use(raw.encode(), env) is None
    record["role"] = "review"
    (tmp_path / "workers" / "worker-1-1-abcdef.json").write_text(json.dumps(record))
    reason = decide_pre_tool_use(raw.encode(), env)
    assert reason is not None and "review worker" in reason
    mcp = json.dumps({**call, "tool_name": "mcp__fs__write_file", "tool_input": {"path": "a"}})
    reason = decide_pre_tool_use(mcp.encode(), env)
    assert reason is not None and "review worker" in reason
    read = json.dumps({**call, "tool_name": "mcp__fs__read_file", "tool_input": {"path": "a"}})
    assert decide_pre_tool_use(read.encode(), env) is None
    # without the dispatcher's variables the role is never looked up
    assert decide_pre_tool_use(raw.encode(), {"REVIEW_GATE_WORKER_ID": "x"}) is None
