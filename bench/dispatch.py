"""Benchmark: `gate dispatch spawn` and `gate dispatch status` with the local tracker.

spawn is timed end to end as a user runs it (a `gate` subprocess: claim, worktree,
hook wiring, prompt, process start, pid record, heartbeat edit) with an agent that
exits at once, so the agent's own work is excluded. Goal: under 1 s.
status is timed over 20 workers (20 issues, each with a finished worker).

    .venv/bin/python bench/dispatch.py [--workers 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GATE = str(Path(sys.executable).with_name("gate"))
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def sh(cwd: Path, *cmd: str) -> str:
    return subprocess.run(cmd, cwd=cwd, env=ENV, check=True, capture_output=True, text=True).stdout


def timed(cwd: Path, *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run((GATE, *args), cwd=cwd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"gate {' '.join(args)} failed: {proc.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ENV["HOME"] = str(root)
        sh(root, "git", "init", "-q", "--bare", "-b", "main", "project.git")
        repo = root / "project"
        repo.mkdir()
        sh(repo, "git", "init", "-q", "-b", "main")
        (repo / "README.md").write_text("bench\n")
        sh(repo, "git", "add", "README.md")
        sh(repo, "git", "commit", "-q", "-m", "chore: init")
        sh(repo, "git", "remote", "add", "origin", str(root / "project.git"))
        sh(repo, "git", "push", "-q", "-u", "origin", "main")
        from review_gate.trackers.local import LocalTracker

        tracker = LocalTracker.for_checkout(repo)
        for i in range(args.workers):
            tracker.create_issue(f"Benchmark task number {i}", "Do the thing.")
        agent = f"{sys.executable} -c pass"
        spawns = [
            timed(repo, "dispatch", "spawn", "--issue", str(n), "--agent-cmd", agent)
            for n in range(1, args.workers + 1)
        ]
        time.sleep(0.5)  # let the agents exit
        statuses = [timed(repo, "dispatch", "status") for _ in range(5)]
        baseline = [timed(repo, "--version") for _ in range(5)]
    print(f"gate --version (CLI start-up):        median {statistics.median(baseline):.3f} s")
    print(
        f"dispatch spawn ({args.workers} issues, agent exits at once): "
        f"median {statistics.median(spawns):.3f} s, max {max(spawns):.3f} s (goal < 1 s)"
    )
    print(
        f"dispatch status over {args.workers} workers: "
        f"median {statistics.median(statuses):.3f} s, max {max(statuses):.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
