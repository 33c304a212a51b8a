"""`gate dispatch cleanup` never loses work: moved, missing and locked worktrees, a
detached HEAD, a deleted branch, ignored files and processes inside the worktree — and
the printed restore commands, followed literally, bring the work back."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate.dispatch.registry import read_claims
from review_gate.dispatch.rescue import disposable
from review_gate.gates.common import trust_policy
from tests.fake_agents.harness import Project, alive, projects, wait_for
from tests.helpers import git


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    # A space in every path: the printed commands must quote them.
    (tmp_path / "with space").mkdir()
    yield from projects(tmp_path / "with space")


def _finished(project: Project, agent: str) -> tuple[int, dict[str, object], Path]:
    issue = project.issue()
    result = project.spawn(issue, agent)
    wait_for(lambda: not alive(int(str(result["pid"]))), what="the agent to exit")
    return issue, result, Path(str(result["worktree"]))


def _releases(project: Project, issue: int) -> list[str | None]:
    claims = read_claims(project.tracker.list_comments(issue), trust_policy())
    return [r.worker_id for r in claims.releases]


def _registered(project: Project) -> list[str]:
    out = git(project.repo, "worktree", "list", "--porcelain")
    return [
        line.removeprefix("worktree ") for line in out.splitlines() if line.startswith("worktree ")
    ]


def _one_line_refusal(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "fatal:" not in proc.stderr
    assert proc.stderr.startswith("gate: error: ")
    return proc.stderr


def _follow_restore(stdout: str, cwd: Path) -> list[str]:
    """Run the printed restore commands exactly as printed, in order, with a shell."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("restore"))
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        commands.append(line.strip())
    assert commands, stdout
    for command in commands:
        done = subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True)
        assert done.returncode == 0, f"{command}: {done.stderr}"
    return commands


def _release_keeping_the_worktree(project: Project, issue: int) -> None:
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--keep-worktree")
    assert proc.returncode == 0, proc.stderr


def _other_missing_worktree(project: Project, tmp: Path) -> tuple[Path, str]:
    """A worktree someone else made by hand, with a commit only its detached HEAD has,
    then moved away by hand: what a repository-wide prune would lose."""
    path = project.repo.parent / "someone-elses"
    git(project.repo, "worktree", "add", "-q", "--detach", str(path))
    (path / "theirs.txt").write_text("theirs\n")
    git(path, "add", "theirs.txt")
    git(path, "commit", "-q", "--no-verify", "-m", "their unpushed work")
    head = git(path, "rev-parse", "HEAD").strip()
    path.rename(tmp / "moved-away")
    return path, head


def test_ignored_work_is_refused_then_saved_and_restored(project: Project) -> None:
    exclude = project.repo / ".git" / "info" / "exclude"
    exclude.write_text(
        exclude.read_text() + "secrets.env\ndata/\nnode_modules/\n__pycache__/\nvendored/\n"
    )
    issue, result, worktree = _finished(project, "commit_and_exit")
    (worktree / "secrets.env").write_text("TOKEN=only-here\n")
    (worktree / "data" / "node_modules").mkdir(parents=True)
    (worktree / "data" / "model.bin").write_bytes(b"\x00\x01weights")
    (worktree / "data" / "node_modules" / "dep.js").write_text("cache\n")
    (worktree / "node_modules" / "pkg").mkdir(parents=True)
    (worktree / "node_modules" / "pkg" / "index.js").write_text("cache\n")
    (worktree / "src" / "__pycache__").mkdir(parents=True)
    (worktree / "src" / "__pycache__" / "m.pyc").write_bytes(b"\x00")
    vendored = worktree / "vendored"  # an ignored clone with a commit of its own
    git(worktree, "init", "-q", str(vendored))
    (vendored / "lib.txt").write_text("vendored\n")
    git(vendored, "add", "lib.txt")
    git(vendored, "commit", "-q", "--no-verify", "-m", "vendored work")
    vendored_head = git(vendored, "rev-parse", "HEAD").strip()

    refused = _one_line_refusal(project.gate("dispatch", "cleanup", "--issue", str(issue)))
    assert "ignored file(s) that are not disposable" in refused
    assert worktree.is_dir() and _releases(project, issue) == []

    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--force")
    assert proc.returncode == 0, proc.stderr
    assert not worktree.exists()
    rescue_dir = project.state / "rescue" / str(result["worker_id"])
    names = set(subprocess.run(
        ["tar", "-tf", str(rescue_dir / "ignored.tar")], capture_output=True, text=True,
        check=True,
    ).stdout.split())  # fmt: skip
    assert {"secrets.env", "data/model.bin", "vendored/.git/HEAD"} <= names
    assert not any("node_modules" in n or "__pycache__" in n for n in names)
    assert ".claude/settings.local.json" not in names  # the dispatcher's own wiring

    _follow_restore(proc.stdout, project.repo.parent)
    restored = project.repo.parent / f"project-rescued-{result['worker_id']}"
    assert (restored / "secrets.env").read_text() == "TOKEN=only-here\n"
    assert (restored / "data" / "model.bin").read_bytes() == b"\x00\x01weights"
    assert git(restored / "vendored", "rev-parse", "HEAD").strip() == vendored_head
    assert (restored / "work.txt").read_text() == "work\n"  # the unpushed commit
    assert not (restored / "node_modules").exists()


def test_disposable_paths_come_from_the_config(project: Project) -> None:
    exclude = project.repo / ".git" / "info" / "exclude"
    exclude.write_text(exclude.read_text() + "out/\n")
    issue, _, worktree = _finished(project, "crash")
    (worktree / "out").mkdir()
    (worktree / "out" / "report.html").write_text("generated\n")
    refused = _one_line_refusal(project.gate("dispatch", "cleanup", "--issue", str(issue)))
    assert "e.g. out/report.html" in refused
    proc = project.gate(
        "dispatch", "cleanup", "--issue", str(issue),
        env={"REVIEW_GATE_DISPOSABLE_PATHS": "out/"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not worktree.exists() and "saved" not in proc.stdout


def test_detached_head_restores_by_the_printed_commands(project: Project) -> None:
    issue, result, worktree = _finished(project, "commit_and_exit")
    git(worktree, "checkout", "-q", "--detach")
    (worktree / "detached.txt").write_text("on a detached HEAD\n")
    git(worktree, "add", "detached.txt")
    git(worktree, "commit", "-q", "--no-verify", "-m", "detached work")
    head = git(worktree, "rev-parse", "HEAD").strip()
    (worktree / "README.md").write_text("edited, never committed\n")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--force")
    assert proc.returncode == 0, proc.stderr
    assert not worktree.exists()
    commands = _follow_restore(proc.stdout, Path("/"))
    assert any(" HEAD:refs/heads/rescued/" in c for c in commands)
    branch = f"rescued/{result['worker_id']}"
    assert git(project.repo, "rev-parse", branch).strip() == head
    restored = project.repo.parent / f"project-rescued-{result['worker_id']}"
    assert (restored / "README.md").read_text() == "edited, never committed\n"
    assert (restored / "detached.txt").read_text() == "on a detached HEAD\n"
    saved = project.state / "rescue" / str(result["worker_id"])
    assert (saved / "restore.txt").read_text().splitlines()[1:] == commands


def test_missing_worktree_with_unpushed_commits(project: Project, tmp_path: Path) -> None:
    issue, result, worktree = _finished(project, "commit_and_exit")
    git(worktree, "checkout", "-q", "--detach")
    (worktree / "only-head.txt").write_text("only the worktree's HEAD has this\n")
    git(worktree, "add", "only-head.txt")
    git(worktree, "commit", "-q", "--no-verify", "-m", "detached, unpushed")
    head = git(worktree, "rev-parse", "HEAD").strip()
    other, other_head = _other_missing_worktree(project, tmp_path)
    worktree.rename(tmp_path / "moved-by-hand")  # like an unmounted disk: gone from its path

    refused = _one_line_refusal(project.gate("dispatch", "cleanup", "--issue", str(issue)))
    assert "is missing (moved by hand, or on a disk that is not mounted?)" in refused
    assert "2 commit(s) no remote has" in refused and "git worktree repair" in refused
    assert str(worktree) in _registered(project) and _releases(project, issue) == []

    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--force", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["removed"] is True and data["patch"] is None
    assert str(worktree) not in _registered(project)
    # Only the managed worktree was unregistered: someone else's missing one stays,
    # with the commit only its HEAD holds.
    assert str(other) in _registered(project)
    assert git(project.repo, "cat-file", "-t", other_head).strip() == "commit"
    git(project.repo, "rev-parse", "--verify", str(result["branch"]))  # the branch is kept
    for command in data["restore"]:
        subprocess.run(command, shell=True, check=True, capture_output=True)
    assert git(project.repo, "rev-parse", f"rescued/{result['worker_id']}").strip() == head
    assert (tmp_path / "moved-by-hand" / "only-head.txt").is_file()  # never touched


def test_missing_worktree_without_unpushed_work_is_unregistered_alone(
    project: Project, tmp_path: Path
) -> None:
    issue, result, worktree = _finished(project, "crash")
    other, _ = _other_missing_worktree(project, tmp_path)
    shutil.rmtree(worktree)
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue))
    assert proc.returncode == 0, proc.stderr
    assert "was missing" in proc.stdout and "unregistered it" in proc.stdout
    assert str(worktree) not in _registered(project)
    assert str(other) in _registered(project)
    assert _releases(project, issue) == [result["worker_id"]]


def test_locked_worktree_is_a_clear_refusal(project: Project) -> None:
    issue, result, worktree = _finished(project, "commit_and_exit")
    git(project.repo, "worktree", "lock", "--reason", "on the USB disk", str(worktree))
    for extra in ((), ("--force",)):
        refused = _one_line_refusal(
            project.gate("dispatch", "cleanup", "--issue", str(issue), *extra)
        )
        assert f"worktree {worktree} is locked (on the USB disk)" in refused
        assert f"git worktree unlock {worktree}" in refused and "--keep-worktree" in refused
        assert worktree.is_dir() and _releases(project, issue) == []
        assert not (project.state / "rescue").exists()  # refused before saving anything
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--keep-worktree")
    assert proc.returncode == 0, proc.stderr
    assert worktree.is_dir() and _releases(project, issue) == [result["worker_id"]]


def test_deleted_branch_is_saved_from_the_reflog(project: Project) -> None:
    issue, result, worktree = _finished(project, "dirty")
    head = git(worktree, "rev-parse", "HEAD").strip()
    branch = str(result["branch"])
    git(project.repo, "update-ref", "-d", f"refs/heads/{branch}")
    refused = _one_line_refusal(project.gate("dispatch", "cleanup", "--issue", str(issue)))
    assert f"its branch {branch} no longer exists" in refused
    assert "2 uncommitted file(s)" in refused  # measured against the last commit
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--force")
    assert proc.returncode == 0, proc.stderr
    assert not worktree.exists()
    _follow_restore(proc.stdout, project.repo)
    assert git(project.repo, "rev-parse", f"rescued/{result['worker_id']}").strip() == head
    restored = project.repo.parent / f"project-rescued-{result['worker_id']}"
    assert (restored / "README.md").read_text() == "changed, not committed\n"
    assert (restored / "notes" / "untracked.txt").read_bytes() == b"draft \xff\xfe binary-ish\n"
    assert (restored / "work.txt").read_text() == "committed\n"
    # No ref of the repository was left behind by the rescue.
    assert "rescued" not in git(project.repo, "for-each-ref", "refs/worktree")


def test_worktree_moved_with_git_is_left_in_place(project: Project, tmp_path: Path) -> None:
    issue, _, worktree = _finished(project, "commit_and_exit")
    moved = tmp_path / "moved-with-git"
    git(project.repo, "worktree", "move", str(worktree), str(moved))
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["removed"] is False and data["kept"] is True
    assert any("moved" in n and str(moved) in n for n in data["notes"])
    assert (moved / "work.txt").is_file() and str(moved) in _registered(project)


def test_a_worktree_holding_another_branch_is_left_alone(project: Project) -> None:
    issue, _, worktree = _finished(project, "crash")
    git(worktree, "switch", "-q", "-c", "someone/else")
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["removed"] is False and worktree.is_dir()
    assert any("not the worker's" in n for n in data["notes"])


def test_cleanup_refuses_while_a_process_works_inside(project: Project) -> None:
    issue, _, worktree = _finished(project, "crash")
    (worktree / "sub").mkdir()
    shell = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"],
        cwd=worktree / "sub", stdin=subprocess.PIPE,
    )  # fmt: skip
    try:
        refused = _one_line_refusal(project.gate("dispatch", "cleanup", "--issue", str(issue)))
        assert f"pid {shell.pid} (" in refused and "has its working directory in" in refused
        assert worktree.is_dir() and _releases(project, issue) == []
    finally:
        assert shell.stdin is not None
        shell.stdin.close()
        shell.wait(timeout=30)
    proc = project.gate("dispatch", "cleanup", "--issue", str(issue))
    assert proc.returncode == 0, proc.stderr
    assert not worktree.exists()


def test_spawn_unregisters_only_its_own_missing_worktree(project: Project, tmp_path: Path) -> None:
    issue, first, worktree = _finished(project, "crash")
    other, other_head = _other_missing_worktree(project, tmp_path)
    _release_keeping_the_worktree(project, issue)
    shutil.rmtree(worktree)
    second = project.spawn(issue, "crash")
    assert second["worktree"] == first["worktree"] and worktree.is_dir()
    assert str(other) in _registered(project)
    assert git(project.repo, "cat-file", "-t", other_head).strip() == "commit"


def test_spawn_refuses_a_missing_worktree_whose_head_holds_commits(
    project: Project, tmp_path: Path
) -> None:
    issue, _, worktree = _finished(project, "crash")
    git(worktree, "checkout", "-q", "--detach")
    git(worktree, "commit", "-q", "--no-verify", "--allow-empty", "-m", "only this HEAD has it")
    head = git(worktree, "rev-parse", "HEAD").strip()
    _release_keeping_the_worktree(project, issue)
    worktree.rename(tmp_path / "moved-by-hand")
    proc = project.gate("dispatch", "spawn", "--issue", str(issue), "--agent-cmd", "true")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "its directory is missing" in proc.stderr and "cleanup --force" in proc.stderr
    assert str(worktree) in _registered(project)
    assert git(project.repo, "cat-file", "-t", head).strip() == "commit"


@pytest.mark.parametrize(
    ("path", "is_dir", "expected"),
    [
        ("node_modules", True, True),
        ("web/node_modules/react/index.js", False, True),
        ("node_modules", False, False),  # a file called node_modules is not the directory
        ("pkg/__pycache__/m.cpython-311.pyc", False, True),
        ("lib/mod.pyc", False, True),
        ("app.egg-info/PKG-INFO", False, True),
        ("secrets.env", False, False),
        ("data/model.bin", False, False),
        ("docs/_build/index.html", False, True),  # anchored pattern
        ("src/docs/_build/index.html", False, False),  # ...only from the root
        ("distribution.txt", False, False),
    ],
)
def test_disposable_patterns(path: str, is_dir: bool, expected: bool) -> None:
    patterns = ("node_modules/", "__pycache__/", "*.pyc", "*.egg-info/", "docs/_build/", "dist/")
    assert disposable(path, is_dir, patterns) is expected
