"""Benchmark: `gate check` on an issue with N comments over the GitHub tracker.

Budget (README, Benchmarks): ceil(N/100) comment requests plus at most 2 others. Runs
``review_gate.check.check`` with a ``GitHubTracker`` against the local GitHub stand-in
(tests/github_standin.py): N comments, one complete trusted REVIEW beyond the first page
(with a deferred finding whose tracking issue the gate looks up), the rest chatter.

    .venv/bin/python bench/check_requests.py [--comments 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from review_gate.check import check  # noqa: E402
from review_gate.config import Config  # noqa: E402
from review_gate.trackers.github import GitHubTracker  # noqa: E402
from tests.artifact_samples import review  # noqa: E402
from tests.github_standin import GitHubStandIn  # noqa: E402

ISSUE = 7


def seed(gh: GitHubStandIn, count: int) -> int:
    """N comments on issue 7; the review sits at 2/3 of the way (beyond page 1)."""
    gh.add_issue(ISSUE, "Busy issue")
    gh.add_issue(8, "Tracking issue for a deferred finding")
    at = max(0, count * 2 // 3)
    for i in range(count):
        if i == at:
            body = review(
                ISSUE,
                deferred=(("Minor", "Slow path", "#8", "Out of scope"),),
            )
            gh.add_comment(ISSUE, body, login="reviewer", association="MEMBER")
        else:
            gh.add_comment(ISSUE, f"progress note {i}", login="mallory", association="NONE")
    return at


def run_once(gh: GitHubStandIn) -> tuple[int, float, bool]:
    gh.requests.clear()
    tracker = GitHubTracker(gh.full_name, token=gh.token, api_url=gh.url)
    with tempfile.TemporaryDirectory() as cwd:
        started = time.perf_counter()
        result = check(
            ISSUE, cwd=Path(cwd), config=Config(), tracker=tracker, head=None, changed_files=[]
        )
        elapsed = time.perf_counter() - started
    tracker.close()
    return len(gh.requests), elapsed, result.passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    budget = math.ceil(args.comments / 100) + 2
    with GitHubStandIn() as gh:
        at = seed(gh, args.comments)
        runs = [run_once(gh) for _ in range(args.repeat)]
        paths = sorted({r.path for r in gh.requests})
    counts = {count for count, _, _ in runs}
    times = [elapsed for _, elapsed, _ in runs]
    print(f"comments: {args.comments} (complete review at #{at + 1}, page {at // 100 + 1})")
    print(f"requests per check: {sorted(counts)}  budget: ceil({args.comments}/100)+2 = {budget}")
    print(f"paths: {', '.join(paths)}")
    print(f"verdict: {'pass' if all(p for _, _, p in runs) else 'FAIL'}")
    print(
        f"time per check: median {statistics.median(times) * 1000:.0f} ms, "
        f"min {min(times) * 1000:.0f} ms over {len(times)} runs (local stand-in, no network)"
    )
    within = max(counts) <= budget and all(p for _, _, p in runs)
    print("within budget" if within else "OVER BUDGET")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
