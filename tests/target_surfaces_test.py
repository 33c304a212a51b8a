"""One front door: every surface resolves the same issues and gives the same verdict.

Each case is a real repository (a bare ``origin``, a worker branch, a PR on the GitHub
stand-in) evaluated three ways, each as a user runs it:

- CI: ``gate check --pr 12`` (exit 0 pass, 1 fail, 2 refused: nothing to gate);
- the agent's PreToolUse hook on ``gh pr create --head BRANCH --body BODY`` (silence is
  a pass, a deny a fail);
- the pre-push hook for the worker branch (exit 0 pass), where the branch is a worker's.

The issue sets come from the surfaces' own constructors (``from_cli``,
``from_checkout``, ``from_push``), the verdicts from the installed console scripts.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from review_gate import target
from review_gate.errors import UsageError
from tests import artifact_samples as samples
from tests.github_standin import GitHubStandIn
from tests.helpers import GATE, commit_file, git, init_repo_with_remote, run_gate

PR = 12
REPO = "octo/project"
CONFIG = f"tracker = 'github'\nrepo = '{REPO}'\n"


def _config(gh: GitHubStandIn) -> str:
    # The hooks read the committed api_url, never GITHUB_API_URL (tests/target_env_test.py).
    return CONFIG + f"api_url = '{gh.url}'\n"


class World(NamedTuple):
    repo: Path
    gh: GitHubStandIn
    env: dict[str, str]

    def review(self, issue: int, **kwargs: Any) -> None:
        head = git(self.repo, "rev-parse", "HEAD").strip()
        self.gh.add_comment(issue, samples.review(issue, commit=head, **kwargs))


class Case(NamedTuple):
    name: str
    branch: str
    body: str
    setup: Callable[[World], None]
    issues: tuple[int, ...]  # the PR surfaces' issues (CI and PreToolUse); () refused
    passed: bool  # their verdict
    push: bool | None  # the pre-push verdict (the branch's issue); None: not a worker branch
    base: str = "main"


def _nothing(world: World) -> None:
    pass


def _review(*issues: int, **kwargs: Any) -> Callable[[World], None]:
    def setup(world: World) -> None:
        for issue in issues:
            world.review(issue, **kwargs)

    return setup


def _abbreviated_commit(world: World) -> None:
    # Even an abbreviation this checkout shows as unique binds nothing: the reviewed commit
    # may be absent from the clone, or a tag may be named like the prefix.
    head = git(world.repo, "rev-parse", "HEAD").strip()
    world.gh.add_comment(7, samples.review(7, commit=head[:12]))


def _rename_out_of_auth(world: World) -> None:
    # main has src/auth/login.py; the branch moves it out of the sensitive directory.
    git(world.repo, "checkout", "-q", "main")
    commit_file(world.repo, "src/auth/login.py", "def login(): ...\n", "feat: login (#7)")
    git(world.repo, "push", "-q", "origin", "main")
    git(world.repo, "checkout", "-q", "-B", "feature/7-x", "main")
    git(world.repo, "mv", "src/auth/login.py", "src/login.py")
    git(world.repo, "commit", "-q", "-m", "refactor: move login (#7)")
    world.review(7)  # says Security-Sensitive: NO


def _tag_shadows_the_base(world: World) -> None:
    # The worker trusts its own bot in the branch's config, then pushes tags named like
    # the base branch pointing at that commit: a short-name lookup would read them.
    commit_file(
        world.repo,
        ".review-gate.toml",
        _config(world.gh) + "trusted_logins = ['agent-bot']\nsensitive_patterns = []\n",
        "chore: trust me (#7)",
    )
    for tag in ("main", "origin/main", "origin/HEAD"):
        git(world.repo, "tag", "-f", tag)
    git(world.repo, "push", "-q", "-f", "origin", "--tags")
    head = git(world.repo, "rev-parse", "HEAD").strip()
    world.gh.add_comment(7, samples.review(7, commit=head), login="agent-bot", association="NONE")


def _develop_is_the_default(world: World) -> None:
    # origin/HEAD names develop, whose configuration makes every .py file sensitive.
    git(world.repo, "branch", "develop", "main")
    side = world.repo.parent / "develop-side"
    git(world.repo, "worktree", "add", "-q", str(side), "develop")
    (side / ".review-gate.toml").write_text(_config(world.gh) + "sensitive_patterns = ['*.py']\n")
    git(side, "add", ".review-gate.toml")
    git(side, "commit", "-q", "-m", "chore: develop config")
    git(world.repo, "worktree", "remove", "--force", str(side))
    git(world.repo, "push", "-q", "origin", "develop")
    git(world.repo, "remote", "set-head", "origin", "develop")
    git(world.repo, "rebase", "-q", "develop")
    world.review(7)  # Security-Sensitive: NO


W = "feature/7-x"
CASES = [
    Case("closes-own-issue", W, "Closes #7", _review(7), (7,), True, True),
    Case("no-review", W, "Closes #7", _nothing, (7,), False, False),
    Case("branch-first", W, "Closes #8", _review(8), (7, 8), False, False),
    Case("branch-and-body", W, "Fixes #8", _review(7, 8), (7, 8), True, True),
    Case("qualified-this-repo", "topic", f"Fixes {REPO}#7", _review(7), (7,), True, None),
    Case("qualified-case", "topic", "fixes OCTO/Project#7", _review(7), (7,), True, None),
    Case("other-repo-only", "topic", "Fixes other/repo#7", _review(7), (), False, None),
    Case(
        "url", "topic", f"Resolves https://github.com/{REPO}/issues/7", _review(7), (7,), True, None
    ),
    Case(
        "url-other",
        "topic",
        "Resolves https://github.com/o/x/issues/7",
        _review(7),
        (),
        False,
        None,
    ),
    Case("keyword-inside-word", "topic", "prefixes #7", _review(7), (), False, None),
    Case("abbreviated-commit", W, "Closes #7", _abbreviated_commit, (7,), False, False),
    Case("rename-out-of-auth", W, "Closes #7", _rename_out_of_auth, (7,), False, False),
    Case("tag-shadows-base", W, "Closes #7", _tag_shadows_the_base, (7,), False, False),
    Case("develop-default", W, "Closes #7", _develop_is_the_default, (7,), False, False, "develop"),
]


@pytest.fixture
def standin() -> Iterator[GitHubStandIn]:
    with GitHubStandIn() as gh:
        yield gh


def _world(tmp_path: Path, gh: GitHubStandIn, case: Case) -> World:
    repo, _ = init_repo_with_remote(tmp_path)
    commit_file(repo, ".review-gate.toml", _config(gh), "chore: review-gate configuration")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", case.branch)
    commit_file(repo, "src/app.py", "print('hi')\n", "feat: app (#7)")
    for issue in (7, 8):
        gh.add_issue(issue)
    env = {"GITHUB_API_URL": gh.url, "GH_TOKEN": gh.token}
    world = World(repo, gh, env)
    case.setup(world)
    head = git(repo, "rev-parse", "HEAD").strip()
    gh.add_pull(PR, head_ref=case.branch, head_sha=head, base_ref=case.base, body=case.body)
    return world


def _ci(world: World) -> int:
    proc = run_gate("check", "--pr", str(PR), "--format", "json", cwd=world.repo, env=world.env)
    assert "Traceback" not in proc.stderr
    return proc.returncode


def _pre_tool_use(world: World, case: Case) -> bool:
    command = (
        f"gh pr create --head {case.branch} --base {case.base} --title t "
        f"--body {json.dumps(case.body)}"
    )
    call = {
        "session_id": "s",
        "hook_event_name": "PreToolUse",
        "cwd": str(world.repo),
        "tool_name": "Bash",
        "tool_input": {"command": command},
    }
    proc = run_gate("hook", "pre-tool-use", cwd=world.repo, env=world.env, stdin=json.dumps(call))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip() == ""


def _pre_push(world: World, case: Case) -> int:
    head = git(world.repo, "rev-parse", "HEAD").strip()
    line = f"refs/heads/{case.branch} {head} refs/heads/{case.branch} {'0' * 40}\n"
    proc = subprocess.run(
        (str(Path(GATE).with_name("review-gate-pre-push")), "origin", "url"),
        cwd=world.repo,
        env={**os.environ, **world.env},
        input=line,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr
    return proc.returncode


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_surface_gates_the_same_issues_the_same_way(
    tmp_path: Path, standin: GitHubStandIn, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _world(tmp_path, standin, case)
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    env = dict(os.environ)

    # The issues each surface's constructor resolves.
    if case.issues:
        ci = target.from_cli(cwd=world.repo, environ=env, pr=str(PR))
        assert ci.issues == case.issues
        hook = target.from_checkout(
            world.repo, env, surface="pre-tool-use", head_branch=case.branch, bodies=[case.body]
        )
        assert hook.issues == case.issues
        assert (ci.head, ci.base, ci.changed_files) == (hook.head, hook.base, hook.changed_files)
        assert ci.config == hook.config
    else:
        with pytest.raises(UsageError, match="names no issue"):
            target.from_cli(cwd=world.repo, environ=env, pr=str(PR))

    # The verdicts, from the real console scripts.
    ci_code = _ci(world)
    assert ci_code == (0 if case.passed else (1 if case.issues else 2))
    assert _pre_tool_use(world, case) is case.passed
    push_code = _pre_push(world, case)
    if case.push is None:
        assert push_code == 0  # not a worker branch: the push is not gated
        return
    assert (push_code == 0) is case.push
    # The push carries no PR body: it gates the branch's issue, at the same head, base,
    # changed files and configuration as the PR surfaces.
    repository = target.Repository(world.repo)
    policy = target.checkout_policy(repository, env)
    head = git(world.repo, "rev-parse", "HEAD").strip()
    push = target.from_push(repository, policy, env, issues=[7], source="branch", head=head)
    ci = target.from_cli(cwd=world.repo, environ=env, pr=str(PR))
    assert (push.head, push.base, push.changed_files) == (ci.head, ci.base, ci.changed_files)
    assert push.config == ci.config
