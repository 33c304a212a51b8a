from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate.cli import main
from review_gate.trackers.local import LocalTracker
from tests import artifact_samples as samples
from tests.github_standin import GitHubStandIn, refused_url
from tests.helpers import GATE, commit_file, git, init_repo, init_repo_with_remote, run_gate


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature/1-login")
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("login")
    tracker.create_issue("follow-up")
    return repo


@pytest.fixture
def standin() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as gh:
        yield gh


def post(repo: Path, issue: int, body: str, **kwargs: str) -> None:
    LocalTracker.for_checkout(repo).post_comment(issue, body, **kwargs)


def _one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert lines and lines[0].startswith("gate: error: "), stderr
    # One error line, at most one hint line.
    assert len(lines) <= 2 and all(x.startswith("gate: hint: ") for x in lines[1:]), stderr
    return lines[0]


def test_fail_then_pass_text(project: Path) -> None:
    proc = run_gate("check", "--issue", "1", cwd=project)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert "review gate, issue #1: FAIL" in out
    assert "no REVIEW by a trusted author" in out
    assert (
        "fix: post a review: `gate new review --issue 1 > review.md`, edit it, then "
        "`gate issue comment 1 --body-file review.md`"
    ) in out
    assert "result: FAIL" in out
    post(project, 1, samples.review(1))
    proc = run_gate("check", "--issue", "1", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "review gate, issue #1: PASS" in proc.stdout
    assert "note: used the REVIEW posted by @" in proc.stdout
    assert "result: PASS" in proc.stdout


def test_text_explains_ignored_untrusted_and_location(project: Path) -> None:
    post(project, 1, samples.review(1), author="mallory", association="NONE")
    post(project, 1, samples.review(1, status="BLOCKED_ON_DEPENDENCIES"))
    proc = run_gate("check", "--issue", "1", cwd=project)
    assert proc.returncode == 1
    assert "ignored the REVIEW posted by @mallory (author_association NONE)" in proc.stdout
    assert "status is BLOCKED_ON_DEPENDENCIES, not COMPLETE (status-not-complete)" in proc.stdout
    assert "line 1, /status" in proc.stdout


def test_json_output(project: Path) -> None:
    post(project, 1, samples.review(1, unaddressed=1))
    proc = run_gate("check", "--issue", "1", "--format", "json", cwd=project)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert set(data) == {
        "passed",
        "issues",
        "head",
        "base",
        "tracker",
        "source",
        "config",
        "verdicts",
    }
    assert data["config"] == {
        "from": "defaults (no config file)",
        "ref": None,
        "file": None,
        "why": "the checkout",
        "warnings": [],
    }
    assert data["passed"] is False
    assert data["issues"] == [1]
    assert data["tracker"] == "local"
    assert data["head"] == git(project, "rev-parse", "HEAD").strip()
    (verdict,) = data["verdicts"]
    assert verdict["gate"] == "review" and verdict["passed"] is False
    assert verdict["reasons"][0]["code"] in ("unaddressed-findings", "review-invalid")
    assert set(verdict["reasons"][0]) >= {"code", "message", "fix"}


def test_github_format_and_step_summary(project: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    proc = run_gate("check", "--issue", "1", "--format", "github", cwd=project, env=env)
    assert proc.returncode == 1
    errors = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1
    assert errors[0].startswith("::error title=review gate (issue #1)::")
    text = summary.read_text()
    assert text.startswith("earlier step\n")  # appended, not overwritten
    assert "| review | #1 | ❌ fail |" in text
    post(project, 1, samples.review(1))
    proc = run_gate("check", "--issue", "1", "--format", "github", cwd=project, env=env)
    assert proc.returncode == 0
    assert "::notice title=review gate (issue #1)::passed" in proc.stdout
    assert "| review | #1 | ✅ pass | — |" in summary.read_text()


def test_github_format_escapes_workflow_commands(project: Path) -> None:
    body = samples.review(1).replace("| Issue | #1 |", "| Issue | #2 |")
    post(project, 1, body)
    proc = run_gate("check", "--issue", "1", "--format", "github", cwd=project)
    errors = [line for line in proc.stdout.splitlines() if line.startswith("::error")]
    assert errors
    for line in errors:
        title = line.split("::")[1]
        assert "," not in title.removeprefix("error title=")


def test_github_format_reports_usage_errors_as_annotations(tmp_path: Path) -> None:
    proc = run_gate(
        "check", "--issue", "1", "--tracker", "local", "--format", "github", cwd=tmp_path
    )
    assert proc.returncode == 2
    assert proc.stdout.startswith("::error title=gate check::")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--issue", "abc"), "--issue must be a positive issue number, got 'abc'"),
        (("--issue", "1.5"), "got '1.5'"),
        (("--issue", "-3"), "got '-3'"),
        (("--issue", "0"), "got '0'"),
        (("--issue", ""), "got ''"),
        (("--issue", "1; rm -rf /"), "positive issue number"),
        (("--issue", "99999999999999999999"), "positive issue number"),
        (("--pr", "x"), "--pr must be a positive issue number"),
        (("--issue", "1", "--gate", "reviw"), "unknown gate 'reviw'"),
        (("--issue", "1", "--gate", "review", "--gate", "all"), "unknown gate 'all'"),
        (("--issue", "1", "--format", "xml"), "--format must be one of text, json, github"),
        (("--issue", "1", "--tracker", "svn"), "option --tracker must be one of github, local"),
        (("--issue", "1", "--repo", "nope"), "option --repo must look like owner/name"),
        (
            ("--issue", "1", "--head", "no-such-ref"),
            "--head 'no-such-ref' is not a full commit sha or a branch",
        ),
        (("--issue", "7"), "issue #7"),
        (("--issue", "1", "--comments", "missing.json"), "missing.json: no such file"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    project: Path, args: tuple[str, ...], fragment: str
) -> None:
    proc = run_gate("check", *args, cwd=project)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert fragment in _one_line_error(proc.stderr)
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"{}", b"[1, 2]", b'[{"id": 1}]', b"\xff\xfe\x00junk", b"null"],
)
def test_malformed_export_exits_2(project: Path, tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    proc = run_gate("check", "--issue", "1", "--comments", str(bad), cwd=project)
    assert proc.returncode == 2
    assert str(bad) in _one_line_error(proc.stderr)
    assert bad.read_bytes() == content


def test_export_file_pass_and_fail(project: Path, tmp_path: Path) -> None:
    post(project, 1, samples.review(1))
    export = tmp_path / "comments.json"
    export.write_text(json.dumps(LocalTracker.for_checkout(project).export_comments(1)))
    proc = run_gate("check", "--issue", "1", "--comments", str(export), cwd=project)
    assert proc.returncode == 0, proc.stdout
    assert "tracker export" in proc.stdout
    # Outside any checkout too (an offline audit), with an explicit head.
    outside = tmp_path / "audit"
    outside.mkdir()
    proc = run_gate("check", "--issue", "1", "--comments", str(export), cwd=outside)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "head unknown" in proc.stdout
    # The export is of issue 1: checking issue 2 with it never passes (refused when the
    # export names its issue, else the review names the other issue).
    proc = run_gate("check", "--issue", "2", "--comments", str(export), cwd=project)
    assert proc.returncode == 2 or (proc.returncode == 1 and "wrong-issue" in proc.stdout)


def test_local_tracker_outside_git_exits_2(tmp_path: Path) -> None:
    proc = run_gate("check", "--issue", "1", "--tracker", "local", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not inside a git repository" in _one_line_error(proc.stderr)


def test_default_tracker_outside_git_is_local_and_exits_2(tmp_path: Path) -> None:
    proc = run_gate("check", "--issue", "1", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not inside a git repository" in _one_line_error(proc.stderr)


def test_cwd_option(project: Path, tmp_path: Path) -> None:
    post(project, 1, samples.review(1))
    proc = run_gate("check", "--issue", "1", "-C", str(project), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run_gate("check", "--issue", "1", "-C", str(tmp_path / "nope"), cwd=tmp_path)
    assert proc.returncode == 2


def test_issue_from_env_and_from_branch(project: Path) -> None:
    post(project, 1, samples.review(1))
    # The branch is feature/1-login.
    proc = run_gate("check", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(branch feature/1-login)" in proc.stdout
    proc = run_gate("check", cwd=project, env={"REVIEW_GATE_ISSUE": "2"})
    assert proc.returncode == 1
    assert "issue #2 (env REVIEW_GATE_ISSUE)" in proc.stdout
    proc = run_gate("check", cwd=project, env={"REVIEW_GATE_ISSUE": "two"})
    assert proc.returncode == 2
    assert "REVIEW_GATE_ISSUE" in _one_line_error(proc.stderr)


def test_no_issue_anywhere_exits_2(project: Path) -> None:
    git(project, "checkout", "-q", "main")
    proc = run_gate("check", cwd=project)
    assert proc.returncode == 2
    assert "no issue to check" in _one_line_error(proc.stderr)


def test_head_option_and_stale_review(project: Path) -> None:
    reviewed = commit_file(project, "src/a.py")
    post(project, 1, samples.review(1, commit=reviewed))
    commit_file(project, "src/b.py")
    proc = run_gate("check", "--issue", "1", cwd=project)
    assert proc.returncode == 1
    assert "stale-review" in proc.stdout
    assert run_gate("check", "--issue", "1", "--head", reviewed, cwd=project).returncode == 0


def test_require_commit_from_env(project: Path) -> None:
    post(project, 1, samples.review(1))
    env = {"REVIEW_GATE_REQUIRE_COMMIT": "true"}
    proc = run_gate("check", "--issue", "1", cwd=project, env=env)
    assert proc.returncode == 1
    assert "commit-missing" in proc.stdout


def test_sensitive_change_needs_security_yes(project: Path) -> None:
    commit_file(project, "src/middleware/auth_token.py")
    post(project, 1, samples.review(1))
    proc = run_gate("check", "--issue", "1", cwd=project)
    assert proc.returncode == 1
    assert "src/middleware/auth_token.py" in proc.stdout
    post(project, 1, samples.review(1, security_sensitive=True))
    assert run_gate("check", "--issue", "1", cwd=project).returncode == 0


def test_tracking_issue_checked_against_local_tracker(project: Path) -> None:
    post(project, 1, samples.review(1, deferred=(("Minor", "Slow", "#9", "Later"),)))
    proc = run_gate("check", "--issue", "1", cwd=project)
    assert proc.returncode == 1
    assert "tracking issue #9, which does not exist" in proc.stdout
    post(project, 1, samples.review(1, deferred=(("Minor", "Slow", "#2", "Later"),)))
    assert run_gate("check", "--issue", "1", cwd=project).returncode == 0


def test_worker_and_handover_gates(project: Path) -> None:
    post(project, 1, samples.worker_assignment("worker-1-1"))
    post(project, 1, samples.handover(1))
    args = ("check", "--issue", "1", "--gate", "worker", "--gate", "handover")
    assert run_gate(*args, "--worker-id", "worker-1-1", cwd=project).returncode == 0
    env = {"REVIEW_GATE_WORKER_ID": "worker-1-1"}
    assert run_gate(*args, cwd=project, env=env).returncode == 0
    proc = run_gate(*args, "--worker-id", "worker-2-1", cwd=project)
    assert proc.returncode == 1
    assert "worker gate, issue #1: FAIL" in proc.stdout
    assert "handover gate, issue #1: PASS" in proc.stdout


def test_in_process_main_returns_codes(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    assert main(["check", "--issue", "1"]) == 1
    assert main(["check", "--issue", "x"]) == 2
    post(project, 1, samples.review(1))
    assert main(["check", "--issue", "1", "--format", "json"]) == 0


# -- against the GitHub stand-in -------------------------------------------------------------


def test_github_review_beyond_the_first_page(standin: GitHubStandIn, tmp_path: Path) -> None:
    standin.add_issue(7)
    standin.add_comments(7, [f"progress note {i}" for i in range(250)])
    standin.add_comment(7, samples.review(7))
    cwd = tmp_path / "outside"
    cwd.mkdir()
    proc = run_gate("check", "--issue", "7", cwd=cwd, env=standin.env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "tracker github" in proc.stdout
    # 251 comments: three pages, nothing else.
    assert standin.count("GET", "/issues/7/comments") == 3
    assert len(standin.requests) == 3


def test_github_newer_incomplete_on_a_later_page_fails(
    standin: GitHubStandIn, tmp_path: Path
) -> None:
    standin.add_issue(7)
    standin.add_comment(7, samples.review(7))
    standin.add_comments(7, [f"note {i}" for i in range(150)])
    standin.add_comment(7, samples.review(7, status="BLOCKED_ON_DEPENDENCIES"))
    proc = run_gate("check", "--issue", "7", cwd=tmp_path, env=standin.env())
    assert proc.returncode == 1
    assert "status-not-complete" in proc.stdout


def test_github_untrusted_and_trusted_login(standin: GitHubStandIn, tmp_path: Path) -> None:
    standin.add_issue(7)
    standin.add_comment(7, samples.review(7), login="bot", association="NONE")
    proc = run_gate("check", "--issue", "7", cwd=tmp_path, env=standin.env())
    assert proc.returncode == 1
    assert "@bot" in proc.stdout
    env = {**standin.env(), "REVIEW_GATE_TRUSTED_LOGINS": "bot"}
    assert run_gate("check", "--issue", "7", cwd=tmp_path, env=env).returncode == 0


def test_github_tracking_issue_lookup(standin: GitHubStandIn, tmp_path: Path) -> None:
    standin.add_issue(7)
    standin.add_issue(8)
    standin.add_comment(7, samples.review(7, deferred=(("Minor", "x", "#8", "later"),)))
    assert run_gate("check", "--issue", "7", cwd=tmp_path, env=standin.env()).returncode == 0
    standin.add_comment(7, samples.review(7, deferred=(("Minor", "x", "#9", "later"),)))
    proc = run_gate("check", "--issue", "7", cwd=tmp_path, env=standin.env())
    assert proc.returncode == 1
    assert "tracking-issue-missing" in proc.stdout


@pytest.mark.parametrize(
    ("body", "head_ref"),
    [
        ("Closes #7", "topic"),
        ("fixes octo/project#7", "topic"),
        ("No keyword here", "feature/7-login"),
    ],
)
def test_github_pr_resolution(
    standin: GitHubStandIn, tmp_path: Path, body: str, head_ref: str
) -> None:
    sha = "1234567890abcdef1234567890abcdef12345678"
    standin.add_issue(7)
    standin.add_pull(12, head_ref=head_ref, head_sha=sha, body=body)
    standin.add_comment(7, samples.review(7, commit=sha))
    proc = run_gate("check", "--pr", "12", "--format", "json", cwd=tmp_path, env=standin.env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["issues"] == [7]
    assert data["head"] == sha
    assert data["source"] == "PR #12"


def test_github_pr_stale_head(standin: GitHubStandIn, tmp_path: Path) -> None:
    standin.add_issue(7)
    standin.add_pull(12, head_ref="feature/7-x", head_sha="b" * 40, body="Closes #7")
    standin.add_comment(7, samples.review(7, commit="a" * 40))
    proc = run_gate("check", "--pr", "12", cwd=tmp_path, env=standin.env())
    assert proc.returncode == 1
    assert "stale-review" in proc.stdout


def test_github_pr_closing_two_issues_gates_both(standin: GitHubStandIn, tmp_path: Path) -> None:
    standin.add_issue(7)
    standin.add_issue(8)
    standin.add_pull(12, head_ref="topic", head_sha="c" * 40, body="Closes #7, closes #8")
    standin.add_comment(7, samples.review(7))
    proc = run_gate("check", "--pr", "12", cwd=tmp_path, env=standin.env())
    assert proc.returncode == 1
    assert "review gate, issue #7: PASS" in proc.stdout
    assert "review gate, issue #8: FAIL" in proc.stdout


def test_github_pr_naming_no_issue(standin: GitHubStandIn, tmp_path: Path) -> None:
    standin.add_pull(12, head_ref="topic", head_sha="c" * 40, body="Refactor")
    proc = run_gate("check", "--pr", "12", cwd=tmp_path, env=standin.env())
    assert proc.returncode == 2
    assert "pull request #12 names no issue" in _one_line_error(proc.stderr)


def test_github_unreachable_exits_3(tmp_path: Path) -> None:
    env = {
        "GITHUB_API_URL": refused_url(),
        "GH_TOKEN": "tok-SECRET-0xC0FFEE",
        "REVIEW_GATE_REPO": "octo/project",
        "REVIEW_GATE_RETRIES": "1",
    }
    proc = run_gate("check", "--issue", "7", "--tracker", "github", cwd=tmp_path, env=env)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    _one_line_error(proc.stderr)
    assert "tok-SECRET-0xC0FFEE" not in proc.stdout + proc.stderr


def test_github_502s_are_retried_through(standin: GitHubStandIn, tmp_path: Path) -> None:
    standin.add_issue(7)
    standin.add_comment(7, samples.review(7))
    standin.fail_next(2, 502)
    proc = run_gate("check", "--issue", "7", cwd=tmp_path, env=standin.env())
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_auto_tracker_github_from_origin(standin: GitHubStandIn, tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    git(repo, "remote", "add", "origin", "https://github.com/octo/project.git")
    standin.add_issue(7)
    standin.add_comment(7, samples.review(7))
    env = {"GITHUB_API_URL": standin.url, "GH_TOKEN": standin.token}
    proc = run_gate("check", "--issue", "7", cwd=repo, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "tracker github" in proc.stdout


# -- the README's quick start ----------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "examples" / "quickstart.sh"


def _run_quickstart(script: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(GATE).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_quickstart_fails_then_passes(tmp_path: Path) -> None:
    # Run from an unrelated checkout: the script must work in its own temporary repository.
    bystander = init_repo(tmp_path / "bystander")
    before = git(bystander, "status", "--porcelain", "--ignored")
    proc = _run_quickstart(QUICKSTART, bystander)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    commands = [line for line in out.splitlines() if line.startswith("$ ")]
    assert commands == [
        "$ git init -q project",
        "$ git commit -q --allow-empty -m 'chore: initial commit'",
        "$ gate issue new --title 'Add a settings parser'",
        "$ gate check --issue 1",
        f"$ gate issue comment 1 --body-file {QUICKSTART.parent / 'review.md'}",
        "$ gate check --issue 1",
    ]
    first, second = out.split("$ gate check --issue 1")[1:]
    assert "review gate, issue #1: FAIL" in first
    assert "review gate, issue #1: PASS" in second
    assert "quickstart: OK" in out
    assert git(bystander, "status", "--porcelain", "--ignored") == before
    assert not (bystander / ".git" / "review-gate").exists()


def test_quickstart_exits_1_when_the_review_does_not_pass(tmp_path: Path) -> None:
    copy = tmp_path / "examples"
    copy.mkdir()
    shutil.copy(QUICKSTART, copy / "quickstart.sh")
    (copy / "review.md").write_text(samples.review(1, status="BLOCKED_ON_DEPENDENCIES"))
    proc = _run_quickstart(copy / "quickstart.sh", tmp_path)
    assert proc.returncode == 1
    assert "the second 1 (expected 0)" in proc.stderr


def test_quickstart_without_gate_on_path(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(
        ["bash", str(QUICKSTART)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "'gate' is not on PATH" in proc.stderr


def test_github_pull_request_workflow_without_flags(standin: GitHubStandIn, tmp_path: Path) -> None:
    sha = "d" * 40
    standin.add_issue(7)
    standin.add_pull(12, head_ref="feature/7-x", head_sha=sha, body="Closes #7")
    standin.add_comment(7, samples.review(7, commit=sha))
    env = {**standin.env(), "GITHUB_ACTIONS": "true", "GITHUB_REF": "refs/pull/12/merge"}
    proc = run_gate("check", "--format", "json", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert (data["issues"], data["head"]) == ([7], sha)
    assert data["source"] == "PR #12, from GITHUB_REF"


def _export(tmp_path: Path, *bodies: str) -> Path:
    items = [
        {
            "id": i,
            "user": {"login": "alice"},
            "author_association": "OWNER",
            "created_at": f"2026-11-21T10:00:{i:02d}Z",
            "updated_at": f"2026-11-21T10:00:{i:02d}Z",
            "body": body,
            "html_url": f"https://github.com/o/r/issues/1#issuecomment-{i}",
        }
        for i, body in enumerate(bodies, 1)
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(items))
    return path


@pytest.mark.parametrize(
    "example", sorted((ROOT / "examples" / "invalid").glob("review-*.md")), ids=lambda p: p.name
)
def test_shipped_invalid_reviews_fail_the_gate(tmp_path: Path, example: Path) -> None:
    good = (ROOT / "examples" / "review.md").read_text()
    # Even after a good review, a newer broken one closes the gate (latest wins).
    export = _export(tmp_path, good, example.read_text())
    proc = run_gate("check", "--issue", "1", "--comments", str(export), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "review gate, issue #1: FAIL" in proc.stdout
    assert "fix: " in proc.stdout


def test_shipped_review_passes_from_an_export(tmp_path: Path) -> None:
    export = _export(tmp_path, (ROOT / "examples" / "review.md").read_text())
    proc = run_gate("check", "--issue", "1", "--comments", str(export), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- configuration from the base branch (an agent cannot loosen its own gate) ----------------

MAIN_CONFIG = "require_commit = false\nretries = 2\n"
LOOSE_CONFIG = "require_commit = false\nretries = 2\ntrusted_logins = ['agent-bot']\n"


@pytest.fixture
def loosened(project: Path) -> Path:
    """main (pushed) has a config; the PR branch feature/1-login adds its own agent to
    trusted_logins; the agent posted a complete review of issue 1."""
    git(project, "checkout", "-q", "main")
    commit_file(project, ".review-gate.toml", MAIN_CONFIG, "chore: config")
    git(project, "push", "-q", "origin", "main")
    git(project, "checkout", "-q", "feature/1-login")
    git(project, "merge", "-q", "--ff-only", "main")
    commit_file(project, ".review-gate.toml", LOOSE_CONFIG, "chore: trust me")
    post(project, 1, samples.review(1), author="agent-bot", association="NONE")
    return project


def test_checkout_config_is_used_outside_a_pr(loosened: Path) -> None:
    # No PR context: the checkout's configuration applies, as for local hooks.
    proc = run_gate("check", "--issue", "1", cwd=loosened)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = loosened / ".review-gate.toml"
    assert f"config: {path} (the checkout)" in proc.stdout
    proc = run_gate("check", "--issue", "1", "--config-ref", "WORKTREE", cwd=loosened)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(--config-ref WORKTREE: the checkout)" in proc.stdout


@pytest.mark.parametrize(
    ("args", "env", "why"),
    [
        (("--config-ref", "origin/main"), {}, "(--config-ref)"),
        ((), {"GITHUB_BASE_REF": "main"}, "(base branch main ($GITHUB_BASE_REF))"),
    ],
)
def test_base_config_gates_a_pr_that_trusts_itself(
    loosened: Path, args: tuple[str, ...], env: dict[str, str], why: str
) -> None:
    proc = run_gate("check", "--issue", "1", *args, cwd=loosened, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert f"config: origin/main:.review-gate.toml {why}" in out
    assert "no REVIEW by a trusted author" in out
    assert "ignored the REVIEW posted by @agent-bot" in out
    assert "would loosen the gate compared with origin/main:.review-gate.toml" in out
    assert "trusted_logins adds 'agent-bot'" in out
    # A trusted review opens it.
    post(loosened, 1, samples.review(1))
    proc = run_gate("check", "--issue", "1", *args, cwd=loosened, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "trusted_logins adds 'agent-bot'" in proc.stdout  # still noticed


def test_base_config_json_and_github_formats(loosened: Path, tmp_path: Path) -> None:
    env = {"GITHUB_BASE_REF": "main"}
    proc = run_gate("check", "--issue", "1", "--format", "json", cwd=loosened, env=env)
    assert proc.returncode == 1
    config = json.loads(proc.stdout)["config"]
    assert config["from"] == "origin/main:.review-gate.toml"
    assert (config["ref"], config["file"]) == ("origin/main", "origin/main:.review-gate.toml")
    assert config["why"] == "base branch main ($GITHUB_BASE_REF)"
    (warning,) = config["warnings"]
    assert "trusted_logins adds 'agent-bot'" in warning
    summary = tmp_path / "summary.md"
    env["GITHUB_STEP_SUMMARY"] = str(summary)
    proc = run_gate("check", "--issue", "1", "--format", "github", cwd=loosened, env=env)
    assert proc.returncode == 1
    warnings = [x for x in proc.stdout.splitlines() if x.startswith("::warning ")]
    assert len(warnings) == 1
    assert warnings[0].startswith("::warning title=review-gate configuration::the checkout's ")
    text = summary.read_text()
    assert "Configuration: `origin/main:.review-gate.toml`" in text
    assert "trusted_logins adds 'agent-bot'" in text


def test_no_config_on_the_base_means_defaults_not_the_prs_file(project: Path) -> None:
    # The PR introduces the first config file: it must not apply to itself either.
    commit_file(project, ".review-gate.toml", "sensitive_patterns = []\n", "chore: config")
    commit_file(project, "src/auth/login.py")
    post(project, 1, samples.review(1))
    assert run_gate("check", "--issue", "1", cwd=project).returncode == 0
    proc = run_gate("check", "--issue", "1", cwd=project, env={"GITHUB_BASE_REF": "main"})
    assert proc.returncode == 1, proc.stdout
    assert "config: defaults (no config file at origin/main)" in proc.stdout
    assert "security-sensitive" in proc.stdout
    assert "sensitive_patterns drops '**/auth/**'" in proc.stdout


def test_pyproject_table_on_the_base(project: Path) -> None:
    git(project, "checkout", "-q", "main")
    commit_file(project, "pyproject.toml", "[tool.review-gate]\nrequire_commit = true\n")
    git(project, "push", "-q", "origin", "main")
    git(project, "checkout", "-q", "feature/1-login")
    git(project, "merge", "-q", "--ff-only", "main")
    commit_file(project, "pyproject.toml", "[tool.review-gate]\nrequire_commit = false\n")
    post(project, 1, samples.review(1))
    assert run_gate("check", "--issue", "1", cwd=project).returncode == 0
    proc = run_gate("check", "--issue", "1", cwd=project, env={"GITHUB_BASE_REF": "main"})
    assert proc.returncode == 1
    assert "commit-missing" in proc.stdout
    assert "config: origin/main:pyproject.toml [tool.review-gate]" in proc.stdout
    assert "require_commit true -> false" in proc.stdout


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (("--config-ref", "nope"), {}, "config ref 'nope' is not a commit in this checkout"),
        (("--config-ref", "origin/nope"), {}, "'origin/nope' is not a commit"),
        (("--config-ref", "-p"), {}, "config ref '-p' is not a valid git revision"),
        (("--config-ref", "main:x"), {}, "is not a valid git revision"),
        ((), {"GITHUB_BASE_REF": "release"}, "base branch 'release': origin/release and"),
    ],
)
def test_bad_config_ref_exits_2(
    loosened: Path, args: tuple[str, ...], env: dict[str, str], fragment: str
) -> None:
    proc = run_gate("check", "--issue", "1", *args, cwd=loosened, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert fragment in _one_line_error(proc.stderr)
    assert "git fetch origin" in proc.stderr or "valid git revision" in proc.stderr
    assert proc.stdout == ""


def test_base_branch_not_fetched_exits_2_not_the_checkouts_config(tmp_path: Path) -> None:
    # A shallow CI checkout of the PR alone: refuse rather than trust the PR's own file.
    repo, bare = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature/1-x")
    commit_file(repo, ".review-gate.toml", "trusted_logins = ['agent-bot']\n")
    git(repo, "push", "-q", "origin", "feature/1-x")
    clone = tmp_path / "ci"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature/1-x",
        f"file://{bare}",
        str(clone),
    )
    git(clone, "update-ref", "-d", "refs/remotes/origin/main")
    LocalTracker.for_checkout(clone).create_issue("x")
    proc = run_gate("check", "--issue", "1", cwd=clone, env={"GITHUB_BASE_REF": "main"})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot read the configuration of the base branch 'main'" in _one_line_error(proc.stderr)
    assert "gate: hint: fetch it (`git fetch origin main`" in proc.stderr
    git(clone, "fetch", "-q", "origin", "main:refs/remotes/origin/main")
    proc = run_gate("check", "--issue", "1", cwd=clone, env={"GITHUB_BASE_REF": "main"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "config: defaults (no config file at origin/main)" in proc.stdout


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("tracker = \n", "origin/main:.review-gate.toml: not valid TOML"),
        ("tracker = 'svn'\n", "origin/main:.review-gate.toml: key 'tracker' must be one of"),
        ("trusted-loginz = []\n", "origin/main:.review-gate.toml: unknown key 'trusted-loginz'"),
    ],
)
def test_invalid_config_on_the_base_exits_2_naming_ref_and_path(
    project: Path, text: str, fragment: str
) -> None:
    git(project, "checkout", "-q", "main")
    commit_file(project, ".review-gate.toml", text)
    git(project, "push", "-q", "origin", "main")
    git(project, "checkout", "-q", "feature/1-login")
    post(project, 1, samples.review(1))
    # The branch has no config file: only the base's file is broken.
    assert run_gate("check", "--issue", "1", cwd=project).returncode == 0
    proc = run_gate("check", "--issue", "1", cwd=project, env={"GITHUB_BASE_REF": "main"})
    assert proc.returncode == 2
    assert fragment in _one_line_error(proc.stderr)


def _pr_project(tmp_path: Path, standin: GitHubStandIn, base: str = "main") -> Path:
    """A clone whose main requires a Commit row, a PR branch that drops the requirement,
    and PR #12 (base ``base``) closing issue 7 with a review that names no commit."""
    repo, _ = init_repo_with_remote(tmp_path)
    commit_file(repo, ".review-gate.toml", "require_commit = true\n", "chore: config")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    sha = commit_file(repo, ".review-gate.toml", "require_commit = false\n", "chore: relax")
    standin.add_issue(7)
    standin.add_pull(12, head_ref="feature/7-x", head_sha=sha, base_ref=base, body="Closes #7")
    standin.add_comment(7, samples.review(7))
    return repo


def test_pr_config_comes_from_the_prs_base(standin: GitHubStandIn, tmp_path: Path) -> None:
    repo = _pr_project(tmp_path, standin)
    proc = run_gate("check", "--pr", "12", cwd=repo, env=standin.env())
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "commit-missing" in proc.stdout
    # The stand-in's REVIEW_GATE_* variables override the file: the report says so.
    assert (
        "config: origin/main:.review-gate.toml, REVIEW_GATE_REPO, REVIEW_GATE_TRACKER "
        "(base branch main of PR #12)"
    ) in proc.stdout
    assert "require_commit true -> false" in proc.stdout
    # The PR and its comments: nothing more, not the PR twice.
    assert standin.count("GET", "/pulls/12") == 1
    proc = run_gate("check", "--pr", "12", "--config-ref", "WORKTREE", cwd=repo, env=standin.env())
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pr_against_another_base_reads_that_base(standin: GitHubStandIn, tmp_path: Path) -> None:
    repo = _pr_project(tmp_path, standin, base="develop")
    git(repo, "checkout", "-q", "-b", "develop", "main")
    commit_file(repo, ".review-gate.toml", "retries = 1\n", "chore: develop config")
    git(repo, "push", "-q", "origin", "develop")
    git(repo, "checkout", "-q", "feature/7-x")
    proc = run_gate("check", "--pr", "12", "--format", "json", cwd=repo, env=standin.env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = json.loads(proc.stdout)["config"]
    assert config["file"] == "origin/develop:.review-gate.toml"
    assert config["why"] == "base branch develop of PR #12"
    # develop's config names other tracker settings (retries): the PR is read again with them.
    assert standin.count("GET", "/pulls/12") == 2


def test_pull_request_workflow_reads_the_base_config(
    standin: GitHubStandIn, tmp_path: Path
) -> None:
    repo = _pr_project(tmp_path, standin)
    env = {
        **standin.env(),
        "GITHUB_ACTIONS": "true",
        "GITHUB_REF": "refs/pull/12/merge",
        "GITHUB_BASE_REF": "main",
    }
    proc = run_gate("check", cwd=repo, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "commit-missing" in proc.stdout
    assert "(base branch main ($GITHUB_BASE_REF))" in proc.stdout


# -- --comments - (the export on stdin) ------------------------------------------------------


def test_comments_from_stdin(tmp_path: Path) -> None:
    export = _export(tmp_path, samples.review(1))
    proc = run_gate(
        "check", "--issue", "1", "--comments", "-", cwd=tmp_path, stdin=export.read_text()
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "tracker export" in proc.stdout
    export = _export(tmp_path, samples.review(1, status="IN_PROGRESS"))
    proc = run_gate(
        "check", "--issue", "1", "--comments", "-", cwd=tmp_path, stdin=export.read_text()
    )
    assert proc.returncode == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "<stdin>: is empty"),
        (b"{", "<stdin>: not valid JSON"),
        (b'[{"id": 1}]', "<stdin>: item 0 has no author_association"),
        (b"\xff\xfe junk", "<stdin>: not UTF-8 text"),
    ],
)
def test_bad_comments_from_stdin_exits_2(tmp_path: Path, content: bytes, fragment: str) -> None:
    proc = subprocess.run(
        (GATE, "check", "--issue", "1", "--comments", "-"),
        cwd=tmp_path,
        input=content,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 2
    assert fragment in _one_line_error(proc.stderr.decode())


def test_pr_without_origin_head_still_reads_the_base(
    standin: GitHubStandIn, tmp_path: Path
) -> None:
    # No origin/HEAD: the PR is read with the checkout's config, then the base's applies.
    repo = _pr_project(tmp_path, standin)
    git(repo, "remote", "set-head", "origin", "-d")
    proc = run_gate("check", "--pr", "12", cwd=repo, env=standin.env())
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "commit-missing" in proc.stdout
    assert "(base branch main of PR #12)" in proc.stdout


# -- --quiet and the step outputs -------------------------------------------------------------


def test_quiet_prints_nothing_on_a_pass_and_everything_on_a_fail(project: Path) -> None:
    failing = run_gate("check", "--issue", "1", "--quiet", cwd=project)
    loud = run_gate("check", "--issue", "1", cwd=project)
    assert failing.returncode == loud.returncode == 1
    assert failing.stdout == loud.stdout and "review gate, issue #1: FAIL" in failing.stdout
    post(project, 1, samples.review(1))
    for fmt in ("text", "json", "github"):
        proc = run_gate("check", "--issue", "1", "-q", "--format", fmt, cwd=project)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", ""), fmt


def test_quiet_still_writes_the_step_summary(project: Path, tmp_path: Path) -> None:
    post(project, 1, samples.review(1))
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    proc = run_gate("check", "--issue", "1", "-q", "--format", "github", cwd=project, env=env)
    assert (proc.returncode, proc.stdout) == (0, "")
    assert "### review-gate: passed" in summary.read_text()


def _outputs(path: Path) -> dict[str, str]:
    from tests.action_runner import parse_file_commands

    return parse_file_commands(path.read_text())


def test_step_outputs(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "github_output"
    env = {"GITHUB_OUTPUT": str(out)}
    post(project, 1, samples.review(1, unaddressed=1))
    proc = run_gate("check", "--issue", "1", cwd=project, env=env)
    assert proc.returncode == 1
    outputs = _outputs(out)
    assert (outputs["verdict"], outputs["issues"]) == ("fail", "1")
    (reason,) = json.loads(outputs["reasons-json"])
    assert reason["gate"] == "review" and reason["issue"] == 1 and reason["fix"]
    out.write_text("")
    post(project, 1, samples.review(1))
    assert (
        run_gate("check", "--issue", "1", "--format", "json", cwd=project, env=env).returncode == 0
    )
    assert _outputs(out) == {"verdict": "pass", "issues": "1", "reasons-json": "[]"}


def test_step_outputs_when_the_gate_cannot_be_evaluated(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "github_output"
    proc = run_gate("check", "--issue", "99", cwd=project, env={"GITHUB_OUTPUT": str(out)})
    assert proc.returncode == 2
    outputs = _outputs(out)
    assert outputs["verdict"] == "error"  # never pass
    (reason,) = json.loads(outputs["reasons-json"])
    assert reason["code"] == "could-not-evaluate" and "99" in reason["message"]


def test_output_file_keeps_multi_line_values_apart() -> None:
    from review_gate.report import output_file_text
    from tests.action_runner import parse_file_commands

    text = output_file_text({"reasons-json": "a\nverdict=pass", "verdict": "fail"}, "D_1")
    assert parse_file_commands(text) == {"reasons-json": "a\nverdict=pass", "verdict": "fail"}
