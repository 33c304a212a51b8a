"""``gate install|uninstall claude|codex`` and the doctor checks of the agent hook wiring."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from review_gate.errors import UsageError
from review_gate.install import agents as lib
from review_gate.install.hook_files import (
    CONFIG_MATCHER,
    LEGACY_MATCHERS,
    hook_command,
    is_our_command,
    matcher_covers,
)
from tests.helpers import GATE, git, init_repo, run_gate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

OTHER_PRE = {"matcher": "Edit", "hooks": [{"type": "command", "command": "lint-it", "timeout": 5}]}
OTHER_STOP = {"hooks": [{"type": "command", "command": "notify-send done"}]}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))
    # No Codex CLI to ask: trust goes through review-gate's own hash recipe (the fallback).
    # The real Codex app-server path is tests/e2e/codex_trust_test.py.
    monkeypatch.setenv("REVIEW_GATE_CODEX", str(tmp_path / "no-codex"))
    return init_repo(tmp_path / "project")


def ours(data: dict[str, Any], event: str) -> list[dict[str, Any]]:
    return [
        h
        for g in data.get("hooks", {}).get(event, [])
        for h in g["hooks"]
        if is_our_command(h["command"])
    ]


def recipe_hash(event: str, matcher: str | None, command: str) -> str:
    """Codex's trusted_hash, written out from docs/agent-hooks.md ("Codex trust")."""
    identity: dict[str, Any] = {
        "event_name": event,
        "hooks": [{"type": "command", "command": command, "timeout": 30, "async": False}],
    }
    if matcher is not None:
        identity["matcher"] = matcher
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("agent", "scope", "rel"),
    [
        ("claude", "project", "project/.claude/settings.json"),
        ("claude", "local", "project/.claude/settings.local.json"),
        ("claude", "user", "home/.claude/settings.json"),
        ("codex", "project", "project/.codex/hooks.json"),
        ("codex", "local", "project/.codex/hooks.json"),
        ("codex", "user", "codex-home/hooks.json"),
    ],
)
def test_install_writes_both_hooks_with_absolute_gate(
    agent: str, scope: str, rel: str, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (repo / "sub").mkdir()
    result = lib.install(agent, scope=scope, cwd=repo / "sub")
    assert result.path == tmp_path / rel and result.changed
    data = json.loads(result.path.read_text())
    pre, stop = ours(data, "PreToolUse"), ours(data, "Stop")
    assert len(pre) == 1 and len(stop) == 1
    exe = pre[0]["command"].split()[0]
    assert os.path.isabs(exe) and os.access(exe, os.X_OK)
    assert pre[0]["timeout"] == 30 and pre[0]["type"] == "command"
    assert data["hooks"]["PreToolUse"][0]["matcher"] == lib.MATCHER
    assert "matcher" not in data["hooks"]["Stop"][0]
    # Claude Code also gets ConfigChange (the same command answers it); Codex has no such
    # event and would reject a hooks.json naming one.
    if agent == "claude":
        [config] = data["hooks"]["ConfigChange"]
        assert config["matcher"] == CONFIG_MATCHER
        assert config["hooks"] == [pre[0]]
    else:
        assert set(data["hooks"]) == {"PreToolUse", "Stop"}


def test_claude_user_scope_honours_claude_config_dir(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "cfg"))
    assert lib.install("claude", scope="user", cwd=repo).path == tmp_path / "cfg" / "settings.json"


@pytest.mark.parametrize(
    ("name", "matches"),
    [
        ("Bash", True),
        ("mcp__github__create_pull_request", True),
        ("mcp__x__createPullRequest", True),
        ("mcp__filesystem__write_file", True),
        ("Write", True),
        ("Edit", True),
        ("MultiEdit", True),
        ("NotebookEdit", True),
        ("apply_patch", True),
        ("Read", False),
        ("Glob", False),
        ("Grep", False),
        ("WebFetch", False),
        ("BashOutput", False),
        ("xBash", False),
        ("Writer", False),
        ("apply_patches", False),
    ],
)
def test_matcher(name: str, matches: bool) -> None:
    # Codex: anything beyond letters, digits, _ and | is a regex (unanchored, so anchor it).
    assert re.search(r"[^A-Za-z0-9_|]", lib.MATCHER)
    assert bool(re.search(lib.MATCHER, name)) is matches
    assert matcher_covers(lib.MATCHER, name) is matches


@pytest.mark.parametrize(
    ("matcher", "tool", "covers"),
    [
        (None, "Write", True),
        ("", "Write", True),
        ("*", "apply_patch", True),
        ("Bash|Write", "Write", True),
        ("Bash|Write", "Writer", False),  # letters and | only: exact names
        ("Bash", "Edit", False),
        ("Edit|Write|Notebook.*", "NotebookEdit", True),  # a regex, unanchored
        ("^(Bash|mcp__.*)$", "Write", False),  # what earlier releases installed
        ("(", "Bash", False),  # not a regex: selects nothing we can tell
        (7, "Bash", False),
    ],
)
def test_matcher_covers(matcher: object, tool: str, covers: bool) -> None:
    assert matcher_covers(matcher, tool) is covers


@pytest.mark.parametrize("agent", lib.AGENTS)
def test_install_is_idempotent(agent: str, repo: Path) -> None:
    first = lib.install(agent, cwd=repo)
    before = first.path.read_bytes()
    second = lib.install(agent, cwd=repo)
    assert not second.changed
    assert first.path.read_bytes() == before
    data = json.loads(before)
    assert len(data["hooks"]["PreToolUse"]) == 1 and len(data["hooks"]["Stop"]) == 1


def test_install_preserves_everything_else_and_formatting(repo: Path) -> None:
    path = repo / ".claude" / "settings.json"
    path.parent.mkdir()
    original = {
        "permissions": {"allow": ["Bash(ls:*)"]},
        "hooks": {"PreToolUse": [OTHER_PRE], "Stop": [OTHER_STOP], "PostToolUse": [OTHER_PRE]},
        "model": "opus",
    }
    path.write_text(json.dumps(original, indent=4) + "\n")
    lib.install("claude", scope="project", cwd=repo)
    text = path.read_text()
    assert text.startswith('{\n    "permissions"')  # 4-space indent kept
    data = json.loads(text)
    assert list(data) == ["permissions", "hooks", "model"]
    assert data["hooks"]["PreToolUse"][0] == OTHER_PRE
    assert data["hooks"]["Stop"][0] == OTHER_STOP
    assert data["hooks"]["PostToolUse"] == [OTHER_PRE]
    lib.uninstall("claude", scope="project", cwd=repo)
    assert json.loads(path.read_text()) == original


def test_stale_entry_is_replaced_in_place(repo: Path) -> None:
    path = repo / ".codex" / "hooks.json"
    path.parent.mkdir()
    stale = {
        "matcher": "Bash",
        "hooks": [{"type": "command", "command": "/old/venv/bin/gate hook pre-tool-use"}],
    }
    mixed = {
        "hooks": [
            {"type": "command", "command": "other"},
            {"type": "command", "command": "gate hook stop"},
        ]
    }
    path.write_text(json.dumps({"hooks": {"PreToolUse": [stale, OTHER_PRE], "Stop": [mixed]}}))
    lib.install("codex", scope="project", cwd=repo)
    data = json.loads(path.read_text())
    assert data["hooks"]["PreToolUse"][0]["hooks"][0]["command"].startswith(os.path.dirname(GATE))
    assert data["hooks"]["PreToolUse"][1] == OTHER_PRE
    assert data["hooks"]["Stop"][0] == {"hooks": [{"type": "command", "command": "other"}]}
    assert len(ours(data, "Stop")) == 1


def test_uninstall_removes_a_file_it_created_and_nothing_else(repo: Path) -> None:
    result = lib.install("claude", scope="local", cwd=repo)
    assert result.path.exists()
    assert lib.uninstall("claude", scope="local", cwd=repo).changed
    assert not result.path.exists()
    assert not lib.uninstall("claude", scope="local", cwd=repo).changed


def test_local_scope_is_not_committed(repo: Path) -> None:
    lib.install("claude", scope="local", cwd=repo)
    lib.install("codex", scope="local", cwd=repo)
    assert git(repo, "status", "--porcelain") == ""
    exclude = (repo / ".git" / "info" / "exclude").read_text().splitlines()
    assert "/.claude/settings.local.json" in exclude and "/.codex/hooks.json" in exclude
    lib.install("codex", scope="local", cwd=repo)
    assert (repo / ".git" / "info" / "exclude").read_text().splitlines() == exclude


MALFORMED = [
    "{",
    "[]",
    '"x"',
    '{"hooks": []}',
    '{"hooks": {"Stop": {}}}',
    '{"hooks": {"Stop": [1]}}',
    "\xff",
]


@pytest.mark.parametrize("content", MALFORMED)
@pytest.mark.parametrize("agent", lib.AGENTS)
def test_malformed_settings_exit_2_untouched(agent: str, content: str, repo: Path) -> None:
    path = lib.settings_path(agent, "project", repo)
    path.parent.mkdir()
    raw = content.encode("latin-1")
    path.write_bytes(raw)
    proc = run_gate("install", agent, "--scope", "project", cwd=repo)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "gate: error:" in proc.stderr and "left untouched" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert path.read_bytes() == raw
    assert run_gate("uninstall", agent, "--scope", "project", cwd=repo).returncode == 2


def test_cli_install_and_uninstall(repo: Path) -> None:
    proc = run_gate("install", "claude", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "installed review-gate's hooks for Claude Code" in proc.stdout
    proc = run_gate("install", "claude", "--format", "json", cwd=repo)
    report = json.loads(proc.stdout)
    assert report["changed"] is False and report["scope"] == "local"
    assert report["command"] == f"{GATE} hook"
    proc = run_gate("uninstall", "claude", cwd=repo)
    assert proc.returncode == 0 and "removed" in proc.stdout


def test_gate_must_be_executable(repo: Path, tmp_path: Path) -> None:
    fake = tmp_path / "gate"
    fake.write_text("#!/bin/sh\n")
    with pytest.raises(UsageError):
        lib.install("claude", cwd=repo, gate=str(fake))
    with pytest.raises(UsageError):
        lib.install("claude", cwd=repo, gate=str(tmp_path / "missing"))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    assert lib.install("claude", cwd=repo, gate=str(fake)).command == f"{fake} hook"


def _launcher(path: Path) -> Path:
    """A ``gate`` that is a shell script running the real one (its command line differs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nexec "{GATE}" "$@"\n')
    path.chmod(0o755)
    return path


def test_paths_with_spaces_are_quoted(repo: Path, tmp_path: Path) -> None:
    # A launcher that is not a Python script of this interpreter: `gate hook EVENT`.
    odd = _launcher(tmp_path / "my tools" / "gate")
    result = lib.install("claude", cwd=repo, gate=str(odd))
    data = json.loads(result.path.read_text())
    assert ours(data, "Stop")[0]["command"] == f"'{odd}' hook stop"


def test_this_interpreters_gate_gets_the_fast_start(repo: Path) -> None:
    """The installed command runs the hook with ``python -I -S`` and answers like
    ``gate hook``: silent on an ordinary command, a deny on an unreviewed PR."""
    import shlex
    import subprocess

    result = lib.install("claude", cwd=repo, gate=GATE)
    command = ours(json.loads(result.path.read_text()), "PreToolUse")[0]["command"]
    argv = shlex.split(command)
    assert argv[1:3] == ["-I", "-S"] and argv[3].endswith("run_hook.py"), argv
    assert argv[-1] == "pre-tool-use" and is_our_command(command)

    def answer(cmd: str) -> str:
        payload = json.dumps(
            {"cwd": str(repo), "hook_event_name": "PreToolUse", "tool_name": "Bash",
             "tool_input": {"command": cmd}}
        )  # fmt: skip
        proc = subprocess.run(
            argv, input=payload, capture_output=True, text=True, timeout=60, check=False,
            env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    assert answer("ls -la && cat README.md") == ""
    assert answer("gh pr view 1 --json title") == ""  # reaches the parser: site-packages
    assert '"deny"' in answer("gh pr create --title x --body y")


# -- Codex trust ---------------------------------------------------------------------------


def test_codex_trust_hash_follows_the_recipe(repo: Path, tmp_path: Path) -> None:
    result = lib.install("codex", scope="project", cwd=repo, trust_hooks=True)
    hooks_file = str(repo / ".codex" / "hooks.json")
    config = tomllib.loads((tmp_path / "codex-home" / "config.toml").read_text())
    state = config["hooks"]["state"]
    pre_cmd, stop_cmd = hook_command(GATE, "pre-tool-use"), hook_command(GATE, "stop")
    assert state == {
        f"{hooks_file}:pre_tool_use:0:0": {
            "trusted_hash": recipe_hash("pre_tool_use", lib.MATCHER, pre_cmd)
        },
        f"{hooks_file}:stop:0:0": {"trusted_hash": recipe_hash("stop", None, stop_cmd)},
    }
    assert len(result.trusted) == 2
    assert any("trusted project" in n for n in result.notes)


def test_codex_trust_keeps_config_and_is_idempotent(repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "codex-home" / "config.toml"
    config.parent.mkdir()
    original = f'model = "m"\n\n[projects."{repo}"]\ntrust_level = "trusted"\n'
    config.write_text(original)
    lib.install("codex", scope="project", cwd=repo, trust_hooks=True)
    text = config.read_text()
    assert text.startswith(original)
    again = lib.install("codex", scope="project", cwd=repo, trust_hooks=True)
    assert again.trusted == () and config.read_text() == text
    assert not any("trusted project" in n for n in again.notes)
    # A new gate path changes the hash: the saved entry is rewritten, not duplicated.
    other = _launcher(tmp_path / "bin" / "gate")
    moved = lib.install("codex", scope="project", cwd=repo, gate=str(other), trust_hooks=True)
    assert len(moved.trusted) == 2
    state = tomllib.loads(config.read_text())["hooks"]["state"]
    assert len(state) == 2
    assert all(
        v["trusted_hash"]
        == recipe_hash(
            "pre_tool_use" if "pre_tool_use" in k else "stop",
            lib.MATCHER if "pre_tool_use" in k else None,
            f"{other} hook {'pre-tool-use' if 'pre_tool_use' in k else 'stop'}",
        )
        for k, v in state.items()
    )


def test_codex_without_trust_writes_no_trust(repo: Path, tmp_path: Path) -> None:
    result = lib.install("codex", scope="user", cwd=repo)
    assert not (tmp_path / "codex-home" / "config.toml").exists()
    assert any("--trust" in n for n in result.notes)


def test_malformed_codex_config_exit_2_untouched(repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "codex-home" / "config.toml"
    config.parent.mkdir()
    config.write_text("model = = broken\n")
    proc = run_gate("install", "codex", "--trust", cwd=repo, env={"CODEX_HOME": str(config.parent)})
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr
    assert config.read_text() == "model = = broken\n"


def test_codex_trust_args_parse_as_toml(repo: Path) -> None:
    result = lib.install("codex", scope="project", cwd=repo)
    flag, value = lib.codex_trust_args(result.path)
    assert flag == "-c"
    state = tomllib.loads(value)["hooks"]["state"]
    assert set(state) == {f"{result.path}:pre_tool_use:0:0", f"{result.path}:stop:0:0"}


# -- doctor --------------------------------------------------------------------------------


def findings(repo: Path, agent: str) -> list[tuple[bool, str, str | None]]:
    return [(f.ok, f.message, f.fix) for f in lib.doctor_checks(repo) if f.area == agent]


def test_doctor_nothing_set_up_is_fine(repo: Path) -> None:
    assert all(ok for ok, _, _ in findings(repo, "claude") + findings(repo, "codex"))


def test_doctor_agent_in_use_without_hooks(repo: Path) -> None:
    (repo / ".claude").mkdir()
    [(ok, message, fix)] = findings(repo, "claude")
    assert not ok and "not configured" in message and fix == "gate install claude --scope local"


def test_doctor_installed_ok(repo: Path) -> None:
    lib.install("claude", cwd=repo)
    [(ok, message, _)] = findings(repo, "claude")
    assert ok and "settings.local.json" in message


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("/nonexistent/bin/gate hook pre-tool-use", "does not exist"),
        ("gate hook pre-tool-use", "not on PATH"),
        ("'/unterminated gate hook pre-tool-use", "cannot be parsed"),
    ],
)
def test_doctor_broken_command(
    command: str, problem: str, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib.install("claude", cwd=repo)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    path = repo / ".claude" / "settings.local.json"
    data = json.loads(path.read_text())
    data["hooks"]["PreToolUse"][0]["hooks"][0]["command"] = command
    path.write_text(json.dumps(data))
    bad = [f for f in findings(repo, "claude") if not f[0]]
    assert any(problem in m and "blocks nothing" in m for _, m, _ in bad), bad
    assert bad[0][2] == "gate install claude --scope local"


def test_doctor_not_executable(repo: Path, tmp_path: Path) -> None:
    fake = tmp_path / "gate"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    lib.install("claude", cwd=repo, gate=str(fake))
    fake.chmod(0o644)
    assert any("not executable" in m for ok, m, _ in findings(repo, "claude") if not ok)


def test_doctor_missing_stop_hook(repo: Path) -> None:
    lib.install("claude", cwd=repo)
    path = repo / ".claude" / "settings.local.json"
    data = json.loads(path.read_text())
    del data["hooks"]["Stop"]
    path.write_text(json.dumps(data))
    assert any("no review-gate Stop hook" in m for ok, m, _ in findings(repo, "claude") if not ok)


def test_doctor_codex_trust(repo: Path, tmp_path: Path) -> None:
    lib.install("codex", scope="project", cwd=repo)
    messages = [m for ok, m, _ in findings(repo, "codex") if not ok]
    assert any("not trusted" in m for m in messages)
    assert any("trusted project" in m for m in messages)
    config = tmp_path / "codex-home" / "config.toml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(f'[projects."{repo}"]\ntrust_level = "trusted"\n')
    lib.install("codex", scope="project", cwd=repo, trust_hooks=True)
    assert all(ok for ok, _, _ in findings(repo, "codex"))


def test_doctor_malformed_settings(repo: Path) -> None:
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text("{")
    assert any("not valid JSON" in m for ok, m, _ in findings(repo, "claude") if not ok)


def test_gate_doctor_reports_agent_hooks(repo: Path) -> None:
    lib.install("claude", cwd=repo, gate=str(Path(sys.executable).with_name("gate")))
    proc = run_gate("doctor", "--format", "json", cwd=repo)
    report = json.loads(proc.stdout)
    claude = [f for f in report["findings"] if f["area"] == "claude"]
    assert claude and all(f["ok"] for f in claude)


# -- uninstall codex takes back its trust entries ------------------------------------------

FOREIGN_TRUST = '[hooks.state."/elsewhere/hooks.json:stop:0:0"]\ntrusted_hash = "sha256:00"\n'


@pytest.mark.parametrize(
    "original",
    [
        None,  # no config.toml before: none after
        'model = "m"\n',
        f'model = "m"\n\n[projects."/p"]\ntrust_level = "trusted"\n\n{FOREIGN_TRUST}',
        "# just a comment, no newline at the end",
        'model = "m"\r\n\r\n[tui]\r\nnotifications = true\r\n',
        f"{FOREIGN_TRUST}\n[hooks]\n# a comment\n[hooks.state]\n[x]\ny = 2023-01-01T00:00:00Z\n",
    ],
)
def test_uninstall_codex_removes_its_trust_and_keeps_the_rest(
    original: str | None, repo: Path, tmp_path: Path
) -> None:
    config = tmp_path / "codex-home" / "config.toml"
    if original is not None:
        config.parent.mkdir()
        config.write_bytes(original.encode())
    installed = lib.install("codex", scope="project", cwd=repo, trust_hooks=True)
    assert len(installed.trusted) == 2
    removed = lib.uninstall("codex", scope="project", cwd=repo)
    assert removed.changed and sorted(removed.untrusted) == sorted(installed.trusted)
    assert any("removed 2 trust entries" in n for n in removed.notes)
    if original is None:
        assert not config.exists()
    elif original.endswith("\n"):
        assert config.read_bytes() == original.encode()  # byte for byte
    else:
        assert config.read_bytes() == original.encode() + b"\n"
    again = lib.uninstall("codex", scope="project", cwd=repo)
    assert not again.changed and again.untrusted == ()


def test_uninstall_codex_keeps_tables_written_after_ours(repo: Path, tmp_path: Path) -> None:
    lib.install("codex", scope="user", cwd=repo, trust_hooks=True)
    config = tmp_path / "codex-home" / "config.toml"
    ours_text = config.read_text()
    tail = "\n# my settings\n[tui]\nnotifications = true\n"
    config.write_text(f'model = "m"\n{ours_text}{tail}')
    result = lib.uninstall("codex", scope="user", cwd=repo)
    assert len(result.untrusted) == 2
    assert config.read_text() == f'model = "m"\n{tail}'


def test_uninstall_codex_removes_entries_left_by_a_moved_group(repo: Path, tmp_path: Path) -> None:
    # Someone adds a hook of their own in front of ours: our trust key (…:pre_tool_use:0:0)
    # no longer names our position, but its hash is still review-gate's.
    lib.install("codex", scope="project", cwd=repo, trust_hooks=True)
    path = repo / ".codex" / "hooks.json"
    data = json.loads(path.read_text())
    data["hooks"]["PreToolUse"].insert(0, OTHER_PRE)
    path.write_text(json.dumps(data))
    config = tmp_path / "codex-home" / "config.toml"
    theirs = f'[hooks.state."{path}:pre_tool_use:0:0"]'
    assert theirs in config.read_text()
    result = lib.uninstall("codex", scope="project", cwd=repo)
    assert f"{path}:pre_tool_use:0:0" in result.untrusted and len(result.untrusted) == 2
    assert not config.exists()
    assert json.loads(path.read_text())["hooks"] == {"PreToolUse": [OTHER_PRE]}


def test_uninstall_codex_keeps_trust_of_other_hooks_in_the_file(repo: Path, tmp_path: Path) -> None:
    path = repo / ".codex" / "hooks.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"hooks": {"Stop": [OTHER_STOP]}}))
    config = tmp_path / "codex-home" / "config.toml"
    config.parent.mkdir()
    other_hash = recipe_hash("stop", None, "notify-send done").replace('"timeout":30,', "")
    other = f'[hooks.state."{path}:stop:0:0"]\ntrusted_hash = "{other_hash}"\n'
    config.write_text(other)
    lib.install("codex", scope="project", cwd=repo, trust_hooks=True)  # ours: stop:1:0
    result = lib.uninstall("codex", scope="project", cwd=repo)
    assert set(result.untrusted) == {f"{path}:pre_tool_use:0:0", f"{path}:stop:1:0"}
    assert config.read_text() == other


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("model = = broken\n", "not valid TOML"),
        # Trust written as dotted keys: not a table this edit can take out.
        ("{dotted}", "cannot remove review-gate's hook trust entries"),
    ],
)
def test_uninstall_codex_bad_config_exit_2_and_nothing_changes(
    content: str, message: str, repo: Path, tmp_path: Path
) -> None:
    lib.install("codex", scope="project", cwd=repo, trust_hooks=True)
    config = tmp_path / "codex-home" / "config.toml"
    state = tomllib.loads(config.read_text())["hooks"]["state"]
    dotted = "".join(
        f'hooks.state.{json.dumps(k)}.trusted_hash = "{v["trusted_hash"]}"\n'
        for k, v in state.items()
    )
    config.write_text(content.replace("{dotted}", dotted))
    before = config.read_bytes()
    hooks_before = (repo / ".codex" / "hooks.json").read_bytes()
    proc = run_gate(
        "uninstall", "codex", "--scope", "project", cwd=repo, env={"CODEX_HOME": str(config.parent)}
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("gate: error: ") and message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert config.read_bytes() == before
    assert (repo / ".codex" / "hooks.json").read_bytes() == hooks_before


def test_uninstall_claude_never_reads_codex_config(repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "codex-home" / "config.toml"
    config.parent.mkdir()
    config.write_text("model = = broken\n")
    lib.install("claude", cwd=repo)
    assert lib.uninstall("claude", cwd=repo).changed


def test_install_codex_with_broken_config_writes_nothing(repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "codex-home" / "config.toml"
    config.parent.mkdir()
    config.write_text("model = = broken\n")
    proc = run_gate("install", "codex", cwd=repo, env={"CODEX_HOME": str(config.parent)})
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr
    assert not (repo / ".codex").exists()


def test_trust_note_points_at_the_agent_hooks_doc(repo: Path) -> None:
    [note] = [n for n in lib.install("codex", scope="user", cwd=repo).notes if "--trust" in n]
    assert "docs/agent-hooks.md" in note and "README" not in note
    doc = (Path(__file__).parents[1] / "docs" / "agent-hooks.md").read_text()
    assert "Codex runs a hook only once it is trusted" in doc


# -- linked worktrees: Codex reads the main checkout's .codex/hooks.json --------------------


@pytest.fixture
def linked(repo: Path, tmp_path: Path) -> Path:
    git(repo, "worktree", "add", "-q", "-b", "feature/7-x", str(tmp_path / "wt"))
    return tmp_path / "wt"


@pytest.mark.parametrize("scope", ["local", "project"])
def test_install_codex_in_linked_worktree_warns(scope: str, linked: Path, repo: Path) -> None:
    result = lib.install("codex", scope=scope, cwd=linked)
    assert result.path == linked / ".codex" / "hooks.json" and result.changed
    [note] = [n for n in result.notes if "linked git worktree" in n]
    assert str(repo / ".codex" / "hooks.json") in note
    assert f"gate install codex -C {repo} --trust" in note and "gate dispatch" in note
    proc = run_gate("install", "codex", "--scope", scope, "--format", "json", cwd=linked)
    assert proc.returncode == 0
    assert any("linked git worktree" in n for n in json.loads(proc.stdout)["notes"])


@pytest.mark.parametrize(("agent", "scope"), [("codex", "user"), ("claude", "local")])
def test_no_worktree_note_where_it_does_not_apply(agent: str, scope: str, linked: Path) -> None:
    result = lib.install(agent, scope=scope, cwd=linked)
    assert not any("linked git worktree" in n for n in result.notes)


def test_no_worktree_note_in_main_checkout_or_submodule(repo: Path, tmp_path: Path) -> None:
    assert lib.main_checkout(repo) is None
    assert lib.main_checkout(tmp_path) is None  # not a repository
    sub_src = init_repo(tmp_path / "sub-src")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub_src), "sub")
    assert (repo / "sub" / ".git").is_file()
    assert lib.main_checkout(repo / "sub") is None
    assert not any("linked" in n for n in lib.install("codex", cwd=repo).notes)


def test_doctor_in_linked_worktree_fails_for_worktree_only_codex_hooks(
    linked: Path, repo: Path, tmp_path: Path
) -> None:
    config = tmp_path / "codex-home" / "config.toml"
    config.parent.mkdir()
    config.write_text(
        f'[projects."{repo}"]\ntrust_level = "trusted"\n'
        f'[projects."{linked}"]\ntrust_level = "trusted"\n'
    )
    lib.install("codex", cwd=linked, trust_hooks=True)  # trusted, runnable, yet never run
    [(ok, message, fix)] = findings(linked, "codex")
    assert not ok and "linked worktree" in message and str(linked) in message
    assert fix is not None and f"gate install codex -C {repo} --trust" in fix
    assert "gate dispatch" in fix
    proc = run_gate("doctor", "--format", "json", cwd=linked)
    assert proc.returncode == 1
    # Installed in the main checkout too: Codex runs those here, the worktree file is moot.
    lib.install("codex", cwd=repo, trust_hooks=True)
    codex = findings(linked, "codex")
    assert all(ok for ok, _, _ in codex), codex
    assert any(str(repo / ".codex" / "hooks.json") in m for _, m, _ in codex)
    assert any("the hooks configured above apply" in m for _, m, _ in codex)


def test_doctor_in_linked_worktree_checks_the_main_checkouts_file(linked: Path, repo: Path) -> None:
    lib.install("codex", cwd=repo)  # not trusted
    bad = [(m, f) for ok, m, f in findings(linked, "codex") if not ok]
    assert any(
        "not trusted" in m and f == f"gate install codex --scope project -C {repo} --trust"
        for m, f in bad
    ), bad


def test_doctor_in_linked_worktree_codex_set_up_without_hooks(linked: Path, repo: Path) -> None:
    (linked / ".codex").mkdir()
    [(ok, message, fix)] = findings(linked, "codex")
    assert not ok and "not configured" in message
    assert fix is not None and fix.startswith(f"gate install codex -C {repo} --trust")


def test_codex_trust_keeps_crlf_line_ends(repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "codex-home" / "config.toml"
    config.parent.mkdir()
    config.write_bytes(b'model = "m"\r\n')
    lib.install("codex", scope="project", cwd=repo, trust_hooks=True)
    other = _launcher(tmp_path / "bin" / "gate")
    moved = lib.install("codex", scope="project", cwd=repo, gate=str(other), trust_hooks=True)
    assert len(moved.trusted) == 2  # rewritten in place
    raw = config.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"") and raw.count(b"trusted_hash") == 2
    lib.uninstall("codex", scope="project", cwd=repo)
    assert config.read_bytes() == b'model = "m"\r\n'


# -- an install from before the file-tool checks -------------------------------------------

LEGACY = LEGACY_MATCHERS[0]


def old_install(agent: str, repo: Path) -> Path:
    """What `gate install` wrote before the file tools: the Bash|mcp matcher, no
    ConfigChange entry."""
    result = lib.install(agent, cwd=repo)
    data = json.loads(result.path.read_text())
    data["hooks"]["PreToolUse"][0]["matcher"] = LEGACY
    data["hooks"].pop("ConfigChange", None)
    result.path.write_text(json.dumps(data))
    return result.path


@pytest.mark.parametrize("agent", lib.AGENTS)
def test_doctor_reports_an_install_without_the_file_tools(agent: str, repo: Path) -> None:
    path = old_install(agent, repo)
    bad = [(m, f) for ok, m, f in findings(repo, agent) if not ok]
    missing = "Write, Edit" if agent == "claude" else "apply_patch"
    assert any("matcher" in m and missing in m and "re-run" in m for m, _ in bad), bad
    ours_bad = [(m, f) for m, f in bad if "matcher" in m or "ConfigChange" in m]
    assert ours_bad and all(
        f and f.startswith(f"gate install {agent} --scope ") for _, f in ours_bad
    )
    if agent == "claude":
        assert any("no review-gate ConfigChange hook" in m for m, _ in bad), bad
    # Re-running the install fixes it in place.
    lib.install(agent, cwd=repo)
    data = json.loads(path.read_text())
    assert data["hooks"]["PreToolUse"][0]["matcher"] == lib.MATCHER
    assert len(ours(data, "PreToolUse")) == 1
    if agent == "codex":
        assert "ConfigChange" not in data["hooks"]
    assert not [m for ok, m, _ in findings(repo, agent) if not ok and "matcher" in m]


def test_doctor_accepts_a_wider_matcher(repo: Path) -> None:
    result = lib.install("claude", cwd=repo)
    data = json.loads(result.path.read_text())
    data["hooks"]["PreToolUse"][0]["matcher"] = "*"
    result.path.write_text(json.dumps(data))
    [(ok, _, _)] = findings(repo, "claude")
    assert ok


def test_uninstall_removes_the_config_change_entry(repo: Path) -> None:
    path = repo / ".claude" / "settings.json"
    path.parent.mkdir()
    theirs = {"hooks": [{"type": "command", "command": "audit-settings"}]}
    path.write_text(json.dumps({"hooks": {"ConfigChange": [theirs]}}))
    lib.install("claude", scope="project", cwd=repo)
    data = json.loads(path.read_text())
    assert data["hooks"]["ConfigChange"][0] == theirs and len(data["hooks"]["ConfigChange"]) == 2
    lib.uninstall("claude", scope="project", cwd=repo)
    assert json.loads(path.read_text()) == {"hooks": {"ConfigChange": [theirs]}}


def test_codex_install_drops_a_config_change_entry_of_ours(repo: Path) -> None:
    path = repo / ".codex" / "hooks.json"
    path.parent.mkdir()
    stray = {"hooks": [{"type": "command", "command": f"{GATE} hook pre-tool-use"}]}
    path.write_text(json.dumps({"hooks": {"ConfigChange": [stray]}}))
    lib.install("codex", scope="project", cwd=repo)
    assert set(json.loads(path.read_text())["hooks"]) == {"PreToolUse", "Stop"}


def test_uninstall_codex_removes_trust_of_an_old_matcher(repo: Path, tmp_path: Path) -> None:
    # Trusted under the old matcher, then moved behind a hook of someone else's: the key at
    # :0:0 is no longer our position, and only its (old) hash says it was ours.
    lib.install("codex", scope="project", cwd=repo)
    path = repo / ".codex" / "hooks.json"
    data = json.loads(path.read_text())
    data["hooks"]["PreToolUse"][0]["matcher"] = LEGACY
    path.write_text(json.dumps(data))
    from review_gate.install import codex_trust as trust

    config = tmp_path / "codex-home" / "config.toml"
    trust.save_trust(config, trust.trust_entries(path, data["hooks"], only=lambda h: True))
    data["hooks"]["PreToolUse"].insert(0, OTHER_PRE)
    path.write_text(json.dumps(data))
    result = lib.uninstall("codex", scope="project", cwd=repo)
    assert f"{path}:pre_tool_use:0:0" in result.untrusted
    assert not config.exists()


def test_codex_trust_without_app_server_is_labelled_fallback(repo: Path, tmp_path: Path) -> None:
    result = lib.install("codex", scope="user", cwd=repo, trust_hooks=True)
    [how] = [n for n in result.notes if n.startswith("trust recorded")]
    assert "review-gate's own computation" in how and "fallback: no codex on PATH" in how
    [trusted] = [f for f in lib.doctor_checks(repo) if f.area == "codex" and "trusted" in f.message]
    assert trusted.ok and "fallback" in trusted.message


def test_codex_trust_with_a_codex_lacking_hooks_list_falls_back(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older Codex: `app-server` answers initialize but not hooks/list (JSON-RPC error)."""
    fake = tmp_path / "old-codex"
    fake.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        "for line in sys.stdin:\n"
        "    m = json.loads(line)\n"
        "    if 'id' not in m: continue\n"
        "    if m['method'] == 'initialize': r = {'id': m['id'], 'result': {}}\n"
        "    else: r = {'id': m['id'], 'error': {'code': -32601, 'message': 'method not found'}}\n"
        "    print(json.dumps(r), flush=True)\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("REVIEW_GATE_CODEX", str(fake))
    result = lib.install("codex", scope="user", cwd=repo, trust_hooks=True)
    [how] = [n for n in result.notes if n.startswith("trust recorded")]
    assert "fallback: codex app-server hooks/list: method not found" in how
    assert len(result.trusted) == 2
    assert all(f.ok for f in lib.doctor_checks(repo) if f.area == "codex")
