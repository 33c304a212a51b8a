"""Benchmark: REST requests of `gate dispatch --backend github-actions`, against the
GitHub stand-in (tests/github_standin.py + tests/github_standin_actions.py).

- per spawn: every request one ``start`` sends (claim, re-read, dispatch, record);
- per status poll of N remote workers when nothing changed: all requests, and those that
  count against the rate limit (an unchanged run answers 304 to a conditional request,
  which GitHub does not count). The issue's goal: at most ceil(N/100) + 1;
- per turn of `gate dispatch run`'s loop over the same N workers when nothing changed:
  all requests (one conditional read of each issue besides the poll) and those counted
  (goal: none).

    .venv/bin/python bench/dispatch_remote.py [--workers 50]
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from review_gate.dispatch.backends.actions import ActionsBackend  # noqa: E402
from review_gate.dispatch.backends.actions_client import ActionsClient  # noqa: E402
from review_gate.dispatch.context import open_context  # noqa: E402
from review_gate.dispatch.registry import assignment_body, now, rfc3339  # noqa: E402
from review_gate.dispatch.run import Loop  # noqa: E402
from review_gate.dispatch.run_records import RunOptions  # noqa: E402
from review_gate.dispatch.spawn import SpawnRequest  # noqa: E402
from tests.github_standin import GitHubStandIn  # noqa: E402
from tests.github_standin_actions import actions  # noqa: E402


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _repo(tmp: Path, gh: GitHubStandIn) -> Path:
    bare, repo = tmp / "project.git", tmp / "project"
    _git(tmp, "init", "-q", "--bare", "-b", "main", str(bare))
    _git(tmp, "init", "-q", "-b", "main", str(repo))
    (repo / ".review-gate.toml").write_text(
        f"tracker = 'github'\nrepo = '{gh.full_name}'\napi_url = '{gh.url}'\n"
    )
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q", "-m", "c")
    _git(repo, "remote", "add", "origin", str(bare))
    _git(repo, "push", "-q", "origin", "main")
    return repo


def _kinds(requests: list[object]) -> str:
    def kind(path: str) -> str:
        path = path.split("/repos/octo/project")[-1]
        if path.startswith("/actions/runs/"):
            return "GET runs/{id}"
        if path == "/issues/comments":
            return "GET issues/comments?since="
        if path.startswith("/issues/") and path.endswith("/comments"):
            return "GET issues/{n}/comments"
        return "GET " + path.lstrip("/")

    counts = Counter(kind(r.path) for r in requests)  # type: ignore[attr-defined]
    return ", ".join(f"{n} x {k}" for k, n in sorted(counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=50)
    args = parser.parse_args()
    n = args.workers
    with tempfile.TemporaryDirectory() as tmp, GitHubStandIn() as gh:
        os.environ["GH_TOKEN"] = gh.token
        repo = _repo(Path(tmp), gh)
        store = actions(gh)
        ctx = open_context(repo)
        backend = ActionsBackend(ctx, ActionsClient.from_config(ctx.config), sleep=lambda s: None)
        # per spawn
        gh.add_issue(1, "Spawned issue")
        before = len(gh.requests)
        backend.start(SpawnRequest(1))
        spawn = gh.requests[before:]
        print(f"spawn: {len(spawn)} requests ("
              + ", ".join(f"{r.method} {r.path.split('/repos/octo/project')[-1]}" for r in spawn)
              + ")")  # fmt: skip
        # N running remote workers
        issues = list(range(100, 100 + n))
        for issue in issues:
            gh.add_issue(issue, f"Issue {issue}")
            with gh._lock:
                run = store._new_run({"ref": "main", "inputs": {
                    "issue": str(issue), "worker_id": f"worker-1-{issue}", "branch": "b",
                }})  # fmt: skip
            # workers spawned over time, a second apart (as a loop spawns them)
            stamp = rfc3339(now() - datetime.timedelta(seconds=n - issue + 100))
            gh.add_comment(issue, assignment_body({
                "assigned": True, "worker_id": f"worker-1-{issue}", "assigned_at": stamp,
                "worktree": run.data["html_url"], "issue": issue, "attempt": 1, "branch": "b",
                "agent": "claude", "host": "github-actions", "heartbeat_at": stamp,
            }), created_at=stamp)  # fmt: skip
            store.set(run.data["id"], "in_progress")
        goal = math.ceil(n / 100) + 1
        for label in ("first poll", "second poll, nothing changed", "third poll, nothing changed"):
            before, remaining = len(gh.requests), gh.rate_remaining
            workers = backend.state(issues)
            poll = gh.requests[before:]
            assert all(w.state == "running" for w in workers), {w.state for w in workers}
            # the stand-in logs a request before it turns a matching If-None-Match into
            # a 304; what it counts against the rate limit is the honest figure
            counted = remaining - gh.rate_remaining
            verdict = (
                ""
                if label == "first poll"
                else (f" (goal <= {goal}: {'met' if len(poll) <= goal else 'NOT met'})")
            )
            what = f"({_kinds(poll)}), {counted} counted against the rate limit"
            print(f"status, {n} remote workers, {label}: {len(poll)} requests {what}{verdict}")
        fresh = ActionsBackend(ctx, ActionsClient.from_config(ctx.config), sleep=lambda s: None)
        options = RunOptions(issues=tuple(issues), max_workers=n, poll=0)
        loop = Loop(ctx, options, lambda event: None, backend=fresh)
        for label in ("first turn", "second turn, nothing changed", "third turn, nothing changed"):
            before, remaining = len(gh.requests), gh.rate_remaining
            states = loop.poll()
            turn = gh.requests[before:]
            assert all(s.phase == "running" for s in states), {s.phase for s in states}
            counted = remaining - gh.rate_remaining
            # the second turn pays once for the comment listing's moved `since`
            steady = label.startswith("third")
            verdict = f" (goal 0: {'met' if not counted else 'NOT met'})" if steady else ""
            print(f"run, {n} remote workers, {label}: {len(turn)} requests, "
                  f"{counted} counted against the rate limit{verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
