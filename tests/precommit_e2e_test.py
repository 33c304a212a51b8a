"""The real pre-commit, building review-gate's hooks from a local clone of this repository.

A session fixture snapshots the working tree (pyproject.toml, README.md,
.pre-commit-hooks.yaml, src/) into a git repository and builds pre-commit's hook
environment from it once, in a session-scoped PRE_COMMIT_HOME (pre-commit keys
environments by repository and rev). Each test then adopts the hooks in a fresh
repository with a local bare remote, exactly as a user would: a
.pre-commit-config.yaml, `gate install git`, then plain `git commit` / `git push`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from tests import artifact_samples
from tests.helpers import GIT_ENV, commit_file, git, init_repo_with_remote, run_gate

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = (sys.executable, "-m", "pre_commit")
ZERO = "0" * 40

pytestmark = pytest.mark.slow


class Snapshot(NamedTuple):
    path: Path
    rev: str
    home: Path  # PRE_COMMIT_HOME, shared by the session


def _snapshot_files() -> list[str]:
    out = subprocess.run(
        ("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    top = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")

    def packaged(rel: str) -> bool:
        return rel.startswith("src/") and "egg-info" not in rel and "__pycache__" not in rel

    return [
        rel for rel in out.split("\0") if (rel in top or packaged(rel)) and (ROOT / rel).is_file()
    ]


@pytest.fixture(scope="session")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    base = tmp_path_factory.mktemp("precommit")
    repo = base / "review-gate"
    for rel in _snapshot_files():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, repo / rel)
    env = {**os.environ, **GIT_ENV}
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
        subprocess.run(("git", *args), cwd=repo, env=env, check=True, capture_output=True)
    rev = git(repo, "rev-parse", "HEAD").strip()
    home = base / "pre-commit-home"
    yield Snapshot(repo, rev, home)


def _env(snap: Snapshot, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(snap.home), "PRE_COMMIT_COLOR": "never"}
    return {**env, **extra}


def _run(cwd: Path, *cmd: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _config(snap: Snapshot, *ids: str) -> str:
    hooks = "".join(f"    -   id: {hook_id}\n" for hook_id in ids)
    return f"repos:\n-   repo: {snap.path}\n    rev: {snap.rev}\n    hooks:\n{hooks}"


@pytest.fixture
def adopted(snapshot: Snapshot, tmp_path: Path) -> tuple[Path, Path]:
    """(clone, bare remote): a project that adopted review-gate through pre-commit."""
    repo, bare = init_repo_with_remote(tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(
        _config(snapshot, "review-gate-pre-push", "review-gate-commit-msg", "review-gate-validate")
    )
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "chore: adopt review-gate (#1)")
    git(repo, "push", "-q", "origin", "main")
    proc = run_gate("install", "git", "--format", "json", cwd=repo, env=_env(snapshot), timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert '"mode": "pre-commit"' in proc.stdout
    text = (repo / ".git" / "hooks" / "pre-push").read_text()
    assert "pre-commit" in text
    # build the hook environment now (once per session), so a failure says so
    built = _run(repo, *PRE_COMMIT, "install-hooks", env=_env(snapshot))
    assert built.returncode == 0, built.stdout + built.stderr
    return repo, bare


def _output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("where", ["checkout", "linked-worktree"])
def test_gated_workflow(
    adopted: tuple[Path, Path], snapshot: Snapshot, tmp_path: Path, where: str
) -> None:
    from review_gate.trackers.local import LocalTracker

    repo, bare = adopted
    if where == "linked-worktree":
        work = tmp_path / "wt-7"
        git(repo, "worktree", "add", "-q", "-b", "feature/7-x", str(work))
    else:
        work = repo
        git(repo, "checkout", "-q", "-b", "feature/7-x")
    env = _env(snapshot)

    # commit-msg: a bad message is refused with the format shown
    (work / "app.py").write_text("x = 1\n")
    git(work, "add", "app.py")
    bad = _run(work, "git", "commit", "-m", "added the app", env=env)
    assert bad.returncode != 0
    assert "review-gate-commit-msg" in _output(bad)
    assert "<type>: <description> (#<issue>)" in _output(bad)
    assert "example:  feat: add dark mode toggle to settings (#7)" in _output(bad)
    wrong = _run(work, "git", "commit", "-m", "feat: add the app (#8)", env=env)
    assert wrong.returncode != 0 and "issue #7" in _output(wrong)
    good = _run(work, "git", "commit", "-m", "feat: add the app (#7)", env=env)
    assert good.returncode == 0, _output(good)
    sha = git(work, "rev-parse", "HEAD").strip()

    # pre-push: refused while issue 7 has no valid review of this commit
    tracker = LocalTracker.for_checkout(work)
    tracker.create_issue("Add the app", number=7)
    refused = _run(work, "git", "push", "-u", "origin", "feature/7-x", env=env)
    assert refused.returncode != 0
    assert "review-gate-pre-push" in _output(refused)
    assert "gate new review --issue 7" in _output(refused)
    assert _run(bare, "git", "rev-parse", "--verify", "-q", "feature/7-x", env=env).returncode != 0

    # a review of another commit does not open the gate
    tracker.post_comment(7, artifact_samples.review(7, commit="0123456789abcdef"))
    assert _run(work, "git", "push", "-u", "origin", "feature/7-x", env=env).returncode != 0

    # ... a review of this commit does
    tracker.post_comment(7, artifact_samples.review(7, commit=sha))
    pushed = _run(work, "git", "push", "-u", "origin", "feature/7-x", env=env)
    assert pushed.returncode == 0, _output(pushed)
    assert git(bare, "rev-parse", "feature/7-x").strip() == sha

    # a worker branch never goes straight to main, reviewed or not
    to_main = _run(work, "git", "push", "origin", "feature/7-x:main", env=env)
    assert to_main.returncode != 0 and "protected branch 'main'" in _output(to_main)

    # nor does anything pushed to main from a dispatcher worktree
    git(work, "checkout", "-q", "-b", "topic")
    commit_file(work, "notes.txt", "n\n", "docs: notes (#7)")
    worker_env = _env(snapshot, REVIEW_GATE_WORKER_ID="worker-1701523200-7")
    dispatcher = _run(work, "git", "push", "origin", "topic:main", env=worker_env)
    assert dispatcher.returncode != 0 and "dispatcher worktree" in _output(dispatcher)
    assert git(bare, "rev-parse", "main") == git(repo, "rev-parse", "origin/main")

    # other branches pass
    other = _run(work, "git", "push", "origin", "topic", env=env)
    assert other.returncode == 0, _output(other)


def test_validate_runs_at_commit_time(adopted: tuple[Path, Path], snapshot: Snapshot) -> None:
    """The documented setup (the README's ids + `gate install git`) runs review-gate-validate
    on `git commit`: an invalid REVIEW file is refused, a valid one is committed."""
    repo, _ = adopted
    hook = repo / ".git" / "hooks" / "pre-commit"
    assert "pre-commit" in hook.read_text()  # installed by `gate install git`
    env = _env(snapshot)
    before = git(repo, "rev-parse", "HEAD")
    (repo / "7.review.md").write_text(artifact_samples.review(7, status="MAYBE"))
    git(repo, "add", "7.review.md")
    refused = _run(repo, "git", "commit", "-m", "docs: review of #7 (#7)", env=env)
    assert refused.returncode != 0, _output(refused)
    assert "review-gate (validate artifact files)" in _output(refused)
    assert "7.review.md:" in _output(refused) and "Failed" in _output(refused)
    assert git(repo, "rev-parse", "HEAD") == before  # nothing committed

    (repo / "7.review.md").write_text(artifact_samples.review(7))
    git(repo, "add", "7.review.md")
    good = _run(repo, "git", "commit", "-m", "docs: review of #7 (#7)", env=env)
    assert good.returncode == 0, _output(good)
    assert "review-gate (validate artifact files)" in _output(good)
    assert "Passed" in _output(good)
    assert git(repo, "rev-parse", "HEAD~1") == before
    # a push runs the pre-push hook only: the validator stays at its commit-time stage
    pushed = _run(repo, "git", "push", "origin", "main", env=env)
    assert pushed.returncode == 0, _output(pushed)
    assert "validate artifact files" not in _output(pushed)


def test_validate_with_plain_pre_commit_install(snapshot: Snapshot, tmp_path: Path) -> None:
    """The other documented setup: `default_install_hook_types` in the configuration and a
    plain `pre-commit install` (no `gate install git`) wires all three hook types."""
    repo, _ = init_repo_with_remote(tmp_path)
    ids = ("review-gate-pre-push", "review-gate-commit-msg", "review-gate-validate")
    (repo / ".pre-commit-config.yaml").write_text(
        "default_install_hook_types: [pre-commit, pre-push, commit-msg]\n" + _config(snapshot, *ids)
    )
    env = _env(snapshot)
    installed = _run(repo, *PRE_COMMIT, "install", env=env)
    assert installed.returncode == 0, _output(installed)
    for hook in ("pre-commit", "pre-push", "commit-msg"):
        assert "pre-commit" in (repo / ".git" / "hooks" / hook).read_text(), hook
    (repo / ".review-gate").mkdir()
    (repo / ".review-gate" / "handover.md").write_text("<!-- HANDOVER:START -->\nno end\n")
    git(repo, "add", ".pre-commit-config.yaml", ".review-gate/handover.md")
    refused = _run(repo, "git", "commit", "-m", "chore: adopt review-gate (#1)", env=env)
    assert refused.returncode != 0 and ".review-gate/handover.md:" in _output(refused)
    from review_gate.install.git import doctor_checks

    assert all(f.ok for f in doctor_checks(repo)), doctor_checks(repo)


def test_doctor_sees_pre_commit_hooks(adopted: tuple[Path, Path], snapshot: Snapshot) -> None:
    from review_gate.install.git import doctor_checks

    repo, _ = adopted
    assert all(f.ok for f in doctor_checks(repo)), doctor_checks(repo)
    assert any("pre-commit hook installed" in f.message for f in doctor_checks(repo))
    (repo / ".pre-commit-config.yaml").write_text(_config(snapshot, "review-gate-validate"))
    bad = [f for f in doctor_checks(repo) if not f.ok]
    assert len(bad) == 2 and all("does not use" in f.message for f in bad)
    # the pre-commit hook review-gate-validate needs is checked too
    (repo / ".git" / "hooks" / "pre-commit").unlink()
    missing = [f for f in doctor_checks(repo) if not f.ok and "pre-commit hook" in f.message]
    assert len(missing) == 1 and "never runs at commit time" in missing[0].message


def test_install_moves_direct_hooks_aside_for_pre_commit(
    snapshot: Snapshot, tmp_path: Path
) -> None:
    repo, _ = init_repo_with_remote(tmp_path)
    assert run_gate("install", "git", "--mode", "direct", cwd=repo).returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(
        _config(snapshot, "review-gate-pre-push", "review-gate-commit-msg")
    )
    proc = run_gate("install", "git", cwd=repo, env=_env(snapshot), timeout=600)
    assert proc.returncode == 0, proc.stderr
    hooks = repo / ".git" / "hooks"
    assert "pre-commit" in (hooks / "pre-push").read_text()
    # no review-gate script left behind as pre-commit's .legacy: it would run twice
    assert not (hooks / "pre-push.legacy").exists()


def test_try_repo(snapshot: Snapshot, tmp_path: Path) -> None:
    """The manifest as published: `pre-commit try-repo` builds and runs each hook."""
    from review_gate.trackers.local import LocalTracker

    repo, _ = init_repo_with_remote(tmp_path)
    env = _env(snapshot)
    (repo / "ok.review.md").write_text(artifact_samples.review(7))
    (repo / "bad.review.md").write_text("<!-- REVIEW:START -->\nno end\n")
    git(repo, "add", "ok.review.md", "bad.review.md")
    try_repo = (*PRE_COMMIT, "try-repo", str(snapshot.path))

    ok = _run(repo, *try_repo, "review-gate-validate", "--files", "ok.review.md", env=env)
    assert ok.returncode == 0, _output(ok)
    bad = _run(repo, *try_repo, "review-gate-validate", "--all-files", env=env)
    assert bad.returncode == 1 and "bad.review.md:" in _output(bad)
    assert "ok.review.md:" not in _output(bad)

    msg = repo / "msg"
    msg.write_text("feat: x (#7)\n")
    stage = ("--hook-stage", "commit-msg", "--commit-msg-filename", str(msg))
    assert _run(repo, *try_repo, "review-gate-commit-msg", *stage, env=env).returncode == 0
    msg.write_text("nope\n")
    refused = _run(repo, *try_repo, "review-gate-commit-msg", *stage, env=env)
    assert refused.returncode == 1 and "<type>: <description> (#<issue>)" in _output(refused)

    git(repo, "checkout", "-q", "-b", "feature/7-x")
    sha = commit_file(repo, "a.py", "a = 1\n", "feat: a (#7)")
    LocalTracker.for_checkout(repo).create_issue("a", number=7)
    push = (
        "--hook-stage",
        "pre-push",
        "--from-ref",
        git(repo, "rev-parse", "main").strip(),
        "--to-ref",
        sha,
        "--local-branch",
        "refs/heads/feature/7-x",
        "--remote-branch",
        "refs/heads/feature/7-x",
        "--remote-name",
        "origin",
        "--remote-url",
        str(tmp_path / "project.git"),
    )
    refused = _run(repo, *try_repo, "review-gate-pre-push", *push, env=env)
    assert refused.returncode == 1 and "gate new review --issue 7" in _output(refused)
    LocalTracker.for_checkout(repo).post_comment(7, artifact_samples.review(7, commit=sha))
    passed = _run(repo, *try_repo, "review-gate-pre-push", *push, env=env)
    assert passed.returncode == 0, _output(passed)
