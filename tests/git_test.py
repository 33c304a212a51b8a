from __future__ import annotations

from pathlib import Path

import pytest

from review_gate import git
from review_gate.errors import NotAGitRepository
from tests.helpers import commit_file
from tests.helpers import git as run_git


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/octo/hello.git", "octo/hello"),
        ("https://github.com/octo/hello", "octo/hello"),
        ("git@github.com:octo/hello.git", "octo/hello"),
        ("ssh://git@github.example.com/octo/hello-world.git", "octo/hello-world"),
        ("https://github.com/octo/hello/", "octo/hello"),
        ("/tmp/some/bare.git", "some/bare"),
        ("", None),
        (None, None),
        ("not a url", None),
    ],
)
def test_repo_from_remote_url(url: str | None, expected: str | None) -> None:
    assert git.repo_from_remote_url(url) == expected


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        ("feature/7-x", 7),
        ("feature/123-add-dark-mode", 123),
        ("feature/7", 7),
        ("feature/x-7", None),
        ("main", None),
        (None, None),
        ("bugfix/7-x", None),
    ],
)
def test_issue_from_branch(branch: str | None, expected: int | None) -> None:
    assert git.issue_from_branch(branch) == expected


def test_issue_from_branch_custom_pattern() -> None:
    assert git.issue_from_branch("gh-42/thing", r"^gh-(\d+)/") == 42


def test_repository_facts(repo: Path, tmp_path: Path) -> None:
    assert git.toplevel(repo) == repo.resolve()
    assert git.current_branch(repo) == "main"
    sha = commit_file(repo, "src/auth/login.py")
    assert git.head_sha(repo) == sha
    run_git(repo, "checkout", "-q", "-b", "feature/7-x", "HEAD~1")
    commit_file(repo, "docs/a.md")
    commit_file(repo, "src/api/b.py")
    main = run_git(repo, "rev-parse", "refs/heads/main").strip()
    head = run_git(repo, "rev-parse", "HEAD").strip()
    assert git.changed_files(repo, main, head) == ["docs/a.md", "src/api/b.py"]
    assert git.changed_files(repo, main, "0" * 40) is None  # not in the clone: unknown
    state = git.state_dir(repo)
    assert state == (repo / ".git" / "review-gate").resolve() and state.is_dir()


def test_linked_worktree_shares_common_dir(repo: Path, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    run_git(repo, "worktree", "add", "-q", "-b", "feature/9-y", str(wt))
    assert git.common_dir(wt) == git.common_dir(repo)
    assert git.current_branch(wt) == "feature/9-y"


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(NotAGitRepository, match="not inside a git repository"):
        git.toplevel(tmp_path)
    with pytest.raises(NotAGitRepository):
        git.common_dir(tmp_path)


def test_empty_repository_has_no_head(tmp_path: Path) -> None:
    run_git(tmp_path, "init", "-q", "-b", "main")
    assert git.head_sha(tmp_path) is None
    assert git.current_branch(tmp_path) == "main"
