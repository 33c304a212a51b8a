"""Fake agent: print one line, then sleep without output (-> hung)."""

from __future__ import annotations

import time

if __name__ == "__main__":
    print("fake agent: thinking forever", flush=True)
    while True:
        time.sleep(3600)
