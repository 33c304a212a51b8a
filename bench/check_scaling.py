"""Benchmark: `gate check` on an issue with 1,000 and with 10,000 REVIEW comments.

A checkout with the local tracker; issue #7 holds N REVIEW comments by a trusted
author (the varied corpus of bench/validate_throughput.py, then a passing review of
#7 last), imported in one transaction. Each round runs ``gate check --issue 7`` as a
process of its own on each size, the sizes taking turns going first; the goal is a
linear cost (10,000 comments within 10x the time of 1,000: no cache thrash, each
artifact parsed once per process).

    .venv/bin/python bench/check_scaling.py [--small 1000] [--large 10000] [-n 5]
        [--src OTHER/src]

``--src`` also runs another checkout's package (e.g. a worktree of an older commit)
on the same two trackers, side by side.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_env import ENV  # noqa: E402  (bench/ is the script's directory)
from validate_throughput import corpus  # noqa: E402

from tests import artifact_samples  # noqa: E402


def git(cwd: Path, *args: str) -> None:
    subprocess.run(("git", *args), cwd=cwd, env=ENV, check=True, capture_output=True)


def make_checkout(base: Path, comments: int) -> Path:
    """A repository whose local tracker holds issue #7 with ``comments`` REVIEWs."""
    from review_gate.trackers.local import LocalTracker

    repo = base / f"repo-{comments}"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("bench\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "chore: init (#1)")
    git(repo, "checkout", "-q", "-b", "feature/7-bench")
    bodies = [*corpus(comments - 1, seed=comments), artifact_samples.review(7)]
    export: list[dict[str, Any]] = [
        {
            "id": 1000 + i,
            "html_url": f"local:issues/7#issuecomment-{1000 + i}",
            "body": body,
            "user": {"login": "reviewer"},
            "created_at": f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "updated_at": f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "author_association": "OWNER",
        }
        for i, body in enumerate(bodies)
    ]
    tracker = LocalTracker.for_checkout(repo)
    tracker.import_comments(7, export)
    tracker.close()
    return repo


def timed_check(repo: Path, src: Path | None) -> float:
    env = dict(ENV)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    command = (sys.executable, "-m", "review_gate", "check", "--issue", "7", "--tracker", "local")
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        where = src or "this tree"
        raise SystemExit(f"gate check failed ({where}) in {repo}:\n{proc.stdout}{proc.stderr}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("-n", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--src", type=Path, help="another checkout's src directory")
    args = parser.parse_args(argv)
    if args.src is not None and not (args.src / "review_gate").is_dir():
        print(f"error: {args.src} holds no review_gate package", file=sys.stderr)
        return 2
    trees: dict[str, Path | None] = {"this tree": None}
    if args.src is not None:
        trees["--src tree"] = args.src
    with tempfile.TemporaryDirectory(prefix="rg-bench-") as tmp:
        base = Path(tmp)
        ENV["HOME"] = str(base)
        sizes = (args.small, args.large)
        repos = {n: make_checkout(base, n) for n in sizes}
        times: dict[tuple[str, int], list[float]] = {(t, n): [] for t in trees for n in sizes}
        for round_ in range(args.n):
            order = sizes if round_ % 2 == 0 else sizes[::-1]
            for tree, src in trees.items():
                for n in order:
                    times[tree, n].append(timed_check(repos[n], src))
        print(f"gate check --issue 7 (local tracker, trusted REVIEWs), median of {args.n}")
        for tree in trees:
            small = statistics.median(times[tree, args.small])
            large = statistics.median(times[tree, args.large])
            print(
                f"  {tree:>10}: {args.small:,} comments {small:6.2f} s, "
                f"{args.large:,} comments {large:6.2f} s: ratio {large / small:.1f}x "
                f"(for {args.large / args.small:.0f}x the comments)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
