"""Issue 10, item 7: a tamper deny names the route it saw and the next step for that cause
(never "run it without --no-verify" for a command that has no such flag); and tamper routes
are denied only where the gate is in charge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import GIT_ENV, commit_file, git, init_repo_with_remote, set_base_config
from tests.shell_cases import hook_reason, protected_checkout


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("messages")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        yield protected_checkout(root)


STEPS = {
    "protected": "belongs in a pull request of its own",
    "no-verify": "Run it without --no-verify",
    "hooks-path": "Leave core.hooksPath",
    "skip": "Drop the variable that switches hooks off",
    "hookless-push": "Push with `git push`",
    "uninstall": "Keep review-gate and its hooks installed",
    "agent-hooks": "Start the agent with its hooks",
}

CASES = [
    (
        "sed -i 's/true/false/' .review-gate.toml",
        "`sed -i .review-gate.toml`: writes .review-gate.toml (the gate's own settings)",
        "protected",
    ),
    (
        "perl -pi -e 's/x/y/' .pre-commit-config.yaml",
        "`perl -i .pre-commit-config.yaml`: writes .pre-commit-config.yaml",
        "protected",
    ),
    ("rm .git/hooks/pre-push", "`rm .git/hooks/pre-push`: removes a git hook", "protected"),
    (
        "echo '{}' > ~/.claude/settings.json",
        "`> ~/.claude/settings.json`: writes ~/.claude/settings.json",
        "protected",
    ),
    ("chmod -x .git/hooks/commit-msg", "changes the mode of a git hook", "protected"),
    ("find .git/hooks -delete", "`find .git/hooks -delete`: removes a git hook", "protected"),
    ("mv .claude /tmp/away", "`mv .claude`: moves .claude", "protected"),
    (
        "python3 -c \"open('.review-gate.toml', 'w')\"",
        "may write or remove .review-gate.toml",
        "protected",
    ),
    ("git push --no-verify", "`git push --no-verify`: git push --no-verify skips", "no-verify"),
    ("git commit -nm wip", "git commit -n (--no-verify)", "no-verify"),
    ("git config --global core.hooksPath /dev/null", "git config core.hooksPath", "hooks-path"),
    ("git -c core.hooksPath=/dev/null push", "git -c core.hooksPath", "hooks-path"),
    ("SKIP=review-gate-pre-push git push", "SKIP=... tells pre-commit", "skip"),
    ("HUSKY=0 git push", "HUSKY=0 switches", "skip"),
    ("git send-pack origin HEAD", "pushes without running", "hookless-push"),
    (
        "pip uninstall -y review-gate",
        "`pip uninstall review-gate` uninstalls the gate",
        "uninstall",
    ),
    ("gate uninstall claude", "`gate uninstall` removes", "uninstall"),
    ("claude --bare -p x", "`claude --bare` skips the hooks", "agent-hooks"),
    ("CLAUDE_CODE_SIMPLE=1 claude -p x", "CLAUDE_CODE_SIMPLE=1 starts Claude Code", "agent-hooks"),
]


@pytest.mark.parametrize(("command", "route", "kind"), CASES)
def test_the_deny_names_the_route_and_the_step_for_its_cause(
    command: str, route: str, kind: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    repo, environ = checkout
    reason = hook_reason(command, repo, environ)
    assert reason is not None, command
    assert reason.startswith("review-gate: this checkout is gated (branch feature/7-x")
    assert route in reason, reason
    assert STEPS[kind] in reason, reason
    others = [step for other, step in STEPS.items() if other != kind]
    assert not any(step in reason for step in others), reason
    if kind != "no-verify":
        assert "--no-verify" not in reason, reason


def test_each_cause_gets_its_step_once(checkout: tuple[Path, dict[str, str]]) -> None:
    repo, environ = checkout
    command = "git push --no-verify && rm .review-gate.toml && echo x > .pre-commit-config.yaml"
    reason = hook_reason(command, repo, environ)
    assert reason is not None
    assert "`rm .review-gate.toml`" in reason and "`> .pre-commit-config.yaml`" in reason
    assert reason.count(STEPS["no-verify"]) == 1
    assert reason.count(STEPS["protected"]) == 1


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    """A checkout the gate is not in charge of: no issue, no configuration, no hooks."""
    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "topic")
    commit_file(repo, "a.txt")
    return repo


@pytest.mark.parametrize(
    "command",
    [
        "rm .git/hooks/pre-push",
        "echo x > .claude/settings.local.json",
        "pip uninstall -y review-gate",
        "claude --bare -p x",
        "git push --no-verify",
    ],
)
def test_nothing_is_denied_where_the_gate_is_not_in_charge(command: str, plain: Path) -> None:
    import os

    assert hook_reason(command, plain, dict(os.environ)) is None


def test_the_base_branch_may_switch_protection_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    repo, _ = init_repo_with_remote(tmp_path)
    git(repo, "checkout", "-q", "-b", "feature/7-x")
    command = "sed -i 's/a/b/' .review-gate.toml"
    assert hook_reason(command, repo, dict(os.environ)) is not None
    # In the checkout, protect = false is the agent's own word: it changes nothing.
    (repo / ".review-gate.toml").write_text("protect = false\n")
    assert hook_reason(command, repo, dict(os.environ)) is not None
    set_base_config(repo, "protect = false\n")
    assert hook_reason(command, repo, dict(os.environ)) is None
