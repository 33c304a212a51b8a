"""`gate validate`, `gate new`, `gate schema`: exit codes, output, round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review_gate.cli import main
from tests.artifact_samples import review, worker_assignment
from tests.artifacts_templates_test import fill_generic, fill_review
from tests.helpers import git, init_repo, run_gate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
INVALID = sorted((EXAMPLES / "invalid").glob("*.md"))


def _gate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_shipped_examples_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(EXAMPLES / n) for n in ("review.md", "handover.md", "worker.md")]
    code, out, _ = _gate(capsys, "validate", *files)
    assert code == 0, out
    assert out.count(" valid\n") == 3 and out.splitlines()[-1].startswith("ok: 3 file(s)")


def test_example_review_is_for_issue_1_without_commit() -> None:
    from review_gate.artifacts.extract import extract

    (art,) = extract((EXAMPLES / "review.md").read_text())
    assert art.valid and art.data["issue"] == 1 and "commit" not in art.data
    assert art.data["status"] == "COMPLETE" and art.data["summary"]["unaddressed"] == 0


@pytest.mark.parametrize(
    "path", [p for p in INVALID if p.name != "README.md"], ids=lambda p: p.name
)
def test_invalid_examples_fail_and_say_why(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert path.read_text().startswith("<!-- invalid: ")
    assert path.name in (EXAMPLES / "invalid" / "README.md").read_text()
    code, out, _ = _gate(capsys, "validate", str(path))
    assert code == 1
    assert "INVALID" in out and "fix:" in out


@pytest.mark.parametrize(
    ("files", "kind", "code", "fragment"),
    [
        pytest.param({"a.md": review(3)}, None, 0, "ok:", id="valid"),
        pytest.param(
            {"a.md": review(3), "b.md": "just prose"},
            None,
            1,
            "no artifact found",
            id="one without",
        ),
        pytest.param({"a.md": review(3)}, "worker", 1, "no worker artifact found", id="wrong kind"),
        pytest.param(
            {"a.md": review(3) + worker_assignment()}, "worker", 0, "ok:", id="kind filter"
        ),
        pytest.param({"a.md": review(3).replace("#3", "#x")}, None, 1, "INVALID", id="invalid"),
        pytest.param({"a.md": "```\n" + review(3) + "```\n"}, None, 1, "no artifact", id="fenced"),
        pytest.param({"a.md": "\ufeff" + review(3)}, None, 0, "ok:", id="BOM"),
        pytest.param({"a.md": review(3, newline="\r\n")}, None, 0, "ok:", id="CRLF"),
    ],
)
def test_validate_exit_codes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    kind: str | None,
    code: int,
    fragment: str,
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    args = ["validate", *(str(tmp_path / n) for n in files)]
    if kind:
        args += ["--kind", kind]
    got, out, err = _gate(capsys, *args)
    assert (got, err) == (code, "")
    assert fragment in out


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        pytest.param(lambda p: None, "no such file", id="missing"),
        pytest.param(
            lambda p: p.write_bytes(b"\xff\xfe<!-- REVIEW:START -->"), "not UTF-8", id="not utf-8"
        ),
        pytest.param(lambda p: p.mkdir(), "is a directory", id="directory"),
    ],
)
def test_validate_usage_errors_are_one_line(tmp_path: Path, setup: object, fragment: str) -> None:
    target = tmp_path / "input.md"
    setup(target)  # type: ignore[operator]
    (tmp_path / "ok.md").write_text(review(3))
    proc = run_gate("validate", str(tmp_path / "ok.md"), str(target), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"gate: error: {target}: {fragment}")
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) <= 2


def test_validate_no_args_and_bad_kind(tmp_path: Path) -> None:
    proc = run_gate("validate", cwd=tmp_path)
    assert proc.returncode == 2 and "no input files" in proc.stderr
    proc = run_gate("validate", "--kind", "bogus", "x.md", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_validate_stdin_and_json_shape(tmp_path: Path) -> None:
    body = review(3) + worker_assignment().replace('"assigned": true,', '"assigned": true')
    proc = run_gate("validate", "--format", "json", "-", cwd=tmp_path, stdin=body)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["valid"] is False
    (entry,) = doc["files"]
    assert entry["path"] == "<stdin>" and entry["problem"] is None and entry["valid"] is False
    first, second = entry["artifacts"]
    assert set(first) == {"kind", "valid", "line", "end_line", "data", "errors"}
    assert first["valid"] and first["data"]["issue"] == 3
    (error,) = second["errors"]
    assert set(error) == {"kind", "pointer", "line", "message", "hint"}
    assert error["kind"] == "worker" and error["line"] == first["end_line"] + 5


def test_validate_binary_junk_is_invalid_not_a_crash(tmp_path: Path) -> None:
    junk = "<!-- REVIEW:START -->\n" + bytes(range(1, 256)).decode("latin-1") * 50
    (tmp_path / "j.md").write_text(junk, encoding="utf-8")
    proc = run_gate("validate", "j.md", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "INVALID" in proc.stdout


def test_new_review_in_a_checkout_round_trips(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "p", branch="feature/42-thing")
    head = git(repo, "rev-parse", "HEAD").strip()
    proc = run_gate("new", "review", "--worker-id", "worker-1-42", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "| Issue | #42 |" in text and "| Worker | `worker-1-42` |" in text
    assert "| Reviewed | " in text and f"| Commit | `{head}` |\n\n### Criteria" in text
    (repo / "skeleton.md").write_text(text)
    assert run_gate("validate", "skeleton.md", cwd=repo).returncode == 1  # placeholders
    (repo / "filled.md").write_text(fill_review(text))
    proc = run_gate("validate", "--format", "json", "filled.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout
    data = json.loads(proc.stdout)["files"][0]["artifacts"][0]["data"]
    assert (data["issue"], data["commit"], data["worker"]) == (42, head, "worker-1-42")


def test_new_review_options_and_env(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "p")
    env = {"REVIEW_GATE_ISSUE": "9", "REVIEW_GATE_WORKER_ID": "worker-9-9"}
    text = run_gate("new", "review", "--no-commit", cwd=repo, env=env).stdout
    assert "| Issue | #9 |" in text and "`worker-9-9`" in text and "Commit" not in text
    text = run_gate("new", "review", "--issue", "5", cwd=tmp_path, env=env).stdout
    assert "| Issue | #5 |" in text and "Commit" not in text  # not a checkout
    proc = run_gate("new", "review", "--issue", "0", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = run_gate("new", "review", "--release", cwd=tmp_path)
    assert proc.returncode == 2 and "--release" in proc.stderr


def test_new_in_empty_repository_has_no_commit_row(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    text = run_gate("new", "review", "--issue", "3", cwd=tmp_path).stdout
    assert "| Issue | #3 |" in text and "Commit" not in text


@pytest.mark.parametrize("kind", ["handover", "worker"])
def test_new_other_kinds_round_trip(tmp_path: Path, kind: str) -> None:
    repo = init_repo(tmp_path / "p", branch="feature/8-x")
    proc = run_gate("new", kind, "--worker-id", "worker-1-8", cwd=repo)
    assert proc.returncode == 0
    (repo / "a.md").write_text(proc.stdout)
    assert run_gate("validate", "--kind", kind, "a.md", cwd=repo).returncode == (
        1 if kind == "handover" else 0  # the worker record has no blanks left in a checkout
    )
    (repo / "b.md").write_text(fill_generic(proc.stdout))
    proc = run_gate("validate", "--kind", kind, "--format", "json", "b.md", cwd=repo)
    assert proc.returncode == 0, proc.stdout
    data = json.loads(proc.stdout)["files"][0]["artifacts"][0]["data"]
    assert data.get("issue") == 8


def test_new_worker_release(tmp_path: Path) -> None:
    proc = run_gate("new", "worker", "--release", "--worker-id", "w-1", cwd=tmp_path)
    (tmp_path / "r.md").write_text(proc.stdout)
    out = run_gate("validate", "--format", "json", "r.md", cwd=tmp_path)
    assert out.returncode == 0
    assert json.loads(out.stdout)["files"][0]["artifacts"][0]["data"]["assigned"] is False


def test_schema_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _gate(capsys, "schema", "review")
    assert code == 0 and json.loads(out)["title"] == "review-gate REVIEW artifact"
    code, out, _ = _gate(capsys, "schema")
    assert code == 0 and [line.split()[0] for line in out.splitlines()[:3]] == [
        "review",
        "handover",
        "worker",
    ]
    code, out, _ = _gate(capsys, "schema", "--format", "json")
    assert set(json.loads(out)) == {"review", "handover", "worker", "report"}
    code, _, err = _gate(capsys, "schema", "bogus")
    assert code == 2 and "bogus" in err


def test_help_documents_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("validate", "new", "schema"):
        code, out, _ = _gate(capsys, command, "--help")
        assert code == 0 and "Usage: gate " + command in out
