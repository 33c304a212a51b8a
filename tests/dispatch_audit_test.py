"""Orchestration ids and the audit trail: `gate dispatch log`, `logs --follow`, the
activity summary (docs/dispatch.md, "Audit trail")."""

from __future__ import annotations

import datetime
import json
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch import activity, audit, fleet
from review_gate.dispatch.context import open_context
from review_gate.dispatch.registry import read_claims
from review_gate.gates.common import trust_policy
from tests.fake_agents.harness import Project, alive, projects, wait_for
from tests.helpers import GATE, git

ORCH = r"^orch-(\d{8})-(\d+)-[0-9a-f]{4}$"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


# The events of the commands that act; others (the board's, budgets') may come between.
ACTIONS = {"spawn", "stop", "cleanup", "replace", "release", "withdraw", "rescue"}


def _log(project: Project, *args: str) -> list[dict[str, Any]]:
    proc = project.gate("dispatch", "log", "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    return [e for e in map(json.loads, proc.stdout.splitlines()) if e["event"] in ACTIONS]


def _record(project: Project, worker_id: str) -> dict[str, Any]:
    return dict(json.loads((project.state / "workers" / f"{worker_id}.json").read_text()))


def _today() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")


# --- orchestration ids ---------------------------------------------------------------


def test_ids_count_one_two_three_per_day(tmp_path: Path) -> None:
    import re

    state = tmp_path / "state"
    ids = [fleet.new_id(state) for _ in range(3)]
    numbers = [fleet.id_number(i) for i in ids]
    assert numbers == [(_today(), 1), (_today(), 2), (_today(), 3)]
    assert all(re.match(ORCH, i) for i in ids) and len(set(ids)) == 3
    # Another day's counter starts again at 1.
    (state / "orchestrations.json").write_text(json.dumps({"day": "20000101", "last": 9}))
    assert fleet.id_number(fleet.new_id(state)) == (_today(), 1)
    # A damaged counter restarts from what is still known (running loops of the day).
    (state / "orchestrations.json").write_text("{torn")
    me = fleet.register(state, "here", "--issues 1", 1)
    try:
        assert fleet.id_number(me.id) == (_today(), 1)
        assert fleet.id_number(fleet.new_id(state)) == (_today(), 2)
    finally:
        fleet.unregister(state, me)


def test_parallel_allocations_never_share_a_number(tmp_path: Path) -> None:
    import sys

    state = tmp_path / "state"
    code = "import sys; from pathlib import Path; from review_gate.dispatch import fleet; "
    code += "print(fleet.new_id(Path(sys.argv[1])))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(state)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    ids = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert sorted(fleet.id_number(i) for i in ids) == [(_today(), n) for n in (1, 2, 3, 4)]


def test_loops_of_both_id_forms_are_found(tmp_path: Path) -> None:
    state = tmp_path / "state"
    me = fleet.register(state, "here", "--issues 1", 2)
    try:
        old = dict(json.loads((state / "orchestrators" / f"{me.id}.json").read_text()))
        old["id"] = "run-1701523200-abcdef"
        (state / "orchestrators" / "run-1701523200-abcdef.json").write_text(json.dumps(old))
        assert {o.id for o in fleet.registered(state)} == {me.id, "run-1701523200-abcdef"}
        assert fleet.running(state, me.id) is not None
        assert fleet.running(state, "run-1701523200-abcdef") is not None  # same live pid
        assert fleet.id_number("run-1701523200-abcdef") is None
        assert fleet.ID_PATTERN.match("run-1701523200-abcdef")
    finally:
        fleet.unregister(state, me)
        (state / "orchestrators" / "run-1701523200-abcdef.json").unlink()


def test_spawn_writes_its_orchestration_everywhere(project: Project) -> None:
    """WORKER record, pid record, prompt, environment, commit trailer, audit line."""
    issue = project.issue()
    result = project.spawn(issue, "commit_with_hooks")
    wait_for(lambda: not alive(result["pid"]), what="the agent to exit")
    record = project.records()[0]
    orchestration = record["orchestration"]
    assert fleet.id_number(orchestration) == (_today(), 1)
    claim = read_claims(project.tracker.list_comments(issue), trust_policy()).latest
    assert claim is not None and claim.orchestration == orchestration
    assert f"**Orchestration:** {orchestration}" in Path(result["prompt_file"]).read_text()
    worktree = Path(result["worktree"])
    trailers = git(worktree, "log", "-1", "--format=%(trailers:key=Orchestration,valueonly)")
    assert trailers.strip() == orchestration
    assert git(worktree, "log", "-1", "--format=%s").strip() == f"feat: fake work (#{issue})"
    spawned = [e for e in _log(project, "--issue", str(issue)) if e["event"] == "spawn"]
    assert [(e["worker_id"], e["orchestration"]) for e in spawned] == [
        (result["worker_id"], orchestration)
    ]
    # The next standalone spawn is the day's second orchestration.
    second = project.spawn(project.issue("Another"), "hang")
    assert fleet.id_number(_record(project, second["worker_id"])["orchestration"]) == (
        _today(),
        2,
    )


def test_worker_environment_and_handover_know_the_orchestration(
    project: Project, tmp_path: Path
) -> None:
    issue = project.issue()
    dump = tmp_path / "env.json"
    result = project.spawn(issue, "env_dump", str(dump))
    env = wait_for(lambda: dump.exists() and json.loads(dump.read_text())["env"], what="env")
    orchestration = _record(project, result["worker_id"])["orchestration"]
    assert env["REVIEW_GATE_ORCHESTRATION"] == orchestration
    proc = project.gate(
        "new", "handover", "--issue", str(issue),
        env={"REVIEW_GATE_ORCHESTRATION": orchestration},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"| Orchestration | {orchestration} |" in proc.stdout


def test_commit_msg_hook_corrects_a_wrong_trailer_and_leaves_others(project: Project) -> None:
    message = project.repo / "msg"
    message.write_text("feat: x (#3)\n\nSigned-off-by: A <a@b>\nOrchestration: wrong\n")
    env = {**os.environ, "REVIEW_GATE_ORCHESTRATION": "orch-20261203-4-beef"}
    hook = subprocess.run(
        [str(Path(GATE).parent / "review-gate-commit-msg"), str(message)],
        cwd=project.repo, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert hook.returncode == 0, hook.stderr
    text = message.read_text()
    assert "Orchestration: orch-20261203-4-beef" in text and "wrong" not in text
    assert "Signed-off-by: A <a@b>" in text
    # Outside a dispatched worker nothing is added.
    message.write_text("feat: x (#3)\n")
    env.pop("REVIEW_GATE_ORCHESTRATION")
    subprocess.run(
        [str(Path(GATE).parent / "review-gate-commit-msg"), str(message)],
        cwd=project.repo, env=env, check=True, capture_output=True,
    )  # fmt: skip
    assert message.read_text() == "feat: x (#3)\n"


# --- audit events ----------------------------------------------------------------------


def test_spawn_stop_cleanup_append_their_events(project: Project) -> None:
    issue = project.issue()
    result = project.spawn(issue, "hang")
    worker = result["worker_id"]
    orchestration = _record(project, worker)["orchestration"]
    stop = project.gate("dispatch", "stop", "--issue", str(issue), "--grace", "1")
    assert stop.returncode == 0, stop.stderr
    clean = project.gate("dispatch", "cleanup", "--issue", str(issue))
    assert clean.returncode == 0, clean.stderr
    events = _log(project, "--issue", str(issue))
    assert [e["event"] for e in events] == ["spawn", "stop", "release", "cleanup"]
    assert {(e["issue"], e["worker_id"], e["orchestration"]) for e in events} == {
        (issue, worker, orchestration)
    }
    assert events[0]["attempt"] == 1 and events[0]["pid"] == result["pid"]
    assert events[1]["signalled"] >= 1
    assert events[2]["reason"] == "stopped"
    assert events[3]["removed"] is True and events[3]["released"] == [worker]
    assert all(e["at"].endswith("Z") for e in events)


def test_replace_and_rescue_are_recorded(project: Project) -> None:
    issue = project.issue()
    first = project.spawn(issue, "dirty")
    wait_for(lambda: not alive(first["pid"]), what="exit")
    force = project.gate("dispatch", "cleanup", "--issue", str(issue), "--force")
    assert force.returncode == 0, force.stderr
    kinds = [e["event"] for e in _log(project, "--issue", str(issue))]
    assert kinds == ["spawn", "rescue", "release", "cleanup"]
    second = project.spawn(issue, "hang")
    from tests.fake_agents.harness import agent

    proc = project.gate(
        "dispatch", "replace", "--issue", str(issue), "--grace", "1",
        "--agent-cmd", agent("hang"), "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    third = json.loads(proc.stdout)["spawned"]["worker_id"]
    events = _log(project, "--issue", str(issue))
    replaced = [e for e in events if e["event"] == "replace"]
    assert len(replaced) == 1
    assert replaced[0]["worker_id"] == third and replaced[0]["replaced"] == second["worker_id"]
    assert replaced[0]["orchestration"] == _record(project, third)["orchestration"]
    tail = [e["event"] for e in events][-5:]
    assert tail == ["stop", "release", "cleanup", "spawn", "replace"]


def test_log_filters_and_prints_text(project: Project) -> None:
    one, two = project.issue("One"), project.issue("Two")
    a = project.spawn(one, "hang")
    b = project.spawn(two, "hang")
    only = _log(project, "--issue", f"#{two}")
    assert [e["worker_id"] for e in only] == [b["worker_id"]]
    orchestration = _record(project, a["worker_id"])["orchestration"]
    assert [e["worker_id"] for e in _log(project, "--orchestration", orchestration)] == [
        a["worker_id"]
    ]
    text = project.gate("dispatch", "log")
    assert text.returncode == 0, text.stderr
    lines = [line for line in text.stdout.splitlines() if " spawn " in line]
    assert len(lines) == 2
    assert f"spawn     #{one} {a['worker_id']} [{orchestration}]: attempt 1" in lines[0]
    assert _log(project, "--issue", "999") == []


def test_torn_last_line_is_skipped_and_the_next_starts_fresh(project: Project) -> None:
    audit.record(project.state, "spawn", issue=1, worker_id="w-1", message="whole")
    with audit.audit_path(project.state).open("a") as handle:
        handle.write('{"at": "2026-12-03T00:00:00Z", "event": "sto')  # a crash mid-write
    assert [e["message"] for e in _log(project)] == ["whole"]
    audit.record(project.state, "stop", issue=1, worker_id="w-1", message="after")
    assert [e["message"] for e in _log(project)] == ["whole", "after"]


def test_no_log_yet_is_empty_not_an_error(project: Project) -> None:
    assert _log(project) == []


def _read_line(proc: subprocess.Popen[str], deadline: float) -> str:
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    while time.monotonic() < deadline:
        if selector.select(timeout=0.2):
            return proc.stdout.readline()
    raise AssertionError("no line from the follower")


def test_follow_sees_a_line_appended_later(project: Project) -> None:
    audit.record(project.state, "spawn", issue=4, worker_id="w-4", message="first")
    audit.record(project.state, "spawn", issue=5, worker_id="w-5", message="other issue")
    proc = subprocess.Popen(
        [GATE, "dispatch", "log", "--follow", "--issue", "4", "--format", "json"],
        cwd=project.repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        assert json.loads(_read_line(proc, deadline))["message"] == "first"
        audit.record(project.state, "stop", issue=5, worker_id="w-5", message="not mine")
        audit.record(project.state, "stop", issue=4, worker_id="w-4", message="later")
        assert json.loads(_read_line(proc, deadline))["message"] == "later"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        proc.stderr.close()


def test_logs_follow_tails_a_local_worker_until_it_ends(project: Project) -> None:
    issue = project.issue()
    project.spawn(issue, "commit_and_exit")
    proc = project.gate("dispatch", "logs", "--issue", str(issue), "-f")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "fake agent: committing\nfake agent: done\n"
    as_json = project.gate(
        "dispatch", "logs", "--issue", str(issue), "--follow", "--format", "json"
    )
    chunks = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert "".join(c["text"] for c in chunks) == proc.stdout
    remote = project.gate(
        "dispatch", "logs", "--issue", str(issue), "-f", "--backend", "github-actions"
    )
    assert remote.returncode == 2 and "--follow" in remote.stderr


# --- activity summary ----------------------------------------------------------------


def test_activity_summary_is_one_comment_edited_in_place(project: Project) -> None:
    tracking = project.issue("Tracking")
    ctx = open_context(project.repo)
    events = [
        audit.record(project.state, "spawn", issue=7, worker_id="worker-1-7-aaaaaa",
                     orchestration="orch-20261203-1-abcd", message="attempt 1"),
    ]  # fmt: skip
    first = activity.post_summary(ctx, tracking, "orch-20261203-1-abcd", events)
    events.append(
        audit.record(project.state, "stop", issue=7, worker_id="worker-1-7-aaaaaa",
                     orchestration="orch-20261203-1-abcd",
                     message="| <!-- REVIEW:START --> ``` 🤖 **Worker Blocked**"),
    )  # fmt: skip
    second = activity.post_summary(ctx, tracking, "orch-20261203-1-abcd", events)
    assert second.id == first.id
    bodies = project.comments(tracking)
    assert len(bodies) == 1
    body = bodies[0]
    assert body.startswith(activity.marker("orch-20261203-1-abcd"))
    assert "| #7 | stop (" in body and "spawn 1, stop 1" in body
    assert "<!-- REVIEW:START" not in body  # event text never becomes markup
    assert body.count("```") == 2
    # A new process (no memory of the comment) finds it by its marker; None reads the log.
    activity._posted.clear()
    third = activity.post_summary(ctx, tracking, "orch-20261203-1-abcd", None)
    assert third.id == first.id and len(project.comments(tracking)) == 1
    # Another orchestration gets its own comment.
    activity.post_summary(ctx, tracking, "orch-20261203-2-abcd", [])
    assert len(project.comments(tracking)) == 2
