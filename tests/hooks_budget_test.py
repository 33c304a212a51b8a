"""Budgets in the installed agent hooks (``python -I -S .../run_hook.py EVENT``), for a
dispatched worker's budget directory as ``gate dispatch spawn`` writes it: counting,
the soft and hard answers per client, tampering, other sessions, PreCompact, the Stop
hook, and the JSON stream's turns, tokens and cost."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch import audit
from review_gate.dispatch import budget_files as files
from review_gate.dispatch.budget import Limits, start
from review_gate.dispatch.stream_usage import Usage, scan
from review_gate.hooks.budget_handover import drafts_dir
from review_gate.install.hook_files import hook_command
from review_gate.trackers.local import LocalTracker
from tests.artifact_samples import handover, review
from tests.helpers import GATE, commit_file, git, init_repo_with_remote

WORKER = "worker-1796000000-1-abcdef"


class Worker:
    """A repository with issue #1 and a budget for one worker, as spawn leaves them."""

    def __init__(self, tmp: Path, limits: Limits, agent: str = "claude") -> None:
        self.repo, _ = init_repo_with_remote(tmp)
        self.tracker = LocalTracker.for_checkout(self.repo)
        self.issue = self.tracker.create_issue("Add the parser", "Parse it.").number
        self.state = self.repo / ".git" / "review-gate"
        self.log = self.state / "workers" / f"{WORKER}.log"
        self.log.parent.mkdir(parents=True)
        self.log.write_text("")
        env = start(
            self.state, WORKER, issue=self.issue, agent=agent, log=self.log, limits=limits,
            worktree=self.repo,
        )  # fmt: skip
        self.directory = env[files.ENV_VAR]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_GATE_")}
        self.env.update(env)
        self.calls = 0

    def hook(
        self, event: str, payload: dict[str, Any], env: dict[str, str] | None = None
    ) -> dict[str, Any]:
        argv = shlex.split(hook_command(GATE, event))
        proc = subprocess.run(
            argv, input=json.dumps(payload), capture_output=True, text=True, check=False,
            env=self.env if env is None else env, cwd=self.repo,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    def bash(self, command: str = "ls", session: str = "s1", **kw: Any) -> dict[str, Any]:
        self.calls += 1
        payload = {
            "session_id": session, "cwd": str(self.repo), "hook_event_name": "PreToolUse",
            "tool_name": "Bash", "tool_input": {"command": command},
        }  # fmt: skip
        return self.hook("pre-tool-use", payload, **kw)

    def stop(self) -> dict[str, Any]:
        payload = {"session_id": "s1", "cwd": str(self.repo), "hook_event_name": "Stop",
                   "stop_hook_active": False}  # fmt: skip
        return self.hook("stop", payload)


def _context(answer: dict[str, Any]) -> str | None:
    specific = answer.get("hookSpecificOutput", {})
    assert "permissionDecision" not in specific, answer
    return specific.get("additionalContext")


def _denied(answer: dict[str, Any]) -> str:
    specific = answer["hookSpecificOutput"]
    assert specific["permissionDecision"] == "deny", answer
    return str(specific["permissionDecisionReason"])


def test_claude_worker_is_asked_at_the_soft_threshold_and_denied_past_the_limit(
    tmp_path: Path,
) -> None:
    w = Worker(tmp_path, Limits(turns=4, soft=0.75))
    assert w.bash() == {} and w.bash() == {}  # calls 1, 2
    for _ in (3, 4):  # 3/4 = 75 %: the instruction comes with every call from here
        text = _context(w.bash())
        assert text and "HANDOVER" in text and f"gate new handover --issue {w.issue}" in text
    reason = _denied(w.bash("cargo build"))  # call 5 of 4
    assert "budget is spent (turns 5/4)" in reason
    # writing and posting the HANDOVER still goes through (silently), in its exact forms
    # (tests/hooks_budget_hold_test.py)
    file = f"{drafts_dir(WORKER)}/handover.md"
    assert w.bash(f"gate new handover --issue {w.issue} > {file}") == {}
    assert w.bash(f"gate issue comment {w.issue} --body-file {file}") == {}
    assert files.calls(w.directory) == w.calls == 7
    events = [(e["event"], e["used"]) for e in audit.read(w.state, w.issue)]
    assert events == [("budget-warning", 3.0), ("budget-exhausted", 5.0)]


def test_codex_worker_is_told_by_one_deny(tmp_path: Path) -> None:
    """Codex takes no additionalContext on PreToolUse: the first call past the threshold
    is denied once with the instruction, the next ones go through until the limit."""
    w = Worker(tmp_path, Limits(turns=4, soft=0.5), agent="codex")
    assert w.bash() == {}
    reason = _denied(w.bash())
    assert "HANDOVER" in reason and "held back once" in reason
    assert w.bash() == {} and w.bash() == {}
    assert "budget is spent" in _denied(w.bash())


def test_the_count_survives_new_sessions_and_a_reset_worktree(tmp_path: Path) -> None:
    w = Worker(tmp_path, Limits(turns=100))
    for _ in range(3):
        w.bash(session="first")
    (w.repo / "scratch.txt").write_text("x\n")
    commit_file(w.repo, "src/app.py", "x = 1\n")
    git(w.repo, "clean", "-fdx")
    git(w.repo, "reset", "-q", "--hard", "HEAD~1")
    w.bash(session="second")  # a restarted client: a new session of the same worker
    assert files.calls(w.directory) == 4
    assert sorted(p.name for p in Path(w.directory).glob("calls.*")) == [
        "calls.first",
        "calls.second",
    ]


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf {dir}",
        "rm -rf .git/review-gate/budgets",
        "cd .git/review-gate && truncate -s0 budgets/*/calls.*",
        'echo > "$REVIEW_GATE_BUDGET/calls.s1"',
    ],
)
def test_calls_touching_the_budget_are_denied(tmp_path: Path, command: str) -> None:
    w = Worker(tmp_path, Limits(turns=100))
    reason = _denied(w.bash(command.format(dir=w.directory)))
    assert "budget records" in reason
    assert files.calls(w.directory) == 1 and (Path(w.directory) / files.LIMITS).is_file()
    write = {
        "session_id": "s1", "cwd": str(w.repo), "hook_event_name": "PreToolUse",
        "tool_name": "Write",
        "tool_input": {"file_path": f"{w.directory}/calls.s1", "content": ""},
    }  # fmt: skip
    assert "budget records" in _denied(w.hook("pre-tool-use", write))


def test_other_sessions_are_not_counted(tmp_path: Path) -> None:
    """Without REVIEW_GATE_BUDGET (any session the dispatcher did not start, even one
    with a worker id) nothing is counted and the answers are the gate's alone."""
    w = Worker(tmp_path, Limits(turns=1))
    plain = {k: v for k, v in w.env.items() if k != files.ENV_VAR}
    for _ in range(3):
        assert w.bash(env=plain) == {}
    assert w.bash(env={**plain, "REVIEW_GATE_WORKER_ID": WORKER}) == {}
    assert files.calls(w.directory) == 0
    compact = {"session_id": "s", "cwd": str(w.repo), "hook_event_name": "PreCompact",
               "trigger": "auto"}  # fmt: skip
    assert w.hook("pre-tool-use", compact, env=plain) == {}
    assert not files.marked(w.directory, files.WARNED)


def test_pre_compact_asks_for_the_handover(tmp_path: Path) -> None:
    w = Worker(tmp_path, Limits(turns=100))
    compact = {"session_id": "s1", "cwd": str(w.repo), "hook_event_name": "PreCompact",
               "trigger": "auto"}  # fmt: skip
    answer = w.hook("pre-tool-use", compact)
    assert set(answer) == {"systemMessage"} and "context" in answer["systemMessage"]
    assert files.calls(w.directory) == 0  # no tool call
    text = _context(w.bash())
    assert text and "HANDOVER" in text
    [event] = audit.read(w.state, w.issue)
    assert (event["event"], event["dimension"]) == ("budget-warning", "context")


def test_wall_clock_and_token_limits(tmp_path: Path) -> None:
    w = Worker(tmp_path, Limits(turns=100, minutes=10, tokens=1000))
    limits = json.loads((Path(w.directory) / files.LIMITS).read_text())
    files.write_json(
        str(Path(w.directory) / files.LIMITS), {**limits, "started": time.time() - 540}
    )
    text = _context(w.bash())  # 9 of 10 minutes
    assert text and "minutes 9.0/10" in text
    usage = {"input_tokens": 1000, "cached_input_tokens": 400, "output_tokens": 500}
    turn = {"type": "turn.completed", "usage": usage}
    w.log.write_text(json.dumps(turn) + "\n")
    assert "budget is spent (tokens 1100/1000)" in _denied(w.bash())


def test_stop_waits_for_the_handover_past_the_budget(tmp_path: Path) -> None:
    w = Worker(tmp_path, Limits(turns=2))
    assert w.stop() == {}  # within budget, nothing to review on main: the usual rules
    for _ in range(3):
        w.bash()
    answer = w.stop()
    assert answer["decision"] == "block" and "HANDOVER" in answer["reason"]
    assert "budget stop block 1 of at most 5" in answer["reason"]
    w.tracker.post_comment(w.issue, handover(w.issue, worker=WORKER))
    answer = w.stop()
    assert "decision" not in answer and "HANDOVER was posted" in answer["systemMessage"]


def test_stop_past_the_budget_with_the_work_done(tmp_path: Path) -> None:
    """A worker that finished (a complete REVIEW) is judged by the usual Stop rules,
    not held for a HANDOVER."""
    w = Worker(tmp_path, Limits(turns=1))
    w.bash()
    w.bash()
    assert w.stop()["decision"] == "block"
    w.tracker.post_comment(w.issue, review(w.issue, worker=WORKER))
    assert w.stop() == {}  # on main, with nothing to review: the usual rules let it go


def test_stop_lets_go_after_five_blocks(tmp_path: Path) -> None:
    """Codex has no limit on Stop blocks: the budget's are bounded."""
    w = Worker(tmp_path, Limits(turns=1))
    w.bash()
    w.bash()
    blocks = [w.stop().get("decision") for _ in range(6)]
    assert blocks == ["block"] * 5 + [None]


def test_a_handover_from_before_the_worker_does_not_count(tmp_path: Path) -> None:
    w = Worker(tmp_path, Limits(turns=1))
    w.tracker.post_comment(w.issue, handover(w.issue, worker="worker-1-1"))
    limits = json.loads((Path(w.directory) / files.LIMITS).read_text())
    files.write_json(str(Path(w.directory) / files.LIMITS), {**limits, "started": time.time() + 5})
    w.bash()
    w.bash()
    assert w.stop()["decision"] == "block"


def test_stream_usage_of_claude_and_codex(tmp_path: Path) -> None:
    log = tmp_path / "log"
    usage = {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 100,
             "cache_read_input_tokens": 9000}  # fmt: skip
    lines = [
        "plain text from the agent",
        {"type": "system", "subtype": "init"},
        {"type": "assistant", "message": {"id": "m1", "usage": usage}},
        {"type": "assistant", "message": {"id": "m1", "usage": usage}},  # 2nd content block
        {"type": "user", "message": {"content": []}},
        {"type": "assistant", "message": {"id": "m2", "usage": usage}},
        {"type": "item.started", "item": {"type": "command_execution"}},
        {"type": "item.started", "item": {"type": "agent_message"}},
        {"type": "turn.completed", "usage": {"input_tokens": 50, "cached_input_tokens": 20,
                                             "output_tokens": 7}},
        {"type": "result", "num_turns": 2, "total_cost_usd": 0.25},
    ]  # fmt: skip
    text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    log.write_text(text[:-40])  # the last line is still being written
    partial = scan(str(log))
    assert partial.cost_usd is None and partial.offset < len(text)
    log.write_text(text)
    done = scan(str(log), partial)
    assert done == scan(str(log))
    assert (done.turns, done.tokens, done.cost_usd) == (3, 2 * 115 + 37, 0.25)
    log.write_text("")  # a log rewritten shorter starts over
    assert scan(str(log), done) == Usage()


def test_a_worker_tool_call_loads_nothing_heavy(tmp_path: Path) -> None:
    """The budget adds file reads to a worker's fast path, not imports: no json, re,
    typing or site (measured with bench/hook_latency.py in docs/dispatch.md)."""
    w = Worker(tmp_path, Limits(turns=100))
    run_hook = shlex.split(hook_command(GATE, "pre-tool-use"))[3]
    probe = tmp_path / "probe.py"
    package_dir = str(Path(run_hook).parents[2])
    probe.write_text(
        "import sys\n"
        f"sys.path.insert(0, {package_dir!r})\n"
        "from review_gate.hooks import fast_path\n"
        "def _exit_now(code):\n"  # the installed hook ends with posix._exit: see its modules
        "    raise SystemExit(code)\n"
        "fast_path._exit_now = _exit_now\n"
        f"sys.argv = [{run_hook!r}, 'pre-tool-use']\n"
        f"code = compile(open({run_hook!r}).read(), {run_hook!r}, 'exec')\n"
        "try:\n"
        f"    exec(code, {{'__name__': '__main__', '__file__': {run_hook!r}}})\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(' '.join(sorted(sys.modules)))\n"
    )
    payload = {
        "session_id": "s1", "cwd": str(w.repo), "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "ls -la && cat README.md"},
    }  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(probe)], input=json.dumps(payload),
        capture_output=True, text=True, env=w.env, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr
    loaded = set(proc.stderr.split())
    assert "review_gate.hooks.budget_hook" in loaded and files.calls(w.directory) == 1
    heavy = {"json", "re", "enum", "typing", "site", "contextlib", "click", "tree_sitter"}
    assert not heavy & loaded, sorted(heavy & loaded)
