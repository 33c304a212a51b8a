"""Fake agent: print a Blocked report with `gate new blocked` in its worktree, fill in
its blanks, check it with `gate validate` and post it, then exit 0 (-> blocked).

Extra arguments: the reason (default below) and, optionally, a worker id to report as
(another worker's report must not count as this worker's outcome)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _common import post

REASON = "the staging API needs a token nobody has given this repository"
FILL = {
    "[CLEAR_DESCRIPTION_OF_THE_BLOCKER]": "{reason}",
    "[APPROACH_1]": "Read the README",
    "[APPROACH_2]": "Read the fixtures",
    "[WHY_IT_DID_NOT_WORK]": "no token documented",
    "[SPECIFIC_ACTION_NEEDED_FROM_A_HUMAN_OR_EXTERNAL]": "Add STAGING_TOKEN",
    "[WHY_THIS_IS_A_TRUE_BLOCKER_NOT_JUST_A_HARD_PROBLEM]": "every test calls the live API",
}


def _record(worktree: str, worker_id: str) -> Path:
    common = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=worktree, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return Path(common) / "review-gate" / "workers" / f"{worker_id}.json"


if __name__ == "__main__":
    worktree, issue = sys.argv[1], sys.argv[2]
    reason = sys.argv[3] if len(sys.argv) > 3 else REASON
    as_worker = sys.argv[4] if len(sys.argv) > 4 else None
    # The dispatcher writes the pid record right after starting the agent.
    record = _record(worktree, os.environ["REVIEW_GATE_WORKER_ID"])
    for _ in range(300):
        if record.exists():
            break
        time.sleep(0.1)
    args = ["gate", "new", "blocked", "--turns", "7"]
    if as_worker:
        args += ["--worker-id", as_worker, "--attempt", "1"]
    text = subprocess.run(args, cwd=worktree, check=True, capture_output=True, text=True).stdout
    for blank, value in FILL.items():
        text = text.replace(blank, value.format(reason=reason))
    assert not re.search(r"\[[A-Z_]+\]", text), text
    subprocess.run(["gate", "validate", "--kind", "report", "-"], input=text, text=True, check=True)
    post(issue, text)
