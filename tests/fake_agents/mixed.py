"""Fake agent for the fleet tests: what it does depends on the issue and the attempt.

    issue % 4 == 0: complete            issue % 4 == 2: hang on attempt 1, then complete
    issue % 4 == 1: crash on attempt 1,  issue % 4 == 3: hand over on attempt 1, then
                    then complete                        complete

Its attempt comes from its own claim in the tracker. It appends what it does to the
journal (its last argument, one JSON line per event: start, end, violation), and while
it lives it checks, every 0.1 s, that its claim is still the issue's active claim: a
live worker whose claim was released or withdrawn is a *violation* (issue 15: "no claim
released that its owner still holds").
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from _common import commit, post

from review_gate.dispatch.registry import read_claims
from review_gate.gates.common import trust_policy
from review_gate.trackers.local import LocalTracker
from tests.artifact_samples import handover, review

WORKER = os.environ["REVIEW_GATE_WORKER_ID"]


class Agent:
    def __init__(self, worktree: str, issue: int, journal: str) -> None:
        self.worktree = worktree
        self.issue = issue
        self.journal = journal
        self.tracker = LocalTracker.for_checkout(Path(worktree))
        self.attempt = 0
        self.last_check = 0.0

    def note(self, event: str, **extra: object) -> None:
        line = {"event": event, "issue": self.issue, "attempt": self.attempt, "worker": WORKER,
                "pid": os.getpid(), "t": time.time(), **extra}  # fmt: skip
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(line) + "\n").encode())
        finally:
            os.close(fd)

    def check(self) -> None:
        """My claim must be the issue's active claim for as long as I run."""
        claims = read_claims(self.tracker.list_comments(self.issue), trust_policy())
        mine = [c for c in claims.active if c.worker_id == WORKER]
        if not mine:
            self.note("violation", why="my claim is not active while I run")
        elif self.attempt == 0:
            self.attempt = mine[0].attempt
        self.last_check = time.monotonic()

    def work(self, seconds: float, *, quiet: bool = False) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not quiet:
                print("fake agent: working", flush=True)
            if time.monotonic() - self.last_check >= 0.1:
                self.check()
            time.sleep(0.05)

    def main(self) -> int:
        self.check()
        self.note("start")
        kind = self.issue % 4
        if self.attempt == 1 and kind == 1:
            self.work(0.2)
            self.note("end", outcome="crash")
            return 3
        if self.attempt == 1 and kind == 2:
            self.note("hang")
            self.work(3600, quiet=True)
        if self.attempt == 1 and kind == 3:
            self.work(0.3)
            post(str(self.issue), handover(self.issue, worker=WORKER, next_steps=("Finish",)))
            self.check()
            self.note("end", outcome="handover")
            return 0
        self.work(0.4 + (self.issue % 3) * 0.2)
        post(str(self.issue), review(self.issue, commit=commit(self.worktree)))
        self.check()
        self.note("end", outcome="complete")
        return 0


if __name__ == "__main__":
    sys.exit(Agent(sys.argv[1], int(sys.argv[2]), sys.argv[-1]).main())
