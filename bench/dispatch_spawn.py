"""Benchmark: git subprocesses of one `gate dispatch spawn`, and its time as worktrees pile up.

Goal (issue 14): at most 15 git subprocesses per spawn, excluding the agent, and a time
independent of the number of worktrees the repository already has (0, 50, 200).

Each spawn runs as a user runs it (a `gate` subprocess in a repository with an origin,
the local tracker) with an agent that exits at once. The git processes are counted by a
``git`` wrapper put first on ``PATH`` that logs its argv and runs the real git; the
agent starts no git, so every logged call is the dispatcher's (and its hook wiring's).
The repositories at 0, 50 and 200 existing worker worktrees are built first; then the
spawns are timed in rounds that visit the three in turn, so a slow moment of the shared
machine hits each size alike. Ratios are against the repository with no worktree.

``--src DIR`` also runs another source tree (e.g. an older commit's ``src``) with this
interpreter, in the same rounds (each spawn of this tree beside one of that tree), to
compare before and after in one run::

    .venv/bin/python bench/dispatch_spawn.py [--rounds 5] [--sizes 0,50,200] [--src OLD/src]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench_env import ENV, GATE, project_with_origin, sh


def wrapper(bindir: Path, log: Path) -> None:
    """A ``git`` first on PATH that appends its argv to ``log`` and runs the real git."""
    real = shutil.which("git")
    assert real, "git is not on PATH"
    bindir.mkdir(parents=True, exist_ok=True)
    script = bindir / "git"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def make_repo(root: Path, worktrees: int, issues: int) -> Path:
    """A clone of a bare origin with ``worktrees`` worker worktrees already there
    (``../project-worker-N`` on ``feature/N-old``, N above every benchmark issue) and
    ``issues`` open issues in the local tracker."""
    root.mkdir(parents=True)
    repo = project_with_origin(root)
    sh(repo, "git", "remote", "set-head", "origin", "main")
    for n in range(1000, 1000 + worktrees):
        sh(repo, "git", "worktree", "add", "-q", "-b", f"feature/{n}-old", f"../project-worker-{n}")
    from review_gate.trackers.local import LocalTracker

    tracker = LocalTracker.for_checkout(repo)
    for i in range(issues):
        tracker.create_issue(f"Benchmark task number {i}", "Do the thing.")
    return repo


def spawn_once(repo: Path, issue: int, env: dict[str, str], log: Path) -> tuple[float, list[str]]:
    log.write_text("")
    agent = f"{sys.executable} -c pass"
    argv = [*GATE, "dispatch", "spawn", "--issue", str(issue), "--agent-cmd", agent]
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"spawn #{issue} failed: {proc.stderr.strip()}")
    calls = [line for line in log.read_text().splitlines() if line]
    return elapsed, calls


def measure(
    trees: dict[str, Path | None], sizes: Sequence[int], rounds: int
) -> dict[str, dict[int, dict[str, object]]]:
    """``{tree: {size: {"median_s", "git", "calls"}}}`` (tree None: this checkout's)."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        log = base / "git.log"
        wrapper(base / "bin", log)
        env = {**ENV, "HOME": str(base), "PATH": f"{base / 'bin'}{os.pathsep}{ENV['PATH']}"}
        envs = {
            name: {**env, "PYTHONPATH": str(src)} if src is not None else env
            for name, src in trees.items()
        }
        cases = [(name, size) for name in trees for size in sizes]
        repos = {
            c: make_repo(base / f"t{list(trees).index(c[0])}-{c[1]}", c[1], rounds) for c in cases
        }
        times: dict[tuple[str, int], list[float]] = {c: [] for c in cases}
        calls: dict[tuple[str, int], list[list[str]]] = {c: [] for c in cases}
        for issue in range(1, rounds + 1):
            for case in cases:
                elapsed, made = spawn_once(repos[case], issue, envs[case[0]], log)
                times[case].append(elapsed)
                calls[case].append(made)
        time.sleep(0.3)  # the agents exit at once; let their supervisors finish
        return {
            name: {
                size: {
                    "median_s": statistics.median(times[name, size]),
                    "git": statistics.median(len(c) for c in calls[name, size]),
                    "calls": calls[name, size][-1],
                }
                for size in sizes
            }
            for name in trees
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="spawns per size (default 5)")
    parser.add_argument("--sizes", default="0,50,200", help="existing worktrees (default 0,50,200)")
    parser.add_argument("--src", type=Path, help="another source tree to measure (PYTHONPATH)")
    parser.add_argument("--calls", action="store_true", help="list one spawn's git calls")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    ns = parser.parse_args(argv)
    sizes = [int(s) for s in ns.sizes.split(",")]
    trees: dict[str, Path | None] = {"this tree": None}
    if ns.src:
        trees["--src"] = ns.src.resolve()
    results = measure(trees, sizes, ns.rounds)
    if ns.format == "json":
        print(json.dumps(results, indent=2))
        return 0
    for name, by_size in results.items():
        first = float(by_size[sizes[0]]["median_s"])  # type: ignore[arg-type]
        for size in sizes:
            got = by_size[size]
            median = float(got["median_s"])  # type: ignore[arg-type]
            print(
                f"{name}: dispatch spawn with {size:>3} existing worktrees: {got['git']} git "
                f"processes, median {median:.3f} s = {median / first:.2f}x the "
                f"{sizes[0]}-worktree repository"
            )
    if ns.src:
        for size in sizes:
            ours = float(results["this tree"][size]["median_s"])  # type: ignore[arg-type]
            theirs = float(results["--src"][size]["median_s"])  # type: ignore[arg-type]
            print(f"{size:>3} worktrees: this tree / --src = {ours / theirs:.2f}x")
    if ns.calls:
        last = results["this tree"][sizes[-1]]["calls"]
        assert isinstance(last, list)
        counted = collections.Counter(" ".join(c.split()[:2]) for c in last)
        for line in last:
            print(f"  git {line}")
        print("  by command:", ", ".join(f"{k} x{v}" for k, v in counted.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
