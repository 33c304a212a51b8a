"""The CLI surface as a first-time user meets it: usage errors, help texts, -C, issue
numbers, and commands run where they cannot work (outside a checkout, missing dirs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from review_gate.cli import cli, main
from review_gate.errors import GateError
from tests.helpers import git, init_repo, run_gate

# Every leaf command this acceptance pass covers (dispatch has its own tests).
COMMANDS = (
    ("check",),
    ("validate",),
    ("new",),
    ("schema",),
    ("doctor",),
    ("issue", "new"),
    ("issue", "list"),
    ("issue", "show"),
    ("issue", "comment"),
    ("issue", "edit"),
    ("issue", "close"),
    ("issue", "reopen"),
    ("issue", "import"),
    ("issue", "export"),
    ("install", "claude"),
    ("install", "codex"),
    ("install", "git"),
    ("uninstall", "claude"),
    ("uninstall", "codex"),
    ("uninstall", "git"),
)


def _errors(err: str) -> list[str]:
    """stderr as lines; asserts the `gate: error:` + optional `gate: hint:` shape."""
    lines = err.strip().splitlines()
    assert lines and lines[0].startswith("gate: error: "), err
    assert all(line.startswith("gate: hint: ") for line in lines[1:]), err
    assert "Traceback" not in err and "Usage:" not in err
    return lines


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (("chek",), "No such command 'chek'. Did you mean 'check'?", "gate --help"),
        (("issue", "shwo"), "Did you mean 'show'?", "gate issue --help"),
        (("check", "--issue"), "Option '--issue' requires an argument", "gate check --help"),
        (("check", "--issue", "1", "extra"), "unexpected extra argument", "gate check --help"),
        (("issue", "show", "abc"), "'abc' is not an issue number", "gate issue show --help"),
        (("issue", "show", "0"), "'0' is not an issue number", "gate issue show --help"),
        (("issue", "comment", "1"), "Missing option '--body-file'", "gate issue comment --help"),
        (("new", "bogus"), "Invalid value for 'KIND'", "gate new --help"),
        (("new", "review", "--issue", "x"), "'x' is not an issue number", "gate new --help"),
        (("validate", "--kind", "x", "f.md"), "'x' is not one of", "gate validate --help"),
        (("doctor", "--nope"), "No such option '--nope'", "gate doctor --help"),
        (("dispatch", "spawn", "--issue", "x"), "'--issue'", "gate dispatch spawn --help"),
    ],
)
def test_usage_errors_are_one_line_with_the_help_to_read(
    args: tuple[str, ...], message: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(list(args)) == 2
    lines = _errors(capsys.readouterr().err)
    assert message in lines[0]
    assert len(lines) == 2 and hint in lines[1]


def test_bare_group_prints_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["issue"]) == 2
    assert "Commands:" in capsys.readouterr().err


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_is_consistent(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: gate " + " ".join(path))
    # Issue numbers are N everywhere (and take #7), never click's "INTEGER RANGE".
    assert "INTEGER RANGE" not in out and "[x>=1" not in out
    flat = " ".join(out.split())
    if "--format" in out:  # the choices and the default, shown the same way everywhere
        assert re.search(r"--format \[text\|json(\|github)?\]", flat), out
        assert "[default: text]" in flat, out
    if "-C, --cwd" in out:
        assert "install into" not in out  # uninstall used to say "install into"


def test_every_documented_command_resolves() -> None:
    ctx = None
    for path in COMMANDS:
        command = cli
        for name in path:
            command = command.get_command(ctx, name)  # type: ignore[attr-defined,arg-type]
            assert command is not None, path


def test_issue_numbers_take_a_hash(repo: Path) -> None:
    assert run_gate("issue", "new", "--title", "x", "--number", "#3", cwd=repo).returncode == 0
    shown = run_gate("issue", "show", "#3", "--format", "json", cwd=repo)
    assert json.loads(shown.stdout)["issue"]["number"] == 3
    skeleton = run_gate("new", "review", "--issue", "#3", cwd=repo)
    assert "| Issue | #3 |" in skeleton.stdout


def test_association_in_any_case(repo: Path) -> None:
    run_gate("issue", "new", "--title", "x", cwd=repo)
    posted = run_gate(
        "issue", "comment", "1", "--body-file", "-", "--association", "Member",
        "--format", "json", cwd=repo, stdin="hi",
    )  # fmt: skip
    assert json.loads(posted.stdout)["author_association"] == "MEMBER"
    bad = run_gate(
        "issue", "comment", "1", "--body-file", "-", "--association", "boss", cwd=repo, stdin="x"
    )
    assert bad.returncode == 2
    assert "'boss' is not one of OWNER, MEMBER," in _errors(bad.stderr)[0]


def test_issue_commands_take_dash_c(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert (
        run_gate("issue", "new", "--title", "far", "-C", str(repo), cwd=elsewhere).returncode == 0
    )
    listed = run_gate("issue", "list", "-C", str(repo), cwd=elsewhere)
    assert "#1  open    far" in listed.stdout
    closed = run_gate("issue", "close", "1", "-C", str(repo), cwd=elsewhere)
    assert closed.returncode == 0 and "closed" in closed.stdout


@pytest.mark.parametrize(
    "args",
    [("issue", "list"), ("issue", "new", "--title", "x"), ("issue", "show", "1")],
)
def test_issue_outside_a_checkout_says_what_works(args: tuple[str, ...], tmp_path: Path) -> None:
    proc = run_gate(*args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = _errors(proc.stderr)
    assert "is not inside a git repository" in lines[0]
    # `--comments FILE` is a `gate check` option: it must not be offered here.
    assert "--comments" not in proc.stderr and "-C DIR" in lines[1]


@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_install_local_scope_outside_a_checkout_writes_nothing(agent: str, tmp_path: Path) -> None:
    proc = run_gate("install", agent, cwd=tmp_path)
    assert proc.returncode == 2
    lines = _errors(proc.stderr)
    assert "is not inside a git repository" in lines[0] and "--scope project" in lines[1]
    assert list(tmp_path.iterdir()) == []  # no half-done install left behind


def test_install_project_scope_outside_a_checkout(tmp_path: Path) -> None:
    proc = run_gate("install", "claude", "--scope", "project", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / ".claude" / "settings.json").is_file()


@pytest.mark.parametrize(
    "args",
    [
        ("doctor",),
        ("install", "git"),
        ("uninstall", "git"),
        ("install", "claude"),
        ("uninstall", "claude"),
        ("new", "review"),
        ("issue", "list"),
    ],
)
def test_dash_c_to_a_missing_directory(args: tuple[str, ...], tmp_path: Path) -> None:
    proc = run_gate(*args, "-C", str(tmp_path / "missing"), cwd=tmp_path)
    assert proc.returncode == 2
    line = _errors(proc.stderr)[0]
    assert "does not exist" in line and "command not found" not in line


def test_check_takes_issue_or_pr_not_both(repo: Path) -> None:
    proc = run_gate("check", "--issue", "1", "--pr", "2", cwd=repo)
    assert proc.returncode == 2
    assert "--issue and --pr are alternatives" in _errors(proc.stderr)[0]


def test_proc_names_a_missing_working_directory(tmp_path: Path) -> None:
    from review_gate.proc import run as run_cmd

    init_repo(tmp_path / "r")
    with pytest.raises(GateError, match="no such directory"):
        run_cmd("git", "status", cwd=tmp_path / "missing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(GateError, match="not a directory"):
        run_cmd("git", "status", cwd=tmp_path / "file")
    with pytest.raises(GateError, match="command not found: no-such-program-x"):
        run_cmd("no-such-program-x", cwd=tmp_path / "r")


def test_issue_new_notes_when_check_reads_github(repo: Path) -> None:
    # An issue created locally in a GitHub checkout is one `gate check` never reads.
    git(repo, "remote", "add", "origin", "https://github.com/octo/project.git")
    proc = run_gate("issue", "new", "--title", "x", cwd=repo)
    assert proc.returncode == 0
    assert "created issue #1 in the local tracker, but `gate check` here reads GitHub" in (
        proc.stderr
    )
    quiet = run_gate("issue", "new", "--title", "y", cwd=repo, env={"REVIEW_GATE_TRACKER": "local"})
    assert quiet.returncode == 0 and quiet.stderr == ""


@pytest.mark.parametrize("group", [(), ("issue",), ("install",), ("uninstall",), ("hook",)])
def test_command_lists_are_not_cut_off(
    group: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*group, "--help"]) == 0
    listing = capsys.readouterr().out.split("Commands:", 1)[1].splitlines()
    cut = [line for line in listing if line.endswith("...")]
    assert cut == [], "summaries cut off in the listing: set short_help"
