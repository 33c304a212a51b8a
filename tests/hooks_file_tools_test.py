"""``gate hook pre-tool-use`` for the file-editing tools (Write, Edit, MultiEdit,
NotebookEdit, Codex's apply_patch, MCP filesystem tools) and Claude Code's ConfigChange:
writes to the gate's own files are denied in a gated checkout, every other file is left
alone, fast. Real git checkouts; cases generated as paths x writers."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review_gate.hooks import agent, config_change, fast_path
from review_gate.hooks.file_targets import FILE_TOOLS, file_targets, ordinary, patch_paths
from review_gate.install import agents as install
from review_gate.protected import protected_reason
from tests.helpers import GATE, GIT_ENV, commit_file, git, init_repo_with_remote, set_base_config

SCHEMAS = Path(__file__).parent / "fixtures" / "codex_hook_schemas"
PRE_SCHEMA = json.loads((SCHEMAS / "pre-tool-use.command.output.schema.json").read_text())
RECORDINGS = Path(__file__).parent / "e2e" / "recordings"


def run_hook(payload: dict[str, Any] | str) -> dict[str, Any] | None:
    """``gate hook pre-tool-use`` in-process; the parsed answer, or None for silence."""
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    old_in, old_out = sys.stdin, sys.stdout
    sys.stdin, sys.stdout = io.TextIOWrapper(io.BytesIO(raw.encode())), io.StringIO()
    try:
        assert agent.main(["pre-tool-use"]) == 0
        out = sys.stdout.getvalue()
    finally:
        sys.stdin, sys.stdout = old_in, old_out
    if not out:
        return None
    assert out.count("\n") == 1, out
    answer: dict[str, Any] = json.loads(out)
    return answer


def deny(payload: dict[str, Any]) -> str | None:
    """The deny reason (checked against Codex's output schema), or None for silence."""
    answer = run_hook(payload)
    if answer is None:
        return None
    jsonschema.Draft7Validator(PRE_SCHEMA).validate(answer)
    assert answer["hookSpecificOutput"]["permissionDecision"] == "deny"
    reason: str = answer["hookSpecificOutput"]["permissionDecisionReason"]
    return reason


def call(tool: str, tool_input: object, cwd: Path) -> dict[str, Any]:
    return {
        "session_id": "s",
        "transcript_path": None,
        "cwd": str(cwd),
        "hook_event_name": "PreToolUse",
        "permission_mode": "default",
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "toolu_1",
    }


def _checkout(root: Path, branch: str) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        repo, _ = init_repo_with_remote(root)
        git(repo, "checkout", "-q", "-b", branch)
        commit_file(repo, "src/app.py", "print('hi')\n")
        commit_file(repo, "pyproject.toml", '[project]\nname = "x"\n')
    return repo


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Gated: a worker branch (feature/7-x). Nothing here writes to it."""
    return _checkout(tmp_path_factory.mktemp("worker"), "feature/7-x")


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Not gated: an ordinary branch, no configuration, no hooks installed."""
    return _checkout(tmp_path_factory.mktemp("plain"), "topic")


@pytest.fixture(autouse=True)
def _codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))


# -- the table: paths x writers ------------------------------------------------------------

# Relative to the checkout; "~/" is the (temporary) home directory, "$CODEX_HOME/" Codex's.
PROTECTED = [
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".codex/hooks.json",
    ".codex/config.toml",
    ".review-gate.toml",
    ".pre-commit-config.yaml",
    ".git/hooks/pre-push",
    ".git/hooks/commit-msg",
    ".git/config",
    ".git/info/exclude",
    "src/../.claude/settings.json",
    "./.codex//hooks.json",
    "~/.claude/settings.json",
    "~/.codex/hooks.json",
    "$CODEX_HOME/config.toml",
]
ORDINARY = [
    "src/app.py",
    "README.md",
    "docs/settings.md",
    "app/[id]/page.tsx",
    "src/config/settings.json",  # a protected name, elsewhere: the slow path says no
    "notes/hooks/intro.md",
    "pyproject.toml",  # no [tool.review-gate] table in it
    ".claude/commands/review.md",
    ".github/workflows/ci.yml",
    "src/$weird{name}*.py",
]


def where(rel: str, repo: Path) -> str:
    """The path as a tool would name it (absolute for home files)."""
    if rel.startswith("~/"):
        return str(Path(os.environ["HOME"]) / rel[2:])
    if rel.startswith("$CODEX_HOME/"):
        return str(Path(os.environ["CODEX_HOME"]) / rel.split("/", 1)[1])
    return rel


def patch(*lines: str) -> str:
    return "\n".join(["*** Begin Patch", *lines, "*** End Patch", ""])


Writer = Callable[[str, Path], tuple[str, object]]
WRITERS: dict[str, Writer] = {
    "Write": lambda p, r: ("Write", {"file_path": str(r / p), "content": "{}"}),
    "Edit": lambda p, r: ("Edit", {"file_path": str(r / p), "old_string": "a", "new_string": "b"}),
    "MultiEdit": lambda p, r: ("MultiEdit", {"file_path": str(r / p), "edits": []}),
    "NotebookEdit": lambda p, r: ("NotebookEdit", {"notebook_path": str(r / p), "new_source": ""}),
    "apply_patch add": lambda p, r: ("apply_patch", {"command": patch(f"*** Add File: {p}", "+x")}),
    "apply_patch update": lambda p, r: (
        "apply_patch",
        {"command": patch(f"*** Update File: {p}", "@@", "-a", "+b")},
    ),
    "apply_patch delete": lambda p, r: ("apply_patch", {"command": patch(f"*** Delete File: {p}")}),
    "apply_patch move": lambda p, r: (
        "apply_patch",
        {"command": patch("*** Update File: src/app.py", f"*** Move to: {p}", "@@", "-a", "+b")},
    ),
    "apply_patch moved away": lambda p, r: (
        "apply_patch",
        {"command": patch(f"*** Update File: {p}", "*** Move to: elsewhere.txt")},
    ),
    "Bash apply_patch (Codex)": lambda p, r: (
        "Bash",
        {"command": f"apply_patch <<'EOF'\n{patch(f'*** Add File: {p}', '+x')}EOF\n"},
    ),
    "mcp write_file": lambda p, r: ("mcp__filesystem__write_file", {"path": p, "content": ""}),
    "mcp edit_file": lambda p, r: ("mcp__filesystem__edit_file", {"path": str(r / p), "edits": []}),
    "mcp move_file to": lambda p, r: (
        "mcp__filesystem__move_file",
        {"source": "src/app.py", "destination": p},
    ),
    "mcp move_file from": lambda p, r: (
        "mcp__filesystem__move_file",
        {"source": p, "destination": "x.txt"},
    ),
    "mcp write_multiple_files": lambda p, r: (
        "mcp__fs__write_multiple_files",
        {"files": [{"path": "ok.txt", "content": ""}, {"path": p, "content": ""}]},
    ),
}


@pytest.mark.parametrize("rel", PROTECTED)
@pytest.mark.parametrize("writer", list(WRITERS))
def test_writes_to_the_gates_own_files_are_denied(rel: str, writer: str, worker: Path) -> None:
    tool, tool_input = WRITERS[writer](where(rel, worker), worker)
    reason = deny(call(tool, tool_input, worker))
    assert reason is not None, f"{writer} of {rel} went through"
    assert os.path.basename(where(rel, worker)) in reason  # names the file...
    assert "(the gate's own settings)" in reason or "git" in reason  # ...and what it is
    assert "branch feature/7-x is a worker branch" in reason  # why the gate is in charge
    assert "ask the human operator" in reason


@pytest.mark.parametrize("rel", ORDINARY)
@pytest.mark.parametrize("writer", list(WRITERS))
def test_other_files_are_left_alone(rel: str, writer: str, worker: Path) -> None:
    tool, tool_input = WRITERS[writer](rel, worker)
    assert deny(call(tool, tool_input, worker)) is None


@pytest.mark.parametrize("rel", PROTECTED[:9])
@pytest.mark.parametrize("writer", ["Write", "apply_patch update", "mcp move_file from"])
def test_not_gated_checkout_is_left_alone(rel: str, writer: str, plain: Path) -> None:
    tool, tool_input = WRITERS[writer](where(rel, plain), plain)
    assert deny(call(tool, tool_input, plain)) is None


def test_gate_config_in_pyproject_is_protected(worker: Path, tmp_path: Path) -> None:
    repo = _checkout(tmp_path, "feature/8-y")
    (repo / "pyproject.toml").write_text("[tool.review-gate]\nmax_stop_blocks = 2\n")
    reason = deny(call("Edit", {"file_path": str(repo / "pyproject.toml")}, repo))
    assert reason is not None and "[tool.review-gate]" in reason


def test_what_gates_a_checkout(plain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = call("Write", {"file_path": str(plain / ".claude" / "settings.json")}, plain)
    assert deny(payload) is None
    monkeypatch.setenv("REVIEW_GATE_ISSUE", "7")
    reason = deny(payload)
    assert reason is not None and "issue #7 is set" in reason


def test_protect_false_on_the_base_branch_allows_it(tmp_path: Path) -> None:
    repo = _checkout(tmp_path, "feature/7-x")
    payload = call("Write", {"file_path": str(repo / ".claude" / "settings.json")}, repo)
    (repo / ".review-gate.toml").write_text("protect = false\n")  # the agent's own word
    assert deny(payload) is not None
    set_base_config(repo, "protect = false\n")  # the trusted policy
    assert deny(payload) is None


def test_broken_configuration_counts_as_gated(tmp_path: Path) -> None:
    repo = _checkout(tmp_path, "topic")
    set_base_config(repo, "protect = = broken\n")
    reason = deny(call("Write", {"file_path": str(repo / ".git" / "config")}, repo))
    assert reason is not None and "could not be read" in reason


def test_a_link_to_a_protected_file_is_protected(tmp_path: Path) -> None:
    repo = _checkout(tmp_path, "feature/7-x")
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text("{}")
    (repo / "notes.txt").symlink_to(repo / ".claude" / "settings.json")
    (repo / "docs").symlink_to(repo / ".git" / "hooks")
    for path in ("notes.txt", "docs/pre-push"):
        reason = deny(call("Write", {"file_path": str(repo / path)}, repo))
        assert reason is not None, path


def test_moving_a_directory_that_holds_settings_away_is_denied(tmp_path: Path) -> None:
    repo = _checkout(tmp_path, "feature/7-x")
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.local.json").write_text("{}")
    for tool in ("mcp__filesystem__move_file", "mcp__fs__delete_directory"):
        reason = deny(
            call(tool, {"source": ".claude", "destination": "old", "path": ".claude"}, repo)
        )
        assert reason is not None and "a directory holding" in reason, tool
    # Copying it only reads it.
    assert deny(call("mcp__fs__copy_file", {"source": ".claude", "destination": "x"}, repo)) is None


def test_another_gated_checkout_is_protected_from_here(worker: Path, plain: Path) -> None:
    target = worker / ".codex" / "hooks.json"
    reason = deny(call("Write", {"file_path": str(target)}, plain))
    assert reason is not None and "worker branch" in reason


def test_writes_to_the_gate_installation_are_denied(worker: Path) -> None:
    venv = Path(sys.prefix)
    for path in (GATE, str(venv / "pyvenv.cfg"), str(venv / "lib" / "x.py")):
        reason = deny(call("Write", {"file_path": path}, worker))
        assert reason is not None and "own installation" in reason, path


@pytest.mark.parametrize(
    "tool_input",
    [
        {"file_path": [".claude/settings.json"]},  # a list where a string belongs
        {"path": ".claude/settings.json"},  # the wrong key
        [".git/hooks/pre-push"],
    ],
)
def test_malformed_file_tool_input_naming_a_protected_file_is_denied(
    tool_input: object, worker: Path
) -> None:
    assert deny(call("Write", tool_input, worker)) is not None


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Edit", None),
        ("Write", {"file_path": 7}),
        ("Write", "junk"),
        ("NotebookEdit", {}),
        ("apply_patch", {"command": "not a patch"}),
        ("apply_patch", {"command": None}),
        ("Write", {"file_path": ""}),
    ],
)
def test_malformed_file_tool_input_naming_nothing_protected_is_silent(
    tool: str, tool_input: object, worker: Path
) -> None:
    assert deny(call(tool, tool_input, worker)) is None


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Read", {"file_path": ".claude/settings.json"}),
        ("mcp__filesystem__read_file", {"path": ".claude/settings.json"}),
        ("mcp__filesystem__read_multiple_files", {"paths": [".git/config"]}),
        ("mcp__filesystem__get_file_info", {"path": ".codex/hooks.json"}),
        ("mcp__filesystem__list_directory", {"path": ".git/hooks"}),
        ("mcp__fs__copy_file", {"source": ".claude/settings.json", "destination": "b.json"}),
        ("Grep", {"pattern": "x", "path": ".git/hooks"}),
    ],
)
def test_reading_a_protected_file_is_not_writing_it(
    tool: str, tool_input: object, worker: Path
) -> None:
    assert deny(call(tool, tool_input, worker)) is None


def test_codex_workdir_is_where_relative_paths_start(worker: Path) -> None:
    payload = call("apply_patch", {"command": patch("*** Add File: hooks.json", "+{}")}, worker)
    assert deny(payload) is None
    payload["tool_input"]["workdir"] = ".codex"
    assert deny(payload) is not None


def test_patch_paths_reads_every_file_header() -> None:
    text = patch(
        "*** Add File: a b.txt",
        "+*** Add File: not/a/header",
        "*** Update File: src/x.py",
        "*** Move to: src/y.py",
        "@@",
        "  *** delete file: indented.txt",
        "*** Delete File: gone.txt",
    )
    assert patch_paths(text) == ["a b.txt", "src/x.py", "src/y.py", "indented.txt", "gone.txt"]


def test_a_patch_that_creates_a_pr_command_file_is_not_a_shell_command(worker: Path) -> None:
    # apply_patch carries its patch in `command`: it must not be read as shell code.
    body = patch("*** Add File: scripts/release.sh", "+gh pr create --fill")
    assert deny(call("apply_patch", {"command": body}, worker)) is None


# -- the recorded inputs (tests/e2e/recordings/) ------------------------------------------


def recorded(name: str, repo: Path) -> dict[str, Any]:
    text = (RECORDINGS / name).read_text().replace("/home/dev/project", str(repo))
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.mark.parametrize(
    "name",
    [
        "claude-write.pre-tool-use.json",
        "claude-edit.pre-tool-use.json",
        "codex-apply-patch.pre-tool-use.json",
        "codex-bash-apply-patch.pre-tool-use.json",
    ],
)
def test_recorded_inputs(name: str, worker: Path) -> None:
    data = recorded(name, worker)
    assert deny(data) is None  # they write ordinary files
    protected = str(worker / ".claude" / "settings.local.json")
    text = json.dumps(data)
    for ordinary_name in ("new.txt", "a.txt", "c.txt"):
        text = text.replace(str(worker / ordinary_name), protected)
        text = text.replace(f"File: {ordinary_name}", f"File: {protected}")
    assert deny(json.loads(text)) is not None, name


# -- the fast path -------------------------------------------------------------------------

HEAVY = ("click", "jsonschema", "subprocess", "sqlite3", "tree_sitter", "review_gate.config")
HEAVY += ("review_gate.git", "review_gate.target", "review_gate.shell", "review_gate.install")


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Write", {"file_path": "{repo}/src/new.py", "content": "x"}),
        ("Edit", {"file_path": "{repo}/app/[id]/page.tsx", "old_string": "a", "new_string": "b"}),
        ("apply_patch", {"command": patch("*** Update File: src/app.py", "@@", "-a", "+b")}),
        ("mcp__filesystem__write_file", {"path": "src/x.py", "content": ""}),
    ],
)
def test_an_ordinary_file_costs_no_git_and_no_heavy_import(
    tool: str, tool_input: dict[str, Any], worker: Path
) -> None:
    payload = json.dumps(call(tool, tool_input, worker)).replace("{repo}", str(worker))
    code = (
        "import sys, io\n"
        "from review_gate._entry import main\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO({payload.encode()!r}))\n"
        "sys.argv = ['gate', 'hook', 'pre-tool-use']\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        f"heavy = {set(HEAVY)!r}\n"
        "print(sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy"
        " or m.rsplit('.', 1)[0] in heavy))\n"
    )
    proc = subprocess.run(
        [str(Path(GATE).with_name("python")), "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


COMPONENTS = st.sampled_from(
    (
        *(".claude", ".codex", ".git", "hooks", "info", "settings.json", "settings.local.json"),
        *("hooks.json", "config.toml", "config", "exclude", ".review-gate.toml", "pyproject.toml"),
        *(".pre-commit-config.yaml", "src", "a.txt", "..", ".", "docs", "pre-push", "[id]"),
    )
)
PROPERTY = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(parts=st.lists(COMPONENTS, min_size=1, max_size=5))
def test_fast_path_never_lets_a_protected_path_through(parts: list[str], worker: Path) -> None:
    """``ordinary`` (no git, no reads) says True only when the full rule finds nothing,
    and the hook denies exactly the protected paths."""
    path = "/".join(parts)
    checkout = install.main_checkout(worker)  # None: the main checkout
    assert checkout is None
    git_dir = str(worker / ".git")
    facts = {"top": str(worker), "git_dir": git_dir, "common_dir": git_dir}
    found = protected_reason(
        path, cwd=str(worker), home=os.environ["HOME"], **facts
    ) or protected_reason(  # as it resolves (`.review-gate.toml/.`, `[id]/..`)
        os.path.realpath(worker / path), cwd=str(worker), home=os.environ["HOME"], **facts
    )
    if found is not None:
        assert not ordinary([path], str(worker))
    reason = deny(call("Write", {"file_path": path, "content": ""}, worker))
    assert (reason is not None) is (found is not None), (path, found, reason)


ORDINARY_PART = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.\-\[\]{}$ ]{0,12}", fullmatch=True).filter(
    lambda p: (
        p not in {"hooks", ".git", "..", "."}
        and not p.endswith((".json", ".toml", ".yaml"))
        and p not in {"config", "exclude"}
    )
)


@PROPERTY
@given(parts=st.lists(ORDINARY_PART, min_size=1, max_size=4))
def test_a_write_that_touches_no_protected_path_is_never_denied(
    parts: list[str], worker: Path
) -> None:
    path = "/".join(parts)
    assert ordinary([path], str(worker))
    for writer in ("Write", "apply_patch add", "mcp write_file"):
        tool, tool_input = WRITERS[writer](path, worker)
        assert deny(call(tool, tool_input, worker)) is None, (writer, path)


# -- Claude Code's ConfigChange ------------------------------------------------------------


@pytest.fixture
def claude_repo(tmp_path: Path) -> Iterator[Path]:
    """A worker checkout with `gate install claude --scope local` done."""
    repo = _checkout(tmp_path, "feature/7-x")
    install.install("claude", scope="local", cwd=repo, gate=GATE)
    yield repo


def change(repo: Path, source: str = "local_settings", file_path: Path | None = None) -> str:
    path = file_path or repo / ".claude" / "settings.local.json"
    return json.dumps(
        {
            "session_id": "s",
            "transcript_path": "/nonexistent",
            "cwd": str(repo),
            "prompt_id": "p",
            "hook_event_name": "ConfigChange",
            "source": source,
            "file_path": str(path),
        }
    )


def block(payload: str) -> str | None:
    answer = run_hook(payload)
    if answer is None:
        return None
    assert set(answer) == {"decision", "reason"} and answer["decision"] == "block"
    reason: str = answer["reason"]
    return reason


def edit_settings(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_text()) if path.exists() else {}
    edit(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def _drop(event: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["hooks"].pop(event)


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda d: d.update(disableAllHooks=True), "disableAllHooks"),
        (lambda d: d.update(allowManagedHooksOnly=True), "allowManagedHooksOnly"),
        (_drop("PreToolUse"), "removes review-gate's PreToolUse hook"),
        (_drop("Stop"), "removes review-gate's Stop hook"),
        (_drop("ConfigChange"), "removes review-gate's ConfigChange hook"),
        (lambda d: d.pop("hooks"), "removes review-gate's PreToolUse hook"),
        (lambda d: d["hooks"]["PreToolUse"][0].update(matcher="Bash"), "no longer select"),
        (lambda d: d["hooks"]["PreToolUse"][0].update(matcher="^(Bash|mcp__.*)$"), "no longer"),
    ],
)
def test_config_change_that_switches_the_gate_off_is_blocked(
    edit: Callable[[dict[str, Any]], None], why: str, claude_repo: Path
) -> None:
    local = claude_repo / ".claude" / "settings.local.json"
    assert block(change(claude_repo)) is None  # as installed
    edit_settings(local, edit)
    reason = block(change(claude_repo))
    assert reason is not None and why in reason and "ask the human operator" in reason.lower()


def test_config_change_keeping_the_gate_is_loaded(claude_repo: Path) -> None:
    local = claude_repo / ".claude" / "settings.local.json"
    edit_settings(local, lambda d: d.update(model="opus", permissions={"allow": ["Bash(ls)"]}))
    assert block(change(claude_repo)) is None
    # Other layers: a project file of its own, our hooks moved to the user settings.
    project = claude_repo / ".claude" / "settings.json"
    edit_settings(project, lambda d: d.update(env={"X": "1"}))
    assert block(change(claude_repo, "project_settings", project)) is None
    user = Path(os.environ["HOME"]) / ".claude" / "settings.json"
    user.parent.mkdir()
    user.write_text(local.read_text())
    local.write_text("{}")
    assert block(change(claude_repo)) is None


def test_config_change_in_another_layer(claude_repo: Path) -> None:
    user = Path(os.environ["HOME"]) / ".claude" / "settings.json"
    edit_settings(user, lambda d: d.update(disableAllHooks=True))
    reason = block(change(claude_repo, "user_settings", user))
    assert reason is not None and "user settings" in reason
    (claude_repo / ".claude" / "settings.local.json").unlink()  # deleted
    assert block(change(claude_repo)) is not None


def test_config_change_reads_the_proposed_content(claude_repo: Path) -> None:
    # Claude Code shows its hooks a proposal file beside the settings before writing it.
    proposal = claude_repo / ".claude" / ".settings.local.json.proposed"
    edit_settings(proposal, lambda d: d.update(disableAllHooks=True))
    reason = block(change(claude_repo, file_path=proposal))
    assert reason is not None and str(proposal) in reason


@pytest.mark.parametrize("source", ["policy_settings", "skills", "something_new", None])
def test_config_change_of_other_sources_is_loaded(source: str | None, claude_repo: Path) -> None:
    edit_settings(claude_repo / ".claude" / "settings.local.json", lambda d: d.pop("hooks"))
    payload = json.loads(change(claude_repo))
    payload["source"] = source
    assert block(json.dumps(payload)) is None


def test_config_change_honours_protect_false(claude_repo: Path) -> None:
    edit_settings(claude_repo / ".claude" / "settings.local.json", _drop("PreToolUse"))
    assert block(change(claude_repo)) is not None
    set_base_config(claude_repo, "protect = false\n")
    assert block(change(claude_repo)) is None


def test_config_change_internal_error_blocks(
    claude_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(data: object, environ: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(config_change, "decide", boom)
    reason = block(change(claude_repo))
    assert reason is not None and "internal error" in reason and "boom" in reason


def test_recorded_config_change(claude_repo: Path) -> None:
    data = recorded("claude-config-change.json", claude_repo)
    assert block(json.dumps(data)) is None
    edit_settings(Path(data["file_path"]), lambda d: d.update(disableAllHooks=True))
    assert block(json.dumps(data)) is not None


def test_file_targets_of_unknown_tools() -> None:
    assert set(FILE_TOOLS) == fast_path.FILE_TOOLS
    assert file_targets("Bash", {"command": "ls"}) is None
    assert file_targets("mcp__github__list_issues", {"owner": "o"}) is None
    assert file_targets("mcp__x__frobnicate", {"path": "a"}) == (["a"], False)
    assert file_targets("mcp__x__rename", {"from": "a", "to": "b"}) == (["b", "a"], True)
