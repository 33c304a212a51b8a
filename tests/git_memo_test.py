"""What a process remembers of git (review_gate/git_memo.py), the worktree facts read
without git (dispatch/worktree.py), and the git processes one spawn costs."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate import git
from review_gate.dispatch import worktree as wt
from review_gate.dispatch import worktree_admin as admin_files
from review_gate.errors import NotAGitRepository
from tests.fake_agents.harness import Project, projects
from tests.helpers import git as run_git
from tests.helpers import init_repo


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def test_remote_url_follows_changes_to_the_configuration(
    repo_with_remote: tuple[Path, Path],
) -> None:
    repo, bare = repo_with_remote
    assert git.remote_url("origin", repo) == str(bare)
    run_git(repo, "remote", "set-url", "origin", "https://example.com/o/new.git")
    assert git.remote_url("origin", repo) == "https://example.com/o/new.git"
    run_git(repo, "remote", "remove", "origin")
    assert git.remote_url("origin", repo) is None
    run_git(repo, "remote", "add", "origin", "https://example.com/o/back.git")
    assert git.remote_url("origin", repo) == "https://example.com/o/back.git"


def test_remote_url_follows_the_global_configuration(
    repo_with_remote: tuple[Path, Path],
) -> None:
    repo, bare = repo_with_remote
    assert git.remote_url("origin", repo) == str(bare)
    # An insteadOf rule in ~/.gitconfig rewrites what `git remote get-url` answers.
    run_git(repo, "config", "--global", "url.https://mirror.example/.insteadOf", str(bare))
    assert git.remote_url("origin", repo) == "https://mirror.example/"


def test_a_repository_created_inside_another_is_found(repo: Path) -> None:
    sub = repo / "vendor" / "lib"
    sub.mkdir(parents=True)
    assert git.toplevel(sub) == repo
    init_repo(sub)
    assert git.toplevel(sub) == sub
    assert git.common_dir(sub) == sub / ".git"


def test_a_failure_is_not_remembered(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(NotAGitRepository):
        git.toplevel(plain)
    init_repo(plain)
    assert git.toplevel(plain) == plain


def test_a_removed_repository_is_asked_again(repo: Path) -> None:
    assert git.locate(repo).common_dir == repo / ".git"
    shutil.rmtree(repo / ".git")
    with pytest.raises(NotAGitRepository):
        git.toplevel(repo)


def test_locate_in_a_linked_worktree(repo: Path) -> None:
    linked = repo.parent / "linked"
    run_git(repo, "worktree", "add", "-q", "-b", "topic", str(linked))
    where = git.locate(linked / ".")
    assert where.top == linked
    assert where.common_dir == repo / ".git"
    assert where.git_dir.parent == repo / ".git" / "worktrees"
    assert wt.main_worktree(linked) == repo
    assert wt.main_worktree(repo) == repo
    (repo / "docs").mkdir()
    assert wt.main_worktree(repo / "docs") == repo


def _listed(main: Path, path: Path) -> wt.WorktreeEntry:
    entry = wt.find_entry(main, path)
    assert entry is not None
    return entry


def test_find_worktree_reads_what_git_worktree_list_says(repo: Path) -> None:
    first = repo.parent / "project-worker-1"
    second = repo.parent / "project-worker-2"
    run_git(repo, "worktree", "add", "-q", "-b", "feature/1-x", str(first))
    run_git(repo, "worktree", "add", "-q", "--detach", str(second))
    run_git(repo, "worktree", "lock", "--reason", "on a USB disk", str(first))
    found = wt.find_worktree(repo, first)
    listed = _listed(repo, first)
    assert found is not None
    assert (found.path, found.branch, found.locked) == (listed.path, "feature/1-x", "on a USB disk")
    detached = wt.find_worktree(repo, second)
    listed = _listed(repo, second)
    assert detached is not None
    assert (detached.path, detached.head, detached.branch, detached.locked) == (
        listed.path,
        listed.head,
        None,
        None,
    )
    # Not a worktree of this repository, or no directory: None, as before.
    other = init_repo(repo.parent / "other")
    assert wt.find_worktree(repo, other) is None
    assert wt.find_worktree(repo, repo.parent / "project-worker-9") is None
    shutil.rmtree(second)
    assert wt.find_worktree(repo, second) is None
    assert wt.find_entry(repo, second) is not None


def test_commits_names_the_commit_of_each_ref(repo: Path) -> None:
    head = run_git(repo, "rev-parse", "HEAD").strip()
    tree = run_git(repo, "rev-parse", "HEAD^{tree}").strip()
    run_git(repo, "tag", "a-tree", tree)
    run_git(repo, "tag", "-a", "-m", "v1", "v1")
    found = wt.commits(
        repo, "refs/heads/main", "refs/heads/nope", "refs/tags/a-tree", "refs/tags/v1"
    )
    assert found == {
        "refs/heads/main": head,
        "refs/heads/nope": None,
        "refs/tags/a-tree": None,
        "refs/tags/v1": head,  # peeled to its commit, like rev-parse REF^{commit}
    }


def _git_logger(bindir: Path, log: Path) -> None:
    real = shutil.which("git")
    assert real
    bindir.mkdir()
    script = bindir / "git"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_spawn_runs_at_most_15_git_processes(project: Project, tmp_path: Path) -> None:
    """Issue 14: one spawn, agent excluded, costs at most 15 git processes, and none per
    existing worktree (the count is the same with 30 worktrees beside it)."""
    log = tmp_path / "git.log"
    _git_logger(tmp_path / "bin", log)
    env = {"PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    counts = []
    for existing in (0, 30):
        for n in range(1000, 1000 + existing):
            path = project.repo.parent / f"project-worker-{n}"
            run_git(project.repo, "worktree", "add", "-q", "-b", f"feature/{n}-x", str(path))
        issue = project.issue(f"Task with {existing} worktrees beside it")
        log.write_text("")
        project.spawn(issue, "crash", env=env)  # exits at once, runs no git
        counts.append(len(log.read_text().splitlines()))
    assert 0 < counts[0] <= 15, log.read_text()
    assert counts[1] <= counts[0], log.read_text()


def test_registered_at_sees_a_registration_whose_directory_is_gone(repo: Path) -> None:
    path = repo.parent / "project-worker-4"
    assert admin_files.registered_at(repo, path) is False  # no linked worktree at all
    run_git(repo, "worktree", "add", "-q", "-b", "feature/4-x", str(path))
    run_git(repo, "worktree", "add", "-q", "-b", "feature/5-x", str(repo.parent / "w5"))
    shutil.rmtree(path)
    assert admin_files.registered_at(repo, path) is True
    assert admin_files.registered_at(repo, repo.parent / "project-worker-6") is False
    # Reached through a symbolic link: compared by real path, as git does.
    link = repo.parent / "link"
    link.symlink_to(repo.parent)
    assert admin_files.registered_at(repo, link / "project-worker-4") is True
