"""Fake agent: post a HANDOVER for the issue and exit 0 (-> handover)."""

from __future__ import annotations

import os
import sys

from _common import post

from tests.artifact_samples import handover

if __name__ == "__main__":
    issue = sys.argv[2]
    worker = os.environ["REVIEW_GATE_WORKER_ID"]
    post(issue, handover(int(issue), worker=worker, next_steps=("Finish the fake work",)))
    print("fake agent: handed over", flush=True)
