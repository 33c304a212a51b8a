"""`gate issue ...` end to end: the installed `gate` in a subprocess, real git, real SQLite,
and the GitHub stand-in for --tracker github."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.artifact_samples import review
from tests.github_standin import Fault, GitHubStandIn, refused_url
from tests.helpers import git, run_gate

DB = Path(".git/review-gate/tracker.sqlite3")


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as server:
        server.add_issue(7, "Seven", "Do the thing", labels=["feature"])
        yield server


def ok(*args: str, cwd: Path, **kwargs: object) -> str:
    proc = run_gate(*args, cwd=cwd, **kwargs)  # type: ignore[arg-type]
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert lines and lines[0].startswith("gate: error: "), stderr
    assert all(line.startswith("gate: hint: ") for line in lines[1:]), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_local_round_trip(repo: Path, tmp_path: Path) -> None:
    created = json.loads(
        ok("issue", "new", "--title", "Add login", "--label", "auth", "--format", "json", cwd=repo)
    )
    assert created == {
        "number": 1,
        "title": "Add login",
        "body": "",
        "state": "open",
        "labels": ["auth"],
        "url": "local:issues/1",
    }
    body = tmp_path / "review.md"
    body.write_text(review(1))
    posted = json.loads(
        ok(
            "issue",
            "comment",
            "1",
            "--body-file",
            str(body),
            "--author",
            "rev",
            "--association",
            "member",
            "--format",
            "json",
            cwd=repo,
        )
    )
    assert posted["user"]["login"] == "rev" and posted["author_association"] == "MEMBER"
    assert "posted comment" in ok(
        "issue", "comment", "1", "--body-file", "-", cwd=repo, stdin="second\n"
    )
    shown = json.loads(ok("issue", "show", "1", "--format", "json", cwd=repo))
    assert shown["issue"]["title"] == "Add login"
    assert [c["body"] for c in shown["comments"]] == [review(1), "second\n"]
    text = ok("issue", "show", "1", cwd=repo)
    assert "#1  open    Add login  [auth]" in text and "<!-- REVIEW:START -->" in text
    assert "by rev (MEMBER)" in text
    assert ok("issue", "list", cwd=repo).strip() == "#1  open    Add login  [auth]"
    assert json.loads(ok("issue", "list", "--label", "nope", "--format", "json", cwd=repo)) == []

    exported = tmp_path / "export.json"
    exported.write_text(ok("issue", "export", "1", cwd=repo))
    other = tmp_path / "other"
    git(tmp_path, "init", "-q", str(other))
    summary = json.loads(
        ok("issue", "import", "--issue", "1", str(exported), "--format", "json", cwd=other)
    )
    assert summary == {"issue": 1, "comments": 2, "added": 2}
    assert json.loads(ok("issue", "export", "1", cwd=other)) == json.loads(exported.read_text())
    ok("issue", "close", "1", cwd=repo)
    assert ok("issue", "list", cwd=repo).strip() == "no open issues"
    assert "#1  closed" in ok("issue", "list", "--state", "all", cwd=repo)


def test_edit_comment(repo: Path) -> None:
    ok("issue", "new", "--title", "x", cwd=repo)
    posted = json.loads(
        ok("issue", "comment", "1", "--body-file", "-", "--format", "json", cwd=repo, stdin="v1")
    )
    ok("issue", "edit", str(posted["id"]), "--body-file", "-", cwd=repo, stdin="v2")
    assert json.loads(ok("issue", "export", "1", cwd=repo))[0]["body"] == "v2"


def test_worktrees_share_the_local_tracker(repo: Path, tmp_path: Path) -> None:
    git(repo, "worktree", "add", "-q", "-b", "feature/1-x", str(tmp_path / "wt"))
    ok("issue", "new", "--title", "shared", cwd=repo)
    ok("issue", "comment", "1", "--body-file", "-", cwd=tmp_path / "wt", stdin="from wt")
    assert "from wt" in ok("issue", "show", "1", cwd=repo)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("issue", "show", "abc"), None, "'abc' is not an issue number"),
        (("issue", "show", "0"), None, "0"),
        (("issue", "comment", "1", "--body-file", "-"), "hi", "#1 does not exist"),
        (("issue", "comment", "1", "--body-file", "missing.md"), None, "no such file"),
        (("issue", "comment", "1", "--body-file", "-", "--association", "BOSS"), "x", "BOSS"),
        (("issue", "new", "--title", " "), None, "title is empty"),
        (("issue", "new", "--title", "x", "--tracker", "github"), None, "No such option"),
        (("issue", "import", "--issue", "1", "missing.json"), None, "no such file"),
    ],
)
def test_usage_errors_exit_2(
    repo: Path, args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    proc = run_gate(*args, cwd=repo, stdin=stdin)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_missing_issue_hint(repo: Path) -> None:
    proc = run_gate("issue", "comment", "4", "--body-file", "-", cwd=repo, stdin="hi")
    assert proc.returncode == 2
    assert "gate: hint: create it with `gate issue new" in proc.stderr


def test_outside_a_git_checkout(tmp_path: Path) -> None:
    proc = run_gate("issue", "list", cwd=tmp_path)
    assert proc.returncode == 2
    assert "not inside a git repository" in one_line_error(proc.stderr)


@pytest.mark.parametrize(
    "content",
    [b"definitely not sqlite\n", bytes(range(256)) * 40, b"SQLite format 3\x00" + b"\x07" * 4000],
    ids=["text", "binary", "bad-header"],
)
@pytest.mark.parametrize(
    "args",
    [("issue", "list"), ("issue", "new", "--title", "x"), ("issue", "show", "1")],
)
def test_corrupt_database_exit_2_untouched(
    repo: Path, content: bytes, args: tuple[str, ...]
) -> None:
    db = repo / DB
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(content)
    proc = run_gate(*args, cwd=repo)
    assert proc.returncode == 2, proc.stderr
    assert str(db) in one_line_error(proc.stderr)
    assert db.read_bytes() == content
    assert sorted(p.name for p in db.parent.iterdir()) == ["tracker.sqlite3"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"id": 1}', "holds a JSON object"),
        (
            '[{"id": 1, "body": "x", "user": {"login": "a"}, "created_at": "2026-01-01T00:00Z"}]',
            "item 0 has no author_association",
        ),
    ],
)
def test_malformed_export_exit_2(repo: Path, tmp_path: Path, content: str, message: str) -> None:
    ok("issue", "new", "--title", "x", cwd=repo)
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    before = hashlib.sha256((repo / DB).read_bytes()).hexdigest()
    proc = run_gate("issue", "import", "--issue", "1", str(bad), cwd=repo)
    assert proc.returncode == 2
    line = one_line_error(proc.stderr)
    assert str(bad) in line and message in line
    assert hashlib.sha256((repo / DB).read_bytes()).hexdigest() == before
    # `gate check --comments FILE` reads the same format through the export tracker
    proc = run_gate("check", "--issue", "1", "--comments", str(bad), cwd=repo)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert bad.read_text() == content


def test_local_post_in_a_github_clone_notes_where_check_reads(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "https://github.com/octo/project.git")
    ok("issue", "new", "--title", "x", cwd=repo)
    proc = run_gate("issue", "comment", "1", "--body-file", "-", cwd=repo, stdin="hi")
    assert proc.returncode == 0
    assert "gate check` here reads GitHub" in proc.stderr


# -- --tracker github, against the stand-in -------------------------------------------------


def test_github_show_comment_list_export(repo: Path, gh: GitHubStandIn) -> None:
    gh.add_comment(7, "first", login="alice", association="MEMBER")
    env = gh.env()
    shown = ok("issue", "show", "7", "--tracker", "github", cwd=repo, env=env)
    assert "#7  open    Seven  [feature]" in shown and "by alice (MEMBER)" in shown
    posted = json.loads(
        ok(
            "issue",
            "comment",
            "7",
            "--body-file",
            "-",
            "--format",
            "json",
            cwd=repo,
            env=env,
            stdin=review(7),
        )
    )
    assert posted["user"]["login"] == "octocat" and posted["body"] == review(7)
    exported = json.loads(ok("issue", "export", "7", cwd=repo, env=env))
    assert [c["body"] for c in exported] == ["first", review(7)]
    assert "node_id" in exported[0] and "issue_url" in exported[0]  # GitHub's own JSON
    assert "Seven" in ok(
        "issue", "list", "--tracker", "github", "--repo", gh.full_name, cwd=repo, env=env
    )


def test_github_refuses_local_only_options(repo: Path, gh: GitHubStandIn) -> None:
    proc = run_gate(
        "issue",
        "comment",
        "7",
        "--body-file",
        "-",
        "--author",
        "x",
        cwd=repo,
        env=gh.env(),
        stdin="hi",
    )
    assert proc.returncode == 2 and "local tracker only" in proc.stderr
    assert gh.count("POST") == 0


def test_github_unreachable_exit_3_in_bounded_time(repo: Path) -> None:
    env = {"GITHUB_API_URL": refused_url(), "GH_TOKEN": "t", "REVIEW_GATE_REPO": "o/r"}
    started = time.monotonic()
    proc = run_gate("issue", "show", "7", "--tracker", "github", cwd=repo, env=env, timeout=30)
    assert proc.returncode == 3, proc.stderr
    assert time.monotonic() - started < 10
    line = one_line_error(proc.stderr)
    assert "unreachable" in line and "connection refused" in line
    proc = run_gate("check", "--issue", "7", "--tracker", "github", cwd=repo, env=env, timeout=30)
    assert proc.returncode == 3, proc.stderr


def test_github_502s_are_retried_through(repo: Path, gh: GitHubStandIn) -> None:
    gh.add_comment(7, "survives")
    gh.fail_next(2, 502)
    assert "survives" in ok("issue", "show", "7", cwd=repo, env=gh.env())


SECRET = "ghp_DistinctiveSecretToken0123456789abcd"


@pytest.mark.parametrize(
    "faults",
    [
        [Fault(502)] * 10,
        [Fault(403, message="Forbidden by policy")],
        [Fault(status=0, delay=3)] * 4,
        [],
    ],
    ids=["5xx", "403", "slow", "wrong-token"],
)
def test_token_never_appears_in_output(repo: Path, gh: GitHubStandIn, faults: list[Fault]) -> None:
    gh.fail(*faults)
    env = {**gh.env(token=SECRET), "REVIEW_GATE_REQUEST_TIMEOUT": "1", "REVIEW_GATE_RETRIES": "1"}
    for args in (("issue", "show", "7"), ("issue", "comment", "7", "--body-file", "-")):
        proc = run_gate(*args, cwd=repo, env=env, stdin="x", timeout=60)
        assert proc.returncode in (2, 3), proc.stderr
        assert SECRET not in proc.stdout + proc.stderr
        assert SECRET[4:20] not in proc.stdout + proc.stderr
    env["REVIEW_GATE_DEBUG"] = "1"
    proc = run_gate("issue", "show", "7", cwd=repo, env=env, timeout=60)
    assert SECRET not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "code", "output"),
    [
        (("issue", "list"), 0, "no open issues"),
        (("issue", "list", "--state", "all", "--format", "json"), 0, "[]"),
        (("issue", "show", "1"), 2, "#1 does not exist"),
        (("issue", "export", "1"), 2, "#1 does not exist"),
        (("check", "--issue", "1", "--tracker", "local"), 2, "#1 does not exist"),
        (("doctor",), None, ""),
    ],
)
def test_read_only_commands_create_no_tracker(
    repo: Path, args: tuple[str, ...], code: int | None, output: str
) -> None:
    proc = run_gate(*args, cwd=repo)
    if code is not None:
        assert proc.returncode == code, proc.stderr
    assert output in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (repo / ".git" / "review-gate").exists()


def test_writes_still_create_the_tracker(repo: Path) -> None:
    assert "no open issues" in ok("issue", "list", cwd=repo)
    ok("issue", "new", "--title", "x", cwd=repo)
    assert (repo / DB).is_file()


# -- an invalid artifact is posted with a warning; --strict refuses it ---------------------


def test_comment_warns_about_an_invalid_artifact_and_strict_refuses(
    repo: Path, tmp_path: Path
) -> None:
    ok("issue", "new", "--title", "t", "--number", "7", cwd=repo)
    draft = tmp_path / "draft.md"
    draft.write_text(ok("new", "review", "--issue", "7", cwd=repo))  # placeholders unfilled

    refused = run_gate("issue", "comment", "7", "--strict", "--body-file", str(draft), cwd=repo)
    assert refused.returncode == 1
    line = one_line_error(refused.stderr)
    assert "not posted: the REVIEW artifact at line 1 is invalid" in line
    assert "unfilled template placeholder" in line
    assert json.loads(ok("issue", "show", "7", "--format", "json", cwd=repo))["comments"] == []

    posted = run_gate("issue", "comment", "7", "--body-file", str(draft), cwd=repo)
    assert posted.returncode == 0 and "posted comment" in posted.stdout
    assert "gate: warning: the REVIEW artifact at line 1 is invalid" in posted.stderr
    assert "the latest artifact of each kind wins" in posted.stderr
    assert run_gate("check", "--issue", "7", cwd=repo).returncode == 1

    # A valid review, or a body without artifacts, posts silently, --strict or not.
    good = tmp_path / "good.md"
    good.write_text(review(7))
    for body in (good, tmp_path / "note.md"):
        if not body.exists():
            body.write_text("just a note\n")
        proc = run_gate("issue", "comment", "7", "--strict", "--body-file", str(body), cwd=repo)
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
