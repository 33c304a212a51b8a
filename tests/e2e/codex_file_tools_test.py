"""The real Codex CLI: ``apply_patch`` to its own hook settings is denied, to an ordinary
file it is not (`gate install codex`, trust per run, a scripted Responses API).

Codex 0.169 offers the freeform ``apply_patch`` tool to the models of its catalog (hence
``gpt-5.5`` here) and sends it to PreToolUse as ``tool_name: "apply_patch"`` with the patch
in ``tool_input.command`` (tests/e2e/recordings/codex-apply-patch.pre-tool-use.json). A
shell ``apply_patch <<'EOF'`` is applied by Codex itself, not run, and reaches the hook as
``Bash`` (codex-bash-apply-patch.pre-tool-use.json).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from review_gate.install.agents import codex_trust_args
from tests.e2e.codex_test import codex_home, run_codex
from tests.e2e.standins import ResponsesStandin
from tests.helpers import run_gate

pytestmark = pytest.mark.e2e


def patch(*lines: str) -> str:
    return "\n".join(["*** Begin Patch", *lines, "*** End Patch", ""])


def file_changes(events: list[dict[str, object]]) -> list[str]:
    """The paths of the file changes Codex applied (its ``file_change`` items)."""
    return [
        str(change["path"])
        for e in events
        if e.get("type") == "item.completed"
        and isinstance(item := e.get("item"), dict)
        and item.get("type") == "file_change"
        for change in item["changes"]
    ]


def test_codex_apply_patch_to_its_hook_settings_is_denied(
    codex_bin: Path, worker_repo: Path, gh_stub: tuple[Path, Path], tmp_path: Path
) -> None:
    stub_dir, _ = gh_stub
    hooks_file = worker_repo / ".codex" / "hooks.json"
    steps = [
        # Its own hooks: an edit of the installed file, and a config.toml next to it.
        {"name": "apply_patch", "input": patch("*** Delete File: .codex/hooks.json")},
        {
            "name": "apply_patch",
            "input": patch(
                "*** Add File: .codex/config.toml", "+[features]", "+codex_hooks = false"
            ),
        },
        # The shell form, which Codex applies itself.
        "apply_patch <<'EOF'\n"
        + patch(
            "*** Update File: src/app.py",
            "*** Move to: .codex/hooks.json",
            "@@",
            "-print('hi')",
            "+x",
        )
        + "EOF\n",
        # An ordinary file: no objection.
        {"name": "apply_patch", "input": patch("*** Add File: src/ordinary.py", "+print('ok')")},
    ]
    with ResponsesStandin(steps) as api:
        home = codex_home(tmp_path, api, worker_repo, model="gpt-5.5")
        proc = run_gate(
            "install", "codex", "--scope", "local", cwd=worker_repo, env={"CODEX_HOME": str(home)}
        )
        assert proc.returncode == 0, proc.stderr
        before = hooks_file.read_bytes()
        trust = codex_trust_args(hooks_file)
        events = run_codex(codex_bin, worker_repo, api, home, stub_dir, trust)
        requests = list(api.texts())
    assert api.steps_used == len(steps)
    # The three patches touching .codex/ never ran; the model was told why, by us.
    assert hooks_file.read_bytes() == before
    assert not (worker_repo / ".codex" / "config.toml").exists()
    assert (worker_repo / "src" / "app.py").read_text() == "print('hi')\n"
    history = requests[-1]  # the last request carries every tool output
    ours = "blocked by PreToolUse hook: review-gate: this apply_patch call would change"
    assert history.count(ours) == 3, history[-3000:]
    for name in (".codex/hooks.json", ".codex/config.toml"):
        assert f"{ours} {name}" in history, name
    # The ordinary one went through.
    assert (worker_repo / "src" / "ordinary.py").read_text() == "print('ok')\n"
    assert [Path(p).name for p in file_changes(events)] == ["ordinary.py"]
