"""The pre-push hook holds against every loosening an agent in the checkout can make at once:
every ``REVIEW_GATE_*`` variable and every configuration file of the working tree (edited,
and committed on the worker branch), with a review by the agent itself and a reviewed
issue to point at. A real clone, the installed hook, a real ``git push``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from review_gate.config_values import FIELDS
from review_gate.trackers.local import LocalTracker
from tests.artifact_samples import review
from tests.helpers import commit_file, git, init_repo_with_remote, run_gate

# One loosening value for every configuration key, as an agent would try it.
LOOSEN: dict[str, tuple[str, object]] = {
    # key: (environment value, TOML value)
    "tracker": ("github", "github"),
    "repo": ("someone/else", "someone/else"),
    "api_url": ("http://127.0.0.1:9", "http://127.0.0.1:9"),
    "request_timeout": ("0.001", 0.001),
    "retries": ("0", 0),
    "trusted_logins": ("agent", ["agent"]),
    "trusted_associations": ("NONE,CONTRIBUTOR", ["NONE", "CONTRIBUTOR"]),
    "trust_review": ("@agent,NONE", ["@agent", "NONE"]),
    "trust_worker": ("@agent,NONE", ["@agent", "NONE"]),
    "trust_handover": ("@agent,NONE", ["@agent", "NONE"]),
    "sensitive_patterns": ("nothing-matches", ["nothing-matches"]),
    "require_commit": ("false", False),
    "require_distinct_reviewer": ("false", False),
    "require_independent_review": ("false", False),
    "review_token_env": ("AGENT_TOKEN", "AGENT_TOKEN"),
    "review_author": ("agent", "agent"),
    "base_branch": ("feature/7-x", "feature/7-x"),
    "protect": ("false", False),
    "max_stop_blocks": ("0", 0),
    "protected_branches": ("nothing", ["nothing"]),
    "worker_branch_pattern": (r"^nothing/(\d+)-", r"^nothing/(\d+)-"),
    "on_unreachable": ("allow", "allow"),
    "hang_after": ("1", 1),
    "lease_ttl": ("1", 1),
    "disposable_paths": ("*", ["*"]),
    "issue": ("8", 8),
    "worker_id": ("worker-1-8", "worker-1-8"),
    "tracker_deadline": ("3600", 3600),
    "dispatch_backend": ("github-actions", "github-actions"),
    "dispatch_project": ("someone/1", "someone/1"),
    "dispatch_statuses": ("A,B,C,D,E", ["A", "B", "C", "D", "E"]),
    "review_commands": ("sh", ["sh"]),
    "actions_token_secret": ("OTHER_TOKEN", "OTHER_TOKEN"),
    "budget_turns": ("100000", 100000),
    "budget_minutes": ("100000", 100000),
    "budget_tokens": ("1000000000", 1000000000),
    "budget_cost_usd": ("100000", 100000),
    "budget_soft": ("1", 1),
}


def test_every_key_is_tried() -> None:
    missing = set(FIELDS) - set(LOOSEN)
    assert not missing, f"add a loosening value for {sorted(missing)} to LOOSEN"


def _toml(values: dict[str, object], table: str = "") -> str:
    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\") + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v)

    plain = {k: v for k, v in values.items() if not k.startswith(("trust_", "budget_"))}
    lines = [f"[{table}]"] if table else []
    lines += [f"{k} = {value(v)}" for k, v in plain.items()]
    trust = {k.removeprefix("trust_"): v for k, v in values.items() if k.startswith("trust_")}
    lines += [f"[{table + '.' if table else ''}trust]"]
    lines += [f"{k} = {value(v)}" for k, v in trust.items()]
    budget = {k.removeprefix("budget_"): v for k, v in values.items() if k.startswith("budget_")}
    lines += [f"[{table + '.' if table else ''}dispatch.budget]"]
    lines += [f"{k} = {value(v)}" for k, v in budget.items()]
    return "\n".join(lines) + "\n"


def _push(repo: Path, env: dict[str, str], *refspec: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ("git", "push", "origin", *refspec),
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def agent_checkout(tmp_path: Path) -> tuple[Path, Path]:
    """A worker clone with the gate's git hooks, on feature/7-x one commit ahead, issue 7
    unreviewed; issue 8 reviewed at that commit (a review an override could point to)."""
    repo, bare = init_repo_with_remote(tmp_path)
    proc = run_gate("install", "git", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    sha = commit_file(repo, "src/app.py", "print('hi')\n", "feat: app (#7)")
    tracker = LocalTracker.for_checkout(repo)
    tracker.create_issue("seven", number=7)
    tracker.create_issue("eight", number=8)
    tracker.post_comment(8, review(8, commit=sha), author="reviewer", association="OWNER")
    # the agent's own review of issue 7: right commit, untrusted author
    tracker.post_comment(7, review(7, commit=sha), author="agent", association="NONE")
    return repo, bare


def _loosen_everything(repo: Path, keys: tuple[str, ...] = tuple(LOOSEN)) -> dict[str, str]:
    """Write and commit every configuration file with every key loosened; the environment
    with the variables of ``keys`` loosened."""
    values = {k: v[1] for k, v in LOOSEN.items()}
    (repo / ".review-gate.toml").write_text(_toml(values))
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\n\n' + _toml(values, "tool.review-gate")
    )
    (repo / "src").mkdir(exist_ok=True)
    (repo / "src" / ".review-gate.toml").write_text(_toml(values))
    git(repo, "add", ".review-gate.toml", "pyproject.toml", "src/.review-gate.toml")
    git(repo, "commit", "-q", "-m", "chore: loosen the gate (#7)")
    # and an uncommitted edit on top
    (repo / ".review-gate.toml").write_text(_toml(values) + "# edited\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_GATE_")}
    env.update({"REVIEW_GATE_" + k.upper(): LOOSEN[k][0] for k in keys})
    if keys:
        env.update({"REVIEW_GATE_AUTHOR": "reviewer", "REVIEW_GATE_DEBUG": "1"})
    return env


def _remote_has(bare: Path, branch: str) -> bool:
    proc = subprocess.run(
        ("git", "rev-parse", "--verify", "-q", f"refs/heads/{branch}"),
        cwd=bare,
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


@pytest.mark.parametrize(
    "refspec", [("feature/7-x",), ("HEAD:main",), ("HEAD:refs/heads/feature/7-x",)]
)
def test_pre_push_refuses_with_every_loosening_at_once(
    refspec: tuple[str, ...], agent_checkout: tuple[Path, Path]
) -> None:
    repo, bare = agent_checkout
    env = _loosen_everything(repo)
    main_before = git(bare, "rev-parse", "refs/heads/main").strip()
    proc = _push(repo, env, *refspec)
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "review-gate" in proc.stderr, proc.stderr
    assert not _remote_has(bare, "feature/7-x")
    assert git(bare, "rev-parse", "refs/heads/main").strip() == main_before


@pytest.mark.parametrize("key", [*LOOSEN, None])
def test_each_variable_alone_with_every_file_loosened(
    key: str | None, agent_checkout: tuple[Path, Path]
) -> None:
    """One variable at a time (None: none), so no refusal of another variable hides it."""
    repo, bare = agent_checkout
    env = _loosen_everything(repo, (key,) if key else ())
    proc = _push(repo, env, "feature/7-x")
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    # refused by name, or by the review gate of the branch's issue
    named = key is not None and f"REVIEW_GATE_{key.upper()}" in proc.stderr
    assert named or "#7" in proc.stderr, proc.stderr
    assert not _remote_has(bare, "feature/7-x")


def test_the_same_push_goes_through_once_reviewed(agent_checkout: tuple[Path, Path]) -> None:
    """The control: the refusal above is the gate's, not a broken setup."""
    repo, bare = agent_checkout
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_GATE_")}
    assert _push(repo, env, "feature/7-x").returncode != 0
    sha = git(repo, "rev-parse", "HEAD").strip()
    LocalTracker.for_checkout(repo).post_comment(
        7, review(7, commit=sha), author="reviewer", association="OWNER"
    )
    proc = _push(repo, env, "feature/7-x")
    assert proc.returncode == 0, proc.stderr
    assert _remote_has(bare, "feature/7-x")
