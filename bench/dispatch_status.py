"""Benchmark: `gate dispatch status` over 200 workers against 20.

Goal (issue 14): the time for 200 workers at most 2x the time for 20.

Each repository holds N issues in the local tracker, each with a worker that ran on
this host and is gone: its assignment comment, a pid record naming a process that has
exited, a log of a few hundred lines and its supervisor's exit record. Every third
worker posted a complete REVIEW (completed), every third a ``Worker Failed`` report
(failed), the rest nothing (failed, no outcome). The records are written directly,
as a spawn leaves them, so building 200 workers takes seconds. `gate dispatch status`
then runs as a user runs it (a `gate` subprocess), in rounds that alternate the sizes,
and ``python -c pass`` is timed beside it for scale.

``--src DIR`` also runs another source tree (e.g. an older commit's ``src``) with this
interpreter on the same repositories, in the same rounds, to compare before and after in
one run::

    .venv/bin/python bench/dispatch_status.py [--rounds 7] [--sizes 20,200] [--src OLD/src]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench_env import ENV, GATE, sh  # bench/ is the script's directory

ROOT = Path(__file__).resolve().parents[1]


def _dead_pid() -> tuple[int, int | None]:
    """A pid whose process has exited, and the start time it had."""
    from review_gate.dispatch import procs

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.2)"])
    started = procs.start_time(proc.pid)
    proc.wait()
    return proc.pid, started


def make_repo(root: Path, workers: int) -> Path:
    """A repository whose local tracker and state directory hold ``workers`` finished
    workers (see the module docstring)."""
    sys.path.insert(0, str(ROOT))
    from review_gate import git
    from review_gate.dispatch import procs
    from review_gate.dispatch.context import hostname
    from review_gate.dispatch.registry import (
        WorkerRecord,
        assignment_body,
        exit_path,
        save_record,
        workers_dir,
        write_json_atomic,
    )
    from review_gate.trackers.local import LocalTracker
    from tests.artifact_samples import review

    repo = root / "project"
    repo.mkdir(parents=True)
    sh(repo, "git", "init", "-q", "-b", "main")
    (repo / "README.md").write_text("bench\n")
    sh(repo, "git", "add", "README.md")
    sh(repo, "git", "commit", "-q", "-m", "chore: init")
    tracker = LocalTracker.for_checkout(repo)
    state = git.state_dir(repo)
    directory = workers_dir(state)
    pid, started = _dead_pid()
    boot = procs.boot_id()
    host = hostname()
    log_text = "".join(f"agent output line {i}: doing the thing\n" for i in range(300))
    for i in range(workers):
        issue = tracker.create_issue(f"Status task number {i}", "Do the thing.").number
        worker_id = f"worker-1796000000-{issue}-abc{issue:03d}"
        stamp = "2026-12-01T10:00:00Z"
        worktree = str(root / f"project-worker-{issue}")
        data = {
            "assigned": True,
            "worker_id": worker_id,
            "assigned_at": stamp,
            "worktree": worktree,
            "issue": issue,
            "attempt": 1,
            "branch": f"feature/{issue}-status-task",
            "agent": "custom",
            "host": host,
            "heartbeat_at": stamp,
            "pid": pid,
        }
        tracker.post_comment(issue, assignment_body(data))
        if i % 3 == 0:
            tracker.post_comment(issue, review(issue, worker=worker_id))
        elif i % 3 == 1:
            tracker.post_comment(issue, "🤖 **Worker Failed**\n\nThe tests would not pass.\n")
        log = directory / f"{worker_id}.log"
        log.write_text(log_text)
        prompt = directory / f"{worker_id}.prompt.md"
        prompt.write_text("Work on the issue.\n")
        record = WorkerRecord(
            worker_id=worker_id, issue=issue, pid=pid, start_time=started, boot_id=boot,
            host=host, argv=("agent",), started_at=stamp, worktree=worktree,
            branch=str(data["branch"]), attempt=1, agent="custom", log=str(log),
            prompt_file=str(prompt),
        )  # fmt: skip
        save_record(state, record)
        write_json_atomic(
            exit_path(state, worker_id),
            {"started_at": stamp, "exited_at": "2026-12-01T10:05:00Z", "runtime": 300.0,
             "returncode": 1},
        )  # fmt: skip
    return repo


def timed(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[-3:])} failed: {proc.stderr.strip()}")
    return elapsed, proc.stdout


def measure(
    trees: dict[str, Path | None], sizes: Sequence[int], rounds: int
) -> dict[str, dict[int, float]]:
    """``{tree: {size: median seconds}}``, and ``python -c pass`` as tree ``python``."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = {**ENV, "HOME": str(base)}
        envs = {
            name: {**env, "PYTHONPATH": str(src)} if src is not None else env
            for name, src in trees.items()
        }
        repos = {size: make_repo(base / f"n{size}", size) for size in sizes}
        times: dict[tuple[str, int], list[float]] = {(n, s): [] for n in trees for s in sizes}
        bare: list[float] = []
        argv = [*GATE, "dispatch", "status", "--format", "json"]
        for name in trees:  # once, unmeasured: every worker must come out
            for size in sizes:
                _, out = timed(argv, repos[size], envs[name])
                shown = json.loads(out)["workers"]
                if len(shown) != size:
                    raise SystemExit(f"{name}: status showed {len(shown)} workers of {size}")
        for _ in range(rounds):
            bare.append(timed([sys.executable, "-c", "pass"], base, env)[0])
            for name in trees:
                for size in sizes:
                    times[name, size].append(timed(argv, repos[size], envs[name])[0])
        result = {
            name: {size: statistics.median(times[name, size]) for size in sizes} for name in trees
        }
        result["python"] = {0: statistics.median(bare)}
        return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sizes", default="20,200", help="workers (default 20,200)")
    parser.add_argument("--src", type=Path, help="another source tree to measure (PYTHONPATH)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    ns = parser.parse_args(argv)
    sizes = [int(s) for s in ns.sizes.split(",")]
    trees: dict[str, Path | None] = {"this tree": None}
    if ns.src:
        trees["--src"] = ns.src.resolve()
    got = measure(trees, sizes, ns.rounds)
    if ns.format == "json":
        print(json.dumps(got, indent=2))
        return 0
    print(f"python -c pass: median {got['python'][0] * 1000:.0f} ms")
    for name in trees:
        first = got[name][sizes[0]]
        for size in sizes:
            median = got[name][size]
            print(
                f"{name}: dispatch status, {size:>3} workers: median {median:.3f} s = "
                f"{median / first:.2f}x the {sizes[0]}-worker figure"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
