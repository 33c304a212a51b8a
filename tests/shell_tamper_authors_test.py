"""Forged authors: in a gated checkout a command that chooses who a local tracker comment
is from (``gate ... --author X``, ``REVIEW_GATE_AUTHOR=X`` in any shell or interpreter form,
``USER=X gate ...``) is a tamper route, denied with the next step; posting as oneself, and
reading the variable, are left alone. Generated as forms x gate commands x logins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.shell import analyse, might_matter
from tests.helpers import GIT_ENV
from tests.shell_cases import hook_reason, protected_checkout

#: Routes that keep an author they were given, whoever runs them.
IMPORTS = [
    "gate issue import 7 export.json",
    "gate issue import --issue 7 f.json",
    "python -m review_gate issue import 7 f.json",
    "cd /tmp && gate issue import 7 f.json",
]
SUBCOMMANDS = [
    "issue comment 7 --body-file r.md",
    "issue comment 7 --body-file - --association MEMBER",
    "issue new --title t",
    "dispatch status",
]
LOGINS = ["review-bot", "dispatch-bot", "'review bot'", '"$REVIEWER"']
FORMS = [
    "gate {s} --author {x}",
    "gate {s} --author={x}",
    "gate {s} '--author' {x}",
    'gate {s} "--author={x}"',
    "gate {s} --auth {x}",
    "gate --author {x} {s}",
    "/usr/local/bin/gate {s} --author {x}",
    '"gate" {s} --author {x}',
    "g\\ate {s} --author {x}",
    "sudo -E gate {s} --author {x}",
    "command gate {s} --author={x}",
    "bash -c 'gate {s} --author {x}'",
    "eval 'gate {s} --author={x}'",
    "python -m review_gate {s} --author {x}",
    "A=--author; gate {s} $A {x}",
    "G=gate; $G {s} --author {x}",
    "xargs gate {s} <<< '--author {x}'",
    "REVIEW_GATE_AUTHOR={x} gate {s}",
    "REVIEW_GATE_AUTH''OR={x} gate {s}",
    "env REVIEW_GATE_AUTHOR={x} gate {s}",
    "env 'REVIEW_GATE_AUTHOR={x}' gate {s}",
    "export REVIEW_GATE_AUTHOR={x}; gate {s}",
    'export "REVIEW_GATE_AUTHOR={x}"; gate {s}',
    "declare -x REVIEW_GATE_AUTHOR={x}; gate {s}",
    "typeset -x REVIEW_GATE_AUTHOR={x} && gate {s}",
    "REVIEW_GATE_AUTHOR={x}; export REVIEW_GATE_AUTHOR; gate {s}",
    "read REVIEW_GATE_AUTHOR <<< {x}; export REVIEW_GATE_AUTHOR; gate {s}",
    "printf -v REVIEW_GATE_AUTHOR %s {x}; export REVIEW_GATE_AUTHOR; gate {s}",
    ": ${{REVIEW_GATE_AUTHOR:={x}}}; export REVIEW_GATE_AUTHOR; gate {s}",
    'bash -c "REVIEW_GATE_AUTHOR={x} gate {s}"',
    "env -u REVIEW_GATE_AUTHOR USER={x} gate {s}",
    "USER={x} gate {s}",
    "export USER={x} && gate {s}",
    "USER={x} bash -c 'gate {s}'",
    "python3 -c \"import os; os.environ['REVIEW_GATE_AUTHOR'] = 'x'; os.system('gate {s}')\"",
    "node -e \"process.env.REVIEW_GATE_AUTHOR = 'x'; require('child_process').execSync('gate')\"",
]
ORDINARY = [
    "gate issue comment 7 --body-file r.md",
    "gate issue comment 7 --body-file review.md --strict",
    'gate issue comment "$N" --body-file r.md',
    'gate issue comment 7 --body-file "$F"',
    "gate issue show 7",
    "gate dispatch status --issue 7",
    "gate new review --issue 7 > /tmp/review.md",
    'echo "$REVIEW_GATE_AUTHOR"',
    "echo ${REVIEW_GATE_AUTHOR:-me}",
    "printenv REVIEW_GATE_AUTHOR",
    "grep -rn REVIEW_GATE_AUTHOR src",
    'test "$REVIEW_GATE_AUTHOR" = review-bot && echo reviewer',
    "git log --author=bob -5",
    "git log --author bob --oneline",
    "printenv USER",
    "gh issue comment 7 --body-file r.md",
]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("authors")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        yield protected_checkout(root)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(FORMS), st.sampled_from(SUBCOMMANDS), st.sampled_from(LOGINS))
def test_choosing_the_author_is_denied(
    checkout: tuple[Path, dict[str, str]], form: str, sub: str, login: str
) -> None:
    repo, environ = checkout
    command = form.format(s=sub, x=login)
    assert might_matter(command), command
    kinds = {t.kind for t in analyse(command).tampering}
    assert kinds == {"author"}, (command, analyse(command))
    reason = hook_reason(command, repo, environ)
    assert reason is not None, command
    assert "chooses who a local tracker comment is from" in reason, reason
    assert "Post without --author" in reason and "reviewer identity" in reason, reason


@pytest.mark.parametrize("form", FORMS)
def test_every_form_is_seen(form: str) -> None:
    command = form.format(s=SUBCOMMANDS[0], x="review-bot")
    assert [t.kind for t in analyse(command).tampering][:1] == ["author"], command


@pytest.mark.parametrize(
    "command",
    [
        "gate issue comment $N --body-file r.md",  # unquoted: may split into --author X 7
        'gate issue comment "$N" "$M" --body-file r.md',
        "gate issue comment 7 --body-file r.md $EXTRA",
        "echo --author bot | xargs gate issue comment 7 --body-file r.md",
    ],
)
def test_a_computed_argument_that_may_be_author_is_denied(
    checkout: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, environ = checkout
    reason = hook_reason(command, repo, environ)
    assert reason is not None and "chooses who a local tracker comment is from" in reason


@pytest.mark.parametrize("command", IMPORTS)
def test_importing_comments_with_their_authors_is_denied(
    checkout: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, environ = checkout
    assert might_matter(command), command
    reason = hook_reason(command, repo, environ)
    assert reason is not None and "chooses who a local tracker comment is from" in reason


@pytest.mark.parametrize("command", ORDINARY)
def test_posting_as_oneself_and_reading_the_variable_pass(
    checkout: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, environ = checkout
    assert not analyse(command).tampering, analyse(command)
    assert hook_reason(command, repo, environ) is None, command


def test_outside_a_gated_checkout_the_author_is_free(tmp_path: Path) -> None:
    """Tamper routes are only denied in a gated checkout: a person's own shell is theirs."""
    import json
    import os

    from review_gate.hooks.agent import decide_pre_tool_use

    payload = {
        "hook_event_name": "PreToolUse",
        "cwd": str(tmp_path),
        "tool_name": "Bash",
        "tool_input": {"command": "gate issue comment 7 --author me --body-file r.md"},
    }
    assert decide_pre_tool_use(json.dumps(payload).encode(), dict(os.environ)) is None
