"""Shared test harness of the dispatcher tests: a repository with a bare remote, issues
in the local tracker, fake agent command templates, and waiting on real processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from review_gate.trackers.local import LocalTracker
from tests.helpers import init_repo_with_remote, run_gate

HERE = Path(__file__).resolve().parent


def agent(name: str, *extra: str) -> str:
    """An --agent-cmd template running fake agent ``name`` with worktree and issue."""
    words = [sys.executable, str(HERE / f"{name}.py"), "{worktree}", "{issue}", *extra]
    return " ".join(words)


class Project:
    def __init__(self, tmp: Path) -> None:
        self.repo, self.bare = init_repo_with_remote(tmp)
        self.tracker = LocalTracker.for_checkout(self.repo)
        self.state = self.repo / ".git" / "review-gate"

    def issue(self, title: str = "Add the settings parser", **kw: Any) -> int:
        return self.tracker.create_issue(title, "Parse the settings file.", **kw).number

    def gate(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return run_gate(*args, cwd=self.repo, env=env, timeout=timeout)

    def spawn(
        self, issue: int, name: str, *extra: str, env: dict[str, str] | None = None
    ) -> dict[str, Any]:
        proc = self.gate(
            "dispatch",
            "spawn",
            "--issue",
            str(issue),
            "--agent-cmd",
            agent(name, *extra),
            "--format",
            "json",
            env=env,
        )
        assert proc.returncode == 0, proc.stderr + proc.stdout
        return dict(json.loads(proc.stdout))

    def status(
        self, *issues: int, env: dict[str, str] | None = None, extra: tuple[str, ...] = ()
    ) -> list[dict[str, Any]]:
        args = ["dispatch", "status", "--format", "json", *extra]
        for n in issues:
            args += ["--issue", str(n)]
        proc = self.gate(*args, env=env)
        assert proc.returncode == 0, proc.stderr
        return list(json.loads(proc.stdout)["workers"])

    def state_of(self, issue: int, **kw: Any) -> str:
        workers = self.status(issue, **kw)
        return str(workers[-1]["state"])

    def comments(self, issue: int) -> list[str]:
        return [c.body for c in self.tracker.list_comments(issue)]

    def records(self) -> list[dict[str, Any]]:
        folder = self.state / "workers"
        if not folder.is_dir():
            return []
        return [json.loads(p.read_text()) for p in sorted(folder.glob("worker-*.json"))]

    def kill_all(self) -> None:
        """Teardown: no process a test started may outlive it. Only this project's:
        processes of its workers (their process trees included) and any process whose
        worker environment names a worktree beside this repository — never another
        test's worker that happens to share an id."""
        from review_gate.dispatch import procs

        table = procs.ProcessTable()
        doomed: set[int] = set()
        for record in self.records():
            scope = procs.Scope(
                record["worker_id"], record.get("worktree"), record.get("pid"),
                record.get("start_time"), record.get("supervisor_pid"),
                record.get("supervisor_start"), record.get("boot_id"),
            )  # fmt: skip
            doomed |= set(table.members(scope))
        root = str(self.repo.parent) + os.sep
        for entries in table.tagged.values():
            doomed |= {pid for pid, where in entries if where and where.startswith(root)}
        for pid in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def wait_for(predicate: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def alive(pid: int) -> bool:
    from review_gate.dispatch.procs import proc_info

    info = proc_info(pid)
    return info is not None and info.state not in ("Z", "X")


def projects(tmp: Path) -> Iterator[Project]:
    project = Project(tmp)
    try:
        yield project
    finally:
        project.kill_all()
