"""Fake agent: print a traceback-like line and exit 3 (-> failed)."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    print("fake agent: Error: the model provider is unreachable", flush=True)
    sys.exit(3)
