"""A shell call made from inside the git directory (``cwd`` or Codex's ``workdir`` in
``.git``, ``.git/hooks``, ``.git/review-gate`` ...) is judged as the same call made from
the work tree after a ``cd`` there (src/review_gate/hooks/checkout.py,
``from_checkout_top``): ``rm pre-push`` in ``.git/hooks`` is a write to the pre-push hook.
Before, git found no work tree there, the checkout looked ungated and the pre-filter saw
no protected name. And a file tool's path that starts with ``~`` is never waved through
by the path test (a tool may expand it to a home directory). Generated as directories x
targets x routes x placements, against the full decision and the installed hook's fast
path."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.hooks.agent import decide_pre_tool_use
from review_gate.hooks.fast_path import no_objection
from tests.helpers import GIT_ENV
from tests.shell_cases import protected_checkout

#: Where a call may run, inside the git directory.
PLACES = [".git", ".git/hooks", ".git/review-gate", ".git/info", ".git/refs/heads"]
#: The gate's own files, relative to the work tree.
TARGETS = [
    ".git/hooks/pre-push",
    ".git/hooks/commit-msg",
    ".git/config",
    ".git/info/exclude",
    ".git/review-gate/tracker.sqlite3",
    ".git/review-gate/audit.jsonl",
    ".review-gate.toml",
    ".claude/settings.json",
]
WRITES = [
    "rm -f {p}",
    "rm -rf {p}",
    "cp /tmp/evil {p}",
    "mv {p} /tmp/gone",
    "echo x > {p}",
    "printf '[core]\\n' >> {p}",
    "tee {p} < /dev/null",
    "sed -i d {p}",
    "truncate -s 0 {p}",
    "chmod 000 {p}",
    "ln -sf /tmp/evil {p}",
    "python3 -c \"open('{p}', 'w')\"",
]
READS = ["ls -la", "cat HEAD", "git log --oneline -3", "git status --short", "pwd"]
_FIXTURE = HealthCheck.function_scoped_fixture


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("gitdir")
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        mp.setenv("HOME", str(root / "home"))
        repo, environ = protected_checkout(root)
        for place in PLACES:
            (repo / place).mkdir(parents=True, exist_ok=True)
        (repo / ".git" / "review-gate" / "tracker.sqlite3").write_text("")
        yield repo, environ


def _payload(repo: Path, place: str, command: str, how: str) -> dict[str, object]:
    if how == "cwd":
        return {"hook_event_name": "PreToolUse", "cwd": str(repo / place),
                "tool_name": "Bash", "tool_input": {"command": command}}  # fmt: skip
    return {"hook_event_name": "PreToolUse", "cwd": str(repo),  # Codex's shell tool
            "tool_name": "shell", "tool_input": {"command": command, "workdir": place}}  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[_FIXTURE])
@given(
    st.sampled_from(PLACES),
    st.sampled_from(TARGETS),
    st.sampled_from(WRITES),
    st.sampled_from(["cwd", "workdir"]),
)
def test_writes_from_inside_the_git_directory_are_denied(
    checkout: tuple[Path, dict[str, str]], place: str, target: str, write: str, how: str
) -> None:
    repo, environ = checkout
    relative = os.path.relpath(repo / target, repo / place)  # `pre-push`, `../config` ...
    command = write.format(p=relative)
    raw = json.dumps(_payload(repo, place, command, how)).encode()
    assert not no_objection(raw, {}), command  # never answered before the full decision
    reason = decide_pre_tool_use(raw, environ)
    assert reason is not None, f"{place}: {command}"
    assert "gated" in reason or "review-gate" in reason


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("command", READS)
def test_reads_from_inside_the_git_directory_are_left_alone(
    checkout: tuple[Path, dict[str, str]], place: str, command: str
) -> None:
    repo, environ = checkout
    raw = json.dumps(_payload(repo, place, command, "cwd")).encode()
    assert decide_pre_tool_use(raw, environ) is None


def _home_relative(environ: dict[str, str], target: Path) -> str:
    return "~/" + os.path.relpath(target, environ.get("HOME") or os.path.expanduser("~"))


@pytest.mark.parametrize("tool", ["Write", "Edit", "MultiEdit"])
@pytest.mark.parametrize(
    "where",
    [
        lambda repo: Path(sys.executable).parent / "gate",  # review-gate's installation
        lambda repo: Path(sys.prefix) / "pyvenv.cfg",
        lambda repo: repo / ".git" / "hooks" / "pre-push",
        lambda repo: repo / ".git" / "review-gate" / "tracker.sqlite3",
    ],
    ids=["gate", "pyvenv", "pre-push", "state"],
)
def test_file_paths_from_home_are_judged_in_full(
    checkout: tuple[Path, dict[str, str]], tool: str, where: object
) -> None:
    repo, environ = checkout
    target = where(repo)  # type: ignore[operator]
    path = _home_relative(environ, target)
    tool_input: dict[str, object] = {"file_path": path, "content": "x"}
    if tool == "Edit":
        tool_input = {"file_path": path, "old_string": "a", "new_string": "b"}
    if tool == "MultiEdit":
        tool_input = {"file_path": path, "edits": [{"old_string": "a", "new_string": "b"}]}
    payload = {"hook_event_name": "PreToolUse", "cwd": str(repo), "tool_name": tool,
               "tool_input": tool_input}  # fmt: skip
    raw = json.dumps(payload).encode()
    assert not no_objection(raw, {}), path
    assert decide_pre_tool_use(raw, environ) is not None, path


# --- the same directory however it is spelled, links, and code without a path -------------

#: ``ln`` forms: a link to one of the gate's files or directories is a new name for it.
LINKS = [
    "ln -s {t} {l}", "ln {t} {l}", "ln -sf {t} {l}", "ln -s -T {t} {l}", "ln -sn {t} {l}",
    "cp -s {t} {l}", "cp -l {t} {l}", "cp -rs {t} {l}", "cp --symbolic-link {t} {l}",
]  # fmt: skip
LINK_TARGETS = [
    ".git", ".git/hooks", ".git/hooks/pre-push", ".git/config", ".git/review-gate",
    ".git/review-gate/tracker.sqlite3", ".review-gate.toml", ".claude", ".claude/settings.json",
]  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[_FIXTURE])
@given(
    st.sampled_from(LINK_TARGETS),
    st.sampled_from(LINKS),
    st.sampled_from(["relative", "absolute"]),
    st.sampled_from(["h", "/tmp/elsewhere", "src/ok"]),
)
def test_a_link_to_the_gates_files_is_denied(
    checkout: tuple[Path, dict[str, str]], target: str, form: str, style: str, link: str
) -> None:
    repo, environ = checkout
    spelled = target if style == "relative" else str(repo / target)
    command = form.format(t=spelled, l=link)
    raw = json.dumps(_payload(repo, "", command, "cwd")).encode()
    reason = decide_pre_tool_use(raw, environ)
    assert reason is not None and "link" in reason, command


@pytest.mark.parametrize("command", ["ln -s src/app.py app", "ln -s /tmp/x y", "ln README x"])
def test_ordinary_links_are_left_alone(checkout: tuple[Path, dict[str, str]], command: str) -> None:
    repo, environ = checkout
    raw = json.dumps(_payload(repo, "", command, "cwd")).encode()
    assert decide_pre_tool_use(raw, environ) is None


#: A directory of the gate's and a file of the gate's in it.
HOLDING = {".git": "config", ".git/hooks": "pre-push", ".git/review-gate": "tracker.sqlite3",
           ".git/info": "exclude"}  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[_FIXTURE])
@given(st.sampled_from(sorted(HOLDING)), st.sampled_from(["cwd", "workdir"]), st.booleans())
def test_the_directory_is_resolved_before_it_is_judged(
    checkout: tuple[Path, dict[str, str]], place: str, how: str, through_link: bool
) -> None:
    """``/other/.git/../../repo/.git/hooks`` and a symbolic link into ``.git/hooks`` (made
    outside the agent) are that directory."""
    repo, environ = checkout
    other = repo.parent / "other" / ".git"
    other.mkdir(parents=True, exist_ok=True)
    if through_link:
        alias = repo.parent / f"alias-{place.replace('/', '-')}"
        if not alias.is_symlink():
            alias.symlink_to(repo / place)
        directory = str(alias)
    else:
        directory = os.path.join(str(other), "..", "..", repo.name, place)
    if how == "cwd":
        payload = {"hook_event_name": "PreToolUse", "cwd": directory, "tool_name": "Bash",
                   "tool_input": {"command": f"rm -f {HOLDING[place]}"}}  # fmt: skip
    else:
        payload = {"hook_event_name": "PreToolUse", "cwd": str(repo), "tool_name": "shell",
                   "tool_input": {"command": f"rm -f {HOLDING[place]}",
                                  "workdir": directory}}  # fmt: skip
    raw = json.dumps(payload).encode()
    assert not no_objection(raw, {}), directory
    assert decide_pre_tool_use(raw, environ) is not None, directory


CODE = [
    'python3 -c "import os; [os.remove(f) for f in os.listdir()]"',
    "python3 -c \"import os; [os.chmod(f, 0o644) for f in os.listdir('.')]\"",
    "perl -e 'unlink glob(\"*\")'",
    "node -e \"require('fs').readdirSync('.').forEach(f => require('fs').unlinkSync(f))\"",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[_FIXTURE])
@given(st.sampled_from(sorted(HOLDING)), st.sampled_from(CODE), st.sampled_from(["cwd", "cd"]))
def test_code_that_writes_run_in_the_gates_directories_is_denied(
    checkout: tuple[Path, dict[str, str]], place: str, code: str, how: str
) -> None:
    repo, environ = checkout
    if how == "cwd":
        raw = json.dumps(_payload(repo, place, code, "cwd")).encode()
    else:
        raw = json.dumps(_payload(repo, "", f"cd {place} && {code}", "cwd")).encode()
    assert decide_pre_tool_use(raw, environ) is not None, f"{place}: {code}"


@pytest.mark.parametrize("code", ["python3 -c \"print(sorted(__import__('os').listdir()))\""])
def test_code_that_only_reads_there_is_left_alone(
    checkout: tuple[Path, dict[str, str]], code: str
) -> None:
    repo, environ = checkout
    raw = json.dumps(_payload(repo, ".git/hooks", code, "cwd")).encode()
    assert decide_pre_tool_use(raw, environ) is None
