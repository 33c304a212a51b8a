"""What else a review or research worker may call besides shell commands: MCP tools only
when their name says they read (hooks/worker_role.py), tools without a command only when
they read (Codex's `write_stdin` is denied), and git that runs no program its checkout's
configuration names (dispatch/spawn.py with hooks/read_only_git.py NEUTRAL_CONFIG).

Real workers started by `gate dispatch` (tests/hooks_worker_role_test.py's Workers), real
pid records, the hook's own decision; real git for the configuration.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review_gate.hooks.agent import decide_pre_tool_use
from review_gate.hooks.read_only_git import NEUTRAL_CONFIG, neutral_config_env
from review_gate.hooks.worker_role import MCP_READ_VERBS, MCP_WRITES, role_denial
from tests.fake_agents.harness import agent, projects, wait_for
from tests.helpers import git
from tests.hooks_worker_role_test import SLOW, Workers


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    for project in projects(tmp_path_factory.mktemp("tools")):
        yield Workers(project)


def _dumped(path: Path) -> Callable[[], str | bool]:
    return lambda: path.exists() and path.read_text()


def test_read_only_workers_get_no_pager(workers: Workers, tmp_path: Path) -> None:
    """A pager in a terminal runs commands (less's `!cmd`): git pages through `cat`."""
    project = workers.project
    seen = {}
    for role in ("research", "implement"):
        out = tmp_path / f"env-{role}.json"
        issue = project.issue(f"env {role}")
        proc = project.gate("dispatch", "spawn", "--issue", str(issue), "--role", role,
                            "--agent-cmd", agent("env_dump", str(out)))  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        seen[role] = json.loads(wait_for(_dumped(out)))["env"]
    assert seen["research"]["GIT_PAGER"] == seen["research"]["PAGER"] == "cat"
    assert seen["research"]["LESSSECURE"] == "1"
    assert seen["implement"].get("LESSSECURE") == os.environ.get("LESSSECURE")  # as it was
    # and git runs none of the programs the checkout's configuration names
    config = {k: v for k, v in seen["research"].items() if k.startswith("GIT_CONFIG_")}
    assert config["GIT_CONFIG_COUNT"] == str(len(NEUTRAL_CONFIG))
    pairs = {(config[f"GIT_CONFIG_KEY_{i}"], config[f"GIT_CONFIG_VALUE_{i}"])
             for i in range(len(NEUTRAL_CONFIG))}  # fmt: skip
    assert pairs == set(NEUTRAL_CONFIG)
    assert ("core.fsmonitor", "false") in pairs and ("core.pager", "cat") in pairs
    assert not any(k.startswith("GIT_CONFIG_") and k not in os.environ for k in seen["implement"])
    planted = tmp_path / "planted"
    git(planted.parent, "init", "-q", planted.name)
    marker = tmp_path / "ran"
    script = planted / "monitor.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    git(planted, "config", "core.fsmonitor", str(script))
    for env, runs in (({**os.environ, **config}, False), (dict(os.environ), True)):
        subprocess.run(["git", "status", "--short"], cwd=planted, env=env, check=True,
                       capture_output=True)  # fmt: skip
        assert marker.exists() == runs
    # pairs already in the environment are kept: ours come after them
    more = neutral_config_env({"GIT_CONFIG_COUNT": "2"})
    assert more["GIT_CONFIG_KEY_2"] == NEUTRAL_CONFIG[0][0]
    assert more["GIT_CONFIG_COUNT"] == str(2 + len(NEUTRAL_CONFIG))


# --- MCP tools and tools without a shell command (read-only roles) ---------------------

RED_TEAM_MCP = [
    "mcp__git__git_commit", "mcp__github__merge_pull_request", "mcp__github__push_files",
    "mcp__fs__put_file", "mcp__fs__write_file", "mcp__github__create_pull_request",
]  # fmt: skip
NOUNS = ["file", "files", "issue", "pull_request", "commit", "comments", "contents", "repo",
         "branch", "code", "workflow_runs", "diff", "status"]  # fmt: skip
WRITE_VERBS = sorted(MCP_WRITES - {"and", "or", "then"})


def _tool(verb: str, nouns: list[str], style: int) -> str:
    """``mcp__server__VERB_NOUNS`` spelled snake_case, kebab-case or camelCase."""
    words = [verb, *"_".join(nouns).split("_")]
    if style == 0:
        name = "_".join(words)
    elif style == 1:
        name = "-".join(words)
    else:
        name = words[0] + "".join(w.capitalize() for w in words[1:])
    return f"mcp__server__{name}"


def _mcp(tool: str, tool_input: dict[str, object], env: dict[str, str]) -> str | None:
    call = {"hook_event_name": "PreToolUse", "cwd": "/tmp", "tool_name": tool}
    return decide_pre_tool_use(json.dumps({**call, "tool_input": tool_input}).encode(), env)


def test_red_team_mcp_tools_are_denied(workers: Workers) -> None:
    for tool in RED_TEAM_MCP:
        for worker, role in ((workers.review, "review"), (workers.research, "research")):
            reason = _mcp(tool, {"message": "x", "path": "a.py"}, workers.env(worker))
            assert reason is not None and f"is a {role} worker" in reason, tool
        assert role_denial(tool, False, None, workers.env(workers.implement)) is None
    for tool in ("mcp__github__get_file_contents", "mcp__github__list_commits",
                 "mcp__fs__read_file", "mcp__github__search_code"):  # fmt: skip
        assert _mcp(tool, {"owner": "o", "repo": "r"}, workers.env(workers.review)) is None


@SLOW
@given(
    verb=st.sampled_from(sorted(MCP_READ_VERBS)),
    nouns=st.lists(st.sampled_from(NOUNS), min_size=0, max_size=3),
    style=st.integers(0, 2),
)
def test_mcp_read_verbs_pass(workers: Workers, verb: str, nouns: list[str], style: int) -> None:
    tool = _tool(verb, nouns, style)
    for worker in (workers.review, workers.research):
        assert role_denial(tool, False, None, workers.env(worker)) is None, tool


@SLOW
@given(
    read=st.sampled_from(sorted(MCP_READ_VERBS)),
    write=st.sampled_from(WRITE_VERBS),
    nouns=st.lists(st.sampled_from(NOUNS), min_size=0, max_size=2),
    where=st.integers(0, 3),
    style=st.integers(0, 2),
)
def test_mcp_write_words_are_denied(
    workers: Workers, read: str, write: str, nouns: list[str], where: int, style: int
) -> None:
    """A write verb first, after a read verb, glued to it, or a verb that is no read."""
    if where == 0:
        tool = _tool(write, nouns, style)
    elif where == 1:
        tool = _tool(read, [*nouns, write], style)
    elif where == 2:
        tool = _tool(read, [write, *nouns], style)
    else:
        tool = f"mcp__server__{read}{write}_{'_'.join(nouns)}"
    env = workers.env(workers.review)
    reason = role_denial(tool, False, None, env)
    assert reason is not None and "MCP tool" in reason, tool
    assert role_denial(tool, False, None, workers.env(workers.implement)) is None


READ_TOOL_CALLS: list[tuple[str, dict[str, object]]] = [
    ("Read", {"file_path": "/tmp/x"}),
    ("Grep", {"pattern": "x", "path": "/tmp"}),
    ("Glob", {"pattern": "*.py"}),
    ("WebFetch", {"url": "https://example.com", "prompt": "x"}),
    ("WebSearch", {"query": "x"}),
    ("TodoWrite", {"todos": [{"content": "x", "status": "pending"}]}),
    ("update_plan", {"plan": [{"step": "x", "status": "pending"}]}),
    ("view_image", {"path": "/tmp/x.png"}),
]


def test_tools_without_a_command(workers: Workers) -> None:
    """Codex's `write_stdin` types into a running program: denied; read tools work."""
    typing: list[tuple[str, dict[str, object]]] = [
        ("write_stdin", {"session_id": 1, "chars": "!sh\n"}),
        ("type_into", {"text": "x"}),
    ]
    for worker, role in ((workers.review, "review"), (workers.research, "research")):
        env = workers.env(worker)
        for tool, tool_input in typing:
            reason = _mcp(tool, tool_input, env)
            assert reason is not None and f"is a {role} worker" in reason, tool
        for tool, tool_input in READ_TOOL_CALLS:
            assert _mcp(tool, tool_input, env) is None, tool
    assert role_denial("write_stdin", False, None, workers.env(workers.implement)) is None
