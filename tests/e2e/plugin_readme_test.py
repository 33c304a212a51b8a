"""The README's plugin commands, read from the README and run as written against the real
`claude` and `codex` CLIs, with the repository URL replaced by a local copy of the plugin."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from review_gate.install import codex_appserver as appserver
from tests.e2e.claude_plugin_test import ROOT, plugin_copy
from tests.e2e.conftest import RUN_TIMEOUT

pytestmark = pytest.mark.e2e

URL = "https://github.com/review-gate/review-gate"


def readme_plugin_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Plugins", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def test_readme_plugin_commands_install_both(
    claude_bin: Path, codex_bin: Path, worker_repo: Path, tmp_path: Path
) -> None:
    commands = readme_plugin_commands()
    assert [c[0] for c in commands] == ["claude", "claude", "codex", "codex"]
    source = plugin_copy(tmp_path)
    codex_home = tmp_path / "codex-home"
    codex_home.mkdir()
    env = {**os.environ, "CODEX_HOME": str(codex_home), "DISABLE_TELEMETRY": "1"}
    binaries = {"claude": str(claude_bin), "codex": str(codex_bin)}
    for argv in commands:
        argv = [binaries[argv[0]], *(str(source) if a == URL else a for a in argv[1:])]
        proc = subprocess.run(
            argv, cwd=worker_repo, env=env, capture_output=True, text=True,
            timeout=RUN_TIMEOUT, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, [*argv, proc.stdout, proc.stderr]

    listed = subprocess.run(
        [str(claude_bin), "plugin", "list"], env=env, capture_output=True, text=True,
        timeout=RUN_TIMEOUT, check=True,
    ).stdout  # fmt: skip
    assert "review-gate@review-gate" in listed
    hooks = appserver.list_hooks([str(codex_bin)], worker_repo, environ=env)
    plugin = [h for h in hooks if h.plugin_id == "review-gate@review-gate"]
    assert sorted(h.event for h in plugin) == ["preToolUse", "stop"]
    assert all("hooks/gate-hook.sh" in h.command for h in plugin)
