"""``review_gate.install.cleanup.remove_if_unused``: after ``uninstall claude|codex``, the
directories and ``info/exclude`` lines the install added go once nothing uses them — on
real git checkouts, through the real install and uninstall."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from review_gate.install import agents as lib
from review_gate.install.cleanup import remove_if_unused
from tests.helpers import git, init_repo

DIRS = {"claude": ".claude", "codex": ".codex"}
FILES = {"claude": ".claude/settings.local.json", "codex": ".codex/hooks.json"}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return init_repo(tmp_path / "project")


def exclude_file(repo: Path) -> Path:
    return repo / ".git" / "info" / "exclude"


def uninstall_and_clean(agent: str, repo: Path, scope: str = "local") -> list[str]:
    """``uninstall`` cleans up itself: its notes say what it removed; a second cleanup
    finds nothing left to do."""
    result = lib.uninstall(agent, scope=scope, cwd=repo)
    assert remove_if_unused(result.path, repo) == []
    return [n for n in result.notes if n.startswith("removed ")]


@pytest.mark.parametrize("agent", lib.AGENTS)
def test_install_then_uninstall_leaves_the_checkout_as_it_was(agent: str, repo: Path) -> None:
    before = exclude_file(repo).read_bytes()
    lib.install(agent, scope="local", cwd=repo)
    assert f"/{FILES[agent]}\n" in exclude_file(repo).read_text()
    notes = uninstall_and_clean(agent, repo)
    assert notes == [
        f"removed /{FILES[agent]} from .git/info/exclude",
        f"removed the empty directory {DIRS[agent]}/",
    ]
    assert not (repo / DIRS[agent]).exists()
    assert exclude_file(repo).read_bytes() == before  # git's own comment lines untouched
    assert git(repo, "status", "--porcelain", "--ignored") == ""
    assert remove_if_unused(repo / FILES[agent], repo) == []  # nothing left to do


def test_project_scope_removes_the_empty_directory(repo: Path) -> None:
    lib.install("claude", scope="project", cwd=repo)
    assert uninstall_and_clean("claude", repo, "project") == [
        "removed the empty directory .claude/"
    ]
    assert not (repo / ".claude").exists()


def test_a_directory_holding_anything_else_stays(repo: Path) -> None:
    lib.install("claude", scope="local", cwd=repo)
    lib.install("claude", scope="project", cwd=repo)  # .claude/settings.json: still in use
    (repo / ".claude" / "commands").mkdir()
    (repo / ".claude" / "commands" / "x.md").write_text("mine\n")
    notes = uninstall_and_clean("claude", repo)
    assert notes == ["removed /.claude/settings.local.json from .git/info/exclude"]
    assert (repo / ".claude" / "settings.json").is_file()
    assert (repo / ".claude" / "commands" / "x.md").read_text() == "mine\n"


def test_an_empty_subdirectory_of_someone_else_keeps_the_directory(repo: Path) -> None:
    lib.install("codex", scope="local", cwd=repo)
    (repo / ".codex" / "prompts").mkdir()
    uninstall_and_clean("codex", repo)
    assert (repo / ".codex" / "prompts").is_dir()


@pytest.mark.parametrize("agent", lib.AGENTS)
def test_a_file_still_holding_other_hooks_keeps_its_line_and_directory(
    agent: str, repo: Path
) -> None:
    path = repo / FILES[agent]
    path.parent.mkdir()
    other = {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "notify-send"}]}]}}
    path.write_text(json.dumps(other))
    lib.install(agent, scope="local", cwd=repo)
    assert uninstall_and_clean(agent, repo) == []
    assert json.loads(path.read_text()) == other
    assert f"/{FILES[agent]}" in exclude_file(repo).read_text().splitlines()


def test_only_the_installs_exact_line_goes_and_the_rest_is_byte_for_byte(repo: Path) -> None:
    lines = (
        "# mine\r\n",
        "/.claude/settings.local.json\n",
        "/.claude/settings.local.json.bak\n",
        "!/.claude/settings.local.json\n",
        ".claude/settings.local.json\n",
        "/.claude/settings.local.json\r\n",  # written on Windows: still the install's line
        "*.log",  # no final newline
    )
    exclude_file(repo).write_bytes("".join(lines).encode())
    (repo / ".claude").mkdir()
    notes = remove_if_unused(repo / ".claude" / "settings.local.json", repo)
    assert notes[0] == "removed /.claude/settings.local.json from .git/info/exclude"
    kept = [lines[i] for i in (0, 2, 3, 4, 6)]
    assert exclude_file(repo).read_bytes() == "".join(kept).encode()


def test_a_line_stays_while_another_worktree_has_the_file(repo: Path, tmp_path: Path) -> None:
    # info/exclude is shared by every worktree of the repository.
    other = tmp_path / "other"
    git(repo, "worktree", "add", "-q", "-b", "side", str(other))
    lib.install("codex", scope="local", cwd=repo)
    lib.install("codex", scope="local", cwd=other)
    exclude = exclude_file(repo)
    assert exclude.read_text().splitlines().count("/.codex/hooks.json") == 1
    notes = uninstall_and_clean("codex", other)
    assert notes == ["removed the empty directory .codex/"]
    assert "/.codex/hooks.json" in exclude.read_text().splitlines()
    assert git(repo, "status", "--porcelain") == ""  # main's file is still excluded
    notes = uninstall_and_clean("codex", repo)
    assert "removed /.codex/hooks.json from .git/info/exclude" in notes
    assert "/.codex/hooks.json" not in exclude.read_text().splitlines()


def test_uninstalling_in_a_linked_worktree_edits_the_shared_exclude(
    repo: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    git(repo, "worktree", "add", "-q", "-b", "side", str(other))
    lib.install("claude", scope="local", cwd=other)
    assert "/.claude/settings.local.json" in exclude_file(repo).read_text().splitlines()
    notes = uninstall_and_clean("claude", other)
    assert notes[0] == f"removed /.claude/settings.local.json from {exclude_file(repo)}"
    assert "/.claude/settings.local.json" not in exclude_file(repo).read_text()
    assert not (other / ".claude").exists()


def test_user_scope_outside_the_checkout_is_left_alone(repo: Path, tmp_path: Path) -> None:
    result = lib.install("claude", scope="user", cwd=repo)
    assert not result.path.is_relative_to(repo)
    removed = lib.uninstall("claude", scope="user", cwd=repo)
    assert not removed.path.exists()
    assert remove_if_unused(removed.path, repo) == []
    assert removed.path.parent.is_dir()  # ~/.claude is not ours to remove


def test_a_symbolic_link_directory_is_never_removed(repo: Path, tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir()
    os.symlink(real, repo / ".claude")
    assert remove_if_unused(repo / ".claude" / "settings.local.json", repo) == []
    assert (repo / ".claude").is_symlink() and real.is_dir()


@pytest.mark.parametrize("rel", ["../outside/.claude/settings.json", "settings.json", "."])
def test_nothing_above_or_at_the_top_is_touched(repo: Path, rel: str) -> None:
    (repo.parent / "outside" / ".claude").mkdir(parents=True)
    assert remove_if_unused(repo / rel, repo) == []
    assert repo.is_dir() and (repo.parent / "outside" / ".claude").is_dir()


def test_outside_a_git_checkout_only_the_empty_directory_goes(tmp_path: Path) -> None:
    top = tmp_path / "plain"
    (top / ".codex").mkdir(parents=True)
    assert remove_if_unused(top / ".codex" / "hooks.json", top) == [
        "removed the empty directory .codex/"
    ]
    assert top.is_dir()


def test_a_file_that_is_back_keeps_its_line(repo: Path) -> None:
    lib.install("claude", scope="local", cwd=repo)
    # Someone (another install) wrote it again before the clean-up ran.
    assert remove_if_unused(repo / FILES["claude"], repo) == []
    assert "/.claude/settings.local.json" in exclude_file(repo).read_text().splitlines()
