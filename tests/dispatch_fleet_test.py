"""One fleet, many orchestrators (issue 15), with real processes: several `gate dispatch
run` loops on one queue while loops are killed with SIGKILL and restarted; two
repositories dispatching the same issue number in the same second; a worker's process
that escaped its group and its environment; a loop killed between claim and start."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from review_gate.dispatch import procs
from review_gate.dispatch.registry import read_claims
from review_gate.gates.common import trust_policy
from tests.fake_agents.harness import Project, agent, alive, projects, wait_for
from tests.helpers import GATE, git


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    yield from projects(tmp_path)


def _claims(project: Project, issue: int) -> Any:
    return read_claims(project.tracker.list_comments(issue), trust_policy())


class Sampler(threading.Thread):
    """Counts, every 20 ms, the workers of one directory that have a live process
    (from ``/proc``: processes whose worker environment names a worktree there)."""

    def __init__(self, root: Path) -> None:
        super().__init__(daemon=True)
        self.root = str(root) + os.sep
        self.most = 0
        self.samples = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            table = procs.ProcessTable()
            live = {
                wid
                for wid, entries in table.tagged.items()
                if any(where and where.startswith(self.root) for _, where in entries)
            }
            self.most = max(self.most, len(live))
            self.samples += 1
            time.sleep(0.02)


class Fleet:
    """``count`` loops on one queue; :meth:`chaos` kills one at random and starts a new
    one in its place."""

    def __init__(self, project: Project, tmp: Path, count: int, args: list[str]) -> None:
        self.project = project
        self.tmp = tmp
        self.args = args
        self.loops: list[subprocess.Popen[str]] = []
        self.finished: list[tuple[int, str]] = []  # (returncode, stderr) of loops that ended
        self.kills = 0
        self.started = 0
        for _ in range(count):
            self.start()

    def start(self) -> None:
        self.started += 1
        out = self.tmp / f"loop-{self.started}.out"
        with open(out, "w") as sink:
            loop = subprocess.Popen(
                [GATE, "dispatch", "run", *self.args], cwd=self.project.repo,
                stdout=sink, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        self.loops.append(loop)

    def chaos(self, kills: int, rng: random.Random) -> None:
        for _ in range(kills):
            time.sleep(rng.uniform(0.6, 1.8))
            running = [p for p in self.loops if p.poll() is None]
            if not running:
                return
            victim = rng.choice(running)
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=30)
            self.loops.remove(victim)
            self.kills += 1
            self.start()

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for loop in self.loops:
            try:
                loop.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired as exc:
                for p in self.loops:
                    p.kill()
                message = f"loops still running after {timeout}s: {self.outputs()}"
                raise AssertionError(message) from exc

    def outputs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.tmp.glob("loop-*.out"))
        )


def _journal(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize(("loops", "issues", "seed"), [(2, 6, 15), (3, 6, 1515)])
def test_loops_on_one_queue_share_it_under_kill_9(
    project: Project, tmp_path: Path, loops: int, issues: int, seed: int
) -> None:
    numbers = [project.issue(f"task {i}") for i in range(issues)]
    journal = tmp_path / "journal.jsonl"
    most = 2
    args = [
        "--issues", ",".join(map(str, numbers)), "--max-workers", str(most), "--poll", "0.3",
        "--max-attempts", "4", "--hang-after", "2", "--grace", "0.5",
        "--agent-cmd", agent("mixed", str(journal)), "--format", "json",
    ]  # fmt: skip
    project.gate("issue", "list")  # the tracker exists before the loops race for it
    sampler = Sampler(tmp_path)
    sampler.start()
    fleet = Fleet(project, tmp_path, loops, args)
    try:
        fleet.chaos(kills=3, rng=random.Random(seed))
        fleet.wait(timeout=90)
    finally:
        sampler.done.set()
        sampler.join()
    assert fleet.kills == 3
    # Every loop that was not killed saw the whole queue done.
    codes = [p.returncode for p in fleet.loops]
    assert codes == [0] * loops, fleet.outputs()
    # max-workers was never exceeded, however many loops there were
    assert sampler.samples > 50
    assert 1 <= sampler.most <= most, f"{sampler.most} live workers seen at once"
    events = _journal(journal)
    # no claim was released (or withdrawn) while its worker still ran
    assert [e for e in events if e["event"] == "violation"] == []
    # no attempt ran twice
    starts = Counter((e["issue"], e["attempt"]) for e in events if e["event"] == "start")
    assert [k for k, n in starts.items() if n > 1] == []
    for n in numbers:
        claims = _claims(project, n)
        # nothing lost, nothing given up early: each issue completed, after at most
        # the one planned failure or handover (a loop's death costs no attempt)
        assert not claims.active, n
        assert claims.releases[-1].reason == "completed", (n, fleet.outputs())
        attempts = [c.attempt for c in claims.claims]
        assert attempts == sorted(set(attempts)), (n, attempts)
        ran = sorted(a for (i, a) in starts if i == n)
        assert ran == attempts, (n, ran, attempts)  # every worker that ran was claimed
        planned = 1 if n % 4 else 0
        assert claims.failures() + claims.handovers() >= planned
        assert claims.releases[-1].worker_id == claims.claims[-1].worker_id
    assert {e["issue"] for e in events if e.get("outcome") == "complete"} == set(numbers)


def _spawn_both(a: Project, b: Project, issue: int) -> list[dict[str, Any]]:
    """Spawn a hanging worker for ``issue`` in both repositories at once."""
    time.sleep(1.02 - time.time() % 1)  # just after a second starts
    cmd = [GATE, "dispatch", "spawn", "--issue", str(issue), "--agent-cmd", agent("hang"),
           "--format", "json"]  # fmt: skip
    started = [
        subprocess.Popen(cmd, cwd=p.repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for p in (a, b)
    ]  # fmt: skip
    results = []
    for proc in started:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    return results


def test_two_repositories_same_issue_same_second_stop_one(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    a_gen, b_gen = projects(tmp_path / "a"), projects(tmp_path / "b")
    a, b = next(a_gen), next(b_gen)
    try:
        for _ in range(3):
            issue = a.issue()
            assert b.issue() == issue
            first, second = _spawn_both(a, b, issue)
            if first["worker_id"].split("-")[1] == second["worker_id"].split("-")[1]:
                break
        assert first["worker_id"].split("-")[1:3] == second["worker_id"].split("-")[1:3]
        assert first["worker_id"] != second["worker_id"]
        stopped = a.gate("dispatch", "stop", "--issue", str(issue), "--grace", "1")
        assert stopped.returncode == 0, stopped.stderr
        wait_for(lambda: not alive(first["pid"]), what="A's worker to stop")
        time.sleep(0.3)
        assert alive(second["pid"]), "stop in repository A killed repository B's worker"
        assert b.state_of(issue) == "running" and a.state_of(issue) == "failed"
    finally:
        for gen in (a_gen, b_gen):
            with contextlib.suppress(StopIteration):
                next(gen)


def test_process_matching_needs_the_worktree_too(tmp_path: Path) -> None:
    env = {**os.environ, procs.MARKER_VAR: "worker-1-7-abcdef", procs.WORKTREE_VAR: "/other/wt"}
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], env=env)
    try:
        wait_for(lambda: other.pid in procs.marker_table().get("worker-1-7-abcdef", []))
        table = procs.ProcessTable()
        assert table.members(procs.Scope("worker-1-7-abcdef", "/mine/wt")) == ()
        assert table.members(procs.Scope("worker-1-7-abcdef", None)) == ()  # never the id alone
        assert table.members(procs.Scope("worker-1-7-abcdef", "/other/wt")) == (other.pid,)
    finally:
        other.kill()
        other.wait()


@pytest.mark.parametrize("agent_exits", [False, True])
def test_stop_ends_a_process_that_left_the_group_and_cleared_its_environment(
    project: Project, tmp_path: Path, agent_exits: bool
) -> None:
    issue = project.issue()
    pidfile = tmp_path / "grandchild.pid"
    extra = ("--exit", str(pidfile)) if agent_exits else (str(pidfile),)
    result = project.spawn(issue, "escape", *extra)
    grandchild = int(wait_for(lambda: pidfile.exists() and pidfile.read_text(), what="pid"))
    info = procs.proc_info(grandchild)
    assert info is not None and info.sid == grandchild != result["pid"]
    environ = Path(f"/proc/{grandchild}/environ").read_bytes()
    assert procs.MARKER_VAR.encode() not in environ
    record = project.records()[0]
    # orphaned, it was handed to the supervisor (its subreaper), not to init
    wait_for(lambda: (procs.proc_info(grandchild) or info).ppid == record["supervisor_pid"])
    if agent_exits:
        wait_for(lambda: not alive(result["pid"]), what="the agent to exit")
    assert grandchild in project.status(issue)[0]["pids"]  # it is still the worker's
    stopped = project.gate("dispatch", "stop", "--issue", str(issue), "--grace", "0.5")
    assert stopped.returncode == 0, stopped.stderr
    wait_for(lambda: not alive(grandchild), what="the escaped grandchild to die")
    # the supervisor recorded the agent's end and left once its tree was empty
    wait_for(lambda: not alive(record["supervisor_pid"]), what="the supervisor to end")
    assert project.status(issue)[0]["state"] == "failed"


def test_a_loop_killed_between_claim_and_start_costs_no_attempt(project: Project) -> None:
    issue = project.issue()
    mark = project.state.parent / "checkout-started"
    hook = project.repo / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch '{mark}'\nsleep 60\n")
    hook.chmod(0o755)
    args = ["--issues", str(issue), "--poll", "0.3", "--agent-cmd", agent("complete")]
    first = subprocess.Popen(
        [GATE, "dispatch", "run", *args], cwd=project.repo, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # git is making the worktree: the claim is posted, the agent not started
        wait_for(mark.exists, what="the worktree's checkout")
        assert len(_claims(project, issue).active) == 1
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the loop, git and its hook: a closed terminal
        first.wait(timeout=30)
    hook.unlink()
    began = time.monotonic()
    rerun = project.gate("dispatch", "run", *args, "--format", "json", timeout=60)
    assert rerun.returncode == 0, rerun.stderr + rerun.stdout
    assert time.monotonic() - began < 30  # no lease (900 s) was waited out
    kinds = [json.loads(ln)["event"]["kind"] for ln in rerun.stdout.splitlines()[:-1]]
    assert kinds == ["withdrawn", "spawned", "completed"], kinds
    claims = _claims(project, issue)
    assert [c.attempt for c in claims.claims] == [1]  # the start that never ran is no attempt
    assert [r.reason for r in claims.releases] == ["completed"] and claims.failures() == 0
    assert any("never started" in body for body in project.comments(issue))
    assert git(project.repo, "worktree", "list").count("project-worker-1") == 1


def test_a_missing_issue_stops_run_before_anything_is_claimed(project: Project) -> None:
    issue = project.issue()
    proc = project.gate(
        "dispatch", "run", "--issues", f"{issue},999,998", "--agent-cmd", agent("complete")
    )
    assert proc.returncode == 2, proc.stderr
    assert "no issue #999, #998" in proc.stderr and "Traceback" not in proc.stderr
    assert project.comments(issue) == []
    assert not (project.repo.parent / "project-worker-1").exists()


def test_claims_from_another_host_take_slots_and_are_counted_again(project: Project) -> None:
    from review_gate.dispatch.context import open_context
    from review_gate.dispatch.lease import Snapshot
    from review_gate.dispatch.registry import assignment_body, now, post_release, rfc3339
    from review_gate.dispatch.run import Loop
    from review_gate.dispatch.run_records import RunOptions

    a, b, c = (project.issue(f"task {i}") for i in range(3))
    stamp = rfc3339(now())
    for n in (a, b):
        data = {"assigned": True, "worker_id": f"worker-1-{n}-aaaaaa", "assigned_at": stamp,
                "worktree": "/elsewhere/wt", "issue": n, "attempt": 1, "host": "elsewhere",
                "heartbeat_at": stamp, "orchestration": "run-1-bbbbbb"}  # fmt: skip
        project.tracker.post_comment(n, assignment_body(data))
    ctx = open_context(project.repo)
    events: list[Any] = []
    options = RunOptions(issues=(a, b, c), max_workers=2, agent_cmd=agent("complete"))
    loop = Loop(ctx, options, events.append)
    states = loop.poll()
    # the other host's live leases hold both slots: nothing is started here
    assert [s.phase for s in states] == ["running", "running", "pending"]
    assert "on host elsewhere" in states[0].note and events == []
    assert _claims(project, c).claims == ()
    # a claim that won its issue is counted again against every earlier live claim
    admit = loop._admission([a, b, c], [loop.look(n, Snapshot()) for n in (a, b, c)])
    assert admit is not None
    mine = project.tracker.post_comment(c, assignment_body({**data, "issue": c, "host": "me"}))
    assert admit(mine) == "the queue's 2 slot(s) are taken by 2 earlier claim(s)"
    post_release(project.tracker, a, f"worker-1-{a}-aaaaaa", "completed")
    assert admit(mine) is None
