"""Test helpers: real git repositories in temporary directories (no mocks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

# The `gate` console script of the environment running the tests.
GATE = str(Path(sys.executable).with_name("gate"))


def git(cwd: str | Path, *args: str) -> str:
    """Run git in ``cwd`` and return stdout (raises on failure, with its output)."""
    proc = subprocess.run(("git", *args), cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}{proc.stdout}")
    return proc.stdout


def init_repo(path: Path, *, branch: str = "main") -> Path:
    """A repository with one commit on ``branch``."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    (path / "README.md").write_text("hello\n")
    git(path, "add", "README.md")
    git(path, "commit", "-q", "-m", "chore: initial commit")
    return path


def init_repo_with_remote(tmp_path: Path, *, name: str = "project") -> tuple[Path, Path]:
    """``(clone, bare_remote)``: a bare repository as ``origin`` with ``main`` pushed."""
    bare = tmp_path / f"{name}.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    repo = init_repo(tmp_path / name)
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "-u", "origin", "main")
    git(repo, "remote", "set-head", "origin", "main")
    return repo, bare


def commit_file(repo: Path, rel: str, content: str = "x\n", message: str | None = None) -> str:
    """Write, add and commit one file; returns the new HEAD sha."""
    target = repo / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)
    git(repo, "add", rel)
    git(repo, "commit", "-q", "-m", message or f"feat: add {rel}")
    return git(repo, "rev-parse", "HEAD").strip()


def run_gate(
    *args: str,
    cwd: str | Path,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``gate`` as a user would, in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        (GATE, *args),
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def set_base_config(
    repo: Path, text: str, name: str = ".review-gate.toml", branch: str = "main"
) -> str:
    """Commit ``text`` as ``name`` on the base ``branch`` (and push it to origin when there
    is one) without touching the checkout: the configuration the hooks trust."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        side = Path(tmp) / "base"
        git(repo, "worktree", "add", "-q", str(side), branch)
        (side / name).write_text(text)
        git(side, "add", name)
        git(side, "commit", "-q", "-m", f"chore: {name}")
        sha = git(side, "rev-parse", "HEAD").strip()
        git(repo, "worktree", "remove", "--force", str(side))
    if git(repo, "remote").split():
        git(repo, "push", "-q", "origin", branch)
    return sha
