"""Fake agent: wait forever, unless its prompt asks for a HANDOVER (the deadline
watchdog's second prompt): then post one and exit 0."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from _common import post

from tests.artifact_samples import handover

if __name__ == "__main__":
    prompt_file, issue = sys.argv[1], sys.argv[2]
    if "Your time for issue" in Path(prompt_file).read_text():
        worker = os.environ["REVIEW_GATE_WORKER_ID"]
        post(issue, handover(int(issue), worker=worker, next_steps=("Finish the work",)))
        print("fake agent: handed over at the deadline", flush=True)
        sys.exit(0)
    print("fake agent: working slowly", flush=True)
    while True:
        time.sleep(3600)
