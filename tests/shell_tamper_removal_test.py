"""Issue 10, item 3: removing the gate is a tamper route.

Generated as classes: package managers x spellings of the package; the ``gate`` executable
and its environment x the programs that delete or disable them x the ways a command finds
them; ``git config core.hooksPath`` x every scope x set/unset; configuration files git is
told to read x the ways a command writes them; agent CLIs x the switches that start them
without hooks. Decided on a real gated checkout, as the hook decides.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from review_gate.protected import own_installs
from review_gate.shell import analyse
from tests.helpers import GIT_ENV
from tests.shell_cases import hook_reason, protected_checkout, tamper_routes


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("removal")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        yield protected_checkout(root)


def kinds(command: str, checkout: tuple[Path, dict[str, str]]) -> set[str]:
    repo, environ = checkout
    return {kind for *_, kind in tamper_routes(command, repo, environ)}


# -- the package ------------------------------------------------------------------------

MANAGERS = [
    "pip uninstall {pkg}",
    "pip uninstall -y {pkg}",
    "pip3 uninstall --yes {pkg}",
    "pip3.12 uninstall -y requests {pkg}",
    "python -m pip uninstall -y {pkg}",
    "python3 -m pip uninstall {pkg}",
    "pipx uninstall {pkg}",
    "uv pip uninstall {pkg}",
    "uv tool uninstall {pkg}",
    "uv remove {pkg}",
    "poetry remove {pkg}",
    "pdm remove {pkg}",
    "pipenv uninstall {pkg}",
    "conda remove -y {pkg}",
    "sudo pip uninstall -y {pkg}",
    "env PIP_YES=1 pip uninstall {pkg}",
    "bash -c 'pip uninstall -y {pkg}'",
    ".venv/bin/pip uninstall -y {pkg}",
]
GATE_NAMES = ["review-gate", "review_gate", "Review-Gate", "review.gate", "review-gate==0.1"]
OTHER_NAMES = ["requests", "review-gate-extras", "gate", "pre-commit"]


@pytest.mark.parametrize(("manager", "pkg"), list(itertools.product(MANAGERS, GATE_NAMES)))
def test_uninstalling_the_package(
    manager: str, pkg: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    assert "uninstall" in kinds(manager.format(pkg=pkg), checkout)


@pytest.mark.parametrize(("manager", "pkg"), list(itertools.product(MANAGERS, OTHER_NAMES)))
def test_uninstalling_other_packages(
    manager: str, pkg: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    assert not kinds(manager.format(pkg=pkg), checkout)


def test_pipx_uninstall_all(checkout: tuple[Path, dict[str, str]]) -> None:
    assert "uninstall" in kinds("pipx uninstall-all", checkout)


# -- the executable and its environment ---------------------------------------------------

REMOVERS = [
    "rm {x}",
    "rm -f {x}",
    "unlink {x}",
    "mv {x} /tmp/away",
    "chmod -x {x}",
    "chmod 000 {x}",
    "chmod a-x {x}",
    "truncate -s 0 {x}",
    "echo 'exit 0' > {x}",
    "ln -sf /bin/true {x}",
    "cp /bin/true {x}",
]


def _gate_spellings() -> list[str]:
    installs = own_installs()
    gate = str(Path(sys.executable).with_name("gate"))
    assert installs and Path(gate).exists()  # the tests run from review-gate's environment
    return [gate, "$(which gate)", '"$(command -v gate)"', "`which gate`"]


@pytest.mark.parametrize(("remover", "where"), list(itertools.product(REMOVERS, range(4))))
def test_deleting_or_disabling_the_gate_executable(
    remover: str, where: int, checkout: tuple[Path, dict[str, str]]
) -> None:
    command = remover.format(x=_gate_spellings()[where])
    assert "protected" in kinds(command, checkout), command


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf {venv}",
        "rm -r {venv}/",
        "mv {venv} /tmp/old-venv",
        "chmod -R a-x {venv}/bin",
        "find {venv} -delete",
        "rm -rf {venv}/lib",
        "rm {venv}/bin/python",
        "rm -rf {parent}",
    ],
)
def test_deleting_the_gate_environment(command: str, checkout: tuple[Path, dict[str, str]]) -> None:
    venv = own_installs()[0]
    command = command.format(venv=venv, parent=str(Path(venv).parent))
    assert "protected" in kinds(command, checkout), command


def test_the_reason_names_the_installation(checkout: tuple[Path, dict[str, str]]) -> None:
    repo, environ = checkout
    reason = hook_reason("rm -f $(which gate)", repo, environ)
    assert reason is not None and "review-gate's own installation" in reason


# -- the hooks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "gate uninstall git",
        "gate uninstall claude",
        "gate uninstall codex --scope user",
        "/opt/venv/bin/gate uninstall claude",
        "python -m review_gate uninstall claude",
        "pre-commit uninstall",
        "pre-commit uninstall -t pre-push",
        "uv run pre-commit uninstall",
    ],
)
def test_uninstalling_the_hooks(command: str, checkout: tuple[Path, dict[str, str]]) -> None:
    assert "uninstall" in kinds(command, checkout)


SCOPES = ["", "--global", "--system", "--local", "--worktree", "--file .git/config", "-f x.cfg"]
WRITES = [
    "core.hooksPath /dev/null",
    "core.hookspath .nohooks",
    "CORE.HOOKSPATH /x",
    "--add core.hooksPath /x",
    "--replace-all core.hooksPath /x",
    "--unset core.hooksPath",
    "--unset-all core.hooksPath",
    "set core.hooksPath /x",
    "unset core.hooksPath",
]
READS = ["--get core.hooksPath", "core.hooksPath", "get core.hooksPath", "--list", "-l"]


@pytest.mark.parametrize(("scope", "write"), list(itertools.product(SCOPES, WRITES)))
def test_git_config_hooks_path_in_any_scope(
    scope: str, write: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    if write.startswith(("set ", "unset ")):
        command = f"git config {write.split()[0]} {scope} {' '.join(write.split()[1:])}"
    else:
        command = f"git config {scope} {write}"
    assert "hooks-path" in kinds(command, checkout), command


@pytest.mark.parametrize(("scope", "read"), list(itertools.product(SCOPES, READS)))
def test_reading_git_config_hooks_path(
    scope: str, read: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    command = f"git config {scope} {read}"
    assert not kinds(command, checkout), command


CONFIG_WRITERS = [
    "echo '[core] hooksPath = /dev/null' > {f}",
    "printf '[core]\\nhooksPath=/x\\n' >> {f}",
    "cat > {f} <<'EOF'\n[core]\n\thooksPath = /x\nEOF",
    "cp /tmp/evil.cfg {f}",
    "tee {f} <<< '[core] hooksPath = /x'",
    "git config -f {f} core.editor vi",
]
CONFIG_READERS = [
    "git -c include.path={f} push",
    "git -c include.path={f} commit -m x",
    "git -c 'includeIf.onbranch:feature/**.path={f}' push",
    "GIT_CONFIG_GLOBAL={f} git push",
    "GIT_CONFIG_SYSTEM={f} git commit -m x",
    "export GIT_CONFIG_GLOBAL={f}; git push",
    "env GIT_CONFIG_GLOBAL={f} git push",
    "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=include.path GIT_CONFIG_VALUE_0={f} git push",
]
CONFIG_FILES = ["/tmp/inc.cfg", "inc.cfg", "sub/../inc.cfg"]


@pytest.mark.parametrize(
    ("writer", "reader", "name"),
    list(itertools.product(CONFIG_WRITERS, CONFIG_READERS, CONFIG_FILES[:2])),
)
def test_git_told_to_read_a_file_written_in_the_same_command(
    writer: str, reader: str, name: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    command = f"{writer.format(f=name)} && {reader.format(f=name)}"
    assert "hooks-path" in kinds(command, checkout), command
    swapped = f"{reader.format(f=name)}; {writer.format(f=name)}"
    assert "hooks-path" in kinds(swapped, checkout), swapped


@pytest.mark.parametrize("reader", CONFIG_READERS)
def test_git_told_to_read_a_file_the_command_does_not_write(
    reader: str, checkout: tuple[Path, dict[str, str]]
) -> None:
    # An earlier tool call may have written it: a documented limit (the CI check holds).
    assert not kinds(reader.format(f="/etc/shared.gitconfig"), checkout)


def test_the_same_file_spelled_differently(checkout: tuple[Path, dict[str, str]]) -> None:
    command = "echo x > sub/../inc.cfg; git -c include.path=./inc.cfg push"
    assert "hooks-path" in kinds(command, checkout)


def test_git_config_include_path_itself(checkout: tuple[Path, dict[str, str]]) -> None:
    for scope in SCOPES:
        assert "hooks-path" in kinds(f"git config {scope} include.path /tmp/x", checkout)


# -- agents started without their hooks ----------------------------------------------------

AGENT_SWITCHES = [
    "claude --bare -p 'fix it'",
    "claude --safe-mode",
    "claude -p x --settings '{\"disableAllHooks\": true}'",
    "claude --settings='{\"disableAllHooks\":true}' -p x",
    "claude --settings '{\"allowManagedHooksOnly\": true}'",
    "claude --setting-sources user -p x",
    "claude --setting-sources user,project -p x",
    "claude --setting-sources '' -p x",
    "CLAUDE_CODE_SIMPLE=1 claude -p x",
    "CLAUDE_CODE_SIMPLE=true claude",
    "env CLAUDE_CODE_SIMPLE=1 claude -p x",
    "export CLAUDE_CODE_SIMPLE=1; claude -p x",
    "CLAUDE_CODE_SAFE_MODE=1 claude",
    "echo '{\"disableAllHooks\": true}' > s.json && claude --settings s.json",
    "claude --settings hooks-off.json -p x",
    "claude --settings s.json -p x",
    "npx claude --bare",
    "codex --disable hooks exec x",
    "codex --disable codex_hooks",
    "codex -c features.codex_hooks=false exec x",
    "codex -c 'hooks.state={}' exec x",
    "codex --ignore-user-config exec x",
]
AGENT_ORDINARY = [
    "claude -p 'review the diff'",
    "claude --settings settings-ok.json -p x",
    "claude --setting-sources user,project,local -p x",
    "CLAUDE_CODE_SIMPLE=0 claude -p x",
    "codex exec 'run the tests'",
    "codex -c model=o3 exec x",
    "codex --enable web_search exec x",
]


@pytest.mark.parametrize("command", AGENT_SWITCHES)
def test_agents_started_without_hooks(command: str, checkout: tuple[Path, dict[str, str]]) -> None:
    repo, _ = checkout
    (repo / "hooks-off.json").write_text('{"disableAllHooks": true}\n')
    (repo / "s.json").write_text('{"allowManagedHooksOnly": true}\n')
    found = kinds(command, checkout)
    assert found & {"agent-hooks", "protected"}, command


@pytest.mark.parametrize("command", AGENT_ORDINARY)
def test_agents_started_with_hooks(command: str, checkout: tuple[Path, dict[str, str]]) -> None:
    repo, _ = checkout
    (repo / "settings-ok.json").write_text('{"permissions": {}}\n')
    assert not kinds(command, checkout), command


def test_agent_switches_reach_the_analysis() -> None:
    for command in AGENT_SWITCHES:
        result = analyse(command)
        assert result.tampering or result.paths, command
