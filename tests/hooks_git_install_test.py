"""`gate install git` / `gate uninstall git` / doctor's git checks (direct mode, real git).

The pre-commit mode runs with the real pre-commit in tests/precommit_e2e_test.py.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from review_gate.install import git as git_install
from tests import artifact_samples
from tests.helpers import commit_file, git, init_repo_with_remote, run_gate


def _git_run(cwd: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        ("git", *args),
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def _install(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = run_gate("install", "git", *args, cwd=cwd)
    return proc


@pytest.fixture
def clone(tmp_path: Path) -> tuple[Path, Path]:
    return init_repo_with_remote(tmp_path)


def _doctor_git(cwd: Path) -> list[dict[str, object]]:
    return [f.to_json() for f in git_install.doctor_checks(cwd)]


# --------------------------------------------------------------------------- install


def test_install_writes_both_hooks_and_is_idempotent(clone: tuple[Path, Path]) -> None:
    repo, _ = clone
    proc = _install(repo)
    assert proc.returncode == 0, proc.stderr
    hooks = repo / ".git" / "hooks"
    for name in ("pre-push", "commit-msg"):
        path = hooks / name
        assert os.access(path, os.X_OK)
        assert git_install.MARKER in path.read_text()
        assert "review-gate-" in path.read_text()
    before = (hooks / "pre-push").read_text()
    assert _install(repo).returncode == 0
    assert (hooks / "pre-push").read_text() == before
    assert not list(hooks.glob("*.review-gate-chained"))
    assert all(f["ok"] for f in _doctor_git(repo))


def test_install_json_output(clone: tuple[Path, Path]) -> None:
    repo, _ = clone
    proc = _install(repo, "--format", "json")
    data = json.loads(proc.stdout)
    assert data["mode"] == "direct"
    assert data["hooks_dir"] == str(repo / ".git" / "hooks")
    assert len(data["installed"]) == 2


def test_installed_hooks_gate_commit_and_push(clone: tuple[Path, Path]) -> None:
    repo, bare = clone
    assert _install(repo).returncode == 0
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    bad = _git_run(repo, "commit", "-q", "-m", "added a")
    assert bad.returncode != 0
    assert "<type>: <description> (#<issue>)" in bad.stderr
    git(repo, "commit", "-q", "-m", "chore: add a (#1)")
    # a push of main by a person (no worker) passes with a note
    assert _git_run(repo, "push", "-q", "origin", "main").returncode == 0
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    commit_file(repo, "b.txt", "b\n", "feat: add b (#7)")
    proc = _git_run(repo, "push", "origin", "feature/7-x:main")
    assert proc.returncode != 0 and "protected branch 'main'" in proc.stderr
    assert git(bare, "rev-parse", "main") == git(repo, "rev-parse", "main")


def test_worker_push_through_direct_hook(clone: tuple[Path, Path]) -> None:
    repo, bare = clone
    from review_gate.trackers.local import LocalTracker

    assert _install(repo).returncode == 0
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    sha = commit_file(repo, "app.py", "x = 1\n", "feat: add app (#7)")
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("app", number=7)
    refused = _git_run(repo, "push", "-u", "origin", "feature/7-x")
    assert refused.returncode != 0 and "gate new review --issue 7" in refused.stderr
    assert _git_run(bare, "rev-parse", "--verify", "feature/7-x").returncode != 0
    tracker.post_comment(7, artifact_samples.review(7, commit=sha))
    ok = _git_run(repo, "push", "-u", "origin", "feature/7-x")
    assert ok.returncode == 0, ok.stderr
    assert git(bare, "rev-parse", "feature/7-x").strip() == sha


def test_refuses_foreign_hook_then_chains_it(clone: tuple[Path, Path], tmp_path: Path) -> None:
    repo, _ = clone
    hooks = repo / ".git" / "hooks"
    log = tmp_path / "foreign.log"
    foreign = f"#!/bin/sh\nprintf 'args=%s stdin=' \"$*\" >> {log}\ncat >> {log}\nexit 0\n"
    (hooks / "pre-push").write_text(foreign)
    (hooks / "pre-push").chmod(0o755)
    proc = _install(repo)
    assert proc.returncode == 2
    assert "refusing to overwrite" in proc.stderr and "--chain" in proc.stderr
    assert (hooks / "pre-push").read_text() == foreign  # untouched
    assert not (hooks / "commit-msg").exists()  # nothing half-installed
    finding = {f["message"]: f for f in _doctor_git(repo)}
    assert any("does not run review-gate" in m for m in finding)

    assert _install(repo, "--chain").returncode == 0
    assert (hooks / "pre-push.review-gate-chained").read_text() == foreign
    git(repo, "checkout", "-q", "-b", "topic")
    commit_file(repo, "t.txt", "t\n", "chore: t (#1)")
    proc = _git_run(repo, "push", "origin", "topic")
    assert proc.returncode == 0, proc.stderr
    text = log.read_text()
    assert "args=origin" in text and "refs/heads/topic" in text  # it got git's stdin

    # a failing foreign hook still blocks the push
    (hooks / "pre-push.review-gate-chained").write_text("#!/bin/sh\nexit 3\n")
    commit_file(repo, "u.txt", "u\n", "chore: u (#1)")
    assert _git_run(repo, "push", "origin", "topic").returncode != 0

    # uninstall puts the foreign hook back
    assert run_gate("uninstall", "git", cwd=repo).returncode == 0
    assert (hooks / "pre-push").read_text() == "#!/bin/sh\nexit 3\n"
    assert not (hooks / "commit-msg").exists()
    assert not (hooks / "pre-push.review-gate-chained").exists()


def test_chain_refuses_when_chained_slot_is_taken(clone: tuple[Path, Path]) -> None:
    repo, _ = clone
    hooks = repo / ".git" / "hooks"
    for name in ("commit-msg", "commit-msg.review-gate-chained"):
        (hooks / name).write_text("#!/bin/sh\nexit 0\n")
    proc = _install(repo, "--chain")
    assert proc.returncode == 2 and "already exists" in proc.stderr


def test_uninstall_leaves_foreign_hooks_alone(clone: tuple[Path, Path]) -> None:
    repo, _ = clone
    hooks = repo / ".git" / "hooks"
    (hooks / "pre-push").write_text("#!/bin/sh\nexit 0\n")
    proc = run_gate("uninstall", "git", cwd=repo)
    assert proc.returncode == 0 and "nothing to do" in proc.stdout
    assert (hooks / "pre-push").exists()


def test_core_hooks_path_is_respected(clone: tuple[Path, Path]) -> None:
    repo, _ = clone
    git(repo, "config", "core.hooksPath", "githooks")
    assert _install(repo).returncode == 0
    assert (repo / "githooks" / "pre-push").exists()
    assert not (repo / ".git" / "hooks" / "pre-push").exists()
    (repo / "x").write_text("x")
    git(repo, "add", "x")
    assert _git_run(repo, "commit", "-m", "nope").returncode != 0


def test_not_a_repository(tmp_path: Path) -> None:
    proc = _install(tmp_path)
    assert proc.returncode == 2 and "not inside a git repository" in proc.stderr
    findings = git_install.doctor_checks(tmp_path)
    assert len(findings) == 1 and not findings[0].ok


# --------------------------------------------------------------------------- worktrees


def test_shared_hooks_cover_linked_worktrees(clone: tuple[Path, Path], tmp_path: Path) -> None:
    """Default: install once (from any worktree) -> every worktree is gated."""
    repo, _ = clone
    wt = tmp_path / "wt-7"
    git(repo, "worktree", "add", "-q", "-b", "feature/7-x", str(wt))
    proc = _install(wt)  # installed from inside the linked worktree
    assert proc.returncode == 0, proc.stderr
    assert (repo / ".git" / "hooks" / "pre-push").exists()  # the common dir
    for where in (repo, wt):
        assert all(f["ok"] for f in _doctor_git(where)), _doctor_git(where)
    (wt / "w.txt").write_text("w")
    git(wt, "add", "w.txt")
    bad = _git_run(wt, "commit", "-m", "feat: wrong issue (#8)")
    assert bad.returncode != 0 and "issue #7" in bad.stderr
    git(wt, "commit", "-q", "-m", "feat: w (#7)")
    refused = _git_run(wt, "push", "origin", "HEAD:main", env={"REVIEW_GATE_WORKER_ID": "w-1-7"})
    assert refused.returncode != 0 and "protected branch 'main'" in refused.stderr
    # the main checkout is gated by the same hooks
    (repo / "m.txt").write_text("m")
    git(repo, "add", "m.txt")
    assert _git_run(repo, "commit", "-m", "no format").returncode != 0


def test_per_worktree_hooks_path(clone: tuple[Path, Path], tmp_path: Path) -> None:
    """extensions.worktreeConfig + a per-worktree core.hooksPath: only that worktree."""
    repo, _ = clone
    wt = tmp_path / "wt-9"
    git(repo, "worktree", "add", "-q", "-b", "feature/9-y", str(wt))
    git(repo, "config", "extensions.worktreeConfig", "true")
    own = tmp_path / "wt-9-hooks"
    git(wt, "config", "--worktree", "core.hooksPath", str(own))
    assert _install(wt).returncode == 0
    assert (own / "pre-push").exists() and (own / "commit-msg").exists()
    assert not (repo / ".git" / "hooks" / "pre-push").exists()
    assert all(f["ok"] for f in _doctor_git(wt))
    assert not any(f["ok"] for f in _doctor_git(repo))  # the main checkout is not covered
    (wt / "a").write_text("a")
    git(wt, "add", "a")
    assert _git_run(wt, "commit", "-m", "nope").returncode != 0
    (repo / "b").write_text("b")
    git(repo, "add", "b")
    assert _git_run(repo, "commit", "-m", "nope").returncode == 0  # not gated there


# --------------------------------------------------------------------------- doctor


def test_doctor_reports_missing_non_executable_and_dangling(
    clone: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, _ = clone
    hooks = repo / ".git" / "hooks"
    findings = git_install.doctor_checks(repo)
    assert [f.ok for f in findings] == [False, False]
    assert all("missing" in f.message and f.fix == "run `gate install git`" for f in findings)

    assert _install(repo).returncode == 0
    (hooks / "pre-push").chmod(0o644)
    bad = {f.message: f for f in git_install.doctor_checks(repo) if not f.ok}
    assert len(bad) == 1
    (message, finding) = next(iter(bad.items()))
    assert "not executable" in message and finding.fix == f"chmod +x {hooks / 'pre-push'}"

    # a hook pointing at a console script that no longer exists (venv deleted)
    gone = tmp_path / "gone" / "review-gate-commit-msg"
    (hooks / "pre-push").chmod(0o755)
    (hooks / "commit-msg").write_text(git_install.render_hook("commit-msg", gone, None))
    bad = [f for f in git_install.doctor_checks(repo) if not f.ok]
    assert len(bad) == 1 and "does not exist" in bad[0].message
    # and that hook fails closed instead of silently passing
    (repo / "c").write_text("c")
    git(repo, "add", "c")
    proc = _git_run(repo, "commit", "-m", "feat: c (#1)")
    assert proc.returncode != 0 and "is missing" in proc.stderr


def test_doctor_command_includes_git_area(clone: tuple[Path, Path]) -> None:
    repo, _ = clone
    proc = run_gate("doctor", "--format", "json", cwd=repo)
    data = json.loads(proc.stdout)
    git_findings = [f for f in data["findings"] if f["area"] == "git"]
    assert len(git_findings) == 2 and not any(f["ok"] for f in git_findings)
    assert proc.returncode == 1


ADOPTED = """repos:
-   repo: https://example.invalid/review-gate
    rev: v0.1.0
    hooks:
    -   id: review-gate-pre-push
    -   id: review-gate-commit-msg
"""


def test_auto_mode_installs_directly_when_core_hooks_path_is_set(
    clone: tuple[Path, Path],
) -> None:
    repo, _ = clone
    (repo / ".pre-commit-config.yaml").write_text(ADOPTED)
    git(repo, "config", "core.hooksPath", ".githooks")
    proc = _install(repo, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["mode"] == "direct" and "core.hooksPath" in data["notes"][0]
    assert git_install.is_ours(repo / ".githooks" / "pre-push")


def test_core_hooks_path_with_validate_warns_it_will_not_run(clone: tuple[Path, Path]) -> None:
    repo, _ = clone
    (repo / ".pre-commit-config.yaml").write_text(ADOPTED + "    -   id: review-gate-validate\n")
    git(repo, "config", "core.hooksPath", ".githooks")
    proc = _install(repo, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    notes = json.loads(proc.stdout)["notes"]
    assert any("review-gate-validate runs only through pre-commit" in n for n in notes), notes


@pytest.mark.parametrize(
    ("config", "expect"),
    [
        ("repos: [", "not a valid pre-commit configuration"),
        ("repos:\n-   repo: local\n    hooks: 3\n", "not a valid pre-commit configuration"),
    ],
)
def test_invalid_pre_commit_config(clone: tuple[Path, Path], config: str, expect: str) -> None:
    repo, _ = clone
    (repo / ".pre-commit-config.yaml").write_text(config)
    proc = _install(repo)
    assert proc.returncode == 2 and expect in proc.stderr and "Traceback" not in proc.stderr
    assert _install(repo, "--mode", "direct").returncode == 0
    findings = git_install.doctor_checks(repo)
    assert len(findings) == 1 and not findings[0].ok and expect in findings[0].message


def test_mode_pre_commit_without_our_ids_is_refused(clone: tuple[Path, Path]) -> None:
    repo, _ = clone
    proc = _install(repo, "--mode", "pre-commit")
    assert proc.returncode == 2 and "does not use review-gate's hooks" in proc.stderr
    # The snippet lives in docs/git-hooks.md (the README only links there).
    assert "docs/git-hooks.md" in proc.stderr and "README" not in proc.stderr
    assert "review-gate-pre-push" in (Path(__file__).parents[1] / "docs/git-hooks.md").read_text()


def test_dangling_symlink_hook(clone: tuple[Path, Path], tmp_path: Path) -> None:
    repo, _ = clone
    hooks = repo / ".git" / "hooks"
    (hooks / "pre-push").symlink_to(tmp_path / "nowhere")
    messages = [f.message for f in git_install.doctor_checks(repo)]
    assert any("dangling symlink" in m for m in messages)
