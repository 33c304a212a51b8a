"""Output is plain text: no command writes ANSI escapes, on a terminal or not, so
``NO_COLOR`` is honoured trivially (docs/cli.md, "Colour"). If colour is ever added, it
must be on a terminal only and off under NO_COLOR; these tests are what would notice.

The commands run as a user runs them: the installed console scripts in subprocesses, with
stdout a pipe, or a pseudo-terminal (``pty``) for the terminal case.
"""

from __future__ import annotations

import ast
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests import artifact_samples
from tests.helpers import GATE, init_repo

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ESC = "\x1b"
# Escape characters that are no colour: shell/words.py decodes bash's $'\e' (inside a
# command being analysed; it writes nothing), and `gate dispatch run` redraws its live
# table on a terminal only (dispatch/live.py; tested below to stay plain otherwise).
_ALLOWED = {
    ROOT / "src" / "review_gate" / "shell" / "words.py",
    ROOT / "src" / "review_gate" / "dispatch" / "live.py",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = init_repo(tmp_path_factory.mktemp("colour") / "repo")
    (repo / "bad.review.md").write_text(artifact_samples.review(7, status="MAYBE"))
    (repo / "ok.review.md").write_text(artifact_samples.review(7))
    from review_gate.trackers.local import LocalTracker

    LocalTracker.for_checkout(repo).create_issue("colour", number=7)  # no review: gate fails
    return repo


# Reporting commands, passing and failing, errors and help (each must exit as listed).
COMMANDS: list[tuple[tuple[str, ...], int]] = [
    ((GATE, "--help"), 0),
    ((GATE, "check", "--help"), 0),
    ((GATE, "validate", "ok.review.md"), 0),
    ((GATE, "validate", "bad.review.md"), 1),
    ((GATE, "new", "review", "--issue", "7"), 0),
    ((GATE, "check", "--issue", "7", "--tracker", "local"), 1),
    ((GATE, "doctor"), 1),
    ((GATE, "config", "show"), 0),
    ((GATE, "issue", "list"), 0),
    ((GATE, "chek"), 2),
    ((GATE, "issue", "show", "abc"), 2),
    ((str(BIN / "review-gate-validate"), "bad.review.md"), 1),
    ((str(BIN / "review-gate-commit-msg"), "--bogus"), 2),
]
_IDS = [
    " ".join(Path(cmd[0]).name if i == 0 else a for i, a in enumerate(cmd)) for cmd, _ in COMMANDS
]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return {**env, "TERM": "xterm-256color", **extra}


@pytest.mark.parametrize(("cmd", "code"), COMMANDS, ids=_IDS)
@pytest.mark.parametrize("no_color", [True, False], ids=["NO_COLOR", "colour-allowed"])
def test_no_escapes_when_not_a_terminal(
    repo: Path, cmd: tuple[str, ...], code: int, no_color: bool
) -> None:
    env = _env(NO_COLOR="1") if no_color else _env()
    proc = subprocess.run(
        cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert proc.stdout or proc.stderr
    assert ESC not in proc.stdout and ESC not in proc.stderr


def _on_a_terminal(cmd: tuple[str, ...], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run ``cmd`` with stdout and stderr on one pseudo-terminal; (exit code, output)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower
        )
    finally:
        os.close(follower)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", errors="replace")


@pytest.mark.parametrize(("cmd", "code"), COMMANDS, ids=_IDS)
@pytest.mark.parametrize("no_color", [True, False], ids=["NO_COLOR", "colour-allowed"])
def test_no_escapes_on_a_terminal(
    repo: Path, cmd: tuple[str, ...], code: int, no_color: bool
) -> None:
    env = _env(NO_COLOR="1") if no_color else _env()
    rc, output = _on_a_terminal(cmd, repo, env)
    assert rc == code, output
    assert output.strip() and ESC not in output


def test_no_source_writes_colour() -> None:
    """Nothing in the package styles text (click.style / click.secho) or holds an escape
    character, so the tests above cover every command, not only the ones listed."""
    found = []
    for path in sorted((ROOT / "src" / "review_gate").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("style", "secho")
                and isinstance(node.value, ast.Name)
                and node.value.id == "click"
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: click.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "click":
                styled = [a.name for a in node.names if a.name in ("style", "secho")]
                found += [f"{path.relative_to(ROOT)}:{node.lineno}: {n}" for n in styled]
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and ESC in node.value
                and path not in _ALLOWED
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: an escape character")
    assert found == [], "colour output must be on a terminal only and honour NO_COLOR"


def test_dispatch_live_table_is_plain_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """The one escape sequence (the live table's screen redraw) is never written when
    stdout is not a terminal: events are plain lines, the table is not drawn."""
    from review_gate.dispatch.live import Display
    from review_gate.dispatch.run_records import Event, IssueState

    display = Display(fmt="text", tty=False)
    display.event(Event(at="10:00:00", issue=7, kind="spawned", message="worker-1-7"))
    display.show([IssueState(issue=7, phase="running", worker=None)])
    out = capsys.readouterr().out
    assert out == "10:00:00 #7 spawned: worker-1-7\n"
