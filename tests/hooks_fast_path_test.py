"""The installed PreToolUse hook's fast path (``review_gate.hooks.fast_path``): it answers
silence only where the full decision (``review_gate.hooks.agent``) would, it is taken for
the calls agents make all day, and the installed hook still fails closed around it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review_gate.hooks import agent, fast_path
from review_gate.hooks.tool_names import glued_pr_tool, is_pr_tool
from tests import shell_cases

SRC = Path(fast_path.__file__).resolve().parents[2]
WORKER = {b"REVIEW_GATE_STATE_DIR": b"/tmp/state", b"REVIEW_GATE_BUDGET": b""}


def payload(tool: str, tool_input: object, cwd: str = "/tmp", **extra: Any) -> bytes:
    data = {"cwd": cwd, "hook_event_name": "PreToolUse", "tool_name": tool}
    return json.dumps({**data, "tool_input": tool_input, **extra}).encode()


def agrees(raw: bytes) -> bool:
    """The fast path's silence is the full decision's (outside a worker); returns it."""
    silent = fast_path.no_objection(raw, {})
    if silent:
        assert agent.decide_pre_tool_use(raw, {}) is None, raw
    return silent


BENIGN = [
    "ls -la | grep -v node_modules | head -n 20 && cat README.md",
    "pytest -q tests/test_app.py -x",
    "npm run build",
    "cat src/app/main.py",
]


@pytest.mark.parametrize("command", BENIGN + shell_cases.NOT_TAMPERING + shell_cases.LOOKALIKES)
def test_silence_only_where_the_full_decision_is_silent(command: str, tmp_path: Path) -> None:
    assert agrees(payload("Bash", {"command": command}, str(tmp_path))) or command not in BENIGN


@pytest.mark.parametrize(
    "command", shell_cases.DENIED_WITHOUT_REVIEW + shell_cases.TAMPERING + shell_cases.PR_DIRECT
)
def test_what_the_full_decision_gates_is_never_answered_here(command: str) -> None:
    assert not fast_path.no_objection(payload("Bash", {"command": command}), {})


def test_ordinary_file_writes_are_answered_here(tmp_path: Path) -> None:
    target = str(tmp_path / "src" / "app.py")
    assert agrees(payload("Write", {"file_path": target, "content": "x"}, str(tmp_path)))
    assert agrees(payload("Edit", {"file_path": target, "old_string": "a", "new_string": "b"}))
    patch = "*** Begin Patch\n*** Update File: app.py\n@@\n-a\n+b\n*** End Patch\n"
    assert agrees(payload("apply_patch", {"command": patch}, str(tmp_path)))


@pytest.mark.parametrize(
    "path", [".review-gate.toml", ".claude/settings.json", ".git/hooks/pre-push", "pyproject.toml"]
)
def test_writes_that_may_be_the_gates_own_files_are_not(path: str, tmp_path: Path) -> None:
    raw = payload("Write", {"file_path": str(tmp_path / path), "content": ""}, str(tmp_path))
    assert not fast_path.no_objection(raw, {})


@pytest.mark.parametrize(
    "raw",
    [
        payload("Bash", {"command": "ls"}, hook_event_name="ConfigChange"),
        payload("Bash", {"command": "gh", "args": ["pr", "create"]}),
        payload("Bash", {"command": ["ls"]}),
        payload("Bash", "ls"),
        payload("Bash", {"command": "apply_patch <<'EOF'\n*** Add File: x\n+a\nEOF"}),
        payload("mcp__github__create_pull_request", {"title": "t"}),
        payload("Read", {"file_path": "README.md"}),
        b"",
        b"[1]",
        b'{"tool_name": "Bash", "tool_input": {"command": "ls"}',
    ],
)
def test_everything_else_takes_the_full_decision(raw: bytes) -> None:
    assert not fast_path.no_objection(raw, {})


def test_a_dispatched_worker_takes_the_full_decision() -> None:
    raw = payload("Bash", {"command": "ls"})
    assert fast_path.no_objection(raw, {}) and not fast_path.no_objection(raw, WORKER)
    budget = {b"REVIEW_GATE_BUDGET": b"/tmp/budget"}
    assert not fast_path.no_objection(raw, budget)


def test_shell_tool_names_are_no_pr_tools() -> None:
    """The fast path skips the tool-name checks for shell tools: none of them can be one."""
    for name in fast_path.SHELL_TOOLS:
        for spelled in (name, name.upper(), name.title(), name.title().replace("_", "")):
            assert not is_pr_tool(spelled) and not glued_pr_tool(spelled), spelled


TOOLS = st.sampled_from(
    [
        "Bash",
        " bash ",
        "SHELL",
        "exec_command",
        "Write",
        "Edit",
        "apply_patch",
        "Read",
        "NotebookEdit",
        "mcp__fs__write_file",
        "mcp__gh__create_pull_request",
        "",
    ]
)
WORDS = st.sampled_from(
    [
        "ls",
        "gh",
        "pr",
        "create",
        "git",
        "push",
        "--no-verify",
        "$X",
        "`x`",
        "|",
        "&&",
        ">",
        ".review-gate.toml",
        "rm",
        "-rf",
        "/",
        "cat",
        "README.md",
        "***",
        "apply",
        "echo",
    ]
)
INPUTS = st.fixed_dictionaries(
    {},
    optional={
        "command": st.lists(WORDS, max_size=6).map(" ".join) | st.lists(WORDS, max_size=3),
        "cmd": st.lists(WORDS, max_size=6).map(" ".join),
        "args": st.lists(WORDS, max_size=3),
        "file_path": st.sampled_from(["src/a.py", ".claude/settings.json", "../x", "/etc/x"]),
    },
)


@settings(max_examples=300, deadline=None)
@given(TOOLS, INPUTS, st.sampled_from(["PreToolUse", "ConfigChange", None]))
def test_silence_agrees_with_the_full_decision(
    tool: str, tool_input: dict[str, Any], event: str | None
) -> None:
    raw = payload(tool, tool_input, hook_event_name=event)
    agrees(raw)


def _copy_package(tmp_path: Path) -> Path:
    shutil.copytree(SRC / "review_gate", tmp_path / "review_gate")
    return tmp_path / "review_gate" / "hooks" / "run_hook.py"


def test_a_package_that_cannot_load_denies(tmp_path: Path) -> None:
    run_hook = _copy_package(tmp_path)
    broken = run_hook.with_name("fast_path.py")
    broken.write_text(broken.read_text() + "\nraise ImportError('broken')\n")
    argv = [sys.executable, "-I", "-S", str(run_hook)]
    proc = subprocess.run(
        [*argv, "pre-tool-use"], input=payload("Bash", {"command": "ls"}),
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    assert "cannot load (ImportError)" in answer["permissionDecisionReason"]
    stop = subprocess.run(
        [*argv, "stop"], input=b"{}", capture_output=True, timeout=60, check=False
    )
    assert stop.returncode != 0 and not stop.stdout  # never a block nobody counts


def test_the_installed_hook_skips_finalisation_once_it_answered(tmp_path: Path) -> None:
    """A pre-tool-use answer, silence or a deny, ends the process before the
    interpreter's finalisation (an ``atexit`` handler planted in the package does not
    run), with the answer whole on stdout; the Stop hook exits the usual way."""
    run_hook = _copy_package(tmp_path)
    module = run_hook.with_name("fast_path.py")
    module.write_text(
        module.read_text()
        + "\nimport atexit\natexit.register(lambda: sys.stderr.write('finalised'))\n"
    )
    argv = [sys.executable, "-I", "-S", str(run_hook)]
    quick = subprocess.run(
        [*argv, "pre-tool-use"], input=payload("Bash", {"command": "ls -la"}),
        capture_output=True, timeout=60,
    )  # fmt: skip
    assert (quick.returncode, quick.stdout, quick.stderr) == (0, b"", b"")
    denied = subprocess.run(
        [*argv, "pre-tool-use"], input=b"", capture_output=True, timeout=60, check=False
    )
    assert denied.returncode == 0 and denied.stderr == b""
    assert json.loads(denied.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    parsed = subprocess.run(
        [*argv, "pre-tool-use"], input=payload("Bash", {"command": "gh pr view 1 --json x"}),
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert (parsed.returncode, parsed.stdout, parsed.stderr) == (0, b"", b"")
    stop = subprocess.run([*argv, "stop"], input=b"{}", capture_output=True, timeout=60)
    assert stop.stderr.endswith(b"finalised")
