"""Fake agent: write its argv, cwd, environment and process group to its last argument as JSON."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    Path(sys.argv[-1]).write_text(
        json.dumps(
            {
                "argv": sys.argv,
                "cwd": os.getcwd(),
                "env": dict(os.environ),
                "pgid": os.getpgid(0),
                "pid": os.getpid(),
                "sid": os.getsid(0),
                "stdin_tty": os.isatty(0),
            }
        )
    )
