"""Capture what the real clients send to a hook for the file-editing tools and settings
changes, into tests/e2e/recordings/ (paths anonymised to /home/dev/project).

A recorder hook appends each hook input to a log;
the clients run offline against the scripted stand-ins. Re-run after bumping a CLI in
tests/e2e/package.json, and review the diff:

    .venv/bin/python -m tests.e2e.record_inputs

``recordings_test.py`` (marker ``e2e``) captures again and checks that the shapes the
hook relies on (event, tool name, input keys) still match the recordings.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.e2e.conftest import NODE_BIN, RUN_TIMEOUT
from tests.e2e.standins import AnthropicStandin, ResponsesStandin, Step

RECORDINGS = Path(__file__).with_name("recordings")
ANON_PROJECT = "/home/dev/project"
ANON_HOME = "/home/dev"
PATCH = (
    "*** Begin Patch\n*** Add File: new.txt\n+hello\n*** Update File: a.txt\n"
    "*** Move to: moved.txt\n@@\n-one\n+two\n*** Delete File: b.txt\n*** End Patch\n"
)
SHELL_PATCH = (
    "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: c.txt\n+sea\n*** End Patch\nEOF\n"
)


def _recorder(log: Path) -> str:
    """A hook command that appends its input, one line, to ``log``."""
    code = "import sys; open(sys.argv[1], 'a').write(sys.stdin.read().strip() + chr(10))"
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)} {shlex.quote(str(log))}"


def _project(root: Path) -> Path:
    project = root / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / "a.txt").write_text("one\n")
    (project / "b.txt").write_text("bee\n")
    return project


def _read_log(log: Path, replace: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    text = log.read_text() if log.exists() else ""
    for old, new in replace:
        text = text.replace(old, new)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def capture_codex(root: Path, codex: Path = NODE_BIN / "codex") -> list[dict[str, Any]]:
    """PreToolUse inputs of Codex's apply_patch tool and of a shell ``apply_patch``."""
    project = _project(root)
    home = root / "codex-home"
    home.mkdir()
    log = root / "codex.log"
    hooks = {"PreToolUse": [{"hooks": [{"type": "command", "command": _recorder(log)}]}]}
    (home / "hooks.json").write_text(json.dumps({"hooks": hooks}))
    steps: list[Step] = [{"name": "apply_patch", "input": PATCH}, SHELL_PATCH]
    with ResponsesStandin(steps) as api:
        (home / "config.toml").write_text(
            'model = "gpt-5.5"\nmodel_provider = "mock"\n[model_providers.mock]\n'
            f'name = "mock"\nbase_url = "{api.url}/v1"\nwire_api = "responses"\n'
            f'env_key = "MOCK_KEY"\n[projects."{project}"]\ntrust_level = "trusted"\n'
        )
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(root),
            "CODEX_HOME": str(home),
            "MOCK_KEY": "standin-key",
        }
        argv = [str(codex), "exec", "--dangerously-bypass-hook-trust", "--skip-git-repo-check"]
        argv += ["--dangerously-bypass-approvals-and-sandbox", "--json", "edit the files"]
        subprocess.run(
            argv,
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=RUN_TIMEOUT,
            check=True,
        )
    return _read_log(log, [(str(project), ANON_PROJECT), (str(root), ANON_HOME)])


def capture_claude(root: Path, claude: Path = NODE_BIN / "claude") -> list[dict[str, Any]]:
    """PreToolUse inputs of Claude Code's Write and Edit, and the ConfigChange input of a
    settings file changed during the session."""
    project = _project(root)
    log = root / "claude.log"
    recorder = {"type": "command", "command": _recorder(log)}
    settings = project / ".claude" / "settings.local.json"
    settings.parent.mkdir()
    hooks = {
        "PreToolUse": [{"matcher": "*", "hooks": [recorder]}],
        "ConfigChange": [{"hooks": [recorder]}],
    }
    settings.write_text(json.dumps({"hooks": hooks}, indent=2))
    changed = root / "changed-settings.json"
    changed.write_text(json.dumps({"hooks": hooks, "model": "claude-standin"}))
    steps: list[Step] = [
        {"name": "Write", "input": {"file_path": str(project / "new.txt"), "content": "hi\n"}},
        {
            "name": "Edit",
            "input": {
                "file_path": str(project / "a.txt"),
                "old_string": "one",
                "new_string": "two",
            },
        },
        # Changed behind Claude Code's back (a script): its watcher fires ConfigChange.
        # (Not `cp`: Claude Code asks for permission to write its settings with that.)
        f"{shlex.quote(sys.executable)} -c 'import shutil, sys; shutil.copy(*sys.argv[1:])' "
        f"{shlex.quote(str(changed))} {shlex.quote(str(settings))}",
        "sleep 3",  # the watcher reports the change while this runs
        "true",
    ]
    home = root / "home"
    home.mkdir()
    with AnthropicStandin(steps) as api:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "ANTHROPIC_BASE_URL": api.url,
            "ANTHROPIC_API_KEY": "standin-key",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_AUTOUPDATER": "1",
        }
        argv = [str(claude), "-p", "edit the files", "--allowedTools", "Bash,Write,Edit"]
        subprocess.run(
            [*argv, "--output-format", "stream-json", "--verbose"],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=True,
        )
    munged = str(project).replace(os.sep, "-")  # Claude Code's transcript directory name
    replace = [(munged, ANON_PROJECT.replace("/", "-")), (str(project), ANON_PROJECT)]
    return _read_log(log, [*replace, (str(home), ANON_HOME), (str(root), ANON_HOME)])


def capture_all(root: Path) -> list[dict[str, Any]]:
    """Both clients' recordings, each client in its own directory under ``root``."""
    (root / "codex").mkdir()
    (root / "claude").mkdir()
    return capture_codex(root / "codex") + capture_claude(root / "claude")


def name(recorded: dict[str, Any]) -> str:
    """The recording's file name: ``<client>-<tool or event>.<event>.json``."""
    event = str(recorded.get("hook_event_name"))
    if event == "ConfigChange":
        return "claude-config-change.json"
    tool = str(recorded.get("tool_name"))
    client = "codex" if "turn_id" in recorded else "claude"
    if tool == "Bash":
        tool = "bash-apply-patch" if "apply_patch" in json.dumps(recorded) else "bash"
    return f"{client}-{tool.lower().replace('_', '-')}.pre-tool-use.json"


def main(argv: Sequence[str] | None = None) -> int:
    RECORDINGS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        recorded = capture_all(Path(tmp))
    for item in recorded:
        if item.get("tool_name") == "Bash" and "apply_patch" not in json.dumps(item):
            continue  # the plain shell commands that change the settings file
        path = RECORDINGS / name(item)
        path.write_text(json.dumps(item, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
