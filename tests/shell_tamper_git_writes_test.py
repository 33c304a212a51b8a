"""Writes the hook used to miss, each a class fixed at its root: git's own file writers
(``log|show|diff ... --output=F``, ``format-patch -o DIR``, ``archive -o F``,
``bundle create F``, ``clone``/``init``/``worktree add DIR``) are writes like ``cp`` to F;
``find START -name PAT -delete`` looks at everything in review-gate's state whatever its
depth; and a path that goes through a link made earlier in the same command is judged as
the path the link points at. Generated as targets x routes x spellings, in a gated checkout
whose state directory is populated; the ordinary uses still pass."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.shell import might_matter
from tests.helpers import GIT_ENV
from tests.shell_cases import hook_reason, protected_checkout

STATE = [
    "tracker.sqlite3",
    "workers/worker-1-7-abc123.json",
    "budgets/worker-1-7-abc123/calls.s1",
    "audit.jsonl",
]
#: Protected files a git writer may be pointed at (relative to the checkout).
TARGETS = [
    ".git/review-gate/workers/w-rev.json",
    ".git/review-gate/tracker.sqlite3",
    ".git/hooks/pre-push",
    ".git/config",
    ".review-gate.toml",
    ".claude/settings.json",
]
GIT_WRITERS = [
    "git log -1 --format='format:{{}}' --output={p}",
    "git log -1 --output {p}",
    "git show HEAD --output={p}",
    "git diff HEAD~1 --output={p}",
    'git diff --stat --output="{p}"',
    "git whatchanged -1 --output={p}",
    "git format-patch -1 --stdout --output={p}",
    "git diff-tree -p HEAD --output={p}",
    "git stash show -p --output={p}",
    "git archive -o {p} HEAD",
    "git archive --output={p} HEAD",
    "git archive --output {p} --format=tar HEAD",
    "git bundle create {p} HEAD",
    "git -c color.ui=never log --output={p}",
]
GIT_DIRECTORY_WRITERS = [
    "git format-patch -o {d} -1",
    "git format-patch --output-directory={d} -1",
    "git format-patch --output-directory {d} HEAD~1",
    "git clone -q . {d}/copy",
    "git init -q {d}/new",
    "git worktree add {d}/wt",
]
DIRECTORIES = [".git/review-gate", ".git/review-gate/workers", ".git/hooks"]
FIND_NAMES = ["'calls.*'", "'*.json'", "tracker.sqlite3", "'audit*'", "'*'", "'worker-*'"]
FIND_ACTIONS = ["-delete", "-exec rm {{}} +", "-exec rm -f {{}} \\;", "-type f -delete"]
FIND_STARTS = [
    ".git",
    "./.git",
    "{repo}/.git",
    ".git/review-gate",
    "$(git rev-parse --git-dir)",
    ".",
    "",  # no start: find starts at .
]
LINKED = [
    "ln -s {repo}/.git/review-gate /tmp/s-{n}; rm -rf /tmp/s-{n}/budgets",
    "ln -sf {repo}/.git/review-gate /tmp/s-{n} && rm -rf /tmp/s-{n}/workers",
    "ln -s $PWD/.git/review-gate /tmp/s-{n}; echo x > /tmp/s-{n}/audit.jsonl",
    "ln -s {repo}/.git /tmp/g-{n}; rm -rf /tmp/g-{n}/review-gate",
    "ln -s ../.git/review-gate src/s-{n}; mv src/s-{n}/tracker.sqlite3 /tmp/gone",
    "ln .git/review-gate/tracker.sqlite3 /tmp/t-{n}; cp /tmp/forged /tmp/t-{n}",
    "ln -s {repo}/.git/hooks /tmp/h-{n}; cp /tmp/evil /tmp/h-{n}/pre-push",
]
ORDINARY = [
    "git log -p",
    "git log -1 --output=/tmp/log.txt",
    "git diff > /tmp/x.patch",
    "git diff --output=/tmp/x.patch",
    "git format-patch -o /tmp/patches -1",
    "git format-patch -1 --stdout > /tmp/p.patch",
    "git archive -o /tmp/a.tar HEAD",
    "git bundle create /tmp/repo.bundle HEAD",
    "git rev-list HEAD > /tmp/revs",
    "git clone -q . /tmp/copy-of-project",
    "git log --output-indicator-new=+ -1",
    "git config --file /tmp/x.cfg a.b c",
    "find . -name '*.pyc' -delete",
    "find -name '*.pyc' -delete",
    "find . -name __pycache__ -exec rm -rf {} +",
    "find .git -name 'nomatch*' -delete",
    "find build -type f -delete",
    "ln -s /tmp/data data-link; rm -rf data-link/old",
    "ln -s src/app.py app.py.link && cat app.py.link",
]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("gitwrites")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        repo, environ = protected_checkout(root)
        for rel in STATE:
            path = repo / ".git" / "review-gate" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("{}\n")
        yield repo, environ


def _spelled(repo: Path, rel: str, style: str) -> str:
    if style == "relative":
        return rel
    if style == "absolute":
        return str(repo / rel)
    if style == "dotted":
        return f"./src/../{rel}"
    return "$(git rev-parse --show-toplevel)/" + rel


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(GIT_WRITERS),
    st.sampled_from(TARGETS),
    st.sampled_from(["relative", "absolute", "dotted", "computed"]),
)
def test_git_writing_a_protected_file_is_denied(
    checkout: tuple[Path, dict[str, str]], route: str, rel: str, style: str
) -> None:
    repo, environ = checkout
    command = route.format(p=_spelled(repo, rel, style))
    assert might_matter(command), command
    reason = hook_reason(command, repo, environ)
    assert reason is not None and "would bypass the gate" in reason, command


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(GIT_DIRECTORY_WRITERS),
    st.sampled_from(DIRECTORIES),
    st.sampled_from(["relative", "absolute", "computed"]),
)
def test_git_writing_into_a_protected_directory_is_denied(
    checkout: tuple[Path, dict[str, str]], route: str, rel: str, style: str
) -> None:
    repo, environ = checkout
    command = route.format(d=_spelled(repo, rel, style))
    reason = hook_reason(command, repo, environ)
    assert reason is not None and "would bypass the gate" in reason, command


@pytest.mark.parametrize(
    "route", ["git -C .git log --output=review-gate/x", "git -C src diff --output ../.git/config"]
)
def test_git_minus_c_is_where_the_output_goes(
    checkout: tuple[Path, dict[str, str]], route: str
) -> None:
    repo, environ = checkout
    assert hook_reason(route, repo, environ) is not None


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(FIND_STARTS), st.sampled_from(FIND_NAMES), st.sampled_from(FIND_ACTIONS))
def test_find_deleting_in_the_state_is_denied_whatever_the_name_filter(
    checkout: tuple[Path, dict[str, str]], start: str, name: str, action: str
) -> None:
    repo, environ = checkout
    command = f"find {start.format(repo=repo)} -name {name} {action.format()}"
    reason = hook_reason(command, repo, environ)
    assert reason is not None, command
    # `-name '*'` matches the git directory itself first
    assert "review-gate's state" in reason or "the repository's git directory" in reason


def test_find_looks_through_a_state_too_big_to_walk(
    checkout: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """A state directory holding more entries than the walk looks at is judged as holding
    any name (a deny), not as holding nothing."""
    repo, environ = checkout
    many = repo / ".git" / "review-gate" / "budgets" / "many"
    many.mkdir(parents=True, exist_ok=True)
    try:
        for i in range(5100):
            (many / f"x{i}").touch()
        reason = hook_reason("find .git -name 'zzz-not-there' -delete", repo, environ)
        assert reason is not None and "review-gate's state" in reason
    finally:
        for child in many.iterdir():
            child.unlink()
        many.rmdir()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(LINKED), st.integers(0, 9))
def test_a_write_through_a_link_made_in_the_same_command_is_denied(
    checkout: tuple[Path, dict[str, str]], route: str, n: int
) -> None:
    repo, environ = checkout
    command = route.format(repo=repo, n=n)
    reason = hook_reason(command, repo, environ)
    assert reason is not None and "would bypass the gate" in reason, command


@pytest.mark.parametrize("command", ORDINARY)
def test_ordinary_uses_pass(checkout: tuple[Path, dict[str, str]], command: str) -> None:
    repo, environ = checkout
    assert hook_reason(command, repo, environ) is None, command
