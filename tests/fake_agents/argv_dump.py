"""Fake Claude Code / Codex binary: write its argv and cwd as JSON to $FAKE_ARGV_DUMP."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    dump = Path(os.environ["FAKE_ARGV_DUMP"])
    dump.write_text(json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd()}))
