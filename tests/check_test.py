from __future__ import annotations

import json
from pathlib import Path

import pytest

from review_gate import target
from review_gate.check import CheckResult, check, doctor_checks
from review_gate.config import Config, load
from review_gate.errors import ConfigError, IssueNotFound, NotAGitRepository, UsageError
from review_gate.gates.verdict import Verdict
from review_gate.records import PullRequest
from review_gate.target import Repository, find_base, gated_issues
from review_gate.target.command import _resolve_head
from review_gate.target.tracker import auto_tracker, open_tracker
from review_gate.target.trusted import describe, worktree_notes
from review_gate.trackers.local import LocalTracker
from tests import artifact_samples as samples
from tests.helpers import commit_file, git, init_repo, init_repo_with_remote


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A clone with origin (a local bare repo) and a feature branch off main."""
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature/1-login")
    return repo


def _tracker(repo: Path, issues: int = 1) -> LocalTracker:
    tracker = LocalTracker.for_checkout(repo)
    for i in range(issues):
        tracker.create_issue(f"issue {i + 1}")
    return tracker


def _codes(result: CheckResult) -> set[str]:
    return {r.code for v in result.verdicts for r in v.reasons}


def _notes(result: CheckResult) -> set[str]:
    return {n.code for v in result.verdicts for n in v.notes}


def test_fails_without_review_then_passes(project: Path) -> None:
    tracker = _tracker(project)
    result = check(1, cwd=project, tracker=tracker)
    assert not result.passed
    assert _codes(result) == {"no-review"}
    tracker.post_comment(1, samples.review(1))
    result = check(1, cwd=project, tracker=tracker)
    assert result.passed, result
    assert result.head == git(project, "rev-parse", "HEAD").strip()


def test_opens_the_local_tracker_by_itself(project: Path) -> None:
    _tracker(project).post_comment(1, samples.review(1))
    assert check(1, cwd=project).passed


def test_missing_issue_in_local_tracker(project: Path) -> None:
    _tracker(project)
    with pytest.raises(IssueNotFound):
        check(5, cwd=project)


def test_sensitive_file_on_the_branch(project: Path) -> None:
    tracker = _tracker(project)
    commit_file(project, "src/auth/session.py")
    tracker.post_comment(1, samples.review(1))
    result = check(1, cwd=project, tracker=tracker)
    assert _codes(result) == {"security-sensitive"}
    tracker.post_comment(1, samples.review(1, security_sensitive=True))
    assert check(1, cwd=project, tracker=tracker).passed


def test_sensitive_file_on_main_itself_is_not_on_the_branch(project: Path) -> None:
    # Files that only changed on main before the branch point are not the branch's changes.
    tracker = _tracker(project)
    commit_file(project, "docs/x.md")
    tracker.post_comment(1, samples.review(1))
    assert check(1, cwd=project, tracker=tracker).passed


def test_explicit_changed_files_win(project: Path) -> None:
    tracker = _tracker(project)
    tracker.post_comment(1, samples.review(1))
    result = check(1, cwd=project, tracker=tracker, changed_files=["api/users.py"])
    assert _codes(result) == {"security-sensitive"}


def test_no_base_branch_skips_rule_5_with_a_note(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", branch="trunk")
    commit_file(repo, "src/auth/x.py")
    tracker = _tracker(repo)
    tracker.post_comment(1, samples.review(1))
    result = check(1, cwd=repo, tracker=tracker)
    assert result.passed
    (note,) = [n for v in result.verdicts for n in v.notes if n.code == "sensitive-unchecked"]
    assert "no base branch found" in note.message


def test_configured_base_branch(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", branch="trunk")
    git(repo, "checkout", "-q", "-b", "feature/1-x")
    commit_file(repo, "src/api/x.py")
    (repo / ".review-gate.toml").write_text('base_branch = "trunk"\n')
    tracker = _tracker(repo)
    tracker.post_comment(1, samples.review(1))
    assert _codes(check(1, cwd=repo, tracker=tracker)) == {"security-sensitive"}


def test_missing_configured_base_branch_is_a_note(project: Path) -> None:
    tracker = _tracker(project)
    tracker.post_comment(1, samples.review(1))
    config = Config(base_branch="develop")
    repo = Repository(project)
    head = repo.checkout.head if repo.checkout else None
    files, why = repo.changes(find_base(repo.refs, "develop"), head, config, "develop")
    assert files is None
    assert "develop" in why
    assert check(1, cwd=project, tracker=tracker, config=config).passed


def test_no_sensitive_patterns_needs_no_diff(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r", branch="trunk")
    tracker = _tracker(repo)
    tracker.post_comment(1, samples.review(1))
    result = check(1, cwd=repo, tracker=tracker, config=Config(sensitive_patterns=()))
    assert result.passed
    assert "sensitive-unchecked" not in _notes(result)


def test_stale_commit_against_real_head(project: Path) -> None:
    tracker = _tracker(project)
    reviewed = commit_file(project, "src/a.py")
    tracker.post_comment(1, samples.review(1, commit=reviewed))
    assert check(1, cwd=project, tracker=tracker).passed
    commit_file(project, "src/b.py")
    result = check(1, cwd=project, tracker=tracker)
    assert _codes(result) == {"stale-review"}
    # Gating the reviewed commit explicitly passes again.
    assert check(1, cwd=project, tracker=tracker, head=reviewed).passed
    with pytest.raises(UsageError, match="full commit sha"):
        check(1, cwd=project, tracker=tracker, head=reviewed[:9])  # a prefix binds nothing


def test_require_commit_from_config_file(project: Path) -> None:
    tracker = _tracker(project)
    (project / ".review-gate.toml").write_text("require_commit = true\n")
    tracker.post_comment(1, samples.review(1))
    assert _codes(check(1, cwd=project, tracker=tracker)) == {"commit-missing"}
    head = git(project, "rev-parse", "HEAD").strip()
    tracker.post_comment(1, samples.review(1, commit=head[:7]))
    assert _codes(check(1, cwd=project, tracker=tracker)) == {"ambiguous-commit"}
    tracker.post_comment(1, samples.review(1, commit=head))
    assert check(1, cwd=project, tracker=tracker).passed


def test_tracking_issue_must_exist_in_local_tracker(project: Path) -> None:
    tracker = _tracker(project)
    tracker.post_comment(1, samples.review(1, deferred=(("Minor", "Slow", "#99", "Later"),)))
    result = check(1, cwd=project, tracker=tracker)
    assert _codes(result) == {"tracking-issue-missing"}
    tracker.create_issue("follow-up")  # issue 2
    tracker.post_comment(1, samples.review(1, deferred=(("Minor", "Slow", "#2", "Later"),)))
    assert check(1, cwd=project, tracker=tracker).passed


def test_export_file_cannot_tell_tracking_issues(project: Path, tmp_path: Path) -> None:
    tracker = _tracker(project)
    tracker.post_comment(1, samples.review(1, deferred=(("Minor", "Slow", "#99", "Later"),)))
    export = tmp_path / "comments.json"
    export.write_text(json.dumps(tracker.export_comments(1)))
    ext = open_tracker(load(project), cwd=project, comments_file=export)
    assert ext.name == "export"
    result = check(1, cwd=project, tracker=ext)
    assert result.passed
    assert "tracking-issue-unverified" in _notes(result)


def test_export_outside_git_has_unknown_head(tmp_path: Path) -> None:
    export = tmp_path / "comments.json"
    body = samples.review(3)
    export.write_text(
        json.dumps(
            [
                {
                    "id": 1,
                    "user": {"login": "alice"},
                    "author_association": "OWNER",
                    "created_at": "2026-11-21T10:00:00Z",
                    "updated_at": "2026-11-21T10:00:00Z",
                    "body": body,
                    "html_url": "https://github.com/o/r/issues/3#issuecomment-1",
                }
            ]
        )
    )
    config = Config()
    result = check(
        3,
        cwd=tmp_path,
        config=config,
        tracker=open_tracker(config, cwd=tmp_path, comments_file=export),
    )
    assert result.head is None
    assert result.passed
    assert "sensitive-unchecked" in _notes(result)


def test_local_tracker_outside_git_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(NotAGitRepository):
        check(1, cwd=tmp_path, config=Config(tracker="local"))


@pytest.mark.parametrize("gates", [("reveiw",), ("review", "nope"), ("",), ("review,",)])
def test_unknown_gate(project: Path, gates: tuple[str, ...]) -> None:
    with pytest.raises(UsageError, match="unknown gate"):
        check(1, cwd=project, gates=gates)


@pytest.mark.parametrize("issue", [0, -1, True])
def test_bad_issue_number(project: Path, issue: int) -> None:
    with pytest.raises(UsageError):
        check(issue, cwd=project)


def test_several_gates_in_order_without_duplicates(project: Path) -> None:
    tracker = _tracker(project)
    tracker.post_comment(1, samples.worker_assignment("worker-1-1"))
    tracker.post_comment(1, samples.handover(1))
    tracker.post_comment(1, samples.review(1))
    result = check(
        1,
        cwd=project,
        tracker=tracker,
        gates=("worker", "review", "handover", "worker"),
        worker_id="worker-1-1",
    )
    assert [v.gate for v in result.verdicts] == ["worker", "review", "handover"]
    assert result.passed
    both = check(1, cwd=project, tracker=tracker, gates=("Review, handover",))
    assert [v.gate for v in both.verdicts] == ["review", "handover"]


def test_worker_id_from_config(project: Path) -> None:
    tracker = _tracker(project)
    tracker.post_comment(1, samples.worker_assignment("worker-1-1"))
    ok = check(
        1, cwd=project, tracker=tracker, gates=("worker",), config=Config(worker_id="worker-1-1")
    )
    assert ok.passed
    other = check(
        1, cwd=project, tracker=tracker, gates=("worker",), config=Config(worker_id="w-2")
    )
    assert _codes(other) == {"held-by-other"}


def test_untrusted_local_comment(project: Path) -> None:
    tracker = _tracker(project)
    tracker.post_comment(1, samples.review(1), author="drive-by", association="NONE")
    result = check(1, cwd=project, tracker=tracker)
    assert _codes(result) == {"no-review"}
    assert "ignored-untrusted" in _notes(result)
    trusting = Config(trusted_logins=("Drive-By",))
    assert check(1, cwd=project, tracker=tracker, config=trusting).passed


def test_resolve_head(project: Path) -> None:
    head = git(project, "rev-parse", "HEAD").strip()
    repo = Repository(project)
    assert repo.checkout is not None and repo.checkout.head == head
    assert _resolve_head(repo, "HEAD") == head
    assert _resolve_head(repo, "feature/1-login") == head
    assert _resolve_head(repo, head.upper()) == head
    full = "ab" * 20
    assert _resolve_head(repo, full) == full  # not fetched: a full sha is taken as given
    for bad in ("no-such-branch", head[:8], "ABCDEF1234", "HEAD~1", "main^{tree}"):
        with pytest.raises(UsageError, match="--head"):
            _resolve_head(repo, bad)


def test_empty_repository_has_no_head(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q")
    assert Repository(repo).checkout is not None
    assert Repository(repo).checkout.head is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("https://github.com/o/r.git", {}, "github"),
        ("git@github.com:o/r.git", {}, "github"),
        ("ssh://git@github.com/o/r", {}, "github"),
        ("https://GitHub.com/o/r", {}, "github"),
        ("https://gitlab.com/o/r.git", {}, "local"),
        ("git@ghe.corp.example:o/r.git", {}, "local"),
        (
            "git@ghe.corp.example:o/r.git",
            {"GITHUB_API_URL": "https://ghe.corp.example/api/v3"},
            "github",
        ),
        (
            "https://ghe.corp.example/o/r",
            {"GITHUB_API_URL": "https://api.ghe.corp.example"},
            "github",
        ),
        ("/srv/git/r.git", {}, "local"),
        ("/srv/git/r.git", {"GITHUB_ACTIONS": "true"}, "github"),
    ],
)
def test_auto_tracker(tmp_path: Path, url: str, env: dict[str, str], expected: str) -> None:
    repo = init_repo(tmp_path / "r")
    git(repo, "remote", "add", "origin", url)
    assert auto_tracker(repo, env) == expected


def test_auto_tracker_without_origin_or_git(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "r")
    assert auto_tracker(repo, {}) == "local"
    plain = tmp_path / "plain"
    plain.mkdir()
    assert auto_tracker(plain, {}) == "local"


def _pull(body: str, head_ref: str = "topic") -> PullRequest:
    return PullRequest(5, "t", body, head_ref, "a" * 40, "main", "https://x/pull/5")


@pytest.mark.parametrize(
    ("body", "head_ref", "expected"),
    [
        ("Closes #7", "topic", [7]),
        ("closes #7", "topic", [7]),
        ("FIXES: #8", "topic", [8]),
        ("This resolves #9.", "topic", [9]),
        ("Fixed #3 and closed #4, resolved #3", "topic", [3, 4]),
        ("Closes o/r#12", "topic", [12]),
        ("Closes O/R#12", "topic", [12]),
        ("Closes other/repo#12", "feature/6-x", [6]),
        ("Closes https://github.com/o/r/issues/12", "topic", [12]),
        ("Closes https://github.com/other/r/issues/12", "topic", []),
        ("Closes #7", "feature/6-x", [6, 7]),
        ("Related to #7", "feature/6-x", [6]),
        ("See #7", "topic", []),
        ("", "feature/42-do-thing", [42]),
        ("prefixes #7", "topic", []),
        ("Closes #0", "topic", []),
    ],
)
def test_issues_of_a_pull_request(body: str, head_ref: str, expected: list[int]) -> None:
    pull = _pull(body, head_ref)
    issues, _ = gated_issues(pull.head_ref, [pull.body], Config(), "o/r")
    assert list(issues) == expected


def _request(tracker: LocalTracker, issues: tuple[int, ...] = (7,)) -> target.GateRequest:
    return target.GateRequest(
        surface="check",
        issues=issues,
        issue_source="--issue",
        head="abc",
        base=None,
        changed_files=(),
        changed_files_why="",
        config=Config(),
        config_why="given",
        config_notes=(),
        tracker=tracker,
        repo=None,
    )


def test_check_result_json(project: Path) -> None:
    request = _request(_tracker(project))
    result = CheckResult(request, (Verdict("review", 7, True), Verdict("worker", 7, False)))
    assert not result.passed
    data = result.to_json()
    assert data["passed"] is False
    assert [v["gate"] for v in data["verdicts"]] == ["review", "worker"]
    assert data["issues"] == [7] and data["head"] == "abc"
    assert CheckResult(request, (Verdict("review", 7, True),)).passed
    # No verdict at all is not a pass: nothing was checked.
    assert not CheckResult(request, ()).passed


def test_doctor_checks_ok(project: Path) -> None:
    _tracker(project)
    findings = doctor_checks(project)
    assert [(f.area, f.ok) for f in findings] == [("config", True), ("tracker", True)]
    assert "local" in findings[1].message


def test_doctor_checks_bad_config(project: Path) -> None:
    (project / ".review-gate.toml").write_text("tracker = 'svn'\n")
    (finding,) = doctor_checks(project)
    assert finding.area == "config" and not finding.ok
    assert ".review-gate.toml" in finding.message


def test_doctor_checks_corrupt_tracker(project: Path) -> None:
    db = LocalTracker.for_checkout(project).path
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(b"this is not sqlite" * 100)
    findings = doctor_checks(project)
    assert findings[1].area == "tracker" and not findings[1].ok
    assert db.read_bytes() == b"this is not sqlite" * 100  # untouched


def test_module_exports() -> None:
    assert target.GATES == ("review", "worker", "handover")


# -- configuration from a trusted ref -------------------------------------------------------


def _commit_config(repo: Path, text: str) -> None:
    commit_file(repo, ".review-gate.toml", text, "chore: config")


def test_check_with_config_ref_ignores_the_branchs_loosened_config(project: Path) -> None:
    # main trusts nobody extra; the branch trusts its own agent.
    git(project, "checkout", "-q", "main")
    _commit_config(project, "retries = 2\n")
    git(project, "push", "-q", "origin", "main")
    git(project, "checkout", "-q", "feature/1-login")
    git(project, "merge", "-q", "--ff-only", "main")
    _commit_config(project, "retries = 2\ntrusted_logins = ['agent-bot']\n")
    tracker = _tracker(project)
    tracker.post_comment(1, samples.review(1), author="agent-bot", association="NONE")
    assert check(1, cwd=project, tracker=tracker).passed  # the checkout's config: the hole
    result = check(1, cwd=project, tracker=tracker, config_ref="origin/main")
    assert not result.passed
    assert _codes(result) == {"no-review"}
    assert "ignored-untrusted" in _notes(result)


@pytest.mark.parametrize(
    ("refs", "base", "expected"),
    [
        (("origin/main", "main"), "main", "refs/remotes/origin/main"),
        (("origin/main", "main"), "refs/heads/main", "refs/remotes/origin/main"),
        (("origin/main",), "origin/main", "refs/remotes/origin/main"),
        (("main",), "main", "refs/heads/main"),
        (("develop",), "develop", "refs/heads/develop"),
        (("origin/main", "main"), None, "refs/remotes/origin/main"),
    ],
)
def test_base_prefers_the_remote_branch(
    tmp_path: Path, refs: tuple[str, ...], base: str | None, expected: str
) -> None:
    repo, _ = init_repo_with_remote(tmp_path)
    if "develop" in refs:
        git(repo, "branch", "develop")
    if "origin/main" not in refs:
        git(repo, "remote", "remove", "origin")
    found = find_base(Repository(repo).refs, base)
    assert found is not None and found.name == expected


@pytest.mark.parametrize("base", ["release", "", "-x", "origin/release"])
def test_missing_base_branch_config_is_a_config_error(project: Path, base: str) -> None:
    from review_gate.target.command import _base_config

    with pytest.raises(ConfigError) as info:
        _base_config(Repository(project), base, None, {})
    assert "cannot read the configuration of the base branch" in info.value.message
    assert "git fetch origin" in (info.value.hint or "")
    assert "--config-ref WORKTREE" in (info.value.hint or "")


def test_describe_config(project: Path) -> None:
    assert describe(load(project, environ={})) == "defaults (no config file)"
    assert describe(load(project, environ={}, ref="main")) == "defaults (no config file at main)"
    _commit_config(project, "retries = 2\n")
    env = {"REVIEW_GATE_TRUSTED_LOGINS": "x", "REVIEW_GATE_REPO": "o/r"}
    assert (
        describe(load(project, environ=env, ref="HEAD"))
        == "HEAD:.review-gate.toml, REVIEW_GATE_REPO, REVIEW_GATE_TRUSTED_LOGINS"
    )


def test_worktree_loosenings(project: Path) -> None:
    trusted = load(project, environ={}, ref="main")
    assert worktree_notes(project, trusted, None, {}) == ()
    # Reading the checkout itself: nothing to compare.
    (project / ".review-gate.toml").write_text("require_commit = false\nsensitive_patterns = []\n")
    assert worktree_notes(project, load(project, environ={}), None, {}) == ()
    (note,) = worktree_notes(project, trusted, None, {})
    assert "would loosen the gate compared with main" in note
    assert "sensitive_patterns drops '**/auth/**'" in note
    assert "not used: the configuration comes from main" in note
    # Tightening is not worth a note.
    (project / ".review-gate.toml").write_text("require_commit = true\n")
    assert worktree_notes(project, trusted, None, {}) == ()
    (project / ".review-gate.toml").write_text("tracker = 'svn'\n")
    (note,) = worktree_notes(project, trusted, None, {})
    assert note.startswith("the checkout's configuration is invalid (")
    assert "key 'tracker'" in note


def test_deleting_the_config_file_is_a_loosening(project: Path) -> None:
    _commit_config(project, "require_commit = true\n")
    trusted = load(project, environ={}, ref="HEAD")
    (project / ".review-gate.toml").unlink()
    (note,) = worktree_notes(project, trusted, None, {})
    assert note.startswith("the checkout's defaults (no config file) would loosen the gate")
    assert "require_commit true -> false" in note
