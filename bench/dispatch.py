"""Benchmark: `gate dispatch spawn`, `status` and `run` with the local tracker.

spawn is timed end to end as a user runs it (a `gate` subprocess: claim, worktree,
hook wiring, prompt, process start, pid record, heartbeat edit) with an agent that
exits at once, so the agent's own work is excluded. Goal: under 1 s.
status is timed over 20 workers (20 issues, each with a finished worker).

run (issue 15): ``--orchestrators`` loops (default 2) drain one queue of ``--issues``
issues (default 50) with ``--max-workers 4``; each agent posts a complete REVIEW with
`gate issue comment` and exits. Reported: the wall time, the agents' own runtime (from
their supervisors' exit records), and the loop's overhead per issue — the slot time
not spent in an agent, ``(wall x max-workers - agent time) / issues`` — beside the same
queue drained by one loop; and one turn of a loop over the finished queue (read 50
issues, count the slots, decide), timed in process.

    .venv/bin/python bench/dispatch.py [--workers 20] [--issues 50] [--orchestrators 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_env import ENV, project_with_origin

GATE = str(Path(sys.executable).with_name("gate"))


def timed(cwd: Path, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run((GATE, *args), cwd=cwd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"gate {' '.join(args)} failed: {proc.stderr}")
    return elapsed


def drain(root: Path, issues: int, loops: int, slots: int) -> dict[str, float]:
    """``loops`` `gate dispatch run` processes on one queue of ``issues`` issues."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from review_gate.trackers.local import LocalTracker
    from tests.artifact_samples import review

    root.mkdir()
    repo = project_with_origin(root)
    tracker = LocalTracker.for_checkout(repo)
    reviews = root / "reviews"
    reviews.mkdir()
    for i in range(issues):
        number = tracker.create_issue(f"Loop task number {i}", "Do the thing.").number
        (reviews / f"{number}.md").write_text(review(number))
    agent = f"{GATE} issue comment {{issue}} --body-file {reviews}/{{issue}}.md"
    queue = ",".join(str(n) for n in range(1, issues + 1))
    args = ("dispatch", "run", "--issues", queue, "--max-workers", str(slots), "--poll", "0.2",
            "--agent-cmd", agent, "--format", "json")  # fmt: skip
    start = time.perf_counter()
    procs = [
        subprocess.Popen((GATE, *args), cwd=repo, env=ENV, stdout=subprocess.PIPE, text=True)
        for _ in range(loops)
    ]
    outs = [p.communicate()[0] for p in procs]
    wall = time.perf_counter() - start
    if any(p.returncode != 0 for p in procs):
        raise SystemExit("a loop failed:\n" + "\n".join(o[-2000:] for o in outs))
    spawned = sum(o.count('"kind": "spawned"') for o in outs)
    agents = [
        json.loads(p.read_text())["runtime"]
        for p in (repo / ".git" / "review-gate" / "workers").glob("*.exit")
    ]
    from review_gate.dispatch.context import open_context
    from review_gate.dispatch.run import Loop
    from review_gate.dispatch.run_records import RunOptions

    loop = Loop(open_context(repo), RunOptions(issues=tuple(range(1, issues + 1))), print)
    turns = []
    for _ in range(10):
        begin = time.perf_counter()
        loop.poll()
        turns.append(time.perf_counter() - begin)
    return {
        "wall": wall,
        "spawned": spawned,
        "agent": sum(agents),
        "agent_median": statistics.median(agents),
        "overhead": (wall * slots - sum(agents)) / issues,
        "turn": statistics.median(turns),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--issues", type=int, default=50)
    parser.add_argument("--orchestrators", type=int, default=2)
    parser.add_argument("--skip-spawn", action="store_true", help="only the run benchmark")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ENV["HOME"] = str(root)
        if not args.skip_spawn:
            spawn_and_status(root / "spawn", args.workers)
        for loops in sorted({1, args.orchestrators}):
            got = drain(root / f"run-{loops}", args.issues, loops, 4)
            print(
                f"dispatch run, {loops} loop(s), {args.issues} issues, --max-workers 4: "
                f"{got['wall']:.1f} s wall, {got['spawned']:.0f} spawns, agents "
                f"{got['agent']:.1f} s (median {got['agent_median']:.2f} s); loop overhead "
                f"{got['overhead']:.2f} s per issue; one turn over the finished queue "
                f"{got['turn'] * 1000:.0f} ms"
            )
    return 0


def spawn_and_status(root: Path, workers: int) -> None:
    root.mkdir()
    repo = project_with_origin(root)
    from review_gate.trackers.local import LocalTracker

    tracker = LocalTracker.for_checkout(repo)
    for i in range(workers):
        tracker.create_issue(f"Benchmark task number {i}", "Do the thing.")
    agent = f"{sys.executable} -c pass"
    spawns = [
        timed(repo, "dispatch", "spawn", "--issue", str(n), "--agent-cmd", agent)
        for n in range(1, workers + 1)
    ]
    time.sleep(0.5)  # let the agents exit
    statuses = [timed(repo, "dispatch", "status") for _ in range(5)]
    baseline = [timed(repo, "--version") for _ in range(5)]
    print(f"gate --version (CLI start-up):        median {statistics.median(baseline):.3f} s")
    print(
        f"dispatch spawn ({workers} issues, agent exits at once): "
        f"median {statistics.median(spawns):.3f} s, max {max(spawns):.3f} s (goal < 1 s)"
    )
    print(
        f"dispatch status over {workers} workers: "
        f"median {statistics.median(statuses):.3f} s, max {max(statuses):.3f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
