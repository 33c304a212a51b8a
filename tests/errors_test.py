"""review_gate.errors.handle: the one top-level handler of every console entry point."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

from review_gate import errors
from review_gate.errors import (
    EXIT_FAIL,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_PASS,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    ConfigError,
    GateError,
    TrackerUnavailable,
    UsageError,
    handle,
)
from tests.helpers import run_gate


def _raise(exc: BaseException) -> Callable[[], int]:
    def body() -> int:
        raise exc

    return body


def test_exit_codes_are_the_documented_contract() -> None:
    assert (EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERNAL) == (0, 1, 2, 3, 4)
    assert EXIT_INTERRUPTED == 130
    docs = (Path(__file__).parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    for code in ("**0**", "**1**", "**2**", "**3**", "**4**", "**130**"):
        assert code in docs


def test_every_exception_class_of_the_package_is_in_errors() -> None:
    # One place for the project's exceptions. The few still defined elsewhere are listed
    # here until their modules move them.
    src = Path(errors.__file__).parent
    # trackers/export.py, and the private signals of a parser in artifacts/ and of the
    # shell analysis (shell/walker.py), which never leave their packages.
    allowed_elsewhere = {"CommentFormatError", "_DuplicateKey", "TooComplex"}
    found = set()
    for path in src.rglob("*.py"):
        rel = path.relative_to(src).as_posix()
        if rel == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                (isinstance(b, ast.Name) and b.id.endswith(("Error", "Exception")))
                or (isinstance(b, ast.Attribute) and b.attr.endswith(("Error", "Exception")))
                or (isinstance(b, ast.Name) and b.id in {"GateError", "UsageError", "Refused"})
                for b in node.bases
            ):
                found.add((rel, node.name))
    moved = sorted((rel, name) for rel, name in found if name not in allowed_elsewhere)
    assert moved == [], "exception classes belong in review_gate/errors.py"


def test_a_gate_error_is_one_line_and_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    code = handle("prog", _raise(ConfigError("bad key x", hint="fix it")))
    assert code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "prog: error: bad key x\nprog: hint: fix it\n"


def test_a_gate_error_keeps_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert handle("prog", _raise(TrackerUnavailable("down"))) == EXIT_UNREACHABLE
    assert capsys.readouterr().err == "prog: error: down\n"


def test_an_unexpected_exception_is_an_internal_error_without_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert handle("prog", _raise(KeyError("boom"))) == EXIT_INTERNAL
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == "prog: internal error: KeyError: 'boom' (please report it)"
    assert lines[1].startswith("prog: hint: ") and "REVIEW_GATE_DEBUG" in lines[1]
    assert "Traceback" not in err


def test_debug_shows_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REVIEW_GATE_DEBUG", "1")
    assert handle("prog", _raise(RuntimeError("boom"))) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "Traceback" in err and "prog: internal error: RuntimeError: boom" in err


def test_ctrl_c(capsys: pytest.CaptureFixture[str]) -> None:
    assert handle("prog", _raise(KeyboardInterrupt())) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "prog: interrupted\n"


@pytest.mark.parametrize(("code", "expected"), [(0, 0), (None, 0), (3, 3)])
def test_system_exit_keeps_its_code(code: int | None, expected: int) -> None:
    assert handle("prog", _raise(SystemExit(code))) == expected


def test_a_body_returns_its_code() -> None:
    assert handle("prog", lambda: EXIT_FAIL) == EXIT_FAIL


def test_a_closed_pipe_is_no_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(errors, "_drop_stdout", lambda: None)
    assert handle("prog", _raise(BrokenPipeError())) == EXIT_FAIL


# --- the entry points use it ---------------------------------------------------------------


def test_gate_internal_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from review_gate import doctor
    from review_gate.cli import main

    def crash(cwd: Path) -> list[object]:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(doctor, "run", crash)
    assert main(["doctor", "-C", str(tmp_path)]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        "gate: internal error: ZeroDivisionError: division by zero (please report it)"
    )
    assert "Traceback" not in err


def test_gate_ctrl_c_inside_a_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from review_gate import doctor
    from review_gate.cli import main

    def interrupted(cwd: Path) -> list[object]:
        raise KeyboardInterrupt

    monkeypatch.setattr(doctor, "run", interrupted)
    assert main(["doctor", "-C", str(tmp_path)]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err.strip() == "gate: interrupted"


def test_gate_error_from_a_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from review_gate import doctor
    from review_gate.cli import main

    def refuse(cwd: Path) -> list[object]:
        raise UsageError("no good", hint="try harder")

    monkeypatch.setattr(doctor, "run", refuse)
    assert main(["doctor", "-C", str(tmp_path)]) == EXIT_USAGE
    assert capsys.readouterr().err == "gate: error: no good\ngate: hint: try harder\n"


def test_git_hook_scripts_share_the_handler(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from review_gate.hooks import hook_cli

    def crash() -> tuple[int, list[str]]:
        raise OSError("disk on fire")

    assert hook_cli.guard("review-gate-x", crash) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        "review-gate-x: internal error: OSError: disk on fire (please report it)"
    )
    assert hook_cli.guard("review-gate-x", lambda: (EXIT_FAIL, ["a", "b"]), "stdout") == 1
    assert capsys.readouterr().out == "a\nb\n"
    assert hook_cli.guard("review-gate-x", _raise_pair(GateError("nope"))) == EXIT_USAGE
    assert capsys.readouterr().err == "review-gate-x: error: nope\n"


def _raise_pair(exc: BaseException) -> Callable[[], tuple[int, list[str]]]:
    def body() -> tuple[int, list[str]]:
        raise exc

    return body


def test_help_of_a_git_hook_script_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    from review_gate.hooks.validate import validate_main

    assert validate_main(["--help"]) == EXIT_PASS
    assert "Exit codes:" in capsys.readouterr().out


def test_no_traceback_from_the_console_script(tmp_path: Path) -> None:
    proc = run_gate("validate", str(tmp_path / "missing.md"), cwd=tmp_path)
    assert proc.returncode == EXIT_USAGE
    assert proc.stderr.startswith("gate: error: ") and "Traceback" not in proc.stderr
