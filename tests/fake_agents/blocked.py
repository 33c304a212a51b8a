"""Fake agent: post the seed's Blocked report and exit 0 (-> blocked)."""

from __future__ import annotations

import os
import sys

from _common import post

BODY = """🤖 **Worker Blocked**

🚫 **Reason:** the API credentials for the staging service are missing

**What I tried:**
1. Reading the README - no credentials documented

**Required to unblock:**
- [ ] Provide STAGING_TOKEN

---
*Worker: {worker} | Attempt: 1*
"""

if __name__ == "__main__":
    post(sys.argv[2], BODY.format(worker=os.environ["REVIEW_GATE_WORKER_ID"]))
