"""``review-gate-pre-push --quiet`` / ``REVIEW_GATE_QUIET``: a passing push prints nothing,
a refusal still explains itself. Real git pushes to a local bare remote through the hook
``gate install git`` writes, and the console script itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from review_gate.config_files import env_layer
from review_gate.config_values import FIELDS
from review_gate.hooks.pre_push import QUIET_VARIABLE
from tests import artifact_samples
from tests.helpers import commit_file, git, init_repo_with_remote, run_gate

BIN = Path(sys.executable).parent
ZERO = "0" * 40


def _push(repo: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        ("git", "push", *args),
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def _hook(repo: Path, *args: str, stdin: str, env: dict[str, str] | None = None):
    return subprocess.run(
        (str(BIN / "review-gate-pre-push"), *args),
        cwd=repo,
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def _worker_clone(tmp_path: Path, base_config: str | None = None) -> tuple[Path, Path, str]:
    """(clone, bare remote, sha): ``base_config`` committed on main, the direct hooks
    installed, a feature/7-x commit."""
    repo, bare = init_repo_with_remote(tmp_path)
    if base_config is not None:
        commit_file(repo, ".review-gate.toml", base_config, "chore: configure review-gate")
        git(repo, "push", "-q", "origin", "main")
    assert run_gate("install", "git", "--mode", "direct", cwd=repo).returncode == 0
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    sha = commit_file(repo, "app.py", "x = 1\n", "feat: add app (#7)")
    from review_gate.trackers.local import LocalTracker

    LocalTracker.for_checkout(repo).create_issue("app", number=7)
    return repo, bare, sha


@pytest.fixture
def worker_clone(tmp_path: Path) -> tuple[Path, Path, str]:
    return _worker_clone(tmp_path)


def test_quiet_passing_push_prints_nothing(worker_clone: tuple[Path, Path, str]) -> None:
    repo, bare, sha = worker_clone
    from review_gate.trackers.local import LocalTracker

    LocalTracker.for_checkout(repo).post_comment(7, artifact_samples.review(7, commit=sha))
    loud = _push(repo, "-q", "--dry-run", "origin", "feature/7-x")
    assert loud.returncode == 0, loud.stderr
    assert "review gate passed for issue #7" in loud.stderr
    quiet = _push(repo, "-q", "origin", "feature/7-x", env={QUIET_VARIABLE: "1"})
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "" and quiet.stdout == ""
    assert git(bare, "rev-parse", "feature/7-x").strip() == sha


def test_quiet_refusal_still_prints_its_reason(worker_clone: tuple[Path, Path, str]) -> None:
    repo, bare, _ = worker_clone
    refused = _push(repo, "-q", "origin", "feature/7-x", env={QUIET_VARIABLE: "true"})
    assert refused.returncode == 1
    assert "refused: the review gate fails" in refused.stderr
    assert "gate new review --issue 7" in refused.stderr
    assert subprocess.run(
        ("git", "rev-parse", "--verify", "-q", "feature/7-x"), cwd=bare, capture_output=True
    ).returncode


@pytest.mark.parametrize("how", ["--quiet", "env"])
def test_console_script_quiet(worker_clone: tuple[Path, Path, str], how: str) -> None:
    """As pre-commit would run it with `args: [--quiet]`, or with the variable set."""
    repo, _, sha = worker_clone
    line = f"refs/heads/topic {sha} refs/heads/topic {ZERO}\n"
    args = ["origin", "url"] if how == "env" else [how, "origin", "url"]
    env = {QUIET_VARIABLE: "yes"} if how == "env" else {}
    proc = _hook(repo, *args, stdin=line, env=env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    loud = _hook(repo, "origin", "url", stdin=line)
    assert loud.returncode == 0 and "is not a worker branch" in loud.stderr
    # a refusal under --quiet: the reason, and the closing line
    worker = f"refs/heads/feature/7-x {sha} refs/heads/feature/7-x {ZERO}\n"
    refused = _hook(repo, *args, stdin=worker, env=env)
    assert refused.returncode == 1
    assert "review-gate: push refused" in refused.stderr


@pytest.mark.parametrize("value", ["0", "no", "off", "false", ""])
def test_quiet_variable_off(worker_clone: tuple[Path, Path, str], value: str) -> None:
    repo, _, sha = worker_clone
    line = f"refs/heads/topic {sha} refs/heads/topic {ZERO}\n"
    proc = _hook(repo, "origin", "url", stdin=line, env={QUIET_VARIABLE: value})
    assert proc.returncode == 0 and "is not a worker branch" in proc.stderr


def test_bad_quiet_value_blocks_with_one_line(worker_clone: tuple[Path, Path, str]) -> None:
    repo, _, sha = worker_clone
    line = f"refs/heads/topic {sha} refs/heads/topic {ZERO}\n"
    proc = _hook(repo, "origin", "url", stdin=line, env={QUIET_VARIABLE: "maybe"})
    assert proc.returncode == 2
    first = proc.stderr.splitlines()[0]
    assert first == f"review-gate-pre-push: error: {QUIET_VARIABLE}='maybe' is not a boolean"
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) <= 2


def test_quiet_pass_with_a_warning_keeps_the_warning(tmp_path: Path) -> None:
    """on_unreachable = 'allow' lets a push through an unreachable tracker: that is said
    even under --quiet."""
    repo, _, sha = _worker_clone(
        tmp_path,
        'tracker = "github"\nrepo = "o/r"\napi_url = "http://127.0.0.1:9"\n'
        'on_unreachable = "allow"\nretries = 0\nrequest_timeout = 2\n',
    )
    worker = f"refs/heads/feature/7-x {sha} refs/heads/feature/7-x {ZERO}\n"
    proc = _hook(repo, "--quiet", "origin", "url", stdin=worker, env={"GH_TOKEN": "t"})
    assert proc.returncode == 0, proc.stderr
    assert "warning: tracker unreachable" in proc.stderr
    assert "review gate passed for issue #7" in proc.stderr


def test_quiet_variable_is_not_a_configuration_key() -> None:
    """REVIEW_GATE_* names configuration keys (which a gated checkout's environment may only
    tighten); REVIEW_GATE_QUIET must never become one, or its meaning would change."""
    key = QUIET_VARIABLE.removeprefix("REVIEW_GATE_").lower()
    assert key not in FIELDS
    assert env_layer({QUIET_VARIABLE: "1"}) == {}


def test_quiet_in_a_gated_checkout_is_accepted(tmp_path: Path) -> None:
    """A worker's environment may set it: it changes what a pass prints, not what passes."""
    repo, _, sha = _worker_clone(tmp_path, "require_commit = true\n")
    env = {QUIET_VARIABLE: "1", "REVIEW_GATE_ISSUE": "7", "REVIEW_GATE_WORKER_ID": "w-1-7"}
    worker = f"refs/heads/feature/7-x {sha} refs/heads/feature/7-x {ZERO}\n"
    refused = _hook(repo, "origin", "url", stdin=worker, env=env)
    assert refused.returncode == 1 and "gate new review" in refused.stderr
