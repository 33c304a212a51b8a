"""`gate completion bash|zsh|fish`: the script completes commands in a real bash."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import GATE, run_gate


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_script_names_the_completion_variable(shell: str, tmp_path: Path) -> None:
    proc = run_gate("completion", shell, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "_GATE_COMPLETE" in proc.stdout


def test_unknown_shell_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_gate("completion", "ksh", cwd=tmp_path)
    assert proc.returncode == 2 and "'ksh' is not one of" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("words", "expected"),
    [("gate dis", {"dispatch"}), ("gate dispatch sp", {"spawn"}), ("gate i", {"install", "issue"})],
)
def test_bash_completes_commands(words: str, expected: set[str], tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    script = (
        'eval "$(gate completion bash)"\n'
        f"COMP_WORDS=({words}); COMP_CWORD={len(words.split()) - 1}\n"
        "_gate_completion gate\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{Path(GATE).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [bash, "--norc", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert set(proc.stdout.split()) == expected
