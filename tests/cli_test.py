from __future__ import annotations

import pytest

from review_gate import __version__
from review_gate.cli import cli, main
from tests.helpers import run_gate

COMMANDS = (
    "validate",
    "new",
    "schema",
    "issue",
    "check",
    "hook",
    "install",
    "uninstall",
    "doctor",
    "dispatch",
)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f"  {name}" in out, name
    assert "Exit codes" in out


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: gate " + name)
    command = cli.get_command(None, name)  # type: ignore[arg-type]
    assert command is not None and command.help, f"{name} has no help text"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_console_script_runs(tmp_path: object) -> None:
    proc = run_gate("--version", cwd=".")
    assert proc.returncode == 0
    assert __version__ in proc.stdout
