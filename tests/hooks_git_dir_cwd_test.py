"""A shell call made from inside the git directory (``cwd`` or Codex's ``workdir`` in
``.git``, ``.git/hooks``, ``.git/review-gate`` ...) is judged as the same call made from
the work tree after a ``cd`` there (src/review_gate/hooks/checkout.py,
``from_checkout_top``): ``rm pre-push`` in ``.git/hooks`` is a write to the pre-push hook.
Before, git found no work tree there, the checkout looked ungated and the pre-filter saw
no protected name. And a file tool's path that starts with ``~`` is never waved through
by the path test (a tool may expand it to a home directory). Generated as directories x
targets x routes x placements, against the full decision and the installed hook's fast
path."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.hooks.agent import decide_pre_tool_use
from review_gate.hooks.fast_path import no_objection
from tests.helpers import GIT_ENV
from tests.shell_cases import protected_checkout

#: Where a call may run, inside the git directory.
PLACES = [".git", ".git/hooks", ".git/review-gate", ".git/info", ".git/refs/heads"]
#: The gate's own files, relative to the work tree.
TARGETS = [
    ".git/hooks/pre-push",
    ".git/hooks/commit-msg",
    ".git/config",
    ".git/info/exclude",
    ".git/review-gate/tracker.sqlite3",
    ".git/review-gate/audit.jsonl",
    ".review-gate.toml",
    ".claude/settings.json",
]
WRITES = [
    "rm -f {p}",
    "rm -rf {p}",
    "cp /tmp/evil {p}",
    "mv {p} /tmp/gone",
    "echo x > {p}",
    "printf '[core]\\n' >> {p}",
    "tee {p} < /dev/null",
    "sed -i d {p}",
    "truncate -s 0 {p}",
    "chmod 000 {p}",
    "ln -sf /tmp/evil {p}",
    "python3 -c \"open('{p}', 'w')\"",
]
READS = ["ls -la", "cat HEAD", "git log --oneline -3", "git status --short", "pwd"]
_FIXTURE = HealthCheck.function_scoped_fixture


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("gitdir")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        repo, environ = protected_checkout(root)
        for place in PLACES:
            (repo / place).mkdir(parents=True, exist_ok=True)
        (repo / ".git" / "review-gate" / "tracker.sqlite3").write_text("")
        yield repo, environ


def _payload(repo: Path, place: str, command: str, how: str) -> dict[str, object]:
    if how == "cwd":
        return {"hook_event_name": "PreToolUse", "cwd": str(repo / place),
                "tool_name": "Bash", "tool_input": {"command": command}}  # fmt: skip
    return {"hook_event_name": "PreToolUse", "cwd": str(repo),  # Codex's shell tool
            "tool_name": "shell", "tool_input": {"command": command, "workdir": place}}  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[_FIXTURE])
@given(
    st.sampled_from(PLACES),
    st.sampled_from(TARGETS),
    st.sampled_from(WRITES),
    st.sampled_from(["cwd", "workdir"]),
)
def test_writes_from_inside_the_git_directory_are_denied(
    checkout: tuple[Path, dict[str, str]], place: str, target: str, write: str, how: str
) -> None:
    repo, environ = checkout
    relative = os.path.relpath(repo / target, repo / place)  # `pre-push`, `../config` ...
    command = write.format(p=relative)
    raw = json.dumps(_payload(repo, place, command, how)).encode()
    assert not no_objection(raw, {}), command  # never answered before the full decision
    reason = decide_pre_tool_use(raw, environ)
    assert reason is not None, f"{place}: {command}"
    assert "gated" in reason or "review-gate" in reason


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("command", READS)
def test_reads_from_inside_the_git_directory_are_left_alone(
    checkout: tuple[Path, dict[str, str]], place: str, command: str
) -> None:
    repo, environ = checkout
    raw = json.dumps(_payload(repo, place, command, "cwd")).encode()
    assert decide_pre_tool_use(raw, environ) is None


def _home_relative(environ: dict[str, str], target: Path) -> str:
    return "~/" + os.path.relpath(target, environ.get("HOME") or os.path.expanduser("~"))


@pytest.mark.parametrize("tool", ["Write", "Edit", "MultiEdit"])
@pytest.mark.parametrize(
    "where",
    [
        lambda repo: Path(sys.executable).parent / "gate",  # review-gate's installation
        lambda repo: Path(sys.prefix) / "pyvenv.cfg",
        lambda repo: repo / ".git" / "hooks" / "pre-push",
        lambda repo: repo / ".git" / "review-gate" / "tracker.sqlite3",
    ],
    ids=["gate", "pyvenv", "pre-push", "state"],
)
def test_file_paths_from_home_are_judged_in_full(
    checkout: tuple[Path, dict[str, str]], tool: str, where: object
) -> None:
    repo, environ = checkout
    target = where(repo)  # type: ignore[operator]
    path = _home_relative(environ, target)
    tool_input: dict[str, object] = {"file_path": path, "content": "x"}
    if tool == "Edit":
        tool_input = {"file_path": path, "old_string": "a", "new_string": "b"}
    if tool == "MultiEdit":
        tool_input = {"file_path": path, "edits": [{"old_string": "a", "new_string": "b"}]}
    payload = {"hook_event_name": "PreToolUse", "cwd": str(repo), "tool_name": tool,
               "tool_input": tool_input}  # fmt: skip
    raw = json.dumps(payload).encode()
    assert not no_objection(raw, {}), path
    assert decide_pre_tool_use(raw, environ) is not None, path
